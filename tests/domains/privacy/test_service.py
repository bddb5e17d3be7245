"""My data (Art. 68): bindings, the records held, who looked, and lawful deferrals."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smartcity.core.errors import AuthenticationRequiredError, PermissionDeniedError
from smartcity.core.identifiers import make_id_number
from smartcity.core.pagination import PageParams
from smartcity.core.security import ANONYMOUS, SYSTEM
from smartcity.core.time import freeze_time, today_in_china, utcnow
from smartcity.domains.audit.models import AuditEvent
from smartcity.domains.identity.permissions import Role
from smartcity.domains.privacy import service
from smartcity.domains.privacy.enums import SubjectKind
from smartcity.domains.privacy.errors import (
    BindingUserNotFoundError,
    DeferralEndedError,
    InvalidDeferralError,
    InvalidSubjectKeyError,
    NoSubjectBindingError,
)
from smartcity.domains.privacy.models import AccessDeferral, SubjectBinding
from smartcity.domains.privacy.schemas import DeferralCreate
from tests.domains.privacy.world import PrivacyWorld, privacy_world
from tests.factories.catalog import make_legal_basis, staff_of
from tests.factories.identity import actor_of, make_user
from tests.factories.registry import credit_code_for, make_organization

PAGE = PageParams(page=1, size=20)


@pytest.fixture
def world(session: Session, tmp_path: Path) -> PrivacyWorld:
    return privacy_world(session, tmp_path)


def _count(session: Session, model: Any) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


class TestBinding:
    def test_a_valid_id_number_binds_a_citizen_and_is_audited(self, session: Session) -> None:
        user = make_user(session, organization=None, roles=[Role.citizen])
        key = make_id_number("370811", date(1990, 5, 1), 12)

        binding = service.bind_subject(session, actor=SYSTEM, username=user.username, key=key)

        assert (binding.kind, binding.subject_key) == (SubjectKind.citizen, key)
        assert (
            session.scalar(
                select(AuditEvent.action).where(AuditEvent.subject_id == str(binding.id))
            )
            == "privacy.binding.set"
        )

    def test_a_credit_code_binds_an_enterprise_and_rebinding_replaces(
        self, session: Session
    ) -> None:
        user = make_user(session, organization=None, roles=[Role.citizen])
        service.bind_subject(
            session,
            actor=SYSTEM,
            username=user.username,
            key=make_id_number("370811", date(1990, 5, 1), 1),
        )
        binding = service.bind_subject(
            session, actor=SYSTEM, username=user.username, key=credit_code_for(7)
        )
        assert binding.kind is SubjectKind.enterprise
        assert _count(session, SubjectBinding) >= 1
        rows = session.scalars(
            select(SubjectBinding).where(SubjectBinding.user_id == user.id)
        ).all()
        assert len(rows) == 1

    @pytest.mark.parametrize("key", ["", "37081119900501001X", "123", "9137080000000000XX"])
    def test_an_invalid_key_is_refused_and_binds_nothing(self, session: Session, key: str) -> None:
        user = make_user(session, organization=None, roles=[Role.citizen])
        with pytest.raises(InvalidSubjectKeyError):
            service.bind_subject(session, actor=SYSTEM, username=user.username, key=key)
        assert (
            session.scalars(select(SubjectBinding).where(SubjectBinding.user_id == user.id)).first()
            is None
        )

    def test_an_unknown_user_and_a_non_admin_are_refused(self, session: Session) -> None:
        key = make_id_number("370811", date(1990, 5, 1), 3)
        with pytest.raises(BindingUserNotFoundError):
            service.bind_subject(session, actor=SYSTEM, username="nobody-here", key=key)
        user = make_user(session, organization=None, roles=[Role.citizen])
        with pytest.raises(PermissionDeniedError):
            service.bind_subject(session, actor=actor_of(user), username=user.username, key=key)


class TestMyData:
    def test_records_show_every_value_with_its_source_and_last_update(
        self, session: Session, world: PrivacyWorld
    ) -> None:
        held = service.my_records(session, actor=world.citizen)

        (record,) = held.records
        assert record.table_name == world.exchange.table_name
        values = {v.field: v for v in record.values}
        assert values["公民身份号码"].value == world.key
        assert values["姓名"].value == world.exchange.rows[0]["姓名"]
        assert values["姓名"].source_name == world.exchange.provider.name
        assert values["姓名"].updated_at is not None
        assert held.subject_key_masked != world.key
        assert held.subject_key_masked.endswith(world.key[-1])

    def test_calls_on_my_key_are_listed_newest_first_with_purpose_and_case(
        self, session: Session, world: PrivacyWorld
    ) -> None:
        world.look_up(session, case="办件-A")
        world.look_up(session, key=world.exchange.key(1), case="别人的")
        world.look_up(session, case="办件-B")

        calls = service.my_calls(session, actor=world.citizen, page=PAGE)

        assert [c.case_reference for c in calls.items] == ["办件-B", "办件-A"]
        first = calls.items[0]
        assert first.organization_name == world.exchange.consumer.name
        assert first.operation_label == "按主键查询"
        assert first.purpose == world.grant.purpose
        assert first.scenario == world.grant.scenario
        assert first.result_label == "成功"

    def test_file_extracts_of_a_table_holding_me_are_listed_as_bulk(
        self, session: Session, world: PrivacyWorld
    ) -> None:
        world.extract(session, case="批量-1")

        calls = service.my_calls(session, actor=world.citizen, page=PAGE)

        (call,) = calls.items
        assert call.bulk
        assert call.operation_label == "批量下载（含全部记录）"
        assert call.case_reference == "批量-1"

    def test_another_citizen_sees_only_his_own_calls(
        self, session: Session, world: PrivacyWorld
    ) -> None:
        world.look_up(session, case="办件-A")
        other = make_user(session, organization=None, roles=[Role.citizen])
        service.bind_subject(
            session, actor=SYSTEM, username=other.username, key=world.exchange.key(2)
        )

        calls = service.my_calls(session, actor=actor_of(other), page=PAGE)
        records = service.my_records(session, actor=actor_of(other))

        assert calls.total == 0
        assert records.records[0].values[0].value == world.exchange.key(2)

    def test_without_a_binding_or_anonymous_is_refused(
        self, session: Session, world: PrivacyWorld
    ) -> None:
        unbound = actor_of(make_user(session, organization=None, roles=[Role.citizen]))
        with pytest.raises(NoSubjectBindingError):
            service.my_calls(session, actor=unbound, page=PAGE)
        with pytest.raises(NoSubjectBindingError):
            service.my_records(session, actor=world.exchange.staff)
        with pytest.raises(AuthenticationRequiredError):
            service.my_records(session, actor=ANONYMOUS)


def _deferral(world: PrivacyWorld, basis_id: Any, **values: Any) -> DeferralCreate:
    data: dict[str, Any] = {
        "organization_id": world.exchange.consumer.id,
        "legal_basis_id": basis_id,
        "ends_on": today_in_china() + timedelta(days=30),
        "reason": "案件侦查期间暂不告知",
    }
    data.update(values)
    return DeferralCreate.model_validate(data)


class TestDeferral:
    def test_hides_matching_calls_until_the_end_date_then_shows_them(
        self, session: Session, world: PrivacyWorld
    ) -> None:
        basis = make_legal_basis(session)
        world.look_up(session, case="侦-1")
        world.look_up(session, case="办件-2")
        service.create_deferral(
            session,
            actor=world.coordinator,
            data=_deferral(world, basis.id, case_reference="侦-1"),
        )

        shown = service.my_calls(session, actor=world.citizen, page=PAGE)
        assert [c.case_reference for c in shown.items] == ["办件-2"]
        assert shown.total == 1

        end = today_in_china() + timedelta(days=30)
        with freeze_time(datetime(end.year, end.month, end.day, 15, 0, tzinfo=UTC)):
            # 23:00 in Beijing on the end date: still hidden
            assert service.my_calls(session, actor=world.citizen, page=PAGE).total == 1
        with freeze_time(datetime(end.year, end.month, end.day, 16, 1, tzinfo=UTC)):
            # 00:01 the next day in Beijing: disclosed without any job
            after = service.my_calls(session, actor=world.citizen, page=PAGE)
            assert [c.case_reference for c in after.items] == ["办件-2", "侦-1"]

    def test_hides_only_the_calls_from_its_start_unless_an_earlier_start_is_set(
        self, session: Session, world: PrivacyWorld
    ) -> None:
        basis = make_legal_basis(session)
        today = today_in_china()
        yesterday = today - timedelta(days=1)
        # A call a day ago (yesterday in Beijing, and inside the grant, which began a
        # day before the world was made): before the deferral is recorded. A fixed
        # hour yesterday fell before the grant's start when the suite ran late in the day.
        with freeze_time(utcnow() - timedelta(days=1) + timedelta(seconds=1)):
            world.look_up(session, case="侦-早")
        world.look_up(session, case="侦-今")

        recorded = service.create_deferral(
            session,
            actor=world.coordinator,
            data=_deferral(world, basis.id),  # no start: from today
        )

        assert recorded.starts_on == today
        shown = service.my_calls(session, actor=world.citizen, page=PAGE)
        assert [c.case_reference for c in shown.items] == ["侦-早"]

        earlier = service.create_deferral(
            session,
            actor=world.coordinator,
            data=_deferral(world, basis.id, starts_on=yesterday),
        )
        assert service.my_calls(session, actor=world.citizen, page=PAGE).total == 0
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.subject_id == str(earlier.id))
        ).one()
        assert event.changes_dict["starts_on"] == yesterday.isoformat()
        (listed,) = [
            d
            for d in service.list_deferrals(session, actor=world.coordinator)
            if d.id == earlier.id
        ]
        assert (listed.starts_on, listed.active) == (yesterday, True)

    def test_a_start_after_the_end_is_refused(self, session: Session, world: PrivacyWorld) -> None:
        basis = make_legal_basis(session)
        end = today_in_china() + timedelta(days=3)
        before = _count(session, AccessDeferral)
        with pytest.raises(InvalidDeferralError) as raised:
            service.create_deferral(
                session,
                actor=world.coordinator,
                data=_deferral(world, basis.id, ends_on=end, starts_on=end + timedelta(days=1)),
            )
        assert raised.value.extensions["field"] == "starts_on"
        assert _count(session, AccessDeferral) == before

    def test_a_deferral_for_another_subject_hides_nothing_here(
        self, session: Session, world: PrivacyWorld
    ) -> None:
        basis = make_legal_basis(session)
        world.look_up(session)
        service.create_deferral(
            session,
            actor=world.coordinator,
            data=_deferral(world, basis.id, subject_key=world.exchange.key(1)),
        )
        assert service.my_calls(session, actor=world.citizen, page=PAGE).total == 1

    def test_is_audited_and_listed(self, session: Session, world: PrivacyWorld) -> None:
        basis = make_legal_basis(session)
        deferral = service.create_deferral(
            session,
            actor=world.coordinator,
            data=_deferral(world, basis.id, grant_id=world.grant.id),
        )
        assert (
            session.scalar(
                select(AuditEvent.action).where(AuditEvent.subject_id == str(deferral.id))
            )
            == "privacy.deferral.created"
        )
        (listed,) = [
            d
            for d in service.list_deferrals(session, actor=world.coordinator)
            if d.id == deferral.id
        ]
        assert listed.active
        assert listed.legal_basis_citation == basis.citation

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"legal_basis_id": None}, "legal_basis_id"),
            ({"ends_on": None}, "ends_on"),
            ({"organization_id": None}, "organization_id"),
            ({"ends_on": "PAST"}, "ends_on"),
            ({"ends_on": "FAR"}, "ends_on"),
            ({"legal_basis_id": "UNKNOWN"}, "legal_basis_id"),
            ({"subject_key": "123"}, "subject_key"),
        ],
    )
    def test_bad_input_is_refused_and_records_nothing(
        self, session: Session, world: PrivacyWorld, change: dict[str, Any], field: str
    ) -> None:
        basis = make_legal_basis(session)
        values = dict(change)
        if values.get("ends_on") == "PAST":
            values["ends_on"] = today_in_china() - timedelta(days=1)
        if values.get("ends_on") == "FAR":
            values["ends_on"] = today_in_china() + timedelta(days=service.MAX_DEFERRAL_DAYS + 1)
        if values.get("legal_basis_id") == "UNKNOWN":
            values["legal_basis_id"] = world.grant.id  # a UUID that is no legal basis
        before = _count(session, AccessDeferral)

        with pytest.raises(InvalidDeferralError) as raised:
            service.create_deferral(
                session, actor=world.coordinator, data=_deferral(world, basis.id, **values)
            )

        assert raised.value.extensions["field"] == field
        assert _count(session, AccessDeferral) == before

    def test_a_grant_of_another_organization_is_refused(
        self, session: Session, world: PrivacyWorld
    ) -> None:
        basis = make_legal_basis(session)
        other = make_organization(session, name="别的单位")
        with pytest.raises(InvalidDeferralError):
            service.create_deferral(
                session,
                actor=world.coordinator,
                data=_deferral(world, basis.id, organization_id=other.id, grant_id=world.grant.id),
            )

    def test_staff_and_citizens_cannot_record_or_list(
        self, session: Session, world: PrivacyWorld
    ) -> None:
        basis = make_legal_basis(session)
        staff = staff_of(session, world.exchange.consumer, Role.org_admin)
        for actor in (staff, world.citizen):
            with pytest.raises(PermissionDeniedError):
                service.create_deferral(session, actor=actor, data=_deferral(world, basis.id))
            with pytest.raises(PermissionDeniedError):
                service.list_deferrals(session, actor=actor)
        auditor = staff_of(session, world.exchange.consumer, Role.auditor)
        service.list_deferrals(session, actor=auditor)
        with pytest.raises(PermissionDeniedError):
            service.create_deferral(session, actor=auditor, data=_deferral(world, basis.id))


class TestEndingADeferral:
    def test_ended_early_its_calls_appear_at_once_and_the_audit_keeps_the_old_date(
        self, session: Session, world: PrivacyWorld
    ) -> None:
        basis = make_legal_basis(session)
        world.look_up(session, case="侦-结")
        created = service.create_deferral(
            session,
            actor=world.coordinator,
            data=_deferral(world, basis.id, case_reference="侦-结"),
        )
        assert service.my_calls(session, actor=world.citizen, page=PAGE).total == 0

        ended = service.end_deferral(
            session, actor=world.coordinator, deferral_id=created.id, reason="案件已办结"
        )

        assert ended.active is False
        assert ended.ends_on == today_in_china() - timedelta(days=1)
        shown = service.my_calls(session, actor=world.citizen, page=PAGE)
        assert [c.case_reference for c in shown.items] == ["侦-结"]
        event = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "privacy.deferral.ended")
            .order_by(AuditEvent.seq.desc())
        ).first()
        assert event is not None
        assert event.changes_dict["reason"] == "案件已办结"
        assert event.changes_dict["ends_on"][0] == created.ends_on.isoformat()

    def test_needs_a_reason_and_an_active_deferral_and_the_coordinator(
        self, session: Session, world: PrivacyWorld
    ) -> None:
        basis = make_legal_basis(session)
        created = service.create_deferral(
            session, actor=world.coordinator, data=_deferral(world, basis.id)
        )

        with pytest.raises(InvalidDeferralError, match="理由"):
            service.end_deferral(
                session, actor=world.coordinator, deferral_id=created.id, reason=" "
            )
        with pytest.raises(PermissionDeniedError):
            service.end_deferral(
                session, actor=world.exchange.staff, deferral_id=created.id, reason="结束"
            )
        still = session.get(AccessDeferral, created.id)
        assert still is not None
        assert still.ends_on == created.ends_on

        service.end_deferral(
            session, actor=world.coordinator, deferral_id=created.id, reason="结束"
        )
        with pytest.raises(DeferralEndedError):
            service.end_deferral(
                session, actor=world.coordinator, deferral_id=created.id, reason="再次结束"
            )
