"""The exchange use case: grants enforced, granted fields only, masking by grade and
personal flag, provenance per value, and every outcome in the exchange log."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.core.errors import AppError, AuthenticationRequiredError
from smartcity.core.identifiers import mask_address, mask_id_number, mask_name, mask_phone
from smartcity.core.pseudonyms import pseudonym
from smartcity.core.security import ANONYMOUS, SYSTEM, Actor
from smartcity.domains.base_data import service as base_data_service
from smartcity.domains.base_data.models import LoadMode, OnError
from smartcity.domains.base_data.spec import POPULATION, FieldType
from smartcity.domains.catalog import service as catalog_service
from smartcity.domains.catalog.enums import ClassificationKind, DataType
from smartcity.domains.catalog.models import CatalogEntry
from smartcity.domains.identity.permissions import Role
from smartcity.domains.registry.models import Organization
from smartcity.domains.sharing.enums import GrantState, QueryMode
from smartcity.domains.sharing.exchange_errors import (
    CaseReferenceRequiredError,
    ExchangeGrantNotFoundError,
    ExchangePermissionDeniedError,
    ExchangeRateLimitedError,
    ExchangeRecordNotFoundError,
    FieldNotGrantedError,
    GrantExpiredError,
    GrantRevokedError,
    GrantWrongClientError,
    GrantWrongOrganizationError,
    KeyCountError,
    ModeNotGrantedError,
)
from smartcity.domains.sharing.models import ExchangeLogEntry, Grant
from smartcity.domains.sharing.service import exchange
from tests.factories.base_data import csv_bytes, person_row
from tests.factories.catalog import catalog_coordinator, draft_data, item, make_entry, staff_of
from tests.factories.registry import make_organization
from tests.factories.sharing import make_grant

_numbers = itertools.count(1)

# (grade, personal) of the population items in these tests
GRADES: dict[str, tuple[str, bool]] = {
    "公民身份号码": ("G3", True),
    "姓名": ("G2", True),
    "性别": ("G1", False),
    "出生日期": ("G2", True),
    "民族": ("G1", False),
    "户籍地行政区划代码": ("G1", False),
    "户籍地址": ("G3", True),
    "联系电话": ("G4", True),
    "文化程度": ("G2", False),
    "婚姻状况": ("G2", True),
    "现住址": ("G3", True),
    "职业": ("G2", False),
}
_TYPES = {FieldType.string: DataType.string, FieldType.date: DataType.date}


@dataclass
class World:
    entry: CatalogEntry
    provider: Organization
    consumer: Organization
    other: Organization
    staff: Actor
    rows: list[dict[str, str]]
    table_name: str

    def key(self, n: int = 0) -> str:
        return self.rows[n]["公民身份号码"]


def population_items(grades: dict[str, tuple[str, bool]] = GRADES) -> list[dict[str, Any]]:
    """The population entry's information items, graded as ``grades``."""
    return [
        item(
            f.name,
            data_type=_TYPES.get(f.type, DataType.string),
            length=f.max_length if f.type is FieldType.string else None,
            grade_code=grades[f.name][0],
            is_personal=grades[f.name][1],
        )
        for f in POPULATION.fields
    ]


