"""The form registry (事项): who sees and maintains which forms, validation of each
field's mapping against the live catalog, and the read model with the mappings resolved
(the public API the prefill service builds on). Nothing here commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, selectinload

from smartcity.core.errors import PermissionDeniedError
from smartcity.core.pagination import Page, PageParams, paginate
from smartcity.core.security import SYSTEM, Actor, ensure_permission
from smartcity.domains.audit import service as audit_service
from smartcity.domains.base_data import service as base_data_service
from smartcity.domains.catalog import service as catalog_service
from smartcity.domains.catalog.enums import EntryStatus
from smartcity.domains.onceonly.errors import (
    DuplicateFormCodeError,
    InvalidDepartmentError,
    InvalidFormFieldError,
    ServiceFormNotFoundError,
    UnknownInformationItemError,
    WithdrawnEntryMappingError,
)
from smartcity.domains.onceonly.models import FormField, ServiceForm
from smartcity.domains.onceonly.permissions import OnceOnlyPermission
from smartcity.domains.onceonly.schemas import (
    FieldMapping,
    FormFieldRead,
    FormFieldWrite,
    ServiceFormCreate,
    ServiceFormFilter,
    ServiceFormRead,
    ServiceFormSummary,
    ServiceFormUpdate,
)
from smartcity.domains.registry import service as registry_service
from smartcity.domains.registry.errors import OrganizationNotFoundError
from smartcity.domains.registry.models import Organization

# --- visibility --------------------------------------------------------------------------


def visible_forms(actor: Actor) -> Select[ServiceForm]:
    """Forms the actor may see: every department's for the coordinator and auditors, its
    own department's for department staff.

    Raises:
        AuthenticationRequiredError; PermissionDeniedError: no ``onceonly.read_forms``.
    """
    ensure_permission(actor, OnceOnlyPermission.read_forms)
    statement = select(ServiceForm)
    if actor.has(OnceOnlyPermission.read_all):
        return statement
    return statement.where(ServiceForm.organization_id == actor.organization_id)


def may_manage(actor: Actor, organization_id: UUID) -> bool:
    """The coordinator maintains every form, a department administrator his own
    department's."""
    return actor.has(OnceOnlyPermission.manage_all_forms) or (
        actor.has(OnceOnlyPermission.manage_forms)
        and actor.organization_id is not None
        and actor.organization_id == organization_id
    )


def _ensure_may_manage(actor: Actor, organization_id: UUID) -> None:
    if actor.has(OnceOnlyPermission.manage_all_forms):
        return
    ensure_permission(actor, OnceOnlyPermission.manage_forms)
    if not may_manage(actor, organization_id):
        raise PermissionDeniedError(
            "单位管理员只能维护本单位的事项", permission=OnceOnlyPermission.manage_all_forms
        )


def loaded(statement: Select[ServiceForm]) -> Select[ServiceForm]:
    """``statement`` with the forms' fields and department loaded."""
    return statement.options(
        selectinload(ServiceForm.fields), selectinload(ServiceForm.organization)
    )


def get_form(
    session: Session, *, actor: Actor, form_id: UUID, for_update: bool = False
) -> ServiceForm:
    """One form the actor may see, with its fields and department loaded.

    Raises:
        AuthenticationRequiredError; PermissionDeniedError; ServiceFormNotFoundError.
    """
    statement = loaded(visible_forms(actor).where(ServiceForm.id == form_id))
    if for_update:
        statement = statement.with_for_update()
    form = session.scalars(statement).one_or_none()
    if form is None:
        raise ServiceFormNotFoundError(form_id=form_id)
    return form


