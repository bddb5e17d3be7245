"""Subject bindings and lawful deferrals (Art. 68).

A **binding** records whose key a user is: a citizen's 公民身份号码 or an enterprise's
统一社会信用代码, set by the platform (in production by the real-name login; here by an
administrator), never typed by the user. A **deferral** hides an authority's access to
data subjects from their "my data" page until a date, with its legal basis.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from sqlalchemy import Enum, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smartcity.core.db.base import Entity
from smartcity.domains.privacy.enums import SubjectKind
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
    from the data subjects until ``ends_on`` (inclusive, Beijing date), with its basis."""

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
    ends_on: Mapped[date] = mapped_column(comment="Hidden through this date (Asia/Shanghai).")
    reason: Mapped[str] = mapped_column(Text, default="")
    created_by_name: Mapped[str] = mapped_column(String(100), default="")

    organization: Mapped[Organization] = relationship(lazy="raise")
    legal_basis: Mapped[LegalBasis] = relationship(lazy="raise")

    @property
    def audit_label(self) -> str:
        return f"延迟告知至 {self.ends_on.isoformat()}"
