"""Identity use cases: users and roles, login and throttling, API clients."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from smartcity.core.config import AuthSettings
from smartcity.core.pagination import PageParams
from smartcity.core.security import SYSTEM, Actor, ActorKind
from smartcity.core.time import freeze_time, utcnow
from smartcity.domains.audit import service as audit_service
from smartcity.domains.identity import service as identity_service
from smartcity.domains.identity.errors import (
    ApiClientNotFoundError,
    InvalidTokenError,
    RoleNotAssignableError,
    UsernameTakenError,
    UserNotFoundError,
    WeakPasswordError,
)
from smartcity.domains.identity.permissions import Role
from smartcity.domains.identity.schemas import ApiClientCreate, UserCreate, UserFilter, UserUpdate
from smartcity.domains.registry.models import Organization
from tests.factories.identity import PASSWORD, actor_of, make_user
from tests.factories.registry import coordinator_organization, make_organization

AUTH = AuthSettings(login_max_failures=3, login_window_minutes=15)
STRONG = "Another-Passw0rd"


def _new_user(**overrides: object) -> UserCreate:
    values: dict[str, object] = {
        "username": "zhang.san",
        "display_name": "张三",
        "password": STRONG,
        "roles": [Role.org_staff],
    }
    values.update(overrides)
    return UserCreate.model_validate(values)


def _login(
    session: Session, username: str, password: str = PASSWORD, ip: str = "10.0.0.1"
) -> identity_service.LoginOutcome:
    return identity_service.login(
        session, username=username, password=password, ip=ip, user_agent="pytest", settings=AUTH
    )


class TestCreateUser:
    def test_org_admin_creates_staff_in_own_organization(self, session: Session) -> None:
        organization = make_organization(session)
        admin = actor_of(make_user(session, organization=organization, roles=[Role.org_admin]))
        user = identity_service.create_user(
            session, actor=admin, data=_new_user(organization_id=organization.id)
        )
        assert user.roles == ["org_staff"]
        assert user.password_hash.startswith("$argon2id$")
        assert audit_service.actions_for(session, subject_id=user.id) == ["identity.user.created"]

    def test_org_admin_cannot_create_users_elsewhere(self, session: Session) -> None:
        admin = actor_of(
            make_user(session, organization=make_organization(session), roles=[Role.org_admin])
        )
        with pytest.raises(UserNotFoundError):
            identity_service.create_user(
                session, actor=admin, data=_new_user(organization_id=make_organization(session).id)
            )

    @pytest.mark.parametrize("role", [Role.coordinator, Role.auditor, Role.expert])
    def test_org_admin_cannot_hand_out_privileged_roles(self, session: Session, role: Role) -> None:
        organization = make_organization(session)
        admin = actor_of(make_user(session, organization=organization, roles=[Role.org_admin]))
        with pytest.raises(RoleNotAssignableError):
            identity_service.create_user(
                session, actor=admin, data=_new_user(organization_id=organization.id, roles=[role])
            )

    def test_coordinator_role_only_for_the_platform_authority(self, session: Session) -> None:
        """Art. 6: the coordinator role belongs to the platform authority's staff."""
        coordinator = actor_of(
            make_user(
                session, organization=coordinator_organization(session), roles=[Role.coordinator]
            )
        )
        with pytest.raises(RoleNotAssignableError):
            identity_service.create_user(
                session,
                actor=coordinator,
                data=_new_user(
                    organization_id=make_organization(session).id, roles=[Role.coordinator]
                ),
            )
        user = identity_service.create_user(
            session,
            actor=coordinator,
            data=_new_user(
                organization_id=coordinator_organization(session).id, roles=[Role.coordinator]
            ),
        )
        assert user.roles == ["coordinator"]

    def test_refuses_weak_passwords_and_taken_names(self, session: Session) -> None:
        organization = make_organization(session)
        with pytest.raises(WeakPasswordError):
            identity_service.create_user(
                session,
                actor=SYSTEM,
                data=_new_user(organization_id=organization.id, password="alllowercase"),
            )
        identity_service.create_user(
            session, actor=SYSTEM, data=_new_user(organization_id=organization.id)
        )
        with pytest.raises(UsernameTakenError):
            identity_service.create_user(
                session, actor=SYSTEM, data=_new_user(organization_id=organization.id)
            )

    def test_staff_see_only_their_organization(self, session: Session) -> None:
        mine, other = make_organization(session), make_organization(session)
        me = make_user(session, organization=mine)
        make_user(session, organization=mine)
        stranger = make_user(session, organization=other)
        page = identity_service.list_users(
            session, actor=actor_of(me), filters=UserFilter(), page=PageParams()
        )
        assert {u.organization_id for u in page.items} == {mine.id}
        with pytest.raises(UserNotFoundError):
            identity_service.get_user(session, actor=actor_of(me), user_id=stranger.id)


