"""JSON API of the base databases (Art. 23–24): tables and fields, bulk loads run in the
background with their progress and error reports, record lookups with per-value
provenance (一数一源) and history.

A load file may be several GB. Its upload streams to the upload directory in
chunks (``receive_upload``), the load is registered in the request's transaction,
and after that transaction has committed (a background task, run after the
response) a thread of its own runs ``tasks.execute_load`` with its own sessions
and deletes the file when the load ends. The caller polls ``GET /loads/{id}``.
The pages (``web.py``) use the same upload path.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
from contextlib import aclosing
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import IO, Annotated, Any
from uuid import UUID

from fastapi import APIRouter, BackgroundTasks, Depends, Query, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import ValidationError
from python_multipart import MultipartParser
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import parse_options_header
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from smartcity.core import bulkread
from smartcity.core.db.engine import Database
from smartcity.core.errors import (
    AuthenticationRequiredError,
    BadRequestError,
    InvalidInputError,
    PayloadTooLargeError,
    PermissionDeniedError,
    UnsupportedMediaTypeError,
)
from smartcity.core.geo import Datum
from smartcity.core.http.deps import DatabaseDep, PageParamsDep, SessionDep, SettingsDep
from smartcity.core.http.middleware import allow_large_body
from smartcity.core.http.problems import problem_responses
from smartcity.core.pagination import Page
from smartcity.core.security import Actor, ensure_permission
from smartcity.core.tabular import XLSX_MEDIA_TYPE
from smartcity.domains.base_data import service as base_data_service
from smartcity.domains.base_data import tasks
from smartcity.domains.base_data.errors import (
    FieldNotFoundError,
    InvalidKeyError,
    LoadInProgressError,
    LoadNotFoundError,
    NoKeyError,
    RecordNotFoundError,
    TableNotFoundError,
    TableRetiredError,
)
from smartcity.domains.base_data.permissions import BaseDataPermission
from smartcity.domains.base_data.schemas import (
    MAX_STORED_ERRORS,
    FieldRead,
    FieldUpdate,
    HistoryEntryRead,
    LoadCreate,
    LoadErrorRead,
    LoadMode,
    LoadProgressRead,
    LoadRead,
    OnError,
    RecordRead,
    TableRead,
    TableSummary,
)
from smartcity.domains.identity.deps import ActorDep
from smartcity.domains.registry import service as registry_service
from smartcity.domains.registry.errors import OrganizationNotFoundError

log = logging.getLogger(__name__)

router = APIRouter(prefix="/base-data", tags=["base-data"])

_AUTH = (AuthenticationRequiredError, PermissionDeniedError)
_FILE_FIELD = "file"
_MAX_FIELDS = 16
_MAX_FIELD_BYTES = 64 * 1024
_WRITE_BYTES = 1 << 20  # buffered file data is written once it reaches this size
_COPY_BYTES = 1 << 20


# ---------------------------------------------------------------- receiving an upload


@dataclass
class ReceivedUpload:
    """A ``multipart/form-data`` body whose file part went straight to disk.

    ``path`` is None when no file was chosen. Whoever holds it deletes the file:
    the load's thread when the load ends, ``discard`` when it cannot start.
    """

    fields: dict[str, str] = field(default_factory=dict)
    path: Path | None = None
    filename: str = ""
    size: int = 0

    def discard(self) -> None:
        if self.path is not None:
            self.path.unlink(missing_ok=True)
            self.path = None


def _safe_filename(raw: str) -> str:
    """The base name a browser or client sent (some send a full Windows path)."""
    return PurePath(raw.replace("\\", "/")).name[:255]


def _new_file(directory: Path, filename: str) -> tuple[Path, IO[bytes]]:
    directory.mkdir(parents=True, exist_ok=True)
    suffix = PurePath(filename).suffix.lower()
    descriptor, name = tempfile.mkstemp(
        prefix="load-",
        suffix=suffix if suffix.isascii() and len(suffix) <= 10 else "",
        dir=directory,
    )
    return Path(name), os.fdopen(descriptor, "wb")


class _MultipartToDisk:
    """Callbacks of python-multipart's streaming parser: small text fields are kept,
    the one file part is buffered up to ``_WRITE_BYTES`` and then written out."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.upload = ReceivedUpload()
        self.handle: IO[bytes] | None = None
        self.pending: list[bytes] = []
        self.pending_bytes = 0
        self._header_name = b""
        self._header_value = b""
        self._disposition = b""
        self._name = ""
        self._data = bytearray()
        self._in_file = False

    def callbacks(self) -> Any:
        return {
            "on_part_begin": self.on_part_begin,
            "on_part_data": self.on_part_data,
            "on_part_end": self.on_part_end,
            "on_header_field": self.on_header_field,
            "on_header_value": self.on_header_value,
            "on_header_end": self.on_header_end,
            "on_headers_finished": self.on_headers_finished,
        }

    def on_part_begin(self) -> None:
        self._disposition = b""
        self._name = ""
        self._data = bytearray()
        self._in_file = False

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def on_header_end(self) -> None:
        if self._header_name.lower() == b"content-disposition":
            self._disposition = self._header_value
        self._header_name = b""
        self._header_value = b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self._disposition)
        self._name = options.get(b"name", b"").decode("utf-8", "replace")
        if b"filename" not in options:
            if len(self.upload.fields) >= _MAX_FIELDS:
                raise BadRequestError("表单字段过多")
            return
        if self._name != _FILE_FIELD or self.handle is not None or self.upload.path is not None:
            raise BadRequestError(f"只能上传一个文件，表单字段名为 {_FILE_FIELD}")
        self.upload.filename = _safe_filename(options[b"filename"].decode("utf-8", "replace"))
        self.upload.path, self.handle = _new_file(self.directory, self.upload.filename)
        self._in_file = True

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._in_file:
            self.pending.append(data[start:end])
            self.pending_bytes += end - start
            self.upload.size += end - start
            return
        self._data += data[start:end]
        if len(self._data) > _MAX_FIELD_BYTES:
            raise BadRequestError(f"表单字段 {self._name} 过长")

    def on_part_end(self) -> None:
        if not self._in_file:
            self.upload.fields[self._name] = self._data.decode("utf-8", "replace")

    def take_pending(self) -> bytes:
        data = b"".join(self.pending)
        self.pending.clear()
        self.pending_bytes = 0
        return data


