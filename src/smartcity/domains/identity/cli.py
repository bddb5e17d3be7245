"""``smartcity identity``: create users and reset passwords from the command line."""

from __future__ import annotations

from typing import Annotated

import typer

from smartcity.core.cli import console, handle_errors, session_scope
from smartcity.core.errors import NotFoundError
from smartcity.core.security import SYSTEM
from smartcity.domains.identity import service as identity_service
from smartcity.domains.identity.permissions import Role
from smartcity.domains.identity.schemas import UserCreate
from smartcity.domains.registry import service as registry_service

app = typer.Typer(no_args_is_help=True, help="用户与账号")


@app.command("create-user")
@handle_errors
def create_user(
    username: str,
    display_name: Annotated[str, typer.Option("--name", help="姓名")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
    organization: Annotated[str | None, typer.Option(help="单位编码")] = None,
    role: Annotated[list[Role] | None, typer.Option(help="角色，可重复")] = None,
) -> None:
    """创建用户。"""
    with session_scope() as session:
        organization_id = None
        if organization:
            found = registry_service.find_organization_by_code(session, organization)
            if found is None:
                raise NotFoundError(f"单位编码 {organization} 不存在")
            organization_id = found.id
        user = identity_service.create_user(
            session,
            actor=SYSTEM,
            data=UserCreate(
                username=username,
                display_name=display_name,
                organization_id=organization_id,
                roles=role or [Role.org_staff],
                password=password,
            ),
        )
        console.print(f"已创建用户 {user.username}")


@app.command("set-password")
@handle_errors
def set_password(
    username: str,
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
) -> None:
    """重置用户密码（该用户的登录会话全部失效）。"""
    with session_scope() as session:
        user = identity_service.find_user_by_username(session, username)
        if user is None:
            raise NotFoundError(f"用户 {username} 不存在")
        identity_service.set_password(session, actor=SYSTEM, user_id=user.id, password=password)
    console.print(f"已重置 {username} 的密码")
