"""Prefill with consent, step 3 (Art. 28): the department fetches the approved values,
once, and the delivery is written to the exchange log. See
:mod:`smartcity.domains.onceonly.service.prefill` for the whole flow."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from typing import NoReturn
from uuid import UUID

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from smartcity.core.errors import AppError, AuthenticationRequiredError
from smartcity.core.security import Actor, ActorKind, ensure_permission
from smartcity.core.time import utcnow
from smartcity.domains.audit import service as audit_service
from smartcity.domains.catalog.enums import EntryStatus, ShareType
from smartcity.domains.onceonly.errors import (
    PrefillClosedError,
    PrefillDeliveredError,
    PrefillPendingError,
    PrefillRefusal,
    PrefillRequestNotFoundError,
)
from smartcity.domains.onceonly.models import PrefillItem, PrefillRequest
from smartcity.domains.onceonly.permissions import OnceOnlyPermission
from smartcity.domains.onceonly.prefill_enums import PREFILL_STATE_LABELS, PrefillState
from smartcity.domains.onceonly.prefill_schemas import PrefillDelivery, PrefillValue
from smartcity.domains.onceonly.service.forms import entry_views
from smartcity.domains.onceonly.service.prefill import state_of
from smartcity.domains.sharing import service as sharing_service

PREFILL_OPERATION = "prefill"
"""The exchange log's operation for a delivered prefill."""


# ---------------------------------------------------------------- 3. delivery


def get_department_prefill(session: Session, *, actor: Actor, request_id: UUID) -> PrefillRequest:
    """A prefill request of the actor's department (others' look missing).

    Raises:
        AuthenticationRequiredError; PermissionDeniedError; PrefillRequestNotFoundError.
    """
    if actor.kind is ActorKind.anonymous:
        raise AuthenticationRequiredError()
    ensure_permission(actor, OnceOnlyPermission.prefill)
    request = session.scalars(
        select(PrefillRequest)
        .where(
            PrefillRequest.id == request_id,
            PrefillRequest.organization_id == actor.organization_id,
        )
        .options(selectinload(PrefillRequest.items), selectinload(PrefillRequest.form))
    ).one_or_none()
    if request is None:
        raise PrefillRequestNotFoundError(request_id=str(request_id))
    return request


def _still_obtainable(
    session: Session, organization_id: UUID, items: Collection[PrefillItem]
) -> set[UUID]:
    """The items (ids) the department may still obtain at delivery: the entry is still
    published with the item, and it is the department's own, an active grant still
    covers the item, or the entry is shared 无条件. A grant revoked or expired since the
    request, or a withdrawn entry, withholds its platform values."""
    entries = entry_views(session, sorted({item.entry_id for item in items}, key=str))
    coverage = sharing_service.active_grant_coverage(
        session, consumer_organization_ids={organization_id}, entry_ids=set(entries)
    )
    out: set[UUID] = set()
    for item in items:
        entry = entries.get(item.entry_id)
        if entry is None or entry.status is not EntryStatus.published:
            continue
        if item.item_name not in entry.items:
            continue
        if (
            entry.provider_organization_id == organization_id
            or entry.share_type == ShareType.unconditional.value
            or any(g.entry_id == entry.id and item.item_name in g.items for g in coverage)
        ):
            out.add(item.id)
    return out


def _refuse(
    session: Session, actor: Actor, request: PrefillRequest, error: PrefillRefusal
) -> NoReturn:
    """Log the refused fetch in the exchange log (the citizen sees it among the calls
    about him, as refused), then raise ``error``. The caller must keep the entry:
    ``api_prefill`` answers refusals without rolling the transaction back."""
    assert isinstance(error, AppError)
    sharing_service.exchange_log.append(
        session,
        sharing_service.exchange_log.LogDraft(
            actor=actor,
            operation=PREFILL_OPERATION,
            result=error.code,
            grant_id=next((i.grant_id for i in request.items if i.grant_id is not None), None),
            case_reference=request.case_reference,
            resource=next((i.base_table for i in request.items if i.base_table), ""),
            subject_keys=[request.subject_key],
            fields=[i.item_name for i in request.items],
            records=0,
        ),
    )
    raise error


