"""Pages of the information systems registry and the city cloud."""

from __future__ import annotations

from datetime import UTC, date, datetime

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from smartcity.core.config import Settings
from smartcity.core.security import SYSTEM
from smartcity.core.time import freeze_time
from smartcity.domains.identity.permissions import Role
from smartcity.domains.registry import service as registry_service
from smartcity.domains.registry.enums import ChangeRequestStatus, SystemLifecycle
from smartcity.domains.registry.models import InformationSystem, Organization
from smartcity.domains.registry.schemas import LegalBasisUpdate, SystemChangeCreate
from tests.factories.identity import login, make_user
from tests.factories.registry import coordinator_organization
from tests.factories.systems import (
    make_department,
    make_legal_basis,
    make_system,
    pending_requests,
    preexisting,
)

HTMX = {"HX-Request": "true"}
HTML = {"accept": "text/html"}
TODAY = datetime(2026, 10, 12, 4, 0, tzinfo=UTC)


def _as(
    client: TestClient,
    session: Session,
    settings: Settings,
    role: Role,
    organization: Organization | None = None,
) -> None:
    if role is Role.coordinator:
        organization = coordinator_organization(session)
    login(client, session, make_user(session, organization=organization, roles=[role]), settings)


def _register_form(owner: Organization, **values: str) -> dict[str, str]:
    form = {
        "owner_organization_id": str(owner.id),
        "code": "JN-WEB-001",
        "name": "城市管理案件系统",
        "purpose": "数字化城市管理案件受理与派遣",
        "lifecycle_status": "building",
        "data_holdings": "城市部件信息\n城管案件信息\n",
        "resources_used": "",
        "user_count": "300",
        "data_volume_gb": "120.5",
        "contact_name": "李工",
        "contact_role": "运维负责人",
        "contact_phone": "0537-0000002",
        "cloud_status": "deployed",
        "protection_level": "3",
        "backup_arrangement": "city_cloud_dr",
    }
    form.update(values)
    return form


