"""HTML pages of share requests and grants (Art. 26–27), under ``/sharing``: the
request queues with their working-day clocks, the request form, one request with the
actions its viewer may take (compliance check, answer, coordination, withdrawal),
the grants with revocation and renewal, and refusals counted by legal basis.

Every page calls the same service functions as ``sharing/api.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from smartcity.core.config import SharingSettings
from smartcity.core.errors import AppError, ConflictError, InvalidInputError
from smartcity.core.http.deps import SessionDep, get_settings_dep
from smartcity.core.http.forms import (
    FieldErrors,
    FormDep,
    app_error_fields,
    field_errors,
    optional,
    redirect,
    text,
    texts,
)
from smartcity.core.http.htmx import render
from smartcity.core.i18n import t
from smartcity.core.pagination import PageParams
from smartcity.core.security import Actor, ensure_permission
from smartcity.core.time import utcnow
from smartcity.domains.catalog import service as catalog_service
from smartcity.domains.catalog.enums import ShareType
from smartcity.domains.catalog.schemas import EntryRead, EntrySearch, EntrySummary
from smartcity.domains.identity.deps import ActorDep
from smartcity.domains.registry import service as registry_service
from smartcity.domains.registry.errors import LegalBasisNotFoundError
from smartcity.domains.registry.schemas import LegalBasisFilter, LegalBasisRead
from smartcity.domains.sharing import service as sharing_service
from smartcity.domains.sharing.enums import (
    GRANT_STATE_LABELS,
    OPEN_STATES,
    QUERY_MODE_LABELS,
    REQUEST_PATH_LABELS,
    REQUEST_STATE_LABELS,
)
from smartcity.domains.sharing.permissions import SharingPermission
from smartcity.domains.sharing.schemas import (
    MAX_MONTHS,
    GrantFilter,
    GrantRead,
    RequestRole,
    ShareRequestCreate,
    ShareRequestDetail,
    ShareRequestFilter,
)

router = APIRouter(prefix="/sharing", include_in_schema=False)

WAITING_LABELS: dict[str, str] = {
    "compliance_check": "主管部门合规审查",
    "provider_answer": "提供部门答复",
    "coordinator": "主管部门协调处理",
}
_STATE_KIND = {
    "granted": "ok",
    "partially_granted": "ok",
    "refused": "bad",
    "withdrawn": "",
    "escalated": "warn",
}
_DONE_MESSAGES = {
    "submitted": "共享申请已提交，等待主管部门合规审查。",
    "checked": "合规审查已完成。",
    "answered": "已答复共享申请。",
    "ordered": "已协调处理：结果已通知申请部门和提供部门。",
    "withdrawn": "共享申请已撤回。",
    "revoked": "共享授权已撤销。",
    "renewed": "共享授权已续期。",
}
_FORM_ERRORS = (InvalidInputError, ConflictError, LegalBasisNotFoundError)
_QUEUE = PageParams(page=1, size=100)
_VOCABULARY = PageParams(page=1, size=200)
_ENTRIES = PageParams(page=1, size=30)

DoneQuery = Annotated[str, Query(max_length=20)]


@contextmanager
def _step(session: Session) -> Iterator[None]:
    """One action in a savepoint: a step that fails half-way (the check stamps the
    request before it finds the basis missing) leaves nothing behind, and the page can
    still be shown with the error in the same transaction."""
    savepoint = session.begin_nested()
    try:
        yield
    except BaseException:
        savepoint.rollback()
        raise
    savepoint.commit()


def _shown_errors(errors: FieldErrors, fields: Iterable[str]) -> FieldErrors:
    """Errors of fields the form does not have are shown for the whole form."""
    known = set(fields)
    return {(k if k in known else ""): v for k, v in errors.items()}


def _ensure_sharing_user(actor: Actor) -> None:
    """Any of the sharing permissions opens the pages (401 anonymous, 403 others)."""
    if not any(
        actor.has(p)
        for p in (
            SharingPermission.request,
            SharingPermission.answer,
            SharingPermission.check,
            SharingPermission.read_all,
        )
    ):
        ensure_permission(actor, SharingPermission.request)


def _done(done: str) -> str:
    return t(_DONE_MESSAGES[done]) if done in _DONE_MESSAGES else ""


def _organization_names(session: Session, actor: Actor) -> dict[UUID, str]:
    return {o.id: o.name for o in registry_service.all_organizations(session, actor=actor)}


def _entry_names(session: Session, ids: Iterable[UUID]) -> dict[UUID, str]:
    unique = list(dict.fromkeys(ids))
    return {e.id: e.name for e in catalog_service.get_entries(session, unique)}


def _vocabulary(session: Session, actor: Actor) -> list[LegalBasisRead]:
    """The registry's citable legal bases (in force)."""
    page = registry_service.list_legal_bases(
        session, actor=actor, filters=LegalBasisFilter(), page=_VOCABULARY
    )
    return [LegalBasisRead.model_validate(b) for b in page.items]


