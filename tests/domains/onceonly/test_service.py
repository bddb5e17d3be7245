"""The form registry, the once-only checker and its rates, and the asked-again cases."""

from __future__ import annotations

import io
from uuid import uuid4

import pytest
from openpyxl import load_workbook
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from smartcity.core.errors import AuthenticationRequiredError, PermissionDeniedError
from smartcity.core.pagination import PageParams
from smartcity.core.security import ANONYMOUS, SYSTEM, Actor, ActorKind
from smartcity.domains.audit.models import AuditEvent
from smartcity.domains.catalog import service as catalog_service
from smartcity.domains.onceonly import service
from smartcity.domains.onceonly.enums import Availability, CaseState, FieldCollection
from smartcity.domains.onceonly.errors import (
    CaseNotFoundError,
    CaseStateError,
    DuplicateFormCodeError,
    InvalidCaseError,
    InvalidFormFieldError,
    ServiceFormNotFoundError,
    UnknownInformationItemError,
    WithdrawnEntryMappingError,
)
from smartcity.domains.onceonly.models import ServiceForm
from smartcity.domains.onceonly.schemas import (
    CaseCreate,
    CaseFilter,
    FormFieldWrite,
    ServiceFormFilter,
    ServiceFormUpdate,
)
from smartcity.domains.sharing.enums import GrantState
from tests.factories.onceonly import (
    OnceOnlyWorld,
    applicant_only,
    make_form,
    mapped,
    once_only_world,
)
from tests.factories.sharing import make_grant, make_shared_entry


def actions(session: Session, subject_id: object) -> list[str]:
    return list(
        session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.subject_id == str(subject_id))
            .order_by(AuditEvent.seq)
        )
    )


@pytest.fixture
def world(session: Session) -> OnceOnlyWorld:
    return once_only_world(session)


def full_form(session: Session, w: OnceOnlyWorld) -> ServiceForm:
    """Eight fields, one of each case the checker distinguishes."""
    return make_form(
        session,
        actor=w.admin,
        organization=w.department,
        fields=[
            mapped(w.population, "姓名"),  # granted, typed: violation
            mapped(w.population, "公民身份号码", FieldCollection.prefilled),  # granted, prefilled
            mapped(w.population, "现住址", FieldCollection.attachment),  # obtainable, attached
            mapped(w.insurance, "参保状态"),  # obtainable (conditional), typed: violation
            mapped(w.secret, "矫正类型"),  # not shared: lawful to ask
            mapped(w.own, "营业执照编号"),  # the department's own resource, typed: violation
            mapped(w.insurance, "社会保障号码", FieldCollection.prefilled),  # obtainable, ok
            applicant_only("申请事由"),
        ],
    )


