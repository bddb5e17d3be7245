"""Pages of the registry: directory tree and search, one organization, duties, import."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from smartcity.core.config import Settings
from smartcity.domains.audit import service as audit_service
from smartcity.domains.identity.models import User
from smartcity.domains.identity.permissions import Role
from smartcity.domains.registry.enums import OrganizationKind
from smartcity.domains.registry.models import Organization
from tests.factories.identity import login, make_user
from tests.factories.registry import coordinator_organization, make_organization

HX = {"HX-Request": "true"}
VALID_CREDIT = "11370800004328177J"
BAD_CHECK_CREDIT = "11370800004328177K"


@pytest.fixture
def web(client: TestClient) -> TestClient:
    client.headers["accept"] = "text/html"
    return client


@pytest.fixture
def city(session: Session) -> dict[str, Organization]:
    """济宁市 with a county, two departments and a zone."""
    government = make_organization(
        session, name="济宁市人民政府", kind=OrganizationKind.city_government
    )
    return {
        "city": government,
        "county": make_organization(
            session,
            name="任城区人民政府",
            parent=government,
            kind=OrganizationKind.county_government,
            division_code="370811",
        ),
        "police": make_organization(session, name="济宁市公安局", parent=government),
        "market": make_organization(session, name="济宁市市场监督管理局", parent=government),
        "zone": make_organization(
            session,
            name="济宁高新技术产业开发区管委会",
            parent=government,
            kind=OrganizationKind.development_zone,
        ),
    }


def _as_coordinator(session: Session, web: TestClient, settings: Settings) -> User:
    user = make_user(
        session, organization=coordinator_organization(session), roles=[Role.coordinator]
    )
    login(web, session, user, settings)
    return user


def _as_staff(
    session: Session, web: TestClient, settings: Settings, organization: Organization | None = None
) -> User:
    user = make_user(session, organization=organization or make_organization(session))
    login(web, session, user, settings)
    return user


class TestDirectory:
    def test_anonymous_is_sent_to_login(self, web: TestClient) -> None:
        response = web.get("/registry/organizations", follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=")

    def test_tree_groups_counties_departments_and_zones(
        self, web: TestClient, session: Session, settings: Settings, city: dict[str, Organization]
    ) -> None:
        _as_staff(session, web, settings)
        response = web.get("/registry/organizations")
        assert response.status_code == 200
        text = response.text
        assert "<details" in text
        assert 'class="tree tree-root"' in text
        for name in (
            "济宁市人民政府",
            "任城区人民政府",
            "济宁市公安局",
            "济宁高新技术产业开发区管委会",
        ):
            assert name in text
        counties, departments, zones = (
            text.index(f'class="group-label">{label} ')
            for label in ("县（市、区）", "部门、单位", "功能区")
        )
        assert counties < departments < zones
        assert "导入" not in text.split("</header>")[1].split("<form")[0]

    def test_search_live_filters_by_name_code_and_credit_code(
        self, web: TestClient, session: Session, settings: Settings, city: dict[str, Organization]
    ) -> None:
        _as_staff(session, web, settings)
        response = web.get("/registry/organizations", params={"q": "公安"}, headers=HX)
        assert response.status_code == 200
        assert response.text.lstrip().startswith('<div id="org-results">')
        assert "<html" not in response.text
        assert "济宁市公安局" in response.text
        assert "任城区人民政府" not in response.text
        by_code = web.get("/registry/organizations", params={"q": city["market"].code}, headers=HX)
        assert "济宁市市场监督管理局" in by_code.text
        credit = city["county"].credit_code
        assert credit is not None
        by_credit = web.get("/registry/organizations", params={"q": credit}, headers=HX)
        assert "任城区人民政府" in by_credit.text

    def test_kind_filter(
        self, web: TestClient, session: Session, settings: Settings, city: dict[str, Organization]
    ) -> None:
        _as_staff(session, web, settings)
        response = web.get("/registry/organizations", params={"kind": "county_government", "q": ""})
        assert "<html" in response.text
        results = response.text.split('id="org-results"')[1]
        assert "任城区人民政府" in results
        assert "济宁市公安局" not in results

    def test_no_match_says_so(
        self, web: TestClient, session: Session, settings: Settings, city: dict[str, Organization]
    ) -> None:
        _as_staff(session, web, settings)
        response = web.get("/registry/organizations?q=不存在的单位", headers=HX)
        assert "没有找到匹配的单位" in response.text

    def test_coordinator_gets_import_and_export(
        self, web: TestClient, session: Session, settings: Settings
    ) -> None:
        _as_coordinator(session, web, settings)
        response = web.get("/registry/organizations")
        assert 'href="/registry/organizations/import"' in response.text
        assert "/api/v1/registry/organizations/export?format=xlsx" in response.text


class TestOrganizationDetail:
    def test_shows_fields_parent_children_and_duties(
        self, web: TestClient, session: Session, settings: Settings, city: dict[str, Organization]
    ) -> None:
        coordinator = _as_coordinator(session, web, settings)
        web.post(
            f"/registry/organizations/{city['police'].id}/duties",
            data={"duty": ["44:公安机关", "8:公安部门"]},
        )
        assert coordinator is not None
        response = web.get(f"/registry/organizations/{city['police'].id}")
        assert response.status_code == 200
        text = response.text
        assert "济宁市公安局" in text
        assert "市直部门、单位" in text
        assert f'href="/registry/organizations/{city["city"].id}"' in text
        assert "第44条" in text
        assert "推进智能警务，建设视频监控综合应用平台" in text
        parent = web.get(f"/registry/organizations/{city['city'].id}").text
        assert "任城区人民政府" in parent
        assert "下级单位" in parent

    def test_users_count_and_edit_form_for_the_coordinator(
        self, web: TestClient, session: Session, settings: Settings, city: dict[str, Organization]
    ) -> None:
        make_user(session, organization=city["police"])
        make_user(session, organization=city["police"])
        _as_coordinator(session, web, settings)
        text = web.get(f"/registry/organizations/{city['police'].id}").text
        assert "用户数" in text
        assert f'organization_id={city["police"].id}">2<' in text
        assert 'id="organization-form"' in text
        assert 'id="duty-form"' in text
        assert "真实核发" in text

    def test_staff_sees_no_forms_and_no_other_users_count(
        self, web: TestClient, session: Session, settings: Settings, city: dict[str, Organization]
    ) -> None:
        _as_staff(session, web, settings)
        text = web.get(f"/registry/organizations/{city['police'].id}").text
        assert 'id="organization-form"' not in text
        assert 'id="duty-form"' not in text
        assert "用户数" not in text

    def test_unknown_organization_is_404(
        self, web: TestClient, session: Session, settings: Settings
    ) -> None:
        _as_staff(session, web, settings)
        response = web.get("/registry/organizations/00000000-0000-0000-0000-000000000000")
        assert response.status_code == 404
        assert "单位不存在" in response.text


def _edit_form(organization: Organization, **overrides: Any) -> dict[str, Any]:
    form: dict[str, Any] = {
        "name": organization.name,
        "short_name": "",
        "kind": organization.kind.value,
        "parent_id": str(organization.parent_id or ""),
        "division_code": "370800",
        "zone_code": "",
        "credit_code": organization.credit_code or "",
        "credit_code_override_reason": "",
        "address": "",
        "phone": "",
        "website": "",
        "description": "",
        "sort_order": "0",
        "is_active": "on",
    }
    form.update(overrides)
    return form


class TestOrganizationEdit:
    def test_coordinator_saves_and_it_is_audited(
        self, web: TestClient, session: Session, settings: Settings, city: dict[str, Organization]
    ) -> None:
        _as_coordinator(session, web, settings)
        police = city["police"]
        response = web.post(
            f"/registry/organizations/{police.id}",
            data=_edit_form(police, short_name="市公安局", address="济宁市任城区"),
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        session.refresh(police)
        assert police.short_name == "市公安局"
        assert police.address == "济宁市任城区"
        assert "registry.organization.updated" in audit_service.actions_for(
            session, subject_id=police.id
        )
        assert "修改已保存" in web.get(response.headers["location"]).text

    def test_bad_credit_code_re_renders_and_changes_nothing(
        self, web: TestClient, session: Session, settings: Settings, city: dict[str, Organization]
    ) -> None:
        _as_coordinator(session, web, settings)
        police = city["police"]
        before = police.credit_code
        response = web.post(
            f"/registry/organizations/{police.id}",
            data=_edit_form(police, credit_code=BAD_CHECK_CREDIT, short_name="不应保存"),
        )
        assert response.status_code == 422
        assert "填写豁免理由" in response.text
        assert BAD_CHECK_CREDIT in response.text
        assert "不应保存" in response.text
        session.refresh(police)
        assert police.credit_code == before
        assert police.short_name == ""

    @pytest.mark.parametrize(
        ("overrides", "message"),
        [
            ({"name": "x"}, "至少 2 个字符"),
            ({"division_code": "12"}, "格式不正确"),
            ({"division_code": "999999"}, "不是 GB/T 2260 行政区划代码"),
            ({"kind": "castle"}, "不是允许的取值"),
            ({"sort_order": "first"}, "应为整数"),
        ],
    )
    def test_invalid_fields_are_explained(
        self,
        web: TestClient,
        session: Session,
        settings: Settings,
        city: dict[str, Organization],
        overrides: dict[str, Any],
        message: str,
    ) -> None:
        _as_coordinator(session, web, settings)
        response = web.post(
            f"/registry/organizations/{city['police'].id}",
            data=_edit_form(city["police"], **overrides),
        )
        assert response.status_code == 422
        assert message in response.text

    def test_parent_cycle_is_refused(
        self, web: TestClient, session: Session, settings: Settings, city: dict[str, Organization]
    ) -> None:
        _as_coordinator(session, web, settings)
        response = web.post(
            f"/registry/organizations/{city['city'].id}",
            data=_edit_form(city["city"], parent_id=str(city["police"].id)),
        )
        assert response.status_code == 422
        session.refresh(city["city"])
        assert city["city"].parent_id is None

    def test_coordinator_cannot_be_deactivated(
        self, web: TestClient, session: Session, settings: Settings
    ) -> None:
        _as_coordinator(session, web, settings)
        coordinator = coordinator_organization(session)
        form = _edit_form(coordinator)
        del form["is_active"]
        response = web.post(f"/registry/organizations/{coordinator.id}", data=form)
        assert response.status_code == 422
        assert "平台主管部门不能停用" in response.text

    def test_override_shows_the_badge_and_is_dropped_once_the_code_is_valid(
        self, web: TestClient, session: Session, settings: Settings, city: dict[str, Organization]
    ) -> None:
        _as_coordinator(session, web, settings)
        police = city["police"]
        reason = "2015 年核发的证书编号 NO.123，经登记机关核实"
        overridden = web.post(
            f"/registry/organizations/{police.id}",
            data=_edit_form(
                police, credit_code=BAD_CHECK_CREDIT, credit_code_override_reason=reason
            ),
            follow_redirects=False,
        )
        assert overridden.status_code == 303, overridden.text
        page = web.get(f"/registry/organizations/{police.id}").text
        assert "已豁免校验" in page
        assert reason in page
        assert "registry.organization.credit_code_overridden" in audit_service.actions_for(
            session, subject_id=police.id
        )
        # The form still carries the old reason when the registry corrects the code.
        corrected = web.post(
            f"/registry/organizations/{police.id}",
            data=_edit_form(police, credit_code=VALID_CREDIT, credit_code_override_reason=reason),
            follow_redirects=False,
        )
        assert corrected.status_code == 303
        session.refresh(police)
        assert police.credit_code == VALID_CREDIT
        assert police.credit_code_override_reason == ""
        assert "已豁免校验" not in web.get(f"/registry/organizations/{police.id}").text
        assert (
            audit_service.actions_for(session, subject_id=police.id).count(
                "registry.organization.credit_code_overridden"
            )
            == 1
        )

    def test_staff_cannot_edit(
        self, web: TestClient, session: Session, settings: Settings, city: dict[str, Organization]
    ) -> None:
        _as_staff(session, web, settings, city["police"])
        response = web.post(
            f"/registry/organizations/{city['police'].id}",
            data=_edit_form(city["police"], name="被改名"),
        )
        assert response.status_code == 403
        session.refresh(city["police"])
        assert city["police"].name == "济宁市公安局"

    def test_edit_needs_the_csrf_token(
        self, web: TestClient, session: Session, settings: Settings, city: dict[str, Organization]
    ) -> None:
        _as_coordinator(session, web, settings)
        del web.headers["X-CSRF-Token"]
        response = web.post(
            f"/registry/organizations/{city['police'].id}",
            data=_edit_form(city["police"], name="被改名"),
        )
        assert response.status_code == 403


class TestDuties:
    def test_assign_and_see_gaps_close(
        self, web: TestClient, session: Session, settings: Settings, city: dict[str, Organization]
    ) -> None:
        _as_coordinator(session, web, settings)
        before = web.get("/registry/duties")
        assert before.status_code == 200
        assert 'class="gap"' in before.text
        assert 'badge-bad">无人承担' in before.text
        market = city["market"]
        response = web.post(
            f"/registry/organizations/{market.id}/duties",
            data={"duty": ["50:工商行政管理部门", "50:质量技术监督部门"]},
            follow_redirects=False,
        )
        assert response.status_code == 303
        row = web.get("/registry/duties?article=50").text
        assert "济宁市市场监督管理局" in row
        assert 'badge-bad">无人承担' not in row
        assert "registry.organization.duties_set" in audit_service.actions_for(
            session, subject_id=market.id
        )

    def test_notes_are_kept_when_duties_are_saved_again(
        self, web: TestClient, session: Session, settings: Settings, city: dict[str, Organization]
    ) -> None:
        _as_coordinator(session, web, settings)
        police = city["police"]
        web.post(
            f"/registry/organizations/{police.id}/duties",
            data={"duty": "44:公安机关", "note:44:公安机关": "2019 年机构改革后承接"},
        )
        form = web.get(f"/registry/organizations/{police.id}").text
        assert 'name="note:44:公安机关" value="2019 年机构改革后承接"' in form
        web.post(
            f"/registry/organizations/{police.id}/duties",
            data={
                "duty": ["44:公安机关", "8:公安部门"],
                "note:44:公安机关": "2019 年机构改革后承接",
            },
        )
        assert "2019 年机构改革后承接" in web.get(f"/registry/organizations/{police.id}").text

    def test_unknown_duty_changes_nothing(
        self, web: TestClient, session: Session, settings: Settings, city: dict[str, Organization]
    ) -> None:
        _as_coordinator(session, web, settings)
        response = web.post(
            f"/registry/organizations/{city['police'].id}/duties",
            data={"duty": ["44:公安机关", "99:火星局"]},
        )
        assert response.status_code == 422
        assert "条例" in response.text
        assert "registry.organization.duties_set" not in audit_service.actions_for(
            session, subject_id=city["police"].id
        )

    def test_staff_cannot_assign(
        self, web: TestClient, session: Session, settings: Settings, city: dict[str, Organization]
    ) -> None:
        _as_staff(session, web, settings)
        response = web.post(
            f"/registry/organizations/{city['police'].id}/duties", data={"duty": "44:公安机关"}
        )
        assert response.status_code == 403

    def test_duties_page_needs_login(self, web: TestClient) -> None:
        assert web.get("/registry/duties", follow_redirects=False).status_code == 303


HEADER = "编码,名称,类型,上级编码,统一社会信用代码\n"


class TestImport:
    def test_only_the_coordinator_may_import(
        self, web: TestClient, session: Session, settings: Settings
    ) -> None:
        _as_staff(session, web, settings)
        assert web.get("/registry/organizations/import").status_code == 403
        response = web.post(
            "/registry/organizations/import", files={"file": ("a.csv", HEADER.encode(), "text/csv")}
        )
        assert response.status_code == 403

    def test_form_describes_the_template(
        self, web: TestClient, session: Session, settings: Settings
    ) -> None:
        _as_coordinator(session, web, settings)
        response = web.get("/registry/organizations/import")
        assert response.status_code == 200
        assert "统一社会信用代码" in response.text
        assert "编码*" in response.text

    def test_every_error_is_listed_and_nothing_is_imported(
        self, web: TestClient, session: Session, settings: Settings
    ) -> None:
        _as_coordinator(session, web, settings)
        content = (
            HEADER + "WEB-A,济宁市甲局,市直部门、单位,,\n"
            "WEB-B,济宁市乙局,城堡,,\n"
            f"WEB-C,济宁市丙局,市直部门、单位,,{BAD_CHECK_CREDIT}\n"
        ).encode()
        response = web.post(
            "/registry/organizations/import", files={"file": ("单位.csv", content, "text/csv")}
        )
        assert response.status_code == 422
        text = response.text
        assert "未导入任何数据" in text
        assert 'id="import-errors"' in text
        for header in (
            '<th scope="col">行</th>',
            '<th scope="col">列</th>',
            '<th scope="col">值</th>',
            '<th scope="col">原因</th>',
        ):
            assert header in text
        assert "城堡" in text
        assert "类型无效" in text
        assert BAD_CHECK_CREDIT in text
        assert session.query(Organization).filter(Organization.code.like("WEB-%")).count() == 0

    def test_dry_run_reports_and_writes_nothing(
        self, web: TestClient, session: Session, settings: Settings
    ) -> None:
        _as_coordinator(session, web, settings)
        content = (HEADER + "WEB-D,济宁市丁局,市直部门、单位,,\n").encode()
        response = web.post(
            "/registry/organizations/import",
            data={"dry_run": "on"},
            files={"file": ("a.csv", content, "text/csv")},
        )
        assert response.status_code == 200
        assert "校验通过" in response.text
        assert session.query(Organization).filter_by(code="WEB-D").count() == 0

    def test_import_creates_and_summarises(
        self, web: TestClient, session: Session, settings: Settings
    ) -> None:
        _as_coordinator(session, web, settings)
        content = (
            HEADER + "WEB-E,济宁市戊局,市直部门、单位,,\nWEB-F,戊局下属中心,事业单位,WEB-E,\n"
        ).encode("gb18030")
        response = web.post(
            "/registry/organizations/import",
            files={"file": ("a.csv", content, "text/csv")},
            headers=HX,
        )
        assert response.status_code == 200
        assert response.text.lstrip().startswith('<div id="import-result">')
        assert "导入完成" in response.text
        assert "gb18030" in response.text
        child = session.query(Organization).filter_by(code="WEB-F").one()
        parent = session.query(Organization).filter_by(code="WEB-E").one()
        assert child.parent_id == parent.id

    @pytest.mark.parametrize(
        ("files", "message"),
        [
            (None, "请选择要导入的 XLSX 或 CSV 文件"),
            ({"file": ("a.pdf", b"%PDF-1.4", "application/pdf")}, "只支持 CSV 或 XLSX 文件"),
            ({"file": ("a.xlsx", b"not excel", "application/octet-stream")}, "不是有效的 Excel"),
        ],
    )
    def test_unreadable_files_are_explained(
        self, web: TestClient, session: Session, settings: Settings, files: Any, message: str
    ) -> None:
        _as_coordinator(session, web, settings)
        response = web.post("/registry/organizations/import", data={"x": "1"}, files=files)
        assert response.status_code == 422
        assert message in response.text