def _citations(session: Session, actor: Actor, ids: Iterable[UUID | None]) -> dict[UUID, str]:
    """Citations of the given bases, repealed ones included (history stays readable)."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    page = registry_service.list_legal_bases(
        session, actor=actor, filters=LegalBasisFilter(include_repealed=True), page=_VOCABULARY
    )
    found = {b.id: LegalBasisRead.model_validate(b).citation for b in page.items if b.id in wanted}
    for basis_id in wanted - found.keys():
        found[basis_id] = LegalBasisRead.model_validate(
            registry_service.get_legal_basis(session, actor=actor, legal_basis_id=basis_id)
        ).citation
    return found


def _labels() -> dict[str, Any]:
    return {
        "state_labels": REQUEST_STATE_LABELS,
        "mode_labels": QUERY_MODE_LABELS,
        "path_labels": REQUEST_PATH_LABELS,
        "grant_state_labels": GRANT_STATE_LABELS,
        "waiting_labels": WAITING_LABELS,
        "state_kind": _STATE_KIND,
    }


def _clock_settings(request: Request) -> SharingSettings:
    """The statutory periods and reminder window the clocks are shown with."""
    return get_settings_dep(request).sharing


# ---------------------------------------------------------------- the queues


def _requests(
    session: Session, actor: Actor, settings: SharingSettings, role: RequestRole, *states: str
) -> list[ShareRequestDetail]:
    rows: list[ShareRequestDetail] = []
    for state in states or (None,):
        filters = ShareRequestFilter.model_validate({"role": role, "state": state})
        page = sharing_service.list_requests(session, actor=actor, filters=filters, page=_QUEUE)
        rows.extend(
            sharing_service.request_detail(session, r, settings=settings) for r in page.items
        )
    return rows


@router.get("", response_class=HTMLResponse)
def request_list(request: Request, session: SessionDep, actor: ActorDep) -> HTMLResponse:
    """共享申请: requests my department made, the coordinator's check queue and the
    requests waiting for my department's answer, each with its clock."""
    _ensure_sharing_user(actor)
    settings = _clock_settings(request)
    sections: list[dict[str, Any]] = []
    if actor.has(SharingPermission.check):
        sections.append(
            {
                "id": "to-check",
                "title": t("待审查"),
                "hint": t("合规审查中和已逾期升级到主管部门的申请，最早提交的在前。"),
                "rows": _requests(
                    session, actor, settings, RequestRole.all, "compliance_check", "escalated"
                ),
                "empty": t("没有待审查的申请。"),
            }
        )
    if actor.has(SharingPermission.answer) and actor.organization_id is not None:
        sections.append(
            {
                "id": "to-answer",
                "title": t("待答复"),
                "hint": t("向本部门提出、已通过合规审查的申请，须在期限内答复。"),
                "rows": _requests(
                    session, actor, settings, RequestRole.received, "provider_review"
                ),
                "empty": t("没有待本部门答复的申请。"),
            }
        )
    if actor.has(SharingPermission.request) and actor.organization_id is not None:
        sections.append(
            {
                "id": "mine",
                "title": t("我的申请"),
                "hint": t("本部门提出的共享申请。"),
                "rows": _requests(session, actor, settings, RequestRole.made),
                "empty": t("本部门尚未提出共享申请。"),
            }
        )
    if actor.has(SharingPermission.read_all):
        sections.append(
            {
                "id": "all",
                "title": t("全部申请"),
                "hint": t("全市最近的共享申请。"),
                "rows": _requests(session, actor, settings, RequestRole.all),
                "empty": t("尚无共享申请。"),
            }
        )
    rows = [r for s in sections for r in s["rows"]]
    return render(
        request,
        "sharing/request_list.html",
        sections=sections,
        organizations=_organization_names(session, actor),
        entries=_entry_names(session, (r.entry_id for r in rows)),
        can_request=actor.has(SharingPermission.request),
        clock_settings=settings,
        **_labels(),
    )


