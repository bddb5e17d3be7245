"""``smartcity catalog``: import and export compilation workbooks, rebuild the search index."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from smartcity.core.cli import console, err_console, handle_errors, session_scope
from smartcity.core.errors import InvalidInputError
from smartcity.core.security import SYSTEM, Actor, ActorKind
from smartcity.domains.catalog import service as catalog_service
from smartcity.domains.catalog.enums import ClassificationKind, OpenType, ShareType
from smartcity.domains.catalog.schemas import EntrySearch
from smartcity.domains.identity.permissions import Role, permissions_for
from smartcity.domains.registry import service as registry_service

app = typer.Typer(no_args_is_help=True, help="政务信息资源目录：导入、导出、重建检索索引")


def _department(code: str) -> Actor:
    """A staff member of the organization ``code``: imports only that department's
    entries, exactly as its own account would."""
    with session_scope() as session:
        organization = registry_service.find_organization_by_code(session, code)
        if organization is None:
            raise InvalidInputError(f"单位目录中没有代码为 {code} 的单位")
        return Actor(
            kind=ActorKind.user,
            organization_id=organization.id,
            permissions=permissions_for({Role.org_staff}),
            name=f"cli:{code}",
            roles=frozenset({Role.org_staff}),
        )


@app.command("import")
@handle_errors
def import_workbook(
    path: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="目录编制模板（.xlsx）")
    ],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="只校验并报告，不写入")] = False,
    as_organization: Annotated[
        str | None,
        typer.Option(
            "--as-organization", help="以该单位（单位代码）的身份导入，只能导入本单位条目"
        ),
    ] = None,
) -> None:
    """导入目录编制工作簿：新资源代码建草稿，已发布条目建新版本；有任何问题则全部不导入。"""
    actor = _department(as_organization) if as_organization else SYSTEM
    data = path.read_bytes()
    with (
        Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err_console,
            transient=True,
        ) as progress,
        session_scope() as session,
    ):
        task = progress.add_task("读取工作簿", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, description="校验并写入", completed=done, total=total)

        report = catalog_service.import_workbook(
            session,
            actor=actor,
            data=data,
            filename=path.name,
            dry_run=dry_run,
            progress=advance,
        )
    verb = "校验通过（演练，未写入）" if dry_run else "导入完成"
    console.print(
        f"{verb}：资源 {report.resources} 行、信息项 {report.items} 行；新建草稿 {report.created}，"
        f"已发布条目新版本 {report.revised}，修改草稿 {report.updated}，未变 {report.unchanged}"
    )


@app.command("export")
@handle_errors
def export_workbook(
    path: Annotated[Path, typer.Argument(dir_okay=False, help="输出文件（.xlsx）")],
    q: Annotated[str, typer.Option("--q", help="检索词")] = "",
    kind: Annotated[ClassificationKind | None, typer.Option(help="目录类别")] = None,
    share_type: Annotated[ShareType | None, typer.Option(help="共享类型")] = None,
    open_type: Annotated[OpenType | None, typer.Option(help="开放属性")] = None,
) -> None:
    """把检索结果（全部页，最多 50000 条）导出为目录编制模板，可再导入。"""
    search = EntrySearch(q=q, kind=kind, share_type=share_type, open_type=open_type)
    with session_scope() as session:
        content = catalog_service.export_workbook(session, actor=SYSTEM, search=search)
    path.write_bytes(content)
    console.print(f"已导出到 {path}")


@app.command("reindex")
@handle_errors
def reindex() -> None:
    """重建全部已发布条目的全文检索索引（分词规则改变后执行）。"""
    with console.status("重建检索索引"), session_scope() as session:
        count = catalog_service.rebuild_search_index(session, actor=SYSTEM)
    console.print(f"检索索引已重建：{count} 个已发布条目")
