"""The error report of a load, as a workbook departments can fix their file from."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smartcity.core.errors import PermissionDeniedError
from smartcity.core.security import Actor
from smartcity.core.tabular import write_xlsx
from smartcity.domains.base_data.models import (
    LOAD_MODE_LABELS,
    LOAD_STATUS_LABELS,
    ON_ERROR_LABELS,
    Load,
    LoadError,
    QuarantinedRow,
)
from smartcity.domains.base_data.permissions import BaseDataPermission
from smartcity.domains.base_data.service.loads import get_load


def _ensure_may_see_values(actor: Actor, load: Load) -> None:
    """Error reports quote the file's values (ID numbers, names): the submitting department
    and those who may read records see them; others see only the counts and reasons."""
    if actor.organization_id == load.organization_id or actor.has(BaseDataPermission.lookup):
        return
    raise PermissionDeniedError("错误明细含有原始数据，仅提交部门和有查询权限的人员可以查看")


def load_errors(
    session: Session, *, actor: Actor, load_id: int, limit: int = 200, offset: int = 0
) -> list[LoadError]:
    """The first errors of a load, by row (for its page).

    Raises:
        PermissionDeniedError: neither the submitting department nor ``base_data.lookup``.
    """
    _ensure_may_see_values(actor, get_load(session, actor=actor, load_id=load_id))
    return list(
        session.scalars(
            select(LoadError)
            .where(LoadError.load_id == load_id)
            .order_by(LoadError.row, LoadError.id)
            .limit(limit)
            .offset(offset)
        ).all()
    )


def error_summary(session: Session, *, actor: Actor, load_id: int) -> list[tuple[str, str, int]]:
    """(column, reason, count) of the stored errors, most frequent first."""
    get_load(session, actor=actor, load_id=load_id)
    rows = session.execute(
        select(LoadError.column, LoadError.reason, func.count())
        .where(LoadError.load_id == load_id)
        .group_by(LoadError.column, LoadError.reason)
    ).all()
    return sorted(((c, r, n) for c, r, n in rows), key=lambda t: (-t[2], t[0], t[1]))


def error_report_xlsx(session: Session, *, actor: Actor, load_id: int) -> bytes:
    """Sheets: 概况 (the load), 错误明细 (row, column, value, reason), 错误汇总, and
    隔离行 (the quarantined rows as they were in the file)."""
    load = get_load(session, actor=actor, load_id=load_id)
    _ensure_may_see_values(actor, load)
    errors = session.execute(
        select(LoadError.row, LoadError.column, LoadError.value, LoadError.reason)
        .where(LoadError.load_id == load_id)
        .order_by(LoadError.row, LoadError.id)
    ).all()
    counts = Counter((column, reason) for _row, column, _value, reason in errors)
    quarantined = session.scalars(
        select(QuarantinedRow).where(QuarantinedRow.load_id == load_id).order_by(QuarantinedRow.row)
    ).all()
    columns: list[str] = []
    for row in quarantined:
        columns.extend(c for c in row.values if c not in columns)
    overview = [
        ("装载编号", load.id),
        ("文件", load.filename),
        ("格式与编码", f"{load.file_format} {load.encoding}".strip()),
        ("方式", LOAD_MODE_LABELS[load.mode]),
        ("出错处理", ON_ERROR_LABELS[load.on_error]),
        ("状态", LOAD_STATUS_LABELS[load.status]),
        ("结果", load.message),
        ("读取行数", load.rows_read),
        ("错误数", load.error_count),
        ("出错行数", load.rows_invalid),
        ("报告所列错误数", len(errors)),
    ]
    sheets: dict[str, tuple[list[str], list[list[object]]]] = {
        "概况": (["项目", "内容"], [list(r) for r in overview]),
        "错误明细": (
            ["行号", "列", "值", "原因"],
            [[row, column, value, reason] for row, column, value, reason in errors],
        ),
        "错误汇总": (
            ["列", "原因", "次数"],
            [[c, r, n] for (c, r), n in counts.most_common()],
        ),
    }
    if quarantined:
        sheets["隔离行"] = (
            ["行号", *columns],
            [[row.row, *[row.values.get(c, "") for c in columns]] for row in quarantined],
        )
    return write_xlsx(sheets)  # type: ignore[arg-type]
