"""JSON API of change subscriptions (Art. 26), under ``/api/v1/sharing/subscriptions``.

A consumer with a ``changes`` grant subscribes a webhook; each load that changes the
resource is announced to it by a signed ``POST`` (see the ``sharing.changes`` webhook
in the OpenAPI document), retried with back-off and finally kept as a dead letter
that both the consumer and the provider see and may redeliver. The change feed
(``/api/v1/exchange/grants/{grant}/changes``) stays the record: a consumer can always
catch up by its cursor, notification or not.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, status
from sqlalchemy.orm import Session

from smartcity.core.http.deps import PageParamsDep, SessionDep, SettingsDep
from smartcity.core.http.problems import problem_responses
from smartcity.core.pagination import Page
from smartcity.core.security import Actor
from smartcity.domains.identity.deps import ActorDep
from smartcity.domains.sharing import service as sharing_service
from smartcity.domains.sharing.errors import GrantNotFoundError
from smartcity.domains.sharing.subscription_errors import (
    CallbackHostNotAllowedError,
    ChangesModeNotGrantedError,
    DeliveryNotDeadError,
    DeliveryNotFoundError,
    GrantNotActiveError,
    InvalidCallbackUrlError,
    NotYourSubscriptionError,
    SubscriptionNotFoundError,
    SubscriptionStateError,
)
from smartcity.domains.sharing.subscription_schemas import (
    ChangeNotification,
    DeliveryFilter,
    DeliveryRead,
    SubscriptionCreate,
    SubscriptionCreated,
    SubscriptionDeliveryFilter,
    SubscriptionFilter,
    SubscriptionRead,
)

router = APIRouter(prefix="/sharing/subscriptions", tags=["sharing"])

#: The notification a subscriber's webhook receives (``app.webhooks`` in the OpenAPI
#: document); the platform sends it, it serves nothing here.
webhooks = APIRouter()

_MANAGE_ERRORS = (SubscriptionNotFoundError, NotYourSubscriptionError, SubscriptionStateError)


def _read(session: Session, subscription_id: UUID, actor: Actor) -> SubscriptionRead:
    subscription = sharing_service.get_subscription(
        session, actor=actor, subscription_id=subscription_id
    )
    return sharing_service.subscription_reads(session, [subscription], actor=actor)[0]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(
        GrantNotFoundError,
        NotYourSubscriptionError,
        GrantNotActiveError,
        ChangesModeNotGrantedError,
        InvalidCallbackUrlError,
        CallbackHostNotAllowedError,
        SubscriptionStateError,
    ),
)
def create_subscription(
    data: SubscriptionCreate, session: SessionDep, actor: ActorDep, settings: SettingsDep
) -> SubscriptionCreated:
    """Subscribe a webhook to the changes of a grant's resource (the grant's consumer,
    with the ``changes`` mode). The response carries the signing secret, once."""
    subscription = sharing_service.subscribe(
        session,
        actor=actor,
        data=data,
        policy=sharing_service.WebhookPolicy.from_settings(settings),
    )
    read = sharing_service.subscription_reads(session, [subscription], actor=actor)[0]
    return SubscriptionCreated(**read.model_dump(), secret=subscription.secret)


@router.get("")
def list_subscriptions(
    session: SessionDep,
    actor: ActorDep,
    page: PageParamsDep,
    filters: Annotated[SubscriptionFilter, Query()],
) -> Page[SubscriptionRead]:
    """My department's subscriptions (``role=made``), those to my department's data
    (``received``), or every one I may see (``all``)."""
    result = sharing_service.list_subscriptions(session, actor=actor, filters=filters, page=page)
    reads = sharing_service.subscription_reads(session, result.items, actor=actor)
    return Page[SubscriptionRead](
        items=reads, total=result.total, page=result.page, size=result.size
    )


@router.get("/deliveries", responses=problem_responses(SubscriptionNotFoundError))
def list_all_deliveries(
    session: SessionDep,
    actor: ActorDep,
    page: PageParamsDep,
    filters: Annotated[DeliveryFilter, Query()],
) -> Page[DeliveryRead]:
    """Notifications of every subscription I may see (``role`` as for subscriptions);
    ``state=dead`` is the dead-letter list."""
    result = sharing_service.list_deliveries(session, actor=actor, filters=filters, page=page)
    return result.map(sharing_service.delivery_read)


@router.get("/{subscription_id}", responses=problem_responses(SubscriptionNotFoundError))
def get_subscription(
    subscription_id: UUID, session: SessionDep, actor: ActorDep
) -> SubscriptionRead:
    return _read(session, subscription_id, actor)


@router.post("/{subscription_id}/cancel", responses=problem_responses(*_MANAGE_ERRORS))
def cancel_subscription(
    subscription_id: UUID, session: SessionDep, actor: ActorDep
) -> SubscriptionRead:
    """Stop for good (the consumer or the coordinator); undelivered notifications
    become dead letters."""
    sharing_service.cancel_subscription(session, actor=actor, subscription_id=subscription_id)
    return _read(session, subscription_id, actor)


@router.post("/{subscription_id}/pause", responses=problem_responses(*_MANAGE_ERRORS))
def pause_subscription(
    subscription_id: UUID, session: SessionDep, actor: ActorDep
) -> SubscriptionRead:
    """Hold the notifications; they keep queueing and go out once resumed."""
    sharing_service.pause_subscription(session, actor=actor, subscription_id=subscription_id)
    return _read(session, subscription_id, actor)


@router.post("/{subscription_id}/resume", responses=problem_responses(*_MANAGE_ERRORS))
def resume_subscription(
    subscription_id: UUID, session: SessionDep, actor: ActorDep
) -> SubscriptionRead:
    sharing_service.resume_subscription(session, actor=actor, subscription_id=subscription_id)
    return _read(session, subscription_id, actor)


@router.get("/{subscription_id}/deliveries", responses=problem_responses(SubscriptionNotFoundError))
def list_deliveries(
    subscription_id: UUID,
    session: SessionDep,
    actor: ActorDep,
    page: PageParamsDep,
    query: Annotated[SubscriptionDeliveryFilter, Query()],
) -> Page[DeliveryRead]:
    """The subscription's notifications, newest first, with their attempts
    (``state=dead``: its dead letters)."""
    filters = DeliveryFilter(subscription_id=subscription_id, state=query.state)
    result = sharing_service.list_deliveries(session, actor=actor, filters=filters, page=page)
    return result.map(sharing_service.delivery_read)


@router.post(
    "/{subscription_id}/deliveries/{delivery_id}/redeliver",
    responses=problem_responses(
        *_MANAGE_ERRORS, DeliveryNotFoundError, DeliveryNotDeadError, GrantNotActiveError
    ),
)
def redeliver(
    subscription_id: UUID, delivery_id: UUID, session: SessionDep, actor: ActorDep
) -> DeliveryRead:
    """Queue a dead letter again with a fresh round of attempts (the consumer, the
    provider or the coordinator)."""
    delivery = sharing_service.redeliver(
        session, actor=actor, subscription_id=subscription_id, delivery_id=delivery_id
    )
    return sharing_service.delivery_read(delivery)


@webhooks.post("sharing.changes")
def change_notification(body: ChangeNotification) -> None:
    """A load changed the subscribed resource. Headers: ``X-Smartcity-Signature:
    sha256=<hex HMAC-SHA256 of the raw body with the subscription's secret>``,
    ``X-Smartcity-Delivery`` (the same on every attempt: drop repeats),
    ``X-Smartcity-Event``, ``X-Smartcity-Attempt``. Answer 2xx within the timeout;
    anything else is retried with back-off."""
