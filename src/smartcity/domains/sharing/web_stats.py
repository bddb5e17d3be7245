"""The coordinator's sharing dashboard (issue #5), under ``/sharing/dashboard``: cards,
charts (calls per day, on-time answer rate per department, refusals by legal basis and
top resources as shares), each with its numbers in a table, the per-department and
per-county tables for a year, and the annual sharing report as XLSX.

For the coordinator and auditors (``sharing.read_all``); departments see their own
line through the API. Every figure comes from ``sharing_statistics``.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from smartcity.core.http.deps import SessionDep
from smartcity.core.http.htmx import render
from smartcity.core.i18n import t
from smartcity.core.security import Actor, ensure_permission
from smartcity.core.tabular import XLSX_MEDIA_TYPE
from smartcity.core.time import today_in_china
from smartcity.domains.identity.deps import ActorDep
from smartcity.domains.sharing.permissions import SharingPermission
from smartcity.domains.sharing.service import statistics as stats_service
from smartcity.domains.sharing.stats_schemas import OrganizationStatistics, SharingStatistics

router = APIRouter(prefix="/sharing/dashboard", include_in_schema=False)

YearQuery = Annotated[int | None, Query(ge=2000, le=2100)]
CountyQuery = Annotated[UUID | None, Query()]


def _ensure_reader(actor: Actor) -> None:
    """The coordinator and auditors (401 anonymous, 403 others)."""
    ensure_permission(actor, SharingPermission.read_all)


def _percent(rate: float | None) -> float | None:
    return None if rate is None else round(rate * 100, 1)


def _answering(s: SharingStatistics) -> list[OrganizationStatistics]:
    """Departments that decided requests this year, the least punctual first (Art. 27's
    answer period is what the coordinator follows up)."""
    decided = [d for d in s.departments if d.figures.on_time_rate is not None]
    return sorted(decided, key=lambda d: (d.figures.on_time_rate or 0.0, d.name))


def _charts(s: SharingStatistics, answering: list[OrganizationStatistics]) -> dict[str, Any]:
    """Chart data for ``static/js/charts.js``: calls per day as counts; the on-time
    answer rate per department, refusals per legal basis and calls per resource as
    shares (%), the same figures the tables beside the charts give."""
    return {
        "days": {
            "labels": [c.label for c in s.calls_per_day],
            "label": t("调用次数"),
            "values": [c.calls for c in s.calls_per_day],
            "percent": False,
        },
        "on_time": {
            "labels": [d.name for d in answering],
            "label": t("按期答复率（%）"),
            "values": [_percent(d.figures.on_time_rate) for d in answering],
            "horizontal": True,
        },
        "bases": {
            "labels": [r.citation for r in s.refusals_by_basis],
            "label": t("占不予共享总数（%）"),
            "values": [_percent(r.share) for r in s.refusals_by_basis],
            "horizontal": True,
        },
        "resources": {
            "labels": [r.resource for r in s.top_resources],
            "label": t("占全年调用量（%）"),
            "values": [_percent(r.share) for r in s.top_resources],
            "horizontal": True,
        },
    }


@router.get("", response_class=HTMLResponse)
def dashboard(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    year: YearQuery = None,
    county: CountyQuery = None,
) -> HTMLResponse:
    """Cards, charts and tables of one year's sharing."""
    _ensure_reader(actor)
    statistics = stats_service.sharing_statistics(session, actor=actor, year=year, county=county)
    answering = _answering(statistics)
    return render(
        request,
        "sharing/dashboard.html",
        partial="sharing/_stats_tables.html",
        s=statistics,
        answering=answering,
        chart=_charts(statistics, answering),
    )


@router.get("/report.xlsx")
def annual_report(session: SessionDep, actor: ActorDep, year: YearQuery = None) -> Response:
    """The annual sharing report (概况, 各部门, 各县（市、区）, 拒绝依据, 交换调用, 热门资源)."""
    _ensure_reader(actor)
    chosen = year or today_in_china().year
    content = stats_service.annual_report_xlsx(session, actor=actor, year=chosen)
    filename = quote(f"{chosen}年度数据共享报告.xlsx")
    return Response(
        content=content,
        media_type=XLSX_MEDIA_TYPE,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{filename}"},
    )