class TestCreateForm:
    def test_registers_the_fields_in_order_and_audits(
        self, session: Session, world: OnceOnlyWorld
    ) -> None:
        form = full_form(session, world)
        read = service.read_form(session, actor=world.staff, form_id=form.id)

        assert [f.label for f in read.fields][:3] == ["姓名", "公民身份号码", "现住址"]
        assert [f.position for f in read.fields] == list(range(1, 9))
        first = read.fields[0].mapping
        assert first is not None
        assert first.entry_id == world.population.id
        assert first.item_name == "姓名"
        assert first.item_id is not None
        assert first.share_type == "unconditional"
        assert read.fields[7].mapping is None
        assert read.fields[7].applicant_only_reason == "申请人本人的意愿"
        assert actions(session, read.id) == ["onceonly.form.created"]

    def test_refuses_a_duplicate_code(self, session: Session, world: OnceOnlyWorld) -> None:
        make_form(
            session, actor=world.admin, organization=world.department, fields=[], code="DUP-1"
        )
        with pytest.raises(DuplicateFormCodeError):
            make_form(
                session, actor=world.coordinator, organization=world.department, fields=[],
                code="DUP-1",
            )  # fmt: skip

    def test_refuses_an_unknown_item(self, session: Session, world: OnceOnlyWorld) -> None:
        with pytest.raises(UnknownInformationItemError) as caught:
            make_form(
                session,
                actor=world.admin,
                organization=world.department,
                fields=[mapped(world.population, "姓名"), mapped(world.population, "血型")],
            )
        assert caught.value.extensions["field_index"] == 1

    def test_refuses_an_unknown_entry(self, session: Session, world: OnceOnlyWorld) -> None:
        field = FormFieldWrite(label="姓名", entry_id=uuid4(), item_name="姓名")
        with pytest.raises(UnknownInformationItemError):
            make_form(session, actor=world.admin, organization=world.department, fields=[field])

    def test_refuses_an_item_of_a_withdrawn_entry(
        self, session: Session, world: OnceOnlyWorld
    ) -> None:
        catalog_service.withdraw_entry(
            session, actor=SYSTEM, entry_id=world.insurance.id, reason="测试撤销"
        )
        with pytest.raises(WithdrawnEntryMappingError):
            make_form(
                session,
                actor=world.admin,
                organization=world.department,
                fields=[mapped(world.insurance, "参保状态")],
            )

    @pytest.mark.parametrize(
        "field",
        [
            FormFieldWrite(label="无映射"),
            FormFieldWrite(label="无理由", applicant_only=True),
        ],
    )
    def test_refuses_a_field_neither_mapped_nor_justified(
        self, session: Session, world: OnceOnlyWorld, field: FormFieldWrite
    ) -> None:
        with pytest.raises(InvalidFormFieldError):
            make_form(session, actor=world.admin, organization=world.department, fields=[field])

    def test_refuses_a_field_both_mapped_and_applicant_only(
        self, session: Session, world: OnceOnlyWorld
    ) -> None:
        both = mapped(world.population, "姓名", applicant_only=True, applicant_only_reason="x")
        with pytest.raises(InvalidFormFieldError):
            make_form(session, actor=world.admin, organization=world.department, fields=[both])

    def test_an_administrator_registers_only_for_his_department(
        self, session: Session, world: OnceOnlyWorld
    ) -> None:
        with pytest.raises(PermissionDeniedError):
            make_form(session, actor=world.other_admin, organization=world.department, fields=[])

    @pytest.mark.parametrize("who", ["staff", "citizen"])
    def test_staff_and_citizens_cannot_register(
        self, session: Session, world: OnceOnlyWorld, who: str
    ) -> None:
        with pytest.raises(PermissionDeniedError):
            make_form(session, actor=getattr(world, who), organization=world.department, fields=[])

    def test_anonymous_must_sign_in(self, session: Session, world: OnceOnlyWorld) -> None:
        with pytest.raises(AuthenticationRequiredError):
            make_form(session, actor=ANONYMOUS, organization=world.department, fields=[])


class TestUpdateForm:
    def test_keeps_the_ids_of_fields_sent_back_and_reorders(
        self, session: Session, world: OnceOnlyWorld
    ) -> None:
        form = make_form(
            session,
            actor=world.admin,
            organization=world.department,
            fields=[mapped(world.population, "姓名"), applicant_only("签名")],
        )
        name_id, sign_id = (f.id for f in form.fields)
        service.update_form(
            session,
            actor=world.coordinator,
            form_id=form.id,
            data=ServiceFormUpdate(
                name="改名后的事项",
                fields=[
                    FormFieldWrite(id=sign_id, label="申请人签名", applicant_only=True,
                                   applicant_only_reason="本人签署"),
                    mapped(world.population, "姓名", FieldCollection.prefilled, id=name_id),
                ],
            ),
        )  # fmt: skip
        read = service.read_form(session, actor=world.staff, form_id=form.id)
        assert [(f.id, f.label, f.position) for f in read.fields] == [
            (sign_id, "申请人签名", 1),
            (name_id, "姓名", 2),
        ]
        assert read.fields[1].collection is FieldCollection.prefilled
        assert read.name == "改名后的事项"
        assert actions(session, form.id) == ["onceonly.form.created", "onceonly.form.updated"]

    def test_another_department_sees_no_such_form(
        self, session: Session, world: OnceOnlyWorld
    ) -> None:
        form = make_form(session, actor=world.admin, organization=world.department, fields=[])
        with pytest.raises(ServiceFormNotFoundError):
            service.update_form(
                session, actor=world.other_admin, form_id=form.id,
                data=ServiceFormUpdate(name="别人的事项"),
            )  # fmt: skip


