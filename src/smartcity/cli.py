"""The ``smartcity`` command: administer the platform."""

from __future__ import annotations

from typing import Annotated

import typer

from smartcity import wiring
from smartcity.core.cli import DATABASE_HOOKS, console, handle_errors, open_database
from smartcity.core.config import get_settings
from smartcity.core.db import migrate
from smartcity.domains.audit import cli as audit_cli
from smartcity.domains.base_data import cli as base_data_cli
from smartcity.domains.calendar import cli as calendar_cli
from smartcity.domains.catalog import cli as catalog_cli
from smartcity.domains.identity import cli as identity_cli
from smartcity.domains.privacy import cli as privacy_cli
from smartcity.domains.registry import cli as registry_cli
from smartcity.domains.sharing import cli as sharing_cli
from smartcity.domains.sharing import cli_mirror as sharing_mirror_cli

DATABASE_HOOKS.append(wiring.wire)

app = typer.Typer(no_args_is_help=True, help="济宁智慧城市平台管理命令")
db_app = typer.Typer(no_args_is_help=True, help="数据库迁移")
demo_app = typer.Typer(no_args_is_help=True, help="济宁演示数据")
app.add_typer(db_app, name="db")
app.add_typer(demo_app, name="demo")
app.add_typer(registry_cli.app, name="registry")
app.add_typer(identity_cli.app, name="identity")
app.add_typer(audit_cli.app, name="audit")
app.add_typer(calendar_cli.app, name="calendar")
app.add_typer(catalog_cli.app, name="catalog")
app.add_typer(base_data_cli.app, name="base-data")
sharing_cli.app.command("mirror")(sharing_mirror_cli.mirror)
app.add_typer(sharing_cli.app, name="sharing")
app.add_typer(privacy_cli.app, name="privacy")


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """把数据库迁移到最新（或指定）版本。"""
    database = open_database()
    try:
        migrate.upgrade(database.engine, revision)
    finally:
        database.dispose()
    console.print(f"数据库已迁移到 {revision}：{database.engine.url.render_as_string()}")


@db_app.command("downgrade")
def db_downgrade(revision: str) -> None:
    """回退数据库到指定版本（base 为清空）。"""
    database = open_database()
    try:
        migrate.downgrade(database.engine, revision)
    finally:
        database.dispose()
    console.print(f"数据库已回退到 {revision}")


@db_app.command("check")
def db_check() -> None:
    """检查模型与迁移是否一致。"""
    database = open_database()
    try:
        migrate.check(database.engine)
    finally:
        database.dispose()
    console.print("模型与迁移一致")


@demo_app.command("load")
@handle_errors
def demo_load(
    password: Annotated[
        str | None, typer.Option(help="演示账号统一密码（默认随机生成并打印）")
    ] = None,
) -> None:
    """载入济宁演示数据（单位、条例职责、各角色演示账号），可重复执行。"""
    from smartcity import demo

    database = open_database()
    try:
        accounts = demo.load(database, password=password)
    finally:
        database.dispose()
    demo.print_accounts(accounts)


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="监听地址（默认仅本机）")] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
    workers: Annotated[int, typer.Option(min=1)] = 1,
) -> None:
    """启动 Web 服务。"""
    import uvicorn

    get_settings()
    uvicorn.run(
        "smartcity.asgi:app",
        host=host,
        port=port,
        workers=workers,
        proxy_headers=False,
        log_level="info",
    )
