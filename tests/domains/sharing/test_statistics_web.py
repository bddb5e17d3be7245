"""The sharing dashboard (/sharing/dashboard), its annual report download and the
statistics API (/api/v1/sharing/statistics), over the figures of ``sharing_world``."""

from __future__ import annotations

import io
import json
import re

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from smartcity.core.config import Settings
from smartcity.core.tabular import XLSX_MEDIA_TYPE
from smartcity.core.time import freeze_time
from smartcity.domains.identity.permissions import Role
from smartcity.domains.registry.models import Organization
from tests.domains.sharing.test_statistics import NOW, World, sharing_world
from tests.factories.identity import login, make_user
from tests.factories.registry import coordinator_organization

HTML = {"accept": "text/html"}


@pytest.fixture
def world(session: Session) -> World:
    return sharing_world(session)


def _as(
    client: TestClient,
    session: Session,
    settings: Settings,
    role: Role,
    organization: Organization | None = None,
) -> None:
    if role is Role.coordinator:
        organization = coordinator_organization(session)
    with freeze_time(NOW):
        login(
            client, session, make_user(session, organization=organization, roles=[role]), settings
        )


def _section(html: str, section_id: str) -> str:
    return html.split(f'id="{section_id}"', 1)[1].split("</section>", 1)[0]


def _row(html: str, label: str) -> list[str]:
    """The cells after the row's label (a header or the first cell)."""
    row = html.split(f">{label}</", 1)[1].split("</tr>", 1)[0]
    return re.findall(r"<td>([^<]*)</td>", row)


def _stat(html: str, name: str) -> str:
    match = re.search(
        rf'data-stat="{name}"><span class="stat-value">([^<]*)</span>', html, flags=re.S
    )
    assert match, name
    return match.group(1)


