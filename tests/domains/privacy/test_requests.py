"""Correction and deletion requests (Art. 68): filed on one's own values, routed to the
source department, answered on the working-day clock, audited."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smartcity.core.config import PrivacySettings
from smartcity.core.errors import PermissionDeniedError
from smartcity.core.pagination import PageParams
from smartcity.core.security import SYSTEM, Actor
from smartcity.core.time import CHINA, freeze_time
from smartcity.domains.audit.models import AuditEvent
from smartcity.domains.identity.permissions import Role
from smartcity.domains.privacy import service as privacy_service
from smartcity.domains.privacy import service_requests as requests
from smartcity.domains.privacy.enums import DataRequestKind, DataRequestState
from smartcity.domains.privacy.errors import (
    DataRequestNotFoundError,
    DataRequestRefusalBasisError,
    DataRequestStateError,
    InvalidDataRequestError,
    NoSubjectBindingError,
)
from smartcity.domains.privacy.models import DataRequest
from smartcity.domains.privacy.schemas import (
    DataRequestAnswer,
    DataRequestCreate,
    DataRequestFilter,
)
from tests.domains.privacy.world import PrivacyWorld, privacy_world
from tests.factories.catalog import make_legal_basis, staff_of
from tests.factories.identity import actor_of, make_user

PAGE = PageParams(page=1, size=20)
SETTINGS = PrivacySettings()  # 10 working days
FRIDAY = datetime(2026, 3, 6, 2, 0, tzinfo=UTC)  # Friday 6 March 2026, 10:00 in Jining


@pytest.fixture
def world(session: Session, tmp_path: Path) -> PrivacyWorld:
    return privacy_world(session, tmp_path)


def _count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(DataRequest)) or 0


def correction(world: PrivacyWorld, **values: Any) -> DataRequestCreate:
    data: dict[str, Any] = {
        "kind": DataRequestKind.correction,
        "table_name": world.exchange.table_name,
        "field_name": "姓名",
        "claimed_value": "王更正",
        "reason": "户口簿上的姓名",
    }
    data.update(values)
    return DataRequestCreate.model_validate(data)


def file(session: Session, world: PrivacyWorld, **values: Any) -> Any:
    return requests.file_request(
        session, actor=world.citizen, data=correction(world, **values), settings=SETTINGS
    )


def source_staff(session: Session, world: PrivacyWorld) -> Actor:
    return staff_of(session, world.exchange.provider)


class TestFiling:
    def test_a_correction_reaches_the_source_department_on_the_clock(
        self, session: Session, world: PrivacyWorld
    ) -> None:
        with freeze_time(FRIDAY):
            filed = file(session, world)
        assert filed.number.startswith("GZ-2026-")
        assert filed.state is DataRequestState.submitted
        assert filed.subject_key == world.key
        assert filed.current_value == world.exchange.rows[0]["姓名"]
        assert filed.source_organization_id == world.exchange.provider.id
        # ten working days after Friday 6 March: to 24:00 of Friday 20 March in Jining
        assert filed.due_at == datetime(2026, 3, 20, 23, 59, 59, 999999, tzinfo=CHINA)
        with freeze_time(FRIDAY):
            mine = requests.my_requests(session, actor=world.citizen, page=PAGE)
        assert [r.number for r in mine.items] == [filed.number]
        assert mine.items[0].clock_label == "剩余 10 个工作日"
        action = session.scalar(
            select(AuditEvent.action).where(AuditEvent.subject_id == str(filed.id))
        )
        assert action == "privacy.request.filed"

    def test_numbers_follow_each_other(self, session: Session, world: PrivacyWorld) -> None:
        first = file(session, world)
        second = file(session, world, field_name="性别", claimed_value="女")
        assert int(second.number[-6:]) == int(first.number[-6:]) + 1

    def test_a_deletion_of_the_whole_record_goes_to_the_provider(
        self, session: Session, world: PrivacyWorld
    ) -> None:
        filed = file(
            session, world, kind=DataRequestKind.deletion, field_name="", reason="已迁出本市"
        )
        assert (filed.kind, filed.field_name, filed.claimed_value) == (
            DataRequestKind.deletion,
            "",
            "",
        )
        assert filed.source_organization_id == world.exchange.provider.id

    @pytest.mark.parametrize(
        ("values", "field"),
        [
            ({"table_name": "no_such_table"}, "table_name"),
            ({"field_name": "不存在的项"}, "field_name"),
            ({"field_name": ""}, "field_name"),
            ({"claimed_value": "  "}, "claimed_value"),
            ({"kind": DataRequestKind.deletion, "reason": ""}, "reason"),
        ],
    )
    def test_bad_input_is_refused_and_changes_nothing(
        self, session: Session, world: PrivacyWorld, values: dict[str, Any], field: str
    ) -> None:
        before = _count(session)
        with pytest.raises(InvalidDataRequestError) as caught:
            file(session, world, **values)
        assert caught.value.extensions.get("field") == field
        assert _count(session) == before

    def test_the_current_value_cannot_be_claimed(
        self, session: Session, world: PrivacyWorld
    ) -> None:
        with pytest.raises(InvalidDataRequestError):
            file(session, world, claimed_value=world.exchange.rows[0]["姓名"])

    def test_the_same_open_request_is_refused_once_withdrawn_it_can_be_filed_again(
        self, session: Session, world: PrivacyWorld
    ) -> None:
        first = file(session, world)
        with pytest.raises(DataRequestStateError):
            file(session, world)
        withdrawn = requests.withdraw_request(session, actor=world.citizen, request_id=first.id)
        assert withdrawn.state is DataRequestState.withdrawn
        with pytest.raises(DataRequestStateError):
            requests.withdraw_request(session, actor=world.citizen, request_id=first.id)
        assert file(session, world).number != first.number

    def test_without_a_binding_nothing_is_filed(
        self, session: Session, world: PrivacyWorld
    ) -> None:
        unbound = actor_of(make_user(session, organization=None, roles=[Role.citizen]))
        with pytest.raises(NoSubjectBindingError):
            requests.file_request(session, actor=unbound, data=correction(world), settings=SETTINGS)

    def test_another_subject_can_neither_see_nor_withdraw(
        self, session: Session, world: PrivacyWorld
    ) -> None:
        filed = file(session, world)
        other = make_user(session, organization=None, roles=[Role.citizen])
        privacy_service.bind_subject(
            session, actor=SYSTEM, username=other.username, key=world.exchange.key(1)
        )
        with pytest.raises(DataRequestNotFoundError):
            requests.withdraw_request(session, actor=actor_of(other), request_id=filed.id)
        assert requests.my_requests(session, actor=actor_of(other), page=PAGE).total == 0


class TestAnswer:
    def test_the_source_department_sees_and_corrects(
        self, session: Session, world: PrivacyWorld
    ) -> None:
        filed = file(session, world)
        staff = source_staff(session, world)
        queue = requests.request_queue(
            session, actor=staff, filters=DataRequestFilter(open_only=True), page=PAGE
        )
        assert [r.number for r in queue.items] == [filed.number]
        assert queue.items[0].subject_key == world.key  # the source sees whose record
        answered = requests.answer_request(
            session,
            actor=staff,
            request_id=filed.id,
            data=DataRequestAnswer(outcome=DataRequestState.corrected, answer="已核实并更正"),
        )
        assert answered.state is DataRequestState.corrected
        assert answered.answered_by_name == staff.name
        with pytest.raises(DataRequestStateError):
            requests.answer_request(
                session,
                actor=staff,
                request_id=filed.id,
                data=DataRequestAnswer(outcome=DataRequestState.corrected, answer="再次"),
            )
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.subject_id == str(filed.id))
        ).all()
        assert "privacy.request.answered" in actions

    def test_a_refusal_needs_a_registered_basis(
        self, session: Session, world: PrivacyWorld
    ) -> None:
        filed = file(session, world)
        staff = source_staff(session, world)
        for outcome in (DataRequestState.refused, DataRequestState.partially):
            with pytest.raises(DataRequestRefusalBasisError):
                requests.answer_request(
                    session,
                    actor=staff,
                    request_id=filed.id,
                    data=DataRequestAnswer(outcome=outcome, answer="与户籍档案一致"),
                )
        assert session.get(DataRequest, filed.id).state is DataRequestState.submitted  # type: ignore[union-attr]
        basis = make_legal_basis(session)
        refused = requests.answer_request(
            session,
            actor=staff,
            request_id=filed.id,
            data=DataRequestAnswer(
                outcome=DataRequestState.refused,
                answer="与户籍档案一致",
                refusal_basis_id=basis.id,
            ),
        )
        assert (refused.state, refused.refusal_basis_citation) == (
            DataRequestState.refused,
            basis.citation,
        )

    @pytest.mark.parametrize(
        ("answer", "error"),
        [
            (DataRequestAnswer(outcome=DataRequestState.withdrawn, answer="x"), "outcome"),
            (DataRequestAnswer(outcome=DataRequestState.corrected, answer=" "), "answer"),
        ],
    )
    def test_a_bad_answer_changes_nothing(
        self, session: Session, world: PrivacyWorld, answer: DataRequestAnswer, error: str
    ) -> None:
        filed = file(session, world)
        with pytest.raises(InvalidDataRequestError) as caught:
            requests.answer_request(
                session, actor=source_staff(session, world), request_id=filed.id, data=answer
            )
        assert caught.value.extensions.get("field") == error
        assert session.get(DataRequest, filed.id).state is DataRequestState.submitted  # type: ignore[union-attr]

    def test_another_department_sees_nothing_and_cannot_answer(
        self, session: Session, world: PrivacyWorld
    ) -> None:
        filed = file(session, world)
        other = staff_of(session, world.exchange.other)
        queue = requests.request_queue(session, actor=other, filters=DataRequestFilter(), page=PAGE)
        assert queue.total == 0
        with pytest.raises(DataRequestNotFoundError):
            requests.answer_request(
                session,
                actor=other,
                request_id=filed.id,
                data=DataRequestAnswer(outcome=DataRequestState.corrected, answer="改"),
            )

    def test_citizens_have_no_queue(self, session: Session, world: PrivacyWorld) -> None:
        with pytest.raises(PermissionDeniedError):
            requests.request_queue(
                session, actor=world.citizen, filters=DataRequestFilter(), page=PAGE
            )

    def test_the_coordinator_sees_overdue_requests_masked(
        self, session: Session, world: PrivacyWorld
    ) -> None:
        with freeze_time(FRIDAY):
            late = file(session, world)
        fresh = file(session, world, field_name="性别", claimed_value="女")
        after = datetime(2026, 3, 24, 2, 0, tzinfo=UTC)  # Tuesday after the deadline
        queue = requests.request_queue(
            session,
            actor=world.coordinator,
            filters=DataRequestFilter(overdue_only=True),
            page=PAGE,
            now=after,
        )
        assert [r.number for r in queue.items] == [late.number]
        assert queue.items[0].overdue
        assert queue.items[0].clock_label == "已逾期 2 个工作日"
        assert queue.items[0].subject_key != world.key  # masked for the coordinator
        everything = requests.request_queue(
            session, actor=world.coordinator, filters=DataRequestFilter(), page=PAGE
        )
        assert {r.number for r in everything.items} >= {late.number, fresh.number}


class TestDisputes:
    def test_open_corrections_only(self, session: Session, world: PrivacyWorld) -> None:
        table = world.exchange.table_name
        assert requests.disputed_values(session, table, [world.key]) == set()
        filed = file(session, world)
        file(session, world, kind=DataRequestKind.deletion, field_name="性别", reason="不需要")
        assert requests.disputed_values(session, table, [world.key, world.exchange.key(1)]) == {
            (world.key, "姓名")
        }
        requests.withdraw_request(session, actor=world.citizen, request_id=filed.id)
        assert requests.disputed_values(session, table, [world.key]) == set()