async def _stream_to_disk(request: Request, directory: Path, stream: Any) -> ReceivedUpload:
    _, params = parse_options_header(request.headers.get("content-type", ""))
    boundary = params.get(b"boundary")
    if not boundary:
        raise BadRequestError("multipart/form-data 请求缺少 boundary")
    sink = _MultipartToDisk(directory)
    parser = MultipartParser(boundary, sink.callbacks())
    try:
        async for chunk in stream:
            parser.write(chunk)
            if sink.handle is not None and sink.pending_bytes >= _WRITE_BYTES:
                await run_in_threadpool(sink.handle.write, sink.take_pending())
        parser.finalize()
        if sink.handle is not None:
            await run_in_threadpool(sink.handle.write, sink.take_pending())
            await run_in_threadpool(sink.handle.close)
    except BaseException as exc:
        if sink.handle is not None:
            sink.handle.close()
        sink.upload.discard()
        if isinstance(exc, FormParserError):
            raise BadRequestError("上传内容不是有效的 multipart/form-data") from None
        raise
    return sink.upload


def _copy_to(source: IO[bytes], directory: Path, filename: str) -> tuple[Path, int]:
    path, handle = _new_file(directory, filename)
    try:
        with handle:
            source.seek(0)
            shutil.copyfileobj(source, handle, _COPY_BYTES)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path, path.stat().st_size


async def _from_parsed_form(request: Request, directory: Path) -> ReceivedUpload:
    """The body was parsed already (a page posted its CSRF token as a form field, so
    authentication read the form): Starlette spooled the file; copy it in chunks."""
    form = await request.form()
    upload = ReceivedUpload(
        fields={k: v for k, v in form.multi_items() if isinstance(v, str) and k != _FILE_FIELD}
    )
    file = form.get(_FILE_FIELD)
    if isinstance(file, UploadFile) and file.filename:
        upload.filename = _safe_filename(file.filename)
        upload.path, upload.size = await run_in_threadpool(
            _copy_to, file.file, directory, upload.filename
        )
    return upload