def population_world(session: Session, tmp_path: Path, *, rows: int = 3) -> World:
    """A population table (graded as ``GRADES``) with ``rows`` loaded records, its
    provider, a consumer department with a staff member, and another department."""
    provider = make_organization(session, name=f"测试公安局{next(_numbers)}")
    entry = make_entry(
        session,
        provider=provider,
        classification_kind=ClassificationKind.base,
        base_database=POPULATION.base_database,
        category_code="B.01.01",
        name=POPULATION.entry_name,
        items=population_items(),
    )
    table = base_data_service.build_table(session, actor=SYSTEM, entry_id=entry.id)
    data = [person_row(n) for n in range(1, rows + 1)]
    path = tmp_path / f"people-{next(_numbers)}.csv"
    path.write_bytes(csv_bytes(data))
    load = base_data_service.start_load(
        session,
        actor=SYSTEM,
        table_id=table.id,
        mode=LoadMode.insert,
        on_error=OnError.reject,
        filename=path.name,
        organization_id=provider.id,
    )
    base_data_service.apply_load(session, actor=SYSTEM, load_id=load.id, path=path)
    consumer = make_organization(session, name=f"测试人社局{next(_numbers)}")
    return World(
        entry=entry,
        provider=provider,
        consumer=consumer,
        other=make_organization(session, name=f"测试卫健委{next(_numbers)}"),
        staff=staff_of(session, consumer),
        rows=data,
        table_name=table.table_name,
    )


def grant_for(world: World, session: Session, **values: Any) -> Grant:
    values.setdefault("items", ["公民身份号码", "姓名", "性别", "户籍地址", "联系电话"])
    return make_grant(session, entry=world.entry, consumer=world.consumer, **values)


def clear_keys(grant: Grant, keys: Iterable[str]) -> dict[str, str]:
    """``ref`` → key for ``keys`` under ``grant``: how a test, which knows the keys,
    reads an answer that masks them."""
    return {pseudonym(grant.pseudonym_key, key): key for key in keys}


def last_entry(session: Session) -> ExchangeLogEntry:
    entry = session.scalars(
        select(ExchangeLogEntry).order_by(ExchangeLogEntry.seq.desc()).limit(1)
    ).one()
    return entry


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    exchange.rate_limiter.reset()


@pytest.fixture
def world(session: Session, tmp_path: Path) -> World:
    return population_world(session, tmp_path)


