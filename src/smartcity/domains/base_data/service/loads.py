"""Bulk loads into base-database tables: validated, atomic, with history and provenance.

A load is one file (CSV in UTF-8 or GB18030, XLSX, Parquet) from one department
into one table, in one of four modes (``LoadMode``). It runs in **one
transaction**: either everything valid is applied or nothing is. With
``OnError.reject`` any invalid value rejects the whole file (the error report is
kept); with ``OnError.quarantine`` the valid rows are applied and the invalid
ones are set aside with the report. Every row is validated by ``rules``
(GB 11643, GB 32100, GB/T 2260, dates, code tables, required fields, lengths).

One number, one source (一数一源, 2016 sharing measures, Art. 24 of the
regulation): each field has one source department. A department's file may
carry the key fields (to say which record) and its own fields; a column of
another department's field is refused, and a department that is not the
source of the key cannot create new records.

Updates and deletions keep history (``HistoryEntry``: the record before, the
columns changed, the load — hence who and when). Every stored value carries its
provenance: ``_load_id`` for the record and ``<column>__load`` for a value a
later load changed.

A load into an empty table in ``insert`` or ``replace`` mode takes the fast
path: the key index is dropped, rows go in by ``executemany`` (SQLite) or
``COPY`` (PostgreSQL) with ``_rid`` = the file row, duplicates are found once
at the end, and the indexes are rebuilt before commit.
"""

from __future__ import annotations

import io
import os
import socket
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import polars as pl
from sqlalchemy import Table, bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session

from smartcity.core import bulkread
from smartcity.core.errors import AppError, PermissionDeniedError
from smartcity.core.security import Actor, ensure_permission
from smartcity.core.time import utcnow
from smartcity.domains.audit import service as audit
from smartcity.domains.base_data import rules
from smartcity.domains.base_data.errors import (
    LoadFileError,
    LoadInProgressError,
    LoadNotFoundError,
    NoKeyError,
    TableRetiredError,
)
from smartcity.domains.base_data.models import (
    MAX_STORED_ERRORS,
    BaseField,
    BaseTable,
    HistoryEntry,
    Load,
    LoadError,
    LoadMode,
    LoadStatus,
    OnError,
    QuarantinedRow,
    TableStatus,
)
from smartcity.domains.base_data.permissions import BaseDataPermission
from smartcity.domains.base_data.service.tables import (
    LOAD_ID,
    ROW_ID,
    DataTable,
    _load_table,
    data_table,
    key_index_name,
    provenance_column,
)
from smartcity.domains.base_data.spec import FieldSpec, FieldType

BATCH_ROWS = 100_000
ROW = "__row"
HEADER_ROW = 1
KEY_SEPARATOR = "|"


@dataclass
class LoadProgress:
    """Where a running load stands (for a progress bar)."""

    load_id: int
    rows_done: int = 0
    bytes_done: int = 0
    total_bytes: int = 0
    total_rows: int | None = None
    phase: str = "reading"  # reading / indexing / finishing / done


ProgressCallback = Callable[[LoadProgress], None]


class LoadRejectedError(AppError):
    """Raised inside the load transaction when ``OnError.reject`` met invalid rows:
    the caller rolls back and records the report (``record_outcome``)."""

    status = 422
    code = "base-data.load-rejected"
    title = "装载文件存在错误，已整批拒绝，数据未改变"

    def __init__(self, detail: str, *, report: _Report, rows_read: int, **extensions: object):
        super().__init__(detail, **extensions)
        self.report = report
        self.rows_read = rows_read


@dataclass
class _Report:
    """Errors kept for the report (capped) and counted (exact)."""

    frames: list[pl.DataFrame] = field(default_factory=list)
    kept: int = 0
    count: int = 0
    invalid_rows: set[int] = field(default_factory=set)
    quarantined: list[pl.DataFrame] = field(default_factory=list)

    def add(self, errors: pl.DataFrame) -> None:
        if errors.height == 0:
            return
        self.count += errors.height
        self.invalid_rows.update(errors.get_column("row").to_list())
        room = MAX_STORED_ERRORS - self.kept
        if room > 0:
            kept = errors.head(room)
            self.frames.append(kept)
            self.kept += kept.height

    def add_one(self, row: int, column: str, value: str, reason: str) -> None:
        self.add(
            pl.DataFrame(
                {"row": [row], "column": [column], "value": [value], "reason": [reason]},
                schema={"row": pl.Int64, "column": pl.String, "value": pl.String, "reason": pl.String},
            )
        )

    def rows(self) -> Iterator[dict[str, Any]]:
        for frame in self.frames:
            yield from frame.iter_rows(named=True)


