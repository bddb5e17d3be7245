"""Reusable FastAPI dependencies: the request's unit of work and paging."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from functools import partial
from typing import Annotated

from fastapi import Depends, Query, Request
from sqlalchemy.orm import Session

from smartcity.core.config import Settings
from smartcity.core.db.engine import Database, committing
from smartcity.core.pagination import MAX_PAGE_SIZE, PageParams

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_session(request: Request) -> Iterator[Session]:
    """The request's transaction: committed when the route returns, rolled back if it raises.

    Safe methods read without taking SQLite's write lock. The commit happens
    before the response is sent (``scope="function"``), so a failing commit still
    becomes an error response rather than a lost write behind a 200.
    """
    database = get_database(request)
    factory = (
        database.read_sessionmaker if request.method in SAFE_METHODS else database.sessionmaker
    )
    with factory() as session, committing(session):
        yield session


SessionOpener = Callable[[], AbstractContextManager[Session]]


async def get_session_opener(request: Request) -> SessionOpener:
    """The request's unit of work (as ``get_session``) to open later, as a context manager.

    For a hot ``async`` route that does all its database work — authentication
    included — in **one** threadpool trip: ``with open_session() as session`` inside
    that trip, instead of the trips a sync ``get_session`` (entering and leaving)
    and each sync dependency cost. Tests override it beside ``get_session``.
    """
    return contextmanager(partial(get_session, request))


# These dependencies, like ``get_session_opener``, do no I/O, so they are ``async``:
# FastAPI runs a plain ``def`` dependency in the threadpool, a round trip per
# dependency per request.


async def _database_dependency(request: Request) -> Database:
    return get_database(request)


async def _settings_dependency(request: Request) -> Settings:
    return get_settings_dep(request)


async def get_page_params(
    page: Annotated[int, Query(ge=1, le=1_000_000, description="页码，从 1 开始")] = 1,
    size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="每页条数")] = 20,
) -> PageParams:
    return PageParams(page=page, size=size)


SessionDep = Annotated[Session, Depends(get_session, scope="function")]
SessionOpenerDep = Annotated[SessionOpener, Depends(get_session_opener)]
SettingsDep = Annotated[Settings, Depends(_settings_dependency)]
DatabaseDep = Annotated[Database, Depends(_database_dependency)]
PageParamsDep = Annotated[PageParams, Depends(get_page_params)]
