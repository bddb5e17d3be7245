"""Use cases of the calendar: loading years, listing them, deadlines over loaded years."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy.orm import Session

from smartcity.core.errors import (
    AuthenticationRequiredError,
    InvalidInputError,
    PermissionDeniedError,
)
from smartcity.core.pagination import PageParams
from smartcity.core.security import ANONYMOUS, SYSTEM, Actor
from smartcity.core.time import CHINA, freeze_time
from smartcity.domains.audit import service as audit_service
from smartcity.domains.audit.schemas import AuditEventFilter
from smartcity.domains.calendar import service as calendar_service
from smartcity.domains.calendar.errors import (
    ArrangementFileTooLargeError,
    CalendarYearNotFoundError,
    CalendarYearUnknownError,
    InvalidArrangementError,
)
from smartcity.domains.calendar.schemas import YearSource
from smartcity.domains.identity.permissions import Role
from tests.domains.calendar import as_file, invented_2027
from tests.factories.identity import actor_of, make_user
from tests.factories.registry import coordinator_organization, make_organization

# Monday 2026-12-28, 10:00 in Jining: ten working days run into 2027.
LATE_2026 = datetime(2026, 12, 28, 10, 0, tzinfo=CHINA)
TODAY_2026 = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)


def coordinator(session: Session) -> Actor:
    user = make_user(
        session, organization=coordinator_organization(session), roles=[Role.coordinator]
    )
    return actor_of(user)


def staff(session: Session) -> Actor:
    return actor_of(make_user(session, organization=make_organization(session)))


def audit_events(session: Session, year: int) -> list[tuple[str, dict[str, Any]]]:
    page = audit_service.list_events(
        session,
        actor=SYSTEM,
        filters=AuditEventFilter(subject_type="calendar_year", subject_id=str(year)),
        page=PageParams(),
    )
    return [(event.action, event.changes_dict) for event in reversed(page.items)]


def status_of(session: Session, year: int) -> Any:
    return next(s for s in calendar_service.list_years(session) if s.year == year)


class TestLoadArrangement:
    def test_loading_invented_2027_makes_2027_deadlines_computable(self, session: Session) -> None:
        with pytest.raises(CalendarYearUnknownError):
            calendar_service.compute_deadline(session, start=LATE_2026, working_days=10)

        row = calendar_service.load_arrangement(
            session,
            actor=coordinator(session),
            data=as_file(invented_2027()),
            filename="2027.json",
        )

        assert (row.year, row.notice_doc_no, row.source_filename) == (
            2027,
            "测试〔2026〕99号",
            "2027.json",
        )
        result = calendar_service.compute_deadline(session, start=LATE_2026, working_days=10)
        # Dec 29–31 are 1–3; the invented 2027-01-01 to 01-03 are off; Jan 4–8 are 4–8;
        # Jan 11 is 9 and Jan 12 is 10.
        assert result.due_date == date(2027, 1, 12)
        assert result.provisional is False
        assert result.note is None
        assert [action for action, _ in audit_events(session, 2027)] == ["calendar.year.loaded"]

    def test_records_who_loaded_it_and_when(self, session: Session) -> None:
        actor = coordinator(session)
        with freeze_time(TODAY_2026):
            row = calendar_service.load_arrangement(
                session,
                actor=actor,
                data=as_file(invented_2027()),
                filename="C:\\fakepath\\节假日2027.json",
            )
        assert row.loaded_at == TODAY_2026
        assert (row.loaded_by_id, row.loaded_by_name) == (actor.id, actor.name)
        assert row.source_filename == "节假日2027.json"

    def test_staff_may_not_load(self, session: Session) -> None:
        with pytest.raises(PermissionDeniedError):
            calendar_service.load_arrangement(
                session, actor=staff(session), data=as_file(invented_2027()), filename="x.json"
            )

    def test_anonymous_must_sign_in(self, session: Session) -> None:
        with pytest.raises(AuthenticationRequiredError):
            calendar_service.load_arrangement(
                session, actor=ANONYMOUS, data=as_file(invented_2027()), filename="x.json"
            )

    @pytest.mark.parametrize(
        ("data", "reason"),
        [
            pytest.param(b'{"year": 2027, "notice": ', "不是有效的JSON", id="malformed-json"),
            pytest.param(as_file(invented_2027(), "gb18030"), "不是有效的UTF-8编码", id="gb18030"),
            pytest.param(
                as_file({**invented_2027(), "makeup_workdays": ["2027-02-26"]}),
                "调休上班日 2027-02-26 不是周六或周日",
                id="weekday-makeup-day",
            ),
            pytest.param(
                as_file(
                    {
                        **invented_2027(),
                        "holidays": [
                            {"name": "甲", "start": "2027-01-01", "end": "2027-01-05"},
                            {"name": "乙", "start": "2027-01-05", "end": "2027-01-06"},
                        ],
                    }
                ),
                "日期重叠",
                id="overlapping-holidays",
            ),
            pytest.param(as_file({**invented_2027(), "extra": 1}), "未知字段 extra", id="unknown"),
        ],
    )
    def test_refuses_an_invalid_file_naming_the_problem_and_stores_nothing(
        self, session: Session, data: bytes, reason: str
    ) -> None:
        with pytest.raises(InvalidArrangementError) as caught:
            calendar_service.load_arrangement(
                session, actor=SYSTEM, data=data, filename="2027.json"
            )
        assert reason in caught.value.detail
        assert caught.value.extensions["filename"] == "2027.json"
        assert status_of(session, 2027).covered is False
        assert audit_events(session, 2027) == []

    def test_refuses_a_file_too_large_to_be_an_arrangement(self, session: Session) -> None:
        data = as_file(invented_2027()) + b" " * calendar_service.MAX_FILE_BYTES
        with pytest.raises(ArrangementFileTooLargeError):
            calendar_service.load_arrangement(session, actor=SYSTEM, data=data, filename="x")

    def test_replacing_a_stored_year_is_audited_with_what_changed(self, session: Session) -> None:
        actor = coordinator(session)
        calendar_service.load_arrangement(
            session, actor=actor, data=as_file(invented_2027()), filename="2027.json"
        )
        corrected = invented_2027()
        corrected["notice"]["doc_no"] = "测试〔2026〕100号"
        corrected["holidays"][1]["end"] = "2027-03-04"
        corrected["makeup_workdays"] = ["2027-03-06"]

        row = calendar_service.load_arrangement(
            session, actor=actor, data=as_file(corrected), filename="2027-v2.json"
        )

        assert row.notice_doc_no == "测试〔2026〕100号"
        events = audit_events(session, 2027)
        assert [action for action, _ in events] == [
            "calendar.year.loaded",
            "calendar.year.replaced",
        ]
        assert events[1][1] == {
            "notice.doc_no": ["测试〔2026〕99号", "测试〔2026〕100号"],
            "holidays_added": ["虚构假期乙 2027-03-01至2027-03-04"],
            "holidays_removed": ["虚构假期乙 2027-03-01至2027-03-05"],
            "makeup_workdays_added": ["2027-03-06"],
            "makeup_workdays_removed": ["2027-02-27"],
            "source_filename": ["2027.json", "2027-v2.json"],
        }
        calendar = calendar_service.work_calendar(session)
        assert calendar.is_working_day(date(2027, 3, 5))
        assert calendar.is_working_day(date(2027, 3, 6))
        assert not calendar.is_working_day(date(2027, 2, 27))

    def test_reloading_the_same_file_is_audited_as_unchanged(self, session: Session) -> None:
        for _ in range(2):
            calendar_service.load_arrangement(
                session, actor=SYSTEM, data=as_file(invented_2027()), filename="2027.json"
            )
        assert audit_events(session, 2027)[1] == ("calendar.year.replaced", {"unchanged": True})

    def test_a_loaded_copy_of_a_shipped_year_overrides_it_as_a_correction(
        self, session: Session
    ) -> None:
        corrected: dict[str, Any] = calendar_service.get_arrangement(session, year=2026).to_json()
        assert "2026-10-10" in corrected["makeup_workdays"]
        corrected["makeup_workdays"] = [
            d for d in corrected["makeup_workdays"] if d != "2026-10-10"
        ]

        calendar_service.load_arrangement(
            session, actor=SYSTEM, data=as_file(corrected), filename="2026-fix.json"
        )

        status = status_of(session, 2026)
        assert (status.source, status.overrides_shipped) == (YearSource.loaded, True)
        assert not calendar_service.work_calendar(session).is_working_day(date(2026, 10, 10))
        [(action, changes)] = audit_events(session, 2026)
        assert action == "calendar.year.loaded"
        assert changes["overrides_shipped"] is True
        assert changes["differs_from_shipped"] == {"makeup_workdays_removed": ["2026-10-10"]}


class TestListYears:
    def test_shows_shipped_years_and_warns_that_next_year_is_missing(
        self, session: Session
    ) -> None:
        with freeze_time(TODAY_2026):
            years = calendar_service.list_years(session)

        by_year = {status.year: status for status in years}
        assert [by_year[y].source for y in (2024, 2025, 2026)] == [YearSource.shipped] * 3
        assert by_year[2026].is_current_year
        assert by_year[2026].covered
        assert by_year[2026].notice_doc_no == "国办发明电〔2025〕7号"
        assert by_year[2026].holidays_count == 7
        assert by_year[2026].holidays[1].name == "春节"
        assert by_year[2026].holidays[1].days == 9
        assert date(2026, 2, 14) in by_year[2026].makeup_workdays
        missing = by_year[2027]
        assert (missing.source, missing.covered, missing.is_next_year) == (
            YearSource.missing,
            False,
            True,
        )
        assert missing.warning is not None
        assert missing.warning.startswith("尚未载入2027年节假日安排")
        assert [s.year for s in years if s.warning] == [2027]

    def test_a_loaded_year_clears_the_warning(self, session: Session) -> None:
        calendar_service.load_arrangement(
            session, actor=SYSTEM, data=as_file(invented_2027()), filename="2027.json"
        )
        with freeze_time(TODAY_2026):
            status = status_of(session, 2027)
        assert (status.source, status.covered, status.warning) == (YearSource.loaded, True, None)
        assert status.source_filename == "2027.json"

    def test_the_current_year_is_the_year_in_china(self, session: Session) -> None:
        # 17:00 UTC on New Year's Eve is already 2027-01-01 in Jining.
        with freeze_time(datetime(2026, 12, 31, 17, 0, tzinfo=UTC)):
            years = calendar_service.list_years(session)
        current = next(s for s in years if s.is_current_year)
        assert (current.year, current.covered) == (2027, False)
        assert [s.year for s in years if s.warning] == [2027, 2028]


class TestGetArrangement:
    def test_returns_the_shipped_year(self, session: Session) -> None:
        assert calendar_service.get_arrangement(session, year=2025).notice.doc_no == (
            "国办发明电〔2024〕12号"
        )

    def test_an_unknown_year_is_not_found(self, session: Session) -> None:
        with pytest.raises(CalendarYearNotFoundError) as caught:
            calendar_service.get_arrangement(session, year=2027)
        assert caught.value.extensions == {"year": 2027}


class TestComputeDeadline:
    def test_skips_the_2026_spring_festival(self, session: Session) -> None:
        # Friday 2026-02-13: Sat 02-14 is a make-up working day (1), 02-15 to 02-23 are
        # off, then 02-24 to 02-27 (2–5).
        start = datetime(2026, 2, 13, 10, 0, tzinfo=CHINA)
        result = calendar_service.compute_deadline(session, start=start, working_days=5)
        assert result.start_date == date(2026, 2, 13)
        assert result.due_date == date(2026, 2, 27)
        assert result.due_at == datetime(2026, 2, 27, 23, 59, 59, 999999, tzinfo=CHINA)

    def test_a_strict_deadline_into_an_unknown_year_is_a_conflict_naming_it(
        self, session: Session
    ) -> None:
        with pytest.raises(CalendarYearUnknownError) as caught:
            calendar_service.compute_deadline(session, start=LATE_2026, working_days=10)
        assert caught.value.extensions == {"year": 2027}
        assert "尚未载入2027年节假日安排" in caught.value.detail
        assert caught.value.status == 409

    def test_a_provisional_deadline_says_it_is_an_estimate(self, session: Session) -> None:
        result = calendar_service.compute_deadline(
            session, start=LATE_2026, working_days=10, provisional=True
        )
        assert result.provisional is True
        assert result.unknown_years == [2027]
        assert result.note == "尚未载入2027年节假日安排，暂按周末推算"
        assert result.due_date == date(2027, 1, 11)  # weekends only: 2027-01-01 counted

    def test_a_provisional_deadline_inside_known_years_is_exact(self, session: Session) -> None:
        start = datetime(2026, 2, 13, 10, 0, tzinfo=CHINA)
        result = calendar_service.compute_deadline(
            session, start=start, working_days=5, provisional=True
        )
        assert (result.due_date, result.provisional, result.note) == (
            date(2026, 2, 27),
            False,
            None,
        )

    @pytest.mark.parametrize(
        ("start", "working_days"),
        [
            (datetime(2026, 2, 13, 10, 0), 5),  # naive
            (datetime(2026, 2, 13, 10, 0, tzinfo=CHINA), -1),
            (datetime(2026, 2, 13, 10, 0, tzinfo=CHINA), 100_000),
            (datetime(9999, 12, 31, 12, 0, tzinfo=CHINA), 5),
        ],
    )
    def test_refuses_impossible_questions(
        self, session: Session, start: datetime, working_days: int
    ) -> None:
        with pytest.raises(InvalidInputError):
            calendar_service.compute_deadline(
                session, start=start, working_days=working_days, provisional=True
            )


class TestWorkCalendar:
    def test_follows_each_load_and_replacement(self, session: Session) -> None:
        assert not calendar_service.work_calendar(session).covers(2027)
        calendar_service.load_arrangement(
            session, actor=SYSTEM, data=as_file(invented_2027()), filename="a.json"
        )
        assert not calendar_service.work_calendar(session).is_working_day(date(2027, 3, 1))
        changed = invented_2027()
        changed["holidays"].pop()
        calendar_service.load_arrangement(
            session, actor=SYSTEM, data=as_file(changed), filename="b.json"
        )
        assert calendar_service.work_calendar(session).is_working_day(date(2027, 3, 1))


class TestWorkingDaysBetween:
    def test_counts_working_days_after_the_first_day(self, session: Session) -> None:
        result = calendar_service.working_days_between(
            session, start=date(2026, 2, 13), end=date(2026, 2, 27)
        )
        assert result.working_days == 5

    def test_an_unknown_year_is_a_conflict(self, session: Session) -> None:
        with pytest.raises(CalendarYearUnknownError):
            calendar_service.working_days_between(
                session, start=date(2026, 12, 1), end=date(2027, 1, 31)
            )
