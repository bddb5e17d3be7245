"""The exchange log's group writer: queued calls' entries land together in one
transaction, in order, on the chain; each caller learns its entry's ``seq`` only once
it is committed; a failed batch fails every call in it and writes nothing; closing
drains the queue. And the exchange API, served for real, logs every concurrent call
through it."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import Engine, event, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from smartcity.app import create_app
from smartcity.core.config import DatabaseSettings, Settings
from smartcity.core.db.engine import Database
from smartcity.core.db.migrate import upgrade
from smartcity.core.security import SYSTEM
from smartcity.domains.identity import service as identity_service
from smartcity.domains.identity.permissions import Role
from smartcity.domains.identity.schemas import ApiClientCreate
from smartcity.domains.sharing.enums import QueryMode
from smartcity.domains.sharing.models import ExchangeLogEntry, ExchangeSubject
from smartcity.domains.sharing.service import exchange, exchange_log, log_writer
from smartcity.domains.sharing.service.exchange_log import LogDraft
from smartcity.domains.sharing.service.log_writer import (
    HeldConnection,
    LogWriter,
    LogWriterClosedError,
)
from tests.conftest import fresh_database_url
from tests.domains.sharing.test_exchange import population_world
from tests.factories.sharing import make_grant
from tests.helpers.live import serving
from tests.helpers.loops import run_in_own_loop


@pytest.fixture
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """A database of its own: the writer commits, so the suite's shared one is no place."""
    db = Database(fresh_database_url(tmp_path_factory, "log_writer"))
    upgrade(db.engine)
    yield db
    log_writer.close(db)
    db.dispose()


def draft(n: int) -> LogDraft:
    return LogDraft(
        actor=SYSTEM,
        operation="lookup",
        result="ok",
        case_reference=f"办件-{n}",
        subject_keys=[f"37080019900101{n:04d}"],
    )


def entries(database: Database) -> list[tuple[int, str]]:
    with database.read_scope() as session:
        return [
            (row.seq, row.case_reference)
            for row in session.execute(
                select(ExchangeLogEntry.seq, ExchangeLogEntry.case_reference).order_by(
                    ExchangeLogEntry.seq
                )
            )
        ]


def verified(database: Database) -> bool:
    with database.read_scope() as session:
        return exchange_log.verify_exchange_log(session, actor=SYSTEM).ok


class TestLogWriter:
    def test_drafts_queued_meanwhile_are_chained_in_one_transaction(
        self, database: Database
    ) -> None:
        first_batch_started = threading.Event()
        release = threading.Event()

        @contextmanager
        def begin() -> Iterator[Session]:
            # The first batch waits until the others are queued behind it.
            if not first_batch_started.is_set():
                first_batch_started.set()
                assert release.wait(10)
            with database.sessionmaker.begin() as session:
                yield session

        writer = LogWriter(begin)
        try:
            first = writer.submit(draft(0))
            assert first_batch_started.wait(10)
            rest = [writer.submit(draft(n)) for n in range(1, 100)]
            release.set()
            seqs = [first.result(10)] + [future.result(10) for future in rest]
        finally:
            writer.close()

        assert seqs == list(range(1, 101))
        assert (writer.batches, writer.entries) == (2, 100)
        assert entries(database) == [(n + 1, f"办件-{n}") for n in range(100)]
        with database.read_scope() as session:
            assert session.scalar(select(func.count()).select_from(ExchangeSubject)) == 100
        assert verified(database)

    def test_a_failed_batch_fails_each_of_its_calls_and_writes_nothing(
        self, database: Database
    ) -> None:
        @contextmanager
        def begin() -> Iterator[Session]:
            with database.sessionmaker.begin() as session:
                yield session
                raise RuntimeError("提交失败")

        writer = LogWriter(begin)
        try:
            future = writer.submit(draft(1))
            with pytest.raises(RuntimeError, match="提交失败"):
                future.result(10)
        finally:
            writer.close()
        assert entries(database) == []

    def test_close_commits_what_is_queued_and_refuses_more(self, database: Database) -> None:
        writer = LogWriter(database.sessionmaker.begin)
        futures = [writer.submit(draft(n)) for n in range(20)]

        writer.close()

        assert all(future.done() for future in futures)
        assert [seq for seq, _ in entries(database)] == list(range(1, 21))
        with pytest.raises(LogWriterClosedError):
            writer.submit(draft(21))

    def test_the_session_appends_itself_without_an_attached_writer(
        self, database: Database
    ) -> None:
        with database.session_scope() as session:
            assert log_writer.append(session, draft(1)) == 1
        with database.read_scope() as session:
            log_writer.attach(session, log_writer.for_database(database))
            assert log_writer.append(session, draft(2)) == 2
        assert entries(database) == [(1, "办件-1"), (2, "办件-2")]
        assert verified(database)


