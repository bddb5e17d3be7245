"""Reading base-database records with their provenance (一数一源) and history.

Every value is returned with its source department (the field's one source) and
when and by which load it was last written: ``<column>__load`` when a later load
changed that value, else the record's ``_load_id``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast
from uuid import UUID

from sqlalchemy import bindparam, select, tuple_
from sqlalchemy.orm import Session

from smartcity.core.db.prebuilt import Prebuilt, Read, driver_error
from smartcity.core.geo import Datum, convert_wkt, wgs84_to_gcj02
from smartcity.core.security import Actor, ensure_permission
from smartcity.domains.base_data.errors import InvalidKeyError, RecordNotFoundError
from smartcity.domains.base_data.models import BaseField, HistoryEntry, Load
from smartcity.domains.base_data.permissions import BaseDataPermission
from smartcity.domains.base_data.service.tables import (
    LOAD_ID,
    DataTable,
    data_table,
    get_table,
    provenance_column,
)
from smartcity.domains.base_data.spec import IDENTIFIER_RULES, FieldRule, FieldType
from smartcity.domains.registry.models import Organization

KEY_SEPARATOR = "|"


@dataclass(frozen=True, slots=True)
class SourcedValue:
    """One stored value and where it comes from."""

    value: Any
    source_organization_id: UUID
    source_name: str
    load_id: int
    updated_at: datetime | None


@dataclass(frozen=True)
class RecordView:
    table_name: str
    key: str
    values: dict[str, SourcedValue]  # by field name (the catalog item's name)
    datum: str = ""  # of the coordinates in ``values`` (the table stores WGS84)


@dataclass(frozen=True)
class HistoryView:
    load_id: int
    operation: str
    before: dict[str, Any]
    changed: list[str]  # field names
    changed_at: datetime | None
    changed_by: str
    organization_name: str


def _json(value: Any) -> Any:
    if isinstance(value, str | int | float):
        return value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return value


_record_reads: dict[str, Prebuilt] = {}
"""Each table's record read, by its SQL: one ``Prebuilt`` (and so one statement
combined by ``prefetch``) per table definition, however often a reader of it is
prepared again."""


def _record_read(statement: Any, sql: str) -> Prebuilt:
    read = _record_reads.get(sql)
    if read is None:
        read = _record_reads[sql] = Prebuilt(statement, converted=False)
    return read


class RecordReader:
    """Point lookups on one table, prepared once: the table's definition, the lookup
    statement, the source departments and the load times are resolved up front so
    each lookup is one indexed query (≥ 20,000 lookups/s on SQLite).
    """

    def __init__(self, session: Session, *, actor: Actor, table: UUID | str) -> None:
        ensure_permission(actor, BaseDataPermission.lookup)
        base = get_table(session, actor=actor, table=table)  # fields and sources loaded
        self.session = session
        self.base = base
        self.data: DataTable = data_table(base)
        self.fields: tuple[BaseField, ...] = self.data.fields
        table_ = self.data.table
        keys = [table_.c[f.column_name] for f in self.data.key_fields]
        if not keys:
            raise InvalidKeyError("该表没有主键字段，不能按主键查询")
        condition = (
            keys[0] == bindparam("k0")
            if len(keys) == 1
            else tuple_(*keys) == tuple_(*[bindparam(f"k{i}") for i in range(len(keys))])
        )
        self._columns = [
            *[table_.c[f.column_name] for f in self.fields],
            table_.c[LOAD_ID],
            *[table_.c[provenance_column(f.column_name)] for f in self.fields],
        ]
        statement = select(*self._columns).where(condition)
        dialect = session.get_bind().dialect
        compiled = statement.compile(dialect=dialect)
        self._sql = str(compiled)
        self._read = _record_read(statement, self._sql)
        self._positional = bool(compiled.positional)
        self._order = list(compiled.positiontup or [])
        self._driver_cursor: Any = None
        self._driver_connection: Any = None
        self._sources = {f.source_organization_id: f.source.name for f in self.fields}
        # Plain tuples per field: a lookup reads no ORM attribute.
        self._layout = [
            (
                f.name,
                f.type is FieldType.boolean,
                f.source_organization_id,
                self._sources[f.source_organization_id],
            )
            for f in self.fields
        ]
        self._load_times: dict[int, datetime | None] = {}
        # Each key part's parameter and whether it is compared in upper case (ID
        # numbers and credit codes are stored so).
        self._key_parts = tuple(
            (f"k{i}", f.rule in IDENTIFIER_RULES) for i, f in enumerate(self.data.key_fields)
        )

    def bind(self, session: Session) -> RecordReader:
        """This prepared reader for another session (another request): the table's
        definition, statement and load times are shared, the cursor is not. The
        caller checks the reader still fits the table (``table_stamp``)."""
        reader = object.__new__(RecordReader)  # a shallow copy, cheaper than copy.copy
        reader.__dict__.update(self.__dict__)
        reader.session = session
        reader._driver_cursor = None
        reader._driver_connection = None
        return reader

    def _split(self, key: str | tuple[str, ...]) -> dict[str, str]:
        parts = tuple(key.split(KEY_SEPARATOR)) if isinstance(key, str) else key
        if len(parts) != len(self.data.key_fields):
            names = "、".join(f.name for f in self.data.key_fields)
            raise InvalidKeyError(
                f"主键由 {len(self.data.key_fields)} 部分组成（{names}），"
                f"多个部分用“{KEY_SEPARATOR}”分隔"
            )
        return {
            name: part.strip().upper() if upper else part.strip()
            for (name, upper), part in zip(self._key_parts, parts, strict=True)
        }

    def _updated_at(self, load_id: int) -> datetime | None:
        if load_id not in self._load_times:
            load = self.session.get(Load, load_id)
            self._load_times[load_id] = (
                (load.finished_at or load.started_at) if load is not None else None
            )
        return self._load_times[load_id]

    def read_of(self, key: str) -> tuple[Read, str] | None:
        """The read of a record by key, for ``prebuilt.prefetch`` to run ahead with other
        reads (``row`` then takes its row), and the key as that record gives it
        (``RecordView.key``), for the reads keyed by it (its disputes); None: not a key
        of this table."""
        try:
            params = self._split(key)
        except InvalidKeyError:
            return None
        return (self._read, params), KEY_SEPARATOR.join(params.values())

    def row(self, key: str | tuple[str, ...]) -> Sequence[Any] | None:
        """The stored row (values, record load, value loads), or None.

        The statement is compiled once and run on the driver's cursor: a lookup costs
        one indexed query and no ORM or Core result processing (values come back as
        the driver gives them and ``_json`` makes them JSON-ready) — unless
        ``prebuilt.prefetch`` read the row ahead (``read_of``).
        """
        params = self._split(key)
        prefetched = self._read.prefetched(self.session, params)
        if prefetched is not None:
            return cast("Sequence[Any] | None", prefetched[0] if prefetched else None)
        if self._positional:
            values: Any = tuple(params[name] for name in self._order)
        else:
            values = params
        cursor = self._cursor()
        connection = self._driver_connection
        try:
            cursor.execute(self._sql, values)
            return cast("Sequence[Any] | None", cursor.fetchone())
        except connection.dialect.loaded_dbapi.Error as error:
            driver = connection.connection.driver_connection
            raise driver_error(connection, driver, error, self._sql, values) from error

    def _cursor(self) -> Any:
        connection = self.session.connection()
        if self._driver_cursor is None or self._driver_connection is not connection:
            self._driver_connection = connection
            self._driver_cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        return self._driver_cursor

    def get(self, key: str | tuple[str, ...], *, datum: Datum | None = None) -> RecordView:
        """One record with each value's source and last update; coordinates and
        geometries converted to ``datum`` (GCJ-02 for Chinese web maps) when asked.

        Raises:
            InvalidKeyError; RecordNotFoundError.
        """
        row = self.row(key)
        if row is None:
            raise RecordNotFoundError(table=self.base.table_name)
        n = len(self.fields)
        record_load = row[n]
        values: dict[str, SourcedValue] = {}
        times = self._load_times
        for i, (name, is_boolean, source_id, source_name) in enumerate(self._layout):
            value = row[i]
            if value is not None:
                value = bool(value) if is_boolean else _json(value)
            load_id = row[n + 1 + i] or record_load
            values[name] = SourcedValue(
                value,
                source_id,
                source_name,
                load_id,
                times[load_id] if load_id in times else self._updated_at(load_id),
            )
        key_text = KEY_SEPARATOR.join(str(values[f.name].value) for f in self.data.key_fields)
        stored = self.base.datum
        if datum is not None and stored == Datum.wgs84.value and datum is not Datum.wgs84:
            values = self._converted(values, datum)
            stored = datum.value
        return RecordView(self.base.table_name, key_text, values, stored)

    def _converted(self, values: dict[str, SourcedValue], datum: Datum) -> dict[str, SourcedValue]:
        """Coordinates (the longitude/latitude pair) and WKT geometries in ``datum``."""
        out = dict(values)
        lon = next((f.name for f in self.fields if f.rule is FieldRule.longitude), None)
        lat = next((f.name for f in self.fields if f.rule is FieldRule.latitude), None)
        if lon and lat and values[lon].value is not None and values[lat].value is not None:
            x, y = wgs84_to_gcj02(float(values[lon].value), float(values[lat].value))
            out[lon] = replace(values[lon], value=round(x, 7))
            out[lat] = replace(values[lat], value=round(y, 7))
        for f in self.fields:
            if f.type is FieldType.geometry and values[f.name].value:
                out[f.name] = replace(
                    values[f.name], value=convert_wkt(str(values[f.name].value), datum)
                )
        return out

    def history(self, key: str | tuple[str, ...]) -> list[HistoryView]:
        """What the record looked like before each load that changed or deleted it,
        newest first (also for a record deleted since)."""
        parts = self._split(key)
        record_key = KEY_SEPARATOR.join(parts[f"k{i}"] for i in range(len(parts)))
        names = {f.column_name: f.name for f in self.base.fields}
        rows = self.session.execute(
            select(HistoryEntry, Load, Organization.name)
            .join(Load, Load.id == HistoryEntry.load_id)
            .join(Organization, Organization.id == Load.organization_id)
            .where(HistoryEntry.table_id == self.base.id, HistoryEntry.record_key == record_key)
            .order_by(HistoryEntry.id.desc())
        ).all()
        out: list[HistoryView] = []
        for entry, load, organization_name in rows:
            before = {names[c]: v for c, v in entry.before.items() if c in names}
            out.append(
                HistoryView(
                    load_id=load.id,
                    operation=entry.operation,
                    before=before,
                    changed=[names.get(c, c) for c in entry.changed],
                    changed_at=load.finished_at or load.started_at,
                    changed_by=load.actor_name,
                    organization_name=organization_name,
                )
            )
        return out
