"""The resource catalog in a real browser: Chinese search with facets, a department's draft
through return and approval to the search, and the Excel import's error report."""

from __future__ import annotations

import io
import re
import uuid
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import pytest
from openpyxl import Workbook
from playwright.sync_api import FilePayload, Page, expect

from smartcity.core.security import SYSTEM
from smartcity.domains.catalog import service as catalog_service
from smartcity.domains.catalog import workbook
from smartcity.domains.catalog.enums import (
    ClassificationKind,
    DataType,
    Identifies,
    OpenType,
    ResourceFormat,
    ShareMode,
    ShareType,
    UpdateCycle,
)
from smartcity.domains.catalog.schemas import EntryDraft
from smartcity.domains.identity import service as identity_service
from smartcity.domains.identity.permissions import Role
from smartcity.domains.identity.schemas import UserCreate
from smartcity.domains.registry import service as registry_service
from smartcity.domains.registry.enums import LegalLevel, OrganizationKind
from smartcity.domains.registry.schemas import LegalBasisCreate, OrganizationCreate
from tests.browser.conftest import COORDINATOR, LiveServer
from tests.browser.test_ui import SCREENSHOTS, sign_in
from tests.factories.catalog import make_source_system

pytestmark = pytest.mark.browser

STAFF = ("jtj.catalog", "Transport-Staff-2026")
TRANSPORT = "济宁市交通运输局"


@dataclass(frozen=True)
class Catalog:
    bus_lines: UUID
    bus_cards: UUID


def _item(name: str, **values: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"name": name, "data_type": DataType.string, "grade_code": "G1"}
    data.update(values)
    return data


@pytest.fixture(scope="module")
def catalog(live_server: LiveServer) -> Catalog:
    """A transport bureau with a staff account, a source system, a legal basis and three
    published entries, committed to the live server's database through the services."""
    with live_server.database.session_scope() as session:
        city = registry_service.find_organization_by_code(session, "JN")
        assert city is not None

        def department(code: str, name: str) -> UUID:
            organization = registry_service.create_organization(
                session,
                actor=SYSTEM,
                data=OrganizationCreate(
                    code=code,
                    name=name,
                    kind=OrganizationKind.municipal_department,
                    division_code="370800",
                    parent_id=city.id,
                    sort_order=20,
                ),
            )
            return organization.id

        transport = department("JN-JTJ", TRANSPORT)
        environment = department("JN-SHJ", "济宁市生态环境局")
        identity_service.create_user(
            session,
            actor=SYSTEM,
            data=UserCreate(
                username=STAFF[0],
                display_name="赵编目",
                password=STAFF[1],
                roles=[Role.org_staff],
                organization_id=transport,
            ),
        )
        organization = registry_service.get_organization(
            session, actor=SYSTEM, organization_id=transport
        )
        system = make_source_system(session, owner=organization)
        basis = registry_service.create_legal_basis(
            session,
            actor=SYSTEM,
            data=LegalBasisCreate(
                code="JN-GGSJ-12",
                title="《济宁市公共数据管理办法》",
                article="第十二条",
                level=LegalLevel.local_rule,
            ),
        )

        def entry(provider: UUID, code: str, name: str, **values: Any) -> UUID:
            data: dict[str, Any] = {
                "classification_kind": ClassificationKind.thematic,
                "category_code": code.split("/")[0],
                "category_name": "交通出行",
                "resource_code": code,
                "name": name,
                "provider_organization_id": provider,
                "abstract": f"{name}：按日汇总，供各部门共享使用。",
                "format": ResourceFormat.database,
                "update_cycle": UpdateCycle.daily,
                "share_type": ShareType.unconditional,
                "share_mode": ShareMode.api,
            }
            data.update(values)
            version = catalog_service.create_draft(
                session, actor=SYSTEM, data=EntryDraft.model_validate(data)
            )
            return version.entry_id

        bus_lines = entry(
            transport,
            "T.07.01/000001",
            "城市公交线路数据",
            release_date="2025-03-01",
            source_system_id=system.id,
            related_resource_codes=["T.07.01/000002"],
            open_type=OpenType.open,
            items=[
                _item("线路编号", length=20, description="公交线路的唯一编号"),
                _item("线路名称", length=50),
                _item("首末站", length=100, grade_code="G2"),
                _item("运营时间", description="首班、末班时间"),
            ],
        )
        bus_cards = entry(
            transport,
            "T.07.01/000002",
            "公交IC卡刷卡数据",
            share_type=ShareType.conditional,
            share_condition="仅限交通、公安部门履行职责时使用，不得向第三方提供。",
            legal_basis_ids=[basis.id],
            items=[
                _item(
                    "卡号",
                    length=19,
                    grade_code="G3",
                    identifies=Identifies.person,
                    is_personal=True,
                ),
                _item("刷卡时间", data_type=DataType.datetime),
                _item("上车站点", length=100, grade_code="G2"),
            ],
        )
        air = entry(
            environment,
            "T.05.02/000001",
            "空气质量小时数据",
            category_name="生态环境",
            items=[_item("监测站点"), _item("PM2.5浓度", data_type=DataType.decimal)],
        )
        catalog_service.publish_many(
            session, actor=SYSTEM, entry_ids=[bus_lines, bus_cards, air], opinion="同意发布。"
        )
    return Catalog(bus_lines=bus_lines, bus_cards=bus_cards)


