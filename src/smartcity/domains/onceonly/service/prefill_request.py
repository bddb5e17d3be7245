"""Prefill with consent, step 1 (Art. 28): a department's service asks to prefill one of
its forms for a citizen; the platform fixes the fields it may offer. See
:mod:`smartcity.domains.onceonly.service.prefill` for the whole flow."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from sqlalchemy.orm import Session

from smartcity.core.config import OnceOnlySettings
from smartcity.core.identifiers import is_valid_id_number, mask_id_number
from smartcity.core.security import SYSTEM, Actor, ensure_permission
from smartcity.core.time import utcnow
from smartcity.domains.audit import service as audit_service
from smartcity.domains.base_data import service as base_data_service
from smartcity.domains.catalog.enums import ShareType
from smartcity.domains.onceonly.errors import InvalidPrefillRequestError, ServiceFormNotFoundError
from smartcity.domains.onceonly.models import PrefillItem, PrefillRequest, ServiceForm
from smartcity.domains.onceonly.permissions import OnceOnlyPermission
from smartcity.domains.onceonly.prefill_enums import PrefillBasis, PrefillState
from smartcity.domains.onceonly.prefill_schemas import PrefillRequestCreate
from smartcity.domains.onceonly.schemas import FormFieldRead
from smartcity.domains.onceonly.service.forms import find_form_by_code, form_read, get_form
from smartcity.domains.privacy.enums import KEY_RULES, SubjectKind
from smartcity.domains.registry import service as registry_service
from smartcity.domains.sharing import service as sharing_service

# ---------------------------------------------------------------- 1. the request


@dataclass(frozen=True, slots=True)
class _Offer:
    field: FormFieldRead
    basis: PrefillBasis
    grant_id: UUID | None


def _keyed_by_id_number(session: Session, entry_id: UUID) -> bool:
    """The entry's base-data table has one key, and it holds 公民身份号码."""
    table = base_data_service.table_for_entry(session, entry_id)
    if table is None:
        return False
    keys = [f for f in table.fields if f.is_key and not f.retired]
    return len(keys) == 1 and keys[0].rule.value in KEY_RULES[SubjectKind.citizen]


def _offers(session: Session, form: ServiceForm, organization_id: UUID) -> list[_Offer]:
    """The form's fields the department may obtain from a base-data table keyed by
    公民身份号码: its own resource, an active grant covering the item (the checker's
    ``granted``), or an entry shared 无条件. Conditional entries without a grant, entries
    not shared, withdrawn entries and applicant-only fields are not offered."""
    read = form_read(session, form)
    mapped = [
        f
        for f in read.fields
        if f.mapping is not None
        and f.mapping.entry_status == "published"
        and f.mapping.item_id is not None
        and f.mapping.base_table is not None
        and f.mapping.base_column is not None
    ]
    entry_ids = {f.mapping.entry_id for f in mapped if f.mapping is not None}
    coverage = sharing_service.active_grant_coverage(
        session, consumer_organization_ids={organization_id}, entry_ids=entry_ids
    )
    keyed = {entry_id: _keyed_by_id_number(session, entry_id) for entry_id in entry_ids}
    offers: list[_Offer] = []
    for f in mapped:
        mapping = f.mapping
        assert mapping is not None
        if not keyed[mapping.entry_id]:
            continue
        if mapping.provider_organization_id == organization_id:
            offers.append(_Offer(f, PrefillBasis.own, None))
            continue
        grant = next(
            (
                g
                for g in coverage
                if g.entry_id == mapping.entry_id and mapping.item_name in g.items
            ),
            None,
        )
        if grant is not None:
            offers.append(_Offer(f, PrefillBasis.granted, grant.grant_id))
        elif mapping.share_type == ShareType.unconditional.value:
            offers.append(_Offer(f, PrefillBasis.unconditional, None))
    return offers


