"""``smartcity sharing``: commands of the sharing platform."""

from __future__ import annotations

import typer

from smartcity.core.cli import console, handle_errors, session_scope
from smartcity.core.security import SYSTEM
from smartcity.domains.sharing import service as sharing_service

app = typer.Typer(no_args_is_help=True, help="数据共享：逾期申请升级")


@app.command("escalate")
@handle_errors
def escalate() -> None:
    """把超过审查或答复期限的共享申请提交主管部门协调（每日运行）。"""
    with session_scope() as session:
        escalated = sharing_service.escalate_overdue(session, actor=SYSTEM)
        numbers = [request.number for request in escalated]
    if numbers:
        console.print(f"已升级 {len(numbers)} 件逾期申请：{'、'.join(numbers)}")
    else:
        console.print("没有逾期的共享申请")
