"""Physical row tables of open resources and the queries over them (CKAN's DataStore).

Each tabular resource's rows live in a table of their own, ``od_<32 hex>``, built
at run time from the resource's field list (as base_data builds its ``bd_*``
tables): ``_id`` (the 1-based row number, SQLite's rowid / a PostgreSQL integer
key) and one column per field, ``c0…cN`` in field order, so a field id can be
any text. Types are chosen so that values read back the same on SQLite and
PostgreSQL: text, 64-bit integer, double, boolean; dates and timestamps as ISO
text (``YYYY-MM-DD``, ``YYYY-MM-DDTHH:MM:SS``), which sort and compare correctly
as text.

``datastore_search`` is one ``SELECT`` (plus one ``COUNT`` for the total) with
the filters, ``q``, sort, limit and offset in SQL: no page is assembled in Python.
``iter_row_batches`` streams a whole table in primary-key order with
``yield_per`` (a server-side cursor on PostgreSQL), so memory stays flat
whatever the row count.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import uuid4

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ColumnElement,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    and_,
    func,
    insert,
    or_,
    select,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from sqlalchemy.sql.type_api import TypeEngine

from smartcity.core.ids import new_id
from smartcity.domains.opendata.enums import FieldType
from smartcity.domains.opendata.errors import InvalidQueryError, NoRowsError
from smartcity.domains.opendata.models import DATA_TABLE_PREFIX, OpenResource
from smartcity.domains.opendata.schemas import (
    DatastoreField,
    DatastoreQuery,
    DatastoreResult,
    FieldSpec,
)

ROW_ID = "_id"
_INSERT_BATCH = 5_000
#: Rows per batch when streaming a whole table.
STREAM_BATCH = 5_000


def new_table_name() -> str:
    return f"{DATA_TABLE_PREFIX}{new_id().hex}"


def _sql_type(type_: FieldType) -> TypeEngine[Any]:
    match type_:
        case FieldType.int:
            return BigInteger()
        case FieldType.numeric:
            return Float()
        case FieldType.bool:
            return Boolean(create_constraint=False)
        case FieldType.date:
            return String(10)
        case FieldType.timestamp:
            return String(19)
        case _:
            return Text()


def column_name(position: int) -> str:
    return f"c{position}"


def row_table(table_name: str, fields: Sequence[FieldSpec]) -> Table:
    """The SQLAlchemy ``Table`` of a resource's rows."""
    columns: list[Column[Any]] = [
        Column(ROW_ID, BigInteger().with_variant(Integer(), "sqlite"), primary_key=True),
    ]
    columns += [
        Column(column_name(n), _sql_type(f.type), nullable=True) for n, f in enumerate(fields)
    ]
    return Table(table_name, MetaData(), *columns)


def resource_fields(resource: OpenResource) -> list[FieldSpec]:
    return [FieldSpec.model_validate(f) for f in resource.fields]


def create_table(session: Session, table_name: str, fields: Sequence[FieldSpec]) -> Table:
    """Create the physical table (in the caller's transaction: a rollback removes it)."""
    table = row_table(table_name, fields)
    table.create(session.connection())
    return table


def drop_table(session: Session, table_name: str) -> None:
    if table_name:
        row_table(table_name, []).drop(session.connection(), checkfirst=True)


# --- values -------------------------------------------------------------------------------


def coerce(value: Any, type_: FieldType) -> Any:
    """A Python value as stored in a column of ``type_``; ``None`` and ``""`` are null.

    Raises:
        ValueError: the value is not of the type (the caller names the field).
    """
    if value is None or value == "":
        return None
    match type_:
        case FieldType.int:
            if isinstance(value, bool):
                return int(value)
            if isinstance(value, float | Decimal) and value != int(value):
                raise ValueError(f"不是整数：{value}")
            return int(value)
        case FieldType.numeric:
            return float(value)
        case FieldType.bool:
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in {"true", "1", "t", "yes", "是"}:
                return True
            if text in {"false", "0", "f", "no", "否"}:
                return False
            raise ValueError(f"不是布尔值：{value}")
        case FieldType.date:
            if isinstance(value, datetime):
                return value.date().isoformat()
            if isinstance(value, date):
                return value.isoformat()
            return date.fromisoformat(str(value).strip()[:10]).isoformat()
        case FieldType.timestamp:
            if isinstance(value, datetime):
                return value.replace(tzinfo=None, microsecond=0).isoformat()
            if isinstance(value, date):
                return f"{value.isoformat()}T00:00:00"
            text = str(value).strip().replace(" ", "T")
            return datetime.fromisoformat(text).replace(tzinfo=None, microsecond=0).isoformat()
        case _:
            return str(value)


