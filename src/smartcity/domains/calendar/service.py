"""Use cases of the calendar: load a year's holiday arrangement, list the years the
platform knows, and compute working-day deadlines over shipped and loaded years.

Loading needs ``calendar.manage`` and is audited in the caller's transaction.
Reading needs no permission — the arrangements are public State Council notices —
so the read functions take no actor: the HTTP edges require a signed-in actor
(``calendar.deps``), and other domains' services call ``work_calendar`` and
``compute_deadline`` inside use cases they have already authorized. A year without
an arrangement is never guessed: strict computations raise
``CalendarYearUnknownError``, provisional ones say which years they estimated.
Nothing here commits.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from functools import lru_cache
from pathlib import PurePosixPath
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.core.errors import InvalidInputError
from smartcity.core.security import Actor, ensure_permission
from smartcity.core.time import CHINA, today_in_china, utcnow
from smartcity.core.workdays import (
    ArrangementError,
    DeadlineResult,
    Holiday,
    UnknownYearError,
    WorkCalendar,
    YearArrangement,
    parse_arrangement_file,
    shipped_arrangements,
)
from smartcity.domains.audit import service as audit_service
from smartcity.domains.calendar.errors import (
    ArrangementFileTooLargeError,
    CalendarYearNotFoundError,
    CalendarYearUnknownError,
    InvalidArrangementError,
)
from smartcity.domains.calendar.models import CalendarYear
from smartcity.domains.calendar.permissions import CalendarPermission
from smartcity.domains.calendar.schemas import (
    MAX_WORKING_DAYS,
    DeadlineRead,
    HolidayRead,
    WorkingDaysRead,
    YearSource,
    YearStatus,
)

# A year's arrangement is 1–2 KB of JSON; anything much larger is not one.
MAX_FILE_BYTES = 256 * 1024
_MAX_TITLE = 200  # CalendarYear.notice_title
_MAX_DOC_NO = 100  # CalendarYear.notice_doc_no
_MAX_FILENAME = 255  # CalendarYear.source_filename


def missing_year_warning(year: int) -> str:
    """The UI's warning for a current or next year without an arrangement."""
    return (
        f"尚未载入{year}年节假日安排：涉及{year}年的工作日期限无法准确计算，"
        f"只能暂按周末推算。国务院办公厅发布《关于{year}年部分节假日安排的通知》后，"
        "请平台主管部门及时载入。"
    )


def load_arrangement(session: Session, *, actor: Actor, data: bytes, filename: str) -> CalendarYear:
    """Store a year's arrangement from the bytes of its file (format:
    ``core/data/holidays/README.md``).

    The file is validated completely before anything is written. A year not yet
    stored is added (``calendar.year.loaded``); for a shipped year the stored
    copy takes precedence, as a correction, and the audit records how it differs
    from the shipped one. A year already stored is overwritten
    (``calendar.year.replaced``), and the audit records what changed.

    Raises:
        AuthenticationRequiredError / PermissionDeniedError: the actor lacks
            ``calendar.manage``.
        ArrangementFileTooLargeError: the file exceeds ``MAX_FILE_BYTES``.
        InvalidArrangementError: the file is not UTF-8 JSON or not a valid
            arrangement; ``detail`` is the Chinese reason naming the entry.
    """
    ensure_permission(actor, CalendarPermission.manage)
    if len(data) > MAX_FILE_BYTES:
        raise ArrangementFileTooLargeError(
            f"文件大小为 {len(data)} 字节，超过节假日安排文件的上限 {MAX_FILE_BYTES} 字节",
            max_bytes=MAX_FILE_BYTES,
        )
    name = _clean_filename(filename)
    try:
        arrangement = parse_arrangement_file(data)
    except ArrangementError as error:
        raise InvalidArrangementError(str(error), filename=name) from error
    _check_column_lengths(arrangement, name)

    row = session.get(CalendarYear, arrangement.year, with_for_update=True)
    shipped = shipped_arrangements().get(arrangement.year)
    label = f"{arrangement.year}年节假日安排"
    if row is None:
        row = CalendarYear(year=arrangement.year)
        session.add(row)
        action = "calendar.year.loaded"
        changes: dict[str, Any] = {
            "notice": arrangement.notice.doc_no,
            "holidays": [_holiday_label(h) for h in arrangement.holidays],
            "makeup_workdays": [d.isoformat() for d in arrangement.makeup_workdays],
            "source_filename": name,
            "overrides_shipped": shipped is not None,
        }
        if shipped is not None:
            changes["differs_from_shipped"] = _diff_summary(shipped, arrangement)
    else:
        action = "calendar.year.replaced"
        changes = _diff_summary(_stored_or_none(row), arrangement)
        if row.source_filename != name:
            changes["source_filename"] = [row.source_filename, name]

    row.arrangement = _canonical_text(arrangement)
    row.notice_title = arrangement.notice.title
    row.notice_doc_no = arrangement.notice.doc_no
    row.loaded_at = utcnow()
    row.loaded_by_name = actor.name
    row.loaded_by_id = actor.id
    row.source_filename = name
    audit_service.record(
        session,
        actor=actor,
        action=action,
        subject_type=CalendarYear.__tablename__,
        subject_id=str(arrangement.year),
        label=label,
        changes=changes,
    )
    session.flush()
    return row


