"""Filtered query and the change feed of the exchange API: the query and changes
modes enforced, granted fields only, masking as in a lookup, filters, paging, and
the cursor (a base-data load id, or a position inside a load)."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from smartcity.core.config import Settings
from smartcity.core.identifiers import mask_id_number, mask_name
from smartcity.core.security import SYSTEM
from smartcity.domains.base_data import service as base_data_service
from smartcity.domains.base_data.models import LoadMode, OnError
from smartcity.domains.identity.permissions import Role
from smartcity.domains.sharing.enums import QueryMode
from smartcity.domains.sharing.exchange_errors import (
    CaseReferenceRequiredError,
    ExchangeInvalidKeyError,
    FieldNotGrantedError,
    ModeNotGrantedError,
)
from smartcity.domains.sharing.service import exchange, exchange_query
from tests.domains.sharing.test_exchange import (
    World,
    clear_keys,
    grant_for,
    last_entry,
    population_world,
)
from tests.factories.base_data import csv_bytes, person_row
from tests.factories.identity import login, make_user
from tests.helpers.problems import assert_problem

_files = itertools.count(1)
GRANTED = ["公民身份号码", "姓名", "性别", "户籍地址"]  # not 文化程度 nor 联系电话


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    exchange.rate_limiter.reset()


@pytest.fixture
def world(session: Session, tmp_path: Path) -> World:
    return population_world(session, tmp_path, rows=7)


def load(
    session: Session, world: World, tmp_path: Path, rows: list[dict[str, str]], mode: LoadMode
) -> int:
    """Load ``rows`` into the world's table; the load's id."""
    path = tmp_path / f"load-{next(_files)}.csv"
    path.write_bytes(csv_bytes(rows))
    table = base_data_service.table_for_entry(session, world.entry.id)
    assert table is not None
    started = base_data_service.start_load(
        session,
        actor=SYSTEM,
        table_id=table.id,
        mode=mode,
        on_error=OnError.reject,
        filename=path.name,
        organization_id=world.provider.id,
    )
    done = base_data_service.apply_load(session, actor=SYSTEM, load_id=started.id, path=path)
    assert done.status.value == "succeeded", done.message
    return started.id


def modes(*extra: QueryMode) -> list[QueryMode]:
    return [QueryMode.lookup, *extra]


class TestQuery:
    def test_filters_and_pages_with_only_granted_masked_fields(
        self, session: Session, world: World
    ) -> None:
        grant = grant_for(
            world, session, items=GRANTED, query_modes=modes(QueryMode.query), clearance_rank=1
        )
        region = world.rows[0]["户籍地行政区划代码"]
        matching = sorted(
            r["公民身份号码"] for r in world.rows if r["户籍地行政区划代码"] == region
        )
        assert len(matching) >= 2

        first = exchange_query.query(
            session,
            actor=world.staff,
            grant_id=grant.id,
            case_reference="办件-q",
            filters={"性别": ["1", "2"], "公民身份号码": matching},
            page=1,
            size=1,
        )
        second = exchange_query.query(
            session,
            actor=world.staff,
            grant_id=grant.id,
            case_reference="办件-q",
            filters={"性别": ["1", "2"], "公民身份号码": matching},
            page=2,
            size=1,
        )

        assert (first.total, first.page, first.size) == (len(matching), 1, 1)
        # The grant masks 公民身份号码, the key: records are named by ``ref``, the key
        # shown masked — even here, where the filter names the keys.
        assert first.key_masked
        refs = clear_keys(grant, matching)
        assert [refs[r.ref] for r in first.records + second.records] == matching[:2]
        assert [r.key for r in first.records] == [mask_id_number(matching[0])]
        assert matching[0] not in first.model_dump_json()
        record = first.records[0]
        assert set(record.values) == set(GRANTED)
        row = next(r for r in world.rows if r["公民身份号码"] == refs[record.ref])
        assert record.values["姓名"].masked
        assert record.values["姓名"].value == mask_name(row["姓名"])
        assert record.values["姓名"].source_organization_id == world.provider.id
        entry = last_entry(session)
        assert (entry.operation, entry.result, entry.records) == ("query", "ok", 1)
        assert entry.seq == second.log_seq
        assert exchange_log_keys(entry) == [refs[second.records[0].ref]]  # the log keeps keys

    def test_equality_filter_and_narrowed_fields(self, session: Session, world: World) -> None:
        grant = grant_for(
            world, session, items=GRANTED, query_modes=modes(QueryMode.query), personal_clear=True
        )
        key = world.key(3)

        result = exchange_query.query(
            session,
            actor=world.staff,
            grant_id=grant.id,
            case_reference="c",
            filters={"姓名": world.rows[3]["姓名"]},
            fields=["性别"],
        )

        assert result.total == 1
        assert [r.key for r in result.records] == [key]
        assert set(result.records[0].values) == {"性别"}

    def test_a_filter_on_a_masked_field_is_refused_and_logged(
        self, session: Session, world: World
    ) -> None:
        """Filtering on a value the consumer only sees masked would reveal it by guessing."""
        grant = grant_for(world, session, items=GRANTED, query_modes=modes(QueryMode.query))

        with pytest.raises(FieldNotGrantedError) as raised:
            exchange_query.query(
                session,
                actor=world.staff,
                grant_id=grant.id,
                case_reference="c",
                filters={"姓名": world.rows[3]["姓名"]},
            )

        assert raised.value.extensions["fields"] == ["姓名"]
        assert last_entry(session).result == FieldNotGrantedError.code

    def test_a_filter_on_an_ungranted_field_is_refused_and_logged(
        self, session: Session, world: World
    ) -> None:
        grant = grant_for(world, session, items=GRANTED, query_modes=modes(QueryMode.query))

        with pytest.raises(FieldNotGrantedError) as raised:
            exchange_query.query(
                session,
                actor=world.staff,
                grant_id=grant.id,
                case_reference="c",
                filters={"联系电话": "13800000000"},
            )

        assert raised.value.extensions["fields"] == ["联系电话"]
        assert last_entry(session).result == FieldNotGrantedError.code

    def test_query_mode_not_granted_is_refused_and_logged(
        self, session: Session, world: World
    ) -> None:
        grant = grant_for(world, session, items=GRANTED)  # lookup and batch only

        with pytest.raises(ModeNotGrantedError):
            exchange_query.query(
                session, actor=world.staff, grant_id=grant.id, case_reference="c", filters={}
            )

        entry = last_entry(session)
        assert (entry.operation, entry.result) == ("query", ModeNotGrantedError.code)


def exchange_log_keys(entry: Any) -> list[str]:
    import json

    return list(json.loads(entry.subject_keys))


class TestChanges:
    def test_the_feed_follows_granted_changes_and_deletes(
        self, session: Session, world: World, tmp_path: Path
    ) -> None:
        grant = grant_for(world, session, items=GRANTED, query_modes=modes(QueryMode.changes))

        def feed(cursor: int | str, limit: int = 1000) -> Any:
            return exchange_query.changes(
                session,
                actor=world.staff,
                grant_id=grant.id,
                case_reference="同步",
                cursor=cursor,
                limit=limit,
            )

        everything = feed(0)
        refs = clear_keys(grant, [r["公民身份号码"] for r in world.rows])
        assert everything.key_masked
        assert sorted(refs[c.ref] for c in everything.changes) == sorted(refs.values())
        assert {c.key for c in everything.changes} == {mask_id_number(k) for k in refs.values()}
        assert not any(key in everything.model_dump_json() for key in refs.values())
        assert {c.operation for c in everything.changes} == {"upsert"}
        assert set(everything.changes[0].values) == set(GRANTED)
        assert not everything.has_more
        cursor = everything.next_cursor
        first_load = int(cursor)
        assert {c.load_id for c in everything.changes} == {first_load}
        assert feed(cursor).changes == []

        granted_change = load(
            session, world, tmp_path, [person_row(1, 姓名="改名")], LoadMode.upsert
        )
        load(session, world, tmp_path, [person_row(2, 文化程度="90")], LoadMode.upsert)
        later = feed(cursor)
        assert [(refs[c.ref], c.operation, c.load_id) for c in later.changes] == [
            (world.key(0), "upsert", granted_change)
        ]
        assert later.changes[0].values["姓名"].value is not None
        entry = last_entry(session)
        assert (entry.operation, entry.result, entry.records) == ("changes", "ok", 1)
        assert exchange_log_keys(entry) == [world.key(0)]

        deleted = load(
            session,
            world,
            tmp_path,
            [{"公民身份号码": world.key(4)}],
            LoadMode.delete,
        )
        after_delete = feed(later.next_cursor)
        assert [(refs[c.ref], c.operation, c.load_id) for c in after_delete.changes] == [
            (world.key(4), "delete", deleted)
        ]
        assert after_delete.changes[0].key == mask_id_number(world.key(4))
        assert after_delete.changes[0].values == {}
        assert int(after_delete.next_cursor) == deleted

    def test_a_grant_that_shows_the_key_lists_keys_and_plain_cursors(
        self, session: Session, world: World
    ) -> None:
        # 公民身份号码 is G3 and personal: clear under clearance 3 with personal_clear.
        grant = grant_for(
            world,
            session,
            items=GRANTED,
            query_modes=modes(QueryMode.changes),
            clearance_rank=3,
            personal_clear=True,
        )

        page = exchange_query.changes(
            session, actor=world.staff, grant_id=grant.id, case_reference="c", cursor=0, limit=1
        )

        assert not page.key_masked
        [change] = page.changes
        assert change.key in {r["公民身份号码"] for r in world.rows}
        assert change.ref == clear_keys(grant, [change.key]).popitem()[0]
        assert page.has_more
        assert page.next_cursor.endswith(f":u:{change.key}")
        following = exchange_query.changes(
            session,
            actor=world.staff,
            grant_id=grant.id,
            case_reference="c",
            cursor=page.next_cursor,
            limit=1,
        )
        assert [c.key for c in following.changes] != [change.key]

    def test_paging_by_limit_resumes_without_loss_or_repetition(
        self, session: Session, world: World, tmp_path: Path
    ) -> None:
        grant = grant_for(world, session, items=GRANTED, query_modes=modes(QueryMode.changes))
        load(
            session,
            world,
            tmp_path,
            [person_row(n, 姓名=f"新{n}") for n in (2, 3)] + [person_row(30), person_row(31)],
            LoadMode.upsert,
        )
        load(
            session,
            world,
            tmp_path,
            [{"公民身份号码": world.key(n)} for n in (5, 6)],
            LoadMode.delete,
        )
        whole = exchange_query.changes(
            session, actor=world.staff, grant_id=grant.id, case_reference="c", cursor=0
        )
        seen: list[tuple[str, str, int]] = []
        cursor: str = "0"
        pages = 0
        while True:
            page = exchange_query.changes(
                session,
                actor=world.staff,
                grant_id=grant.id,
                case_reference="c",
                cursor=cursor,
                limit=2,
            )
            pages += 1
            seen += [(c.key, c.operation, c.load_id) for c in page.changes]
            cursor = page.next_cursor
            if not page.has_more:
                break
            assert ":" in cursor
            assert len(page.changes) == 2

        assert seen == [(c.key, c.operation, c.load_id) for c in whole.changes]
        assert len(seen) == len(set(seen)) == 9  # 5 rows kept (2 renamed), 2 new, 2 deleted
        loads = [load_id for *_x, load_id in seen]
        assert loads == sorted(loads)
        assert pages == 5
        assert cursor == whole.next_cursor

    def test_changes_mode_not_granted_and_bad_cursor_are_refused_and_logged(
        self, session: Session, world: World
    ) -> None:
        grant = grant_for(world, session, items=GRANTED, query_modes=modes(QueryMode.query))
        with pytest.raises(ModeNotGrantedError):
            exchange_query.changes(
                session, actor=world.staff, grant_id=grant.id, case_reference="c"
            )
        assert last_entry(session).operation == "changes"

        grant = grant_for(world, session, items=GRANTED, query_modes=modes(QueryMode.changes))
        with pytest.raises(ExchangeInvalidKeyError):
            exchange_query.changes(
                session, actor=world.staff, grant_id=grant.id, case_reference="c", cursor="x:y"
            )
        assert last_entry(session).result == ExchangeInvalidKeyError.code


class TestApi:
    BASE = "/api/v1/exchange"

    def sign_in(
        self, client: TestClient, session: Session, settings: Settings, world: World
    ) -> None:
        user = make_user(session, organization=world.consumer, roles=[Role.org_staff])
        login(client, session, user, settings)

    def test_query_endpoint_and_its_refusal_as_a_logged_problem(
        self, client: TestClient, session: Session, settings: Settings, world: World
    ) -> None:
        grant = grant_for(world, session, items=GRANTED, query_modes=modes(QueryMode.query))
        self.sign_in(client, session, settings, world)
        url = f"{self.BASE}/grants/{grant.id}/records:query"

        response = client.post(
            url,
            json={"filters": {"公民身份号码": [world.key(0), world.key(1)]}, "size": 1},
            headers={"X-Case-Reference": quote("办件-api")},
        )

        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["total"], body["size"], body["case_reference"]) == (2, 1, "办件-api")
        assert set(body["records"][0]["values"]) == set(GRANTED)

        refused = client.post(
            url, json={"filters": {"联系电话": "1"}}, headers={"X-Case-Reference": "c"}
        )
        assert_problem(refused, status=FieldNotGrantedError.status, code=FieldNotGrantedError.code)
        assert last_entry(session).result == FieldNotGrantedError.code

    def test_changes_endpoint_pages_with_the_cursor(
        self, client: TestClient, session: Session, settings: Settings, world: World
    ) -> None:
        grant = grant_for(world, session, items=GRANTED, query_modes=modes(QueryMode.changes))
        self.sign_in(client, session, settings, world)
        url = f"{self.BASE}/grants/{grant.id}/changes"

        refs = clear_keys(grant, [r["公民身份号码"] for r in world.rows])
        keys: list[str] = []
        cursors: list[str] = []
        cursor = "0"
        while True:
            response = client.get(
                url, params={"cursor": cursor, "limit": 3}, headers={"X-Case-Reference": "c"}
            )
            assert response.status_code == 200, response.text
            body = response.json()
            keys += [refs[c["ref"]] for c in body["changes"]]
            cursor = body["next_cursor"]
            # The cursor names the last record of the page: sealed, as the grant
            # masks the key.
            assert not any(key in response.text for key in refs.values())
            if not body["has_more"]:
                break
            cursors.append(cursor)

        assert sorted(keys) == sorted(refs.values())
        assert len(keys) == len(set(keys))
        assert cursors
        assert all(":u:~" in c for c in cursors)
        # A sealed cursor opens only under its grant, unaltered, and a clear key is
        # not taken in its place.
        other = grant_for(world, session, items=GRANTED, query_modes=modes(QueryMode.changes))
        load_id, _, sealed = cursors[0].partition(":u:")
        for forged in (
            f"{load_id}:u:{world.key(0)}",
            f"{load_id}:u:~{sealed[1:-2]}AA",
            f"{int(load_id) + 1}:u:{sealed}",
        ):
            answer = client.get(url, params={"cursor": forged}, headers={"X-Case-Reference": "c"})
            assert_problem(
                answer, status=ExchangeInvalidKeyError.status, code=ExchangeInvalidKeyError.code
            )
        foreign = client.get(
            f"{self.BASE}/grants/{other.id}/changes",
            params={"cursor": cursors[0]},
            headers={"X-Case-Reference": "c"},
        )
        assert_problem(
            foreign, status=ExchangeInvalidKeyError.status, code=ExchangeInvalidKeyError.code
        )
        bad = client.get(url, params={"cursor": "1:x"}, headers={"X-Case-Reference": "c"})
        assert_problem(
            bad, status=ExchangeInvalidKeyError.status, code=ExchangeInvalidKeyError.code
        )
        missing = client.get(url)
        assert_problem(
            missing, status=CaseReferenceRequiredError.status, code=CaseReferenceRequiredError.code
        )

    def test_openapi_documents_both_endpoints(self, client: TestClient) -> None:
        paths = client.app.openapi()["paths"]  # type: ignore[attr-defined]
        query = paths[f"{self.BASE}/grants/{{grant_id}}/records:query"]["post"]
        feed = paths[f"{self.BASE}/grants/{{grant_id}}/changes"]["get"]
        for operation in (query, feed):
            headers = [p["name"] for p in operation["parameters"] if p["in"] == "header"]
            assert headers == ["X-Case-Reference"]
            assert "403" in operation["responses"]
        assert {p["name"] for p in feed["parameters"]} >= {"cursor", "limit"}
