"""JSON API of the data subject's rights (Art. 68), under ``/api/v1/privacy``.

``/me/...`` takes no key: whose data it is comes from the signed-in user's binding, so
no request can ask about anyone else's key (and none reveals whether a key exists).
"""

from __future__ import annotations

from fastapi import APIRouter

from smartcity.core.errors import AuthenticationRequiredError, PermissionDeniedError
from smartcity.core.http.deps import PageParamsDep, SessionDep
from smartcity.core.http.problems import problem_responses
from smartcity.core.pagination import Page
from smartcity.domains.identity.deps import ActorDep
from smartcity.domains.privacy import service
from smartcity.domains.privacy.errors import InvalidDeferralError, NoSubjectBindingError
from smartcity.domains.privacy.schemas import (
    DeferralCreate,
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
