"""HTML pages of the information systems registry and the city cloud (Art. 22, 62, 70):
the registry with filters, one system with the difference against its approved
description, registration and edit forms, change proposals, the coordinator's review
queue, the migration dashboard and the Art. 70 report."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from smartcity.core.errors import ConflictError, InvalidInputError
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
)
from smartcity.core.http.htmx import render
from smartcity.core.i18n import t
from smartcity.core.pagination import PageParams
from smartcity.core.security import Actor, ensure_permission
from smartcity.domains.identity.deps import ActorDep
from smartcity.domains.registry import service as registry_service
from smartcity.domains.registry.enums import (
    ASSESSMENT_RESULT_LABELS,
    BACKUP_ARRANGEMENT_LABELS,
    CHANGE_REQUEST_STATUS_LABELS,
    CLOUD_STATUS_LABELS,
    PROTECTION_LEVEL_LABELS,
    SYSTEM_CHANGE_KIND_LABELS,
    SYSTEM_LIFECYCLE_LABELS,
    ChangeRequestStatus,
    SystemChangeKind,
    SystemLifecycle,
)
from smartcity.domains.registry.errors import (
    LegalBasisNotFoundError,
    OrganizationNotFoundError,
)
from smartcity.domains.registry.permissions import RegistryPermission
from smartcity.domains.registry.schemas import (
    InformationSystemCreate,
    InformationSystemFilter,
    InformationSystemRead,
    InformationSystemSummary,
    InformationSystemUpdate,
    LegalBasisFilter,
    LegalBasisRead,
    OrganizationSummary,
    SystemChangeCreate,
    SystemChangeRequestFilter,
    SystemChangeRequestRead,
)

router = APIRouter(include_in_schema=False)

SystemFilterDep = Annotated[InformationSystemFilter, Depends(query_model(InformationSystemFilter))]
# Service errors a form shows next to its fields; anything else (403, 404 of the
# system itself) becomes the problem page.
_FORM_ERRORS = (
    InvalidInputError,
    ConflictError,
    LegalBasisNotFoundError,
    OrganizationNotFoundError,
)
_SAVED_MESSAGES = {
    "registered": "信息系统已登记，登记申请已提交平台主管部门审核。",
    "updated": "修改已保存；与已审核描述的差异在下方标出。",
    "proposed": "变更申请已提交，经平台主管部门审核通过后生效。",
}
_REVIEW_MESSAGES = {"approved": "已审核通过。", "rejected": "已退回。"}
_ALL_REQUESTS = PageParams(page=1, size=100)
_VOCABULARY = PageParams(page=1, size=200)
_CONTACT_ROWS = 3
_TEXT_FIELDS = (
    "name",
    "purpose",
    "legal_basis_note",
    "backup_note",
    "exemption_reason",
)


def _options(labels: Mapping[Any, str]) -> list[tuple[str, str]]:
    return [(str(getattr(key, "value", key)), label) for key, label in labels.items()]


def _managers_of(actor: Actor, owner_id: UUID) -> bool:
    """Whether the page offers editing; the service decides for real."""
    return actor.has(RegistryPermission.manage_all_systems) or (
        actor.has(RegistryPermission.manage_own_systems) and actor.organization_id == owner_id
    )


def _can_register(actor: Actor) -> bool:
    return actor.has(RegistryPermission.manage_all_systems) or (
        actor.has(RegistryPermission.manage_own_systems) and actor.organization_id is not None
    )


def _labels() -> dict[str, Any]:
    return {
        "lifecycle_labels": SYSTEM_LIFECYCLE_LABELS,
        "cloud_labels": CLOUD_STATUS_LABELS,
        "backup_labels": BACKUP_ARRANGEMENT_LABELS,
        "assessment_labels": ASSESSMENT_RESULT_LABELS,
        "level_labels": PROTECTION_LEVEL_LABELS,
        "kind_labels": SYSTEM_CHANGE_KIND_LABELS,
        "status_labels": CHANGE_REQUEST_STATUS_LABELS,
    }


def _organizations(session: SessionDep, actor: Actor) -> list[OrganizationSummary]:
    return [
        OrganizationSummary.model_validate(o)
        for o in registry_service.all_organizations(session, actor=actor)
    ]


def _vocabulary(session: SessionDep, actor: Actor) -> list[LegalBasisRead]:
    page = registry_service.list_legal_bases(
        session,
        actor=actor,
        filters=LegalBasisFilter(include_repealed=True),
        page=_VOCABULARY,
    )
    return [LegalBasisRead.model_validate(b) for b in page.items]


# ---------------------------------------------------------------- the registry


@router.get("/registry/systems", response_class=HTMLResponse)
def system_list(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    page: PageParamsDep,
    filters: SystemFilterDep,
) -> HTMLResponse:
    """The registry, filtered as the user types (htmx swaps only the results)."""
    result = registry_service.list_information_systems(
        session, actor=actor, filters=filters, page=page
    )
    return render(
        request,
        "registry/systems/list.html",
        partial="registry/systems/_results.html",
        page=result.map(InformationSystemSummary.model_validate),
        filters=filters,
        owner_options=[(str(o.id), o.name) for o in _organizations(session, actor)],
        lifecycle_options=_options(SYSTEM_LIFECYCLE_LABELS),
        cloud_options=_options(CLOUD_STATUS_LABELS),
        level_options=[(str(k), v) for k, v in PROTECTION_LEVEL_LABELS.items()],
        can_register=_can_register(actor),
        pending=registry_service.count_pending_change_requests(session, actor=actor),
        **_labels(),
    )


# ---------------------------------------------------------------- register and edit


def _form_values(form: FormData) -> dict[str, Any]:
    """The fields both forms share, as the schemas want them."""
    values: dict[str, Any] = {name: text(form, name) for name in _TEXT_FIELDS}
    contacts = []
    names, roles, phones = (form.getlist(f"contact_{part}") for part in ("name", "role", "phone"))
    for name, role, phone in zip(names, roles, phones, strict=False):
        row = {"name": str(name).strip(), "role": str(role).strip(), "phone": str(phone).strip()}
        if any(row.values()):
            contacts.append(row)
    values.update(
        legal_basis_ids=texts(form, "legal_basis_ids"),
        contacts=contacts,
        user_count=text(form, "user_count") or "0",
        data_volume_gb=text(form, "data_volume_gb") or "0",
        protection_level=text(form, "protection_level"),
        protection_assessed_date=optional(text(form, "protection_assessed_date")),
        protection_assessment_result=optional(text(form, "protection_assessment_result")),
        backup_arrangement=text(form, "backup_arrangement") or "none",
        cloud_status=text(form, "cloud_status"),
        migration_planned_date=optional(text(form, "migration_planned_date")),
        exemption_legal_basis_id=optional(text(form, "exemption_legal_basis_id")),
    )
    return values


def _lines(form: FormData, name: str) -> list[str]:
    value = form.get(name)
    return [line.strip() for line in str(value or "").splitlines() if line.strip()]


def _shown(values: Mapping[str, Any]) -> dict[str, Any]:
    """What the form shows again after an error: the user's input, as typed."""
    shown = {k: ("" if v is None else v) for k, v in values.items()}
    contacts = list(values.get("contacts") or [])
    shown["contacts"] = contacts + [{"name": "", "role": "", "phone": ""}] * max(
        0, _CONTACT_ROWS - len(contacts)
    )
    for name in ("data_holdings", "resources_used"):
        shown[name] = "\n".join(values.get(name) or [])
    shown["legal_basis_ids"] = [str(i) for i in values.get("legal_basis_ids") or []]
    return shown


