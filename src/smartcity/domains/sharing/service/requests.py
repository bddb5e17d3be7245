"""Share requests (Art. 27): submission, the coordinator's compliance check, the
provider's answer, withdrawal, reminders before a deadline, escalation of missed
deadlines and the coordinator's order to supply. The catalog's share type decides the
path; deadlines run on working days of the platform's calendar, as long as
``SharingSettings`` says. Every transition is audited on the request. Nothing here
commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session

from smartcity.core.config import SharingSettings
from smartcity.core.pagination import Page, PageParams, paginate
from smartcity.core.security import SYSTEM, Actor, ensure_permission
from smartcity.core.time import CHINA, utcnow
from smartcity.domains.audit import service as audit_service
from smartcity.domains.calendar import service as calendar_service
from smartcity.domains.catalog import service as catalog_service
from smartcity.domains.catalog.enums import EntryStatus, ShareType
from smartcity.domains.registry import service as registry_service
from smartcity.domains.registry.errors import LegalBasisNotFoundError
from smartcity.domains.registry.models import LegalBasis
from smartcity.domains.sharing.enums import (
    OPEN_STATES,
    REQUEST_STATE_LABELS,
    RequestPath,
    RequestState,
)
from smartcity.domains.sharing.errors import (
    EntryNotPublishedError,
    InvalidShareRequestError,
    NotYourRequestError,
    OwnResourceError,
    RefusalBasisRequiredError,
    RequestStateError,
    ShareRequestNotFoundError,
)
from smartcity.domains.sharing.models import Grant, ShareRequest
from smartcity.domains.sharing.permissions import SharingPermission
from smartcity.domains.sharing.schemas import (
    RefusalCount,
    RequestClock,
    RequestRole,
    ShareRequestCreate,
    ShareRequestDetail,
    ShareRequestFilter,
    ShareRequestRead,
)
from smartcity.domains.sharing.service.grants import issue_grant
from smartcity.domains.sharing.service.numbering import add_numbered

_PATHS = {
    ShareType.unconditional: RequestPath.unconditional,
    ShareType.conditional: RequestPath.conditional,
    ShareType.none: RequestPath.not_shared,
}


def _record(
    session: Session,
    actor: Actor,
    action: str,
    request: ShareRequest,
    changes: dict[str, Any] | None = None,
) -> None:
    details = {"state": request.state.value, **(changes or {})}
    audit_service.record(
        session,
        actor=actor,
        action=action,
        subject=request,
        changes=details,
        organization_id=request.consumer_organization_id,
    )


def _due(session: Session, start: datetime, working_days: int) -> datetime:
    """The end (24:00, Asia/Shanghai) of ``working_days`` working days after ``start``.

    Raises:
        CalendarYearUnknownError: the period crosses a year without an arrangement.
    """
    return calendar_service.compute_deadline(session, start=start, working_days=working_days).due_at


def _refusal_basis(session: Session, actor: Actor, basis_id: UUID | None) -> LegalBasis:
    """The registered, citable basis a refusal cites; free text alone is not enough."""
    if basis_id is None:
        raise RefusalBasisRequiredError(
            "不予共享（含部分不予共享）必须引用已登记的法律法规依据，不能只填写理由",
            field="refusal_basis_id",
        )
    try:
        return registry_service.ensure_citable(session, actor=SYSTEM, legal_basis_id=basis_id)
    except LegalBasisNotFoundError as error:
        raise RefusalBasisRequiredError(
            "引用的法律法规依据未登记", field="refusal_basis_id", legal_basis_id=basis_id
        ) from error


def _expect(request: ShareRequest, states: set[RequestState], step: str) -> None:
    if request.state not in states:
        raise RequestStateError(
            f"共享申请 {request.number} 当前为「{REQUEST_STATE_LABELS[request.state]}」，"
            f"不能{step}",
            request_id=request.id,
            state=request.state.value,
        )


def _for_update(session: Session, actor: Actor, request_id: UUID) -> ShareRequest:
    request = session.scalars(
        _visible(actor).where(ShareRequest.id == request_id).with_for_update()
    ).one_or_none()
    if request is None:
        raise ShareRequestNotFoundError(request_id=request_id)
    return request


def _visible(actor: Actor, role: RequestRole = RequestRole.all) -> Select[ShareRequest]:
    if not (
        actor.has(SharingPermission.read_all)
        or actor.has(SharingPermission.request)
        or actor.has(SharingPermission.answer)
    ):
        ensure_permission(actor, SharingPermission.request)
    statement = select(ShareRequest)
    own = actor.organization_id
    if role is RequestRole.made:
        return statement.where(ShareRequest.consumer_organization_id == own)
    if role is RequestRole.received:
        return statement.where(ShareRequest.provider_organization_id == own)
    if actor.has(SharingPermission.read_all):
        return statement
    return statement.where(
        or_(
            ShareRequest.consumer_organization_id == own,
            ShareRequest.provider_organization_id == own,
        )
    )


def submit_request(
    session: Session, *, actor: Actor, data: ShareRequestCreate, settings: SharingSettings
) -> ShareRequest:
    """Request a published catalog entry for the actor's department (the coordinator may
    name another). The entry's share type decides the path: not shared is refused at
    once with the entry's legal basis; the others wait for the compliance check
    (``settings.check_working_days`` working days).

    Raises:
        AuthenticationRequiredError, PermissionDeniedError; NotYourRequestError: for
        another department without coordination rights. EntryNotFoundError;
        EntryNotPublishedError; OwnResourceError; InvalidShareRequestError: unknown
        items; registry errors for an uncitable basis; CalendarYearUnknownError.
    """
    ensure_permission(actor, SharingPermission.request)
    consumer_id = data.consumer_organization_id or actor.organization_id
    if consumer_id is None:
        raise InvalidShareRequestError("请指定申请部门", field="consumer_organization_id")
    if consumer_id != actor.organization_id:
        if not actor.has(SharingPermission.check):
            raise NotYourRequestError("只能为本部门申请共享", organization_id=consumer_id)
        registry_service.get_organization(session, actor=actor, organization_id=consumer_id)
    entry = catalog_service.get_entry(session, actor=actor, entry_id=data.entry_id)
    if entry.status is not EntryStatus.published:
        raise EntryNotPublishedError(entry_id=entry.id)
    if entry.provider_organization_id == consumer_id:
        raise OwnResourceError("本部门提供的资源可直接使用，无需申请", entry_id=entry.id)
    names = [i.name for i in entry.items]
    unknown = [name for name in data.items if name not in names]
    if unknown:
        raise InvalidShareRequestError(
            f"资源「{entry.name}」没有这些信息项：{'、'.join(unknown)}",
            field="items",
            items=unknown,
        )
    if not data.items:
        raise InvalidShareRequestError("至少申请一个信息项", field="items")
    if data.legal_basis_id is not None:
        registry_service.ensure_citable(session, actor=SYSTEM, legal_basis_id=data.legal_basis_id)
    now = utcnow()
    path = _PATHS[entry.share_type]
    request = ShareRequest(
        entry_id=entry.id,
        provider_organization_id=entry.provider_organization_id,
        consumer_organization_id=consumer_id,
        consumer_client_id=data.consumer_client_id,
        requested_by_id=actor.id,
        requested_by_name=actor.name,
        items=[name for name in names if name in data.items],
        granted_items=[],
        purpose=data.purpose,
        scenario=data.scenario,
        legal_basis_id=data.legal_basis_id,
        query_modes=[m.value for m in data.query_modes],
        requested_months=data.requested_months,
        expected_volume=data.expected_volume,
        path=path,
        state=RequestState.compliance_check,
        submitted_at=now,
    )
    if path is RequestPath.not_shared:
        request.state = RequestState.refused
        request.refusal_basis_id = entry.legal_bases[0].id if entry.legal_bases else None
        request.answer_opinion = "该资源在目录中登记为不予共享"
        request.closed_at = now
    else:
        request.check_due_at = _due(session, now, settings.check_working_days)
    add_numbered(session, request, "GX")
    _record(
        session,
        actor,
        "sharing.request.submitted",
        request,
        {
            "entry_id": str(entry.id),
            "items": request.items,
            "path": path.value,
            "check_due_at": request.check_due_at.isoformat() if request.check_due_at else None,
        },
    )
    if path is RequestPath.not_shared:
        _record(
            session,
            actor,
            "sharing.request.refused",
            request,
            {"refusal_basis_id": str(request.refusal_basis_id), "by": "catalog"},
        )
    return request


def _notify_provider(session: Session, actor: Actor, request: ShareRequest, grant: Grant) -> None:
    audit_service.record(
        session,
        actor=actor,
        action="sharing.provider.notified",
        subject_type="registry_organization",
        subject_id=request.provider_organization_id,
        label=request.number,
        changes={"request": request.number, "grant": grant.number, "items": grant.items},
        organization_id=request.provider_organization_id,
    )


def _decide(
    session: Session,
    actor: Actor,
    request: ShareRequest,
    granted_items: Sequence[str] | None,
    refusal_basis_id: UUID | None,
) -> Grant | None:
    """Grant ``granted_items`` (all when None) and refuse the rest with a basis."""
    wanted = list(request.items) if granted_items is None else list(dict.fromkeys(granted_items))
    unknown = [name for name in wanted if name not in request.items]
    if unknown:
        raise InvalidShareRequestError(
            f"这些信息项不在申请范围内：{'、'.join(unknown)}", field="granted_items", items=unknown
        )
    granted = [name for name in request.items if name in wanted]
    now = utcnow()
    if len(granted) < len(request.items):
        basis = _refusal_basis(session, actor, refusal_basis_id)
        request.refusal_basis_id = basis.id
    request.granted_items = granted
    request.closed_at = now
    if not granted:
        request.state = RequestState.refused
        return None
    request.state = (
        RequestState.granted
        if len(granted) == len(request.items)
        else RequestState.partially_granted
    )
    return issue_grant(session, actor=actor, request=request, items=granted)


def _outcome(grant: Grant | None, request: ShareRequest) -> dict[str, Any]:
    return {
        "granted_items": request.granted_items,
        "grant": grant.number if grant else None,
        "refusal_basis_id": str(request.refusal_basis_id) if request.refusal_basis_id else None,
    }


def check_request(
    session: Session,
    *,
    actor: Actor,
    request_id: UUID,
    passed: bool,
    opinion: str = "",
    basis_id: UUID | None = None,
    settings: SharingSettings,
) -> ShareRequest:
    """The coordinator's compliance check. Passed: an unconditional request is granted
    at once (and the provider notified); a conditional one goes to the provider, who
    answers within ``settings.answer_working_days`` working days. Not passed: refused, citing a
    registered legal basis.

    Raises:
        PermissionDeniedError; ShareRequestNotFoundError; RequestStateError;
        RefusalBasisRequiredError; CalendarYearUnknownError.
    """
    ensure_permission(actor, SharingPermission.check)
    request = _for_update(session, actor, request_id)
    _expect(request, {RequestState.compliance_check}, "进行合规审查")
    # Everything that can refuse the step is checked before anything changes.
    refusal_basis = None if passed else _refusal_basis(session, actor, basis_id)
    now = utcnow()
    request.checked_at = now
    request.checked_by_name = actor.name
    request.check_opinion = opinion.strip()
    grant: Grant | None = None
    if refusal_basis is not None:
        request.refusal_basis_id = refusal_basis.id
        request.state = RequestState.refused
        request.closed_at = now
    elif request.path is RequestPath.unconditional:
        grant = _decide(session, actor, request, None, None)
    else:
        request.state = RequestState.provider_review
        request.answer_due_at = _due(session, now, settings.answer_working_days)
    session.flush()
    _record(
        session,
        actor,
        "sharing.request.checked",
        request,
        {
            "passed": passed,
            "opinion": request.check_opinion,
            "answer_due_at": request.answer_due_at.isoformat() if request.answer_due_at else None,
            **_outcome(grant, request),
        },
    )
    if grant is not None:
        _notify_provider(session, actor, request, grant)
    return request


def answer_request(
    session: Session,
    *,
    actor: Actor,
    request_id: UUID,
    granted_items: Sequence[str],
    opinion: str = "",
    refusal_basis_id: UUID | None = None,
) -> ShareRequest:
    """The provider's answer (its administrator, for its own department only): all items
    granted, some (the rest refused with a basis), or none (refused with a basis).

    Raises:
        PermissionDeniedError; NotYourRequestError; ShareRequestNotFoundError;
        RequestStateError; InvalidShareRequestError; RefusalBasisRequiredError.
    """
    ensure_permission(actor, SharingPermission.answer)
    request = _for_update(session, actor, request_id)
    if request.provider_organization_id != actor.organization_id:
        raise NotYourRequestError("只能答复向本部门提出的共享申请", request_id=request.id)
    # A late answer still settles a request escalated during the provider's review.
    if not (request.state is RequestState.escalated and request.checked_at is not None):
        _expect(request, {RequestState.provider_review}, "答复")
    grant = _decide(session, actor, request, granted_items, refusal_basis_id)
    request.answered_at = utcnow()
    request.answered_by_name = actor.name
    request.answer_opinion = opinion.strip()
    session.flush()
    _record(
        session,
        actor,
        "sharing.request.answered",
        request,
        {"opinion": request.answer_opinion, **_outcome(grant, request)},
    )
    return request


def order_supply(
    session: Session,
    *,
    actor: Actor,
    request_id: UUID,
    granted_items: Sequence[str] | None = None,
    opinion: str = "",
    refusal_basis_id: UUID | None = None,
) -> ShareRequest:
    """The coordinator settles an escalated request: orders the provider to supply
    (Art. 27: 非因法定事由不得拒绝) all items (``granted_items`` None) or some, or
    refuses (an empty list), the refused part citing a registered legal basis.

    Raises:
        PermissionDeniedError; ShareRequestNotFoundError; RequestStateError;
        InvalidShareRequestError; RefusalBasisRequiredError.
    """
    ensure_permission(actor, SharingPermission.check)
    request = _for_update(session, actor, request_id)
    _expect(request, {RequestState.escalated}, "协调处理")
    grant = _decide(session, actor, request, granted_items, refusal_basis_id)
    request.answered_at = utcnow()
    request.answered_by_name = actor.name
    request.answer_opinion = opinion.strip()
    session.flush()
    _record(
        session,
        actor,
        "sharing.request.ordered",
        request,
        {"opinion": request.answer_opinion, **_outcome(grant, request)},
    )
    if grant is not None:
        _notify_provider(session, actor, request, grant)
    return request


def withdraw_request(
    session: Session, *, actor: Actor, request_id: UUID, reason: str = ""
) -> ShareRequest:
    """The requesting department withdraws an open request.

    Raises:
        PermissionDeniedError; NotYourRequestError; ShareRequestNotFoundError;
        RequestStateError.
    """
    ensure_permission(actor, SharingPermission.request)
    request = _for_update(session, actor, request_id)
    if request.consumer_organization_id != actor.organization_id and not actor.has(
        SharingPermission.check
    ):
        raise NotYourRequestError("只能撤回本部门的共享申请", request_id=request.id)
    _expect(request, set(OPEN_STATES), "撤回")
    request.state = RequestState.withdrawn
    request.closed_at = utcnow()
    session.flush()
    _record(session, actor, "sharing.request.withdrawn", request, {"reason": reason.strip()})
    return request


def _on_the_clock(
    session: Session, *, check: ColumnElement[bool], answer: ColumnElement[bool]
) -> list[ShareRequest]:
    """Requests waiting for their compliance check that meet ``check`` and those waiting
    for the provider's answer that meet ``answer``, oldest first, locked for update."""
    return list(
        session.scalars(
            select(ShareRequest)
            .where(
                or_(
                    and_(ShareRequest.state == RequestState.compliance_check, check),
                    and_(ShareRequest.state == RequestState.provider_review, answer),
                )
            )
            .order_by(ShareRequest.submitted_at, ShareRequest.number)
            .with_for_update()
        )
    )


