"""Change requests of information systems: lifecycle and composition changes that take
effect only when the coordinator approves them (RIHA: approval before establishment,
going into use, a change of data composition and termination). Nothing here commits.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, joinedload

from smartcity.core.pagination import Page, PageParams, paginate
from smartcity.core.security import Actor, ensure_permission
from smartcity.core.time import utcnow
from smartcity.domains.audit import service as audit_service
from smartcity.domains.registry.enums import (
    ChangeRequestStatus,
    SystemChangeKind,
    SystemLifecycle,
)
from smartcity.domains.registry.errors import (
    ChangeRequestDecidedError,
    ChangeRequestNotFoundError,
    ChangeRequestPendingError,
    InvalidChangeRequestError,
    OpinionRequiredError,
    SystemRetiredError,
)
from smartcity.domains.registry.models import InformationSystem, SystemChangeRequest
from smartcity.domains.registry.permissions import RegistryPermission
from smartcity.domains.registry.schemas import SystemChangeCreate, SystemChangeRequestFilter
from smartcity.domains.registry.service.system_rules import (
    COMPOSITION,
    EDITABLE_LIFECYCLE,
    check_cloud,
    describe,
    ensure_manager,
    open_change_request,
    record,
    unique_names,
)
from smartcity.domains.registry.service.systems import get_information_system


def _proposal(system: InformationSystem, data: SystemChangeCreate) -> dict[str, Any]:
    """What the request would set, checked against the system as it is now."""
    carries_composition = data.data_holdings is not None or data.resources_used is not None
    if data.kind is not SystemChangeKind.composition_change and carries_composition:
        raise InvalidChangeRequestError(
            "只有变更数据构成的申请才能提交数据对象和信息资源", field="data_holdings"
        )
    if data.kind is SystemChangeKind.registration:
        if system.approved_snapshot is not None:
            raise InvalidChangeRequestError("该系统的登记已审核通过", field="kind")
        return describe(system)
    if data.kind is SystemChangeKind.go_live:
        _check_can_go_live(system)
        return {"lifecycle_status": SystemLifecycle.in_use.value}
    if data.kind is SystemChangeKind.retirement:
        return {"lifecycle_status": SystemLifecycle.retired.value}
    proposed: dict[str, Any] = {}
    for name in COMPOSITION:
        wanted = getattr(data, name)
        if wanted is not None and unique_names(wanted) != list(getattr(system, name)):
            proposed[name] = unique_names(wanted)
    if not proposed:
        raise InvalidChangeRequestError("提交的数据构成与当前相同", field="data_holdings")
    return proposed


def _check_can_go_live(system: InformationSystem) -> None:
    if system.lifecycle_status not in EDITABLE_LIFECYCLE:
        raise InvalidChangeRequestError("只有规划中或建设中的系统才能申请投入使用", field="kind")
    check_cloud(
        {
            "cloud_status": system.cloud_status,
            "exemption_legal_basis_id": system.exemption_legal_basis_id,
            "exemption_reason": system.exemption_reason,
            "migration_planned_date": system.migration_planned_date,
            "lifecycle_status": SystemLifecycle.in_use,
            "is_preexisting": system.is_preexisting,
        }
    )


def propose_system_change(
    session: Session, *, actor: Actor, system_id: UUID, data: SystemChangeCreate
) -> SystemChangeRequest:
    """Ask the coordinator to approve going into use, a new data composition, the
    system's retirement, or (again, after a refusal) its registration.

    Raises:
        AuthenticationRequiredError, PermissionDeniedError, InformationSystemNotFoundError.
        SystemRetiredError.
        ChangeRequestPendingError: a request of the same kind is still pending.
        InvalidChangeRequestError: the change does not apply to the system as it is.
        CloudDeploymentRequiredError: a new system asks to go into use off the cloud.
    """
    system = get_information_system(session, actor=actor, system_id=system_id, for_update=True)
    ensure_manager(actor, system.owner_organization_id)
    if system.lifecycle_status is SystemLifecycle.retired:
        raise SystemRetiredError(system_id=system.id)
    pending = session.scalar(
        select(SystemChangeRequest.id).where(
            SystemChangeRequest.system_id == system.id,
            SystemChangeRequest.kind == data.kind,
            SystemChangeRequest.status == ChangeRequestStatus.pending,
        )
    )
    if pending is not None:
        raise ChangeRequestPendingError(change_request_id=pending, kind=data.kind.value)
    request = open_change_request(
        session, actor, system, data.kind, _proposal(system, data), data.reason.strip()
    )
    session.flush()
    return request


def visible_change_requests(actor: Actor) -> Select[SystemChangeRequest]:
    """Change requests the actor may see: all for the coordinator, else its own
    organization's. Other organizations' requests are invisible, not forbidden."""
    ensure_permission(actor, RegistryPermission.read)
    statement = (
        select(SystemChangeRequest)
        .join(SystemChangeRequest.system)
        .options(
            joinedload(SystemChangeRequest.system).joinedload(InformationSystem.owner_organization)
        )
    )
    if actor.has(RegistryPermission.review_system_changes):
        return statement
    return statement.where(InformationSystem.owner_organization_id == actor.organization_id)


def get_change_request(
    session: Session, *, actor: Actor, change_request_id: UUID
) -> SystemChangeRequest:
    """One change request the actor may see.

    Raises:
        AuthenticationRequiredError; ChangeRequestNotFoundError: missing or not visible.
    """
    request = session.scalars(
        visible_change_requests(actor).where(SystemChangeRequest.id == change_request_id)
    ).one_or_none()
    if request is None:
        raise ChangeRequestNotFoundError(change_request_id=change_request_id)
    return request


def list_change_requests(
    session: Session, *, actor: Actor, filters: SystemChangeRequestFilter, page: PageParams
) -> Page[SystemChangeRequest]:
    """A page of the requests the actor may see; pending ones oldest first (the review
    queue), others newest first.

    Raises:
        AuthenticationRequiredError.
    """
    statement = visible_change_requests(actor)
    if filters.status:
        statement = statement.where(SystemChangeRequest.status == filters.status)
    if filters.kind:
        statement = statement.where(SystemChangeRequest.kind == filters.kind)
    if filters.system_id:
        statement = statement.where(SystemChangeRequest.system_id == filters.system_id)
    if filters.owner_organization_id:
        statement = statement.where(
            InformationSystem.owner_organization_id == filters.owner_organization_id
        )
    created = SystemChangeRequest.created_at
    order = created.asc() if filters.status is ChangeRequestStatus.pending else created.desc()
    return paginate(session, statement.order_by(order, SystemChangeRequest.id), page)


def count_pending_change_requests(session: Session, *, actor: Actor) -> int:
    """How many requests wait for the coordinator (0 for anyone else)."""
    if not actor.has(RegistryPermission.review_system_changes):
        return 0
    return list_change_requests(
        session,
        actor=actor,
        filters=SystemChangeRequestFilter(status=ChangeRequestStatus.pending),
        page=PageParams(page=1, size=1),
    ).total


def _pending_for_decision(
    session: Session, actor: Actor, change_request_id: UUID
) -> tuple[SystemChangeRequest, InformationSystem]:
    ensure_permission(actor, RegistryPermission.review_system_changes)
    request = session.scalars(
        select(SystemChangeRequest)
        .where(SystemChangeRequest.id == change_request_id)
        .with_for_update()
    ).one_or_none()
    if request is None:
        raise ChangeRequestNotFoundError(change_request_id=change_request_id)
    if request.status is not ChangeRequestStatus.pending:
        raise ChangeRequestDecidedError(
            change_request_id=request.id, current_status=request.status.value
        )
    system = get_information_system(
        session, actor=actor, system_id=request.system_id, for_update=True
    )
    request.system = system
    return request, system


def _decide(
    request: SystemChangeRequest, actor: Actor, status: ChangeRequestStatus, opinion: str
) -> None:
    request.status = status
    request.reviewer_id = actor.id
    request.reviewer_name = actor.name
    request.opinion = opinion
    request.decided_at = utcnow()


def approve_system_change(
    session: Session, *, actor: Actor, change_request_id: UUID, opinion: str = ""
) -> SystemChangeRequest:
    """Approve a request (coordinator): apply its changes and make the system's whole
    current description the approved one. A new list of data objects sets
    ``composition_changed_at``, from which the catalog counts its 15 days.

    Raises:
        AuthenticationRequiredError, PermissionDeniedError: not the coordinator.
        ChangeRequestNotFoundError; ChangeRequestDecidedError: already decided.
        SystemRetiredError.
        InvalidChangeRequestError: the registration is not approved yet, or the change
            no longer applies (return it with an opinion instead).
        CloudDeploymentRequiredError: going into use off the cloud (Art. 22).
    """
    request, system = _pending_for_decision(session, actor, change_request_id)
    if system.lifecycle_status is SystemLifecycle.retired:
        raise SystemRetiredError(system_id=system.id)
    if request.kind is not SystemChangeKind.registration and system.approved_snapshot is None:
        raise InvalidChangeRequestError("请先审核该系统的登记申请", change_request_id=request.id)
    before = describe(system)
    proposed = request.proposed_changes
    if request.kind is SystemChangeKind.go_live:
        _check_can_go_live(system)
        system.lifecycle_status = SystemLifecycle.in_use
    elif request.kind is SystemChangeKind.retirement:
        system.lifecycle_status = SystemLifecycle.retired
    elif request.kind is SystemChangeKind.composition_change:
        for name in COMPOSITION:
            if name in proposed:
                setattr(system, name, list(proposed[name]))
    after = describe(system)
    now = utcnow()
    if before["data_holdings"] != after["data_holdings"]:
        system.composition_changed_at = now
    system.approved_snapshot = after
    system.approved_at = now
    _decide(request, actor, ChangeRequestStatus.approved, opinion.strip())
    record(
        session,
        actor,
        "registry.system.change_approved",
        system,
        {
            "request_id": str(request.id),
            "kind": request.kind.value,
            "opinion": request.opinion,
            "applied": audit_service.diff(before, after),
        },
    )
    session.flush()
    return request


def reject_system_change(
    session: Session, *, actor: Actor, change_request_id: UUID, opinion: str
) -> SystemChangeRequest:
    """Return a request to its owner (coordinator); nothing changes on the system. The
    opinion is required: the owner must learn what to fix.

    Raises:
        AuthenticationRequiredError, PermissionDeniedError: not the coordinator.
        OpinionRequiredError; ChangeRequestNotFoundError; ChangeRequestDecidedError.
    """
    ensure_permission(actor, RegistryPermission.review_system_changes)
    if not opinion.strip():
        raise OpinionRequiredError(field="opinion")
    request, system = _pending_for_decision(session, actor, change_request_id)
    _decide(request, actor, ChangeRequestStatus.rejected, opinion.strip())
    record(
        session,
        actor,
        "registry.system.change_rejected",
        system,
        {"request_id": str(request.id), "kind": request.kind.value, "opinion": request.opinion},
    )
    session.flush()
    return request
