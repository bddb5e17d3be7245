"""HTTP contract of the registry API."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from smartcity.core.config import Settings
from smartcity.domains.audit import service as audit_service
from smartcity.domains.identity.permissions import Role
from smartcity.domains.registry.models import Organization
from tests.factories.identity import login, make_user
from tests.factories.registry import coordinator_organization, make_organization
from tests.helpers.problems import assert_problem

VALID_CREDIT = "11370800004328177J"


def _coordinator_client(client: TestClient, session: Session, settings: Settings) -> None:
    user = make_user(
        session, organization=coordinator_organization(session), roles=[Role.coordinator]
    )
    login(client, session, user, settings)


class TestCreateOrganization:
    def test_requires_credentials(self, client: TestClient) -> None:
        response = client.post(
            "/api/v1/registry/organizations",
            json={"code": "X1", "name": "某局", "kind": "municipal_department"},
        )
        assert_problem(response, status=401, code="authentication-required")

    def test_staff_of_a_department_is_forbidden(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        user = make_user(session, organization=make_organization(session))
        login(client, session, user, settings)
        response = client.post(
            "/api/v1/registry/organizations",
            json={"code": "X1", "name": "某局", "kind": "municipal_department"},
        )
        assert_problem(response, status=403, code="permission-denied")

    def test_creates_and_audits(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        _coordinator_client(client, session, settings)
        response = client.post(
            "/api/v1/registry/organizations",
            json={
                "code": "JN-TEST",
                "name": "济宁市测试局",
                "kind": "municipal_department",
                "division_code": "370800",
                "credit_code": VALID_CREDIT,
            },
        )
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["credit_code"] == VALID_CREDIT
        assert audit_service.actions_for(session, subject_id=body["id"]) == [
            "registry.organization.created"
        ]

    def test_bad_check_character_names_the_position_and_changes_nothing(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        _coordinator_client(client, session, settings)
        before = session.query(Organization).count()
        response = client.post(
            "/api/v1/registry/organizations",
            json={
                "code": "JN-BAD",
                "name": "济宁市错误局",
                "kind": "municipal_department",
                "credit_code": "11370800004328177K",
            },
        )
        body = assert_problem(response, status=422, code="registry.invalid-credit-code")
        assert body["position"] == 18
        assert body["overridable"] is True
        assert session.query(Organization).count() == before

    def test_malformed_json_is_a_400_problem(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        _coordinator_client(client, session, settings)
        response = client.post(
            "/api/v1/registry/organizations",
            content=b"{not json",
            headers={"content-type": "application/json"},
        )
        assert_problem(response, status=400, code="bad-request")

    def test_unknown_field_is_refused(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        _coordinator_client(client, session, settings)
        response = client.post(
            "/api/v1/registry/organizations",
            json={
                "code": "JN-X",
                "name": "济宁市某局",
                "kind": "municipal_department",
                "boss": "x",
            },
        )
        body = assert_problem(response, status=422, code="invalid-input")
        assert body["errors"][0]["type"] == "extra_forbidden"

    def test_oversized_body_is_413(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        _coordinator_client(client, session, settings)
        big = "x" * (settings.http.max_body_bytes + 10)
        response = client.post(
            "/api/v1/registry/organizations",
            json={
                "code": "JN-BIG",
                "name": "济宁市某局",
                "kind": "municipal_department",
                "description": big,
            },
        )
        assert_problem(response, status=413, code="payload-too-large")