def escalate_overdue(
    session: Session, *, now: datetime | None = None, actor: Actor = SYSTEM
) -> list[ShareRequest]:
    """Escalate every request whose check or answer deadline has passed to the
    coordinator (run daily by the clock task, ``smartcity sharing clock`` or
    ``escalate``)."""
    moment = now or utcnow()
    overdue = _on_the_clock(
        session,
        check=ShareRequest.check_due_at < moment,
        answer=ShareRequest.answer_due_at < moment,
    )
    for request in overdue:
        missed = request.state
        due = (
            request.answer_due_at
            if missed is RequestState.provider_review
            else request.check_due_at
        )
        request.state = RequestState.escalated
        request.escalated_at = moment
        _record(
            session,
            actor,
            "sharing.request.escalated",
            request,
            {"missed": missed.value, "due_at": due.isoformat() if due else None},
        )
    session.flush()
    return overdue


def _remind_horizon(session: Session, moment: datetime, settings: SharingSettings) -> datetime:
    """Deadlines up to this instant are due soon: the end of the
    ``settings.remind_working_days_before``-th working day after ``moment``'s day.

    A year without a loaded arrangement counts only weekends here (a reminder a day
    early beats none at the turn of the year); the deadlines themselves stay strict.
    """
    return calendar_service.compute_deadline(
        session,
        start=moment,
        working_days=settings.remind_working_days_before,
        provisional=True,
    ).due_at