class TestHeldConnection:
    """The writer thread's connection, kept between batches while they keep coming."""

    @staticmethod
    def checkouts(engine: Engine) -> list[int]:
        counted: list[int] = []
        event.listen(engine, "checkout", lambda *_: counted.append(1))
        return counted

    def test_back_to_back_batches_share_one_checkout(self, database: Database) -> None:
        engine = database.private_engine()
        held = HeldConnection(engine, fresh_after=60)
        counted = self.checkouts(engine)
        for n in range(1, 4):
            with held() as session:
                assert exchange_log.append_many(session, [draft(n)]) == [n]
        held.release()

        assert len(counted) == 1
        assert entries(database) == [(n, f"办件-{n}") for n in range(1, 4)]
        assert verified(database)

    def test_after_an_idle_spell_the_next_batch_checks_a_pinged_one_out(
        self, database: Database
    ) -> None:
        engine = database.private_engine()
        held = HeldConnection(engine, fresh_after=0.0)
        counted = self.checkouts(engine)
        for n in range(1, 3):
            with held() as session:
                exchange_log.append_many(session, [draft(n)])
            time.sleep(0.01)
        held.release()

        assert len(counted) == 2
        assert verified(database)

    def test_a_failed_batch_writes_nothing_and_lets_its_connection_go(
        self, database: Database
    ) -> None:
        engine = database.private_engine()
        held = HeldConnection(engine, fresh_after=60)
        counted = self.checkouts(engine)

        def failing_batch() -> None:
            with held() as session:
                exchange_log.append_many(session, [draft(1)])
                raise RuntimeError("提交失败")

        with pytest.raises(RuntimeError, match="提交失败"):
            failing_batch()
        with held() as session:
            assert exchange_log.append_many(session, [draft(2)]) == [1]
        held.release()

        assert len(counted) == 2
        assert entries(database) == [(1, "办件-2")]

    def test_a_writer_thread_holds_one_and_gives_it_back_when_closed(
        self, database: Database
    ) -> None:
        engine = database.private_engine()
        counted = self.checkouts(engine)
        returned: list[int] = []
        event.listen(engine, "checkin", lambda *_: returned.append(1))
        writer = LogWriter(HeldConnection(engine, fresh_after=60))
        seqs = [writer.append(draft(n)) for n in range(1, 4)]
        assert (len(counted), len(returned)) == (1, 0)

        writer.close()

        assert seqs == [1, 2, 3]
        assert (len(counted), len(returned)) == (1, 1)


