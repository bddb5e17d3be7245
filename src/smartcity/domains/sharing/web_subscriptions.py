"""HTML pages of change subscriptions (Art. 26), under ``/sharing/subscriptions``: the
consumer's subscriptions with their notifications and dead letters and the form to
subscribe; the provider's view of the subscriptions to its data and their dead
letters; redelivery of a dead letter (htmx swaps the row in place).

Every page calls the same service functions as ``sharing/api_subscriptions.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from smartcity.core.errors import ConflictError, InvalidInputError, PermissionDeniedError
from smartcity.core.http.deps import SessionDep, SettingsDep
from smartcity.core.http.forms import FieldErrors, FormDep, app_error_fields, redirect, text
from smartcity.core.http.htmx import is_partial, render
from smartcity.core.i18n import t
from smartcity.core.pagination import PageParams
from smartcity.core.security import Actor, ensure_permission
from smartcity.core.time import utcnow
from smartcity.domains.catalog import service as catalog_service
from smartcity.domains.identity.deps import ActorDep
from smartcity.domains.registry import service as registry_service
from smartcity.domains.sharing import service as sharing_service
from smartcity.domains.sharing.enums import DELIVERY_STATE_LABELS, SUBSCRIPTION_STATE_LABELS
from smartcity.domains.sharing.errors import GrantNotFoundError
from smartcity.domains.sharing.permissions import SharingPermission
from smartcity.domains.sharing.schemas import GrantFilter, GrantRead, RequestRole
from smartcity.domains.sharing.subscription_schemas import (
    DeliveryFilter,
    DeliveryRead,
    SubscriptionCreate,
    SubscriptionFilter,
    SubscriptionRead,
)

router = APIRouter(prefix="/sharing/subscriptions", include_in_schema=False)

_DONE_MESSAGES = {
    "cancelled": "订阅已取消，不再推送变更通知。",
    "paused": "已暂停推送：变更通知继续排队，恢复后发出。",
    "resumed": "已恢复推送。",
    "redelivered": "已重新排队，将在下一轮投递中发出。",
}
_FORM_ERRORS = (InvalidInputError, ConflictError, PermissionDeniedError, GrantNotFoundError)
_LIST = PageParams(page=1, size=100)
_DELIVERIES = PageParams(page=1, size=50)
_STATE_KIND = {"active": "ok", "paused": "warn", "cancelled": "", "delivered": "ok", "dead": "bad"}

DoneQuery = Annotated[str, Query(max_length=20)]
StateQuery = Annotated[str, Query(max_length=20)]


def _ensure_viewer(actor: Actor) -> None:
    """Any sharing permission opens the pages (401 anonymous, 403 others)."""
    if not any(
        actor.has(p)
        for p in (
            SharingPermission.request,
            SharingPermission.answer,
            SharingPermission.exchange,
            SharingPermission.read_all,
        )
    ):
        ensure_permission(actor, SharingPermission.exchange)


def _labels() -> dict[str, Any]:
    return {
        "subscription_labels": {k.value: v for k, v in SUBSCRIPTION_STATE_LABELS.items()},
        "delivery_labels": {k.value: v for k, v in DELIVERY_STATE_LABELS.items()},
        "state_kind": _STATE_KIND,
    }


def _organization_names(session: Session, actor: Actor) -> dict[UUID, str]:
    return {o.id: o.name for o in registry_service.all_organizations(session, actor=actor)}


def _entry_names(session: Session, ids: Iterable[UUID]) -> dict[UUID, str]:
    unique = list(dict.fromkeys(ids))
    return {e.id: e.name for e in catalog_service.get_entries(session, unique)}


def _is_consumer(actor: Actor, s: SubscriptionRead) -> bool:
    return actor.has(SharingPermission.exchange) and actor.organization_id == (
        s.consumer_organization_id
    )


def _can_redeliver(actor: Actor, s: SubscriptionRead) -> bool:
    """What the page offers; the service decides for real."""
    provider = actor.has(SharingPermission.answer) and actor.organization_id == (
        s.provider_organization_id
    )
    return s.state.value != "cancelled" and (
        _is_consumer(actor, s) or provider or actor.has(SharingPermission.check)
    )


def _subscribable(session: Session, actor: Actor) -> list[GrantRead]:
    """My department's grants in force that include the ``changes`` mode."""
    if not actor.has(SharingPermission.exchange) or actor.organization_id is None:
        return []
    page = sharing_service.list_grants(
        session,
        actor=actor,
        filters=GrantFilter.model_validate({"role": RequestRole.made, "state": "active"}),
        page=_LIST,
    )
    now = utcnow()
    return [
        GrantRead.model_validate(g)
        for g in page.items
        if "changes" in g.query_modes and g.valid_from <= now < g.valid_until
    ]


