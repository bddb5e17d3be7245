"""Jobs of the sharing platform: the statutory clock of share requests (Art. 27), run
daily, e.g. by cron through ``smartcity sharing clock`` (requests whose deadline passed
are escalated to the coordinator, those due soon are reminded); queueing change
notifications after a base-data load (an event handler, ``wiring.py``); delivering
them (every minute or so: ``smartcity sharing deliver``, or ``--watch``)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from smartcity.core.config import Settings, SharingSettings
from smartcity.core.db.engine import Database
from smartcity.core.security import SYSTEM
from smartcity.core.time import utcnow
from smartcity.domains.base_data.events import LoadCompleted
from smartcity.domains.sharing import service as sharing_service
from smartcity.domains.sharing import webhook
from smartcity.domains.sharing.models_subscriptions import DeliveryState
from smartcity.domains.sharing.service import notifications
from smartcity.domains.sharing.service.webhook_policy import WebhookPolicy
from smartcity.domains.sharing.subscription_schemas import DeliveryRun

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


# ---------------------------------------------------------------- change notifications


def on_load_completed(database: Database, event: object) -> None:
    """After a base-data load commits: queue its change notifications (idempotent)."""
    if not isinstance(event, LoadCompleted):
        return
    if not (event.inserted or event.updated or event.deleted):
        return
    with database.session_scope() as session:
        queued = notifications.notify_load(session, load_id=event.load_id, entry_id=event.entry_id)
    if queued:
        log.info("queued %d change notifications of load %d", len(queued), event.load_id)


SessionScope = Callable[[], AbstractContextManager[Session]]


def deliver_due(
    scope: SessionScope,
    *,
    settings: Settings,
    now: datetime | None = None,
    sender: webhook.Sender = webhook.post,
) -> DeliveryRun:
    """One delivery pass: claim the due notifications (one transaction), send them with
    no transaction open, record the outcomes (another transaction).

    ``scope`` opens a committed transaction (``Database.session_scope``). ``now``
    (default: the clock) is when the attempts count as made, and so where the
    back-off runs from.
    """
    moment = now or utcnow()
    config = settings.sharing
    policy = WebhookPolicy.from_settings(settings)
    with scope() as session:
        outbound, dead = notifications.claim_due(
            session,
            now=moment,
            limit=config.webhook_batch,
            lease_seconds=config.webhook_timeout_seconds + 30,
        )
    run = DeliveryRun(attempted=len(outbound), dead=dead)
    if not outbound:
        return run

    def attempt(item: notifications.Outbound) -> webhook.SendResult:
        if not policy.allows(item.url):  # the allowlist changed since the subscription
            return webhook.SendResult(None, "回调主机已不在平台允许的范围内")
        try:
            return webhook.send_signed(
                item.url,
                item.body,
                item.secret,
                item.headers,
                config.webhook_timeout_seconds,
                sender,
            )
        except Exception as error:  # one bad attempt must not lose the others' outcomes
            log.exception("webhook delivery %s failed", item.delivery_id)
            return webhook.SendResult(None, f"发送失败：{error}"[:500])

    workers = min(config.webhook_concurrency, len(outbound))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="webhook") as pool:
        results = list(pool.map(attempt, outbound))
    with scope() as session:
        for item, result in zip(outbound, results, strict=True):
            delivery = notifications.record_attempt(
                session,
                delivery_id=item.delivery_id,
                attempt=item.attempt,
                status=result.status,
                error=result.error,
                now=now or utcnow(),
                settings=config,
            )
            if delivery is None:
                continue
            if delivery.state is DeliveryState.delivered:
                run.delivered += 1
            elif delivery.state is DeliveryState.dead:
                run.dead += 1
            else:
                run.retrying += 1
    if run.dead:
        log.warning("%d change notifications are dead letters", run.dead)
    return run
