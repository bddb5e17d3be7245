"""Prefill with consent and preview (Art. 28): what is offered, the citizen's preview,
approval of some fields with an edit, decline, revocation, expiry and the one delivery."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.core.errors import AuthenticationRequiredError, PermissionDeniedError
from smartcity.core.identifiers import make_id_number
from smartcity.core.pagination import PageParams
from smartcity.core.security import ANONYMOUS, SYSTEM
from smartcity.core.time import freeze_time, utcnow
from smartcity.domains.audit.models import AuditEvent
from smartcity.domains.catalog.enums import EntryStatus, ShareType
from smartcity.domains.identity.permissions import Role
from smartcity.domains.onceonly import service
from smartcity.domains.onceonly.errors import (
    InvalidConsentError,
    InvalidPrefillRequestError,
    PrefillChangedError,
    PrefillClosedError,
    PrefillDeliveredError,
    PrefillPendingError,
    PrefillRequestNotFoundError,
)
from smartcity.domains.onceonly.models import PrefillItem, PrefillRequest
from smartcity.domains.onceonly.prefill_enums import PrefillBasis, PrefillState
from smartcity.domains.onceonly.prefill_schemas import PrefillConsent, PrefillRequestCreate
from smartcity.domains.privacy import service as privacy_service
from smartcity.domains.sharing import service as sharing_service
from smartcity.domains.sharing.enums import GrantState
from smartcity.domains.sharing.models import ExchangeLogEntry
from tests.domains.onceonly.prefill_world import SETTINGS, PrefillWorld, prefill_world
from tests.factories.catalog import staff_of
from tests.factories.identity import actor_of, make_user
from tests.factories.onceonly import applicant_only, make_form, mapped
from tests.factories.sharing import make_shared_entry

PAGE = PageParams(page=1, size=20)


@pytest.fixture
def world(session: Session, tmp_path: Path) -> PrefillWorld:
    return prefill_world(session, tmp_path)


def actions(session: Session, request: PrefillRequest) -> list[str]:
    return list(
        session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.subject_id == str(request.id))
            .order_by(AuditEvent.seq)
        )
    )


def item_ids(request: PrefillRequest, *labels: str) -> list:  # type: ignore[type-arg]
    return [i.id for i in request.items if i.label in labels]


def prefill_log(session: Session, key: str) -> list[ExchangeLogEntry]:
    return [
        e
        for e in sharing_service.calls_on_subject(session, key, page=PAGE).items
        if e.operation == "prefill"
    ]


class TestRequestPrefill:
    def test_offers_only_the_fields_the_department_may_obtain(
        self, session: Session, world: PrefillWorld
    ) -> None:
        request = world.ask(session)

        offered = {i.label: i.basis for i in request.items}
        assert offered == {
            "姓名": PrefillBasis.granted,
            "性别": PrefillBasis.granted,
            "户籍地址": PrefillBasis.unconditional,
            "联系电话": PrefillBasis.unconditional,
        }
        assert request.state is PrefillState.pending
        assert all(i.value is None for i in request.items)  # nothing read yet
        assert request.items[0].source_name == world.provider.name
        assert request.expires_at == request.created_at + timedelta(minutes=30) or (
            request.expires_at - utcnow() <= timedelta(minutes=30)
        )
        assert actions(session, request) == ["onceonly.prefill.requested"]

    def test_conditional_and_not_shared_entries_are_not_offered(
        self, session: Session, world: PrefillWorld
    ) -> None:
        conditional = make_shared_entry(
            session,
            provider=world.provider,
            share_type=ShareType.conditional,
            items=(("参保状态", "G2"),),
        )
        secret = make_shared_entry(
            session,
            provider=world.provider,
            share_type=ShareType.none,
            items=(("矫正类型", "G4"),),
        )
        form = make_form(
            session,
            actor=staff_of(session, world.department, Role.org_admin),
            organization=world.department,
            fields=[
                mapped(world.entry, "姓名"),
                mapped(conditional, "参保状态"),
                mapped(secret, "矫正类型"),
            ],
        )

        request = service.request_prefill(
            session,
            actor=world.staff,
            data=PrefillRequestCreate(
                form_code=form.code, subject_key=world.key(), case_reference="办件"
            ),
            settings=SETTINGS,
        )

        assert [i.label for i in request.items] == ["姓名"]

    def test_a_form_with_nothing_to_prefill_is_refused(
        self, session: Session, world: PrefillWorld
    ) -> None:
        form = make_form(
            session,
            actor=staff_of(session, world.department, Role.org_admin),
            organization=world.department,
            fields=[applicant_only("申请事由")],
        )
        data = PrefillRequestCreate(form_id=form.id, subject_key=world.key(), case_reference="办件")

        with pytest.raises(InvalidPrefillRequestError) as raised:
            service.request_prefill(session, actor=world.staff, data=data, settings=SETTINGS)
        assert raised.value.extensions["field"] == "form"

    def test_the_answer_is_the_same_for_a_person_the_platform_does_not_hold(
        self, session: Session, world: PrefillWorld
    ) -> None:
        unknown = make_id_number("370811", date(1955, 3, 3), 777)
        known = world.ask(session)
        stranger = world.ask(session, key=unknown)

        assert [(i.label, i.basis) for i in stranger.items] == [
            (i.label, i.basis) for i in known.items
        ]
        assert stranger.state is known.state

    @pytest.mark.parametrize(
        ("values", "field"),
        [
            ({"subject_key": "370811199001010000"}, "subject_key"),
            ({"form_code": "NO-SUCH-FORM", "form_id": None}, "form"),
        ],
    )
    def test_bad_input_is_refused_and_nothing_is_stored(
        self, session: Session, world: PrefillWorld, values: dict[str, object], field: str
    ) -> None:
        data = {"form_id": world.form.id, "subject_key": world.key(), "case_reference": "办件"}
        data.update(values)
        before = session.scalar(select(PrefillRequest.id).limit(1))

        with pytest.raises(InvalidPrefillRequestError) as raised:
            service.request_prefill(
                session,
                actor=world.staff,
                data=PrefillRequestCreate.model_validate(data),
                settings=SETTINGS,
            )
        assert raised.value.extensions["field"] == field
        assert session.scalar(select(PrefillRequest.id).limit(1)) == before

    def test_another_departments_form_and_a_citizen_are_refused(
        self, session: Session, world: PrefillWorld
    ) -> None:
        data = PrefillRequestCreate(
            form_code=world.form.code, subject_key=world.key(), case_reference="办件"
        )
        with pytest.raises(InvalidPrefillRequestError):
            service.request_prefill(session, actor=world.other_staff, data=data, settings=SETTINGS)
        with pytest.raises(PermissionDeniedError):
            service.request_prefill(session, actor=world.citizen, data=data, settings=SETTINGS)
        with pytest.raises(AuthenticationRequiredError):
            service.request_prefill(session, actor=ANONYMOUS, data=data, settings=SETTINGS)


class TestPreview:
    def test_shows_each_value_with_its_source_and_last_update_and_the_recipient(
        self, session: Session, world: PrefillWorld
    ) -> None:
        request = world.ask(session)

        view = service.preview_prefill(session, actor=world.citizen, request_id=request.id)

        values = {i.label: i for i in view.items}
        assert values["姓名"].value == world.rows[0]["姓名"]
        assert values["户籍地址"].value == world.rows[0]["户籍地址"]
        assert values["姓名"].source_organization == world.provider.name
        assert values["姓名"].updated_at is not None
        assert values["姓名"].available
        assert view.organization_name == world.department.name
        assert view.form_name == "最低生活保障申请"
        assert view.purpose == "最低生活保障申请"
        assert view.state is PrefillState.pending

    def test_someone_elses_request_looks_missing(
        self, session: Session, world: PrefillWorld
    ) -> None:
        request = world.ask(session)

        with pytest.raises(PrefillRequestNotFoundError) as other:
            service.preview_prefill(session, actor=world.neighbour, request_id=request.id)
        with pytest.raises(PrefillRequestNotFoundError) as missing:
            service.preview_prefill(
                session, actor=world.neighbour, request_id=PrefillItem().id or request.form_id
            )
        assert (other.value.code, other.value.detail) == (missing.value.code, missing.value.detail)

    def test_my_list_shows_my_requests_only(self, session: Session, world: PrefillWorld) -> None:
        mine = world.ask(session, case="我的")
        world.ask(session, key=world.key(1), case="邻居的")

        listed = service.list_my_prefills(session, actor=world.citizen)

        assert [r.id for r in listed] == [mine.id]
        assert listed[0].state_label == "待您确认"


class TestApprove:
    def test_approves_some_fields_with_an_edit_marked_unverified(
        self, session: Session, world: PrefillWorld
    ) -> None:
        request = world.ask(session)
        name, phone = item_ids(request, "姓名", "联系电话")

        service.approve_prefill(
            session,
            actor=world.citizen,
            request_id=request.id,
            data=PrefillConsent(approved=[name, phone], edits={phone: "13912345678"}),
            settings=SETTINGS,
        )

        assert request.state is PrefillState.approved
        by_label = {i.label: i for i in request.items}
        assert by_label["姓名"].is_approved
        assert not by_label["姓名"].is_edited
        assert by_label["姓名"].value == world.rows[0]["姓名"]
        assert by_label["联系电话"].is_edited
        assert by_label["联系电话"].value == "13912345678"
        assert by_label["联系电话"].source_updated_at is None
        assert not by_label["性别"].is_approved
        assert by_label["性别"].value is None
        assert actions(session, request) == [
            "onceonly.prefill.requested",
            "onceonly.prefill.approved",
            "onceonly.prefill.edited",
        ]
        audited = session.scalars(
            select(AuditEvent).where(AuditEvent.subject_id == str(request.id))
        ).all()
        assert all("13912345678" not in str(e.changes) for e in audited)

    def test_an_approval_of_values_other_than_those_shown_is_refused(
        self, session: Session, world: PrefillWorld
    ) -> None:
        request = world.ask(session)
        (name,) = item_ids(request, "姓名")
        shown = service.preview_prefill(session, actor=world.citizen, request_id=request.id)

        with pytest.raises(PrefillChangedError):
            service.approve_prefill(
                session,
                actor=world.citizen,
                request_id=request.id,
                data=PrefillConsent(approved=[name], fingerprint="0" * 64),
                settings=SETTINGS,
            )
        assert request.state is PrefillState.pending
        service.approve_prefill(
            session,
            actor=world.citizen,
            request_id=request.id,
            data=PrefillConsent(approved=[name], fingerprint=shown.fingerprint),
            settings=SETTINGS,
        )
        assert service.state_of(request) is PrefillState.approved

    def test_typing_the_platforms_own_value_is_no_edit(
        self, session: Session, world: PrefillWorld
    ) -> None:
        request = world.ask(session)
        (name,) = item_ids(request, "姓名")

        service.approve_prefill(
            session,
            actor=world.citizen,
            request_id=request.id,
            data=PrefillConsent(approved=[name], edits={name: world.rows[0]["姓名"]}),
            settings=SETTINGS,
        )

        assert not request.items[0].is_edited
        assert "onceonly.prefill.edited" not in actions(session, request)

    @pytest.mark.parametrize("case", ["nothing", "stray-edit", "empty-edit", "foreign"])
    def test_bad_consent_is_refused_and_changes_nothing(
        self, session: Session, world: PrefillWorld, case: str
    ) -> None:
        request = world.ask(session)
        name, sex = item_ids(request, "姓名", "性别")
        data = {
            "nothing": PrefillConsent(approved=[]),
            "stray-edit": PrefillConsent(approved=[name], edits={sex: "女"}),
            "empty-edit": PrefillConsent(approved=[name], edits={name: "  "}),
            "foreign": PrefillConsent(approved=[request.form_id]),
        }[case]

        with pytest.raises(InvalidConsentError):
            service.approve_prefill(
                session, actor=world.citizen, request_id=request.id, data=data, settings=SETTINGS
            )
        assert request.state is PrefillState.pending
        assert not any(i.is_approved for i in request.items)

    def test_a_value_the_platform_does_not_hold_needs_a_typed_one(
        self, session: Session, world: PrefillWorld
    ) -> None:
        key = make_id_number("370811", date(1955, 3, 3), 778)
        user = make_user(session, organization=None, roles=[Role.citizen])
        privacy_service.bind_subject(session, actor=SYSTEM, username=user.username, key=key)
        request = world.ask(session, key=key)
        (name,) = item_ids(request, "姓名")

        view = service.preview_prefill(session, actor=actor_of(user), request_id=request.id)
        assert not any(i.available for i in view.items)
        with pytest.raises(InvalidConsentError):
            service.approve_prefill(
                session,
                actor=actor_of(user),
                request_id=request.id,
                data=PrefillConsent(approved=[name]),
                settings=SETTINGS,
            )
        service.approve_prefill(
            session,
            actor=actor_of(user),
            request_id=request.id,
            data=PrefillConsent(approved=[name], edits={name: "张三"}),
            settings=SETTINGS,
        )
        assert request.items[0].is_edited

    def test_someone_else_cannot_answer(self, session: Session, world: PrefillWorld) -> None:
        request = world.ask(session)
        with pytest.raises(PrefillRequestNotFoundError):
            service.decline_prefill(session, actor=world.neighbour, request_id=request.id)
        assert request.state is PrefillState.pending


class TestDelivery:
    def approve(self, session: Session, world: PrefillWorld) -> PrefillRequest:
        request = world.ask(session, case="低保-2026-001")
        name, phone = item_ids(request, "姓名", "联系电话")
        service.approve_prefill(
            session,
            actor=world.citizen,
            request_id=request.id,
            data=PrefillConsent(approved=[name, phone], edits={phone: "13912345678"}),
            settings=SETTINGS,
        )
        return request

    def test_delivers_only_approved_values_once_and_logs_the_exchange(
        self, session: Session, world: PrefillWorld
    ) -> None:
        request = self.approve(session, world)

        delivery = service.deliver_prefill(session, actor=world.staff, request_id=request.id)

        values = {v.label: v for v in delivery.values}
        assert set(values) == {"姓名", "联系电话"}
        assert values["姓名"].verified
        assert values["姓名"].value == world.rows[0]["姓名"]
        assert values["姓名"].source_organization == world.provider.name
        assert values["姓名"].updated_at is not None
        assert not values["联系电话"].verified
        assert values["联系电话"].value == "13912345678"
        assert values["联系电话"].source_organization is None
        assert request.state is PrefillState.delivered
        assert all(i.value is None for i in request.items)  # not kept after delivery
        (logged,) = prefill_log(session, world.key())
        assert logged.case_reference == "低保-2026-001"
        assert logged.grant_id == str(world.grant.id)
        assert logged.consumer_organization_id == str(world.department.id)
        assert "姓名" in logged.fields
        assert "联系电话" not in logged.fields
        assert actions(session, request)[-1] == "onceonly.prefill.delivered"

        with pytest.raises(PrefillDeliveredError):
            service.deliver_prefill(session, actor=world.staff, request_id=request.id)

    def test_the_citizen_sees_the_delivery_among_who_looked_at_my_data(
        self, session: Session, world: PrefillWorld
    ) -> None:
        request = self.approve(session, world)
        service.deliver_prefill(session, actor=world.staff, request_id=request.id)

        calls = privacy_service.my_calls(session, actor=world.citizen, page=PAGE)

        (call,) = [c for c in calls.items if c.operation == "prefill"]
        assert call.organization_name == world.department.name
        assert call.operation_label == "经您同意回填办事表单"
        assert call.case_reference == "低保-2026-001"

    def test_pending_declined_and_other_departments_get_nothing(
        self, session: Session, world: PrefillWorld
    ) -> None:
        request = world.ask(session)
        with pytest.raises(PrefillPendingError):
            service.deliver_prefill(session, actor=world.staff, request_id=request.id)
        with pytest.raises(PrefillRequestNotFoundError):
            service.deliver_prefill(session, actor=world.other_staff, request_id=request.id)

        service.decline_prefill(session, actor=world.citizen, request_id=request.id)

        with pytest.raises(PrefillClosedError) as raised:
            service.deliver_prefill(session, actor=world.staff, request_id=request.id)
        assert raised.value.extensions["state"] == "declined"
        assert actions(session, request)[-1] == "onceonly.prefill.declined"
        # Refused fetches are logged (no values, no records); the other department's
        # attempt never found the request, so it names nobody's data.
        logged = prefill_log(session, world.key())
        assert [(e.result, e.records) for e in logged] == [
            ("onceonly.prefill-closed", 0),
            ("onceonly.prefill-pending", 0),
        ]

    def test_a_revoked_consent_gives_nothing(self, session: Session, world: PrefillWorld) -> None:
        request = self.approve(session, world)

        service.revoke_prefill(session, actor=world.citizen, request_id=request.id)

        assert all(i.value is None for i in request.items)
        assert actions(session, request)[-1] == "onceonly.prefill.revoked"
        with pytest.raises(PrefillClosedError) as raised:
            service.deliver_prefill(session, actor=world.staff, request_id=request.id)
        assert raised.value.extensions["state"] == "revoked"
        listed = service.list_my_prefills(session, actor=world.citizen)
        assert listed[0].state_label == "已撤回"

    def test_a_delivered_consent_cannot_be_revoked(
        self, session: Session, world: PrefillWorld
    ) -> None:
        request = self.approve(session, world)
        service.deliver_prefill(session, actor=world.staff, request_id=request.id)

        with pytest.raises(PrefillDeliveredError):
            service.revoke_prefill(session, actor=world.citizen, request_id=request.id)

    def test_an_unanswered_request_expires(self, session: Session, world: PrefillWorld) -> None:
        request = world.ask(session)
        (name,) = item_ids(request, "姓名")

        with freeze_time(utcnow() + timedelta(minutes=31)):
            with pytest.raises(PrefillClosedError):
                service.approve_prefill(
                    session,
                    actor=world.citizen,
                    request_id=request.id,
                    data=PrefillConsent(approved=[name]),
                    settings=SETTINGS,
                )
            with pytest.raises(PrefillClosedError) as raised:
                service.deliver_prefill(session, actor=world.staff, request_id=request.id)
            assert raised.value.extensions["state"] == "expired"
            view = service.preview_prefill(session, actor=world.citizen, request_id=request.id)
            assert view.state_label == "已过期"

    def test_approved_values_not_fetched_in_time_expire(
        self, session: Session, world: PrefillWorld
    ) -> None:
        request = self.approve(session, world)

        with (
            freeze_time(utcnow() + timedelta(minutes=31)),
            pytest.raises(PrefillClosedError),
        ):
            service.deliver_prefill(session, actor=world.staff, request_id=request.id)

    def test_a_revoked_grant_still_leaves_an_unconditional_entry_obtainable(
        self, session: Session, world: PrefillWorld
    ) -> None:
        request = self.approve(session, world)
        world.grant.state = GrantState.revoked
        session.flush()

        delivery = service.deliver_prefill(session, actor=world.staff, request_id=request.id)

        assert {v.label for v in delivery.values} == {"姓名", "联系电话"}
        assert delivery.withheld == []

    def test_an_entry_withdrawn_after_consent_withholds_its_values(
        self, session: Session, world: PrefillWorld
    ) -> None:
        request = self.approve(session, world)
        world.entry.status = EntryStatus.withdrawn
        session.flush()

        delivery = service.deliver_prefill(session, actor=world.staff, request_id=request.id)

        assert [v.label for v in delivery.values] == ["联系电话"]
        assert delivery.withheld == ["姓名"]
        assert prefill_log(session, world.key()) == []
