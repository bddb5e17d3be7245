"""CKAN-compatible Action API of the open data portal (Art. 31: 社会化开发利用).

``GET|POST /api/3/action/{action}`` and the unversioned ``/api/action/{action}``
(which ``ckanapi`` calls), as CKAN serves them: GET takes query parameters (a
repeated key is a list), POST a JSON object (form fields work too); the answer
is CKAN's envelope ``{"help", "success", "result"}`` or ``{"help", "success":
false, "error": {"__type", "message"}}`` with CKAN's status, never problem JSON
and never a redirect, since ``ckanapi`` posts with redirects off and reads only
the envelope. Every call is rate-limited per API key or, without one, per
client address (429 with ``Retry-After``).
"""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from smartcity.core.config import Settings
from smartcity.core.errors import AppError
from smartcity.core.http.deps import SessionDep, SettingsDep
from smartcity.domains.opendata import ckan, deps
from smartcity.domains.opendata.ckan import CkanError, Links
from smartcity.domains.opendata.ckan_actions import ACTIONS, Action

log = logging.getLogger("smartcity.opendata.ckan")

router = APIRouter(tags=["opendata-ckan"])

_DOC = (
    "CKAN 兼容的 Action API（只读）：package_search、package_show、package_list、"
    "organization_list、organization_show、group_list、group_show、tag_list、resource_show、"
    "status_show、datastore_search、current_package_list_with_resources。"
    "GET 用查询参数，POST 用 JSON；应答为 CKAN 的 help/success/result 信封。"
)


def _bad_request(message: str) -> CkanError:
    return CkanError(400, {"__type": "Bad Request", "message": f"Bad request - {message}"})


async def _params(request: Request) -> dict[str, Any]:
    """The action's parameters: the query string, then (POST) the body over it.

    Raises:
        CkanError: a body that is not a JSON object (or form fields).
    """
    params: dict[str, Any] = {}
    for key in request.query_params:
        values = request.query_params.getlist(key)
        params[key] = values[0] if len(values) == 1 else values
    if request.method != "POST":
        return params
    body = await request.body()
    if not body.strip():
        return params
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/x-www-form-urlencoded"):
        try:
            form = parse_qs(body.decode("utf-8"), keep_blank_values=True)
        except UnicodeDecodeError as error:
            raise _bad_request("body is not UTF-8") from error
        if len(form) == 1 and not next(iter(form.values()))[0]:
            body = next(iter(form)).encode("utf-8")  # one form key holding JSON (CKAN allows it)
        else:
            params.update({k: v[0] if len(v) == 1 else v for k, v in form.items()})
            return params
    try:
        decoded = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise _bad_request(f"JSON Error: {error}") from error
    if not isinstance(decoded, dict):
        raise _bad_request("JSON Error: Request data JSON decoded to a non-dict")
    params.update(decoded)
    return params


def _run(
    action: Action,
    request: Request,
    session: Session,
    settings: Settings,
    params: dict[str, Any],
    links: Links,
) -> Any:
    caller = deps.identify(request, session, settings)
    deps.enforce_rate_limit(request, caller)
    # A refused call changes nothing (a usage count included): its savepoint rolls back.
    with session.begin_nested():
        return action(session, caller.actor, params, links)


def _envelope(
    help_url: str, status: int, body: dict[str, Any], headers: dict[str, str]
) -> JSONResponse:
    return JSONResponse({"help": help_url, **body}, status_code=status, headers=headers or None)


async def _call(request: Request, name: str, session: Session, settings: Settings) -> JSONResponse:
    response = await _answer(request, name, session, settings)
    response.headers.update(deps.rate_limit_headers(request))
    return response


async def _answer(
    request: Request, name: str, session: Session, settings: Settings
) -> JSONResponse:
    links = Links(str(request.base_url).rstrip("/"))
    help_url = f"{links.action('help_show')}?name={name}"
    try:
        action = ACTIONS.get(name)
        params = await _params(request)
        if action is None:
            # Counted like any call, so guessing action names is rate-limited too.
            caller = await run_in_threadpool(deps.identify, request, session, settings)
            deps.enforce_rate_limit(request, caller)
            raise ckan.unknown_action(name)
        result = await run_in_threadpool(_run, action, request, session, settings, params, links)
    except CkanError as error:
        return _envelope(
            help_url, error.status, {"success": False, "error": error.error}, error.headers
        )
    except AppError as error:
        refusal = ckan.from_app_error(error)
        return _envelope(
            help_url, refusal.status, {"success": False, "error": refusal.error}, refusal.headers
        )
    except Exception:
        log.exception("opendata.ckan_action_failed", extra={"action": name})
        return _envelope(
            help_url,
            500,
            {
                "success": False,
                "error": {"__type": "Internal Server Error", "message": "Internal Server Error"},
            },
            {},
        )
    return _envelope(help_url, 200, {"success": True, "result": result}, {})


@router.get("/api/3/action/{action}", description=_DOC)
async def action_v3_get(
    action: str, request: Request, session: SessionDep, settings: SettingsDep
) -> JSONResponse:
    """A CKAN action (API version 3) with query parameters."""
    return await _call(request, action, session, settings)


@router.post("/api/3/action/{action}", description=_DOC)
async def action_v3_post(
    action: str, request: Request, session: SessionDep, settings: SettingsDep
) -> JSONResponse:
    """A CKAN action (API version 3) with a JSON body (or form fields)."""
    return await _call(request, action, session, settings)


@router.get("/api/action/{action}", description=_DOC)
async def action_get(
    action: str, request: Request, session: SessionDep, settings: SettingsDep
) -> JSONResponse:
    """A CKAN action (the unversioned path ``ckanapi`` calls) with query parameters."""
    return await _call(request, action, session, settings)


@router.post("/api/action/{action}", description=_DOC)
async def action_post(
    action: str, request: Request, session: SessionDep, settings: SettingsDep
) -> JSONResponse:
    """A CKAN action (the unversioned path ``ckanapi`` calls) with a JSON body."""
    return await _call(request, action, session, settings)


@router.get("/api/3")
async def api_version() -> dict[str, int]:
    """The API version, as CKAN answers clients that probe it."""
    return {"version": 3}
