"""Filtered query and the change feed of the exchange API (Art. 26).

Both run the same checks as ``exchange.lookup`` (who calls, the case reference,
the grant: organization, client, revoked, validity, rate), then the grant's query
mode (``query`` / ``changes``) and fields; values are masked and carry provenance
exactly as in a lookup (``exchange``'s field plan and maskers); every outcome,
served or refused, is appended to the exchange log.

``query`` filters by equality on granted items (a list means "any of"), orders by
the record key and pages with ``page``/``size`` (≤ 500) and a total count.

``changes`` is the feed a consumer keeps a copy in sync with (table mode). Its
cursor is a base-data load id: the feed lists, after it,

- **upserts**: records whose ``_load_id`` (the load that wrote the record) or the
  ``<column>__load`` of a *granted* item (the load that last changed that value)
  is past the cursor; a change to an ungranted item is not a change for this
  consumer. The change's load is the highest of those (a record changed by
  several loads is listed once, with its current values);
- **deletes**: base-data history entries with operation ``delete``.

Order: by load id, within a load deletes before upserts, each by key. The cursor
is ``"<load>"`` (everything up to and including that load has been seen; ``0`` is
the start) or, when a page ends inside a load, ``"<load>:<d|u>:<key>"`` (resume
after that delete/upsert of that load). ``next_cursor`` is that position; once
everything is delivered (``has_more`` false) it is the highest load id covered.
Loads of one table never run concurrently (``base_data.start_load``), so a load id
past a delivered one cannot commit later with a lower id for the same table.

Subject keys logged: the keys of the records returned (a page is at most 500 /
1,000 records, so all of them; capped at ``MAX_BATCH_KEYS`` like a batch).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Uuid, and_, column, func, or_, select, table, tuple_
from sqlalchemy.orm import Session

from smartcity.core.security import Actor
from smartcity.domains.base_data import service as base_data_service
from smartcity.domains.base_data.service.tables import LOAD_ID, provenance_column
from smartcity.domains.sharing import disputes
from smartcity.domains.sharing.enums import QueryMode
from smartcity.domains.sharing.exchange_errors import (
    ExchangeInvalidKeyError,
    FieldNotGrantedError,
    KeyCountError,
)
from smartcity.domains.sharing.exchange_schemas import (
    MAX_BATCH_KEYS,
    MAX_CHANGES_LIMIT,
    MAX_FILTERS,
    MAX_QUERY_SIZE,
    ExchangeChangeRead,
    ExchangeChangesRead,
    ExchangeQueryResultRead,
    ExchangeRecordRead,
)
from smartcity.domains.sharing.service.exchange_core import (
    KEY_SEPARATOR,
    KeyShown,
    begin_call,
    check_fields,
    key_shown,
    key_text,
    open_source,
    read_record,
    record_values,
)

_DELETE, _UPSERT, _DONE = 0, 1, 2  # rank of a position inside one load
_RANK_CODES = {"d": _DELETE, "u": _UPSERT}


# ---------------------------------------------------------------- query


def _coerce(field_type: str, value: Any) -> Any:
    """A JSON filter value as the column's type wants it (``ValueError`` if it cannot)."""
    if value is None:
        return None
    match field_type:
        case "integer":
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError(value)
            return int(value)
        case "decimal":
            if isinstance(value, bool):
                raise ValueError(value)
            return float(value)
        case "boolean":
            if isinstance(value, bool):
                return value
            if str(value).lower() in {"true", "1"}:
                return True
            if str(value).lower() in {"false", "0"}:
                return False
            raise ValueError(value)
        case "date":
            return date.fromisoformat(str(value))
        case "datetime":
            return datetime.fromisoformat(str(value))
        case _:
            return str(value)


