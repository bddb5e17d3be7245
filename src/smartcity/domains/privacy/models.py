"""Subject bindings and lawful deferrals (Art. 68).

A **binding** records whose key a user is: a citizen's 公民身份号码 or an enterprise's
统一社会信用代码, set by the platform (in production by the real-name login; here by an
administrator), never typed by the user. A **deferral** hides an authority's access to
data subjects from their "my data" page — the calls made from its start date through
its end date — with its legal basis. A **data
request** is a subject's correction or deletion request on a value held about him,
routed to that value's source department (一数一源) and answered on a working-day clock;
a correction may carry **evidence** files (PDF, JPEG, PNG), stored in the database.
"""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from sqlalchemy import Enum, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smartcity.core.db.base import Entity
from smartcity.core.time import today_in_china
from smartcity.domains.privacy.enums import DataRequestKind, DataRequestState, SubjectKind
from smartcity.domains.registry.models import LegalBasis, Organization


class SubjectBinding(Entity):
    """One user's subject key (one key per user)."""

    __tablename__ = "privacy_subject_binding"

    user_id: Mapped[UUID] = mapped_column(ForeignKey("identity_user.id"), unique=True)
    subject_key: Mapped[str] = mapped_column(String(32), index=True)
    kind: Mapped[SubjectKind] = mapped_column(Enum(SubjectKind, native_enum=False, length=16))
    bound_by_name: Mapped[str] = mapped_column(String(100), default="")

    @property
    def audit_label(self) -> str:
        return f"{self.kind.value}:{self.subject_key[:6]}…"


class AccessDeferral(Entity):
    """An organization's access (optionally one grant's, one case's, one subject's) hidden
    from the data subjects while the deferral is in force (through ``ends_on``, inclusive,
    Beijing date), with its basis. Only the calls made on or after ``starts_on`` are
    hidden: a deferral recorded today does not reach back to earlier calls unless the
    coordinator sets an earlier start."""

    __tablename__ = "privacy_access_deferral"

    organization_id: Mapped[UUID] = mapped_column(
        ForeignKey("registry_organization.id"), index=True
    )
    grant_id: Mapped[UUID | None] = mapped_column(comment="Only calls under this grant.")
    case_reference: Mapped[str] = mapped_column(
        String(100), default="", comment="Only calls citing this case reference."
    )
    subject_key: Mapped[str] = mapped_column(
        String(32), default="", comment="Only this data subject; empty: every subject."
    )
    legal_basis_id: Mapped[UUID] = mapped_column(ForeignKey("registry_legal_basis.id"))
    starts_on: Mapped[date] = mapped_column(
        default=today_in_china,
        comment="Calls from this date (Asia/Shanghai) on are hidden; earlier ones are not.",
    )
    ends_on: Mapped[date] = mapped_column(comment="Hidden through this date (Asia/Shanghai).")
    reason: Mapped[str] = mapped_column(Text, default="")
    created_by_name: Mapped[str] = mapped_column(String(100), default="")

    organization: Mapped[Organization] = relationship(lazy="raise")
    legal_basis: Mapped[LegalBasis] = relationship(lazy="raise")

    @property
    def audit_label(self) -> str:
        return f"延迟告知至 {self.ends_on.isoformat()}"


class DataRequest(Entity):
    """A data subject's correction or deletion request on a value of his own record
    (Art. 68: 公民、法人和其他组织 may ask for what is held about them to be corrected),
    addressed to the field's source department. The subject key comes from the filer's
    binding, never from the request."""

    __tablename__ = "privacy_data_request"
    __table_args__ = (
        # The exchange API asks, once per call, which (key, field) pairs of a table have
        # an open correction: one index lookup per key (STYLE: the exchange is hot).
        Index(
            "ix_privacy_data_request_dispute", "subject_key", "table_name", "field_name", "state"
        ),
    )

    number: Mapped[str] = mapped_column(String(32), unique=True, comment="GZ-2026-000001")
    subject_key: Mapped[str] = mapped_column(String(32))
    kind: Mapped[DataRequestKind] = mapped_column(
        Enum(DataRequestKind, native_enum=False, length=16)
    )
    table_name: Mapped[str] = mapped_column(String(63), comment="The base-data table.")
    table_title: Mapped[str] = mapped_column(String(200), default="")
    field_name: Mapped[str] = mapped_column(
        String(100), default="", comment="Empty: a deletion of the whole record."
    )
    current_value: Mapped[str] = mapped_column(Text, default="", comment="As the subject saw it.")
    claimed_value: Mapped[str] = mapped_column(Text, default="", comment="Correction: the claim.")
    reason: Mapped[str] = mapped_column(Text, default="")
    source_organization_id: Mapped[UUID] = mapped_column(
        ForeignKey("registry_organization.id"), index=True
    )
    state: Mapped[DataRequestState] = mapped_column(
        Enum(DataRequestState, native_enum=False, length=16), index=True
    )
    submitted_at: Mapped[datetime]
    due_at: Mapped[datetime] = mapped_column(comment="Answer deadline (24:00, Asia/Shanghai).")
    filed_by_id: Mapped[UUID] = mapped_column(ForeignKey("identity_user.id"), index=True)
    filed_by_name: Mapped[str] = mapped_column(String(100), default="")
    answered_at: Mapped[datetime | None]
    answered_by_name: Mapped[str] = mapped_column(String(100), default="")
    answer: Mapped[str] = mapped_column(Text, default="")
    refusal_basis_id: Mapped[UUID | None] = mapped_column(ForeignKey("registry_legal_basis.id"))
    withdrawn_at: Mapped[datetime | None]

    source_organization: Mapped[Organization] = relationship(lazy="raise")
    refusal_basis: Mapped[LegalBasis | None] = relationship(lazy="raise")
    evidence: Mapped[list[DataRequestEvidence]] = relationship(
        back_populates="request",
        lazy="raise",
        cascade="all, delete-orphan",
        order_by="DataRequestEvidence.position",
    )

    @property
    def audit_label(self) -> str:
        return self.number


class DataRequestEvidence(Entity):
    """A file the subject attached to his correction request as evidence of the claim
    (Art. 68), stored in the database with the request (one transaction: a request and
    its files are filed together or not at all). The content is checked by its magic
    bytes (PDF, JPEG, PNG) and size before it is stored, and is loaded only to be
    downloaded (``deferred``): lists read the name, type, size and digests."""

    __tablename__ = "privacy_evidence"

    request_id: Mapped[UUID] = mapped_column(
        ForeignKey("privacy_data_request.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    filename: Mapped[str] = mapped_column(String(255), comment="As uploaded, path removed.")
    media_type: Mapped[str] = mapped_column(String(64), comment="From the magic bytes.")
    size: Mapped[int] = mapped_column(Integer, comment="Bytes.")
    sm3: Mapped[str] = mapped_column(String(64), comment="SM3 digest of the content (hex).")
    sha256: Mapped[str] = mapped_column(String(64), comment="SHA-256 digest (hex).")
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True, deferred_raiseload=True)

    # Qualified: another domain (open data) also maps a class named DataRequest.
    request: Mapped[DataRequest] = relationship(
        "smartcity.domains.privacy.models.DataRequest", back_populates="evidence", lazy="raise"
    )

    @property
    def audit_label(self) -> str:
        return self.filename
