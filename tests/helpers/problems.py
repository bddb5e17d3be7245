"""Assertions on RFC 9457 problem responses."""

from __future__ import annotations

from typing import Any

import httpx


def assert_problem(response: httpx.Response, *, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json"), (
        response.headers["content-type"]
    )
    body: dict[str, Any] = response.json()
    assert body["type"].endswith(f"/problems/{code}"), body
    assert body["status"] == status
    assert body["title"]
    return body
