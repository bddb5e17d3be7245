"""HTML pages of the registry: the organization directory, one organization, who carries
which duty of the regulation, and the directory's import and export."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from smartcity.core.errors import (
    AppError,
    BadRequestError,
    ConflictError,
    InvalidInputError,
    UnsupportedMediaTypeError,
)
from smartcity.core.http.deps import PageParamsDep, SessionDep
from smartcity.core.http.forms import (
    FieldErrors,
    FormDep,
    app_error_fields,
    checked,
    field_errors,
    optional,
    query_model,
    redirect,
    text,
    texts,
    upload,
)
from smartcity.core.http.htmx import render
from smartcity.core.i18n import t
from smartcity.core.pagination import PageParams
from smartcity.core.security import Actor, ensure_permission
from smartcity.core.tabular import read_table
from smartcity.domains.identity import service as identity_service
from smartcity.domains.identity.deps import ActorDep
from smartcity.domains.identity.permissions import IdentityPermission
from smartcity.domains.identity.schemas import UserFilter
from smartcity.domains.registry import service as registry_service
from smartcity.domains.registry import transfer
from smartcity.domains.registry.enums import ORGANIZATION_KIND_LABELS, OrganizationKind
from smartcity.domains.registry.errors import (
    CoordinatorRequiredError,
    ImportRejectedError,
    OrganizationNotFoundError,
)
from smartcity.domains.registry.permissions import RegistryPermission
from smartcity.domains.registry.regulation import REGULATION_DUTIES, NamedDuty, find_named_duty
from smartcity.domains.registry.schemas import (
    DutyWrite,
    OrganizationFilter,
    OrganizationNode,
    OrganizationRead,
    OrganizationSummary,
    OrganizationUpdate,
)

router = APIRouter(include_in_schema=False)

KIND_OPTIONS = [(kind.value, label) for kind, label in ORGANIZATION_KIND_LABELS.items()]
# How the tree groups an organization's children: counties, then departments, zones, others.
_TREE_GROUPS: tuple[tuple[str, frozenset[OrganizationKind]], ...] = (
    ("县（市、区）", frozenset({OrganizationKind.county_government})),
    (
        "部门、单位",
        frozenset({OrganizationKind.municipal_department, OrganizationKind.county_department}),
    ),
    ("功能区", frozenset({OrganizationKind.development_zone})),
)
_OTHER_GROUP = "其他单位"
_EDIT_TEXT_FIELDS = (
    "name",
    "short_name",
    "kind",
    "division_code",
    "zone_code",
    "credit_code_override_reason",
    "address",
    "phone",
    "website",
    "description",
)
_FORM_ERRORS = (InvalidInputError, ConflictError, OrganizationNotFoundError)
_FIELD_OF_ERROR: dict[type[AppError], str] = {CoordinatorRequiredError: "is_active"}
_SAVED_MESSAGES = {"updated": "修改已保存。", "duties": "承担的条例职责已保存。"}


# ---------------------------------------------------------------- directory


def _tree_view(nodes: Iterable[OrganizationNode]) -> list[dict[str, Any]]:
    """Nodes with their children grouped by kind, for the collapsible tree."""
    return [{"node": node, "groups": _grouped(node.children)} for node in nodes]


def _grouped(children: list[OrganizationNode]) -> list[tuple[str, list[dict[str, Any]]]]:
    groups: list[tuple[str, list[dict[str, Any]]]] = []
    placed: set[UUID] = set()
    for label, kinds in _TREE_GROUPS:
        members = [c for c in children if c.kind in kinds]
        if members:
            groups.append((label, _tree_view(members)))
            placed.update(c.id for c in members)
    rest = [c for c in children if c.id not in placed]
    if rest:
        groups.append((_OTHER_GROUP, _tree_view(rest)))
    return groups


OrganizationFilterDep = Annotated[OrganizationFilter, Depends(query_model(OrganizationFilter))]


@router.get("/registry/organizations", response_class=HTMLResponse)
def organization_list(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    page: PageParamsDep,
    filters: OrganizationFilterDep,
) -> HTMLResponse:
    """The directory as a tree; with a search or kind filter, the matching organizations
    (htmx swaps only the results as the user types)."""
    searching = bool(filters.q or filters.kind)
    context: dict[str, Any] = {
        "filters": filters,
        "searching": searching,
        "kind_labels": ORGANIZATION_KIND_LABELS,
        "kind_options": KIND_OPTIONS,
        "can_import": actor.has(RegistryPermission.manage_all)
        and actor.has(RegistryPermission.transfer),
        "can_export": actor.has(RegistryPermission.transfer),
    }
    if searching:
        result = registry_service.list_organizations(
            session, actor=actor, filters=filters, page=page
        )
        context["page"] = result.map(OrganizationSummary.model_validate)
    else:
        context["tree"] = _tree_view(registry_service.organization_tree(session, actor=actor))
    return render(
        request,
        "registry/organization_list.html",
        partial="registry/_organization_results.html",
        **context,
    )


# ---------------------------------------------------------------- import


def _ensure_importer(actor: Actor) -> None:
    ensure_permission(actor, RegistryPermission.manage_all)
    ensure_permission(actor, RegistryPermission.transfer)


def _import_page(request: Request, **context: Any) -> HTMLResponse:
    status_code = int(context.pop("status_code", 200))
    context.setdefault("errors", {})
    context.setdefault("row_errors", [])
    context.setdefault("report", None)
    context.setdefault("dry_run", True)
    return render(
        request,
        "registry/import.html",
        partial="registry/_import_result.html",
        status_code=status_code,
        columns=[h for h, _ in transfer.COLUMNS],
        required=transfer.REQUIRED,
        kind_labels=ORGANIZATION_KIND_LABELS,
        **context,
    )


@router.get("/registry/organizations/import", response_class=HTMLResponse)
def import_form(request: Request, actor: ActorDep) -> HTMLResponse:
    _ensure_importer(actor)
    return _import_page(request)


@router.post("/registry/organizations/import", response_class=HTMLResponse)
def import_submit(
    request: Request, session: SessionDep, actor: ActorDep, form: FormDep
) -> HTMLResponse:
    """Import (or dry-run) a directory file; a file with any problem changes nothing and
    every problem is listed by row and column."""
    _ensure_importer(actor)
    dry_run = checked(form, "dry_run")
    file = upload(form, "file")
    if file is None or not file.filename:
        return _import_page(
            request,
            dry_run=dry_run,
            status_code=422,
            errors={"file": t("请选择要导入的 XLSX 或 CSV 文件")},
        )
    try:
        table = read_table(file.file.read(), file.filename)
        report = transfer.import_organizations(session, actor=actor, table=table, dry_run=dry_run)
    except ImportRejectedError as exc:
        return _import_page(
            request,
            dry_run=dry_run,
            status_code=422,
            filename=file.filename,
            rejected=exc.detail,
            row_errors=exc.extensions.get("errors") or [],
            report=exc.extensions.get("report"),
        )
    except (BadRequestError, UnsupportedMediaTypeError) as exc:
        return _import_page(request, dry_run=dry_run, status_code=422, errors={"file": exc.detail})
    return _import_page(
        request, dry_run=dry_run, filename=file.filename, report=report.model_dump()
    )


# ---------------------------------------------------------------- one organization


def _descendants(organizations: list[OrganizationSummary], root: UUID) -> set[UUID]:
    found = {root}
    changed = True
    while changed:
        changed = False
        for o in organizations:
            if o.parent_id in found and o.id not in found:
                found.add(o.id)
                changed = True
    return found


def _duty_groups() -> list[tuple[int, list[NamedDuty]]]:
    groups: dict[int, list[NamedDuty]] = {}
    for duty in REGULATION_DUTIES:
        groups.setdefault(duty.article, []).append(duty)
    return list(groups.items())


def _edit_form(organization: OrganizationRead) -> dict[str, Any]:
    values: dict[str, Any] = {f: getattr(organization, f) for f in _EDIT_TEXT_FIELDS}
    values.update(
        kind=organization.kind.value,
        credit_code=organization.credit_code or "",
        parent_id=str(organization.parent_id or ""),
        sort_order=organization.sort_order,
        is_active=organization.is_active,
    )
    return values


def _detail_page(
    request: Request,
    session: SessionDep,
    actor: Actor,
    organization_id: UUID,
    *,
    form: Mapping[str, Any] | None = None,
    errors: FieldErrors | None = None,
    duty_errors: FieldErrors | None = None,
    saved: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    organization = OrganizationRead.model_validate(
        registry_service.get_organization(
            session, actor=actor, organization_id=organization_id, with_duties=True
        )
    )
    everyone = [
        OrganizationSummary.model_validate(o)
        for o in registry_service.all_organizations(session, actor=actor, include_inactive=True)
    ]
    by_id = {o.id: o for o in everyone}
    users_count = None
    if actor.has(IdentityPermission.manage_all_users) or (
        actor.has(IdentityPermission.view_org_users) and actor.organization_id == organization.id
    ):
        users_count = identity_service.list_users(
            session,
            actor=actor,
            filters=UserFilter(organization_id=organization.id),
            page=PageParams(page=1, size=1),
        ).total
    excluded = _descendants(everyone, organization.id)
    carried = []
    for duty in organization.duties:
        named = find_named_duty(duty.article, duty.named_body)
        carried.append(
            {
                "article": duty.article,
                "named_body": duty.named_body,
                "note": duty.note,
                "duty": named.duty if named else "",
            }
        )
    return render(
        request,
        "registry/organization_detail.html",
        status_code=status_code,
        organization=organization,
        parent=by_id.get(organization.parent_id) if organization.parent_id else None,
        children=[o for o in everyone if o.parent_id == organization.id],
        carried=carried,
        carried_notes={f"{d.article}:{d.named_body}": d.note for d in organization.duties},
        users_count=users_count,
        kind_labels=ORGANIZATION_KIND_LABELS,
        kind_options=KIND_OPTIONS,
        parent_options=[(str(o.id), o.name) for o in everyone if o.id not in excluded],
        duty_groups=_duty_groups(),
        form=form or _edit_form(organization),
        errors=errors or {},
        duty_errors=duty_errors or {},
        can_edit=actor.has(RegistryPermission.manage_all),
        can_assign=actor.has(RegistryPermission.assign_duties),
        can_audit=actor.has("audit.read_all")
        or (actor.has("audit.read_own") and actor.organization_id == organization.id),
        saved=t(_SAVED_MESSAGES[saved]) if saved in _SAVED_MESSAGES else "",
    )


@router.get("/registry/organizations/{organization_id}", response_class=HTMLResponse)
def organization_detail(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    organization_id: UUID,
    saved: Annotated[str, Query(max_length=20)] = "",
) -> HTMLResponse:
    return _detail_page(request, session, actor, organization_id, saved=saved)


@router.post("/registry/organizations/{organization_id}", response_class=HTMLResponse)
def organization_update(
    request: Request, session: SessionDep, actor: ActorDep, organization_id: UUID, form: FormDep
) -> Response:
    """The coordinator's edit; errors come back next to their fields, nothing saved."""
    ensure_permission(actor, RegistryPermission.manage_all)
    values: dict[str, Any] = {f: text(form, f) for f in _EDIT_TEXT_FIELDS}
    values.update(
        credit_code=optional(text(form, "credit_code")),
        parent_id=optional(text(form, "parent_id")),
        sort_order=text(form, "sort_order") or "0",
        is_active=checked(form, "is_active"),
    )
    try:
        data = OrganizationUpdate.model_validate(values)
        registry_service.update_organization(
            session, actor=actor, organization_id=organization_id, data=data
        )
    except ValidationError as exc:
        errors = field_errors(exc, OrganizationUpdate)
    except _FORM_ERRORS as exc:
        errors = app_error_fields(exc, default_field=_FIELD_OF_ERROR.get(type(exc), ""))
    else:
        return redirect(request, f"/registry/organizations/{organization_id}?saved=updated")
    shown = {
        **values,
        "credit_code": values["credit_code"] or "",
        "parent_id": values["parent_id"] or "",
    }
    return _detail_page(
        request, session, actor, organization_id, form=shown, errors=errors, status_code=422
    )