def remind_due(
    session: Session,
    *,
    settings: SharingSettings,
    now: datetime | None = None,
    actor: Actor = SYSTEM,
) -> list[ShareRequest]:
    """Remind once per deadline (Art. 27's clock): the coordinator of a compliance check,
    the provider of an answer, due within ``settings.remind_working_days_before``
    working days and not yet passed. Stamps ``check_reminded_at`` /
    ``answer_reminded_at`` so a deadline is never reminded twice, and records the
    notice as an audit event addressed to the reminded department (run daily by the
    clock task and ``smartcity sharing remind``); returns the reminded requests.

    Raises:
        InvalidInputError: ``now`` is naive.
    """
    moment = now or utcnow()
    horizon = _remind_horizon(session, moment, settings)
    due = _on_the_clock(
        session,
        check=and_(
            ShareRequest.check_reminded_at.is_(None),
            ShareRequest.check_due_at > moment,
            ShareRequest.check_due_at <= horizon,
        ),
        answer=and_(
            ShareRequest.answer_reminded_at.is_(None),
            ShareRequest.answer_due_at > moment,
            ShareRequest.answer_due_at <= horizon,
        ),
    )
    coordinator = registry_service.find_coordinator(session) if due else None
    for request in due:
        if request.state is RequestState.compliance_check:
            request.check_reminded_at = moment
            action, deadline = "sharing.request.check_reminded", request.check_due_at
            to = coordinator.id if coordinator is not None else None
        else:
            request.answer_reminded_at = moment
            action, deadline = "sharing.request.answer_reminded", request.answer_due_at
            to = request.provider_organization_id
        audit_service.record(
            session,
            actor=actor,
            action=action,
            subject=request,
            changes={
                "request": request.number,
                "state": request.state.value,
                "due_at": deadline.isoformat() if deadline else None,
            },
            organization_id=to,
        )
    session.flush()
    return due