def query(
    session: Session,
    *,
    actor: Actor,
    grant_id: UUID,
    case_reference: str | None,
    filters: Mapping[str, Any],
    page: int = 1,
    size: int = 50,
    fields: Iterable[str] | None = None,
) -> ExchangeQueryResultRead:
    """Records matching ``filters`` (granted items; equality, a list means "any of"),
    ordered by key, one page of ``size`` (≤ 500) with the total; only granted items,
    masked as in a lookup. Logged with the returned records' keys.

    Raises:
        AuthenticationRequiredError: anonymous (not logged).
        the ``lookup`` grant refusals; ModeNotGrantedError (no ``query`` mode);
        FieldNotGrantedError (a field or filter outside the grant); KeyCountError
        (page or size out of range, too many filters); ExchangeInvalidKeyError (a
        filter value the item's type cannot take); ExchangeSourceUnavailableError.
    """
    requested = list(dict.fromkeys(fields)) if fields is not None else None
    call, grant = begin_call(
        session,
        actor=actor,
        operation=QueryMode.query,
        grant_id=grant_id,
        case_reference=case_reference,
        fields=requested or [],
    )
    if not 1 <= size <= MAX_QUERY_SIZE or page < 1 or len(filters) > MAX_FILTERS:
        call.refuse(
            KeyCountError(
                f"每页 1–{MAX_QUERY_SIZE} 条、页码从 1 起、最多 {MAX_FILTERS} 个筛选条件",
                max_keys=MAX_QUERY_SIZE,
            )
        )
    if requested is not None and not requested:
        call.refuse(FieldNotGrantedError("未授权的信息项：（未指定）", fields=[]))
    names = requested if requested is not None else list(grant.items)
    check_fields(call, grant, names, what="信息项")
    check_fields(call, grant, filters, what="筛选条件")
    call.fields = names
    served = open_source(session, call, grant)
    reader = served.reader
    by_name = {f.name: f for f in reader.fields}
    data = reader.data.table
    conditions: list[ColumnElement[bool]] = []
    for name, value in filters.items():
        spec = by_name.get(name)
        if spec is None:  # granted, but no longer a column of the table
            call.refuse(FieldNotGrantedError(f"基础库中没有信息项：{name}", fields=[name]))
        col = data.c[spec.column_name]
        try:
            if isinstance(value, list | tuple):
                if len(value) > MAX_BATCH_KEYS:
                    raise ValueError(value)
                conditions.append(col.in_([_coerce(spec.type.value, v) for v in value]))
            elif value is None:
                conditions.append(col.is_(None))
            else:
                conditions.append(col == _coerce(spec.type.value, value))
        except (ValueError, TypeError):
            call.refuse(ExchangeInvalidKeyError(f"筛选条件“{name}”的值不符合其类型", key=name))
    # A filter on a value the grant masks would let a consumer learn it by guessing
    # (姓名 = 张三 …): only values the consumer may see in clear can be filtered on —
    # and the key, which the consumer brings, as in a lookup.
    keys = {f.name for f in reader.data.key_fields}
    candidates = [name for name in filters if name not in keys]
    hidden = [p.name for p in served.plans(grant, candidates) if p.masked]
    if hidden:
        call.refuse(
            FieldNotGrantedError(f"不能按脱敏的信息项筛选：{'、'.join(hidden)}", fields=hidden)
        )
    key_columns = [data.c[f.column_name] for f in reader.data.key_fields]
    total = session.scalar(select(func.count()).select_from(data).where(*conditions)) or 0
    rows = session.execute(
        select(*key_columns)
        .where(*conditions)
        .order_by(*key_columns)
        .limit(size)
        .offset((page - 1) * size)
    ).all()
    plans = served.plans(grant, names)
    views = [v for v in (read_record(reader, tuple(row)) for row in rows) if v is not None]
    disputed = disputes.disputed(session, call.resource, [v.key for v in views])
    shown = key_shown(served.source, grant)
    records = [
        ExchangeRecordRead(
            key=shown.shown(view.key),
            ref=shown.ref(view.key),
            found=True,
            values=record_values(view, plans, disputed),
        )
        for view in views
    ]
    call.keys = [view.key for view in views][:MAX_BATCH_KEYS]
    seq = call.log("ok", records=len(records))
    return ExchangeQueryResultRead(
        grant_id=grant.id,
        case_reference=call.case_reference,
        fields=names,
        total=total,
        page=page,
        size=size,
        key_masked=shown.masked,
        records=records,
        log_seq=seq,
    )


# ---------------------------------------------------------------- changes