def _subscriptions(session: Session, actor: Actor, role: RequestRole) -> list[SubscriptionRead]:
    page = sharing_service.list_subscriptions(
        session, actor=actor, filters=SubscriptionFilter(role=role), page=_LIST
    )
    return sharing_service.subscription_reads(session, page.items, actor=actor)


def _deliveries(
    session: Session, actor: Actor, filters: DeliveryFilter
) -> tuple[list[DeliveryRead], int]:
    page = sharing_service.list_deliveries(session, actor=actor, filters=filters, page=_DELIVERIES)
    return [sharing_service.delivery_read(d) for d in page.items], page.total


def _list_page(
    request: Request,
    session: Session,
    actor: Actor,
    *,
    form: Mapping[str, str] | None = None,
    errors: FieldErrors | None = None,
    created: Mapping[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    _ensure_viewer(actor)
    sections: list[dict[str, Any]] = []
    own = actor.organization_id is not None
    if own and (actor.has(SharingPermission.exchange) or actor.has(SharingPermission.request)):
        sections.append(
            {
                "id": "mine",
                "title": t("本部门的订阅"),
                "hint": t("本部门为获得的增量同步授权登记的回调地址，资源有变更时推送通知。"),
                "rows": _subscriptions(session, actor, RequestRole.made),
                "empty": t("本部门尚未订阅变更。"),
            }
        )
    if own and actor.has(SharingPermission.answer):
        sections.append(
            {
                "id": "received",
                "title": t("订阅本部门数据的"),
                "hint": t("其他部门对本部门提供的资源的变更订阅及其投递情况。"),
                "rows": _subscriptions(session, actor, RequestRole.received),
                "empty": t("尚无部门订阅本部门数据的变更。"),
            }
        )
    if actor.has(SharingPermission.read_all):
        sections.append(
            {
                "id": "all",
                "title": t("全部订阅"),
                "hint": t("全市的变更订阅。"),
                "rows": _subscriptions(session, actor, RequestRole.all),
                "empty": t("尚无变更订阅。"),
            }
        )
    by_id = {s.id: s for section in sections for s in section["rows"]}
    dead, dead_total = _deliveries(
        session, actor, DeliveryFilter.model_validate({"role": "all", "state": "dead"})
    )
    grants = _subscribable(session, actor)
    names = _entry_names(
        session, [*(s.entry_id for s in by_id.values()), *(g.entry_id for g in grants)]
    )
    grant_options = [
        (str(g.id), f"{g.number} · {names.get(g.entry_id, '')} · {'、'.join(g.items)}")
        for g in grants
    ]
    return render(
        request,
        "sharing/subscriptions.html",
        status_code=status_code,
        sections=sections,
        dead=dead,
        dead_total=dead_total,
        redeliverable={
            d.id
            for d in dead
            if d.subscription_id in by_id and _can_redeliver(actor, by_id[d.subscription_id])
        },
        grants=grant_options,
        can_subscribe=actor.has(SharingPermission.exchange) and own,
        form=form or {"grant_id": "", "callback_url": ""},
        errors=errors or {},
        created=created,
        organizations=_organization_names(session, actor),
        entries=names,
        **_labels(),
    )


@router.get("", response_class=HTMLResponse)
def subscription_list(request: Request, session: SessionDep, actor: ActorDep) -> HTMLResponse:
    """变更订阅: my department's subscriptions and the form to subscribe, the
    subscriptions to my department's data, and the dead letters of both."""
    return _list_page(request, session, actor)


@router.post("", response_class=HTMLResponse)
def subscription_create(
    request: Request, session: SessionDep, actor: ActorDep, settings: SettingsDep, form: FormDep
) -> HTMLResponse:
    """Subscribe; the page then shows the signing secret, once. Errors come back on the
    form and nothing is saved."""
    ensure_permission(actor, SharingPermission.exchange)
    values = {"grant_id": text(form, "grant_id"), "callback_url": text(form, "callback_url")}
    errors: FieldErrors
    try:
        grant_id = UUID(values["grant_id"])
    except ValueError:
        errors = {"grant_id": t("请选择含增量同步方式的共享授权")}
    else:
        try:
            data = SubscriptionCreate(grant_id=grant_id, callback_url=values["callback_url"])
            savepoint = session.begin_nested()
            try:
                subscription = sharing_service.subscribe(
                    session,
                    actor=actor,
                    data=data,
                    policy=sharing_service.WebhookPolicy.from_settings(settings),
                )
            except BaseException:
                savepoint.rollback()
                raise
            savepoint.commit()
        except ValidationError:
            errors = {"callback_url": t("请填写回调地址（不超过 2000 个字符）")}
        except _FORM_ERRORS as exc:
            errors = app_error_fields(exc, default_field="grant_id")
        else:
            created = {
                "id": subscription.id,
                "number": subscription.number,
                "secret": subscription.secret,
            }
            return _list_page(request, session, actor, created=created, status_code=201)
    return _list_page(request, session, actor, form=values, errors=errors, status_code=422)


@router.get("/{subscription_id}", response_class=HTMLResponse)
def subscription_page(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    subscription_id: UUID,
    state: StateQuery = "",
    done: DoneQuery = "",
) -> HTMLResponse:
    """One subscription: where it points, its state and its notifications (``state=dead``:
    the dead letters), with the actions the viewer may take."""
    _ensure_viewer(actor)
    model = sharing_service.get_subscription(session, actor=actor, subscription_id=subscription_id)
    s = sharing_service.subscription_reads(session, [model], actor=actor)[0]
    shown = state if state in DELIVERY_STATE_LABELS else ""
    deliveries, total = _deliveries(
        session,
        actor,
        DeliveryFilter.model_validate({"subscription_id": s.id, "state": shown or None}),
    )
    consumer = _is_consumer(actor, s)
    live = s.state.value != "cancelled"
    return render(
        request,
        "sharing/subscription_detail.html",
        s=s,
        deliveries=deliveries,
        total=total,
        shown=shown,
        redeliverable={d.id for d in deliveries} if _can_redeliver(actor, s) else set(),
        actions={
            "pause": consumer and s.state.value == "active",
            "resume": consumer and s.state.value == "paused",
            "cancel": live and (consumer or actor.has(SharingPermission.check)),
        },
        entry=_entry_names(session, [s.entry_id]).get(s.entry_id, ""),
        organizations=_organization_names(session, actor),
        done=t(_DONE_MESSAGES[done]) if done in _DONE_MESSAGES else "",
        **_labels(),
    )


def _step(session: Session, actor: Actor, subscription_id: UUID, action: str) -> None:
    steps = {
        "cancel": sharing_service.cancel_subscription,
        "pause": sharing_service.pause_subscription,
        "resume": sharing_service.resume_subscription,
    }
    steps[action](session, actor=actor, subscription_id=subscription_id)


@router.post("/{subscription_id}/cancel", response_class=HTMLResponse)
def cancel_submit(
    request: Request, session: SessionDep, actor: ActorDep, subscription_id: UUID
) -> Response:
    _step(session, actor, subscription_id, "cancel")
    return redirect(request, f"/sharing/subscriptions/{subscription_id}?done=cancelled")


@router.post("/{subscription_id}/pause", response_class=HTMLResponse)
def pause_submit(
    request: Request, session: SessionDep, actor: ActorDep, subscription_id: UUID
) -> Response:
    _step(session, actor, subscription_id, "pause")
    return redirect(request, f"/sharing/subscriptions/{subscription_id}?done=paused")


@router.post("/{subscription_id}/resume", response_class=HTMLResponse)
def resume_submit(
    request: Request, session: SessionDep, actor: ActorDep, subscription_id: UUID
) -> Response:
    _step(session, actor, subscription_id, "resume")
    return redirect(request, f"/sharing/subscriptions/{subscription_id}?done=resumed")


@router.post("/{subscription_id}/deliveries/{delivery_id}/redeliver", response_class=HTMLResponse)
def redeliver_submit(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    subscription_id: UUID,
    delivery_id: UUID,
    layout: StateQuery = "",
) -> Response:
    """重新投递 a dead letter; htmx gets the row back, now queued (``layout=dead-letters``:
    the row of the dead-letter list, which names the subscription). A refusal is a
    problem (htmx shows it in the page's message region)."""
    delivery = sharing_service.redeliver(
        session, actor=actor, subscription_id=subscription_id, delivery_id=delivery_id
    )
    if not is_partial(request):
        return redirect(request, f"/sharing/subscriptions/{subscription_id}?done=redelivered")
    return render(
        request,
        "sharing/_delivery_row.html",
        d=sharing_service.delivery_read(delivery),
        redeliverable=set(),
        with_subscription=layout == "dead-letters",
        notice=t(_DONE_MESSAGES["redelivered"]),
        **_labels(),
    )
