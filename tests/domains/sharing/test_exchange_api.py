"""HTTP contract of /api/v1/exchange: the case-reference header, lookups, batches,
refusals as problems that are still logged, the log and its verification."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from smartcity.core.config import Settings
from smartcity.domains.identity.permissions import Role
from smartcity.domains.registry.models import Organization
from smartcity.domains.sharing.enums import QueryMode
from smartcity.domains.sharing.service import exchange
from tests.domains.sharing.test_exchange import World, grant_for, last_entry, population_world
from tests.domains.sharing.test_exchange_log import traffic
from tests.factories.identity import login, make_user
from tests.factories.registry import coordinator_organization
from tests.helpers.problems import assert_problem

BASE = "/api/v1/exchange"


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    exchange.rate_limiter.reset()


@pytest.fixture
def world(session: Session, tmp_path: Path) -> World:
    return population_world(session, tmp_path)


def sign_in(
    client: TestClient, session: Session, settings: Settings, world: World, role: Role
) -> None:
    user = make_user(session, organization=world.consumer, roles=[role])
    login(client, session, user, settings)


class TestLookupRecord:
    def test_answers_granted_values_with_provenance(
        self, client: TestClient, session: Session, settings: Settings, world: World
    ) -> None:
        grant = grant_for(world, session, items=["姓名", "性别"])
        sign_in(client, session, settings, world, Role.org_staff)

        response = client.get(
            f"{BASE}/grants/{grant.id}/records/{world.key()}",
            headers={"X-Case-Reference": quote("社保待遇资格认证-001")},
        )

        assert response.status_code == 200, response.text
        body = response.json()
        assert body["case_reference"] == "社保待遇资格认证-001"
        (record,) = body["records"]
        assert set(record["values"]) == {"姓名", "性别"}
        name = record["values"]["姓名"]
        assert name["masked"] is True
        assert name["value"] == "测**"
        assert name["disputed"] is False
        assert name["source_organization"] == world.provider.name
        assert last_entry(session).seq == body["log_seq"]

    def test_without_a_case_reference_is_a_logged_problem(
        self, client: TestClient, session: Session, settings: Settings, world: World
    ) -> None:
        grant = grant_for(world, session)
        sign_in(client, session, settings, world, Role.org_staff)

        response = client.get(f"{BASE}/grants/{grant.id}/records/{world.key()}")

        assert_problem(response, status=422, code="sharing.exchange-case-reference-required")
        assert last_entry(session).result == "sharing.exchange-case-reference-required"

    def test_over_the_rate_answers_429_with_retry_after(
        self, client: TestClient, session: Session, settings: Settings, world: World
    ) -> None:
        grant = grant_for(world, session, rate_per_minute=1)
        sign_in(client, session, settings, world, Role.org_staff)
        url = f"{BASE}/grants/{grant.id}/records/{world.key()}"
        assert client.get(url, headers={"X-Case-Reference": "c"}).status_code == 200

        response = client.get(url, headers={"X-Case-Reference": "c"})

        assert_problem(response, status=429, code="sharing.exchange-rate-limited")
        assert 1 <= int(response.headers["retry-after"]) <= 60
        assert last_entry(session).result == "sharing.exchange-rate-limited"

    def test_anonymous_is_401_and_not_logged(
        self, client: TestClient, session: Session, world: World
    ) -> None:
        grant = grant_for(world, session)
        before = last_entry(session).seq if _any_entry(session) else 0

        response = client.get(
            f"{BASE}/grants/{grant.id}/records/{world.key()}", headers={"X-Case-Reference": "c"}
        )

        assert_problem(response, status=401, code="authentication-required")
        assert (last_entry(session).seq if _any_entry(session) else 0) == before


def _any_entry(session: Session) -> bool:
    try:
        last_entry(session)
    except Exception:
        return False
    return True


class TestLookupBatch:
    def test_answers_each_key(
        self, client: TestClient, session: Session, settings: Settings, world: World
    ) -> None:
        grant = grant_for(world, session)
        sign_in(client, session, settings, world, Role.org_admin)

        response = client.post(
            f"{BASE}/grants/{grant.id}/records:batch",
            json={"keys": [world.key(0), "370811190001010000", world.key(2)], "fields": ["性别"]},
            headers={"X-Case-Reference": "batch-1"},
        )

        assert response.status_code == 200, response.text
        body = response.json()
        assert [r["found"] for r in body["records"]] == [True, False, True]
        assert body["fields"] == ["性别"]

    def test_a_thousand_and_one_keys_are_refused(
        self, client: TestClient, session: Session, settings: Settings, world: World
    ) -> None:
        grant = grant_for(world, session)
        sign_in(client, session, settings, world, Role.org_staff)

        response = client.post(
            f"{BASE}/grants/{grant.id}/records:batch",
            json={"keys": [world.key()] * 1001},
            headers={"X-Case-Reference": "c"},
        )

        assert_problem(response, status=422, code="sharing.exchange-key-count")
        assert last_entry(session).result == "sharing.exchange-key-count"


class TestLog:
    def test_consumers_list_their_calls_and_auditors_verify(
        self, client: TestClient, session: Session, settings: Settings, world: World
    ) -> None:
        grant = grant_for(world, session)
        sign_in(client, session, settings, world, Role.org_staff)
        url = f"{BASE}/grants/{grant.id}/records/{world.key()}"
        seq = client.get(url, headers={"X-Case-Reference": "c"}).json()["log_seq"]

        listed = client.get(f"{BASE}/log", params={"subject_key": world.key()})
        assert listed.status_code == 200, listed.text
        assert [e["seq"] for e in listed.json()["items"]] == [seq]
        assert listed.json()["items"][0]["subject_keys"] == [world.key()]
        assert_problem(client.post(f"{BASE}/log/verify"), status=403, code="permission-denied")

        auditor = TestClient(client.app, raise_server_exceptions=False)
        user = make_user(session, organization=world.other, roles=[Role.auditor])
        login(auditor, session, user, settings)
        verified = auditor.post(f"{BASE}/log/verify")
        assert verified.status_code == 200, verified.text
        assert verified.json()["ok"] is True
        assert verified.json()["head_seq"] >= seq

    def test_a_consumer_reads_the_keys_it_did_not_bring_masked(
        self, client: TestClient, session: Session, settings: Settings, world: World
    ) -> None:
        # The grant masks 公民身份号码 (G3): a query's answer names records by ``ref``,
        # so the consumer's own log must not list their keys in clear either.
        grant = grant_for(world, session, query_modes=[QueryMode.lookup, QueryMode.query])
        sign_in(client, session, settings, world, Role.org_staff)
        headers = {"X-Case-Reference": "c"}
        looked = client.get(f"{BASE}/grants/{grant.id}/records/{world.key(0)}", headers=headers)
        queried = client.post(
            f"{BASE}/grants/{grant.id}/records:query",
            json={"filters": {"性别": ["1", "2"]}},
            headers=headers,
        )
        assert looked.status_code == queried.status_code == 200, queried.text
        everyone = {r["公民身份号码"] for r in world.rows}
        assert not any(key in queried.text for key in everyone)

        def listed(browser: TestClient) -> dict[str, list[str]]:
            response = browser.get(f"{BASE}/log", params={"grant_id": str(grant.id)})
            assert response.status_code == 200, response.text
            return {e["operation"]: e["subject_keys"] for e in response.json()["items"]}

        own = listed(client)
        assert own["lookup"] == [world.key(0)]  # brought by the consumer itself
        assert len(own["query"]) == len(everyone)
        assert not set(own["query"]) & everyone
        assert all("*" in key for key in own["query"])
        provider = TestClient(client.app, raise_server_exceptions=False)
        login(provider, session, make_user(session, organization=world.provider), settings)
        assert set(listed(provider)["query"]) == everyone  # the provider reads them as logged

    def test_providers_consumers_third_parties_and_the_coordinator_each_see_theirs(
        self, client: TestClient, session: Session, settings: Settings, world: World
    ) -> None:
        t = traffic(session, world)

        def seen(organization: Organization, role: Role, **params: str) -> list[int]:
            browser = TestClient(client.app, raise_server_exceptions=False)
            user = make_user(session, organization=organization, roles=[role])
            login(browser, session, user, settings)
            response = browser.get(f"{BASE}/log", params={"size": "100", **params})
            assert response.status_code == 200, response.text
            return [e["seq"] for e in response.json()["items"]]

        assert seen(world.provider, Role.org_admin) == [t.second, t.own]
        assert seen(world.provider, Role.org_staff, side="provider") == [t.second, t.own]
        assert seen(world.provider, Role.org_staff, side="consumer") == []
        assert seen(t.other_provider, Role.org_staff) == [t.elsewhere]
        assert seen(world.consumer, Role.org_staff) == [t.elsewhere, t.own]
        assert seen(world.consumer, Role.org_staff, side="consumer") == [t.elsewhere, t.own]
        assert seen(world.other, Role.org_staff) == []
        everything = seen(coordinator_organization(session), Role.coordinator)
        assert {t.own, t.second, t.elsewhere} <= set(everything)

    def test_an_unknown_side_is_a_problem(
        self, client: TestClient, session: Session, settings: Settings, world: World
    ) -> None:
        sign_in(client, session, settings, world, Role.org_staff)

        response = client.get(f"{BASE}/log", params={"side": "both"})

        assert_problem(response, status=422, code="invalid-input")


def test_openapi_documents_the_case_reference_header_and_problems(client: TestClient) -> None:
    spec = client.app.openapi()  # type: ignore[attr-defined]
    operation = spec["paths"][f"{BASE}/grants/{{grant_id}}/records/{{key}}"]["get"]
    headers = [p for p in operation["parameters"] if p["in"] == "header"]
    assert [h["name"] for h in headers] == ["X-Case-Reference"]
    assert {"401", "403", "404", "409", "422", "429"} <= set(operation["responses"])