@dataclass(frozen=True, slots=True)
class Position:
    """A place in the change feed: after ``rank`` (delete/upsert) ``key`` of ``load``,
    or after all of ``load`` (``rank`` = done)."""

    load: int
    rank: int = _DONE
    key: str = ""

    @classmethod
    def parse(cls, cursor: int | str) -> Position:
        """``"<load>"`` or ``"<load>:<d|u>:<key>"`` (``ValueError`` otherwise)."""
        text = str(cursor) if isinstance(cursor, int) else (cursor or "0").strip()
        load_text, sep, rest = text.partition(":")
        load = int(load_text)
        if load < 0:
            raise ValueError(cursor)
        if not sep:
            return cls(load)
        code, sep, key = rest.partition(":")
        if code not in _RANK_CODES or not sep or not key:
            raise ValueError(cursor)
        return cls(load, _RANK_CODES[code], key)

    def _context(self, grant_id: UUID) -> str:
        return f"{grant_id}:{self.load}:{'d' if self.rank == _DELETE else 'u'}"

    def sealed(self, shown: KeyShown, grant_id: UUID) -> Position:
        """This position with its key as the grant may show it in a cursor: sealed
        where the grant masks keys, bound to the grant, the load and the rank."""
        return Position(self.load, self.rank, shown.seal(self.key, self._context(grant_id)))

    def opened(self, shown: KeyShown, grant_id: UUID) -> Position:
        """``sealed`` undone (``ValueError``: not a cursor this grant gave out)."""
        return Position(self.load, self.rank, shown.unseal(self.key, self._context(grant_id)))

    def __str__(self) -> str:
        if self.rank == _DONE:
            return str(self.load)
        return f"{self.load}:{'d' if self.rank == _DELETE else 'u'}:{self.key}"


@dataclass(slots=True)
class _Change:
    load: int
    rank: int
    key: str
    parts: tuple[Any, ...] = field(default_factory=tuple)


# base_data's history table, read directly: base_data's service has no "deletions
# after a load" function yet (ask its owner for one, then call it here instead).
_HISTORY = table(
    "base_data_history",
    column("table_id", Uuid()),
    column("record_key"),
    column("load_id"),
    column("operation"),
)


def _greatest(session: Session, columns: Sequence[ColumnElement[Any]]) -> ColumnElement[Any]:
    if len(columns) == 1:
        return columns[0]
    if session.get_bind().dialect.name == "sqlite":
        return func.max(*columns)  # SQLite's scalar max() of several arguments
    return func.greatest(*columns)


def _upserts_after(
    session: Session,
    reader: base_data_service.RecordReader,
    granted: Sequence[str],
    after: Position,
    limit: int,
) -> list[_Change]:
    data = reader.data.table
    by_name = {f.name: f for f in reader.fields}
    changed = _greatest(
        session,
        [
            data.c[LOAD_ID],
            *[
                func.coalesce(data.c[provenance_column(by_name[n].column_name)], 0)
                for n in granted
                if n in by_name
            ],
        ],
    ).label("changed_by")
    key_columns = [data.c[f.column_name] for f in reader.data.key_fields]
    if after.rank == _DONE:
        condition: ColumnElement[bool] = changed > after.load
    elif after.rank == _DELETE:
        condition = changed >= after.load
    else:
        parts = after.key.split(KEY_SEPARATOR)
        if len(parts) != len(key_columns):
            raise ValueError(after.key)
        past_key = (
            key_columns[0] > parts[0]
            if len(key_columns) == 1
            else tuple_(*key_columns) > tuple_(*parts)
        )
        condition = or_(changed > after.load, and_(changed == after.load, past_key))
    statement = select(changed, *key_columns).where(condition).order_by(changed, *key_columns)
    rows = session.execute(statement.limit(limit + 1)).all()
    return [_Change(int(row[0]), _UPSERT, key_text(row[1:]), tuple(row[1:])) for row in rows]


