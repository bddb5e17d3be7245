"""Applying validated rows to a base table: the fast path into an empty table
(``executemany`` on SQLite, ``COPY`` on PostgreSQL, indexes rebuilt at the end) and the
merge path (stored records compared, history kept, per-value provenance updated)."""

from __future__ import annotations

import contextlib
import io
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from queue import Full, Queue
from typing import Any

import polars as pl
from psycopg.copy import QueuedLibpqWriter
from sqlalchemy import Table, bindparam, delete, exists, insert, select, text, tuple_, update
from sqlalchemy import column as sql_column
from sqlalchemy import table as sql_table
from sqlalchemy.orm import Session

from smartcity.domains.base_data import rules
from smartcity.domains.base_data.models import (
    HistoryEntry,
    LoadMode,
    OnError,
)
from smartcity.domains.base_data.service.load_plan import (
    KEY_SEPARATOR,
    ROW,
    Counts,
    Plan,
    Report,
)
from smartcity.domains.base_data.service.tables import (
    LOAD_ID,
    ROW_ID,
    DataTable,
    provenance_column,
)
from smartcity.domains.base_data.spec import FieldType

# ---------------------------------------------------------------- per batch


@dataclass(frozen=True)
class CheckedBatch:
    """A batch as read and validated (by the prefetching thread)."""

    rows: int
    bytes_done: int
    result: rules.BatchResult


def check_batch(plan: Plan, batch: pl.DataFrame) -> rules.BatchResult:
    columns = [f.name for f in plan.present]
    return rules.validate_batch(batch.select([*columns, ROW]), plan.specs)


def checked_batches(bulk: Any, plan: Plan, *, depth: int = 2) -> Iterator[CheckedBatch]:
    """Read and validate the file's batches in a background thread, ``depth`` batches
    ahead of the writer: Polars releases the GIL, so reading and checking the next
    batch overlaps with inserting this one. The first error in the thread is raised
    here; leaving early stops the thread."""
    queue: Queue[CheckedBatch | BaseException | None] = Queue(maxsize=depth)
    stop = threading.Event()

    def _put(item: CheckedBatch | BaseException | None) -> bool:
        while not stop.is_set():
            try:
                queue.put(item, timeout=0.1)
                return True
            except Full:
                continue
        return False

    def _produce() -> None:
        try:
            for batch in bulk.batches():
                checked = CheckedBatch(batch.height, bulk.bytes_done, check_batch(plan, batch))
                if not _put(checked):
                    return
            _put(None)
        except BaseException as exc:  # handed to the consumer, raised there
            _put(exc)

    thread = threading.Thread(target=_produce, name="base-data-reader", daemon=True)
    thread.start()
    try:
        while True:
            item = queue.get()
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join()


def apply_batch(writer: Writer, plan: Plan, result: rules.BatchResult, report: Report) -> None:
    report.add(result.errors)
    if plan.load.on_error is OnError.quarantine and result.invalid_rows.height:
        writer.quarantine(result.invalid_rows)
    # Duplicated keys inside the file: the first occurrence wins, the others are errors.
    valid = writer.drop_duplicate_keys(result.valid)
    if report.count and plan.load.on_error is OnError.reject:
        return  # keep validating for the report, write nothing more
    writer.write(valid)


