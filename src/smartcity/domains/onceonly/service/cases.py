"""The citizens' "asked again" cases (我被重复索要材料, Art. 28): any signed-in person
reports that a department asked again for data the platform already holds; the
coordinator handles the case (new → handling → resolved with a reply, or dismissed with
a reason). The reporter sees his own cases, the form's department sees the cases on its
forms, the coordinator and auditors see all. Nothing here commits.
"""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session, selectinload

from smartcity.core.errors import PermissionDeniedError
from smartcity.core.pagination import Page, PageParams, paginate
from smartcity.core.security import Actor, ActorKind, ensure_authenticated, ensure_permission
from smartcity.core.time import utcnow
from smartcity.domains.audit import service as audit_service
from smartcity.domains.onceonly.enums import OPEN_CASE_STATES, CaseState
from smartcity.domains.onceonly.errors import CaseNotFoundError, CaseStateError, InvalidCaseError
from smartcity.domains.onceonly.models import AskedAgainCase, ServiceForm
from smartcity.domains.onceonly.permissions import OnceOnlyPermission
from smartcity.domains.onceonly.schemas import CaseCreate, CaseFilter, CaseRead
from smartcity.domains.onceonly.service.checker import finding_for
from smartcity.domains.sharing import service as sharing_service

CASE_PREFIX = "CF"
"""Case numbers: ``CF-2026-000001`` (重复 fù)."""


def _load(statement: Select[AskedAgainCase]) -> Select[AskedAgainCase]:
    return statement.options(
        selectinload(AskedAgainCase.form), selectinload(AskedAgainCase.organization)
    )


def case_read(session: Session, case: AskedAgainCase, *, with_finding: bool = True) -> CaseRead:
    """A loaded case, with the checker's finding on its field when form and field are
    known (``with_finding`` False skips the check, for long lists)."""
    finding = (
        finding_for(session, form_id=case.form_id, field_id=case.field_id)
        if with_finding and case.form_id is not None and case.field_id is not None
        else None
    )
    return CaseRead(
        id=case.id,
        number=case.number,
        state=case.state,
        reporter_name=case.reporter_name,
        form_id=case.form_id,
        form_code=case.form.code if case.form else "",
        form_name=case.form.name if case.form else "",
        field_id=case.field_id,
        field_label=case.field_label,
        organization_id=case.organization_id,
        organization_name=case.organization.name if case.organization else "",
        department_text=case.department_text,
        matter_text=case.matter_text,
        data_text=case.data_text,
        description=case.description,
        submitted_at=case.submitted_at,
        handling_at=case.handling_at,
        handled_by_name=case.handled_by_name,
        closed_at=case.closed_at,
        reply=case.reply,
        finding=finding,
    )


def report_case(session: Session, *, actor: Actor, data: CaseCreate) -> AskedAgainCase:
    """File an "asked again" case for the signed-in person. With a form, the case goes to
    the form's department too; a field must be one of that form's. Without a form, the
    department or the matter must be named. Which data was asked again is required
    (a picked field names it). Numbered ``CF-<year>-<seq>`` and audited.

    Raises:
        AuthenticationRequiredError; PermissionDeniedError (also for API clients and the
        system: a case is a person's); InvalidCaseError.
    """
    ensure_authenticated(actor)
    ensure_permission(actor, OnceOnlyPermission.report)
    if actor.kind is not ActorKind.user or actor.id is None:
        # A case is a person's report; a department's API client has no one to answer.
        raise PermissionDeniedError(
            "只有登录的个人可以反映重复索要", permission=OnceOnlyPermission.report
        )
    form = None
    label = ""
    if data.form_id is not None:
        form = session.scalars(
            select(ServiceForm)
            .where(ServiceForm.id == data.form_id)
            .options(selectinload(ServiceForm.fields), selectinload(ServiceForm.organization))
        ).one_or_none()
        if form is None:
            raise InvalidCaseError("所选事项不存在", field="form_id")
        if data.field_id is not None:
            field = next((f for f in form.fields if f.id == data.field_id), None)
            if field is None:
                raise InvalidCaseError("所选信息不属于该事项", field="field_id")
            label = field.label
    elif data.field_id is not None:
        raise InvalidCaseError("请先选择事项", field="form_id")
    elif not (data.department_text or data.matter_text):
        raise InvalidCaseError("请选择事项，或填写办事部门和事项名称", field="form_id")
    data_text = data.data_text or label
    if not data_text:
        raise InvalidCaseError("请说明被重复索要的信息或材料", field="data_text")
    case = AskedAgainCase(
        reporter_id=actor.id,
        reporter_name=actor.name,
        form=form,
        field_id=data.field_id if form else None,
        field_label=label,
        organization=form.organization if form else None,
        department_text=data.department_text,
        matter_text=data.matter_text,
        data_text=data_text,
        description=data.description,
        state=CaseState.new,
        submitted_at=utcnow(),
    )
    sharing_service.add_numbered(session, case, CASE_PREFIX)
    audit_service.record(
        session,
        actor=actor,
        action="onceonly.case.reported",
        subject=case,
        changes={
            "form": form.code if form else "",
            "field": label,
            "department": data.department_text,
            "matter": data.matter_text,
            "data": data_text,
        },
        organization_id=case.organization_id,
    )
    return case