class TestChecker:
    def test_tells_granted_obtainable_own_and_not_shared_apart(
        self, session: Session, world: OnceOnlyWorld
    ) -> None:
        form = full_form(session, world)
        check = service.check_form(session, actor=world.staff, form_id=form.id)
        verdicts = [(f.label, f.availability, f.is_violation) for f in check.findings]

        assert verdicts == [
            ("姓名", Availability.granted, True),
            ("公民身份号码", Availability.granted, False),
            ("现住址", Availability.obtainable, True),
            ("参保状态", Availability.obtainable, True),
            ("矫正类型", Availability.not_shared, False),
            ("营业执照编号", Availability.own, True),
            ("社会保障号码", Availability.obtainable, False),
            ("申请事由", Availability.applicant_only, False),
        ]
        assert check.findings[0].grant_number == world.grant.number
        assert check.findings[2].grant_number == ""
        assert check.findings[3].share_type == "conditional"

    def test_rate_counts_only_platform_available_fields(
        self, session: Session, world: OnceOnlyWorld
    ) -> None:
        form = full_form(session, world)
        counts = service.check_form(session, actor=world.staff, form_id=form.id).counts

        assert (counts.fields, counts.available, counts.asked_again) == (8, 6, 4)
        assert (counts.applicant_only, counts.not_shared) == (1, 1)
        assert counts.asked_again_granted == 2  # 姓名 under the grant, 营业执照编号 its own
        assert counts.rate == pytest.approx(2 / 6)

    @pytest.mark.parametrize(
        ("state", "valid_days"), [(GrantState.revoked, 365), (GrantState.active, -1)]
    )
    def test_a_revoked_or_expired_grant_leaves_the_item_obtainable(
        self, session: Session, world: OnceOnlyWorld, state: GrantState, valid_days: int
    ) -> None:
        entry = make_shared_entry(session, provider=world.provider, items=(("婚姻状况", "G2"),))
        make_grant(
            session, entry=entry, consumer=world.department, items=["婚姻状况"], state=state,
            valid_days=valid_days,
        )  # fmt: skip
        form = make_form(
            session, actor=world.admin, organization=world.department,
            fields=[mapped(entry, "婚姻状况")],
        )  # fmt: skip
        (finding,) = service.check_form(session, actor=world.admin, form_id=form.id).findings
        assert finding.availability is Availability.obtainable
        assert finding.is_violation

    def test_a_grant_of_another_department_does_not_count(
        self, session: Session, world: OnceOnlyWorld
    ) -> None:
        form = make_form(
            session, actor=world.other_admin, organization=world.other,
            fields=[mapped(world.population, "姓名")],
        )  # fmt: skip
        (finding,) = service.check_form(session, actor=world.coordinator, form_id=form.id).findings
        assert finding.availability is Availability.obtainable

    def test_an_entry_withdrawn_after_mapping_makes_the_field_unavailable(
        self, session: Session, world: OnceOnlyWorld
    ) -> None:
        form = make_form(
            session, actor=world.admin, organization=world.department,
            fields=[mapped(world.insurance, "参保状态")],
        )  # fmt: skip
        catalog_service.withdraw_entry(
            session, actor=SYSTEM, entry_id=world.insurance.id, reason="测试撤销"
        )
        check = service.check_form(session, actor=world.admin, form_id=form.id)
        assert check.findings[0].availability is Availability.unavailable
        assert check.counts.rate is None


