"""Domain events delivered after commit (STYLE §12).

A service that must let another domain react without importing it publishes a
small frozen dataclass on its session: ``events.publish(session, EntryPublished(...))``.
The events wait on the session and are handed to the handlers the composition
layer subscribed on the ``Database``'s bus only **after the transaction
commits**; a rollback discards them, and a rolled-back savepoint the events
published inside it. A handler receives the database and opens
its own transaction; its failure is logged and does not undo the commit, so
handlers must be idempotent and their work re-runnable by hand.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

_PENDING = "smartcity_pending_events"
log = logging.getLogger(__name__)

Handler = Callable[[Any, Any], None]


def publish(session: Session, event: object) -> None:
    """Queue ``event`` for delivery after the session's transaction commits (and not
    at all when the savepoint it was published in is rolled back)."""
    inner = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_PENDING, []).append((event, inner))


def pending(session: Session) -> list[object]:
    """The events waiting for the session's commit, in the order published."""
    return [event for event, _published_in in session.info.get(_PENDING, [])]


def discard_pending(session: Session) -> None:
    """Forget the events waiting for the session's commit (tests that look only at
    what one step publishes)."""
    session.info.pop(_PENDING, None)


def _within(transaction: SessionTransaction | None, outer: SessionTransaction) -> bool:
    """Whether ``transaction`` is ``outer`` or one nested inside it."""
    while transaction is not None:
        if transaction is outer:
            return True
        transaction = transaction.parent
    return False


class EventBus:
    """Handlers by event type, bound to one database's session factories."""

    def __init__(self) -> None:
        self._handlers: dict[type, list[Handler]] = defaultdict(list)

    def subscribe(self, kind: type, handler: Handler) -> None:
        if handler not in self._handlers[kind]:
            self._handlers[kind].append(handler)

    def install(self, database: object, *factories: sessionmaker[Session]) -> None:
        def _after_commit(session: Session) -> None:
            # SQLAlchemy also calls after_commit when a SAVEPOINT is released: the
            # transaction is still open (on SQLite it holds the write lock, which a
            # handler's own session would wait for), so the events wait for the real
            # commit.
            if session.in_nested_transaction():
                return
            pending = session.info.pop(_PENDING, [])
            for event, _published_in in pending:
                self.dispatch(database, event)

        def _after_rollback(session: Session, rolled_back: SessionTransaction) -> None:
            if not session.in_transaction():  # the outermost transaction: nothing is left
                session.info.pop(_PENDING, None)
                return
            # A savepoint: drop what was published in it or in savepoints inside it.
            pending = session.info.get(_PENDING)
            if pending:
                pending[:] = [p for p in pending if not _within(p[1], rolled_back)]

        for factory in factories:
            sa_event.listen(factory, "after_commit", _after_commit)
            sa_event.listen(factory, "after_soft_rollback", _after_rollback)

    def dispatch(self, database: object, event: object) -> None:
        for handler in self._handlers.get(type(event), []):
            try:
                handler(database, event)
            except Exception:  # a handler's failure must not undo the commit
                log.exception("event handler %r failed on %r", handler, event)