@dataclass
class _Counts:
    read: int = 0
    inserted: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0


# ---------------------------------------------------------------- starting a load


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def mark_interrupted(session: Session) -> int:
    """Loads left ``running`` by a process of this host that no longer exists never
    committed their data: mark them ``interrupted``. Returns how many."""
    host = socket.gethostname()
    stale = [
        load
        for load in session.scalars(
            select(Load).where(Load.status == LoadStatus.running, Load.host == host)
        ).all()
        if load.process_id is None or not _alive(load.process_id)
    ]
    for load in stale:
        load.status = LoadStatus.interrupted
        load.finished_at = utcnow()
        load.message = "装载进程已中断，事务未提交，数据表保持装载前的状态。"
    session.flush()
    return len(stale)


def start_load(
    session: Session,
    *,
    actor: Actor,
    table_id: UUID,
    mode: LoadMode,
    on_error: OnError,
    filename: str,
    file_bytes: int = 0,
    organization_id: UUID | None = None,
) -> Load:
    """Register a load (status ``running``) before its data transaction starts.

    The submitting department is the actor's organization; the coordinator may
    load on behalf of another department (``organization_id``).

    Raises:
        PermissionDeniedError; TableNotFoundError; TableRetiredError;
        NoKeyError; LoadInProgressError.
    """
    ensure_permission(actor, BaseDataPermission.load)
    if organization_id is not None and organization_id != actor.organization_id:
        ensure_permission(actor, BaseDataPermission.load_any)
    submitter = organization_id or actor.organization_id
    if submitter is None:
        raise PermissionDeniedError("装载数据须以某一部门的名义进行，请指定提交部门")
    base = _load_table(session, table_id)
    if base.status is TableStatus.retired:
        raise TableRetiredError(table=base.table_name)
    if not any(f.is_key and not f.retired for f in base.fields):
        raise NoKeyError(table=base.table_name)
    mark_interrupted(session)
    running = session.scalars(
        select(Load.id).where(Load.table_id == table_id, Load.status == LoadStatus.running)
    ).first()
    if running is not None:
        raise LoadInProgressError(table=base.table_name, load_id=running)
    load = Load(
        table_id=base.id,
        organization_id=submitter,
        actor_id=actor.id,
        actor_name=actor.name,
        mode=mode,
        on_error=on_error,
        filename=Path(filename).name[:255],
        file_bytes=file_bytes,
        status=LoadStatus.running,
        started_at=utcnow(),
        process_id=os.getpid(),
        host=socket.gethostname(),
    )
    session.add(load)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="base_data.load.start",
        subject=load,
        subject_type="base_data_load",
        subject_id=str(load.id),
        organization_id=submitter,
        changes={"table": base.table_name, "mode": mode.value, "on_error": on_error.value},
    )
    return load


def get_load(session: Session, *, actor: Actor, load_id: int) -> Load:
    ensure_permission(actor, BaseDataPermission.read)
    load = session.get(Load, load_id)
    if load is None:
        raise LoadNotFoundError(load_id=load_id)
    return load


# ---------------------------------------------------------------- the plan of a file


@dataclass
class _Plan:
    base: BaseTable
    data: DataTable
    load: Load
    present: list[BaseField]  # fields of the file that are loaded (keys included)
    refused: list[BaseField]  # fields of another source department
    missing_required: list[BaseField]  # required fields the file lacks (new records fail)
    owns_key: bool  # the submitter is the source of every key field
    header_names: list[str]

    @property
    def specs(self) -> list[FieldSpec]:
        return [to_spec(f) for f in self.present]

    @property
    def key_columns(self) -> list[str]:
        return [f.column_name for f in self.data.key_fields]

    @property
    def value_fields(self) -> list[BaseField]:
        return [f for f in self.present if not f.is_key]