def _form_page(
    request: Request,
    session: SessionDep,
    actor: Actor,
    *,
    form: Mapping[str, Any],
    errors: FieldErrors | None = None,
    system: InformationSystemRead | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    if system is None:
        if actor.has(RegistryPermission.manage_all_systems):
            owners = [(str(o.id), o.name) for o in _organizations(session, actor)]
        else:
            owners = [
                (str(o.id), o.name)
                for o in _organizations(session, actor)
                if o.id == actor.organization_id
            ]
        lifecycles = [
            (k, v) for k, v in _options(SYSTEM_LIFECYCLE_LABELS) if k != SystemLifecycle.retired
        ]
    else:
        owners = []
        lifecycles = [
            (k, v)
            for k, v in _options(SYSTEM_LIFECYCLE_LABELS)
            if k in (SystemLifecycle.planned, SystemLifecycle.building)
        ]
    vocabulary = _vocabulary(session, actor)
    # Articles repealed since the system cited them stay on the form, so saving it does
    # not silently drop them; new citations must be in force (the service checks).
    cited = {b.id for b in system.legal_bases} if system is not None else set()
    if system is not None and system.exemption_legal_basis is not None:
        cited.add(system.exemption_legal_basis.id)
    return render(
        request,
        "registry/systems/form.html",
        status_code=status_code,
        system=system,
        form=form,
        errors=errors or {},
        owner_options=owners,
        lifecycle_options=lifecycles,
        cloud_options=_options(CLOUD_STATUS_LABELS),
        backup_options=_options(BACKUP_ARRANGEMENT_LABELS),
        assessment_options=_options(ASSESSMENT_RESULT_LABELS),
        level_options=[(str(k), v) for k, v in PROTECTION_LEVEL_LABELS.items()],
        legal_basis_options=[
            (str(b.id), b.citation if not b.repealed_date else t("{c}（已废止）", c=b.citation))
            for b in vocabulary
            if not b.repealed_date or b.id in cited
        ],
        **_labels(),
    )


def _ensure_registrar(actor: Actor) -> None:
    if not actor.has(RegistryPermission.manage_all_systems):
        ensure_permission(actor, RegistryPermission.manage_own_systems)


@router.get("/registry/systems/new", response_class=HTMLResponse)
def register_form(request: Request, session: SessionDep, actor: ActorDep) -> HTMLResponse:
    _ensure_registrar(actor)
    blank: dict[str, Any] = {
        "owner_organization_id": str(actor.organization_id or ""),
        "lifecycle_status": SystemLifecycle.planned.value,
        "cloud_status": "deployed",
        "protection_level": "2",
        "backup_arrangement": "city_cloud_dr",
        "user_count": "0",
        "data_volume_gb": "0",
    }
    return _form_page(request, session, actor, form=_shown(blank))


@router.post("/registry/systems/new", response_class=HTMLResponse)
def register_submit(
    request: Request, session: SessionDep, actor: ActorDep, form: FormDep
) -> Response:
    """Register a system; errors come back next to their fields and nothing is saved."""
    _ensure_registrar(actor)
    values = _form_values(form)
    values.update(
        owner_organization_id=text(form, "owner_organization_id"),
        code=text(form, "code"),
        lifecycle_status=text(form, "lifecycle_status"),
        is_preexisting=checked(form, "is_preexisting"),
        data_holdings=_lines(form, "data_holdings"),
        resources_used=_lines(form, "resources_used"),
    )
    try:
        data = InformationSystemCreate.model_validate(values)
        system = registry_service.register_system(session, actor=actor, data=data)
    except ValidationError as exc:
        errors = field_errors(exc, InformationSystemCreate)
    except _FORM_ERRORS as exc:
        errors = app_error_fields(exc)
    else:
        return redirect(request, f"/registry/systems/{system.id}?saved=registered")
    return _form_page(request, session, actor, form=_shown(values), errors=errors, status_code=422)


def _read(session: SessionDep, actor: Actor, system_id: UUID) -> InformationSystemRead:
    return InformationSystemRead.model_validate(
        registry_service.get_information_system(session, actor=actor, system_id=system_id)
    )


def _edit_values(system: InformationSystemRead) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(system, name) for name in _TEXT_FIELDS}
    values.update(
        legal_basis_ids=[b.id for b in system.legal_bases],
        contacts=[c.model_dump() for c in system.contacts],
        user_count=system.user_count,
        data_volume_gb=system.data_volume_gb,
        lifecycle_status=system.lifecycle_status.value,
        protection_level=system.protection_level,
        protection_assessed_date=system.protection_assessed_date,
        protection_assessment_result=getattr(system.protection_assessment_result, "value", ""),
        backup_arrangement=system.backup_arrangement.value,
        cloud_status=system.cloud_status.value,
        migration_planned_date=system.migration_planned_date,
        exemption_legal_basis_id=(
            system.exemption_legal_basis.id if system.exemption_legal_basis else ""
        ),
    )
    return values


