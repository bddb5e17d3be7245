"""JSON API of the exchange platform (Art. 26): ``/api/v1/exchange``.

Every call presents a grant (in the path) and the matter being handled in the
``X-Case-Reference`` header (1–100 characters; percent-encode non-ASCII text,
as HTTP header values are Latin-1). Refused calls answer with a problem and are
logged: the service appends the log entry and raises an ``ExchangeRefusal``;
the routes render that problem themselves, so the request's transaction still
commits and keeps the entry (an exception would roll it back).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated, TypeVar
from urllib.parse import unquote
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import Response
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from smartcity.core.errors import AppError, AuthenticationRequiredError, PermissionDeniedError
from smartcity.core.geo import Datum
from smartcity.core.http.deps import (
    PageParamsDep,
    SessionDep,
    SessionOpener,
    get_database,
    get_session_opener,
    get_settings_dep,
)
from smartcity.core.http.problems import app_error_response, problem_responses
from smartcity.core.pagination import Page
from smartcity.core.security import Actor
from smartcity.domains.identity.deps import ActorDep, actor_of_safe_request, bearer_token_read
from smartcity.domains.sharing.exchange_errors import REFUSALS, ExchangeRefusal
from smartcity.domains.sharing.exchange_schemas import (
    CASE_REFERENCE_HEADER,
    MAX_CHANGES_LIMIT,
    ExchangeBatchRequest,
    ExchangeChainBreakRead,
    ExchangeChangesRead,
    ExchangeLogEntryRead,
    ExchangeLogFilter,
    ExchangeLogVerifyRead,
    ExchangeQueryRequest,
    ExchangeQueryResultRead,
    ExchangeResultRead,
)
from smartcity.domains.sharing.service import (
    exchange,
    exchange_log,
    exchange_log_view,
    exchange_query,
    log_writer,
)

router = APIRouter(prefix="/exchange", tags=["exchange"])


async def get_exchange_session(request: Request, session: SessionDep) -> Session:
    """The request's session, its exchange calls logged through the group writer.

    A GET reads in a read-only transaction (on SQLite it takes no write lock) and
    hands its log entry to the database's group writer (``log_writer``), waiting
    until the entry is committed before it answers: many calls share one log
    transaction. A writing session (a POST notes its API client's use; the tests
    bind the session to one connection) appends the entry in its own transaction.
    ``async`` because it does no I/O: a sync dependency costs a trip to the
    threadpool.
    """
    _attach_writer(request, session)
    return session


def _attach_writer(request: Request, session: Session) -> None:
    if _reads_only(session):
        log_writer.attach(session, log_writer.for_database(get_database(request)))


def _reads_only(session: Session) -> bool:
    """A read-only session (not a writing one, such as the tests' session bound to one
    connection): its call's entry goes to a group writer."""
    bind = session.get_bind()
    return bool(bind.get_execution_options().get("smartcity_read_only"))


ExchangeSessionDep = Annotated[Session, Depends(get_exchange_session)]

CaseReference = Annotated[
    str | None,
    Header(
        alias=CASE_REFERENCE_HEADER,
        description=(
            "所办理的事项（案卷号、办件编号等，1–100 字；非 ASCII 字符请 URL 编码）。必填。"
        ),
    ),
]
DatumQuery = Annotated[
    Datum | None,
    Query(description="坐标系：默认按存储（WGS84）返回；GCJ02 供国内网络地图使用"),
]

_LOOKUP_PROBLEMS = problem_responses(AuthenticationRequiredError, *REFUSALS)  # type: ignore[arg-type]


_T = TypeVar("_T")


def case_reference_text(header: str | None) -> str | None:
    """The ``X-Case-Reference`` header's text (percent-encoded: header values are Latin-1)."""
    return unquote(header) if header else None


def answered(request: Request, call: Callable[[], _T]) -> _T | Response:
    """``call()``, or the refusal it raised as a problem response. The service has
    appended the refusal's log entry; answering instead of raising keeps the request's
    transaction, and with it the entry, from rolling back."""
    try:
        return call()
    except ExchangeRefusal as refusal:
        return app_error_response(request, refusal)


def _lookup(
    request: Request,
    session: Session,
    actor: Actor,
    grant_id: UUID,
    case_reference: str | None,
    keys: list[str],
    fields: list[str] | None,
    datum: Datum | None,
) -> ExchangeResultRead | Response:
    """``exchange.lookup``, or its refusal as a problem response."""
    return answered(
        request,
        lambda: exchange.lookup(
            session,
            actor=actor,
            grant_id=grant_id,
            case_reference=case_reference_text(case_reference),
            keys=keys,
            fields=fields,
            datum=datum,
        ),
    )


