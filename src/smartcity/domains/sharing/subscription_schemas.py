"""Pydantic schemas of change subscriptions, their deliveries and the notification a
webhook receives (Art. 26)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import Field

from smartcity.core.schemas import QueryFilter, Schema
from smartcity.domains.sharing.enums import DeliveryState, SubscriptionState
from smartcity.domains.sharing.schemas import RequestRole

#: Headers of every notification: the HMAC-SHA256 of the body with the subscription's
#: secret (``sha256=<hex>``), the delivery's id (the same on every attempt, so a
#: receiver can drop repeats), the event and the attempt number.
SIGNATURE_HEADER = "X-Smartcity-Signature"
DELIVERY_HEADER = "X-Smartcity-Delivery"
EVENT_HEADER = "X-Smartcity-Event"
ATTEMPT_HEADER = "X-Smartcity-Attempt"
CHANGES_EVENT: Literal["sharing.changes"] = "sharing.changes"


class SubscriptionCreate(Schema):
    """Subscribe a webhook to the changes of a grant's resource."""

    grant_id: UUID
    callback_url: Annotated[str, Field(min_length=1, max_length=2000)]


class SubscriptionFilter(QueryFilter):
    """``made``: my department's subscriptions; ``received``: subscriptions to my
    department's data; ``all``: every one the caller may see."""

    role: RequestRole = RequestRole.made
    state: SubscriptionState | None = None


class SubscriptionRead(Schema):
    id: UUID
    number: str
    grant_id: UUID
    grant_number: str
    entry_id: UUID
    consumer_organization_id: UUID
    provider_organization_id: UUID
    callback_url: str
    state: SubscriptionState
    created_by_name: str
    created_at: datetime
    last_delivered_cursor: str
    last_delivered_at: datetime | None
    cancelled_at: datetime | None
    pending: int = Field(description="Notifications waiting for (another) attempt.")
    delivered: int
    dead: int = Field(description="Dead letters: every attempt failed.")


class SubscriptionCreated(SubscriptionRead):
    secret: str = Field(
        description="Verifies the X-Smartcity-Signature of each notification. Shown only "
        "in this response: keep it."
    )


class DeliveryFilter(QueryFilter):
    """Deliveries the caller may see; ``state=dead`` is the dead-letter list."""

    role: RequestRole = RequestRole.all
    state: DeliveryState | None = None
    subscription_id: UUID | None = None


class SubscriptionDeliveryFilter(QueryFilter):
    """One subscription's deliveries; ``state=dead`` its dead letters."""

    state: DeliveryState | None = None


class DeliveryRead(Schema):
    id: UUID
    subscription_id: UUID
    subscription_number: str
    load_id: int
    cursor: str
    next_cursor: str
    change_count: int
    stale_keys: list[str]
    stale_key_count: int
    state: DeliveryState
    attempts: int
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    last_status: int | None
    last_error: str
    delivered_at: datetime | None
    dead_at: datetime | None
    created_at: datetime


class ChangeNotification(Schema):
    """The JSON body a webhook receives when a load changed the subscribed resource.

    It carries no values: pull them from ``changes_url`` (the exchange API's change
    feed from ``cursor``; your own cursor works as well, the feed is the record).
    ``stale_keys`` are records this grant pulled earlier whose granted values the
    load changed or deleted: a copy you hold of them is out of date. They are keys,
    or — where the grant masks the key — the records' ``ref`` (which every exchange
    answer carries beside the key). At most
    ``MAX_STALE_KEYS`` are listed; ``stale_key_count`` counts all.
    """

    id: UUID = Field(description="The delivery: the same on every attempt.")
    event: Literal["sharing.changes"] = CHANGES_EVENT
    subscription_id: UUID
    subscription_number: str
    grant_id: UUID
    grant_number: str
    entry_id: UUID
    load_id: int
    cursor: str = Field(description="Pull GET /changes?cursor= from here for this load.")
    next_cursor: str = Field(description="Where the feed stands after this load.")
    changes: int = Field(description="Records this load inserted, changed or deleted.")
    changes_url: str
    stale_keys: list[str]
    stale_key_count: int
    stale_keys_truncated: bool
    created_at: datetime
    attempt: int
    sent_at: datetime


class DeliveryRun(Schema):
    """What one delivery pass did."""

    attempted: int = 0
    delivered: int = 0
    retrying: int = 0
    dead: int = 0