class TestReport:
    def test_the_coordinator_sees_the_city_and_each_department(
        self, session: Session, world: OnceOnlyWorld
    ) -> None:
        full_form(session, world)
        other = world.other
        make_form(
            session, actor=world.other_admin, organization=other,
            fields=[mapped(world.population, "姓名", FieldCollection.prefilled)],
        )  # fmt: skip
        report = service.once_only_report(session, actor=world.coordinator)

        assert report.scope == "city"
        mine = {d.organization_id: d for d in report.departments}
        assert mine[world.department.id].rate == pytest.approx(2 / 6)
        assert mine[other.id].rate == 1.0
        assert report.departments[0].organization_id == world.department.id  # worst first
        assert len([v for v in report.violations if v.organization_id == world.department.id]) == 4
        assert report.totals.available >= 7

    def test_a_department_sees_only_its_own(self, session: Session, world: OnceOnlyWorld) -> None:
        full_form(session, world)
        other = world.other
        make_form(
            session, actor=world.other_admin, organization=other,
            fields=[mapped(world.population, "姓名")],
        )  # fmt: skip
        report = service.once_only_report(session, actor=world.staff)

        assert report.scope == world.department.name
        assert [d.organization_id for d in report.departments] == [world.department.id]
        assert {v.organization_id for v in report.violations} == {world.department.id}

    def test_citizens_have_no_report(self, session: Session, world: OnceOnlyWorld) -> None:
        with pytest.raises(PermissionDeniedError):
            service.once_only_report(session, actor=world.citizen)

    def test_the_workbook_lists_every_violation(
        self, session: Session, world: OnceOnlyWorld
    ) -> None:
        full_form(session, world)
        book = load_workbook(io.BytesIO(service.report_xlsx(session, actor=world.staff)))
        assert book.sheetnames == ["说明", "部门一次采集率", "重复索要清单"]
        rows = list(book["重复索要清单"].iter_rows(min_row=2, values_only=True))
        assert len(rows) == 4
        assert any(row[4] == "姓名" and row[12] == world.grant.number for row in rows)

    def test_list_forms_is_scoped_like_the_report(
        self, session: Session, world: OnceOnlyWorld
    ) -> None:
        full_form(session, world)
        page = PageParams(size=100)
        own = service.list_forms(session, actor=world.other_admin, filters=ServiceFormFilter(),
                                 page=page)  # fmt: skip
        assert all(f.organization_id != world.department.id for f in own.items)