async def receive_upload(request: Request, directory: Path) -> ReceivedUpload:
    """Receive a ``multipart/form-data`` body: the part ``file`` is written to a new file
    in ``directory`` chunk by chunk as it arrives (never held whole in memory), the
    other parts are kept as short text fields. A chosen-but-empty file input (no file
    selected) gives ``path`` None.

    Raises:
        UnsupportedMediaTypeError: the body is not ``multipart/form-data``.
        BadRequestError: malformed multipart, more than one file, oversized fields.
    """
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise UnsupportedMediaTypeError(
            "请以 multipart/form-data 上传文件（文件字段 file）",
            content_type=request.headers.get("content-type", ""),
        )
    async with aclosing(request.stream()) as stream:
        try:
            first = await anext(stream)
        except RuntimeError as exc:
            if "consumed" not in str(exc):  # Starlette: authentication parsed the form
                raise
            return await _from_parsed_form(request, directory)

        async def chunks() -> Any:
            yield first
            async for chunk in stream:
                yield chunk

        upload = await _stream_to_disk(request, directory, chunks())
    if upload.path is not None and not upload.filename and upload.size == 0:
        upload.discard()
    return upload


def _prepare_upload(session: Session, actor: Actor, table: str) -> None:
    base_data_service.get_table(session, actor=actor, table=table)
    # An upload of several GB takes minutes: do not hold the request's transaction
    # (on SQLite, the database's write lock) while it streams in.
    session.commit()


async def load_upload(
    request: Request, table: str, session: SessionDep, actor: ActorDep, settings: SettingsDep
) -> ReceivedUpload:
    """The load file of an upload, received only from someone who may load and only
    for an existing table, so a refused caller never gets to send gigabytes; then up
    to ``base_data.max_upload_bytes`` instead of the HTTP upload limit.

    A page that posts its CSRF token as a form field (no JavaScript) had its form
    read by authentication already, under the ordinary upload limit; with htmx or
    a bearer token the file streams here.
    """
    ensure_permission(actor, BaseDataPermission.load)
    await run_in_threadpool(_prepare_upload, session, actor, table)
    allow_large_body(request.scope, settings.base_data.max_upload_bytes)
    return await receive_upload(request, settings.base_data.upload_dir)


UploadDep = Annotated[ReceivedUpload, Depends(load_upload)]


# ---------------------------------------------------------------- running a load


def _run_load(database: Database, actor: Actor, load_id: int, path: Path) -> None:
    try:
        tasks.execute_load(database, actor=actor, load_id=load_id, path=path)
    except Exception:  # the load records its own failures; this is the recorder failing
        log.exception("base_data.load_thread_failed", extra={"load_id": load_id})
    finally:
        path.unlink(missing_ok=True)


def _start_thread(database: Database, actor: Actor, load_id: int, path: Path) -> None:
    # A daemon thread: if the process stops, the load's transaction never commits and
    # the next start marks the load interrupted (``service.mark_interrupted``).
    threading.Thread(
        target=_run_load,
        args=(database, actor, load_id, path),
        name=f"base-data-load-{load_id}",
        daemon=True,
    ).start()


def _check_readable(upload: ReceivedUpload) -> Path:
    """The file is there and reads as a table (format, encoding, header), so a wrong
    file is refused now rather than by a load that fails a moment later."""
    if upload.path is None:
        raise InvalidInputError("请选择要装载的文件（CSV、XLSX 或 Parquet）", field=_FILE_FIELD)
    with bulkread.open_bulk(upload.path, filename=upload.filename or upload.path.name):
        pass
    return upload.path


def load_options(fields: dict[str, str]) -> LoadCreate:
    """The upload's form fields; an empty value means "not given".

    Raises:
        RequestValidationError: a 422 problem naming the field.
    """
    try:
        return LoadCreate.model_validate(
            {k: v for k, v in fields.items() if k != "csrf_token" and v}
        )
    except ValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
        ) from exc


def begin_load(
    session: Session,
    *,
    actor: Actor,
    database: Database,
    background: BackgroundTasks,
    table: str,
    upload: ReceivedUpload,
    options: LoadCreate | None = None,
) -> LoadRead:
    """Check the uploaded file, register the load (status running) and run it after the
    response, so after the request's transaction has committed, in a thread of its
    own. The file is deleted when the load ends, or now if the load cannot start.
    ``options`` default to the upload's form fields.

    Raises:
        RequestValidationError (bad form fields); InvalidInputError (no file);
        UnreadableFileError; UnsupportedMediaTypeError; and the errors of
        ``service.start_load``.
    """
    try:
        options = options or load_options(upload.fields)
        path = _check_readable(upload)
        base = base_data_service.get_table(session, actor=actor, table=table)
        load = base_data_service.start_load(
            session,
            actor=actor,
            table_id=base.id,
            mode=options.mode,
            on_error=options.on_error,
            filename=upload.filename or path.name,
            file_bytes=upload.size,
            organization_id=options.organization_id,
        )
        read = load_read(session, actor, load)
    except BaseException:
        upload.discard()
        raise
    background.add_task(_start_thread, database, actor, load.id, path)
    return read