class TestLookup:
    def test_returns_only_granted_fields_with_provenance(
        self, session: Session, world: World
    ) -> None:
        grant = grant_for(world, session, items=["姓名", "性别"], personal_clear=True)

        result = exchange.lookup(
            session,
            actor=world.staff,
            grant_id=grant.id,
            case_reference="办件-1",
            keys=[world.key()],
        )

        (record,) = result.records
        assert record.found
        # The key comes back as the caller brought it, with the record's ``ref``
        # under this grant (what its feed and notices name the record by).
        assert (record.key, record.ref) == (
            world.key(),
            pseudonym(grant.pseudonym_key, world.key()),
        )
        assert record.ref != pseudonym(grant_for(world, session).pseudonym_key, world.key())
        assert set(record.values) == {"姓名", "性别"}
        name = record.values["姓名"]
        assert name.value == world.rows[0]["姓名"]
        assert name.masked is False
        assert name.disputed is False
        assert name.source_organization == world.provider.name
        assert name.source_organization_id == world.provider.id
        assert name.updated_at is not None
        entry = last_entry(session)
        assert entry.seq == result.log_seq
        assert entry.result == "ok"
        assert entry.operation == "lookup"
        assert entry.records == 1
        assert entry.case_reference == "办件-1"
        assert entry.grant_id == str(grant.id)
        assert entry.consumer_organization_id == str(world.consumer.id)
        assert entry.user_id == str(world.staff.id)
        assert entry.resource == world.table_name

    def test_fields_can_be_narrowed_to_a_granted_subset(
        self, session: Session, world: World
    ) -> None:
        grant = grant_for(world, session)

        result = exchange.lookup(
            session,
            actor=world.staff,
            grant_id=grant.id,
            case_reference="c",
            keys=[world.key()],
            fields=["性别"],
        )

        assert result.fields == ["性别"]
        assert set(result.records[0].values) == {"性别"}

    def test_masks_personal_items_with_the_helper_that_fits(
        self, session: Session, world: World
    ) -> None:
        grant = grant_for(world, session, clearance_rank=6, personal_clear=False)

        result = exchange.lookup(
            session, actor=world.staff, grant_id=grant.id, case_reference="c", keys=[world.key()]
        )

        row, values = world.rows[0], result.records[0].values
        assert values["公民身份号码"].value == mask_id_number(row["公民身份号码"])
        assert (
            values["公民身份号码"].value
            == row["公民身份号码"][:6] + "********" + (row["公民身份号码"][-4:])
        )
        assert values["姓名"].value == mask_name(row["姓名"]) == "测**"
        assert values["户籍地址"].value == mask_address(row["户籍地址"]) == "山东省济宁市****"
        assert values["联系电话"].value == mask_phone(row["联系电话"]) == "138****0000"
        assert all(values[n].masked for n in ("公民身份号码", "姓名", "户籍地址", "联系电话"))
        assert values["性别"].value == row["性别"]
        assert values["性别"].masked is False

    def test_masks_items_graded_above_the_clearance_even_when_personal_is_clear(
        self, session: Session, world: World
    ) -> None:
        grant = grant_for(world, session, clearance_rank=2, personal_clear=True)

        values = (
            exchange.lookup(
                session,
                actor=world.staff,
                grant_id=grant.id,
                case_reference="c",
                keys=[world.key()],
            )
            .records[0]
            .values
        )

        row = world.rows[0]
        assert values["姓名"].value == row["姓名"]  # G2 ≤ clearance 2, personal clear
        assert values["姓名"].masked is False
        assert values["公民身份号码"].value == mask_id_number(row["公民身份号码"])  # G3
        assert values["联系电话"].value == "138****0000"  # G4
        assert values["户籍地址"].value == "山东省济宁市****"  # G3
        assert values["性别"].masked is False  # G1

    def test_everything_clear_within_clearance_and_personal_clear(
        self, session: Session, world: World
    ) -> None:
        grant = grant_for(world, session, clearance_rank=4, personal_clear=True)

        values = (
            exchange.lookup(
                session,
                actor=world.staff,
                grant_id=grant.id,
                case_reference="c",
                keys=[world.key()],
            )
            .records[0]
            .values
        )

        assert {n: v.value for n, v in values.items()} == {
            n: world.rows[0][n] for n in ("公民身份号码", "姓名", "性别", "户籍地址", "联系电话")
        }
        assert not any(v.masked for v in values.values())

    def test_an_unknown_key_is_a_logged_404(self, session: Session, world: World) -> None:
        grant = grant_for(world, session)
        unknown = person_row(500)["公民身份号码"]

        with pytest.raises(ExchangeRecordNotFoundError):
            exchange.lookup(
                session, actor=world.staff, grant_id=grant.id, case_reference="c", keys=[unknown]
            )

        entry = last_entry(session)
        assert entry.result == "sharing.exchange-record-not-found"
        assert unknown in entry.subject_keys


class TestPreparedSource:
    """The table and masking inputs are prepared once per resource and reused while
    their stamps hold: a change to either applies to the very next call."""

    def lookup_name(self, session: Session, world: World, grant: Grant) -> Any:
        result = exchange.lookup(
            session,
            actor=world.staff,
            grant_id=grant.id,
            case_reference="办件-缓存",
            keys=[world.key()],
        )
        return result.records[0].values["姓名"]

    def test_a_new_published_version_of_the_entry_masks_at_once(
        self, session: Session, world: World
    ) -> None:
        grant = grant_for(world, session, clearance_rank=2, personal_clear=True)
        assert self.lookup_name(session, world, grant).masked is False  # 姓名 is G2

        regraded = {**GRADES, "姓名": ("G3", True)}
        data = draft_data(
            world.provider,
            classification_kind=ClassificationKind.base,
            base_database=POPULATION.base_database,
            category_code="B.01.01",
            resource_code=world.entry.resource_code,
            name=world.entry.name,
            items=population_items(regraded),
        )
        staff = staff_of(session, world.provider)
        catalog_service.create_version(session, actor=staff, entry_id=world.entry.id, data=data)
        catalog_service.submit_entry(session, actor=staff, entry_id=world.entry.id)
        catalog_service.approve_entry(
            session, actor=catalog_coordinator(session), entry_id=world.entry.id
        )

        name = self.lookup_name(session, world, grant)
        assert name.masked is True
        assert name.value == mask_name(world.rows[0]["姓名"])

    def test_a_new_source_department_shows_at_once(self, session: Session, world: World) -> None:
        grant = grant_for(world, session, personal_clear=True)
        assert self.lookup_name(session, world, grant).source_organization == world.provider.name
        table = base_data_service.table_for_entry(session, world.entry.id)
        assert table is not None
        column = next(f.column_name for f in table.fields if f.name == "姓名")

        base_data_service.set_field(
            session,
            actor=SYSTEM,
            table_id=table.id,
            column=column,
            source_organization_id=world.other.id,
        )

        name = self.lookup_name(session, world, grant)
        assert (name.source_organization, name.source_organization_id) == (
            world.other.name,
            world.other.id,
        )


