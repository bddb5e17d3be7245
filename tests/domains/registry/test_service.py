"""Registry use cases: organizations, credit codes and their override, the coordinator,
regulation duties."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from smartcity.core.errors import InvalidInputError, PermissionDeniedError
from smartcity.core.security import SYSTEM
from smartcity.domains.audit import service as audit_service
from smartcity.domains.identity.permissions import Role
from smartcity.domains.registry import service as registry_service
from smartcity.domains.registry.enums import OrganizationKind
from smartcity.domains.registry.errors import (
    CoordinatorRequiredError,
    CreditCodeTakenError,
    InvalidCreditCodeError,
    InvalidDivisionCodeError,
    OrganizationCycleError,
    OrganizationNotFoundError,
    UnknownArticleError,
)
from smartcity.domains.registry.regulation import REGULATION_DUTIES
from smartcity.domains.registry.schemas import (
    DutyWrite,
    OrganizationCreate,
    OrganizationUpdate,
)
from tests.factories.identity import actor_of, make_user
from tests.factories.registry import coordinator_organization, make_organization

# Real issued code whose check character does not compute (cn-standards.md §0.8).
REAL_BUT_FAILING = "91350203M0001QAY9B"


def _coordinator(session: Session) -> registry_service.Actor:
    return actor_of(
        make_user(session, organization=coordinator_organization(session), roles=[Role.coordinator])
    )


def _create(session: Session, **values: object) -> registry_service.Organization:
    data = {
        "code": "JN-NEW",
        "name": "济宁市新设局",
        "kind": OrganizationKind.municipal_department,
        "division_code": "370800",
    }
    data.update(values)
    return registry_service.create_organization(
        session, actor=_coordinator(session), data=OrganizationCreate.model_validate(data)
    )


class TestCreditCodes:
    def test_accepts_and_normalises_a_valid_code(self, session: Session) -> None:
        organization = _create(session, credit_code=" 11370800004328177j ")
        assert organization.credit_code == "11370800004328177J"

    @pytest.mark.parametrize(
        ("code", "position", "overridable"),
        [
            ("11370800004328177K", 18, True),
            ("91370800MA3C4K8Q01", 17, True),
            ("91370800MAIC4K8Q3A", 11, False),
            ("913708A0MA3C4K8Q35", 7, False),
            ("91370800MA3C4K8Q3", 18, False),
        ],
    )
    def test_refuses_a_failing_code_naming_the_position(
        self, session: Session, code: str, position: int, overridable: bool
    ) -> None:
        with pytest.raises(InvalidCreditCodeError) as caught:
            _create(session, credit_code=code)
        assert caught.value.extensions["position"] == position
        assert caught.value.extensions["overridable"] is overridable

    def test_a_real_code_failing_its_check_needs_an_audited_override(
        self, session: Session
    ) -> None:
        with pytest.raises(InvalidCreditCodeError):
            _create(session, credit_code=REAL_BUT_FAILING)
        organization = _create(
            session,
            credit_code=REAL_BUT_FAILING,
            credit_code_override_reason="经市场监管部门核实为真实核发代码",
        )
        assert organization.credit_code == REAL_BUT_FAILING
        assert audit_service.actions_for(session, subject_id=organization.id) == [
            "registry.organization.created",
            "registry.organization.credit_code_overridden",
        ]

    def test_only_the_coordinator_may_override(self, session: Session) -> None:
        organization = make_organization(session)
        admin = actor_of(make_user(session, organization=organization, roles=[Role.org_admin]))
        with pytest.raises(InvalidInputError):  # admins may only edit contact details
            registry_service.update_organization(
                session,
                actor=admin,
                organization_id=organization.id,
                data=OrganizationUpdate(
                    credit_code=REAL_BUT_FAILING, credit_code_override_reason="我说是真的"
                ),
            )

    def test_structurally_impossible_codes_cannot_be_overridden(self, session: Session) -> None:
        with pytest.raises(InvalidCreditCodeError):
            _create(session, credit_code="91370800MAIC4K8Q3A", credit_code_override_reason="x")

    def test_a_code_belongs_to_one_organization(self, session: Session) -> None:
        _create(session, credit_code="11370800004328177J")
        with pytest.raises(CreditCodeTakenError):
            _create(session, code="JN-OTHER", credit_code="11370800004328177J")


class TestOrganizations:
    def test_division_codes_must_be_gbt_2260(self, session: Session) -> None:
        with pytest.raises(InvalidDivisionCodeError):
            _create(session, division_code="370899")
        assert _create(session, code="JN-HIST", division_code="370882").division_code == "370882"

    def test_parents_cannot_form_a_cycle(self, session: Session) -> None:
        parent = make_organization(session)
        child = make_organization(session, parent=parent)
        with pytest.raises(OrganizationCycleError):
            registry_service.update_organization(
                session,
                actor=_coordinator(session),
                organization_id=parent.id,
                data=OrganizationUpdate(parent_id=child.id),
            )

    def test_org_admin_edits_contact_details_of_its_own_organization_only(
        self, session: Session
    ) -> None:
        mine, other = make_organization(session), make_organization(session)
        admin = actor_of(make_user(session, organization=mine, roles=[Role.org_admin]))
        registry_service.update_organization(
            session,
            actor=admin,
            organization_id=mine.id,
            data=OrganizationUpdate(phone="0537-2345678"),
        )
        assert mine.phone == "0537-2345678"
        with pytest.raises(InvalidInputError):
            registry_service.update_organization(
                session, actor=admin, organization_id=mine.id, data=OrganizationUpdate(name="改名")
            )
        with pytest.raises(OrganizationNotFoundError):
            registry_service.update_organization(
                session, actor=admin, organization_id=other.id, data=OrganizationUpdate(phone="1")
            )

    def test_staff_cannot_create(self, session: Session) -> None:
        staff = actor_of(make_user(session, organization=make_organization(session)))
        with pytest.raises(PermissionDeniedError):
            registry_service.create_organization(
                session,
                actor=staff,
                data=OrganizationCreate(code="X", name="某单位", kind=OrganizationKind.other),
            )

    def test_tree_nests_children_under_parents(self, session: Session) -> None:
        city = make_organization(
            session, name="济宁市人民政府（树）", kind=OrganizationKind.city_government
        )
        county = make_organization(session, parent=city, kind=OrganizationKind.county_government)
        make_organization(session, parent=county, kind=OrganizationKind.county_department)
        roots = registry_service.organization_tree(session, actor=SYSTEM)
        node = next(n for n in roots if n.id == city.id)
        assert node.children[0].id == county.id
        assert len(node.children[0].children) == 1


class TestCoordinator:
    def test_there_is_exactly_one(self, session: Session) -> None:
        first = coordinator_organization(session)
        second = make_organization(session)
        registry_service.set_coordinator(session, actor=SYSTEM, organization_id=second.id)
        assert registry_service.find_coordinator(session) is second
        assert not first.is_coordinator

    def test_the_database_refuses_a_second_one(self, session: Session) -> None:
        coordinator_organization(session)
        other = make_organization(session)
        savepoint = session.begin_nested()
        other.coordinator_flag = True
        with pytest.raises(IntegrityError):
            session.flush()
        savepoint.rollback()

    def test_cannot_be_deactivated(self, session: Session) -> None:
        coordinator = coordinator_organization(session)
        with pytest.raises(CoordinatorRequiredError):
            registry_service.update_organization(
                session,
                actor=SYSTEM,
                organization_id=coordinator.id,
                data=OrganizationUpdate(is_active=False),
            )


class TestDuties:
    def test_duties_follow_the_organization_that_holds_them_today(self, session: Session) -> None:
        market = make_organization(session, name="济宁市市场监督管理局（测）")
        registry_service.set_duties(
            session,
            actor=SYSTEM,
            organization_id=market.id,
            duties=[
                DutyWrite(article=50, named_body="工商行政管理部门", note="2019年机构改革划入"),
                DutyWrite(article=69, named_body="市工商行政管理部门"),
            ],
        )
        holders = registry_service.responsible_organizations(session, actor=SYSTEM, article=69)
        assert [o.id for o in holders[0].organizations] == [market.id]
        assert (
            audit_service.actions_for(session, subject_id=market.id)[-1]
            == "registry.organization.duties_set"
        )

    def test_only_duties_the_regulation_gives_can_be_assigned(self, session: Session) -> None:
        organization = make_organization(session)
        with pytest.raises(UnknownArticleError):
            registry_service.set_duties(
                session,
                actor=SYSTEM,
                organization_id=organization.id,
                duties=[DutyWrite(article=50, named_body="随便什么部门")],
            )

    def test_every_duty_is_listed_even_without_a_holder(self, session: Session) -> None:
        everything = registry_service.responsible_organizations(session, actor=SYSTEM)
        assert len(everything) == len(REGULATION_DUTIES)
