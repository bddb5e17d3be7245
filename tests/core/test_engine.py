"""``Database.thread_read_scope``: reads on the thread's own connection (a read
transaction on SQLite, outside a transaction on PostgreSQL), kept between uses, one per
thread, rolled back on error, closed by ``dispose``; prebuilt reads without a session
(``HeldReads``). PostgreSQL's pool keeps as many
connections as the threadpool has threads."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, literal_column, select, table, text
from sqlalchemy.exc import OperationalError

from smartcity.core.config import POOL_SIZE
from smartcity.core.db.engine import PG_OVERFLOW, Database, HeldReads
from smartcity.core.db.prebuilt import Prebuilt
from tests.conftest import postgres_admin_url


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


@pytest.fixture
def postgres() -> Iterator[Database]:
    url = postgres_admin_url()
    if url is None:
        pytest.skip("PostgreSQL: set SMARTCITY_TEST_DATABASE_URL (CI does)")
    db = Database(url)
    yield db
    db.dispose()


def test_postgresql_keeps_a_connection_per_threadpool_thread(postgres: Database) -> None:
    pool = postgres.engine.pool
    assert pool.size() == POOL_SIZE == 40  # type: ignore[attr-defined]
    assert pool._max_overflow == PG_OVERFLOW  # type: ignore[attr-defined]


def test_on_postgresql_the_thread_scope_reads_outside_a_transaction_on_a_kept_connection(
    postgres: Database,
) -> None:
    with postgres.thread_read_scope() as session:
        driver = session.connection().connection.driver_connection
        assert session.scalar(text("SELECT 1")) == 1
        assert driver.autocommit  # type: ignore[union-attr]
        assert driver.info.transaction_status.name == "IDLE"  # type: ignore[union-attr]
    with postgres.thread_read_scope() as session:
        assert session.connection().connection.driver_connection is driver
        assert session.scalar(text("SELECT 2")) == 2


COUNT = Prebuilt(select(func.count().label("n")).select_from(table("t")))


def test_prebuilt_reads_need_no_session_and_anything_else_gets_one_with_the_same_info(
    database: Database,
) -> None:
    with database.session_scope() as session:
        session.execute(text("INSERT INTO t VALUES (1)"))
    with database.thread_read_scope() as session:
        assert isinstance(session, HeldReads)
        session.info["mark"] = "kept"
        assert COUNT.first(session) == (1,)
        assert session.session is None  # the read went straight to the connection

        assert session.scalar(text("SELECT count(*) FROM t")) == 1
        real = session.session
        assert real is not None
        assert real.info is session.info
        assert real.info["mark"] == "kept"
        assert real.connection() is session.connection()
        assert COUNT.first(session) == (1,)  # and later reads in its transaction


def test_a_failing_prebuilt_read_raises_as_sqlalchemy_would_and_the_connection_serves_on(
    database: Database,
) -> None:
    missing = Prebuilt(select(literal_column("n")).select_from(table("nowhere")))
    with (
        pytest.raises(OperationalError, match="no such table") as raised,
        database.thread_read_scope() as session,
    ):
        missing.all(session)
    assert not raised.value.connection_invalidated
    with database.thread_read_scope() as session:
        assert COUNT.first(session) == (0,)
