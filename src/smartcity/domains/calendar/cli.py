"""``smartcity calendar``: load a year's holiday arrangement, list the years, compute a
deadline."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from smartcity.core.cli import console, err_console, handle_errors, session_scope
from smartcity.core.security import SYSTEM
from smartcity.core.time import CHINA
from smartcity.domains.calendar import service as calendar_service
from smartcity.domains.calendar.schemas import CalendarYearRead, YearSource

app = typer.Typer(no_args_is_help=True, help="工作日历：载入节假日安排、查看年份、计算期限")

_SOURCE_LABELS = {
    YearSource.shipped: "随附",
    YearSource.loaded: "已载入",
    YearSource.missing: "缺失",
}


@app.command("load")
@handle_errors
def load(
    path: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="节假日安排文件（UTF-8 JSON）")
    ],
) -> None:
    """载入（或替换）一年的节假日安排；文件有任何错误则不载入。"""
    with session_scope() as session:
        row = calendar_service.load_arrangement(
            session, actor=SYSTEM, data=path.read_bytes(), filename=path.name
        )
        loaded = CalendarYearRead.model_validate(row)
    console.print(
        f"已载入{loaded.year}年节假日安排（{loaded.notice_doc_no}）："
        f"节假日 {len(loaded.holidays)} 个，调休上班日 {len(loaded.makeup_workdays)} 天"
    )
    for holiday in loaded.holidays:
        span = (
            holiday.start.isoformat()
            if holiday.start == holiday.end
            else f"{holiday.start.isoformat()} 至 {holiday.end.isoformat()}"
        )
        console.print(f"  {holiday.name}：{span}，共 {holiday.days} 天")
    makeup = "、".join(d.isoformat() for d in loaded.makeup_workdays) or "无"
    console.print(f"  调休上班：{makeup}")


@app.command("years")
@handle_errors
def years() -> None:
    """列出已知年份（随附或已载入），并提示当年、下一年是否缺少安排。"""
    with session_scope() as session:
        statuses = calendar_service.list_years(session)
    table = Table(title="节假日安排")
    for column in ("年份", "来源", "通知文号", "节假日", "调休上班日", "载入时间", "载入人"):
        table.add_column(column)
    for status in statuses:
        marks = (
            "（当年）" if status.is_current_year else "（下一年）" if status.is_next_year else ""
        )
        source = _SOURCE_LABELS[status.source]
        if status.overrides_shipped:
            source += "（更正随附）"
        table.add_row(
            f"{status.year}{marks}",
            source if status.covered else f"[red]{source}[/red]",
            status.notice_doc_no or "—",
            str(status.holidays_count) if status.covered else "—",
            str(len(status.makeup_workdays)) if status.covered else "—",
            status.loaded_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
            if status.loaded_at
            else "",
            status.loaded_by_name or "",
        )
    console.print(table)
    for status in statuses:
        if status.warning:
            console.print(f"[yellow]警告[/yellow]：{status.warning}")


@app.command("deadline")
@handle_errors
def deadline(
    start: Annotated[
        str, typer.Argument(help="事件发生时间，如 2026-02-13 或 2026-02-13T10:00（北京时间）")
    ],
    working_days: Annotated[int, typer.Argument(min=0, help="工作日数")],
    provisional: Annotated[
        bool, typer.Option("--provisional", help="遇到未载入安排的年份时暂按周末推算")
    ] = False,
) -> None:
    """计算事件发生后 N 个工作日的期限（事件当日不计入，期限至末日 24 时）。"""
    moment = _parse_start(start)
    with session_scope() as session:
        result = calendar_service.compute_deadline(
            session, start=moment, working_days=working_days, provisional=provisional
        )
    console.print(
        f"起算日 {result.start_date.isoformat()}（当日不计入），{result.working_days} 个工作日"
        f"后的期限：{result.due_date.isoformat()} 24:00（北京时间）"
    )
    if result.note:
        console.print(f"[yellow]注意[/yellow]：{result.note}（暂估结果）")


def _parse_start(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        err_console.print(f"[red]错误[/red]：无法识别的时间 {text!r}，应为 ISO 8601 格式")
        raise typer.Exit(2) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=CHINA)
