"""The exchange log's group writer: many calls' entries in one transaction (Art. 26).

Every exchange call must be logged before its answer leaves, and the log is one
hash chain, so its head is a point every call passes through. Appending in each
call's own transaction (``exchange_log.append``) makes every call a writer: on
SQLite the whole request then holds the database's one write lock, on PostgreSQL
the chain's advisory lock is held across one commit per call. Both cap the API at
a few hundred calls a second, whatever the hardware.

The group writer takes the entries of the calls made meanwhile and appends them
together: a thread per database waits for the first draft, takes whatever else
is queued (up to ``max_batch``), and chains them with ``exchange_log.append_many``
in one transaction — one lock, one head read, the INSERTs and one commit for the
lot. The thread writes on a connection of its own (``Database.private_engine``), kept
from batch to batch (``HeldConnection``): the requests waiting for it hold connections
of the shared pool. Each caller
**waits for its own entry to commit** (``append`` blocks on a future) before it
answers, so nothing is lost: a crash before the commit loses the calls' answers
together with their entries, never an answer without its
entry. If the commit fails, every waiting call gets the error and answers 500.

Who uses it: the exchange routes read in a read-only transaction and put the
writer in ``session.info`` (``attach``); ``exchange_core.ExchangeCall.log`` then hands its
draft to the writer. A session that writes anyway (a POST that notes its API
client's use; the tests' session bound to one connection) appends in its own
transaction instead: handing off would wait for a lock that session holds.

A caller on the event loop must not block on the future: ``attach(…, deferred=True)``
makes ``append`` queue the draft and return at once (its ``seq`` still unknown: 0);
the caller closes its session, then awaits ``pending(session)`` — the entries'
``seq`` once committed — before it answers (``api_exchange.serve_lookup``).

Several processes (uvicorn workers) each run a writer; the chain stays linear
because each batch takes the chain's lock (PostgreSQL) or the write lock
(SQLite) before it reads the head. ``close`` drains the queue and stops the
thread; the application closes its writers on shutdown.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Final

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from smartcity.core.db.engine import Database, unit_of_work_on
from smartcity.domains.sharing.service import exchange_log
from smartcity.domains.sharing.service.exchange_log import LogDraft

logger = logging.getLogger(__name__)

SESSION_KEY: Final = "smartcity.exchange_log_writer"
DEFERRED_KEY: Final = "smartcity.exchange_log_deferred"
MAX_BATCH: Final = 1_000
_STOP: Final = object()


class LogWriterClosedError(RuntimeError):
    """The writer was closed; the call cannot be logged, so it must not be answered."""


class HeldConnection:
    """The writer thread's connection, kept from batch to batch (calling it opens a
    transaction on it): under load one batch follows another, and a checkout from
    the pool each time costs a pre-ping round trip. Idle for more than
    ``fresh_after`` seconds, it goes back to the pool and the next batch checks one
    out, pinged: a connection the server dropped meanwhile is not used unchecked.
    One whose batch failed is let go."""

    def __init__(self, engine: Engine, *, fresh_after: float = 1.0) -> None:
        self._engine = engine
        self._fresh_after = fresh_after
        self._connection: Connection | None = None
        self._used = 0.0

    @contextmanager
    def __call__(self) -> Iterator[Session]:
        connection = self._connection
        if connection is not None and (
            connection.invalidated or time.monotonic() - self._used > self._fresh_after
        ):
            self.release()
            connection = None
        if connection is None:
            connection = self._connection = self._engine.connect()
        try:
            with unit_of_work_on(connection) as session:
                yield session
        except BaseException:
            self.release()
            raise
        finally:
            self._used = time.monotonic()

    def release(self) -> None:
        """Give the connection back to the pool (the writer stops, or it went stale)."""
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()


class LogWriter:
    """A thread that appends queued drafts to the exchange log in batches."""

    def __init__(
        self,
        begin: Callable[[], AbstractContextManager[Session]],
        *,
        max_batch: int = MAX_BATCH,
        name: str = "exchange-log-writer",
    ) -> None:
        self._begin = begin
        self._max_batch = max_batch
        self._queue: queue.SimpleQueue[tuple[LogDraft, Future[int]] | object] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()
        self.batches = 0
        self.entries = 0

    def submit(self, draft: LogDraft) -> Future[int]:
        """Queue ``draft``; the future gives its ``seq`` once committed."""
        future: Future[int] = Future()
        with self._lock:
            if self._closed:
                raise LogWriterClosedError("交换日志写入器已关闭")
            self._queue.put((draft, future))
        return future

    def append(self, draft: LogDraft, timeout: float | None = 60.0) -> int:
        """Queue ``draft`` and wait until it is committed; its ``seq``."""
        return self.submit(draft).result(timeout)

    def close(self, timeout: float | None = 60.0) -> None:
        """Append what is queued, then stop the thread (idempotent)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._queue.put(_STOP)
        self._thread.join(timeout)

    # ---------------------------------------------------------------- the thread

    def _take(self) -> tuple[list[tuple[LogDraft, Future[int]]], bool]:
        """The next batch (blocking for its first draft) and whether to stop after it."""
        batch: list[tuple[LogDraft, Future[int]]] = []
        item = self._queue.get()
        while True:
            if item is _STOP:
                return batch, True
            assert isinstance(item, tuple)
            batch.append(item)
            if len(batch) >= self._max_batch:
                return batch, False
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return batch, False

    def _run(self) -> None:
        try:
            self._write_batches()
        finally:
            if isinstance(self._begin, HeldConnection):
                self._begin.release()

    def _write_batches(self) -> None:
        stop = False
        while not stop:
            batch, stop = self._take()
            if not batch:
                continue
            drafts = [draft for draft, _ in batch]
            try:
                with self._begin() as session:
                    seqs = exchange_log.append_many(session, drafts)
            except BaseException as error:  # every waiting call answers with the error
                logger.exception("exchange log batch of %d entries failed", len(batch))
                for _, future in batch:
                    future.set_exception(error)
                continue
            self.batches += 1
            self.entries += len(batch)
            for (_, future), seq in zip(batch, seqs, strict=True):
                future.set_result(seq)