@router.get(
    "/grants/{grant_id}/records/{key}",
    response_model=ExchangeResultRead,
    responses=_LOOKUP_PROBLEMS,
)
async def lookup_record(
    grant_id: UUID,
    key: str,
    request: Request,
    case_reference: CaseReference = None,
    datum: DatumQuery = None,
    fields: Annotated[
        list[str] | None, Query(description="只返回这些信息项（默认：授权的全部信息项）")
    ] = None,
) -> Response:
    """One record by key (ID number, credit code …; composite keys joined by ``|``) under
    a grant that allows ``lookup``: only granted items, masked above the grant's
    clearance and for personal items unless the grant allows them clear; each value
    with its source department, last update and ``disputed`` flag. Logged.

    The API's hottest route: a bearer-token call is answered by
    ``api_exchange_fast.ExchangeLookupFastPath`` before FastAPI's routing, with the
    same ``serve_lookup``; this route serves the rest (a browser's session, no
    credentials, parameters to validate) and documents the call."""
    return await serve_lookup(request, grant_id, key, case_reference, fields, datum)


LOOKUP_THREADS = 4
"""Threads per process that serve single-key lookups against a database across the
network, each with a connection of its own (taken from the pool once and kept). A
lookup holds its thread for two round trips; more threads only take turns at the GIL:
on two cores 2, 4, 8 and 16 threads served 990, 1,110, 1,030 and 830 lookups a second
(``docs/benchmarks.md``). The pool's other connections stay with the other routes."""
_LOOKUPS = ThreadPoolExecutor(LOOKUP_THREADS, thread_name_prefix="exchange-lookup")
"""Starts its threads at the first lookup, not here."""


async def serve_lookup(
    request: Request,
    grant_id: UUID,
    key: str,
    case_reference: str | None,
    fields: list[str] | None,
    datum: Datum | None,
) -> Response:
    """A single-key lookup, answered: the caller's token, the grant, the record and the
    log entry in one unit of work, then — off that work's thread — the wait for the
    entry's commit (``log_writer`` deferred), then the result's JSON as built.

    On an SQLite file the work runs on the event loop itself: a few indexed reads of a
    local file, which WAL never makes wait, cost less than a trip to the threadpool.
    Elsewhere (a database across the network) it is one trip to the lookup threads
    (``LOOKUP_THREADS``, each on a connection of its own: no pool checkout, no
    pre-ping, fewer threads taking turns at the GIL than the threadpool's forty). Either
    way the reads run on the thread's held connection, outside a transaction and with no
    ORM session around them (``Database.thread_read_scope``); the log entry is written
    by the writer. If the server dropped a thread's connection, the lookup runs once
    more on a new one: nothing is logged before the reads are done, so nothing is logged
    twice.
    """
    settings = get_settings_dep(request)  # read directly: a dependency costs a solve
    database = get_database(request)
    on_loop = database.is_sqlite_file
    override = request.app.dependency_overrides.get(get_session_opener)
    open_session: SessionOpener = override() if override is not None else database.thread_read_scope
    # Token, grant, stamps and disputes in one statement: one round trip instead of four
    # to a server. SQLite has no round trips to save, and its planner takes longer over
    # the joined statement than over the four small ones (2,491–2,596 against
    # 2,779–2,797 lookups a second at 200,000 rows); still so with the token, grant and
    # stamps remembered (296–309 against 277–284 µs CPU a lookup, in process).
    prefetching = not database.is_sqlite

    def serve() -> tuple[ExchangeResultRead | Response, list[log_writer.Pending]]:
        try:
            return attempt()
        except DBAPIError as error:
            if not error.connection_invalidated:
                raise
            return attempt()  # a new connection replaces the dropped one

    def attempt() -> tuple[ExchangeResultRead | Response, list[log_writer.Pending]]:
        with open_session() as session:
            if prefetching:
                exchange.prefetch_lookup(
                    session,
                    token=bearer_token_read(request, session),
                    grant_id=grant_id,
                    key=key,
                )
            try:
                actor = actor_of_safe_request(request, session, settings)
            except AppError as error:
                return app_error_response(request, error), []
            if _reads_only(session):
                writer = (
                    log_writer.for_loop(database) if on_loop else log_writer.for_database(database)
                )
                log_writer.attach(session, writer, deferred=True)
            answer = _lookup(
                request, session, actor, grant_id, case_reference, [key], fields, datum
            )
            entries = log_writer.pending(session)
        return answer, entries

    if on_loop:
        result, entries = serve()
    else:
        result, entries = await asyncio.get_running_loop().run_in_executor(_LOOKUPS, serve)
    seqs = await log_writer.committed(entries)
    if isinstance(result, Response):
        return result
    if seqs:
        result.log_seq = seqs[-1]
    return Response(result.model_dump_json(), media_type="application/json")


