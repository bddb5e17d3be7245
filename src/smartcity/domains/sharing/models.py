"""Share requests, grants and the exchange log (Art. 26–27).

A department requests a catalog resource (which items, for what purpose and
matter); the catalog's share type decides the path; the coordinator checks
compliance and the provider answers, each on a working-day clock. An approved
request becomes a **grant**: the consumer, the items, the purpose, the validity,
the query modes and a rate. The exchange API serves only what a grant allows and
writes every call to the hash-chained **exchange log** (keys looked up, fields,
result; never the payload).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import JSON, BigInteger, Enum, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smartcity.core.db.base import Base, Entity
from smartcity.core.pseudonyms import new_secret
from smartcity.domains.registry.models import LegalBasis, Organization
from smartcity.domains.sharing.enums import GrantState, RequestPath, RequestState


def _enum(kind: type[Any], length: int = 24) -> Enum:
    return Enum(kind, native_enum=False, length=length)


class ShareRequest(Entity):
    """A department's request for a catalog resource (Art. 27)."""

    __tablename__ = "sharing_request"

    number: Mapped[str] = mapped_column(String(32), unique=True, comment="GX-2026-000001")
    entry_id: Mapped[UUID] = mapped_column(ForeignKey("catalog_entry.id"), index=True)
    provider_organization_id: Mapped[UUID] = mapped_column(
        ForeignKey("registry_organization.id"), index=True
    )
    consumer_organization_id: Mapped[UUID] = mapped_column(
        ForeignKey("registry_organization.id"), index=True
    )
    consumer_client_id: Mapped[UUID | None] = mapped_column(
        comment="The API client the grant is bound to, if any."
    )
    requested_by_id: Mapped[UUID | None]
    requested_by_name: Mapped[str] = mapped_column(String(100), default="")
    items: Mapped[list[str]] = mapped_column(JSON, comment="Requested information items.")
    granted_items: Mapped[list[str]] = mapped_column(JSON, default=list)
    purpose: Mapped[str] = mapped_column(Text)
    scenario: Mapped[str] = mapped_column(
        String(200), comment="The government service or matter it serves."
    )
    legal_basis_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("registry_legal_basis.id"), comment="The requester's basis, where needed."
    )
    query_modes: Mapped[list[str]] = mapped_column(JSON, default=list)
    requested_months: Mapped[int] = mapped_column(Integer, default=12)
    expected_volume: Mapped[int] = mapped_column(Integer, default=0, comment="Calls per day.")
    path: Mapped[RequestPath] = mapped_column(_enum(RequestPath))
    state: Mapped[RequestState] = mapped_column(_enum(RequestState), index=True)
    submitted_at: Mapped[datetime]
    check_due_at: Mapped[datetime | None] = mapped_column(comment="Compliance check deadline.")
    checked_at: Mapped[datetime | None]
    checked_by_name: Mapped[str] = mapped_column(String(100), default="")
    check_opinion: Mapped[str] = mapped_column(Text, default="")
    answer_due_at: Mapped[datetime | None] = mapped_column(comment="Provider answer deadline.")
    answered_at: Mapped[datetime | None]
    answered_by_name: Mapped[str] = mapped_column(String(100), default="")
    answer_opinion: Mapped[str] = mapped_column(Text, default="")
    refusal_basis_id: Mapped[UUID | None] = mapped_column(ForeignKey("registry_legal_basis.id"))
    check_reminded_at: Mapped[datetime | None] = mapped_column(
        comment="When the coordinator was reminded the compliance check is nearly due."
    )
    answer_reminded_at: Mapped[datetime | None] = mapped_column(
        comment="When the provider was reminded its answer is nearly due."
    )
    escalated_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]

    provider: Mapped[Organization] = relationship(
        foreign_keys=[provider_organization_id], lazy="raise"
    )
    consumer: Mapped[Organization] = relationship(
        foreign_keys=[consumer_organization_id], lazy="raise"
    )
    legal_basis: Mapped[LegalBasis | None] = relationship(
        foreign_keys=[legal_basis_id], lazy="raise"
    )
    refusal_basis: Mapped[LegalBasis | None] = relationship(
        foreign_keys=[refusal_basis_id], lazy="raise"
    )

    @property
    def audit_label(self) -> str:
        return self.number


