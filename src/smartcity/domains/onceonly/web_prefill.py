"""Pages of prefill with consent (Art. 28), for the citizen, under ``/onceonly/prefill``.

- ``/onceonly/prefill`` (我的授权回填): the prefill requests made for the signed-in
  citizen, newest first, with their state.
- ``/onceonly/prefill/{id}`` (回填确认): one request on a phone-width page — to whom, for
  which form, purpose and case, and each value the platform would send with its source
  department and last update; he ticks the ones he approves (all by default), may type
  another value (then marked 申请人提供，未经核验), or declines; once approved he may
  revoke until the department has fetched them. A request made for someone else's key
  is the same "not found" as one that does not exist; an account without a binding gets
  a Chinese explanation (403).
"""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from smartcity.core.errors import AppError
from smartcity.core.http.deps import SessionDep, SettingsDep
from smartcity.core.http.forms import FormDep, redirect, text, texts
from smartcity.core.http.htmx import render
from smartcity.core.security import Actor
from smartcity.domains.identity.deps import ActorDep
from smartcity.domains.onceonly import service
from smartcity.domains.onceonly.api_prefill import CONSENT_PAGE
from smartcity.domains.onceonly.errors import (
    InvalidConsentError,
    PrefillChangedError,
    PrefillClosedError,
    PrefillDeliveredError,
)
from smartcity.domains.onceonly.prefill_schemas import PrefillConsent
from smartcity.domains.privacy.errors import NoSubjectBindingError

router = APIRouter(prefix="/onceonly/prefill", include_in_schema=False)

EDIT_PREFIX = "edit-"
"""Form inputs ``edit-<item id>`` carry a typed value (empty: no edit)."""


def _no_binding(request: Request, error: NoSubjectBindingError) -> HTMLResponse:
    return render(
        request, "onceonly/prefill_no_binding.html", status_code=403, message=error.detail
    )


@router.get("", response_class=HTMLResponse, name="prefill_list_page")
def my_prefills(request: Request, session: SessionDep, actor: ActorDep) -> HTMLResponse:
    """我的授权回填."""
    try:
        rows = service.list_my_prefills(session, actor=actor)
    except NoSubjectBindingError as error:
        return _no_binding(request, error)
    return render(request, "onceonly/prefill_list.html", rows=rows)


def _page(
    request: Request,
    session: Session,
    actor: Actor,
    request_id: UUID,
    *,
    message: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    try:
        view = service.preview_prefill(session, actor=actor, request_id=request_id)
    except NoSubjectBindingError as error:
        return _no_binding(request, error)
    return render(
        request,
        "onceonly/prefill_consent.html",
        status_code=status_code,
        view=view,
        message=message,
        edit_prefix=EDIT_PREFIX,
    )


@router.get("/{request_id}", response_class=HTMLResponse, name=CONSENT_PAGE)
def consent_page(
    request: Request, request_id: UUID, session: SessionDep, actor: ActorDep
) -> HTMLResponse:
    """回填确认: preview and consent."""
    return _page(request, session, actor, request_id)


@router.post("/{request_id}/approve", response_class=HTMLResponse)
def approve(
    request: Request,
    request_id: UUID,
    session: SessionDep,
    actor: ActorDep,
    settings: SettingsDep,
    form: FormDep,
) -> Response:
    """同意并发送所选: the ticked items, with the values typed in their edit boxes."""
    try:
        approved = [UUID(value) for value in texts(form, "approve")]
        edits = {
            UUID(name.removeprefix(EDIT_PREFIX)): str(value)
            for name, value in form.multi_items()
            if name.startswith(EDIT_PREFIX) and str(value).strip()
        }
    except ValueError:
        approved, edits = [], {}
    try:
        # A savepoint: a refused consent leaves nothing half-changed behind the page.
        with session.begin_nested():
            service.approve_prefill(
                session,
                actor=actor,
                request_id=request_id,
                data=PrefillConsent(
                    approved=approved, edits=edits, fingerprint=text(form, "fingerprint") or None
                ),
                settings=settings.onceonly,
            )
    except (InvalidConsentError, PrefillClosedError, PrefillChangedError) as error:
        return _page(
            request, session, actor, request_id, message=error.detail, status_code=error.status
        )
    return redirect(request, f"/onceonly/prefill/{request_id}")


def _answer(
    request: Request, session: Session, actor: Actor, request_id: UUID, verb: str
) -> Response:
    try:
        with session.begin_nested():
            if verb == "decline":
                service.decline_prefill(session, actor=actor, request_id=request_id)
            else:
                service.revoke_prefill(session, actor=actor, request_id=request_id)
    except (PrefillClosedError, PrefillDeliveredError) as error:
        return _error_page(request, session, actor, request_id, error)
    return redirect(request, f"/onceonly/prefill/{request_id}")


def _error_page(
    request: Request, session: Session, actor: Actor, request_id: UUID, error: AppError
) -> HTMLResponse:
    return _page(
        request, session, actor, request_id, message=error.detail, status_code=error.status
    )


@router.post("/{request_id}/decline", response_class=HTMLResponse)
def decline(request: Request, request_id: UUID, session: SessionDep, actor: ActorDep) -> Response:
    """拒绝: nothing is sent."""
    return _answer(request, session, actor, request_id, "decline")


@router.post("/{request_id}/revoke", response_class=HTMLResponse)
def revoke(request: Request, request_id: UUID, session: SessionDep, actor: ActorDep) -> Response:
    """撤回授权, before the department fetched the values."""
    return _answer(request, session, actor, request_id, "revoke")
