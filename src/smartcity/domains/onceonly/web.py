"""Pages of the once-only service (Art. 28), under ``/onceonly``.

- ``/onceonly/forms`` (政务服务事项): the registry; ``/forms/new`` and ``/forms/{id}/edit``
  the field editor (department administrators their department's, the coordinator all);
  ``/forms/{id}`` a form with each field's mapping and the checker's verdict.
- ``/onceonly/report`` (一次采集核查): the once-only rates per department and city-wide,
  and every violation with the resource (and grant) that would serve it; XLSX export.
- ``/onceonly/cases``: the "asked again" cases — the coordinator handles them, a
  department reads those on its forms. ``/onceonly/my-cases`` (我反映的重复索要) and
  ``/onceonly/my-cases/new`` (我被重复索要材料): any signed-in person's own cases and the
  report form, one column for a phone.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from smartcity.core.http.deps import PageParamsDep, SessionDep
from smartcity.core.http.forms import (
    FieldErrors,
    FormDep,
    app_error_fields,
    checked,
    field_errors,
    redirect,
    text,
)
from smartcity.core.http.htmx import render
from smartcity.core.pagination import PageParams
from smartcity.core.security import Actor, ensure_permission
from smartcity.domains.identity.deps import ActorDep
from smartcity.domains.onceonly import service
from smartcity.domains.onceonly.enums import (
    AVAILABILITY_LABELS,
    CASE_STATE_LABELS,
    FIELD_COLLECTION_LABELS,
    FORM_CHANNEL_LABELS,
    OPEN_CASE_STATES,
)
from smartcity.domains.onceonly.errors import (
    CaseStateError,
    DuplicateFormCodeError,
    InvalidCaseError,
    InvalidDepartmentError,
    InvalidFormFieldError,
)
from smartcity.domains.onceonly.permissions import OnceOnlyPermission
from smartcity.domains.onceonly.schemas import (
    CaseCreate,
    CaseFilter,
    FormFieldWrite,
    ServiceFormCreate,
    ServiceFormFilter,
    ServiceFormUpdate,
)
from smartcity.domains.onceonly.service.checker import RATE_DEFINITION
from smartcity.domains.registry import service as registry_service
from smartcity.domains.registry.schemas import OrganizationFilter

router = APIRouter(prefix="/onceonly", include_in_schema=False)

EXTRA_ROWS = 3
"""Empty field rows the editor offers below the form's fields."""

_LABELS: dict[str, Any] = {
    "channel_labels": FORM_CHANNEL_LABELS,
    "collection_labels": FIELD_COLLECTION_LABELS,
    "availability_labels": AVAILABILITY_LABELS,
    "case_state_labels": CASE_STATE_LABELS,
    "percent": service.percent,
    "share_type_label": service.share_type_label,
    "rate_definition": RATE_DEFINITION,
}


# ---------------------------------------------------------------------------- registry


@router.get("/forms", response_class=HTMLResponse)
def forms(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    page: PageParamsDep,
    q: str = Query(default="", max_length=100),
) -> HTMLResponse:
    """政务服务事项: the forms the actor may see."""
    rows = service.list_forms(session, actor=actor, filters=ServiceFormFilter(q=q), page=page)
    return render(
        request,
        "onceonly/forms.html",
        partial="onceonly/_forms_table.html",
        forms=rows,
        q=q,
        can_create=actor.has(OnceOnlyPermission.manage_forms),
        **_LABELS,
    )


@router.get("/forms/new", response_class=HTMLResponse)
def new_form(request: Request, session: SessionDep, actor: ActorDep) -> HTMLResponse:
    """新建事项: the editor, empty."""
    ensure_permission(actor, OnceOnlyPermission.manage_forms)
    return _editor(request, session, actor, form={"channel": "online"}, rows=[])


def _organization_choices(session: Session, actor: Actor) -> list[tuple[UUID, str]]:
    if not actor.has(OnceOnlyPermission.manage_all_forms):
        return []
    organizations = registry_service.list_organizations(
        session, actor=actor, filters=OrganizationFilter(), page=PageParams(page=1, size=200)
    )
    return [(o.id, o.name) for o in organizations.items]