# ---------------------------------------------------------------- on the event loop


class LoopLogWriter:
    """The group writer for calls served on an event loop, run by the loop itself
    (SQLite file databases: ``api_exchange.serve_lookup`` serves their lookups on the
    loop, so a writer thread would only contend with it for the GIL and invalidate
    its page cache from another connection at every commit).

    ``submit`` queues a draft and returns an ``asyncio`` future; the first draft of a
    loop iteration schedules a flush for the next one (``call_soon``), so the calls
    answered in one iteration share one transaction: ``BEGIN IMMEDIATE`` on a
    connection of its own, ``exchange_log.append_on_driver``, ``COMMIT``. The lock is
    tried without waiting (``busy_timeout`` 0): when another process holds it, the
    flush is tried again ``retry`` seconds later instead of blocking the loop, and
    the drafts queued meanwhile join the batch. A failed batch fails every call in it.
    """

    def __init__(
        self, engine: Engine, *, retry: float = 0.0005, max_batch: int = MAX_BATCH
    ) -> None:
        self._engine = engine
        self._retry = retry
        self._max_batch = max_batch
        self._connection: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queue: list[tuple[LogDraft, asyncio.Future[int]]] = []
        self._scheduled = False
        self._closed = False
        self.batches = 0
        self.entries = 0

    def submit(self, draft: LogDraft) -> asyncio.Future[int]:
        """Queue ``draft`` (on the loop's thread); the future gives its ``seq`` once committed."""
        if self._closed:
            raise LogWriterClosedError("交换日志写入器已关闭")
        loop = asyncio.get_running_loop()
        if self._loop is None:
            self._loop = loop
        elif loop is not self._loop:  # its queue and connection belong to one thread
            raise RuntimeError("the exchange log's loop writer serves one event loop")
        future: asyncio.Future[int] = loop.create_future()
        self._queue.append((draft, future))
        if not self._scheduled:
            self._scheduled = True
            loop.call_soon(self._flush)
        return future

    def _driver(self) -> Any:
        if self._connection is None:
            connection = self._engine.raw_connection()
            connection.driver_connection.execute("PRAGMA busy_timeout=0")  # type: ignore[union-attr]
            self._connection = connection
        return self._connection.driver_connection

    def _flush(self, *, final: bool = False) -> None:
        """Append a batch; ``final`` (closing): waiting for the lock, scheduling nothing."""
        self._scheduled = False
        if not self._queue:
            return
        driver = self._driver()
        try:
            driver.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            if final or ("locked" not in str(error) and "busy" not in str(error)):
                self._fail(self._take(), error)
                return
            self._scheduled = True  # another process is writing: try again shortly
            assert self._loop is not None
            self._loop.call_later(self._retry, self._flush)
            return
        batch = self._take()
        try:
            cursor = driver.cursor()
            try:
                seqs = exchange_log.append_on_driver(
                    cursor, self._engine.dialect, [draft for draft, _ in batch]
                )
            finally:
                cursor.close()
            driver.execute("COMMIT")
        except BaseException as error:  # every waiting call answers with the error
            logger.exception("exchange log batch of %d entries failed", len(batch))
            if driver.in_transaction:
                driver.execute("ROLLBACK")
            self._fail(batch, error)
            return
        self.batches += 1
        self.entries += len(batch)
        for (_, future), seq in zip(batch, seqs, strict=True):
            if not future.done():
                future.set_result(seq)
        if self._queue and not self._scheduled and not final:
            self._scheduled = True
            assert self._loop is not None
            self._loop.call_soon(self._flush)

    def _take(self) -> list[tuple[LogDraft, asyncio.Future[int]]]:
        batch, self._queue = self._queue[: self._max_batch], self._queue[self._max_batch :]
        return batch

    @staticmethod
    def _fail(batch: list[tuple[LogDraft, asyncio.Future[int]]], error: BaseException) -> None:
        for _, future in batch:
            if not future.done():
                future.set_exception(error)

    def close(self) -> None:
        """Append what is still queued, waiting for the lock if need be, and let the
        connection go (on the loop's thread, when no call is left to serve)."""
        self._closed = True
        if self._queue:
            self._driver().execute("PRAGMA busy_timeout=30000")
        while self._queue:
            self._flush(final=True)
        if self._connection is not None:
            self._connection.close()
            self._connection = None


