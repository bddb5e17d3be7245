"""The exchange log: chained entries verify, tampering is found, subjects are indexed,
and each caller reads only the entries it may."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from smartcity.core.errors import PermissionDeniedError
from smartcity.core.hashchain import Tampering
from smartcity.core.pagination import PageParams
from smartcity.core.security import SYSTEM, Actor
from smartcity.domains.identity.permissions import Role
from smartcity.domains.registry.models import Organization
from smartcity.domains.sharing.enums import GrantState
from smartcity.domains.sharing.exchange_errors import (
    ExchangeSourceUnavailableError,
    GrantRevokedError,
)
from smartcity.domains.sharing.exchange_schemas import ExchangeLogFilter, ExchangeLogSide
from smartcity.domains.sharing.service import exchange, exchange_log
from tests.domains.sharing.test_exchange import World, grant_for, last_entry, population_world
from tests.factories.catalog import catalog_coordinator, staff_of
from tests.factories.registry import make_organization
from tests.factories.sharing import make_grant, make_shared_entry


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    exchange.rate_limiter.reset()


@pytest.fixture
def world(session: Session, tmp_path: Path) -> World:
    return population_world(session, tmp_path)


def calls(session: Session, world: World) -> list[int]:
    """Three calls: a lookup, a batch and a refusal; their log seqs."""
    grant = grant_for(world, session)
    revoked = grant_for(world, session, state=GrantState.revoked)
    first = exchange.lookup(
        session, actor=world.staff, grant_id=grant.id, case_reference="a", keys=[world.key(0)]
    )
    second = exchange.lookup(
        session,
        actor=world.staff,
        grant_id=grant.id,
        case_reference="b",
        keys=[world.key(1), world.key(2)],
    )
    with pytest.raises(GrantRevokedError):
        exchange.lookup(
            session, actor=world.staff, grant_id=revoked.id, case_reference="c", keys=["x"]
        )
    return [first.log_seq, second.log_seq, second.log_seq + 1]


@dataclass
class Traffic:
    """Calls around two providers: ``own`` and ``second`` use ``world.provider``'s data,
    ``elsewhere`` another provider's; ``own`` and ``elsewhere`` are ``world.consumer``'s."""

    own: int
    second: int
    elsewhere: int
    second_consumer: Organization
    second_staff: Actor
    other_provider: Organization


def traffic(session: Session, world: World) -> Traffic:
    """``world.consumer`` looks up one person (case 社保待遇资格认证-001); a second
    consumer does a batch on its own grant of the same resource; then
    ``world.consumer`` calls under a grant of another provider's resource, which has
    no base table (refused, and logged with that grant)."""
    own = exchange.lookup(
        session,
        actor=world.staff,
        grant_id=grant_for(world, session).id,
        case_reference="社保待遇资格认证-001",
        keys=[world.key(0)],
    ).log_seq
    second_consumer = make_organization(session, name="测试医保局")
    second_staff = staff_of(session, second_consumer)
    second = exchange.lookup(
        session,
        actor=second_staff,
        grant_id=make_grant(
            session, entry=world.entry, consumer=second_consumer, items=["姓名", "性别"]
        ).id,
        case_reference="医保参保登记-002",
        keys=[world.key(1), world.key(2)],
    ).log_seq
    other_provider = make_organization(session, name="测试市场监管局")
    foreign = make_grant(
        session,
        entry=make_shared_entry(session, provider=other_provider),
        consumer=world.consumer,
        items=["姓名"],
    )
    with pytest.raises(ExchangeSourceUnavailableError):
        exchange.lookup(
            session,
            actor=world.staff,
            grant_id=foreign.id,
            case_reference="企业开办-003",
            keys=["91370800MA3C000000"],
        )
    return Traffic(
        own=own,
        second=second,
        elsewhere=last_entry(session).seq,
        second_consumer=second_consumer,
        second_staff=second_staff,
        other_provider=other_provider,
    )


def seqs_seen(session: Session, actor: Actor, **filters: Any) -> list[int]:
    """The seqs of the entries ``actor`` lists with ``filters``, newest first."""
    page = exchange_log.list_log(
        session,
        actor=actor,
        filters=ExchangeLogFilter(**filters),
        page=PageParams(page=1, size=100),
    )
    return [e.seq for e in page.items]


def disable_append_only(session: Session) -> None:
    """Lift the append-only triggers inside the test's transaction (rolled back after)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ALTER TABLE sharing_exchange_log DISABLE TRIGGER USER"))
    else:
        session.execute(text("DROP TRIGGER sharing_exchange_log_no_update"))


