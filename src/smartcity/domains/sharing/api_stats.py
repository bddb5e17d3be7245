"""JSON API of the sharing statistics (issue #5), under ``/api/v1/sharing/statistics``."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query

from smartcity.core.errors import AuthenticationRequiredError, PermissionDeniedError
from smartcity.core.http.deps import SessionDep
from smartcity.core.http.problems import problem_responses
from smartcity.domains.identity.deps import ActorDep
from smartcity.domains.sharing.service import statistics as stats_service
from smartcity.domains.sharing.stats_schemas import SharingStatistics

router = APIRouter(prefix="/sharing/statistics", tags=["sharing"])


@router.get("", responses=problem_responses(AuthenticationRequiredError, PermissionDeniedError))
def sharing_statistics(
    session: SessionDep,
    actor: ActorDep,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    county: Annotated[UUID | None, Query()] = None,
) -> SharingStatistics:
    """One year's sharing figures (this year by default): per department and per
    county-level unit, refusals by legal basis, exchange calls per day (last 30 days)
    and per month, top resources. The coordinator and auditors see every line
    (``county`` narrows to one county); a department sees only its own."""
    return stats_service.sharing_statistics(session, actor=actor, year=year, county=county)
