"""The working-day calendar: public holidays and make-up working days as data.

Statutory deadlines that run on working days (工作日) cannot be computed from
weekdays alone. Every year the General Office of the State Council publishes
a notice (国务院办公厅关于××××年部分节假日安排的通知) that fixes the days off
around the statutory holidays of the 全国年节及纪念日放假办法 (as revised by
国务院令第795号, in force from 2025-01-01) and names the weekend days that are
worked instead (调休上班). Those arrangements are data: one
:class:`YearArrangement` per year, shipped for 2024–2026 under
``core/data/holidays/`` and loadable from a file by an administrator when a new
notice appears.

Rules of this module:

* A day is a working day if it is a make-up working day, or if it is Monday to
  Friday and not inside a holiday period of its year's notice. Every other day
  is a rest day.
* A year without a loaded arrangement is an explicit condition, never a silent
  guess: the strict API raises :class:`UnknownYearError`. The ``*_provisional``
  variants count plain weekends for such years and say so in a
  :class:`DeadlineResult`, so the UI can show “暂按周末推算”.
* Periods follow 《中华人民共和国民法典》第二百零一条 and 第二百零三条: the day of
  the event is not counted, counting starts the next day, and the period ends
  at 24:00 of its last day. The date used is the date in Asia/Shanghai.
"""

from __future__ import annotations

import json
import os
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import MAXYEAR, MINYEAR, date, datetime, time, timedelta
from functools import cache
from importlib import resources
from typing import NamedTuple, NoReturn, TypeAlias

from smartcity.core.time import CHINA

__all__ = [
    "ArrangementError",
    "DeadlineResult",
    "Holiday",
    "Notice",
    "UnknownYearError",
    "WorkCalendar",
    "YearArrangement",
    "parse_arrangement_file",
    "shipped_arrangements",
]

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_SATURDAY = 5
_ONE_DAY = timedelta(days=1)


class ArrangementError(ValueError):
    """A year's holiday arrangement is malformed or contradicts itself.

    The message is Chinese and names the offending entry, because it is shown
    to the administrator who wrote the file.
    """


class UnknownYearError(LookupError):
    """A computation needs a day of a year whose arrangement is not loaded.

    The arrangement of a year is only known once the State Council publishes
    it, typically in October or November of the year before. Guessing it from
    weekends would silently produce wrong statutory deadlines, so the strict
    calendar refuses; callers that can live with an estimate use the
    ``*_provisional`` methods instead.
    """

    def __init__(self, year: int) -> None:
        self.year = year
        super().__init__(
            f"尚未载入{year}年节假日安排（国务院办公厅关于{year}年部分节假日安排的通知），"
            f"无法按工作日计算涉及{year}年的期限；请管理员载入该年安排，或使用暂按周末推算的结果。"
        )


@dataclass(frozen=True, slots=True)
class Notice:
    """The State Council notice a year's arrangement comes from (its legal source)."""

    title: str
    doc_no: str
    issued: date
    url: str | None = None


class Holiday(NamedTuple):
    """One holiday period: the first and last day off, both inclusive.

    Weekend days inside the period are part of it, as the notice counts them
    (“共N天”). Where a notice gives a single statutory day “与周末连休” (2024 元旦,
    2024 端午节), only that day is listed; the adjacent weekend days are
    ordinary rest days.
    """

    name: str
    start: date
    end: date


