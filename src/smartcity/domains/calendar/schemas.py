"""Schemas of the calendar domain: year status, arrangements, deadlines."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated
from uuid import UUID

from pydantic import Field, computed_field, field_validator

from smartcity.core.schemas import Schema
from smartcity.core.time import CHINA

# A statutory period of the regulation is at most a few dozen working days; the
# cap keeps an estimate from walking across centuries.
MAX_WORKING_DAYS = 1000


class YearSource(StrEnum):
    shipped = "shipped"  # transcribed from the notice and released with the platform
    loaded = "loaded"  # loaded by an administrator (a new year or a correction)
    missing = "missing"  # the current or next year, not available


class HolidayEntry(Schema):
    """One holiday period as the arrangement file writes it (both days inclusive)."""

    name: str
    start: date
    end: date


class HolidayRead(HolidayEntry):
    @computed_field  # type: ignore[prop-decorator]
    @property
    def days(self) -> int:
        """Days off in the period, weekends inside it included (the notice's “共N天”)."""
        return (self.end - self.start).days + 1


class NoticeRead(Schema):
    title: str
    doc_no: str
    issued: date
    url: str | None = None


class ArrangementRead(Schema):
    """A year's arrangement in the file format of ``core/data/holidays/README.md``.

    What ``GET /calendar/years/{year}`` returns can be saved and loaded again.
    """

    year: int
    notice: NoticeRead
    holidays: list[HolidayEntry]
    makeup_workdays: list[date]


class YearStatus(Schema):
    """A year the calendar knows, or the current/next year when it does not.

    A ``missing`` row carries a ``warning`` for the UI: deadlines touching the
    year cannot be computed strictly until its arrangement is loaded.
    """

    year: int
    source: YearSource
    covered: bool
    is_current_year: bool
    is_next_year: bool
    overrides_shipped: bool = Field(
        default=False, description="载入的安排替换了随附的同年安排（更正）"
    )
    notice_title: str | None = None
    notice_doc_no: str | None = None
    notice_issued: date | None = None
    notice_url: str | None = None
    holidays_count: int = 0
    holidays: list[HolidayRead] = []
    makeup_workdays: list[date] = []
    loaded_at: datetime | None = None
    loaded_by_name: str | None = None
    source_filename: str | None = None
    warning: str | None = None


class CalendarYearRead(Schema):
    """A year as stored after a load."""

    year: int
    notice_title: str
    notice_doc_no: str
    loaded_at: datetime
    loaded_by_name: str
    loaded_by_id: UUID | None
    source_filename: str
    holidays: list[HolidayRead]
    makeup_workdays: list[date]


class DeadlineQuery(Schema):
    """A deadline question: the event's moment and the period in working days."""

    start: datetime = Field(
        description="事件发生时间（ISO 8601）；未带时区时按北京时间（Asia/Shanghai）理解"
    )
    working_days: Annotated[int, Field(ge=0, le=MAX_WORKING_DAYS, description="工作日数")]
    provisional: bool = Field(
        default=False, description="遇到尚未载入安排的年份时暂按周末推算，而不是报错"
    )

    @field_validator("start")
    @classmethod
    def _china_when_naive(cls, value: datetime) -> datetime:
        # People type local times; the regulation's deadlines run on Beijing time.
        return value if value.tzinfo is not None else value.replace(tzinfo=CHINA)


class DeadlineRead(Schema):
    """The end of a period of working days (民法典第二百零一条、第二百零三条).

    The event day (``start_date``, in Asia/Shanghai) is not counted; the period
    ends at 24:00 of ``due_date``, given as ``due_at``. ``provisional`` results
    crossed a year without a loaded arrangement (``unknown_years``), where only
    weekends were taken as rest days; ``note`` says so in Chinese.
    """

    start: datetime
    start_date: date
    working_days: int
    due_date: date
    due_at: datetime
    provisional: bool
    unknown_years: list[int] = []
    note: str | None = None


class WorkingDaysRead(Schema):
    """The number of working days in ``(start, end]``; negative when ``end`` is earlier."""

    start: date
    end: date
    working_days: int
