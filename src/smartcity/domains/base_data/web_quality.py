"""HTML pages of the base databases' data quality (Art. 23–24): the overview of every
base table under the five base databases, one table's report with its charts, and the
report as a workbook.

The pages call ``service.quality`` only; anonymous visitors are sent to the login page
and actors without ``base_data.read`` get the problem page, as everywhere else.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from smartcity.core.http.deps import SessionDep
from smartcity.core.http.htmx import render
from smartcity.core.i18n import t
from smartcity.core.tabular import XLSX_MEDIA_TYPE
from smartcity.core.time import today_in_china
from smartcity.domains.base_data.service import quality
from smartcity.domains.identity.deps import ActorDep

router = APIRouter(include_in_schema=False)

_FRESHNESS_BADGES = {
    quality.FreshnessState.on_time: "ok",
    quality.FreshnessState.overdue: "bad",
    quality.FreshnessState.never_loaded: "warn",
}


def _percent(value: float | None) -> float | None:
    return round(value * 100, 1) if value is not None else None


def _charts(report: quality.QualityReport) -> dict[str, object]:
    """Data of the two bar charts (``static/js/charts.js``), in percent."""
    checked = [f for f in report.fields if f.check is not None]
    return {
        "completeness": {
            "labels": [f.name for f in report.fields],
            "label": t("完整率（%）"),
            "values": [_percent(f.completeness) for f in report.fields],
            "horizontal": True,
        },
        "validity": {
            "labels": [f.name for f in checked],
            "label": t("有效率（%）"),
            "values": [_percent(f.validity) for f in checked],
            "horizontal": True,
        },
    }


@router.get("/base-data/quality", response_class=HTMLResponse)
def quality_overview(request: Request, session: SessionDep, actor: ActorDep) -> HTMLResponse:
    """Every base table's rows, completeness, intake validity and freshness."""
    databases = quality.database_overview(session, actor=actor)
    return render(
        request,
        "base_data/quality_overview.html",
        databases=databases,
        percent=quality.percent,
        freshness_badges=_FRESHNESS_BADGES,
    )


@router.get("/base-data/tables/{table_name}/quality", response_class=HTMLResponse)
def table_quality(
    request: Request, table_name: str, session: SessionDep, actor: ActorDep
) -> HTMLResponse:
    """One table's quality report: figures, charts, invalid values, duplicates, freshness."""
    report = quality.quality_report(session, actor=actor, table=table_name)
    return render(
        request,
        "base_data/quality.html",
        report=report,
        chart=_charts(report),
        percent=quality.percent,
        freshness_badges=_FRESHNESS_BADGES,
    )


@router.get("/base-data/tables/{table_name}/quality.xlsx")
def table_quality_workbook(table_name: str, session: SessionDep, actor: ActorDep) -> Response:
    """The quality report as a workbook (概况, 完整性, 有效性, 重复, 时效)."""
    content = quality.quality_workbook(session, actor=actor, table=table_name)
    filename = quote(f"{table_name}-数据质量报告-{today_in_china().isoformat()}.xlsx")
    return Response(
        content=content,
        media_type=XLSX_MEDIA_TYPE,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{filename}"},
    )
