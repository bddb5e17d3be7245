"""HTML pages of identity: login and logout, users, API clients.

The login form is protected against cross-site posting before any session
exists by a double-submit cookie: ``GET /login`` sets a random
``smartcity_login_csrf`` cookie (SameSite=Strict) and puts the same value in a
hidden field, and ``POST /login`` compares the two in constant time.
"""

from __future__ import annotations

import hmac
import math
import secrets
from collections.abc import Mapping
from typing import Annotated, Any
from urllib.parse import urlsplit
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from smartcity.core.config import Settings
from smartcity.core.errors import AppError, ConflictError, InvalidInputError
from smartcity.core.http.deps import PageParamsDep, SessionDep, SettingsDep
from smartcity.core.http.forms import (
    FieldErrors,
    FormDep,
    app_error_fields,
    checked,
    field_errors,
    optional,
    query_model,
    redirect,
    text,
    texts,
)
from smartcity.core.http.htmx import is_partial, render
from smartcity.core.i18n import t
from smartcity.core.pagination import PageParams
from smartcity.core.security import Actor, ensure_permission
from smartcity.core.time import utcnow
from smartcity.domains.identity import service as identity_service
from smartcity.domains.identity.deps import ActorDep
from smartcity.domains.identity.errors import (
    CsrfError,
    RoleNotAssignableError,
    UsernameTakenError,
    WeakPasswordError,
)
from smartcity.domains.identity.permissions import (
    API_CLIENT_ROLES,
    ROLE_LABELS,
    IdentityPermission,
    Role,
)
from smartcity.domains.identity.schemas import (
    ApiClientCreate,
    ApiClientRead,
    LoginForm,
    PasswordChange,
    UserCreate,
    UserFilter,
    UserRead,
    UserUpdate,
)
from smartcity.domains.registry import service as registry_service
from smartcity.domains.registry.errors import OrganizationNotFoundError
from smartcity.domains.registry.schemas import OrganizationSummary

router = APIRouter(include_in_schema=False)

LOGIN_CSRF_COOKIE = "smartcity_login_csrf"
_LOGIN_CSRF_MAX_AGE = 2 * 3600
_GENERIC_LOGIN_FAILURE = "用户名或密码错误"
# What the role checkboxes offer an organization administrator. The service decides;
# this only keeps roles it would refuse off the form.
_USER_FIELD_OF_ERROR: dict[type[AppError], str] = {
    UsernameTakenError: "username",
    WeakPasswordError: "password",
    RoleNotAssignableError: "roles",
    OrganizationNotFoundError: "organization_id",
}
# Service errors a user can fix in the form; others (not found, forbidden) are problems.
_FORM_ERRORS = (InvalidInputError, ConflictError, RoleNotAssignableError, OrganizationNotFoundError)


# ---------------------------------------------------------------- helpers


def safe_next(value: str | None) -> str:
    """Where to go after login: a path on this site, or ``/``.

    Refuses anything a browser could read as another site: absolute URLs,
    scheme-relative ``//host``, backslashes (``/\\host``), control characters
    (browsers drop tabs and newlines, so ``/\\t/host`` becomes ``//host``), and the
    login and logout pages themselves.
    """
    if not value or len(value) > 2000 or not value.startswith("/"):
        return "/"
    if value.startswith("//") or "\\" in value:
        return "/"
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        return "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return "/"
    if parts.path in ("/login", "/logout"):
        return "/"
    return value


def _role_options(roles: Any) -> list[tuple[str, str]]:
    return [(role.value, ROLE_LABELS[role]) for role in roles]


def _user_role_choices(actor: Actor) -> list[tuple[str, str]]:
    return _role_options(identity_service.assignable_roles(actor))


def _organizations(session: SessionDep, actor: Actor) -> list[OrganizationSummary]:
    return [
        OrganizationSummary.model_validate(o)
        for o in registry_service.all_organizations(session, actor=actor)
    ]


def _names(organizations: list[OrganizationSummary]) -> dict[UUID, str]:
    return {o.id: o.name for o in organizations}


