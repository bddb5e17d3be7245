"""Factories for users, actors and API clients, and logging a test client in."""

from __future__ import annotations

import itertools
from collections.abc import Iterable

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from smartcity.core.config import Settings
from smartcity.core.security import Actor
from smartcity.domains.identity import service as identity_service
from smartcity.domains.identity.models import User
from smartcity.domains.identity.passwords import hash_password
from smartcity.domains.identity.permissions import Role
from smartcity.domains.registry.models import Organization

_numbers = itertools.count(1)
PASSWORD = "Test-Passw0rd!"


def make_user(
    session: Session,
    *,
    organization: Organization | None,
    roles: Iterable[Role] = (Role.org_staff,),
    username: str | None = None,
    password: str = PASSWORD,
) -> User:
    number = next(_numbers)
    user = User(
        username=username or f"user{number}",
        display_name=f"测试用户{number}",
        organization_id=organization.id if organization else None,
        roles=sorted(r.value for r in roles),
        password_hash=hash_password(password),
    )
    session.add(user)
    session.flush()
    return user


def actor_of(user: User) -> Actor:
    return identity_service.actor_for_user(user)


def login(client: TestClient, session: Session, user: User, settings: Settings) -> str:
    """Open a login session for ``user`` and make ``client`` send its cookie and CSRF token.

    Returns the CSRF token.
    """
    outcome = identity_service.login(
        session,
        username=user.username,
        password=PASSWORD,
        ip="testclient",
        user_agent="pytest",
        settings=settings.auth,
    )
    assert outcome.ok
    assert outcome.token
    client.cookies.set(settings.auth.session_cookie, outcome.token)
    token = identity_service.csrf_token(settings.secret_key.get_secret_value(), outcome.token)
    client.headers["X-CSRF-Token"] = token
    return token