def list_forms(
    session: Session, *, actor: Actor, filters: ServiceFormFilter, page: PageParams
) -> Page[ServiceFormSummary]:
    """A page of the forms the actor may see, by department then code.

    Raises:
        AuthenticationRequiredError; PermissionDeniedError.
    """
    statement = visible_forms(actor)
    if filters.organization_id is not None:
        statement = statement.where(ServiceForm.organization_id == filters.organization_id)
    if filters.q:
        like = f"%{filters.q}%"
        statement = statement.where(or_(ServiceForm.name.like(like), ServiceForm.code.like(like)))
    statement = statement.options(selectinload(ServiceForm.organization)).order_by(
        ServiceForm.organization_id, ServiceForm.code
    )
    result = paginate(session, statement, page)
    counts = _field_counts(session, [form.id for form in result.items])
    return result.map(
        lambda form: ServiceFormSummary(
            id=form.id,
            code=form.code,
            name=form.name,
            organization_id=form.organization_id,
            organization_name=form.organization.name,
            channel=form.channel,
            field_count=counts.get(form.id, 0),
            updated_at=form.updated_at,
        )
    )


def _field_counts(session: Session, form_ids: Sequence[UUID]) -> dict[UUID, int]:
    if not form_ids:
        return {}
    rows = session.execute(
        select(FormField.form_id, func.count())
        .where(FormField.form_id.in_(form_ids))
        .group_by(FormField.form_id)
    ).all()
    return {form_id: count for form_id, count in rows}


# --- the read model (public: the prefill service uses it) -------------------------------


@dataclass(frozen=True, slots=True)
class EntryView:
    id: UUID
    resource_code: str
    name: str
    status: EntryStatus
    share_type: str
    provider_organization_id: UUID
    provider_name: str
    items: dict[str, UUID]


def entry_views(session: Session, entry_ids: Sequence[UUID]) -> dict[UUID, EntryView]:
    """The catalog entries the fields name (any status), with their item ids by name;
    one query through the catalog's public service."""
    return {
        entry.id: EntryView(
            id=entry.id,
            resource_code=entry.resource_code,
            name=entry.name,
            status=entry.status,
            share_type=entry.share_type.value,
            provider_organization_id=entry.provider_organization_id,
            provider_name=entry.provider.name,
            items={item.name: item.id for item in entry.items},
        )
        for entry in catalog_service.get_entries_with_items(session, set(entry_ids))
    }


def _mapped_entry_ids(fields: Sequence[FormField]) -> list[UUID]:
    return sorted({f.entry_id for f in fields if f.entry_id is not None}, key=str)


def _mapping(field: FormField, entry: EntryView | None, table: Any) -> FieldMapping | None:
    if field.entry_id is None or field.applicant_only or entry is None:
        return None
    column = (
        next((c for c in table.fields if c.name == field.item_name and not c.retired), None)
        if table is not None
        else None
    )
    return FieldMapping(
        entry_id=entry.id,
        resource_code=entry.resource_code,
        entry_name=entry.name,
        entry_status=entry.status.value,
        share_type=entry.share_type,
        provider_organization_id=entry.provider_organization_id,
        provider_name=entry.provider_name,
        item_id=entry.items.get(field.item_name),
        item_name=field.item_name,
        base_table=table.table_name if table is not None else None,
        base_column=column.column_name if column is not None else None,
        source_organization_id=column.source_organization_id if column is not None else None,
    )


def form_read(session: Session, form: ServiceForm) -> ServiceFormRead:
    """A loaded form as the API and the prefill service read it (one catalog query and one
    base-data query per mapped entry)."""
    entries = entry_views(session, _mapped_entry_ids(form.fields))
    tables = {
        entry_id: base_data_service.table_for_entry(session, entry_id) for entry_id in entries
    }
    return ServiceFormRead(
        id=form.id,
        code=form.code,
        name=form.name,
        organization_id=form.organization_id,
        organization_name=form.organization.name,
        channel=form.channel,
        description=form.description,
        fields=[
            FormFieldRead(
                id=f.id,
                position=f.position,
                label=f.label,
                collection=f.collection,
                applicant_only=f.applicant_only,
                applicant_only_reason=f.applicant_only_reason,
                mapping=_mapping(
                    f,
                    entries.get(f.entry_id) if f.entry_id is not None else None,
                    tables.get(f.entry_id) if f.entry_id is not None else None,
                ),
            )
            for f in form.fields
        ],
        created_at=form.created_at,
        updated_at=form.updated_at,
    )