def to_spec(f: BaseField) -> FieldSpec:
    return FieldSpec(
        name=f.name,
        column=f.column_name,
        type=f.type,
        rule=f.rule,
        required=f.required,
        key=f.is_key,
        max_length=f.max_length,
        enumeration=dict(f.enumeration or {}),
    )


def _plan(load: Load, base: BaseTable, header: Sequence[str], report: _Report) -> _Plan:
    data = data_table(base)
    by_name = {f.name: f for f in data.fields}
    retired = {f.name for f in base.fields if f.retired}
    unknown = [h for h in header if h not in by_name]
    if unknown:
        hint = "（已从目录中删除的字段）" if set(unknown) <= retired else ""
        raise LoadFileError(
            f"文件中有本表没有的列{hint}：{'、'.join(unknown)}。"
            f"本表的列为：{'、'.join(f.name for f in data.fields)}",
            unknown_columns=unknown,
        )
    missing_keys = [f.name for f in data.key_fields if f.name not in header]
    if missing_keys:
        raise LoadFileError(
            f"文件缺少主键列：{'、'.join(missing_keys)}", missing_columns=missing_keys
        )
    present = [f for f in data.fields if f.name in header]
    missing_required = [f for f in data.fields if f.required and f.name not in header]
    if load.mode in (LoadMode.insert, LoadMode.replace) and missing_required:
        names = [f.name for f in missing_required]
        raise LoadFileError(f"文件缺少必填列：{'、'.join(names)}", missing_columns=names)
    refused: list[BaseField] = []
    if load.mode is not LoadMode.delete:
        for f in present:
            if not f.is_key and f.source_organization_id != load.organization_id:
                refused.append(f)
                source = f.source.name if f.source is not None else "其他部门"
                report.add_one(
                    HEADER_ROW,
                    f.name,
                    f.name,
                    f"本部门不是该字段的数据源部门（一数一源：数据源部门为{source}），该列数据不予接收",
                )
    else:
        present = [f for f in present if f.is_key]
    loaded = [f for f in present if f not in refused]
    owns_key = all(f.source_organization_id == load.organization_id for f in data.key_fields)
    return _Plan(
        base=base,
        data=data,
        load=load,
        present=loaded,
        refused=refused,
        missing_required=missing_required,
        owns_key=owns_key,
        header_names=list(header),
    )


# ---------------------------------------------------------------- applying a load


def apply_load(
    session: Session,
    *,
    actor: Actor,
    load_id: int,
    path: Path,
    progress: ProgressCallback | None = None,
    batch_rows: int = BATCH_ROWS,
) -> Load:
    """Validate and apply the file of a started load, in the caller's transaction.

    On success the load is ``succeeded`` (its counts set, the table's row count
    updated, an audit event written). Raises ``LoadRejectedError`` when
    ``OnError.reject`` met invalid values: the caller must roll back and call
    ``record_outcome`` with the report carried by the error. Other errors
    (unreadable file, wrong columns) propagate the same way.
    """
    load = session.get(Load, load_id, with_for_update=True)
    if load is None:
        raise LoadNotFoundError(load_id=load_id)
    base = _load_table(session, load.table_id, for_update=True)
    report = _Report()
    counts = _Counts()
    state = LoadProgress(load_id=load.id)
    with bulkread.open_bulk(path, filename=load.filename, batch_rows=batch_rows) as bulk:
        load.file_format = bulk.format
        load.encoding = bulk.encoding or ""
        load.file_bytes = bulk.total_bytes
        state.total_bytes = bulk.total_bytes
        state.total_rows = bulk.total_rows
        plan = _plan(load, base, bulk.header, report)
        writer = _Writer.for_plan(session, plan, report, counts)
        for batch in bulk.batches():
            counts.read += batch.height
            _apply_batch(writer, plan, batch, report)
            state.rows_done = counts.read
            state.bytes_done = bulk.bytes_done
            if progress is not None:
                progress(state)
        state.phase = "indexing"
        if progress is not None:
            progress(state)
        writer.finish()
    if report.count and load.on_error is OnError.reject:
        raise LoadRejectedError(
            f"发现 {report.count} 处错误（涉及 {len(report.invalid_rows)} 行），整批未入库",
            report=report,
            rows_read=counts.read,
            load_id=load.id,
            error_count=report.count,
        )
    state.phase = "finishing"
    if progress is not None:
        progress(state)
    _store_report(session, load, report, writer.quarantined())
    load.status = LoadStatus.succeeded
    load.finished_at = utcnow()
    load.rows_read = counts.read
    load.rows_inserted = counts.inserted
    load.rows_updated = counts.updated
    load.rows_deleted = counts.deleted
    load.rows_unchanged = counts.unchanged
    load.rows_invalid = len(report.invalid_rows - {HEADER_ROW})
    load.error_count = report.count
    load.refused_fields = [f.name for f in plan.refused]
    load.message = _summary(load)
    base.row_count = session.scalar(select(func.count()).select_from(plan.data.table)) or 0
    base.last_loaded_at = load.finished_at
    audit.record(
        session,
        actor=actor,
        action="base_data.load.succeeded",
        subject=load,
        subject_type="base_data_load",
        subject_id=str(load.id),
        organization_id=load.organization_id,
        changes={
            "table": base.table_name,
            "rows_read": counts.read,
            "inserted": counts.inserted,
            "updated": counts.updated,
            "deleted": counts.deleted,
            "invalid": load.rows_invalid,
            "refused_fields": load.refused_fields,
        },
    )
    session.flush()
    state.phase = "done"
    if progress is not None:
        progress(state)
    return load


