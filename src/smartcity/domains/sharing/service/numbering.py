"""Numbers of share requests (``GX-2026-000001``), grants (``SQ-2026-000001``),
change subscriptions (``DY-2026-000001``) and, for the privacy domain, data-subject
requests (``GZ-2026-000001``): one sequence per prefix and year, unique by constraint,
safe under concurrent submissions without a counter table. Any mapped class with a
unique ``number`` column can be numbered.

The next number is the highest of the year plus one. Two transactions can read the
same highest number (PostgreSQL, READ COMMITTED); the second insert then hits the
unique constraint once the first commits. The insert therefore runs in a savepoint:
on that collision only the savepoint is rolled back and the number after the
winner's is taken (each statement reads the latest committed rows), so the request
never fails with a 500. On SQLite writers hold the write lock from ``BEGIN
IMMEDIATE`` and never collide.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from smartcity.core.time import utcnow
from smartcity.domains.sharing.errors import NumberingConflictError

Numbered = Any
"""A mapped instance with a unique ``number`` column (its class has ``.number``)."""

# Each collision means another submission committed a number, so a transaction
# retries at most once per concurrent competitor; this bounds pathological cases.
MAX_ATTEMPTS = 100


def next_number(session: Session, kind: Any, prefix: str) -> str:
    """The next ``<prefix>-<year>-<seq:06d>`` of ``kind``, from the highest one committed
    (or written by this transaction)."""
    column = kind.number
    head = f"{prefix}-{utcnow().year}-"
    last = session.scalar(select(func.max(column)).where(column.like(f"{head}%")))
    sequence = int(last.removeprefix(head)) + 1 if last else 1
    return f"{head}{sequence:06d}"


def add_numbered(session: Session, row: Numbered, prefix: str) -> None:
    """Number ``row`` and insert it (flushed), retrying with the next number when a
    concurrent transaction took the same one.

    Raises:
        NumberingConflictError: ``MAX_ATTEMPTS`` collisions in a row.
        IntegrityError: the insert broke another constraint (re-raised unchanged).
    """
    # Pending changes are flushed first, so a rolled-back savepoint undoes only the insert.
    session.flush()
    kind = type(row)
    for _attempt in range(MAX_ATTEMPTS):
        row.number = next_number(session, kind, prefix)
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:
            taken = session.scalar(select(exists().where(kind.number == row.number)))
            if not taken:
                raise
            continue
        return
    raise NumberingConflictError(
        "编号分配冲突次数过多，请稍后重试", prefix=prefix, attempts=MAX_ATTEMPTS
    )
