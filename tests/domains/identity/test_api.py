"""HTTP contract of identity: bearer tokens, session cookies, CSRF, user management."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from smartcity.core.config import Settings
from smartcity.domains.identity import service as identity_service
from smartcity.domains.identity.models import User
from smartcity.domains.identity.permissions import Role
from smartcity.domains.identity.schemas import ApiClientCreate
from tests.factories.identity import actor_of, login, make_user
from tests.factories.registry import make_organization
from tests.helpers.problems import assert_problem


class TestMe:
    def test_anonymous_gets_401_with_a_bearer_challenge(self, client: TestClient) -> None:
        response = client.get("/api/v1/identity/me")
        assert_problem(response, status=401, code="authentication-required")
        assert response.headers["www-authenticate"].startswith("Bearer")

    def test_api_client_token_authenticates(self, client: TestClient, session: Session) -> None:
        organization = make_organization(session)
        admin = actor_of(make_user(session, organization=organization, roles=[Role.org_admin]))
        _, token = identity_service.create_api_client(
            session, actor=admin, data=ApiClientCreate(name="审批系统"), max_days=365
        )
        response = client.get("/api/v1/identity/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["kind"] == "api_client"
        assert body["organization_id"] == str(organization.id)

    def test_bad_token_is_a_401_problem(self, client: TestClient) -> None:
        response = client.get(
            "/api/v1/identity/me", headers={"Authorization": "Bearer sc_000000000000_nope"}
        )
        assert_problem(response, status=401, code="identity.invalid-token")

    def test_session_cookie_authenticates(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        user = make_user(session, organization=make_organization(session))
        login(client, session, user, settings)
        assert client.get("/api/v1/identity/me").json()["name"] == user.username


class TestCsrf:
    def test_cookie_requests_that_change_state_need_the_token(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        organization = make_organization(session)
        admin = make_user(session, organization=organization, roles=[Role.org_admin])
        login(client, session, admin, settings)
        del client.headers["X-CSRF-Token"]
        response = client.post(
            "/api/v1/identity/users",
            json={
                "username": "li.si",
                "display_name": "李四",
                "password": "Strong-Passw0rd",
                "organization_id": str(organization.id),
            },
        )
        assert_problem(response, status=403, code="identity.csrf-failed")
        assert session.query(User).filter_by(username="li.si").count() == 0


class TestCreateUser:
    def test_org_admin_creates_a_user(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        organization = make_organization(session)
        login(
            client,
            session,
            make_user(session, organization=organization, roles=[Role.org_admin]),
            settings,
        )
        response = client.post(
            "/api/v1/identity/users",
            json={
                "username": "li.si",
                "display_name": "李四",
                "password": "Strong-Passw0rd",
                "organization_id": str(organization.id),
            },
        )
        assert response.status_code == 201, response.text
        assert "password" not in response.json()
        assert "password_hash" not in response.json()

    def test_user_of_another_organization_is_indistinguishable_from_missing(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        login(
            client,
            session,
            make_user(session, organization=make_organization(session), roles=[Role.org_admin]),
            settings,
        )
        stranger = make_user(session, organization=make_organization(session))
        response = client.get(f"/api/v1/identity/users/{stranger.id}")
        assert_problem(response, status=404, code="identity.user-not-found")
        response = client.patch(
            f"/api/v1/identity/users/{stranger.id}", json={"display_name": "改名"}
        )
        assert_problem(response, status=404, code="identity.user-not-found")

    def test_weak_password_is_a_422_problem(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        organization = make_organization(session)
        login(
            client,
            session,
            make_user(session, organization=organization, roles=[Role.org_admin]),
            settings,
        )
        response = client.post(
            "/api/v1/identity/users",
            json={
                "username": "wang.wu",
                "display_name": "王五",
                "password": "onlylowercase",
                "organization_id": str(organization.id),
            },
        )
        assert_problem(response, status=422, code="identity.weak-password")

    def test_api_client_issue_rotate_revoke(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        organization = make_organization(session)
        login(
            client,
            session,
            make_user(session, organization=organization, roles=[Role.org_admin]),
            settings,
        )
        issued = client.post("/api/v1/identity/api-clients", json={"name": "审批系统"})
        assert issued.status_code == 201, issued.text
        token = issued.json()["token"]
        listed = client.get("/api/v1/identity/api-clients").json()
        assert "token" not in listed["items"][0]
        rotated = client.post(f"/api/v1/identity/api-clients/{issued.json()['id']}/rotate")
        assert rotated.json()["token"] != token
        old = client.get("/api/v1/identity/me", headers={"Authorization": f"Bearer {token}"})
        assert_problem(old, status=401, code="identity.invalid-token")


def test_a_writing_call_records_when_the_client_was_last_used(
    client: TestClient, session: Session
) -> None:
    organization = make_organization(session)
    admin = actor_of(make_user(session, organization=organization, roles=[Role.org_admin]))
    api_client, token = identity_service.create_api_client(
        session, actor=admin, data=ApiClientCreate(name="同步系统"), max_days=365
    )
    assert api_client.last_used_at is None
    client.post(
        "/api/v1/tools/identifiers/check",
        headers={"Authorization": f"Bearer {token}"},
        json={"kind": "division_code", "value": "370811"},
    )
    session.refresh(api_client)
    assert api_client.last_used_at is not None