@dataclass(frozen=True, slots=True)
class YearArrangement:
    """The days off and make-up working days of one calendar year.

    Every instance is valid: construction checks that all dates lie in
    ``year``, that holiday periods are well-formed, distinct and do not
    overlap, and that every make-up working day is a Saturday or Sunday outside
    all holiday periods (a weekday is a working day anyway; a day cannot be
    both off and worked). Holidays and make-up days are kept sorted.

    Dates outside the notice's own year are refused. The 2024–2026 notices
    contain none; a notice that moved a day of the previous year would change
    an already-loaded year and must be handled as an amendment of that year.

    The rule of Article 7 of the revised 放假办法 (no more than six consecutive
    working days around a statutory holiday) is not enforced, because it
    applies only “一般” and the notices state exceptions.

    Raises:
        ArrangementError: the arrangement is inconsistent.
    """

    year: int
    notice: Notice
    holidays: tuple[Holiday, ...]
    makeup_workdays: tuple[date, ...]

    def __post_init__(self) -> None:
        holidays = tuple(
            sorted((Holiday(*h) for h in self.holidays), key=lambda h: (h.start, h.end))
        )
        makeup = tuple(sorted(self.makeup_workdays))
        object.__setattr__(self, "holidays", holidays)
        object.__setattr__(self, "makeup_workdays", makeup)
        _check_arrangement(self)

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> YearArrangement:
        """Read the file format documented in ``core/data/holidays/README.md``.

        Parsing is strict: unknown or missing keys, wrong types and dates not
        written ``YYYY-MM-DD`` are refused rather than ignored, because a
        misread arrangement shifts statutory deadlines without anyone noticing.

        Raises:
            ArrangementError: the data is malformed or inconsistent.
        """
        top = _expect_object(
            data, "顶层", required={"year", "notice", "holidays", "makeup_workdays"}
        )
        year = _check_year(top["year"])
        notice_data = _expect_object(
            top["notice"], "notice", required={"title", "doc_no", "issued"}, optional={"url"}
        )
        url = notice_data.get("url")
        if url is not None:
            url = _expect_text(url, "notice.url")
        notice = Notice(
            title=_expect_text(notice_data["title"], "notice.title"),
            doc_no=_expect_text(notice_data["doc_no"], "notice.doc_no"),
            issued=_expect_date(notice_data["issued"], "notice.issued"),
            url=url,
        )
        holidays_data = _expect_list(top["holidays"], "holidays")
        holidays = []
        for index, item in enumerate(holidays_data):
            where = f"holidays[{index}]"
            entry = _expect_object(item, where, required={"name", "start", "end"})
            holidays.append(
                Holiday(
                    name=_expect_text(entry["name"], f"{where}.name"),
                    start=_expect_date(entry["start"], f"{where}.start"),
                    end=_expect_date(entry["end"], f"{where}.end"),
                )
            )
        makeup_data = _expect_list(top["makeup_workdays"], "makeup_workdays")
        makeup = [
            _expect_date(item, f"makeup_workdays[{index}]")
            for index, item in enumerate(makeup_data)
        ]
        return cls(
            year=year, notice=notice, holidays=tuple(holidays), makeup_workdays=tuple(makeup)
        )

    def to_json(self) -> dict[str, object]:
        """The canonical file form; ``from_json(a.to_json()) == a``."""
        notice: dict[str, object] = {
            "title": self.notice.title,
            "doc_no": self.notice.doc_no,
            "issued": self.notice.issued.isoformat(),
        }
        if self.notice.url is not None:
            notice["url"] = self.notice.url
        return {
            "year": self.year,
            "notice": notice,
            "holidays": [
                {"name": h.name, "start": h.start.isoformat(), "end": h.end.isoformat()}
                for h in self.holidays
            ],
            "makeup_workdays": [d.isoformat() for d in self.makeup_workdays],
        }

    def days_off(self) -> Iterator[tuple[date, str]]:
        """Every day inside a holiday period, with the holiday's name, in order."""
        for holiday in self.holidays:
            day = holiday.start
            while day <= holiday.end:
                yield day, holiday.name
                day += _ONE_DAY


