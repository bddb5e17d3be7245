"""The working-day calendar: shipped 2024–2026 data, counting rules, unknown years, validation."""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smartcity.core import workdays
from smartcity.core.workdays import (
    ArrangementError,
    DeadlineResult,
    Holiday,
    Notice,
    UnknownYearError,
    WorkCalendar,
    YearArrangement,
    parse_arrangement_file,
    shipped_arrangements,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
REFERENCE = REPO_ROOT.parent / "shared" / "reference" / "cn-holidays-2024-2026.json"
SHIPPED_DIR = Path(workdays.__file__).parent / "data" / "holidays"
SHANGHAI = ZoneInfo("Asia/Shanghai")

CALENDAR = WorkCalendar.default()


def d(text: str) -> date:
    return date.fromisoformat(text)


def days(first: str, last: str) -> list[date]:
    start, end = d(first), d(last)
    return [start + timedelta(i) for i in range((end - start).days + 1)]


def valid_2026() -> dict[str, Any]:
    """A fresh, mutable copy of the shipped 2026 file."""
    data: dict[str, Any] = json.loads((SHIPPED_DIR / "2026.json").read_text(encoding="utf-8"))
    return data


# Invented for tests only: no 2027 notice is known, and these dates are not a guess at it.
SYNTHETIC_2027 = {
    "year": 2027,
    "notice": {
        "title": "测试用虚构安排（非官方）",
        "doc_no": "测试〔2026〕1号",
        "issued": "2026-11-01",
    },
    "holidays": [{"name": "测试假期", "start": "2027-03-01", "end": "2027-03-05"}],
    "makeup_workdays": ["2027-03-06"],
}


class TestShippedData:
    def test_ships_exactly_2024_to_2026(self) -> None:
        assert sorted(shipped_arrangements()) == [2024, 2025, 2026]
        assert CALENDAR.known_years == (2024, 2025, 2026)

    def test_cites_the_official_notices(self) -> None:
        notices = {year: a.notice for year, a in shipped_arrangements().items()}
        assert notices[2024].doc_no == "国办发明电〔2023〕7号"
        assert notices[2025].doc_no == "国办发明电〔2024〕12号"
        assert notices[2026].doc_no == "国办发明电〔2025〕7号"
        assert notices[2026].issued == d("2025-11-04")
        assert all(n.url and n.url.startswith("https://www.gov.cn/") for n in notices.values())

    @pytest.mark.parametrize("year", [2024, 2025, 2026])
    def test_files_are_in_canonical_form(self, year: int) -> None:
        on_disk = json.loads((SHIPPED_DIR / f"{year}.json").read_text(encoding="utf-8"))
        assert shipped_arrangements()[year].to_json() == on_disk

    @pytest.mark.parametrize("year", [2024, 2025, 2026])
    def test_every_day_matches_the_reference(self, year: int) -> None:
        if not REFERENCE.exists():
            pytest.skip(f"reference data not found at {REFERENCE}")
        reference = json.loads(REFERENCE.read_text(encoding="utf-8"))["years"][str(year)]
        rest = {day for h in reference["holidays"] for day in days(h["start"], h["end"])}
        makeup = {d(text) for text in reference["makeup_workdays"]}
        per_holiday_makeup = {d(t) for h in reference["holidays"] for t in h["makeup_workdays"]}
        assert per_holiday_makeup == makeup

        arrangement = shipped_arrangements()[year]
        assert set(arrangement.makeup_workdays) == makeup
        assert [(h.name, h.start, h.end) for h in arrangement.holidays] == sorted(
            ((h["name"], d(h["start"]), d(h["end"])) for h in reference["holidays"]),
            key=lambda h: h[1],
        )
        for day in days(f"{year}-01-01", f"{year}-12-31"):
            expected = day in makeup or (day.weekday() < 5 and day not in rest)
            assert CALENDAR.is_working_day(day) is expected, day
            assert CALENDAR.is_makeup_workday(day) is (day in makeup), day
            assert (CALENDAR.holiday_name(day) is not None) is (day in rest), day


class TestIsWorkingDay:
    @pytest.mark.parametrize(
        "day",
        [
            *days("2026-02-15", "2026-02-23"),
            *days("2025-10-01", "2025-10-08"),
            *days("2026-01-01", "2026-01-03"),
            d("2024-01-01"),
            d("2024-01-06"),
            d("2024-01-07"),
            d("2024-06-08"),
            d("2024-06-09"),
            d("2024-06-10"),
            d("2026-03-01"),
        ],
    )
    def test_rest_days(self, day: date) -> None:
        assert not CALENDAR.is_working_day(day)

    @pytest.mark.parametrize(
        "day",
        [
            d("2026-02-14"),
            d("2026-02-28"),
            d("2026-01-04"),
            d("2024-02-04"),
            d("2024-02-18"),
            d("2025-09-28"),
            d("2025-10-11"),
            d("2024-01-02"),
            d("2024-06-11"),
            d("2026-02-24"),
        ],
    )
    def test_working_days(self, day: date) -> None:
        assert CALENDAR.is_working_day(day)

    def test_a_single_statutory_day_stands_alone(self) -> None:
        new_year = shipped_arrangements()[2024].holidays[0]
        assert new_year == Holiday("元旦", d("2024-01-01"), d("2024-01-01"))
        assert CALENDAR.is_working_day(d("2024-01-02"))
        for day in (d("2024-01-06"), d("2024-01-07"), d("2024-06-08"), d("2024-06-09")):
            assert day.weekday() >= 5
            assert not CALENDAR.is_working_day(day)
            assert CALENDAR.holiday_name(day) is None
            assert not CALENDAR.is_makeup_workday(day)

    def test_names_the_holiday_for_the_ui(self) -> None:
        assert CALENDAR.holiday_name(d("2026-02-20")) == "春节"
        assert CALENDAR.holiday_name(d("2025-10-06")) == "国庆节、中秋节"
        assert CALENDAR.holiday_name(d("2024-01-01")) == "元旦"
        assert CALENDAR.holiday_name(d("2026-02-14")) is None
        assert CALENDAR.holiday_name(d("2026-03-04")) is None

    def test_flags_make_up_working_days(self) -> None:
        assert CALENDAR.is_makeup_workday(d("2026-02-28"))
        assert not CALENDAR.is_makeup_workday(d("2026-03-02"))


class TestAddWorkingDays:
    @pytest.mark.parametrize(
        ("start", "n", "expected"),
        [
            ("2026-02-10", 10, "2026-03-02"),
            ("2026-02-13", 1, "2026-02-14"),
            ("2026-02-14", 1, "2026-02-24"),
            ("2026-02-15", 1, "2026-02-24"),
            ("2026-02-26", 2, "2026-02-28"),
            ("2025-09-30", 1, "2025-10-09"),
            ("2024-12-31", 1, "2025-01-02"),
            ("2025-12-31", 1, "2026-01-04"),
            ("2025-12-30", 3, "2026-01-05"),
            ("2024-12-20", 15, "2025-01-13"),
            ("2024-01-01", 0, "2024-01-02"),
            ("2026-03-04", 0, "2026-03-04"),
            ("2026-03-07", 0, "2026-03-09"),
            ("2026-02-24", -1, "2026-02-14"),
            ("2026-03-02", -10, "2026-02-10"),
            ("2026-01-04", -1, "2025-12-31"),
            ("2025-01-02", -1, "2024-12-31"),
        ],
    )
    def test_counts_working_days(self, start: str, n: int, expected: str) -> None:
        assert CALENDAR.add_working_days(d(start), n) == d(expected)

    def test_next_and_previous_working_day(self) -> None:
        assert CALENDAR.next_working_day(d("2026-02-13")) == d("2026-02-14")
        assert CALENDAR.next_working_day(d("2026-03-04")) == d("2026-03-05")
        assert CALENDAR.previous_working_day(d("2026-02-24")) == d("2026-02-14")

    def test_provisional_variant_is_exact_within_known_years(self) -> None:
        result = CALENDAR.add_working_days_provisional(d("2026-02-10"), 10)
        assert result == DeadlineResult(d("2026-03-02"), provisional=False, unknown_years=())
        assert result.note is None


class TestWorkingDaysBetween:
    @pytest.mark.parametrize(
        ("a", "b", "expected"),
        [
            ("2026-02-13", "2026-02-24", 2),
            ("2026-02-14", "2026-02-23", 0),
            ("2026-02-10", "2026-03-02", 10),
            ("2026-03-02", "2026-02-10", -10),
            ("2026-03-04", "2026-03-04", 0),
            ("2024-12-31", "2025-01-02", 1),
            ("2025-12-31", "2026-01-04", 1),
        ],
    )
    def test_counts_the_half_open_span(self, a: str, b: str, expected: int) -> None:
        assert CALENDAR.working_days_between(d(a), d(b)) == expected

    def test_whole_years_add_up_from_days(self) -> None:
        for year in (2025, 2026):
            span = CALENDAR.working_days_between(date(year - 1, 12, 31), date(year, 12, 31))
            assert span == sum(
                CALENDAR.is_working_day(day) for day in days(f"{year}-01-01", f"{year}-12-31")
            )


class TestUnknownYears:
    @pytest.mark.parametrize("day", [d("2027-01-01"), d("2027-06-15"), d("2023-12-29")])
    def test_single_day_questions_refuse(self, day: date) -> None:
        with pytest.raises(UnknownYearError) as caught:
            CALENDAR.is_working_day(day)
        assert caught.value.year == day.year
        assert f"尚未载入{day.year}年节假日安排" in str(caught.value)
        with pytest.raises(UnknownYearError):
            CALENDAR.holiday_name(day)

    def test_is_a_lookup_error(self) -> None:
        assert issubclass(UnknownYearError, LookupError)

    def test_counting_into_2027_refuses(self) -> None:
        with pytest.raises(UnknownYearError) as caught:
            CALENDAR.add_working_days(d("2026-12-25"), 10)
        assert caught.value.year == 2027
        with pytest.raises(UnknownYearError):
            CALENDAR.next_working_day(d("2026-12-31"))
        with pytest.raises(UnknownYearError):
            CALENDAR.working_days_between(d("2026-12-01"), d("2027-01-10"))

    def test_counting_back_into_2023_refuses(self) -> None:
        with pytest.raises(UnknownYearError) as caught:
            CALENDAR.add_working_days(d("2024-01-03"), -2)
        assert caught.value.year == 2023
        with pytest.raises(UnknownYearError):
            CALENDAR.working_days_between(d("2023-12-20"), d("2024-01-10"))

    def test_only_the_days_actually_needed_matter(self) -> None:
        assert CALENDAR.add_working_days(d("2026-12-30"), 1) == d("2026-12-31")
        assert CALENDAR.add_working_days(d("2023-12-31"), 1) == d("2024-01-02")
        assert CALENDAR.working_days_between(d("2023-12-31"), d("2024-01-02")) == 1

    def test_a_gap_between_known_years_refuses(self) -> None:
        shipped = shipped_arrangements()
        gapped = WorkCalendar([shipped[2024], shipped[2026]])
        with pytest.raises(UnknownYearError) as caught:
            gapped.add_working_days(d("2024-12-31"), 1)
        assert caught.value.year == 2025

    def test_provisional_counts_weekends_and_says_so(self) -> None:
        result = CALENDAR.add_working_days_provisional(d("2026-12-25"), 10)
        assert result.date == d("2027-01-08")
        assert result.provisional
        assert result.unknown_years == (2027,)
        assert result.note == "尚未载入2027年节假日安排，暂按周末推算"

    def test_provisional_deadline_reports_the_moment(self) -> None:
        result = CALENDAR.deadline_provisional(datetime(2026, 12, 25, 2, tzinfo=UTC), 10)
        assert result.provisional
        assert result.due_at == datetime.combine(d("2027-01-08"), time.max, tzinfo=SHANGHAI)

    def test_strict_deadline_refuses(self) -> None:
        with pytest.raises(UnknownYearError):
            CALENDAR.deadline(datetime(2026, 12, 25, 2, tzinfo=UTC), 10)


class TestLoadingAYear:
    def test_a_loaded_file_makes_2027_computable(self, tmp_path: Path) -> None:
        path = tmp_path / "2027.json"
        path.write_text(json.dumps(SYNTHETIC_2027, ensure_ascii=False), encoding="utf-8")
        calendar = CALENDAR.with_arrangements(parse_arrangement_file(path))

        assert calendar.known_years == (2024, 2025, 2026, 2027)
        assert calendar.covers(2027)
        assert not CALENDAR.covers(2027)
        assert calendar.is_working_day(d("2027-03-06"))
        assert calendar.holiday_name(d("2027-03-03")) == "测试假期"
        assert calendar.add_working_days(d("2027-02-26"), 1) == d("2027-03-06")
        assert calendar.add_working_days(d("2026-12-25"), 10) == d("2027-01-08")
        assert calendar.add_working_days_provisional(d("2026-12-25"), 10).provisional is False
        assert calendar.working_days_between(d("2027-02-26"), d("2027-03-08")) == 2

    def test_reads_bytes_and_string_paths(self, tmp_path: Path) -> None:
        raw = json.dumps(SYNTHETIC_2027, ensure_ascii=False).encode("utf-8")
        path = tmp_path / "2027.json"
        path.write_bytes(raw)
        assert parse_arrangement_file(raw) == parse_arrangement_file(str(path))

    def test_tolerates_a_byte_order_mark(self) -> None:
        raw = b"\xef\xbb\xbf" + json.dumps(SYNTHETIC_2027, ensure_ascii=False).encode("utf-8")
        assert parse_arrangement_file(raw).year == 2027

    def test_replaces_a_year_already_present(self) -> None:
        corrected = YearArrangement.from_json({**valid_2026(), "makeup_workdays": []})
        calendar = CALENDAR.with_arrangements(corrected)
        assert not calendar.is_working_day(d("2026-02-14"))
        assert CALENDAR.is_working_day(d("2026-02-14"))

    def test_the_same_year_twice_is_refused(self) -> None:
        arrangement = shipped_arrangements()[2026]
        with pytest.raises(ArrangementError, match="重复"):
            WorkCalendar([arrangement, arrangement])

    def test_round_trips_through_json(self) -> None:
        for arrangement in shipped_arrangements().values():
            assert YearArrangement.from_json(arrangement.to_json()) == arrangement
        synthetic = YearArrangement.from_json(SYNTHETIC_2027)
        assert synthetic.notice.url is None
        assert synthetic.to_json() == SYNTHETIC_2027

    def test_a_null_url_means_none(self) -> None:
        data = valid_2026()
        data["notice"]["url"] = None
        assert YearArrangement.from_json(data).notice.url is None

    def test_sorts_entries(self) -> None:
        data = valid_2026()
        data["holidays"].reverse()
        data["makeup_workdays"].reverse()
        assert YearArrangement.from_json(data) == shipped_arrangements()[2026]


def _mutate(change: Any) -> dict[str, Any]:
    data = copy.deepcopy(valid_2026())
    change(data)
    return data


def _set(path: tuple[Any, ...], value: Any) -> Any:
    def change(data: dict[str, Any]) -> None:
        target: Any = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


def _drop(path: tuple[Any, ...]) -> Any:
    def change(data: dict[str, Any]) -> None:
        target: Any = data
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return change


def _append(key: str, value: Any) -> Any:
    return lambda data: data[key].append(value)


class TestValidation:
    @pytest.mark.parametrize(
        ("change", "message"),
        [
            pytest.param(_drop(("year",)), "缺少字段 year", id="missing-year"),
            pytest.param(_set(("year",), "2026"), "year 应为整数年份", id="year-as-text"),
            pytest.param(_set(("year",), True), "year 应为整数年份", id="year-as-bool"),
            pytest.param(_set(("year",), 2026.0), "year 应为整数年份", id="year-as-float"),
            pytest.param(_set(("year",), 2025), "不在2025年内", id="wrong-year"),
            pytest.param(
                _set(("holidays", 0, "start"), "2025-12-31"), "不在2026年内", id="start-outside"
            ),
            pytest.param(
                _set(("holidays", 6, "end"), "2027-01-02"), "不在2026年内", id="end-outside"
            ),
            pytest.param(
                _append("makeup_workdays", "2025-12-27"), "不在2026年内", id="makeup-outside"
            ),
            pytest.param(
                _set(("holidays", 1, "end"), "2026-02-14"), "晚于末日", id="start-after-end"
            ),
            pytest.param(
                _append("holidays", {"name": "测试", "start": "2026-02-20", "end": "2026-02-26"}),
                "日期重叠",
                id="overlapping-holidays",
            ),
            pytest.param(
                _append("holidays", {"name": "春节", "start": "2026-12-01", "end": "2026-12-01"}),
                "重复列出",
                id="duplicate-holiday",
            ),
            pytest.param(
                _append("makeup_workdays", "2026-01-05"), "不是周六或周日", id="makeup-weekday"
            ),
            pytest.param(
                _append("makeup_workdays", "2026-02-21"), "落在“春节”假期内", id="makeup-in-holiday"
            ),
            pytest.param(
                _append("makeup_workdays", "2026-02-14"), "重复列出", id="duplicate-makeup"
            ),
            pytest.param(_set(("comment",), "x"), "未知字段 comment", id="unknown-top-key"),
            pytest.param(
                _set(("holidays", 0, "note"), "x"),
                "holidays[0] 含有未知字段 note",
                id="unknown-key",
            ),
            pytest.param(
                _set(("notice", "author"), "x"), "未知字段 author", id="unknown-notice-key"
            ),
            pytest.param(_drop(("notice", "doc_no")), "缺少字段 doc_no", id="missing-doc-no"),
            pytest.param(_drop(("holidays", 0, "end")), "缺少字段 end", id="missing-end"),
            pytest.param(
                _set(("holidays", 0, "start"), "2026/01/01"), "YYYY-MM-DD", id="slashed-date"
            ),
            pytest.param(
                _set(("holidays", 0, "start"), "20260101"), "YYYY-MM-DD", id="basic-iso-date"
            ),
            pytest.param(
                _set(("makeup_workdays", 0), "2026-02-30"), "YYYY-MM-DD", id="no-such-day"
            ),
            pytest.param(_set(("makeup_workdays", 0), 20260104), "YYYY-MM-DD", id="date-as-number"),
            pytest.param(_set(("holidays",), []), "未列出任何节假日", id="no-holidays"),
            pytest.param(_set(("holidays",), {}), "holidays 应为 JSON 数组", id="holidays-object"),
            pytest.param(_set(("holidays", 0, "name"), " "), "非空字符串", id="blank-name"),
            pytest.param(_set(("notice", "title"), ""), "非空字符串", id="blank-title"),
            pytest.param(_set(("notice", "url"), 5), "非空字符串", id="url-number"),
            pytest.param(
                _set(("notice",), "国办发明电"), "notice 应为 JSON 对象", id="notice-text"
            ),
        ],
    )
    def test_refuses_bad_input(self, change: Any, message: str) -> None:
        with pytest.raises(ArrangementError) as caught:
            YearArrangement.from_json(_mutate(change))
        assert message in str(caught.value)

    def test_is_a_value_error(self) -> None:
        assert issubclass(ArrangementError, ValueError)

    def test_direct_construction_is_checked_too(self) -> None:
        notice = Notice(title="t", doc_no="n", issued=d("2025-11-04"))
        with pytest.raises(ArrangementError, match="日期重叠"):
            YearArrangement(
                year=2026,
                notice=notice,
                holidays=(
                    Holiday("甲", d("2026-05-01"), d("2026-05-05")),
                    Holiday("乙", d("2026-05-05"), d("2026-05-06")),
                ),
                makeup_workdays=(),
            )

    @pytest.mark.parametrize(
        ("raw", "message"),
        [
            pytest.param(b'{"year": 2026,', "不是有效的JSON", id="truncated"),
            pytest.param(b"", "不是有效的JSON", id="empty"),
            pytest.param('{"year": "二〇二六"}'.encode("gb18030"), "UTF-8", id="gb18030"),
            pytest.param(b"[]", "顶层 应为 JSON 对象", id="array"),
            pytest.param(b'{"year": 2026, "year": 2027}', "字段 year 重复出现", id="duplicate-key"),
            pytest.param(b'{"year": NaN}', "不允许 NaN", id="nan"),
        ],
    )
    def test_refuses_bad_files(self, raw: bytes, message: str) -> None:
        with pytest.raises(ArrangementError) as caught:
            parse_arrangement_file(raw)
        assert message in str(caught.value)


class TestDeadline:
    def test_converts_to_shanghai_before_counting(self) -> None:
        event = datetime(2026, 1, 30, 17, 0, tzinfo=UTC)
        local = event.astimezone(SHANGHAI)
        assert (local.date(), local.hour, local.weekday()) == (d("2026-01-31"), 1, 5)
        due = CALENDAR.deadline(event, 1)
        assert due == datetime(2026, 2, 2, 23, 59, 59, 999999, tzinfo=SHANGHAI)
        assert due.utcoffset() == timedelta(hours=8)

    def test_the_local_date_decides_not_the_utc_date(self) -> None:
        event = datetime(2026, 1, 29, 17, 0, tzinfo=UTC)
        assert CALENDAR.deadline(event, 1).date() == d("2026-02-02")

    def test_accepts_any_aware_zone(self) -> None:
        event = datetime(2026, 2, 13, 9, 0, tzinfo=timezone(timedelta(hours=8)))
        assert CALENDAR.deadline(event, 5).date() == d("2026-02-27")

    def test_zero_days_means_the_same_or_next_working_day(self) -> None:
        saturday = datetime(2026, 3, 7, 10, 0, tzinfo=SHANGHAI)
        assert CALENDAR.deadline(saturday, 0).date() == d("2026-03-09")
        monday = datetime(2026, 3, 9, 10, 0, tzinfo=SHANGHAI)
        assert CALENDAR.deadline(monday, 0) == datetime.combine(
            monday.date(), time.max, tzinfo=SHANGHAI
        )

    def test_refuses_naive_datetimes(self) -> None:
        with pytest.raises(ValueError, match="aware"):
            CALENDAR.deadline(datetime(2026, 3, 9, 10, 0), 1)

    def test_refuses_negative_lengths(self) -> None:
        with pytest.raises(ValueError, match="-1"):
            CALENDAR.deadline(datetime(2026, 3, 9, 10, 0, tzinfo=UTC), -1)


known_dates = st.dates(min_value=date(2024, 1, 1), max_value=date(2025, 6, 30))
counts = st.integers(min_value=1, max_value=250)


class TestProperties:
    @given(known_dates, counts)
    def test_result_is_a_working_day(self, start: date, n: int) -> None:
        assert CALENDAR.is_working_day(CALENDAR.add_working_days(start, n))

    @given(known_dates, counts)
    def test_between_inverts_add(self, start: date, n: int) -> None:
        assert CALENDAR.working_days_between(start, CALENDAR.add_working_days(start, n)) == n

    @given(known_dates, st.integers(min_value=0, max_value=249))
    def test_monotonic_in_n(self, start: date, n: int) -> None:
        here, there = CALENDAR.add_working_days(start, n), CALENDAR.add_working_days(start, n + 1)
        assert here < there if n >= 1 else here <= there

    @given(st.dates(min_value=date(2024, 1, 15), max_value=date(2025, 6, 30)), counts)
    def test_backwards_undoes_forwards(self, start: date, n: int) -> None:
        back = CALENDAR.add_working_days(CALENDAR.add_working_days(start, n), -n)
        if CALENDAR.is_working_day(start):
            assert back == start
        else:
            assert back == CALENDAR.previous_working_day(start)

    @given(known_dates, known_dates, known_dates)
    def test_between_is_additive_and_antisymmetric(self, a: date, b: date, c: date) -> None:
        between = CALENDAR.working_days_between
        assert between(a, b) + between(b, c) == between(a, c)
        assert between(a, b) == -between(b, a)

    @given(
        st.dates(min_value=date(2024, 7, 1), max_value=date(2025, 6, 30)),
        st.integers(min_value=-100, max_value=250),
    )
    def test_provisional_agrees_where_years_are_known(self, start: date, n: int) -> None:
        result = CALENDAR.add_working_days_provisional(start, n)
        assert result == DeadlineResult(CALENDAR.add_working_days(start, n), False, ())
