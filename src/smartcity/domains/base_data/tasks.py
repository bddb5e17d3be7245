"""Running a load to its end: one data transaction, and the outcome recorded either way.

``execute_load`` is what the CLI calls in the foreground and the web and API
run in a background thread. The data transaction commits everything or nothing;
a rejected or failed load is recorded afterwards in a transaction of its own,
with its error report. ``PROGRESS`` holds the progress of loads running in this
process, for the progress bar of the load page.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from smartcity.core.db.engine import Database
from smartcity.core.errors import AppError
from smartcity.core.security import SYSTEM, Actor
from smartcity.domains.base_data import service
from smartcity.domains.base_data.models import Load, LoadStatus

log = logging.getLogger(__name__)

PROGRESS: dict[int, service.LoadProgress] = {}
_LOCK = threading.Lock()


def progress_of(load_id: int) -> service.LoadProgress | None:
    with _LOCK:
        return PROGRESS.get(load_id)


def execute_load(
    database: Database,
    *,
    actor: Actor,
    load_id: int,
    path: Path,
    progress: service.ProgressCallback | None = None,
    batch_rows: int = service.BATCH_ROWS,
) -> Load:
    """Apply a started load and record its outcome. Never leaves the table half-loaded."""

    def _track(state: service.LoadProgress) -> None:
        with _LOCK:
            PROGRESS[load_id] = state
        if progress is not None:
            progress(state)

    try:
        with database.session_scope() as session:
            return service.apply_load(
                session,
                actor=actor,
                load_id=load_id,
                path=path,
                progress=_track,
                batch_rows=batch_rows,
            )
    except service.LoadRejectedError as exc:
        with database.session_scope() as session:
            return service.record_outcome(
                session,
                actor=actor,
                load_id=load_id,
                status=LoadStatus.rejected,
                message=exc.detail,
                report=exc.report,
                rows_read=exc.rows_read,
            )
    except AppError as exc:
        with database.session_scope() as session:
            return service.record_outcome(
                session, actor=actor, load_id=load_id, status=LoadStatus.failed, message=exc.detail
            )
    except Exception:
        log.exception("load %s failed", load_id)
        with database.session_scope() as session:
            return service.record_outcome(
                session,
                actor=actor,
                load_id=load_id,
                status=LoadStatus.failed,
                message="装载时发生内部错误，数据未改变。请联系平台管理员查看日志。",
            )
    finally:
        with _LOCK:
            PROGRESS.pop(load_id, None)


def on_catalog_entry(database: Database, event: object) -> None:
    """After a base-database entry is published or withdrawn: build, alter or retire its
    table (idempotent; ``smartcity base-data sync`` does the same for all entries)."""
    if getattr(event, "base_database", None) is None:
        return
    entry_id = getattr(event, "entry_id")  # noqa: B009
    with database.session_scope() as session:
        service.build_table(session, actor=SYSTEM, entry_id=entry_id)