def _check_arrangement(arrangement: YearArrangement) -> None:
    year = _check_year(arrangement.year)
    prefix = f"{year}年节假日安排无效："
    notice = arrangement.notice
    if not isinstance(notice, Notice):
        raise ArrangementError(f"{prefix}缺少发布通知信息")
    if not notice.title.strip() or not notice.doc_no.strip():
        raise ArrangementError(f"{prefix}通知标题和文号不能为空")
    if not arrangement.holidays:
        raise ArrangementError(f"{prefix}未列出任何节假日")

    def check_in_year(day: date, what: str) -> None:
        if day.year != year:
            raise ArrangementError(f"{prefix}{what} {day.isoformat()} 不在{year}年内")

    names: set[str] = set()
    previous: Holiday | None = None
    for holiday in arrangement.holidays:
        label = f"“{holiday.name}”"
        if not holiday.name.strip():
            raise ArrangementError(f"{prefix}节假日名称不能为空")
        check_in_year(holiday.start, f"{label}的首日")
        check_in_year(holiday.end, f"{label}的末日")
        if holiday.start > holiday.end:
            raise ArrangementError(
                f"{prefix}{label}的首日 {holiday.start.isoformat()} "
                f"晚于末日 {holiday.end.isoformat()}"
            )
        if holiday.name in names:
            raise ArrangementError(f"{prefix}节假日{label}重复列出")
        names.add(holiday.name)
        if previous is not None and holiday.start <= previous.end:
            raise ArrangementError(
                f"{prefix}“{previous.name}”（{previous.start.isoformat()}至{previous.end.isoformat()}）"
                f"与{label}（{holiday.start.isoformat()}至{holiday.end.isoformat()}）日期重叠"
            )
        previous = holiday

    seen: set[date] = set()
    for day in arrangement.makeup_workdays:
        check_in_year(day, "调休上班日")
        if day in seen:
            raise ArrangementError(f"{prefix}调休上班日 {day.isoformat()} 重复列出")
        seen.add(day)
        if day.weekday() < _SATURDAY:
            raise ArrangementError(
                f"{prefix}调休上班日 {day.isoformat()} 不是周六或周日（周一至周五本来就是工作日）"
            )
        for holiday in arrangement.holidays:
            if holiday.start <= day <= holiday.end:
                raise ArrangementError(
                    f"{prefix}调休上班日 {day.isoformat()} 落在“{holiday.name}”假期内"
                )


def _check_year(value: object) -> int:
    if type(value) is not int or not MINYEAR <= value <= MAXYEAR:
        raise ArrangementError(f"节假日安排数据无效：year 应为整数年份，实际为 {value!r}")
    return value


def _expect_object(
    value: object,
    where: str,
    *,
    required: AbstractSet[str],
    optional: AbstractSet[str] = frozenset(),
) -> Mapping[str, object]:
    if not isinstance(value, Mapping):
        raise ArrangementError(f"节假日安排数据无效：{where} 应为 JSON 对象")
    keys = set(value)
    unknown = keys - required - optional
    if unknown:
        listed = "、".join(sorted(str(k) for k in unknown))
        raise ArrangementError(f"节假日安排数据无效：{where} 含有未知字段 {listed}")
    missing = required - keys
    if missing:
        raise ArrangementError(f"节假日安排数据无效：{where} 缺少字段 {'、'.join(sorted(missing))}")
    return value


def _expect_list(value: object, where: str) -> list[object]:
    if not isinstance(value, list):
        raise ArrangementError(f"节假日安排数据无效：{where} 应为 JSON 数组")
    return value


