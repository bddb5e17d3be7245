"""Sharing statistics and the annual report: exact figures from requests in known
states with known timestamps, grants in every state and exchange log entries written
at frozen moments (days are those of Asia/Shanghai)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import pytest
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from smartcity.core.errors import AuthenticationRequiredError, PermissionDeniedError
from smartcity.core.security import ANONYMOUS, Actor
from smartcity.core.time import CHINA, freeze_time
from smartcity.domains.catalog.enums import ShareType
from smartcity.domains.catalog.models import CatalogEntry
from smartcity.domains.identity.permissions import Role
from smartcity.domains.registry.enums import OrganizationKind
from smartcity.domains.registry.models import LegalBasis, Organization
from smartcity.domains.sharing.enums import GrantState, RequestState
from smartcity.domains.sharing.service import exchange_log
from smartcity.domains.sharing.service.statistics import annual_report_xlsx, sharing_statistics
from smartcity.domains.sharing.stats_schemas import OrganizationStatistics, SharingStatistics
from tests.factories.catalog import catalog_coordinator, citizen, make_legal_basis, staff_of
from tests.factories.identity import actor_of, make_user
from tests.factories.registry import make_organization
from tests.factories.sharing import make_grant, make_request, make_shared_entry

NOW = datetime(2026, 3, 20, 10, 0, tzinfo=CHINA)  # a Friday


def cn(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=CHINA)


@dataclass
class World:
    provider: Organization
    consumer: Organization
    county: Organization
    county_department: Organization
    first_basis: LegalBasis
    second_basis: LegalBasis
    consumer_staff: Actor
    county_staff: Actor


def _request(
    session: Session,
    world: World,
    entry: CatalogEntry,
    consumer: Organization,
    state: RequestState,
    submitted: datetime,
    closed: datetime | None = None,
    due: datetime | None = None,
    basis: LegalBasis | None = None,
) -> None:
    request = make_request(session, entry=entry, consumer=consumer, items=["姓名"], state=state)
    request.submitted_at = submitted
    request.closed_at = closed
    request.answer_due_at = due
    request.refusal_basis_id = basis.id if basis else None
    session.flush()


def _call(session: Session, actor: Actor, at: datetime, resource: str, result: str = "ok") -> None:
    with freeze_time(at):
        exchange_log.append(
            session,
            exchange_log.LogDraft(
                actor=actor, operation="lookup", result=result, resource=resource
            ),
        )


@pytest.fixture
def world(session: Session) -> World:
    return sharing_world(session)


def sharing_world(session: Session) -> World:
    """Departments in the city and in a county, requests, grants and calls whose
    figures the tests below state exactly (the moment of reading is ``NOW``)."""
    provider = make_organization(session, name="济宁市公安局（统计测试）")
    consumer = make_organization(session, name="济宁市市场监督管理局（统计测试）")
    county = make_organization(
        session, name="测试县人民政府", kind=OrganizationKind.county_government
    )
    office = make_organization(
        session, name="测试县政务服务办公室", kind=OrganizationKind.county_department, parent=county
    )
    county_department = make_organization(
        session, name="测试县民政局", kind=OrganizationKind.county_department, parent=office
    )
    w = World(
        provider=provider,
        consumer=consumer,
        county=county,
        county_department=county_department,
        first_basis=make_legal_basis(session, title="《甲条例》", article="第一条"),
        second_basis=make_legal_basis(session, title="《乙办法》", article="第二条"),
        consumer_staff=staff_of(session, consumer),
        county_staff=staff_of(session, county_department),
    )
    entry = make_shared_entry(session, share_type=ShareType.conditional, provider=provider)
    state = RequestState
    # Friday to Monday across the weekend: 1 working day, on time.
    _request(
        session,
        w,
        entry,
        consumer,
        state.granted,
        cn(2026, 3, 13, 10),
        cn(2026, 3, 16, 10),
        cn(2026, 3, 28),
    )
    # Monday to Thursday: 3 working days, refused on time.
    _request(
        session,
        w,
        entry,
        county_department,
        state.refused,
        cn(2026, 3, 2, 10),
        cn(2026, 3, 5, 10),
        cn(2026, 3, 17),
        w.first_basis,
    )
    # Monday to the next Monday: 5 working days, after its deadline.
    _request(
        session,
        w,
        entry,
        consumer,
        state.partially_granted,
        cn(2026, 1, 5, 10),
        cn(2026, 1, 12, 10),
        cn(2026, 1, 8),
        w.first_basis,
    )
    # Refused by the catalog at once: no deadline, 0 days, on time.
    _request(
        session,
        w,
        entry,
        consumer,
        state.refused,
        cn(2026, 3, 9, 10),
        cn(2026, 3, 9, 10),
        None,
        w.second_basis,
    )
    # Open and withdrawn requests are made and received, not decided.
    _request(session, w, entry, county_department, state.compliance_check, cn(2026, 3, 19, 10))
    _request(session, w, entry, consumer, state.withdrawn, cn(2026, 3, 10, 10), cn(2026, 3, 11, 10))
    # Last year's refusal counts in 2025 only.
    _request(
        session,
        w,
        entry,
        consumer,
        state.refused,
        cn(2025, 12, 1, 10),
        cn(2025, 12, 3, 10),
        cn(2025, 12, 15),
        w.second_basis,
    )

    # Grants issued in 2025 (so their requests do not count in 2026).
    with freeze_time(cn(2025, 6, 1, 10)):
        make_grant(session, entry=entry, consumer=consumer, items=["姓名"], valid_days=400)
        make_grant(
            session,
            entry=entry,
            consumer=consumer,
            items=["姓名"],
            valid_days=400,
            state=GrantState.revoked,
        )
        make_grant(session, entry=entry, consumer=consumer, items=["姓名"], valid_days=100)
        make_grant(session, entry=entry, consumer=county_department, items=["姓名"], valid_days=400)

    staff, county_staff = w.consumer_staff, w.county_staff
    for result in ("ok", "ok", "sharing.exchange.grant_expired"):
        _call(session, staff, cn(2026, 3, 20, 9), "population", result)
    _call(session, staff, cn(2026, 3, 19, 23, 30), "population")
    _call(session, staff, cn(2026, 3, 20, 0, 30), "legal_entity")  # 16:30 UTC the day before
    _call(session, county_staff, cn(2026, 3, 18, 10), "legal_entity")
    _call(session, county_staff, cn(2026, 3, 18, 11), "legal_entity")
    _call(
        session,
        county_staff,
        cn(2026, 3, 18, 12),
        "social_insurance",
        "sharing.exchange.rate_limited",
    )
    _call(session, staff, cn(2026, 1, 10, 10), "population")
    _call(session, staff, cn(2025, 12, 31, 23), "population")  # 2025 in Jining
    return w


def _stats(
    session: Session, actor: Actor, *, year: int | None = None, county: UUID | None = None
) -> SharingStatistics:
    with freeze_time(NOW):
        return sharing_statistics(session, actor=actor, year=year, county=county)


def _line(statistics: SharingStatistics, organization_id: UUID) -> OrganizationStatistics:
    (line,) = [d for d in statistics.departments if d.organization_id == organization_id]
    return line


def test_department_lines(session: Session, world: World) -> None:
    s = _stats(session, catalog_coordinator(session))
    assert s.year == 2026
    assert s.scope == "all"
    provider = _line(s, world.provider.id).figures
    assert provider.requests_received == 6
    assert provider.requests_made == 0
    assert (provider.decided, provider.on_time, provider.late) == (4, 3, 1)
    assert provider.on_time_rate == 0.75
    assert provider.median_answer_days == 2.0  # of 0, 1, 3 and 5 working days
    assert provider.refusals == 3
    assert (provider.grants_held, provider.grants_given) == (0, 2)  # revoked, expired excluded

    consumer = _line(s, world.consumer.id).figures
    assert (consumer.requests_made, consumer.requests_received) == (4, 0)
    assert consumer.grants_held == 1
    assert (consumer.calls, consumer.errors) == (6, 1)

    county_department = _line(s, world.county_department.id)
    assert county_department.county_id == world.county.id
    assert county_department.county_name == "测试县人民政府"
    assert county_department.figures.requests_made == 2
    assert county_department.figures.grants_held == 1
    assert county_department.figures.error_rate == 0.3333


def test_county_roll_up_and_totals(session: Session, world: World) -> None:
    s = _stats(session, catalog_coordinator(session))
    (county,) = [c for c in s.counties if c.organization_id == world.county.id]
    assert county.departments == 1
    assert (county.figures.requests_made, county.figures.grants_held) == (2, 1)
    assert (county.figures.calls, county.figures.errors) == (3, 1)

    narrowed = _stats(session, catalog_coordinator(session), county=world.county.id)
    assert [d.organization_id for d in narrowed.departments] == [world.county_department.id]
    assert [c.organization_id for c in narrowed.counties] == [world.county.id]
    assert narrowed.totals.requests_made == 2

    t = s.totals
    assert (t.requests_made, t.requests_received, t.decided, t.on_time, t.late) == (6, 6, 4, 3, 1)
    assert t.median_answer_days == 2.0
    assert (t.grants_held, t.grants_given) == (2, 2)
    assert (t.calls, t.errors, t.error_rate) == (9, 2, 0.2222)


def test_refusals_by_basis(session: Session, world: World) -> None:
    s = _stats(session, catalog_coordinator(session))
    assert [(r.citation, r.refusals) for r in s.refusals_by_basis] == [
        ("《甲条例》第一条", 2),
        ("《乙办法》第二条", 1),
    ]
    assert [r.share for r in s.refusals_by_basis] == [0.6667, 0.3333]
    last_year = _stats(session, catalog_coordinator(session), year=2025)
    assert [(r.citation, r.refusals) for r in last_year.refusals_by_basis] == [
        ("《乙办法》第二条", 1)
    ]
    assert last_year.years[:2] == [2026, 2025]


def test_calls_per_day_month_and_top_resources(session: Session, world: World) -> None:
    s = _stats(session, catalog_coordinator(session))
    assert len(s.calls_per_day) == 30
    assert s.calls_per_day[0].start.isoformat() == "2026-02-19"
    by_day = {c.start.isoformat(): (c.calls, c.errors) for c in s.calls_per_day if c.calls}
    assert by_day == {"2026-03-18": (3, 1), "2026-03-19": (1, 0), "2026-03-20": (4, 1)}
    assert s.calls_today == 4
    by_month = {c.label: c.calls for c in s.calls_per_month if c.calls}
    assert by_month == {"1月": 1, "3月": 8}
    assert [(r.resource, r.calls, r.errors) for r in s.top_resources] == [
        ("population", 5, 1),
        ("legal_entity", 3, 0),
        ("social_insurance", 1, 1),
    ]
    assert [r.share for r in s.top_resources] == [0.5556, 0.3333, 0.1111]  # of 9 calls


def test_a_department_sees_only_its_own_line(session: Session, world: World) -> None:
    s = _stats(session, world.consumer_staff)
    assert s.scope == "organization"
    assert [d.organization_id for d in s.departments] == [world.consumer.id]
    assert s.counties == []
    assert (s.totals.requests_made, s.totals.calls, s.totals.errors) == (4, 6, 1)
    assert [(r.citation, r.refusals) for r in s.refusals_by_basis] == [
        ("《乙办法》第二条", 1),
        ("《甲条例》第一条", 1),
    ]
    assert s.calls_today == 4
    assert [(r.resource, r.calls) for r in s.top_resources] == [
        ("population", 5),
        ("legal_entity", 1),
    ]
    # shares of the department's own calls and refusals, like its counts
    assert [r.share for r in s.top_resources] == [0.8333, 0.1667]
    assert [r.share for r in s.refusals_by_basis] == [0.5, 0.5]


def test_auditor_sees_everything_and_citizens_nothing(session: Session, world: World) -> None:
    auditor = actor_of(make_user(session, organization=None, roles=[Role.auditor]))
    assert _stats(session, auditor).totals.requests_made == 6
    with pytest.raises(PermissionDeniedError):
        _stats(session, citizen(session))
    with pytest.raises(AuthenticationRequiredError):
        _stats(session, ANONYMOUS)


def test_annual_report_workbook(session: Session, world: World) -> None:
    with freeze_time(NOW):
        content = annual_report_xlsx(session, actor=catalog_coordinator(session), year=2026)
    workbook = load_workbook(io.BytesIO(content))
    assert workbook.sheetnames == [
        "概况",
        "各部门",
        "各县（市、区）",
        "拒绝依据",
        "交换调用",
        "热门资源",
    ]

    def header(name: str) -> list[object]:
        return [c.value for c in workbook[name][1]]

    assert header("概况") == ["指标", "数值"]
    assert header("各部门")[:4] == ["部门", "所属县（市、区）", "提出申请", "收到申请"]
    assert header("各县（市、区）")[0] == "县（市、区）"
    assert header("拒绝依据") == ["法律依据", "不予共享（件）"]
    assert header("交换调用") == ["月份", "调用次数", "失败次数", "错误率"]
    assert header("热门资源") == ["资源", "调用次数", "失败次数", "错误率"]
    overview = {row[0]: row[1] for row in workbook["概况"].iter_rows(min_row=2, values_only=True)}
    assert overview["年度"] == 2026
    assert overview["按期答复率"] == "75.0%"
    assert overview["答复用时中位数（工作日）"] == 2
    months = list(workbook["交换调用"].iter_rows(min_row=2, values_only=True))
    assert len(months) == 12
    assert months[2] == ("2026-03", 8, 2, "25.0%")
    rows = {r[0]: r for r in workbook["各部门"].iter_rows(min_row=2, values_only=True)}
    assert rows["测试县民政局"][1] == "测试县人民政府"
    assert list(workbook["热门资源"].iter_rows(min_row=2, max_row=2, values_only=True)) == [
        ("population", 5, 1, "20.0%")
    ]