def _deletes_after(session: Session, table_id: UUID, after: Position, limit: int) -> list[_Change]:
    h = _HISTORY.c
    if after.rank == _DELETE:
        condition: ColumnElement[bool] = or_(
            h.load_id > after.load, and_(h.load_id == after.load, h.record_key > after.key)
        )
    else:
        condition = h.load_id > after.load
    rows = session.execute(
        select(h.load_id, h.record_key)
        .where(h.table_id == table_id, h.operation == "delete", condition)
        .order_by(h.load_id, h.record_key)
        .limit(limit + 1)
    ).all()
    return [_Change(int(load), _DELETE, str(key)) for load, key in rows]


def changes(
    session: Session,
    *,
    actor: Actor,
    grant_id: UUID,
    case_reference: str | None,
    cursor: int | str = 0,
    limit: int = 100,
) -> ExchangeChangesRead:
    """Records inserted, changed in a granted item, or deleted by loads after
    ``cursor`` (see the module docstring for the order and the cursor), at most
    ``limit`` (≤ 1,000); upserts carry the current granted values, masked as in a
    lookup. Logged with the returned keys.

    Raises:
        AuthenticationRequiredError: anonymous (not logged).
        the ``lookup`` grant refusals; ModeNotGrantedError (no ``changes`` mode);
        KeyCountError (``limit`` out of range); ExchangeInvalidKeyError (a malformed
        cursor); ExchangeSourceUnavailableError.
    """
    call, grant = begin_call(
        session,
        actor=actor,
        operation=QueryMode.changes,
        grant_id=grant_id,
        case_reference=case_reference,
        fields=[],
    )
    names = list(grant.items)
    call.fields = names
    if not 1 <= limit <= MAX_CHANGES_LIMIT:
        call.refuse(
            KeyCountError(f"每次最多返回 {MAX_CHANGES_LIMIT} 条变更", max_keys=MAX_CHANGES_LIMIT)
        )
    served = open_source(session, call, grant)
    reader = served.reader
    shown = key_shown(served.source, grant)
    try:
        given = Position.parse(cursor)
        after = given if given.rank == _DONE else given.opened(shown, grant.id)
    except ValueError:
        call.refuse(
            ExchangeInvalidKeyError(
                "游标应为加载批次号，或上次返回的 next_cursor", key=str(cursor)[:100]
            )
        )
    try:
        upserts = _upserts_after(session, reader, names, after, limit)
    except ValueError:
        call.refuse(ExchangeInvalidKeyError("游标中的主键不符合该表的主键", key=after.key[:100]))
    deletes = _deletes_after(session, reader.base.id, after, limit)
    # Both lists are in SQL order; a (load, rank) group comes from one list only, so a
    # stable sort on (load, rank) merges them without comparing keys across lists.
    merged = sorted([*deletes, *upserts], key=lambda c: (c.load, c.rank))
    page, has_more = merged[:limit], len(merged) > limit
    plans = served.plans(grant, names)
    views = {
        change.key: read_record(reader, change.parts) for change in page if change.rank != _DELETE
    }
    disputed = disputes.disputed(
        session, call.resource, [v.key for v in views.values() if v is not None]
    )
    out: list[ExchangeChangeRead] = []
    served_keys: list[str] = []
    for change in page:
        view = None if change.rank == _DELETE else views[change.key]
        if change.rank != _DELETE and view is None:
            continue  # deleted since: its delete follows in a later load
        served_keys.append(change.key)
        out.append(
            ExchangeChangeRead(
                key=shown.shown(change.key),
                ref=shown.ref(change.key),
                operation="upsert" if view is not None else "delete",
                load_id=change.load,
                values=record_values(view, plans, disputed) if view is not None else {},
            )
        )
    if has_more:
        last = page[-1]
        next_position = Position(last.load, last.rank, last.key).sealed(shown, grant.id)
    else:
        next_position = Position(max([after.load, *(c.load for c in page)]))
    call.keys = served_keys[:MAX_BATCH_KEYS]
    seq = call.log("ok", records=len(out))
    return ExchangeChangesRead(
        grant_id=grant.id,
        case_reference=call.case_reference,
        fields=names,
        cursor=str(given),
        next_cursor=str(next_position),
        has_more=has_more,
        key_masked=shown.masked,
        changes=out,
        log_seq=seq,
    )
