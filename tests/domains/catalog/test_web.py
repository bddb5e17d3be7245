"""Pages of the resource catalog: search, one entry, drafting, review, stale list, import."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook
from sqlalchemy.orm import Session

from smartcity.core.config import Settings
from smartcity.core.security import SYSTEM
from smartcity.core.time import freeze_time
from smartcity.domains.catalog import service as catalog_service
from smartcity.domains.catalog import workbook
from smartcity.domains.catalog.enums import EntryStatus, ShareType, VersionState
from smartcity.domains.catalog.models import CatalogEntry
from smartcity.domains.identity.permissions import Role
from smartcity.domains.registry.models import Organization
from tests.factories.catalog import (
    draft_data,
    item,
    make_draft,
    make_entry,
    make_legal_basis,
    make_source_system,
)
from tests.factories.identity import login, make_user
from tests.factories.registry import coordinator_organization, make_organization

HTMX = {"HX-Request": "true"}
HTML = {"accept": "text/html"}


def _as(
    client: TestClient,
    session: Session,
    settings: Settings,
    role: Role,
    organization: Organization | None = None,
) -> str:
    if role is Role.coordinator:
        organization = coordinator_organization(session)
    user = make_user(session, organization=organization, roles=[role])
    return login(client, session, user, settings)


def _form(provider: Organization, **values: Any) -> dict[str, Any]:
    """A valid new-entry form with two information items."""
    form: dict[str, Any] = {
        "provider_organization_id": str(provider.id),
        "classification_kind": "departmental",
        "category_code": "C.09.01",
        "category_name": "交通出行",
        "resource_code": "C.09.01/000777",
        "name": "城市公交站点数据",
        "abstract": "全市公交站点的名称、位置和途经线路。",
        "format": "database",
        "update_cycle": "monthly",
        "release_date": "2026-03-01",
        "related_resource_codes": "",
        "share_type": "unconditional",
        "share_condition": "",
        "share_mode": "api",
        "open_type": "closed",
        "items-0-name": "站点名称",
        "items-0-data_type": "string",
        "items-0-length": "100",
        "items-0-description": "站点的中文名称",
        "items-0-grade_code": "G1",
        "items-0-identifies": "none",
        "items-3-name": "站点坐标",
        "items-3-data_type": "geometry",
        "items-3-length": "",
        "items-3-description": "",
        "items-3-grade_code": "G2",
        "items-3-identifies": "none",
        "action": "save",
    }
    form.update(values)
    return {key: value for key, value in form.items() if value is not None}


def _entry(session: Session, code: str) -> CatalogEntry | None:
    return catalog_service.find_entry_by_code(session, code)


def _conditional(session: Session, provider: Organization, **values: Any) -> CatalogEntry:
    basis = make_legal_basis(session, title="《济宁市公共数据管理办法》", article="第十二条")
    return make_entry(
        session,
        provider=provider,
        share_type=ShareType.conditional,
        share_condition="仅限公安、交通部门履职使用",
        legal_basis_ids=[basis.id],
        **values,
    )


class TestSearchPage:
    def test_anonymous_visitors_are_sent_to_login(self, client: TestClient) -> None:
        response = client.get("/catalog", headers=HTML, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=")

    def test_finds_two_character_words_with_facets_and_the_nav_link(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        provider = make_organization(session, name="济宁市交通运输局")
        make_entry(session, provider=provider, name="城市公交线路数据")
        make_entry(session, provider=provider, name="空气质量小时数据")
        make_draft(session, provider=provider, name="公交草稿数据")
        _as(client, session, settings, Role.citizen)

        response = client.get("/catalog", params={"q": "公交"})

        assert response.status_code == 200, response.text
        text = response.text
        assert "<html" in text
        assert 'href="/catalog" aria-current="page"' in text
        assert "城市<mark>公交</mark>线路数据" in text
        assert "空气质量小时数据" not in text
        assert "公交草稿数据" not in text
        assert "济宁市交通运输局" in text
        assert 'data-facet="share_type"' in text
        assert "导出本次检索结果" in text
        assert "/api/v1/catalog/entries/export?q=" in text
        assert "新建目录条目" not in text

    def test_a_facet_narrows_and_htmx_gets_the_results_only(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        provider = make_organization(session)
        make_entry(session, provider=provider, name="城市公交线路数据")
        _conditional(session, provider, name="公交卡交易数据")
        _as(client, session, settings, Role.org_staff, provider)

        everything = client.get("/catalog", params={"q": "公交"}, headers=HTMX)
        assert "<html" not in everything.text
        assert 'id="catalog-results"' in everything.text
        assert "<mark>公交</mark>卡交易数据" in everything.text
        assert "?q=%E5%85%AC%E4%BA%A4&amp;share_type=conditional" in everything.text

        narrowed = client.get(
            "/catalog", params={"q": "公交", "share_type": "conditional"}, headers=HTMX
        )
        assert "<mark>公交</mark>卡交易数据" in narrowed.text
        assert "线路数据" not in narrowed.text
        assert 'aria-checked="true"' in narrowed.text
        assert '<input type="hidden" name="share_type" value="conditional"' in narrowed.text
        export = client.get("/api/v1/catalog/entries/export?q=公交&share_type=conditional")
        assert export.status_code == 200
        assert (
            'href="/api/v1/catalog/entries/export?q=%E5%85%AC%E4%BA%A4&amp;share_type=conditional"'
            in narrowed.text
        )
        exported = load_workbook(io.BytesIO(export.content), read_only=True)
        column = [c.header for c in workbook.RESOURCE_COLUMNS].index("资源名称")
        sheet = exported[workbook.RESOURCE_SHEET]
        names = [row[column] for row in sheet.iter_rows(min_row=2, values_only=True)]
        assert names == ["公交卡交易数据"]

    def test_no_hit_says_so_in_chinese(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        _as(client, session, settings, Role.citizen)
        response = client.get("/catalog", params={"q": "不存在的资源名称"})
        assert response.status_code == 200
        assert "没有找到与“不存在的资源名称”匹配的已发布信息资源" in response.text

    def test_bad_filters_are_a_problem_page(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        _as(client, session, settings, Role.citizen)
        response = client.get("/catalog", params={"share_type": "sometimes"})
        assert response.status_code == 422

    def test_the_blank_template_downloads(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        _as(client, session, settings, Role.citizen)
        response = client.get("/catalog/template.xlsx")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith(workbook.MEDIA_TYPE)
        sheets = load_workbook(io.BytesIO(response.content), read_only=True).sheetnames
        assert workbook.RESOURCE_SHEET in sheets
        assert workbook.ITEM_SHEET in sheets


class TestEntryPage:
    def test_shows_metadata_items_grades_and_legal_bases(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        provider = make_organization(session, name="济宁市公安局")
        system = make_source_system(session, owner=provider)
        entry = _conditional(
            session,
            provider,
            name="机动车登记数据",
            source_system_id=system.id,
            items=[
                item("车牌号码", grade_code="G3", identifies="person", is_personal=True),
                item("车辆类型", grade_code="G1"),
            ],
        )
        _as(client, session, settings, Role.citizen)

        response = client.get(f"/catalog/entries/{entry.id}")

        assert response.status_code == 200, response.text
        text = response.text
        for label in ("资源分类", "类目", "资源代码", "提供方", "摘要", "格式", "更新周期"):
            assert f"<dt>{label}</dt>" in text
        assert f'href="/registry/organizations/{provider.id}">济宁市公安局</a>' in text
        assert f'href="/registry/systems/{system.id}"' in text
        assert "《济宁市公共数据管理办法》第十二条" in text
        assert "有条件共享" in text
        assert "仅限公安、交通部门履职使用" in text
        assert "车牌号码" in text
        assert 'class="badge grade grade-g3"' in text
        assert "自然人" in text
        assert "含个人信息" in text
        assert "来源系统数据构成已变更" not in text
        assert "创建新版本" not in text  # a citizen drafts nothing

    def test_a_stale_entry_is_flagged(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        now = datetime(2026, 6, 30, 4, tzinfo=UTC)
        provider = make_organization(session)
        system = make_source_system(
            session, owner=provider, composition_changed_at=now - timedelta(days=20)
        )
        with freeze_time(now - timedelta(days=30)):
            entry = make_entry(session, provider=provider, source_system_id=system.id)
        _as(client, session, settings, Role.org_staff, provider)
        with freeze_time(now):
            page = client.get(f"/catalog/entries/{entry.id}")
            stale = client.get("/catalog/stale")
        assert "来源系统数据构成已变更超过15日，目录尚未更新" in page.text
        assert entry.name in stale.text
        assert "20 天" in stale.text

    def test_drafts_are_invisible_to_other_organizations(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        provider = make_organization(session)
        version = make_draft(session, provider=provider)
        _as(client, session, settings, Role.org_staff, make_organization(session))
        assert client.get(f"/catalog/entries/{version.entry_id}").status_code == 404
        assert client.get(f"/catalog/entries/{version.entry_id}/edit").status_code == 404

    def test_a_published_entry_offers_a_new_version_not_an_edit(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        provider = make_organization(session)
        entry = make_entry(session, provider=provider)
        _as(client, session, settings, Role.org_staff, provider)

        page = client.get(f"/catalog/entries/{entry.id}").text
        assert f'href="/catalog/entries/{entry.id}/versions/new"' in page
        assert f'href="/catalog/entries/{entry.id}/edit"' not in page
        assert client.get(f"/catalog/entries/{entry.id}/edit").status_code == 409
        response = client.post(
            f"/catalog/entries/{entry.id}/edit", data=_form(provider, name="改名")
        )
        assert response.status_code == 409
        session.refresh(entry)
        assert entry.name != "改名"

    def test_versions_and_their_difference(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        provider = make_organization(session)
        entry = make_entry(session, provider=provider, name="公交线路数据")
        data = draft_data(provider, resource_code=entry.resource_code, name="城市公交线路数据")
        catalog_service.create_version(session, actor=SYSTEM, entry_id=entry.id, data=data)
        catalog_service.publish_many(session, actor=SYSTEM, entry_ids=[entry.id])
        _as(client, session, settings, Role.citizen)

        page = client.get(f"/catalog/entries/{entry.id}").text
        assert 'data-version="2"' in page
        assert 'data-version="1"' in page
        diff = client.get(
            f"/catalog/entries/{entry.id}/diff", params={"from": 1, "to": 2}, headers=HTMX
        )
        assert diff.status_code == 200
        assert "<html" not in diff.text
        assert "<del>公交线路数据</del>" in diff.text
        assert "<ins><mark>城市公交线路数据</mark></ins>" in diff.text


class TestDrafting:
    def test_staff_draft_an_entry_with_two_items_and_submit_it(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        provider = make_organization(session)
        _as(client, session, settings, Role.org_staff, provider)
        form = client.get("/catalog/entries/new")
        assert form.status_code == 200
        assert 'id="item-row-template"' in form.text
        assert "/static/js/catalog.js" in form.text

        response = client.post(
            "/catalog/entries/new", data=_form(provider, action="submit"), follow_redirects=False
        )

        assert response.status_code == 303, response.text
        entry = _entry(session, "C.09.01/000777")
        assert entry is not None
        assert response.headers["location"] == f"/catalog/entries/{entry.id}?saved=submitted"
        versions = catalog_service.list_versions(session, actor=SYSTEM, entry_id=entry.id)
        assert [(v.number, v.state) for v in versions] == [(1, VersionState.submitted)]
        assert [i["name"] for i in versions[0].items] == ["站点名称", "站点坐标"]
        assert versions[0].grade_code == "G2"
        page = client.get(response.headers["location"]).text
        assert "已提交平台主管部门审核" in page

    def test_a_department_drafts_only_for_itself(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        provider = make_organization(session)
        other = make_organization(session)
        _as(client, session, settings, Role.org_staff, provider)
        response = client.post("/catalog/entries/new", data=_form(other), follow_redirects=False)
        assert response.status_code == 303
        entry = _entry(session, "C.09.01/000777")
        assert entry is not None
        assert entry.provider_organization_id == provider.id

    def test_rule_errors_come_back_per_field_and_nothing_is_saved(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        provider = make_organization(session)
        _as(client, session, settings, Role.org_staff, provider)

        response = client.post(
            "/catalog/entries/new",
            data=_form(provider, share_type="conditional", share_condition=""),
        )

        assert response.status_code == 422
        assert 'id="legal_basis_ids-error"' in response.text
        assert "必须引用至少一条已登记的法律法规依据" in response.text
        assert 'id="share_condition-error"' in response.text
        assert 'value="城市公交站点数据"' in response.text
        assert 'name="items-1-name" value="站点坐标"' in response.text
        assert _entry(session, "C.09.01/000777") is None

    def test_shape_errors_show_in_their_item_row(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        provider = make_organization(session)
        _as(client, session, settings, Role.org_staff, provider)

        response = client.post(
            "/catalog/entries/new",
            data=_form(
                provider,
                **{"resource_code": "错误代码", "items-3-name": "", "items-3-description": "坐标"},
            ),
        )

        assert response.status_code == 422
        assert 'id="resource_code-error"' in response.text
        assert "信息项第 2 行“名称”：必填" in response.text
        assert _entry(session, "C.09.01/000777") is None

    def test_submitting_needs_an_item(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        provider = make_organization(session)
        _as(client, session, settings, Role.org_staff, provider)
        form = {
            k: v for k, v in _form(provider, action="submit").items() if not k.startswith("items-")
        }
        response = client.post("/catalog/entries/new", data=form)
        assert response.status_code == 422
        assert "提交审核的目录条目至少应有一个信息项" in response.text
        assert _entry(session, "C.09.01/000777") is None

    def test_edit_a_draft_then_submit_from_the_entry_page(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        provider = make_organization(session)
        version = make_draft(session, provider=provider, name="旧名称")
        _as(client, session, settings, Role.org_staff, provider)

        edit = client.get(f"/catalog/entries/{version.entry_id}/edit")
        assert edit.status_code == 200
        assert 'value="旧名称"' in edit.text
        response = client.post(
            f"/catalog/entries/{version.entry_id}/edit",
            data=_form(provider, name="新名称"),
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        page = client.get(f"/catalog/entries/{version.entry_id}").text
        assert "新名称" in page
        assert "提交审核" in page

        submitted = client.post(
            f"/catalog/entries/{version.entry_id}/submit", follow_redirects=False
        )
        assert submitted.status_code == 303
        assert client.get(f"/catalog/entries/{version.entry_id}/edit").status_code == 409

    def test_a_new_version_leaves_the_published_entry_alone(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        provider = make_organization(session)
        entry = make_entry(session, provider=provider, name="公交线路数据")
        _as(client, session, settings, Role.org_staff, provider)

        form = client.get(f"/catalog/entries/{entry.id}/versions/new")
        assert form.status_code == 200
        assert 'value="公交线路数据"' in form.text
        response = client.post(
            f"/catalog/entries/{entry.id}/versions/new",
            data=_form(provider, name="城市公交线路数据"),
            follow_redirects=False,
        )

        assert response.status_code == 303, response.text
        session.refresh(entry)
        assert (entry.name, entry.version, entry.status) == (
            "公交线路数据",
            1,
            EntryStatus.published,
        )
        page = client.get(f"/catalog/entries/{entry.id}").text
        assert "正在编制" in page
        assert f'href="/catalog/entries/{entry.id}/edit"' in page
        assert client.get(f"/catalog/entries/{entry.id}/versions/new").status_code == 409

    def test_the_coordinator_does_not_draft(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        _as(client, session, settings, Role.coordinator)
        assert client.get("/catalog/entries/new").status_code == 403

    def test_posts_need_the_csrf_token(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        provider = make_organization(session)
        _as(client, session, settings, Role.org_staff, provider)
        del client.headers["X-CSRF-Token"]
        response = client.post("/catalog/entries/new", data=_form(provider))
        assert response.status_code == 403
        assert _entry(session, "C.09.01/000777") is None


class TestReview:
    def _submitted(self, session: Session, provider: Organization, **values: Any) -> CatalogEntry:
        version = make_draft(session, provider=provider, **values)
        catalog_service.submit_entry(session, actor=SYSTEM, entry_id=version.entry_id)
        entry = session.get(CatalogEntry, version.entry_id)
        assert entry is not None
        return entry

    def test_the_queue_is_the_coordinators(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        provider = make_organization(session)
        entry = self._submitted(session, provider, name="待审核的资源")
        _as(client, session, settings, Role.org_staff, provider)
        assert client.get("/catalog/reviews").status_code == 403
        assert client.get(f"/catalog/reviews/{entry.id}").status_code == 403

        _as(client, session, settings, Role.coordinator)
        queue = client.get("/catalog/reviews")
        assert queue.status_code == 200
        assert f'href="/catalog/reviews/{entry.id}"' in queue.text
        assert "待审核的资源" in queue.text

    def test_return_needs_an_opinion(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        entry = self._submitted(session, make_organization(session))
        _as(client, session, settings, Role.coordinator)

        response = client.post(f"/catalog/reviews/{entry.id}/return", data={"opinion": "  "})

        assert response.status_code == 422
        assert 'id="opinion-error"' in response.text
        assert "退回时必须填写审核意见" in response.text
        version = catalog_service.open_version(session, entry.id)
        assert version is not None
        assert version.state is VersionState.submitted

    def test_return_with_an_opinion_reaches_the_department(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        provider = make_organization(session)
        entry = self._submitted(session, provider)
        _as(client, session, settings, Role.coordinator)
        response = client.post(
            f"/catalog/reviews/{entry.id}/return",
            data={"opinion": "请补充字段说明"},
            follow_redirects=False,
        )
        assert response.status_code == 303
        assert response.headers["location"] == "/catalog/reviews?done=returned"

        _as(client, session, settings, Role.org_staff, provider)
        page = client.get(f"/catalog/entries/{entry.id}").text
        assert "已被退回修改" in page
        assert "请补充字段说明" in page
        drafts = client.get("/catalog/drafts", params={"state": "returned"}, headers=HTMX)
        assert "<html" not in drafts.text
        assert "请补充字段说明" in drafts.text

    def test_a_new_version_is_reviewed_against_the_published_one_and_approved(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        provider = make_organization(session)
        entry = make_entry(session, provider=provider, name="公交线路数据")
        data = draft_data(provider, resource_code=entry.resource_code, name="城市公交线路数据")
        catalog_service.create_version(session, actor=SYSTEM, entry_id=entry.id, data=data)
        catalog_service.submit_entry(session, actor=SYSTEM, entry_id=entry.id)
        _as(client, session, settings, Role.coordinator)

        page = client.get(f"/catalog/reviews/{entry.id}")
        assert page.status_code == 200
        assert "与现行第 1 版的差异" in page.text
        assert "VersionState" not in page.text  # the page's own names leave the footer alone
        assert "<del>公交线路数据</del>" in page.text

        response = client.post(
            f"/catalog/reviews/{entry.id}/approve", data={"opinion": ""}, follow_redirects=False
        )
        assert response.status_code == 303
        session.refresh(entry)
        assert (entry.name, entry.version) == ("城市公交线路数据", 2)
        hits = client.get("/catalog", params={"q": "城市公交"}).text
        assert f'href="/catalog/entries/{entry.id}"' in hits

    def test_nothing_to_review_is_a_conflict(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        entry = make_entry(session)
        _as(client, session, settings, Role.coordinator)
        assert client.get(f"/catalog/reviews/{entry.id}").status_code == 409
        response = client.post(f"/catalog/reviews/{entry.id}/approve", data={"opinion": ""})
        assert response.status_code == 409


def _workbook(resources: list[dict[str, Any]], items: list[dict[str, Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = workbook.RESOURCE_SHEET
    sheet.append([column.header for column in workbook.RESOURCE_COLUMNS])
    for row in resources:
        sheet.append([row.get(column.header) for column in workbook.RESOURCE_COLUMNS])
    items_sheet = book.create_sheet(workbook.ITEM_SHEET)
    items_sheet.append([column.header for column in workbook.ITEM_COLUMNS])
    for row in items:
        items_sheet.append([row.get(column.header) for column in workbook.ITEM_COLUMNS])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _resource(provider: Organization, code: str, **values: Any) -> dict[str, Any]:
    row = {
        "资源分类": "部门信息资源",
        "类目编码": code.split("/")[0],
        "类目名称": "交通出行",
        "资源代码": code,
        "资源名称": "出租车营运数据",
        "提供方": provider.name,
        "资源摘要": "出租车的营运里程和载客记录。",
        "资源格式": "数据库",
        "更新周期": "每日",
        "共享类型": "无条件共享",
        "共享方式": "接口",
    }
    row.update(values)
    return row


class TestImport:
    @pytest.fixture
    def provider(self, session: Session) -> Organization:
        return make_organization(session, name="济宁市交通运输局测试")

    def test_a_workbook_with_errors_lists_every_problem_and_imports_nothing(
        self, client: TestClient, session: Session, settings: Settings, provider: Organization
    ) -> None:
        _as(client, session, settings, Role.org_staff, provider)
        assert client.get("/catalog/import").status_code == 200
        data = _workbook(
            [
                _resource(provider, "C.09.02/000001"),
                _resource(provider, "C.09.02/000002", 共享类型="有条件共享", 共享条件="履职"),
            ],
            [
                {
                    "资源代码": "C.09.02/000001",
                    "信息项名称": "车牌号码",
                    "数据类型": "字符型",
                    "分级": "G2",
                },
                {
                    "资源代码": "C.09.02/000002",
                    "信息项名称": "里程",
                    "数据类型": "数值型",
                    "分级": "G1",
                },
                {
                    "资源代码": "C.09.02/999999",
                    "信息项名称": "孤立项",
                    "数据类型": "字符型",
                    "分级": "G1",
                },
            ],
        )

        response = client.post(
            "/catalog/import",
            files={"file": ("catalog.xlsx", data, workbook.MEDIA_TYPE)},
            data={"dry_run": ""},
        )

        assert response.status_code == 422, response.text
        assert 'id="import-errors"' in response.text
        assert "共享依据" in response.text
        assert "C.09.02/999999" in response.text
        assert "未导入任何数据" in response.text
        assert _entry(session, "C.09.02/000001") is None

    def test_a_dry_run_reports_and_writes_nothing(
        self, client: TestClient, session: Session, settings: Settings, provider: Organization
    ) -> None:
        _as(client, session, settings, Role.org_staff, provider)
        data = _workbook(
            [_resource(provider, "C.09.02/000003")],
            [
                {
                    "资源代码": "C.09.02/000003",
                    "信息项名称": "车牌号码",
                    "数据类型": "字符型",
                    "分级": "G2",
                }
            ],
        )
        response = client.post(
            "/catalog/import",
            files={"file": ("catalog.xlsx", data, workbook.MEDIA_TYPE)},
            data={"dry_run": "on"},
            headers=HTMX,
        )
        assert response.status_code == 200, response.text
        assert "<html" not in response.text
        assert "校验通过（试导入，未写入任何数据）" in response.text
        assert 'id="import-summary"' in response.text
        assert _entry(session, "C.09.02/000003") is None

    def test_no_file_is_a_field_error(
        self, client: TestClient, session: Session, settings: Settings, provider: Organization
    ) -> None:
        _as(client, session, settings, Role.org_staff, provider)
        response = client.post("/catalog/import", data={"dry_run": "on"})
        assert response.status_code == 422
        assert 'id="file-error"' in response.text

    def test_citizens_cannot_import(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        _as(client, session, settings, Role.citizen)
        assert client.get("/catalog/import").status_code == 403