def deliver_prefill(session: Session, *, actor: Actor, request_id: UUID) -> PrefillDelivery:
    """The approved values, once (Art. 28): each with ``verified`` (platform value, with
    its source department and last update) or not (typed by the citizen). Platform values
    the department may no longer obtain (grant ended, entry withdrawn) are withheld. The
    state moves to ``delivered`` by a conditional update, so of two concurrent fetches
    only one gets the values; the stored values are then cleared. The platform values
    are logged in the exchange log (one entry per base-data table) and the delivery is
    audited.

    Raises:
        AuthenticationRequiredError; PermissionDeniedError; PrefillRequestNotFoundError;
        PrefillPendingError (not answered yet); PrefillDeliveredError (fetched
        before); PrefillClosedError (declined, revoked or expired). These three
        (``PrefillRefusal``) are logged in the exchange log before they are raised.
    """
    request = get_department_prefill(session, actor=actor, request_id=request_id)
    now = utcnow()
    state = state_of(request, now)
    if state is PrefillState.pending:
        _refuse(
            session,
            actor,
            request,
            PrefillPendingError(
                "申请人尚未确认，请稍后再取",
                state=state.value,
                expires_at=request.expires_at.isoformat(),
            ),
        )
    if state is PrefillState.delivered:
        _refuse(session, actor, request, PrefillDeliveredError(state=state.value))
    if state is not PrefillState.approved:
        _refuse(
            session,
            actor,
            request,
            PrefillClosedError(
                f"回填请求{PREFILL_STATE_LABELS[state]}，不提供任何数据", state=state.value
            ),
        )
    moved = session.execute(
        update(PrefillRequest)
        .where(PrefillRequest.id == request.id, PrefillRequest.state == PrefillState.approved)
        .values(state=PrefillState.delivered, delivered_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(moved, "rowcount", 0) != 1:
        _refuse(session, actor, request, PrefillDeliveredError(state=PrefillState.delivered.value))
    session.refresh(request, ["state", "delivered_at", "updated_at"])
    approved = [item for item in request.items if item.is_approved]
    obtainable = _still_obtainable(session, request.organization_id, approved)
    values: list[PrefillValue] = []
    withheld: list[str] = []
    logged: dict[str, list[PrefillItem]] = defaultdict(list)
    for item in approved:
        if not item.is_edited and item.id not in obtainable:
            withheld.append(item.label)
            continue
        values.append(
            PrefillValue(
                field_id=item.field_id,
                label=item.label,
                item_name=item.item_name,
                value=item.value,
                verified=not item.is_edited,
                source_organization=None if item.is_edited else item.source_name,
                source_organization_id=None if item.is_edited else item.source_organization_id,
                updated_at=None if item.is_edited else item.source_updated_at,
            )
        )
        if not item.is_edited:
            logged[item.base_table].append(item)
    for item in request.items:
        item.value = None
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action="onceonly.prefill.delivered",
        subject=request,
        changes={
            "delivered": [v.label for v in values],
            "verified": [v.label for v in values if v.verified],
            "withheld": withheld,
        },
        organization_id=request.organization_id,
    )
    # The exchange log last: on PostgreSQL its lock is held until the commit.
    sharing_service.exchange_log.append_many(
        session,
        [
            sharing_service.exchange_log.LogDraft(
                actor=actor,
                operation=PREFILL_OPERATION,
                result="ok",
                grant_id=next((i.grant_id for i in items if i.grant_id is not None), None),
                case_reference=request.case_reference,
                resource=table,
                subject_keys=[request.subject_key],
                fields=[i.item_name for i in items],
                records=1,
            )
            for table, items in logged.items()
        ],
    )
    return PrefillDelivery(
        id=request.id,
        form_id=request.form_id,
        form_code=request.form.code,
        case_reference=request.case_reference,
        delivered_at=now,
        values=values,
        withheld=withheld,
    )
