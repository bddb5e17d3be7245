"""The ``Database``: one engine and its session factory, built explicitly, never at import."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Self, cast

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from smartcity.core.config import POOL_SIZE, Settings
from smartcity.core.db.stamps import REMEMBERING
from smartcity.core.events import EventBus

PG_OVERFLOW = 10
"""PostgreSQL connections opened beyond ``pool_size`` for a request that holds two."""


class Database:
    """Owns one engine and its session factory."""

    def __init__(self, url: str, *, echo: bool = False, pool_size: int = POOL_SIZE) -> None:
        parsed = make_url(url)
        self.url = url
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        self.is_sqlite_file = self.is_sqlite and parsed.database not in (None, "", ":memory:")
        if self.is_sqlite:
            database = parsed.database
            if database and database != ":memory:":
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            # A pooled connection per threadpool worker (AnyIO's default is 40 threads):
            # a smaller pool makes requests queue for connections, not for the write lock.
            self.engine = create_engine(
                url,
                echo=echo,
                connect_args={"check_same_thread": False, "timeout": 30},
                **(
                    {}
                    if database in (None, "", ":memory:")
                    # Last in, first out: the connection just returned is reused while
                    # it is hot (each SQLite connection has its own page cache).
                    else {"pool_size": 20, "max_overflow": 30, "pool_use_lifo": True}
                ),
            )
            _configure_sqlite(self.engine)
        else:
            # As many resident connections as the threadpool has threads: a connection
            # beyond ``pool_size`` is closed when it is returned, and under steady load
            # that is a new backend (fork, authentication, cold catalog caches) every few
            # requests. The overflow only covers a request that holds two at once.
            self.engine = create_engine(
                url,
                echo=echo,
                pool_size=pool_size,
                max_overflow=PG_OVERFLOW,
                pool_pre_ping=True,
            )
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)
        # Reads need no write lock: on SQLite they start with a deferred BEGIN so
        # pages and lookups run beside writers (WAL) instead of queueing behind them.
        self.read_sessionmaker = sessionmaker(
            self.engine.execution_options(smartcity_read_only=True), expire_on_commit=False
        )
        # The lookups' reads (``thread_read_scope``): a read transaction on SQLite; on
        # PostgreSQL each statement on its own (no BEGIN, no COMMIT).
        self._lookup_reads = (
            self.engine.execution_options(smartcity_read_only=True)
            if self.is_sqlite
            else self.engine.execution_options(
                smartcity_read_only=True, isolation_level="AUTOCOMMIT"
            )
        )
        # Domain events published in a transaction reach their handlers after it commits.
        self.events = EventBus()
        self.events.install(self, self.sessionmaker)
        self._echo = echo
        self._private_engines: list[Engine] = []
        self._held = threading.local()
        self._held_connections: list[Connection] = []
        self._held_lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        return cls(
            settings.database.url,
            echo=settings.database.echo,
            pool_size=settings.database.pool_size,
        )

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session_scope(self) -> Iterator[Session]:
        """One transaction for a CLI command or task: commit on success, roll back on error."""
        with self.sessionmaker.begin() as session:
            yield session

    @contextmanager
    def read_scope(self) -> Iterator[Session]:
        """A transaction for reading only; on SQLite it does not take the write lock."""
        with self.read_sessionmaker.begin() as session:
            yield session

    @contextmanager
    def thread_read_scope(self) -> Iterator[Session]:
        """Reads on this thread's own connection, kept between uses instead of checked
        out of the pool and returned each time (with SQLAlchemy's pool events, reset
        and — on PostgreSQL — pre-ping, that costs more than a few indexed reads). For
        the few threads that serve the exchange API's lookups: the event loop's on
        SQLite, the lookup threads' on PostgreSQL (``sharing.api_exchange.serve_lookup``).

        What it yields is a ``HeldReads``: prebuilt reads (``core.db.prebuilt``) run on
        the connection outside a transaction — each statement sees what was committed
        when it started; a lookup's few independent indexed reads need no snapshot, and
        ``BEGIN``/``COMMIT`` would be two of its round trips to a server (on SQLite, two
        statements and a session's bookkeeping) — and anything else makes a real
        ``Session`` on the same connection, committed at the end: on SQLite a read
        transaction (``read_scope``), on PostgreSQL still outside one (autocommit).
        Nothing may be written in it. A connection the server dropped is replaced at the
        next use (a statement that fails on it invalidates it)."""
        connection: Connection | None = getattr(self._held, "connection", None)
        if connection is None or connection.closed or connection.invalidated:
            connection = self._lookup_reads.connect()
            self._held.connection = connection
            with self._held_lock:
                self._held_connections.append(connection)
        reads = HeldReads(connection)
        try:
            # A stand-in: what it does not answer itself, a real session does.
            yield cast("Session", reads)
        except BaseException:
            reads.end(commit=False)
            raise
        reads.end(commit=True)

    def private_engine(self) -> Engine:
        """An engine of its own with one connection, configured as the main one.

        For a background writer that requests wait for (the exchange log's group
        writers): taking its connection from the shared pool could wait forever on
        connections held by those very requests. Not for an in-memory SQLite database,
        which exists only in its own connection."""
        if self.is_sqlite:
            engine = create_engine(
                self.url,
                echo=self._echo,
                connect_args={"check_same_thread": False, "timeout": 30},
                pool_size=1,
                max_overflow=0,
            )
            _configure_sqlite(engine)
        else:
            engine = create_engine(
                self.url, echo=self._echo, pool_size=1, max_overflow=0, pool_pre_ping=True
            )
        self._private_engines.append(engine)
        return engine

    def dispose(self) -> None:
        with self._held_lock:
            held, self._held_connections = self._held_connections, []
        for connection in held:
            connection.close()
        self.engine.dispose()
        for engine in self._private_engines:
            engine.dispose()


class HeldReads:
    """What the exchange lookup's reads need of a ``Session``, on a held connection,
    without one (``Database.thread_read_scope``).

    ``Prebuilt`` reads ask a session only for ``info`` (where ``prefetch`` leaves its
    rows and the log writer its entries), ``flush``, ``connection`` and ``get_bind``.
    A ``Session`` around them — made, begun, flushed, committed and closed on every
    lookup — cost more CPU than the reads it served (about 100 µs of a lookup's 620 on
    SQLite, in process; ``docs/benchmarks.md``). Any other attribute makes one, on
    first use, on the same connection and with the same ``info``, and everything after
    that goes to it: a signed-in user's call, whose login session is an ORM query.
    Served and refused bearer-token lookups make none. Its reads see only committed
    rows, so they may answer from what ``core.db.stamps`` remembers (``REMEMBERING``)."""

    __slots__ = ("_connection", "_session", "info")

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._session: Session | None = None
        # Its reads see only committed rows: they may use remembered answers.
        self.info: dict[Any, Any] = {REMEMBERING: True}

    @property
    def session(self) -> Session | None:
        """The real session, once something needed one."""
        return self._session

    def _real(self) -> Session:
        if self._session is None:
            session = Session(bind=self._connection, expire_on_commit=False)
            session.info = self.info  # the same dict, not a copy
            self._session = session
        return self._session

    def flush(self) -> None:
        if self._session is not None:
            self._session.flush()

    def connection(self) -> Connection:
        return self._connection if self._session is None else self._session.connection()

    def get_bind(self, *_: Any, **__: Any) -> Connection:
        return self._connection

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real(), name)

    def end(self, *, commit: bool) -> None:
        """The real session, if one was made, committed (or rolled back) and closed."""
        session, self._session = self._session, None
        if session is None:
            return
        try:
            if commit:
                session.commit()
            else:
                session.rollback()
        finally:
            session.close()


@contextmanager
def committing(session: Session) -> Iterator[Session]:
    """``session`` committed when the block ends, rolled back if it raises."""
    try:
        yield session
    except BaseException:
        session.rollback()
        raise
    session.commit()


@contextmanager
def unit_of_work_on(connection: Connection) -> Iterator[Session]:
    """A session on a connection its caller holds (not checked out of a pool per use),
    ``committing``; the connection stays with the caller."""
    with Session(bind=connection, expire_on_commit=False) as session, committing(session):
        yield session


def _configure_sqlite(engine: Engine) -> None:
    """WAL, foreign keys on, and let SQLAlchemy own BEGIN so SAVEPOINTs work.

    pysqlite does not enforce foreign keys by default and mishandles SAVEPOINT
    unless it stays out of transaction control (SQLAlchemy's documented recipe).
    ``BEGIN IMMEDIATE`` takes the write lock at the start of every writing
    transaction: two writers then queue on ``busy_timeout`` instead of failing on
    a lock upgrade from a stale snapshot, which keeps the audit chain linear under
    concurrent writers. Read-only sessions (``read_scope``) begin deferred.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # On the driver's connection: every transaction runs this, and SQLAlchemy's
        # execution of a statement costs twenty times what SQLite does with BEGIN.
        read_only = connection.get_execution_options().get("smartcity_read_only")
        connection.connection.dbapi_connection.execute(  # type: ignore[union-attr]
            "BEGIN" if read_only else "BEGIN IMMEDIATE"
        )
