"""The exchange API's single-key lookup, answered before FastAPI's routing (Art. 26).

``GET /api/v1/exchange/grants/{grant_id}/records/{key}`` with a bearer token is the
platform's hottest call: departments' systems look people and companies up one at
a time, as they handle each matter. FastAPI's part of such a request — its error,
telemetry and body-limit middlewares, ours, trying the application's several hundred
routes in order, solving the route's parameters and dependencies (it inspects their
annotations again on every request) — cost more CPU than a whole lookup on a bare
route does.

``ExchangeLookupFastPath`` wraps the application's whole middleware stack
(``app.SmartCityAPI``). It recognises this one call, parses its three parameters
itself and answers it with ``api_exchange.serve_lookup``: the same function the
documented route calls, so the token check, the grant's checks, masking, the log
entry and the problems are the same code on both paths. It does what the stack
would have done for it: the request's id and audit context and the security headers
(``core.http.middleware``), and an unexpected error answered as the 500 problem.
Whatever it does not recognise as a plain bearer-token call — no ``Authorization``
header (a browser's session, or no credentials), a grant id that is not a canonical
UUID, an unknown ``datum`` — goes on to the stack, which validates and answers it.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl
from uuid import UUID

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from smartcity.core.context import request_context
from smartcity.core.errors import AppError
from smartcity.core.geo import Datum
from smartcity.core.http.middleware import request_context_of, response_headers
from smartcity.core.http.problems import app_error_response, unhandled_response
from smartcity.domains.sharing.api_exchange import serve_lookup
from smartcity.domains.sharing.exchange_schemas import CASE_REFERENCE_HEADER

LOOKUP_PATH = re.compile(
    r"/api/v1/exchange/grants/"
    r"([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})"
    r"/records/([^/]+)"
)
__all__ = ["LOOKUP_PATH", "ExchangeLookupFastPath", "serve_lookup"]

_CASE_HEADER = CASE_REFERENCE_HEADER.lower().encode("latin-1")
_DATUMS = {datum.value: datum for datum in Datum}


class ExchangeLookupFastPath:
    """Answer bearer-token single-key lookups with ``serve_lookup``; pass the rest on
    to ``app`` (the application's middleware stack)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        root = scope.get("root_path", "")
        if root and path.startswith(root):
            path = path[len(root) :]
        match = LOOKUP_PATH.fullmatch(path)
        call = _parse(scope, match) if match is not None else None
        if call is None:
            await self.app(scope, receive, send)
            return
        grant_id, key, case_reference, fields, datum = call
        request = Request(scope, receive)
        context = request_context_of(scope)
        with request_context(context):
            # The stack's exception handlers are not around this: answer as they would.
            try:
                response = await serve_lookup(request, grant_id, key, case_reference, fields, datum)
            except AppError as error:
                response = app_error_response(request, error)
            except Exception as error:
                response = unhandled_response(request, error)
        response.raw_headers.extend(response_headers(context))
        await response(scope, receive, send)


def _parse(
    scope: Scope, match: re.Match[str]
) -> tuple[UUID, str, str | None, list[str] | None, Datum | None] | None:
    """The call's parameters as the documented route would take them, or None when it
    is not a bearer-token call this path answers."""
    authorization = False
    case_reference: str | None = None
    for name, value in scope["headers"]:
        if name == b"authorization":
            authorization = True
        elif name == _CASE_HEADER and case_reference is None:
            case_reference = value.decode("latin-1")
    if not authorization:
        return None
    fields: list[str] | None = None
    datum: Datum | None = None
    query: bytes = scope.get("query_string", b"")
    if query:
        for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
            if name == "fields":
                fields = [*(fields or []), value]
            elif name == "datum":
                if value not in _DATUMS:
                    return None  # FastAPI answers the 422
                datum = _DATUMS[value]
    return UUID(match.group(1)), match.group(2), case_reference, fields, datum
