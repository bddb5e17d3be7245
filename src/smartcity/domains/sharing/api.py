"""JSON API of share requests and grants (Art. 26–27), under ``/api/v1/sharing``."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, status

from smartcity.core.http.deps import PageParamsDep, SessionDep, SettingsDep
from smartcity.core.http.problems import problem_responses
from smartcity.core.pagination import Page
from smartcity.core.security import ensure_authenticated
from smartcity.domains.identity.deps import ActorDep
from smartcity.domains.sharing import service as sharing_service
from smartcity.domains.sharing.errors import (
    EntryNotPublishedError,
    GrantNotFoundError,
    GrantRevokedError,
    InvalidShareRequestError,
    NotYourRequestError,
    NumberingConflictError,
    OwnResourceError,
    RefusalBasisRequiredError,
    RequestStateError,
    ShareRequestNotFoundError,
)
from smartcity.domains.sharing.schemas import (
    AnswerDecision,
    CheckDecision,
    GrantFilter,
    GrantRead,
    RefusalCount,
    RenewInput,
    RevokeInput,
    ShareRequestCreate,
    ShareRequestDetail,
    ShareRequestFilter,
    WithdrawInput,
)

router = APIRouter(prefix="/sharing", tags=["sharing"])

_DECISION_ERRORS = (
    ShareRequestNotFoundError,
    RequestStateError,
    InvalidShareRequestError,
    RefusalBasisRequiredError,
    NumberingConflictError,
)


@router.get("/requests")
def list_share_requests(
    session: SessionDep,
    actor: ActorDep,
    settings: SettingsDep,
    page: PageParamsDep,
    filters: Annotated[ShareRequestFilter, Query()],
) -> Page[ShareRequestDetail]:
    """Requests made by the actor's department (``role=made``), addressed to it
    (``received``), or all it may see (``all``; every request for the coordinator),
    each with its clock."""
    result = sharing_service.list_requests(session, actor=actor, filters=filters, page=page)
    return result.map(
        lambda request: sharing_service.request_detail(session, request, settings=settings.sharing)
    )


@router.post(
    "/requests",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(
        EntryNotPublishedError,
        OwnResourceError,
        InvalidShareRequestError,
        NotYourRequestError,
        NumberingConflictError,
    ),
)
def submit_share_request(
    data: ShareRequestCreate, session: SessionDep, actor: ActorDep, settings: SettingsDep
) -> ShareRequestDetail:
    """Request a published catalog resource. A resource the catalog does not share is
    refused at once with its legal basis; others wait for the compliance check."""
    request = sharing_service.submit_request(
        session, actor=actor, data=data, settings=settings.sharing
    )
    return sharing_service.request_detail(session, request, settings=settings.sharing)


@router.get("/requests/{request_id}", responses=problem_responses(ShareRequestNotFoundError))
def get_share_request(
    request_id: UUID, session: SessionDep, actor: ActorDep, settings: SettingsDep
) -> ShareRequestDetail:
    request = sharing_service.get_request(session, actor=actor, request_id=request_id)
    return sharing_service.request_detail(session, request, settings=settings.sharing)


@router.post("/requests/{request_id}/check", responses=problem_responses(*_DECISION_ERRORS))
def check_share_request(
    request_id: UUID,
    data: CheckDecision,
    session: SessionDep,
    actor: ActorDep,
    settings: SettingsDep,
) -> ShareRequestDetail:
    """The coordinator's compliance check; a failed check cites ``basis_id``."""
    request = sharing_service.check_request(
        session,
        actor=actor,
        request_id=request_id,
        passed=data.passed,
        opinion=data.opinion,
        basis_id=data.basis_id,
        settings=settings.sharing,
    )
    return sharing_service.request_detail(session, request, settings=settings.sharing)


@router.post(
    "/requests/{request_id}/answer",
    responses=problem_responses(*_DECISION_ERRORS, NotYourRequestError),
)
def answer_share_request(
    request_id: UUID,
    data: AnswerDecision,
    session: SessionDep,
    actor: ActorDep,
    settings: SettingsDep,
) -> ShareRequestDetail:
    """The provider's answer: the items granted; the rest refused citing
    ``refusal_basis_id``."""
    request = sharing_service.answer_request(
        session,
        actor=actor,
        request_id=request_id,
        granted_items=data.granted_items,
        opinion=data.opinion,
        refusal_basis_id=data.refusal_basis_id,
    )
    return sharing_service.request_detail(session, request, settings=settings.sharing)


@router.post("/requests/{request_id}/order", responses=problem_responses(*_DECISION_ERRORS))
def order_supply(
    request_id: UUID,
    data: AnswerDecision,
    session: SessionDep,
    actor: ActorDep,
    settings: SettingsDep,
) -> ShareRequestDetail:
    """The coordinator settles an escalated request: orders supply of the listed items
    (Art. 27: 非因法定事由不得拒绝); an empty list refuses, citing a basis."""
    request = sharing_service.order_supply(
        session,
        actor=actor,
        request_id=request_id,
        granted_items=data.granted_items,
        opinion=data.opinion,
        refusal_basis_id=data.refusal_basis_id,
    )
    return sharing_service.request_detail(session, request, settings=settings.sharing)


@router.post(
    "/requests/{request_id}/withdraw",
    responses=problem_responses(ShareRequestNotFoundError, RequestStateError, NotYourRequestError),
)
def withdraw_share_request(
    request_id: UUID,
    data: WithdrawInput,
    session: SessionDep,
    actor: ActorDep,
    settings: SettingsDep,
) -> ShareRequestDetail:
    request = sharing_service.withdraw_request(
        session, actor=actor, request_id=request_id, reason=data.reason
    )
    return sharing_service.request_detail(session, request, settings=settings.sharing)


@router.get("/grants")
def list_grants(
    session: SessionDep,
    actor: ActorDep,
    page: PageParamsDep,
    filters: Annotated[GrantFilter, Query()],
) -> Page[GrantRead]:
    result = sharing_service.list_grants(session, actor=actor, filters=filters, page=page)
    return result.map(GrantRead.model_validate)


@router.get("/grants/{grant_id}", responses=problem_responses(GrantNotFoundError))
def get_grant(grant_id: UUID, session: SessionDep, actor: ActorDep) -> GrantRead:
    return GrantRead.model_validate(
        sharing_service.get_grant(session, actor=actor, grant_id=grant_id)
    )


@router.post(
    "/grants/{grant_id}/revoke",
    responses=problem_responses(GrantNotFoundError, GrantRevokedError, NotYourRequestError),
)
def revoke_grant(
    grant_id: UUID, data: RevokeInput, session: SessionDep, actor: ActorDep
) -> GrantRead:
    grant = sharing_service.revoke_grant(
        session, actor=actor, grant_id=grant_id, reason=data.reason
    )
    return GrantRead.model_validate(grant)


@router.post(
    "/grants/{grant_id}/renew",
    responses=problem_responses(GrantNotFoundError, GrantRevokedError, NotYourRequestError),
)
def renew_grant(
    grant_id: UUID, data: RenewInput, session: SessionDep, actor: ActorDep
) -> GrantRead:
    grant = sharing_service.renew_grant(session, actor=actor, grant_id=grant_id, months=data.months)
    return GrantRead.model_validate(grant)


@router.get("/statistics/refusals")
def refusals_by_basis(session: SessionDep, actor: ActorDep) -> list[RefusalCount]:
    """Refusals counted per cited legal basis."""
    ensure_authenticated(actor)
    return sharing_service.refusals_by_basis(session)