class Writer:
    """Applies valid rows to the table: the fast path into an empty table, or the
    merge path (existing records compared, history kept)."""

    def __init__(
        self, session: Session, plan: Plan, report: Report, counts: Counts, *, fast: bool
    ) -> None:
        self.session = session
        self.plan = plan
        self.report = report
        self.counts = counts
        self.fast = fast
        self.table: Table = plan.data.table
        self.load_id = plan.load.id
        self.key_columns = plan.key_columns
        self.sqlite = session.get_bind().dialect.name == "sqlite"
        self._quarantine: list[pl.DataFrame] = []
        self._key_hashes: list[pl.DataFrame] = []  # fast path: (hash, row) for the final check
        self._seen: set[int] = set()  # merge path: hashes of keys already in the file
        self._copy: Any = None  # fast path on PostgreSQL: the open COPY
        self._copy_cursor: Any = None
        self._max_row = 0  # fast path: the largest ``_rid`` written
        self._copy_context: Any = None
        self._staged_all = False
        if fast:
            self._drop_indexes()
        if plan.load.mode is LoadMode.full and not fast:
            self._create_seen_table()

    @classmethod
    def for_plan(cls, session: Session, plan: Plan, report: Report, counts: Counts) -> Writer:
        empty = session.scalar(select(plan.data.table.c[ROW_ID]).limit(1)) is None
        fast = empty and plan.load.mode in (LoadMode.insert, LoadMode.full)
        return cls(session, plan, report, counts, fast=fast)

    # -- quarantine and duplicates

    def quarantine(self, rows: pl.DataFrame) -> None:
        self._quarantine.append(rows)

    def quarantined(self) -> list[pl.DataFrame]:
        return self._quarantine

    def _key_hash(self, frame: pl.DataFrame) -> pl.Series:
        if len(self.key_columns) == 1:
            return frame.get_column(self.key_columns[0]).hash(seed=7)
        return frame.select(pl.struct(self.key_columns).hash(seed=7).alias("h")).to_series()

    def drop_duplicate_keys(self, valid: pl.DataFrame) -> pl.DataFrame:
        if valid.height == 0:
            return valid
        if self.fast:
            # Every row is written with ``_rid`` = its file row; duplicates, inside a
            # batch or across batches, are found once at the end on the keys' hashes
            # and the later occurrences taken out again (``finish``).
            rows = valid.get_column(ROW)
            self._key_hashes.append(pl.DataFrame({"h": self._key_hash(valid), "row": rows}))
            self._max_row = max(self._max_row, int(rows.max()))  # type: ignore[arg-type]
            return valid
        first = valid.select(pl.struct(self.key_columns).is_first_distinct()).to_series()
        inner = valid.filter(~first)
        valid = valid.filter(first)
        hashes = self._key_hash(valid).to_list()
        seen_mask = [h in self._seen for h in hashes]
        self._seen.update(hashes)
        if any(seen_mask):
            mask = pl.Series(seen_mask)
            inner = pl.concat([inner, valid.filter(mask)])
            valid = valid.filter(~mask)
        if inner.height:
            self._duplicates(inner)
        return valid

    def _duplicates(self, rows: pl.DataFrame) -> None:
        names = {f.column_name: f.name for f in self.plan.data.key_fields}
        first_key = self.key_columns[0]
        self.report.add(
            rows.select(
                pl.col(ROW).cast(pl.Int64).alias("row"),
                pl.lit(names[first_key]).alias("column"),
                pl.concat_str([pl.col(c) for c in self.key_columns], separator=KEY_SEPARATOR).alias(
                    "value"
                ),
                pl.lit("主键重复：文件中已有相同主键的记录（保留首次出现的行）").alias("reason"),
            )
        )
        if self.plan.load.on_error is OnError.quarantine:
            self._quarantine.append(self._raw(rows))

    def _raw(self, rows: pl.DataFrame) -> pl.DataFrame:
        """Valid-form rows back under their file headers (for quarantine)."""
        renames = {
            f.column_name: f.name for f in self.plan.present if f.column_name in rows.columns
        }
        return (
            rows.select([*renames, ROW])
            .rename(renames)
            .with_columns(pl.all().exclude(ROW).cast(pl.String))
        )

    # -- writing

    def write(self, valid: pl.DataFrame) -> None:
        if valid.height == 0:
            return
        if self.fast:
            self._insert(valid, row_ids=True)
            self.counts.inserted += valid.height
            return
        self._merge(valid)

    def _value_columns(self, frame: pl.DataFrame) -> list[str]:
        return [f.column_name for f in self.plan.present if f.column_name in frame.columns]

    def _insert(self, frame: pl.DataFrame, *, row_ids: bool) -> None:
        columns = self._value_columns(frame)
        select_exprs = [pl.col(c) for c in columns]
        names = list(columns)
        if not (row_ids and not self.sqlite):  # PostgreSQL's fast path: the column default
            select_exprs.append(pl.lit(self.load_id).alias(LOAD_ID))
            names.append(LOAD_ID)
        if row_ids:
            select_exprs.insert(0, pl.col(ROW).alias(ROW_ID))
            names.insert(0, ROW_ID)
        out = frame.select(select_exprs)
        connection = self.session.connection()
        driver = connection.connection.driver_connection
        preparer = connection.dialect.identifier_preparer
        table = preparer.quote(self.table.name)
        quoted = ", ".join(preparer.quote(n) for n in names)
        if self.sqlite:
            marks = ", ".join("?" for _ in names)
            cursor = driver.cursor()  # type: ignore[union-attr]
            cursor.executemany(f"INSERT INTO {table} ({quoted}) VALUES ({marks})", out.rows())
            cursor.close()
        else:
            buffer = io.BytesIO()
            out.write_csv(buffer, include_header=False, null_value="")
            statement = f"COPY {table} ({quoted}) FROM STDIN (FORMAT csv)"
            if row_ids:  # fast path: one COPY for the whole file, sent by a writer thread
                statement = f"COPY {table} ({quoted}) FROM STDIN (FORMAT csv, FREEZE)"
                if self._copy is None:
                    self._copy_cursor = driver.cursor()  # type: ignore[union-attr]
                    self._copy_context = self._copy_cursor.copy(
                        statement, writer=QueuedLibpqWriter(self._copy_cursor)
                    )
                    self._copy = self._copy_context.__enter__()
                self._copy.write(buffer.getvalue())
                return
            with driver.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
                copy.write(buffer.getvalue())

    def close(self, error: BaseException | None = None) -> None:
        """End the fast path's COPY (``error`` aborts it); the transaction decides the rest."""
        if self._copy is not None:
            context, self._copy = self._copy_context, None
            if error is None:
                context.__exit__(None, None, None)
            else:
                context.__exit__(type(error), error, error.__traceback__)
            self._copy_cursor.close()

    def __enter__(self) -> Writer:
        return self

    def __exit__(self, kind: object, error: BaseException | None, _tb: object) -> None:
        with contextlib.suppress(Exception):  # the original error is what matters
            self.close(error)

    # -- merge path

    def _typed(self, frame: pl.DataFrame, columns: Sequence[str]) -> pl.DataFrame:
        """File strings cast to the column types, for comparing with stored values."""
        by_column = {f.column_name: f for f in self.plan.data.fields}
        exprs = []
        for c in columns:
            f = by_column[c]
            exprs.append(_cast(pl.col(c), f.type).alias(c))
        return frame.with_columns(exprs)

    def _existing(self, keys: pl.DataFrame) -> pl.DataFrame:
        """Stored rows (all columns, provenance too) whose keys are in ``keys``."""
        table = self.table
        key_cols = [table.c[c] for c in self.key_columns]
        rows: list[tuple[Any, ...]] = []
        values = keys.select(self.key_columns).rows()
        for start in range(0, len(values), 500):
            chunk = values[start : start + 500]
            if len(key_cols) == 1:
                condition = key_cols[0].in_([v[0] for v in chunk])
            else:
                condition = tuple_(*key_cols).in_(chunk)
            rows.extend(
                tuple(r) for r in self.session.execute(select(*table.c).where(condition)).all()
            )
        schema = {c.name: _polars_type(self.plan.data, c.name) for c in table.c}
        return pl.DataFrame(rows, schema=schema, orient="row")

    def _merge(self, valid: pl.DataFrame) -> None:
        plan = self.plan
        mode = plan.load.mode
        keys = self.key_columns
        typed_keys = self._typed(valid, keys)
        existing = self._existing(typed_keys)
        if mode is LoadMode.full:
            self._stage_seen(typed_keys.select(keys))
        joined = typed_keys.select([*keys, ROW]).join(
            existing.select([*keys, ROW_ID]), on=keys, how="left", maintain_order="left"
        )
        valid = valid.with_columns(joined.get_column(ROW_ID))
        is_new = valid.get_column(ROW_ID).is_null()
        new_rows = valid.filter(is_new).drop(ROW_ID)
        old_rows = valid.filter(~is_new)
        if mode is LoadMode.delete:
            self._not_found(new_rows)
            self._delete(old_rows, existing)
            return
        if mode is LoadMode.insert:
            self._already_exists(old_rows)
        else:
            self._update(old_rows, existing)
        self._create(new_rows)

    def _create(self, rows: pl.DataFrame) -> None:
        if rows.height == 0:
            return
        plan = self.plan
        if not plan.owns_key:
            self._row_errors(rows, "本部门不是主键字段的数据源部门，不能新增记录（一数一源）")
            return
        if plan.missing_required:
            names = "、".join(f.name for f in plan.missing_required)
            self._row_errors(rows, f"新增记录缺少必填项：{names}")
            return
        self._insert(rows, row_ids=False)
        self.counts.inserted += rows.height

    def _row_errors(self, rows: pl.DataFrame, reason: str) -> None:
        first = self.plan.data.key_fields[0]
        self.report.add(
            rows.select(
                pl.col(ROW).cast(pl.Int64).alias("row"),
                pl.lit(first.name).alias("column"),
                pl.concat_str(
                    [pl.col(c).cast(pl.String) for c in self.key_columns], separator=KEY_SEPARATOR
                ).alias("value"),
                pl.lit(reason).alias("reason"),
            )
        )
        if self.plan.load.on_error is OnError.quarantine:
            self._quarantine.append(self._raw(rows))

    def _not_found(self, rows: pl.DataFrame) -> None:
        if rows.height:
            self._row_errors(rows, "要删除的记录不存在")

    def _already_exists(self, rows: pl.DataFrame) -> None:
        if rows.height:
            self._row_errors(rows, "记录已存在（“新增”模式只接受新主键，更新请用“新增或更新”）")

    def _record_keys(self, frame: pl.DataFrame) -> list[str]:
        return (
            frame.select(
                pl.concat_str(
                    [pl.col(c).cast(pl.String) for c in self.key_columns], separator=KEY_SEPARATOR
                )
            )
            .to_series()
            .to_list()
        )

    def _before(self, row: dict[str, Any]) -> dict[str, Any]:
        return {k: _jsonable(v) for k, v in row.items() if k != ROW_ID and v is not None}

    def _update(self, file_rows: pl.DataFrame, existing: pl.DataFrame) -> None:
        if file_rows.height == 0:
            return
        value_columns = [f.column_name for f in self.plan.value_fields]
        typed = self._typed(file_rows, value_columns)
        both = typed.join(existing, on=ROW_ID, how="left", suffix="__old", maintain_order="left")
        change_flags = [
            pl.col(c).ne_missing(pl.col(f"{c}__old")).alias(f"{c}__changed") for c in value_columns
        ]
        both = both.with_columns(change_flags)
        any_change = (
            pl.any_horizontal([f"{c}__changed" for c in value_columns])
            if value_columns
            else pl.lit(False)
        )
        changed = both.filter(any_change)
        self.counts.unchanged += both.height - changed.height
        if changed.height == 0:
            return
        history: list[dict[str, Any]] = []
        params: list[dict[str, Any]] = []
        existing_by_rid = existing.filter(
            pl.col(ROW_ID).is_in(changed.get_column(ROW_ID).implode())
        )
        before_rows = {r[ROW_ID]: r for r in existing_by_rid.iter_rows(named=True)}
        record_keys = self._record_keys(changed)
        for key, row in zip(record_keys, changed.iter_rows(named=True), strict=True):
            rid = row[ROW_ID]
            changed_columns = [c for c in value_columns if row[f"{c}__changed"]]
            history.append(
                {
                    "table_id": self.plan.base.id,
                    "record_key": key[:255],
                    "load_id": self.load_id,
                    "operation": "update",
                    "before": self._before(before_rows[rid]),
                    "changed": changed_columns,
                }
            )
            param: dict[str, Any] = {f"k_{i}": row[k] for i, k in enumerate(self.key_columns)}
            for c in value_columns:
                param[f"v_{c}"] = _bindable(row[c])
                param[f"p_{c}"] = (
                    self.load_id if row[f"{c}__changed"] else row[f"{provenance_column(c)}"]
                )
            params.append(param)
        self.session.execute(insert(HistoryEntry), history)
        table = self.table
        statement = (
            update(table)
            .where(*[table.c[k] == bindparam(f"k_{i}") for i, k in enumerate(self.key_columns)])
            .values(
                {
                    **{table.c[c]: bindparam(f"v_{c}") for c in value_columns},
                    **{table.c[provenance_column(c)]: bindparam(f"p_{c}") for c in value_columns},
                }
            )
        )
        self.session.connection().execute(statement, params)
        self.counts.updated += changed.height

    def _delete(self, matched: pl.DataFrame, existing: pl.DataFrame) -> None:
        if matched.height == 0:
            return
        rows = existing.filter(pl.col(ROW_ID).is_in(matched.get_column(ROW_ID).implode()))
        self._history_of_deleted(rows)
        self._delete_by_key(rows)
        self.counts.deleted += rows.height

    def _history_of_deleted(self, rows: pl.DataFrame) -> None:
        keys = self._record_keys(rows)
        history = [
            {
                "table_id": self.plan.base.id,
                "record_key": key[:255],
                "load_id": self.load_id,
                "operation": "delete",
                "before": self._before(row),
                "changed": [],
            }
            for key, row in zip(keys, rows.iter_rows(named=True), strict=True)
        ]
        if history:
            self.session.execute(insert(HistoryEntry), history)

    def _delete_by_key(self, rows: pl.DataFrame) -> None:
        """By the key's unique index (``_rid`` carries no index on PostgreSQL)."""
        columns = [self.table.c[k] for k in self.key_columns]
        values = rows.select(self.key_columns).rows()
        for start in range(0, len(values), 500):
            chunk = values[start : start + 500]
            condition = (
                columns[0].in_([v[0] for v in chunk])
                if len(columns) == 1
                else tuple_(*columns).in_(chunk)
            )
            self.session.execute(delete(self.table).where(condition))

    # -- replace: the records the file no longer lists

    _SEEN = "bd_load_seen_keys"

    def _create_seen_table(self) -> None:
        connection = self.session.connection()
        preparer = connection.dialect.identifier_preparer
        cols = ", ".join(
            f"{preparer.quote(c)} {self.table.c[c].type.compile(dialect=connection.dialect)}"
            for c in self.key_columns
        )
        keys = ", ".join(preparer.quote(c) for c in self.key_columns)
        suffix = "" if self.sqlite else " ON COMMIT DROP"
        if self.sqlite:  # a temporary table lives as long as the connection
            connection.exec_driver_sql(f"DROP TABLE IF EXISTS {self._SEEN}")
        connection.exec_driver_sql(
            f"CREATE TEMPORARY TABLE {self._SEEN} ({cols}, PRIMARY KEY ({keys})){suffix}"
        )

    def _stage_seen(self, keys: pl.DataFrame) -> None:
        connection = self.session.connection()
        preparer = connection.dialect.identifier_preparer
        quoted = ", ".join(preparer.quote(c) for c in self.key_columns)
        marks = ", ".join(f":k{i}" for i in range(len(self.key_columns)))
        rows = [{f"k{i}": _bindable(v) for i, v in enumerate(r)} for r in keys.iter_rows()]
        connection.execute(text(f"INSERT INTO {self._SEEN} ({quoted}) VALUES ({marks})"), rows)

    def _delete_unseen(self) -> None:
        """Full mode: delete (with history) the records whose key the file did not list:
        their history is written while they are read in one pass, then one DELETE."""
        seen = sql_table(self._SEEN, *[sql_column(c) for c in self.key_columns])
        condition = ~exists().where(*[seen.c[c] == self.table.c[c] for c in self.key_columns])
        schema = {c.name: _polars_type(self.plan.data, c.name) for c in self.table.c}
        result = self.session.execute(
            select(*self.table.c).where(condition), execution_options={"yield_per": 10_000}
        )
        for chunk in result.partitions():
            rows = pl.DataFrame([tuple(r) for r in chunk], schema=schema, orient="row")
            self._history_of_deleted(rows)
            self.counts.deleted += rows.height
        self.session.execute(delete(self.table).where(condition))

    # -- indexes

    def _drop_indexes(self) -> None:
        """Fast path: no index is maintained row by row; they are built once at the end."""
        connection = self.session.connection()
        for index in self.table.indexes:
            connection.exec_driver_sql(f"DROP INDEX IF EXISTS {index.name}")
        if not self.sqlite:
            # Emptied in this transaction, the table can take COPY ... FREEZE: rows are
            # written frozen, sparing the later rewrite of every page by VACUUM. (It was
            # empty already; a rollback brings back the same empty table.)
            connection.exec_driver_sql(f"TRUNCATE {self.table.name}")
            # The load id is the same on every row: the server fills it in, the file's
            # rows need not carry it (the default goes again in ``_build_indexes``).
            default = int(self.load_id)
            connection.exec_driver_sql(
                f"ALTER TABLE {self.table.name} ALTER COLUMN {LOAD_ID} SET DEFAULT {default}"
            )

    def _build_indexes(self) -> None:
        connection = self.session.connection()
        if not self.sqlite:
            connection.exec_driver_sql(
                f"ALTER TABLE {self.table.name} ALTER COLUMN {LOAD_ID} DROP DEFAULT"
            )
            # ``_rid`` took the file's row numbers: later inserts continue after them.
            connection.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{self.table.name}', '{ROW_ID}'), "
                f"{int(self._max_row) + 1}, false)"
            )
            connection.exec_driver_sql("SET LOCAL maintenance_work_mem = '256MB'")
        for index in self.table.indexes:
            index.create(connection)

    def finish(self) -> None:
        self.close()
        rejected = self.report.count and self.plan.load.on_error is OnError.reject
        if self.fast:
            self._check_duplicates_across_batches()
            if not (self.report.count and self.plan.load.on_error is OnError.reject):
                self._build_indexes()
        elif self.plan.load.mode is LoadMode.full and not rejected:
            self._delete_unseen()

    def _check_duplicates_across_batches(self) -> None:
        if not self._key_hashes:
            return
        hashes = pl.concat(self._key_hashes)
        self._key_hashes = []
        candidates = hashes.filter(pl.col("h").is_duplicated())
        if candidates.height == 0:
            return
        rows = candidates.get_column("row").to_list()
        table = self.table
        stored: list[Any] = []
        # ``_rid`` has no index on PostgreSQL: few, large probes (each a hashed scan).
        for start in range(0, len(rows), 20_000):
            stored.extend(
                self.session.execute(
                    select(*table.c).where(table.c[ROW_ID].in_(rows[start : start + 20_000]))
                ).all()
            )
        schema = {c.name: _polars_type(self.plan.data, c.name) for c in table.c}
        frame = pl.DataFrame([tuple(r) for r in stored], schema=schema, orient="row").sort(ROW_ID)
        later = frame.filter(~pl.struct(self.key_columns).is_first_distinct())
        if later.height == 0:
            return  # hash collisions of different keys
        rids = later.get_column(ROW_ID).to_list()
        for start in range(0, len(rids), 20_000):
            self.session.execute(
                delete(table).where(table.c[ROW_ID].in_(rids[start : start + 20_000]))
            )
        self.counts.inserted -= len(rids)
        self._duplicates(
            later.with_columns(pl.col(ROW_ID).alias(ROW)).with_columns(
                [pl.col(c).cast(pl.String) for c in self._value_columns(later)]
            )
        )


