"""``smartcity base-data``: build tables from the catalog, load files with a progress bar,
look records up with their provenance, export error reports, generate synthetic data."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table as RichTable

from smartcity.core.cli import console, handle_errors, open_database, session_scope
from smartcity.core.errors import InvalidInputError
from smartcity.core.security import SYSTEM
from smartcity.domains.base_data import service, tasks
from smartcity.domains.base_data.models import (
    LOAD_MODE_LABELS,
    LOAD_STATUS_LABELS,
    LoadMode,
    LoadStatus,
    OnError,
)
from smartcity.domains.registry import service as registry_service

app = typer.Typer(no_args_is_help=True, help="基础数据库：建表、装载、查询、质量")


@app.command("sync")
@handle_errors
def sync() -> None:
    """按已发布的基础数据库目录条目建表或增加字段；已撤销条目的表停止装载。"""
    with session_scope() as session:
        tables = service.sync_tables(session, actor=SYSTEM)
        console.print(f"已同步 {len(tables)} 张基础数据表")


@app.command("tables")
@handle_errors
def list_tables() -> None:
    """列出基础数据表、主键、行数和最近装载时间。"""
    with session_scope() as session:
        table = RichTable("表名", "资源名称", "基础库", "主键", "行数", "最近装载")
        for t in service.list_tables(session, actor=SYSTEM):
            keys = "、".join(f.name for f in t.fields if f.is_key and not f.retired)
            loaded = t.last_loaded_at.strftime("%Y-%m-%d %H:%M") if t.last_loaded_at else "—"
            table.add_row(t.table_name, t.name, t.base_database, keys, str(t.row_count), loaded)
        console.print(table)


@app.command("load")
@handle_errors
def load(
    table: Annotated[str, typer.Argument(help="表名，如 bd_population")],
    path: Annotated[
        Path,
        typer.Argument(exists=True, dir_okay=False, help="CSV（UTF-8/GB18030）、XLSX 或 Parquet"),
    ],
    mode: Annotated[
        LoadMode,
        typer.Option(help="insert 新增 / upsert 新增或更新 / delete 删除 / full 全量替换"),
    ] = LoadMode.upsert,
    quarantine: Annotated[
        bool,
        typer.Option("--quarantine", help="合格行入库、错误行隔离（默认：有错误则整批不入库）"),
    ] = False,
    organization: Annotated[
        str | None, typer.Option(help="提交部门的单位代码（默认：表的提供部门）")
    ] = None,
    error_report: Annotated[
        Path | None, typer.Option("--error-report", help="把错误报告写入此 .xlsx 文件")
    ] = None,
    batch_rows: Annotated[
        int, typer.Option("--batch-rows", min=1, help="每批读取和校验的行数（内存与速度的权衡）")
    ] = service.BATCH_ROWS,
) -> None:
    """装载一个文件：逐行校验，一个事务提交；有错误时按选择整批拒绝或隔离错误行。"""
    database = open_database()
    try:
        with database.session_scope() as session:
            service.mark_interrupted(session)
            base = service.get_table(session, actor=SYSTEM, table=table)
            if organization is not None:
                org = registry_service.find_organization_by_code(session, organization)
                if org is None:
                    raise InvalidInputError(f"单位目录中没有代码为 {organization} 的单位")
                org_id = org.id
            else:
                org_id = base.provider_organization_id
            started = service.start_load(
                session,
                actor=SYSTEM,
                table_id=base.id,
                mode=mode,
                on_error=OnError.quarantine if quarantine else OnError.reject,
                filename=path.name,
                file_bytes=path.stat().st_size,
                organization_id=org_id,
            )
            load_id = started.id
        with Progress(
            TextColumn("[bold]装载[/bold] {task.fields[rows]:,} 行"),
            BarColumn(),
            DownloadColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=False,
        ) as progress:
            task = progress.add_task("load", total=path.stat().st_size, rows=0)

            def _update(state: service.LoadProgress) -> None:
                progress.update(task, completed=state.bytes_done, rows=state.rows_done)

            outcome = tasks.execute_load(
                database,
                actor=SYSTEM,
                load_id=load_id,
                path=path,
                progress=_update,
                batch_rows=batch_rows,
            )
        colour = "green" if outcome.status is LoadStatus.succeeded else "red"
        console.print(
            f"[{colour}]{LOAD_STATUS_LABELS[outcome.status]}[/{colour}]"
            f"（第 {outcome.id} 次装载，{LOAD_MODE_LABELS[outcome.mode]}）：{outcome.message}"
        )
        if outcome.error_count:
            with database.session_scope() as session:
                for column, reason, count in service.error_summary(
                    session, actor=SYSTEM, load_id=outcome.id
                )[:10]:
                    console.print(f"  {column}：{reason}（{count} 处）")
                if error_report is not None:
                    error_report.write_bytes(
                        service.error_report_xlsx(session, actor=SYSTEM, load_id=outcome.id)
                    )
                    console.print(f"错误报告已写入 {error_report}")
        if outcome.status is not LoadStatus.succeeded:
            raise typer.Exit(1)
    finally:
        database.dispose()


@app.command("report")
@handle_errors
def report(
    load_id: Annotated[int, typer.Argument(help="装载编号")],
    output: Annotated[Path, typer.Argument(help="输出的 .xlsx 文件")],
) -> None:
    """导出一次装载的错误报告（行、列、值、原因）和隔离行。"""
    with session_scope() as session:
        output.write_bytes(service.error_report_xlsx(session, actor=SYSTEM, load_id=load_id))
    console.print(f"错误报告已写入 {output}")


@app.command("lookup")
@handle_errors
def lookup(
    table: Annotated[str, typer.Argument(help="表名，如 bd_population")],
    key: Annotated[str, typer.Argument(help="主键值；复合主键用 | 分隔")],
    history: Annotated[bool, typer.Option("--history", help="同时列出历史版本")] = False,
) -> None:
    """按主键查询一条记录：每个值的数据源部门和最近更新时间（一数一源）。"""
    with session_scope() as session:
        reader = service.RecordReader(session, actor=SYSTEM, table=table)
        record = reader.get(key)
        out = RichTable("字段", "值", "数据源部门", "更新时间", "装载")
        for name, value in record.values.items():
            when = value.updated_at.strftime("%Y-%m-%d %H:%M") if value.updated_at else "—"
            shown = "" if value.value is None else str(value.value)
            out.add_row(name, shown, value.source_name, when, str(value.load_id))
        console.print(out)
        if history:
            for entry in reader.history(key):
                when = entry.changed_at.strftime("%Y-%m-%d %H:%M") if entry.changed_at else ""
                console.print(
                    f"第 {entry.load_id} 次装载（{entry.organization_name}，{entry.changed_by}，"
                    f"{when}）{'修改' if entry.operation == 'update' else '删除'}："
                    f"{'、'.join(entry.changed)}；此前：{entry.before}"
                )
