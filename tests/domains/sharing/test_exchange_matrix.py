"""Authorization matrix of the exchange (issue #5, security tests): every role, in the
grant's consumer department and in another department, against every grant state.
Only the consumer department's staff, admins (and a coordinator working in that
department, since the role holds ``sharing.exchange``) with an active grant get data;
every other combination is refused with its own problem and logged. Anonymous callers
get 401 and are not logged (the API checks this over HTTP in test_exchange_api).

The matrix runs against the service, where authorization lives: the lookup and batch
endpoints call the same ``exchange.lookup``; the file extract calls
``exchange_files.start_extract`` (and writes the file when allowed).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from uuid import UUID, uuid4

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smartcity.core.errors import AppError, AuthenticationRequiredError
from smartcity.core.security import ANONYMOUS, Actor
from smartcity.domains.identity.permissions import Role
from smartcity.domains.sharing.enums import GrantState, QueryMode
from smartcity.domains.sharing.exchange_errors import (
    ExchangeGrantNotFoundError,
    ExchangePermissionDeniedError,
    GrantExpiredError,
    GrantRevokedError,
    GrantWrongClientError,
    GrantWrongOrganizationError,
)
from smartcity.domains.sharing.models import ExchangeLogEntry
from smartcity.domains.sharing.service import exchange, exchange_files
from smartcity.domains.sharing.service.exchange_files import ExtractFormat
from tests.domains.sharing.test_exchange import World, grant_for, last_entry, population_world
from tests.factories.catalog import staff_of
from tests.factories.identity import actor_of, make_user
from tests.factories.registry import make_organization
from tests.factories.sharing import make_grant

ROLES = [None, Role.coordinator, Role.org_admin, Role.org_staff, Role.auditor, Role.citizen]
ORGANIZATIONS = ["consumer", "other"]
STATES = ["unknown", "active", "expired", "revoked", "other_consumer", "other_client"]
EXCHANGING = {Role.coordinator, Role.org_admin, Role.org_staff}


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    exchange.rate_limiter.reset()


def caller(session: Session, world: World, role: Role | None, organization: str) -> Actor:
    if role is None:
        return ANONYMOUS
    if role is Role.citizen:
        return actor_of(make_user(session, organization=None, roles=[role]))
    org = world.consumer if organization == "consumer" else world.other
    return staff_of(session, org, role)


def expected(role: Role | None, organization: str, state: str) -> type[AppError] | None:
    if role is None:
        return AuthenticationRequiredError
    if role not in EXCHANGING:
        return ExchangePermissionDeniedError
    if state == "unknown":
        return ExchangeGrantNotFoundError
    if organization != "consumer" or state == "other_consumer":
        return GrantWrongOrganizationError
    return {
        "active": None,
        "expired": GrantExpiredError,
        "revoked": GrantRevokedError,
        "other_client": GrantWrongClientError,
    }[state]


def grant_in_state(
    session: Session,
    world: World,
    state: str,
    modes: Sequence[QueryMode] = (QueryMode.lookup, QueryMode.batch),
) -> UUID:
    """The id of a grant of ``world``'s resource in ``state`` (one of ``STATES``)."""
    if state == "unknown":
        return uuid4()
    if state == "other_consumer":
        return make_grant(
            session,
            entry=world.entry,
            consumer=make_organization(session),
            items=["姓名"],
            query_modes=modes,
        ).id
    return grant_for(
        world,
        session,
        query_modes=modes,
        valid_days=-1 if state == "expired" else 365,
        state=GrantState.revoked if state == "revoked" else GrantState.active,
        client_id=uuid4() if state == "other_client" else None,
    ).id


def log_size(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(ExchangeLogEntry)) or 0


def call_lookup(session: Session, actor: Actor, grant_id: UUID, world: World) -> None:
    result = exchange.lookup(
        session, actor=actor, grant_id=grant_id, case_reference="m", keys=[world.key()]
    )
    assert result.records[0].found
    assert result.records[0].values


def call_extract(session: Session, actor: Actor, grant_id: UUID, world: World) -> None:
    extract = exchange_files.start_extract(
        session, actor=actor, grant_id=grant_id, case_reference="m", format=ExtractFormat.csv
    )
    assert extract.rows == 1
    assert len(b"".join(exchange_files.extract_bytes(session, extract)).splitlines()) == 2


Call = Callable[[Session, Actor, UUID, World], None]
# each endpoint's service call, and the mode its grants have: lookup and batch call
# the same exchange.lookup; the file extract runs the same checks in its own service
ENDPOINTS: dict[str, tuple[Call, list[QueryMode]]] = {
    "lookup": (call_lookup, [QueryMode.lookup, QueryMode.batch]),
    "extract": (call_extract, [QueryMode.file]),
}


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("organization", ORGANIZATIONS)
@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value if r else "anonymous")
def test_only_the_consumers_people_with_an_active_grant_get_data(
    session: Session,
    tmp_path: Path,
    role: Role | None,
    organization: str,
    state: str,
    endpoint: str,
) -> None:
    call, modes = ENDPOINTS[endpoint]
    world = population_world(session, tmp_path, rows=1)
    grant_id = grant_in_state(session, world, state, modes=modes)
    actor = caller(session, world, role, organization)
    before = log_size(session)
    outcome = expected(role, organization, state)

    if outcome is None:
        call(session, actor, grant_id, world)
        assert last_entry(session).result == "ok"
    else:
        with pytest.raises(outcome):
            call(session, actor, grant_id, world)
        if outcome is AuthenticationRequiredError:
            assert log_size(session) == before
        else:
            assert log_size(session) == before + 1
            assert last_entry(session).result == outcome.code
