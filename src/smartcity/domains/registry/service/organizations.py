"""Organizations: the directory and who carries which duty of the regulation.

Art. 4, 6 and 73 make the city, its counties, departments and development zones
the actors of the regulation; Art. 6 makes one of them the platform authority.
Nothing here commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session, selectinload

from smartcity.core.errors import InvalidInputError
from smartcity.core.identifiers import (
    CreditCodeCheckError,
    IdentifierError,
    is_known_division,
    validate_credit_code,
)
from smartcity.core.pagination import Page, PageParams, paginate
from smartcity.core.security import Actor, ensure_authenticated, ensure_permission
from smartcity.domains.audit import service as audit_service
from smartcity.domains.registry.errors import (
    CoordinatorRequiredError,
    CreditCodeTakenError,
    InvalidCreditCodeError,
    InvalidDivisionCodeError,
    OrganizationCodeTakenError,
    OrganizationCycleError,
    OrganizationNotFoundError,
    UnknownArticleError,
)
from smartcity.domains.registry.models import Organization, OrganizationDuty
from smartcity.domains.registry.permissions import RegistryPermission
from smartcity.domains.registry.regulation import REGULATION_DUTIES, find_named_duty
from smartcity.domains.registry.schemas import (
    DutyWrite,
    OrganizationCreate,
    OrganizationFilter,
    OrganizationNode,
    OrganizationSummary,
    OrganizationUpdate,
    ResponsibleOrganization,
)

AUDITED_FIELDS = (
    "code",
    "name",
    "short_name",
    "kind",
    "parent_id",
    "division_code",
    "zone_code",
    "credit_code",
    "credit_code_override_reason",
    "address",
    "phone",
    "website",
    "description",
    "sort_order",
    "is_active",
)
# Fields an organization's own administrator may change (contact details); the
# rest shapes the city's structure and belongs to the coordinator.
OWN_EDITABLE_FIELDS = frozenset({"short_name", "address", "phone", "website", "description"})


def snapshot(organization: Organization) -> dict[str, Any]:
    return {field: _plain(getattr(organization, field)) for field in AUDITED_FIELDS}


def _plain(value: object) -> Any:
    if isinstance(value, UUID):
        return str(value)
    return value


def get_organization(
    session: Session,
    *,
    actor: Actor,
    organization_id: UUID,
    for_update: bool = False,
    with_duties: bool = False,
) -> Organization:
    """One organization.

    Raises:
        AuthenticationRequiredError: anonymous actor.
        OrganizationNotFoundError: no such organization.
    """
    ensure_permission(actor, RegistryPermission.read)
    statement = select(Organization).where(Organization.id == organization_id)
    if with_duties:
        statement = statement.options(selectinload(Organization.duties))
    if for_update:
        statement = statement.with_for_update()
    organization = session.scalars(statement).one_or_none()
    if organization is None:
        raise OrganizationNotFoundError(organization_id=organization_id)
    return organization


def find_organization_by_code(session: Session, code: str) -> Organization | None:
    return session.scalars(select(Organization).where(Organization.code == code)).one_or_none()


def find_coordinator(session: Session) -> Organization | None:
    """The platform authority of Art. 6, if one is marked."""
    return session.scalars(
        select(Organization).where(Organization.coordinator_flag.is_(True))
    ).one_or_none()


def _filtered(filters: OrganizationFilter) -> Select[Organization]:
    statement = select(Organization)
    if not filters.include_inactive:
        statement = statement.where(Organization.is_active.is_(True))
    if filters.kind:
        statement = statement.where(Organization.kind == filters.kind)
    if filters.parent_id:
        statement = statement.where(Organization.parent_id == filters.parent_id)
    if filters.division_code:
        statement = statement.where(Organization.division_code == filters.division_code)
    if filters.q:
        like = f"%{filters.q}%"
        statement = statement.where(
            or_(
                Organization.name.like(like),
                Organization.short_name.like(like),
                Organization.code.like(like),
                Organization.credit_code.like(like),
            )
        )
    return statement


def list_organizations(
    session: Session, *, actor: Actor, filters: OrganizationFilter, page: PageParams
) -> Page[Organization]:
    """A page of the directory, in directory order.

    Raises:
        AuthenticationRequiredError: anonymous actor.
    """
    ensure_permission(actor, RegistryPermission.read)
    statement = _filtered(filters).order_by(Organization.sort_order, Organization.code)
    return paginate(session, statement, page)


def all_organizations(
    session: Session, *, actor: Actor, include_inactive: bool = False
) -> Sequence[Organization]:
    """The whole directory in directory order (for trees, pickers and exports)."""
    ensure_permission(actor, RegistryPermission.read)
    statement = _filtered(OrganizationFilter(include_inactive=include_inactive))
    ordered = statement.order_by(Organization.sort_order, Organization.code)
    return list(session.scalars(ordered))


def organization_tree(session: Session, *, actor: Actor) -> list[OrganizationNode]:
    """The directory as a tree, built from one query."""
    organizations = all_organizations(session, actor=actor)
    nodes = {
        o.id: OrganizationNode(
            id=o.id, code=o.code, name=o.name, kind=o.kind, is_coordinator=o.is_coordinator
        )
        for o in organizations
    }
    roots: list[OrganizationNode] = []
    for organization in organizations:
        node = nodes[organization.id]
        parent = nodes.get(organization.parent_id) if organization.parent_id else None
        (parent.children if parent is not None else roots).append(node)
    return roots


def _check_credit_code(
    actor: Actor, code: str | None, override_reason: str
) -> tuple[str | None, str]:
    """Validate a credit code per GB 32100; a code that fails only its check characters
    is accepted when the actor may override and gives a reason (reference: real issued
    codes exist that fail the check).

    Returns the normalised code and the override reason to keep, which is empty unless
    the code needed the override: a valid code is not an exemption, whatever the form
    still says.
    """
    if code is None or code == "":
        return None, ""
    try:
        return validate_credit_code(code), ""
    except CreditCodeCheckError as exc:
        if override_reason.strip():
            ensure_permission(actor, RegistryPermission.override_credit_code)
            return "".join(code.split()).upper(), override_reason
        raise InvalidCreditCodeError(
            f"{exc.message}。如确认该代码为真实核发，可由平台主管部门填写豁免理由后保存。",
            field="credit_code",
            position=exc.position,
            reason=exc.code,
            overridable=True,
        ) from exc
    except IdentifierError as exc:
        raise InvalidCreditCodeError(
            exc.message,
            field="credit_code",
            position=exc.position,
            reason=exc.code,
            overridable=False,
        ) from exc


def _check_division(code: str) -> None:
    if code and not is_known_division(code):
        raise InvalidDivisionCodeError(
            f"{code} 不是 GB/T 2260 行政区划代码", field="division_code", value=code
        )


def _check_unique(
    session: Session, organization: Organization | None, code: str | None, credit_code: str | None
) -> None:
    own_id = organization.id if organization else None
    if code is not None:
        other = session.scalar(select(Organization.id).where(Organization.code == code))
        if other is not None and other != own_id:
            raise OrganizationCodeTakenError(f"单位编码 {code} 已被使用", field="code")
    if credit_code:
        other = session.scalar(
            select(Organization.id).where(Organization.credit_code == credit_code)
        )
        if other is not None and other != own_id:
            raise CreditCodeTakenError(field="credit_code")


def _check_parent(
    session: Session, organization: Organization | None, parent_id: UUID | None
) -> None:
    if parent_id is None:
        return
    seen: set[UUID] = set()
    current: UUID | None = parent_id
    while current is not None:
        if organization is not None and current == organization.id:
            raise OrganizationCycleError(field="parent_id")
        if current in seen:
            raise OrganizationCycleError(field="parent_id")
        seen.add(current)
        current_parent = session.execute(
            select(Organization.id, Organization.parent_id).where(Organization.id == current)
        ).first()
        if current_parent is None:
            raise OrganizationNotFoundError("上级单位不存在", field="parent_id")
        current = current_parent[1]


def create_organization(
    session: Session, *, actor: Actor, data: OrganizationCreate
) -> Organization:
    """Add an organization to the directory.

    Raises:
        PermissionDeniedError: the actor is not the coordinator.
        InvalidCreditCodeError: the credit code fails GB 32100 (``position`` says where).
        InvalidDivisionCodeError, OrganizationCodeTakenError, CreditCodeTakenError,
        OrganizationNotFoundError (parent), OrganizationCycleError.
    """
    ensure_permission(actor, RegistryPermission.manage_all)
    credit_code, override_reason = _check_credit_code(
        actor, data.credit_code, data.credit_code_override_reason
    )
    _check_division(data.division_code)
    _check_unique(session, None, data.code, credit_code)
    _check_parent(session, None, data.parent_id)
    values = data.model_dump()
    values["credit_code"] = credit_code
    values["credit_code_override_reason"] = override_reason
    organization = Organization(**values)
    session.add(organization)
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action="registry.organization.created",
        subject=organization,
        organization_id=organization.id,
        changes=audit_service.diff({}, snapshot(organization)),
    )
    _record_override(session, actor, organization, None)
    session.flush()
    return organization


def _record_override(
    session: Session, actor: Actor, organization: Organization, previous_reason: str | None
) -> None:
    if (
        organization.credit_code
        and organization.credit_code_override_reason
        and (organization.credit_code_override_reason != previous_reason)
    ):
        audit_service.record(
            session,
            actor=actor,
            action="registry.organization.credit_code_overridden",
            subject=organization,
            organization_id=organization.id,
            changes={
                "credit_code": organization.credit_code,
                "reason": organization.credit_code_override_reason,
            },
        )


def update_organization(
    session: Session, *, actor: Actor, organization_id: UUID, data: OrganizationUpdate
) -> Organization:
    """Change an organization. The coordinator may change everything; an organization's
    own administrator only its contact details.

    Raises:
        PermissionDeniedError, OrganizationNotFoundError, InvalidCreditCodeError,
        InvalidDivisionCodeError, CreditCodeTakenError, OrganizationCycleError,
        CoordinatorRequiredError (deactivating the coordinator).
    """
    ensure_authenticated(actor)
    organization = get_organization(
        session, actor=actor, organization_id=organization_id, for_update=True
    )
    values = data.model_dump(exclude_unset=True)
    if not actor.has(RegistryPermission.manage_all):
        ensure_permission(actor, RegistryPermission.manage_own)
        if actor.organization_id != organization.id:
            raise OrganizationNotFoundError(organization_id=organization_id)
        forbidden = set(values) - OWN_EDITABLE_FIELDS
        if forbidden:
            raise InvalidInputError(
                f"单位管理员只能修改联系信息，不能修改：{', '.join(sorted(forbidden))}",
                fields=sorted(forbidden),
            )
    before = snapshot(organization)
    previous_reason = organization.credit_code_override_reason
    if "credit_code" in values or "credit_code_override_reason" in values:
        code = values.get("credit_code", organization.credit_code)
        reason = (
            values.get("credit_code_override_reason", organization.credit_code_override_reason)
            or ""
        )
        if "credit_code" in values and "credit_code_override_reason" not in values:
            reason = ""
        values["credit_code"], values["credit_code_override_reason"] = _check_credit_code(
            actor, code, reason
        )
    if values.get("division_code"):
        _check_division(values["division_code"])
    _check_unique(session, organization, None, values.get("credit_code"))
    if "parent_id" in values:
        _check_parent(session, organization, values["parent_id"])
    if values.get("is_active") is False and organization.is_coordinator:
        raise CoordinatorRequiredError("平台主管部门不能停用，请先指定新的平台主管部门")
    for key, value in values.items():
        setattr(organization, key, value)
    changes = audit_service.diff(before, snapshot(organization))
    if changes:
        action = "registry.organization.updated"
        if changes.get("is_active") == [True, False]:
            action = "registry.organization.deactivated"
        audit_service.record(
            session,
            actor=actor,
            action=action,
            subject=organization,
            organization_id=organization.id,
            changes=changes,
        )
        _record_override(session, actor, organization, previous_reason)
    session.flush()
    return organization


def set_coordinator(session: Session, *, actor: Actor, organization_id: UUID) -> Organization:
    """Make an organization the platform authority of Art. 6 (there is exactly one).

    Raises:
        PermissionDeniedError: only the coordinator (or the system) may hand the role on.
        OrganizationNotFoundError.
        InvalidInputError: the organization is inactive.
    """
    ensure_permission(actor, RegistryPermission.manage_all)
    organization = get_organization(
        session, actor=actor, organization_id=organization_id, for_update=True
    )
    if not organization.is_active:
        raise InvalidInputError("停用的单位不能成为平台主管部门")
    current = find_coordinator(session)
    if current is not None and current.id == organization.id:
        return organization
    if current is not None:
        current.coordinator_flag = None
        session.flush()
    organization.coordinator_flag = True
    audit_service.record(
        session,
        actor=actor,
        action="registry.organization.coordinator_set",
        subject=organization,
        organization_id=organization.id,
        changes={"previous": str(current.id) if current else None},
    )
    session.flush()
    return organization


def set_duties(
    session: Session, *, actor: Actor, organization_id: UUID, duties: Sequence[DutyWrite]
) -> Organization:
    """Replace the list of regulation duties an organization carries today.

    Each duty must be one the regulation actually gives (article and named body
    from ``REGULATION_DUTIES``), so obligations cannot drift into free text.

    Raises:
        PermissionDeniedError, OrganizationNotFoundError,
        UnknownArticleError: an (article, named body) pair the regulation does not contain.
    """
    ensure_permission(actor, RegistryPermission.assign_duties)
    organization = get_organization(
        session, actor=actor, organization_id=organization_id, for_update=True, with_duties=True
    )
    wanted: dict[tuple[int, str], str] = {}
    for duty in duties:
        if find_named_duty(duty.article, duty.named_body) is None:
            raise UnknownArticleError(
                f"条例第{duty.article}条没有规定“{duty.named_body}”的职责",
                field="duties",
                article=duty.article,
                named_body=duty.named_body,
            )
        wanted[(duty.article, duty.named_body)] = duty.note
    before = sorted(f"{d.article}:{d.named_body}" for d in organization.duties)
    kept = []
    for existing in organization.duties:
        key = (existing.article, existing.named_body)
        if key in wanted:
            existing.note = wanted.pop(key)
            kept.append(existing)
    organization.duties = kept + [
        OrganizationDuty(article=a, named_body=b, note=n) for (a, b), n in wanted.items()
    ]
    after = sorted(f"{d.article}:{d.named_body}" for d in organization.duties)
    if before != after:
        audit_service.record(
            session,
            actor=actor,
            action="registry.organization.duties_set",
            subject=organization,
            organization_id=organization.id,
            changes={"duties": [before, after]},
        )
    session.flush()
    return organization


def responsible_organizations(
    session: Session, *, actor: Actor, article: int | None = None
) -> list[ResponsibleOrganization]:
    """For each duty of the regulation (or of one article), the organizations carrying
    it today. A duty nobody carries shows with an empty list: a gap to fix."""
    ensure_permission(actor, RegistryPermission.read)
    statement = (
        select(OrganizationDuty, Organization)
        .join(Organization)
        .where(Organization.is_active.is_(True))
    )
    if article is not None:
        statement = statement.where(OrganizationDuty.article == article)
    holders: dict[tuple[int, str], list[Organization]] = {}
    for duty, organization in session.execute(statement.order_by(Organization.sort_order)):
        holders.setdefault((duty.article, duty.named_body), []).append(organization)
    return [
        ResponsibleOrganization(
            article=d.article,
            named_body=d.named_body,
            duty=d.duty,
            organizations=[
                OrganizationSummary.model_validate(o)
                for o in holders.get((d.article, d.named_body), [])
            ],
        )
        for d in REGULATION_DUTIES
        if article is None or d.article == article
    ]
