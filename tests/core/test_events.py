"""Domain events reach their handlers after the transaction that published them commits
— the real commit, not the release of a savepoint inside it — and not at all when it
rolls back. Handlers then write in sessions of their own without waiting for a lock."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text

from smartcity.core.db.engine import Database
from smartcity.core.events import publish


@dataclass(frozen=True)
class Happened:
    n: int


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    db = Database(f"sqlite:///{tmp_path / 'events.sqlite3'}")
    with db.engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE seen (n INTEGER)")
    yield db
    db.dispose()


def test_an_event_published_in_a_savepoint_waits_for_the_real_commit(
    database: Database,
) -> None:
    handled: list[tuple[int, float]] = []

    def handler(db: Database, event: Happened) -> None:
        started = time.monotonic()
        with db.session_scope() as session:  # a writer of its own (BEGIN IMMEDIATE)
            session.execute(text("INSERT INTO seen VALUES (:n)"), {"n": event.n})
        handled.append((event.n, time.monotonic() - started))

    database.events.subscribe(Happened, handler)
    with database.session_scope() as session:
        with session.begin_nested():
            publish(session, Happened(1))
        assert handled == []  # the savepoint is released; the transaction is still open
        session.execute(text("SELECT 1"))

    assert [n for n, _ in handled] == [1]
    assert handled[0][1] < 5  # no wait for the publisher's write lock (busy timeout 30 s)
    with database.read_scope() as session:
        assert session.scalar(text("SELECT count(*) FROM seen")) == 1


def test_a_rolled_back_transaction_delivers_nothing(database: Database) -> None:
    handled: list[int] = []
    database.events.subscribe(Happened, lambda _db, event: handled.append(event.n))

    def failing() -> None:
        with database.session_scope() as session:
            publish(session, Happened(2))
            raise RuntimeError("失败")

    with pytest.raises(RuntimeError):
        failing()

    with database.session_scope() as session:
        session.execute(text("SELECT 1"))
    assert handled == []


def test_an_event_of_a_rolled_back_savepoint_is_not_delivered(database: Database) -> None:
    # A use case tries something in a savepoint (a numbering retry, an optional step),
    # rolls it back and commits the rest: only the rest's events are delivered.
    handled: list[int] = []
    database.events.subscribe(Happened, lambda _db, event: handled.append(event.n))

    with database.session_scope() as session:
        publish(session, Happened(1))
        savepoint = session.begin_nested()
        publish(session, Happened(2))
        with session.begin_nested():  # released inside the one rolled back
            publish(session, Happened(3))
        savepoint.rollback()
        with session.begin_nested():  # a later savepoint, released
            publish(session, Happened(4))
        publish(session, Happened(5))

    assert handled == [1, 4, 5]


def test_a_released_savepoint_event_goes_with_its_transaction(database: Database) -> None:
    handled: list[int] = []
    database.events.subscribe(Happened, lambda _db, event: handled.append(event.n))

    def failing() -> None:
        with database.session_scope() as session:
            with session.begin_nested():
                publish(session, Happened(6))
            raise RuntimeError("失败")

    with pytest.raises(RuntimeError):
        failing()
    assert handled == []