def read_form(session: Session, *, actor: Actor, form_id: UUID) -> ServiceFormRead:
    """A form with its fields in order and each field's catalog mapping: the entry
    (id, resource code, name, status, share type, provider), the information item (id
    and name) and, for base-database resources, the ``bd_*`` table and column with the
    item's source department. Unmapped fields (仅申请人提供) have ``mapping`` None.

    This is the public read of the registry: the prefill service calls it (with the
    ``SYSTEM`` actor when a service API client asks for a prefill of any department's
    form) to learn which values a form may take from where.

    Raises:
        AuthenticationRequiredError; PermissionDeniedError; ServiceFormNotFoundError.
    """
    return form_read(session, get_form(session, actor=actor, form_id=form_id))


def find_form_by_code(session: Session, code: str) -> ServiceForm | None:
    """The form with this matter code, fields loaded (for demo data and imports)."""
    return session.scalars(
        loaded(select(ServiceForm).where(ServiceForm.code == code))
    ).one_or_none()


# --- writing -----------------------------------------------------------------------------


def _validate_fields(session: Session, fields: Sequence[FormFieldWrite]) -> None:
    """Each field mapped to a live item of a published entry, or 仅申请人提供 with a
    reason; never both, never neither.

    Raises:
        InvalidFormFieldError; UnknownInformationItemError; WithdrawnEntryMappingError.
    """
    entries = entry_views(session, [f.entry_id for f in fields if f.entry_id is not None])
    for index, f in enumerate(fields):
        where: dict[str, Any] = {"field_index": index, "label": f.label}
        if f.applicant_only:
            if f.entry_id is not None or f.item_name:
                raise InvalidFormFieldError(
                    f"第 {index + 1} 项“{f.label}”标为仅申请人提供，不能同时映射信息项",
                    reason="both",
                    **where,
                )
            if not f.applicant_only_reason.strip():
                raise InvalidFormFieldError(
                    f"第 {index + 1} 项“{f.label}”标为仅申请人提供，须说明理由",
                    reason="reason-required",
                    **where,
                )
            continue
        if f.entry_id is None or not f.item_name:
            raise InvalidFormFieldError(
                f"第 {index + 1} 项“{f.label}”须映射到目录信息项，或标为仅申请人提供",
                reason="mapping-required",
                **where,
            )
        entry = entries.get(f.entry_id)
        if entry is None or entry.status is EntryStatus.draft:
            raise UnknownInformationItemError(
                f"第 {index + 1} 项“{f.label}”映射的目录不存在或尚未发布",
                reason="unknown-entry",
                entry_id=str(f.entry_id),
                **where,
            )
        if entry.status is EntryStatus.withdrawn:
            raise WithdrawnEntryMappingError(
                f"第 {index + 1} 项“{f.label}”映射的目录“{entry.name}”已撤销",
                reason="entry-withdrawn",
                entry_id=str(f.entry_id),
                **where,
            )
        if f.item_name not in entry.items:
            raise UnknownInformationItemError(
                f"第 {index + 1} 项“{f.label}”：目录“{entry.name}”没有信息项“{f.item_name}”",
                reason="unknown-item",
                entry_id=str(f.entry_id),
                item_name=f.item_name,
                **where,
            )


