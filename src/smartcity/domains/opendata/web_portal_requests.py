"""Pages of requests to open a dataset (数据开放申请, Art. 31): the public form (no login,
no captcha: sizes are checked and the number per source and hour is limited) and the
coordinator's list where each request is answered or declined (audited by the service).
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from smartcity.core.errors import PayloadTooLargeError
from smartcity.core.http.deps import PageParamsDep, SessionDep, SettingsDep
from smartcity.core.http.forms import FieldErrors, FormDep, field_errors, redirect, text
from smartcity.core.http.htmx import render
from smartcity.domains.identity.deps import ActorDep
from smartcity.domains.opendata.enums_requests import DATA_REQUEST_STATE_LABELS, DataRequestState
from smartcity.domains.opendata.errors import DataRequestAnsweredError, DataRequestRateLimitedError
from smartcity.domains.opendata.schemas_requests import (
    MAX_DESCRIPTION,
    DataRequestAnswer,
    DataRequestCreate,
    DataRequestFilter,
)
from smartcity.domains.opendata.service import data_requests

router = APIRouter(include_in_schema=False)

#: The largest form body read: the fields' limits with room for encoding (a larger body is
#: refused before it is parsed).
MAX_FORM_BYTES = 32 * 1024
_FIELDS = ("title", "description", "purpose", "provider_hint", "requester_name", "contact")


def _limit_body(request: Request) -> None:
    """Refuse an oversized form before it is read (the form is open to anyone)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_FORM_BYTES:
        raise PayloadTooLargeError(f"提交的内容过大（上限 {MAX_FORM_BYTES // 1024} KB）")


SmallBody = Annotated[None, Depends(_limit_body)]


def _form_page(
    request: Request, values: dict[str, str], errors: FieldErrors, status_code: int = 200
) -> HTMLResponse:
    return render(
        request,
        "opendata/portal_request_form.html",
        status_code=status_code,
        values=values,
        errors=errors,
        max_description=MAX_DESCRIPTION,
    )


@router.get("/opendata/requests/new", response_class=HTMLResponse)
def request_form(
    request: Request, actor: ActorDep, title: Annotated[str, Query(max_length=100)] = ""
) -> HTMLResponse:
    """The form: what data, why, optional name and contact (``title`` may be prefilled,
    e.g. from an empty search)."""
    del actor
    return _form_page(request, {"title": title}, {})


@router.post("/opendata/requests", response_class=HTMLResponse)
def submit_request(
    request: Request,
    _size: SmallBody,
    session: SessionDep,
    actor: ActorDep,
    settings: SettingsDep,
    form: FormDep,
) -> HTMLResponse:
    """File a request; bad input re-renders the form with Chinese messages and stores
    nothing; too many from one source in an hour is refused the same way."""
    values = {name: text(form, name) for name in _FIELDS}
    try:
        data = DataRequestCreate.model_validate(values)
    except ValidationError as error:
        return _form_page(request, values, field_errors(error, DataRequestCreate), 422)
    address = request.client.host if request.client else ""
    source = data_requests.source_digest(settings.secret_key.get_secret_value(), address)
    try:
        receipt = data_requests.submit_data_request(session, actor=actor, data=data, source=source)
    except DataRequestRateLimitedError as error:
        return _form_page(request, values, {"": error.detail}, 429)
    return render(request, "opendata/portal_request_filed.html", receipt=receipt)


def _list_page(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    page: PageParamsDep,
    state: DataRequestState | None,
    errors: dict[str, FieldErrors] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    requests = data_requests.list_data_requests(
        session, actor=actor, filters=DataRequestFilter(state=state), page=page
    )
    return render(
        request,
        "opendata/portal_requests.html",
        status_code=status_code,
        page=requests,
        state=state.value if state else "",
        state_labels=DATA_REQUEST_STATE_LABELS,
        errors=errors or {},
        waiting=data_requests.count_new_data_requests(session, actor=actor),
    )


@router.get("/opendata/requests", response_class=HTMLResponse)
def request_list(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    page: PageParamsDep,
    state: Annotated[DataRequestState | None, Query()] = None,
) -> HTMLResponse:
    """The coordinator's list of requests, newest first, with their state and answer."""
    return _list_page(request, session, actor, page, state)


@router.post("/opendata/requests/{request_id}/answer", response_class=HTMLResponse)
def answer_request(
    request: Request,
    request_id: UUID,
    _size: SmallBody,
    session: SessionDep,
    actor: ActorDep,
    page: PageParamsDep,
    form: FormDep,
) -> Response:
    """The coordinator answers (with a reply) or declines (with a reason) a request."""
    values = {"decision": text(form, "decision"), "reply": text(form, "reply")}
    try:
        answer = DataRequestAnswer.model_validate(values)
    except ValidationError as error:
        messages = field_errors(error, DataRequestAnswer)
        if "decision" in messages:
            messages["decision"] = "请选择答复或不予开放"
        # Who may see the list is the service's rule: the list call below checks it.
        return _list_page(request, session, actor, page, None, {str(request_id): messages}, 422)
    try:
        data_requests.answer_data_request(
            session, actor=actor, request_id=request_id, answer=answer
        )
    except DataRequestAnsweredError as error:
        return _list_page(
            request, session, actor, page, None, {str(request_id): {"": error.detail}}, 409
        )
    return redirect(request, f"/opendata/requests#request-{request_id}")
