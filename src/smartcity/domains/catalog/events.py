"""Events the catalog publishes after commit (``core.events``), for domains that build on
published entries without the catalog knowing them (the base databases build their
tables from base-resource entries)."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID


@dataclass(frozen=True)
class EntryPublished:
    """A version of an entry was approved and is now the live entry."""

    entry_id: UUID
    version: int
    base_database: str | None


@dataclass(frozen=True)
class EntryWithdrawn:
    entry_id: UUID
    base_database: str | None
