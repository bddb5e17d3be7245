"""Sharing statistics and the annual sharing report (issue #5).

Per department and per county-level unit (县、市、区, through the organization
tree): requests made and received, decisions on time or late, the median answer
time in working days, refusals by legal basis, active grants; and from the
exchange log: calls per day (the last 30 days), calls per month, error rate and
the most consumed resources.

Every figure comes from aggregate queries (``GROUP BY``, ``CASE`` buckets); the
exchange log is never read row by row. Only the answer times go through Python,
one pair of dates per decided request, because working days come from the
platform's calendar. Nothing here writes.

Conventions: requests count in the year they were submitted; decisions (on time,
late, answer time, refusals) in the year they were made, on the provider's line;
grants are those valid now; calls on the calling (consumer) department's line.
Years and days are those of Asia/Shanghai.
"""

from __future__ import annotations

import statistics as stats
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session

from smartcity.core.security import Actor, ensure_permission
from smartcity.core.tabular import write_xlsx
from smartcity.core.time import CHINA, utcnow
from smartcity.core.workdays import UnknownYearError, WorkCalendar
from smartcity.domains.calendar import service as calendar_service
from smartcity.domains.registry.enums import OrganizationKind
from smartcity.domains.registry.models import LegalBasis, Organization
from smartcity.domains.sharing.enums import GrantState, RequestState
from smartcity.domains.sharing.models import ExchangeLogEntry, Grant, ShareRequest
from smartcity.domains.sharing.permissions import SharingPermission
from smartcity.domains.sharing.service.exchange_log import TIMESTAMP_FORMAT
from smartcity.domains.sharing.stats_schemas import (
    CallCount,
    CountyStatistics,
    OrganizationStatistics,
    RefusalsByBasis,
    ResourceCalls,
    SharingFigures,
    SharingStatistics,
)

DAYS_SHOWN = 30
TOP_RESOURCES = 10
OK = "ok"

_DECIDED = (RequestState.granted, RequestState.partially_granted, RequestState.refused)
_REFUSED = (RequestState.refused, RequestState.partially_granted)


