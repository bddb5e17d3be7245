"""The city cloud: migration figures and the Art. 70 report of systems still off it.

Art. 22 binds the city's departments and units (市直部门、单位): their new
systems deploy on the city cloud and their existing ones migrate. Art. 70
sanctions refusing to migrate without a legal reason. Which organizations are
市直部门、单位 today is registry data — the organizations carrying Art. 22's duty
of that name (``OrganizationDuty``) — so vertically managed bodies and county
departments fall outside the report by the directory's own record, not by a
guess from their kind. Nothing here commits.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from uuid import UUID

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session, joinedload

from smartcity.core.security import Actor, ensure_permission
from smartcity.core.tabular import write_xlsx
from smartcity.core.time import today_in_china
from smartcity.core.workdays import UnknownYearError, WorkCalendar
from smartcity.domains.calendar import service as calendar_service
from smartcity.domains.registry.enums import (
    CLOUD_STATUS_LABELS,
    CloudStatus,
    OrganizationKind,
    SystemLifecycle,
)
from smartcity.domains.registry.models import InformationSystem, Organization, OrganizationDuty
from smartcity.domains.registry.permissions import RegistryPermission
from smartcity.domains.registry.schemas import (
    CloudDashboard,
    CountyMigration,
    DepartmentMigration,
    MigrationFigures,
    OverdueReport,
    OverdueSystem,
)
from smartcity.domains.registry.service.organizations import all_organizations

# Art. 22's addressee as the regulation names it (``regulation.REGULATION_DUTIES``).
CLOUD_ARTICLE = 22
CLOUD_BOUND_BODY = "市直部门、单位"


def _cloud_bound_organizations() -> Select[UUID]:
    return select(OrganizationDuty.organization_id).where(
        OrganizationDuty.article == CLOUD_ARTICLE,
        OrganizationDuty.named_body == CLOUD_BOUND_BODY,
    )


# ---------------------------------------------------------------- Art. 70 report


def overdue_migration_report(session: Session, *, actor: Actor) -> OverdueReport:
    """Systems in use of the organizations bound by Art. 22 that are off the city cloud:
    not migrated, or migrating with a planned date already past. Exempt systems are
    out: their exemption cites a legal basis. Lateness is counted from the planned
    date in calendar days and in working days (Chinese holidays and make-up days);
    where the calendar does not know a year yet, working days are left empty.

    Raises:
        AuthenticationRequiredError: anonymous actor.
    """
    ensure_permission(actor, RegistryPermission.read)
    today = today_in_china()
    bound = _cloud_bound_organizations()
    statement = (
        select(InformationSystem)
        .join(InformationSystem.owner_organization)
        .options(joinedload(InformationSystem.owner_organization))
        .where(
            InformationSystem.owner_organization_id.in_(bound),
            InformationSystem.lifecycle_status == SystemLifecycle.in_use,
            or_(
                InformationSystem.cloud_status == CloudStatus.not_migrated,
                and_(
                    InformationSystem.cloud_status == CloudStatus.migrating,
                    InformationSystem.migration_planned_date < today,
                ),
            ),
        )
        .order_by(Organization.sort_order, Organization.code, InformationSystem.code)
    )
    calendar = calendar_service.work_calendar(session)
    unknown_years: set[int] = set()
    rows = []
    for system in session.scalars(statement):
        planned = system.migration_planned_date
        days_late = working_days_late = None
        if planned is not None and planned < today:
            days_late = (today - planned).days
            working_days_late = _working_days(calendar, planned, today, unknown_years)
        rows.append(
            OverdueSystem(
                system_id=system.id,
                system_code=system.code,
                system_name=system.name,
                organization_id=system.owner_organization_id,
                organization_name=system.owner_organization.name,
                cloud_status=system.cloud_status,
                migration_planned_date=planned,
                days_late=days_late,
                working_days_late=working_days_late,
                protection_level=system.protection_level,
                user_count=system.user_count,
            )
        )
    scope = session.scalar(
        select(func.count(func.distinct(Organization.id))).where(
            Organization.id.in_(bound), Organization.is_active.is_(True)
        )
    )
    note = ""
    if unknown_years:
        years = "、".join(str(y) for y in sorted(unknown_years))
        note = f"尚未载入{years}年节假日安排，涉及这些年份的逾期工作日未计算。"
    return OverdueReport(as_of=today, scope_organizations=scope or 0, rows=rows, note=note)


def _working_days(
    calendar: WorkCalendar, start: date, end: date, unknown_years: set[int]
) -> int | None:
    try:
        return calendar.working_days_between(start, end)
    except UnknownYearError as error:
        unknown_years.add(error.year)
        return None


OVERDUE_COLUMNS = (
    "单位",
    "系统编码",
    "系统名称",
    "上云状态",
    "计划完成迁移日期",
    "逾期天数",
    "逾期工作日",
    "等级保护级别",
    "用户数",
)


def overdue_report_workbook(report: OverdueReport) -> bytes:
    """The Art. 70 report as an XLSX workbook, one row per system."""
    rows = [
        (
            row.organization_name,
            row.system_code,
            row.system_name,
            CLOUD_STATUS_LABELS[row.cloud_status],
            row.migration_planned_date.isoformat() if row.migration_planned_date else "",
            row.days_late,
            row.working_days_late,
            row.protection_level,
            row.user_count,
        )
        for row in report.rows
    ]
    title = f"未迁移系统（截至{report.as_of.isoformat()}）"
    return write_xlsx({title: (OVERDUE_COLUMNS, rows)})


# ---------------------------------------------------------------- dashboard


class _Tally:
    def __init__(self) -> None:
        self.counts: dict[CloudStatus, int] = defaultdict(int)
        self.overdue = 0

    def add(self, status: CloudStatus, planned: date | None, today: date) -> None:
        self.counts[status] += 1
        if status is CloudStatus.migrating and planned is not None and planned < today:
            self.overdue += 1

    def merge(self, others: Iterable[_Tally]) -> _Tally:
        for other in others:
            for status, count in other.counts.items():
                self.counts[status] += count
            self.overdue += other.overdue
        return self

    def figures(self) -> MigrationFigures:
        total = sum(self.counts.values())
        exempt = self.counts[CloudStatus.exempt]
        deployed = self.counts[CloudStatus.deployed]
        return MigrationFigures(
            total=total,
            deployed=deployed,
            migrating=self.counts[CloudStatus.migrating],
            not_migrated=self.counts[CloudStatus.not_migrated],
            exempt=exempt,
            overdue=self.overdue,
            rate=deployed / (total - exempt) if total > exempt else None,
        )


def migration_dashboard(session: Session, *, actor: Actor) -> CloudDashboard:
    """Migration figures of systems not retired: for the city, for its departments and
    units one by one, and for each county (县、市、区).

    A county's figures gather every organization whose ``division_code`` is the
    county's, whatever its parent (a district police branch belongs to the city
    bureau but serves the district). The migration rate is deployed / (total −
    exempt): exempt systems are lawfully off the cloud.

    Raises:
        AuthenticationRequiredError: anonymous actor.
    """
    ensure_permission(actor, RegistryPermission.read)
    today = today_in_china()
    organizations = all_organizations(session, actor=actor, include_inactive=True)
    counties = [o for o in organizations if o.kind is OrganizationKind.county_government]
    county_codes = {c.division_code for c in counties if c.division_code}

    per_owner: dict[UUID, _Tally] = defaultdict(_Tally)
    statement = select(
        InformationSystem.owner_organization_id,
        InformationSystem.cloud_status,
        InformationSystem.migration_planned_date,
    ).where(InformationSystem.lifecycle_status != SystemLifecycle.retired)
    for owner_id, status, planned in session.execute(statement):
        per_owner[owner_id].add(status, planned, today)

    per_county: dict[str, _Tally] = defaultdict(_Tally)
    departments: list[DepartmentMigration] = []
    municipal = _Tally()
    for organization in organizations:
        tally = per_owner.get(organization.id)
        if tally is None:
            continue
        if organization.division_code in county_codes:
            per_county[organization.division_code].merge([tally])
            continue
        municipal.merge([tally])
        departments.append(
            DepartmentMigration(
                organization_id=organization.id,
                name=organization.name,
                figures=tally.figures(),
            )
        )
    county_rows = [
        CountyMigration(
            division_code=county.division_code,
            organization_id=county.id,
            name=county.short_name or county.name,
            figures=per_county.get(county.division_code, _Tally()).figures(),
        )
        for county in counties
        if county.division_code
    ]
    county_total = _Tally().merge(per_county.values())
    city = _Tally().merge([municipal, county_total])
    return CloudDashboard(
        as_of=today,
        city=city.figures(),
        municipal=municipal.figures(),
        county_total=county_total.figures(),
        departments=departments,
        counties=county_rows,
    )