def my_cases(session: Session, *, actor: Actor, page: PageParams) -> Page[CaseRead]:
    """The signed-in person's own cases, newest first.

    Raises:
        AuthenticationRequiredError.
    """
    ensure_authenticated(actor)
    statement = _load(select(AskedAgainCase).where(AskedAgainCase.reporter_id == actor.id))
    rows = paginate(
        session, statement.order_by(AskedAgainCase.submitted_at.desc(), AskedAgainCase.id), page
    )
    return rows.map(lambda c: case_read(session, c))


def _visible(actor: Actor) -> Select[AskedAgainCase]:
    """Cases the actor may see in the queue: all for the coordinator and auditors, its
    department's forms' cases for department staff (the reporter's own are also his)."""
    statement = select(AskedAgainCase)
    if actor.has(OnceOnlyPermission.read_all):
        return statement
    if actor.has(OnceOnlyPermission.read_forms) and actor.organization_id is not None:
        return statement.where(
            or_(
                AskedAgainCase.organization_id == actor.organization_id,
                AskedAgainCase.reporter_id == actor.id,
            )
        )
    return statement.where(AskedAgainCase.reporter_id == actor.id)


def list_cases(
    session: Session, *, actor: Actor, filters: CaseFilter, page: PageParams
) -> Page[CaseRead]:
    """The case queue: open ones first, oldest first within (the coordinator and
    auditors: every case; a department: the cases on its forms).

    Raises:
        AuthenticationRequiredError; PermissionDeniedError: no ``onceonly.read_forms``.
    """
    ensure_permission(actor, OnceOnlyPermission.read_forms)
    statement = _visible(actor)
    if filters.state is not None:
        statement = statement.where(AskedAgainCase.state == filters.state)
    if filters.open_only:
        statement = statement.where(AskedAgainCase.state.in_(OPEN_CASE_STATES))
    closed_last = AskedAgainCase.state.in_([CaseState.resolved, CaseState.dismissed])
    rows = paginate(
        session,
        _load(statement).order_by(closed_last, AskedAgainCase.submitted_at, AskedAgainCase.id),
        page,
    )
    return rows.map(lambda c: case_read(session, c))


def get_case(
    session: Session, *, actor: Actor, case_id: UUID, for_update: bool = False
) -> AskedAgainCase:
    """One case the actor may see: his own, his department's, or any for the coordinator
    and auditors. Missing and invisible cases raise the same error.

    Raises:
        AuthenticationRequiredError; CaseNotFoundError.
    """
    ensure_authenticated(actor)
    statement = _load(_visible(actor).where(AskedAgainCase.id == case_id))
    if for_update:
        statement = statement.with_for_update()
    case = session.scalars(statement).one_or_none()
    if case is None:
        raise CaseNotFoundError(case_id=case_id)
    return case


def _handled(session: Session, actor: Actor, case_id: UUID) -> AskedAgainCase:
    ensure_permission(actor, OnceOnlyPermission.handle_cases)
    case = get_case(session, actor=actor, case_id=case_id, for_update=True)
    if case.state not in OPEN_CASE_STATES:
        raise CaseStateError(f"反映 {case.number} 已结束", state=case.state.value)
    return case


def start_handling(session: Session, *, actor: Actor, case_id: UUID) -> AskedAgainCase:
    """The coordinator takes a new case up (new → handling). Audited.

    Raises:
        AuthenticationRequiredError; PermissionDeniedError; CaseNotFoundError;
        CaseStateError: the case is not new.
    """
    case = _handled(session, actor, case_id)
    if case.state is not CaseState.new:
        raise CaseStateError(f"反映 {case.number} 已在处理中", state=case.state.value)
    case.state = CaseState.handling
    case.handling_at = utcnow()
    case.handled_by_name = actor.name
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action="onceonly.case.handling",
        subject=case,
        changes={"state": [CaseState.new.value, CaseState.handling.value]},
        organization_id=case.organization_id,
    )
    return case


def _close(
    session: Session, actor: Actor, case_id: UUID, state: CaseState, text: str
) -> AskedAgainCase:
    case = _handled(session, actor, case_id)
    if not text.strip():
        what = "答复" if state is CaseState.resolved else "不予受理的理由"
        raise InvalidCaseError(f"请填写{what}", field="text")
    before = case.state
    case.state = state
    case.reply = text.strip()
    case.closed_at = utcnow()
    case.handled_by_name = actor.name
    if case.handling_at is None:
        case.handling_at = case.closed_at
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action=f"onceonly.case.{state.value}",
        subject=case,
        changes={"state": [before.value, state.value], "reply": case.reply},
        organization_id=case.organization_id,
    )
    return case


def resolve_case(session: Session, *, actor: Actor, case_id: UUID, reply: str) -> AskedAgainCase:
    """The coordinator resolves an open case with a reply to the reporter. Audited.

    Raises:
        AuthenticationRequiredError; PermissionDeniedError; CaseNotFoundError;
        CaseStateError; InvalidCaseError: no reply.
    """
    return _close(session, actor, case_id, CaseState.resolved, reply)


def dismiss_case(session: Session, *, actor: Actor, case_id: UUID, reason: str) -> AskedAgainCase:
    """The coordinator dismisses an open case with the reason. Audited.

    Raises:
        AuthenticationRequiredError; PermissionDeniedError; CaseNotFoundError;
        CaseStateError; InvalidCaseError: no reason.
    """
    return _close(session, actor, case_id, CaseState.dismissed, reason)
