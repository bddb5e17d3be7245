"""The JSON API of requests to open a dataset (数据开放申请, Art. 31)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smartcity.core.config import Settings
from smartcity.domains.identity.permissions import Role
from smartcity.domains.opendata.models_requests import DataRequest
from smartcity.domains.opendata.service import data_requests
from tests.factories.identity import login, make_user
from tests.factories.registry import make_organization
from tests.helpers.problems import assert_problem

URL = "/api/v1/opendata/data-requests"
ASK = {"title": "公交到站数据", "description": "各线路车辆实时到站时间。"}


def _count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(DataRequest)) or 0)


def _as_coordinator(client: TestClient, session: Session, settings: Settings) -> None:
    organization = make_organization(session, coordinator=True)
    user = make_user(session, organization=organization, roles=[Role.coordinator])
    login(client, session, user, settings)


class TestSubmit:
    def test_anyone_files_a_request_and_gets_its_number(
        self, client: TestClient, session: Session
    ) -> None:
        response = client.post(URL, json=ASK)

        assert response.status_code == 201, response.text
        body = response.json()
        assert body["number"].startswith("KF-")
        assert body["state"] == "new"
        assert "contact" not in body
        assert _count(session) == 1

    def test_bad_input_is_a_422_problem_and_nothing_is_stored(
        self, client: TestClient, session: Session
    ) -> None:
        response = client.post(URL, json={"title": "公交", "description": "短"})
        assert response.status_code == 422
        assert response.headers["content-type"].startswith("application/problem+json")
        unknown = client.post(URL, json={**ASK, "secret": "x"})
        assert unknown.status_code == 422
        assert _count(session) == 0

    def test_the_sixth_request_within_the_hour_is_a_429_problem(
        self, client: TestClient, session: Session
    ) -> None:
        for _ in range(data_requests.RATE_LIMIT):
            assert client.post(URL, json=ASK).status_code == 201

        body = assert_problem(
            client.post(URL, json=ASK), status=429, code="opendata.data-request-rate-limited"
        )
        assert "每小时最多提交 5 条" in body["detail"]
        assert _count(session) == data_requests.RATE_LIMIT


class TestQueue:
    def test_the_coordinator_lists_reads_and_answers(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        filed = client.post(URL, json=ASK).json()
        _as_coordinator(client, session, settings)

        listing = client.get(URL, params={"state": "new"}).json()
        assert [r["number"] for r in listing["items"]] == [filed["number"]]
        one = client.get(f"{URL}/{filed['id']}").json()
        assert one["description"] == ASK["description"]

        answered = client.post(
            f"{URL}/{filed['id']}/answer",
            json={"decision": "answered", "reply": "已列入开放计划。"},
        )
        assert answered.status_code == 200, answered.text
        assert answered.json()["state"] == "answered"
        assert_problem(
            client.post(
                f"{URL}/{filed['id']}/answer", json={"decision": "declined", "reply": "不予开放"}
            ),
            status=409,
            code="opendata.data-request-answered",
        )

    def test_the_public_and_departments_are_refused(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        filed = client.post(URL, json=ASK).json()
        assert_problem(client.get(URL), status=401, code="authentication-required")
        user = make_user(session, organization=make_organization(session))
        login(client, session, user, settings)
        assert_problem(client.get(URL), status=403, code="permission-denied")
        assert_problem(
            client.post(
                f"{URL}/{filed['id']}/answer", json={"decision": "answered", "reply": "好的"}
            ),
            status=403,
            code="permission-denied",
        )

    def test_an_unknown_request_is_a_404_problem(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        _as_coordinator(client, session, settings)
        assert_problem(
            client.get(f"{URL}/00000000-0000-0000-0000-000000000000"),
            status=404,
            code="opendata.data-request-not-found",
        )