class TestBatch:
    def test_unknown_keys_come_back_not_found(self, session: Session, world: World) -> None:
        grant = grant_for(world, session)
        unknown = person_row(600)["公民身份号码"]

        result = exchange.lookup(
            session,
            actor=world.staff,
            grant_id=grant.id,
            case_reference="c",
            keys=[world.key(0), unknown, world.key(1)],
        )

        assert [r.found for r in result.records] == [True, False, True]
        assert (result.found, result.missing) == (2, 1)
        entry = last_entry(session)
        assert (entry.operation, entry.result, entry.records) == ("batch", "ok", 2)

    def test_a_thousand_keys_are_served_and_a_thousand_and_one_refused(
        self, session: Session, world: World
    ) -> None:
        grant = grant_for(world, session, rate_per_minute=10)
        keys = [world.key(n % 3) for n in range(1000)]

        result = exchange.lookup(
            session, actor=world.staff, grant_id=grant.id, case_reference="c", keys=keys
        )
        assert len(result.records) == 1000
        assert result.found == 1000

        with pytest.raises(KeyCountError):
            exchange.lookup(
                session,
                actor=world.staff,
                grant_id=grant.id,
                case_reference="c",
                keys=[*keys, world.key()],
            )
        assert last_entry(session).result == "sharing.exchange-key-count"


@dataclass(frozen=True)
class Refusal:
    name: str
    error: type[AppError]
    grant_values: dict[str, Any]
    call_values: dict[str, Any]


REFUSALS = [
    Refusal("no case reference", CaseReferenceRequiredError, {}, {"case_reference": ""}),
    Refusal("blank case reference", CaseReferenceRequiredError, {}, {"case_reference": "  "}),
    Refusal("long case reference", CaseReferenceRequiredError, {}, {"case_reference": "x" * 101}),
    Refusal("unknown grant", ExchangeGrantNotFoundError, {}, {"grant_id": "unknown"}),
    Refusal("expired", GrantExpiredError, {"valid_days": -1}, {}),
    Refusal("revoked", GrantRevokedError, {"state": GrantState.revoked}, {}),
    Refusal("bound to a client", GrantWrongClientError, {"client_id": "random"}, {}),
    Refusal("mode", ModeNotGrantedError, {"query_modes": [QueryMode.batch]}, {}),
    Refusal("batch mode", ModeNotGrantedError, {"query_modes": [QueryMode.lookup]}, {"keys": 2}),
    Refusal("field", FieldNotGrantedError, {"items": ["姓名"]}, {"fields": ["姓名", "联系电话"]}),
    Refusal("no field", FieldNotGrantedError, {}, {"fields": []}),
    Refusal("no keys", KeyCountError, {}, {"keys": 0}),
]


