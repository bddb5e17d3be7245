"""Events the base databases publish after commit (``core.events``), for domains that
react to new data without base_data knowing them (the sharing platform notifies the
subscribers of a resource when a load changed its table)."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID


@dataclass(frozen=True)
class LoadCompleted:
    """A load succeeded and its changes are committed.

    ``inserted`` / ``updated`` / ``deleted`` are the load's record counts, so a
    handler can skip a load that changed nothing without reading anything.
    """

    load_id: int
    table_id: UUID
    entry_id: UUID
    inserted: int
    updated: int
    deleted: int
