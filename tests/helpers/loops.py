"""Running a coroutine to the end from a synchronous test."""

from __future__ import annotations

from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def run_in_own_loop(coroutine: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run`` on a thread of its own. Not on the test's thread: a worker that
    has run a browser test holds Playwright's loop there, marked as running, and
    ``asyncio.run`` refuses to start a second loop beside it."""
    import asyncio

    with ThreadPoolExecutor(1, thread_name_prefix="test-loop") as pool:
        return pool.submit(asyncio.run, coroutine).result()
