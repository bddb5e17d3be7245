"""``smartcity sharing mirror``: table exchange mode at the consumer (Art. 26 库表).

Registered on the ``sharing`` command group by the composition root (``smartcity.cli``).
The work is in ``sharing.mirror``; this command parses options and prints progress.
"""

from __future__ import annotations

import time
from typing import Annotated
from uuid import UUID

import typer
from rich.table import Table
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from smartcity.core.cli import console, err_console, handle_errors
from smartcity.domains.sharing import mirror as mirror_sync

TOKEN_ENV = "SMARTCITY_MIRROR_TOKEN"


def _page(page: mirror_sync.PageApplied) -> None:
    console.print(
        f"第 {page.number} 页：更新 {page.upserts} 条，删除 {page.deletes} 条，"
        f"游标 → [bold]{page.cursor}[/bold]（日志 #{page.log_seq}）"
        + ("" if page.has_more else "，已是最新")
    )


def _summary(config: mirror_sync.MirrorConfig, result: mirror_sync.MirrorResult) -> None:
    table = Table(title=f"同步完成：{config.table}", show_header=False)
    table.add_row("页数", str(result.pages))
    table.add_row("更新", str(result.upserts))
    table.add_row("删除", str(result.deletes))
    table.add_row("表中记录", str(result.rows))
    table.add_row("游标", result.cursor)
    console.print(table)


@handle_errors
def mirror(
    base_url: Annotated[
        str, typer.Option("--base-url", help="平台地址，如 https://dsj.jining.gov.cn")
    ],
    grant: Annotated[UUID, typer.Option("--grant", help="授权 ID（UUID）")],
    case_reference: Annotated[str, typer.Option("--case-reference", help="所办理的事项")],
    target: Annotated[
        str, typer.Option("--target", help="本地数据库（SQLAlchemy URL，如 sqlite:///mirror.db）")
    ],
    table: Annotated[str, typer.Option("--table", help="本地表名（字母、数字、下划线）")],
    token: Annotated[
        str,
        typer.Option(
            "--token", envvar=TOKEN_ENV, help=f"API 客户端令牌（建议用环境变量 {TOKEN_ENV}）"
        ),
    ],
    limit: Annotated[int, typer.Option(min=1, max=1000, help="每页最多变更条数")] = 1000,
    follow: Annotated[
        bool, typer.Option("--follow", help="持续同步，每隔 --interval 秒检查一次")
    ] = False,
    interval: Annotated[float, typer.Option(min=1.0, help="--follow 的间隔秒数")] = 60.0,
    reset: Annotated[bool, typer.Option("--reset", help="删除本地表和游标后从头同步")] = False,
) -> None:
    """库表交换：通过增量变更接口把授权的数据同步到本地数据库表（更新、删除、游标与数据同一事务提交）。"""
    config = mirror_sync.MirrorConfig(
        base_url=base_url,
        token=token,
        grant_id=grant,
        case_reference=case_reference,
        target_url=target,
        table=table,
        limit=limit,
    )
    engine = mirror_sync.open_target(config)
    try:
        _run(config, engine, follow=follow, interval=interval, reset=reset)
    except SQLAlchemyError as error:
        err_console.print(f"[red]错误[/red]：本地数据库出错（已提交的页不受影响）：{error}")
        raise typer.Exit(1) from error
    except KeyboardInterrupt:
        console.print("已停止同步（已提交的页不受影响，下次从游标继续）")
    finally:
        engine.dispose()


def _run(
    config: mirror_sync.MirrorConfig, engine: Engine, *, follow: bool, interval: float, reset: bool
) -> None:
    table = config.table
    if reset:
        mirror_sync.reset(engine, table)
        console.print(f"已删除本地表 {table} 及其游标，从头同步")
    while True:
        _summary(config, mirror_sync.sync(config, engine, on_page=_page))
        if not follow:
            return
        time.sleep(interval)
