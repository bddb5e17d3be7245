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
in one transaction — one lock, one head read, two INSERTs and one commit for the
lot. The thread writes on a connection of its own (``Database.private_sessionmaker``):
the requests waiting for it hold connections of the shared pool. Each caller
**waits for its own entry to commit** (``append`` blocks on a future) before it
answers, so nothing is lost: a crash before the commit loses the calls' answers
together with their entries, never an answer without its
entry. If the commit fails, every waiting call gets the error and answers 500.

Who uses it: the exchange routes read in a read-only transaction and put the
writer in ``session.info`` (``attach``); ``exchange_core.ExchangeCall.log`` then hands its
draft to the writer. A session that writes anyway (a POST that notes its API
client's use; the tests' session bound to one connection) appends in its own
transaction instead: handing off would wait for a lock that session holds.

Several processes (uvicorn workers) each run a writer; the chain stays linear
because each batch takes the chain's lock (PostgreSQL) or the write lock
(SQLite) before it reads the head. ``close`` drains the queue and stops the
thread; the application closes its writers on shutdown.
"""

from __future__ import annotations

import atexit
import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from contextlib import AbstractContextManager
from typing import Final

from sqlalchemy.orm import Session

from smartcity.core.db.engine import Database
from smartcity.domains.sharing.service import exchange_log
from smartcity.domains.sharing.service.exchange_log import LogDraft

logger = logging.getLogger(__name__)

SESSION_KEY: Final = "smartcity.exchange_log_writer"
MAX_BATCH: Final = 1_000
_STOP: Final = object()


class LogWriterClosedError(RuntimeError):
    """The writer was closed; the call cannot be logged, so it must not be answered."""


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


# ---------------------------------------------------------------- one per database

_writers: dict[int, tuple[Database, LogWriter]] = {}
_writers_lock = threading.Lock()


def for_database(database: Database) -> LogWriter:
    """The database's writer, started on first use."""
    with _writers_lock:
        held = _writers.get(id(database))
        if held is None or held[0] is not database:
            factory = database.private_sessionmaker()
            held = _writers[id(database)] = (database, LogWriter(factory.begin))
        return held[1]


def close(database: Database) -> None:
    """Drain and stop the database's writer, if it has one."""
    with _writers_lock:
        held = _writers.pop(id(database), None)
    if held is not None:
        held[1].close()


@atexit.register
def _close_all() -> None:
    with _writers_lock:
        held = list(_writers.values())
        _writers.clear()
    for _, writer in held:
        writer.close()


def attach(session: Session, writer: LogWriter) -> None:
    """Let the exchange calls in ``session`` log through ``writer``."""
    session.info[SESSION_KEY] = writer


def append(session: Session, draft: LogDraft) -> int:
    """Log ``draft`` for a call made in ``session``: through the writer attached to the
    session, else in the session's own transaction; its ``seq`` once committed (or,
    in the session, once the session commits)."""
    writer = session.info.get(SESSION_KEY)
    if isinstance(writer, LogWriter):
        return writer.append(draft)
    return exchange_log.append(session, draft)
