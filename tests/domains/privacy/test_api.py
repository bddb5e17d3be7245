"""The "my data" API (Art. 68): the key comes from the binding, never from the request."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smartcity.core.config import Settings
from smartcity.core.time import today_in_china
from smartcity.domains.identity.permissions import Role
from smartcity.domains.privacy.models import AccessDeferral
from tests.domains.privacy.world import PrivacyWorld, privacy_world
from tests.factories.catalog import make_legal_basis
from tests.factories.identity import login, make_user
from tests.factories.registry import coordinator_organization
from tests.helpers.problems import assert_problem


@pytest.fixture
def world(session: Session, tmp_path: Path) -> PrivacyWorld:
    return privacy_world(session, tmp_path)


def _deferrals(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AccessDeferral)) or 0


class TestMe:
    def test_records_and_calls_of_the_signed_in_citizen(
        self, client: TestClient, session: Session, settings: Settings, world: PrivacyWorld
    ) -> None:
        world.look_up(session, case="办件-API")
        login(client, session, world.user, settings)

        records = client.get("/api/v1/privacy/me/records")
        calls = client.get("/api/v1/privacy/me/calls", params={"size": 5})

        assert records.status_code == 200, records.text
        body = records.json()
        assert body["kind"] == "citizen"
        assert world.key not in body["subject_key_masked"]
        assert body["records"][0]["values"][0]["value"] == world.key
        assert calls.status_code == 200
        (call,) = calls.json()["items"]
        assert call["case_reference"] == "办件-API"
        assert call["organization_name"] == world.exchange.consumer.name
        assert "subject_keys" not in call

    def test_no_key_can_be_passed_in(
        self, client: TestClient, session: Session, settings: Settings, world: PrivacyWorld
    ) -> None:
        login(client, session, world.user, settings)
        other = world.exchange.key(1)

        response = client.get("/api/v1/privacy/me/records", params={"key": other})

        # An unknown parameter is ignored: the answer is still the caller's own record.
        assert response.status_code == 200
        assert response.json()["records"][0]["values"][0]["value"] == world.key
        assert other not in response.text

    def test_without_binding_is_a_403_problem_and_anonymous_a_401(
        self, client: TestClient, session: Session, settings: Settings, world: PrivacyWorld
    ) -> None:
        assert_problem(
            client.get("/api/v1/privacy/me/calls"), status=401, code="authentication-required"
        )
        login(
            client, session, make_user(session, organization=None, roles=[Role.citizen]), settings
        )
        body = assert_problem(
            client.get("/api/v1/privacy/me/records"), status=403, code="privacy.no-binding"
        )
        assert "绑定" in body["detail"]


class TestDeferrals:
    def test_the_coordinator_records_one_and_bad_input_changes_nothing(
        self, client: TestClient, session: Session, settings: Settings, world: PrivacyWorld
    ) -> None:
        basis = make_legal_basis(session)
        coordinator = make_user(
            session, organization=coordinator_organization(session), roles=[Role.coordinator]
        )
        login(client, session, coordinator, settings)
        before = _deferrals(session)
        good = {
            "organization_id": str(world.exchange.consumer.id),
            "legal_basis_id": str(basis.id),
            "ends_on": (today_in_china() + timedelta(days=10)).isoformat(),
        }

        missing_basis = client.post(
            "/api/v1/privacy/deferrals", json={**good, "legal_basis_id": None}
        )
        missing_end = client.post("/api/v1/privacy/deferrals", json={**good, "ends_on": None})
        past = client.post(
            "/api/v1/privacy/deferrals",
            json={**good, "ends_on": (today_in_china() - timedelta(days=1)).isoformat()},
        )

        start_after_end = client.post(
            "/api/v1/privacy/deferrals",
            json={**good, "starts_on": (today_in_china() + timedelta(days=11)).isoformat()},
        )

        for response, field in (
            (missing_basis, "legal_basis_id"),
            (missing_end, "ends_on"),
            (past, "ends_on"),
            (start_after_end, "starts_on"),
        ):
            body = assert_problem(response, status=422, code="privacy.invalid-deferral")
            assert body["field"] == field
        assert _deferrals(session) == before

        created = client.post("/api/v1/privacy/deferrals", json=good)
        assert created.status_code == 201, created.text
        assert created.json()["active"] is True
        assert created.json()["starts_on"] == today_in_china().isoformat()
        listed = client.get("/api/v1/privacy/deferrals").json()
        assert created.json()["id"] in [d["id"] for d in listed]

        end_url = f"/api/v1/privacy/deferrals/{created.json()['id']}/end"
        no_reason = client.post(end_url, json={})
        assert assert_problem(no_reason, status=422, code="privacy.invalid-deferral")["field"] == (
            "reason"
        )
        ended = client.post(end_url, json={"reason": "案件已办结"})
        assert ended.status_code == 200, ended.text
        assert ended.json()["active"] is False
        again = client.post(end_url, json={"reason": "再次"})
        assert_problem(again, status=409, code="privacy.deferral-ended")

    def test_staff_and_citizens_may_not(
        self, client: TestClient, session: Session, settings: Settings, world: PrivacyWorld
    ) -> None:
        basis = make_legal_basis(session)
        admin = make_user(session, organization=world.exchange.consumer, roles=[Role.org_admin])
        login(client, session, admin, settings)
        response = client.post(
            "/api/v1/privacy/deferrals",
            json={
                "organization_id": str(world.exchange.consumer.id),
                "legal_basis_id": str(basis.id),
                "ends_on": (today_in_china() + timedelta(days=10)).isoformat(),
            },
        )
        assert_problem(response, status=403, code="permission-denied")
        assert_problem(
            client.get("/api/v1/privacy/deferrals"), status=403, code="permission-denied"
        )
