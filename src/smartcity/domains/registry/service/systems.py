"""Information systems: registration, description and approved lifecycle changes.

Art. 22 makes the city's departments deploy new systems directly on the city
cloud and migrate existing ones; Art. 62 asks for classified protection and
backup; Art. 70 sanctions refusing to migrate without a legal reason. As in
Estonia's RIHA, the registry is the city's catalogue of systems: everyone signed
in reads it, the owner (its organization's administrator) and the coordinator
change it, and lifecycle changes — registration, going into use, a new data
composition, retirement — take effect only when the coordinator approves them.
Each approval stores the whole description, so the difference between the
approved and the current description can always be shown. Nothing here commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from smartcity.core.errors import InvalidInputError
from smartcity.core.pagination import Page, PageParams, paginate
from smartcity.core.security import Actor, ensure_permission
from smartcity.domains.audit import service as audit_service
from smartcity.domains.registry.enums import SystemChangeKind, SystemLifecycle
from smartcity.domains.registry.errors import (
    ChangeNeedsApprovalError,
    InformationSystemNotFoundError,
    SystemCodeTakenError,
    SystemRetiredError,
)
from smartcity.domains.registry.models import InformationSystem, LegalBasis
from smartcity.domains.registry.permissions import RegistryPermission
from smartcity.domains.registry.schemas import (
    InformationSystemCreate,
    InformationSystemFilter,
    InformationSystemUpdate,
)
from smartcity.domains.registry.service.legal_bases import ensure_citable
from smartcity.domains.registry.service.organizations import get_organization
from smartcity.domains.registry.service.system_rules import (
    COMPOSITION,
    EDITABLE_LIFECYCLE,
    check_assessment,
    check_cloud,
    describe,
    ensure_manager,
    normalized,
    open_change_request,
    record,
    unique_names,
)

# Columns the owner edits directly (the rest of the description changes by request).
_EDITABLE_COLUMNS = (
    "name",
    "purpose",
    "legal_basis_note",
    "user_count",
    "data_volume_gb",
    "contacts",
    "lifecycle_status",
    "protection_level",
    "protection_assessed_date",
    "protection_assessment_result",
    "backup_arrangement",
    "backup_note",
    "cloud_status",
    "migration_planned_date",
    "exemption_legal_basis_id",
    "exemption_reason",
)

# ---------------------------------------------------------------- reading


def _with_details(statement: Select[InformationSystem]) -> Select[InformationSystem]:
    return statement.options(
        selectinload(InformationSystem.owner_organization),
        selectinload(InformationSystem.legal_bases),
        selectinload(InformationSystem.exemption_legal_basis),
    )


def get_information_system(
    session: Session, *, actor: Actor, system_id: UUID, for_update: bool = False
) -> InformationSystem:
    """One system with its owner and legal bases. The registry is readable by everyone
    signed in.

    Raises:
        AuthenticationRequiredError: anonymous actor.
        InformationSystemNotFoundError: no such system.
    """
    ensure_permission(actor, RegistryPermission.read)
    statement = _with_details(select(InformationSystem).where(InformationSystem.id == system_id))
    if for_update:
        statement = statement.with_for_update()
    system: InformationSystem | None = session.scalars(statement).one_or_none()
    if system is None:
        raise InformationSystemNotFoundError(system_id=system_id)
    return system


def find_information_system_by_code(session: Session, code: str) -> InformationSystem | None:
    return session.scalars(
        select(InformationSystem).where(InformationSystem.code == code)
    ).one_or_none()


def list_information_systems(
    session: Session, *, actor: Actor, filters: InformationSystemFilter, page: PageParams
) -> Page[InformationSystem]:
    """A page of the registry, by code, with each system's owner loaded.

    Raises:
        AuthenticationRequiredError: anonymous actor.
    """
    ensure_permission(actor, RegistryPermission.read)
    statement = select(InformationSystem).options(
        joinedload(InformationSystem.owner_organization, innerjoin=True)
    )
    if filters.owner_organization_id:
        statement = statement.where(
            InformationSystem.owner_organization_id == filters.owner_organization_id
        )
    if filters.lifecycle_status:
        statement = statement.where(InformationSystem.lifecycle_status == filters.lifecycle_status)
    if filters.cloud_status:
        statement = statement.where(InformationSystem.cloud_status == filters.cloud_status)
    if filters.protection_level:
        statement = statement.where(InformationSystem.protection_level == filters.protection_level)
    if filters.q:
        like = f"%{filters.q}%"
        statement = statement.where(
            or_(
                InformationSystem.code.like(like),
                InformationSystem.name.like(like),
                InformationSystem.purpose.like(like),
            )
        )
    return paginate(session, statement.order_by(InformationSystem.code), page)


def _citable(
    session: Session, actor: Actor, ids: Sequence[UUID], keep: Iterable[LegalBasis] = ()
) -> list[LegalBasis]:
    """The articles for ``ids``; articles already cited (``keep``) stay even if repealed
    since, newly cited ones must be citable today."""
    kept = {b.id: b for b in keep}
    result: list[LegalBasis] = []
    for legal_basis_id in dict.fromkeys(ids):
        basis = kept.get(legal_basis_id) or ensure_citable(
            session, actor=actor, legal_basis_id=legal_basis_id
        )
        result.append(basis)
    return result


# ---------------------------------------------------------------- registration and edits


def register_system(
    session: Session, *, actor: Actor, data: InformationSystemCreate
) -> InformationSystem:
    """Register a system of the actor's organization (or, for the coordinator, of any).

    The system is in the registry at once and a registration request goes to the
    coordinator; its approval makes this the first approved description.

    Raises:
        AuthenticationRequiredError, PermissionDeniedError: not the owner's
            administrator nor the coordinator.
        OrganizationNotFoundError: no such owner.
        InvalidInputError: the owner is inactive, the system is registered as
            retired, or the assessment date and result do not go together.
        SystemCodeTakenError.
        LegalBasisNotFoundError, LegalBasisNotCitableError: a cited article.
        CloudExemptionBasisRequiredError, MigrationDateRequiredError,
        CloudDeploymentRequiredError: see ``_check_cloud`` (Art. 22).
    """
    ensure_manager(actor, data.owner_organization_id)
    owner = get_organization(session, actor=actor, organization_id=data.owner_organization_id)
    if not owner.is_active:
        raise InvalidInputError("停用的单位不能登记信息系统", field="owner_organization_id")
    if find_information_system_by_code(session, data.code) is not None:
        raise SystemCodeTakenError(f"信息系统编码 {data.code} 已被使用", field="code")
    if data.lifecycle_status is SystemLifecycle.retired:
        raise InvalidInputError("不能登记已停用的系统", field="lifecycle_status")
    values = normalized(data.model_dump(exclude={"legal_basis_ids", "contacts"}))
    values["contacts"] = [c.model_dump() for c in data.contacts]
    check_assessment(values)
    check_cloud(values)
    legal_bases = _citable(session, actor, data.legal_basis_ids)
    exemption = None
    if values["exemption_legal_basis_id"] is not None:
        exemption = ensure_citable(
            session, actor=actor, legal_basis_id=values["exemption_legal_basis_id"]
        )

    system = InformationSystem(**values)
    system.owner_organization = owner
    system.legal_bases = legal_bases
    system.exemption_legal_basis = exemption
    session.add(system)
    session.flush()
    description = describe(system)
    created = audit_service.diff({}, description)
    record(session, actor, "registry.system.registered", system, created)
    open_change_request(session, actor, system, SystemChangeKind.registration, description, "")
    session.flush()
    return system


def update_system(
    session: Session, *, actor: Actor, system_id: UUID, data: InformationSystemUpdate
) -> InformationSystem:
    """Edit a system's description directly: purpose, contacts, scale, protection,
    backup, cloud status and the like. The edit shows as a difference against the
    last approved description until the next approval.

    Raises:
        AuthenticationRequiredError, PermissionDeniedError, InformationSystemNotFoundError.
        SystemRetiredError: a retired system is kept as it was.
        ChangeNeedsApprovalError: going into use, retirement or a new data composition
            (these are change requests).
        InvalidInputError, LegalBasisNotFoundError, LegalBasisNotCitableError,
        CloudExemptionBasisRequiredError, MigrationDateRequiredError,
        CloudDeploymentRequiredError.
    """
    system = get_information_system(session, actor=actor, system_id=system_id, for_update=True)
    ensure_manager(actor, system.owner_organization_id)
    if system.lifecycle_status is SystemLifecycle.retired:
        raise SystemRetiredError(system_id=system.id)
    sent = data.model_dump(exclude_unset=True, exclude={"legal_basis_ids"})
    if data.contacts is not None:
        sent["contacts"] = [c.model_dump() for c in data.contacts]
    _refuse_lifecycle_edits(system, sent)
    current = {name: getattr(system, name) for name in _EDITABLE_COLUMNS}
    current["is_preexisting"] = system.is_preexisting
    values = normalized({**current, **{k: v for k, v in sent.items() if k not in COMPOSITION}})
    check_assessment(values)
    check_cloud(values)
    legal_bases = system.legal_bases
    if data.legal_basis_ids is not None:
        legal_bases = _citable(session, actor, data.legal_basis_ids, keep=system.legal_bases)
    exemption = system.exemption_legal_basis
    if values["exemption_legal_basis_id"] != system.exemption_legal_basis_id:
        exemption = None
        if values["exemption_legal_basis_id"] is not None:
            exemption = ensure_citable(
                session, actor=actor, legal_basis_id=values["exemption_legal_basis_id"]
            )

    before = describe(system)
    del values["is_preexisting"]
    for name, value in values.items():
        setattr(system, name, value)
    system.legal_bases = legal_bases
    system.exemption_legal_basis = exemption
    changes = audit_service.diff(before, describe(system))
    if changes:
        record(session, actor, "registry.system.updated", system, changes)
    session.flush()
    return system


def _refuse_lifecycle_edits(system: InformationSystem, sent: Mapping[str, Any]) -> None:
    wanted = sent.get("lifecycle_status")
    moves = wanted is not None and wanted is not system.lifecycle_status
    if moves and not (
        wanted in EDITABLE_LIFECYCLE and system.lifecycle_status in EDITABLE_LIFECYCLE
    ):
        kind = (
            SystemChangeKind.retirement
            if wanted is SystemLifecycle.retired
            else SystemChangeKind.go_live
        )
        raise ChangeNeedsApprovalError(
            "投入使用和停用须提交变更申请，经平台主管部门审核后生效",
            field="lifecycle_status",
            kind=kind.value,
        )
    for name in COMPOSITION:
        if name in sent and unique_names(sent[name]) != list(getattr(system, name)):
            raise ChangeNeedsApprovalError(
                "数据构成的变更须提交变更申请，经平台主管部门审核后生效",
                field=name,
                kind=SystemChangeKind.composition_change.value,
            )
