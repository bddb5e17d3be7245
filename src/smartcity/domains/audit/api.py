"""JSON API of the audit log: browse events, verify the chain."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from smartcity.core.http.deps import PageParamsDep, SessionDep
from smartcity.core.http.problems import problem_responses
from smartcity.core.pagination import Page
from smartcity.domains.audit import service as audit_service
from smartcity.domains.audit.errors import AuditEventNotFoundError
from smartcity.domains.audit.schemas import AuditEventFilter, AuditEventRead, VerifyReport
from smartcity.domains.identity.deps import ActorDep

router = APIRouter(prefix="/audit", tags=["audit"])


@router.get("/events")
def list_events(
    session: SessionDep,
    actor: ActorDep,
    page: PageParamsDep,
    filters: Annotated[AuditEventFilter, Query()],
) -> Page[AuditEventRead]:
    """Audit events, newest first: all for auditors and the coordinator, else one's own
    organization's."""
    result = audit_service.list_events(session, actor=actor, filters=filters, page=page)
    return result.map(AuditEventRead.model_validate)


@router.get("/events/{seq}", responses=problem_responses(AuditEventNotFoundError))
def get_event(seq: int, session: SessionDep, actor: ActorDep) -> AuditEventRead:
    return AuditEventRead.model_validate(audit_service.get_event(session, actor=actor, seq=seq))


@router.post("/verify")
def verify(session: SessionDep, actor: ActorDep) -> VerifyReport:
    """Recompute the chain and name the first tampered event, if any."""
    return audit_service.verify_chain(session, actor=actor)
