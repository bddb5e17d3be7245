"""JSON API of the open data portal under ``/api/v1/opendata`` (Art. 29–31).

Reading is public (no login): dataset search with facets, a dataset by id or name,
providers, a resource, its data (the datastore query) and its downloads (CSV with
a BOM, XLSX, JSON; streamed). Publishing is for department admins (their own
entries) and the coordinator: prepare a release from an uploaded table, read its
preview and check, publish it (only if the check passed) or discard it. The
CKAN-compatible ``/api/3/action`` API is a separate router built on the same service.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile, status
from fastapi.responses import StreamingResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile as StarletteUploadFile

from smartcity.core.errors import (
    AuthenticationRequiredError,
    BadRequestError,
    InvalidInputError,
    PermissionDeniedError,
)
from smartcity.core.http.deps import SessionDep, get_database
from smartcity.core.http.problems import problem_responses
from smartcity.core.tabular import read_table
from smartcity.domains.identity.deps import ActorDep
from smartcity.domains.opendata import service
from smartcity.domains.opendata.deps import OpenDataActorDep
from smartcity.domains.opendata.enums import DownloadFormat, OpenAccess, ReleaseKind
from smartcity.domains.opendata.errors import (
    DatasetNotFoundError,
    EntryNotOpenableError,
    InvalidDatasetError,
    InvalidQueryError,
    InvalidReleaseError,
    NoRowsError,
    OrganizationNotFoundError,
    ReleaseCheckFailedError,
    ReleaseNotFoundError,
    ReleaseNotPublishableError,
    ResourceNotFoundError,
    TermsNotAcceptedError,
)
from smartcity.domains.opendata.schemas import (
    MAX_DATASTORE_LIMIT,
    MAX_SEARCH_ROWS,
    DatasetRead,
    DatasetSearch,
    DatasetSearchResult,
    DatasetWithdrawal,
    DatastoreQuery,
    DatastoreResult,
    OrganizationRead,
    ReleasePrepare,
    ReleasePublish,
    ReleaseRead,
    ResourceRead,
    TermsAcceptanceCreate,
    UsageDay,
)
from smartcity.domains.opendata.service import downloads

router = APIRouter(prefix="/opendata", tags=["opendata"])

_AUTH = (AuthenticationRequiredError, PermissionDeniedError)
_DATA = (ResourceNotFoundError, AuthenticationRequiredError, TermsNotAcceptedError, NoRowsError)
MAX_UPLOAD_BYTES = 50 * 1024 * 1024


@router.get("/datasets", responses=problem_responses(InvalidQueryError))
def search_datasets(
    session: SessionDep,
    actor: ActorDep,
    q: Annotated[str, Query(max_length=200, description="检索词（中文两字词可检索）")] = "",
    provider: Annotated[list[str], Query(description="提供单位（id、代码或标识）")] = [],  # noqa: B006
    theme: Annotated[list[str], Query(description="主题分类代码")] = [],  # noqa: B006
    format: Annotated[list[str], Query(description="资源格式")] = [],  # noqa: B006
    update_cycle: Annotated[list[str], Query(description="更新周期")] = [],  # noqa: B006
    license_id: Annotated[list[str], Query(description="许可协议")] = [],  # noqa: B006
    tags: Annotated[list[str], Query(description="标签（须全部具有）")] = [],  # noqa: B006
    access: Annotated[list[OpenAccess], Query(description="开放方式")] = [],  # noqa: B006
    rows: Annotated[int, Query(ge=0, le=MAX_SEARCH_ROWS)] = 10,
    start: Annotated[int, Query(ge=0)] = 0,
    sort: Annotated[str, Query(max_length=200, description="如 metadata_modified desc")] = "",
) -> DatasetSearchResult:
    """Search published datasets (public): all terms of ``q`` required, facets over all
    hits (provider, theme, tags, format, licence, update cycle, access)."""
    query = DatasetSearch(
        q=q,
        provider=provider,
        theme=theme,
        format=format,
        update_cycle=update_cycle,
        license_id=license_id,
        tags=tags,
        access=access,
        rows=rows,
        start=start,
        sort=sort,
    )
    return service.search_datasets(session, actor=actor, query=query)


@router.get("/datasets/{id_or_name}", responses=problem_responses(DatasetNotFoundError))
def get_dataset(id_or_name: str, session: SessionDep, actor: ActorDep) -> DatasetRead:
    """One dataset by id or name, with its resources and field lists (public)."""
    return service.get_dataset(session, actor=actor, id_or_name=id_or_name)


@router.get("/datasets/{id_or_name}/usage", responses=problem_responses(DatasetNotFoundError))
def dataset_usage(
    id_or_name: str,
    session: SessionDep,
    actor: ActorDep,
    days: Annotated[int, Query(ge=1, le=366)] = 30,
) -> list[UsageDay]:
    """Downloads, API calls and page views per day (public statistics)."""
    return service.usage_by_day(session, actor=actor, id_or_name=id_or_name, days=days)


@router.post(
    "/datasets/{id_or_name}/accept-terms",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(*_AUTH, DatasetNotFoundError),
)
def accept_terms(
    id_or_name: str, body: TermsAcceptanceCreate, session: SessionDep, actor: ActorDep
) -> None:
    """Accept a conditionally open dataset's terms (registered users; idempotent)."""
    service.accept_terms(session, actor=actor, id_or_name=id_or_name, purpose=body.purpose)


