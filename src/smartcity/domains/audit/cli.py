"""``smartcity audit``: verify the chain, show and anchor its head."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from smartcity.core.cli import console, err_console, handle_errors, session_scope
from smartcity.core.security import SYSTEM
from smartcity.domains.audit import service as audit_service

app = typer.Typer(no_args_is_help=True, help="审计日志：校验哈希链、记录链头")


@app.command("verify")
@handle_errors
def verify() -> None:
    """重新计算整条审计哈希链，指出第一条被修改、删除、插入或调换的记录。"""
    with (
        session_scope() as session,
        Progress(
            TextColumn("校验审计链"),
            BarColumn(),
            TextColumn("{task.completed} 条"),
            TimeElapsedColumn(),
            console=err_console,
            transient=True,
        ) as progress,
    ):
        head, _ = audit_service.chain_head(session, actor=SYSTEM)
        task = progress.add_task("verify", total=head)
        report = audit_service.verify_chain(
            session, actor=SYSTEM, progress=lambda n: progress.update(task, completed=n)
        )
    if report.ok:
        console.print(
            f"[green]审计链完整[/green]：共 {report.checked} 条，"
            f"链头 #{report.head_seq} {report.head_hash}，核对锚点 {report.anchors_checked} 个"
        )
        return
    assert report.first_break is not None
    err_console.print(
        f"[red]审计链被篡改[/red]：第 {report.first_break.seq} 条"
        f"（{report.first_break.kind}）— {report.first_break.message}"
    )
    raise typer.Exit(2)


@app.command("head")
@handle_errors
def head() -> None:
    """打印当前链头（序号与 SM3 哈希），可抄录到库外以便日后核对。"""
    with session_scope() as session:
        seq, value = audit_service.chain_head(session, actor=SYSTEM)
    console.print(f"{seq} {value}")


@app.command("anchor")
@handle_errors
def anchor(note: Annotated[str, typer.Option(help="备注")] = "") -> None:
    """把当前链头记录为锚点，日后可发现尾部记录被删除。"""
    with session_scope() as session:
        recorded = audit_service.anchor_head(session, actor=SYSTEM, note=note)
        console.print(f"已记录锚点：#{recorded.seq} {recorded.entry_hash}")