# ---------------------------------------------------------------- one per database

_writers: dict[int, tuple[Database, LogWriter]] = {}
_loop_writers: dict[int, tuple[Database, LoopLogWriter]] = {}
_writers_lock = threading.Lock()


def for_database(database: Database) -> LogWriter:
    """The database's writer, started on first use."""
    with _writers_lock:
        held = _writers.get(id(database))
        if held is None or held[0] is not database:
            writer = LogWriter(
                database.sessionmaker.begin  # in-memory SQLite: it lives in its one connection
                if database.is_sqlite and not database.is_sqlite_file
                else HeldConnection(database.private_engine())
            )
            held = _writers[id(database)] = (database, writer)
        return held[1]


def for_loop(database: Database) -> LoopLogWriter:
    """The database's writer on the event loop (an SQLite file: one loop per process,
    the server's), started on first use."""
    if not database.is_sqlite_file:
        raise ValueError("the loop's writer serves SQLite files (elsewhere: for_database)")
    with _writers_lock:
        held = _loop_writers.get(id(database))
        if held is None or held[0] is not database:
            held = _loop_writers[id(database)] = (
                database,
                LoopLogWriter(database.private_engine()),
            )
        return held[1]


def close(database: Database) -> None:
    """Drain and stop the database's writers, if it has any."""
    with _writers_lock:
        held = _writers.pop(id(database), None)
        on_loop = _loop_writers.pop(id(database), None)
    if held is not None:
        held[1].close()
    if on_loop is not None:
        on_loop[1].close()


@atexit.register
def _close_all() -> None:
    with _writers_lock:
        held = list(_writers.values())
        _writers.clear()
    for _, writer in held:
        writer.close()


def attach(session: Session, writer: LogWriter | LoopLogWriter, *, deferred: bool = False) -> None:
    """Let the exchange calls in ``session`` log through ``writer``; ``deferred``: without
    waiting for the commit (the caller awaits ``pending(session)`` before answering)."""
    session.info[SESSION_KEY] = writer
    if deferred:
        session.info[DEFERRED_KEY] = []


def append(session: Session, draft: LogDraft) -> int:
    """Log ``draft`` for a call made in ``session``: through the writer attached to the
    session, else in the session's own transaction; its ``seq`` once committed (or,
    in the session, once the session commits). Deferred (``attach``): queued, 0 for
    now, its future in ``pending(session)``."""
    writer = session.info.get(SESSION_KEY)
    if isinstance(writer, LogWriter | LoopLogWriter):
        deferred: list[Pending] | None = session.info.get(DEFERRED_KEY)
        if deferred is not None:
            deferred.append(writer.submit(draft))
            return 0
        if isinstance(writer, LoopLogWriter):
            raise RuntimeError("the loop's writer serves deferred sessions only")
        return writer.append(draft)
    return exchange_log.append(session, draft)


Pending = Future[int] | asyncio.Future[int]
"""A queued entry: from a writer thread, or from the loop's writer."""


def pending(session: Session) -> list[Pending]:
    """The entries a deferred session queued (``attach``), to await before answering."""
    deferred: list[Pending] = session.info.get(DEFERRED_KEY, [])
    return deferred


async def committed(entries: list[Pending]) -> list[int]:
    """The ``seq`` of each queued entry, once committed (raises the batch's error)."""
    seqs = []
    for entry in entries:
        if entry.done():
            seqs.append(entry.result())
        elif isinstance(entry, asyncio.Future):
            seqs.append(await entry)
        else:
            seqs.append(await asyncio.wrap_future(entry))
    return seqs