def _summary(load: Load) -> str:
    parts = [f"读取 {load.rows_read} 行"]
    for label, value in (
        ("新增", load.rows_inserted),
        ("更新", load.rows_updated),
        ("删除", load.rows_deleted),
        ("未变化", load.rows_unchanged),
        ("隔离", load.rows_invalid),
    ):
        if value:
            parts.append(f"{label} {value} 行")
    if load.refused_fields:
        parts.append(f"拒收非本部门数据源字段：{'、'.join(load.refused_fields)}")
    return "，".join(parts)


def record_outcome(
    session: Session,
    *,
    actor: Actor,
    load_id: int,
    status: LoadStatus,
    message: str,
    report: _Report | None = None,
    rows_read: int = 0,
) -> Load:
    """After a rolled-back load: mark it ``rejected`` or ``failed`` with its report."""
    load = session.get(Load, load_id)
    if load is None:
        raise LoadNotFoundError(load_id=load_id)
    load.status = status
    load.finished_at = utcnow()
    load.message = message[:4000]
    if report is not None:
        load.error_count = report.count
        load.rows_invalid = len(report.invalid_rows - {HEADER_ROW})
        _store_report(session, load, report, [])
    load.rows_read = rows_read
    audit.record(
        session,
        actor=actor,
        action=f"base_data.load.{status.value}",
        subject=load,
        subject_type="base_data_load",
        subject_id=str(load.id),
        organization_id=load.organization_id,
        changes={"message": load.message, "errors": load.error_count},
    )
    session.flush()
    return load


def _store_report(
    session: Session, load: Load, report: _Report, quarantined: list[pl.DataFrame]
) -> None:
    rows = [
        {
            "load_id": load.id,
            "row": int(r["row"]),
            "column": str(r["column"])[:100],
            "value": "" if r["value"] is None else str(r["value"])[:2000],
            "reason": str(r["reason"]),
        }
        for r in report.rows()
    ]
    for start in range(0, len(rows), 5_000):
        session.execute(insert(LoadError), rows[start : start + 5_000])
    for frame in quarantined:
        values = [
            {
                "load_id": load.id,
                "row": int(r.pop(ROW)),
                "values": {k: v for k, v in r.items() if v is not None},
            }
            for r in frame.iter_rows(named=True)
        ]
        for start in range(0, len(values), 5_000):
            session.execute(insert(QuarantinedRow), values[start : start + 5_000])


# ---------------------------------------------------------------- per batch


def _apply_batch(writer: _Writer, plan: _Plan, batch: pl.DataFrame, report: _Report) -> None:
    columns = [f.name for f in plan.present]
    frame = batch.select([*columns, ROW])
    result = rules.validate_batch(frame, plan.specs)
    report.add(result.errors)
    if plan.load.on_error is OnError.quarantine and result.invalid_rows.height:
        writer.quarantine(result.invalid_rows)
    valid = result.valid
    # Duplicated keys inside the file: the first occurrence wins, the others are errors.
    valid = writer.drop_duplicate_keys(valid)
    if report.count and plan.load.on_error is OnError.reject:
        return  # keep validating for the report, write nothing more
    writer.write(valid)