def list_years(session: Session) -> list[YearStatus]:
    """Every year the calendar knows, ascending, and the current and next year.

    "Current" is the year of today in Asia/Shanghai. When the current or next
    year has no arrangement it is listed anyway, as ``missing`` with a
    ``warning`` (「尚未载入2027年节假日安排……」), so that the gap is visible
    rather than discovered when a deadline fails.
    """
    shipped = shipped_arrangements()
    stored = {row.year: row for row in session.scalars(select(CalendarYear))}
    current = today_in_china().year
    following = current + 1
    statuses: list[YearStatus] = []
    for year in sorted(set(shipped) | set(stored) | {current, following}):
        flags: dict[str, Any] = {
            "is_current_year": year == current,
            "is_next_year": year == following,
        }
        row = stored.get(year)
        if row is not None:
            arrangement = row.parsed()
            statuses.append(
                YearStatus(
                    year=year,
                    source=YearSource.loaded,
                    covered=True,
                    overrides_shipped=year in shipped,
                    loaded_at=row.loaded_at,
                    loaded_by_name=row.loaded_by_name,
                    source_filename=row.source_filename,
                    **flags,
                    **_arrangement_fields(arrangement),
                )
            )
        elif year in shipped:
            statuses.append(
                YearStatus(
                    year=year,
                    source=YearSource.shipped,
                    covered=True,
                    **flags,
                    **_arrangement_fields(shipped[year]),
                )
            )
        else:
            statuses.append(
                YearStatus(
                    year=year,
                    source=YearSource.missing,
                    covered=False,
                    warning=missing_year_warning(year),
                    **flags,
                )
            )
    return statuses


def get_arrangement(session: Session, *, year: int) -> YearArrangement:
    """The arrangement in force for ``year``: the loaded one, else the shipped one.

    Raises:
        CalendarYearNotFoundError: neither loaded nor shipped.
    """
    calendar = work_calendar(session)
    if not calendar.covers(year):
        raise CalendarYearNotFoundError(year=year)
    return calendar.arrangement(year)


def work_calendar(session: Session) -> WorkCalendar:
    """The platform's calendar: the shipped years, overridden and extended by the
    loaded ones.

    One small query per call. The calendar itself is built once per distinct set
    of stored arrangements (the cache key is their content, so a replacement,
    a rollback or another process's load can never leave a stale calendar).
    """
    rows = session.execute(
        select(CalendarYear.year, CalendarYear.arrangement).order_by(CalendarYear.year)
    ).all()
    return _calendar_for(tuple((year, text) for year, text in rows))


@lru_cache(maxsize=8)
def _calendar_for(stored: tuple[tuple[int, str], ...]) -> WorkCalendar:
    calendar = WorkCalendar.default()
    if not stored:
        return calendar
    return calendar.with_arrangements(
        *(YearArrangement.from_json(json.loads(text)) for _, text in stored)
    )


def compute_deadline(
    session: Session, *, start: datetime, working_days: int, provisional: bool = False
) -> DeadlineRead:
    """The end of a period of ``working_days`` working days after the event at ``start``.

    The event day (in Asia/Shanghai) is not counted and the period ends at 24:00
    of its last working day (民法典第二百零一条、第二百零三条). Strictly, a period
    that crosses a year without an arrangement is refused; with ``provisional``
    such years count only weekends as rest days and the result says so.

    Raises:
        InvalidInputError: ``start`` is naive, or ``working_days`` is outside
            0–``MAX_WORKING_DAYS``, or the period leaves the representable dates.
        CalendarYearUnknownError: strict mode and the period crosses a year
            whose arrangement is not loaded (``year`` names the first one).
    """
    if start.tzinfo is None or start.utcoffset() is None:
        raise InvalidInputError("期限起算时间必须带时区")
    if not 0 <= working_days <= MAX_WORKING_DAYS:
        raise InvalidInputError(f"工作日数应在 0 至 {MAX_WORKING_DAYS} 之间，实际为 {working_days}")
    calendar = work_calendar(session)
    try:
        start_date = start.astimezone(CHINA).date()
        if provisional:
            result = calendar.deadline_provisional(start, working_days)
        else:
            result = DeadlineResult(calendar.deadline(start, working_days).date(), False)
    except UnknownYearError as error:
        raise CalendarYearUnknownError(str(error), year=error.year) from error
    except OverflowError as error:
        raise InvalidInputError("期限超出可计算的日期范围") from error
    return DeadlineRead(
        start=start,
        start_date=start_date,
        working_days=working_days,
        due_date=result.date,
        due_at=result.due_at,
        provisional=result.provisional,
        unknown_years=list(result.unknown_years),
        note=result.note,
    )


