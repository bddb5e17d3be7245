"""Which domain reacts to which other domain's events (STYLE §12): subscribed on every
``Database`` the application or a command opens; and the process-wide hooks one domain
offers another that it may not import (the exchange's dispute source)."""

from __future__ import annotations

from smartcity.core.db.engine import Database
from smartcity.domains.base_data import events as base_data_events
from smartcity.domains.base_data import tasks as base_data_tasks
from smartcity.domains.catalog import events as catalog_events
from smartcity.domains.privacy import service_requests as privacy_requests
from smartcity.domains.sharing import disputes
from smartcity.domains.sharing import tasks as sharing_tasks


def wire(database: Database) -> None:
    # A published or withdrawn base-database entry builds, alters or retires its table.
    database.events.subscribe(catalog_events.EntryPublished, base_data_tasks.on_catalog_entry)
    database.events.subscribe(catalog_events.EntryWithdrawn, base_data_tasks.on_catalog_entry)
    # A committed base-data load queues the change notifications of its subscribers.
    database.events.subscribe(base_data_events.LoadCompleted, sharing_tasks.on_load_completed)
    # Open correction requests flag their values "disputed" in exchange responses (Art. 68).
    disputes.register_dispute_source(
        privacy_requests.disputed_values, privacy_requests.disputed_value_read
    )