def test_search_finds_two_character_words_and_facets_narrow(page: Page, catalog: Catalog) -> None:
    sign_in(page, STAFF)
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="信息资源目录").click()
    expect(page.get_by_role("heading", name="信息资源目录", level=1)).to_be_visible()
    results = page.locator("#catalog-results")

    page.get_by_role("searchbox").fill("公交")
    # The unfiltered list already shows the bus entries: wait for the search's answer
    # (its URL, then the entry it leaves out) before looking, with room for a busy CI.
    expect(page).to_have_url(re.compile(r"q=%E5%85%AC%E4%BA%A4"), timeout=15_000)
    expect(results.get_by_role("link", name="空气质量小时数据")).to_have_count(0, timeout=15_000)
    expect(results.get_by_role("link", name="城市公交线路数据")).to_be_visible()
    expect(results.get_by_role("link", name="公交IC卡刷卡数据")).to_be_visible()
    expect(results.locator("mark").first).to_have_text("公交")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "catalog-search.png"), full_page=True)

    # A facet narrows the hits; the filter stays when the query changes.
    share = results.locator('[data-facet="share_type"]')
    share.get_by_role("checkbox", name=re.compile("有条件共享")).click()
    expect(results.get_by_role("link", name="城市公交线路数据")).to_have_count(0)
    expect(results.get_by_role("link", name="公交IC卡刷卡数据")).to_be_visible()
    expect(page).to_have_url(re.compile(r"share_type=conditional"))
    expect(share.get_by_role("checkbox", name=re.compile("有条件共享"))).to_have_attribute(
        "aria-checked", "true"
    )
    page.get_by_role("searchbox").fill("公交 刷卡")
    expect(page).to_have_url(re.compile(r"q=%E5%85%AC%E4%BA%A4(\+|%20)%E5%88%B7%E5%8D%A1"))
    expect(page).to_have_url(re.compile(r"share_type=conditional"))
    expect(results.get_by_role("link", name="公交IC卡刷卡数据")).to_be_visible()
    expect(results.locator(".results-count")).to_contain_text("共找到 1 条")

    # Removing the filter brings the other hit back.
    results.get_by_role("link", name=re.compile("清除全部")).click()
    page.get_by_role("searchbox").fill("公交")
    expect(results.get_by_role("link", name="城市公交线路数据")).to_be_visible()

    # The entry page: metadata with Chinese labels, items with grades, the legal basis.
    results.get_by_role("link", name="公交IC卡刷卡数据").click()
    expect(page.get_by_role("heading", name="公交IC卡刷卡数据", level=1)).to_be_visible()
    expect(page.locator("#share")).to_contain_text("《济宁市公共数据管理办法》第十二条")
    expect(page.locator("#items tbody tr")).to_have_count(3)
    expect(page.locator("#items").get_by_text("受限")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "catalog-entry.png"), full_page=True)

    page.goto(f"/catalog/entries/{catalog.bus_lines}")
    expect(page.locator("#metadata").get_by_role("link", name=TRANSPORT)).to_be_visible()
    expect(page.locator("#metadata").get_by_role("link", name="公交IC卡刷卡数据")).to_be_visible()
    expect(
        page.locator("#metadata").get_by_role("link", name=re.compile("测试来源系统"))
    ).to_be_visible()


