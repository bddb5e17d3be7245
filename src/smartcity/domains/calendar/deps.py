"""FastAPI dependencies of the calendar: who may read it."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from smartcity.core.security import Actor, ensure_authenticated
from smartcity.domains.identity.deps import ActorDep


def signed_in_actor(actor: ActorDep) -> Actor:
    """The caller, who must be signed in (any role): reading the calendar needs no
    permission, but the platform is not public.

    Raises:
        AuthenticationRequiredError: anonymous caller.
    """
    ensure_authenticated(actor)
    return actor


SignedInActorDep = Annotated[Actor, Depends(signed_in_actor)]
