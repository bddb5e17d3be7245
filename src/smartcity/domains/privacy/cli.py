"""``smartcity privacy``: bind a user to his ID number or its credit code (Art. 68)."""

from __future__ import annotations

from typing import Annotated

import typer

from smartcity.core.cli import console, handle_errors, session_scope
from smartcity.core.security import SYSTEM
from smartcity.domains.privacy import service
from smartcity.domains.privacy.enums import SUBJECT_KIND_LABELS

app = typer.Typer(no_args_is_help=True, help="个人数据权利：账号绑定公民身份号码或统一社会信用代码")


@app.command("bind")
@handle_errors
def bind(
    username: Annotated[str, typer.Argument(help="用户名")],
    key: Annotated[str, typer.Argument(help="公民身份号码或统一社会信用代码")],
) -> None:
    """把账号绑定到公民身份号码（公民）或统一社会信用代码（法人和其他组织）。

    生产环境由实名认证登录绑定；本命令供平台管理员办理。
    """
    with session_scope() as session:
        binding = service.bind_subject(session, actor=SYSTEM, username=username, key=key)
        label = SUBJECT_KIND_LABELS[binding.kind]
        masked = service.mask_key(binding.subject_key, binding.kind)
    console.print(f"已将 {username} 绑定为{label}：{masked}")
