"""``smartcity sharing``: commands of the sharing platform."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from pydantic import ValidationError

from smartcity.core.cli import console, err_console, handle_errors, open_database
from smartcity.core.config import Settings, SharingSettings, get_settings
from smartcity.domains.sharing import tasks
from smartcity.domains.sharing.subscription_schemas import DeliveryRun

app = typer.Typer(no_args_is_help=True, help="数据共享：办理时限（提醒、逾期升级）、变更通知投递")


def _settings() -> SharingSettings:
    """The configured clock and notifications (see ``_all_settings``)."""
    return _all_settings().sharing


def _all_settings() -> Settings:
    """The configuration; an invalid setting is one line naming its variable, and the
    command stops before it opens the database."""
    try:
        return get_settings()
    except ValidationError as error:
        for problem in error.errors():
            variable = "SMARTCITY_" + "__".join(str(part) for part in problem["loc"]).upper()
            err_console.print(f"[red]错误[/red]：配置无效：{variable}：{problem['msg']}")
        raise typer.Exit(1) from error


def _escalated(numbers: list[str]) -> None:
    if numbers:
        console.print(f"已升级 {len(numbers)} 件逾期申请：{'、'.join(numbers)}")
    else:
        console.print("没有逾期的共享申请")


def _reminded(numbers: list[str]) -> None:
    if numbers:
        console.print(f"已提醒 {len(numbers)} 件即将到期的申请：{'、'.join(numbers)}")
    else:
        console.print("没有需要提醒的共享申请")


@app.command("escalate")
@handle_errors
def escalate() -> None:
    """把超过审查或答复期限的共享申请提交主管部门协调（每日运行）。"""
    _settings()
    database = open_database()
    try:
        _escalated(tasks.escalate_overdue(database))
    finally:
        database.dispose()


@app.command("remind")
@handle_errors
def remind() -> None:
    """提醒即将到期的合规审查（主管部门）和答复（提供部门），每个期限只提醒一次。"""
    settings = _settings()
    database = open_database()
    try:
        _reminded(tasks.remind_due(database, settings=settings))
    finally:
        database.dispose()


@app.command("clock")
@handle_errors
def clock() -> None:
    """每日运行办理时限：先升级逾期申请，再提醒即将到期的申请。"""
    settings = _settings()
    database = open_database()
    try:
        run = tasks.run_clock(database, settings=settings)
    finally:
        database.dispose()
    _escalated(run.escalated)
    _reminded(run.reminded)


def _summary(run: DeliveryRun) -> str:
    if not (run.attempted or run.dead):
        return "没有到期的变更通知"
    return (
        f"投递 {run.attempted} 条变更通知：送达 {run.delivered}，待重试 {run.retrying}，"
        f"转入死信 {run.dead}"
    )


@app.command("deliver")
@handle_errors
def deliver(
    watch: Annotated[
        float | None,
        typer.Option(
            help="每隔若干秒投递一次，直到按 Ctrl-C（默认只投递一次，可由 cron 每分钟运行）"
        ),
    ] = None,
) -> None:
    """投递到期的变更通知（webhook），失败的按退避时间重试，最终失败的转入死信。"""
    settings = _all_settings()
    database = open_database()
    try:
        while True:
            run = tasks.deliver_due(database.session_scope, settings=settings)
            if watch is None or run.attempted or run.dead:
                console.print(_summary(run))
            if watch is None:
                return
            time.sleep(watch)
    except KeyboardInterrupt:
        console.print("已停止投递")
    finally:
        database.dispose()