def get_request(session: Session, *, actor: Actor, request_id: UUID) -> ShareRequest:
    """One request the actor may see (its department's, made or received; all for the
    coordinator and the auditor).

    Raises:
        AuthenticationRequiredError; PermissionDeniedError; ShareRequestNotFoundError.
    """
    request = session.scalars(_visible(actor).where(ShareRequest.id == request_id)).one_or_none()
    if request is None:
        raise ShareRequestNotFoundError(request_id=request_id)
    return request


def list_requests(
    session: Session, *, actor: Actor, filters: ShareRequestFilter, page: PageParams
) -> Page[ShareRequest]:
    """A page of requests: made by the actor's department, addressed to it, or all it
    may see. Open ones oldest first (a queue), others newest first.

    Raises:
        AuthenticationRequiredError; PermissionDeniedError.
    """
    statement = _visible(actor, filters.role)
    if filters.state:
        statement = statement.where(ShareRequest.state == filters.state)
    if filters.open_only:
        statement = statement.where(ShareRequest.state.in_(OPEN_STATES))
    queue = filters.open_only or (filters.state is not None and filters.state in OPEN_STATES)
    order = ShareRequest.submitted_at.asc() if queue else ShareRequest.submitted_at.desc()
    return paginate(session, statement.order_by(order, ShareRequest.id), page)


