"""Change notifications (Art. 26): queueing one per subscription when a load commits,
claiming the due ones for a sender, and recording each attempt's outcome. Nothing here
commits or touches the network: ``sharing.tasks`` sends what ``claim_due`` hands it,
outside any transaction.

**What.** ``notify_load`` runs after a load commits (``base_data.events.LoadCompleted``):
for each active or paused subscription whose grant is in force and covers the
table's entry it queues one delivery (at most one per load: the handler can run
again) with the feed's cursor range, the number of changes the consumer will see
(inserts, deletes, and updates of *granted* items) and the **stale keys**: records
the grant pulled before (the exchange log's subjects, calls that succeeded) whose
pulled, granted values this load changed or deleted. The bound is the moment the
notice is prepared: a key pulled between the load's commit and the notice is listed
too although its value is fresh, a needless refresh rather than a missed one. A call
that read the old value just before the commit but is logged only after the notice
(its entry waits for the log's group writer) is not listed: a window of one call's
latency, which the change feed, the record of every change, covers. Where the grant
masks the record key, the stale records are listed by their ``ref`` (the key's
pseudonym under the grant, which every answer of the grant carries), never by the key.

**Retries.** Attempt *n* failing waits ``backoff × 2^(n-1)`` (capped) before the
next; after ``max_attempts`` the delivery is dead. ``claim_due`` counts the attempt
and leases the delivery before it is sent, so a crashed sender neither loses it nor
retries it forever. Nothing is sent under a revoked or expired grant.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

from sqlalchemy import and_, select
from sqlalchemy.orm import Session, contains_eager

from smartcity.core.config import SharingSettings
from smartcity.core.hashchain import clean
from smartcity.core.security import SYSTEM
from smartcity.core.time import utcnow
from smartcity.domains.base_data import service as base_data_service
from smartcity.domains.sharing.enums import GrantState
from smartcity.domains.sharing.models import ExchangeLogEntry, ExchangeSubject, Grant
from smartcity.domains.sharing.models_subscriptions import (
    Delivery,
    DeliveryState,
    Subscription,
    SubscriptionState,
)
from smartcity.domains.sharing.service.exchange_core import GrantTerms, key_shown, prepared_source
from smartcity.domains.sharing.service.exchange_log import SUBJECT_KEY_LENGTH, TIMESTAMP_FORMAT
from smartcity.domains.sharing.subscription_schemas import (
    ATTEMPT_HEADER,
    CHANGES_EVENT,
    DELIVERY_HEADER,
    EVENT_HEADER,
    ChangeNotification,
)

MAX_STALE_KEYS = 10_000  # listed per notification; stale_key_count counts all
LIVE_STATES = (SubscriptionState.active, SubscriptionState.paused)
_SUBJECT_CHUNK = 500


def grant_in_force(grant: Grant, now: datetime) -> bool:
    """Active and inside its validity period."""
    return grant.state is GrantState.active and grant.valid_from <= now < grant.valid_until


# ---------------------------------------------------------------- notifying a load


def _subject_key(key: str) -> str:
    """A record key as the exchange log indexes its subjects (``exchange_log``: upper
    case, cut to the index's width)."""
    return clean(str(key).strip().upper(), SUBJECT_KEY_LENGTH)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(TIMESTAMP_FORMAT)


def _pulled(
    session: Session,
    grant_id: UUID,
    changed: Mapping[str, frozenset[str] | None],
    upto: datetime,
) -> set[str]:
    """The keys of ``changed`` (key → changed granted fields, ``None`` for a delete)
    that calls under the grant served before ``upto`` with one of those fields."""
    by_subject: dict[str, str] = {}
    for key in changed:
        by_subject.setdefault(_subject_key(key), key)
    stale: set[str] = set()
    subjects = list(by_subject)
    for start in range(0, len(subjects), _SUBJECT_CHUNK):
        chunk = subjects[start : start + _SUBJECT_CHUNK]
        rows = session.execute(
            select(ExchangeSubject.subject_key, ExchangeLogEntry.fields)
            .join(ExchangeLogEntry, ExchangeLogEntry.seq == ExchangeSubject.seq)
            .where(
                ExchangeSubject.subject_key.in_(chunk),
                ExchangeLogEntry.grant_id == str(grant_id),
                ExchangeLogEntry.result == "ok",
                ExchangeLogEntry.occurred_at <= _stamp(upto),
            )
        ).all()
        for subject, fields_json in rows:
            key = by_subject[subject]
            if key in stale:
                continue
            fields = changed[key]
            if fields is None or fields & set(json.loads(fields_json or "[]")):
                stale.add(key)
    return stale


def notify_load(
    session: Session, *, load_id: int, entry_id: UUID, now: datetime | None = None
) -> list[Delivery]:
    """Queue the notifications of a committed load (see the module docstring); runs as
    the system, after ``LoadCompleted``. Idempotent: a subscription already notified
    of the load is skipped. Returns the deliveries queued.
    """
    moment = now or utcnow()
    subscriptions = list(
        session.scalars(
            select(Subscription)
            .join(Grant, Grant.id == Subscription.grant_id)
            .options(contains_eager(Subscription.grant))
            .where(
                Subscription.entry_id == entry_id,
                Subscription.state.in_(LIVE_STATES),
                Grant.entry_id == entry_id,
                Grant.state == GrantState.active,
                Grant.valid_from <= moment,
                Grant.valid_until > moment,
            )
            .order_by(Subscription.created_at, Subscription.id)
        ).all()
    )
    if not subscriptions:
        return []
    notified = set(
        session.scalars(
            select(Delivery.subscription_id).where(
                Delivery.load_id == load_id,
                Delivery.subscription_id.in_([s.id for s in subscriptions]),
            )
        ).all()
    )
    subscriptions = [s for s in subscriptions if s.id not in notified]
    if not subscriptions:
        return []
    load = base_data_service.get_load(session, actor=SYSTEM, load_id=load_id)
    grants = {s.grant_id: s.grant for s in subscriptions}
    granted = {gid: frozenset(g.items) for gid, g in grants.items()}
    updates = dict.fromkeys(grants, 0)
    stale: dict[UUID, set[str]] = {gid: set() for gid in grants}
    deletes = 0
    for batch in base_data_service.changed_records(session, actor=SYSTEM, load_id=load_id):
        deletes += sum(1 for c in batch if c.operation == "delete")
        for gid, items in granted.items():
            changed: dict[str, frozenset[str] | None] = {}
            for record in batch:
                if record.operation == "delete":
                    changed[record.key] = None
                elif record.fields & items:
                    changed[record.key] = record.fields & items
                    updates[gid] += 1
            if changed:
                stale[gid] |= _pulled(session, gid, changed, moment)
    queued: list[Delivery] = []
    source = prepared_source(session, entry_id)
    for subscription in subscriptions:
        gid = subscription.grant_id
        count = load.rows_inserted + deletes + updates[gid]
        # As the grant's answers name the records: by ``ref`` where it masks the key.
        shown = None if source is None else key_shown(source, GrantTerms.of(grants[gid]))
        keys = sorted(stale[gid] if shown is None else map(shown.identifier, stale[gid]))
        if count == 0 and not keys:
            continue
        delivery = Delivery(
            subscription_id=subscription.id,
            load_id=load_id,
            cursor=str(load_id - 1),
            next_cursor=str(load_id),
            change_count=count,
            stale_keys=keys[:MAX_STALE_KEYS],
            stale_key_count=len(keys),
            state=DeliveryState.pending,
            attempts=0,
            next_attempt_at=moment,
            last_error="",
        )
        delivery.subscription = subscription
        session.add(delivery)
        queued.append(delivery)
    session.flush()
    return queued


# ---------------------------------------------------------------- sending


@dataclass(frozen=True, slots=True)
class Outbound:
    """One attempt to send, prepared inside a transaction and sent outside it."""

    delivery_id: UUID
    attempt: int
    url: str
    secret: str
    body: bytes
    headers: Mapping[str, str]


def notification(delivery: Delivery, *, attempt: int, now: datetime) -> ChangeNotification:
    """The body of an attempt (its subscription and grant loaded)."""
    subscription = delivery.subscription
    grant = subscription.grant
    return ChangeNotification(
        id=delivery.id,
        subscription_id=subscription.id,
        subscription_number=subscription.number,
        grant_id=grant.id,
        grant_number=grant.number,
        entry_id=subscription.entry_id,
        load_id=delivery.load_id,
        cursor=delivery.cursor,
        next_cursor=delivery.next_cursor,
        changes=delivery.change_count,
        changes_url=f"/api/v1/exchange/grants/{grant.id}/changes?cursor={delivery.cursor}",
        stale_keys=list(delivery.stale_keys),
        stale_key_count=delivery.stale_key_count,
        stale_keys_truncated=delivery.stale_key_count > len(delivery.stale_keys),
        created_at=delivery.created_at,
        attempt=attempt,
        sent_at=now,
    )


def claim_due(
    session: Session, *, now: datetime, limit: int, lease_seconds: float
) -> tuple[list[Outbound], int]:
    """Deliveries due at ``now`` of active subscriptions, oldest first: each counts an
    attempt and is leased for ``lease_seconds`` (another sender skips it meanwhile).
    A delivery whose grant is no longer in force is made dead instead: nothing is sent
    under a revoked or expired grant. Returns the attempts to send and the number made
    dead.
    """
    rows = session.scalars(
        select(Delivery)
        .join(Subscription, Subscription.id == Delivery.subscription_id)
        .join(Grant, Grant.id == Subscription.grant_id)
        .options(contains_eager(Delivery.subscription).contains_eager(Subscription.grant))
        .where(
            and_(
                Delivery.state == DeliveryState.pending,
                Delivery.next_attempt_at <= now,
                Subscription.state == SubscriptionState.active,
            )
        )
        .order_by(Delivery.next_attempt_at, Delivery.id)
        .limit(limit)
        .with_for_update(of=Delivery, skip_locked=True)
    ).all()
    out: list[Outbound] = []
    dead = 0
    for delivery in rows:
        grant = delivery.subscription.grant
        if not grant_in_force(grant, now):
            delivery.state = DeliveryState.dead
            delivery.dead_at = now
            delivery.next_attempt_at = None
            delivery.last_error = f"授权 {grant.number} 已撤销或不在有效期内，不再推送"
            dead += 1
            continue
        delivery.attempts += 1
        delivery.last_attempt_at = now
        delivery.next_attempt_at = now + timedelta(seconds=lease_seconds)
        body = notification(delivery, attempt=delivery.attempts, now=now).model_dump_json()
        out.append(
            Outbound(
                delivery_id=delivery.id,
                attempt=delivery.attempts,
                url=delivery.subscription.callback_url,
                secret=delivery.subscription.secret,
                body=body.encode("utf-8"),
                headers={
                    DELIVERY_HEADER: str(delivery.id),
                    EVENT_HEADER: CHANGES_EVENT,
                    ATTEMPT_HEADER: str(delivery.attempts),
                },
            )
        )
    session.flush()
    return out, dead


def backoff(attempts: int, settings: SharingSettings) -> timedelta:
    """The wait after the ``attempts``-th failed attempt: doubling, capped."""
    seconds = settings.webhook_backoff_seconds * 2 ** max(0, attempts - 1)
    return timedelta(seconds=min(seconds, settings.webhook_backoff_max_seconds))


def record_attempt(
    session: Session,
    *,
    delivery_id: UUID,
    attempt: int,
    status: int | None,
    error: str,
    now: datetime,
    settings: SharingSettings,
) -> Delivery | None:
    """The outcome of one attempt: delivered on a 2xx; otherwise retried after the
    back-off, or dead after the last attempt. An outcome that was overtaken (the
    delivery was redelivered or cancelled meanwhile) is ignored: ``None``.
    """
    delivery = session.scalars(
        select(Delivery)
        .join(Subscription, Subscription.id == Delivery.subscription_id)
        .options(contains_eager(Delivery.subscription))
        .where(Delivery.id == delivery_id)
        .with_for_update(of=Delivery)
    ).one_or_none()
    if delivery is None or delivery.state is not DeliveryState.pending:
        return None
    if delivery.attempts != attempt:
        return None
    delivery.last_status = status
    if status is not None and 200 <= status < 300:
        delivery.state = DeliveryState.delivered
        delivery.delivered_at = now
        delivery.next_attempt_at = None
        delivery.last_error = ""
        subscription = delivery.subscription
        last = subscription.last_delivered_cursor
        if not last or int(last) < int(delivery.next_cursor):
            subscription.last_delivered_cursor = delivery.next_cursor
        subscription.last_delivered_at = now
    else:
        delivery.last_error = (error or f"HTTP {status}")[:2000]
        if delivery.attempts >= settings.webhook_max_attempts:
            delivery.state = DeliveryState.dead
            delivery.dead_at = now
            delivery.next_attempt_at = None
        else:
            delivery.next_attempt_at = now + backoff(delivery.attempts, settings)
    session.flush()
    return delivery