@router.post("/registry/organizations/{organization_id}/duties", response_class=HTMLResponse)
def organization_duties(
    request: Request, session: SessionDep, actor: ActorDep, organization_id: UUID, form: FormDep
) -> Response:
    """Replace the regulation duties this organization carries today."""
    try:
        duties = []
        for key in texts(form, "duty"):
            article, _, named_body = key.partition(":")
            duties.append(
                DutyWrite.model_validate(
                    {
                        "article": article,
                        "named_body": named_body,
                        "note": text(form, f"note:{key}"),
                    }
                )
            )
        registry_service.set_duties(
            session, actor=actor, organization_id=organization_id, duties=duties
        )
    except ValidationError as exc:
        errors = {"": t("职责选择无效：{m}", m="；".join(field_errors(exc).values()))}
    except InvalidInputError as exc:
        errors = {"": exc.detail}
    else:
        return redirect(request, f"/registry/organizations/{organization_id}?saved=duties")
    return _detail_page(
        request, session, actor, organization_id, duty_errors=errors, status_code=422
    )


# ---------------------------------------------------------------- duties


@router.get("/registry/duties", response_class=HTMLResponse)
def duties(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    article: Annotated[int | None, Query(ge=1, le=74)] = None,
) -> HTMLResponse:
    """Every duty of the regulation with the organizations carrying it; gaps stand out."""
    rows = registry_service.responsible_organizations(session, actor=actor, article=article)
    groups: dict[int, list[Any]] = {}
    for row in rows:
        groups.setdefault(row.article, []).append(row)
    return render(
        request,
        "registry/duties.html",
        groups=list(groups.items()),
        total=len(rows),
        gaps=sum(1 for r in rows if not r.organizations),
        article=article,
        kind_labels=ORGANIZATION_KIND_LABELS,
    )