@router.post(
    "/grants/{grant_id}/records:batch",
    response_model=ExchangeResultRead,
    responses=_LOOKUP_PROBLEMS,
)
def lookup_batch(
    grant_id: UUID,
    body: ExchangeBatchRequest,
    request: Request,
    session: ExchangeSessionDep,
    actor: ActorDep,
    case_reference: CaseReference = None,
    datum: DatumQuery = None,
) -> ExchangeResultRead | Response:
    """Up to 1,000 keys under a grant that allows ``batch`` (a single key is a
    ``lookup``); unknown keys come back ``found: false``. Logged."""
    return _lookup(request, session, actor, grant_id, case_reference, body.keys, body.fields, datum)


@router.post(
    "/grants/{grant_id}/records:query",
    response_model=ExchangeQueryResultRead,
    responses=_LOOKUP_PROBLEMS,
)
def query_records(
    grant_id: UUID,
    body: ExchangeQueryRequest,
    request: Request,
    session: ExchangeSessionDep,
    actor: ActorDep,
    case_reference: CaseReference = None,
) -> ExchangeQueryResultRead | Response:
    """Records matching ``filters`` under a grant that allows ``query``: each filter
    names a granted item and a value (equality) or a list of values (any of them);
    records ordered by key, one page of ``size`` (≤ 500) with the total. Values are
    masked and carry provenance as in a lookup. Logged with the returned keys."""
    return answered(
        request,
        lambda: exchange_query.query(
            session,
            actor=actor,
            grant_id=grant_id,
            case_reference=case_reference_text(case_reference),
            filters=body.filters,
            page=body.page,
            size=body.size,
            fields=body.fields,
        ),
    )


@router.get(
    "/grants/{grant_id}/changes",
    response_model=ExchangeChangesRead,
    responses=_LOOKUP_PROBLEMS,
)
def list_changes(
    grant_id: UUID,
    request: Request,
    session: ExchangeSessionDep,
    actor: ActorDep,
    case_reference: CaseReference = None,
    cursor: Annotated[
        str,
        Query(
            max_length=300,
            description=(
                "游标：0 从头开始；之后传上次返回的 next_cursor"
                "（加载批次号，或“批次号:d|u:主键”表示从该批次中该条之后继续）"
            ),
        ),
    ] = "0",
    limit: Annotated[int, Query(ge=1, le=MAX_CHANGES_LIMIT, description="最多返回条数")] = 100,
) -> ExchangeChangesRead | Response:
    """Changes after ``cursor`` under a grant that allows ``changes``, to keep a copy in
    sync (table mode): records inserted or changed in a granted item (``upsert``, with
    their current granted values, masked as in a lookup) and deleted records
    (``delete``), by base-data load, oldest first. Continue with ``next_cursor`` while
    ``has_more``; afterwards it is the highest load id covered. Logged."""
    return answered(
        request,
        lambda: exchange_query.changes(
            session,
            actor=actor,
            grant_id=grant_id,
            case_reference=case_reference_text(case_reference),
            cursor=cursor,
            limit=limit,
        ),
    )


@router.get("/log", responses=problem_responses(AuthenticationRequiredError, PermissionDeniedError))
def list_log(
    session: SessionDep,
    actor: ActorDep,
    page: PageParamsDep,
    filters: Annotated[ExchangeLogFilter, Query()],
) -> Page[ExchangeLogEntryRead]:
    """Exchange calls, newest first: all for the coordinator and auditors; for a department,
    the calls it made and every call made under the grants of its resources (``side``:
    ``consumer`` or ``provider`` for one of the two). ``subject_key`` lists the calls
    that looked up one data subject. A department's own query, change-feed and file calls
    list their subject keys masked (the keys it brought, a lookup's, in clear)."""
    return exchange_log_view.list_log_entries(session, actor=actor, filters=filters, page=page)


@router.post(
    "/log/verify",
    responses=problem_responses(AuthenticationRequiredError, PermissionDeniedError),
)
def verify_log(session: SessionDep, actor: ActorDep) -> ExchangeLogVerifyRead:
    """Recompute the exchange log's hash chain and name the first tampered entry."""
    result = exchange_log.verify_exchange_log(session, actor=actor)
    found = result.first_break
    return ExchangeLogVerifyRead(
        ok=result.ok,
        checked=result.checked,
        head_seq=result.head_seq,
        head_hash=result.head_hash,
        first_break=ExchangeChainBreakRead(seq=found.seq, kind=found.kind, message=found.message)
        if found is not None
        else None,
    )