class TestChain:
    def test_entries_link_and_verify(self, session: Session, world: World) -> None:
        seqs = calls(session, world)

        result = exchange_log.verify_exchange_log(session, actor=SYSTEM)

        assert result.ok
        assert result.head_seq == seqs[-1]
        assert result.checked >= 3

    def test_the_log_is_append_only(self, session: Session, world: World) -> None:
        seq = calls(session, world)[0]

        with pytest.raises(Exception, match="append-only"), session.begin_nested():
            session.execute(
                text("UPDATE sharing_exchange_log SET result = 'ok' WHERE seq = :s"),
                {"s": seq},
            )

    def test_a_changed_entry_is_found(self, session: Session, world: World) -> None:
        seqs = calls(session, world)
        disable_append_only(session)
        session.execute(
            text("UPDATE sharing_exchange_log SET case_reference = 'forged' WHERE seq = :s"),
            {"s": seqs[1]},
        )

        result = exchange_log.verify_exchange_log(session, actor=SYSTEM)

        assert not result.ok
        assert result.first_break is not None
        assert result.first_break.seq == seqs[1]
        assert result.first_break.kind is Tampering.modified

    def test_a_forged_entry_is_found(self, session: Session, world: World) -> None:
        seqs = calls(session, world)
        session.execute(
            text(
                "INSERT INTO sharing_exchange_log (seq, occurred_at, consumer_organization_id,"
                " client_id, user_id, grant_id, case_reference, operation, resource,"
                " subject_keys, fields, result, records, latency_ms, prev_hash, entry_hash)"
                " VALUES (:seq, '2026-01-01T00:00:00.000000Z', '', '', '', '', 'x', 'lookup',"
                " '', '[]', '[]', 'ok', 0, 0, :prev, :hash)"
            ),
            {"seq": seqs[-1] + 1, "prev": "f" * 64, "hash": "e" * 64},
        )

        result = exchange_log.verify_exchange_log(session, actor=SYSTEM)

        assert result.first_break is not None
        assert result.first_break.seq == seqs[-1] + 1

    def test_only_auditors_and_the_coordinator_verify(self, session: Session, world: World) -> None:
        with pytest.raises(PermissionDeniedError):
            exchange_log.verify_exchange_log(session, actor=world.staff)
        auditor = staff_of(session, world.other, Role.auditor)
        assert exchange_log.verify_exchange_log(session, actor=auditor).ok


class TestSubjects:
    def test_the_subject_index_lists_the_keys_of_each_call(
        self, session: Session, world: World
    ) -> None:
        seqs = calls(session, world)

        assert exchange_log.subject_keys_of(session, seqs[0]) == [world.key(0)]
        assert exchange_log.subject_keys_of(session, seqs[1]) == sorted(
            [world.key(1), world.key(2)]
        )
        assert exchange_log.subject_keys_of(session, seqs[2]) == ["X"]

    def test_calls_about_one_subject_can_be_listed(self, session: Session, world: World) -> None:
        seqs = calls(session, world)

        page = exchange_log.list_log(
            session,
            actor=SYSTEM,
            filters=ExchangeLogFilter(subject_key=world.key(1)),
            page=PageParams(page=1, size=20),
        )

        assert [e.seq for e in page.items] == [seqs[1]]


