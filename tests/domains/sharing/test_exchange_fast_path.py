"""The exchange API's bearer-token lookups, answered around FastAPI's stack
(``api_exchange_fast``): the same answers, problems and log entries as the documented
route, the request id and security headers, a 500 problem for an unexpected error, and
everything else passed on to FastAPI."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote
from uuid import UUID, uuid4

import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg import pq
from sqlalchemy import event, func, select, text, update
from sqlalchemy.orm import Session
from starlette.types import ASGIApp, Receive, Scope, Send

from smartcity.app import create_app
from smartcity.core.config import DatabaseSettings, Settings
from smartcity.core.db.engine import Database
from smartcity.core.db.migrate import upgrade
from smartcity.core.errors import InvalidInputError
from smartcity.core.security import SYSTEM
from smartcity.domains.identity import service as identity_service
from smartcity.domains.identity.models import ApiClient
from smartcity.domains.identity.permissions import Role
from smartcity.domains.identity.schemas import ApiClientCreate
from smartcity.domains.registry.models import Organization
from smartcity.domains.sharing import api_exchange_fast
from smartcity.domains.sharing.api_exchange_fast import ExchangeLookupFastPath
from smartcity.domains.sharing.models import ExchangeLogEntry
from smartcity.domains.sharing.service import exchange
from smartcity.domains.sharing.service import grants as sharing_grants
from tests.conftest import fresh_database_url, postgres_admin_url
from tests.domains.sharing.test_exchange import World, grant_for, last_entry, population_world
from tests.factories.identity import login, make_user
from tests.helpers.loops import run_in_own_loop
from tests.helpers.problems import assert_problem

BASE = "/api/v1/exchange"
GRANT = UUID("6f1c2b9e-4d0a-4c57-9a1e-2b7f3c8d5e60")  # test ids must not vary between workers


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    exchange.rate_limiter.reset()


@pytest.fixture
def world(session: Session, tmp_path: Path) -> World:
    return population_world(session, tmp_path)


def consumer_token(session: Session, world: World) -> str:
    """A bearer token of an API client of the world's consumer department."""
    _client, token = identity_service.create_api_client(
        session,
        actor=SYSTEM,
        data=ApiClientCreate(
            name="社保业务系统", organization_id=world.consumer.id, roles=[Role.org_staff]
        ),
        max_days=365,
    )
    return token


