"""Identifiers for rows: random UUIDs, never sequential numbers that leak counts."""

from __future__ import annotations

from uuid import UUID, uuid4


def new_id() -> UUID:
    """A new random row id."""
    return uuid4()
