"""Domain events delivered after commit (STYLE §12).

A service that must let another domain react without importing it publishes a
small frozen dataclass on its session: ``events.publish(session, EntryPublished(...))``.
The events wait on the session and are handed to the handlers the composition
layer subscribed on the ``Database``'s bus only **after the transaction
commits**; a rollback discards them. A handler receives the database and opens
its own transaction; its failure is logged and does not undo the commit, so
handlers must be idempotent and their work re-runnable by hand.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session, sessionmaker

_PENDING = "smartcity_pending_events"
log = logging.getLogger(__name__)

Handler = Callable[[Any, Any], None]


def publish(session: Session, event: object) -> None:
    """Queue ``event`` for delivery after the session's transaction commits."""
    session.info.setdefault(_PENDING, []).append(event)


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
            for event in pending:
                self.dispatch(database, event)

        def _after_rollback(session: Session) -> None:
            if not session.in_transaction():  # the outermost transaction, not a savepoint
                session.info.pop(_PENDING, None)

        for factory in factories:
            sa_event.listen(factory, "after_commit", _after_commit)
            sa_event.listen(factory, "after_soft_rollback", lambda s, _t: _after_rollback(s))

    def dispatch(self, database: object, event: object) -> None:
        for handler in self._handlers.get(type(event), []):
            try:
                handler(database, event)
            except Exception:  # a handler's failure must not undo the commit
                log.exception("event handler %r failed on %r", handler, event)
