"""``core.db.stamps``: reads remembered while their tables' stamps are unchanged, on a
migrated database of its own (SQLite, or PostgreSQL when CI gives one) holding the
exchange tests' population world: every table a remembered read depends on is stamped
and its triggers renew the stamp on every kind of write; a remembered answer is used
only under the stamps it was read with, and only where reads see nothing uncommitted."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    Table,
    bindparam,
    delete,
    func,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session

from smartcity.core.db import stamps
from smartcity.core.db.base import Base
from smartcity.core.db.engine import Database
from smartcity.core.db.migrate import upgrade
from smartcity.core.db.prebuilt import Prebuilt
from smartcity.core.db.stamps import Remembered, TableStamp
from smartcity.domains.audit.models import AuditEvent
from smartcity.domains.registry.models import Organization
from tests.conftest import fresh_database_url
from tests.domains.sharing.test_exchange import World, grant_for, population_world
from tests.domains.sharing.test_exchange_fast_path import consumer_token


@pytest.fixture(scope="module")
def world_database(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Database, World]]:
    """A row in every watched table: the population world, its grant and an API client."""
    database = Database(fresh_database_url(tmp_path_factory, "stamps"))
    upgrade(database.engine)
    with database.session_scope() as session:
        world = population_world(session, tmp_path_factory.mktemp("stamps"))
        grant_for(world, session)
        consumer_token(session, world)
    yield database, world
    database.dispose()


@pytest.fixture
def database(world_database: tuple[Database, World]) -> Database:
    return world_database[0]


def table_stamps(database: Database) -> dict[str, int]:
    with database.read_scope() as session:
        return {row.table_name: row.stamp for row in session.scalars(select(TableStamp))}


def committed(database: Database, statement: str, **params: Any) -> None:
    with database.session_scope() as session:
        session.execute(text(statement), params)


NAME_OF = Remembered(Prebuilt(select(Organization.name).where(Organization.id == bindparam("id"))))


def counting(remembered: Remembered, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The statements ``remembered`` runs from now on (its prebuilt read's calls)."""
    made: list[dict[str, Any]] = []
    real = remembered.prebuilt.all

    def counted(session: Session, /, **params: Any) -> list[Any]:
        made.append(params)
        return real(session, **params)

    monkeypatch.setattr(remembered.prebuilt, "all", counted)
    return made


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The statements ``NAME_OF`` runs."""
    return counting(NAME_OF, monkeypatch)


def held_name(database: Database, organization_id: UUID) -> str:
    with database.thread_read_scope() as session:
        return str(NAME_OF.first(session, id=organization_id).name)


def test_the_lookups_remembered_reads_depend_on_exactly_the_stamped_tables(
    database: Database,
) -> None:
    """The token's, the grant's and the resource stamps' reads (migration 0024's rows)."""
    from smartcity.domains.identity import service as identity
    from smartcity.domains.sharing.service import exchange_core

    remembered = (
        identity._CLIENT_BY_PREFIX,
        exchange_core._GRANT_TERMS,
        exchange_core._STAMPS,
    )
    watched = {t for read in remembered for t in read.tables}
    assert set(table_stamps(database)) == watched
    assert watched <= set(stamps.registered_tables())


def test_an_update_renews_the_table_s_stamp_and_no_other(database: Database) -> None:
    for name in sorted(table_stamps(database)):  # every watched table (each has rows)
        table = Base.metadata.tables[name]
        assert isinstance(table, Table)
        column = next(c.name for c in table.columns if not c.primary_key)
        before = table_stamps(database)
        committed(database, f"UPDATE {name} SET {column} = {column}")  # every row, unchanged
        after = table_stamps(database)
        assert after[name] != before[name], name
        assert {k: v for k, v in after.items() if k != name} == {
            k: v for k, v in before.items() if k != name
        }, name


def test_an_insert_and_a_delete_renew_the_stamp(database: Database) -> None:
    organization_id = "0f4c2a6e-1b7d-4e8a-9c3f-5d2b7a1e6c40"
    before = table_stamps(database)["registry_organization"]
    with database.session_scope() as session:
        source = session.get(Organization, session.scalar(select(Organization.id).limit(1)))
        assert source is not None
        session.add(
            Organization(
                id=UUID(organization_id), code="STAMP-T", name="临时单位", kind=source.kind
            )
        )
    inserted = table_stamps(database)["registry_organization"]
    with database.session_scope() as session:
        session.execute(delete(Organization).where(Organization.id == UUID(organization_id)))
    deleted = table_stamps(database)["registry_organization"]
    assert len({before, inserted, deleted}) == 3


def rename(database: Database, organization_id: UUID, name: str) -> None:
    with database.session_scope() as session:
        session.execute(
            update(Organization).where(Organization.id == organization_id).values(name=name)
        )


def test_a_held_read_is_remembered_until_its_table_changes(
    world_database: tuple[Database, World], runs: list[dict[str, Any]]
) -> None:
    database, world = world_database
    provider = world.provider.id
    name = held_name(database, provider)
    before = len(runs)
    assert held_name(database, provider) == name
    assert len(runs) == before  # remembered: no statement

    rename(database, provider, "改名后的公安局")
    assert held_name(database, provider) == "改名后的公安局"  # read again at once
    assert len(runs) == before + 1
    rename(database, provider, name)
    assert held_name(database, provider) == name


def test_a_change_to_another_table_keeps_the_answer(
    world_database: tuple[Database, World], runs: list[dict[str, Any]]
) -> None:
    database, world = world_database
    held_name(database, world.provider.id)
    before = len(runs)
    committed(database, "UPDATE sharing_grant SET number = number")
    held_name(database, world.provider.id)
    assert len(runs) == before


def test_a_writing_session_never_remembers(
    world_database: tuple[Database, World], runs: list[dict[str, Any]]
) -> None:
    """A writing session may see its own uncommitted change: it always reads."""
    database, world = world_database
    held_name(database, world.provider.id)
    first = len(runs)
    with database.engine.connect() as connection, Session(bind=connection) as session:
        session.execute(
            update(Organization)
            .where(Organization.id == world.provider.id)
            .values(name="未提交的名字")
        )
        assert NAME_OF.first(session, id=world.provider.id).name == "未提交的名字"
        session.rollback()
        assert NAME_OF.first(session, id=world.provider.id).name != "未提交的名字"
    assert len(runs) == first + 2
    assert held_name(database, world.provider.id) != "未提交的名字"


def test_a_read_of_an_unstamped_table_is_never_remembered(
    world_database: tuple[Database, World], monkeypatch: pytest.MonkeyPatch
) -> None:
    database, _world = world_database
    count_events = Remembered(Prebuilt(select(func.count()).select_from(AuditEvent)))
    made = counting(count_events, monkeypatch)
    for _ in range(3):
        with database.thread_read_scope() as session:
            count_events.all(session)
            assert stamps.current_stamps(session) is not None
            assert stamps.current_stamps(session)["audit_event"] is None  # type: ignore[index]
    assert len(made) == 3


def test_a_table_name_that_is_not_a_plain_identifier_is_refused() -> None:
    quoted = Table("odd'name", MetaData(), Column("id", Integer, primary_key=True))
    with pytest.raises(ValueError, match="plain table name"):
        Remembered(Prebuilt(select(quoted)))


def test_on_postgresql_two_open_transactions_write_the_same_table_side_by_side(
    world_database: tuple[Database, World],
) -> None:
    """The stamp is renewed at commit, not at the first write: the second writer does not
    wait for the first one's stamp row lock until it commits."""
    database, world = world_database
    if database.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time")
    before = table_stamps(database)["registry_organization"]
    with database.engine.connect() as first, database.engine.connect() as second:
        one, other = first.begin(), second.begin()
        first.execute(
            update(Organization).where(Organization.id == world.provider.id).values(phone="1")
        )
        second.execute(text("SET LOCAL lock_timeout = '2s'"))
        second.execute(  # raised LockNotAvailable when the stamp was renewed at once
            update(Organization).where(Organization.id == world.consumer.id).values(phone="2")
        )
        one.commit()
        after_first = table_stamps(database)["registry_organization"]
        other.commit()
    after_second = table_stamps(database)["registry_organization"]
    assert len({before, after_first, after_second}) == 3
