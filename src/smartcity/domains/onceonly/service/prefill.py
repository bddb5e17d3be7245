"""Prefill with the citizen's consent and preview (Art. 28: 凡属于在平台可以获得的信息，
不得要求重复提供), on Singapore Myinfo's consent flow and the EU OOTS preview.

1. **Request.** A department's service (an API client) asks to prefill one of its
   department's forms for a citizen (公民身份号码) with a case reference. The platform
   offers the form's mapped fields whose catalog entry is made real as a base-data table
   keyed by 公民身份号码 and that the department may obtain: its own resource, an active
   grant covering the item, or an entry shared 无条件. The answer is the request's id and
   the consent page's address; no value is read, and the answer is the same whether or
   not the platform holds the citizen's record.
2. **Preview and consent.** The citizen, signed in and bound to that key (privacy's
   ``SubjectBinding``), sees each value the platform would send with its source
   department and last update, to whom and for which form and purpose. He approves all
   or some, may type another value (then marked 申请人提供，未经核验), or declines. An
   approval may be revoked until the values are fetched. Requests for another key look
   missing, exactly like requests that do not exist.
3. **Delivery, once.** The department fetches the approved values once (a second fetch
   is refused); values are kept only until then (Myinfo: "store only if submitted") and
   cleared on delivery or revocation. A request unanswered within the configured time
   (``SMARTCITY_ONCEONLY__PREFILL_TTL_MINUTES``), or approved and not fetched within as
   long again, is expired and gives nothing. The platform values delivered are written
   to the exchange log (operation ``prefill``, one entry per base-data table, with the
   citizen's key, the case reference and the grant when one serves), so the citizen's
   "who looked at my data" (Art. 68) lists them; typed values come from the citizen and
   are not an exchange.

Every request, approval, edit, decline, revocation and delivery is audited, without
the values. Nothing here commits. Step 1 is :mod:`.prefill_request`, step 3
:mod:`.prefill_delivery`; this module holds the state and step 2.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from smartcity.core.config import OnceOnlySettings
from smartcity.core.security import SYSTEM, Actor
from smartcity.core.time import utcnow
from smartcity.domains.audit import service as audit_service
from smartcity.domains.base_data import service as base_data_service
from smartcity.domains.base_data.errors import (
    InvalidKeyError,
    RecordNotFoundError,
    TableNotFoundError,
)
from smartcity.domains.onceonly.errors import (
    InvalidConsentError,
    PrefillChangedError,
    PrefillClosedError,
    PrefillDeliveredError,
    PrefillRequestNotFoundError,
)
from smartcity.domains.onceonly.models import PrefillItem, PrefillRequest
from smartcity.domains.onceonly.prefill_enums import (
    OPEN_PREFILL_STATES,
    PREFILL_BASIS_LABELS,
    PREFILL_STATE_LABELS,
    PrefillState,
)
from smartcity.domains.onceonly.prefill_schemas import (
    MAX_EDITED_LENGTH,
    PrefillConsent,
    PrefillItemView,
    PrefillRequestView,
    PrefillSummary,
)
from smartcity.domains.privacy import service as privacy_service

# ---------------------------------------------------------------- state


def state_of(request: PrefillRequest, now: datetime | None = None) -> PrefillState:
    """The request's state now: a pending or approved request past ``expires_at`` is
    expired (no job needs to run for it to expire)."""
    if request.state in OPEN_PREFILL_STATES and (now or utcnow()) >= request.expires_at:
        return PrefillState.expired
    return request.state


# ---------------------------------------------------------------- 2. the citizen


def _mine(subject_key: str) -> Select[PrefillRequest]:
    return (
        select(PrefillRequest)
        .where(PrefillRequest.subject_key == subject_key)
        .options(
            selectinload(PrefillRequest.items),
            selectinload(PrefillRequest.form),
            selectinload(PrefillRequest.organization),
        )
    )


def get_my_prefill(
    session: Session, *, actor: Actor, request_id: UUID, for_update: bool = False
) -> PrefillRequest:
    """A prefill request made for the signed-in citizen's own key (from his binding,
    never from input). Another person's request looks exactly like a missing one.

    Raises:
        AuthenticationRequiredError; PermissionDeniedError; NoSubjectBindingError;
        PrefillRequestNotFoundError.
    """
    binding = privacy_service.binding_of(session, actor)
    statement = _mine(binding.subject_key).where(PrefillRequest.id == request_id)
    if for_update:
        statement = statement.with_for_update()
    request = session.scalars(statement).one_or_none()
    if request is None:
        raise PrefillRequestNotFoundError(request_id=str(request_id))
    return request


@dataclass(frozen=True, slots=True)
class _Held:
    value: Any
    updated_at: datetime | None
    source_name: str
    source_organization_id: UUID | None


def _read_values(
    session: Session, subject_key: str, items: Collection[PrefillItem]
) -> dict[UUID, _Held]:
    """The platform's current value of each item (by item id) that it holds for
    ``subject_key``, with source and last update; one lookup per base-data table."""
    by_table: dict[str, list[PrefillItem]] = defaultdict(list)
    for item in items:
        by_table[item.base_table].append(item)
    held: dict[UUID, _Held] = {}
    for table, table_items in by_table.items():
        try:
            reader = base_data_service.RecordReader(session, actor=SYSTEM, table=table)
            record = reader.get(subject_key)
        except (RecordNotFoundError, InvalidKeyError, TableNotFoundError):
            continue
        for item in table_items:
            sourced = record.values.get(item.item_name)
            if sourced is None or sourced.value is None or sourced.value == "":
                continue
            held[item.id] = _Held(
                sourced.value,
                sourced.updated_at,
                sourced.source_name,
                sourced.source_organization_id,
            )
    return held


def fingerprint(items: Sequence[PrefillItem], held: Mapping[UUID, _Held]) -> str:
    """A digest of the values a pending request would send now (item, value, last update):
    the page carries it, and an approval made on values that have changed since is
    refused, so the citizen approves exactly what he was shown."""
    shown = [
        [str(item.id), repr(held[item.id].value), str(held[item.id].updated_at)]
        if item.id in held
        else [str(item.id), None, None]
        for item in items
    ]
    return hashlib.sha256(json.dumps(shown, ensure_ascii=False).encode()).hexdigest()


def _view(request: PrefillRequest, held: Mapping[UUID, _Held]) -> PrefillRequestView:
    state = state_of(request)
    show_live = state is PrefillState.pending
    items = []
    for item in request.items:
        current = held.get(item.id)
        if show_live:
            value, updated_at = (current.value, current.updated_at) if current else (None, None)
        else:
            value, updated_at = item.value, item.source_updated_at
        items.append(
            PrefillItemView(
                id=item.id,
                label=item.label,
                item_name=item.item_name,
                source_organization=(current.source_name if current else "") or item.source_name,
                basis=item.basis,
                basis_label=PREFILL_BASIS_LABELS[item.basis],
                available=current is not None if show_live else item.value is not None,
                value=value,
                updated_at=updated_at,
                is_approved=item.is_approved,
                is_edited=item.is_edited,
            )
        )
    return PrefillRequestView(
        id=request.id,
        form_code=request.form.code,
        form_name=request.form.name,
        organization_name=request.organization.name,
        requested_by_name=request.requested_by_name,
        purpose=request.purpose,
        case_reference=request.case_reference,
        state=state,
        state_label=PREFILL_STATE_LABELS[state],
        created_at=request.created_at,
        expires_at=request.expires_at,
        decided_at=request.decided_at,
        delivered_at=request.delivered_at,
        revoked_at=request.revoked_at,
        items=items,
        fingerprint=fingerprint(request.items, held) if show_live else "",
    )


def preview_prefill(session: Session, *, actor: Actor, request_id: UUID) -> PrefillRequestView:
    """What a prefill request would send, for the citizen to check: while pending, each
    offered field with the platform's current value, its source department and last
    update (a field the platform holds no value of is shown as such); once answered, what
    he approved (values kept until delivered).

    Raises:
        AuthenticationRequiredError; PermissionDeniedError; NoSubjectBindingError;
        PrefillRequestNotFoundError.
    """
    request = get_my_prefill(session, actor=actor, request_id=request_id)
    held = (
        _read_values(session, request.subject_key, request.items)
        if state_of(request) is PrefillState.pending
        else {}
    )
    return _view(request, held)


def list_my_prefills(session: Session, *, actor: Actor) -> list[PrefillSummary]:
    """我的授权回填: every prefill request made for the signed-in citizen, newest first.

    Raises:
        AuthenticationRequiredError; PermissionDeniedError; NoSubjectBindingError.
    """
    binding = privacy_service.binding_of(session, actor)
    rows = session.scalars(
        _mine(binding.subject_key).order_by(PrefillRequest.created_at.desc())
    ).all()
    out = []
    for request in rows:
        state = state_of(request)
        out.append(
            PrefillSummary(
                id=request.id,
                form_name=request.form.name,
                organization_name=request.organization.name,
                case_reference=request.case_reference,
                state=state,
                state_label=PREFILL_STATE_LABELS[state],
                created_at=request.created_at,
                expires_at=request.expires_at,
                approved=sum(1 for i in request.items if i.is_approved),
                edited=sum(1 for i in request.items if i.is_edited),
                offered=len(request.items),
            )
        )
    return out


def _open_for_answer(request: PrefillRequest) -> None:
    state = state_of(request)
    if state is not PrefillState.pending:
        raise PrefillClosedError(
            f"该回填请求{PREFILL_STATE_LABELS[state]}，不能再确认", state=state.value
        )


def approve_prefill(
    session: Session,
    *,
    actor: Actor,
    request_id: UUID,
    data: PrefillConsent,
    settings: OnceOnlySettings,
) -> PrefillRequest:
    """The citizen approves the items in ``data.approved`` (all or some), each with the
    platform's current value, or the value he typed in ``data.edits`` (then marked
    edited: 申请人提供，未经核验; typing the platform's own value is no edit). The
    department then has ``settings.prefill_ttl_minutes`` to fetch them. Audited as
    ``onceonly.prefill.approved`` (approved and not approved labels) and, when he
    edited, ``onceonly.prefill.edited`` (the labels; never the values).

    Raises:
        AuthenticationRequiredError; PermissionDeniedError; NoSubjectBindingError;
        PrefillRequestNotFoundError; PrefillClosedError (not pending: answered,
        revoked, delivered or expired); PrefillChangedError (``data.fingerprint`` is
        not the values' now: they changed after he was shown them); InvalidConsentError
        (nothing approved, an item the request does not offer, an edit of an item not
        approved, an empty edit, or an approved item with no platform value and no edit).
    """
    request = get_my_prefill(session, actor=actor, request_id=request_id, for_update=True)
    _open_for_answer(request)
    items = {item.id: item for item in request.items}
    approved = list(dict.fromkeys(data.approved))
    if not approved:
        raise InvalidConsentError("请至少勾选一项，或选择“拒绝”", field="approved")
    unknown = [str(i) for i in [*approved, *data.edits] if i not in items]
    if unknown:
        raise InvalidConsentError("勾选了本请求没有的字段", field="approved", items=unknown)
    stray = [items[i].label for i in data.edits if i not in approved]
    if stray:
        raise InvalidConsentError(
            f"修改的字段未勾选同意：{'、'.join(stray)}", field="edits", labels=stray
        )
    held = _read_values(session, request.subject_key, request.items)
    if data.fingerprint is not None and data.fingerprint != fingerprint(request.items, held):
        raise PrefillChangedError(
            "您确认期间平台数据已更新，请重新核对后再确认", field="fingerprint"
        )
    # Every item is checked before any changes, so a refusal leaves the request as it was.
    plan: list[tuple[PrefillItem, Any, bool, datetime | None]] = []
    for item_id in approved:
        item = items[item_id]
        current = held.get(item_id)
        typed = data.edits.get(item_id)
        if typed is not None:
            typed = typed.strip()
            if not typed or len(typed) > MAX_EDITED_LENGTH:
                raise InvalidConsentError(
                    f"“{item.label}”的修改值不能为空，且不超过 {MAX_EDITED_LENGTH} 字",
                    field="edits",
                    label=item.label,
                )
            if current is not None and typed == str(current.value):
                typed = None
        if typed is not None:
            plan.append((item, typed, True, None))
        elif current is not None:
            plan.append((item, current.value, False, current.updated_at))
        else:
            raise InvalidConsentError(
                f"平台没有您的“{item.label}”，如需提供请填写或不勾选",
                field="approved",
                label=item.label,
            )
    for item, value, is_edited, updated_at in plan:
        item.value, item.is_edited, item.source_updated_at = value, is_edited, updated_at
        item.is_approved = True
    edited = [item.label for item, _value, is_edited, _at in plan if is_edited]
    now = utcnow()
    request.state = PrefillState.approved
    request.decided_at = now
    request.decided_by_id = actor.id
    request.expires_at = now + timedelta(minutes=settings.prefill_ttl_minutes)
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action="onceonly.prefill.approved",
        subject=request,
        changes={
            "approved": [items[i].label for i in approved],
            "not_approved": [i.label for i in request.items if not i.is_approved],
        },
        organization_id=request.organization_id,
    )
    if edited:
        audit_service.record(
            session,
            actor=actor,
            action="onceonly.prefill.edited",
            subject=request,
            changes={"edited": edited},
            organization_id=request.organization_id,
        )
    return request


def decline_prefill(session: Session, *, actor: Actor, request_id: UUID) -> PrefillRequest:
    """The citizen declines: nothing will be sent. Audited.

    Raises:
        AuthenticationRequiredError; PermissionDeniedError; NoSubjectBindingError;
        PrefillRequestNotFoundError; PrefillClosedError (not pending).
    """
    request = get_my_prefill(session, actor=actor, request_id=request_id, for_update=True)
    _open_for_answer(request)
    request.state = PrefillState.declined
    request.decided_at = utcnow()
    request.decided_by_id = actor.id
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action="onceonly.prefill.declined",
        subject=request,
        organization_id=request.organization_id,
    )
    return request


def revoke_prefill(session: Session, *, actor: Actor, request_id: UUID) -> PrefillRequest:
    """The citizen withdraws his approval before the department fetched the values: the
    stored values are cleared and a fetch gets nothing. Audited.

    Raises:
        AuthenticationRequiredError; PermissionDeniedError; NoSubjectBindingError;
        PrefillRequestNotFoundError; PrefillDeliveredError (already fetched: it cannot
        be taken back); PrefillClosedError (pending: decline it instead; declined,
        revoked or expired).
    """
    request = get_my_prefill(session, actor=actor, request_id=request_id, for_update=True)
    state = state_of(request)
    if state is PrefillState.delivered:
        raise PrefillDeliveredError("数据已由部门取用，无法撤回", state=state.value)
    if state is not PrefillState.approved:
        raise PrefillClosedError(
            f"该回填请求{PREFILL_STATE_LABELS[state]}，没有可撤回的授权", state=state.value
        )
    request.state = PrefillState.revoked
    request.revoked_at = utcnow()
    for item in request.items:
        item.value = None
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action="onceonly.prefill.revoked",
        subject=request,
        organization_id=request.organization_id,
    )
    return request
