"""The exchange log page (Art. 26), under ``/sharing/exchange-log``: every exchange API
call a reader may see, newest first and paged — a department sees the calls it made and
the calls made on its resources (the provider knows who uses its data and for what
matter), the coordinator and auditors see all and can verify the hash chain.

Filters come from a GET form (htmx swaps the table in place); a malformed date or id
is shown as a Chinese message above an empty table, never a server error.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session

from smartcity.core.errors import AppError
from smartcity.core.http.deps import PageParamsDep, SessionDep
from smartcity.core.http.forms import FieldErrors, field_errors
from smartcity.core.http.htmx import render
from smartcity.core.i18n import t
from smartcity.core.pagination import Page, PageParams
from smartcity.core.security import Actor, ensure_permission
from smartcity.core.time import CHINA
from smartcity.domains.identity.deps import ActorDep
from smartcity.domains.sharing import service as sharing_service
from smartcity.domains.sharing.enums import QUERY_MODE_LABELS
from smartcity.domains.sharing.exchange_errors import REFUSALS, ExtractTooLargeError
from smartcity.domains.sharing.exchange_schemas import (
    ExchangeLogFilter,
    ExchangeLogLine,
    ExchangeLogSide,
)
from smartcity.domains.sharing.permissions import SharingPermission
from smartcity.domains.sharing.schemas import GrantFilter, GrantRead, RequestRole

router = APIRouter(prefix="/sharing/exchange-log", include_in_schema=False)

RESULT_LABELS: dict[str, str] = {
    "ok": "成功",
    **{
        refusal.code: refusal.title
        for refusal in (*REFUSALS, ExtractTooLargeError)
        if issubclass(refusal, AppError)
    },
}
"""Chinese hints of the results the exchange service logs (``ok`` or a problem code)."""
SIDE_LABELS: dict[str, str] = {
    ExchangeLogSide.consumer: "作为使用方",
    ExchangeLogSide.provider: "作为提供方",
}
FIELD_LABELS: dict[str, str] = {
    "side": "范围",
    "grant_id": "共享授权",
    "subject_key": "数据主体",
    "result": "结果",
    "operation": "调用方式",
    "since": "起始日期",
    "until": "截止日期",
}
_FILTER_FIELDS = ("side", "grant_id", "subject_key", "result", "operation")
_GRANT_CHOICES = PageParams(page=1, size=200)
_DATE_ERROR = "应为日期，如 2026-01-31"
_GRANT_READERS = (SharingPermission.request, SharingPermission.answer)


def _day_start(
    raw: str, errors: FieldErrors, field: str, *, after: bool = False
) -> datetime | None:
    """A form date as the start of that day in Beijing (``after``: of the next day, so
    the end date is included)."""
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        errors[field] = t(_DATE_ERROR)
        return None
    return datetime.combine(day + timedelta(days=1 if after else 0), time(), CHINA)


def parse_filters(params: Mapping[str, str]) -> tuple[ExchangeLogFilter, FieldErrors]:
    """The filter form's values; with errors (in Chinese, per field) when any is bad."""
    data: dict[str, Any] = {
        k: params[k].strip() for k in _FILTER_FIELDS if params.get(k, "").strip()
    }
    errors: FieldErrors = {}
    if since := params.get("since", "").strip():
        data["since"] = _day_start(since, errors, "since")
    if until := params.get("until", "").strip():
        data["until"] = _day_start(until, errors, "until", after=True)
    if data.get("since") and data.get("until") and data["until"] <= data["since"]:
        errors["until"] = t("截止日期不能早于起始日期")
    try:
        filters = ExchangeLogFilter.model_validate(data)
    except ValidationError as exc:
        errors = {**field_errors(exc, ExchangeLogFilter), **errors}
        return ExchangeLogFilter(), errors
    return filters, errors


def _grant_choices(session: Session, actor: Actor) -> list[GrantRead]:
    """The grants to filter by: the department's own (as consumer or provider), the
    newest of all for the coordinator and auditors."""
    if not any(actor.has(p) for p in (SharingPermission.read_all, *_GRANT_READERS)):
        return []
    grants = sharing_service.list_grants(
        session, actor=actor, filters=GrantFilter(role=RequestRole.all), page=_GRANT_CHOICES
    )
    return [GrantRead.model_validate(g) for g in grants.items]


@router.get("", response_class=HTMLResponse)
def exchange_log_page(
    request: Request, session: SessionDep, actor: ActorDep, page: PageParamsDep
) -> HTMLResponse:
    """交换日志: the calls the reader may see, with the names behind the ids."""
    sharing_service.ensure_log_reader(actor)
    filters, errors = parse_filters(request.query_params)
    if errors:
        result = Page[ExchangeLogLine](items=[], total=0, page=1, size=page.size)
    else:
        result = sharing_service.list_log_lines(session, actor=actor, filters=filters, page=page)
    return render(
        request,
        "sharing/exchange_log.html",
        partial="sharing/_exchange_log_table.html",
        status_code=422 if errors else 200,
        page=result,
        errors=errors,
        form={k: request.query_params.get(k, "") for k in (*_FILTER_FIELDS, "since", "until")},
        grants=_grant_choices(session, actor),
        field_labels=FIELD_LABELS,
        side_labels=SIDE_LABELS,
        result_labels=RESULT_LABELS,
        mode_labels=QUERY_MODE_LABELS,
        is_reader_of_all=actor.has(SharingPermission.read_all),
    )


@router.post("/verify", response_class=HTMLResponse)
def verify(request: Request, session: SessionDep, actor: ActorDep) -> HTMLResponse:
    """校验日志链: recompute the chain; htmx shows the result beside the button."""
    ensure_permission(actor, SharingPermission.read_all)
    report = sharing_service.verify_exchange_log(session, actor=actor)
    return render(
        request,
        "sharing/exchange_log_verify.html",
        partial="sharing/_exchange_log_verify.html",
        report=report,
    )
