"""JSON API of the once-only service (Art. 28), under ``/api/v1/onceonly``.

- ``/forms``: the form registry (事项) — list, read (with each field's catalog mapping),
  create, update (department administrators their department's, the coordinator all);
- ``/forms/{id}/check``, ``/report``, ``/report.xlsx``: the checker's findings, the
  once-only rates and the violations (the city for the coordinator and auditors, one's
  department for department staff);
- ``/me/cases``, ``/cases``: "asked again" cases — any signed-in person reports and sees
  his own; the coordinator handles them (handling, resolve, dismiss).
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from fastapi.responses import Response

from smartcity.core.errors import AuthenticationRequiredError, PermissionDeniedError
from smartcity.core.http.deps import PageParamsDep, SessionDep
from smartcity.core.http.problems import problem_responses
from smartcity.core.pagination import Page
from smartcity.core.tabular import XLSX_MEDIA_TYPE
from smartcity.domains.identity.deps import ActorDep
from smartcity.domains.onceonly import service
from smartcity.domains.onceonly.errors import (
    CaseNotFoundError,
    CaseStateError,
    DuplicateFormCodeError,
    InvalidCaseError,
    InvalidDepartmentError,
    InvalidFormFieldError,
    ServiceFormNotFoundError,
    UnknownInformationItemError,
    WithdrawnEntryMappingError,
)
from smartcity.domains.onceonly.schemas import (
    CaseAnswer,
    CaseCreate,
    CaseFilter,
    CaseRead,
    FormCheck,
    OnceOnlyReport,
    ServiceFormCreate,
    ServiceFormFilter,
    ServiceFormRead,
    ServiceFormSummary,
    ServiceFormUpdate,
)

router = APIRouter(prefix="/onceonly", tags=["onceonly"])

_AUTH = (AuthenticationRequiredError, PermissionDeniedError)
_FIELDS = (InvalidFormFieldError, UnknownInformationItemError, WithdrawnEntryMappingError)


@router.get("/forms", responses=problem_responses(*_AUTH))
def list_forms(
    session: SessionDep,
    actor: ActorDep,
    page: PageParamsDep,
    filters: Annotated[ServiceFormFilter, Query()],
) -> Page[ServiceFormSummary]:
    """The forms the actor may see (every department's for the coordinator and auditors,
    its own department's for department staff), by department then code."""
    return service.list_forms(session, actor=actor, filters=filters, page=page)


@router.post(
    "/forms",
    status_code=201,
    responses=problem_responses(*_AUTH, InvalidDepartmentError, DuplicateFormCodeError, *_FIELDS),
)
def create_form(data: ServiceFormCreate, session: SessionDep, actor: ActorDep) -> ServiceFormRead:
    """Register a form with its fields in order: each mapped to a catalog information item
    of a published entry (``entry_id`` + ``item_name``) or marked ``applicant_only`` with a
    reason, and how the form gets it today (``typed``, ``prefilled``, ``attachment``)."""
    form = service.create_form(session, actor=actor, data=data)
    return service.form_read(session, form)


@router.get("/forms/{form_id}", responses=problem_responses(*_AUTH, ServiceFormNotFoundError))
def read_form(form_id: UUID, session: SessionDep, actor: ActorDep) -> ServiceFormRead:
    """One form with its fields and their mappings (entry, item, base-data table and
    column with the source department)."""
    return service.read_form(session, actor=actor, form_id=form_id)


@router.patch(
    "/forms/{form_id}",
    responses=problem_responses(*_AUTH, ServiceFormNotFoundError, *_FIELDS),
)
def update_form(
    form_id: UUID, data: ServiceFormUpdate, session: SessionDep, actor: ActorDep
) -> ServiceFormRead:
    """Change a form; ``fields``, when given, is the whole new list (fields sent with their
    ``id`` keep it)."""
    form = service.update_form(session, actor=actor, form_id=form_id, data=data)
    return service.form_read(session, form)


@router.get("/forms/{form_id}/check", responses=problem_responses(*_AUTH, ServiceFormNotFoundError))
def check_form(form_id: UUID, session: SessionDep, actor: ActorDep) -> FormCheck:
    """The checker's verdict on each field of one form, and the form's once-only rate."""
    return service.check_form(session, actor=actor, form_id=form_id)


@router.get("/report", responses=problem_responses(*_AUTH))
def report(session: SessionDep, actor: ActorDep) -> OnceOnlyReport:
    """The once-only report: rate = (platform-available fields not asked again) ÷
    (platform-available fields), city-wide and per department, and every violation with
    the resource (and the active grant, if any) that would serve it."""
    return service.once_only_report(session, actor=actor)


@router.get(
    "/report.xlsx",
    responses={200: {"content": {XLSX_MEDIA_TYPE: {}}}, **problem_responses(*_AUTH)},
)
def report_xlsx(session: SessionDep, actor: ActorDep) -> Response:
    """The report as a workbook (说明, 部门一次采集率, 重复索要清单)."""
    return Response(
        service.report_xlsx(session, actor=actor),
        media_type=XLSX_MEDIA_TYPE,
        headers={"Content-Disposition": 'attachment; filename="once-only-report.xlsx"'},
    )


# ---------------------------------------------------------------- asked-again cases


@router.get("/me/cases", responses=problem_responses(AuthenticationRequiredError))
def my_cases(session: SessionDep, actor: ActorDep, page: PageParamsDep) -> Page[CaseRead]:
    """我反映的重复索要材料: my cases, newest first, with their state and reply."""
    return service.my_cases(session, actor=actor, page=page)


@router.post("/me/cases", status_code=201, responses=problem_responses(*_AUTH, InvalidCaseError))
def report_case(data: CaseCreate, session: SessionDep, actor: ActorDep) -> CaseRead:
    """Report "I was asked again for data you already have": the form (and field) when
    known, else the department and matter in free text; which data; what happened."""
    case = service.report_case(session, actor=actor, data=data)
    return service.case_read(session, case)


@router.get("/cases", responses=problem_responses(*_AUTH))
def list_cases(
    session: SessionDep,
    actor: ActorDep,
    page: PageParamsDep,
    filters: Annotated[CaseFilter, Query()],
) -> Page[CaseRead]:
    """The case queue (the coordinator and auditors: all; a department: the cases on its
    forms), open ones first, oldest first."""
    return service.list_cases(session, actor=actor, filters=filters, page=page)


@router.get("/cases/{case_id}", responses=problem_responses(*_AUTH, CaseNotFoundError))
def get_case(case_id: UUID, session: SessionDep, actor: ActorDep) -> CaseRead:
    """One case, with the checker's finding on its field when form and field are known."""
    return service.case_read(session, service.get_case(session, actor=actor, case_id=case_id))


_HANDLE = problem_responses(*_AUTH, CaseNotFoundError, CaseStateError)


@router.post("/cases/{case_id}/handling", responses=_HANDLE)
def start_handling(case_id: UUID, session: SessionDep, actor: ActorDep) -> CaseRead:
    """The coordinator takes a new case up."""
    case = service.start_handling(session, actor=actor, case_id=case_id)
    return service.case_read(session, case)


@router.post(
    "/cases/{case_id}/resolve",
    responses=problem_responses(*_AUTH, CaseNotFoundError, CaseStateError, InvalidCaseError),
)
def resolve_case(case_id: UUID, data: CaseAnswer, session: SessionDep, actor: ActorDep) -> CaseRead:
    """The coordinator resolves an open case with a reply to the reporter."""
    case = service.resolve_case(session, actor=actor, case_id=case_id, reply=data.text)
    return service.case_read(session, case)


@router.post(
    "/cases/{case_id}/dismiss",
    responses=problem_responses(*_AUTH, CaseNotFoundError, CaseStateError, InvalidCaseError),
)
def dismiss_case(case_id: UUID, data: CaseAnswer, session: SessionDep, actor: ActorDep) -> CaseRead:
    """The coordinator dismisses an open case with the reason."""
    case = service.dismiss_case(session, actor=actor, case_id=case_id, reason=data.text)
    return service.case_read(session, case)
