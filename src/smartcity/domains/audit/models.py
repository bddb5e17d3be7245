"""The audit log tables: append-only events and the anchors that pin its head."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import BigInteger, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from smartcity.core.db.base import Base
from smartcity.core.time import utcnow


class AuditEvent(Base):
    """One change of state, written in the same transaction as the change.

    Append-only: database triggers refuse UPDATE and DELETE. ``entry_hash`` is
    the SM3 digest of the canonical serialization of the event including
    ``prev_hash``, the previous event's hash, so ``verify`` can prove that no
    event was modified, deleted, inserted or reordered. ``seq`` numbers events
    in chain order without gaps; it is assigned under a lock (SQLite's write
    lock, a PostgreSQL advisory lock) so the chain stays linear under
    concurrent writers.
    """

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_subject", "subject_type", "subject_id"),
        Index("ix_audit_event_occurred_at", "occurred_at"),
    )

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[UUID | None] = mapped_column(index=True)
    actor_name: Mapped[str] = mapped_column(String(100), default="")
    organization_id: Mapped[UUID | None] = mapped_column(
        index=True, comment="Organization on whose behalf the actor acted."
    )
    action: Mapped[str] = mapped_column(
        String(100), index=True, comment="<domain>.<entity>.<past-tense verb>"
    )
    subject_type: Mapped[str] = mapped_column(String(64), default="")
    subject_id: Mapped[str] = mapped_column(String(64), default="")
    subject_label: Mapped[str] = mapped_column(String(200), default="")
    changes: Mapped[str] = mapped_column(
        Text, default="{}", comment="Changed fields as canonical JSON."
    )
    request_id: Mapped[str] = mapped_column(String(64), default="")
    ip: Mapped[str] = mapped_column(String(64), default="")
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64), unique=True)

    @property
    def changes_dict(self) -> dict[str, Any]:
        value = json.loads(self.changes or "{}")
        return value if isinstance(value, dict) else {"value": value}


class AuditAnchor(Base):
    """A recorded head of the chain (sequence number and hash) at a moment.

    A hash chain alone cannot reveal that its newest entries were cut off; an
    anchor can, and an anchor copied out of the database (``smartcity audit
    head``) can also reveal a rewritten tail.
    """

    __tablename__ = "audit_anchor"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    seq: Mapped[int] = mapped_column(BigInteger)
    entry_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    note: Mapped[str] = mapped_column(String(200), default="")