# ---------------------------------------------------------------- the request form


def _entry_picker(
    request: Request, session: Session, actor: Actor, q: str, error: str = ""
) -> HTMLResponse:
    result = catalog_service.search_entries(
        session, actor=actor, search=EntrySearch(q=q), page=_ENTRIES
    )
    entries = [
        EntrySummary.model_validate(e)
        for e in result.page.items
        if e.share_type is not ShareType.none
        and e.provider_organization_id != actor.organization_id
    ]
    return render(
        request,
        "sharing/pick_entry.html",
        partial="sharing/_entry_results.html",
        entries=entries,
        q=q,
        error=error,
        organizations=_organization_names(session, actor),
    )


def _form_page(
    request: Request,
    session: Session,
    actor: Actor,
    entry: EntryRead,
    *,
    form: Mapping[str, Any],
    errors: FieldErrors | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "sharing/request_form.html",
        status_code=status_code,
        entry=entry,
        form=form,
        errors=errors or {},
        item_options=[(i.name, i.name) for i in entry.items],
        mode_options=list(QUERY_MODE_LABELS.items()),
        legal_basis_options=[(str(b.id), b.citation) for b in _vocabulary(session, actor)],
        max_months=MAX_MONTHS,
        share_type=entry.share_type.value,
        clock_settings=_clock_settings(request),
    )


@router.get("/new", response_class=HTMLResponse)
def request_form(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    entry: Annotated[UUID | None, Query()] = None,
    q: Annotated[str, Query(max_length=200)] = "",
) -> HTMLResponse:
    """The request form for one catalog entry; without ``entry`` a search of the
    published, shareable entries to pick from."""
    ensure_permission(actor, SharingPermission.request)
    if entry is None:
        return _entry_picker(request, session, actor, q)
    read = EntryRead.model_validate(catalog_service.get_entry(session, actor=actor, entry_id=entry))
    blank = {
        "items": [i.name for i in read.items],
        "purpose": "",
        "scenario": "",
        "query_modes": ["lookup"],
        "requested_months": "12",
        "expected_volume": "0",
        "legal_basis_id": "",
    }
    return _form_page(request, session, actor, read, form=blank)