def test_draft_return_revise_approve_then_found_in_search(page: Page, catalog: Catalog) -> None:
    suffix = uuid.uuid4().hex[:6]
    name = f"出租汽车营运数据{suffix}"
    code = f"T.07.03/{int(suffix, 16) % 1_000_000:06d}"

    # A transport bureau's staff member drafts an entry with two items and submits it.
    sign_in(page, STAFF)
    page.goto("/catalog")
    page.get_by_role("link", name="新建目录条目").click()
    expect(page.get_by_role("heading", name="新建目录条目")).to_be_visible()
    expect(page.locator(".form").get_by_text(TRANSPORT)).to_be_visible()
    page.get_by_label("资源分类").select_option("thematic")
    page.get_by_label("类目编码").fill("T.07.03")
    page.get_by_label("类目名称").fill("交通出行")
    page.get_by_label("资源代码").fill(code)
    page.get_by_label("资源名称").fill(name)
    page.get_by_label("摘要").fill("巡游出租汽车的营运里程、载客次数和营收。")
    page.get_by_label("更新周期").select_option("daily")
    page.locator('input[name="items-0-name"]').fill("车牌号码")
    page.locator('select[name="items-0-grade_code"]').select_option("G2")
    page.get_by_role("button", name="添加信息项").click()
    page.locator('input[name="items-1-name"]').fill("营运里程")
    page.locator('select[name="items-1-data_type"]').select_option("decimal")
    page.screenshot(path=str(SCREENSHOTS / "catalog-draft.png"), full_page=True)
    page.get_by_role("button", name="保存并提交审核").click()
    expect(page.get_by_role("heading", name=name)).to_be_visible()
    expect(page.get_by_text("已提交平台主管部门审核。")).to_be_visible()
    expect(page.locator("#items tbody tr")).to_have_count(2)

    # The coordinator returns it: first without an opinion (refused), then with one.
    page.context.clear_cookies()
    sign_in(page, COORDINATOR)
    page.goto("/catalog/reviews")
    page.locator("#review-queue").get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", name=f"审核：{name}")).to_be_visible()
    expect(page.get_by_text("新条目，尚无已发布的版本")).to_be_visible()
    page.get_by_role("button", name="退回修改").click()
    expect(page.locator("#opinion-error")).to_contain_text("退回时必须填写审核意见")
    page.get_by_label("审核意见").fill("请补充营运里程的计量单位。")
    page.get_by_role("button", name="退回修改").click()
    expect(page.get_by_text("已退回提供单位修改。")).to_be_visible()
    expect(page.locator("#review-queue").get_by_role("link", name=name)).to_have_count(0)

    # The department sees the opinion, revises and submits again.
    page.context.clear_cookies()
    sign_in(page, STAFF)
    page.goto("/catalog/drafts")
    expect(page.get_by_text("请补充营运里程的计量单位。")).to_be_visible()
    page.locator("#draft-results").get_by_role("link", name=name).click()
    expect(page.get_by_text("第 1 版已被退回修改")).to_be_visible()
    page.get_by_role("link", name="修改草稿").click()
    page.locator('input[name="items-1-description"]').fill("单位：公里")
    page.get_by_role("button", name="保存并提交审核").click()
    expect(page.get_by_text("已提交平台主管部门审核。")).to_be_visible()

    # The coordinator approves; the entry is published and found by the search.
    page.context.clear_cookies()
    sign_in(page, COORDINATOR)
    page.goto("/catalog/reviews")
    page.locator("#review-queue").get_by_role("link", name=name).click()
    expect(page.locator("#items")).to_contain_text("单位：公里")
    page.screenshot(path=str(SCREENSHOTS / "catalog-review.png"), full_page=True)
    page.get_by_label("审核意见").fill("同意发布。")
    page.get_by_role("button", name="审核通过并发布").click()
    expect(page.get_by_text("已审核通过并发布。")).to_be_visible()

    page.goto("/catalog")
    page.get_by_role("searchbox").fill(f"出租汽车 {suffix}")
    results = page.locator("#catalog-results")
    expect(results.get_by_role("link", name=name)).to_be_visible()
    results.get_by_role("link", name=name).click()
    expect(page.locator(".page-head").get_by_text("已发布")).to_be_visible()
    expect(page.locator("#versions")).to_contain_text("同意发布。")