@dataclass
class _Tally:
    """Raw counts of one line, before rates and medians."""

    made: int = 0
    received: int = 0
    decided: int = 0
    on_time: int = 0
    late: int = 0
    refusals: int = 0
    grants_held: int = 0
    grants_given: int = 0
    calls: int = 0
    errors: int = 0
    days: list[int] = field(default_factory=list)

    def add(self, other: _Tally) -> None:
        for name in (
            "made",
            "received",
            "decided",
            "on_time",
            "late",
            "refusals",
            "grants_held",
            "grants_given",
            "calls",
            "errors",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.days.extend(other.days)

    def active(self) -> bool:
        return any(
            (
                self.made,
                self.received,
                self.decided,
                self.refusals,
                self.grants_held,
                self.grants_given,
                self.calls,
            )
        )

    def figures(self) -> SharingFigures:
        return SharingFigures(
            requests_made=self.made,
            requests_received=self.received,
            decided=self.decided,
            on_time=self.on_time,
            late=self.late,
            on_time_rate=_rate(self.on_time, self.on_time + self.late),
            median_answer_days=float(stats.median(self.days)) if self.days else None,
            refusals=self.refusals,
            grants_held=self.grants_held,
            grants_given=self.grants_given,
            calls=self.calls,
            errors=self.errors,
            error_rate=_rate(self.errors, self.calls),
        )


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _year_start(year: int) -> datetime:
    return datetime(year, 1, 1, tzinfo=CHINA).astimezone(UTC)


def _day_start(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=CHINA).astimezone(UTC)


def _stamp(moment: datetime) -> str:
    """A moment as the exchange log writes it (sortable text)."""
    return moment.astimezone(UTC).strftime(TIMESTAMP_FORMAT)


@dataclass(frozen=True)
class _Scope:
    """What the actor may see: everything, or its own department's line."""

    organization_id: UUID | None  # None: all

    def requests(self) -> ColumnElement[bool]:
        if self.organization_id is None:
            return ShareRequest.id.is_not(None)
        return or_(
            ShareRequest.consumer_organization_id == self.organization_id,
            ShareRequest.provider_organization_id == self.organization_id,
        )

    def grants(self) -> ColumnElement[bool]:
        if self.organization_id is None:
            return Grant.id.is_not(None)
        return or_(
            Grant.consumer_organization_id == self.organization_id,
            Grant.provider_organization_id == self.organization_id,
        )

    def calls(self) -> ColumnElement[bool]:
        if self.organization_id is None:
            return ExchangeLogEntry.seq.is_not(None)
        return ExchangeLogEntry.consumer_organization_id == str(self.organization_id)


def _scope(actor: Actor) -> _Scope:
    """Coordinator and auditors see every line; a department (with any sharing
    permission) its own.

    Raises:
        AuthenticationRequiredError; PermissionDeniedError.
    """
    if actor.has(SharingPermission.read_all):
        return _Scope(None)
    department = actor.organization_id is not None and any(
        actor.has(p)
        for p in (SharingPermission.request, SharingPermission.answer, SharingPermission.exchange)
    )
    if not department:
        ensure_permission(actor, SharingPermission.read_all)
    return _Scope(actor.organization_id)


# ---------------------------------------------------------------- requests


def _request_counts(
    session: Session, scope: _Scope, start: datetime, end: datetime
) -> dict[UUID, _Tally]:
    tallies: dict[UUID, _Tally] = defaultdict(_Tally)
    in_year = and_(ShareRequest.submitted_at >= start, ShareRequest.submitted_at < end)
    for column, attribute in (
        (ShareRequest.consumer_organization_id, "made"),
        (ShareRequest.provider_organization_id, "received"),
    ):
        rows = session.execute(
            select(column, func.count(ShareRequest.id))
            .where(in_year, scope.requests())
            .group_by(column)
        ).all()
        for organization_id, count in rows:
            setattr(tallies[organization_id], attribute, count)
    due = func.coalesce(ShareRequest.answer_due_at, ShareRequest.check_due_at)
    on_time = or_(due.is_(None), ShareRequest.closed_at < due)
    decided_in_year = and_(
        ShareRequest.state.in_(_DECIDED),
        ShareRequest.closed_at >= start,
        ShareRequest.closed_at < end,
        scope.requests(),
    )
    decisions = session.execute(
        select(
            ShareRequest.provider_organization_id,
            func.count(ShareRequest.id),
            func.sum(case((on_time, 1), else_=0)),
            func.sum(case((ShareRequest.state.in_(_REFUSED), 1), else_=0)),
        )
        .where(decided_in_year)
        .group_by(ShareRequest.provider_organization_id)
    ).all()
    for organization_id, decided, timely, refused in decisions:
        tally = tallies[organization_id]
        tally.decided = decided
        tally.on_time = int(timely or 0)
        tally.late = decided - tally.on_time
        tally.refusals = int(refused or 0)
    calendar = calendar_service.work_calendar(session)
    spans = session.execute(
        select(
            ShareRequest.provider_organization_id,
            ShareRequest.submitted_at,
            ShareRequest.closed_at,
        ).where(decided_in_year)
    ).all()
    for organization_id, submitted_at, closed_at in spans:
        if closed_at is None:
            continue
        days = _working_days(calendar, submitted_at, closed_at)
        if days is not None:
            tallies[organization_id].days.append(days)
    return tallies


def _working_days(calendar: WorkCalendar, start: datetime, end: datetime) -> int | None:
    """Working days from submission to decision (the submission day not counted);
    None when the span touches a year the calendar does not know."""
    try:
        return calendar.working_days_between(
            start.astimezone(CHINA).date(), end.astimezone(CHINA).date()
        )
    except UnknownYearError:
        return None


def _refusals(
    session: Session, scope: _Scope, start: datetime, end: datetime
) -> list[RefusalsByBasis]:
    count = func.count(ShareRequest.id)
    rows = session.execute(
        select(LegalBasis.id, LegalBasis.title, LegalBasis.article, count)
        .join(ShareRequest, ShareRequest.refusal_basis_id == LegalBasis.id)
        .where(
            ShareRequest.state.in_(_REFUSED),
            ShareRequest.closed_at >= start,
            ShareRequest.closed_at < end,
            scope.requests(),
        )
        .group_by(LegalBasis.id, LegalBasis.title, LegalBasis.article)
        .order_by(count.desc(), LegalBasis.title, LegalBasis.id)
    ).all()
    total = sum(row[3] for row in rows)
    return [
        RefusalsByBasis(
            legal_basis_id=row[0],
            citation=f"{row[1]}{row[2]}",
            refusals=row[3],
            share=_rate(row[3], total),
        )
        for row in rows
    ]


def _active_grants(
    session: Session, scope: _Scope, now: datetime, tallies: dict[UUID, _Tally]
) -> None:
    active = and_(
        Grant.state == GrantState.active,
        Grant.valid_from <= now,
        Grant.valid_until > now,
        scope.grants(),
    )
    for column, attribute in (
        (Grant.consumer_organization_id, "grants_held"),
        (Grant.provider_organization_id, "grants_given"),
    ):
        rows = session.execute(
            select(column, func.count(Grant.id)).where(active).group_by(column)
        ).all()
        for organization_id, count in rows:
            setattr(tallies[organization_id], attribute, count)


# ---------------------------------------------------------------- exchange log

_FAILED = case((ExchangeLogEntry.result != OK, 1), else_=0)


def _calls_by_consumer(
    session: Session, scope: _Scope, start: datetime, end: datetime
) -> dict[str, tuple[int, int]]:
    rows = session.execute(
        select(
            ExchangeLogEntry.consumer_organization_id,
            func.count(ExchangeLogEntry.seq),
            func.sum(_FAILED),
        )
        .where(
            ExchangeLogEntry.occurred_at >= _stamp(start),
            ExchangeLogEntry.occurred_at < _stamp(end),
            scope.calls(),
        )
        .group_by(ExchangeLogEntry.consumer_organization_id)
    ).all()
    return {row[0]: (row[1], int(row[2] or 0)) for row in rows}


def _calls_in_periods(
    session: Session, scope: _Scope, periods: Sequence[tuple[str, date, datetime, datetime]]
) -> list[CallCount]:
    """Calls and failed calls in each ``(label, start date, from, until)`` period: one
    query, a pair of ``CASE`` sums per period over the periods' whole span."""
    columns: list[Any] = []
    for _, _, start, end in periods:
        inside = and_(
            ExchangeLogEntry.occurred_at >= _stamp(start),
            ExchangeLogEntry.occurred_at < _stamp(end),
        )
        columns.append(func.sum(case((inside, 1), else_=0)))
        columns.append(func.sum(case((and_(inside, ExchangeLogEntry.result != OK), 1), else_=0)))
    row = session.execute(
        select(*columns).where(
            ExchangeLogEntry.occurred_at >= _stamp(periods[0][2]),
            ExchangeLogEntry.occurred_at < _stamp(periods[-1][3]),
            scope.calls(),
        )
    ).one()
    return [
        CallCount(
            label=label, start=day, calls=int(row[2 * i] or 0), errors=int(row[2 * i + 1] or 0)
        )
        for i, (label, day, _, _) in enumerate(periods)
    ]


def _last_days(today: date) -> list[tuple[str, date, datetime, datetime]]:
    days = [today - timedelta(days=n) for n in range(DAYS_SHOWN - 1, -1, -1)]
    return [
        (day.strftime("%m-%d"), day, _day_start(day), _day_start(day + timedelta(days=1)))
        for day in days
    ]


def _months(year: int) -> list[tuple[str, date, datetime, datetime]]:
    periods = []
    for month in range(1, 13):
        first = date(year, month, 1)
        following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
        periods.append((f"{month}月", first, _day_start(first), _day_start(following)))
    return periods


def _top_resources(
    session: Session, scope: _Scope, start: datetime, end: datetime, year_calls: int
) -> list[ResourceCalls]:
    """The most called resources; ``share`` of ``year_calls``, every call in the same
    scope and period (the top ten need not add up to it)."""
    calls = func.count(ExchangeLogEntry.seq)
    rows = session.execute(
        select(ExchangeLogEntry.resource, calls, func.sum(_FAILED))
        .where(
            ExchangeLogEntry.occurred_at >= _stamp(start),
            ExchangeLogEntry.occurred_at < _stamp(end),
            ExchangeLogEntry.resource != "",
            scope.calls(),
        )
        .group_by(ExchangeLogEntry.resource)
        .order_by(calls.desc(), ExchangeLogEntry.resource)
        .limit(TOP_RESOURCES)
    ).all()
    return [
        ResourceCalls(
            resource=r[0], calls=r[1], errors=int(r[2] or 0), share=_rate(r[1], year_calls)
        )
        for r in rows
    ]


# ---------------------------------------------------------------- organizations


@dataclass(frozen=True)
class _Unit:
    id: UUID
    code: str
    name: str
    kind: OrganizationKind
    parent_id: UUID | None


def _directory(session: Session) -> list[_Unit]:
    """The organization tree in directory order (one query)."""
    rows = session.execute(
        select(
            Organization.id,
            Organization.code,
            Organization.name,
            Organization.short_name,
            Organization.kind,
            Organization.parent_id,
        ).order_by(Organization.sort_order, Organization.code)
    ).all()
    return [_Unit(r[0], r[1], r[3] or r[2], r[4], r[5]) for r in rows]


def _county_of(units: dict[UUID, _Unit], organization_id: UUID) -> _Unit | None:
    """The county-level government above (or at) an organization, if any."""
    seen: set[UUID] = set()
    current = units.get(organization_id)
    while current is not None and current.id not in seen:
        if current.kind is OrganizationKind.county_government:
            return current
        seen.add(current.id)
        current = units.get(current.parent_id) if current.parent_id else None
    return None


def _uuid(text: str) -> UUID | None:
    try:
        return UUID(text)
    except ValueError:
        return None


# ---------------------------------------------------------------- use cases


def sharing_statistics(
    session: Session, *, actor: Actor, year: int | None = None, county: UUID | None = None
) -> SharingStatistics:
    """The sharing figures of ``year`` (this year by default), per department and per
    county-level unit, with the exchange calls of the last 30 days.

    The coordinator and auditors (``sharing.read_all``) see every line (``county``
    narrows the departments to one county's); a department sees only its own line and
    its own calls.

    Raises:
        AuthenticationRequiredError; PermissionDeniedError: neither ``read_all`` nor a
        department with a sharing permission.
    """
    scope = _scope(actor)
    now = utcnow()
    today = now.astimezone(CHINA).date()
    year = year or today.year
    start, end = _year_start(year), _year_start(year + 1)

    tallies = _request_counts(session, scope, start, end)
    _active_grants(session, scope, now, tallies)
    calls = _calls_by_consumer(session, scope, start, end)
    for organization_text, (count, errors) in calls.items():
        organization_id = _uuid(organization_text)
        if organization_id is not None:
            tallies[organization_id].calls = count
            tallies[organization_id].errors = errors

    units = _directory(session)
    by_id = {u.id: u for u in units}
    if scope.organization_id is not None:
        own = scope.organization_id
        shown = [u for u in units if u.id == own]
    else:
        shown = [u for u in units if u.id in tallies and tallies[u.id].active()]
    if county is not None:
        shown = [u for u in shown if (c := _county_of(by_id, u.id)) is not None and c.id == county]

    departments: list[OrganizationStatistics] = []
    per_county: dict[UUID, _Tally] = defaultdict(_Tally)
    members: dict[UUID, int] = defaultdict(int)
    for unit in shown:
        tally = tallies.get(unit.id, _Tally())
        home = _county_of(by_id, unit.id)
        departments.append(
            OrganizationStatistics(
                organization_id=unit.id,
                code=unit.code,
                name=unit.name,
                county_id=home.id if home else None,
                county_name=home.name if home else "",
                figures=tally.figures(),
            )
        )
        if home is not None:
            per_county[home.id].add(tally)
            members[home.id] += 1

    counties: list[CountyStatistics] = []
    if scope.organization_id is None:
        counties = [
            CountyStatistics(
                organization_id=u.id,
                name=u.name,
                departments=members.get(u.id, 0),
                figures=per_county.get(u.id, _Tally()).figures(),
            )
            for u in units
            if u.kind is OrganizationKind.county_government and (county is None or u.id == county)
        ]

    if scope.organization_id is not None or county is not None:
        total = _Tally()
        for unit in shown:
            total.add(tallies.get(unit.id, _Tally()))
        if scope.organization_id is not None:
            total.calls, total.errors = calls.get(str(scope.organization_id), (0, 0))
    else:
        total = _Tally()
        for tally in tallies.values():
            total.add(tally)
        # Each request has one consumer and one provider; calls without a known
        # department (system calls) still count in the city's total.
        total.calls = sum(c for c, _ in calls.values())
        total.errors = sum(e for _, e in calls.values())

    per_day = _calls_in_periods(session, scope, _last_days(today))
    return SharingStatistics(
        year=year,
        years=_years(session, today.year),
        as_of=now,
        scope="all" if scope.organization_id is None else "organization",
        organization_id=scope.organization_id,
        county_id=county,
        totals=total.figures(),
        departments=departments,
        counties=counties,
        refusals_by_basis=_refusals(session, scope, start, end),
        calls_per_day=per_day,
        calls_today=per_day[-1].calls,
        calls_per_month=_calls_in_periods(session, scope, _months(year)),
        top_resources=_top_resources(
            session, scope, start, end, sum(count for count, _ in calls.values())
        ),
    )


def _years(session: Session, this_year: int) -> list[int]:
    """The years with requests, up to this one, newest first."""
    first = session.scalar(select(func.min(ShareRequest.submitted_at)))
    start = min(first.astimezone(CHINA).year, this_year) if first is not None else this_year
    return list(range(this_year, start - 1, -1))


# ---------------------------------------------------------------- annual report

_FIGURE_HEADERS = (
    "提出申请",
    "收到申请",
    "已答复",
    "按期答复",
    "逾期答复",
    "按期率",
    "答复用时中位数（工作日）",
    "不予共享",
    "有效授权（使用）",
    "有效授权（提供）",
    "交换调用",
    "调用失败",
    "错误率",
)


def _percent(rate: float | None) -> str:
    return "" if rate is None else f"{rate * 100:.1f}%"


def _figure_cells(f: SharingFigures) -> list[object]:
    return [
        f.requests_made,
        f.requests_received,
        f.decided,
        f.on_time,
        f.late,
        _percent(f.on_time_rate),
        "" if f.median_answer_days is None else f.median_answer_days,
        f.refusals,
        f.grants_held,
        f.grants_given,
        f.calls,
        f.errors,
        _percent(f.error_rate),
    ]


def _overview(s: SharingStatistics) -> Iterable[Sequence[object]]:
    f = s.totals
    return [
        ("年度", s.year),
        ("统计时间", s.as_of.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")),
        ("提出共享申请（件）", f.requests_made),
        ("已作出决定（件）", f.decided),
        ("按期答复（件）", f.on_time),
        ("逾期答复（件）", f.late),
        ("按期答复率", _percent(f.on_time_rate)),
        ("答复用时中位数（工作日）", "" if f.median_answer_days is None else f.median_answer_days),
        ("不予共享（含部分，件）", f.refusals),
        ("有效共享授权（项）", f.grants_held),
        ("交换调用（次）", f.calls),
        ("调用失败（次）", f.errors),
        ("调用错误率", _percent(f.error_rate)),
    ]


def annual_report_xlsx(session: Session, *, actor: Actor, year: int) -> bytes:
    """The annual sharing report as a workbook: 概况, 各部门, 各县（市、区）, 拒绝依据,
    交换调用 (per month), 热门资源. The actor sees what ``sharing_statistics`` shows it.

    Raises:
        AuthenticationRequiredError; PermissionDeniedError.
    """
    s = sharing_statistics(session, actor=actor, year=year)
    return write_xlsx(
        {
            "概况": (("指标", "数值"), _overview(s)),
            "各部门": (
                ("部门", "所属县（市、区）", *_FIGURE_HEADERS),
                [[d.name, d.county_name, *_figure_cells(d.figures)] for d in s.departments],
            ),
            "各县（市、区）": (
                ("县（市、区）", "有活动的部门、单位", *_FIGURE_HEADERS),
                [[c.name, c.departments, *_figure_cells(c.figures)] for c in s.counties],
            ),
            "拒绝依据": (
                ("法律依据", "不予共享（件）"),
                [[r.citation, r.refusals] for r in s.refusals_by_basis],
            ),
            "交换调用": (
                ("月份", "调用次数", "失败次数", "错误率"),
                [
                    [
                        c.start.strftime("%Y-%m"),
                        c.calls,
                        c.errors,
                        _percent(_rate(c.errors, c.calls)),
                    ]
                    for c in s.calls_per_month
                ],
            ),
            "热门资源": (
                ("资源", "调用次数", "失败次数", "错误率"),
                [
                    [r.resource, r.calls, r.errors, _percent(_rate(r.errors, r.calls))]
                    for r in s.top_resources
                ],
            ),
        }
    )
