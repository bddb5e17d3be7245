"""``Database.thread_read_scope``: a read transaction on the thread's own connection,
kept between uses, one per thread, rolled back on error, closed by ``dispose``."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from smartcity.core.db.engine import Database


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    db = Database(f"sqlite:///{tmp_path / 'held.sqlite3'}")
    with db.session_scope() as session:
        session.execute(text("CREATE TABLE t (n INTEGER)"))
    yield db
    db.dispose()


def test_a_thread_keeps_its_connection_between_uses(database: Database) -> None:
    with database.thread_read_scope() as session:
        first = session.connection().connection.driver_connection
    with database.thread_read_scope() as session:
        again = session.connection().connection.driver_connection
    other: list[object] = []

    def elsewhere() -> None:
        with database.thread_read_scope() as session:
            other.append(session.connection().connection.driver_connection)

    thread = threading.Thread(target=elsewhere)
    thread.start()
    thread.join()

    assert again is first
    assert len(other) == 1
    assert other[0] is not first


def test_each_use_is_a_read_transaction_that_sees_what_was_committed_since(
    database: Database,
) -> None:
    with database.thread_read_scope() as session:
        assert session.scalar(text("SELECT count(*) FROM t")) == 0
    with database.session_scope() as session:
        session.execute(text("INSERT INTO t VALUES (1)"))
    with database.thread_read_scope() as session:
        assert session.scalar(text("SELECT count(*) FROM t")) == 1
        # read-only on SQLite: a deferred BEGIN, which takes no write lock
        with database.session_scope() as writer:
            writer.execute(text("INSERT INTO t VALUES (2)"))


def test_an_error_rolls_back_and_the_connection_serves_again(database: Database) -> None:
    def failing() -> None:
        with database.thread_read_scope() as session:
            session.execute(text("SELECT 1"))
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        failing()
    with database.thread_read_scope() as session:
        assert session.scalar(text("SELECT count(*) FROM t")) == 0


def test_dispose_closes_the_held_connections(database: Database) -> None:
    with database.thread_read_scope() as session:
        connection = session.connection()
    database.dispose()
    assert connection.closed
