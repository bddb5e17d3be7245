"""Server-rendered pages: full page or the htmx fragment."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from smartcity.core.http.templates import templates


def is_partial(request: Request) -> bool:
    """True for htmx requests that want a fragment. Boosted navigation wants a full page."""
    return (
        request.headers.get("HX-Request") == "true" and request.headers.get("HX-Boosted") != "true"
    )


def render(
    request: Request,
    template: str,
    *,
    partial: str | None = None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """Render the full page, or only ``partial`` when htmx asked for a fragment."""
    name = partial if partial is not None and is_partial(request) else template
    response: HTMLResponse = templates.TemplateResponse(
        request, name, context, status_code=status_code
    )
    return response
