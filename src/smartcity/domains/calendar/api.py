"""JSON API of the calendar: years, arrangements, loading a year, deadlines."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, File, Query, UploadFile, status

from smartcity.core.errors import InvalidInputError
from smartcity.core.http.deps import SessionDep
from smartcity.core.http.problems import problem_responses
from smartcity.domains.calendar import service as calendar_service
from smartcity.domains.calendar.deps import SignedInActorDep
from smartcity.domains.calendar.errors import (
    ArrangementFileTooLargeError,
    CalendarYearNotFoundError,
    CalendarYearUnknownError,
    InvalidArrangementError,
)
from smartcity.domains.calendar.schemas import (
    ArrangementRead,
    CalendarYearRead,
    DeadlineQuery,
    DeadlineRead,
    WorkingDaysRead,
    YearStatus,
)
from smartcity.domains.identity.deps import ActorDep

router = APIRouter(prefix="/calendar", tags=["calendar"])


@router.get("/years")
def list_years(session: SessionDep, _actor: SignedInActorDep) -> list[YearStatus]:
    """Every known year, plus the current and next year when missing (with a warning)."""
    return calendar_service.list_years(session)


@router.get(
    "/years/{year}",
    responses=problem_responses(CalendarYearNotFoundError),
    response_model_exclude_none=True,
)
def get_year(year: int, session: SessionDep, _actor: SignedInActorDep) -> ArrangementRead:
    """The arrangement in force for a year, in the file format (it can be loaded again)."""
    arrangement = calendar_service.get_arrangement(session, year=year)
    return ArrangementRead.model_validate(arrangement.to_json())


@router.post(
    "/years",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(InvalidArrangementError, ArrangementFileTooLargeError),
)
def load_year(
    session: SessionDep,
    actor: ActorDep,
    file: Annotated[UploadFile, File(description="节假日安排文件（UTF-8 JSON）")],
) -> CalendarYearRead:
    """Load (or replace) a year's arrangement from its file (coordinator only)."""
    row = calendar_service.load_arrangement(
        session,
        actor=actor,
        data=file.file.read(calendar_service.MAX_FILE_BYTES + 1),
        filename=file.filename or "",
    )
    return CalendarYearRead.model_validate(row)


@router.get("/deadline", responses=problem_responses(CalendarYearUnknownError, InvalidInputError))
def deadline(
    query: Annotated[DeadlineQuery, Query()], session: SessionDep, _actor: SignedInActorDep
) -> DeadlineRead:
    """The end of a period of working days after an event (event day not counted)."""
    return calendar_service.compute_deadline(
        session,
        start=query.start,
        working_days=query.working_days,
        provisional=query.provisional,
    )


@router.get("/working-days", responses=problem_responses(CalendarYearUnknownError))
def working_days(
    session: SessionDep,
    _actor: SignedInActorDep,
    start: Annotated[date, Query(alias="from", description="起始日（不计入）")],
    end: Annotated[date, Query(alias="to", description="截止日（计入）")],
) -> WorkingDaysRead:
    """The number of working days in (from, to]."""
    return calendar_service.working_days_between(session, start=start, end=end)
