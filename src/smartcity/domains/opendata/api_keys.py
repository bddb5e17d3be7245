"""JSON API of open data API keys: ``/api/v1/opendata/api-keys`` (Art. 31).

A registered user (signed in, or a platform bearer token acting for them) creates a
key for heavy use of the open data API, lists their keys and revokes one. The
whole key is in the creation answer only; afterwards only its prefix is shown.
"""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, status

from smartcity.core.errors import AuthenticationRequiredError, InvalidInputError
from smartcity.core.http.deps import SessionDep
from smartcity.core.http.problems import problem_responses
from smartcity.domains.identity.deps import ActorDep
from smartcity.domains.opendata.errors_keys import ApiKeyNotFoundError
from smartcity.domains.opendata.schemas_keys import ApiKeyCreate, ApiKeyCreated, ApiKeyRead
from smartcity.domains.opendata.service import keys

router = APIRouter(prefix="/opendata/api-keys", tags=["opendata"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(AuthenticationRequiredError, InvalidInputError),
)
def create_api_key(body: ApiKeyCreate, session: SessionDep, actor: ActorDep) -> ApiKeyCreated:
    """A new key for the signed-in user (sent as ``Authorization: <key>`` or ``X-API-Key``
    to the CKAN API, DCAT, the data API and downloads, at the key's rate limit). The
    ``key`` is shown only in this answer."""
    return keys.create_api_key(session, actor=actor, name=body.name)


@router.get("", responses=problem_responses(AuthenticationRequiredError))
def list_api_keys(session: SessionDep, actor: ActorDep) -> list[ApiKeyRead]:
    """The signed-in user's keys (prefixes only), newest first."""
    return keys.list_api_keys(session, actor=actor)


@router.post(
    "/{key_id}/revoke",
    responses=problem_responses(AuthenticationRequiredError, ApiKeyNotFoundError),
)
def revoke_api_key(key_id: UUID, session: SessionDep, actor: ActorDep) -> ApiKeyRead:
    """Revoke one of the user's keys: it stops working at once."""
    return keys.revoke_api_key(session, actor=actor, key_id=key_id)