def insert_rows(
    session: Session, table_name: str, fields: Sequence[FieldSpec], rows: Iterable[Sequence[Any]]
) -> int:
    """Append rows (sequences in field order, values coerced to the field types) in
    batches; returns how many.

    Raises:
        InvalidQueryError: a value does not fit its field's type (``field`` names it).
    """
    table = row_table(table_name, fields)
    statement = insert(table)
    names = [column_name(n) for n in range(len(fields))]
    types = [f.type for f in fields]
    batch: list[dict[str, Any]] = []
    count = 0
    connection = session.connection()
    for number, row in enumerate(rows, start=1):
        record: dict[str, Any] = {}
        for name, type_, spec, value in zip(names, types, fields, row, strict=True):
            try:
                record[name] = coerce(value, type_)
            except (ValueError, TypeError, ArithmeticError) as error:
                raise InvalidQueryError(
                    f"第 {number} 行字段“{spec.id}”的值不符合类型 {type_.value}：{error}",
                    field=spec.id,
                    row=number,
                ) from error
        batch.append(record)
        if len(batch) >= _INSERT_BATCH:
            connection.execute(statement, batch)
            count += len(batch)
            batch = []
    if batch:
        connection.execute(statement, batch)
        count += len(batch)
    return count


# --- queries --------------------------------------------------------------------------------

_SORT_ITEM = re.compile(
    r'^\s*(?:"(?P<quoted>[^"]+)"|(?P<plain>.+?))\s*(?:\s(?P<dir>asc|desc))?\s*$', re.I
)


def _field_columns(
    table: Table, fields: Sequence[FieldSpec]
) -> dict[str, tuple[FieldSpec | None, Column[Any]]]:
    columns: dict[str, tuple[FieldSpec | None, Column[Any]]] = {ROW_ID: (None, table.c[ROW_ID])}
    for n, spec in enumerate(fields):
        columns[spec.id] = (spec, table.c[column_name(n)])
    return columns


def _filter_value(spec: FieldSpec, value: Any) -> Any:
    try:
        return coerce(value, spec.type)
    except (ValueError, TypeError, ArithmeticError) as error:
        raise InvalidQueryError(
            f"筛选条件“{spec.id}”的值不符合类型 {spec.type.value}", field="filters"
        ) from error


