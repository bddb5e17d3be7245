"""Which domain reacts to which other domain's events (STYLE §12): subscribed on every
``Database`` the application or a command opens."""

from __future__ import annotations

from smartcity.core.db.engine import Database
from smartcity.domains.base_data import tasks as base_data_tasks
from smartcity.domains.catalog import events as catalog_events


def wire(database: Database) -> None:
    # A published or withdrawn base-database entry builds, alters or retires its table.
    database.events.subscribe(catalog_events.EntryPublished, base_data_tasks.on_catalog_entry)
    database.events.subscribe(catalog_events.EntryWithdrawn, base_data_tasks.on_catalog_entry)
