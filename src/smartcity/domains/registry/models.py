"""Registry tables: organizations, the regulation duties each carries today, the
legal-basis vocabulary, and the information systems registry (Art. 22, 62, 70)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    Enum,
    Float,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smartcity.core.db.base import Base, Entity
from smartcity.domains.registry.enums import (
    AssessmentResult,
    BackupArrangement,
    ChangeRequestStatus,
    CloudStatus,
    LegalLevel,
    OrganizationKind,
    SystemChangeKind,
    SystemLifecycle,
)


class Organization(Entity):
    """A body of the city: the city government, a county-level government, a department,
    a development zone (Art. 73), or a non-government body that provides or uses data
    (Art. 29–30).

    Organizations form a tree (``parent_id``). Exactly one is the platform
    authority (the coordinator of Art. 6): ``coordinator_flag`` is ``True`` for it
    and NULL for all others, and a unique constraint over it makes a second
    coordinator impossible on every database. An organization is never deleted,
    only deactivated, so records that name it stay valid.
    """

    __tablename__ = "registry_organization"

    code: Mapped[str] = mapped_column(
        String(32), unique=True, comment="Directory code, stable, used by imports."
    )
    name: Mapped[str] = mapped_column(String(100), index=True)
    short_name: Mapped[str] = mapped_column(String(50), default="")
    kind: Mapped[OrganizationKind] = mapped_column(
        Enum(OrganizationKind, native_enum=False, length=32), index=True
    )
    parent_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("registry_organization.id"), index=True
    )
    division_code: Mapped[str] = mapped_column(
        String(6),
        default="",
        index=True,
        comment="GB/T 2260 code of the area the body serves (370800 for the city).",
    )
    zone_code: Mapped[str] = mapped_column(
        String(16), default="", comment="Functional-zone code (not GB/T 2260), e.g. 370871."
    )
    credit_code: Mapped[str | None] = mapped_column(
        String(18), unique=True, comment="GB 32100 unified social credit code."
    )
    credit_code_override_reason: Mapped[str] = mapped_column(
        String(500),
        default="",
        comment="Why a code failing the GB 32100 check is accepted (it was really issued).",
    )
    coordinator_flag: Mapped[bool | None] = mapped_column(
        unique=True, comment="True for the platform authority (Art. 6), NULL otherwise."
    )
    is_active: Mapped[bool] = mapped_column(default=True)
    address: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    website: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    parent: Mapped[Organization | None] = relationship(remote_side="Organization.id", lazy="raise")
    duties: Mapped[list[OrganizationDuty]] = relationship(
        back_populates="organization",
        lazy="raise",
        cascade="all, delete-orphan",
        order_by="OrganizationDuty.article",
    )

    @property
    def is_coordinator(self) -> bool:
        return bool(self.coordinator_flag)


class OrganizationDuty(Entity):
    """A duty of the regulation that an organization carries today.

    The regulation (2016) names bodies as they were then (工商行政管理部门,
    环境保护主管部门, 国土资源主管部门 …); several have since been merged or
    renamed. Each row says: this organization now holds the duty that article
    ``article`` gives to ``named_body``, so every obligation follows the
    institution that holds it now.
    """

    __tablename__ = "registry_organization_duty"
    __table_args__ = (UniqueConstraint("organization_id", "article", "named_body"),)

    organization_id: Mapped[UUID] = mapped_column(
        ForeignKey("registry_organization.id"), index=True
    )
    article: Mapped[int] = mapped_column(Integer, index=True)
    named_body: Mapped[str] = mapped_column(
        String(100), comment="The body as the regulation names it."
    )
    note: Mapped[str] = mapped_column(String(500), default="")

    organization: Mapped[Organization] = relationship(back_populates="duties", lazy="raise")


class LegalBasis(Entity):
    """One article of a law, regulation or policy document that a decision can cite.

    The coordinator maintains this vocabulary. Decisions that the regulation and
    the national sharing rules require to be grounded in law — a resource
    classified as not shared or conditionally shared, a refusal of a share
    request, a system exempted from the city cloud (Art. 22, 27, 70) — cite a
    row here rather than free text, so every ground can be checked, counted and
    traced. A repealed article stays for the records that cited it, but cannot be
    cited again.
    """

    __tablename__ = "registry_legal_basis"

    code: Mapped[str] = mapped_column(
        String(64), unique=True, comment="Stable short code, e.g. PIPL-34."
    )
    title: Mapped[str] = mapped_column(String(200), comment="Title of the act, with 《》.")
    article: Mapped[str] = mapped_column(String(50), comment="Article cited, e.g. 第三十四条.")
    level: Mapped[LegalLevel] = mapped_column(Enum(LegalLevel, native_enum=False, length=32))
    issuer: Mapped[str] = mapped_column(String(100), default="")
    document_number: Mapped[str] = mapped_column(String(100), default="")
    excerpt: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str] = mapped_column(String(300), default="")
    effective_date: Mapped[date | None]
    repealed_date: Mapped[date | None]

    @property
    def citation(self) -> str:
        return f"{self.title}{self.article}"

    @property
    def audit_label(self) -> str:
        return self.citation


information_system_legal_basis = Table(
    "registry_information_system_legal_basis",
    Base.metadata,
    Column(
        "information_system_id",
        ForeignKey("registry_information_system.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("legal_basis_id", ForeignKey("registry_legal_basis.id"), primary_key=True, index=True),
    comment="The articles of law an information system operates under.",
)


class InformationSystem(Entity):
    """An information system of a department: the city's catalogue of systems (RIHA).

    Art. 22 makes new systems of the city's departments deploy directly on the
    city cloud and existing ones migrate to it; Art. 70 punishes refusing to
    migrate without a legal reason; Art. 62 asks for classified protection and
    backup. The row is the current description, which the owner edits; changes
    of lifecycle (going into use, retirement) and of data composition take effect
    only through a ``SystemChangeRequest`` the coordinator approves, and each
    approval stores the whole description in ``approved_snapshot``, so the
    difference between the approved and the current description can always be
    shown. A system is never deleted: it is retired.
    """

    __tablename__ = "registry_information_system"
    __table_args__ = (
        CheckConstraint("protection_level BETWEEN 1 AND 5", name="protection_level_range"),
    )

    owner_organization_id: Mapped[UUID] = mapped_column(
        ForeignKey("registry_organization.id"), index=True
    )
    code: Mapped[str] = mapped_column(
        String(64), unique=True, comment="Registry code, unique in the city, never changes."
    )
    name: Mapped[str] = mapped_column(String(200), index=True)
    purpose: Mapped[str] = mapped_column(Text, default="")
    legal_basis_note: Mapped[str] = mapped_column(
        Text, default="", comment="Further grounds in words, beside the cited articles."
    )
    data_holdings: Mapped[list[str]] = mapped_column(
        JSON, default=list, comment="Main data objects the system holds (RIHA stored_data)."
    )
    resources_used: Mapped[list[str]] = mapped_column(
        JSON, default=list, comment="Data resources of others the system uses, by name."
    )
    user_count: Mapped[int] = mapped_column(Integer, default=0)
    data_volume_gb: Mapped[float] = mapped_column(Float, default=0.0)
    contacts: Mapped[list[dict[str, str]]] = mapped_column(
        JSON, default=list, comment="[{name, role, phone}]"
    )
    lifecycle_status: Mapped[SystemLifecycle] = mapped_column(
        Enum(SystemLifecycle, native_enum=False, length=16), index=True
    )
    is_preexisting: Mapped[bool] = mapped_column(
        default=False,
        comment="In use before it was registered (原有系统): Art. 22 asks it to migrate "
        "rather than to be deployed on the cloud from the start.",
    )
    protection_level: Mapped[int] = mapped_column(
        Integer, index=True, comment="Classified-protection level 1-5 (GB/T 22239)."
    )
    protection_assessed_date: Mapped[date | None] = mapped_column(
        comment="Date of the last classified-protection assessment."
    )
    protection_assessment_result: Mapped[AssessmentResult | None] = mapped_column(
        Enum(AssessmentResult, native_enum=False, length=32)
    )
    backup_arrangement: Mapped[BackupArrangement] = mapped_column(
        Enum(BackupArrangement, native_enum=False, length=16), default=BackupArrangement.none
    )
    backup_note: Mapped[str] = mapped_column(String(500), default="")
    cloud_status: Mapped[CloudStatus] = mapped_column(
        Enum(CloudStatus, native_enum=False, length=16), index=True
    )
    migration_planned_date: Mapped[date | None] = mapped_column(
        comment="When migration to the city cloud is to be complete."
    )
    exemption_legal_basis_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("registry_legal_basis.id"),
        comment="The article that exempts the system from the city cloud (required if exempt).",
    )
    exemption_reason: Mapped[str] = mapped_column(Text, default="")
    composition_changed_at: Mapped[datetime | None] = mapped_column(
        comment="When the data composition last changed; catalog entries must follow in 15 days."
    )
    approved_snapshot: Mapped[dict[str, Any] | None] = mapped_column(
        JSON, comment="The description as last approved by the coordinator."
    )
    approved_at: Mapped[datetime | None]

    owner_organization: Mapped[Organization] = relationship(lazy="raise")
    legal_bases: Mapped[list[LegalBasis]] = relationship(
        secondary=information_system_legal_basis, lazy="raise", order_by="LegalBasis.code"
    )
    exemption_legal_basis: Mapped[LegalBasis | None] = relationship(lazy="raise")
    change_requests: Mapped[list[SystemChangeRequest]] = relationship(
        back_populates="system",
        lazy="raise",
        order_by="SystemChangeRequest.created_at.desc()",
    )

    @property
    def audit_label(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def owner_name(self) -> str:
        return self.owner_organization.name


class SystemChangeRequest(Entity):
    """A proposed lifecycle or composition change of an information system, or its
    registration, waiting for (or decided by) the coordinator.

    RIHA's rule, taken over: a system's description is approved before it is
    established, before it goes into use, before its data composition changes
    and before it is terminated. ``proposed_changes`` holds the field values the
    request would set; they are applied only on approval. A decision records the
    reviewer and an opinion (required when the request is returned).
    """

    __tablename__ = "registry_system_change_request"

    system_id: Mapped[UUID] = mapped_column(
        ForeignKey("registry_information_system.id"), index=True
    )
    kind: Mapped[SystemChangeKind] = mapped_column(
        Enum(SystemChangeKind, native_enum=False, length=32)
    )
    proposed_changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    reason: Mapped[str] = mapped_column(Text, default="", comment="The requester's explanation.")
    status: Mapped[ChangeRequestStatus] = mapped_column(
        Enum(ChangeRequestStatus, native_enum=False, length=16),
        default=ChangeRequestStatus.pending,
        index=True,
    )
    requested_by_id: Mapped[UUID | None] = mapped_column(
        comment="User or API client that asked (no FK: either kind of actor)."
    )
    requested_by_name: Mapped[str] = mapped_column(String(100), default="")
    reviewer_id: Mapped[UUID | None]
    reviewer_name: Mapped[str] = mapped_column(String(100), default="")
    opinion: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime | None]

    system: Mapped[InformationSystem] = relationship(back_populates="change_requests", lazy="raise")

    @property
    def audit_label(self) -> str:
        return f"{self.system.code} {self.kind.value}"

    @property
    def system_code(self) -> str:
        return self.system.code

    @property
    def system_name(self) -> str:
        return self.system.name

    @property
    def owner_organization_id(self) -> UUID:
        return self.system.owner_organization_id

    @property
    def owner_name(self) -> str:
        return self.system.owner_organization.name