def _last_day(due_at: datetime) -> date:
    """The last day of a period ending at ``due_at`` (24:00 in Asia/Shanghai)."""
    return (due_at - timedelta(microseconds=1)).astimezone(CHINA).date()


def request_clock(
    session: Session,
    request: ShareRequest,
    *,
    settings: SharingSettings,
    now: datetime | None = None,
) -> RequestClock:
    """What ``request`` waits for, until when, how many working days are left
    (negative once overdue), whether that is due soon (within
    ``settings.remind_working_days_before`` working days, as ``remind_due`` counts)
    and when its reminder went out, for display.

    Raises:
        CalendarYearUnknownError: the span touches a year without an arrangement.
    """
    moment = now or utcnow()
    check = (request.check_due_at, request.check_reminded_at)
    answer = (request.answer_due_at, request.answer_reminded_at)
    if request.state is RequestState.compliance_check:
        waiting, (due, reminded) = "compliance_check", check
    elif request.state is RequestState.provider_review:
        waiting, (due, reminded) = "provider_answer", answer
    elif request.state is RequestState.escalated:
        waiting, (due, reminded) = "coordinator", answer if answer[0] is not None else check
    else:
        waiting, due, reminded = "", None, None
    if due is None:
        return RequestClock(
            waiting_for=waiting,
            due_at=None,
            due_date=None,
            working_days_left=None,
            overdue=False,
            due_soon=False,
            reminded_at=None,
            label=REQUEST_STATE_LABELS[request.state],
        )
    last_day = _last_day(due)
    today = moment.astimezone(CHINA).date()
    days = calendar_service.working_days_between(session, start=today, end=last_day).working_days
    overdue = moment >= due
    due_soon = not overdue and days <= settings.remind_working_days_before
    if overdue:
        late = abs(days)
        label = f"已逾期 {late} 个工作日" if late else "已逾期"
    elif days == 0:
        label = "今日到期"
    else:
        label = f"剩余 {days} 个工作日"
    if request.state is RequestState.escalated:
        label = f"{label}，主管部门协调中"
    return RequestClock(
        waiting_for=waiting,
        due_at=due,
        due_date=last_day,
        working_days_left=days,
        overdue=overdue,
        due_soon=due_soon,
        reminded_at=reminded,
        label=label,
    )


