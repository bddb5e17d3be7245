"""Requests to open a dataset (数据开放申请): anyone files one, the coordinator answers.

Art. 31 asks the city to encourage and guide society's use of public information
resources and to open, step by step, data that is neither secret nor private: the
public says which data it needs, and the platform authority (Art. 6, 29) answers each
request with a reply or declines it with a reason. Filing needs no account; the
number of requests per source and hour is limited instead of a captcha (the city
network is air-gapped, a third-party captcha is not available). Every filing and
every answer is audited.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smartcity.core.pagination import Page, PageParams, paginate
from smartcity.core.security import Actor, ensure_permission
from smartcity.core.time import utcnow
from smartcity.domains.audit import service as audit
from smartcity.domains.opendata.enums_requests import DataRequestState
from smartcity.domains.opendata.errors import (
    DataRequestAnsweredError,
    DataRequestNotFoundError,
    DataRequestRateLimitedError,
)
from smartcity.domains.opendata.models_requests import DataRequest
from smartcity.domains.opendata.permissions import OpenDataPermission
from smartcity.domains.opendata.schemas_requests import (
    DataRequestAnswer,
    DataRequestCreate,
    DataRequestFilter,
    DataRequestRead,
    DataRequestReceipt,
)
from smartcity.domains.sharing import service as sharing_service

#: Number prefix of requests to open data (开放): KF-2026-000001.
PREFIX = "KF"
#: Requests one source may file per ``RATE_WINDOW``.
RATE_LIMIT = 5
RATE_WINDOW = timedelta(hours=1)


def source_digest(secret: str, address: str) -> str:
    """The salted digest of a source address: enough to count one source's requests,
    not enough to recover the address (the address itself is personal data)."""
    if not address:
        return ""
    return hmac.new(secret.encode(), address.encode(), hashlib.sha256).hexdigest()


def submit_data_request(
    session: Session, *, actor: Actor, data: DataRequestCreate, source: str = ""
) -> DataRequestReceipt:
    """File a request to open a dataset (anyone, no login; Art. 31).

    ``source`` is the digest of the client address (``source_digest``): at most
    ``RATE_LIMIT`` requests per source in ``RATE_WINDOW``.

    Raises:
        DataRequestRateLimitedError: the source filed too many requests in the window.
    """
    if source:
        since = utcnow() - RATE_WINDOW
        recent = session.scalar(
            select(func.count())
            .select_from(DataRequest)
            .where(DataRequest.source_digest == source, DataRequest.created_at >= since)
        )
        if (recent or 0) >= RATE_LIMIT:
            raise DataRequestRateLimitedError(
                f"同一来源每小时最多提交 {RATE_LIMIT} 条数据开放申请，请稍后再试。",
                limit=RATE_LIMIT,
            )
    request = DataRequest(
        title=data.title,
        description=data.description,
        purpose=data.purpose,
        provider_hint=data.provider_hint,
        requester_name=data.requester_name,
        contact=data.contact,
        requester_user_id=actor.id if actor.is_authenticated else None,
        source_digest=source,
        state=DataRequestState.new,
    )
    sharing_service.add_numbered(session, request, PREFIX)
    # The contact stays out of the audit trail (personal data, kept only in the request).
    audit.record(
        session,
        actor=actor,
        action="opendata.data_request.submitted",
        subject=request,
        changes={"title": data.title, "state": DataRequestState.new.value},
    )
    session.flush()
    return DataRequestReceipt.model_validate(request)


def list_data_requests(
    session: Session, *, actor: Actor, filters: DataRequestFilter, page: PageParams
) -> Page[DataRequestRead]:
    """Requests to open data, newest first, for the coordinator.

    Raises:
        AuthenticationRequiredError / PermissionDeniedError: not the coordinator.
    """
    ensure_permission(actor, OpenDataPermission.answer_requests)
    statement = select(DataRequest).order_by(
        DataRequest.created_at.desc(), DataRequest.number.desc()
    )
    if filters.state is not None:
        statement = statement.where(DataRequest.state == filters.state)
    return paginate(session, statement, page).map(DataRequestRead.model_validate)


def count_new_data_requests(session: Session, *, actor: Actor) -> int:
    """How many requests wait for an answer (0 for anyone but the coordinator)."""
    if not actor.has(OpenDataPermission.answer_requests):
        return 0
    return int(
        session.scalar(
            select(func.count())
            .select_from(DataRequest)
            .where(DataRequest.state == DataRequestState.new)
        )
        or 0
    )


def _load(session: Session, request_id: UUID, *, for_update: bool = False) -> DataRequest:
    statement = select(DataRequest).where(DataRequest.id == request_id)
    if for_update:
        statement = statement.with_for_update()
    request = session.scalars(statement).one_or_none()
    if request is None:
        raise DataRequestNotFoundError(f"数据开放申请不存在：{request_id}")
    return request


def get_data_request(session: Session, *, actor: Actor, request_id: UUID) -> DataRequestRead:
    """One request, for the coordinator.

    Raises:
        AuthenticationRequiredError / PermissionDeniedError: not the coordinator.
        DataRequestNotFoundError: no such request.
    """
    ensure_permission(actor, OpenDataPermission.answer_requests)
    return DataRequestRead.model_validate(_load(session, request_id))


def answer_data_request(
    session: Session, *, actor: Actor, request_id: UUID, answer: DataRequestAnswer
) -> DataRequestRead:
    """The coordinator answers a new request (with a reply) or declines it (with the
    reason). The answer is final, so the audit trail holds exactly one.

    Raises:
        AuthenticationRequiredError / PermissionDeniedError: not the coordinator.
        DataRequestNotFoundError: no such request.
        DataRequestAnsweredError: the request was already answered or declined.
    """
    ensure_permission(actor, OpenDataPermission.answer_requests)
    request = _load(session, request_id, for_update=True)
    if request.state is not DataRequestState.new:
        raise DataRequestAnsweredError(
            f"申请 {request.number} 已经答复，不能再次答复。", current_state=request.state.value
        )
    state = DataRequestState(answer.decision)
    request.state = state
    request.reply = answer.reply
    request.answered_at = utcnow()
    request.answered_by_name = actor.name
    audit.record(
        session,
        actor=actor,
        action=f"opendata.data_request.{state.value}",
        subject=request,
        changes={"state": [DataRequestState.new.value, state.value], "reply": answer.reply},
    )
    session.flush()
    return DataRequestRead.model_validate(request)
