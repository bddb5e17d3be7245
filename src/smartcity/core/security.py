"""Who is acting: the ``Actor`` every service call receives explicitly."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from uuid import UUID

from smartcity.core.errors import AuthenticationRequiredError, PermissionDeniedError


class ActorKind(StrEnum):
    user = "user"
    api_client = "api_client"
    system = "system"
    anonymous = "anonymous"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting. Passed explicitly to every service call; never read from globals.

    ``organization_id`` is the organization the user or API client belongs to;
    ``permissions`` are the permission strings its roles grant. ``name`` is a
    label for audit records (user name, client name, ``system``).
    """

    kind: ActorKind
    id: UUID | None = None
    organization_id: UUID | None = None
    permissions: frozenset[str] = field(default_factory=frozenset)
    name: str = ""
    roles: frozenset[str] = field(default_factory=frozenset)

    def has(self, permission: str) -> bool:
        return self.kind is ActorKind.system or permission in self.permissions

    @property
    def is_authenticated(self) -> bool:
        return self.kind is not ActorKind.anonymous


ANONYMOUS = Actor(kind=ActorKind.anonymous, name="anonymous")
SYSTEM = Actor(kind=ActorKind.system, name="system")


def ensure_permission(actor: Actor, permission: str) -> None:
    """Raise unless the actor holds ``permission``: 401 when anonymous, 403 otherwise."""
    if actor.has(permission):
        return
    if actor.kind is ActorKind.anonymous:
        raise AuthenticationRequiredError()
    raise PermissionDeniedError(f"缺少权限 {permission}", permission=permission)


def ensure_authenticated(actor: Actor) -> None:
    """Raise 401 for anonymous callers."""
    if actor.kind is ActorKind.anonymous:
        raise AuthenticationRequiredError()
