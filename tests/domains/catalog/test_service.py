"""Catalog use cases: drafting rules, review and versions, visibility, stale flag, grades."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from smartcity.core.errors import AuthenticationRequiredError, PermissionDeniedError
from smartcity.core.pagination import PageParams
from smartcity.core.security import ANONYMOUS, SYSTEM, Actor
from smartcity.core.time import freeze_time
from smartcity.domains.audit import service as audit_service
from smartcity.domains.catalog import service as catalog_service
from smartcity.domains.catalog.enums import (
    BaseDatabase,
    ClassificationKind,
    DataType,
    EntryStatus,
    Identifies,
    OpenType,
    ShareMode,
    ShareType,
    VersionState,
)
from smartcity.domains.catalog.errors import (
    BaseResourceNotSharedError,
    EntryNotEditableError,
    EntryNotFoundError,
    GradeCodeTakenError,
    GradeInUseError,
    InvalidEntryError,
    InvalidTransitionError,
    LegalBasisRequiredError,
    OpinionRequiredError,
    PersonalDataNotOpenableError,
    ResourceCodeTakenError,
    VersionNotFoundError,
    VersionPendingError,
)
from smartcity.domains.catalog.schemas import GradeCreate, GradeUpdate, VersionFilter
from smartcity.domains.identity.permissions import Role
from smartcity.domains.registry import service as registry_service
from smartcity.domains.registry.errors import LegalBasisNotCitableError
from smartcity.domains.registry.models import Organization
from smartcity.domains.registry.schemas import LegalBasisUpdate
from tests.factories.catalog import (
    catalog_coordinator,
    citizen,
    draft_data,
    item,
    make_draft,
    make_entry,
    make_legal_basis,
    make_source_system,
    provider_of,
    staff_of,
)
from tests.factories.registry import make_organization


def _conditional(session: Session, provider: Organization, **values: object) -> dict[str, object]:
    basis = make_legal_basis(session)
    return {
        "share_type": ShareType.conditional,
        "share_condition": "仅限公安、民政部门办理业务时使用",
        "share_mode": ShareMode.query,
        "legal_basis_ids": [basis.id],
        **values,
    }


class TestCreateDraft:
    def test_creates_the_entry_and_its_first_version_and_audits_it(self, session: Session) -> None:
        provider = make_organization(session)
        staff = staff_of(session, provider)

        version = make_draft(session, provider=provider, actor=staff)

        entry = catalog_service.get_entry(session, actor=staff, entry_id=version.entry_id)
        assert (version.number, version.state) == (1, VersionState.draft)
        assert (entry.status, entry.version) == (EntryStatus.draft, 0)
        assert entry.name == version.name
        assert [i.name for i in entry.items] == ["名称", "登记日期"]
        assert audit_service.actions_for(session, subject_id=entry.id) == ["catalog.entry.drafted"]

    def test_the_entry_grade_is_the_highest_of_its_items(self, session: Session) -> None:
        items = [item("名称", grade_code="G1"), item("手机号", grade_code="G4"), item("住址")]
        version = make_draft(session, items=items)
        assert version.grade_code == "G4"
        assert (
            catalog_service.get_entry(session, actor=SYSTEM, entry_id=version.entry_id).grade_code
            == "G4"
        )

    def test_an_unknown_grade_is_refused(self, session: Session) -> None:
        with pytest.raises(InvalidEntryError, match="G9"):
            make_draft(session, items=[item(grade_code="G9")])

    def test_staff_draft_only_for_their_own_organization(self, session: Session) -> None:
        staff = staff_of(session, make_organization(session))
        with pytest.raises(PermissionDeniedError):
            make_draft(session, provider=make_organization(session), actor=staff)

    @pytest.mark.parametrize("who", ["anonymous", "citizen", "coordinator"])
    def test_others_cannot_draft(self, session: Session, who: str) -> None:
        provider = make_organization(session)
        actor = {
            "anonymous": ANONYMOUS,
            "citizen": citizen(session),
            "coordinator": catalog_coordinator(session),
        }[who]
        expected = AuthenticationRequiredError if who == "anonymous" else PermissionDeniedError
        with pytest.raises(expected):
            make_draft(session, provider=provider, actor=actor)

    def test_resource_codes_are_unique(self, session: Session) -> None:
        make_draft(session, resource_code="C.01.01/999999")
        with pytest.raises(ResourceCodeTakenError):
            make_draft(session, resource_code="C.01.01/999999")

    @pytest.mark.parametrize("share_type", [ShareType.conditional, ShareType.none])
    def test_conditional_and_not_shared_must_cite_a_legal_basis(
        self, session: Session, share_type: ShareType
    ) -> None:
        with pytest.raises(LegalBasisRequiredError):
            make_draft(
                session,
                share_type=share_type,
                share_condition="仅限",
                share_mode=ShareMode.query if share_type is ShareType.conditional else None,
            )

    def test_a_cited_legal_basis_is_kept_with_its_citation(self, session: Session) -> None:
        provider = make_organization(session)
        version = make_draft(session, provider=provider, **_conditional(session, provider))
        entry = catalog_service.get_entry(session, actor=SYSTEM, entry_id=version.entry_id)
        assert [basis.citation for basis in entry.legal_bases] == [
            entry.legal_bases[0].title + entry.legal_bases[0].article
        ]

    def test_a_repealed_legal_basis_cannot_be_cited(self, session: Session) -> None:
        basis = make_legal_basis(session, repealed_date=date(2020, 1, 1))
        with pytest.raises(LegalBasisNotCitableError):
            make_draft(
                session,
                share_type=ShareType.none,
                share_mode=None,
                legal_basis_ids=[basis.id],
            )

    def test_free_text_is_no_legal_basis(self, session: Session) -> None:
        unknown = make_organization(session).id  # an id that is no legal basis
        with pytest.raises(InvalidEntryError, match="未登记"):
            make_draft(
                session, share_type=ShareType.none, share_mode=None, legal_basis_ids=[unknown]
            )

    @pytest.mark.parametrize("share_type", [ShareType.conditional, ShareType.none])
    def test_base_database_resources_are_unconditional(
        self, session: Session, share_type: ShareType
    ) -> None:
        with pytest.raises(BaseResourceNotSharedError):
            make_draft(
                session,
                classification_kind=ClassificationKind.base,
                base_database=BaseDatabase.population,
                category_code="A.01",
                share_type=share_type,
                share_condition="仅限",
                share_mode=ShareMode.query if share_type is ShareType.conditional else None,
                legal_basis_ids=[make_legal_basis(session).id],
            )

    def test_personal_information_is_open_only_de_identified(self, session: Session) -> None:
        personal = [item("公民身份号码", identifies=Identifies.person, grade_code="G4")]
        with pytest.raises(PersonalDataNotOpenableError):
            make_draft(session, items=personal, open_type=OpenType.open)
        version = make_draft(
            session,
            items=personal,
            open_type=OpenType.open,
            open_deidentified=True,
            deidentification_method="删除身份证号，按 GB/T 35273 去标识化",
        )
        assert version.open_deidentified

    def test_the_source_system_must_be_registered(self, session: Session) -> None:
        with pytest.raises(InvalidEntryError, match="来源信息系统"):
            make_draft(session, source_system_id=make_organization(session).id)

    def test_draft_problems_lists_every_problem(self, session: Session) -> None:
        provider = make_organization(session)
        make_draft(session, provider=provider, resource_code="C.01.01/777777")
        data = draft_data(
            provider,
            resource_code="C.01.01/777777",
            share_type=ShareType.none,
            share_mode=None,
            items=[item(grade_code="G9")],
        )
        problems = catalog_service.draft_problems(session, actor=SYSTEM, data=data)
        assert {(p.code, p.field) for p in problems} == {
            ("catalog.legal-basis-required", "legal_basis_ids"),
            ("catalog.resource-code-taken", "resource_code"),
            ("catalog.invalid-entry", "items.grade_code"),
        }


class TestUpdateDraft:
    def test_edits_the_draft_and_the_unpublished_entry_follows(self, session: Session) -> None:
        provider = make_organization(session)
        staff = staff_of(session, provider)
        version = make_draft(session, provider=provider, actor=staff)
        data = draft_data(provider, resource_code=version.resource_code, name="改过的名称")

        catalog_service.update_draft(session, actor=staff, entry_id=version.entry_id, data=data)

        entry = catalog_service.get_entry(session, actor=staff, entry_id=version.entry_id)
        assert version.name == entry.name == "改过的名称"
        assert audit_service.actions_for(session, subject_id=entry.id)[-1] == (
            "catalog.entry.revised"
        )

    def test_a_published_entry_cannot_be_edited_in_place(self, session: Session) -> None:
        entry = make_entry(session)
        data = draft_data(
            provider_of(session, entry), resource_code=entry.resource_code, name="就地修改"
        )
        with pytest.raises(EntryNotEditableError):
            catalog_service.update_draft(session, actor=SYSTEM, entry_id=entry.id, data=data)
        assert entry.name != "就地修改"

    def test_a_submitted_version_cannot_be_edited(self, session: Session) -> None:
        provider = make_organization(session)
        version = make_draft(session, provider=provider)
        catalog_service.submit_entry(session, actor=SYSTEM, entry_id=version.entry_id)
        with pytest.raises(EntryNotEditableError):
            catalog_service.update_draft(
                session,
                actor=SYSTEM,
                entry_id=version.entry_id,
                data=draft_data(provider, resource_code=version.resource_code),
            )

    def test_staff_of_another_organization_cannot_see_the_draft(self, session: Session) -> None:
        provider = make_organization(session)
        version = make_draft(session, provider=provider)
        outsider = staff_of(session, make_organization(session))
        with pytest.raises(EntryNotFoundError):
            catalog_service.update_draft(
                session,
                actor=outsider,
                entry_id=version.entry_id,
                data=draft_data(provider, resource_code=version.resource_code),
            )


class TestReview:
    def test_draft_submit_approve_publishes_version_one(self, session: Session) -> None:
        provider = make_organization(session)
        staff = staff_of(session, provider)
        coordinator = catalog_coordinator(session)
        version = make_draft(session, provider=provider, actor=staff)

        catalog_service.submit_entry(session, actor=staff, entry_id=version.entry_id)
        entry = catalog_service.approve_entry(
            session, actor=coordinator, entry_id=version.entry_id, opinion="同意"
        )

        assert (entry.status, entry.version) == (EntryStatus.published, 1)
        assert entry.published_at is not None
        assert (version.state, version.review_opinion) == (VersionState.published, "同意")
        assert version.reviewer_name == coordinator.name
        assert audit_service.actions_for(session, subject_id=entry.id) == [
            "catalog.entry.drafted",
            "catalog.entry.submitted",
            "catalog.entry.approved",
            "catalog.entry.published",
        ]

    def test_a_department_cannot_approve(self, session: Session) -> None:
        provider = make_organization(session)
        staff = staff_of(session, provider, Role.org_admin)
        version = make_draft(session, provider=provider, actor=staff)
        catalog_service.submit_entry(session, actor=staff, entry_id=version.entry_id)
        with pytest.raises(PermissionDeniedError):
            catalog_service.approve_entry(session, actor=staff, entry_id=version.entry_id)

    def test_only_submitted_versions_are_approved(self, session: Session) -> None:
        version = make_draft(session)
        with pytest.raises(InvalidTransitionError):
            catalog_service.approve_entry(session, actor=SYSTEM, entry_id=version.entry_id)

    def test_submission_needs_an_item(self, session: Session) -> None:
        version = make_draft(session, items=[])
        with pytest.raises(InvalidEntryError, match="信息项"):
            catalog_service.submit_entry(session, actor=SYSTEM, entry_id=version.entry_id)

    def test_return_needs_an_opinion_and_sends_the_version_back(self, session: Session) -> None:
        provider = make_organization(session)
        staff = staff_of(session, provider)
        version = make_draft(session, provider=provider, actor=staff)
        catalog_service.submit_entry(session, actor=staff, entry_id=version.entry_id)
        coordinator = catalog_coordinator(session)
        with pytest.raises(OpinionRequiredError):
            catalog_service.return_entry(
                session, actor=coordinator, entry_id=version.entry_id, opinion="  "
            )

        catalog_service.return_entry(
            session, actor=coordinator, entry_id=version.entry_id, opinion="摘要过于简单"
        )

        assert (version.state, version.review_opinion) == (VersionState.returned, "摘要过于简单")
        catalog_service.update_draft(
            session,
            actor=staff,
            entry_id=version.entry_id,
            data=draft_data(provider, resource_code=version.resource_code, abstract="更详细的摘要"),
        )
        assert version.state is VersionState.draft
        catalog_service.submit_entry(session, actor=staff, entry_id=version.entry_id)
        assert audit_service.actions_for(session, subject_id=version.entry_id)[1:] == [
            "catalog.entry.submitted",
            "catalog.entry.returned",
            "catalog.entry.revised",
            "catalog.entry.submitted",
        ]

    def test_approval_rechecks_the_legal_basis(self, session: Session) -> None:
        provider = make_organization(session)
        values = _conditional(session, provider)
        version = make_draft(session, provider=provider, **values)
        catalog_service.submit_entry(session, actor=SYSTEM, entry_id=version.entry_id)
        (basis_id,) = values["legal_basis_ids"]  # type: ignore[misc]
        registry_service.update_legal_basis(
            session,
            actor=SYSTEM,
            legal_basis_id=basis_id,
            data=LegalBasisUpdate(repealed_date=date(2020, 1, 1)),
        )
        with pytest.raises(LegalBasisNotCitableError):
            catalog_service.approve_entry(session, actor=SYSTEM, entry_id=version.entry_id)


class TestVersions:
    def test_a_new_version_replaces_the_live_entry_only_on_approval(self, session: Session) -> None:
        entry = make_entry(session, items=[item("名称"), item("地址")])
        kept_id = next(i.id for i in entry.items if i.name == "名称")
        staff = staff_of(session, provider_of(session, entry))
        data = draft_data(
            provider_of(session, entry),
            resource_code=entry.resource_code,
            name="第二版名称",
            items=[item("名称", grade_code="G2"), item("电话", grade_code="G3")],
        )

        version = catalog_service.create_version(session, actor=staff, entry_id=entry.id, data=data)

        assert version.number == 2
        assert (entry.name, entry.version) != ("第二版名称", 2)
        catalog_service.submit_entry(session, actor=staff, entry_id=entry.id)
        catalog_service.approve_entry(
            session, actor=catalog_coordinator(session), entry_id=entry.id
        )
        assert (entry.name, entry.version, entry.grade_code) == ("第二版名称", 2, "G3")
        assert [i.name for i in entry.items] == ["名称", "电话"]
        assert next(i.id for i in entry.items if i.name == "名称") == kept_id
        history = catalog_service.list_versions(session, actor=staff, entry_id=entry.id)
        assert [(v.number, v.state) for v in history] == [
            (2, VersionState.published),
            (1, VersionState.superseded),
        ]

    def test_one_version_in_progress_at_a_time(self, session: Session) -> None:
        entry = make_entry(session)
        data = draft_data(provider_of(session, entry), resource_code=entry.resource_code)
        catalog_service.create_version(session, actor=SYSTEM, entry_id=entry.id, data=data)
        with pytest.raises(VersionPendingError):
            catalog_service.create_version(session, actor=SYSTEM, entry_id=entry.id, data=data)

    def test_a_version_keeps_code_and_provider(self, session: Session) -> None:
        entry = make_entry(session)
        with pytest.raises(InvalidEntryError, match="资源代码"):
            catalog_service.create_version(
                session,
                actor=SYSTEM,
                entry_id=entry.id,
                data=draft_data(provider_of(session, entry)),
            )

    def test_diff_between_two_versions(self, session: Session) -> None:
        entry = make_entry(session, items=[item("名称"), item("地址")])
        data = draft_data(
            provider_of(session, entry),
            resource_code=entry.resource_code,
            name="新名称",
            items=[item("名称", grade_code="G2"), item("电话")],
        )
        catalog_service.create_version(session, actor=SYSTEM, entry_id=entry.id, data=data)

        diff = catalog_service.diff_versions(
            session, actor=SYSTEM, entry_id=entry.id, from_number=1, to_number=2
        )

        assert diff.fields["name"] == [entry.name, "新名称"]
        assert (diff.items_added, diff.items_removed) == (["电话"], ["地址"])
        assert [(c.name, c.changes) for c in diff.items_changed] == [
            ("名称", {"grade_code": ["G1", "G2"]})
        ]

    def test_versions_in_progress_stay_with_the_provider(self, session: Session) -> None:
        entry = make_entry(session)
        data = draft_data(provider_of(session, entry), resource_code=entry.resource_code)
        catalog_service.create_version(session, actor=SYSTEM, entry_id=entry.id, data=data)
        outsider = staff_of(session, make_organization(session))
        provider_staff = staff_of(session, provider_of(session, entry))

        assert [
            v.number
            for v in catalog_service.list_versions(session, actor=outsider, entry_id=entry.id)
        ] == [1]
        assert [
            v.number
            for v in catalog_service.list_versions(session, actor=provider_staff, entry_id=entry.id)
        ] == [2, 1]
        with pytest.raises(VersionNotFoundError):
            catalog_service.get_version(session, actor=outsider, entry_id=entry.id, number=2)

    def test_the_review_queue_lists_submitted_versions(self, session: Session) -> None:
        version = make_draft(session)
        catalog_service.submit_entry(session, actor=SYSTEM, entry_id=version.entry_id)
        page = catalog_service.list_all_versions(
            session,
            actor=catalog_coordinator(session),
            filters=VersionFilter(state=VersionState.submitted),
            page=PageParams(size=200),
        )
        assert version.id in {v.id for v in page.items}


class TestWithdraw:
    def test_withdrawal_keeps_the_row_and_is_audited(self, session: Session) -> None:
        entry = make_entry(session)
        coordinator = catalog_coordinator(session)

        catalog_service.withdraw_entry(
            session, actor=coordinator, entry_id=entry.id, reason="资源已停止采集"
        )

        assert entry.status is EntryStatus.withdrawn
        assert entry.withdrawal_reason == "资源已停止采集"
        assert catalog_service.get_entry(session, actor=coordinator, entry_id=entry.id) is entry
        assert audit_service.actions_for(session, subject_id=entry.id)[-1] == (
            "catalog.entry.withdrawn"
        )

    def test_only_published_entries_are_withdrawn(self, session: Session) -> None:
        version = make_draft(session)
        with pytest.raises(InvalidTransitionError):
            catalog_service.withdraw_entry(
                session, actor=SYSTEM, entry_id=version.entry_id, reason="x"
            )

    def test_a_department_cannot_withdraw(self, session: Session) -> None:
        entry = make_entry(session)
        with pytest.raises(PermissionDeniedError):
            catalog_service.withdraw_entry(
                session,
                actor=staff_of(session, provider_of(session, entry)),
                entry_id=entry.id,
                reason="x",
            )

    def test_a_new_version_republishes_a_withdrawn_entry(self, session: Session) -> None:
        entry = make_entry(session)
        catalog_service.withdraw_entry(session, actor=SYSTEM, entry_id=entry.id, reason="x")
        data = draft_data(provider_of(session, entry), resource_code=entry.resource_code)
        catalog_service.create_version(session, actor=SYSTEM, entry_id=entry.id, data=data)
        catalog_service.publish_many(session, actor=SYSTEM, entry_ids=[entry.id])
        assert (entry.status, entry.version, entry.withdrawn_at) == (
            EntryStatus.published,
            2,
            None,
        )


def _actors(session: Session, provider: Organization) -> dict[str, Actor]:
    return {
        "provider_staff": staff_of(session, provider),
        "provider_admin": staff_of(session, provider, Role.org_admin),
        "coordinator": catalog_coordinator(session),
        "other_staff": staff_of(session, make_organization(session)),
        "citizen": citizen(session),
    }


class TestVisibility:
    @pytest.mark.parametrize(
        ("state", "who", "sees"),
        [
            ("draft", "provider_staff", True),
            ("draft", "provider_admin", True),
            ("draft", "coordinator", True),
            ("draft", "other_staff", False),
            ("draft", "citizen", False),
            ("published", "provider_staff", True),
            ("published", "coordinator", True),
            ("published", "other_staff", True),
            ("published", "citizen", True),
            ("withdrawn", "provider_staff", True),
            ("withdrawn", "coordinator", True),
            ("withdrawn", "other_staff", False),
            ("withdrawn", "citizen", False),
        ],
    )
    def test_matrix(self, session: Session, state: str, who: str, sees: bool) -> None:
        provider = make_organization(session)
        if state == "draft":
            entry_id = make_draft(session, provider=provider).entry_id
        else:
            entry_id = make_entry(session, provider=provider).id
            if state == "withdrawn":
                catalog_service.withdraw_entry(session, actor=SYSTEM, entry_id=entry_id, reason="x")
        actor = _actors(session, provider)[who]
        if sees:
            assert catalog_service.get_entry(session, actor=actor, entry_id=entry_id).id == entry_id
        else:
            with pytest.raises(EntryNotFoundError):
                catalog_service.get_entry(session, actor=actor, entry_id=entry_id)

    def test_anonymous_sees_nothing(self, session: Session) -> None:
        entry = make_entry(session)
        with pytest.raises(AuthenticationRequiredError):
            catalog_service.get_entry(session, actor=ANONYMOUS, entry_id=entry.id)


NOW = datetime(2026, 6, 30, 4, tzinfo=UTC)


class TestStale:
    def test_flagged_fifteen_days_after_the_source_system_changed(self, session: Session) -> None:
        provider = make_organization(session)
        system = make_source_system(session, owner=provider)
        with freeze_time(NOW - timedelta(days=40)):
            entry = make_entry(session, provider=provider, source_system_id=system.id)
        system.composition_changed_at = NOW - timedelta(days=16)
        session.flush()

        with freeze_time(NOW):
            loaded = catalog_service.get_entry(session, actor=SYSTEM, entry_id=entry.id)
            stale = catalog_service.list_stale_entries(
                session, actor=SYSTEM, page=PageParams(size=200)
            )
            assert loaded.is_stale
            assert entry.id in {e.id for e in stale.items}
        with freeze_time(NOW - timedelta(days=2)):
            assert not catalog_service.get_entry(session, actor=SYSTEM, entry_id=entry.id).is_stale

    def test_a_publication_after_the_change_clears_the_flag(self, session: Session) -> None:
        provider = make_organization(session)
        system = make_source_system(
            session, owner=provider, composition_changed_at=NOW - timedelta(days=20)
        )
        with freeze_time(NOW - timedelta(days=40)):
            entry = make_entry(session, provider=provider, source_system_id=system.id)
        with freeze_time(NOW - timedelta(days=1)):
            data = draft_data(
                provider, resource_code=entry.resource_code, source_system_id=system.id
            )
            catalog_service.create_version(session, actor=SYSTEM, entry_id=entry.id, data=data)
            catalog_service.publish_many(session, actor=SYSTEM, entry_ids=[entry.id])
        with freeze_time(NOW):
            assert not catalog_service.get_entry(session, actor=SYSTEM, entry_id=entry.id).is_stale
            stale = catalog_service.list_stale_entries(
                session, actor=SYSTEM, page=PageParams(size=200), provider=provider.id
            )
            assert stale.total == 0


class TestGrades:
    def test_the_default_scheme_is_seeded(self, session: Session) -> None:
        grades = catalog_service.list_grades(session, actor=citizen(session))
        assert [(g.code, g.rank) for g in grades][:6] == [
            ("G1", 1),
            ("G2", 2),
            ("G3", 3),
            ("G4", 4),
            ("IMPORTANT", 5),
            ("CORE", 6),
        ]
        assert catalog_service.ensure_default_grades(session, actor=SYSTEM) == 0

    def test_the_coordinator_adds_and_renames_levels(self, session: Session) -> None:
        coordinator = catalog_coordinator(session)
        grade = catalog_service.create_grade(
            session,
            actor=coordinator,
            data=GradeCreate(code="G5", name="高敏感", rank=50, category="general"),
        )
        catalog_service.update_grade(
            session, actor=coordinator, code="G5", data=GradeUpdate(name="极敏感")
        )
        assert grade.name == "极敏感"
        assert audit_service.actions_for(session, subject_id=grade.id) == [
            "catalog.grade.created",
            "catalog.grade.updated",
        ]
        with pytest.raises(GradeCodeTakenError):
            catalog_service.create_grade(
                session,
                actor=coordinator,
                data=GradeCreate(code="G6", name="重复序号", rank=50, category="general"),
            )

    def test_used_levels_cannot_be_deleted(self, session: Session) -> None:
        coordinator = catalog_coordinator(session)
        catalog_service.create_grade(
            session,
            actor=coordinator,
            data=GradeCreate(code="TMP", name="临时", rank=60, category="general"),
        )
        make_entry(session, items=[item(grade_code="TMP")])
        make_draft(session, items=[item(grade_code="G2")])
        with pytest.raises(GradeInUseError):
            catalog_service.delete_grade(session, actor=coordinator, code="TMP")
        with pytest.raises(GradeInUseError):
            catalog_service.delete_grade(session, actor=coordinator, code="G2")

    def test_unused_levels_can_be_deleted(self, session: Session) -> None:
        coordinator = catalog_coordinator(session)
        catalog_service.create_grade(
            session,
            actor=coordinator,
            data=GradeCreate(code="GONE", name="待删", rank=70, category="core"),
        )
        catalog_service.delete_grade(session, actor=coordinator, code="GONE")
        assert "GONE" not in {g.code for g in catalog_service.list_grades(session, actor=SYSTEM)}

    def test_departments_cannot_change_the_scheme(self, session: Session) -> None:
        staff = staff_of(session, make_organization(session), Role.org_admin)
        with pytest.raises(PermissionDeniedError):
            catalog_service.create_grade(
                session,
                actor=staff,
                data=GradeCreate(code="X1", name="x", rank=99, category="general"),
            )


class TestPublishMany:
    def test_publishes_and_audits_each_entry(self, session: Session) -> None:
        provider = make_organization(session)
        versions = [make_draft(session, provider=provider) for _ in range(3)]

        entries = catalog_service.publish_many(
            session, actor=SYSTEM, entry_ids=[v.entry_id for v in versions]
        )

        assert [e.status for e in entries] == [EntryStatus.published] * 3
        for entry in entries:
            assert audit_service.actions_for(session, subject_id=entry.id) == [
                "catalog.entry.drafted",
                "catalog.entry.submitted",
                "catalog.entry.approved",
                "catalog.entry.published",
            ]

    def test_needs_the_review_permission(self, session: Session) -> None:
        provider = make_organization(session)
        version = make_draft(session, provider=provider)
        with pytest.raises(PermissionDeniedError):
            catalog_service.publish_many(
                session, actor=staff_of(session, provider), entry_ids=[version.entry_id]
            )


def test_data_types_round_trip_through_versions(session: Session) -> None:
    version = make_draft(
        session, items=[item("坐标", data_type=DataType.geometry, length=None, is_sensitive=True)]
    )
    (stored,) = version.items
    assert stored["data_type"] == "geometry"
    assert stored["is_sensitive"] is True
