"""``smartcity registry``: import and export the organization directory."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from smartcity.core.cli import console, handle_errors, session_scope
from smartcity.core.security import SYSTEM
from smartcity.core.tabular import read_table
from smartcity.domains.registry import transfer

app = typer.Typer(no_args_is_help=True, help="单位目录：导入、导出")


@app.command("import")
@handle_errors
def import_directory(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="XLSX 或 CSV 文件")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="只校验，不写入")] = False,
) -> None:
    """从 XLSX/CSV（UTF-8 或 GB18030）导入单位目录；有任何错误则不导入。"""
    table = read_table(path.read_bytes(), path.name)
    with session_scope() as session:
        report = transfer.import_organizations(session, actor=SYSTEM, table=table, dry_run=dry_run)
    verb = "校验通过（未写入）" if dry_run else "导入完成"
    console.print(
        f"{verb}：{report.rows} 行，新增 {report.created}，更新 {report.updated}，"
        f"未变 {report.unchanged}（{report.format}"
        f"{'，' + report.encoding if report.encoding else ''}）"
    )


@app.command("export")
@handle_errors
def export_directory(
    path: Annotated[Path, typer.Argument(dir_okay=False, help="输出文件（.xlsx 或 .csv）")],
) -> None:
    """导出单位目录（与导入模板相同的列）。"""
    fmt = "csv" if path.suffix.lower() == ".csv" else "xlsx"
    with session_scope() as session:
        content = transfer.export_organizations(session, actor=SYSTEM, format=fmt)
    path.write_bytes(content)
    console.print(f"已导出到 {path}")
