"""Grants (Art. 26): created by every granting path of a share request, revoked and
renewed afterwards. The exchange API enforces them. Nothing here commits.
"""

from __future__ import annotations

import calendar
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from smartcity.core.pagination import Page, PageParams, paginate
from smartcity.core.security import SYSTEM, Actor, ensure_permission
from smartcity.core.time import utcnow
from smartcity.domains.audit import service as audit_service
from smartcity.domains.catalog import service as catalog_service
from smartcity.domains.sharing.enums import GrantState
from smartcity.domains.sharing.errors import (
    GrantNotFoundError,
    GrantRevokedError,
    NotYourRequestError,
)
from smartcity.domains.sharing.models import Grant, ShareRequest
from smartcity.domains.sharing.permissions import SharingPermission
from smartcity.domains.sharing.schemas import GrantFilter, RequestRole
from smartcity.domains.sharing.service.numbering import add_numbered

DEFAULT_RATE_PER_MINUTE = 600


def add_months(moment: datetime, months: int) -> datetime:
    """``moment`` plus calendar months (the day clamped to the month's last day)."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def _snapshot(grant: Grant) -> dict[str, Any]:
    return {
        "number": grant.number,
        "request_id": str(grant.request_id),
        "items": list(grant.items),
        "query_modes": list(grant.query_modes),
        "clearance_rank": grant.clearance_rank,
        "personal_clear": grant.personal_clear,
        "valid_from": grant.valid_from.isoformat(),
        "valid_until": grant.valid_until.isoformat(),
    }


def issue_grant(
    session: Session, *, actor: Actor, request: ShareRequest, items: Sequence[str]
) -> Grant:
    """The grant of ``items`` of ``request`` (every granting path ends here).

    Valid from now for the requested months; cleared up to the highest grade among
    the granted items (the exchange masks the items a grant does not cover);
    personal information clear only when the request stated a legal basis.
    """
    entry = catalog_service.get_entry(session, actor=SYSTEM, entry_id=request.entry_id)
    ranks = {grade.code: grade.rank for grade in catalog_service.list_grades(session, actor=SYSTEM)}
    wanted = set(items)
    granted_ranks = [ranks.get(i.grade_code, 0) for i in entry.items if i.name in wanted]
    now = utcnow()
    grant = Grant(
        request_id=request.id,
        entry_id=request.entry_id,
        provider_organization_id=request.provider_organization_id,
        consumer_organization_id=request.consumer_organization_id,
        consumer_client_id=request.consumer_client_id,
        items=list(items),
        purpose=request.purpose,
        scenario=request.scenario,
        query_modes=list(request.query_modes),
        clearance_rank=max(granted_ranks, default=min(ranks.values(), default=1)),
        personal_clear=request.legal_basis_id is not None,
        rate_per_minute=DEFAULT_RATE_PER_MINUTE,
        valid_from=now,
        valid_until=add_months(now, request.requested_months),
        state=GrantState.active,
    )
    add_numbered(session, grant, "SQ")
    audit_service.record(
        session,
        actor=actor,
        action="sharing.grant.created",
        subject=grant,
        changes=_snapshot(grant),
        organization_id=grant.consumer_organization_id,
    )
    return grant


def visible_grants(actor: Actor, role: RequestRole = RequestRole.all) -> Select[Grant]:
    """Grants the actor may see: its department's (as consumer or provider), all for
    the coordinator and the auditor.

    Raises:
        AuthenticationRequiredError; PermissionDeniedError: no sharing permission.
    """
    statement = select(Grant)
    own = actor.organization_id
    if role is RequestRole.made:
        return statement.where(Grant.consumer_organization_id == own)
    if role is RequestRole.received:
        return statement.where(Grant.provider_organization_id == own)
    if actor.has(SharingPermission.read_all):
        return statement
    if not (actor.has(SharingPermission.answer) or actor.has(SharingPermission.request)):
        ensure_permission(actor, SharingPermission.request)
    return statement.where(
        or_(Grant.consumer_organization_id == own, Grant.provider_organization_id == own)
    )


def _ensure_reader(actor: Actor) -> None:
    if not (
        actor.has(SharingPermission.read_all)
        or actor.has(SharingPermission.answer)
        or actor.has(SharingPermission.request)
    ):
        ensure_permission(actor, SharingPermission.request)


def list_grants(
    session: Session, *, actor: Actor, filters: GrantFilter, page: PageParams
) -> Page[Grant]:
    """A page of grants, newest first.

    Raises:
        AuthenticationRequiredError; PermissionDeniedError.
    """
    _ensure_reader(actor)
    statement = visible_grants(actor, filters.role)
    if filters.state:
        statement = statement.where(Grant.state == filters.state)
    return paginate(session, statement.order_by(Grant.created_at.desc(), Grant.id), page)


def get_grant(session: Session, *, actor: Actor, grant_id: UUID, for_update: bool = False) -> Grant:
    """One grant the actor may see.

    Raises:
        AuthenticationRequiredError; PermissionDeniedError; GrantNotFoundError.
    """
    _ensure_reader(actor)
    statement = visible_grants(actor).where(Grant.id == grant_id)
    if for_update:
        statement = statement.with_for_update()
    grant = session.scalars(statement).one_or_none()
    if grant is None:
        raise GrantNotFoundError(grant_id=grant_id)
    return grant


def _managed_grant(session: Session, actor: Actor, grant_id: UUID) -> Grant:
    grant = get_grant(session, actor=actor, grant_id=grant_id, for_update=True)
    provider = (
        actor.has(SharingPermission.answer)
        and actor.organization_id == grant.provider_organization_id
    )
    if not (actor.has(SharingPermission.check) or provider):
        raise NotYourRequestError("只有提供部门或主管部门可以撤销或续期共享授权", grant_id=grant.id)
    if grant.state is GrantState.revoked:
        raise GrantRevokedError(f"授权 {grant.number} 已撤销", grant_id=grant.id)
    return grant


def revoke_grant(session: Session, *, actor: Actor, grant_id: UUID, reason: str) -> Grant:
    """Revoke an active grant (the coordinator or the provider), with a reason.

    Raises:
        GrantNotFoundError; NotYourRequestError; GrantRevokedError.
    """
    grant = _managed_grant(session, actor, grant_id)
    grant.state = GrantState.revoked
    grant.revoked_at = utcnow()
    grant.revocation_reason = reason.strip()
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action="sharing.grant.revoked",
        subject=grant,
        changes={"reason": grant.revocation_reason},
        organization_id=grant.consumer_organization_id,
    )
    return grant


def renew_grant(session: Session, *, actor: Actor, grant_id: UUID, months: int) -> Grant:
    """Extend a grant by ``months`` from its end (or from now when it has expired).

    Raises:
        GrantNotFoundError; NotYourRequestError; GrantRevokedError.
    """
    grant = _managed_grant(session, actor, grant_id)
    before = grant.valid_until
    grant.valid_until = add_months(max(before, utcnow()), months)
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action="sharing.grant.renewed",
        subject=grant,
        changes={
            "months": months,
            "valid_until": [before.isoformat(), grant.valid_until.isoformat()],
        },
        organization_id=grant.consumer_organization_id,
    )
    return grant


@dataclass(frozen=True, slots=True)
class GrantCoverage:
    """What an active grant lets its consumer take: the entry and the item names."""

    grant_id: UUID
    number: str
    entry_id: UUID
    consumer_organization_id: UUID
    items: frozenset[str]
    valid_until: datetime


def active_grant_coverage(
    session: Session,
    *,
    consumer_organization_ids: Collection[UUID],
    entry_ids: Collection[UUID],
) -> list[GrantCoverage]:
    """The grants in force now (active, not revoked, inside their validity) held by any
    of ``consumer_organization_ids`` on any of ``entry_ids``, oldest number first.

    A read for other domains' checks (the once-only checker asks which of a form's
    fields its department may already take); no actor, because it discloses only the
    caller's own question about departments and entries it already names. One query.
    """
    if not consumer_organization_ids or not entry_ids:
        return []
    now = utcnow()
    rows = session.scalars(
        select(Grant)
        .where(
            Grant.state == GrantState.active,
            Grant.valid_from <= now,
            Grant.valid_until > now,
            Grant.consumer_organization_id.in_(list(consumer_organization_ids)),
            Grant.entry_id.in_(list(entry_ids)),
        )
        .order_by(Grant.number)
    ).all()
    return [
        GrantCoverage(
            grant_id=g.id,
            number=g.number,
            entry_id=g.entry_id,
            consumer_organization_id=g.consumer_organization_id,
            items=frozenset(g.items),
            valid_until=g.valid_until,
        )
        for g in rows
    ]