class TestRefusals:
    @pytest.mark.parametrize("refusal", REFUSALS, ids=lambda r: r.name)
    def test_each_refusal_is_its_own_problem_and_is_logged(
        self, session: Session, world: World, refusal: Refusal
    ) -> None:
        grant_values = dict(refusal.grant_values)
        if grant_values.get("client_id") == "random":
            grant_values["client_id"] = uuid4()
        grant = grant_for(world, session, **grant_values)
        call: dict[str, Any] = {
            "grant_id": grant.id,
            "case_reference": "办件-9",
            "keys": [world.key()],
        }
        call.update(refusal.call_values)
        if call["grant_id"] == "unknown":
            call["grant_id"] = uuid4()
        if isinstance(call["keys"], int):
            call["keys"] = [world.key(n) for n in range(call["keys"])]

        with pytest.raises(refusal.error):
            exchange.lookup(session, actor=world.staff, **call)

        entry = last_entry(session)
        assert entry.result == refusal.error.code
        assert entry.grant_id == str(call["grant_id"])
        assert entry.records == 0

    def test_another_departments_grant_is_refused_and_logged(
        self, session: Session, world: World
    ) -> None:
        grant = grant_for(world, session)
        outsider = staff_of(session, world.other)

        with pytest.raises(GrantWrongOrganizationError):
            exchange.lookup(
                session, actor=outsider, grant_id=grant.id, case_reference="c", keys=[world.key()]
            )

        entry = last_entry(session)
        assert entry.result == "sharing.exchange-wrong-organization"
        assert entry.consumer_organization_id == str(world.other.id)

    def test_callers_without_the_exchange_permission_are_refused_and_logged(
        self, session: Session, world: World
    ) -> None:
        grant = grant_for(world, session)
        auditor = staff_of(session, world.consumer, Role.auditor)

        with pytest.raises(ExchangePermissionDeniedError):
            exchange.lookup(
                session, actor=auditor, grant_id=grant.id, case_reference="c", keys=[world.key()]
            )

        assert last_entry(session).result == "sharing.exchange-permission-denied"

    def test_anonymous_callers_get_401_and_are_not_logged(
        self, session: Session, world: World
    ) -> None:
        grant = grant_for(world, session)
        before = session.scalar(select(ExchangeLogEntry.seq).order_by(ExchangeLogEntry.seq.desc()))

        with pytest.raises(AuthenticationRequiredError):
            exchange.lookup(
                session, actor=ANONYMOUS, grant_id=grant.id, case_reference="c", keys=[world.key()]
            )

        after = session.scalar(select(ExchangeLogEntry.seq).order_by(ExchangeLogEntry.seq.desc()))
        assert after == before


class TestRateLimit:
    def test_calls_over_the_grants_rate_are_refused_with_retry_after_and_logged(
        self, session: Session, world: World
    ) -> None:
        grant = grant_for(world, session, rate_per_minute=3)
        for _ in range(3):
            exchange.lookup(
                session,
                actor=world.staff,
                grant_id=grant.id,
                case_reference="c",
                keys=[world.key()],
            )

        with pytest.raises(ExchangeRateLimitedError) as refused:
            exchange.lookup(
                session,
                actor=world.staff,
                grant_id=grant.id,
                case_reference="c",
                keys=[world.key()],
            )

        assert refused.value.status == 429
        retry = refused.value.extensions["retry_after_seconds"]
        assert isinstance(retry, int)
        assert 1 <= retry <= 60
        assert last_entry(session).result == "sharing.exchange-rate-limited"

    def test_the_window_slides(self) -> None:
        now = [0.0]
        limiter = exchange.SlidingWindowLimiter(window=60, clock=lambda: now[0])
        grant_id = uuid4()
        assert limiter.acquire(grant_id, 2) is None
        now[0] = 30
        assert limiter.acquire(grant_id, 2) is None
        assert limiter.acquire(grant_id, 2) == 30
        now[0] = 60.5
        assert limiter.acquire(grant_id, 2) is None
