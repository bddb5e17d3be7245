"""ASGI middleware: request ids and audit context, body-size limits, security headers."""

from __future__ import annotations

import json
import secrets
from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from smartcity.core.context import RequestContext, request_context

PROBLEM_MEDIA_TYPE = b"application/problem+json"
#: Scope key of a route's own body limit (``allow_large_body``).
BODY_ALLOWANCE_KEY = "smartcity.max_body_bytes"


def allow_large_body(scope: Scope, limit: int) -> None:
    """Let this request's body exceed the default limits, up to ``limit`` bytes.

    For a route that takes bulk uploads (several GB): call it from the route or a
    dependency before anything reads the body, and stream the body to disk (never
    ``await request.body()``); the allowance is disk the request may use, not memory.
    """
    scope[BODY_ALLOWANCE_KEY] = limit


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            decoded: str = value.decode("latin-1")
            return decoded
    return None


def request_context_of(scope: Scope) -> RequestContext:
    """The request's id (the caller's ``X-Request-ID`` when it is short ASCII, else a
    new one), address and user agent, for the audit context."""
    incoming = _header(scope, b"x-request-id")
    request_id = (
        incoming
        if incoming and len(incoming) <= 64 and incoming.isascii()
        else secrets.token_hex(8)
    )
    client = scope.get("client")
    return RequestContext(
        request_id=request_id,
        ip=client[0] if client else None,
        user_agent=(_header(scope, b"user-agent") or "")[:200] or None,
    )


def response_headers(context: RequestContext) -> list[tuple[bytes, bytes]]:
    """What every response carries: the request's id and the security headers."""
    return [
        (b"x-request-id", (context.request_id or "").encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"same-origin"),
        (b"x-frame-options", b"DENY"),
    ]


class RequestContextMiddleware:
    """Give every request an id (or accept the caller's ``X-Request-ID``) and set the
    audit context; echo the id in the response and add security headers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        context = request_context_of(scope)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    *message.get("headers", []),
                    *response_headers(context),
                ]
            await send(message)

        with request_context(context):
            await self.app(scope, receive, send_with_headers)


class BodySizeLimitMiddleware:
    """Refuse bodies over the configured limit with 413 before the route reads them.

    Checks the declared ``Content-Length`` first, then counts the bytes of
    chunked bodies as they stream, so a lying or missing header cannot get a
    large body through. Multipart uploads get their own, larger limit.

    A route may raise the limit for its own requests (``allow_large_body``) before
    it reads the body. So a declared length over the default is refused when the
    body is first read rather than before routing: the route has not spoken yet.
    Nothing of the body has been read by then either way.
    """

    def __init__(self, app: ASGIApp, *, max_body_bytes: int, max_upload_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_upload_bytes = max_upload_bytes

    def _limit(self, scope: Scope) -> int:
        content_type = _header(scope, b"content-type") or ""
        if content_type.startswith("multipart/form-data"):
            return self.max_upload_bytes
        return self.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        default = self._limit(scope)

        def limit() -> int:
            allowance = scope.get(BODY_ALLOWANCE_KEY)
            return max(default, allowance) if isinstance(allowance, int) else default

        header = _header(scope, b"content-length")
        declared = int(header) if header is not None and header.isdigit() else None
        received = 0
        response_started = False

        async def limited_receive() -> Message:
            nonlocal received
            if declared is not None and declared > limit():
                raise _BodyTooLargeError(limit())
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit():
                    raise _BodyTooLargeError(limit())
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _BodyTooLargeError:
            if not response_started:
                await _send_413(scope, send, limit())


class _BodyTooLargeError(HTTPException):
    """Raised from ``receive`` mid-stream. An ``HTTPException`` so FastAPI's body
    reader re-raises it as is (it turns other errors into a 400)."""

    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail=f"请求内容超过 {limit} 字节的上限")


async def _send_413(scope: Scope, send: Send, limit: int) -> None:
    body: dict[str, Any] = {
        "type": "/problems/payload-too-large",
        "title": "请求内容过大",
        "status": 413,
        "detail": f"请求内容超过 {limit} 字节的上限",
        "instance": scope.get("path", ""),
        "max_bytes": limit,
    }
    payload = json.dumps(body, ensure_ascii=False).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", PROBLEM_MEDIA_TYPE),
                (b"content-length", str(len(payload)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
