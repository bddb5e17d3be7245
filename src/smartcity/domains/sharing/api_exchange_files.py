"""File exchange mode (Art. 26): ``GET /api/v1/exchange/grants/{id}/extract`` and the
same download for the browser at ``/sharing/grants/{id}/extract``.

The call is checked and logged like every exchange call (the grant in the path,
the matter in ``X-Case-Reference`` — or, for a browser form that cannot set
headers, the ``case_reference`` query parameter). The log entry commits with the
request's transaction *before* the file is sent; the file is then read in a
read-only session of its own that lives until the last byte is streamed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response, StreamingResponse
from sqlalchemy.orm import Session

from smartcity.core.errors import AuthenticationRequiredError
from smartcity.core.http.deps import get_database
from smartcity.core.http.problems import problem_responses
from smartcity.domains.identity.deps import ActorDep
from smartcity.domains.sharing.api_exchange import (
    CaseReference,
    ExchangeSessionDep,
    answered,
    case_reference_text,
)
from smartcity.domains.sharing.exchange_errors import (
    REFUSALS,
    ExtractTooLargeError,
)
from smartcity.domains.sharing.service import exchange_files
from smartcity.domains.sharing.service.exchange_files import ExtractFormat

router = APIRouter(prefix="/exchange", tags=["exchange"])
web_router = APIRouter(prefix="/sharing", include_in_schema=False)


def get_extract_session(request: Request) -> Iterator[Session]:
    """A read-only session for writing the file: one snapshot of the table, open until
    the response has been sent (the default, request scope of a yield dependency)."""
    with get_database(request).read_scope() as session:
        yield session


ExtractSessionDep = Annotated[Session, Depends(get_extract_session)]
FormatQuery = Annotated[
    ExtractFormat, Query(description="文件格式：csv（UTF-8 带 BOM）、xlsx 或 parquet")
]
CaseReferenceQuery = Annotated[
    str | None,
    Query(
        alias="case_reference",
        max_length=300,
        description=(
            "所办理的事项，供不能设置请求头的浏览器表单使用；有 X-Case-Reference 时以请求头为准"
        ),
    ),
]

_EXTRACT_PROBLEMS = problem_responses(
    AuthenticationRequiredError,
    *REFUSALS,  # type: ignore[arg-type]
    ExtractTooLargeError,
)


@router.get(
    "/grants/{grant_id}/extract",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": (
                "数据文件（附件）；X-Extract-Rows 为记录数，X-Exchange-Log-Seq 为日志序号"
            ),
            "content": {media: {} for media in exchange_files.MEDIA_TYPES.values()},
        },
        **_EXTRACT_PROBLEMS,
    },
)
def download_extract(
    grant_id: UUID,
    request: Request,
    session: ExchangeSessionDep,
    reader: ExtractSessionDep,
    actor: ActorDep,
    format: FormatQuery = ExtractFormat.csv,
    case_reference: CaseReference = None,
    case_reference_param: CaseReferenceQuery = None,
) -> Response:
    """The granted items of every record, as a file, under a grant that allows ``file``:
    masked as in a lookup, headed by the items' Chinese names, in key order. CSV is
    UTF-8 with a BOM and streamed; XLSX (at most 1,048,575 rows) and Parquet are
    built first. Logged once (operation ``file``, the row count, the first 1,000 keys)
    before the file is sent. The grants page's form uses it under ``/sharing``, where
    a refusal is a Chinese error page."""
    # The query parameter arrives decoded; the header does not.
    reference = case_reference_text(case_reference) or case_reference_param
    extract = answered(
        request,
        lambda: exchange_files.start_extract(
            session, actor=actor, grant_id=grant_id, case_reference=reference, format=format
        ),
    )
    if isinstance(extract, Response):
        return extract
    return StreamingResponse(
        exchange_files.extract_bytes(reader, extract),
        media_type=extract.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{extract.filename}"',
            "X-Exchange-Log-Seq": str(extract.log_seq),
            "X-Extract-Rows": str(extract.rows),
        },
    )


web_router.get("/grants/{grant_id}/extract")(download_extract)