def load_read(session: Session, actor: Actor, load: Any) -> LoadRead:
    """A load for the API and the pages, with its live progress while it runs here."""
    base = base_data_service.get_table(session, actor=actor, table=load.table_id)
    organization = registry_service.get_organization(
        session, actor=actor, organization_id=load.organization_id
    )
    progress = tasks.progress_of(load.id)
    return LoadRead.of(
        load,
        table_name=base.table_name,
        organization=organization.name,
        progress=LoadProgressRead.of(progress) if progress is not None else None,
    )


def organization_names(session: Session, actor: Actor) -> dict[UUID, str]:
    return {
        o.id: o.name
        for o in registry_service.all_organizations(session, actor=actor, include_inactive=True)
    }


# ---------------------------------------------------------------- tables and fields


@router.get("/tables", responses=problem_responses(*_AUTH))
def list_tables(session: SessionDep, actor: ActorDep) -> list[TableSummary]:
    """Every base table built from a published (or since withdrawn) catalog entry, by
    base database: rows, key fields, last load."""
    tables = base_data_service.list_tables(session, actor=actor)
    names = organization_names(session, actor)
    return [TableSummary.of(t, names) for t in tables]


@router.get("/tables/{table}", responses=problem_responses(*_AUTH, TableNotFoundError))
def get_table(table: str, session: SessionDep, actor: ActorDep) -> TableRead:
    """One table (by its table name, e.g. ``bd_population``) with every field: column,
    type, rule, required, key and its source department (一数一源)."""
    base = base_data_service.get_table(session, actor=actor, table=table)
    return TableRead.of(base, organization_names(session, actor))


@router.patch(
    "/tables/{table}/fields/{column}",
    responses=problem_responses(
        *_AUTH, TableNotFoundError, FieldNotFoundError, OrganizationNotFoundError
    ),
)
def update_field(
    table: str, column: str, data: FieldUpdate, session: SessionDep, actor: ActorDep
) -> FieldRead:
    """Assign a field's source department (一数一源) or change its rule, required flag or
    code table (``base_data.manage``). Only the members sent change."""
    base = base_data_service.get_table(session, actor=actor, table=table)
    updated = base_data_service.set_field(
        session, actor=actor, table_id=base.id, column=column, **data.model_dump(exclude_unset=True)
    )
    return FieldRead.of(updated, organization_names(session, actor))


# ---------------------------------------------------------------- loads

_UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": [_FILE_FIELD],
                    "properties": {
                        _FILE_FIELD: {
                            "type": "string",
                            "format": "binary",
                            "description": "CSV（UTF-8 或 GB18030）、XLSX 或 Parquet；"
                            "表头为信息项名称。可达数 GB，边上传边写入磁盘。",
                        },
                        "mode": {
                            "type": "string",
                            "enum": [m.value for m in LoadMode],
                            "default": LoadMode.upsert.value,
                            "description": LoadCreate.model_fields["mode"].description,
                        },
                        "on_error": {
                            "type": "string",
                            "enum": [m.value for m in OnError],
                            "default": OnError.reject.value,
                            "description": LoadCreate.model_fields["on_error"].description,
                        },
                        "organization_id": {
                            "type": "string",
                            "format": "uuid",
                            "description": LoadCreate.model_fields["organization_id"].description,
                        },
                    },
                }
            }
        },
    }
}


