"""JSON API of the data subject's rights (Art. 68), under ``/api/v1/privacy``.

``/me/...`` takes no key: whose data it is comes from the signed-in user's binding, so
no request can ask about anyone else's key (and none reveals whether a key exists).
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query

from smartcity.core.errors import AuthenticationRequiredError, PermissionDeniedError
from smartcity.core.http.deps import PageParamsDep, SessionDep, SettingsDep
from smartcity.core.http.problems import problem_responses
from smartcity.core.pagination import Page
from smartcity.domains.identity.deps import ActorDep
from smartcity.domains.privacy import service, service_requests
from smartcity.domains.privacy.errors import (
    DataRequestNotFoundError,
    DataRequestRefusalBasisError,
    DataRequestStateError,
    DeferralEndedError,
    DeferralNotFoundError,
    InvalidDataRequestError,
    InvalidDeferralError,
    NoSubjectBindingError,
)
from smartcity.domains.privacy.schemas import (
    DataRequestAnswer,
    DataRequestCreate,
    DataRequestFilter,
    DataRequestRead,
    DeferralCreate,
    DeferralEnd,
    DeferralRead,
    MyCallRead,
    MyRecordsRead,
)

router = APIRouter(prefix="/privacy", tags=["privacy"])

_MINE = problem_responses(AuthenticationRequiredError, NoSubjectBindingError)


@router.get("/me/records", responses=_MINE)
def my_records(session: SessionDep, actor: ActorDep) -> MyRecordsRead:
    """我的数据: the base-data records the platform holds about me, each value with its
    source department and last update."""
    return service.my_records(session, actor=actor)


@router.get("/me/calls", responses=_MINE)
def my_calls(session: SessionDep, actor: ActorDep, page: PageParamsDep) -> Page[MyCallRead]:
    """谁查看了我的数据: exchange calls that touched my key, and bulk file extracts of
    tables holding my record, newest first (calls under a lawful deferral appear after
    it ends)."""
    return service.my_calls(session, actor=actor, page=page)


@router.get(
    "/deferrals", responses=problem_responses(AuthenticationRequiredError, PermissionDeniedError)
)
def list_deferrals(session: SessionDep, actor: ActorDep) -> list[DeferralRead]:
    """Lawful deferrals, those in force first (coordinator, auditors)."""
    return service.list_deferrals(session, actor=actor)


@router.post(
    "/deferrals",
    status_code=201,
    responses=problem_responses(
        AuthenticationRequiredError, PermissionDeniedError, InvalidDeferralError
    ),
)
def create_deferral(data: DeferralCreate, session: SessionDep, actor: ActorDep) -> DeferralRead:
    """Record a lawful deferral (coordinator): legal basis and end date required, the end
    date today or later and at most a year ahead."""
    return service.create_deferral(session, actor=actor, data=data)


@router.post(
    "/deferrals/{deferral_id}/end",
    responses=problem_responses(
        AuthenticationRequiredError,
        PermissionDeniedError,
        InvalidDeferralError,
        DeferralNotFoundError,
        DeferralEndedError,
    ),
)
def end_deferral(
    deferral_id: UUID, data: DeferralEnd, session: SessionDep, actor: ActorDep
) -> DeferralRead:
    """End a deferral early (coordinator), with the reason: the calls it hid appear to
    the data subjects from today."""
    return service.end_deferral(session, actor=actor, deferral_id=deferral_id, reason=data.reason)


# ---------------------------------------------------------------- correction and deletion


@router.get("/me/requests", responses=_MINE)
def my_requests(session: SessionDep, actor: ActorDep, page: PageParamsDep) -> Page[DataRequestRead]:
    """我的更正、删除申请, newest first, each with its working-day clock."""
    return service_requests.my_requests(session, actor=actor, page=page)


@router.post(
    "/me/requests",
    status_code=201,
    responses=problem_responses(
        AuthenticationRequiredError,
        NoSubjectBindingError,
        InvalidDataRequestError,
        DataRequestStateError,
    ),
)
def file_request(
    data: DataRequestCreate, session: SessionDep, actor: ActorDep, settings: SettingsDep
) -> DataRequestRead:
    """File a correction of a value of my own record (or a deletion request); it goes to
    the value's source department and is due in ``answer_working_days`` working days."""
    return service_requests.file_request(session, actor=actor, data=data, settings=settings.privacy)


@router.post(
    "/me/requests/{request_id}/withdraw",
    responses=problem_responses(
        AuthenticationRequiredError,
        NoSubjectBindingError,
        DataRequestNotFoundError,
        DataRequestStateError,
    ),
)
def withdraw_request(request_id: UUID, session: SessionDep, actor: ActorDep) -> DataRequestRead:
    """Withdraw my open request."""
    return service_requests.withdraw_request(session, actor=actor, request_id=request_id)


_QUEUE = problem_responses(AuthenticationRequiredError, PermissionDeniedError)


@router.get("/requests", responses=_QUEUE)
def request_queue(
    session: SessionDep,
    actor: ActorDep,
    page: PageParamsDep,
    filters: Annotated[DataRequestFilter, Query()],
) -> Page[DataRequestRead]:
    """The source department's queue (the coordinator's and auditors': every
    department's), open ones first by due date; ``overdue_only`` for the late ones."""
    return service_requests.request_queue(session, actor=actor, filters=filters, page=page)


@router.get(
    "/requests/{request_id}",
    responses=problem_responses(
        AuthenticationRequiredError, PermissionDeniedError, DataRequestNotFoundError
    ),
)
def get_request(request_id: UUID, session: SessionDep, actor: ActorDep) -> DataRequestRead:
    """One request, for its source department or the coordinator."""
    return service_requests.get_request(session, actor=actor, request_id=request_id)


@router.post(
    "/requests/{request_id}/answer",
    responses=problem_responses(
        AuthenticationRequiredError,
        PermissionDeniedError,
        DataRequestNotFoundError,
        DataRequestStateError,
        InvalidDataRequestError,
        DataRequestRefusalBasisError,
    ),
)
def answer_request(
    request_id: UUID, data: DataRequestAnswer, session: SessionDep, actor: ActorDep
) -> DataRequestRead:
    """The source department answers: corrected, partially or refused (the last two
    citing a registered legal basis)."""
    return service_requests.answer_request(session, actor=actor, request_id=request_id, data=data)
