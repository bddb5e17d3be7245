"""Authentication at the edge: turn a bearer token or a session cookie into an ``Actor``.

Bearer tokens authenticate API clients; the session cookie authenticates
people in the browser. Cookie-authenticated requests that change state must
carry the session's CSRF token (form field ``csrf_token`` or header
``X-CSRF-Token``); bearer requests need none, since browsers never send them
on their own.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from smartcity.core.config import Settings
from smartcity.core.db import prebuilt
from smartcity.core.http.deps import SAFE_METHODS, SessionDep, SettingsDep
from smartcity.core.security import ANONYMOUS, Actor
from smartcity.domains.identity import service as identity_service
from smartcity.domains.identity.errors import CsrfError, InvalidTokenError
from smartcity.domains.identity.models import User

CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"


async def _presented_csrf(request: Request) -> str | None:
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


def _bearer_actor(request: Request, session: Session, token: str) -> Actor:
    actor = identity_service.authenticate_api_token(session, token)
    if request.method not in SAFE_METHODS and actor.id is not None:
        # Reads run in a read-only transaction; a writing call notes the use.
        identity_service.touch_api_client(session, actor.id)
    request.state.actor = actor
    request.state.api_client_id = actor.id
    return actor


def bearer_token_read(request: Request, session: Session) -> prebuilt.Read | None:
    """The token read ``actor_of_safe_request`` will make in ``session`` for
    ``request``'s bearer token (None: no well-formed one, or none to make:
    ``identity_service.api_token_read``), to ``prebuilt.prefetch`` it with others."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return identity_service.api_token_read(session, token.strip())


def _bearer_token(authorization: str) -> str:
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidTokenError("Authorization 头应为 Bearer 令牌")
    return token.strip()


def _user_actor(request: Request, settings: Settings, cookie: str, user: User) -> Actor:
    secret = settings.secret_key.get_secret_value()
    request.state.csrf_token = identity_service.csrf_token(secret, cookie)
    actor = identity_service.actor_for_user(user)
    request.state.actor = actor
    request.state.user_display = user.display_name
    return actor


def _anonymous(request: Request) -> Actor:
    request.state.actor = ANONYMOUS
    return ANONYMOUS


async def get_actor(request: Request, session: SessionDep, settings: SettingsDep) -> Actor:
    """Who is calling. Anonymous when there are no credentials; 401 for bad ones.

    The database work runs in the threadpool, like every sync dependency: on the event
    loop it would block every other request while it waits for a pooled connection —
    including the requests that hold the connections, which then never release them.
    """
    authorization = request.headers.get("authorization", "")
    if authorization:
        token = _bearer_token(authorization)
        return await run_in_threadpool(_bearer_actor, request, session, token)
    cookie = request.cookies.get(settings.auth.session_cookie)
    if cookie:
        user = await run_in_threadpool(identity_service.resolve_login_session, session, cookie)
        if user is not None:
            actor = _user_actor(request, settings, cookie, user)
            if request.method not in SAFE_METHODS and not identity_service.csrf_matches(
                settings.secret_key.get_secret_value(), cookie, await _presented_csrf(request)
            ):
                raise CsrfError()
            return actor
    return _anonymous(request)


def actor_of_safe_request(request: Request, session: Session, settings: Settings) -> Actor:
    """``get_actor`` for a GET route that does its database work in one threadpool
    trip (``core.http.deps.get_session_opener``): call it inside that trip, with the
    trip's session. Safe methods only: they need no CSRF token."""
    if request.method not in SAFE_METHODS:
        raise RuntimeError("actor_of_safe_request serves GET/HEAD/OPTIONS only")
    authorization = request.headers.get("authorization", "")
    if authorization:
        return _bearer_actor(request, session, _bearer_token(authorization))
    cookie = request.cookies.get(settings.auth.session_cookie)
    if cookie:
        user = identity_service.resolve_login_session(session, cookie)
        if user is not None:
            return _user_actor(request, settings, cookie, user)
    return _anonymous(request)


ActorDep = Annotated[Actor, Depends(get_actor)]
