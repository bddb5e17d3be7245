"""Pages of the base databases' data quality: the overview, one table's report, the workbook."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from smartcity.app import create_app
from smartcity.core.config import Settings
from smartcity.core.db.engine import Database
from smartcity.core.http.deps import get_session
from smartcity.core.tabular import XLSX_MEDIA_TYPE
from smartcity.core.time import freeze_time
from smartcity.domains.base_data import web_quality
from smartcity.domains.base_data.models import BaseTable
from smartcity.domains.identity.permissions import Role
from tests.domains.base_data.test_quality import NOW, ZHANG_1, ZHANG_2, populated_table
from tests.factories.identity import login, make_user
from tests.factories.registry import coordinator_organization, make_organization

HTML = {"accept": "text/html"}


@pytest.fixture
def client(database: Database, session: Session, settings: Settings) -> Iterator[TestClient]:
    """The app with the quality pages, whether or not ``routes.py`` lists them yet."""
    app = create_app(settings, database=database)
    if not any(getattr(r, "path", "") == "/base-data/quality" for r in app.routes):
        app.include_router(web_quality.router)

    def _session() -> Iterator[Session]:
        savepoint = session.begin_nested()
        try:
            yield session
        except BaseException:
            savepoint.rollback()
            raise
        savepoint.commit()

    app.dependency_overrides[get_session] = _session
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def population(session: Session) -> BaseTable:
    return populated_table(session)


def _as(client: TestClient, session: Session, settings: Settings, role: Role) -> None:
    organization: Any = None
    if role is Role.coordinator:
        organization = coordinator_organization(session)
    elif role is not Role.citizen:
        organization = make_organization(session)
    login(client, session, make_user(session, organization=organization, roles=[role]), settings)


class TestTableQualityPage:
    def test_shows_the_figures_charts_examples_and_near_duplicates_to_the_coordinator(
        self, client: TestClient, session: Session, settings: Settings, population: BaseTable
    ) -> None:
        with freeze_time(NOW):
            _as(client, session, settings, Role.coordinator)
            response = client.get(f"/base-data/tables/{population.table_name}/quality")

        assert response.status_code == 200, response.text
        page = response.text
        assert "人口基础信息 数据质量报告" in page
        assert '<span class="stat-value">84.4</span>' in page
        assert '<span class="stat-value">96.0%</span>' in page
        assert "超期 10 天" in page
        assert "不在代码表中：5（性别代码 GB/T 2261.1）" in page
        assert "<code>12345</code>" in page
        near = page.split('id="near-duplicates"')[1]
        assert "张三" in near
        assert ZHANG_1 in near
        assert ZHANG_2 in near
        assert f"/base-data/tables/{population.table_name}/quality.xlsx" in page
        assert "/static/vendor/chart-4.6.1.umd.min.js" in page
        found = re.search(r'id="quality-chart-data">(.*?)</script>', page, re.S)
        assert found is not None
        chart = json.loads(found.group(1))
        completeness = dict(
            zip(chart["completeness"]["labels"], chart["completeness"]["values"], strict=True)
        )
        assert completeness["姓名"] == 80.0
        validity = dict(zip(chart["validity"]["labels"], chart["validity"]["values"], strict=True))
        assert validity["联系电话"] == 50.0

    def test_an_auditor_sees_the_counts_but_no_record_values(
        self, client: TestClient, session: Session, settings: Settings, population: BaseTable
    ) -> None:
        with freeze_time(NOW):
            _as(client, session, settings, Role.auditor)
            response = client.get(f"/base-data/tables/{population.table_name}/quality")

        assert response.status_code == 200, response.text
        assert "“查询基础数据记录”权限" in response.text
        assert ZHANG_1 not in response.text
        assert "12345" not in response.text

    def test_anonymous_visitors_are_sent_to_login(
        self, client: TestClient, population: BaseTable
    ) -> None:
        response = client.get(
            f"/base-data/tables/{population.table_name}/quality",
            headers=HTML,
            follow_redirects=False,
        )

        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=")

    def test_citizens_are_refused(
        self, client: TestClient, session: Session, settings: Settings, population: BaseTable
    ) -> None:
        _as(client, session, settings, Role.citizen)

        response = client.get(f"/base-data/tables/{population.table_name}/quality", headers=HTML)

        assert response.status_code == 403
        assert ZHANG_1 not in response.text

    def test_an_unknown_table_is_not_found(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        _as(client, session, settings, Role.coordinator)

        response = client.get("/base-data/tables/bd_nothing/quality", headers=HTML)

        assert response.status_code == 404


class TestQualityWorkbookDownload:
    def test_downloads_the_workbook(
        self, client: TestClient, session: Session, settings: Settings, population: BaseTable
    ) -> None:
        with freeze_time(NOW):
            _as(client, session, settings, Role.coordinator)
            response = client.get(f"/base-data/tables/{population.table_name}/quality.xlsx")

        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == XLSX_MEDIA_TYPE
        assert response.headers["content-disposition"].startswith("attachment; filename*=UTF-8''")
        assert "2026-02-20.xlsx" in response.headers["content-disposition"]
        workbook = load_workbook(io.BytesIO(response.content))
        assert workbook.sheetnames == ["概况", "完整性", "有效性", "重复", "时效"]

    def test_citizens_are_refused(
        self, client: TestClient, session: Session, settings: Settings, population: BaseTable
    ) -> None:
        _as(client, session, settings, Role.citizen)

        response = client.get(f"/base-data/tables/{population.table_name}/quality.xlsx")

        assert response.status_code == 403
        assert response.headers["content-type"].startswith("application/problem+json")


class TestQualityOverviewPage:
    def test_lists_the_tables_under_the_five_base_databases(
        self, client: TestClient, session: Session, settings: Settings, population: BaseTable
    ) -> None:
        with freeze_time(NOW):
            _as(client, session, settings, Role.expert)
            response = client.get("/base-data/quality")

        assert response.status_code == 200, response.text
        page = response.text
        for label in ("人口", "法人", "空间地理", "宏观经济", "社会信用"):
            assert f"{label}基础数据库" in page
        row = page.split(f'href="/base-data/tables/{population.table_name}/quality"')[1]
        row = row.split("</tr>")[0]
        assert "<td>5</td>" in row
        assert "96.0%" in row
        assert "80.0%" in row  # the last load: 8 of 10 rows valid
        assert "超期 10 天" in row

    def test_anonymous_visitors_are_sent_to_login(self, client: TestClient) -> None:
        response = client.get("/base-data/quality", headers=HTML, follow_redirects=False)

        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=")

    def test_citizens_are_refused(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        _as(client, session, settings, Role.citizen)

        response = client.get("/base-data/quality", headers=HTML)

        assert response.status_code == 403
