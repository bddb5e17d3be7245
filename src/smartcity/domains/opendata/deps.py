"""Who calls the open data API and whether they may call again now (Art. 31).

The open data API is public, so every caller is rate-limited: a registered user's
API key (``Authorization: <key>`` as CKAN clients send it, ``X-API-Key`` or
``X-CKAN-API-Key``) at ``opendata.key_per_minute``, a platform API client (bearer
token) likewise, and everyone else per client address (a signed-in browser per
user) at ``opendata.anonymous_per_minute``. ``identify`` and ``enforce_rate_limit``
raise ``AppError``s, so the CKAN router can render them in CKAN's envelope;
``OpenDataActorDep`` does both for ``/api/v1`` routes (problem JSON on refusal).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from smartcity.core.config import Settings
from smartcity.core.http.deps import SessionDep, SettingsDep
from smartcity.core.security import ANONYMOUS, Actor
from smartcity.domains.identity import service as identity_service
from smartcity.domains.opendata.errors_keys import InvalidApiKeyError, OpenDataRateLimitedError
from smartcity.domains.opendata.service import keys

KEY_HEADERS = ("x-api-key", "x-ckan-api-key")


@dataclass(frozen=True, slots=True)
class Caller:
    """The actor of a call, the bucket its calls are counted in, and that bucket's limit."""

    actor: Actor
    bucket: str
    limit: int


def presented_key(request: Request) -> str | None:
    """The open data API key the request carries, if any. A bearer token that is not
    such a key is a platform API client's token (``None`` here)."""
    for header in KEY_HEADERS:
        value = request.headers.get(header, "").strip()
        if value:
            return value
    authorization = request.headers.get("authorization", "").strip()
    if not authorization:
        return None
    scheme, _, rest = authorization.partition(" ")
    if scheme.lower() == "bearer":
        token = rest.strip()
        return token if keys.looks_like_key(token) else None
    return authorization


def _address(request: Request) -> str:
    return request.client.host if request.client is not None else "unknown"


def identify(request: Request, session: Session, settings: Settings) -> Caller:
    """The caller of an open data API request (blocking: run it in the threadpool).

    Raises:
        InvalidApiKeyError: a key that is malformed, unknown or revoked.
        InvalidTokenError: a bad platform bearer token.
    """
    limits = settings.opendata
    key = presented_key(request)
    if key is not None:
        key_id, actor = keys.resolve_api_key(session, key)
        keys.touch_api_key(session, key_id)
        return Caller(actor, f"key:{key_id}", limits.key_per_minute)
    authorization = request.headers.get("authorization", "").strip()
    if authorization:
        actor = identity_service.authenticate_api_token(session, authorization.partition(" ")[2])
        return Caller(actor, f"client:{actor.id}", limits.key_per_minute)
    cookie = request.cookies.get(settings.auth.session_cookie)
    if cookie:
        user = identity_service.resolve_login_session(session, cookie)
        if user is not None:
            actor = identity_service.actor_for_user(user)
            return Caller(actor, f"user:{user.id}", limits.anonymous_per_minute)
    return Caller(ANONYMOUS, f"ip:{_address(request)}", limits.anonymous_per_minute)


_limiter_lock = threading.Lock()


def rate_limiter(app: FastAPI) -> keys.RateLimiter:
    """The application's limiter (one per application, so each test app starts afresh)."""
    limiter: keys.RateLimiter | None = getattr(app.state, "opendata_rate_limiter", None)
    if limiter is None:
        with _limiter_lock:
            limiter = getattr(app.state, "opendata_rate_limiter", None)
            if limiter is None:
                limiter = keys.RateLimiter()
                app.state.opendata_rate_limiter = limiter
    return limiter


def rate_limit_headers(request: Request) -> dict[str, str]:
    """``X-RateLimit-Limit`` / ``X-RateLimit-Remaining`` of the request's counted call."""
    state = getattr(request.state, "rate_limit", None)
    if state is None:
        return {}
    limit, remaining = state
    return {"X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": str(remaining)}


def enforce_rate_limit(request: Request, caller: Caller) -> None:
    """Count the call in the caller's minute (``rate_limit_headers`` then tells the rest).

    Raises:
        OpenDataRateLimitedError: over the limit (``retry_after_seconds`` set).
    """
    limiter = rate_limiter(request.app)
    retry = limiter.acquire(caller.bucket, caller.limit)
    request.state.rate_limit = (caller.limit, limiter.remaining(caller.bucket, caller.limit))
    if retry is not None:
        raise OpenDataRateLimitedError(
            f"每分钟最多调用 {caller.limit} 次，请 {retry} 秒后再试",
            retry_after_seconds=retry,
            limit_per_minute=caller.limit,
        )


async def get_open_data_actor(
    request: Request, session: SessionDep, settings: SettingsDep
) -> Actor:
    """The caller of an ``/api/v1`` open data route, rate-limited (problem JSON when not)."""
    caller = await run_in_threadpool(identify, request, session, settings)
    enforce_rate_limit(request, caller)
    request.state.actor = caller.actor
    return caller.actor


OpenDataActorDep = Annotated[Actor, Depends(get_open_data_actor)]

__all__ = [
    "Caller",
    "InvalidApiKeyError",
    "OpenDataActorDep",
    "enforce_rate_limit",
    "get_open_data_actor",
    "identify",
    "presented_key",
    "rate_limit_headers",
    "rate_limiter",
]
