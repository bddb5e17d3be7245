"""Use cases of identity: users and roles, web login, API clients.

Authentication happens at the edge (``deps``), which calls ``resolve_*`` here to
turn a cookie or a bearer token into an ``Actor``. Authorization happens in
these functions. Nothing commits.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import Select, Text, bindparam, cast, func, or_, select
from sqlalchemy.orm import Session

from smartcity.core.config import AuthSettings
from smartcity.core.db import prebuilt, stamps
from smartcity.core.errors import InvalidInputError
from smartcity.core.pagination import Page, PageParams, paginate
from smartcity.core.security import (
    SYSTEM,
    Actor,
    ActorKind,
    ensure_authenticated,
    ensure_permission,
)
from smartcity.core.time import utcnow
from smartcity.domains.audit import service as audit_service
from smartcity.domains.identity.errors import (
    ApiClientNotFoundError,
    ApiClientRevokedError,
    InvalidTokenError,
    RoleNotAssignableError,
    UsernameTakenError,
    UserNotFoundError,
    WeakPasswordError,
)
from smartcity.domains.identity.models import ApiClient, LoginAttempt, LoginSession, User
from smartcity.domains.identity.passwords import hash_password, password_problems, verify_password
from smartcity.domains.identity.permissions import (
    API_CLIENT_ROLES,
    IdentityPermission,
    Role,
    permissions_for,
)
from smartcity.domains.identity.schemas import (
    ApiClientCreate,
    UserCreate,
    UserFilter,
    UserUpdate,
)
from smartcity.domains.registry import service as registry_service
from smartcity.domains.registry.models import Organization

# Roles an organization administrator may hand out within its own organization.
_ORG_ADMIN_ASSIGNABLE = frozenset({Role.org_admin, Role.org_staff})
_TOKEN_PREFIX = "sc"


def actor_for_user(user: User) -> Actor:
    roles = frozenset(user.roles)
    return Actor(
        kind=ActorKind.user,
        id=user.id,
        organization_id=user.organization_id,
        permissions=permissions_for(roles),
        name=user.username,
        roles=roles,
    )


# ---------------------------------------------------------------- users


def visible_users(actor: Actor) -> Select[User]:
    """Users the actor may see: all for the coordinator, its organization's for staff,
    otherwise only itself."""
    statement = select(User)
    if actor.has(IdentityPermission.manage_all_users):
        return statement
    if actor.has(IdentityPermission.view_org_users) and actor.organization_id is not None:
        return statement.where(User.organization_id == actor.organization_id)
    return statement.where(User.id == actor.id)


def get_user(session: Session, *, actor: Actor, user_id: UUID, for_update: bool = False) -> User:
    """A user the actor may see; others look missing.

    Raises:
        AuthenticationRequiredError: anonymous actor.
        UserNotFoundError: no such user, or not visible.
    """
    ensure_authenticated(actor)
    statement = visible_users(actor).where(User.id == user_id)
    if for_update:
        statement = statement.with_for_update()
    user = session.scalars(statement).one_or_none()
    if user is None:
        raise UserNotFoundError(user_id=user_id)
    return user


def list_users(
    session: Session, *, actor: Actor, filters: UserFilter, page: PageParams
) -> Page[User]:
    """Users the actor may see, filtered, by name."""
    ensure_authenticated(actor)
    statement = visible_users(actor)
    if filters.organization_id:
        statement = statement.where(User.organization_id == filters.organization_id)
    if not filters.include_inactive:
        statement = statement.where(User.is_active.is_(True))
    if filters.q:
        like = f"%{filters.q}%"
        statement = statement.where(or_(User.username.like(like), User.display_name.like(like)))
    if filters.role:
        # JSON arrays are stored as text on both backends; the quoted name is unambiguous.
        statement = statement.where(cast(User.roles, Text).like(f'%"{filters.role.value}"%'))
    return paginate(session, statement.order_by(User.username), page)


def _ensure_may_manage(actor: Actor, organization_id: UUID | None) -> None:
    if actor.has(IdentityPermission.manage_all_users):
        return
    ensure_permission(actor, IdentityPermission.manage_org_users)
    if organization_id is None or organization_id != actor.organization_id:
        raise UserNotFoundError()


def assignable_roles(actor: Actor) -> tuple[Role, ...]:
    """The roles the actor may give: all for the coordinator, org roles for org admins."""
    if actor.has(IdentityPermission.manage_all_users):
        return tuple(Role)
    if actor.has(IdentityPermission.manage_org_users):
        return tuple(sorted(_ORG_ADMIN_ASSIGNABLE))
    return ()


def _check_roles(
    session: Session, actor: Actor, roles: list[Role], organization_id: UUID | None
) -> list[str]:
    if not roles:
        raise InvalidInputError("至少分配一个角色", field="roles")
    if not actor.has(IdentityPermission.manage_all_users):
        extra = set(roles) - _ORG_ADMIN_ASSIGNABLE
        if extra:
            raise RoleNotAssignableError(
                f"单位管理员不能分配角色：{', '.join(sorted(extra))}", roles=sorted(extra)
            )
    if Role.coordinator in roles:
        coordinator = registry_service.find_coordinator(session)
        if coordinator is None or coordinator.id != organization_id:
            raise RoleNotAssignableError(
                "平台主管部门角色只能授予平台主管部门（第六条）的人员",
                roles=[Role.coordinator.value],
            )
    staff_roles = {Role.org_admin, Role.org_staff, Role.coordinator}
    if organization_id is None and staff_roles & set(roles):
        raise RoleNotAssignableError(
            "单位角色需要指定所属单位", roles=sorted(staff_roles & set(roles))
        )
    return sorted({r.value for r in roles})


def _check_password(password: str, username: str) -> None:
    problems = password_problems(password, username=username)
    if problems:
        raise WeakPasswordError("密码" + "；".join(problems), problems=problems)


def create_user(session: Session, *, actor: Actor, data: UserCreate) -> User:
    """Create a user in an organization the actor manages.

    Raises:
        PermissionDeniedError, UserNotFoundError: the actor may not manage that organization.
        RoleNotAssignableError: a role the actor may not give, or that does not fit.
        UsernameTakenError, WeakPasswordError.
        OrganizationNotFoundError: no such organization.
    """
    _ensure_may_manage(actor, data.organization_id)
    if data.organization_id is not None:
        registry_service.get_organization(
            session, actor=SYSTEM, organization_id=data.organization_id
        )
    roles = _check_roles(session, actor, data.roles, data.organization_id)
    _check_password(data.password, data.username)
    if session.scalar(select(User.id).where(User.username == data.username)) is not None:
        raise UsernameTakenError(f"用户名 {data.username} 已被使用", username=data.username)
    user = User(
        username=data.username,
        display_name=data.display_name,
        organization_id=data.organization_id,
        roles=roles,
        password_hash=hash_password(data.password),
        email=data.email,
        phone=data.phone,
    )
    session.add(user)
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action="identity.user.created",
        subject=user,
        organization_id=user.organization_id,
        changes={"roles": [None, roles], "organization_id": [None, str(user.organization_id)]},
    )
    session.flush()
    return user


def update_user(session: Session, *, actor: Actor, user_id: UUID, data: UserUpdate) -> User:
    """Change a user's name, contact, roles or active flag.

    Deactivating a user also ends all of its login sessions.

    Raises:
        UserNotFoundError, PermissionDeniedError, RoleNotAssignableError.
    """
    user = get_user(session, actor=actor, user_id=user_id, for_update=True)
    _ensure_may_manage(actor, user.organization_id)
    before = {
        "display_name": user.display_name,
        "roles": list(user.roles),
        "email": user.email,
        "phone": user.phone,
        "is_active": user.is_active,
    }
    values = data.model_dump(exclude_unset=True)
    if "roles" in values and values["roles"] is not None:
        values["roles"] = _check_roles(session, actor, data.roles or [], user.organization_id)
    if values.get("is_active") is False and user.id == actor.id:
        raise InvalidInputError("不能停用自己的账号", field="is_active")
    for key, value in values.items():
        if value is not None:
            setattr(user, key, value)
    if not user.is_active:
        _revoke_sessions(session, user.id)
    after = {key: getattr(user, key) for key in before}
    changes = audit_service.diff(before, after)
    if changes:
        audit_service.record(
            session,
            actor=actor,
            action="identity.user.updated",
            subject=user,
            organization_id=user.organization_id,
            changes=changes,
        )
    session.flush()
    return user


def set_password(session: Session, *, actor: Actor, user_id: UUID, password: str) -> User:
    """Set a user's password (an administrator's reset, or the user's own change).

    All existing login sessions of the user end.

    Raises:
        UserNotFoundError, PermissionDeniedError, WeakPasswordError.
    """
    user = get_user(session, actor=actor, user_id=user_id, for_update=True)
    if user.id != actor.id:
        _ensure_may_manage(actor, user.organization_id)
    _check_password(password, user.username)
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    _revoke_sessions(session, user.id)
    audit_service.record(
        session,
        actor=actor,
        action="identity.user.password_changed",
        subject=user,
        organization_id=user.organization_id,
    )
    session.flush()
    return user


def find_user_by_username(session: Session, username: str) -> User | None:
    return session.scalars(select(User).where(User.username == username)).one_or_none()


# ---------------------------------------------------------------- login


@dataclass(frozen=True)
class LoginOutcome:
    """The answer to a login attempt. Failures carry one message for every cause."""

    user: User | None = None
    token: str | None = None
    throttled_for_seconds: int = 0

    @property
    def ok(self) -> bool:
        return self.user is not None and self.token is not None


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _failures_since(session: Session, column: Any, value: str, since: datetime) -> int:
    last_success = session.scalar(
        select(func.max(LoginAttempt.attempted_at)).where(
            column == value, LoginAttempt.succeeded.is_(True), LoginAttempt.attempted_at >= since
        )
    )
    start = max(since, last_success) if last_success is not None else since
    return (
        session.scalar(
            select(func.count())
            .select_from(LoginAttempt)
            .where(
                column == value,
                LoginAttempt.succeeded.is_(False),
                LoginAttempt.attempted_at >= start,
            )
        )
        or 0
    )


def login(
    session: Session,
    *,
    username: str,
    password: str,
    ip: str,
    user_agent: str,
    settings: AuthSettings,
) -> LoginOutcome:
    """Check a user name and password and open a login session.

    Failures do not raise: the attempt must be recorded (and committed) for
    throttling to work, and raising would roll it back. Unknown user, wrong
    password and deactivated user give the same outcome, in the same time.
    After ``login_max_failures`` failures within the window for a name (or four
    times as many from one address), attempts are refused without checking the
    password until the failures age out of the window.
    """
    now = utcnow()
    username = username.strip().lower()[:64]
    window_start = now - timedelta(minutes=settings.login_window_minutes)
    by_name = _failures_since(session, LoginAttempt.username, username, window_start)
    by_ip = _failures_since(session, LoginAttempt.ip, ip, window_start) if ip else 0
    if by_name >= settings.login_max_failures or by_ip >= 4 * settings.login_max_failures:
        session.add(LoginAttempt(username=username, ip=ip, attempted_at=now, succeeded=False))
        audit_service.record(
            session,
            actor=SYSTEM,
            action="identity.login.throttled",
            subject_type="identity_user",
            label=username,
        )
        session.flush()
        return LoginOutcome(throttled_for_seconds=settings.login_window_minutes * 60)

    user = find_user_by_username(session, username)
    valid = verify_password(user.password_hash if user else None, password)
    if user is None or not valid or not user.is_active:
        session.add(LoginAttempt(username=username, ip=ip, attempted_at=now, succeeded=False))
        audit_service.record(
            session,
            actor=SYSTEM,
            action="identity.login.failed",
            subject_type="identity_user",
            subject_id=str(user.id) if user else "",
            label=username,
            organization_id=user.organization_id if user else None,
        )
        session.flush()
        return LoginOutcome()

    token = secrets.token_urlsafe(32)
    session.add(LoginAttempt(username=username, ip=ip, attempted_at=now, succeeded=True))
    session.add(
        LoginSession(
            token_hash=_token_digest(token),
            user_id=user.id,
            created_at=now,
            expires_at=now + timedelta(hours=settings.session_hours),
            ip=ip[:64],
            user_agent=user_agent[:200],
        )
    )
    user.last_login_at = now
    audit_service.record(
        session, actor=actor_for_user(user), action="identity.login.succeeded", subject=user
    )
    session.flush()
    return LoginOutcome(user=user, token=token)


def resolve_login_session(session: Session, token: str) -> User | None:
    """The active user of a session cookie, or None when unknown, expired or revoked."""
    if not token or len(token) > 128:
        return None
    row = session.execute(
        select(LoginSession, User)
        .join(User, LoginSession.user_id == User.id)
        .where(LoginSession.token_hash == _token_digest(token))
    ).first()
    if row is None:
        return None
    login_session, user = row
    if (
        login_session.revoked_at is not None
        or login_session.expires_at <= utcnow()
        or not user.is_active
    ):
        return None
    return user


def logout(session: Session, *, actor: Actor, token: str) -> None:
    """End the login session of ``token`` (idempotent)."""
    login_session = session.scalars(
        select(LoginSession).where(LoginSession.token_hash == _token_digest(token))
    ).one_or_none()
    if login_session is None or login_session.revoked_at is not None:
        return
    login_session.revoked_at = utcnow()
    audit_service.record(
        session,
        actor=actor,
        action="identity.login.logged_out",
        subject_type="identity_user",
        subject_id=str(login_session.user_id),
    )
    session.flush()


def _revoke_sessions(session: Session, user_id: UUID) -> None:
    now = utcnow()
    for login_session in session.scalars(
        select(LoginSession).where(
            LoginSession.user_id == user_id, LoginSession.revoked_at.is_(None)
        )
    ):
        login_session.revoked_at = now


def csrf_token(secret: str, session_token: str) -> str:
    """The CSRF token of a browser session: an HMAC of its session token.

    Derived rather than stored, so every page of the session carries the same
    token and nothing more needs to be kept.
    """
    return hmac.new(secret.encode(), session_token.encode(), hashlib.sha256).hexdigest()[:40]


def csrf_matches(secret: str, session_token: str, presented: str | None) -> bool:
    return presented is not None and hmac.compare_digest(
        csrf_token(secret, session_token), presented
    )


# ---------------------------------------------------------------- API clients


def visible_clients(actor: Actor) -> Select[ApiClient]:
    statement = select(ApiClient)
    if actor.has(IdentityPermission.manage_all_clients):
        return statement
    ensure_permission(actor, IdentityPermission.manage_org_clients)
    return statement.where(ApiClient.organization_id == actor.organization_id)


def get_api_client(session: Session, *, actor: Actor, client_id: UUID) -> ApiClient:
    """An API client the actor manages.

    Raises:
        ApiClientNotFoundError: no such client, or not the actor's organization's.
    """
    ensure_authenticated(actor)
    client = session.scalars(
        visible_clients(actor).where(ApiClient.id == client_id).with_for_update()
    ).one_or_none()
    if client is None:
        raise ApiClientNotFoundError(client_id=client_id)
    return client


def list_api_clients(
    session: Session, *, actor: Actor, page: PageParams, organization_id: UUID | None = None
) -> Page[ApiClient]:
    ensure_authenticated(actor)
    statement = visible_clients(actor)
    if organization_id is not None:
        statement = statement.where(ApiClient.organization_id == organization_id)
    return paginate(session, statement.order_by(ApiClient.created_at.desc()), page)


def _new_token() -> tuple[str, str]:
    prefix = secrets.token_hex(6)
    return prefix, f"{_TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"


def create_api_client(
    session: Session, *, actor: Actor, data: ApiClientCreate, max_days: int
) -> tuple[ApiClient, str]:
    """Register a service account of an organization and issue its first token.

    The token is returned once and only its digest is kept.

    Raises:
        PermissionDeniedError: the actor may not manage clients of that organization.
        RoleNotAssignableError: a role API clients cannot carry.
        InvalidInputError: a validity longer than the configured maximum.
    """
    ensure_authenticated(actor)
    organization_id = data.organization_id or actor.organization_id
    if organization_id is None:
        raise InvalidInputError("请指定 API 客户端所属单位", field="organization_id")
    if not actor.has(IdentityPermission.manage_all_clients):
        ensure_permission(actor, IdentityPermission.manage_org_clients)
        if organization_id != actor.organization_id:
            raise ApiClientNotFoundError("只能为本单位创建 API 客户端")
    registry_service.get_organization(session, actor=SYSTEM, organization_id=organization_id)
    bad = set(data.roles) - API_CLIENT_ROLES
    if bad:
        raise RoleNotAssignableError(
            f"API 客户端不能拥有角色：{', '.join(sorted(bad))}", roles=sorted(bad)
        )
    if data.valid_days > max_days:
        raise InvalidInputError(f"有效期不能超过 {max_days} 天", field="valid_days")
    if Role.org_admin in data.roles and not actor.has(IdentityPermission.manage_org_users):
        raise RoleNotAssignableError("只有管理员能创建具有管理员角色的客户端")
    prefix, token = _new_token()
    client = ApiClient(
        name=data.name,
        description=data.description,
        organization_id=organization_id,
        roles=sorted({r.value for r in data.roles}),
        token_prefix=prefix,
        token_hash=_token_digest(token),
        expires_at=utcnow() + timedelta(days=data.valid_days),
        created_by_id=actor.id if actor.kind is ActorKind.user else None,
    )
    session.add(client)
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action="identity.api_client.created",
        subject=client,
        organization_id=organization_id,
        changes={
            "roles": [None, client.roles],
            "expires_at": [None, client.expires_at.isoformat()],
        },
    )
    session.flush()
    return client, token


def rotate_api_client_token(
    session: Session, *, actor: Actor, client_id: UUID, valid_days: int, max_days: int
) -> tuple[ApiClient, str]:
    """Issue a new token for a client; the old one stops working at once.

    Raises:
        ApiClientNotFoundError, ApiClientRevokedError, InvalidInputError.
    """
    client = get_api_client(session, actor=actor, client_id=client_id)
    if client.revoked_at is not None:
        raise ApiClientRevokedError(client_id=client_id)
    if not 1 <= valid_days <= max_days:
        raise InvalidInputError(f"有效期须为 1–{max_days} 天", field="valid_days")
    previous_expiry = client.expires_at.isoformat()
    prefix, token = _new_token()
    client.token_prefix = prefix
    client.token_hash = _token_digest(token)
    client.expires_at = utcnow() + timedelta(days=valid_days)
    audit_service.record(
        session,
        actor=actor,
        action="identity.api_client.rotated",
        subject=client,
        organization_id=client.organization_id,
        changes={"expires_at": [previous_expiry, client.expires_at.isoformat()]},
    )
    session.flush()
    return client, token


def revoke_api_client(session: Session, *, actor: Actor, client_id: UUID) -> ApiClient:
    """Revoke a client: its token stops working at once. Idempotent.

    Raises:
        ApiClientNotFoundError.
    """
    client = get_api_client(session, actor=actor, client_id=client_id)
    if client.revoked_at is None:
        client.revoked_at = utcnow()
        audit_service.record(
            session,
            actor=actor,
            action="identity.api_client.revoked",
            subject=client,
            organization_id=client.organization_id,
        )
        session.flush()
    return client


_CLIENT_BY_PREFIX = stamps.Remembered(
    prebuilt.Prebuilt(
        select(
            ApiClient.id,
            ApiClient.name,
            ApiClient.organization_id,
            ApiClient.roles,
            ApiClient.token_hash,
            ApiClient.expires_at,
            ApiClient.revoked_at,
            Organization.is_active,
        )
        .join(Organization, Organization.id == ApiClient.organization_id)
        .where(ApiClient.token_prefix == bindparam("prefix"))
    )
)
"""Built once: the API's hottest statement, run on every bearer-token call; on the
exchange lookups' held connections its rows are remembered while the clients and
organizations are unchanged (``core.db.stamps``). The token's hash, expiry,
revocation and organization are checked on every call all the same."""


def authenticate_api_token(session: Session, token: str) -> Actor:
    """The actor of a bearer token (``actor.id`` is the API client's id): the token well
    formed, known, not expired, not revoked, its organization active. One prebuilt
    statement and no ORM objects: every API call runs it.

    Raises:
        InvalidTokenError: malformed, unknown, expired or revoked (one answer for all).
    """
    prefix = _token_prefix(token)
    if prefix is None:
        raise InvalidTokenError()
    row = _CLIENT_BY_PREFIX.first(session, prefix=prefix)
    if row is None or not hmac.compare_digest(row.token_hash, _token_digest(token)):
        raise InvalidTokenError()
    if row.revoked_at is not None or row.expires_at <= utcnow() or not row.is_active:
        raise InvalidTokenError()
    roles = frozenset(row.roles) & frozenset(API_CLIENT_ROLES)
    return Actor(
        kind=ActorKind.api_client,
        id=row.id,
        organization_id=row.organization_id,
        permissions=permissions_for(roles),
        name=f"api:{row.name}",
        roles=roles,
    )


def _token_prefix(token: str) -> str | None:
    """The lookup part of a well-formed token (None: malformed)."""
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != _TOKEN_PREFIX or len(token) > 200:
        return None
    return parts[1]


def api_token_read(session: Session, token: str) -> prebuilt.Read | None:
    """The read ``authenticate_api_token`` will make in ``session`` for ``token``, for
    ``prebuilt.prefetch``; None: it makes none (the token is malformed) or will most
    likely answer from what it remembers (``core.db.stamps``)."""
    prefix = _token_prefix(token)
    return None if prefix is None else _CLIENT_BY_PREFIX.read_ahead(session, prefix=prefix)


def touch_api_client(session: Session, client_id: UUID) -> None:
    """Note when a client was last used (at most every five minutes, to spare writes)."""
    client = session.get(ApiClient, client_id)
    now = utcnow()
    if client is not None and (
        client.last_used_at is None or now - client.last_used_at > timedelta(minutes=5)
    ):
        client.last_used_at = now
        session.flush()