@router.post(
    "/tables/{table}/loads",
    status_code=status.HTTP_202_ACCEPTED,
    openapi_extra=_UPLOAD_BODY,
    responses=problem_responses(
        *_AUTH,
        BadRequestError,
        bulkread.UnreadableFileError,
        TableNotFoundError,
        TableRetiredError,
        NoKeyError,
        LoadInProgressError,
        InvalidInputError,
        PayloadTooLargeError,
        UnsupportedMediaTypeError,
    ),
)
def start_load(
    table: str,
    upload: UploadDep,
    response: Response,
    background: BackgroundTasks,
    session: SessionDep,
    actor: ActorDep,
    database: DatabaseDep,
) -> LoadRead:
    """Upload a file and load it in the background (``202 Accepted``; ``Location`` is the
    load, to poll). The file is checked for format, encoding and header first; every
    row is then validated, and the load is atomic: ``reject`` loads nothing when any
    value is invalid, ``quarantine`` loads the valid rows and sets the others aside.
    The submitting department is the caller's, or ``organization_id`` for the
    coordinator (``base_data.load_any``)."""
    load = begin_load(
        session,
        actor=actor,
        database=database,
        background=background,
        table=table,
        upload=upload,
    )
    response.headers["Location"] = f"/api/v1{router.prefix}/loads/{load.id}"
    return load


@router.get("/loads/{load_id}", responses=problem_responses(*_AUTH, LoadNotFoundError))
def get_load(load_id: int, session: SessionDep, actor: ActorDep) -> LoadRead:
    """A load: status, counts and message once finished; live progress while it runs."""
    return load_read(
        session, actor, base_data_service.get_load(session, actor=actor, load_id=load_id)
    )


@router.get("/loads/{load_id}/errors", responses=problem_responses(*_AUTH, LoadNotFoundError))
def list_load_errors(
    load_id: int, session: SessionDep, actor: ActorDep, page: PageParamsDep
) -> Page[LoadErrorRead]:
    """The load's errors by row: row, column, value and reason (in Chinese). At most
    100,000 are kept per load; ``error_count`` of the load is exact."""
    load = base_data_service.get_load(session, actor=actor, load_id=load_id)
    errors = base_data_service.load_errors(
        session, actor=actor, load_id=load_id, limit=page.size, offset=page.offset
    )
    return Page[LoadErrorRead](
        items=[LoadErrorRead.model_validate(e) for e in errors],
        total=min(load.error_count, MAX_STORED_ERRORS),
        page=page.page,
        size=page.size,
    )


@router.get(
    "/loads/{load_id}/report.xlsx",
    responses={
        200: {"content": {XLSX_MEDIA_TYPE: {}}},
        **problem_responses(*_AUTH, LoadNotFoundError),
    },
)
def load_report(load_id: int, session: SessionDep, actor: ActorDep) -> Response:
    """The error report workbook: 概况, 错误明细 (row, column, value, reason), 错误汇总
    and, for a quarantine load, 隔离行."""
    content = base_data_service.error_report_xlsx(session, actor=actor, load_id=load_id)
    return Response(
        content,
        media_type=XLSX_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="load-{load_id}-errors.xlsx"'},
    )


# ---------------------------------------------------------------- records

_RECORD_PROBLEMS = problem_responses(
    *_AUTH, TableNotFoundError, RecordNotFoundError, InvalidKeyError
)


@router.get("/tables/{table}/records/{key}", responses=_RECORD_PROBLEMS)
def get_record(
    table: str,
    key: str,
    session: SessionDep,
    actor: ActorDep,
    datum: Annotated[
        Datum | None,
        Query(description="坐标系：默认按存储（WGS84）返回；GCJ02 供国内网络地图使用"),
    ] = None,
) -> RecordRead:
    """A record by its key (a composite key's parts joined with ``|``): every value with
    its source department, the load that last wrote it and when (一数一源)."""
    reader = base_data_service.RecordReader(session, actor=actor, table=table)
    return RecordRead.of(reader.get(key, datum=datum))


def record_history(session: Session, actor: Actor, table: str, key: str) -> list[HistoryEntryRead]:
    """Newest first; a record never loaded is a 404, one never changed an empty list."""
    reader = base_data_service.RecordReader(session, actor=actor, table=table)
    entries = reader.history(key)
    if not entries:
        reader.get(key)
    return [HistoryEntryRead.of(e) for e in entries]


@router.get("/tables/{table}/records/{key}/history", responses=_RECORD_PROBLEMS)
def get_record_history(
    table: str, key: str, session: SessionDep, actor: ActorDep
) -> list[HistoryEntryRead]:
    """What the record looked like before each load that changed or deleted it, who
    changed it (operator and department) and when, newest first."""
    return record_history(session, actor, table, key)
