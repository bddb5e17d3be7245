"""Requests to open a dataset (数据开放申请, Art. 31): filing, the per-source limit, the
coordinator's queue and final answers, each audited."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.core.errors import AuthenticationRequiredError, PermissionDeniedError
from smartcity.core.pagination import PageParams
from smartcity.core.security import ANONYMOUS, Actor
from smartcity.core.time import utcnow
from smartcity.domains.audit import service as audit_service
from smartcity.domains.identity.permissions import Role
from smartcity.domains.opendata.enums_requests import DataRequestState
from smartcity.domains.opendata.errors import (
    DataRequestAnsweredError,
    DataRequestNotFoundError,
    DataRequestRateLimitedError,
)
from smartcity.domains.opendata.models_requests import DataRequest
from smartcity.domains.opendata.schemas_requests import (
    DataRequestAnswer,
    DataRequestCreate,
    DataRequestFilter,
)
from smartcity.domains.opendata.service import data_requests
from tests.factories.identity import actor_of, make_user
from tests.factories.registry import make_organization

ASK = DataRequestCreate(title="公交到站数据", description="各线路车辆实时到站时间。")
PAGE = PageParams(page=1, size=20)


def _coordinator(session: Session) -> Actor:
    organization = make_organization(session, coordinator=True)
    return actor_of(make_user(session, organization=organization, roles=[Role.coordinator]))


class TestSubmitDataRequest:
    def test_numbers_requests_per_year_and_audits_without_the_contact(
        self, session: Session
    ) -> None:
        first = data_requests.submit_data_request(session, actor=ANONYMOUS, data=ASK)
        second = data_requests.submit_data_request(
            session,
            actor=ANONYMOUS,
            data=ASK.model_copy(update={"contact": "13800000000"}),
        )

        year = utcnow().year
        assert first.number.startswith(f"KF-{year}-")
        assert int(second.number[-6:]) == int(first.number[-6:]) + 1
        stored = session.scalars(select(DataRequest).where(DataRequest.number == second.number))
        request = stored.one()
        assert request.requester_user_id is None
        events = audit_service.actions_for(session, subject_id=request.id)
        assert events == ["opendata.data_request.submitted"]

    def test_a_signed_in_requester_is_remembered(self, session: Session) -> None:
        user = make_user(session, organization=None, roles=[Role.citizen])
        receipt = data_requests.submit_data_request(session, actor=actor_of(user), data=ASK)
        request = session.scalars(
            select(DataRequest).where(DataRequest.number == receipt.number)
        ).one()
        assert request.requester_user_id == user.id

    def test_the_limit_counts_one_source_within_the_hour_only(self, session: Session) -> None:
        source = data_requests.source_digest("secret", "192.0.2.7")
        for _ in range(data_requests.RATE_LIMIT):
            data_requests.submit_data_request(session, actor=ANONYMOUS, data=ASK, source=source)

        with pytest.raises(DataRequestRateLimitedError):
            data_requests.submit_data_request(session, actor=ANONYMOUS, data=ASK, source=source)
        other = data_requests.source_digest("secret", "192.0.2.8")
        data_requests.submit_data_request(session, actor=ANONYMOUS, data=ASK, source=other)

        for request in session.scalars(
            select(DataRequest).where(DataRequest.source_digest == source)
        ):
            request.created_at = utcnow() - data_requests.RATE_WINDOW - timedelta(minutes=1)
        session.flush()
        data_requests.submit_data_request(session, actor=ANONYMOUS, data=ASK, source=source)

    def test_the_source_digest_is_salted_and_hides_the_address(self) -> None:
        digest = data_requests.source_digest("secret", "192.0.2.7")
        assert "192.0.2.7" not in digest
        assert digest != data_requests.source_digest("other-secret", "192.0.2.7")
        assert data_requests.source_digest("secret", "") == ""


class TestAnswerDataRequest:
    def test_the_coordinator_declines_with_a_reason_once(self, session: Session) -> None:
        coordinator = _coordinator(session)
        receipt = data_requests.submit_data_request(session, actor=ANONYMOUS, data=ASK)
        request_id = session.scalars(
            select(DataRequest.id).where(DataRequest.number == receipt.number)
        ).one()

        answered = data_requests.answer_data_request(
            session,
            actor=coordinator,
            request_id=request_id,
            answer=DataRequestAnswer(decision="declined", reply="涉及车辆实时位置，暂不开放。"),
        )

        assert answered.state is DataRequestState.declined
        assert answered.answered_at is not None
        assert answered.answered_by_name
        with pytest.raises(DataRequestAnsweredError):
            data_requests.answer_data_request(
                session,
                actor=coordinator,
                request_id=request_id,
                answer=DataRequestAnswer(decision="answered", reply="改变主意"),
            )
        assert audit_service.actions_for(session, subject_id=request_id) == [
            "opendata.data_request.submitted",
            "opendata.data_request.declined",
        ]

    def test_others_may_not_answer_or_list(self, session: Session) -> None:
        receipt = data_requests.submit_data_request(session, actor=ANONYMOUS, data=ASK)
        request_id = session.scalars(
            select(DataRequest.id).where(DataRequest.number == receipt.number)
        ).one()
        staff = actor_of(make_user(session, organization=make_organization(session)))
        answer = DataRequestAnswer(decision="answered", reply="好的")

        with pytest.raises(AuthenticationRequiredError):
            data_requests.list_data_requests(
                session, actor=ANONYMOUS, filters=DataRequestFilter(), page=PAGE
            )
        with pytest.raises(PermissionDeniedError):
            data_requests.answer_data_request(
                session, actor=staff, request_id=request_id, answer=answer
            )
        assert data_requests.count_new_data_requests(session, actor=staff) == 0

    def test_an_unknown_request_is_not_found(self, session: Session) -> None:
        with pytest.raises(DataRequestNotFoundError):
            data_requests.get_data_request(session, actor=_coordinator(session), request_id=uuid4())

    def test_the_queue_filters_by_state_and_counts_the_waiting(self, session: Session) -> None:
        coordinator = _coordinator(session)
        for _ in range(3):
            data_requests.submit_data_request(session, actor=ANONYMOUS, data=ASK)
        first = data_requests.list_data_requests(
            session, actor=coordinator, filters=DataRequestFilter(), page=PAGE
        ).items[-1]
        data_requests.answer_data_request(
            session,
            actor=coordinator,
            request_id=first.id,
            answer=DataRequestAnswer(decision="answered", reply="见开放数据门户“公交”检索结果。"),
        )

        waiting = data_requests.list_data_requests(
            session,
            actor=coordinator,
            filters=DataRequestFilter(state=DataRequestState.new),
            page=PAGE,
        )
        assert waiting.total == 2
        assert data_requests.count_new_data_requests(session, actor=coordinator) == 2
        done = data_requests.list_data_requests(
            session,
            actor=coordinator,
            filters=DataRequestFilter(state=DataRequestState.answered),
            page=PAGE,
        )
        assert [r.id for r in done.items] == [first.id]
