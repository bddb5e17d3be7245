"""HTML pages of the audit log: browse and filter events, one event with its changes and
hashes, and verifying the chain."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from smartcity.core.http.deps import PageParamsDep, SessionDep
from smartcity.core.http.forms import query_model
from smartcity.core.http.htmx import render
from smartcity.domains.audit import service as audit_service
from smartcity.domains.audit.permissions import AuditPermission
from smartcity.domains.audit.schemas import AuditEventFilter, AuditEventRead
from smartcity.domains.identity.deps import ActorDep
from smartcity.domains.registry import service as registry_service
from smartcity.domains.registry.schemas import OrganizationSummary

router = APIRouter(include_in_schema=False)

# Chinese names of the actions the platform records; unknown actions show their code.
ACTION_LABELS: dict[str, str] = {
    "identity.login.succeeded": "登录成功",
    "identity.login.failed": "登录失败",
    "identity.login.throttled": "登录被限制",
    "identity.login.logged_out": "退出登录",
    "identity.user.created": "创建用户",
    "identity.user.updated": "修改用户",
    "identity.user.password_changed": "修改密码",
    "identity.api_client.created": "创建 API 客户端",
    "identity.api_client.rotated": "轮换 API 令牌",
    "identity.api_client.revoked": "吊销 API 客户端",
    "registry.organization.created": "新增单位",
    "registry.organization.updated": "修改单位",
    "registry.organization.deactivated": "停用单位",
    "registry.organization.credit_code_overridden": "豁免信用代码校验",
    "registry.organization.coordinator_set": "指定平台主管部门",
    "registry.organization.duties_set": "分配条例职责",
    "registry.directory.imported": "导入单位目录",
    "audit.anchor.recorded": "记录链头锚点",
}
ACTION_PREFIXES: tuple[tuple[str, str], ...] = (
    ("identity.", "身份与账号"),
    ("identity.login.", "登录与退出"),
    ("identity.user.", "用户"),
    ("identity.api_client.", "API 客户端"),
    ("registry.", "单位目录"),
    ("audit.", "审计"),
)
SUBJECT_TYPES: dict[str, str] = {
    "identity_user": "用户",
    "identity_api_client": "API 客户端",
    "registry_organization": "单位",
    "audit_anchor": "审计锚点",
}


def _filters(
    request: Request,
    filters: Annotated[AuditEventFilter, Depends(query_model(AuditEventFilter))],
) -> AuditEventFilter:
    """The filter form's dates: zone-less times are Beijing time (the schema says so), and
    ``until`` given as a bare date, as ``<input type=date>`` sends it, includes that day."""
    raw_until = request.query_params.get("until", "")
    if filters.until is not None and len(raw_until) == len("2026-01-31"):
        return filters.model_copy(update={"until": filters.until + timedelta(days=1)})
    return filters


AuditFilterDep = Annotated[AuditEventFilter, Depends(_filters)]


def _shown(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def change_rows(event: AuditEventRead) -> list[tuple[str, str | None, str | None]]:
    """(field, old, new) for the changes table, as text.

    Updates record ``[old, new]`` pairs; creations record plain values (a list of
    roles is a value, not a pair), or pairs whose old value is empty.
    """
    created = event.action.endswith(".created")
    rows: list[tuple[str, str | None, str | None]] = []
    for field, value in event.changes.items():
        if isinstance(value, list) and len(value) == 2 and (not created or value[0] is None):
            rows.append((field, _shown(value[0]), _shown(value[1])))
        else:
            rows.append((field, None, _shown(value)))
    return rows


def _organization_names(session: SessionDep, actor: Any) -> list[OrganizationSummary]:
    return [
        OrganizationSummary.model_validate(o)
        for o in registry_service.all_organizations(session, actor=actor, include_inactive=True)
    ]


@router.get("/audit/events", response_class=HTMLResponse)
def event_list(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    page: PageParamsDep,
    filters: AuditFilterDep,
) -> HTMLResponse:
    """Events the actor may read, newest first; the filters swap the table in place."""
    result = audit_service.list_events(session, actor=actor, filters=filters, page=page)
    organizations = _organization_names(session, actor)
    return render(
        request,
        "audit/event_list.html",
        partial="audit/_event_table.html",
        page=result.map(AuditEventRead.model_validate),
        filters=filters,
        since=request.query_params.get("since", ""),
        until=request.query_params.get("until", ""),
        organizations=organizations
        if actor.has(AuditPermission.read_all)
        else [o for o in organizations if o.id == actor.organization_id],
        organization_names={o.id: o.name for o in organizations},
        action_labels=ACTION_LABELS,
        action_prefixes=ACTION_PREFIXES,
        subject_types=SUBJECT_TYPES,
        can_verify=actor.has(AuditPermission.verify),
    )


@router.get("/audit/events/{seq}", response_class=HTMLResponse)
def event_detail(request: Request, session: SessionDep, actor: ActorDep, seq: int) -> HTMLResponse:
    """One event: who, what, the changed fields, and its place in the hash chain."""
    event = AuditEventRead.model_validate(audit_service.get_event(session, actor=actor, seq=seq))
    organization = None
    if event.organization_id is not None:
        organization = OrganizationSummary.model_validate(
            registry_service.get_organization(
                session, actor=actor, organization_id=event.organization_id
            )
        )
    return render(
        request,
        "audit/event_detail.html",
        event=event,
        organization=organization,
        changes=change_rows(event),
        action_labels=ACTION_LABELS,
        subject_types=SUBJECT_TYPES,
    )


@router.post("/audit/verify", response_class=HTMLResponse)
def verify(request: Request, session: SessionDep, actor: ActorDep) -> HTMLResponse:
    """Recompute the chain; htmx shows the result beside the button."""
    report = audit_service.verify_chain(session, actor=actor)
    return render(request, "audit/verify.html", partial="audit/_verify_result.html", report=report)
