"""Scheduled jobs of the sharing platform: the statutory clock of share requests
(Art. 27), run daily, e.g. by cron through ``smartcity sharing clock``: requests whose
deadline passed are escalated to the coordinator, and those due soon are reminded."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from smartcity.core.config import SharingSettings
from smartcity.core.db.engine import Database
from smartcity.core.security import SYSTEM
from smartcity.domains.sharing import service as sharing_service

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ClockRun:
    """The request numbers one run of the clock escalated and reminded."""

    escalated: list[str]
    reminded: list[str]


def escalate_overdue(database: Database, *, now: datetime | None = None) -> list[str]:
    """Escalate every overdue request to the coordinator, in one committed transaction;
    returns their numbers."""
    with database.session_scope() as session:
        escalated = sharing_service.escalate_overdue(session, now=now, actor=SYSTEM)
        numbers = [request.number for request in escalated]
    if numbers:
        log.info("escalated %d overdue share requests: %s", len(numbers), ", ".join(numbers))
    return numbers


def remind_due(
    database: Database, *, settings: SharingSettings, now: datetime | None = None
) -> list[str]:
    """Remind the coordinator or the provider of every deadline due soon (once per
    deadline), in one committed transaction; returns the requests' numbers."""
    with database.session_scope() as session:
        reminded = sharing_service.remind_due(session, settings=settings, now=now, actor=SYSTEM)
        numbers = [request.number for request in reminded]
    if numbers:
        log.info("reminded %d share requests due soon: %s", len(numbers), ", ".join(numbers))
    return numbers


def run_clock(
    database: Database, *, settings: SharingSettings, now: datetime | None = None
) -> ClockRun:
    """The daily clock: escalate what is overdue first (an overdue deadline is not
    reminded), then remind what is due soon; each step commits on its own."""
    escalated = escalate_overdue(database, now=now)
    reminded = remind_due(database, settings=settings, now=now)
    return ClockRun(escalated=escalated, reminded=reminded)