def _editor(
    request: Request,
    session: Session,
    actor: Actor,
    *,
    form: dict[str, str],
    rows: list[dict[str, Any]],
    form_id: UUID | None = None,
    errors: FieldErrors | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    blank = {
        "id": "",
        "label": "",
        "mapping": "",
        "applicant_only": False,
        "reason": "",
        "collection": "typed",
    }
    return render(
        request,
        "onceonly/form_edit.html",
        status_code=status_code,
        form=form,
        form_id=form_id,
        rows=rows + [dict(blank) for _ in range(EXTRA_ROWS)],
        errors=errors or {},
        organization_choices=_organization_choices(session, actor),
        mapping_choices=service.mapping_choices(session, actor=actor),
        **_LABELS,
    )


def _posted_rows(form: FormData) -> list[dict[str, Any]]:
    """The editor's rows as posted, in the order of their 序号 (blank rows dropped)."""
    rows = []
    index = 0
    while f"f-{index}-label" in form:
        row = {
            "id": text(form, f"f-{index}-id"),
            "label": text(form, f"f-{index}-label"),
            "mapping": text(form, f"f-{index}-mapping"),
            "applicant_only": checked(form, f"f-{index}-applicant_only"),
            "reason": text(form, f"f-{index}-reason"),
            "collection": text(form, f"f-{index}-collection") or "typed",
            "order": text(form, f"f-{index}-order"),
        }
        index += 1
        if row["label"] or row["mapping"] or row["id"]:
            rows.append(row)

    def order(item: tuple[int, dict[str, Any]]) -> tuple[float, int]:
        position, row = item
        try:
            return float(row["order"]), position
        except ValueError:
            return float(position + 1), position

    return [row for _, row in sorted(enumerate(rows), key=order)]


def _field_writes(session: Session, rows: list[dict[str, Any]]) -> list[FormFieldWrite]:
    writes = []
    for index, row in enumerate(rows):
        applicant_only = bool(row["applicant_only"])
        entry_id, item_name = (
            (None, "")
            if applicant_only
            else service.parse_mapping_text(session, row["mapping"], index=index)
        )
        try:
            writes.append(
                FormFieldWrite.model_validate(
                    {
                        "id": row["id"] or None,
                        "label": row["label"],
                        "entry_id": entry_id,
                        "item_name": item_name,
                        "applicant_only": applicant_only,
                        "applicant_only_reason": row["reason"],
                        "collection": row["collection"],
                    }
                )
            )
        except ValidationError as exc:
            raise InvalidFormFieldError(
                f"第 {index + 1} 项：" + "；".join(field_errors(exc, FormFieldWrite).values()),
                field_index=index,
                reason="invalid",
            ) from exc
    return writes


def _rows_of(session: Session, form_id: UUID, actor: Actor) -> list[dict[str, Any]]:
    read = service.read_form(session, actor=actor, form_id=form_id)
    return [
        {
            "id": str(f.id),
            "label": f.label,
            "mapping": service.mapping_text(
                f.mapping.resource_code, f.mapping.entry_name, f.mapping.item_name
            )
            if f.mapping
            else "",
            "applicant_only": f.applicant_only,
            "reason": f.applicant_only_reason,
            "collection": f.collection.value,
        }
        for f in read.fields
    ]


_HEAD = ("code", "name", "organization_id", "channel", "description")


@router.post("/forms", response_class=HTMLResponse)
def create_form(request: Request, session: SessionDep, actor: ActorDep, form: FormDep) -> Response:
    """Register the form; bad input is shown next to the editor (422) and saves nothing."""
    values = {name: text(form, name) for name in _HEAD}
    rows = _posted_rows(form)
    try:
        data = ServiceFormCreate.model_validate(
            {
                **{k: v for k, v in values.items() if v},
                "fields": _field_writes(session, rows),
            }
        )
        created = service.create_form(session, actor=actor, data=data)
    except ValidationError as exc:
        errors = field_errors(exc, ServiceFormCreate)
    except (InvalidFormFieldError, InvalidDepartmentError, DuplicateFormCodeError) as exc:
        errors = app_error_fields(exc)
    else:
        return redirect(request, f"/onceonly/forms/{created.id}")
    return _editor(request, session, actor, form=values, rows=rows, errors=errors, status_code=422)


@router.get("/forms/{form_id}", response_class=HTMLResponse)
def form_detail(
    form_id: UUID, request: Request, session: SessionDep, actor: ActorDep
) -> HTMLResponse:
    """One form: its fields with their mapping and the checker's verdict."""
    read = service.read_form(session, actor=actor, form_id=form_id)
    check = service.check_form(session, actor=actor, form_id=form_id)
    return render(
        request,
        "onceonly/form_detail.html",
        form=read,
        check=check,
        findings={f.field_id: f for f in check.findings},
        can_edit=service.may_manage(actor, read.organization_id),
        **_LABELS,
    )


@router.get("/forms/{form_id}/edit", response_class=HTMLResponse)
def edit_form(
    form_id: UUID, request: Request, session: SessionDep, actor: ActorDep
) -> HTMLResponse:
    """编辑事项: the editor with the form's fields."""
    read = service.read_form(session, actor=actor, form_id=form_id)
    ensure_permission(actor, OnceOnlyPermission.manage_forms)
    values = {
        "code": read.code,
        "name": read.name,
        "organization_id": str(read.organization_id),
        "channel": read.channel.value,
        "description": read.description,
    }
    return _editor(
        request,
        session,
        actor,
        form=values,
        rows=_rows_of(session, form_id, actor),
        form_id=form_id,
    )


@router.post("/forms/{form_id}", response_class=HTMLResponse)
def update_form(
    form_id: UUID, request: Request, session: SessionDep, actor: ActorDep, form: FormDep
) -> Response:
    """Save the edited form; bad input is shown next to the editor (422), nothing saved."""
    values = {name: text(form, name) for name in _HEAD}
    rows = _posted_rows(form)
    try:
        data = ServiceFormUpdate.model_validate(
            {
                "name": values["name"],
                "channel": values["channel"] or None,
                "description": values["description"],
                "fields": _field_writes(session, rows),
            }
        )
        service.update_form(session, actor=actor, form_id=form_id, data=data)
    except ValidationError as exc:
        errors = field_errors(exc, ServiceFormUpdate)
    except InvalidFormFieldError as exc:
        errors = app_error_fields(exc)
    else:
        return redirect(request, f"/onceonly/forms/{form_id}")
    return _editor(
        request, session, actor, form=values, rows=rows, form_id=form_id, errors=errors,
        status_code=422,
    )  # fmt: skip


# ---------------------------------------------------------------------------- report


@router.get("/report", response_class=HTMLResponse)
def report(request: Request, session: SessionDep, actor: ActorDep) -> HTMLResponse:
    """一次采集核查: rates and violations."""
    return render(
        request,
        "onceonly/report.html",
        report=service.once_only_report(session, actor=actor),
        **_LABELS,
    )


# ---------------------------------------------------------------------------- cases


def _case_form(
    request: Request,
    session: Session,
    actor: Actor,
    *,
    form: dict[str, str],
    errors: FieldErrors | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "onceonly/case_form.html",
        status_code=status_code,
        form=form,
        errors=errors or {},
        choices=service.form_choices(session, actor=actor),
    )


_CASE_FIELDS = ("form_id", "field_id", "department_text", "matter_text", "data_text", "description")


@router.get("/my-cases/new", response_class=HTMLResponse)
def new_case(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    form_id: str = Query(default="", max_length=36),
) -> HTMLResponse:
    """我被重复索要材料: the report form."""
    ensure_permission(actor, OnceOnlyPermission.report)
    return _case_form(request, session, actor, form={"form_id": form_id})


@router.post("/my-cases", response_class=HTMLResponse)
def report_case(request: Request, session: SessionDep, actor: ActorDep, form: FormDep) -> Response:
    """File the case; bad input is shown next to the form (422) and files nothing."""
    values = {name: text(form, name) for name in _CASE_FIELDS}
    try:
        data = CaseCreate.model_validate({k: v for k, v in values.items() if v})
        service.report_case(session, actor=actor, data=data)
    except ValidationError as exc:
        errors = field_errors(exc, CaseCreate)
    except InvalidCaseError as exc:
        errors = app_error_fields(exc)
    else:
        return redirect(request, "/onceonly/my-cases")
    return _case_form(request, session, actor, form=values, errors=errors, status_code=422)


@router.get("/my-cases", response_class=HTMLResponse)
def my_cases(
    request: Request, session: SessionDep, actor: ActorDep, page: PageParamsDep
) -> HTMLResponse:
    """我反映的重复索要: my cases with their state and reply."""
    return render(
        request,
        "onceonly/my_cases.html",
        cases=service.my_cases(session, actor=actor, page=page),
        **_LABELS,
    )


def _queue(
    request: Request,
    session: Session,
    actor: Actor,
    *,
    open_only: bool,
    page: PageParams,
    answering: str = "",
    errors: FieldErrors | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "onceonly/cases.html",
        status_code=status_code,
        cases=service.list_cases(
            session, actor=actor, filters=CaseFilter(open_only=open_only), page=page
        ),
        open_only=open_only,
        can_handle=actor.has(OnceOnlyPermission.handle_cases),
        open_states=OPEN_CASE_STATES,
        answering=answering,
        errors=errors or {},
        **_LABELS,
    )


@router.get("/cases", response_class=HTMLResponse)
def cases(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    page: PageParamsDep,
    open_only: bool = False,
) -> HTMLResponse:
    """重复索要反映: the queue (the coordinator handles; a department reads its own)."""
    return _queue(request, session, actor, open_only=open_only, page=page)


@router.post("/cases/{case_id}/{action}", response_class=HTMLResponse)
def handle_case(
    case_id: UUID,
    action: str,
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    form: FormDep,
) -> Response:
    """受理 / 办结 / 不予受理; a missing reply is shown at the case (422), nothing changes."""
    reply = text(form, "text")
    try:
        if action == "handling":
            service.start_handling(session, actor=actor, case_id=case_id)
        elif action == "resolve":
            service.resolve_case(session, actor=actor, case_id=case_id, reply=reply)
        elif action == "dismiss":
            service.dismiss_case(session, actor=actor, case_id=case_id, reason=reply)
        else:
            return Response(status_code=404)
    except (InvalidCaseError, CaseStateError) as exc:
        return _queue(
            request,
            session,
            actor,
            open_only=False,
            page=PageParams(page=1, size=50),
            answering=str(case_id),
            errors=app_error_fields(exc),
            status_code=422,
        )
    return redirect(request, "/onceonly/cases")