@router.get("/organizations")
def list_organizations(session: SessionDep) -> list[OrganizationRead]:
    """Providers of published datasets with their counts (public)."""
    return service.list_organizations(session)


@router.get("/organizations/{id_or_name}", responses=problem_responses(OrganizationNotFoundError))
def get_organization(id_or_name: str, session: SessionDep) -> OrganizationRead:
    return service.get_organization(session, id_or_name)


@router.get("/resources/{resource_id}", responses=problem_responses(ResourceNotFoundError))
def get_resource(resource_id: str, session: SessionDep, actor: ActorDep) -> ResourceRead:
    return service.get_resource(session, actor=actor, resource_id=resource_id)


@router.get("/resources/{resource_id}/data", responses=problem_responses(*_DATA, InvalidQueryError))
def query_resource(
    resource_id: str,
    session: SessionDep,
    actor: OpenDataActorDep,  # rate-limited per API key / client address (Art. 31)
    filters: Annotated[str, Query(description='JSON 对象，如 {"区县": "任城区"}')] = "",
    q: Annotated[str, Query(max_length=200, description="全文检索")] = "",
    fields: Annotated[str, Query(description="返回的字段，逗号分隔")] = "",
    sort: Annotated[str, Query(max_length=500, description="如 字段 desc")] = "",
    limit: Annotated[int, Query(ge=0, le=MAX_DATASTORE_LIMIT)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
    include_total: bool = True,
) -> DatastoreResult:
    """A page of a resource's records (the data API; counted as an API use)."""
    try:
        parsed_filters = json.loads(filters) if filters else {}
    except json.JSONDecodeError as error:
        raise InvalidQueryError("filters 不是有效的 JSON", field="filters") from error
    if not isinstance(parsed_filters, dict):
        raise InvalidQueryError("filters 应为 JSON 对象", field="filters")
    query = DatastoreQuery(
        filters=parsed_filters,
        q=q,
        fields=[f.strip() for f in fields.split(",") if f.strip()] or None,
        sort=sort,
        limit=limit,
        offset=offset,
        include_total=include_total,
    )
    return service.datastore_search(session, actor=actor, resource_id=resource_id, query=query)


def get_download_session(request: Request) -> Iterator[Session]:
    """A read-only session for writing the file: one snapshot of the table, open until
    the response has been sent (request scope), apart from the request's own
    transaction, which has already committed the download count."""
    with get_database(request).read_scope() as session:
        yield session


DownloadSessionDep = Annotated[Session, Depends(get_download_session)]


def download_response(
    source: service.RowSource, reader: Session, format: DownloadFormat
) -> StreamingResponse:
    """A streamed file of a resource's rows."""
    batches = service.iter_rows(reader.connection(), source)
    return StreamingResponse(
        downloads.chunks(format, source.fields, batches),
        media_type=downloads.MEDIA_TYPES[format],
        headers={
            "Content-Disposition": f'attachment; filename="{source.file_stem}.{format.value}"',
            "X-Row-Count": str(source.row_count),
        },
    )


@router.get(
    "/resources/{resource_id}/download",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "数据文件（附件）；CSV 为带 BOM 的 UTF-8",
            "content": {media: {} for media in downloads.MEDIA_TYPES.values()},
        },
        **problem_responses(*_DATA),
    },
)
def download(
    resource_id: str,
    session: SessionDep,
    reader: DownloadSessionDep,
    actor: OpenDataActorDep,  # rate-limited per API key / client address (Art. 31)
    format: Annotated[DownloadFormat, Query(description="csv、xlsx 或 json")] = DownloadFormat.csv,
) -> StreamingResponse:
    """All rows of a resource as CSV (UTF-8 with BOM, for Excel), XLSX or JSON, streamed
    with flat memory; counted as one download."""
    # The count is committed with the request's transaction before the file is sent.
    source = service.open_download(session, actor=actor, resource_id=resource_id)
    return download_response(source, reader, format)


# --- releases (publishers) ---------------------------------------------------------------


