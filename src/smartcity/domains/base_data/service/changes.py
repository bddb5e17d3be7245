"""What one load changed, record by record, for domains that follow a table (the
sharing platform's change notifications): the keys it updated (with the fields it
changed) and deleted, read from the history the load wrote. Inserted records need no
history: their number is the load's ``rows_inserted``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.core.security import Actor, ensure_permission
from smartcity.domains.base_data.errors import LoadNotFoundError
from smartcity.domains.base_data.models import HistoryEntry, Load
from smartcity.domains.base_data.permissions import BaseDataPermission
from smartcity.domains.base_data.service.tables import _load_table

CHANGE_BATCH = 2_000


@dataclass(frozen=True, slots=True)
class ChangedRecord:
    """A record a load updated or deleted.

    ``key`` is the record key as stored (the key values joined by ``|``); ``fields``
    names the fields (catalog item names) an update changed, empty for a delete.
    """

    key: str
    operation: str  # "update" or "delete"
    fields: frozenset[str]


def changed_records(
    session: Session, *, actor: Actor, load_id: int, batch_size: int = CHANGE_BATCH
) -> Iterator[list[ChangedRecord]]:
    """The records ``load_id`` updated or deleted, in batches, in the order it wrote them.

    Raises:
        PermissionDeniedError; LoadNotFoundError.
    """
    ensure_permission(actor, BaseDataPermission.read)
    load = session.get(Load, load_id)
    if load is None:
        raise LoadNotFoundError(load_id=load_id)
    names = {f.column_name: f.name for f in _load_table(session, load.table_id).fields}
    after = 0
    while True:
        rows = session.execute(
            select(HistoryEntry.id, HistoryEntry.record_key, HistoryEntry.operation)
            .add_columns(HistoryEntry.changed)
            .where(HistoryEntry.load_id == load_id, HistoryEntry.id > after)
            .order_by(HistoryEntry.id)
            .limit(batch_size)
        ).all()
        if not rows:
            return
        yield [
            ChangedRecord(
                key=key,
                operation=operation,
                fields=frozenset(names.get(c, c) for c in changed or ()),
            )
            for _id, key, operation, changed in rows
        ]
        after = rows[-1][0]
