"""Reading the rows of open resources: the data API and whole-table streams.

Both check the dataset's access first (a conditional dataset's rows need a
registered user who accepted its terms) and count the use (``api`` for a query,
``download`` for a stream).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from smartcity.core.security import Actor
from smartcity.domains.opendata.enums import UsageChannel
from smartcity.domains.opendata.errors import NoRowsError
from smartcity.domains.opendata.models import OpenResource
from smartcity.domains.opendata.schemas import DatastoreQuery, DatastoreResult, FieldSpec
from smartcity.domains.opendata.service import datastore
from smartcity.domains.opendata.service.datasets import (
    _visible_resource,
    ensure_may_use_data,
    record_usage,
)


def datastore_search(
    session: Session,
    *,
    actor: Actor,
    resource_id: UUID | str,
    query: DatastoreQuery,
    count: bool = True,
) -> DatastoreResult:
    """One page of a resource's records (CKAN ``datastore_search``): ``filters``, ``q``,
    ``fields``, ``sort``, ``limit`` (≤ 32,000), ``offset``, ``total``. Counted as one API
    use of the dataset, unless ``count`` is false (the portal's own preview table and
    chart, counted as a page view instead).

    Raises:
        ResourceNotFoundError: no such resource visible to the actor.
        AuthenticationRequiredError / TermsNotAcceptedError: a conditional dataset.
        NoRowsError: a file resource.
        InvalidQueryError: unknown fields, bad sort, a filter value of the wrong type.
    """
    resource = _visible_resource(session, actor, resource_id)
    ensure_may_use_data(session, actor, resource.dataset)
    result = datastore.search(resource, session, query)
    if count:
        record_usage(session, dataset_id=resource.dataset_id, channel=UsageChannel.api)
    return result


@dataclass(frozen=True, slots=True)
class RowSource:
    """What a download needs after the request's checks: the row table and its fields.
    Detached from the session, so a streaming response can read it on its own
    connection after the request's transaction has committed the usage count."""

    resource_id: UUID
    dataset_id: UUID
    dataset_name: str
    resource_name: str
    table_name: str
    fields: tuple[FieldSpec, ...]
    row_count: int

    @property
    def file_stem(self) -> str:
        return f"{self.dataset_name}-{self.resource_id.hex[:8]}"


def open_download(
    session: Session, *, actor: Actor, resource_id: UUID | str, count: bool = True
) -> RowSource:
    """Check that the actor may download a resource's rows and count the download.

    Raises:
        ResourceNotFoundError: no such resource visible to the actor.
        AuthenticationRequiredError / TermsNotAcceptedError: a conditional dataset.
        NoRowsError: a file resource.
    """
    resource = _visible_resource(session, actor, resource_id)
    ensure_may_use_data(session, actor, resource.dataset)
    if not resource.table_name:
        raise NoRowsError()
    if count:
        record_usage(session, dataset_id=resource.dataset_id, channel=UsageChannel.download)
    return RowSource(
        resource_id=resource.id,
        dataset_id=resource.dataset_id,
        dataset_name=resource.dataset.name,
        resource_name=resource.name,
        table_name=resource.table_name,
        fields=tuple(datastore.resource_fields(resource)),
        row_count=resource.row_count,
    )


def iter_rows(
    connection: Connection, source: RowSource, *, batch_rows: int = datastore.STREAM_BATCH
) -> Iterator[Sequence[tuple[Any, ...]]]:
    """Every row of the resource in row order, in batches (flat memory; a server-side
    cursor on PostgreSQL). Values: str, int, float, bool or None; dates as ISO text."""
    resource = OpenResource(
        id=source.resource_id,
        table_name=source.table_name,
        fields=[f.model_dump(mode="json") for f in source.fields],
    )
    return datastore.iter_row_batches(connection, resource, batch_rows=batch_rows)
