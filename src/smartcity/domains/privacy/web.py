"""Pages of the data subject's rights (Art. 68), under ``/privacy``.

- ``/privacy/my-data`` (我的数据): what the base databases hold about the signed-in
  citizen or enterprise, with each value's source department and last update, and who
  looked at it through the exchange API. A single column that reads on a phone. The key
  comes from the account's binding, never from the page; an account without one gets a
  Chinese explanation (403).
- ``/privacy/my-requests`` (我的更正、删除申请): the citizen's requests with their clock
  and withdrawal; ``/privacy/my-requests/new`` the form reached from each value of "my
  data" (phone width), with up to a few evidence files (PDF, JPEG, PNG; a bad file is
  explained at the form and files nothing); ``/privacy/requests/{id}/evidence/{id}``
  downloads one (the filer, the source department, the coordinator; audited).
  ``/privacy/requests``: the source department's queue with the answer form (the
  coordinator and auditors: every department's, overdue ones); an answer the base
  data refuses is shown at the request's form (422) and changes nothing.
- ``/privacy/deferrals`` (延迟告知): the coordinator's lawful deferrals with the form to
  record one; auditors may read them.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from smartcity.core.config import PrivacySettings
from smartcity.core.http.deps import PageParamsDep, SessionDep, SettingsDep
from smartcity.core.http.forms import (
    FieldErrors,
    FormDep,
    app_error_fields,
    field_errors,
    redirect,
    text,
)
from smartcity.core.http.htmx import render
from smartcity.core.pagination import PageParams
from smartcity.core.security import Actor, ensure_permission
from smartcity.domains.identity.deps import ActorDep
from smartcity.domains.privacy import service, service_evidence, service_requests
from smartcity.domains.privacy.deps import BodyLimitDep, RequestFormDep, evidence_response
from smartcity.domains.privacy.enums import (
    ANSWER_STATES,
    DATA_REQUEST_KIND_LABELS,
    DATA_REQUEST_STATE_LABELS,
    SUBJECT_KIND_LABELS,
    DataRequestKind,
)
from smartcity.domains.privacy.errors import (
    CorrectionNotAppliedError,
    DataRequestRefusalBasisError,
    DataRequestStateError,
    EvidenceTooLargeError,
    InvalidDataRequestError,
    InvalidDeferralError,
    InvalidEvidenceError,
    NoSubjectBindingError,
)
from smartcity.domains.privacy.permissions import PrivacyPermission
from smartcity.domains.privacy.schemas import (
    DataRequestAnswer,
    DataRequestCreate,
    DataRequestFilter,
    DeferralCreate,
)
from smartcity.domains.registry import service as registry_service
from smartcity.domains.registry.schemas import LegalBasisFilter, OrganizationFilter
from smartcity.domains.sharing import service as sharing_service
from smartcity.domains.sharing.schemas import GrantFilter, RequestRole

router = APIRouter(prefix="/privacy", include_in_schema=False)

_CHOICES = PageParams(page=1, size=200)
_FORM_FIELDS = (
    "organization_id",
    "grant_id",
    "case_reference",
    "subject_key",
    "legal_basis_id",
    "starts_on",
    "ends_on",
    "reason",
)


@router.get("/my-data", response_class=HTMLResponse)
def my_data(
    request: Request, session: SessionDep, actor: ActorDep, page: PageParamsDep
) -> HTMLResponse:
    """我的数据: my records and who looked at them (anonymous: to the login page)."""
    try:
        records = service.my_records(session, actor=actor)
        calls = service.my_calls(session, actor=actor, page=page)
    except NoSubjectBindingError as error:
        return render(request, "privacy/no_binding.html", status_code=403, message=error.detail)
    return render(
        request,
        "privacy/my_data.html",
        partial="privacy/_my_calls.html",
        held=records,
        calls=calls,
        kind_label=SUBJECT_KIND_LABELS[records.kind],
    )


def _choices(session: Session, actor: Actor) -> dict[str, Any]:
    organizations = registry_service.list_organizations(
        session, actor=actor, filters=OrganizationFilter(), page=_CHOICES
    )
    bases = registry_service.list_legal_bases(
        session, actor=actor, filters=LegalBasisFilter(), page=_CHOICES
    )
    grants = sharing_service.list_grants(
        session, actor=actor, filters=GrantFilter(role=RequestRole.all), page=_CHOICES
    )
    return {
        "organization_choices": [(o.id, o.name) for o in organizations.items],
        "basis_choices": [(b.id, b.citation) for b in bases.items],
        "grant_choices": [(g.id, f"{g.number}（{g.scenario}）") for g in grants.items],
    }


def _deferrals_page(
    request: Request,
    session: Session,
    actor: Actor,
    *,
    form: dict[str, str] | None = None,
    errors: FieldErrors | None = None,
    end_errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    can_defer = actor.has(PrivacyPermission.defer)
    return render(
        request,
        "privacy/deferrals.html",
        status_code=status_code,
        deferrals=service.list_deferrals(session, actor=actor),
        can_defer=can_defer,
        form=form or {},
        errors=errors or {},
        end_errors=end_errors or {},
        max_days=service.MAX_DEFERRAL_DAYS,
        **(_choices(session, actor) if can_defer else {}),
    )


@router.get("/deferrals", response_class=HTMLResponse)
def deferrals(request: Request, session: SessionDep, actor: ActorDep) -> HTMLResponse:
    """延迟告知: the deferrals, in force first, and the form (coordinator)."""
    ensure_permission(actor, PrivacyPermission.read_deferrals)
    return _deferrals_page(request, session, actor)


@router.post("/deferrals", response_class=HTMLResponse)
def create_deferral(
    request: Request, session: SessionDep, actor: ActorDep, form: FormDep
) -> Response:
    """Record a deferral; bad input is shown next to the form (422) and records nothing."""
    ensure_permission(actor, PrivacyPermission.defer)
    values = {name: text(form, name) for name in _FORM_FIELDS}
    try:
        data = DeferralCreate.model_validate({k: v for k, v in values.items() if v})
        service.create_deferral(session, actor=actor, data=data)
    except ValidationError as exc:
        return _deferrals_page(
            request,
            session,
            actor,
            form=values,
            errors=field_errors(exc, DeferralCreate),
            status_code=422,
        )
    except InvalidDeferralError as exc:
        return _deferrals_page(
            request, session, actor, form=values, errors=app_error_fields(exc), status_code=422
        )
    return redirect(request, "/privacy/deferrals")


@router.post("/deferrals/{deferral_id}/end", response_class=HTMLResponse)
def end_deferral(
    deferral_id: UUID, request: Request, session: SessionDep, actor: ActorDep, form: FormDep
) -> Response:
    """End a deferral early; without a reason the page says so (422) and nothing changes."""
    try:
        service.end_deferral(
            session, actor=actor, deferral_id=deferral_id, reason=text(form, "end_reason")
        )
    except InvalidDeferralError as exc:
        return _deferrals_page(
            request,
            session,
            actor,
            end_errors={str(deferral_id): exc.detail or exc.title},
            status_code=422,
        )
    return redirect(request, "/privacy/deferrals")


# ---------------------------------------------------------------- correction and deletion


def _request_form(
    request: Request,
    session: Session,
    actor: Actor,
    *,
    settings: PrivacySettings,
    form: dict[str, str],
    errors: FieldErrors | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The form for one value (or record) of the subject's own data, as "my data" shows it."""
    held = service.my_records(session, actor=actor)
    record = next((r for r in held.records if r.table_name == form["table_name"]), None)
    value = next(
        (v for v in (record.values if record else []) if v.field == form["field_name"]), None
    )
    kind = (
        DataRequestKind(form["kind"])
        if form["kind"] in {k.value for k in DataRequestKind}
        else None
    )
    return render(
        request,
        "privacy/request_form.html",
        status_code=status_code,
        form=form,
        errors=errors or {},
        kind_label=DATA_REQUEST_KIND_LABELS[kind or DataRequestKind.correction],
        table_title=record.table_title if record else "",
        current_value="" if value is None or value.value is None else str(value.value),
        source_name=value.source_name if value else "",
        working_days=settings.answer_working_days,
        evidence_max_files=settings.evidence_max_files,
        evidence_max_size=service_evidence.size_label(settings.evidence_max_bytes),
        evidence_accept=service_evidence.ACCEPT,
    )


