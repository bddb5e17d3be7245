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

import os
import socket
from pathlib import Path
from uuid import UUID

import polars as pl
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from smartcity.core import bulkread, events
from smartcity.core.errors import AppError, PermissionDeniedError
from smartcity.core.security import Actor, ensure_permission
from smartcity.core.time import utcnow
from smartcity.domains.audit import service as audit
from smartcity.domains.base_data.errors import (
    LoadInProgressError,
    LoadNotFoundError,
    NoKeyError,
    TableRetiredError,
)
from smartcity.domains.base_data.events import LoadCompleted
from smartcity.domains.base_data.models import (
    Load,
    LoadError,
    LoadMode,
    LoadStatus,
    OnError,
    QuarantinedRow,
    TableStatus,
)
from smartcity.domains.base_data.permissions import BaseDataPermission
from smartcity.domains.base_data.service.load_plan import (
    BATCH_ROWS,
    HEADER_ROW,
    ROW,
    Counts,
    LoadProgress,
    ProgressCallback,
    Report,
    plan_file,
)
from smartcity.domains.base_data.service.load_writer import Writer, apply_batch, checked_batches
from smartcity.domains.base_data.service.tables import (
    _load_table,
)


class LoadRejectedError(AppError):
    """Raised inside the load transaction when ``OnError.reject`` met invalid rows:
    the caller rolls back and records the report (``record_outcome``)."""

    status = 422
    code = "base_data.load-rejected"
    title = "装载文件存在错误，已整批拒绝，数据未改变"

    def __init__(self, detail: str, *, report: Report, rows_read: int, **extensions: object):
        super().__init__(detail, **extensions)
        self.report = report
        self.rows_read = rows_read


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


def list_loads(session: Session, *, actor: Actor, table_id: UUID, limit: int = 20) -> list[Load]:
    """A table's most recent loads, newest first (for its page)."""
    ensure_permission(actor, BaseDataPermission.read)
    return list(
        session.scalars(
            select(Load).where(Load.table_id == table_id).order_by(Load.id.desc()).limit(limit)
        ).all()
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
    updated, an audit event written) and ``LoadCompleted`` is published for after
    the commit. Raises ``LoadRejectedError`` when
    ``OnError.reject`` met invalid values: the caller must roll back and call
    ``record_outcome`` with the report carried by the error. Other errors
    (unreadable file, wrong columns) propagate the same way.
    """
    load = session.get(Load, load_id, with_for_update=True)
    if load is None:
        raise LoadNotFoundError(load_id=load_id)
    base = _load_table(session, load.table_id, for_update=True)
    report = Report()
    counts = Counts()
    state = LoadProgress(load_id=load.id)
    with bulkread.open_bulk(path, filename=load.filename, batch_rows=batch_rows) as bulk:
        load.file_format = bulk.format
        load.encoding = bulk.encoding or ""
        load.file_bytes = bulk.total_bytes
        state.total_bytes = bulk.total_bytes
        state.total_rows = bulk.total_rows
        plan = plan_file(load, base, bulk.header, report)
        with Writer.for_plan(session, plan, report, counts) as writer:
            for checked in checked_batches(bulk, plan):
                counts.read += checked.rows
                apply_batch(writer, plan, checked.result, report)
                state.rows_done = counts.read
                state.bytes_done = checked.bytes_done
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
    if writer.fast:  # the table was empty: no need to count 8 million rows again
        base.row_count = counts.inserted
    else:
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
    # Reaches the subscribers (wiring.py) only once this transaction commits.
    events.publish(
        session,
        LoadCompleted(
            load_id=load.id,
            table_id=base.id,
            entry_id=base.entry_id,
            inserted=counts.inserted,
            updated=counts.updated,
            deleted=counts.deleted,
        ),
    )
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
    report: Report | None = None,
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
    session: Session, load: Load, report: Report, quarantined: list[pl.DataFrame]
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