class TestCases:
    def test_a_citizen_reports_on_a_form_field_and_sees_the_finding(
        self, session: Session, world: OnceOnlyWorld
    ) -> None:
        form = full_form(session, world)
        name_field = form.fields[0]
        case = service.report_case(
            session,
            actor=world.citizen,
            data=CaseCreate(form_id=form.id, field_id=name_field.id, description="窗口要求手填"),
        )
        assert case.number.startswith("CF-")
        assert case.organization_id == world.department.id
        assert case.data_text == "姓名"
        read = service.case_read(session, case)
        assert read.finding is not None
        assert read.finding.is_violation
        assert read.finding.grant_number == world.grant.number
        assert actions(session, case.id) == ["onceonly.case.reported"]

        mine = service.my_cases(session, actor=world.citizen, page=PageParams())
        assert [c.number for c in mine.items] == [case.number]
        queue = service.list_cases(
            session, actor=world.staff, filters=CaseFilter(), page=PageParams()
        )
        assert case.number in [c.number for c in queue.items]
        other = service.list_cases(
            session, actor=world.other_admin, filters=CaseFilter(), page=PageParams()
        )
        assert case.number not in [c.number for c in other.items]

    def test_free_text_needs_a_department_or_matter_and_the_data(
        self, session: Session, world: OnceOnlyWorld
    ) -> None:
        with pytest.raises(InvalidCaseError) as caught:
            service.report_case(session, actor=world.citizen, data=CaseCreate(data_text="户口簿"))
        assert caught.value.extensions["field"] == "form_id"
        with pytest.raises(InvalidCaseError) as caught:
            service.report_case(
                session, actor=world.citizen, data=CaseCreate(department_text="某街道办")
            )
        assert caught.value.extensions["field"] == "data_text"
        case = service.report_case(
            session,
            actor=world.citizen,
            data=CaseCreate(department_text="某街道办", matter_text="开具证明", data_text="户口簿"),
        )
        assert case.organization_id is None
        assert service.case_read(session, case).finding is None

    def test_a_field_of_another_form_is_refused(
        self, session: Session, world: OnceOnlyWorld
    ) -> None:
        first = full_form(session, world)
        second = make_form(
            session, actor=world.admin, organization=world.department, fields=[applicant_only("x")]
        )
        with pytest.raises(InvalidCaseError):
            service.report_case(
                session,
                actor=world.citizen,
                data=CaseCreate(form_id=second.id, field_id=first.fields[0].id),
            )

    def test_the_coordinator_handles_then_resolves_and_it_stays_closed(
        self, session: Session, world: OnceOnlyWorld
    ) -> None:
        case = service.report_case(
            session, actor=world.citizen,
            data=CaseCreate(matter_text="公租房申请", data_text="户口簿复印件"),
        )  # fmt: skip
        handled = service.start_handling(session, actor=world.coordinator, case_id=case.id)
        assert handled.state is CaseState.handling
        with pytest.raises(InvalidCaseError):
            service.resolve_case(session, actor=world.coordinator, case_id=case.id, reply=" ")
        service.resolve_case(
            session, actor=world.coordinator, case_id=case.id, reply="已通知住建局改为共享核验"
        )
        assert case.state is CaseState.resolved
        with pytest.raises(CaseStateError):
            service.dismiss_case(session, actor=world.coordinator, case_id=case.id, reason="x")
        assert actions(session, case.id) == [
            "onceonly.case.reported",
            "onceonly.case.handling",
            "onceonly.case.resolved",
        ]

    def test_a_department_cannot_handle_and_others_cannot_see(
        self, session: Session, world: OnceOnlyWorld
    ) -> None:
        case = service.report_case(
            session, actor=world.citizen, data=CaseCreate(matter_text="x", data_text="y")
        )
        with pytest.raises(PermissionDeniedError):
            service.dismiss_case(session, actor=world.admin, case_id=case.id, reason="不属实")
        with pytest.raises(CaseNotFoundError):
            service.get_case(session, actor=world.other_admin, case_id=case.id)
        service.dismiss_case(session, actor=world.coordinator, case_id=case.id, reason="不属实")
        assert case.state is CaseState.dismissed
        assert case.reply == "不属实"


class TestQueries:
    def test_the_report_takes_the_same_queries_for_more_forms(
        self, session: Session, world: OnceOnlyWorld
    ) -> None:
        def queries() -> int:
            statements: list[str] = []

            def count(*args: object) -> None:
                statements.append(str(args[2]))

            engine = session.get_bind()
            event.listen(engine, "before_cursor_execute", count)
            try:
                service.once_only_report(session, actor=world.coordinator)
            finally:
                event.remove(engine, "before_cursor_execute", count)
            return len(statements)

        full_form(session, world)
        few = queries()
        full_form(session, world)
        full_form(session, world)
        assert few > 0
        assert queries() == few


def test_only_a_signed_in_person_reports_a_case(session: Session, world: OnceOnlyWorld) -> None:
    client = Actor(
        kind=ActorKind.api_client,
        id=uuid4(),
        organization_id=world.department.id,
        permissions=frozenset({"onceonly.report"}),
    )
    for actor in (client, SYSTEM):
        with pytest.raises(PermissionDeniedError):
            service.report_case(
                session, actor=actor, data=CaseCreate(matter_text="x", data_text="y")
            )
