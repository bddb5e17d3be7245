"""JSON API of prefill with consent (Art. 28), under ``/api/v1/onceonly``.

- ``POST /prefill-requests``: a department's service (API client, bearer token, like the
  exchange API's callers) asks to prefill one of its forms for a citizen; the answer is
  the request's id and the consent page's address, never a personal value, and it is
  the same whether or not the platform holds the citizen's record;
- ``GET /prefill-requests/{id}``: the approved values, once, each with ``verified`` and
  its source; a second fetch, an unanswered, declined, revoked or expired request answer
  with a problem;
- ``/me/prefill-requests``: the signed-in citizen's own requests — list, preview,
  ``approve`` (all or some, with edits), ``decline``, ``revoke``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from smartcity.core.errors import AuthenticationRequiredError, PermissionDeniedError
from smartcity.core.http.deps import SessionDep, SettingsDep, get_database
from smartcity.core.http.problems import app_error_response, problem_responses
from smartcity.domains.identity.deps import ActorDep
from smartcity.domains.onceonly import service
from smartcity.domains.onceonly.errors import (
    InvalidConsentError,
    InvalidPrefillRequestError,
    PrefillChangedError,
    PrefillClosedError,
    PrefillDeliveredError,
    PrefillPendingError,
    PrefillRefusal,
    PrefillRequestNotFoundError,
)
from smartcity.domains.onceonly.prefill_schemas import (
    PrefillConsent,
    PrefillDelivery,
    PrefillOfferedField,
    PrefillRequestCreate,
    PrefillRequestCreated,
    PrefillRequestView,
    PrefillSummary,
)
from smartcity.domains.privacy.errors import NoSubjectBindingError

router = APIRouter(prefix="/onceonly", tags=["onceonly-prefill"])


def get_writing_session(request: Request, session: SessionDep) -> Iterator[Session]:
    """A writing transaction for the delivery, although it is a GET: the fetch changes
    the request's state, appends to the exchange log and the audit log. GETs read in a
    read-only (on SQLite: deferred) transaction, which cannot safely turn into a writer
    when another fetch of the same request writes first ("database is locked"); a
    writing transaction begins ``IMMEDIATE``, so concurrent fetches queue and all but
    the first find the values delivered (409). A session the tests bind to their
    connection is used as it is."""
    bind = session.get_bind()
    if not (isinstance(bind, Engine) and bind.get_execution_options().get("smartcity_read_only")):
        yield session
        return
    with get_database(request).sessionmaker() as writing:
        try:
            yield writing
        except BaseException:
            writing.rollback()
            raise
        writing.commit()


WritingSessionDep = Annotated[Session, Depends(get_writing_session, scope="function")]

CONSENT_PAGE = "prefill_consent_page"
"""The route name of the consent page (``web_prefill``)."""

_AUTH = (AuthenticationRequiredError, PermissionDeniedError)
_MINE = (*_AUTH, NoSubjectBindingError, PrefillRequestNotFoundError)


@router.post(
    "/prefill-requests",
    status_code=201,
    responses=problem_responses(*_AUTH, InvalidPrefillRequestError),
)
def request_prefill(
    data: PrefillRequestCreate,
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    settings: SettingsDep,
) -> PrefillRequestCreated:
    """Ask to prefill a form of one's department (``form_id`` or ``form_code``) for the
    citizen with ``subject_key`` (公民身份号码), for ``case_reference``. Offered: the
    form's fields the department may obtain (its own resource, an active grant, or an
    entry shared 无条件) from a base-data table. Send the citizen to ``consent_url``;
    fetch the values after his consent, before ``expires_at``."""
    created = service.request_prefill(session, actor=actor, data=data, settings=settings.onceonly)
    return PrefillRequestCreated(
        id=created.id,
        state=created.state,
        form_id=created.form_id,
        form_code=created.form.code,
        form_name=created.form.name,
        case_reference=created.case_reference,
        expires_at=created.expires_at,
        consent_url=str(request.url_for(CONSENT_PAGE, request_id=str(created.id))),
        offered=[
            PrefillOfferedField(
                field_id=item.field_id,
                label=item.label,
                item_name=item.item_name,
                source_organization=item.source_name,
                basis=item.basis,
            )
            for item in created.items
        ],
    )


@router.get(
    "/prefill-requests/{request_id}",
    response_model=PrefillDelivery,
    responses=problem_responses(
        *_AUTH,
        PrefillRequestNotFoundError,
        PrefillPendingError,
        PrefillDeliveredError,
        PrefillClosedError,
    ),
)
def fetch_prefill(
    request_id: UUID, request: Request, session: WritingSessionDep, actor: ActorDep
) -> PrefillDelivery | Response:
    """The approved values, once: each with ``verified`` (true: the platform's value, with
    its source department and last update; false: typed by the citizen, not verified).
    Not answered yet: ``onceonly.prefill-pending`` (ask again later); fetched before:
    ``onceonly.prefill-delivered``; declined, revoked or expired:
    ``onceonly.prefill-closed``. Logged in the exchange log, refusals too (they are
    answered here so that the transaction keeps their log entry)."""
    try:
        return service.deliver_prefill(session, actor=actor, request_id=request_id)
    except PrefillRefusal as refusal:
        return app_error_response(request, refusal)


@router.get("/me/prefill-requests", responses=problem_responses(*_AUTH, NoSubjectBindingError))
def my_prefills(session: SessionDep, actor: ActorDep) -> list[PrefillSummary]:
    """我的授权回填: the prefill requests made for the signed-in citizen, newest first."""
    return service.list_my_prefills(session, actor=actor)


@router.get("/me/prefill-requests/{request_id}", responses=problem_responses(*_MINE))
def preview_prefill(request_id: UUID, session: SessionDep, actor: ActorDep) -> PrefillRequestView:
    """What the request would send: each value with its source and last update, to whom
    and for which form and purpose; after the answer, what was approved."""
    return service.preview_prefill(session, actor=actor, request_id=request_id)


@router.post(
    "/me/prefill-requests/{request_id}/approve",
    responses=problem_responses(
        *_MINE, PrefillClosedError, PrefillChangedError, InvalidConsentError
    ),
)
def approve_prefill(
    request_id: UUID,
    data: PrefillConsent,
    session: SessionDep,
    actor: ActorDep,
    settings: SettingsDep,
) -> PrefillRequestView:
    """Approve the items in ``approved``; ``edits`` maps items to a typed value
    (申请人提供，未经核验); ``fingerprint`` (from the preview) makes sure the values
    approved are the ones shown (``onceonly.prefill-changed`` otherwise)."""
    service.approve_prefill(
        session, actor=actor, request_id=request_id, data=data, settings=settings.onceonly
    )
    return service.preview_prefill(session, actor=actor, request_id=request_id)


@router.post(
    "/me/prefill-requests/{request_id}/decline",
    responses=problem_responses(*_MINE, PrefillClosedError),
)
def decline_prefill(request_id: UUID, session: SessionDep, actor: ActorDep) -> PrefillRequestView:
    """Decline: nothing is sent."""
    service.decline_prefill(session, actor=actor, request_id=request_id)
    return service.preview_prefill(session, actor=actor, request_id=request_id)


@router.post(
    "/me/prefill-requests/{request_id}/revoke",
    responses=problem_responses(*_MINE, PrefillClosedError, PrefillDeliveredError),
)
def revoke_prefill(request_id: UUID, session: SessionDep, actor: ActorDep) -> PrefillRequestView:
    """Withdraw an approval before the department fetched the values."""
    service.revoke_prefill(session, actor=actor, request_id=request_id)
    return service.preview_prefill(session, actor=actor, request_id=request_id)