@router.get("/registry/systems/{system_id}/edit", response_class=HTMLResponse)
def edit_form(
    request: Request, session: SessionDep, actor: ActorDep, system_id: UUID
) -> HTMLResponse:
    system = _read(session, actor, system_id)
    if not _managers_of(actor, system.owner_organization_id):
        ensure_permission(actor, RegistryPermission.manage_all_systems)
    return _form_page(request, session, actor, form=_shown(_edit_values(system)), system=system)


@router.post("/registry/systems/{system_id}/edit", response_class=HTMLResponse)
def edit_submit(
    request: Request, session: SessionDep, actor: ActorDep, system_id: UUID, form: FormDep
) -> Response:
    """Edit the description; lifecycle and data composition are not on this form."""
    system = _read(session, actor, system_id)
    values = _form_values(form)
    if system.lifecycle_status in (SystemLifecycle.planned, SystemLifecycle.building):
        values["lifecycle_status"] = text(form, "lifecycle_status")
    try:
        data = InformationSystemUpdate.model_validate(values)
        registry_service.update_system(session, actor=actor, system_id=system_id, data=data)
    except ValidationError as exc:
        errors = field_errors(exc, InformationSystemUpdate)
    except _FORM_ERRORS as exc:
        errors = app_error_fields(exc)
    else:
        return redirect(request, f"/registry/systems/{system_id}?saved=updated")
    values.setdefault("lifecycle_status", system.lifecycle_status.value)
    return _form_page(
        request,
        session,
        actor,
        form=_shown(values),
        errors=errors,
        system=system,
        status_code=422,
    )


