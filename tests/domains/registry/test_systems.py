"""Information systems registry and the city cloud (Art. 22, 62, 70): the rules."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from smartcity.core.errors import (
    AuthenticationRequiredError,
    InvalidInputError,
    PermissionDeniedError,
)
from smartcity.core.pagination import PageParams
from smartcity.core.security import ANONYMOUS, SYSTEM
from smartcity.core.time import freeze_time
from smartcity.domains.audit import service as audit_service
from smartcity.domains.identity.permissions import Role
from smartcity.domains.registry import service as registry_service
from smartcity.domains.registry.demo_systems import SYSTEMS, seed_demo_systems
from smartcity.domains.registry.enums import (
    AssessmentResult,
    ChangeRequestStatus,
    CloudStatus,
    OrganizationKind,
    SystemChangeKind,
    SystemLifecycle,
)
from smartcity.domains.registry.errors import (
    ChangeNeedsApprovalError,
    ChangeRequestDecidedError,
    ChangeRequestNotFoundError,
    ChangeRequestPendingError,
    CloudDeploymentRequiredError,
    CloudExemptionBasisRequiredError,
    InvalidChangeRequestError,
    LegalBasisNotCitableError,
    MigrationDateRequiredError,
    OpinionRequiredError,
    SystemCodeTakenError,
    SystemRetiredError,
)
from smartcity.domains.registry.models import InformationSystem, SystemChangeRequest
from smartcity.domains.registry.schemas import (
    InformationSystemFilter,
    InformationSystemUpdate,
    LegalBasisUpdate,
    MigrationFigures,
    OverdueReport,
    SystemChangeCreate,
    SystemChangeRequestFilter,
)
from tests.factories.identity import actor_of, make_user
from tests.factories.registry import make_organization
from tests.factories.systems import (
    admin_of,
    coordinator,
    make_department,
    make_legal_basis,
    make_system,
    pending_requests,
    preexisting,
    system_data,
)

# A Monday after the 2026 National Day holiday (1–7 October, 10 October a make-up day).
TODAY = datetime(2026, 10, 12, 4, 0, tzinfo=UTC)


def _actions(session: Session, system: InformationSystem) -> list[str]:
    return audit_service.actions_for(session, subject_id=system.id)


def _propose(
    session: Session, system: InformationSystem, kind: SystemChangeKind, **values: object
) -> SystemChangeRequest:
    return registry_service.propose_system_change(
        session,
        actor=SYSTEM,
        system_id=system.id,
        data=SystemChangeCreate.model_validate({"kind": kind, **values}),
    )


def _update(session: Session, system: InformationSystem, **values: object) -> InformationSystem:
    return registry_service.update_system(
        session,
        actor=SYSTEM,
        system_id=system.id,
        data=InformationSystemUpdate.model_validate(values),
    )


class TestRegisterSystem:
    def test_registers_and_opens_a_registration_request(self, session: Session) -> None:
        owner = make_department(session)
        admin = admin_of(session, owner)

        system = registry_service.register_system(
            session, actor=admin, data=system_data(owner, code="JN-RK-001", name="人口信息系统")
        )

        assert system.code == "JN-RK-001"
        assert system.approved_snapshot is None
        [request] = pending_requests(session, system)
        assert request.kind is SystemChangeKind.registration
        assert request.proposed_changes["name"] == "人口信息系统"
        assert _actions(session, system) == [
            "registry.system.registered",
            "registry.system.change_requested",
        ]

    @pytest.mark.parametrize("status", [CloudStatus.migrating, CloudStatus.not_migrated])
    def test_a_new_system_cannot_be_registered_in_use_off_the_cloud(
        self, session: Session, status: CloudStatus
    ) -> None:
        owner = make_department(session)
        data = system_data(owner, cloud_status=status, migration_planned_date=date(2027, 1, 1))

        with pytest.raises(CloudDeploymentRequiredError) as caught:
            registry_service.register_system(session, actor=SYSTEM, data=data)

        assert caught.value.extensions["field"] == "cloud_status"
        assert session.query(InformationSystem).count() == 0

    @pytest.mark.parametrize("lifecycle", [SystemLifecycle.planned, SystemLifecycle.building])
    def test_a_system_not_yet_in_use_may_be_registered_off_the_cloud(
        self, session: Session, lifecycle: SystemLifecycle
    ) -> None:
        system = make_system(
            session, lifecycle_status=lifecycle, cloud_status=CloudStatus.not_migrated
        )
        assert system.cloud_status is CloudStatus.not_migrated

    def test_a_preexisting_system_may_be_in_use_off_the_cloud(self, session: Session) -> None:
        system = make_system(session, **preexisting())
        assert system.lifecycle_status is SystemLifecycle.in_use
        assert system.cloud_status is CloudStatus.migrating

    def test_exemption_without_a_legal_basis_is_refused(self, session: Session) -> None:
        data = system_data(
            make_department(session), cloud_status=CloudStatus.exempt, exemption_reason="涉密"
        )
        with pytest.raises(CloudExemptionBasisRequiredError) as caught:
            registry_service.register_system(session, actor=SYSTEM, data=data)
        assert caught.value.extensions["field"] == "exemption_legal_basis_id"

    def test_exemption_without_a_reason_is_refused(self, session: Session) -> None:
        basis = make_legal_basis(session)
        data = system_data(
            make_department(session),
            cloud_status=CloudStatus.exempt,
            exemption_legal_basis_id=basis.id,
        )
        with pytest.raises(CloudExemptionBasisRequiredError) as caught:
            registry_service.register_system(session, actor=SYSTEM, data=data)
        assert caught.value.extensions["field"] == "exemption_reason"

    def test_exemption_with_a_citable_basis_may_be_in_use_off_the_cloud(
        self, session: Session
    ) -> None:
        basis = make_legal_basis(session)
        system = make_system(
            session,
            cloud_status=CloudStatus.exempt,
            exemption_legal_basis_id=basis.id,
            exemption_reason="涉密信息系统，不得接入非涉密网络",
        )
        assert system.exemption_legal_basis is basis
        assert registry_service.describe(system)["exemption_legal_basis"] == basis.code

    def test_exemption_cannot_cite_a_repealed_article(self, session: Session) -> None:
        basis = make_legal_basis(session, repealed_date=date(2020, 1, 1))
        data = system_data(
            make_department(session),
            cloud_status=CloudStatus.exempt,
            exemption_legal_basis_id=basis.id,
            exemption_reason="涉密",
        )
        with pytest.raises(LegalBasisNotCitableError):
            registry_service.register_system(session, actor=SYSTEM, data=data)

    def test_cited_legal_bases_must_be_citable(self, session: Session) -> None:
        repealed = make_legal_basis(session, repealed_date=date(2020, 1, 1))
        data = system_data(make_department(session), legal_basis_ids=[repealed.id])
        with pytest.raises(LegalBasisNotCitableError):
            registry_service.register_system(session, actor=SYSTEM, data=data)

    def test_migrating_needs_a_planned_date(self, session: Session) -> None:
        data = system_data(make_department(session), **preexisting(migration_planned_date=None))
        with pytest.raises(MigrationDateRequiredError):
            registry_service.register_system(session, actor=SYSTEM, data=data)

    def test_assessment_date_and_result_go_together(self, session: Session) -> None:
        data = system_data(
            make_department(session), protection_assessment_result=AssessmentResult.passed
        )
        with pytest.raises(InvalidInputError) as caught:
            registry_service.register_system(session, actor=SYSTEM, data=data)
        assert caught.value.extensions["field"] == "protection_assessed_date"

    def test_codes_are_unique(self, session: Session) -> None:
        make_system(session, code="JN-DUP-1")
        with pytest.raises(SystemCodeTakenError):
            make_system(session, code="JN-DUP-1")

    def test_an_administrator_registers_only_for_their_own_organization(
        self, session: Session
    ) -> None:
        owner = make_department(session)
        stranger = admin_of(session, make_department(session))
        with pytest.raises(PermissionDeniedError):
            registry_service.register_system(session, actor=stranger, data=system_data(owner))

    def test_staff_cannot_register_and_anonymous_must_sign_in(self, session: Session) -> None:
        owner = make_department(session)
        staff = actor_of(make_user(session, organization=owner, roles=[Role.org_staff]))
        with pytest.raises(PermissionDeniedError):
            registry_service.register_system(session, actor=staff, data=system_data(owner))
        with pytest.raises(AuthenticationRequiredError):
            registry_service.register_system(session, actor=ANONYMOUS, data=system_data(owner))

    def test_the_coordinator_registers_for_any_organization(self, session: Session) -> None:
        owner = make_department(session)
        system = registry_service.register_system(
            session, actor=coordinator(session), data=system_data(owner)
        )
        assert system.owner_organization_id == owner.id


class TestUpdateSystem:
    def test_descriptive_edits_apply_directly_and_show_against_the_approved_description(
        self, session: Session
    ) -> None:
        system = make_system(session, user_count=100)
        assert registry_service.system_diff(system) == []

        _update(session, system, user_count=250, purpose="新的用途")

        assert system.user_count == 250
        assert registry_service.system_diff(system) == [
            ("purpose", "测试用途", "新的用途"),
            ("user_count", 100, 250),
        ]
        assert _actions(session, system)[-1] == "registry.system.updated"

    @pytest.mark.parametrize(
        ("values", "field"),
        [
            ({"lifecycle_status": "in_use"}, "lifecycle_status"),
            ({"lifecycle_status": "retired"}, "lifecycle_status"),
            ({"data_holdings": ["新的数据对象"]}, "data_holdings"),
            ({"resources_used": ["电子证照库"]}, "resources_used"),
        ],
    )
    def test_lifecycle_and_composition_cannot_be_changed_by_editing(
        self, session: Session, values: dict[str, object], field: str
    ) -> None:
        system = make_system(session, lifecycle_status=SystemLifecycle.building)
        with pytest.raises(ChangeNeedsApprovalError) as caught:
            _update(session, system, **values)
        assert caught.value.extensions["field"] == field
        assert system.lifecycle_status is SystemLifecycle.building
        assert system.data_holdings == ["人口基本信息"]

    def test_planned_and_building_move_freely(self, session: Session) -> None:
        system = make_system(session, lifecycle_status=SystemLifecycle.planned)
        _update(session, system, lifecycle_status="building")
        assert system.lifecycle_status is SystemLifecycle.building

    def test_an_unchanged_composition_may_be_sent_back(self, session: Session) -> None:
        system = make_system(session)
        _update(session, system, data_holdings=["人口基本信息"], backup_note="每日增量")
        assert system.backup_note == "每日增量"

    def test_an_invalid_edit_changes_nothing(self, session: Session) -> None:
        system = make_system(session, **preexisting())
        with pytest.raises(CloudExemptionBasisRequiredError):
            _update(session, system, cloud_status="exempt", purpose="改了")
        assert system.cloud_status is CloudStatus.migrating
        assert system.purpose == "测试用途"

    def test_a_new_system_in_use_cannot_leave_the_cloud(self, session: Session) -> None:
        system = make_system(session)
        with pytest.raises(CloudDeploymentRequiredError):
            _update(session, system, cloud_status="not_migrated")

    def test_leaving_the_exemption_clears_its_basis_and_reason(self, session: Session) -> None:
        basis = make_legal_basis(session)
        system = make_system(
            session,
            cloud_status=CloudStatus.exempt,
            exemption_legal_basis_id=basis.id,
            exemption_reason="涉密",
        )
        _update(session, system, cloud_status="deployed")
        assert system.exemption_legal_basis is None
        assert system.exemption_reason == ""

    def test_an_article_repealed_since_it_was_cited_does_not_block_other_edits(
        self, session: Session
    ) -> None:
        basis = make_legal_basis(session)
        system = make_system(session, legal_basis_ids=[basis.id])
        registry_service.update_legal_basis(
            session,
            actor=SYSTEM,
            legal_basis_id=basis.id,
            data=LegalBasisUpdate(repealed_date=date(2020, 1, 1)),
        )
        _update(session, system, legal_basis_ids=[basis.id], backup_note="异地")
        assert system.legal_bases == [basis]

    def test_other_organizations_cannot_edit(self, session: Session) -> None:
        system = make_system(session)
        stranger = admin_of(session, make_department(session))
        with pytest.raises(PermissionDeniedError):
            registry_service.update_system(
                session,
                actor=stranger,
                system_id=system.id,
                data=InformationSystemUpdate(purpose="越权修改"),
            )

    def test_explicit_null_for_a_required_field_is_refused(self) -> None:
        with pytest.raises(ValueError, match="name"):
            InformationSystemUpdate.model_validate({"name": None})


class TestChangeRequests:
    def test_registration_approval_records_the_reviewer_and_the_approved_description(
        self, session: Session
    ) -> None:
        system = make_system(session, approved=False)
        [request] = pending_requests(session, system)
        reviewer = coordinator(session)

        registry_service.approve_system_change(
            session, actor=reviewer, change_request_id=request.id, opinion="登记信息完整"
        )

        assert request.status is ChangeRequestStatus.approved
        assert request.reviewer_name == reviewer.name
        assert request.opinion == "登记信息完整"
        assert request.decided_at is not None
        assert system.approved_snapshot == registry_service.describe(system)
        assert system.approved_at is not None
        assert _actions(session, system)[-1] == "registry.system.change_approved"

    def test_going_into_use_takes_effect_only_on_approval(self, session: Session) -> None:
        system = make_system(session, lifecycle_status=SystemLifecycle.building)
        request = _propose(session, system, SystemChangeKind.go_live, reason="试运行结束")

        assert system.lifecycle_status is SystemLifecycle.building
        assert request.proposed_changes == {"lifecycle_status": "in_use"}
        registry_service.approve_system_change(
            session, actor=coordinator(session), change_request_id=request.id
        )
        assert system.lifecycle_status is SystemLifecycle.in_use
        assert system.approved_snapshot is not None
        assert system.approved_snapshot["lifecycle_status"] == "in_use"

    def test_approval_also_approves_pending_descriptive_edits(self, session: Session) -> None:
        system = make_system(session, lifecycle_status=SystemLifecycle.building)
        _update(session, system, backup_note="异地备份到兖州")
        assert [d.field for d in registry_service.system_diff(system)] == ["backup_note"]
        request = _propose(session, system, SystemChangeKind.go_live)
        registry_service.approve_system_change(session, actor=SYSTEM, change_request_id=request.id)
        assert registry_service.system_diff(system) == []

    def test_a_new_system_off_the_cloud_cannot_go_into_use(self, session: Session) -> None:
        system = make_system(
            session, lifecycle_status=SystemLifecycle.building, cloud_status="not_migrated"
        )
        with pytest.raises(CloudDeploymentRequiredError):
            _propose(session, system, SystemChangeKind.go_live)

    def test_the_cloud_rule_is_checked_again_on_approval(self, session: Session) -> None:
        system = make_system(session, lifecycle_status=SystemLifecycle.building)
        request = _propose(session, system, SystemChangeKind.go_live)
        _update(session, system, cloud_status="not_migrated")
        with pytest.raises(CloudDeploymentRequiredError):
            registry_service.approve_system_change(
                session, actor=SYSTEM, change_request_id=request.id
            )
        assert request.status is ChangeRequestStatus.pending

    def test_a_system_in_use_cannot_go_into_use_again(self, session: Session) -> None:
        system = make_system(session)
        with pytest.raises(InvalidChangeRequestError):
            _propose(session, system, SystemChangeKind.go_live)

    def test_a_composition_change_sets_composition_changed_at(self, session: Session) -> None:
        system = make_system(session)
        assert system.composition_changed_at is None
        request = _propose(
            session,
            system,
            SystemChangeKind.composition_change,
            data_holdings=["人口基本信息", "户籍变动记录", "户籍变动记录"],
        )
        assert request.proposed_changes == {"data_holdings": ["人口基本信息", "户籍变动记录"]}
        assert system.data_holdings == ["人口基本信息"]

        with freeze_time(TODAY):
            registry_service.approve_system_change(
                session, actor=SYSTEM, change_request_id=request.id
            )

        assert system.data_holdings == ["人口基本信息", "户籍变动记录"]
        assert system.composition_changed_at == TODAY

    def test_resources_used_alone_do_not_move_composition_changed_at(
        self, session: Session
    ) -> None:
        system = make_system(session)
        request = _propose(
            session, system, SystemChangeKind.composition_change, resources_used=["电子证照库"]
        )
        registry_service.approve_system_change(session, actor=SYSTEM, change_request_id=request.id)
        assert system.resources_used == ["电子证照库"]
        assert system.composition_changed_at is None

    def test_a_composition_change_must_change_something(self, session: Session) -> None:
        system = make_system(session)
        with pytest.raises(InvalidChangeRequestError):
            _propose(
                session,
                system,
                SystemChangeKind.composition_change,
                data_holdings=["人口基本信息"],
            )

    def test_only_composition_changes_carry_data_objects(self, session: Session) -> None:
        system = make_system(session)
        with pytest.raises(InvalidChangeRequestError):
            _propose(session, system, SystemChangeKind.retirement, data_holdings=["x"])

    def test_rejection_needs_an_opinion_and_changes_nothing(self, session: Session) -> None:
        system = make_system(session, lifecycle_status=SystemLifecycle.building)
        request = _propose(session, system, SystemChangeKind.go_live)
        with pytest.raises(OpinionRequiredError):
            registry_service.reject_system_change(
                session, actor=SYSTEM, change_request_id=request.id, opinion="  "
            )

        registry_service.reject_system_change(
            session, actor=SYSTEM, change_request_id=request.id, opinion="等保测评尚未完成"
        )

        assert request.status is ChangeRequestStatus.rejected
        assert request.opinion == "等保测评尚未完成"
        assert system.lifecycle_status is SystemLifecycle.building
        assert _actions(session, system)[-1] == "registry.system.change_rejected"

    def test_a_decided_request_cannot_be_decided_again(self, session: Session) -> None:
        system = make_system(session)
        request = _propose(session, system, SystemChangeKind.retirement)
        registry_service.approve_system_change(session, actor=SYSTEM, change_request_id=request.id)
        with pytest.raises(ChangeRequestDecidedError):
            registry_service.reject_system_change(
                session, actor=SYSTEM, change_request_id=request.id, opinion="再议"
            )

    def test_one_pending_request_per_kind(self, session: Session) -> None:
        system = make_system(session)
        _propose(session, system, SystemChangeKind.retirement)
        with pytest.raises(ChangeRequestPendingError):
            _propose(session, system, SystemChangeKind.retirement)
        _propose(session, system, SystemChangeKind.composition_change, resources_used=["x"])

    def test_other_changes_wait_for_the_registration(self, session: Session) -> None:
        system = make_system(session, approved=False, lifecycle_status=SystemLifecycle.building)
        request = _propose(session, system, SystemChangeKind.go_live)
        with pytest.raises(InvalidChangeRequestError):
            registry_service.approve_system_change(
                session, actor=SYSTEM, change_request_id=request.id
            )

    def test_a_refused_registration_can_be_proposed_again(self, session: Session) -> None:
        system = make_system(session, approved=False)
        [first] = pending_requests(session, system)
        registry_service.reject_system_change(
            session, actor=SYSTEM, change_request_id=first.id, opinion="请补充法律依据"
        )
        again = _propose(session, system, SystemChangeKind.registration)
        assert again.status is ChangeRequestStatus.pending
        registry_service.approve_system_change(session, actor=SYSTEM, change_request_id=again.id)
        with pytest.raises(InvalidChangeRequestError):
            _propose(session, system, SystemChangeKind.registration)

    def test_a_retired_system_is_read_only(self, session: Session) -> None:
        system = make_system(session)
        request = _propose(session, system, SystemChangeKind.retirement)
        registry_service.approve_system_change(session, actor=SYSTEM, change_request_id=request.id)
        assert system.lifecycle_status is SystemLifecycle.retired
        with pytest.raises(SystemRetiredError):
            _update(session, system, purpose="停用后修改")
        with pytest.raises(SystemRetiredError):
            _propose(session, system, SystemChangeKind.registration)

    def test_only_the_coordinator_decides(self, session: Session) -> None:
        owner = make_department(session)
        system = make_system(session, owner=owner, approved=False)
        [request] = pending_requests(session, system)
        with pytest.raises(PermissionDeniedError):
            registry_service.approve_system_change(
                session, actor=admin_of(session, owner), change_request_id=request.id
            )

    def test_the_owner_proposes_and_others_cannot(self, session: Session) -> None:
        owner = make_department(session)
        system = make_system(session, owner=owner)
        stranger = admin_of(session, make_department(session))
        data = SystemChangeCreate(kind=SystemChangeKind.retirement)
        with pytest.raises(PermissionDeniedError):
            registry_service.propose_system_change(
                session, actor=stranger, system_id=system.id, data=data
            )
        request = registry_service.propose_system_change(
            session, actor=admin_of(session, owner), system_id=system.id, data=data
        )
        assert request.requested_by_name

    def test_other_organizations_requests_are_invisible(self, session: Session) -> None:
        owner = make_department(session)
        system = make_system(session, owner=owner, approved=False)
        [request] = pending_requests(session, system)
        colleague = actor_of(make_user(session, organization=owner, roles=[Role.org_staff]))
        stranger = admin_of(session, make_department(session))
        everyone = SystemChangeRequestFilter()

        assert registry_service.get_change_request(
            session, actor=colleague, change_request_id=request.id
        )
        with pytest.raises(ChangeRequestNotFoundError):
            registry_service.get_change_request(
                session, actor=stranger, change_request_id=request.id
            )
        page = registry_service.list_change_requests(
            session, actor=stranger, filters=everyone, page=PageParams()
        )
        assert page.total == 0
        queue = registry_service.list_change_requests(
            session,
            actor=coordinator(session),
            filters=SystemChangeRequestFilter(status=ChangeRequestStatus.pending),
            page=PageParams(),
        )
        assert request.id in {r.id for r in queue.items}
        assert registry_service.count_pending_change_requests(session, actor=stranger) == 0

    def test_the_audit_trail_tells_the_whole_story(self, session: Session) -> None:
        system = make_system(session, lifecycle_status=SystemLifecycle.building)
        _update(session, system, user_count=5)
        request = _propose(session, system, SystemChangeKind.go_live)
        registry_service.approve_system_change(
            session, actor=SYSTEM, change_request_id=request.id, opinion="同意"
        )
        assert _actions(session, system) == [
            "registry.system.registered",
            "registry.system.change_requested",
            "registry.system.change_approved",
            "registry.system.updated",
            "registry.system.change_requested",
            "registry.system.change_approved",
        ]


class TestReading:
    def test_everyone_signed_in_reads_the_registry(self, session: Session) -> None:
        system = make_system(session, name="济宁市人口信息管理系统")
        citizen = actor_of(make_user(session, organization=None, roles=[Role.citizen]))

        found = registry_service.get_information_system(session, actor=citizen, system_id=system.id)
        page = registry_service.list_information_systems(
            session,
            actor=citizen,
            filters=InformationSystemFilter(q="人口信息"),
            page=PageParams(),
        )

        assert found is system
        assert [s.id for s in page.items] == [system.id]
        with pytest.raises(AuthenticationRequiredError):
            registry_service.get_information_system(session, actor=ANONYMOUS, system_id=system.id)

    def test_filters(self, session: Session) -> None:
        owner = make_department(session)
        deployed = make_system(session, owner=owner, protection_level=3)
        migrating = make_system(session, owner=owner, **preexisting())
        make_system(session)

        def ids(**values: object) -> set[object]:
            filters = InformationSystemFilter.model_validate(values)
            page = registry_service.list_information_systems(
                session, actor=SYSTEM, filters=filters, page=PageParams()
            )
            return {s.id for s in page.items}

        assert ids(owner_organization_id=owner.id) == {deployed.id, migrating.id}
        assert ids(owner_organization_id=owner.id, cloud_status="migrating") == {migrating.id}
        assert ids(owner_organization_id=owner.id, protection_level=3) == {deployed.id}
        assert ids(owner_organization_id=owner.id, lifecycle_status="planned") == set()

    def test_a_never_approved_system_differs_in_every_filled_field(self, session: Session) -> None:
        system = make_system(session, approved=False)
        differences = registry_service.system_diff(system)
        fields = {d.field for d in differences}
        assert {"name", "purpose", "data_holdings", "cloud_status"} <= fields
        assert all(d.approved is None for d in differences)
        assert "migration_planned_date" not in fields


class TestOverdueReport:
    def _report(self, session: Session) -> OverdueReport:
        with freeze_time(TODAY):
            return registry_service.overdue_migration_report(session, actor=SYSTEM)

    def test_lists_late_and_unmigrated_systems_of_city_departments_with_lateness(
        self, session: Session
    ) -> None:
        department = make_department(session, name="济宁市某某局")
        late = make_system(session, owner=department, code="LATE-1", **preexisting())
        never = make_system(
            session,
            owner=department,
            code="NEVER-1",
            **preexisting(cloud_status=CloudStatus.not_migrated, migration_planned_date=None),
        )
        make_system(
            session,
            owner=department,
            code="FUTURE-1",
            **preexisting(migration_planned_date=date(2026, 12, 31)),
        )
        make_system(session, owner=department, code="ONCLOUD-1")
        basis = make_legal_basis(session)
        make_system(
            session,
            owner=department,
            code="EXEMPT-1",
            cloud_status=CloudStatus.exempt,
            exemption_legal_basis_id=basis.id,
            exemption_reason="涉密",
        )
        retired = make_system(session, owner=department, code="OLD-1", **preexisting())
        request = _propose(session, retired, SystemChangeKind.retirement)
        registry_service.approve_system_change(session, actor=SYSTEM, change_request_id=request.id)
        # Not bound by Art. 22: a vertically managed body carries no such duty.
        vertical = make_organization(session, name="国家某某局济宁分局")
        make_system(session, owner=vertical, code="VERT-1", **preexisting())

        report = self._report(session)

        assert [r.system_code for r in report.rows] == ["LATE-1", "NEVER-1"]
        first, second = report.rows
        assert first.organization_name == "济宁市某某局"
        assert first.system_id == late.id
        assert first.migration_planned_date == date(2026, 9, 30)
        assert first.days_late == 12
        # 1–7 October are holidays, 10 October (Saturday) a make-up working day:
        # 8, 9, 10 and 12 October are the working days after 30 September.
        assert first.working_days_late == 4
        assert second.system_id == never.id
        assert second.days_late is None
        assert report.as_of == date(2026, 10, 12)
        assert report.scope_organizations >= 1
        assert report.note == ""

    def test_working_days_are_left_empty_for_a_year_the_calendar_does_not_know(
        self, session: Session
    ) -> None:
        make_system(session, **preexisting(migration_planned_date=date(2020, 6, 30)))
        [row] = self._report(session).rows
        report = self._report(session)
        assert row.days_late == (date(2026, 10, 12) - date(2020, 6, 30)).days
        assert row.working_days_late is None
        assert "2020" in report.note

    def test_exports_a_workbook(self, session: Session) -> None:
        make_system(session, code="LATE-X", **preexisting())
        workbook = load_workbook(
            io.BytesIO(registry_service.overdue_report_workbook(self._report(session)))
        )
        sheet = workbook.worksheets[0]
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[0][:3] == ("单位", "系统编码", "系统名称")
        assert rows[1][1:4] == ("LATE-X", rows[1][2], "迁移中")
        assert rows[1][5:7] == (12, 4)


class TestMigrationDashboard:
    def test_figures_per_department_and_per_county(self, session: Session) -> None:
        city_government = make_organization(session, kind=OrganizationKind.city_government)
        county = make_organization(
            session,
            name="任城区人民政府（测试）",
            kind=OrganizationKind.county_government,
            parent=city_government,
            division_code="370811",
        )
        county_bureau = make_organization(
            session, kind=OrganizationKind.county_department, parent=county, division_code="370811"
        )
        # A district police branch belongs to the city bureau but serves the district.
        city_police = make_department(session, name="济宁市公安局（测试）")
        branch = make_organization(
            session,
            kind=OrganizationKind.county_department,
            parent=city_police,
            division_code="370811",
        )
        department = make_department(session, name="济宁市某局（测试）")
        basis = make_legal_basis(session)

        make_system(session, owner=department)
        make_system(session, owner=department)
        make_system(session, owner=department, **preexisting())
        make_system(
            session,
            owner=department,
            cloud_status=CloudStatus.exempt,
            exemption_legal_basis_id=basis.id,
            exemption_reason="涉密",
        )
        retired = make_system(session, owner=department)
        request = _propose(session, retired, SystemChangeKind.retirement)
        registry_service.approve_system_change(session, actor=SYSTEM, change_request_id=request.id)
        make_system(session, owner=county_bureau)
        make_system(
            session, owner=county_bureau, **preexisting(cloud_status=CloudStatus.not_migrated)
        )
        make_system(session, owner=branch)
        make_system(session, owner=city_police)

        with freeze_time(TODAY):
            dashboard = registry_service.migration_dashboard(session, actor=SYSTEM)

        by_department = {d.organization_id: d.figures for d in dashboard.departments}
        figures = by_department[department.id]
        assert (figures.total, figures.deployed, figures.migrating, figures.exempt) == (4, 2, 1, 1)
        assert figures.overdue == 1
        assert figures.rate == pytest.approx(2 / 3)
        assert by_department[city_police.id].total == 1
        assert branch.id not in by_department
        [district] = [c for c in dashboard.counties if c.division_code == "370811"]
        assert district.organization_id == county.id
        assert (district.figures.total, district.figures.deployed) == (3, 2)
        assert district.figures.not_migrated == 1
        assert district.figures.rate == pytest.approx(2 / 3)
        assert dashboard.city.total == dashboard.municipal.total + dashboard.county_total.total
        assert dashboard.county_total.total == 3

    def test_a_rate_needs_systems_that_should_migrate(self) -> None:
        assert MigrationFigures().rate is None


class TestDemoSystems:
    def test_seeds_a_realistic_registry_once(self, session: Session) -> None:
        for owner in sorted({spec.owner for spec in SYSTEMS}):
            if owner.startswith("济宁市") and "分局" not in owner:
                make_department(session, name=owner)
            else:
                make_organization(session, name=owner)

        with freeze_time(TODAY):
            added = seed_demo_systems(session, actor=SYSTEM)
            again = seed_demo_systems(session, actor=SYSTEM)
            report = registry_service.overdue_migration_report(session, actor=SYSTEM)
            dashboard = registry_service.migration_dashboard(session, actor=SYSTEM)

        assert added == len(SYSTEMS) >= 55
        assert again == 0
        systems = session.query(InformationSystem).all()
        by_status = {s: sum(1 for x in systems if x.cloud_status is s) for s in CloudStatus}
        assert by_status[CloudStatus.deployed] > len(systems) / 2
        assert by_status[CloudStatus.exempt] == 2
        assert all(x.exemption_legal_basis_id for x in systems if x.cloud_status == "exempt")
        assert [x.protection_level for x in systems].count(4) == 1
        assert {r.system_code for r in report.rows} >= {"JN-GAJ-003", "JN-TJJ-001"}
        assert all(r.days_late is None or r.days_late > 0 for r in report.rows)
        assert dashboard.city.overdue >= 3
        pending = registry_service.list_change_requests(
            session,
            actor=SYSTEM,
            filters=SystemChangeRequestFilter(status=ChangeRequestStatus.pending),
            page=PageParams(),
        )
        assert {r.kind for r in pending.items} == set(SystemChangeKind)
        found = registry_service.find_information_system_by_code(session, "JN-GAJ-001")
        assert found is not None
        edited = registry_service.get_information_system(session, actor=SYSTEM, system_id=found.id)
        assert [d.field for d in registry_service.system_diff(edited)] == [
            "user_count",
            "backup_note",
        ]