def _may_manage(actor: Actor, organization_id: UUID | None) -> bool:
    """Whether to show management forms (the service checks again)."""
    if actor.has(IdentityPermission.manage_all_users):
        return True
    return (
        actor.has(IdentityPermission.manage_org_users)
        and organization_id is not None
        and organization_id == actor.organization_id
    )


def _ensure_user_manager(actor: Actor) -> None:
    if not actor.has(IdentityPermission.manage_all_users):
        ensure_permission(actor, IdentityPermission.manage_org_users)


def _service_errors(exc: AppError) -> FieldErrors:
    return app_error_fields(exc, default_field=_USER_FIELD_OF_ERROR.get(type(exc), ""))


def _confirm(form: FormData, errors: FieldErrors) -> None:
    if form.get("password") != form.get("password_confirm"):
        errors.setdefault("password_confirm", t("两次输入的密码不一致"))


# ---------------------------------------------------------------- login


def _set_login_csrf(response: Response, token: str, settings: Settings) -> None:
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        max_age=_LOGIN_CSRF_MAX_AGE,
        path="/login",
        httponly=True,
        samesite="strict",
        secure=settings.auth.cookie_secure,
    )


def _login_page(
    request: Request,
    *,
    login_csrf: str,
    next_path: str,
    username: str = "",
    error: str | None = None,
    errors: FieldErrors | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "identity/login.html",
        status_code=status_code,
        login_csrf=login_csrf,
        next=next_path,
        username=username,
        error=error,
        errors=errors or {},
    )


@router.get("/login", response_class=HTMLResponse)
def login_page(
    request: Request,
    actor: ActorDep,
    settings: SettingsDep,
    next_path: Annotated[str, Query(alias="next", max_length=2000)] = "/",
) -> Response:
    """The login form; a signed-in user goes straight on to ``next``."""
    target = safe_next(next_path)
    if actor.is_authenticated:
        return RedirectResponse(target, status_code=303)
    token = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not (20 <= len(token) <= 100 and token.replace("-", "").replace("_", "").isalnum()):
        token = secrets.token_urlsafe(32)
    response = _login_page(request, login_csrf=token, next_path=target)
    _set_login_csrf(response, token, settings)
    return response


@router.post("/login", response_class=HTMLResponse)
def login_submit(
    request: Request, session: SessionDep, settings: SettingsDep, form: FormDep
) -> Response:
    """Check the credentials. Failures are answered, not raised, so the attempt is
    committed and counts towards throttling."""
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    presented = text(form, "csrf_token")
    if not cookie or not presented or not hmac.compare_digest(cookie.encode(), presented.encode()):
        raise CsrfError(t("登录页面已过期，请刷新页面后重新登录"))
    next_path = safe_next(text(form, "next"))
    username = text(form, "username")

    def answer(
        status_code: int, *, error: str | None = None, errors: FieldErrors | None = None
    ) -> HTMLResponse:
        return _login_page(
            request,
            login_csrf=cookie,
            next_path=next_path,
            username=username,
            error=error,
            errors=errors,
            status_code=status_code,
        )

    try:
        data = LoginForm(username=username, password=str(form.get("password") or ""))
    except ValidationError as exc:
        return answer(422, errors=field_errors(exc))
    outcome = identity_service.login(
        session,
        username=data.username,
        password=data.password,
        ip=request.client.host if request.client else "",
        user_agent=request.headers.get("user-agent", ""),
        settings=settings.auth,
    )
    if outcome.throttled_for_seconds:
        minutes = max(1, math.ceil(outcome.throttled_for_seconds / 60))
        throttled = answer(429, error=t("登录失败次数过多，请 {n} 分钟后再试", n=minutes))
        throttled.headers["Retry-After"] = str(outcome.throttled_for_seconds)
        return throttled
    if not outcome.ok or outcome.token is None:
        return answer(401, error=t(_GENERIC_LOGIN_FAILURE))
    response = RedirectResponse(next_path, status_code=303)
    response.set_cookie(
        settings.auth.session_cookie,
        outcome.token,
        max_age=settings.auth.session_hours * 3600,
        httponly=True,
        samesite="lax",
        secure=settings.auth.cookie_secure,
    )
    response.delete_cookie(
        LOGIN_CSRF_COOKIE,
        path="/login",
        httponly=True,
        samesite="strict",
        secure=settings.auth.cookie_secure,
    )
    return response