class TestSystemList:
    def test_anonymous_visitors_are_sent_to_login(self, client: TestClient) -> None:
        response = client.get("/registry/systems", headers=HTML, follow_redirects=False)
        assert response.status_code == 303, response.text
        assert response.headers["location"].startswith("/login?next=")

    def test_lists_systems_for_anyone_signed_in(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        make_system(session, name="全民健康信息平台")
        _as(client, session, settings, Role.citizen)
        response = client.get("/registry/systems", params={"q": "全民健康"})
        assert response.status_code == 200, response.text
        assert "全民健康信息平台" in response.text
        assert "<html" in response.text
        assert "登记信息系统" not in response.text

    def test_filters_answer_htmx_with_the_results_only(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        make_system(session, name="社会保障卡管理系统", **preexisting())
        make_system(session, name="另一个已上云系统")
        _as(client, session, settings, Role.org_staff, make_department(session))
        response = client.get(
            "/registry/systems", params={"cloud_status": "migrating", "q": ""}, headers=HTMX
        )
        assert response.status_code == 200, response.text
        assert "<html" not in response.text
        assert 'id="system-results"' in response.text
        assert "社会保障卡管理系统" in response.text
        assert "另一个已上云系统" not in response.text


class TestRegisterPages:
    def test_an_administrator_registers_a_system_of_their_organization(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        owner = make_department(session)
        _as(client, session, settings, Role.org_admin, owner)
        assert "登记信息系统" in client.get("/registry/systems/new").text

        response = client.post(
            "/registry/systems/new", data=_register_form(owner), follow_redirects=False
        )

        assert response.status_code == 303, response.text
        system = registry_service.find_information_system_by_code(session, "JN-WEB-001")
        assert system is not None
        assert response.headers["location"] == f"/registry/systems/{system.id}?saved=registered"
        assert system.data_holdings == ["城市部件信息", "城管案件信息"]
        assert system.contacts == [{"name": "李工", "role": "运维负责人", "phone": "0537-0000002"}]
        assert system.data_volume_gb == 120.5
        page = client.get(response.headers["location"])
        assert "登记申请已提交" in page.text
        assert "登记尚未审核通过" in page.text

    def test_a_new_system_in_use_off_the_cloud_comes_back_with_the_reason(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        owner = make_department(session)
        _as(client, session, settings, Role.org_admin, owner)
        response = client.post(
            "/registry/systems/new",
            data=_register_form(owner, lifecycle_status="in_use", cloud_status="not_migrated"),
        )
        assert response.status_code == 422
        assert "第二十二条" in response.text
        assert 'id="cloud_status-error"' in response.text
        assert 'value="城市管理案件系统"' in response.text
        assert registry_service.find_information_system_by_code(session, "JN-WEB-001") is None

    def test_shape_errors_come_back_next_to_their_fields(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        owner = make_department(session)
        _as(client, session, settings, Role.org_admin, owner)
        response = client.post(
            "/registry/systems/new", data=_register_form(owner, code="", protection_level="9")
        )
        assert response.status_code == 422
        assert 'id="code-error"' in response.text
        assert 'id="protection_level-error"' in response.text

    def test_staff_cannot_open_the_form(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        _as(client, session, settings, Role.org_staff, make_department(session))
        assert client.get("/registry/systems/new").status_code == 403


class TestSystemPage:
    def test_shows_the_difference_against_the_approved_description(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        owner = make_department(session)
        system = make_system(session, owner=owner, user_count=10)
        _as(client, session, settings, Role.org_admin, owner)

        response = client.post(
            f"/registry/systems/{system.id}/edit",
            data={
                "name": system.name,
                "purpose": "扩展到全市使用",
                "user_count": "800",
                "data_volume_gb": "0",
                "cloud_status": "deployed",
                "protection_level": "2",
                "backup_arrangement": "none",
            },
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        page = client.get(response.headers["location"])

        assert "与已审核描述的差异" in page.text
        assert '<tr data-field="user_count">' in page.text
        assert "<del>10</del>" in page.text
        assert "<ins><mark>800</mark></ins>" in page.text
        assert "未审核修改" in page.text

    def test_an_article_repealed_since_it_was_cited_stays_on_the_edit_form(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        owner = make_department(session)
        basis = make_legal_basis(session)
        system = make_system(session, owner=owner, legal_basis_ids=[basis.id])
        registry_service.update_legal_basis(
            session,
            actor=SYSTEM,
            legal_basis_id=basis.id,
            data=LegalBasisUpdate(repealed_date=date(2020, 1, 1)),
        )
        _as(client, session, settings, Role.org_admin, owner)
        form = client.get(f"/registry/systems/{system.id}/edit").text
        assert f'value="{basis.id}" checked' in form
        assert "（已废止）" in form

    def test_change_requests_show_to_the_owner_and_not_to_others(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        owner = make_department(session)
        system = make_system(session, owner=owner)
        request = registry_service.propose_system_change(
            session,
            actor=SYSTEM,
            system_id=system.id,
            data=SystemChangeCreate(kind="retirement", reason="业务并入省级平台"),
        )
        registry_service.reject_system_change(
            session, actor=SYSTEM, change_request_id=request.id, opinion="请先完成数据迁移"
        )
        _as(client, session, settings, Role.org_staff, owner)
        mine = client.get(f"/registry/systems/{system.id}").text
        assert "业务并入省级平台" in mine
        assert "请先完成数据迁移" in mine
        _as(client, session, settings, Role.org_admin, make_department(session))
        theirs = client.get(f"/registry/systems/{system.id}").text
        assert "业务并入省级平台" not in theirs
        assert "修改描述" not in theirs

    def test_an_unknown_system_is_404(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        _as(client, session, settings, Role.citizen)
        response = client.get(f"/registry/systems/{make_department(session).id}")
        assert response.status_code == 404

    def test_the_owner_proposes_going_into_use(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        owner = make_department(session)
        system = make_system(session, owner=owner, lifecycle_status=SystemLifecycle.building)
        _as(client, session, settings, Role.org_admin, owner)
        form = client.get(f"/registry/systems/{system.id}/changes/new")
        assert form.status_code == 200
        assert 'value="go_live" selected' in form.text

        response = client.post(
            f"/registry/systems/{system.id}/changes/new",
            data={"kind": "go_live", "reason": "已通过验收"},
            follow_redirects=False,
        )

        assert response.status_code == 303, response.text
        [request] = pending_requests(session, system)
        assert request.reason == "已通过验收"
        assert system.lifecycle_status is SystemLifecycle.building
        again = client.post(f"/registry/systems/{system.id}/changes/new", data={"kind": "go_live"})
        assert again.status_code == 422
        assert "已有同类待审核" in again.text


class TestReviewQueue:
    def test_only_the_coordinator_reviews(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        _as(client, session, settings, Role.org_admin, make_department(session))
        assert client.get("/registry/systems/reviews").status_code == 403

    def test_the_coordinator_approves_and_returns_with_an_opinion(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        first = make_system(session, approved=False, name="待审核系统甲")
        second = make_system(session, approved=False, name="待审核系统乙")
        [approve] = pending_requests(session, first)
        [reject] = pending_requests(session, second)
        _as(client, session, settings, Role.coordinator)
        queue = client.get("/registry/systems/reviews")
        assert "待审核系统甲" in queue.text
        assert "待审核系统乙" in queue.text

        approved = client.post(
            f"/registry/systems/change-requests/{approve.id}/approve",
            data={"opinion": "同意"},
            follow_redirects=False,
        )
        missing_opinion = client.post(
            f"/registry/systems/change-requests/{reject.id}/reject", data={"opinion": ""}
        )
        rejected = client.post(
            f"/registry/systems/change-requests/{reject.id}/reject",
            data={"opinion": "请补充法律依据"},
            follow_redirects=False,
        )

        assert approved.status_code == 303
        assert approved.headers["location"] == "/registry/systems/reviews?done=approved"
        assert approve.status is ChangeRequestStatus.approved
        assert missing_opinion.status_code == 422
        assert "退回变更申请须填写审核意见" in missing_opinion.text
        assert rejected.status_code == 303
        assert reject.status is ChangeRequestStatus.rejected
        assert reject.opinion == "请补充法律依据"


class TestCloudPages:
    def test_dashboard_passes_chart_data_as_json_not_script(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        owner = make_department(session, name="</script><script>alert(1)</script>局")
        make_system(session, owner=owner)
        _as(client, session, settings, Role.citizen)

        response = client.get("/registry/cloud")

        assert response.status_code == 200, response.text
        assert '<script type="application/json" id="migration-chart-data">' in response.text
        assert "<script>alert(1)" not in response.text
        assert "/static/js/charts.js" in response.text
        assert "/static/vendor/chart-4.6.1.umd.min.js" in response.text
        assert 'data-chart-key="counties"' in response.text

    def test_overdue_report_page(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        owner = make_department(session, name="济宁市逾期测试局")
        make_system(session, owner=owner, name="迟迟未迁的系统", **preexisting())
        basis = make_legal_basis(session)
        make_system(
            session,
            owner=owner,
            name="豁免的涉密业务系统",
            cloud_status="exempt",
            exemption_legal_basis_id=basis.id,
            exemption_reason="涉密",
        )
        _as(client, session, settings, Role.org_staff, owner)
        with freeze_time(TODAY):
            response = client.get("/registry/cloud/overdue")
        assert response.status_code == 200, response.text
        assert "迟迟未迁的系统" in response.text
        assert "豁免的涉密业务系统" not in response.text
        assert "/api/v1/registry/cloud/overdue-report?format=xlsx" in response.text
        assert session.query(InformationSystem).count() >= 2
