"""RFC 9457 problem responses: one wire format for every error.

The same handler renders a Chinese HTML message for browser pages and an htmx
partial for htmx requests; the API always gets ``application/problem+json``.
Every ``type`` URI dereferences to ``/problems/{code}``, a page generated from
the ``AppError`` subclasses.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException as StarletteHTTPException

from smartcity.core.errors import (
    AppError,
    AuthenticationRequiredError,
    BadRequestError,
    InvalidInputError,
    all_error_classes,
)
from smartcity.core.schemas import validation_message

log = logging.getLogger("smartcity.http")

PROBLEM_MEDIA_TYPE = "application/problem+json"

_STATUS_CODES = {
    400: ("bad-request", "请求格式错误"),
    401: ("authentication-required", "需要登录或提供有效凭证"),
    403: ("permission-denied", "没有权限"),
    404: ("not-found", "未找到"),
    405: ("method-not-allowed", "不支持该请求方法"),
    406: ("not-acceptable", "无法提供所请求的格式"),
    409: ("conflict", "当前状态不允许此操作"),
    413: ("payload-too-large", "请求内容过大"),
    415: ("unsupported-media-type", "不支持的内容类型"),
    422: ("invalid-input", "输入无效"),
    429: ("too-many-requests", "请求过于频繁"),
    500: ("internal-error", "内部错误"),
}


class Problem(BaseModel):
    """An RFC 9457 problem document; extension members are allowed."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None


def problem_type(request: Request | None, code: str) -> str:
    base = "/problems/"
    if request is not None:
        settings = getattr(request.app.state, "settings", None)
        if settings is not None:
            base = settings.http.problem_base_uri
    return f"{base}{code}"


def problem_responses(*errors: type[AppError]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` entries for the problems a route can return."""
    grouped: dict[int, list[type[AppError]]] = defaultdict(list)
    for error in errors:
        grouped[error.status].append(error)
    return {
        status: {
            "model": Problem,
            "description": "; ".join(f"{e.code}: {e.title}" for e in group),
            "content": {PROBLEM_MEDIA_TYPE: {}},
        }
        for status, group in grouped.items()
    }


def wants_html(request: Request) -> bool:
    """Browser pages get HTML errors; the API and scripts get problem JSON."""
    path = request.url.path
    if path.startswith("/api/") or path.startswith("/problems"):
        return False
    accept = request.headers.get("accept", "")
    return "text/html" in accept or request.headers.get("HX-Request") == "true"


def _serialize(value: object) -> Any:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, list | tuple | set | frozenset):
        return [_serialize(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _serialize(v) for k, v in value.items()}
    return str(value)


def problem_body(
    request: Request,
    *,
    status: int,
    code: str,
    title: str,
    detail: str | None,
    extensions: dict[str, object] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": problem_type(request, code),
        "title": title,
        "status": status,
        "detail": detail or title,
        "instance": request.url.path,
    }
    for key, value in (extensions or {}).items():
        assert key not in body, f"extension {key!r} shadows a standard problem member"
        body[key] = _serialize(value)
    return body


def render_problem(
    request: Request,
    *,
    status: int,
    code: str,
    title: str,
    detail: str | None,
    extensions: dict[str, object] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """The problem as JSON, a full Chinese error page, or an htmx partial."""
    body = problem_body(
        request, status=status, code=code, title=title, detail=detail, extensions=extensions
    )
    if wants_html(request):
        renderer = getattr(request.app.state, "render_problem_html", None)
        if renderer is not None:
            if status == 401 and request.headers.get("HX-Request") != "true":
                target = quote(
                    str(request.url.path) + (f"?{request.url.query}" if request.url.query else ""),
                    safe="",
                )
                return RedirectResponse(f"/login?next={target}", status_code=303)
            response: Response = renderer(request, body)
            if headers:
                response.headers.update(headers)
            return response
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def app_error_response(request: Request, exc: Exception) -> Response:
    """The response for an ``AppError`` (what the handler answers when one is raised):
    for a route that must answer an error without raising it, so that its transaction
    still commits (a refusal whose log entry must be kept)."""
    assert isinstance(exc, AppError)
    headers = (
        {"WWW-Authenticate": 'Bearer realm="smartcity"'}
        if isinstance(exc, AuthenticationRequiredError)
        else None
    )
    retry = exc.extensions.get("retry_after_seconds")
    if isinstance(retry, int):
        headers = {**(headers or {}), "Retry-After": str(retry)}
    return render_problem(
        request,
        status=exc.status,
        code=exc.code,
        title=exc.title,
        detail=exc.detail,
        extensions=exc.extensions,
        headers=headers,
    )


def _location(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "cookie")]
    return ".".join(parts) or str(loc[0] if loc else "")


def _validation_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    raw = list(exc.errors())
    if any(e.get("type") in ("json_invalid", "json_type") for e in raw):
        error: AppError = BadRequestError("请求体不是有效的 JSON")
        return app_error_response(request, error)
    errors = [
        {
            "loc": [str(p) for p in e.get("loc", ())],
            "field": _location(e.get("loc", ())),
            "type": e.get("type"),
            "message": validation_message(e),
        }
        for e in raw
    ]
    detail = "；".join(f"{e['field']}: {e['message']}" for e in errors[:5])
    return render_problem(
        request,
        status=422,
        code=InvalidInputError.code,
        title=InvalidInputError.title,
        detail=detail,
        extensions={"errors": errors},
    )


def _http_exception_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    code, title = _STATUS_CODES.get(exc.status_code, ("http-error", "请求错误"))
    detail = (
        exc.detail
        if isinstance(exc.detail, str) and exc.detail not in ("Not Found", "Method Not Allowed")
        else title
    )
    return render_problem(
        request,
        status=exc.status_code,
        code=code,
        title=title,
        detail=detail,
        headers=dict(exc.headers) if exc.headers else None,
    )


def unhandled_response(request: Request, exc: Exception) -> Response:
    """The 500 problem for an unexpected error (logged with its traceback)."""
    log.exception("http.unhandled_error", extra={"path": request.url.path})
    return render_problem(
        request,
        status=500,
        code="internal-error",
        title="内部错误",
        detail="服务器内部错误，已记录，请稍后重试或联系管理员。",
    )


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, app_error_response)
    app.add_exception_handler(RequestValidationError, _validation_handler)
    app.add_exception_handler(StarletteHTTPException, _http_exception_handler)
    app.add_exception_handler(Exception, unhandled_response)


@dataclass(frozen=True)
class ProblemKind:
    code: str
    status: int
    title: str
    description: str


def problem_catalog() -> dict[str, ProblemKind]:
    """Every problem code the platform can return, for the ``/problems`` pages."""
    catalog: dict[str, ProblemKind] = {}
    for cls in all_error_classes():
        if cls.code not in catalog:
            doc = (cls.__doc__ or "").strip()
            catalog[cls.code] = ProblemKind(cls.code, cls.status, cls.title, doc)
    for status, (code, title) in _STATUS_CODES.items():
        catalog.setdefault(code, ProblemKind(code, status, title, ""))
    return dict(sorted(catalog.items()))