class Grant(Entity):
    """What a consumer may take through the exchange API (Art. 26)."""

    __tablename__ = "sharing_grant"

    number: Mapped[str] = mapped_column(String(32), unique=True, comment="SQ-2026-000001")
    request_id: Mapped[UUID] = mapped_column(ForeignKey("sharing_request.id"), index=True)
    entry_id: Mapped[UUID] = mapped_column(ForeignKey("catalog_entry.id"), index=True)
    provider_organization_id: Mapped[UUID] = mapped_column(
        ForeignKey("registry_organization.id"), index=True
    )
    consumer_organization_id: Mapped[UUID] = mapped_column(
        ForeignKey("registry_organization.id"), index=True
    )
    consumer_client_id: Mapped[UUID | None]
    items: Mapped[list[str]] = mapped_column(JSON)
    purpose: Mapped[str] = mapped_column(Text)
    scenario: Mapped[str] = mapped_column(String(200))
    query_modes: Mapped[list[str]] = mapped_column(JSON)
    clearance_rank: Mapped[int] = mapped_column(
        Integer, comment="Items graded above this rank are masked."
    )
    personal_clear: Mapped[bool] = mapped_column(
        default=False, comment="Personal information returned unmasked."
    )
    rate_per_minute: Mapped[int] = mapped_column(Integer, default=600)
    valid_from: Mapped[datetime]
    valid_until: Mapped[datetime]
    state: Mapped[GrantState] = mapped_column(_enum(GrantState), default=GrantState.active)
    revoked_at: Mapped[datetime | None]
    revocation_reason: Mapped[str] = mapped_column(Text, default="")
    pseudonym_key: Mapped[str] = mapped_column(
        String(64),
        default=new_secret,
        server_default="",
        comment="Secret (hex) of the grant's record pseudonyms and sealed cursors.",
    )
    """Never shown: an answer that masks the record key identifies records by the
    key's pseudonym under it and seals the keys in its cursors with it
    (``core.pseudonyms``; ``exchange_core.KeyShown``). The empty server default only
    lets migration 0023 add the column before it fills each row; ``core.pseudonyms``
    refuses an empty secret rather than make guessable pseudonyms with it."""

    @property
    def audit_label(self) -> str:
        return self.number


class ExchangeLogEntry(Base):
    """One exchange API call, hash-chained like the audit log (SM3).

    ``subject_keys`` are the data subjects looked up (ID numbers, credit codes), so
    a citizen can later see who looked at their data (Art. 68). Payloads are never
    stored.
    """

    __tablename__ = "sharing_exchange_log"
    __table_args__ = (
        Index("ix_sharing_exchange_log_grant", "grant_id", "seq"),
        Index("ix_sharing_exchange_log_consumer", "consumer_organization_id", "seq"),
        Index("ix_sharing_exchange_log_occurred_at", "occurred_at"),
    )

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=False
    )
    occurred_at: Mapped[str] = mapped_column(String(32), comment="UTC, microseconds, ISO 8601.")
    consumer_organization_id: Mapped[str] = mapped_column(String(36), default="")
    client_id: Mapped[str] = mapped_column(String(36), default="")
    user_id: Mapped[str] = mapped_column(String(36), default="")
    grant_id: Mapped[str] = mapped_column(String(36), default="")
    case_reference: Mapped[str] = mapped_column(String(100), default="")
    operation: Mapped[str] = mapped_column(String(16))
    resource: Mapped[str] = mapped_column(String(63), default="")
    subject_keys: Mapped[str] = mapped_column(Text, default="", comment="JSON list.")
    fields: Mapped[str] = mapped_column(Text, default="", comment="JSON list.")
    result: Mapped[str] = mapped_column(String(64), comment="ok, or the problem code.")
    records: Mapped[int] = mapped_column(Integer, default=0)
    latency_ms: Mapped[int] = mapped_column(Integer, default=0)
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64), unique=True)


class ExchangeSubject(Base):
    """Which data subjects each call touched, indexed by subject (for "who looked at my
    data", Art. 68); the chained entry holds the same keys."""

    __tablename__ = "sharing_exchange_subject"

    subject_key: Mapped[str] = mapped_column(String(32), primary_key=True)
    seq: Mapped[int] = mapped_column(
        ForeignKey("sharing_exchange_log.seq"), primary_key=True, autoincrement=False
    )
