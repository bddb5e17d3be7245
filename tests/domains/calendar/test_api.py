"""HTTP contract of the calendar API."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from smartcity.core.config import Settings
from smartcity.core.time import freeze_time
from smartcity.core.workdays import shipped_arrangements
from smartcity.domains.audit import service as audit_service
from smartcity.domains.identity.permissions import Role
from tests.domains.calendar import as_file, invented_2027
from tests.factories.identity import login, make_user
from tests.factories.registry import coordinator_organization, make_organization
from tests.helpers.problems import assert_problem

TODAY_2026 = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)


def sign_in_coordinator(client: TestClient, session: Session, settings: Settings) -> None:
    user = make_user(
        session, organization=coordinator_organization(session), roles=[Role.coordinator]
    )
    login(client, session, user, settings)


def sign_in_staff(client: TestClient, session: Session, settings: Settings) -> None:
    login(client, session, make_user(session, organization=make_organization(session)), settings)


def upload(client: TestClient, data: bytes, filename: str = "2027.json") -> httpx.Response:
    response: httpx.Response = client.post(
        "/api/v1/calendar/years", files={"file": (filename, data, "application/json")}
    )
    return response


class TestListYears:
    def test_requires_signing_in(self, client: TestClient) -> None:
        assert_problem(
            client.get("/api/v1/calendar/years"), status=401, code="authentication-required"
        )

    def test_lists_years_with_the_missing_next_year(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        sign_in_staff(client, session, settings)
        with freeze_time(TODAY_2026):
            response = client.get("/api/v1/calendar/years")
        assert response.status_code == 200, response.text
        by_year = {row["year"]: row for row in response.json()}
        assert by_year[2026]["source"] == "shipped"
        assert by_year[2026]["is_current_year"] is True
        assert by_year[2027]["source"] == "missing"
        assert by_year[2027]["covered"] is False
        assert by_year[2027]["warning"].startswith("尚未载入2027年节假日安排")


class TestGetYear:
    def test_returns_the_arrangement_in_the_file_format(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        sign_in_staff(client, session, settings)
        response = client.get("/api/v1/calendar/years/2026")
        assert response.status_code == 200, response.text
        assert response.json() == shipped_arrangements()[2026].to_json()

    def test_an_unknown_year_is_a_404_problem(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        sign_in_staff(client, session, settings)
        body = assert_problem(
            client.get("/api/v1/calendar/years/2027"), status=404, code="calendar.year-not-found"
        )
        assert body["year"] == 2027


class TestLoadYear:
    def test_requires_signing_in(self, client: TestClient) -> None:
        response = upload(client, as_file(invented_2027()))
        assert_problem(response, status=401, code="authentication-required")

    def test_staff_may_not_load(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        sign_in_staff(client, session, settings)
        response = upload(client, as_file(invented_2027()))
        body = assert_problem(response, status=403, code="permission-denied")
        assert body["permission"] == "calendar.manage"

    def test_coordinator_loads_a_year_and_its_deadlines_become_computable(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        sign_in_coordinator(client, session, settings)
        deadline = {"start": "2026-12-28T10:00:00+08:00", "working_days": 10}
        assert_problem(
            client.get("/api/v1/calendar/deadline", params=deadline),
            status=409,
            code="calendar.year-unknown",
        )

        response = upload(client, as_file(invented_2027()))

        assert response.status_code == 201, response.text
        body = response.json()
        assert body["year"] == 2027
        assert body["source_filename"] == "2027.json"
        assert [h["name"] for h in body["holidays"]] == ["虚构假期甲", "虚构假期乙"]
        assert body["makeup_workdays"] == ["2027-02-27"]
        computed = client.get("/api/v1/calendar/deadline", params=deadline)
        assert computed.status_code == 200, computed.text
        assert computed.json()["due_date"] == "2027-01-12"
        assert client.get("/api/v1/calendar/years/2027").json() == invented_2027()

    @pytest.mark.parametrize(
        ("data", "reason"),
        [
            pytest.param(b"{not json", "不是有效的JSON", id="malformed-json"),
            pytest.param(as_file(invented_2027(), "gb18030"), "UTF-8", id="gb18030"),
            pytest.param(
                as_file({**invented_2027(), "makeup_workdays": ["2027-02-26"]}),
                "调休上班日 2027-02-26 不是周六或周日",
                id="weekday-makeup-day",
            ),
        ],
    )
    def test_an_invalid_file_is_a_422_problem_naming_the_reason(
        self, client: TestClient, session: Session, settings: Settings, data: bytes, reason: str
    ) -> None:
        sign_in_coordinator(client, session, settings)
        response = upload(client, data)
        body = assert_problem(response, status=422, code="calendar.invalid-arrangement")
        assert reason in body["detail"]
        assert body["filename"] == "2027.json"
        assert_problem(
            client.get("/api/v1/calendar/years/2027"), status=404, code="calendar.year-not-found"
        )

    def test_replacing_a_year_is_audited(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        sign_in_coordinator(client, session, settings)
        assert upload(client, as_file(invented_2027())).status_code == 201
        corrected = invented_2027()
        corrected["makeup_workdays"] = []
        assert upload(client, as_file(corrected)).status_code == 201
        assert audit_service.actions_for(session, subject_id="2027") == [
            "calendar.year.loaded",
            "calendar.year.replaced",
        ]
        assert client.get("/api/v1/calendar/years/2027").json()["makeup_workdays"] == []


class TestDeadline:
    def test_requires_signing_in(self, client: TestClient) -> None:
        response = client.get(
            "/api/v1/calendar/deadline",
            params={"start": "2026-02-13T10:00:00+08:00", "working_days": 5},
        )
        assert_problem(response, status=401, code="authentication-required")

    def test_runs_across_the_2026_spring_festival(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        sign_in_staff(client, session, settings)
        response = client.get(
            "/api/v1/calendar/deadline",
            params={"start": "2026-02-13T10:00:00+08:00", "working_days": 5},
        )
        assert response.status_code == 200, response.text
        assert response.json() == {
            "start": "2026-02-13T10:00:00+08:00",
            "start_date": "2026-02-13",
            "working_days": 5,
            "due_date": "2026-02-27",
            "due_at": "2026-02-27T23:59:59.999999+08:00",
            "provisional": False,
            "unknown_years": [],
            "note": None,
        }

    def test_a_time_without_offset_is_beijing_time(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        sign_in_staff(client, session, settings)
        # 2026-01-30T17:00Z is Saturday 01-31 01:00 in Jining; naive 17:00 is still Friday.
        utc = client.get(
            "/api/v1/calendar/deadline", params={"start": "2026-01-30T17:00:00Z", "working_days": 0}
        ).json()
        naive = client.get(
            "/api/v1/calendar/deadline", params={"start": "2026-01-30T17:00:00", "working_days": 0}
        ).json()
        assert (utc["start_date"], utc["due_date"]) == ("2026-01-31", "2026-02-02")
        assert (naive["start_date"], naive["due_date"]) == ("2026-01-30", "2026-01-30")

    def test_strict_deadline_into_2027_is_a_409_problem_with_the_year(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        sign_in_staff(client, session, settings)
        response = client.get(
            "/api/v1/calendar/deadline",
            params={"start": "2026-12-28T10:00:00+08:00", "working_days": 10},
        )
        body = assert_problem(response, status=409, code="calendar.year-unknown")
        assert body["year"] == 2027
        assert "尚未载入2027年节假日安排" in body["detail"]

    def test_provisional_deadline_is_flagged(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        sign_in_staff(client, session, settings)
        response = client.get(
            "/api/v1/calendar/deadline",
            params={
                "start": "2026-12-28T10:00:00+08:00",
                "working_days": 10,
                "provisional": "true",
            },
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["provisional"], body["unknown_years"]) == (True, [2027])
        assert body["note"] == "尚未载入2027年节假日安排，暂按周末推算"

    @pytest.mark.parametrize(
        "params",
        [
            {"start": "2026-02-13T10:00:00+08:00", "working_days": -1},
            {"start": "2026-02-13T10:00:00+08:00", "working_days": 100_000},
            {"start": "yesterday", "working_days": 5},
            {"working_days": 5},
        ],
    )
    def test_bad_parameters_are_422_problems(
        self, client: TestClient, session: Session, settings: Settings, params: dict[str, object]
    ) -> None:
        sign_in_staff(client, session, settings)
        assert_problem(
            client.get("/api/v1/calendar/deadline", params=params), status=422, code="invalid-input"
        )


class TestWorkingDays:
    def test_counts_the_days_after_from_up_to_to(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        sign_in_staff(client, session, settings)
        response = client.get(
            "/api/v1/calendar/working-days", params={"from": "2026-02-13", "to": "2026-02-27"}
        )
        assert response.status_code == 200, response.text
        assert response.json() == {"start": "2026-02-13", "end": "2026-02-27", "working_days": 5}

    def test_an_unknown_year_is_a_409_problem(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        sign_in_staff(client, session, settings)
        response = client.get(
            "/api/v1/calendar/working-days", params={"from": "2026-12-01", "to": "2027-01-31"}
        )
        body = assert_problem(response, status=409, code="calendar.year-unknown")
        assert body["year"] == 2027