def _expect_text(value: object, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ArrangementError(f"节假日安排数据无效：{where} 应为非空字符串")
    return value


def _expect_date(value: object, where: str) -> date:
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ArrangementError(
        f"节假日安排数据无效：{where} 应为 YYYY-MM-DD 格式的日期，实际为 {value!r}"
    )


def _refuse_duplicate_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    result: dict[str, object] = {}
    for key, value in pairs:
        if key in result:
            raise ArrangementError(f"节假日安排数据无效：字段 {key} 重复出现")
        result[key] = value
    return result


def _refuse_constant(name: str) -> NoReturn:
    raise ArrangementError(f"节假日安排数据无效：不允许 {name}")


def parse_arrangement_file(source: str | os.PathLike[str] | bytes) -> YearArrangement:
    """Read one year's arrangement from a file path or from the file's bytes.

    The file is UTF-8 JSON (a leading byte-order mark is tolerated, as some
    Windows editors write one). Other encodings such as GB18030 are refused
    rather than guessed, and so are duplicate keys, which plain JSON parsers
    silently resolve to the last value.

    Raises:
        ArrangementError: the bytes are not UTF-8 or not JSON, or the content
            is not a valid arrangement.
        OSError: the path cannot be read.
    """
    raw = source if isinstance(source, bytes) else _read_bytes(source)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ArrangementError(
            f"节假日安排文件不是有效的UTF-8编码（第{error.start + 1}个字节起无法解码），"
            "请以UTF-8编码保存后重新载入"
        ) from error
    try:
        data = json.loads(
            text, object_pairs_hook=_refuse_duplicate_keys, parse_constant=_refuse_constant
        )
    except json.JSONDecodeError as error:
        raise ArrangementError(
            f"节假日安排文件不是有效的JSON（第{error.lineno}行第{error.colno}列：{error.msg}）"
        ) from error
    if not isinstance(data, dict):
        raise ArrangementError("节假日安排数据无效：顶层 应为 JSON 对象")
    return YearArrangement.from_json(data)


def _read_bytes(path: str | os.PathLike[str]) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


@cache
def _shipped() -> tuple[YearArrangement, ...]:
    folder = resources.files(__package__ or "smartcity.core") / "data" / "holidays"
    found = []
    for entry in folder.iterdir():
        if not re.fullmatch(r"\d{4}\.json", entry.name):
            continue
        arrangement = parse_arrangement_file(entry.read_bytes())
        if str(arrangement.year) != entry.name.removesuffix(".json"):
            raise ArrangementError(
                f"随附文件 {entry.name} 中的年份为 {arrangement.year}，与文件名不符"
            )
        found.append(arrangement)
    return tuple(sorted(found, key=lambda a: a.year))


def shipped_arrangements() -> dict[int, YearArrangement]:
    """The arrangements shipped with the package, by year (read once, then cached).

    These are transcribed from the official notices 国办发明电〔2023〕7号 (2024),
    国办发明电〔2024〕12号 (2025) and 国办发明电〔2025〕7号 (2026). Later years are
    loaded by an administrator, persisted by the domain that owns them and
    passed to :class:`WorkCalendar` together with these.
    """
    return {a.year: a for a in _shipped()}


@dataclass(frozen=True, slots=True)
class DeadlineResult:
    """A date computed on working days, flagged when part of it is an estimate.

    ``provisional`` is true when the computation crossed a year whose
    arrangement is not loaded; for those years (listed in ``unknown_years``)
    only Saturdays and Sundays were treated as rest days. The real date may
    then differ once the notice is published, so the UI must say so.
    """

    date: date
    provisional: bool
    unknown_years: tuple[int, ...] = field(default=())

    @property
    def due_at(self) -> datetime:
        """The end of the day, 23:59:59.999999 Asia/Shanghai (民法典第二百零三条: 24:00)."""
        return _end_of_day(self.date)

    @property
    def note(self) -> str | None:
        """A Chinese remark for the UI when the date is an estimate, else ``None``."""
        if not self.provisional:
            return None
        years = "、".join(f"{y}年" for y in self.unknown_years)
        return f"尚未载入{years}节假日安排，暂按周末推算"


def _end_of_day(day: date) -> datetime:
    return datetime.combine(day, time.max, tzinfo=CHINA)


class _YearDays(NamedTuple):
    working: tuple[int, ...]
    working_set: frozenset[int]
    holiday_names: Mapping[int, str]
    makeup: frozenset[int]


@cache
def _weekend_only(year: int) -> _YearDays:
    first = date(year, 1, 1).toordinal()
    last = date(year, 12, 31).toordinal()
    working = tuple(o for o in range(first, last + 1) if date.fromordinal(o).weekday() < _SATURDAY)
    return _YearDays(working, frozenset(working), {}, frozenset())


def _year_days(arrangement: YearArrangement) -> _YearDays:
    names = {day.toordinal(): name for day, name in arrangement.days_off()}
    makeup = frozenset(d.toordinal() for d in arrangement.makeup_workdays)
    first = date(arrangement.year, 1, 1).toordinal()
    last = date(arrangement.year, 12, 31).toordinal()
    working = tuple(
        o
        for o in range(first, last + 1)
        if o in makeup or (o not in names and date.fromordinal(o).weekday() < _SATURDAY)
    )
    return _YearDays(working, frozenset(working), names, makeup)


_Lookup: TypeAlias = Callable[[int], _YearDays]


class WorkCalendar:
    """Working days over the years whose arrangements it was given.

    Immutable. Each year is precomputed into a sorted tuple of working days
    (as ordinals), so counting is a binary search per year crossed, not a
    day-by-day walk.

    Counting convention (民法典第二百零一条: the first day is not counted):

    * ``add_working_days(d, n)`` for ``n >= 1`` is the n-th working day after
      ``d``. An obligation “within N working days” of an event on day ``d``
      ends on ``add_working_days(d, N)``.
    * ``n == 0`` gives ``d`` itself if it is a working day, else the next one.
    * ``n < 0`` gives the ``|n|``-th working day before ``d``.
    * ``working_days_between(a, b)`` counts the working days in ``(a, b]``, so
      ``working_days_between(d, add_working_days(d, n)) == n`` for ``n >= 1``.

    Every method that needs a day of a year without an arrangement raises
    :class:`UnknownYearError`; only the ``*_provisional`` methods estimate.
    """

    __slots__ = ("_arrangements", "_years")

    def __init__(self, arrangements: Iterable[YearArrangement]) -> None:
        """Build the calendar.

        Raises:
            ArrangementError: two arrangements are given for the same year.
        """
        by_year: dict[int, YearArrangement] = {}
        for arrangement in arrangements:
            if arrangement.year in by_year:
                raise ArrangementError(f"{arrangement.year}年节假日安排重复提供")
            by_year[arrangement.year] = arrangement
        self._arrangements = dict(sorted(by_year.items()))
        self._years = {year: _year_days(a) for year, a in self._arrangements.items()}

    @classmethod
    def default(cls) -> WorkCalendar:
        """The calendar of the shipped years (2024–2026), shared and cached."""
        return _default_calendar()

    def with_arrangements(self, *arrangements: YearArrangement) -> WorkCalendar:
        """A new calendar with these years added, replacing any already present.

        This is how a year loaded by an administrator (for example 2027, once
        its notice is published) joins the shipped years.
        """
        merged = dict(self._arrangements)
        merged.update((a.year, a) for a in arrangements)
        return WorkCalendar(merged.values())

    def __repr__(self) -> str:
        return f"WorkCalendar(known_years={self.known_years!r})"

    @property
    def known_years(self) -> tuple[int, ...]:
        """The years with a loaded arrangement, ascending."""
        return tuple(self._arrangements)

    def covers(self, year: int) -> bool:
        """Whether ``year``'s arrangement is loaded."""
        return year in self._years

    def arrangement(self, year: int) -> YearArrangement:
        """The arrangement of ``year``.

        Raises:
            UnknownYearError: the year is not loaded.
        """
        try:
            return self._arrangements[year]
        except KeyError:
            raise UnknownYearError(year) from None

    def _strict(self, year: int) -> _YearDays:
        try:
            return self._years[year]
        except KeyError:
            raise UnknownYearError(year) from None

    def _estimating(self, unknown: set[int]) -> _Lookup:
        def lookup(year: int) -> _YearDays:
            days = self._years.get(year)
            if days is None:
                unknown.add(year)
                return _weekend_only(year)
            return days

        return lookup

    def is_working_day(self, day: date) -> bool:
        """Whether ``day`` is a working day (工作日，含调休上班日).

        Raises:
            UnknownYearError: ``day``'s year is not loaded.
        """
        return day.toordinal() in self._strict(day.year).working_set

    def holiday_name(self, day: date) -> str | None:
        """The name of the holiday period ``day`` falls in (e.g. “春节”), else ``None``.

        Ordinary weekends have no name, including those adjacent to a single
        statutory day “与周末连休”.

        Raises:
            UnknownYearError: ``day``'s year is not loaded.
        """
        return self._strict(day.year).holiday_names.get(day.toordinal())

    def is_makeup_workday(self, day: date) -> bool:
        """Whether ``day`` is a weekend day worked under the notice (调休上班).

        Raises:
            UnknownYearError: ``day``'s year is not loaded.
        """
        return day.toordinal() in self._strict(day.year).makeup

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after ``start`` (see the class docstring for n ≤ 0).

        Raises:
            UnknownYearError: a day the count passes over lies in a year that
                is not loaded (the first such year is reported).
        """
        return _shift(self._strict, start, n)

    def add_working_days_provisional(self, start: date, n: int) -> DeadlineResult:
        """Like :meth:`add_working_days`, estimating unknown years from weekends.

        The result says whether, and for which years, it is an estimate.
        """
        unknown: set[int] = set()
        day = _shift(self._estimating(unknown), start, n)
        return DeadlineResult(day, bool(unknown), tuple(sorted(unknown)))

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after ``day``.

        Raises:
            UnknownYearError: the search passes over a year that is not loaded.
        """
        return _shift(self._strict, day, 1)

    def previous_working_day(self, day: date) -> date:
        """The last working day strictly before ``day``.

        Raises:
            UnknownYearError: the search passes over a year that is not loaded.
        """
        return _shift(self._strict, day, -1)

    def working_days_between(self, a: date, b: date) -> int:
        """The number of working days in ``(a, b]``; negative when ``b < a``.

        ``working_days_between(a, b) == -working_days_between(b, a)``, and the
        counts of consecutive spans add up.

        Raises:
            UnknownYearError: a day of the span lies in a year that is not loaded.
        """
        if b < a:
            return -self.working_days_between(b, a)
        low, high = a.toordinal(), b.toordinal()
        if low == high:
            return 0
        total = 0
        for year in range((a + _ONE_DAY).year, b.year + 1):
            working = self._strict(year).working
            total += bisect_right(working, high) - bisect_right(working, low)
        return total

    def deadline(self, start: datetime, working_days: int) -> datetime:
        """The end of a period of ``working_days`` working days after an event.

        ``start`` (aware, any zone) is converted to Asia/Shanghai, because the
        regulation's deadlines run on the Chinese calendar: an event at
        2026-01-30T17:00Z happened on Saturday 2026-01-31 in Jining. The event
        day is not counted (民法典第二百零一条); the period ends at 24:00 of its
        last working day (第二百零三条), returned as 23:59:59.999999
        Asia/Shanghai, aware. ``working_days == 0`` means the same day if it is
        a working day, else the next working day.

        Raises:
            ValueError: ``start`` is naive or ``working_days`` is negative.
            UnknownYearError: the period crosses a year that is not loaded.
        """
        return _end_of_day(self.add_working_days(_local_date(start, working_days), working_days))

    def deadline_provisional(self, start: datetime, working_days: int) -> DeadlineResult:
        """Like :meth:`deadline`, estimating unknown years from weekends.

        The moment is ``result.due_at``; ``result.note`` is the UI remark.

        Raises:
            ValueError: ``start`` is naive or ``working_days`` is negative.
        """
        return self.add_working_days_provisional(_local_date(start, working_days), working_days)


@cache
def _default_calendar() -> WorkCalendar:
    return WorkCalendar(_shipped())


def _local_date(start: datetime, working_days: int) -> date:
    if start.tzinfo is None or start.utcoffset() is None:
        raise ValueError("deadline needs an aware datetime; use smartcity.core.time.utcnow()")
    if working_days < 0:
        raise ValueError(f"a deadline cannot be {working_days} working days long")
    return start.astimezone(CHINA).date()


def _shift(lookup: _Lookup, start: date, n: int) -> date:
    origin = start.toordinal()
    if n == 0:
        if origin in lookup(start.year).working_set:
            return date.fromordinal(origin)
        n = 1
    if n > 0:
        year = (start + _ONE_DAY).year
        remaining = n
        while True:
            working = lookup(year).working
            index = bisect_right(working, origin)
            available = len(working) - index
            if remaining <= available:
                return date.fromordinal(working[index + remaining - 1])
            remaining -= available
            year += 1
            if year > MAXYEAR:
                raise OverflowError("working-day count runs past the last representable date")
    year = (start - _ONE_DAY).year
    remaining = -n
    while True:
        working = lookup(year).working
        index = bisect_left(working, origin)
        if remaining <= index:
            return date.fromordinal(working[index - remaining])
        remaining -= index
        year -= 1
        if year < MINYEAR:
            raise OverflowError("working-day count runs past the first representable date")