def working_days_between(session: Session, *, start: date, end: date) -> WorkingDaysRead:
    """The number of working days in ``(start, end]`` (negative when ``end < start``).

    Raises:
        CalendarYearUnknownError: the span touches a year whose arrangement is
            not loaded.
    """
    try:
        count = work_calendar(session).working_days_between(start, end)
    except UnknownYearError as error:
        raise CalendarYearUnknownError(str(error), year=error.year) from error
    return WorkingDaysRead(start=start, end=end, working_days=count)


def _arrangement_fields(arrangement: YearArrangement) -> dict[str, Any]:
    return {
        "notice_title": arrangement.notice.title,
        "notice_doc_no": arrangement.notice.doc_no,
        "notice_issued": arrangement.notice.issued,
        "notice_url": arrangement.notice.url,
        "holidays_count": len(arrangement.holidays),
        "holidays": [
            HolidayRead(name=h.name, start=h.start, end=h.end) for h in arrangement.holidays
        ],
        "makeup_workdays": list(arrangement.makeup_workdays),
    }


def _canonical_text(arrangement: YearArrangement) -> str:
    return json.dumps(arrangement.to_json(), ensure_ascii=False, separators=(",", ":"))


def _clean_filename(filename: str) -> str:
    # Browsers may send a full client path ("C:\\fakepath\\2027.json"); keep the name.
    name = PurePosixPath(filename.replace("\\", "/")).name
    return "".join(ch for ch in name if ch.isprintable())[:_MAX_FILENAME]


def _check_column_lengths(arrangement: YearArrangement, filename: str) -> None:
    prefix = f"{arrangement.year}年节假日安排无效："
    if len(arrangement.notice.title) > _MAX_TITLE:
        raise InvalidArrangementError(
            f"{prefix}通知标题超过 {_MAX_TITLE} 个字符", filename=filename
        )
    if len(arrangement.notice.doc_no) > _MAX_DOC_NO:
        raise InvalidArrangementError(
            f"{prefix}通知文号超过 {_MAX_DOC_NO} 个字符", filename=filename
        )


def _stored_or_none(row: CalendarYear) -> YearArrangement | None:
    try:
        return row.parsed()
    except ValueError:  # ArrangementError, or JSON that no longer parses
        # An unreadable stored row is exactly what a new load repairs.
        return None


def _holiday_label(holiday: Holiday) -> str:
    if holiday.start == holiday.end:
        return f"{holiday.name} {holiday.start.isoformat()}"
    return f"{holiday.name} {holiday.start.isoformat()}至{holiday.end.isoformat()}"


def _diff_summary(before: YearArrangement | None, after: YearArrangement) -> dict[str, Any]:
    """What a load changes, for the audit log: notice, holidays and make-up days."""
    if before is None:
        return {
            "previous": "unreadable",
            "notice": after.notice.doc_no,
            "holidays": [_holiday_label(h) for h in after.holidays],
            "makeup_workdays": [d.isoformat() for d in after.makeup_workdays],
        }
    summary: dict[str, Any] = {}
    for field in ("title", "doc_no", "issued", "url"):
        old, new = getattr(before.notice, field), getattr(after.notice, field)
        if old != new:
            summary[f"notice.{field}"] = [_plain(old), _plain(new)]
    old_holidays = {_holiday_label(h) for h in before.holidays}
    new_holidays = {_holiday_label(h) for h in after.holidays}
    if new_holidays - old_holidays:
        summary["holidays_added"] = sorted(new_holidays - old_holidays)
    if old_holidays - new_holidays:
        summary["holidays_removed"] = sorted(old_holidays - new_holidays)
    old_makeup = set(before.makeup_workdays)
    new_makeup = set(after.makeup_workdays)
    if new_makeup - old_makeup:
        summary["makeup_workdays_added"] = [d.isoformat() for d in sorted(new_makeup - old_makeup)]
    if old_makeup - new_makeup:
        summary["makeup_workdays_removed"] = [
            d.isoformat() for d in sorted(old_makeup - new_makeup)
        ]
    if not summary:
        summary["unchanged"] = True
    return summary


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value