class TestLogin:
    def test_succeeds_and_opens_a_session(self, session: Session) -> None:
        user = make_user(session, organization=make_organization(session))
        outcome = _login(session, user.username)
        assert outcome.ok
        assert outcome.token
        assert identity_service.resolve_login_session(session, outcome.token) is user
        assert user.last_login_at is not None

    def test_unknown_user_and_wrong_password_give_the_same_answer(self, session: Session) -> None:
        user = make_user(session, organization=make_organization(session))
        wrong = _login(session, user.username, "Wrong-Passw0rd")
        unknown = _login(session, "nobody.here", "Wrong-Passw0rd")
        assert wrong == unknown == identity_service.LoginOutcome()

    def test_deactivated_users_cannot_sign_in(self, session: Session) -> None:
        user = make_user(session, organization=make_organization(session))
        identity_service.update_user(
            session, actor=SYSTEM, user_id=user.id, data=UserUpdate(is_active=False)
        )
        assert _login(session, user.username) == identity_service.LoginOutcome()

    @pytest.mark.parametrize("known", [True, False])
    def test_repeated_failures_are_throttled_even_with_the_right_password(
        self, session: Session, known: bool
    ) -> None:
        username = (
            make_user(session, organization=make_organization(session)).username
            if known
            else "ghost.user"
        )
        for _ in range(AUTH.login_max_failures):
            assert not _login(session, username, "Wrong-Passw0rd").ok
        throttled = _login(session, username)
        assert not throttled.ok
        assert throttled.throttled_for_seconds == AUTH.login_window_minutes * 60

    def test_throttling_ends_after_the_window(self, session: Session) -> None:
        user = make_user(session, organization=make_organization(session))
        for _ in range(AUTH.login_max_failures):
            _login(session, user.username, "Wrong-Passw0rd")
        with freeze_time(utcnow() + timedelta(minutes=AUTH.login_window_minutes + 1)):
            assert _login(session, user.username).ok

    def test_logout_and_expiry_end_the_session(self, session: Session) -> None:
        user = make_user(session, organization=make_organization(session))
        first = _login(session, user.username)
        assert first.token
        identity_service.logout(session, actor=actor_of(user), token=first.token)
        assert identity_service.resolve_login_session(session, first.token) is None
        second = _login(session, user.username)
        assert second.token
        with freeze_time(utcnow() + timedelta(hours=AUTH.session_hours, seconds=1)):
            assert identity_service.resolve_login_session(session, second.token) is None

    def test_a_password_change_ends_existing_sessions(self, session: Session) -> None:
        user = make_user(session, organization=make_organization(session))
        outcome = _login(session, user.username)
        assert outcome.token
        identity_service.set_password(
            session, actor=actor_of(user), user_id=user.id, password=STRONG
        )
        assert identity_service.resolve_login_session(session, outcome.token) is None


class TestApiClients:
    def _admin(self, session: Session) -> tuple[Organization, Actor]:
        organization = make_organization(session)
        return organization, actor_of(
            make_user(session, organization=organization, roles=[Role.org_admin])
        )

    def test_token_is_shown_once_and_stored_hashed(self, session: Session) -> None:
        _, admin = self._admin(session)
        client, token = identity_service.create_api_client(
            session, actor=admin, data=ApiClientCreate(name="审批系统"), max_days=365
        )
        assert token.startswith("sc_")
        assert token not in client.token_hash
        actor = identity_service.authenticate_api_token(session, token)
        assert actor.kind is ActorKind.api_client
        assert actor.id == client.id
        assert actor.organization_id == client.organization_id

    def test_revoked_expired_rotated_and_forged_tokens_fail(self, session: Session) -> None:
        _, admin = self._admin(session)
        client, token = identity_service.create_api_client(
            session, actor=admin, data=ApiClientCreate(name="系统A", valid_days=10), max_days=365
        )
        _, new_token = identity_service.rotate_api_client_token(
            session, actor=admin, client_id=client.id, valid_days=10, max_days=365
        )
        with pytest.raises(InvalidTokenError):
            identity_service.authenticate_api_token(session, token)
        with pytest.raises(InvalidTokenError):
            identity_service.authenticate_api_token(session, new_token[:-2] + "xx")
        with freeze_time(utcnow() + timedelta(days=11)), pytest.raises(InvalidTokenError):
            identity_service.authenticate_api_token(session, new_token)
        identity_service.revoke_api_client(session, actor=admin, client_id=client.id)
        with pytest.raises(InvalidTokenError):
            identity_service.authenticate_api_token(session, new_token)
        assert audit_service.actions_for(session, subject_id=client.id) == [
            "identity.api_client.created",
            "identity.api_client.rotated",
            "identity.api_client.revoked",
        ]

    def test_clients_of_other_organizations_look_missing(self, session: Session) -> None:
        _, admin = self._admin(session)
        _, other_admin = self._admin(session)
        client, _ = identity_service.create_api_client(
            session, actor=admin, data=ApiClientCreate(name="系统B"), max_days=365
        )
        with pytest.raises(ApiClientNotFoundError):
            identity_service.revoke_api_client(session, actor=other_admin, client_id=client.id)

    def test_api_clients_cannot_carry_person_roles(self, session: Session) -> None:
        _, admin = self._admin(session)
        with pytest.raises(RoleNotAssignableError):
            identity_service.create_api_client(
                session,
                actor=admin,
                data=ApiClientCreate(name="系统C", roles=[Role.auditor]),
                max_days=365,
            )


def test_users_can_be_filtered_by_role(session: Session) -> None:
    organization = make_organization(session)
    admin = make_user(session, organization=organization, roles=[Role.org_admin])
    make_user(session, organization=organization, roles=[Role.org_staff])
    page = identity_service.list_users(
        session,
        actor=SYSTEM,
        page=PageParams(),
        filters=UserFilter(organization_id=organization.id, role=Role.org_admin),
    )
    assert [u.id for u in page.items] == [admin.id]