@router.post("/new", response_class=HTMLResponse)
def request_submit(
    request: Request, session: SessionDep, actor: ActorDep, form: FormDep
) -> Response:
    """Submit a request; errors come back on the form and nothing is saved."""
    ensure_permission(actor, SharingPermission.request)
    values: dict[str, Any] = {
        "entry_id": text(form, "entry_id"),
        "items": texts(form, "items"),
        "purpose": text(form, "purpose"),
        "scenario": text(form, "scenario"),
        "query_modes": texts(form, "query_modes"),
        "requested_months": text(form, "requested_months") or "12",
        "expected_volume": text(form, "expected_volume") or "0",
        "legal_basis_id": optional(text(form, "legal_basis_id")),
    }
    try:
        entry_id = UUID(values["entry_id"])
    except ValueError:
        return _entry_picker(request, session, actor, "", error=t("请选择要申请的资源"))
    entry = EntryRead.model_validate(
        catalog_service.get_entry(session, actor=actor, entry_id=entry_id)
    )
    try:
        data = ShareRequestCreate.model_validate(values)
        with _step(session):
            created = sharing_service.submit_request(
                session, actor=actor, data=data, settings=_clock_settings(request)
            )
    except ValidationError as exc:
        errors = field_errors(exc, ShareRequestCreate)
    except _FORM_ERRORS as exc:
        errors = app_error_fields(exc)
    else:
        return redirect(request, f"/sharing/requests/{created.id}?done=submitted")
    shown = {**values, "legal_basis_id": values["legal_basis_id"] or ""}
    errors = _shown_errors(errors, values)
    return _form_page(request, session, actor, entry, form=shown, errors=errors, status_code=422)


# ---------------------------------------------------------------- one request


def _actions(actor: Actor, r: ShareRequestDetail) -> dict[str, bool]:
    """What the page offers the viewer; the service decides for real."""
    own = actor.organization_id
    state = r.state.value
    provider = actor.has(SharingPermission.answer) and own == r.provider_organization_id
    return {
        "check": actor.has(SharingPermission.check) and state == "compliance_check",
        "answer": provider
        and (state == "provider_review" or (state == "escalated" and r.checked_at is not None)),
        "order": actor.has(SharingPermission.check) and state == "escalated",
        "withdraw": actor.has(SharingPermission.request)
        and r.state in OPEN_STATES
        and (own == r.consumer_organization_id or actor.has(SharingPermission.check)),
    }