@router.get("/my-requests/new", response_class=HTMLResponse)
def new_request(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    settings: SettingsDep,
    kind: str = Query(default="correction", max_length=16),
    table: str = Query(default="", max_length=63),
    field: str = Query(default="", max_length=100),
) -> HTMLResponse:
    """申请更正 / 申请删除: the form for one value of my data."""
    try:
        return _request_form(
            request,
            session,
            actor,
            settings=settings.privacy,
            form={"kind": kind, "table_name": table, "field_name": field},
        )
    except NoSubjectBindingError as error:
        return render(request, "privacy/no_binding.html", status_code=403, message=error.detail)


@router.post("/my-requests", response_class=HTMLResponse)
def file_request(
    _limit: BodyLimitDep,
    request: Request,
    form: RequestFormDep,
    session: SessionDep,
    actor: ActorDep,
    settings: SettingsDep,
) -> Response:
    """File it, with its evidence files (multipart); bad input or a bad file is shown
    next to the form (422) and files nothing. ``_limit`` comes first: it refuses an
    oversized body before authentication reads the form for its CSRF token."""
    values = {
        name: form.text(name)
        for name in ("kind", "table_name", "field_name", "claimed_value", "reason")
    }
    try:
        data = DataRequestCreate.model_validate(values)
        service_requests.file_request(
            session, actor=actor, data=data, settings=settings.privacy, evidence=form.files
        )
    except ValidationError as exc:
        errors = field_errors(exc, DataRequestCreate)
    except (
        InvalidDataRequestError,
        DataRequestStateError,
        InvalidEvidenceError,
        EvidenceTooLargeError,
    ) as exc:
        errors = app_error_fields(exc)
    else:
        return redirect(request, "/privacy/my-requests")
    if form.files and "evidence" not in errors:
        errors["evidence"] = "申请未提交，所选文件未保存，请重新选择文件"
    return _request_form(
        request,
        session,
        actor,
        settings=settings.privacy,
        form=values,
        errors=errors,
        status_code=422,
    )