class TestListLog:
    def test_consumers_see_their_own_calls_auditors_all(
        self, session: Session, world: World
    ) -> None:
        seqs = calls(session, world)
        everything = PageParams(page=1, size=100)
        outsider = staff_of(session, world.other)
        auditor = staff_of(session, world.other, Role.auditor)

        own = exchange_log.list_log(
            session, actor=world.staff, filters=ExchangeLogFilter(), page=everything
        )
        theirs = exchange_log.list_log(
            session, actor=outsider, filters=ExchangeLogFilter(), page=everything
        )
        audited = exchange_log.list_log(
            session,
            actor=auditor,
            filters=ExchangeLogFilter(consumer_organization_id=world.consumer.id),
            page=everything,
        )

        assert [e.seq for e in own.items] == seqs[::-1]
        assert theirs.items == []
        assert [e.seq for e in audited.items] == seqs[::-1]

    def test_filters_by_result(self, session: Session, world: World) -> None:
        seqs = calls(session, world)

        page = exchange_log.list_log(
            session,
            actor=SYSTEM,
            filters=ExchangeLogFilter(result="sharing.exchange-grant-revoked"),
            page=PageParams(page=1, size=20),
        )

        assert [e.seq for e in page.items] == [seqs[2]]


class TestProviderSide:
    """Art. 26: the providing department sees every call made on its data."""

    def test_the_provider_sees_calls_on_its_grants_only(
        self, session: Session, world: World
    ) -> None:
        t = traffic(session, world)

        assert seqs_seen(session, staff_of(session, world.provider)) == [t.second, t.own]
        assert seqs_seen(session, staff_of(session, t.other_provider)) == [t.elsewhere]

    def test_a_consumer_sees_its_own_calls_not_other_consumers(
        self, session: Session, world: World
    ) -> None:
        t = traffic(session, world)

        assert seqs_seen(session, world.staff) == [t.elsewhere, t.own]
        assert seqs_seen(session, t.second_staff) == [t.second]

    def test_a_third_department_sees_neither_and_the_coordinator_all(
        self, session: Session, world: World
    ) -> None:
        t = traffic(session, world)

        assert seqs_seen(session, staff_of(session, world.other)) == []
        assert {t.own, t.second, t.elsewhere} <= set(
            seqs_seen(session, catalog_coordinator(session))
        )

    def test_side_narrows_to_the_calls_made_or_the_calls_received(
        self, session: Session, world: World
    ) -> None:
        t = traffic(session, world)
        provider = staff_of(session, world.provider, Role.org_admin)

        assert seqs_seen(session, provider, side=ExchangeLogSide.provider) == [t.second, t.own]
        assert seqs_seen(session, provider, side=ExchangeLogSide.consumer) == []
        assert seqs_seen(session, world.staff, side=ExchangeLogSide.consumer) == [
            t.elsewhere,
            t.own,
        ]
        assert seqs_seen(session, world.staff, side=ExchangeLogSide.provider) == []

    def test_filters_apply_within_what_the_provider_sees(
        self, session: Session, world: World
    ) -> None:
        t = traffic(session, world)
        provider = staff_of(session, world.provider)

        assert seqs_seen(session, provider, subject_key=world.key(1)) == [t.second]
        another_providers_subject = "91370800MA3C000000"
        assert seqs_seen(session, provider, subject_key=another_providers_subject) == []


def test_the_one_statement_batch_numbers_every_parameter_once() -> None:
    """PostgreSQL's batch INSERT is sent with ``$n`` placeholders as made (psycopg's
    ``RawCursor``): each parameter numbered once, in the order the values are given."""
    statement = exchange_log._insert_text(2, 3)
    numbers = [int(n) for n in re.findall(r"\$(\d+)", statement)]
    count = 2 * len(exchange_log._ENTRY_COLUMNS) + 3 * len(exchange_log._SUBJECT_COLUMNS)

    assert numbers == list(range(1, count + 1))
    assert statement.startswith("WITH chained AS (INSERT INTO ")
    assert "%s" not in statement
    assert exchange_log._insert_text(1, 0).startswith("INSERT INTO ")