def _conditions(
    query: DatastoreQuery, columns: dict[str, tuple[FieldSpec | None, Column[Any]]]
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    for field_id, wanted in query.filters.items():
        if field_id not in columns:
            raise InvalidQueryError(f"筛选条件中的字段不存在：{field_id}", field="filters")
        spec, column = columns[field_id]
        values = wanted if isinstance(wanted, list) else [wanted]
        if spec is None:
            try:
                coerced = [int(v) for v in values]
            except (TypeError, ValueError) as error:
                raise InvalidQueryError("_id 必须是整数", field="filters") from error
        else:
            coerced = [_filter_value(spec, v) for v in values]
        present = [v for v in coerced if v is not None]
        clauses: list[ColumnElement[bool]] = []
        if present:
            clauses.append(column.in_(present) if len(present) > 1 else column == present[0])
        if len(present) < len(coerced):
            clauses.append(column.is_(None))
        conditions.append(or_(*clauses) if len(clauses) > 1 else clauses[0])
    texts = {
        fid: column
        for fid, (spec, column) in columns.items()
        if spec is not None and spec.type in {FieldType.text, FieldType.date, FieldType.timestamp}
    }
    if isinstance(query.q, dict):
        for field_id, needle in query.q.items():
            if field_id not in texts:
                raise InvalidQueryError(f"全文检索的字段不存在或不是文本：{field_id}", field="q")
            conditions.append(_contains(texts[field_id], needle))
    elif query.q.strip():
        words = query.q.split()
        for word in words:
            conditions.append(or_(*[_contains(column, word) for column in texts.values()]))
    return conditions


def _contains(column: Column[Any], needle: str) -> ColumnElement[bool]:
    escaped = needle.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return func.lower(column).like(f"%{escaped}%", escape="\\")


def _order(
    sort: str, columns: dict[str, tuple[FieldSpec | None, Column[Any]]]
) -> list[ColumnElement[Any]]:
    order: list[ColumnElement[Any]] = []
    if not sort.strip():
        return [columns[ROW_ID][1].asc()]
    for item in sort.split(","):
        match = _SORT_ITEM.match(item)
        if match is None or not item.strip():
            raise InvalidQueryError(f"排序条件无法识别：{item}", field="sort")
        name = match.group("quoted") or match.group("plain")
        if name not in columns:
            raise InvalidQueryError(f"排序字段不存在：{name}", field="sort")
        column = columns[name][1]
        descending = (match.group("dir") or "asc").lower() == "desc"
        order.append(column.desc() if descending else column.asc())
    order.append(columns[ROW_ID][1].asc())
    return order


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    return value


def search(resource: OpenResource, session: Session, query: DatastoreQuery) -> DatastoreResult:
    """One page of a resource's records (CKAN ``datastore_search``).

    Raises:
        NoRowsError: the resource is a file without rows.
        InvalidQueryError: an unknown field in ``filters``, ``q``, ``fields`` or
            ``sort``, or a filter value of the wrong type.
    """
    if not resource.table_name:
        raise NoRowsError()
    fields = resource_fields(resource)
    table = row_table(resource.table_name, fields)
    columns = _field_columns(table, fields)
    wanted = query.fields if query.fields is not None else [ROW_ID, *[f.id for f in fields]]
    if ROW_ID not in wanted and query.fields is None:
        wanted = [ROW_ID, *wanted]
    unknown = [name for name in wanted if name not in columns]
    if unknown:
        raise InvalidQueryError(f"字段不存在：{'、'.join(unknown)}", field="fields")
    conditions = _conditions(query, columns)
    where = and_(*conditions) if conditions else None
    statement = select(*[columns[name][1] for name in wanted])
    if where is not None:
        statement = statement.where(where)
    statement = statement.order_by(*_order(query.sort, columns))
    statement = statement.limit(query.limit).offset(query.offset)
    records = [
        {name: _json_value(value) for name, value in zip(wanted, row, strict=True)}
        for row in session.execute(statement)
    ]
    total: int | None = None
    if query.include_total:
        if where is None:
            total = resource.row_count
        else:
            total = int(session.scalar(select(func.count()).select_from(table).where(where)) or 0)
    result_fields = [
        DatastoreField(id=ROW_ID, type="int", title="行号")
        if name == ROW_ID
        else _datastore_field(columns[name][0])
        for name in wanted
    ]
    return DatastoreResult(
        resource_id=resource.id,
        fields=result_fields,
        records=records,
        total=total,
        limit=query.limit,
        offset=query.offset,
        sort=query.sort or f"{ROW_ID} asc",
    )


def _datastore_field(spec: FieldSpec | None) -> DatastoreField:
    assert spec is not None
    return DatastoreField(
        id=spec.id, type=spec.type.value, title=spec.title, description=spec.description
    )


def iter_row_batches(
    connection: Connection, resource: OpenResource, *, batch_rows: int = STREAM_BATCH
) -> Iterator[Sequence[tuple[Any, ...]]]:
    """Every row of a resource (field values only, in field order), in batches of
    ``batch_rows``, in row order; memory holds one batch at a time.

    Rows come straight from the driver's cursor (``fetchmany``), without building
    SQLAlchemy rows: that layer alone halves the rate of a million-row download.
    A named cursor is server-side on PostgreSQL; SQLite's cursor steps through the
    table by itself. Booleans, stored as 0/1 by SQLite, are
    turned back into ``bool``.

    Raises:
        NoRowsError: the resource is a file without rows.
    """
    if not resource.table_name:
        raise NoRowsError()
    fields = resource_fields(resource)
    table = row_table(resource.table_name, fields)
    statement = select(*[table.c[column_name(n)] for n in range(len(fields))]).order_by(
        table.c[ROW_ID]
    )
    booleans = [n for n, f in enumerate(fields) if f.type is FieldType.bool]
    sql = str(statement.compile(dialect=connection.dialect))
    # The DBAPI cursor of this connection (same transaction), not a streamed
    # SQLAlchemy result: SQLAlchemy's buffered strategy reads the first row ahead into
    # its own buffer, and a loop over the driver's cursor behind it lost that row on
    # PostgreSQL. There a named cursor is server-side: rows arrive a batch at a time.
    raw = connection.connection.dbapi_connection
    if raw is None:  # pragma: no cover - a live Connection always holds one
        raise RuntimeError("connection is closed")
    cursor = (
        raw.cursor(name=f"opendata_rows_{uuid4().hex}")
        if connection.dialect.name == "postgresql"
        else raw.cursor()
    )
    try:
        cursor.execute(sql)
        while True:
            batch = cursor.fetchmany(batch_rows)
            if not batch:
                break
            if booleans:
                batch = [
                    tuple(
                        (None if v is None else bool(v)) if n in booleans else v
                        for n, v in enumerate(row)
                    )
                    for row in batch
                ]
            yield batch
    finally:
        cursor.close()
