"""Registry tables: organizations and the regulation duties each carries today."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from sqlalchemy import Enum, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smartcity.core.db.base import Entity
from smartcity.domains.registry.enums import LegalLevel, OrganizationKind


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
