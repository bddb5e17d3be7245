"""HTML pages of the base databases (Art. 23–24): the five base databases and their
tables, one table with its fields (一数一源) and an upload form, a load's progress
that turns into its outcome and error report, and record lookups with each value's
source department and history.

Uploads take the same path as the API (``api.receive_upload`` streams the file to
disk, ``api.begin_load`` starts the load in a thread after the request commits).
The data-quality pages are ``web_quality.py``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from smartcity.core import bulkread
from smartcity.core.errors import AppError, UnsupportedMediaTypeError
from smartcity.core.http.deps import DatabaseDep, SessionDep
from smartcity.core.http.forms import FieldErrors, app_error_fields, field_errors, redirect
from smartcity.core.http.htmx import render
from smartcity.core.i18n import t
from smartcity.core.security import Actor
from smartcity.core.tabular import XLSX_MEDIA_TYPE
from smartcity.domains.base_data import service as base_data_service
from smartcity.domains.base_data import tasks
from smartcity.domains.base_data.api import (
    UploadDep,
    begin_load,
    organization_names,
)
from smartcity.domains.base_data.errors import InvalidKeyError, RecordNotFoundError
from smartcity.domains.base_data.permissions import BaseDataPermission
from smartcity.domains.base_data.schemas import (
    FIELD_RULE_LABELS,
    LOAD_MODE_LABELS,
    LOAD_STATUS_LABELS,
    ON_ERROR_LABELS,
    ErrorSummaryRow,
    FieldType,
    HistoryEntryRead,
    LoadCreate,
    LoadErrorRead,
    LoadMode,
    LoadProgressRead,
    LoadRead,
    LoadStatus,
    OnError,
    RecordRead,
    TableRead,
    TableSummary,
)
from smartcity.domains.catalog.enums import BASE_DATABASE_LABELS, DATA_TYPE_LABELS, DataType
from smartcity.domains.identity.deps import ActorDep
from smartcity.domains.registry import service as registry_service

router = APIRouter(include_in_schema=False)

RECENT_LOADS = 20
SHOWN_ERRORS = 200

_TYPE_LABELS = {f: DATA_TYPE_LABELS[DataType(f.value)] for f in FieldType}
_PHASE_LABELS = {
    "reading": "读取并校验",
    "indexing": "建立索引",
    "finishing": "写入结果",
    "done": "完成",
}
_STATUS_BADGES = {
    LoadStatus.running: "accent",
    LoadStatus.succeeded: "ok",
    LoadStatus.rejected: "bad",
    LoadStatus.failed: "bad",
    LoadStatus.interrupted: "warn",
}
_FILE_ERRORS = (bulkread.UnreadableFileError, UnsupportedMediaTypeError)


def _labels() -> dict[str, Any]:
    return {
        "mode_labels": LOAD_MODE_LABELS,
        "on_error_labels": ON_ERROR_LABELS,
        "status_labels": LOAD_STATUS_LABELS,
        "status_badges": _STATUS_BADGES,
        "rule_labels": FIELD_RULE_LABELS,
        "type_labels": _TYPE_LABELS,
        "phase_labels": _PHASE_LABELS,
    }


# ---------------------------------------------------------------- the five base databases


@router.get("/base-data", response_class=HTMLResponse)
def index(request: Request, session: SessionDep, actor: ActorDep) -> HTMLResponse:
    """The five base databases (Art. 23) and the tables built from their catalog entries."""
    names = organization_names(session, actor)
    tables = [
        TableSummary.of(t, names) for t in base_data_service.list_tables(session, actor=actor)
    ]
    databases = [
        (database.value, label, [t for t in tables if t.base_database == database.value])
        for database, label in BASE_DATABASE_LABELS.items()
    ]
    return render(request, "base_data/index.html", databases=databases, **_labels())


# ---------------------------------------------------------------- one table and its upload form


def _recent_loads(
    session: Session, actor: Actor, table: TableRead, names: dict[Any, str]
) -> list[LoadRead]:
    loads = base_data_service.list_loads(
        session, actor=actor, table_id=table.id, limit=RECENT_LOADS
    )
    return [
        LoadRead.of(
            load,
            table_name=table.table_name,
            organization=names.get(load.organization_id, ""),
            progress=_progress(load.id),
        )
        for load in loads
    ]


def _progress(load_id: int) -> LoadProgressRead | None:
    progress = tasks.progress_of(load_id)
    return LoadProgressRead.of(progress) if progress is not None else None


def _table_page(
    request: Request,
    session: Session,
    actor: Actor,
    table: str,
    *,
    values: dict[str, str] | None = None,
    errors: FieldErrors | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    names = organization_names(session, actor)
    base = TableRead.of(base_data_service.get_table(session, actor=actor, table=table), names)
    can_load_any = actor.has(BaseDataPermission.load_any)
    departments = (
        [(str(o.id), o.name) for o in registry_service.all_organizations(session, actor=actor)]
        if can_load_any
        else []
    )
    form = {
        "mode": LoadMode.upsert.value,
        "on_error": OnError.reject.value,
        "organization_id": str(base.provider_organization_id) if can_load_any else "",
        **(values or {}),
    }
    return render(
        request,
        "base_data/table.html",
        partial="base_data/_upload_form.html",
        status_code=status_code,
        table=base,
        live_fields=[f for f in base.fields if not f.retired],
        retired_fields=[f for f in base.fields if f.retired],
        loads=_recent_loads(session, actor, base, names),
        can_load=actor.has(BaseDataPermission.load) and base.status.value == "active",
        can_load_any=can_load_any,
        can_lookup=actor.has(BaseDataPermission.lookup),
        departments=departments,
        form=form,
        errors=errors or {},
        mode_options=[(m.value, label) for m, label in LOAD_MODE_LABELS.items()],
        on_error_options=[(m.value, label) for m, label in ON_ERROR_LABELS.items()],
        **_labels(),
    )


@router.get("/base-data/tables/{table}", response_class=HTMLResponse)
def table_page(request: Request, table: str, session: SessionDep, actor: ActorDep) -> HTMLResponse:
    """A table's fields with their rules and source departments, its recent loads, and
    the upload form for departments that load into it."""
    return _table_page(request, session, actor, table)


def _upload_errors(exc: AppError) -> FieldErrors:
    if isinstance(exc, _FILE_ERRORS):
        return {"file": exc.detail}
    return app_error_fields(exc)


@router.post("/base-data/tables/{table}/loads", response_class=HTMLResponse)
def upload(
    request: Request,
    table: str,
    upload: UploadDep,
    background: BackgroundTasks,
    session: SessionDep,
    actor: ActorDep,
    database: DatabaseDep,
) -> Response:
    """Upload a file and start its load; the load page then shows its progress. A file
    or choice that cannot be loaded is explained on the form, and nothing changes."""
    values = {k: v for k, v in upload.fields.items() if k in LoadCreate.model_fields}
    try:
        options = LoadCreate.model_validate({k: v for k, v in values.items() if v})
    except ValidationError as exc:
        upload.discard()
        return _table_page(
            request,
            session,
            actor,
            table,
            values=values,
            errors=field_errors(exc, LoadCreate),
            status_code=422,
        )
    try:
        load = begin_load(
            session,
            actor=actor,
            database=database,
            background=background,
            table=table,
            upload=upload,
            options=options,
        )
    except AppError as exc:
        session.rollback()
        return _table_page(
            request,
            session,
            actor,
            table,
            values=values,
            errors=_upload_errors(exc),
            status_code=422,
        )
    return redirect(request, f"/base-data/loads/{load.id}")


# ---------------------------------------------------------------- a load


@router.get("/base-data/loads/{load_id}", response_class=HTMLResponse)
def load_page(request: Request, load_id: int, session: SessionDep, actor: ActorDep) -> HTMLResponse:
    """A load: a progress bar refreshed every second while it runs, then its outcome,
    the error summary and the first errors with the report to download."""
    load = base_data_service.get_load(session, actor=actor, load_id=load_id)
    table = base_data_service.get_table(session, actor=actor, table=load.table_id)
    organization = registry_service.get_organization(
        session, actor=actor, organization_id=load.organization_id
    )
    read = LoadRead.of(
        load,
        table_name=table.table_name,
        organization=organization.name,
        progress=_progress(load.id),
    )
    summary: list[ErrorSummaryRow] = []
    errors: list[LoadErrorRead] = []
    if not read.running and read.error_count:
        summary = ErrorSummaryRow.rows(
            base_data_service.error_summary(session, actor=actor, load_id=load_id)
        )
        errors = [
            LoadErrorRead.model_validate(e)
            for e in base_data_service.load_errors(
                session, actor=actor, load_id=load_id, limit=SHOWN_ERRORS
            )
        ]
    return render(
        request,
        "base_data/load.html",
        partial="base_data/_load_status.html",
        load=read,
        table_label=table.name,
        summary=summary,
        errors=errors,
        shown_errors=SHOWN_ERRORS,
        **_labels(),
    )


@router.get("/base-data/loads/{load_id}/report.xlsx")
def load_report(load_id: int, session: SessionDep, actor: ActorDep) -> Response:
    """The error report workbook (row, column, value, reason; quarantined rows)."""
    content = base_data_service.error_report_xlsx(session, actor=actor, load_id=load_id)
    return Response(
        content,
        media_type=XLSX_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="load-{load_id}-errors.xlsx"'},
    )


# ---------------------------------------------------------------- record lookup


@router.get("/base-data/tables/{table}/records", response_class=HTMLResponse)
def records(
    request: Request, table: str, session: SessionDep, actor: ActorDep, key: str = ""
) -> HTMLResponse:
    """Look a record up by its key: every value with its source department (一数一源)
    and last update, and what the record looked like before each change."""
    reader = base_data_service.RecordReader(session, actor=actor, table=table)
    base = TableRead.of(reader.base, organization_names(session, actor))
    key = key.strip()[:200]
    record: RecordRead | None = None
    history: list[HistoryEntryRead] = []
    message = ""
    if key:
        try:
            history = [HistoryEntryRead.of(e) for e in reader.history(key)]
            record = RecordRead.of(reader.get(key))
        except InvalidKeyError as exc:
            message = exc.detail
        except RecordNotFoundError:
            message = (
                t("该记录已被删除，以下为删除前的历史。")
                if history
                else t("没有主键为“{key}”的记录。", key=key)
            )
    return render(
        request,
        "base_data/records.html",
        table=base,
        enumerations={f.name: f.enumeration for f in base.fields if f.enumeration},
        key=key,
        record=record,
        history=history,
        message=message,
        **_labels(),
    )
