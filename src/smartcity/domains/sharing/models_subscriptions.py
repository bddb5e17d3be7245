"""Change subscriptions (Art. 26): a consumer holding a grant with the ``changes`` mode
registers a webhook and is told when a load changed the granted resource.

A notification carries no values: the load, the cursor range to pull through
``/changes``, the number of changes and the **stale keys** (records the grant pulled
earlier whose granted values the load changed or deleted: keys the consumer already
holds). Each notification is a **delivery**, retried with back-off and, after the
last attempt, kept as a dead letter both sides see until someone redelivers it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import JSON, Enum, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smartcity.core.db.base import Entity
from smartcity.domains.sharing.enums import DeliveryState, SubscriptionState
from smartcity.domains.sharing.models import Grant

__all__ = ["Delivery", "DeliveryState", "Subscription", "SubscriptionState"]


def _enum(kind: type[Any], length: int = 16) -> Enum:
    return Enum(kind, native_enum=False, length=length)


class Subscription(Entity):
    """A consumer's webhook for the changes of one granted resource."""

    __tablename__ = "sharing_subscription"

    number: Mapped[str] = mapped_column(String(32), unique=True, comment="DY-2026-000001")
    grant_id: Mapped[UUID] = mapped_column(ForeignKey("sharing_grant.id"), index=True)
    entry_id: Mapped[UUID] = mapped_column(ForeignKey("catalog_entry.id"), index=True)
    consumer_organization_id: Mapped[UUID] = mapped_column(
        ForeignKey("registry_organization.id"), index=True
    )
    provider_organization_id: Mapped[UUID] = mapped_column(
        ForeignKey("registry_organization.id"), index=True
    )
    callback_url: Mapped[str] = mapped_column(String(2000))
    secret: Mapped[str] = mapped_column(
        String(100), comment="Signs each notification (HMAC-SHA256); shown once, at creation."
    )
    state: Mapped[SubscriptionState] = mapped_column(
        _enum(SubscriptionState), default=SubscriptionState.active, index=True
    )
    created_by_id: Mapped[UUID | None]
    created_by_name: Mapped[str] = mapped_column(String(100), default="")
    last_delivered_cursor: Mapped[str] = mapped_column(
        String(64), default="", comment="The furthest change-feed cursor delivered."
    )
    last_delivered_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]

    grant: Mapped[Grant] = relationship(lazy="raise")

    @property
    def audit_label(self) -> str:
        return self.number


class Delivery(Entity):
    """One notification of one load to one subscription, and its attempts.

    ``cursor`` → ``next_cursor`` is the stretch of the change feed the load added;
    ``stale_keys`` holds at most ``MAX_STALE_KEYS`` keys, ``stale_key_count`` all.
    """

    __tablename__ = "sharing_delivery"
    __table_args__ = (
        UniqueConstraint("subscription_id", "load_id"),
        Index("ix_sharing_delivery_due", "state", "next_attempt_at"),
    )

    subscription_id: Mapped[UUID] = mapped_column(ForeignKey("sharing_subscription.id"))
    load_id: Mapped[int] = mapped_column(ForeignKey("base_data_load.id"), index=True)
    cursor: Mapped[str] = mapped_column(String(64), comment="Pull /changes from here.")
    next_cursor: Mapped[str] = mapped_column(String(64), comment="The feed after this load.")
    change_count: Mapped[int] = mapped_column(Integer, default=0)
    stale_keys: Mapped[list[str]] = mapped_column(JSON, default=list)
    stale_key_count: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[DeliveryState] = mapped_column(
        _enum(DeliveryState), default=DeliveryState.pending
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    last_attempt_at: Mapped[datetime | None]
    last_status: Mapped[int | None] = mapped_column(Integer, comment="HTTP status, if any.")
    last_error: Mapped[str] = mapped_column(Text, default="")
    delivered_at: Mapped[datetime | None]
    dead_at: Mapped[datetime | None]

    subscription: Mapped[Subscription] = relationship(lazy="raise")

    @property
    def audit_label(self) -> str:
        return f"第 {self.load_id} 次装载的变更通知"
