"""Authorization matrix of change subscriptions (issue #5, security tests), beside the
exchange's (``test_exchange_matrix``): every role, in the grant's consumer department,
in its provider department and in another one.

- **Subscribing**, against every grant state (unknown, active, expired, revoked,
  without the ``changes`` mode, another consumer's): only the consumer department's
  people holding ``sharing.exchange`` (staff, admins, a coordinator working there) with
  an active ``changes`` grant succeed; a grant the caller may not see looks missing.
- **Using** an existing subscription with a dead letter: who sees it, lists its
  deliveries, pauses, cancels and redelivers. The consumer manages it; the provider
  sees it and redelivers (with ``sharing.answer``); the coordinator cancels and
  redelivers any; the auditor only reads; other departments see nothing.

Both run against the service, where authorization lives; the API calls the same
functions (``test_subscriptions_api`` checks the HTTP side).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from uuid import uuid4

import pytest
from sqlalchemy.orm import Session

from smartcity.core.errors import AppError, AuthenticationRequiredError, PermissionDeniedError
from smartcity.core.pagination import PageParams
from smartcity.core.security import ANONYMOUS, Actor
from smartcity.domains.identity.permissions import Role
from smartcity.domains.registry.models import Organization
from smartcity.domains.sharing.enums import GrantState, QueryMode
from smartcity.domains.sharing.errors import GrantNotFoundError
from smartcity.domains.sharing.service import subscriptions
from smartcity.domains.sharing.service.webhook_policy import WebhookPolicy
from smartcity.domains.sharing.subscription_errors import (
    ChangesModeNotGrantedError,
    GrantNotActiveError,
    NotYourSubscriptionError,
    SubscriptionNotFoundError,
)
from smartcity.domains.sharing.subscription_schemas import (
    DeliveryFilter,
    SubscriptionCreate,
    SubscriptionFilter,
)
from tests.domains.sharing.test_exchange import population_world
from tests.domains.sharing.test_subscriptions_api import dead_letter
from tests.factories.catalog import staff_of
from tests.factories.identity import actor_of, make_user
from tests.factories.registry import make_organization
from tests.factories.sharing import make_grant, make_shared_entry

ROLES = [None, Role.coordinator, Role.org_admin, Role.org_staff, Role.auditor, Role.citizen]
ORGANIZATIONS = ["consumer", "provider", "other"]
GRANT_STATES = ["unknown", "active", "expired", "revoked", "no_changes", "other_consumer"]
EXCHANGING = {Role.coordinator, Role.org_admin, Role.org_staff}
SHARING = EXCHANGING | {Role.auditor}
CHANGES = [QueryMode.lookup, QueryMode.changes]
POLICY = WebhookPolicy(allow_loopback=True)
PAGE = PageParams(page=1, size=50)


def caller(session: Session, role: Role | None, organization: Organization) -> Actor:
    if role is None:
        return ANONYMOUS
    if role is Role.citizen:
        return actor_of(make_user(session, organization=None, roles=[role]))
    return staff_of(session, organization, role)


def _id(role: Role | None) -> str:
    return role.value if role else "anonymous"


# ---------------------------------------------------------------- subscribing


def expected_subscribe(role: Role | None, organization: str, state: str) -> type[AppError] | None:
    if role is None:
        return AuthenticationRequiredError
    if role not in EXCHANGING:
        return PermissionDeniedError
    if state == "unknown":
        return GrantNotFoundError
    sees = (
        role is Role.coordinator
        or organization == "provider"
        or (organization == "consumer" and state != "other_consumer")
    )
    if not sees:
        return GrantNotFoundError
    if organization != "consumer" or state == "other_consumer":
        return NotYourSubscriptionError
    return {
        "active": None,
        "expired": GrantNotActiveError,
        "revoked": GrantNotActiveError,
        "no_changes": ChangesModeNotGrantedError,
    }[state]


@pytest.mark.parametrize("state", GRANT_STATES)
@pytest.mark.parametrize("organization", ORGANIZATIONS)
@pytest.mark.parametrize("role", ROLES, ids=_id)
def test_only_the_consumers_exchanging_people_subscribe_to_an_active_changes_grant(
    session: Session, role: Role | None, organization: str, state: str
) -> None:
    departments = {
        "consumer": make_organization(session),
        "provider": make_organization(session),
        "other": make_organization(session),
    }
    entry = make_shared_entry(session, provider=departments["provider"])
    if state == "unknown":
        grant_id = uuid4()
    else:
        grant_id = make_grant(
            session,
            entry=entry,
            consumer=make_organization(session)
            if state == "other_consumer"
            else departments["consumer"],
            items=["姓名"],
            query_modes=[QueryMode.lookup] if state == "no_changes" else CHANGES,
            valid_days=-1 if state == "expired" else 365,
            state=GrantState.revoked if state == "revoked" else GrantState.active,
        ).id
    actor = caller(session, role, departments[organization])
    outcome = expected_subscribe(role, organization, state)
    data = SubscriptionCreate(grant_id=grant_id, callback_url="http://127.0.0.1:9/hook")

    if outcome is None:
        subscription = subscriptions.subscribe(session, actor=actor, data=data, policy=POLICY)
        assert subscription.consumer_organization_id == departments["consumer"].id
    else:
        with pytest.raises(outcome) as raised:
            subscriptions.subscribe(session, actor=actor, data=data, policy=POLICY)
        assert type(raised.value) is outcome


# ---------------------------------------------------------------- using a subscription


ACTIONS = ["get", "list", "deliveries", "pause", "cancel", "redeliver"]


def expected_use(role: Role | None, organization: str, action: str) -> type[AppError] | None:
    if role is None:
        return AuthenticationRequiredError
    if role not in SHARING:
        return PermissionDeniedError
    sees = role in {Role.coordinator, Role.auditor} or organization in {"consumer", "provider"}
    if not sees:
        return None if action == "list" else SubscriptionNotFoundError
    if action in {"get", "list", "deliveries"}:
        return None
    consumer = organization == "consumer" and role in EXCHANGING
    coordinator = role is Role.coordinator
    provider = organization == "provider" and role in {Role.org_admin, Role.coordinator}
    allowed = {
        "pause": consumer,
        "cancel": consumer or coordinator,
        "redeliver": consumer or provider or coordinator,
    }[action]
    return None if allowed else NotYourSubscriptionError


@pytest.mark.parametrize("organization", ORGANIZATIONS)
@pytest.mark.parametrize("role", ROLES, ids=_id)
def test_who_sees_manages_and_redelivers_a_subscription(
    session: Session, tmp_path: Path, role: Role | None, organization: str
) -> None:
    world = population_world(session, tmp_path, rows=1)
    grant = make_grant(
        session, entry=world.entry, consumer=world.consumer, items=["姓名"], query_modes=CHANGES
    )
    delivery = dead_letter(session, world, tmp_path, grant)
    sid = delivery.subscription_id
    department = {"consumer": world.consumer, "provider": world.provider, "other": world.other}
    actor = caller(session, role, department[organization])

    def listed() -> None:
        page = subscriptions.list_subscriptions(
            session,
            actor=actor,
            filters=SubscriptionFilter.model_validate({"role": "all"}),
            page=PAGE,
        )
        assert (sid in {s.id for s in page.items}) is (
            expected_use(role, organization, "get") is None
        )

    steps: dict[str, Callable[[], object]] = {
        "get": lambda: subscriptions.get_subscription(session, actor=actor, subscription_id=sid),
        "list": listed,
        "deliveries": lambda: subscriptions.list_deliveries(
            session, actor=actor, filters=DeliveryFilter(subscription_id=sid), page=PAGE
        ),
        "pause": lambda: subscriptions.pause_subscription(
            session, actor=actor, subscription_id=sid
        ),
        "cancel": lambda: subscriptions.cancel_subscription(
            session, actor=actor, subscription_id=sid
        ),
        "redeliver": lambda: subscriptions.redeliver(
            session, actor=actor, subscription_id=sid, delivery_id=delivery.id
        ),
    }
    for action in ACTIONS:
        outcome = expected_use(role, organization, action)
        savepoint = session.begin_nested()
        try:
            if outcome is None:
                steps[action]()
            else:
                with pytest.raises(outcome) as raised:
                    steps[action]()
                assert type(raised.value) is outcome, action
        finally:
            savepoint.rollback()
