"""Pages of the shell: home, problem type documentation, health."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse

from smartcity.core.db.health import ping
from smartcity.core.errors import NotFoundError
from smartcity.core.http.deps import DatabaseDep, SessionDep
from smartcity.core.http.htmx import render
from smartcity.core.http.problems import problem_catalog
from smartcity.core.pagination import PageParams
from smartcity.core.security import Actor
from smartcity.core.time import CHINA, today_in_china
from smartcity.domains.audit import service as audit_service
from smartcity.domains.audit.permissions import AuditPermission
from smartcity.domains.audit.schemas import AuditEventFilter
from smartcity.domains.base_data.permissions import BaseDataPermission
from smartcity.domains.identity import service as identity_service
from smartcity.domains.identity.deps import ActorDep
from smartcity.domains.identity.permissions import ROLE_LABELS, IdentityPermission, Role
from smartcity.domains.identity.schemas import UserFilter
from smartcity.domains.opendata.permissions import OpenDataPermission
from smartcity.domains.registry import service as registry_service
from smartcity.domains.registry.permissions import RegistryPermission
from smartcity.domains.registry.schemas import OrganizationFilter, OrganizationSummary

router = APIRouter(include_in_schema=False)

_ONE = PageParams(page=1, size=1)


@dataclass(frozen=True)
class Link:
    href: str
    label: str
    description: str


def _links(actor: Actor) -> list[Link]:
    """The sections the actor can use, in the order of daily work."""
    links = []
    if actor.has(RegistryPermission.read):
        links.append(
            Link("/registry/organizations", "单位目录", "市、县（市、区）、部门和功能区的组织目录")
        )
        links.append(Link("/registry/duties", "条例职责落实", "条例每项职责由哪个单位承担"))
    if actor.has(RegistryPermission.manage_all) and actor.has(RegistryPermission.transfer):
        links.append(
            Link(
                "/registry/organizations/import",
                "导入单位目录",
                "从 Excel 或 CSV 批量导入、更新单位",
            )
        )
    if actor.has(BaseDataPermission.read):
        links.append(
            Link(
                "/base-data",
                "基础数据库",
                "人口、法人、空间地理、宏观经济、社会信用：装载、查询、数据质量",
            )
        )
    if actor.has(IdentityPermission.manage_all_users) or actor.has(
        IdentityPermission.view_org_users
    ):
        links.append(Link("/identity/users", "用户管理", "账号、角色和密码"))
    if actor.has(IdentityPermission.manage_all_clients) or actor.has(
        IdentityPermission.manage_org_clients
    ):
        links.append(
            Link("/identity/api-clients", "API 客户端", "业务系统调用平台接口的服务账号和令牌")
        )
    if actor.has(AuditPermission.read_all) or actor.has(AuditPermission.read_own):
        links.append(Link("/audit/events", "审计日志", "所有状态变更的防篡改记录"))
    links.append(
        Link("/opendata", "开放数据门户", "公共数据检索、预览、下载和接口调用（无需登录）")
    )
    if actor.has(OpenDataPermission.answer_requests):
        links.append(
            Link("/opendata/requests", "数据开放申请处理", "答复社会公众提出的数据开放申请")
        )
    links.append(Link("/api/docs", "接口文档", "平台 HTTP 接口（OpenAPI）"))
    return links


@router.get("/", response_class=HTMLResponse)
def home(request: Request, session: SessionDep, actor: ActorDep) -> HTMLResponse:
    """For a signed-in user: who they are, where to go, a few counts. Otherwise an
    introduction and the way in."""
    if not actor.is_authenticated:
        return render(request, "shell/home.html", signed_in=False)
    organization = None
    if actor.organization_id is not None:
        organization = OrganizationSummary.model_validate(
            registry_service.get_organization(
                session, actor=actor, organization_id=actor.organization_id
            )
        )
    counts: dict[str, int] = {}
    if actor.has(RegistryPermission.read):
        counts["organizations"] = registry_service.list_organizations(
            session, actor=actor, filters=OrganizationFilter(), page=_ONE
        ).total
    if actor.has(IdentityPermission.manage_all_users) or actor.has(
        IdentityPermission.view_org_users
    ):
        counts["users"] = identity_service.list_users(
            session, actor=actor, filters=UserFilter(), page=_ONE
        ).total
    if actor.has(AuditPermission.read_all) or actor.has(AuditPermission.read_own):
        midnight = datetime.combine(today_in_china(), time.min, tzinfo=CHINA)
        counts["events_today"] = audit_service.list_events(
            session, actor=actor, filters=AuditEventFilter(since=midnight), page=_ONE
        ).total
    roles = [ROLE_LABELS[Role(r)] for r in sorted(actor.roles) if r in Role.__members__]
    return render(
        request,
        "shell/home.html",
        signed_in=True,
        organization=organization,
        roles=roles,
        links=_links(actor),
        counts=counts,
    )


@router.get("/problems", response_class=HTMLResponse)
def problems(request: Request, actor: ActorDep) -> HTMLResponse:
    """Every problem type the platform returns (the ``type`` URIs of RFC 9457)."""
    return render(request, "shell/problems.html", problems=list(problem_catalog().values()))


@router.get("/problems/{code}", response_class=HTMLResponse)
def problem(request: Request, actor: ActorDep, code: str) -> HTMLResponse:
    """One problem type: what it means and when it happens.

    Raises:
        NotFoundError: no problem type has this code.
    """
    kind = problem_catalog().get(code)
    if kind is None:
        raise NotFoundError(f"没有错误类型 {code}", problem_code=code)
    return render(request, "shell/problem.html", problem=kind)


@router.get("/healthz")
def healthz(database: DatabaseDep) -> JSONResponse:
    """Liveness and database reachability, for load balancers and monitoring."""
    ok = ping(database)
    return JSONResponse(
        {"status": "ok" if ok else "error", "database": "ok" if ok else "error"},
        status_code=200 if ok else 503,
    )