@pytest.fixture
def token(session: Session, world: World) -> str:
    return consumer_token(session, world)


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The keys the fast path answered (its ``serve_lookup``; the route calls its own)."""
    keys: list[str] = []
    real = api_exchange_fast.serve_lookup

    async def counted(request: Any, grant_id: Any, key: str, *args: Any) -> Any:
        keys.append(key)
        return await real(request, grant_id, key, *args)

    monkeypatch.setattr(api_exchange_fast, "serve_lookup", counted)
    return keys


def logged(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(ExchangeLogEntry)) or 0


def headers(token: str, case: str = "社保待遇资格认证-001", **more: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "X-Case-Reference": quote(case), **more}


class TestAnswered:
    def test_on_postgresql_token_grant_stamps_record_and_disputes_are_one_statement(
        self, client: TestClient, session: Session, world: World, token: str, tmp_path: Path
    ) -> None:
        if session.get_bind().dialect.name != "postgresql":
            pytest.skip("SQLite has no round trips to save: it reads them one by one")
        grant = grant_for(world, session)
        url = f"{BASE}/grants/{grant.id}/records/{world.key(1)}"
        assert client.get(url, headers=headers(token)).status_code == 200  # grant learned
        driver = session.connection().connection.dbapi_connection
        assert isinstance(driver, psycopg.Connection)
        driver.prepare_threshold = None  # every statement with its text, for the count
        with open(tmp_path / "libpq.trace", "w+") as trace:
            driver.pgconn.trace(trace.fileno())  # what libpq sends, message by message
            driver.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE)
            try:
                again = client.get(url.replace(world.key(1), world.key(2)), headers=headers(token))
            finally:
                driver.pgconn.untrace()
            trace.seek(0)
            # A message is a line "F|B<tab>length<tab>type…"; the SQL in it spans lines.
            messages = re.split(r"\n(?=[FB]\t\d+\t)", trace.read())
            statements = [m for m in messages if re.match(r"F\t\d+\t(Parse|Query)\t", m)]

        assert again.status_code == 200, again.text
        assert again.json()["records"][0]["ref"]
        # One statement reads the caller's token, the grant, the resource's stamps, the
        # record and the key's open corrections; then only the log's own work.
        prefetched, *log = [s for s in statements if "SAVEPOINT" not in s]
        for table in ("identity_api_client", "sharing_grant", "base_data_table"):
            assert f"FROM {table}" in prefetched
        assert f"FROM {world.table_name}" in prefetched
        assert "FROM privacy_data_request" in prefetched
        assert "$1" in prefetched  # sent as compiled: psycopg converts nothing per call
        assert "pg_advisory_xact_lock" in log[0]  # the log's own work begins
        assert not any("FROM sharing_grant" in s or world.table_name in s for s in log)

    def test_a_bearer_lookup_answers_as_the_route_does_for_a_signed_in_user(
        self,
        client: TestClient,
        session: Session,
        settings: Settings,
        world: World,
        token: str,
        served: list[str],
    ) -> None:
        grant = grant_for(world, session, items=["姓名", "性别", "联系电话"])
        url = f"{BASE}/grants/{grant.id}/records/{world.key()}"

        fast = client.get(url, headers=headers(token, **{"X-Request-ID": "req-42"}))

        assert fast.status_code == 200, fast.text
        assert served == [world.key()]
        assert fast.headers["content-type"] == "application/json"
        assert fast.headers["x-request-id"] == "req-42"
        assert fast.headers["x-content-type-options"] == "nosniff"
        assert fast.headers["x-frame-options"] == "DENY"
        body = fast.json()
        assert last_entry(session).seq == body["log_seq"]
        assert last_entry(session).case_reference == "社保待遇资格认证-001"
        values = body["records"][0]["values"]
        assert values["姓名"]["value"] == "测**"
        assert values["姓名"]["masked"] is True
        assert values["姓名"]["source_organization"] == world.provider.name

        user = make_user(session, organization=world.consumer, roles=[Role.org_staff])
        login(client, session, user, settings)
        routed = client.get(url, headers={"X-Case-Reference": quote("社保待遇资格认证-001")})

        assert routed.status_code == 200, routed.text
        assert served == [world.key()]  # a browser's session goes through FastAPI
        assert {**routed.json(), "log_seq": 0} == {**body, "log_seq": 0}
        assert routed.json()["log_seq"] == body["log_seq"] + 1

    def test_fields_and_datum_are_taken_as_the_route_takes_them(
        self, client: TestClient, session: Session, world: World, token: str, served: list[str]
    ) -> None:
        grant = grant_for(world, session, items=["姓名", "性别", "联系电话"])

        response = client.get(
            f"{BASE}/grants/{grant.id}/records/{world.key()}"
            f"?fields={quote('性别')}&fields={quote('姓名')}&datum=GCJ02",
            headers=headers(token),
        )

        assert response.status_code == 200, response.text
        assert response.json()["fields"] == ["性别", "姓名"]
        assert set(response.json()["records"][0]["values"]) == {"性别", "姓名"}
        assert served == [world.key()]

    def test_a_refusal_is_a_problem_and_logged(
        self, client: TestClient, session: Session, world: World, token: str, served: list[str]
    ) -> None:
        grant = grant_for(world, session, items=["姓名"])

        response = client.get(
            f"{BASE}/grants/{grant.id}/records/{world.key()}?fields={quote('民族')}",
            headers=headers(token),
        )

        assert_problem(response, status=403, code="sharing.exchange-field-not-granted")
        assert response.headers["x-request-id"]
        assert last_entry(session).result == "sharing.exchange-field-not-granted"
        assert last_entry(session).fields == '["民族"]'
        assert served == [world.key()]

    def test_an_unknown_token_is_401_and_not_logged(
        self, client: TestClient, session: Session, world: World, served: list[str]
    ) -> None:
        grant = grant_for(world, session)
        before = logged(session)

        response = client.get(
            f"{BASE}/grants/{grant.id}/records/{world.key()}", headers=headers("scp_abc_def")
        )

        assert_problem(response, status=401, code="identity.invalid-token")
        assert logged(session) == before
        assert served == [world.key()]

    def test_an_unexpected_error_is_the_500_problem_with_the_request_id(
        self, client: TestClient, world: World, token: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        async def broken(*_args: Any) -> Any:
            raise RuntimeError("boom")

        monkeypatch.setattr(api_exchange_fast, "serve_lookup", broken)

        response = client.get(
            f"{BASE}/grants/{uuid4()}/records/{world.key()}",
            headers=headers(token, **{"X-Request-ID": "req-500"}),
        )

        assert_problem(response, status=500, code="internal-error")
        assert response.headers["x-request-id"] == "req-500"
        assert "boom" not in response.text

    def test_an_app_error_is_its_problem_as_the_stack_would_answer_it(
        self, client: TestClient, world: World, token: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        async def refusing(*_args: Any) -> Any:
            raise InvalidInputError("主键格式不对", field="key")

        monkeypatch.setattr(api_exchange_fast, "serve_lookup", refusing)

        response = client.get(
            f"{BASE}/grants/{uuid4()}/records/{world.key()}", headers=headers(token)
        )

        body = assert_problem(response, status=422, code="invalid-input")
        assert body["detail"] == "主键格式不对"
        assert response.headers["x-request-id"]


class TestPassedOn:
    def test_what_it_does_not_recognise_goes_to_fastapi_which_validates_it(
        self, client: TestClient, session: Session, world: World, token: str, served: list[str]
    ) -> None:
        grant = grant_for(world, session)
        url = f"{BASE}/grants/{grant.id}/records/{world.key()}"

        bad_datum = client.get(f"{url}?datum=BD09", headers=headers(token))
        bad_grant = client.get(
            f"{BASE}/grants/not-a-uuid/records/{world.key()}", headers=headers(token)
        )

        assert_problem(bad_datum, status=422, code="invalid-input")
        assert_problem(bad_grant, status=422, code="invalid-input")
        assert served == []

    @pytest.mark.parametrize(
        ("method", "path", "headers_", "kind"),
        [
            ("GET", f"{BASE}/grants/{GRANT}/records/k", [], "http"),  # no Authorization
            ("POST", f"{BASE}/grants/{GRANT}/records/k", [(b"authorization", b"x")], "http"),
            ("GET", f"{BASE}/grants/{GRANT.hex}/records/k", [(b"authorization", b"x")], "http"),
            ("GET", f"{BASE}/grants/{GRANT}/records/k/x", [(b"authorization", b"x")], "http"),
            ("GET", f"{BASE}/grants/{GRANT}/records", [(b"authorization", b"x")], "http"),
            ("GET", f"{BASE}/grants/{GRANT}/records/k", [(b"authorization", b"x")], "websocket"),
        ],
    )
    def test_the_rest_is_passed_on_untouched(
        self, method: str, path: str, headers_: list[tuple[bytes, bytes]], kind: str
    ) -> None:
        passed: list[Scope] = []

        async def inner(scope: Scope, receive: Receive, send: Send) -> None:
            passed.append(scope)

        scope: Scope = {
            "type": kind,
            "method": method,
            "path": path,
            "root_path": "",
            "query_string": b"",
            "headers": headers_,
        }
        run(ExchangeLookupFastPath(inner), scope)

        assert passed == [scope]


def run(app: ASGIApp, scope: Scope) -> None:
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: dict[str, Any]) -> None:
        raise AssertionError(f"answered: {message}")

    run_in_own_loop(app(scope, receive, send))  # type: ignore[arg-type]


def served_world(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, name: str
) -> tuple[Database, ASGIApp, World, str, UUID]:
    """A fresh migrated database with the population world, a consumer's token and its
    grant, and the application on it (the caller disposes of the database)."""
    url = fresh_database_url(tmp_path_factory, name)
    database = Database(url)
    upgrade(database.engine)
    with database.session_scope() as session:
        world = population_world(session, tmp_path)
        token = consumer_token(session, world)
        grant_id = grant_for(world, session).id
    app = create_app(
        Settings(environment="test", database=DatabaseSettings(url=url)), database=database
    )
    return database, app, world, token, grant_id


class TestLookupThreads:
    """On a database of its own (not the tests' one-connection session), so that
    lookups run as in production: on the held connections of ``thread_read_scope``."""

    def test_on_postgresql_a_lookup_outlives_its_dropped_connection(
        self, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
    ) -> None:
        if postgres_admin_url() is None:
            pytest.skip("PostgreSQL: set SMARTCITY_TEST_DATABASE_URL (CI does)")
        database, app, world, token, grant_id = served_world(tmp_path, tmp_path_factory, "dropped")

        def entries() -> int:
            with database.read_scope() as session:
                return logged(session)

        try:
            with TestClient(app) as http:
                lookup = f"{BASE}/grants/{grant_id}/records/"
                assert http.get(lookup + world.key(0), headers=headers(token)).status_code == 200
                before = entries()
                # The server drops every other connection to the database: the lookup
                # thread's own among them (the log writer's is re-pinged after a
                # second idle).
                with database.session_scope() as session:
                    dropped = session.scalar(
                        text(
                            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                        )
                    )
                assert dropped
                time.sleep(1.2)

                again = http.get(lookup + world.key(1), headers=headers(token))

                assert again.status_code == 200, again.text
                assert again.json()["records"][0]["key"] == world.key(1)
                assert entries() == before + 1  # logged once, not once per attempt
        finally:
            database.dispose()

    def test_a_served_lookup_makes_no_session_and_a_refused_one_is_still_logged(
        self, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
    ) -> None:
        # The held connection's reads answer a lookup without an ORM session around
        # them (``HeldReads``): none is begun, on either database.
        database, app, world, token, grant_id = served_world(
            tmp_path, tmp_path_factory, "sessionless"
        )
        begun: list[Session] = []

        def counted(session: Session, *_: Any) -> None:
            # The log writer's batches (PostgreSQL) have sessions of their own.
            if not session.get_bind().get_execution_options().get("smartcity_read_only"):
                return
            begun.append(session)

        try:
            with TestClient(app) as http:
                lookup = f"{BASE}/grants/{grant_id}/records/"
                assert http.get(lookup + world.key(0), headers=headers(token)).status_code == 200
                with database.read_scope() as session:
                    before = logged(session)
                event.listen(Session, "after_transaction_create", counted)
                try:
                    answers = [
                        http.get(lookup + world.key(n), headers=headers(token)) for n in (1, 2, 0)
                    ]
                    refused = http.get(lookup + "110101190001010000", headers=headers(token))
                    unknown = http.get(f"{BASE}/grants/{uuid4()}/records/{world.key(1)}",
                                       headers=headers(token))  # fmt: skip
                finally:
                    event.remove(Session, "after_transaction_create", counted)
                with database.read_scope() as session:
                    after = logged(session)
        finally:
            database.dispose()

        assert [a.status_code for a in answers] == [200, 200, 200]
        assert [a.json()["records"][0]["key"] for a in answers] == [world.key(n) for n in (1, 2, 0)]
        assert begun == []
        assert refused.status_code == 404, refused.text  # a key of no record
        assert unknown.status_code == 404, unknown.text
        assert after == before + 5  # served and refused, each logged once

    def test_a_remembered_token_organization_and_grant_are_read_again_after_each_change(
        self, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
    ) -> None:
        # The held connection's calls answer the token's, grant's and stamps' reads from
        # what they remember (``core.db.stamps``) while those tables are unchanged; a
        # committed change, whoever makes it, counts at the next call.
        database, app, world, token, grant_id = served_world(tmp_path, tmp_path_factory, "stamps")
        url = f"{BASE}/grants/{grant_id}/records/{world.key(1)}"

        def set_active(active: bool) -> None:
            with database.session_scope() as session:
                session.execute(
                    update(Organization)
                    .where(Organization.id == world.consumer.id)
                    .values(is_active=active)
                )

        try:
            with TestClient(app) as http:
                served = [http.get(url, headers=headers(token)) for _ in range(3)]
                set_active(False)
                inactive = http.get(url, headers=headers(token))
                set_active(True)
                active = http.get(url, headers=headers(token))
                with database.session_scope() as session:
                    sharing_grants.revoke_grant(
                        session, actor=SYSTEM, grant_id=grant_id, reason="用途变更"
                    )
                revoked_grant = http.get(url, headers=headers(token))
                with database.session_scope() as session:
                    client_id = session.scalar(
                        select(ApiClient.id).where(ApiClient.organization_id == world.consumer.id)
                    )
                    assert client_id is not None
                    identity_service.revoke_api_client(session, actor=SYSTEM, client_id=client_id)
                revoked_token = http.get(url, headers=headers(token))
        finally:
            database.dispose()

        assert [a.status_code for a in served] == [200, 200, 200]
        assert inactive.status_code == 401, inactive.text
        assert active.status_code == 200, active.text
        assert_problem(revoked_grant, status=409, code="sharing.exchange-grant-revoked")
        assert revoked_token.status_code == 401, revoked_token.text

    def test_a_signed_in_users_lookup_gets_a_session_on_the_held_connection(
        self, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
    ) -> None:
        # A browser's call goes through FastAPI to the same ``serve_lookup``: resolving
        # its login session is an ORM query, so ``HeldReads`` makes a real session for
        # it, on the same held connection, and the answer is the bearer call's.
        database, app, world, token, grant_id = served_world(tmp_path, tmp_path_factory, "signedin")
        settings = Settings(environment="test", database=DatabaseSettings(url=database.url))
        begun: list[Session] = []

        def counted(session: Session, *_: Any) -> None:
            if session.get_bind().get_execution_options().get("smartcity_read_only"):
                begun.append(session)

        try:
            with TestClient(app) as http:
                url = f"{BASE}/grants/{grant_id}/records/{world.key(1)}"
                bearer = http.get(url, headers=headers(token))
                with database.session_scope() as session:
                    user = make_user(session, organization=world.consumer, roles=[Role.org_staff])
                    login(http, session, user, settings)
                event.listen(Session, "after_transaction_create", counted)
                try:
                    routed = http.get(
                        url, headers={"X-Case-Reference": quote("社保待遇资格认证-001")}
                    )
                finally:
                    event.remove(Session, "after_transaction_create", counted)
        finally:
            database.dispose()

        assert bearer.status_code == 200, bearer.text
        assert routed.status_code == 200, routed.text
        assert {**routed.json(), "log_seq": 0} == {**bearer.json(), "log_seq": 0}
        assert routed.json()["log_seq"] == bearer.json()["log_seq"] + 1
        assert len(begun) == 1  # the login session's query, and only that one