class TestLoopLogWriter:
    """The writer the event loop runs itself (SQLite: lookups are served on the loop)."""

    @pytest.fixture(autouse=True)
    def _sqlite_only(self, database: Database) -> None:
        if not database.is_sqlite_file:
            pytest.skip("the loop's writer serves SQLite, whose lookups are served on the loop")

    def test_the_calls_of_one_loop_iteration_share_one_transaction(
        self, database: Database
    ) -> None:
        writer = log_writer.for_loop(database)

        async def calls() -> list[int]:
            futures = [writer.submit(draft(n)) for n in range(1, 6)]
            assert not any(future.done() for future in futures)  # flushed on the next turn
            return list(await asyncio.gather(*futures))

        assert run_in_own_loop(calls()) == [1, 2, 3, 4, 5]
        assert (writer.batches, writer.entries) == (1, 5)
        assert entries(database) == [(n, f"办件-{n}") for n in range(1, 6)]
        assert verified(database)

    def test_while_another_process_holds_the_lock_it_waits_without_blocking_the_loop(
        self, database: Database
    ) -> None:
        writer = log_writer.for_loop(database)
        other = sqlite3.connect(
            make_url(database.url).database or "", isolation_level=None, check_same_thread=False
        )
        other.execute("BEGIN IMMEDIATE")  # another worker's writer in its transaction

        async def calls() -> tuple[list[int], int]:
            futures = [writer.submit(draft(1)), writer.submit(draft(2))]
            turns = 0
            for _ in range(20):  # the loop keeps turning meanwhile
                await asyncio.sleep(0.001)
                turns += 1
            assert not any(future.done() for future in futures)
            late = writer.submit(draft(3))  # joins the batch that is waiting
            other.execute("COMMIT")
            return list(await asyncio.gather(*futures, late)), turns

        seqs, turns = run_in_own_loop(calls())
        other.close()
        assert seqs == [1, 2, 3]
        assert turns == 20
        assert (writer.batches, writer.entries) == (1, 3)
        assert verified(database)

    def test_a_failed_batch_fails_each_of_its_calls_and_writes_nothing(
        self, database: Database, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        writer = log_writer.for_loop(database)
        real = exchange_log.append_on_driver

        def failing(cursor: object, dialect: object, drafts: list[LogDraft]) -> list[int]:
            real(cursor, dialect, drafts)  # type: ignore[arg-type]
            raise RuntimeError("磁盘已满")

        async def calls() -> list[BaseException | int]:
            monkeypatch.setattr(exchange_log, "append_on_driver", failing)
            failed = [writer.submit(draft(n)) for n in (1, 2)]
            outcomes = await asyncio.gather(*failed, return_exceptions=True)
            monkeypatch.setattr(exchange_log, "append_on_driver", real)
            return [*outcomes, await writer.submit(draft(3))]

        first, second, third = run_in_own_loop(calls())
        assert isinstance(first, RuntimeError)
        assert isinstance(second, RuntimeError)
        assert third == 1  # the failed batch was rolled back: the next one starts the chain
        assert entries(database) == [(1, "办件-3")]

    def test_close_commits_what_is_queued_and_refuses_more(self, database: Database) -> None:
        writer = log_writer.for_loop(database)

        async def calls() -> asyncio.Future[int]:
            queued = writer.submit(draft(1))
            log_writer.close(database)  # before the loop's next turn
            assert queued.done()
            with pytest.raises(LogWriterClosedError):
                writer.submit(draft(2))
            return queued

        assert run_in_own_loop(calls()).result() == 1
        assert entries(database) == [(1, "办件-1")]


CALLS = 48


def test_the_served_api_logs_every_concurrent_call_once(database: Database, tmp_path: Path) -> None:
    """Lookups from many threads against uvicorn: each answer's ``log_seq`` is its own
    committed entry, refusals included, and the chain verifies."""
    exchange.rate_limiter.reset()
    with database.session_scope() as session:
        world = population_world(session, tmp_path, rows=5)
        _client, token = identity_service.create_api_client(
            session,
            actor=SYSTEM,
            data=ApiClientCreate(
                name="并发查询系统", organization_id=world.consumer.id, roles=[Role.org_staff]
            ),
            max_days=365,
        )
        grant_id = make_grant(
            session,
            entry=world.entry,
            consumer=world.consumer,
            items=["姓名", "性别"],
            query_modes=[QueryMode.lookup],
            rate_per_minute=10_000,
        ).id
    app = create_app(
        Settings(environment="test", database=DatabaseSettings(url=database.url)),
        database=database,
    )

    def call(n: int) -> tuple[int, int, str]:
        field = "性别" if n % 8 else "民族"  # every eighth asks for an ungranted item
        path = f"/api/v1/exchange/grants/{grant_id}/records/{world.key(n % 5)}"
        request = urllib.request.Request(
            f"{base}{path}?fields={quote(field)}",
            headers={"Authorization": f"Bearer {token}", "X-Case-Reference": f"CASE-{n}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.load(response)["log_seq"], f"CASE-{n}"
        except urllib.error.HTTPError as error:
            return error.code, 0, f"CASE-{n}"

    # SQLite's lookups are served on the event loop and logged by the loop's writer;
    # elsewhere in one threadpool trip, logged by the writer thread.
    writer = (
        log_writer.for_loop(database)
        if database.is_sqlite_file
        else log_writer.for_database(database)
    )
    with serving(app) as base, ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(call, range(CALLS)))

    assert writer.entries == CALLS  # GETs log through the group writer (closed on shutdown)

    refused = [n for n in range(CALLS) if n % 8 == 0]
    assert sorted(status for status, _, _ in answers) == sorted(
        [403] * len(refused) + [200] * (CALLS - len(refused))
    )
    logged = dict((case, seq) for seq, case in entries(database))
    assert len(logged) == CALLS  # one entry per call, refusals included
    for status, seq, case in answers:
        if status == 200:
            assert logged[case] == seq
    with database.read_scope() as session:
        results = dict(
            session.execute(
                select(ExchangeLogEntry.result, func.count()).group_by(ExchangeLogEntry.result)
            ).all()
        )
    assert results["ok"] == CALLS - len(refused)
    assert verified(database)
