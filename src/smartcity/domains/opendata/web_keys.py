"""The page where a registered user manages open data API keys: ``/opendata/api-keys``
(Art. 31: heavy users of open data get a key with a higher rate limit).

Signed-in users only (anonymous visitors are sent to the login page). A new key is
shown once, on the page that answers its creation (not cached); the list shows
prefixes, creation and last use, and a revoke button per live key.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from smartcity.core.errors import AppError
from smartcity.core.http.deps import SessionDep, SettingsDep
from smartcity.core.http.forms import FormDep, app_error_fields, text
from smartcity.core.http.htmx import render
from smartcity.core.security import Actor, ensure_authenticated
from smartcity.domains.identity.deps import ActorDep
from smartcity.domains.opendata.service import keys

router = APIRouter(include_in_schema=False)


def _page(
    request: Request,
    session: SessionDep,
    actor: Actor,
    settings: Any,
    *,
    created: Any = None,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    response = render(
        request,
        "opendata/api_keys.html",
        status_code=status_code,
        keys=keys.list_api_keys(session, actor=actor),
        created=created,
        values=values or {},
        errors=errors or {},
        key_limit=settings.opendata.key_per_minute,
        anonymous_limit=settings.opendata.anonymous_per_minute,
        base_url=str(request.base_url).rstrip("/"),
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/opendata/api-keys", response_class=HTMLResponse)
def api_keys_page(
    request: Request, session: SessionDep, actor: ActorDep, settings: SettingsDep
) -> HTMLResponse:
    """The signed-in user's open data API keys and the form for a new one."""
    ensure_authenticated(actor)
    return _page(request, session, actor, settings)


@router.post("/opendata/api-keys", response_class=HTMLResponse)
def api_keys_create(
    request: Request, session: SessionDep, actor: ActorDep, settings: SettingsDep, form: FormDep
) -> HTMLResponse:
    """Create a key and show it once; a bad name is shown at the field, nothing created."""
    ensure_authenticated(actor)
    name = text(form, "name")
    try:
        created = keys.create_api_key(session, actor=actor, name=name)
    except AppError as error:
        return _page(
            request,
            session,
            actor,
            settings,
            values={"name": name},
            errors=app_error_fields(error, default_field="name"),
            status_code=422,
        )
    return _page(request, session, actor, settings, created=created)


@router.post("/opendata/api-keys/{key_id}/revoke")
def api_keys_revoke(key_id: UUID, session: SessionDep, actor: ActorDep) -> Response:
    """Revoke one of the user's keys and go back to the list."""
    keys.revoke_api_key(session, actor=actor, key_id=key_id)
    return RedirectResponse("/opendata/api-keys", status_code=303)