# ---------------------------------------------------------------- value conversions


def _cast(expr: pl.Expr, type_: FieldType) -> pl.Expr:
    match type_:
        case FieldType.integer:
            return expr.cast(pl.Int64, strict=False)
        case FieldType.decimal:
            return expr.cast(pl.Float64, strict=False)
        case FieldType.date:
            return expr.str.to_date("%Y-%m-%d", strict=False)
        case FieldType.datetime:
            return expr.str.to_datetime("%Y-%m-%d %H:%M:%S", strict=False)
        case FieldType.boolean:
            return expr.replace_strict(
                {"1": True, "0": False}, default=None, return_dtype=pl.Boolean
            )
        case _:
            return expr


def _polars_type(data: DataTable, column: str) -> pl.DataType:
    if column in (ROW_ID, LOAD_ID) or column.endswith("__load"):
        return pl.Int64()
    try:
        kind: type = data.table.c[column].type.python_type
    except NotImplementedError:
        kind = str
    if kind is int:
        return pl.Int64()
    if kind in (float,):
        return pl.Float64()
    if kind is bool:
        return pl.Boolean()
    if kind is date:
        return pl.Date()
    if kind is datetime:
        return pl.Datetime()
    return pl.String()


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _bindable(value: Any) -> Any:
    return value
