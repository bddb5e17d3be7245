"""Request metadata for audit records, carried in a context variable.

Middleware sets it once per request; ``audit.record()`` reads it, so the request
id and the caller's address need not be threaded through every service signature.
CLI commands and tasks leave it empty or set their own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RequestContext:
    request_id: str | None = None
    ip: str | None = None
    user_agent: str | None = None


# RequestContext is a frozen dataclass: sharing the empty default is safe.
_current: ContextVar[RequestContext] = ContextVar(
    "smartcity_request",
    default=RequestContext(),  # noqa: B039
)


def current_request() -> RequestContext:
    return _current.get()


@contextmanager
def request_context(context: RequestContext) -> Iterator[RequestContext]:
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)