def _workbook(resources: list[dict[str, Any]], items: list[dict[str, Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = workbook.RESOURCE_SHEET
    sheet.append([column.header for column in workbook.RESOURCE_COLUMNS])
    for row in resources:
        sheet.append([row.get(column.header) for column in workbook.RESOURCE_COLUMNS])
    item_sheet = book.create_sheet(workbook.ITEM_SHEET)
    item_sheet.append([column.header for column in workbook.ITEM_COLUMNS])
    for row in items:
        item_sheet.append([row.get(column.header) for column in workbook.ITEM_COLUMNS])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _resource(code: str, name: str, **values: str) -> dict[str, str]:
    row = {
        "资源分类": "部门信息资源",
        "类目编码": code.split("/")[0],
        "类目名称": "交通出行",
        "资源代码": code,
        "资源名称": name,
        "提供方": TRANSPORT,
        "资源摘要": f"{name}的明细记录。",
        "资源格式": "数据库",
        "更新周期": "每日",
        "共享类型": "无条件共享",
        "共享方式": "接口",
    }
    row.update(values)
    return row


def test_import_lists_every_problem_and_imports_nothing(
    page: Page, live_server: LiveServer, catalog: Catalog
) -> None:
    data = _workbook(
        [
            _resource("C.07.09/000001", "网约车订单数据"),
            _resource(
                "C.07.09/000002",
                "网约车驾驶员数据",
                共享类型="有条件共享",
                共享条件="仅限交通执法使用",
            ),
        ],
        [
            {
                "资源代码": "C.07.09/000001",
                "信息项名称": "订单编号",
                "数据类型": "字符型",
                "分级": "G1",
            },
            {
                "资源代码": "C.07.09/000002",
                "信息项名称": "驾驶证号",
                "数据类型": "字符型",
                "分级": "G3",
            },
            {
                "资源代码": "C.07.09/999999",
                "信息项名称": "车辆颜色",
                "数据类型": "字符型",
                "分级": "G1",
            },
        ],
    )
    sign_in(page, STAFF)
    page.goto("/catalog")
    page.get_by_role("link", name="Excel 导入").click()
    expect(page.get_by_role("heading", name="导入目录编制表")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("下载编制模板"))).to_have_attribute(
        "href", "/catalog/template.xlsx"
    )
    upload: FilePayload = {
        "name": "网约车目录.xlsx",
        "mimeType": workbook.MEDIA_TYPE,
        "buffer": data,
    }
    page.get_by_label("目录编制表").set_input_files(files=[upload])
    page.get_by_role("button", name="上传并导入").click()

    expect(page.get_by_text("未导入任何数据").first).to_be_visible()
    rows = page.locator("#import-errors tbody tr")
    expect(rows).to_have_count(2)
    basis = rows.filter(has_text="共享依据")
    expect(basis.locator("td").nth(0)).to_have_text("信息资源")
    expect(basis.locator("td").nth(1)).to_have_text("3")
    orphan = rows.filter(has_text="C.07.09/999999")
    expect(orphan.locator("td").nth(0)).to_have_text("信息项")
    expect(orphan.locator("td").nth(1)).to_have_text("4")
    expect(orphan.locator("td").nth(2)).to_have_text("资源代码")
    page.screenshot(path=str(SCREENSHOTS / "catalog-import-errors.png"), full_page=True)

    with live_server.database.read_scope() as session:
        for code in ("C.07.09/000001", "C.07.09/000002"):
            assert catalog_service.find_entry_by_code(session, code) is None
