"""JSON API of identity: the caller, users, API clients."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, status

from smartcity.core.errors import PermissionDeniedError
from smartcity.core.http.deps import PageParamsDep, SessionDep, SettingsDep
from smartcity.core.http.problems import problem_responses
from smartcity.core.pagination import Page
from smartcity.core.security import ensure_authenticated
from smartcity.domains.identity import service as identity_service
from smartcity.domains.identity.deps import ActorDep
from smartcity.domains.identity.errors import (
    ApiClientNotFoundError,
    ApiClientRevokedError,
    RoleNotAssignableError,
    UsernameTakenError,
    UserNotFoundError,
    WeakPasswordError,
)
from smartcity.domains.identity.schemas import (
    ApiClientCreate,
    ApiClientIssued,
    ApiClientRead,
    Me,
    PasswordChange,
    UserCreate,
    UserFilter,
    UserRead,
    UserUpdate,
)

router = APIRouter(prefix="/identity", tags=["identity"])


@router.get("/me")
def me(actor: ActorDep) -> Me:
    """Who the caller is, with its roles and permissions."""
    ensure_authenticated(actor)
    return Me(
        kind=actor.kind.value,
        id=actor.id,
        name=actor.name,
        organization_id=actor.organization_id,
        roles=sorted(actor.roles),
        permissions=sorted(actor.permissions),
    )


@router.get("/users")
def list_users(
    session: SessionDep,
    actor: ActorDep,
    page: PageParamsDep,
    filters: Annotated[UserFilter, Query()],
) -> Page[UserRead]:
    """Users the caller may see."""
    result = identity_service.list_users(session, actor=actor, filters=filters, page=page)
    return result.map(UserRead.model_validate)


@router.post(
    "/users",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(
        UsernameTakenError, RoleNotAssignableError, WeakPasswordError, PermissionDeniedError
    ),
)
def create_user(data: UserCreate, session: SessionDep, actor: ActorDep) -> UserRead:
    """Create a user in an organization the caller manages."""
    return UserRead.model_validate(identity_service.create_user(session, actor=actor, data=data))


@router.get("/users/{user_id}", responses=problem_responses(UserNotFoundError))
def get_user(user_id: UUID, session: SessionDep, actor: ActorDep) -> UserRead:
    return UserRead.model_validate(identity_service.get_user(session, actor=actor, user_id=user_id))


@router.patch(
    "/users/{user_id}", responses=problem_responses(UserNotFoundError, RoleNotAssignableError)
)
def update_user(user_id: UUID, data: UserUpdate, session: SessionDep, actor: ActorDep) -> UserRead:
    return UserRead.model_validate(
        identity_service.update_user(session, actor=actor, user_id=user_id, data=data)
    )


@router.put(
    "/users/{user_id}/password",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(UserNotFoundError, WeakPasswordError),
)
def set_password(user_id: UUID, data: PasswordChange, session: SessionDep, actor: ActorDep) -> None:
    """Set a user's password; the user's sessions end."""
    identity_service.set_password(session, actor=actor, user_id=user_id, password=data.password)


@router.get("/api-clients")
def list_api_clients(
    session: SessionDep, actor: ActorDep, page: PageParamsDep, organization_id: UUID | None = None
) -> Page[ApiClientRead]:
    result = identity_service.list_api_clients(
        session, actor=actor, page=page, organization_id=organization_id
    )
    return result.map(ApiClientRead.model_validate)


@router.post(
    "/api-clients",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(RoleNotAssignableError, ApiClientNotFoundError),
)
def create_api_client(
    data: ApiClientCreate, session: SessionDep, actor: ActorDep, settings: SettingsDep
) -> ApiClientIssued:
    """Register a service account; the token in the answer is shown this once only."""
    client, token = identity_service.create_api_client(
        session, actor=actor, data=data, max_days=settings.auth.api_token_max_days
    )
    return ApiClientIssued.model_validate(
        {**ApiClientRead.model_validate(client).model_dump(), "token": token}
    )


@router.post(
    "/api-clients/{client_id}/rotate",
    responses=problem_responses(ApiClientNotFoundError, ApiClientRevokedError),
)
def rotate_api_client(
    client_id: UUID,
    session: SessionDep,
    actor: ActorDep,
    settings: SettingsDep,
    valid_days: Annotated[int, Query(ge=1, le=3650)] = 90,
) -> ApiClientIssued:
    """Issue a new token; the old one stops working at once."""
    client, token = identity_service.rotate_api_client_token(
        session,
        actor=actor,
        client_id=client_id,
        valid_days=valid_days,
        max_days=settings.auth.api_token_max_days,
    )
    return ApiClientIssued.model_validate(
        {**ApiClientRead.model_validate(client).model_dump(), "token": token}
    )


@router.post("/api-clients/{client_id}/revoke", responses=problem_responses(ApiClientNotFoundError))
def revoke_api_client(client_id: UUID, session: SessionDep, actor: ActorDep) -> ApiClientRead:
    return ApiClientRead.model_validate(
        identity_service.revoke_api_client(session, actor=actor, client_id=client_id)
    )