def read_upload(file: StarletteUploadFile) -> tuple[list[str], list[list[str]], str]:
    """Header and rows of an uploaded CSV or XLSX table.

    Raises:
        BadRequestError / UnsupportedMediaTypeError: unreadable; InvalidReleaseError:
        larger than 50 MB.
    """
    data = file.file.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise InvalidReleaseError("文件超过 50 MB", field="file")
    table = read_table(data, file.filename or "")
    return table.header, table.rows, file.filename or ""


def release_form(
    entry_id: UUID,
    kind: ReleaseKind,
    k: int,
    min_cell: int,
    group_by: str,
    treatments: str,
) -> ReleasePrepare:
    """A release request from form fields (``group_by`` comma-separated, ``treatments``
    a JSON object of item name → treatment)."""
    try:
        parsed = json.loads(treatments) if treatments.strip() else {}
    except json.JSONDecodeError as error:
        raise InvalidReleaseError("treatments 不是有效的 JSON", field="treatments") from error
    try:
        return ReleasePrepare(
            entry_id=entry_id,
            kind=kind,
            k=k,
            min_cell=min_cell,
            group_by=[g.strip() for g in group_by.replace("，", ",").split(",") if g.strip()],
            treatments=parsed,
        )
    except ValidationError as error:
        first: dict[str, Any] = dict(error.errors()[0])
        raise InvalidInputError(
            f"发布参数不正确：{first.get('msg', '')}",
            field=".".join(str(p) for p in first.get("loc", ())),
        ) from error


@router.post(
    "/releases",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(
        *_AUTH, EntryNotOpenableError, InvalidReleaseError, InvalidInputError, BadRequestError
    ),
)
def prepare_release(
    session: SessionDep,
    actor: ActorDep,
    entry_id: Annotated[UUID, Form(description="目录条目")],
    file: Annotated[UploadFile, File(description="数据表（CSV 或 XLSX，表头为信息项名称）")],
    kind: Annotated[ReleaseKind, Form(description="record 明细 / statistical 统计")] = (
        ReleaseKind.record
    ),
    k: Annotated[int, Form(description="k-匿名的 k")] = 5,
    min_cell: Annotated[int, Form(description="统计单元格最小记录数")] = 10,
    group_by: Annotated[str, Form(description="统计分组字段，逗号分隔")] = "",
    treatments: Annotated[str, Form(description='JSON，如 {"出生日期": "year"}')] = "",
) -> ReleaseRead:
    """De-identify an uploaded table of a catalog entry, check it (k-anonymity or the
    cell threshold) and return the plan, the check result and a preview. Audited
    whether it passed or failed; nothing is published yet."""
    data = release_form(entry_id, kind, k, min_cell, group_by, treatments)
    header, rows, name = read_upload(file)
    return service.prepare_release(
        session, actor=actor, data=data, header=header, rows=rows, source_name=name
    )


@router.get("/releases/{release_id}", responses=problem_responses(*_AUTH, ReleaseNotFoundError))
def get_release(release_id: UUID, session: SessionDep, actor: ActorDep) -> ReleaseRead:
    return service.get_release(session, actor=actor, release_id=release_id)


@router.get("/entries/{entry_id}/releases", responses=problem_responses(*_AUTH))
def list_releases(entry_id: UUID, session: SessionDep, actor: ActorDep) -> list[ReleaseRead]:
    return service.list_releases(session, actor=actor, entry_id=entry_id)


@router.post(
    "/releases/{release_id}/publish",
    responses=problem_responses(
        *_AUTH,
        ReleaseNotFoundError,
        ReleaseCheckFailedError,
        ReleaseNotPublishableError,
        InvalidDatasetError,
    ),
)
def publish_release(
    release_id: UUID, body: ReleasePublish, session: SessionDep, actor: ActorDep
) -> DatasetRead:
    """Publish a release whose check passed as the entry's open dataset; a failed check
    answers 409 ``opendata.release-check-failed`` and nothing is published."""
    return service.publish_release(session, actor=actor, release_id=release_id, data=body)


@router.post(
    "/releases/{release_id}/discard",
    responses=problem_responses(*_AUTH, ReleaseNotFoundError, ReleaseNotPublishableError),
)
def discard_release(release_id: UUID, session: SessionDep, actor: ActorDep) -> ReleaseRead:
    return service.discard_release(session, actor=actor, release_id=release_id)


@router.post(
    "/datasets/{dataset_id}/withdraw",
    responses=problem_responses(*_AUTH, DatasetNotFoundError, InvalidDatasetError),
)
def withdraw_dataset(
    dataset_id: UUID, body: DatasetWithdrawal, session: SessionDep, actor: ActorDep
) -> DatasetRead:
    """Take a dataset off the portal with a reason."""
    return service.withdraw_dataset(session, actor=actor, dataset_id=dataset_id, reason=body.reason)