def _detail_page(
    request: Request,
    session: Session,
    actor: Actor,
    request_id: UUID,
    *,
    done: str = "",
    errors: Mapping[str, FieldErrors] | None = None,
    form: Mapping[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    model = sharing_service.get_request(session, actor=actor, request_id=request_id)
    detail = sharing_service.request_detail(session, model, settings=_clock_settings(request))
    actions = _actions(actor, detail)
    grants = sharing_service.list_grants(
        session, actor=actor, filters=GrantFilter(role=RequestRole.all), page=_QUEUE
    )
    return render(
        request,
        "sharing/request_detail.html",
        partial="sharing/_request_body.html",
        status_code=status_code,
        r=detail,
        entry=_entry_names(session, [detail.entry_id]).get(detail.entry_id, ""),
        organizations=_organization_names(session, actor),
        citations=_citations(session, actor, [detail.refusal_basis_id, detail.legal_basis_id]),
        grants=[GrantRead.model_validate(g) for g in grants.items if g.request_id == detail.id],
        actions=actions,
        item_options=[(name, name) for name in detail.items],
        legal_basis_options=(
            [(str(b.id), b.citation) for b in _vocabulary(session, actor)]
            if any(actions.values())
            else []
        ),
        done=_done(done),
        errors=errors or {},
        form=form or {},
        **_labels(),
    )


@router.get("/requests/{request_id}", response_class=HTMLResponse)
def request_page(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    request_id: UUID,
    done: DoneQuery = "",
) -> HTMLResponse:
    """One request: what was asked, its path and clock, the decisions so far and the
    actions the viewer may take."""
    return _detail_page(request, session, actor, request_id, done=done)


def _failed(
    request: Request,
    session: Session,
    actor: Actor,
    request_id: UUID,
    action: str,
    exc: AppError,
    form: Mapping[str, Any],
) -> HTMLResponse:
    """Show the page again with the error (``_step`` undid what the step touched)."""
    errors = app_error_fields(exc)
    if action == "check" and "refusal_basis_id" in errors:  # the check form's select
        errors["basis_id"] = errors.pop("refusal_basis_id")
    return _detail_page(
        request,
        session,
        actor,
        request_id,
        errors={action: _shown_errors(errors, form)},
        form={action: form},
        status_code=422,
    )


@router.post("/requests/{request_id}/check", response_class=HTMLResponse)
def check_submit(
    request: Request, session: SessionDep, actor: ActorDep, request_id: UUID, form: FormDep
) -> Response:
    """合规审查: pass, or refuse citing a registered legal basis."""
    passed = text(form, "passed") == "1"
    values = {"opinion": text(form, "opinion"), "basis_id": text(form, "basis_id")}
    try:
        basis_id = UUID(values["basis_id"]) if values["basis_id"] else None
        with _step(session):
            sharing_service.check_request(
                session,
                actor=actor,
                request_id=request_id,
                passed=passed,
                opinion=values["opinion"],
                basis_id=basis_id,
                settings=_clock_settings(request),
            )
    except ValueError:
        error = InvalidInputError(t("请选择已登记的法律依据"), field="basis_id")
        return _failed(request, session, actor, request_id, "check", error, values)
    except _FORM_ERRORS as exc:
        return _failed(request, session, actor, request_id, "check", exc, values)
    return redirect(request, f"/sharing/requests/{request_id}?done=checked")


def _decision(form: Any) -> dict[str, Any]:
    return {
        "granted_items": texts(form, "granted_items"),
        "opinion": text(form, "opinion"),
        "refusal_basis_id": text(form, "refusal_basis_id"),
    }


def _decide(
    request: Request,
    session: Session,
    actor: Actor,
    request_id: UUID,
    values: Mapping[str, Any],
    *,
    action: str,
) -> Response:
    step = sharing_service.answer_request if action == "answer" else sharing_service.order_supply
    try:
        basis = UUID(values["refusal_basis_id"]) if values["refusal_basis_id"] else None
        with _step(session):
            step(
                session,
                actor=actor,
                request_id=request_id,
                granted_items=list(values["granted_items"]),
                opinion=values["opinion"],
                refusal_basis_id=basis,
            )
    except ValueError:
        error = InvalidInputError(t("请选择已登记的法律依据"), field="refusal_basis_id")
        return _failed(request, session, actor, request_id, action, error, values)
    except _FORM_ERRORS as exc:
        return _failed(request, session, actor, request_id, action, exc, values)
    done = "answered" if action == "answer" else "ordered"
    return redirect(request, f"/sharing/requests/{request_id}?done={done}")


@router.post("/requests/{request_id}/answer", response_class=HTMLResponse)
def answer_submit(
    request: Request, session: SessionDep, actor: ActorDep, request_id: UUID, form: FormDep
) -> Response:
    """答复: the provider grants the checked items; the rest are refused with a basis."""
    return _decide(request, session, actor, request_id, _decision(form), action="answer")


@router.post("/requests/{request_id}/order", response_class=HTMLResponse)
def order_submit(
    request: Request, session: SessionDep, actor: ActorDep, request_id: UUID, form: FormDep
) -> Response:
    """协调供给: the coordinator settles an escalated request."""
    return _decide(request, session, actor, request_id, _decision(form), action="order")


@router.post("/requests/{request_id}/withdraw", response_class=HTMLResponse)
def withdraw_submit(
    request: Request, session: SessionDep, actor: ActorDep, request_id: UUID, form: FormDep
) -> Response:
    values = {"reason": text(form, "reason")}
    try:
        with _step(session):
            sharing_service.withdraw_request(
                session, actor=actor, request_id=request_id, reason=values["reason"]
            )
    except _FORM_ERRORS as exc:
        return _failed(request, session, actor, request_id, "withdraw", exc, values)
    return redirect(request, f"/sharing/requests/{request_id}?done=withdrawn")


# ---------------------------------------------------------------- grants


def _grant_rows(session: Session, actor: Actor, role: RequestRole) -> list[GrantRead]:
    page = sharing_service.list_grants(
        session, actor=actor, filters=GrantFilter(role=role), page=_QUEUE
    )
    return [GrantRead.model_validate(g) for g in page.items]


def _grants_page(
    request: Request,
    session: Session,
    actor: Actor,
    *,
    done: str = "",
    errors: Mapping[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    _ensure_sharing_user(actor)
    sections: list[dict[str, Any]] = []
    if actor.has(SharingPermission.read_all):
        sections.append(
            {
                "id": "all",
                "title": t("全部授权"),
                "rows": _grant_rows(session, actor, RequestRole.all),
            }
        )
    else:
        sections.append(
            {
                "id": "consumer",
                "title": t("本部门获得的授权"),
                "rows": _grant_rows(session, actor, RequestRole.made),
            }
        )
        sections.append(
            {
                "id": "provider",
                "title": t("本部门提供的授权"),
                "rows": _grant_rows(session, actor, RequestRole.received),
            }
        )
    grants: Sequence[GrantRead] = [g for s in sections for g in s["rows"]]
    manage = {
        g.id
        for g in grants
        if actor.has(SharingPermission.check)
        or (
            actor.has(SharingPermission.answer)
            and actor.organization_id == g.provider_organization_id
        )
    }
    return render(
        request,
        "sharing/grants.html",
        status_code=status_code,
        sections=sections,
        organizations=_organization_names(session, actor),
        entries=_entry_names(session, (g.entry_id for g in grants)),
        manage=manage,
        now=utcnow(),
        done=_done(done),
        errors=errors or {},
        max_months=MAX_MONTHS,
        **_labels(),
    )


@router.get("/grants", response_class=HTMLResponse)
def grant_list(
    request: Request, session: SessionDep, actor: ActorDep, done: DoneQuery = ""
) -> HTMLResponse:
    """Grants of my department, as consumer and as provider (all for the coordinator and
    the auditor); the provider and the coordinator revoke and renew them here."""
    return _grants_page(request, session, actor, done=done)


@router.post("/grants/{grant_id}/revoke", response_class=HTMLResponse)
def revoke_submit(
    request: Request, session: SessionDep, actor: ActorDep, grant_id: UUID, form: FormDep
) -> Response:
    reason = text(form, "reason")
    try:
        if not reason:
            raise InvalidInputError(t("撤销授权须填写理由"), field="reason")
        with _step(session):
            sharing_service.revoke_grant(session, actor=actor, grant_id=grant_id, reason=reason)
    except _FORM_ERRORS as exc:
        return _grants_page(
            request, session, actor, errors={str(grant_id): exc.detail}, status_code=422
        )
    return redirect(request, "/sharing/grants?done=revoked")


@router.post("/grants/{grant_id}/renew", response_class=HTMLResponse)
def renew_submit(
    request: Request, session: SessionDep, actor: ActorDep, grant_id: UUID, form: FormDep
) -> Response:
    months = text(form, "months")
    try:
        if not months.isdigit() or not 1 <= int(months) <= MAX_MONTHS:
            raise InvalidInputError(t("续期月数应为 1 至 {n} 的整数", n=MAX_MONTHS), field="months")
        with _step(session):
            sharing_service.renew_grant(session, actor=actor, grant_id=grant_id, months=int(months))
    except _FORM_ERRORS as exc:
        return _grants_page(
            request, session, actor, errors={str(grant_id): exc.detail}, status_code=422
        )
    return redirect(request, "/sharing/grants?done=renewed")


# ---------------------------------------------------------------- statistics


@router.get("/refusals", response_class=HTMLResponse)
def refusal_statistics(request: Request, session: SessionDep, actor: ActorDep) -> HTMLResponse:
    """Refusals (whole and partial) counted by the legal basis they cite."""
    _ensure_sharing_user(actor)
    counts = sharing_service.refusals_by_basis(session)
    total = sum(c.refusals for c in counts)
    chart = {
        "bases": {
            "labels": [c.citation for c in counts],
            "label": t("占不予共享总数（%）"),
            "values": [round(c.share * 100, 1) for c in counts],
            "horizontal": True,
        }
    }
    return render(
        request, "sharing/refusals.html", counts=counts, total=total, chart=chart, as_of=utcnow()
    )