def _apply_fields(form: ServiceForm, fields: Sequence[FormFieldWrite]) -> None:
    """Make ``form.fields`` the given list in order, keeping the rows (and ids) of fields
    written with their id."""
    existing = {f.id: f for f in form.fields}
    wanted: list[FormField] = []
    for index, data in enumerate(fields):
        if data.id is not None:
            row = existing.get(data.id)
            if row is None:
                raise InvalidFormFieldError(
                    f"第 {index + 1} 项：本事项没有这个字段",
                    reason="unknown-field-id",
                    field_index=index,
                    field_id=str(data.id),
                )
        else:
            row = FormField()
        row.position = index + 1
        row.label = data.label
        row.applicant_only = data.applicant_only
        row.applicant_only_reason = (
            data.applicant_only_reason.strip() if data.applicant_only else ""
        )
        row.entry_id = None if data.applicant_only else data.entry_id
        row.item_name = "" if data.applicant_only else data.item_name
        row.collection = data.collection
        wanted.append(row)
    form.fields = wanted


def _snapshot(form: ServiceForm) -> dict[str, Any]:
    return {
        "code": form.code,
        "name": form.name,
        "organization_id": str(form.organization_id),
        "channel": form.channel.value,
        "fields": [
            {
                "label": f.label,
                "entry_id": str(f.entry_id) if f.entry_id else None,
                "item_name": f.item_name,
                "applicant_only": f.applicant_only,
                "collection": f.collection.value,
            }
            for f in form.fields
        ],
    }


def _organization(session: Session, actor: Actor, requested: UUID | None) -> Organization:
    organization_id = requested or actor.organization_id
    if organization_id is None:
        raise InvalidDepartmentError("请指定办理部门", field="organization_id")
    try:
        return registry_service.get_organization(
            session, actor=SYSTEM, organization_id=organization_id
        )
    except OrganizationNotFoundError as error:
        raise InvalidDepartmentError("办理部门不存在", field="organization_id") from error


def create_form(session: Session, *, actor: Actor, data: ServiceFormCreate) -> ServiceForm:
    """Register a form with its fields (a department administrator for his department,
    the coordinator for any). Audited.

    Raises:
        AuthenticationRequiredError; PermissionDeniedError; InvalidDepartmentError;
        DuplicateFormCodeError; InvalidFormFieldError (and its subclasses).
    """
    if not actor.has(OnceOnlyPermission.manage_all_forms):
        ensure_permission(actor, OnceOnlyPermission.manage_forms)
    organization = _organization(session, actor, data.organization_id)
    organization_id = organization.id
    _ensure_may_manage(actor, organization_id)
    if session.scalar(select(ServiceForm.id).where(ServiceForm.code == data.code)) is not None:
        raise DuplicateFormCodeError(f"事项编码 {data.code} 已存在", code_value=data.code)
    _validate_fields(session, data.fields)
    form = ServiceForm(
        code=data.code,
        name=data.name,
        organization=organization,
        channel=data.channel,
        description=data.description,
        fields=[],
    )
    _apply_fields(form, data.fields)
    session.add(form)
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action="onceonly.form.created",
        subject=form,
        changes=_snapshot(form),
        organization_id=organization_id,
    )
    return form


def update_form(
    session: Session, *, actor: Actor, form_id: UUID, data: ServiceFormUpdate
) -> ServiceForm:
    """Change a form's name, channel, description or fields (the whole list, in order).
    Audited with the before and after.

    Raises:
        AuthenticationRequiredError; PermissionDeniedError; ServiceFormNotFoundError;
        InvalidFormFieldError (and its subclasses).
    """
    form = get_form(session, actor=actor, form_id=form_id, for_update=True)
    _ensure_may_manage(actor, form.organization_id)
    before = _snapshot(form)
    changes = data.model_dump(exclude_unset=True)
    if "fields" in changes and data.fields is not None:
        _validate_fields(session, data.fields)
        _apply_fields(form, data.fields)
    for name in ("name", "channel", "description"):
        value = getattr(data, name)
        if name in changes and value is not None:
            setattr(form, name, value)
    session.flush()
    after = _snapshot(form)
    audit_service.record(
        session,
        actor=actor,
        action="onceonly.form.updated",
        subject=form,
        changes={k: [before[k], after[k]] for k in after if before[k] != after[k]},
        organization_id=form.organization_id,
    )
    return form