class _Writer:
    """Applies valid rows to the table: the fast path into an empty table, or the
    merge path (existing records compared, history kept)."""

    def __init__(
        self, session: Session, plan: _Plan, report: _Report, counts: _Counts, *, fast: bool
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
        self._staged_all = False
        if fast:
            self._drop_indexes()
        if plan.load.mode is LoadMode.replace and not fast:
            self._create_seen_table()

    @classmethod
    def for_plan(
        cls, session: Session, plan: _Plan, report: _Report, counts: _Counts
    ) -> _Writer:
        empty = session.scalar(select(plan.data.table.c[ROW_ID]).limit(1)) is None
        fast = empty and plan.load.mode in (LoadMode.insert, LoadMode.replace)
        return cls(session, plan, report, counts, fast=fast)

    # -- quarantine and duplicates

    def quarantine(self, rows: pl.DataFrame) -> None:
        self._quarantine.append(rows)

    def quarantined(self) -> list[pl.DataFrame]:
        return self._quarantine

    def _key_hash(self, frame: pl.DataFrame) -> pl.Series:
        return frame.select(pl.struct(self.key_columns).hash(seed=7).alias("h")).to_series()

    def drop_duplicate_keys(self, valid: pl.DataFrame) -> pl.DataFrame:
        if valid.height == 0:
            return valid
        first = valid.select(pl.struct(self.key_columns).is_first_distinct()).to_series()
        inner = valid.filter(~first)
        valid = valid.filter(first)
        if self.fast:
            # Across batches the check runs once at the end (finish), on hashes.
            self._key_hashes.append(
                pl.DataFrame({"h": self._key_hash(valid), "row": valid.get_column(ROW)})
            )
        else:
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
                pl.concat_str([pl.col(c) for c in self.key_columns], separator=KEY_SEPARATOR)
                .alias("value"),
                pl.lit("主键重复：文件中已有相同主键的记录（保留首次出现的行）").alias("reason"),
            )
        )
        if self.plan.load.on_error is OnError.quarantine:
            self._quarantine.append(self._raw(rows))

    def _raw(self, rows: pl.DataFrame) -> pl.DataFrame:
        """Valid-form rows back under their file headers (for quarantine)."""
        renames = {f.column_name: f.name for f in self.plan.present if f.column_name in rows.columns}
        return rows.select([*renames, ROW]).rename(renames).with_columns(
            pl.all().exclude(ROW).cast(pl.String)
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
        select_exprs = [pl.col(c) for c in columns] + [pl.lit(self.load_id).alias(LOAD_ID)]
        names = [*columns, LOAD_ID]
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
            cursor.executemany(f"INSERT INTO {table} ({quoted}) VALUES ({marks})", out.iter_rows())
            cursor.close()
        else:
            buffer = io.BytesIO()
            out.write_csv(buffer, include_header=False, null_value="")
            with driver.cursor() as cursor:  # type: ignore[union-attr]
                with cursor.copy(f"COPY {table} ({quoted}) FROM STDIN (FORMAT csv)") as copy:
                    copy.write(buffer.getvalue())

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
                from sqlalchemy import tuple_  # noqa: PLC0415

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
        if mode is LoadMode.replace:
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
                pl.concat_str([pl.col(c).cast(pl.String) for c in self.key_columns], separator=KEY_SEPARATOR).alias("value"),
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
                pl.concat_str([pl.col(c).cast(pl.String) for c in self.key_columns], separator=KEY_SEPARATOR)
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
        any_change = pl.any_horizontal([f"{c}__changed" for c in value_columns]) if value_columns else pl.lit(False)
        changed = both.filter(any_change)
        self.counts.unchanged += both.height - changed.height
        if changed.height == 0:
            return
        history: list[dict[str, Any]] = []
        params: list[dict[str, Any]] = []
        existing_by_rid = existing.filter(pl.col(ROW_ID).is_in(changed.get_column(ROW_ID).implode()))
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
            param: dict[str, Any] = {"b_rid": rid}
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
            .where(table.c[ROW_ID] == bindparam("b_rid"))
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
        rids = matched.get_column(ROW_ID).to_list()
        rows = existing.filter(pl.col(ROW_ID).is_in(rids))
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
        self.session.execute(insert(HistoryEntry), history)
        for start in range(0, len(rids), 500):
            self.session.execute(
                delete(self.table).where(self.table.c[ROW_ID].in_(rids[start : start + 500]))
            )
        self.counts.deleted += len(rids)

    # -- replace: the records the file no longer lists

    _SEEN = "bd_load_seen_keys"

    def _create_seen_table(self) -> None:
        connection = self.session.connection()
        preparer = connection.dialect.identifier_preparer
        cols = ", ".join(
            f"{preparer.quote(c)} {self.table.c[c].type.compile(dialect=connection.dialect)}"
            for c in self.key_columns
        )
        suffix = "" if self.sqlite else " ON COMMIT DROP"
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {self._SEEN}") if self.sqlite else None
        connection.exec_driver_sql(f"CREATE TEMPORARY TABLE {self._SEEN} ({cols}){suffix}")

    def _stage_seen(self, keys: pl.DataFrame) -> None:
        connection = self.session.connection()
        preparer = connection.dialect.identifier_preparer
        quoted = ", ".join(preparer.quote(c) for c in self.key_columns)
        marks = ", ".join(f":k{i}" for i in range(len(self.key_columns)))
        from sqlalchemy import text  # noqa: PLC0415

        rows = [
            {f"k{i}": _bindable(v) for i, v in enumerate(r)} for r in keys.iter_rows()
        ]
        connection.execute(text(f"INSERT INTO {self._SEEN} ({quoted}) VALUES ({marks})"), rows)

    def _delete_unseen(self) -> None:
        from sqlalchemy import exists, table as sql_table, column as sql_column  # noqa: PLC0415

        seen = sql_table(self._SEEN, *[sql_column(c) for c in self.key_columns])
        condition = ~exists().where(
            *[seen.c[c] == self.table.c[c] for c in self.key_columns]
        )
        while True:
            result = self.session.execute(
                select(*self.table.c).where(condition).limit(10_000)
            ).all()
            if not result:
                break
            schema = {c.name: _polars_type(self.plan.data, c.name) for c in self.table.c}
            rows = pl.DataFrame([tuple(r) for r in result], schema=schema, orient="row")
            self._delete(rows.select([ROW_ID]), rows)

    # -- indexes

    def _drop_indexes(self) -> None:
        for index in self.table.indexes:
            self.session.connection().exec_driver_sql(f"DROP INDEX IF EXISTS {index.name}")

    def finish(self) -> None:
        if self.fast:
            self._check_duplicates_across_batches()
            if not (self.report.count and self.plan.load.on_error is OnError.reject):
                for index in self.table.indexes:
                    index.create(self.session.connection())
        elif self.plan.load.mode is LoadMode.replace:
            if not (self.report.count and self.plan.load.on_error is OnError.reject):
                self._delete_unseen()

    def _check_duplicates_across_batches(self) -> None:
        if len(self._key_hashes) < 2:
            return
        hashes = pl.concat(self._key_hashes)
        self._key_hashes = []
        candidates = hashes.filter(pl.col("h").is_duplicated())
        if candidates.height == 0:
            return
        rows = candidates.get_column("row").to_list()
        table = self.table
        stored = []
        for start in range(0, len(rows), 500):
            stored.extend(
                self.session.execute(
                    select(*table.c).where(table.c[ROW_ID].in_(rows[start : start + 500]))
                ).all()
            )
        schema = {c.name: _polars_type(self.plan.data, c.name) for c in table.c}
        frame = pl.DataFrame([tuple(r) for r in stored], schema=schema, orient="row").sort(ROW_ID)
        later = frame.filter(~pl.struct(self.key_columns).is_first_distinct())
        if later.height == 0:
            return  # hash collisions of different keys
        rids = later.get_column(ROW_ID).to_list()
        for start in range(0, len(rids), 500):
            self.session.execute(delete(table).where(table.c[ROW_ID].in_(rids[start : start + 500])))
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
            return expr.replace_strict({"1": True, "0": False}, default=None, return_dtype=pl.Boolean)
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
