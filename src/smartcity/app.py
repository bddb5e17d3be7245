"""The application factory: the composition root of the HTTP service."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.resources import files
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp

from smartcity import __version__, wiring
from smartcity.core.config import Settings, get_settings
from smartcity.core.db.engine import Database
from smartcity.core.http.middleware import BodySizeLimitMiddleware, RequestContextMiddleware
from smartcity.core.http.problems import install_problem_handlers
from smartcity.core.http.templates import templates
from smartcity.domains.sharing.api_exchange_fast import ExchangeLookupFastPath
from smartcity.domains.sharing.service import log_writer
from smartcity.routes import API_ROUTERS, WEB_ROUTERS, WEBHOOK_ROUTERS


def _operation_id(route: APIRoute) -> str:
    tag = route.tags[0] if route.tags else "default"
    return f"{tag}-{route.name}"


def _render_problem_html(request: Request, problem: dict[str, Any]) -> HTMLResponse:
    partial = request.headers.get("HX-Request") == "true"
    name = "errors/_problem.html" if partial else "errors/problem.html"
    response: HTMLResponse = templates.TemplateResponse(
        request, name, {"problem": problem}, status_code=int(problem["status"])
    )
    return response


class SmartCityAPI(FastAPI):
    """FastAPI, with the exchange API's bearer-token lookups answered around its
    middleware stack (``sharing.api_exchange_fast``): the platform's hottest call."""

    def build_middleware_stack(self) -> ASGIApp:
        return ExchangeLookupFastPath(super().build_middleware_stack())


def create_app(settings: Settings | None = None, *, database: Database | None = None) -> FastAPI:
    """Build the FastAPI application for ``settings`` (and an existing ``database``)."""
    settings = settings or get_settings()
    owns_database = database is None
    database = database or Database.from_settings(settings)
    wiring.wire(database)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        # The exchange log's queued entries are committed before the connections go.
        log_writer.close(database)
        if owns_database:
            database.dispose()

    app = SmartCityAPI(
        title="济宁智慧城市平台 API",
        version=__version__,
        description="《济宁市智慧城市促进条例》要求建设的信息系统：单位与身份、审计、目录、共享交换等。"
        "错误以 RFC 9457 problem+json 返回。",
        generate_unique_id_function=_operation_id,
        lifespan=lifespan,
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.settings = settings
    app.state.database = database
    app.state.render_problem_html = _render_problem_html
    install_problem_handlers(app)
    app.add_middleware(
        BodySizeLimitMiddleware,
        max_body_bytes=settings.http.max_body_bytes,
        max_upload_bytes=settings.http.max_upload_bytes,
    )
    app.add_middleware(RequestContextMiddleware)
    app.mount("/static", StaticFiles(directory=str(files("smartcity") / "static")), name="static")
    for router in API_ROUTERS:
        app.include_router(router, prefix="/api/v1")
    for router in WEB_ROUTERS:
        app.include_router(router)
    for router in WEBHOOK_ROUTERS:
        app.webhooks.include_router(router)
    return app
