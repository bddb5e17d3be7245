"""Helpers for Typer commands: the database, one-line errors, progress bars."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any, ParamSpec, TypeVar

import typer
from rich.console import Console

from smartcity.core.config import get_settings
from smartcity.core.db.engine import Database
from smartcity.core.errors import AppError

# Piped or captured output gets a fixed, wide layout instead of whatever COLUMNS
# happens to say, so tables are never truncated in logs and tests.
_WIDTH = None if sys.stdout.isatty() else 160
console = Console(soft_wrap=True, width=_WIDTH)
err_console = Console(stderr=True, soft_wrap=True, width=_WIDTH)

P = ParamSpec("P")
R = TypeVar("R")


#: Called on every database a command opens (the composition root subscribes the
#: domain event handlers here, as ``create_app`` does for the web application).
DATABASE_HOOKS: list[Callable[[Database], None]] = []


def open_database() -> Database:
    database = Database.from_settings(get_settings())
    for hook in DATABASE_HOOKS:
        hook(database)
    return database


@contextmanager
def session_scope() -> Iterator[Any]:
    """One committed transaction for a command, on the configured database."""
    database = open_database()
    try:
        with database.session_scope() as session:
            yield session
    finally:
        database.dispose()


def handle_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """An ``AppError`` becomes a one-line Chinese message and exit code 1."""

    @wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except AppError as exc:
            err_console.print(f"[red]错误[/red]：{exc.title}：{exc.detail}")
            errors = exc.extensions.get("errors")
            for item in errors if isinstance(errors, list) else []:
                err_console.print(f"  {item}")
            raise typer.Exit(1) from exc

    return wrapper