def request_detail(
    session: Session,
    request: ShareRequest,
    *,
    settings: SharingSettings,
    now: datetime | None = None,
) -> ShareRequestDetail:
    """The request as the API and pages show it: its fields and its clock."""
    read = ShareRequestRead.model_validate(request)
    return ShareRequestDetail(
        **read.model_dump(), clock=request_clock(session, request, settings=settings, now=now)
    )


def refusals_by_basis(session: Session) -> list[RefusalCount]:
    """Refused and partially granted requests counted per cited legal basis, most
    cited first, with each basis's share of them (statistics; no personal data)."""
    rows = session.execute(
        select(LegalBasis.id, LegalBasis.title, LegalBasis.article, func.count(ShareRequest.id))
        .join(ShareRequest, ShareRequest.refusal_basis_id == LegalBasis.id)
        .where(ShareRequest.state.in_([RequestState.refused, RequestState.partially_granted]))
        .group_by(LegalBasis.id, LegalBasis.title, LegalBasis.article)
        .order_by(func.count(ShareRequest.id).desc(), LegalBasis.id)
    ).all()
    total = sum(row[3] for row in rows)
    return [
        RefusalCount(
            legal_basis_id=row[0],
            citation=f"{row[1]}{row[2]}",
            refusals=row[3],
            share=round(row[3] / total, 4),
        )
        for row in rows
    ]
