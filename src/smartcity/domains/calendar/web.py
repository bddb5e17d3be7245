"""HTML pages of the calendar: the years and their holidays, loading a year, and a
deadline calculator."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from smartcity.core.http.deps import SessionDep
from smartcity.core.http.htmx import render
from smartcity.core.security import Actor
from smartcity.core.time import CHINA, utcnow
from smartcity.domains.calendar import service as calendar_service
from smartcity.domains.calendar.deps import SignedInActorDep
from smartcity.domains.calendar.permissions import CalendarPermission
from smartcity.domains.calendar.schemas import (
    MAX_WORKING_DAYS,
    DeadlineQuery,
    DeadlineRead,
    YearStatus,
)
from smartcity.domains.identity.deps import ActorDep

router = APIRouter(prefix="/calendar", include_in_schema=False)

YearParam = Annotated[int | None, Query(ge=1, le=9999, description="显示哪一年的节假日")]


@router.get("", response_class=HTMLResponse)
def years_page(
    request: Request, session: SessionDep, actor: SignedInActorDep, year: YearParam = None
) -> HTMLResponse:
    """The years the calendar knows, warnings for missing ones, one year's holidays."""
    return render(request, "calendar/years.html", **_page(session, actor, year))


@router.post("/years")
def upload_year(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    file: Annotated[UploadFile, File(description="节假日安排文件（UTF-8 JSON）")],
) -> Response:
    """Load a year's arrangement from the upload form, then show that year."""
    row = calendar_service.load_arrangement(
        session,
        actor=actor,
        data=file.file.read(calendar_service.MAX_FILE_BYTES + 1),
        filename=file.filename or "",
    )
    target = f"/calendar?year={row.year}"
    if request.headers.get("HX-Request") == "true":
        # htmx would follow a 303 itself and swap a whole page into the form's target.
        return Response(status_code=204, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


@router.get("/deadline", response_class=HTMLResponse)
def deadline(
    request: Request,
    session: SessionDep,
    actor: SignedInActorDep,
    query: Annotated[DeadlineQuery, Query()],
) -> HTMLResponse:
    """The calculator's answer: the partial for htmx, else the page with the answer."""
    result = calendar_service.compute_deadline(
        session,
        start=query.start,
        working_days=query.working_days,
        provisional=query.provisional,
    )
    return render(
        request,
        "calendar/years.html",
        partial="calendar/_deadline.html",
        **_page(session, actor, None, query=query, result=result),
    )


def _page(
    session: Session,
    actor: Actor,
    year: int | None,
    *,
    query: DeadlineQuery | None = None,
    result: DeadlineRead | None = None,
) -> dict[str, Any]:
    years = calendar_service.list_years(session)
    covered = [status for status in years if status.covered]
    current = next(status for status in years if status.is_current_year)
    if year is None:
        year = current.year if current.covered or not covered else covered[-1].year
    selected: YearStatus | None = next((s for s in years if s.year == year), None)
    now = utcnow().astimezone(CHINA)
    return {
        "years": years,
        "warnings": [status for status in years if status.warning],
        "selected_year": year,
        "selected": selected,
        "can_manage": actor.has(CalendarPermission.manage),
        "max_working_days": MAX_WORKING_DAYS,
        "query": query,
        "start_value": (query.start.astimezone(CHINA) if query else now).strftime("%Y-%m-%dT%H:%M"),
        "result": result,
    }
