"""Pages of the shell: home, the problem type documentation, health, static assets."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from smartcity.core.config import Settings
from smartcity.core.db.engine import Database
from smartcity.core.http.problems import problem_catalog
from smartcity.domains.audit import service as audit_service
from smartcity.domains.identity.permissions import Role
from smartcity.domains.registry.enums import OrganizationKind
from tests.factories.identity import actor_of, login, make_user
from tests.factories.registry import coordinator_organization, make_organization
from tests.helpers.problems import assert_problem


@pytest.fixture
def web(client: TestClient) -> TestClient:
    client.headers["accept"] = "text/html"
    return client


class TestHome:
    def test_anonymous_gets_an_introduction_and_the_way_in(self, web: TestClient) -> None:
        response = web.get("/")
        assert response.status_code == 200
        assert "济宁市智慧城市促进条例" in response.text
        assert 'href="/login"' in response.text
        assert "审计日志" not in response.text

    def test_coordinator_sees_who_where_and_counts(
        self, web: TestClient, session: Session, settings: Settings
    ) -> None:
        organization = coordinator_organization(session)
        make_organization(session, name="任城区人民政府", kind=OrganizationKind.county_government)
        user = make_user(session, organization=organization, roles=[Role.coordinator])
        audit_service.record(session, actor=actor_of(user), action="test.home.viewed")
        login(web, session, user, settings)
        response = web.get("/")
        assert response.status_code == 200
        text = response.text
        assert f"您好，{user.display_name}" in text
        assert organization.name in text
        assert "平台主管部门" in text
        for href in (
            'href="/registry/organizations"',
            'href="/identity/users"',
            'href="/identity/api-clients"',
            'href="/audit/events"',
            'href="/registry/organizations/import"',
        ):
            assert href in text
        assert "在册单位" in text
        assert "今日审计记录" in text
        assert '<span class="stat-value">0</span><span class="stat-label">今日审计记录' not in text

    def test_staff_sees_only_what_it_may_use(
        self, web: TestClient, session: Session, settings: Settings
    ) -> None:
        user = make_user(session, organization=make_organization(session))
        login(web, session, user, settings)
        text = web.get("/").text
        assert "单位工作人员" in text
        assert 'href="/registry/organizations"' in text
        assert 'href="/audit/events"' not in text
        assert 'href="/identity/api-clients"' not in text
        assert "今日审计记录" not in text

    def test_a_user_without_organization(
        self, web: TestClient, session: Session, settings: Settings
    ) -> None:
        user = make_user(session, organization=None, roles=[Role.expert])
        login(web, session, user, settings)
        text = web.get("/").text
        assert "未隶属单位" in text
        assert "专家" in text


class TestProblemPages:
    def test_list_names_every_code(self, web: TestClient) -> None:
        response = web.get("/problems")
        assert response.status_code == 200
        for code in problem_catalog():
            assert f'href="/problems/{code}"' in response.text

    def test_one_code(self, web: TestClient) -> None:
        response = web.get("/problems/identity.login-throttled")
        assert response.status_code == 200
        assert "登录失败次数过多" in response.text
        assert "429" in response.text

    def test_documented_description_is_shown(self, web: TestClient) -> None:
        response = web.get("/problems/identity.invalid-credentials")
        assert "Unknown user and wrong password give this same answer" in response.text

    def test_unknown_code_is_a_404_problem(self, web: TestClient) -> None:
        response = web.get("/problems/no.such-code")
        assert_problem(response, status=404, code="not-found")


class TestHealth:
    def test_reports_the_database(self, client: TestClient) -> None:
        response = client.get("/healthz")
        assert response.status_code == 200
        assert response.json() == {"status": "ok", "database": "ok"}

    def test_reports_a_dead_database(self, client: TestClient, tmp_path: Path) -> None:
        dead = Database(f"sqlite:///{tmp_path}")  # a directory: SQLite cannot open it
        app = client.app
        assert isinstance(app, FastAPI)
        live = app.state.database
        app.state.database = dead
        try:
            response = client.get("/healthz")
        finally:
            app.state.database = live
            dead.dispose()
        assert response.status_code == 503
        assert response.json() == {"status": "error", "database": "error"}


class TestStaticAndLayout:
    def test_assets_are_served_locally(self, web: TestClient) -> None:
        page = web.get("/login").text
        for asset in (
            "/static/css/app.css",
            "/static/js/app.js",
            "/static/vendor/htmx-2.0.11.min.js",
        ):
            assert f'"{asset}"' in page
            assert web.get(asset).status_code == 200
        assert "http://" not in page
        assert "https://" not in page

    def test_no_inline_scripts_and_no_escaped_attributes(
        self, web: TestClient, session: Session, settings: Settings
    ) -> None:
        organization = coordinator_organization(session)
        login(
            web,
            session,
            make_user(session, organization=organization, roles=[Role.coordinator]),
            settings,
        )
        for path in (
            "/",
            "/identity/users",
            "/identity/users/new",
            "/identity/api-clients",
            "/registry/organizations",
            f"/registry/organizations/{organization.id}",
            "/registry/organizations/import",
            "/registry/duties",
            "/audit/events",
        ):
            text = web.get(path).text
            assert "<script>" not in text
            assert text.count("<script") == 2, path
            assert "=&#34;" not in text, path
        form = web.get(f"/registry/organizations/{organization.id}").text
        assert 'inputmode="numeric" maxlength="6"' in form
        assert 'min="1" max="365"' in web.get("/identity/api-clients").text
        assert 'accept=".xlsx,.csv"' in web.get("/registry/organizations/import").text
