"""API keys of registered users for heavy use of the open data API, and the rate
limits of that API (Art. 31: 鼓励社会化开发利用).

A key is ``odk_<prefix>_<secret>``; it is shown once when created and only its
prefix and SHA-256 are stored, so a copy of the database cannot call the API in
anyone's name. A key acts as its user with that user's permissions (a conditional
dataset's terms, accepted once, hold for all the user's keys). Calls are limited
per key and, without a key, per client address (``SMARTCITY_OPENDATA__*``), in a
sliding minute kept in the process.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import timedelta
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.core.errors import InvalidInputError
from smartcity.core.security import Actor, ActorKind, ensure_authenticated
from smartcity.core.time import utcnow
from smartcity.domains.audit import service as audit
from smartcity.domains.identity import service as identity_service
from smartcity.domains.identity.models import User
from smartcity.domains.opendata.errors_keys import ApiKeyNotFoundError, InvalidApiKeyError
from smartcity.domains.opendata.models import OpenApiKey
from smartcity.domains.opendata.schemas_keys import ApiKeyCreated, ApiKeyRead

KEY_PREFIX = "odk"
#: Most live keys one user may hold.
MAX_KEYS_PER_USER = 10


def looks_like_key(value: str) -> bool:
    """Whether a header value is shaped like an open data API key."""
    return value.startswith(f"{KEY_PREFIX}_") and value.count("_") >= 2


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _read(key: OpenApiKey) -> ApiKeyRead:
    return ApiKeyRead(
        id=key.id,
        name=key.name,
        prefix=key.key_prefix,
        created_at=key.created_at,
        last_used_at=key.last_used_at,
        revoked_at=key.revoked_at,
    )


def create_api_key(session: Session, *, actor: Actor, name: str) -> ApiKeyCreated:
    """A new key for the signed-in user; the whole key is in the answer, only this once.

    Raises:
        AuthenticationRequiredError: anonymous, or an API client (keys are for people).
        InvalidInputError: no name, or the user already holds the most live keys.
    """
    ensure_authenticated(actor)
    if actor.kind is not ActorKind.user or actor.id is None:
        raise InvalidInputError("API 密钥只能由注册用户本人创建", field="actor")
    name = name.strip()
    if not name:
        raise InvalidInputError("请填写密钥名称（用途）", field="name")
    live = session.scalars(
        select(OpenApiKey.id).where(OpenApiKey.user_id == actor.id, OpenApiKey.revoked_at.is_(None))
    ).all()
    if len(live) >= MAX_KEYS_PER_USER:
        raise InvalidInputError(
            f"每位用户最多持有 {MAX_KEYS_PER_USER} 个有效密钥，请先撤销不用的密钥", field="name"
        )
    prefix = secrets.token_hex(6)
    secret = f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    key = OpenApiKey(user_id=actor.id, name=name, key_prefix=prefix, key_hash=_digest(secret))
    session.add(key)
    session.flush()
    audit.record(session, actor=actor, action="opendata.api_key.created", subject=key)
    return ApiKeyCreated(**_read(key).model_dump(), key=secret)


def list_api_keys(session: Session, *, actor: Actor) -> list[ApiKeyRead]:
    """The signed-in user's keys, newest first (revoked ones too, marked).

    Raises:
        AuthenticationRequiredError: anonymous.
    """
    ensure_authenticated(actor)
    if actor.id is None:
        return []
    keys = session.scalars(
        select(OpenApiKey)
        .where(OpenApiKey.user_id == actor.id)
        .order_by(OpenApiKey.created_at.desc(), OpenApiKey.id)
    )
    return [_read(k) for k in keys]


def revoke_api_key(session: Session, *, actor: Actor, key_id: UUID) -> ApiKeyRead:
    """Revoke one of the user's keys: it stops working at once. Idempotent.

    Raises:
        AuthenticationRequiredError: anonymous.
        ApiKeyNotFoundError: no such key of this user.
    """
    ensure_authenticated(actor)
    key = session.get(OpenApiKey, key_id)
    if key is None or key.user_id != actor.id:
        raise ApiKeyNotFoundError(key_id=str(key_id))
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        session.flush()
        audit.record(session, actor=actor, action="opendata.api_key.revoked", subject=key)
    return _read(key)


def resolve_api_key(session: Session, key: str) -> tuple[UUID, Actor]:
    """The key's id and the actor of its user.

    Raises:
        InvalidApiKeyError: malformed, unknown or revoked key, or a deactivated user.
    """
    parts = key.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX or len(key) > 200:
        raise InvalidApiKeyError()
    row = session.scalars(select(OpenApiKey).where(OpenApiKey.key_prefix == parts[1])).one_or_none()
    if row is None or not hmac.compare_digest(row.key_hash, _digest(key.strip())):
        raise InvalidApiKeyError()
    user = session.get(User, row.user_id)
    if row.revoked_at is not None or user is None or not user.is_active:
        raise InvalidApiKeyError()
    return row.id, identity_service.actor_for_user(user)


def touch_api_key(session: Session, key_id: UUID) -> None:
    """Note when a key was last used (at most every five minutes, to spare writes)."""
    key = session.get(OpenApiKey, key_id)
    now = utcnow()
    if key is not None and (
        key.last_used_at is None or now - key.last_used_at > timedelta(minutes=5)
    ):
        key.last_used_at = now
        session.flush()


class RateLimiter:
    """Calls per caller (a key, an API client or an address) in the last ``window``
    seconds, in this process (thread-safe). Callers idle for a window are forgotten."""

    def __init__(self, window: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.window = window
        self.clock = clock
        self._calls: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self._last_sweep = clock()

    def acquire(self, caller: str, limit: int) -> int | None:
        """Count a call; ``None`` if allowed, else the seconds until one is."""
        now = self.clock()
        horizon = now - self.window
        with self._lock:
            if now - self._last_sweep > self.window:
                for name in [n for n, c in self._calls.items() if not c or c[-1] <= horizon]:
                    del self._calls[name]
                self._last_sweep = now
            calls = self._calls.setdefault(caller, deque())
            while calls and calls[0] <= horizon:
                calls.popleft()
            if len(calls) >= limit:
                return max(1, int(calls[0] + self.window - now + 0.999))
            calls.append(now)
            return None

    def remaining(self, caller: str, limit: int) -> int:
        """Calls the caller may still make in the current window."""
        horizon = self.clock() - self.window
        with self._lock:
            calls = self._calls.get(caller, deque())
            return max(0, limit - sum(1 for t in calls if t > horizon))

    def reset(self) -> None:
        with self._lock:
            self._calls.clear()
