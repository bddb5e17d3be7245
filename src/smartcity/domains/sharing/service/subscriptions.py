"""Change subscriptions (Art. 26): subscribe, list, pause, resume, cancel; list the
deliveries (the dead letters among them) and redeliver a dead letter. Nothing here
commits.

**Who.** The grant's consumer department subscribes (``sharing.exchange``, its own
active grant with the ``changes`` mode; a grant bound to an API client may also be
managed by that client) and pauses, resumes or cancels; the coordinator may cancel
any. The provider sees the subscriptions to its data and their dead letters, and
either side (or the coordinator) may redeliver a dead letter.

**Where to.** A callback must be ``http(s)`` on a host of the platform's allowlist
(``WebhookPolicy``), checked at subscription and again before every attempt.

Queueing, claiming and recording the notifications themselves is
``notifications``; the callback allowlist is ``webhook_policy``.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, contains_eager

from smartcity.core.pagination import Page, PageParams, paginate
from smartcity.core.security import Actor, ActorKind, ensure_permission
from smartcity.core.time import utcnow
from smartcity.domains.audit import service as audit_service
from smartcity.domains.sharing.models import Grant
from smartcity.domains.sharing.models_subscriptions import (
    Delivery,
    DeliveryState,
    Subscription,
    SubscriptionState,
)
from smartcity.domains.sharing.permissions import SharingPermission
from smartcity.domains.sharing.schemas import RequestRole
from smartcity.domains.sharing.service.grants import get_grant
from smartcity.domains.sharing.service.notifications import LIVE_STATES, grant_in_force
from smartcity.domains.sharing.service.numbering import add_numbered
from smartcity.domains.sharing.service.webhook_policy import WebhookPolicy, shown_url
from smartcity.domains.sharing.subscription_errors import (
    ChangesModeNotGrantedError,
    DeliveryNotDeadError,
    DeliveryNotFoundError,
    GrantNotActiveError,
    NotYourSubscriptionError,
    SubscriptionNotFoundError,
    SubscriptionStateError,
)
from smartcity.domains.sharing.subscription_schemas import (
    DeliveryFilter,
    DeliveryRead,
    SubscriptionCreate,
    SubscriptionFilter,
    SubscriptionRead,
)

__all__ = [
    "WebhookPolicy",
    "cancel_subscription",
    "delivery_read",
    "get_subscription",
    "list_deliveries",
    "list_subscriptions",
    "pause_subscription",
    "redeliver",
    "resume_subscription",
    "subscribe",
    "subscription_reads",
]


# ---------------------------------------------------------------- visibility


def _ensure_reader(actor: Actor) -> None:
    if not any(
        actor.has(p)
        for p in (
            SharingPermission.read_all,
            SharingPermission.answer,
            SharingPermission.request,
            SharingPermission.exchange,
        )
    ):
        ensure_permission(actor, SharingPermission.exchange)


def _visible(actor: Actor, role: RequestRole = RequestRole.all) -> Select[Subscription]:
    """Subscriptions the actor may see: its department's (as consumer or provider), all
    for the coordinator and the auditor."""
    _ensure_reader(actor)
    statement = select(Subscription)
    own = actor.organization_id
    if role is RequestRole.made:
        return statement.where(Subscription.consumer_organization_id == own)
    if role is RequestRole.received:
        return statement.where(Subscription.provider_organization_id == own)
    if actor.has(SharingPermission.read_all):
        return statement
    return statement.where(
        or_(
            Subscription.consumer_organization_id == own,
            Subscription.provider_organization_id == own,
        )
    )


def _is_consumer(actor: Actor, subscription: Subscription | Grant) -> bool:
    """The consumer department's own people (a grant bound to an API client: that
    client, or a user of the department)."""
    grant = subscription.grant if isinstance(subscription, Subscription) else subscription
    if not actor.has(SharingPermission.exchange):
        return False
    if actor.organization_id != grant.consumer_organization_id:
        return False
    return not (
        actor.kind is ActorKind.api_client
        and grant.consumer_client_id is not None
        and actor.id != grant.consumer_client_id
    )


def _is_provider(actor: Actor, subscription: Subscription) -> bool:
    return (
        actor.has(SharingPermission.answer)
        and actor.organization_id == subscription.provider_organization_id
    )


# ---------------------------------------------------------------- subscribing


def subscribe(
    session: Session, *, actor: Actor, data: SubscriptionCreate, policy: WebhookPolicy
) -> Subscription:
    """Subscribe ``data.callback_url`` to the changes of the grant's resource.

    The secret that signs the notifications is generated here and is readable on
    the returned subscription (show it once).

    Raises:
        AuthenticationRequiredError; PermissionDeniedError (no ``sharing.exchange``);
        GrantNotFoundError (a grant the caller may not see); NotYourSubscriptionError
        (not the grant's consumer); GrantNotActiveError; ChangesModeNotGrantedError;
        InvalidCallbackUrlError; CallbackHostNotAllowedError; SubscriptionStateError
        (the same callback already subscribes to this grant).
    """
    ensure_permission(actor, SharingPermission.exchange)
    grant = get_grant(session, actor=actor, grant_id=data.grant_id)
    if not _is_consumer(actor, grant):
        raise NotYourSubscriptionError(
            "只有获得授权的部门（或授权指定的接入系统）可以订阅其变更", grant_id=grant.id
        )
    if not grant_in_force(grant, utcnow()):
        raise GrantNotActiveError(f"授权 {grant.number} 已撤销或不在有效期内", grant_id=grant.id)
    if "changes" not in grant.query_modes:
        raise ChangesModeNotGrantedError(
            f"授权 {grant.number} 的使用方式不含“增量同步”，请申请含增量同步的授权",
            grant_id=grant.id,
            granted_modes=list(grant.query_modes),
        )
    url = policy.check(data.callback_url)
    duplicate = session.scalars(
        select(Subscription.number).where(
            Subscription.grant_id == grant.id,
            Subscription.callback_url == url,
            Subscription.state.in_(LIVE_STATES),
        )
    ).first()
    if duplicate is not None:
        raise SubscriptionStateError(
            f"该授权已有相同回调地址的订阅 {duplicate}", field="callback_url", number=duplicate
        )
    subscription = Subscription(
        grant_id=grant.id,
        entry_id=grant.entry_id,
        consumer_organization_id=grant.consumer_organization_id,
        provider_organization_id=grant.provider_organization_id,
        callback_url=url,
        secret=secrets.token_urlsafe(32),
        state=SubscriptionState.active,
        created_by_id=actor.id,
        created_by_name=actor.name,
        last_delivered_cursor="",
    )
    subscription.grant = grant
    add_numbered(session, subscription, "DY")
    audit_service.record(
        session,
        actor=actor,
        action="sharing.subscription.created",
        subject=subscription,
        changes={"grant": grant.number, "callback_url": shown_url(url)},
        organization_id=subscription.consumer_organization_id,
    )
    return subscription


def list_subscriptions(
    session: Session, *, actor: Actor, filters: SubscriptionFilter, page: PageParams
) -> Page[Subscription]:
    """A page of subscriptions, newest first.

    Raises:
        AuthenticationRequiredError; PermissionDeniedError.
    """
    statement = _visible(actor, filters.role).options(contains_eager(Subscription.grant))
    statement = statement.join(Grant, Grant.id == Subscription.grant_id)
    if filters.state:
        statement = statement.where(Subscription.state == filters.state)
    return paginate(
        session, statement.order_by(Subscription.created_at.desc(), Subscription.id), page
    )


def get_subscription(
    session: Session, *, actor: Actor, subscription_id: UUID, for_update: bool = False
) -> Subscription:
    """One subscription the actor may see (with its grant).

    Raises:
        AuthenticationRequiredError; PermissionDeniedError; SubscriptionNotFoundError.
    """
    statement = (
        _visible(actor)
        .join(Grant, Grant.id == Subscription.grant_id)
        .options(contains_eager(Subscription.grant))
        .where(Subscription.id == subscription_id)
    )
    if for_update:
        statement = statement.with_for_update(of=Subscription)
    subscription = session.scalars(statement).one_or_none()
    if subscription is None:
        raise SubscriptionNotFoundError(subscription_id=subscription_id)
    return subscription


def _callback_for(actor: Actor, subscription: Subscription) -> str:
    """The whole URL for the consumer's people; others see it without its query string,
    which may carry the receiver's own token."""
    if actor.organization_id == subscription.consumer_organization_id:
        return subscription.callback_url
    shown = shown_url(subscription.callback_url)
    return f"{shown}?…" if urlsplit(subscription.callback_url).query else shown


def subscription_reads(
    session: Session, subscriptions: Sequence[Subscription], *, actor: Actor
) -> list[SubscriptionRead]:
    """The subscriptions as ``actor`` sees them, with their deliveries counted by state
    (one query)."""
    ids = [s.id for s in subscriptions]
    counts: dict[tuple[UUID, DeliveryState], int] = {}
    if ids:
        rows = session.execute(
            select(Delivery.subscription_id, Delivery.state, func.count())
            .where(Delivery.subscription_id.in_(ids))
            .group_by(Delivery.subscription_id, Delivery.state)
        ).all()
        counts = {(sid, state): n for sid, state, n in rows}
    return [
        SubscriptionRead(
            id=s.id,
            number=s.number,
            grant_id=s.grant_id,
            grant_number=s.grant.number,
            entry_id=s.entry_id,
            consumer_organization_id=s.consumer_organization_id,
            provider_organization_id=s.provider_organization_id,
            callback_url=_callback_for(actor, s),
            state=s.state,
            created_by_name=s.created_by_name,
            created_at=s.created_at,
            last_delivered_cursor=s.last_delivered_cursor,
            last_delivered_at=s.last_delivered_at,
            cancelled_at=s.cancelled_at,
            pending=counts.get((s.id, DeliveryState.pending), 0),
            delivered=counts.get((s.id, DeliveryState.delivered), 0),
            dead=counts.get((s.id, DeliveryState.dead), 0),
        )
        for s in subscriptions
    ]


def _record(
    session: Session,
    actor: Actor,
    action: str,
    subscription: Subscription,
    changes: Mapping[str, Any] | None = None,
) -> None:
    audit_service.record(
        session,
        actor=actor,
        action=action,
        subject=subscription,
        changes={"state": subscription.state.value, **(changes or {})},
        organization_id=subscription.consumer_organization_id,
    )


def _expect(subscription: Subscription, states: Iterable[SubscriptionState], step: str) -> None:
    if subscription.state not in set(states):
        raise SubscriptionStateError(
            f"订阅 {subscription.number} 当前状态不能{step}",
            subscription_id=subscription.id,
            state=subscription.state.value,
        )


def cancel_subscription(session: Session, *, actor: Actor, subscription_id: UUID) -> Subscription:
    """Stop a subscription for good (its consumer, or the coordinator). Notifications
    not yet delivered become dead letters; the change feed stays available.

    Raises:
        SubscriptionNotFoundError; NotYourSubscriptionError; SubscriptionStateError.
    """
    subscription = get_subscription(
        session, actor=actor, subscription_id=subscription_id, for_update=True
    )
    if not (_is_consumer(actor, subscription) or actor.has(SharingPermission.check)):
        raise NotYourSubscriptionError(
            "只有订阅部门或主管部门可以取消订阅", subscription_id=subscription.id
        )
    _expect(subscription, LIVE_STATES, "取消")
    now = utcnow()
    subscription.state = SubscriptionState.cancelled
    subscription.cancelled_at = now
    pending = session.scalars(
        select(Delivery).where(
            Delivery.subscription_id == subscription.id, Delivery.state == DeliveryState.pending
        )
    ).all()
    for delivery in pending:
        delivery.state = DeliveryState.dead
        delivery.dead_at = now
        delivery.next_attempt_at = None
        delivery.last_error = "订阅已取消，未再投递"
    session.flush()
    _record(
        session,
        actor,
        "sharing.subscription.cancelled",
        subscription,
        {"undelivered": len(pending)},
    )
    return subscription


def _consumer_step(
    session: Session,
    actor: Actor,
    subscription_id: UUID,
    *,
    expect: SubscriptionState,
    to: SubscriptionState,
    step: str,
    action: str,
) -> Subscription:
    subscription = get_subscription(
        session, actor=actor, subscription_id=subscription_id, for_update=True
    )
    if not _is_consumer(actor, subscription):
        raise NotYourSubscriptionError(
            f"只有订阅部门可以{step}订阅", subscription_id=subscription.id
        )
    _expect(subscription, [expect], step)
    subscription.state = to
    session.flush()
    _record(session, actor, action, subscription)
    return subscription


def pause_subscription(session: Session, *, actor: Actor, subscription_id: UUID) -> Subscription:
    """Hold the notifications (they keep queueing and go out once resumed).

    Raises:
        SubscriptionNotFoundError; NotYourSubscriptionError; SubscriptionStateError.
    """
    return _consumer_step(
        session,
        actor,
        subscription_id,
        expect=SubscriptionState.active,
        to=SubscriptionState.paused,
        step="暂停",
        action="sharing.subscription.paused",
    )


def resume_subscription(session: Session, *, actor: Actor, subscription_id: UUID) -> Subscription:
    """Send again, starting with the notifications queued while paused.

    Raises:
        SubscriptionNotFoundError; NotYourSubscriptionError; SubscriptionStateError.
    """
    return _consumer_step(
        session,
        actor,
        subscription_id,
        expect=SubscriptionState.paused,
        to=SubscriptionState.active,
        step="恢复",
        action="sharing.subscription.resumed",
    )


# ---------------------------------------------------------------- deliveries


def list_deliveries(
    session: Session, *, actor: Actor, filters: DeliveryFilter, page: PageParams
) -> Page[Delivery]:
    """A page of the deliveries of the subscriptions the actor may see (``role`` as for
    subscriptions), newest first; ``state=dead`` is the dead-letter list.

    Raises:
        AuthenticationRequiredError; PermissionDeniedError; SubscriptionNotFoundError
        (``subscription_id`` of a subscription the actor may not see).
    """
    if filters.subscription_id is not None:
        get_subscription(session, actor=actor, subscription_id=filters.subscription_id)
    visible = _visible(actor, filters.role).with_only_columns(Subscription.id)
    statement = (
        select(Delivery)
        .join(Subscription, Subscription.id == Delivery.subscription_id)
        .options(contains_eager(Delivery.subscription))
        .where(Delivery.subscription_id.in_(visible))
    )
    if filters.subscription_id is not None:
        statement = statement.where(Delivery.subscription_id == filters.subscription_id)
    if filters.state:
        statement = statement.where(Delivery.state == filters.state)
    return paginate(session, statement.order_by(Delivery.created_at.desc(), Delivery.id), page)


def delivery_read(delivery: Delivery) -> DeliveryRead:
    """A delivery as the API and the pages show it (its subscription loaded)."""
    return DeliveryRead(
        id=delivery.id,
        subscription_id=delivery.subscription_id,
        subscription_number=delivery.subscription.number,
        load_id=delivery.load_id,
        cursor=delivery.cursor,
        next_cursor=delivery.next_cursor,
        change_count=delivery.change_count,
        stale_keys=list(delivery.stale_keys),
        stale_key_count=delivery.stale_key_count,
        state=delivery.state,
        attempts=delivery.attempts,
        next_attempt_at=delivery.next_attempt_at,
        last_attempt_at=delivery.last_attempt_at,
        last_status=delivery.last_status,
        last_error=delivery.last_error,
        delivered_at=delivery.delivered_at,
        dead_at=delivery.dead_at,
        created_at=delivery.created_at,
    )


def redeliver(
    session: Session, *, actor: Actor, subscription_id: UUID, delivery_id: UUID
) -> Delivery:
    """Put a dead letter back in the queue with a fresh round of attempts (the consumer,
    the provider or the coordinator); it goes out on the next delivery pass.

    Raises:
        SubscriptionNotFoundError; DeliveryNotFoundError; NotYourSubscriptionError;
        SubscriptionStateError (cancelled); GrantNotActiveError; DeliveryNotDeadError.
    """
    subscription = get_subscription(
        session, actor=actor, subscription_id=subscription_id, for_update=True
    )
    if not (
        _is_consumer(actor, subscription)
        or _is_provider(actor, subscription)
        or actor.has(SharingPermission.check)
    ):
        raise NotYourSubscriptionError(
            "只有订阅部门、提供部门或主管部门可以重新投递", subscription_id=subscription.id
        )
    delivery = session.scalars(
        select(Delivery)
        .where(Delivery.id == delivery_id, Delivery.subscription_id == subscription.id)
        .with_for_update()
    ).one_or_none()
    if delivery is None:
        raise DeliveryNotFoundError(delivery_id=delivery_id)
    delivery.subscription = subscription
    _expect(subscription, LIVE_STATES, "重新投递")
    now = utcnow()
    if not grant_in_force(subscription.grant, now):
        raise GrantNotActiveError(
            f"授权 {subscription.grant.number} 已撤销或不在有效期内，不再推送",
            grant_id=subscription.grant_id,
        )
    if delivery.state is not DeliveryState.dead:
        raise DeliveryNotDeadError(delivery_id=delivery.id, state=delivery.state.value)
    failed_attempts = delivery.attempts
    delivery.state = DeliveryState.pending
    delivery.attempts = 0
    delivery.next_attempt_at = now
    delivery.dead_at = None
    session.flush()
    _record(
        session,
        actor,
        "sharing.delivery.redelivered",
        subscription,
        {
            "delivery": str(delivery.id),
            "load_id": delivery.load_id,
            "failed_attempts": failed_attempts,
        },
    )
    return delivery