@router.post("/logout")
def logout(
    request: Request, session: SessionDep, actor: ActorDep, settings: SettingsDep
) -> Response:
    """End the browser's session (the CSRF token was checked by ``ActorDep``)."""
    token = request.cookies.get(settings.auth.session_cookie)
    if actor.is_authenticated and token:
        identity_service.logout(session, actor=actor, token=token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(
        settings.auth.session_cookie,
        httponly=True,
        samesite="lax",
        secure=settings.auth.cookie_secure,
    )
    return response


# ---------------------------------------------------------------- users

UserFilterDep = Annotated[UserFilter, Depends(query_model(UserFilter))]


@router.get("/identity/users", response_class=HTMLResponse)
def user_list(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    page: PageParamsDep,
    filters: UserFilterDep,
) -> HTMLResponse:
    """Users the actor may see; the filters swap the table in place."""
    result = identity_service.list_users(session, actor=actor, filters=filters, page=page)
    organizations = _organizations(session, actor)
    visible = (
        organizations
        if actor.has(IdentityPermission.manage_all_users)
        else [o for o in organizations if o.id == actor.organization_id]
    )
    return render(
        request,
        "identity/user_list.html",
        partial="identity/_user_table.html",
        page=result.map(UserRead.model_validate),
        filters=filters,
        organizations=visible,
        organization_names=_names(organizations),
        role_labels=ROLE_LABELS,
        role_options=_role_options(Role),
        can_create=actor.has(IdentityPermission.manage_all_users)
        or actor.has(IdentityPermission.manage_org_users),
    )


def _user_form_page(
    request: Request,
    session: SessionDep,
    actor: Actor,
    *,
    form: Mapping[str, Any],
    errors: FieldErrors | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    organizations = _organizations(session, actor)
    if not actor.has(IdentityPermission.manage_all_users):
        organizations = [o for o in organizations if o.id == actor.organization_id]
    return render(
        request,
        "identity/user_new.html",
        partial="identity/_user_create_form.html",
        status_code=status_code,
        form=form,
        errors=errors or {},
        organization_choices=[(str(o.id), o.name) for o in organizations],
        role_options=_user_role_choices(actor),
    )


@router.get("/identity/users/new", response_class=HTMLResponse)
def user_new(request: Request, session: SessionDep, actor: ActorDep) -> HTMLResponse:
    _ensure_user_manager(actor)
    form = {
        "username": "",
        "display_name": "",
        "email": "",
        "phone": "",
        "organization_id": str(actor.organization_id or ""),
        "roles": [Role.org_staff.value],
    }
    return _user_form_page(request, session, actor, form=form)


@router.post("/identity/users", response_class=HTMLResponse)
def user_create(request: Request, session: SessionDep, actor: ActorDep, form: FormDep) -> Response:
    """Create a user; errors come back next to their fields, and nothing is saved."""
    _ensure_user_manager(actor)
    organization_id = text(form, "organization_id")
    if not actor.has(IdentityPermission.manage_all_users):
        organization_id = organization_id or str(actor.organization_id or "")
    values = {
        "username": text(form, "username"),
        "display_name": text(form, "display_name"),
        "organization_id": optional(organization_id),
        "roles": texts(form, "roles"),
        "email": text(form, "email"),
        "phone": text(form, "phone"),
    }
    errors: FieldErrors = {}
    try:
        data = UserCreate.model_validate({**values, "password": form.get("password") or ""})
    except ValidationError as exc:
        errors = field_errors(exc, UserCreate)
    _confirm(form, errors)
    if not errors:
        try:
            user = identity_service.create_user(session, actor=actor, data=data)
        except _FORM_ERRORS as exc:
            errors = _service_errors(exc)
        else:
            return redirect(request, f"/identity/users/{user.id}?saved=created")
    shown = {**values, "organization_id": organization_id}
    return _user_form_page(request, session, actor, form=shown, errors=errors, status_code=422)


_SAVED_MESSAGES = {
    "created": "用户已创建。",
    "updated": "修改已保存。",
    "password": "密码已重置，该用户的登录会话已全部失效。",
}


def _user_page(
    request: Request,
    session: SessionDep,
    actor: Actor,
    user_id: UUID,
    *,
    form: Mapping[str, Any] | None = None,
    errors: FieldErrors | None = None,
    password_errors: FieldErrors | None = None,
    saved: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    user = UserRead.model_validate(identity_service.get_user(session, actor=actor, user_id=user_id))
    organization = None
    if user.organization_id is not None:
        organization = OrganizationSummary.model_validate(
            registry_service.get_organization(
                session, actor=actor, organization_id=user.organization_id
            )
        )
    if form is None:
        form = {
            "display_name": user.display_name,
            "roles": user.roles,
            "email": user.email,
            "phone": user.phone,
            "is_active": user.is_active,
        }
    choices = _user_role_choices(actor)
    offered = {value for value, _ in choices}
    # A role the user holds but the actor cannot give stays visible (and kept).
    choices += _role_options(
        Role(r) for r in user.roles if r not in offered and r in Role.__members__
    )
    return render(
        request,
        "identity/user_detail.html",
        status_code=status_code,
        user=user,
        organization=organization,
        form=form,
        errors=errors or {},
        password_errors=password_errors or {},
        role_labels=ROLE_LABELS,
        role_options=choices,
        can_manage=_may_manage(actor, user.organization_id),
        is_self=user.id == actor.id,
        can_audit=actor.has("audit.read_all") or actor.has("audit.read_own"),
        saved=t(_SAVED_MESSAGES[saved]) if saved in _SAVED_MESSAGES else "",
    )


@router.get("/identity/users/{user_id}", response_class=HTMLResponse)
def user_detail(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    user_id: UUID,
    saved: Annotated[str, Query(max_length=20)] = "",
) -> HTMLResponse:
    return _user_page(request, session, actor, user_id, saved=saved)


@router.post("/identity/users/{user_id}", response_class=HTMLResponse)
def user_update(
    request: Request, session: SessionDep, actor: ActorDep, user_id: UUID, form: FormDep
) -> Response:
    """Change name, contact, roles or the active flag."""
    values = {
        "display_name": text(form, "display_name"),
        "roles": texts(form, "roles"),
        "email": text(form, "email"),
        "phone": text(form, "phone"),
        "is_active": checked(form, "is_active"),
    }
    try:
        data = UserUpdate.model_validate(values)
        identity_service.update_user(session, actor=actor, user_id=user_id, data=data)
    except ValidationError as exc:
        errors = field_errors(exc, UserUpdate)
    except _FORM_ERRORS as exc:
        errors = _service_errors(exc)
    else:
        return redirect(request, f"/identity/users/{user_id}?saved=updated")
    return _user_page(request, session, actor, user_id, form=values, errors=errors, status_code=422)


@router.post("/identity/users/{user_id}/password", response_class=HTMLResponse)
def user_password(
    request: Request, session: SessionDep, actor: ActorDep, user_id: UUID, form: FormDep
) -> Response:
    """An administrator's password reset; the user's sessions end."""
    errors: FieldErrors = {}
    try:
        data = PasswordChange(password=str(form.get("password") or ""))
    except ValidationError as exc:
        errors = field_errors(exc)
    _confirm(form, errors)
    if not errors:
        try:
            identity_service.set_password(
                session, actor=actor, user_id=user_id, password=data.password
            )
        except _FORM_ERRORS as exc:
            errors = app_error_fields(exc, default_field="password")
        else:
            return redirect(request, f"/identity/users/{user_id}?saved=password")
    return _user_page(request, session, actor, user_id, password_errors=errors, status_code=422)


# ---------------------------------------------------------------- API clients


def _client_form_defaults(actor: Actor) -> dict[str, Any]:
    return {
        "name": "",
        "description": "",
        "organization_id": str(actor.organization_id or ""),
        "roles": [Role.org_staff.value],
        "valid_days": 90,
    }


def _client_list_page(
    request: Request,
    session: SessionDep,
    actor: Actor,
    settings: Settings,
    page: PageParams,
    *,
    form: Mapping[str, Any] | None = None,
    errors: FieldErrors | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    result = identity_service.list_api_clients(session, actor=actor, page=page)
    organizations = _organizations(session, actor)
    choices = [
        (str(o.id), o.name)
        for o in organizations
        if actor.has(IdentityPermission.manage_all_clients) or o.id == actor.organization_id
    ]
    return render(
        request,
        "identity/api_client_list.html",
        partial="identity/_api_client_table.html",
        status_code=status_code,
        page=result.map(ApiClientRead.model_validate),
        organization_names=_names(organizations),
        organization_choices=choices,
        role_labels=ROLE_LABELS,
        role_options=_role_options(sorted(API_CLIENT_ROLES)),
        form=form or _client_form_defaults(actor),
        errors=errors or {},
        max_days=settings.auth.api_token_max_days,
        now=utcnow(),
    )


@router.get("/identity/api-clients", response_class=HTMLResponse)
def api_client_list(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    settings: SettingsDep,
    page: PageParamsDep,
) -> HTMLResponse:
    """The actor's organization's API clients (all, for the coordinator)."""
    return _client_list_page(request, session, actor, settings, page)


def _issued(
    request: Request, session: SessionDep, actor: Actor, client: Any, token: str, *, oob_row: bool
) -> HTMLResponse:
    organizations = _organizations(session, actor)
    response = render(
        request,
        "identity/api_client_issued.html",
        partial="identity/_token_box.html",
        client=ApiClientRead.model_validate(client),
        token=token,
        oob_row=oob_row,
        organization_names=_names(organizations),
        role_labels=ROLE_LABELS,
        now=utcnow(),
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/identity/api-clients", response_class=HTMLResponse)
def api_client_create(
    request: Request, session: SessionDep, actor: ActorDep, settings: SettingsDep, form: FormDep
) -> Response:
    """Register a service account and show its token, once."""
    values = {
        "name": text(form, "name"),
        "description": text(form, "description"),
        "organization_id": optional(text(form, "organization_id")),
        "roles": texts(form, "roles"),
        "valid_days": text(form, "valid_days") or "90",
    }
    try:
        data = ApiClientCreate.model_validate(values)
        client, token = identity_service.create_api_client(
            session, actor=actor, data=data, max_days=settings.auth.api_token_max_days
        )
    except ValidationError as exc:
        errors = field_errors(exc, ApiClientCreate)
    except _FORM_ERRORS as exc:
        errors = app_error_fields(
            exc, default_field="roles" if isinstance(exc, RoleNotAssignableError) else ""
        )
    else:
        return _issued(request, session, actor, client, token, oob_row=False)
    shown = {**values, "organization_id": values["organization_id"] or ""}
    return _client_list_page(
        request, session, actor, settings, PageParams(), form=shown, errors=errors, status_code=422
    )


@router.post("/identity/api-clients/{client_id}/rotate", response_class=HTMLResponse)
def api_client_rotate(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    settings: SettingsDep,
    client_id: UUID,
    form: FormDep,
) -> Response:
    """A new token; the old one stops working at once."""
    raw_days = text(form, "valid_days") or "90"
    valid_days = int(raw_days) if raw_days.isdigit() else 0
    client, token = identity_service.rotate_api_client_token(
        session,
        actor=actor,
        client_id=client_id,
        valid_days=valid_days,
        max_days=settings.auth.api_token_max_days,
    )
    return _issued(request, session, actor, client, token, oob_row=True)


@router.post("/identity/api-clients/{client_id}/revoke", response_class=HTMLResponse)
def api_client_revoke(
    request: Request, session: SessionDep, actor: ActorDep, client_id: UUID
) -> Response:
    """Revoke a client; htmx gets the updated row."""
    client = identity_service.revoke_api_client(session, actor=actor, client_id=client_id)
    if not is_partial(request):
        return RedirectResponse("/identity/api-clients", status_code=303)
    return render(
        request,
        "identity/_api_client_row.html",
        c=ApiClientRead.model_validate(client),
        oob=False,
        organization_names=_names(_organizations(session, actor)),
        role_labels=ROLE_LABELS,
        now=utcnow(),
    )