@router.get("/requests/{request_id}/evidence/{evidence_id}")
def download_evidence(
    request_id: UUID, evidence_id: UUID, session: SessionDep, actor: ActorDep
) -> Response:
    """One evidence file (the filer, the source department, the coordinator, auditors);
    audited. Anyone else gets the Chinese not-found page."""
    return evidence_response(
        service_evidence.get_evidence(
            session, actor=actor, request_id=request_id, evidence_id=evidence_id
        )
    )


@router.get("/my-requests", response_class=HTMLResponse)
def my_requests(
    request: Request, session: SessionDep, actor: ActorDep, page: PageParamsDep
) -> HTMLResponse:
    """我的更正、删除申请, with their clock."""
    try:
        rows = service_requests.my_requests(session, actor=actor, page=page)
    except NoSubjectBindingError as error:
        return render(request, "privacy/no_binding.html", status_code=403, message=error.detail)
    return render(request, "privacy/my_requests.html", requests=rows)


@router.post("/my-requests/{request_id}/withdraw", response_class=HTMLResponse)
def withdraw_request(
    request: Request, request_id: UUID, session: SessionDep, actor: ActorDep
) -> Response:
    service_requests.withdraw_request(session, actor=actor, request_id=request_id)
    return redirect(request, "/privacy/my-requests")


def _queue_page(
    request: Request,
    session: Session,
    actor: Actor,
    *,
    filters: DataRequestFilter,
    page: PageParams,
    answering: str = "",
    form: dict[str, str] | None = None,
    errors: FieldErrors | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    queue = service_requests.request_queue(session, actor=actor, filters=filters, page=page)
    can_answer = actor.has(PrivacyPermission.answer)
    bases = (
        registry_service.list_legal_bases(
            session, actor=actor, filters=LegalBasisFilter(), page=_CHOICES
        ).items
        if can_answer
        else []
    )
    return render(
        request,
        "privacy/requests.html",
        status_code=status_code,
        queue=queue,
        can_answer=can_answer,
        organization_id=actor.organization_id,
        outcome_choices=[(s.value, DATA_REQUEST_STATE_LABELS[s]) for s in ANSWER_STATES],
        basis_choices=[(b.id, b.citation) for b in bases],
        answering=answering,
        form=form or {},
        errors=errors or {},
    )


@router.get("/requests", response_class=HTMLResponse)
def request_queue(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    page: PageParamsDep,
    open_only: bool = False,
    overdue_only: bool = False,
) -> HTMLResponse:
    """更正、删除申请: the department's queue with the answer form; the coordinator's
    view of every department's (overdue ones with ``overdue_only``)."""
    filters = DataRequestFilter(open_only=open_only, overdue_only=overdue_only)
    return _queue_page(request, session, actor, filters=filters, page=page)


@router.post("/requests/{request_id}/answer", response_class=HTMLResponse)
def answer_request(
    request: Request, request_id: UUID, session: SessionDep, actor: ActorDep, form: FormDep
) -> Response:
    """Answer; bad input, a value the field's rules reject or a load base_data refuses
    (a load running, no permission to load) is shown at the request's form and at the
    top of the queue (422, 409 for a request no longer open) and changes nothing."""
    values = {name: text(form, name) for name in ("outcome", "answer", "refusal_basis_id")}
    status_code = 422
    try:
        data = DataRequestAnswer.model_validate({k: v for k, v in values.items() if v})
        service_requests.answer_request(session, actor=actor, request_id=request_id, data=data)
    except ValidationError as exc:
        errors = field_errors(exc, DataRequestAnswer)
    except (
        InvalidDataRequestError,
        DataRequestRefusalBasisError,
        CorrectionNotAppliedError,
        DataRequestStateError,
    ) as exc:
        errors = app_error_fields(exc)
        if isinstance(exc, DataRequestStateError):
            status_code = 409
    else:
        return redirect(request, "/privacy/requests")
    return _queue_page(
        request,
        session,
        actor,
        filters=DataRequestFilter(),
        page=PageParams(page=1, size=50),
        answering=str(request_id),
        form=values,
        errors=errors,
        status_code=status_code,
    )