# ---------------------------------------------------------------- the review queue
# Declared before the pages of one system: FastAPI does not fall through to the next
# route when "reviews" fails to parse as a system id.


def _review_page(
    request: Request,
    session: SessionDep,
    actor: Actor,
    *,
    errors: Mapping[str, str] | None = None,
    opinions: Mapping[str, str] | None = None,
    done: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    ensure_permission(actor, RegistryPermission.review_system_changes)
    queue = registry_service.list_change_requests(
        session,
        actor=actor,
        filters=SystemChangeRequestFilter(status=ChangeRequestStatus.pending),
        page=_ALL_REQUESTS,
    ).map(SystemChangeRequestRead.model_validate)
    decided = registry_service.list_change_requests(
        session,
        actor=actor,
        filters=SystemChangeRequestFilter(),
        page=PageParams(page=1, size=10),
    ).map(SystemChangeRequestRead.model_validate)
    return render(
        request,
        "registry/systems/reviews.html",
        status_code=status_code,
        queue=queue,
        recent=[r for r in decided.items if r.status is not ChangeRequestStatus.pending],
        errors=errors or {},
        opinions=opinions or {},
        done=t(_REVIEW_MESSAGES[done]) if done in _REVIEW_MESSAGES else "",
        **_labels(),
    )


@router.get("/registry/systems/reviews", response_class=HTMLResponse)
def review_queue(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    done: Annotated[str, Query(max_length=20)] = "",
) -> HTMLResponse:
    """The coordinator's queue of pending change requests, oldest first."""
    return _review_page(request, session, actor, done=done)


def _decide(
    request: Request,
    session: SessionDep,
    actor: Actor,
    change_request_id: UUID,
    form: FormData,
    *,
    approve: bool,
) -> Response:
    opinion = text(form, "opinion")
    try:
        if approve:
            registry_service.approve_system_change(
                session, actor=actor, change_request_id=change_request_id, opinion=opinion
            )
        else:
            registry_service.reject_system_change(
                session, actor=actor, change_request_id=change_request_id, opinion=opinion
            )
    except (InvalidInputError, ConflictError) as exc:
        key = str(change_request_id)
        return _review_page(
            request,
            session,
            actor,
            errors={key: exc.detail},
            opinions={key: opinion},
            status_code=422,
        )
    return redirect(
        request, f"/registry/systems/reviews?done={'approved' if approve else 'rejected'}"
    )


@router.post(
    "/registry/systems/change-requests/{change_request_id}/approve", response_class=HTMLResponse
)
def approve_change(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    change_request_id: UUID,
    form: FormDep,
) -> Response:
    return _decide(request, session, actor, change_request_id, form, approve=True)


@router.post(
    "/registry/systems/change-requests/{change_request_id}/reject", response_class=HTMLResponse
)
def reject_change(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    change_request_id: UUID,
    form: FormDep,
) -> Response:
    return _decide(request, session, actor, change_request_id, form, approve=False)


# ---------------------------------------------------------------- one system


_VALUE_LABELS: dict[str, Mapping[Any, str]] = {
    "lifecycle_status": SYSTEM_LIFECYCLE_LABELS,
    "cloud_status": CLOUD_STATUS_LABELS,
    "backup_arrangement": BACKUP_ARRANGEMENT_LABELS,
    "protection_assessment_result": ASSESSMENT_RESULT_LABELS,
    "protection_level": PROTECTION_LEVEL_LABELS,
}


def _display(value: Any, field: str, citations: Mapping[str, str]) -> str:
    """A description value as people read it (for the difference table)."""
    if value is None or value == [] or value == "":
        return "—"
    if field == "legal_bases":
        return "；".join(citations.get(code, code) for code in value)
    if field == "exemption_legal_basis":
        return citations.get(value, value)
    if field == "contacts":
        return "；".join(
            f"{c.get('name', '')}（{c.get('role') or '—'}，{c.get('phone') or '—'}）" for c in value
        )
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(_VALUE_LABELS.get(field, {}).get(value, value))


@router.get("/registry/systems/{system_id}", response_class=HTMLResponse)
def system_detail(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    system_id: UUID,
    saved: Annotated[str, Query(max_length=20)] = "",
) -> HTMLResponse:
    """One system: its description with what differs from the approved one marked, and
    its change requests with their decisions (visible to its owner and the coordinator)."""
    model = registry_service.get_information_system(session, actor=actor, system_id=system_id)
    system = InformationSystemRead.model_validate(model)
    citations = {b.code: b.citation for b in _vocabulary(session, actor)}
    differences = [
        {
            "field": d.field,
            "label": registry_service.DESCRIPTION_LABELS[d.field],
            "approved": _display(d.approved, d.field, citations),
            "current": _display(d.current, d.field, citations),
        }
        for d in registry_service.system_diff(model)
    ]
    requests = registry_service.list_change_requests(
        session,
        actor=actor,
        filters=SystemChangeRequestFilter(system_id=system_id),
        page=_ALL_REQUESTS,
    ).map(SystemChangeRequestRead.model_validate)
    can_manage = _managers_of(actor, system.owner_organization_id)
    return render(
        request,
        "registry/systems/detail.html",
        system=system,
        differences=differences,
        changed={d["field"] for d in differences},
        requests=requests.items,
        can_manage=can_manage and system.lifecycle_status is not SystemLifecycle.retired,
        can_review=actor.has(RegistryPermission.review_system_changes),
        can_audit=actor.has("audit.read_all")
        or (actor.has("audit.read_own") and actor.organization_id == system.owner_organization_id),
        saved=t(_SAVED_MESSAGES[saved]) if saved in _SAVED_MESSAGES else "",
        **_labels(),
    )


# ---------------------------------------------------------------- change proposals


_PROPOSABLE = (
    SystemChangeKind.go_live,
    SystemChangeKind.composition_change,
    SystemChangeKind.retirement,
    SystemChangeKind.registration,
)


def _change_page(
    request: Request,
    system: InformationSystemRead,
    *,
    form: Mapping[str, Any],
    errors: FieldErrors | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "registry/systems/change_form.html",
        status_code=status_code,
        system=system,
        form=form,
        errors=errors or {},
        kind_options=[(k.value, SYSTEM_CHANGE_KIND_LABELS[k]) for k in _PROPOSABLE],
        **_labels(),
    )


@router.get("/registry/systems/{system_id}/changes/new", response_class=HTMLResponse)
def change_form(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    system_id: UUID,
    kind: Annotated[SystemChangeKind | None, Query()] = None,
) -> HTMLResponse:
    system = _read(session, actor, system_id)
    if not _managers_of(actor, system.owner_organization_id):
        ensure_permission(actor, RegistryPermission.manage_all_systems)
    default = kind or (
        SystemChangeKind.registration
        if system.approved_snapshot is None
        else SystemChangeKind.go_live
        if system.lifecycle_status in (SystemLifecycle.planned, SystemLifecycle.building)
        else SystemChangeKind.composition_change
    )
    form = {
        "kind": default.value,
        "data_holdings": "\n".join(system.data_holdings),
        "resources_used": "\n".join(system.resources_used),
        "reason": "",
    }
    return _change_page(request, system, form=form)


@router.post("/registry/systems/{system_id}/changes/new", response_class=HTMLResponse)
def change_submit(
    request: Request, session: SessionDep, actor: ActorDep, system_id: UUID, form: FormDep
) -> Response:
    """Propose a change; it takes effect when the coordinator approves it."""
    system = _read(session, actor, system_id)
    kind = text(form, "kind")
    values: dict[str, Any] = {"kind": kind, "reason": text(form, "reason")}
    if kind == SystemChangeKind.composition_change.value:
        values["data_holdings"] = _lines(form, "data_holdings")
        values["resources_used"] = _lines(form, "resources_used")
    try:
        data = SystemChangeCreate.model_validate(values)
        registry_service.propose_system_change(session, actor=actor, system_id=system_id, data=data)
    except ValidationError as exc:
        errors = field_errors(exc, SystemChangeCreate)
    except _FORM_ERRORS as exc:
        errors = app_error_fields(exc)
    else:
        return redirect(request, f"/registry/systems/{system_id}?saved=proposed")
    shown = {
        "kind": kind,
        "reason": values["reason"],
        "data_holdings": "\n".join(_lines(form, "data_holdings")),
        "resources_used": "\n".join(_lines(form, "resources_used")),
    }
    return _change_page(request, system, form=shown, errors=errors, status_code=422)


# ---------------------------------------------------------------- the city cloud


def _percent(rate: float | None) -> float | None:
    return round(rate * 100, 1) if rate is not None else None


@router.get("/registry/cloud", response_class=HTMLResponse)
def cloud_dashboard(request: Request, session: SessionDep, actor: ActorDep) -> HTMLResponse:
    """Migration to the city cloud per county and per department, with charts."""
    dashboard = registry_service.migration_dashboard(session, actor=actor)
    chart = {
        "counties": {
            "labels": [c.name for c in dashboard.counties],
            "label": t("迁移率（%）"),
            "values": [_percent(c.figures.rate) for c in dashboard.counties],
        },
        "departments": {
            "labels": [d.name for d in dashboard.departments],
            "label": t("迁移率（%）"),
            "values": [_percent(d.figures.rate) for d in dashboard.departments],
            "horizontal": True,
        },
    }
    return render(
        request,
        "registry/systems/dashboard.html",
        dashboard=dashboard,
        chart=chart,
        **_labels(),
    )


@router.get("/registry/cloud/overdue", response_class=HTMLResponse)
def overdue_report(request: Request, session: SessionDep, actor: ActorDep) -> HTMLResponse:
    """Art. 70: departments' systems still off the city cloud and how late they are."""
    report = registry_service.overdue_migration_report(session, actor=actor)
    return render(request, "registry/systems/overdue.html", report=report, **_labels())
