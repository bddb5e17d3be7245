"""The calendar page: years, the missing-year warning, holidays, upload, calculator."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from smartcity.core.config import Settings
from smartcity.core.time import freeze_time
from smartcity.domains.identity.permissions import Role
from tests.domains.calendar import as_file, invented_2027
from tests.factories.identity import login, make_user
from tests.factories.registry import coordinator_organization, make_organization

HTML = {"accept": "text/html"}
HTMX = {"accept": "text/html", "HX-Request": "true"}
TODAY_2026 = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)


@pytest.fixture
def in_2026() -> Iterator[None]:
    with freeze_time(TODAY_2026):
        yield


def sign_in(
    client: TestClient, session: Session, settings: Settings, *, coordinator: bool = False
) -> str:
    if coordinator:
        user = make_user(
            session, organization=coordinator_organization(session), roles=[Role.coordinator]
        )
    else:
        user = make_user(session, organization=make_organization(session))
    return login(client, session, user, settings)


@pytest.mark.usefixtures("in_2026")
class TestYearsPage:
    def test_anonymous_visitors_are_sent_to_log_in(self, client: TestClient) -> None:
        response = client.get("/calendar", headers=HTML, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=")

    def test_warns_that_2027_is_missing_when_today_is_in_2026(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        sign_in(client, session, settings)

        response = client.get("/calendar", headers=HTML)

        assert response.status_code == 200, response.text
        page = response.text
        assert "尚未载入2027年节假日安排" in page
        assert 'class="problem calendar-warning" role="alert" data-missing-year="2027"' in page
        assert "国办发明电〔2025〕7号" in page
        assert 'name="working_days"' in page
        assert 'id="calendar-upload"' not in page  # staff cannot load years

    def test_shows_the_holidays_of_the_selected_year(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        sign_in(client, session, settings)

        page = client.get("/calendar", params={"year": 2026}, headers=HTML).text

        detail = page[page.index('id="year-detail"') : page.index('id="deadline-calculator"')]
        assert "2026年节假日" in detail
        assert "春节" in detail
        assert "2026-02-15（周日） 至 2026-02-23（周一）" in detail
        assert "2026-02-14（周六）" in detail

    def test_a_missing_year_selected_says_so(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        sign_in(client, session, settings)
        page = client.get("/calendar", params={"year": 2027}, headers=HTML).text
        detail = page[page.index('id="year-detail"') : page.index('id="deadline-calculator"')]
        assert "尚未载入2027年节假日安排" in detail

    def test_the_coordinator_gets_the_upload_form_with_its_csrf_token(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        token = sign_in(client, session, settings, coordinator=True)
        page = client.get("/calendar", headers=HTML).text
        assert 'id="calendar-upload"' in page
        assert f'<input type="hidden" name="csrf_token" value="{token}">' in page


@pytest.mark.usefixtures("in_2026")
class TestUpload:
    def test_a_plain_form_post_loads_the_year_and_shows_it(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        token = sign_in(client, session, settings, coordinator=True)
        del client.headers["X-CSRF-Token"]  # the form's hidden field must suffice

        response = client.post(
            "/calendar/years",
            headers=HTML,
            data={"csrf_token": token},
            files={"file": ("2027.json", as_file(invented_2027()), "application/json")},
            follow_redirects=False,
        )

        assert response.status_code == 303, response.text
        assert response.headers["location"] == "/calendar?year=2027"
        page = client.get("/calendar?year=2027", headers=HTML).text
        assert "尚未载入2027年" not in page
        assert "虚构假期甲" in page

    def test_htmx_redirects_after_loading(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        sign_in(client, session, settings, coordinator=True)
        response = client.post(
            "/calendar/years",
            headers=HTMX,
            files={"file": ("2027.json", as_file(invented_2027()), "application/json")},
        )
        assert response.status_code == 204, response.text
        assert response.headers["HX-Redirect"] == "/calendar?year=2027"

    def test_an_invalid_file_renders_the_reason_as_a_partial(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        sign_in(client, session, settings, coordinator=True)
        bad = as_file({**invented_2027(), "makeup_workdays": ["2027-02-26"]})
        response = client.post(
            "/calendar/years", headers=HTMX, files={"file": ("2027.json", bad, "application/json")}
        )
        assert response.status_code == 422
        assert "节假日安排文件无效" in response.text
        assert "调休上班日 2027-02-26 不是周六或周日" in response.text
        assert "<html" not in response.text

    def test_staff_are_refused(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        sign_in(client, session, settings)
        response = client.post(
            "/calendar/years",
            headers=HTMX,
            files={"file": ("2027.json", as_file(invented_2027()), "application/json")},
        )
        assert response.status_code == 403

    def test_a_post_without_the_csrf_token_is_refused(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        sign_in(client, session, settings, coordinator=True)
        del client.headers["X-CSRF-Token"]
        response = client.post(
            "/calendar/years",
            headers=HTML,
            files={"file": ("2027.json", as_file(invented_2027()), "application/json")},
        )
        assert response.status_code == 403


@pytest.mark.usefixtures("in_2026")
class TestDeadlineCalculator:
    def test_htmx_gets_the_result_partial(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        sign_in(client, session, settings)
        response = client.get(
            "/calendar/deadline",
            headers=HTMX,
            params={"start": "2026-02-13T10:00", "working_days": 5},
        )
        assert response.status_code == 200, response.text
        assert "<html" not in response.text
        assert "2026-02-27" in response.text
        assert 'data-provisional="false"' in response.text

    def test_a_provisional_result_is_flagged(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        sign_in(client, session, settings)
        response = client.get(
            "/calendar/deadline",
            headers=HTMX,
            params={"start": "2026-12-28T10:00", "working_days": 10, "provisional": "true"},
        )
        assert response.status_code == 200, response.text
        assert 'data-provisional="true"' in response.text
        assert "尚未载入2027年节假日安排，暂按周末推算" in response.text

    def test_a_strict_result_into_2027_is_a_problem_partial(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        sign_in(client, session, settings)
        response = client.get(
            "/calendar/deadline",
            headers=HTMX,
            params={"start": "2026-12-28T10:00", "working_days": 10},
        )
        assert response.status_code == 409
        assert "尚未载入2027年节假日安排" in response.text

    def test_without_htmx_the_whole_page_shows_the_result(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        sign_in(client, session, settings)
        response = client.get(
            "/calendar/deadline",
            headers=HTML,
            params={"start": "2026-02-13T10:00", "working_days": 5},
        )
        assert response.status_code == 200, response.text
        assert "<html" in response.text
        assert re.search(r'value="2026-02-13T10:00"', response.text)
        assert "2026-02-27" in response.text
