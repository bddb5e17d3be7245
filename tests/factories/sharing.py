"""Factories for share requests and grants, and the departments around them.

``make_grant`` writes a grant (and the request it came from) directly, so tests of
the exchange API do not depend on the request workflow; the workflow itself is
tested through the service in ``tests/domains/sharing/test_requests.py``.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any
from uuid import UUID

from sqlalchemy.orm import Session

from smartcity.core.security import Actor
from smartcity.core.time import utcnow
from smartcity.domains.catalog.enums import ShareType
from smartcity.domains.catalog.models import CatalogEntry
from smartcity.domains.identity.permissions import Role
from smartcity.domains.registry.models import Organization
from smartcity.domains.sharing.enums import GrantState, QueryMode, RequestPath, RequestState
from smartcity.domains.sharing.models import Grant as Grant
from smartcity.domains.sharing.models import ShareRequest
from tests.factories.catalog import item, make_entry, make_legal_basis, staff_of
from tests.factories.registry import make_organization

_numbers = itertools.count(1)

# rank of the default grades (the migration seeds them)
GRADE_RANKS = {"G1": 1, "G2": 2, "G3": 3, "G4": 4, "IMPORTANT": 5, "CORE": 6}


def make_shared_entry(
    session: Session,
    *,
    share_type: ShareType = ShareType.unconditional,
    items: Sequence[tuple[str, str]] = (("姓名", "G2"), ("公民身份号码", "G3"), ("住址", "G4")),
    provider: Organization | None = None,
    **values: Any,
) -> CatalogEntry:
    """A published entry of ``share_type`` whose items are ``(name, grade_code)`` pairs.

    Conditional and not-shared entries get a fresh registered legal basis (and a
    share condition) unless ``values`` give them.
    """
    data: dict[str, Any] = {
        "share_type": share_type,
        "items": [item(name, grade_code=grade) for name, grade in items],
    }
    if share_type is not ShareType.unconditional:
        data.setdefault("legal_basis_ids", [make_legal_basis(session).id])
    if share_type is ShareType.conditional:
        data.setdefault("share_condition", "仅限办理相关政务服务事项时使用。")
    if share_type is ShareType.none:
        data.setdefault("share_mode", None)
    data.update(values)
    return make_entry(session, provider=provider, **data)


def make_department(session: Session, **values: Any) -> Organization:
    """A municipal department (a consumer or a provider)."""
    return make_organization(session, **values)


def department_staff(
    session: Session, organization: Organization, role: Role = Role.org_staff
) -> Actor:
    """A signed-in member of ``organization`` with ``role``."""
    return staff_of(session, organization, role)


def make_request(
    session: Session,
    *,
    entry: CatalogEntry,
    consumer: Organization,
    items: Iterable[str] | None = None,
    state: RequestState = RequestState.compliance_check,
    query_modes: Iterable[QueryMode | str] = (QueryMode.lookup,),
    requested_months: int = 12,
    legal_basis_id: UUID | None = None,
    client_id: UUID | None = None,
) -> ShareRequest:
    """A request row in ``state`` (written directly, no workflow, no audit)."""
    number = next(_numbers)
    now = utcnow()
    names = list(items) if items is not None else []
    request = ShareRequest(
        number=f"GX-T-{number:06d}",
        entry_id=entry.id,
        provider_organization_id=entry.provider_organization_id,
        consumer_organization_id=consumer.id,
        consumer_client_id=client_id,
        requested_by_name="测试申请人",
        items=names,
        granted_items=[],
        purpose="测试共享用途",
        scenario="测试政务服务事项",
        legal_basis_id=legal_basis_id,
        query_modes=[str(m) for m in query_modes],
        requested_months=requested_months,
        expected_volume=100,
        path=RequestPath(entry.share_type.value)
        if entry.share_type is not ShareType.none
        else RequestPath.not_shared,
        state=state,
        submitted_at=now,
    )
    session.add(request)
    session.flush()
    return request


def make_grant(
    session: Session,
    *,
    entry: CatalogEntry,
    consumer: Organization,
    items: Iterable[str],
    query_modes: Iterable[QueryMode | str] = (QueryMode.lookup, QueryMode.batch),
    clearance_rank: int = 6,
    personal_clear: bool = False,
    client_id: UUID | None = None,
    valid_days: int = 365,
    rate_per_minute: int = 600,
    state: GrantState = GrantState.active,
) -> Grant:
    """An active grant of ``items`` of ``entry`` to ``consumer`` (with a granted request).

    ``valid_days`` may be negative for an expired grant; ``state=GrantState.revoked``
    gives a revoked one.
    """
    names = list(items)
    modes = [str(m) for m in query_modes]
    request = make_request(
        session,
        entry=entry,
        consumer=consumer,
        items=names,
        state=RequestState.granted,
        query_modes=modes,
        client_id=client_id,
    )
    request.granted_items = names
    now = utcnow()
    number = next(_numbers)
    grant = Grant(
        number=f"SQ-T-{number:06d}",
        request_id=request.id,
        entry_id=entry.id,
        provider_organization_id=entry.provider_organization_id,
        consumer_organization_id=consumer.id,
        consumer_client_id=client_id,
        items=names,
        purpose=request.purpose,
        scenario=request.scenario,
        query_modes=modes,
        clearance_rank=clearance_rank,
        personal_clear=personal_clear,
        rate_per_minute=rate_per_minute,
        valid_from=now - timedelta(days=max(1, 1 - valid_days)),
        valid_until=now + timedelta(days=valid_days),
        state=state,
        revoked_at=now if state is GrantState.revoked else None,
        revocation_reason="测试撤销" if state is GrantState.revoked else "",
    )
    session.add(grant)
    session.flush()
    return grant
