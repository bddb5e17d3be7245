"""Reads remembered while the tables they read are unchanged.

The exchange API checks, on every call, a caller's token, its grant and the stamps of
the grant's resource: three reads whose answers change only when an administrator
changes something (a token revoked, a grant renewed, a field regraded), yet each of
them cost more than the lookup's own record read. ``Remembered`` keeps the rows of
such a read, in this process, for as long as none of the tables it reads has changed,
and the database itself says when one has: every watched table has a row in
``core_table_stamp`` that its triggers give a new random stamp on every INSERT,
UPDATE, DELETE (and, on PostgreSQL, TRUNCATE), whoever writes — the application, a
migration, or someone at a SQL prompt (migration 0024). A call reads the stamps of
every watched table once, in one small statement, before anything it remembers, so a
revocation takes effect at the next call, in every worker, as before.

Why it is safe:

- A remembered answer is used only under the stamps that were current when it was
  read, and the stamps are read before the answer (or with it, in one statement: one
  snapshot). A change committed in between makes the answer newer than its stamps,
  never older, and the next call reads it again anyway.
- Only reads that see nothing uncommitted remember or use answers: the exchange
  lookups' held connections (``engine.HeldReads``, which marks its ``info``). A
  writing session could see its own uncommitted change and remember it past a
  rollback, so it always reads.
- A stamp is random (62 bits or more), not a counter: a restored backup, or a database made
  anew under the same address (the tests), cannot bring back a stamp already seen
  with other contents.
- The tables a read depends on are taken from its statement (``find_tables``), not
  declared, and a table without a stamp row (a new table nobody watches yet) makes
  the read uncached: it is read every time, never remembered.

A remembered row is shared between calls: its values must not be changed (the lists
of a JSON column included).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from typing import Any, Final

from sqlalchemy import BigInteger, String, Table, literal_column, select
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.sql.util import find_tables

from smartcity.core.db.base import Base
from smartcity.core.db.prebuilt import Prebuilt, Read


class TableStamp(Base):
    """A watched table's stamp: replaced by a random number by the table's triggers
    whenever a statement writes to it (migration 0024)."""

    __tablename__ = "core_table_stamp"

    table_name: Mapped[str] = mapped_column(String(63), primary_key=True)
    stamp: Mapped[int] = mapped_column(BigInteger)


REMEMBERING: Final = "smartcity.stamps_remembering"
"""``session.info`` key: set (True) on sessions whose reads see only committed rows
(``engine.HeldReads``), the only ones that use remembered answers."""
_READ: Final = "smartcity.stamps_read"
"""``session.info`` key of the stamps read in this session (once per session)."""

_MAX_ANSWERS = 10_000
"""Answers kept per remembered read; all are forgotten when it is full."""

_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")
_registered: dict[str, None] = {}
"""The tables of every ``Remembered``, in the order they were made: the stamps read."""
_stamps_reads: dict[tuple[str, ...], Prebuilt] = {}
_lock = threading.Lock()


def _stamps_read() -> Prebuilt:
    """One row: each registered table's stamp (NULL: the table has no stamp row)."""
    names = tuple(_registered)
    read = _stamps_reads.get(names)
    if read is None:
        with _lock:
            # The names as literals: no parameters to convert on every call (a table's
            # name is a plain identifier, checked when its read was made).
            columns = [
                select(TableStamp.stamp)
                .where(TableStamp.table_name == literal_column(f"'{name}'"))
                .scalar_subquery()
                .label(f"s{i}")
                for i, name in enumerate(names)
            ]
            read = _stamps_reads[names] = Prebuilt(select(*columns), converted=False)
    return read


def registered_tables() -> tuple[str, ...]:
    """The tables of every remembered read made so far (what a call's stamps cover)."""
    return tuple(_registered)


def stamps_read_ahead(session: Session) -> list[Read]:
    """The stamps read ``session`` will make, for ``prebuilt.prefetch`` to run with its
    other reads (none where the session does not remember answers)."""
    return [(_stamps_read(), {})] if session.info.get(REMEMBERING) else []


def current_stamps(session: Session) -> Mapping[str, int | None] | None:
    """Each watched table's stamp as this session sees it, read once per session; None
    where the session does not remember answers (``REMEMBERING``)."""
    info = session.info
    if not info.get(REMEMBERING):
        return None
    held: dict[str, int | None] | None = info.get(_READ)
    if held is None or len(held) != len(_registered):
        row = _stamps_read().first(session)
        held = info[_READ] = dict(zip(_registered, row or (), strict=False))
    return held


class Remembered:
    """A prebuilt read whose rows are remembered, per database and parameters, while the
    stamps of the tables it reads are unchanged: ``.first`` and ``.all`` as
    ``Prebuilt``'s."""

    def __init__(self, prebuilt: Prebuilt) -> None:
        self.prebuilt = prebuilt
        self.tables: tuple[str, ...] = tuple(
            sorted(
                {t.name for t in find_tables(prebuilt.statement, check_columns=True)
                 if isinstance(t, Table)}
            )
        )  # fmt: skip
        for name in self.tables:
            if not _IDENTIFIER.fullmatch(name):
                raise ValueError(f"not a plain table name: {name!r}")
            _registered.setdefault(name, None)
        self._answers: dict[tuple[Any, ...], tuple[tuple[int | None, ...], list[Any]]] = {}

    def read_ahead(self, session: Session, /, **params: Any) -> Read | None:
        """This read with ``params``, for ``prebuilt.prefetch`` to run with the call's
        other reads; None where ``session`` will most likely answer it from memory (the
        answer may still prove stale once the stamps are read: then it runs on its own)."""
        if session.info.get(REMEMBERING) and _key(session, params) in self._answers:
            return None
        return (self.prebuilt, params)

    def all(self, session: Session, /, **params: Any) -> list[Any]:
        current = current_stamps(session)
        if current is None:
            return self.prebuilt.all(session, **params)
        now = tuple(current.get(name) for name in self.tables)
        key = _key(session, params)
        held = self._answers.get(key)
        if held is not None and held[0] == now:
            return held[1]
        rows = self.prebuilt.all(session, **params)
        if None not in now:  # a table nobody stamps: never remembered
            if len(self._answers) >= _MAX_ANSWERS:
                self._answers.clear()
            self._answers[key] = (now, rows)
        return rows

    def first(self, session: Session, /, **params: Any) -> Any | None:
        rows = self.all(session, **params)
        return rows[0] if rows else None


def _key(session: Session, params: Mapping[str, Any]) -> tuple[Any, ...]:
    """An answer's key: the database, by its engine (hashed by identity; a ``URL``
    hashes its rendered text), so that two databases' answers never mix, and the
    parameters."""
    return (session.get_bind().engine, *sorted(params.items()))