def _find_form(session: Session, data: PrefillRequestCreate) -> ServiceForm:
    if data.form_id is not None:
        try:
            return get_form(session, actor=SYSTEM, form_id=data.form_id)
        except ServiceFormNotFoundError:
            pass
    else:
        found = find_form_by_code(session, (data.form_code or "").strip())
        if found is not None:
            return found
    raise InvalidPrefillRequestError("找不到该事项", field="form")


def _organization_names(session: Session, ids: Collection[UUID]) -> dict[UUID, str]:
    return {
        organization_id: registry_service.get_organization(
            session, actor=SYSTEM, organization_id=organization_id
        ).name
        for organization_id in ids
    }


def request_prefill(
    session: Session, *, actor: Actor, data: PrefillRequestCreate, settings: OnceOnlySettings
) -> PrefillRequest:
    """Ask to prefill one of the actor's department's forms for the citizen with
    ``data.subject_key`` (Art. 28). The offered fields are fixed now (see
    :func:`_offers`); no value is read, and nothing in the answer depends on whether
    the platform holds the citizen's record. Expires ``settings.prefill_ttl_minutes``
    from now unless answered. Audited (the key masked).

    Raises:
        AuthenticationRequiredError; PermissionDeniedError (no ``onceonly.prefill``);
        InvalidPrefillRequestError: not a valid 公民身份号码, no case reference, no such
            form, a form of another department, or no field the platform may prefill.
    """
    ensure_permission(actor, OnceOnlyPermission.prefill)
    if actor.organization_id is None:
        raise InvalidPrefillRequestError("只有部门的账号可以请求回填", field="organization")
    key = data.subject_key.strip().upper()
    if not is_valid_id_number(key):
        raise InvalidPrefillRequestError(
            "subject_key 应为有效的 18 位公民身份号码（GB 11643）", field="subject_key"
        )
    case_reference = data.case_reference.strip()
    if not case_reference:
        raise InvalidPrefillRequestError("请注明所办理的事项（案卷号等）", field="case_reference")
    form = _find_form(session, data)
    if form.organization_id != actor.organization_id:
        raise InvalidPrefillRequestError("只能为本部门办理的事项请求回填", field="form")
    offers = _offers(session, form, actor.organization_id)
    if not offers:
        raise InvalidPrefillRequestError(
            "本事项没有本部门可从平台获得、可以回填的字段", field="form"
        )
    sources = _organization_names(
        session,
        {
            o.field.mapping.source_organization_id
            for o in offers
            if o.field.mapping is not None and o.field.mapping.source_organization_id
        },
    )
    now = utcnow()
    request = PrefillRequest(
        form=form,
        organization_id=actor.organization_id,
        requested_by_id=actor.id,
        requested_by_name=actor.name[:100],
        subject_key=key,
        case_reference=case_reference,
        purpose=data.purpose.strip() or form.name,
        state=PrefillState.pending,
        expires_at=now + timedelta(minutes=settings.prefill_ttl_minutes),
    )
    request.items = [
        PrefillItem(
            field_id=o.field.id,
            position=o.field.position,
            label=o.field.label,
            entry_id=o.field.mapping.entry_id,
            resource_code=o.field.mapping.resource_code,
            item_name=o.field.mapping.item_name,
            base_table=o.field.mapping.base_table or "",
            source_organization_id=o.field.mapping.source_organization_id,
            source_name=sources.get(o.field.mapping.source_organization_id, "")
            if o.field.mapping.source_organization_id
            else o.field.mapping.provider_name,
            basis=o.basis,
            grant_id=o.grant_id,
        )
        for o in offers
        if o.field.mapping is not None
    ]
    session.add(request)
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action="onceonly.prefill.requested",
        subject=request,
        changes={
            "form": form.code,
            "subject": mask_id_number(key),
            "case_reference": case_reference,
            "offered": [item.label for item in request.items],
        },
        organization_id=actor.organization_id,
    )
    return request
