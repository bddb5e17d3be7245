"""JSON API of requests to open a dataset (数据开放申请, Art. 31) under
``/api/v1/opendata/data-requests``: anyone files one (no login; five per source and
hour); the coordinator lists, reads and answers them. The same service as the pages.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, status

from smartcity.core.errors import AuthenticationRequiredError, PermissionDeniedError
from smartcity.core.http.deps import PageParamsDep, SessionDep, SettingsDep
from smartcity.core.http.problems import problem_responses
from smartcity.core.pagination import Page
from smartcity.domains.identity.deps import ActorDep
from smartcity.domains.opendata.enums_requests import DataRequestState
from smartcity.domains.opendata.errors import (
    DataRequestAnsweredError,
    DataRequestNotFoundError,
    DataRequestRateLimitedError,
)
from smartcity.domains.opendata.schemas_requests import (
    DataRequestAnswer,
    DataRequestCreate,
    DataRequestFilter,
    DataRequestRead,
    DataRequestReceipt,
)
from smartcity.domains.opendata.service import data_requests

router = APIRouter(prefix="/opendata/data-requests", tags=["opendata"])

_COORDINATOR = (AuthenticationRequiredError, PermissionDeniedError)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(DataRequestRateLimitedError),
)
def submit_data_request(
    request: Request,
    data: DataRequestCreate,
    session: SessionDep,
    actor: ActorDep,
    settings: SettingsDep,
) -> DataRequestReceipt:
    """Ask for a dataset to be opened (no login needed); returns its number."""
    address = request.client.host if request.client else ""
    source = data_requests.source_digest(settings.secret_key.get_secret_value(), address)
    return data_requests.submit_data_request(session, actor=actor, data=data, source=source)


@router.get("", responses=problem_responses(*_COORDINATOR))
def list_data_requests(
    session: SessionDep,
    actor: ActorDep,
    page: PageParamsDep,
    state: Annotated[DataRequestState | None, Query()] = None,
) -> Page[DataRequestRead]:
    """Requests to open data, newest first (the coordinator)."""
    return data_requests.list_data_requests(
        session, actor=actor, filters=DataRequestFilter(state=state), page=page
    )


@router.get("/{request_id}", responses=problem_responses(*_COORDINATOR, DataRequestNotFoundError))
def get_data_request(request_id: UUID, session: SessionDep, actor: ActorDep) -> DataRequestRead:
    """One request (the coordinator)."""
    return data_requests.get_data_request(session, actor=actor, request_id=request_id)


@router.post(
    "/{request_id}/answer",
    responses=problem_responses(*_COORDINATOR, DataRequestNotFoundError, DataRequestAnsweredError),
)
def answer_data_request(
    request_id: UUID, answer: DataRequestAnswer, session: SessionDep, actor: ActorDep
) -> DataRequestRead:
    """Answer (``answered`` with a reply) or decline (``declined`` with the reason) a new
    request; final and audited."""
    return data_requests.answer_data_request(
        session, actor=actor, request_id=request_id, answer=answer
    )
