"""The legal-basis vocabulary: article-level citations the coordinator maintains."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from smartcity.core.pagination import Page, PageParams, paginate
from smartcity.core.security import Actor, ensure_permission
from smartcity.core.time import today_in_china
from smartcity.domains.audit import service as audit_service
from smartcity.domains.registry.errors import (
    LegalBasisCodeTakenError,
    LegalBasisNotCitableError,
    LegalBasisNotFoundError,
)
from smartcity.domains.registry.legal_catalogue import STARTING_VOCABULARY
from smartcity.domains.registry.models import LegalBasis
from smartcity.domains.registry.permissions import RegistryPermission
from smartcity.domains.registry.schemas import (
    LegalBasisCreate,
    LegalBasisFilter,
    LegalBasisUpdate,
)

_FIELDS = (
    "code",
    "title",
    "article",
    "level",
    "issuer",
    "document_number",
    "excerpt",
    "url",
    "effective_date",
    "repealed_date",
)


def _snapshot(basis: LegalBasis) -> dict[str, object]:
    return {
        f: (str(v) if v is not None and not isinstance(v, str) else v)
        for f in _FIELDS
        for v in [getattr(basis, f)]
    }


def get_legal_basis(session: Session, *, actor: Actor, legal_basis_id: UUID) -> LegalBasis:
    """One entry of the vocabulary (repealed ones too, for the records citing them).

    Raises:
        AuthenticationRequiredError; LegalBasisNotFoundError.
    """
    ensure_permission(actor, RegistryPermission.read)
    basis = session.get(LegalBasis, legal_basis_id)
    if basis is None:
        raise LegalBasisNotFoundError(legal_basis_id=legal_basis_id)
    return basis


def ensure_citable(session: Session, *, actor: Actor, legal_basis_id: UUID) -> LegalBasis:
    """The entry, if a decision may cite it today: it exists, is in force and not repealed.

    Raises:
        LegalBasisNotFoundError: no such entry (free text is never accepted instead).
        LegalBasisNotCitableError: repealed, or not yet in force.
    """
    basis = get_legal_basis(session, actor=actor, legal_basis_id=legal_basis_id)
    today = today_in_china()
    if basis.repealed_date is not None and basis.repealed_date <= today:
        raise LegalBasisNotCitableError(
            f"{basis.citation}已于{basis.repealed_date}废止，不能再引用", legal_basis_id=basis.id
        )
    if basis.effective_date is not None and basis.effective_date > today:
        raise LegalBasisNotCitableError(
            f"{basis.citation}自{basis.effective_date}起施行，尚不能引用", legal_basis_id=basis.id
        )
    return basis


def list_legal_bases(
    session: Session, *, actor: Actor, filters: LegalBasisFilter, page: PageParams
) -> Page[LegalBasis]:
    """The vocabulary, searchable by title, article, code and document number."""
    ensure_permission(actor, RegistryPermission.read)
    statement = select(LegalBasis)
    if filters.level:
        statement = statement.where(LegalBasis.level == filters.level)
    if not filters.include_repealed:
        statement = statement.where(LegalBasis.repealed_date.is_(None))
    if filters.q:
        like = f"%{filters.q}%"
        statement = statement.where(
            or_(
                LegalBasis.title.like(like),
                LegalBasis.article.like(like),
                LegalBasis.code.like(like),
                LegalBasis.document_number.like(like),
            )
        )
    return paginate(session, statement.order_by(LegalBasis.title, LegalBasis.code), page)


def find_legal_basis_by_code(session: Session, code: str) -> LegalBasis | None:
    return session.scalars(select(LegalBasis).where(LegalBasis.code == code)).one_or_none()


def create_legal_basis(session: Session, *, actor: Actor, data: LegalBasisCreate) -> LegalBasis:
    """Add an article to the vocabulary (coordinator).

    Raises:
        PermissionDeniedError; LegalBasisCodeTakenError.
    """
    ensure_permission(actor, RegistryPermission.manage_legal_bases)
    if find_legal_basis_by_code(session, data.code) is not None:
        raise LegalBasisCodeTakenError(f"依据编码 {data.code} 已存在", field="code")
    basis = LegalBasis(**data.model_dump())
    session.add(basis)
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action="registry.legal_basis.created",
        subject=basis,
        changes=audit_service.diff({}, _snapshot(basis)),
    )
    session.flush()
    return basis


def update_legal_basis(
    session: Session, *, actor: Actor, legal_basis_id: UUID, data: LegalBasisUpdate
) -> LegalBasis:
    """Correct an entry or record its repeal. The code never changes: records cite it.

    Raises:
        PermissionDeniedError; LegalBasisNotFoundError.
    """
    ensure_permission(actor, RegistryPermission.manage_legal_bases)
    basis = get_legal_basis(session, actor=actor, legal_basis_id=legal_basis_id)
    before = _snapshot(basis)
    for key, value in data.model_dump(exclude_unset=True).items():
        setattr(basis, key, value)
    changes = audit_service.diff(before, _snapshot(basis))
    if changes:
        action = (
            "registry.legal_basis.repealed"
            if "repealed_date" in changes and basis.repealed_date
            else "registry.legal_basis.updated"
        )
        audit_service.record(session, actor=actor, action=action, subject=basis, changes=changes)
    session.flush()
    return basis


def seed_legal_bases(session: Session, *, actor: Actor) -> int:
    """Add the starting vocabulary's articles that are missing; returns how many were added."""
    added = 0
    for code, (title, issuer, number, effective), article, level, excerpt in STARTING_VOCABULARY:
        if find_legal_basis_by_code(session, code) is None:
            create_legal_basis(
                session,
                actor=actor,
                data=LegalBasisCreate(
                    code=code,
                    title=title,
                    article=article,
                    level=level,
                    issuer=issuer,
                    document_number=number,
                    excerpt=excerpt,
                    effective_date=effective,
                ),
            )
            added += 1
    return added