class TestDashboard:
    def test_cards_charts_and_tables(
        self, client: TestClient, session: Session, settings: Settings, world: World
    ) -> None:
        _as(client, session, settings, Role.coordinator)
        with freeze_time(NOW):
            response = client.get("/sharing/dashboard", headers=HTML)
        assert response.status_code == 200, response.text
        html = response.text
        assert _stat(html, "requests") == "6"
        assert _stat(html, "on-time-rate") == "75.0%"
        assert _stat(html, "median-days") == "2.0"
        assert _stat(html, "active-grants") == "2"
        assert _stat(html, "calls-today") == "4"
        assert _stat(html, "error-rate") == "22.2%"
        assert "下载年度共享报告（XLSX）" in html
        assert 'href="/sharing/dashboard/report.xlsx?year=2026"' in html
        assert "/static/js/charts.js" in html
        chart = json.loads(
            re.search(
                r'<script type="application/json" id="sharing-chart-data">(.*?)</script>',
                html,
                flags=re.S,
            ).group(1)  # type: ignore[union-attr]
        )
        # calls per day are counts (a day is no share of anything); the rest are shares
        assert chart["days"]["values"][-1] == 4
        assert sum(chart["days"]["values"]) == 8
        assert chart["days"]["percent"] is False
        assert chart["on_time"]["labels"] == [world.provider.name]
        assert chart["on_time"]["values"] == [75.0]
        assert chart["bases"]["labels"] == ["《甲条例》第一条", "《乙办法》第二条"]
        assert chart["bases"]["values"] == [66.7, 33.3]
        assert chart["resources"]["labels"][0] == "population"
        assert chart["resources"]["values"] == [55.6, 33.3, 11.1]  # of all 9 calls
        for key in ("on_time", "bases", "resources"):
            assert chart[key].get("percent", True) is True
        # the numbers behind each chart are in a table too
        on_time = _section(html, "on-time")
        assert 'id="on-time-chart"' in on_time
        assert _row(on_time, world.provider.name) == ["3", "1", "75.0%"]
        bases = _section(html, "refusal-bases")
        assert _row(bases, "《甲条例》第一条") == ["2", "66.7%"]
        assert _row(bases, "《乙办法》第二条") == ["1", "33.3%"]
        assert _row(_section(html, "top-resources"), "population") == ["5", "1", "55.6%"]
        assert world.provider.name in html
        assert "测试县民政局" in html
        assert f'data-organization="{world.county.id}"' in html
        assert '<option value="2025">' in html

    def test_year_and_county(
        self, client: TestClient, session: Session, settings: Settings, world: World
    ) -> None:
        _as(client, session, settings, Role.auditor)
        with freeze_time(NOW):
            last_year = client.get("/sharing/dashboard?year=2025", headers=HTML)
            county = client.get(f"/sharing/dashboard?county={world.county.id}", headers=HTML)
        assert last_year.status_code == 200, last_year.text
        assert _stat(last_year.text, "on-time-rate") == "100.0%"
        assert 'href="/sharing/dashboard/report.xlsx?year=2025"' in last_year.text
        assert county.status_code == 200, county.text
        assert "测试县民政局" in county.text
        assert f'data-organization="{world.consumer.id}"' not in county.text
        # the county's departments answered nothing: no on-time chart, an empty table
        on_time = _section(county.text, "on-time")
        assert 'id="on-time-chart"' not in on_time
        assert "本年度尚无答复的申请" in on_time

    def test_access(
        self, client: TestClient, session: Session, settings: Settings, world: World
    ) -> None:
        for path in ("/sharing/dashboard", "/sharing/dashboard/report.xlsx"):
            response = client.get(path, headers=HTML, follow_redirects=False)
            assert response.status_code == 303, (path, response.text)
        _as(client, session, settings, Role.org_admin, world.provider)
        with freeze_time(NOW):
            assert client.get("/sharing/dashboard", headers=HTML).status_code == 403
            assert client.get("/sharing/dashboard/report.xlsx").status_code == 403

    def test_annual_report_download(
        self, client: TestClient, session: Session, settings: Settings, world: World
    ) -> None:
        _as(client, session, settings, Role.coordinator)
        with freeze_time(NOW):
            response = client.get("/sharing/dashboard/report.xlsx?year=2026")
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == XLSX_MEDIA_TYPE
        assert "attachment" in response.headers["content-disposition"]
        workbook = load_workbook(io.BytesIO(response.content))
        assert workbook.sheetnames == [
            "概况",
            "各部门",
            "各县（市、区）",
            "拒绝依据",
            "交换调用",
            "热门资源",
        ]


class TestApi:
    def test_coordinator_gets_every_line(
        self, client: TestClient, session: Session, settings: Settings, world: World
    ) -> None:
        _as(client, session, settings, Role.coordinator)
        with freeze_time(NOW):
            response = client.get("/api/v1/sharing/statistics?year=2026")
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["year"] == 2026
        assert body["scope"] == "all"
        assert body["totals"]["requests_made"] == 6
        assert body["totals"]["median_answer_days"] == 2.0
        assert body["calls_today"] == 4
        assert len(body["calls_per_day"]) == 30
        ids = {d["organization_id"] for d in body["departments"]}
        assert {str(world.provider.id), str(world.consumer.id)} <= ids

    def test_a_department_gets_its_own_line(
        self, client: TestClient, session: Session, settings: Settings, world: World
    ) -> None:
        _as(client, session, settings, Role.org_staff, world.consumer)
        with freeze_time(NOW):
            body = client.get("/api/v1/sharing/statistics").json()
        assert body["scope"] == "organization"
        assert [d["organization_id"] for d in body["departments"]] == [str(world.consumer.id)]
        assert body["counties"] == []
        assert body["totals"]["calls"] == 6

    def test_citizens_are_refused(
        self, client: TestClient, session: Session, settings: Settings, world: World
    ) -> None:
        assert client.get("/api/v1/sharing/statistics").status_code == 401
        _as(client, session, settings, Role.citizen)
        with freeze_time(NOW):
            response = client.get("/api/v1/sharing/statistics")
        assert response.status_code == 403
        assert response.headers["content-type"].startswith("application/problem+json")
