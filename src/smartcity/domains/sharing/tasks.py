"""Scheduled jobs of the sharing platform: escalating requests whose statutory deadline
passed (run daily, e.g. by cron through ``smartcity sharing escalate``)."""

from __future__ import annotations

import logging
from datetime import datetime

from smartcity.core.db.engine import Database
from smartcity.core.security import SYSTEM
from smartcity.domains.sharing import service as sharing_service

log = logging.getLogger(__name__)


def escalate_overdue(database: Database, *, now: datetime | None = None) -> list[str]:
    """Escalate every overdue request to the coordinator, in one committed transaction;
    returns their numbers."""
    with database.session_scope() as session:
        escalated = sharing_service.escalate_overdue(session, now=now, actor=SYSTEM)
        numbers = [request.number for request in escalated]
    if numbers:
        log.info("escalated %d overdue share requests: %s", len(numbers), ", ".join(numbers))
    return numbers
