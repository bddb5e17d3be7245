"""The open data portal (Art. 29–31) in a real browser, without logging in: a Chinese
two-character search finds the bus dataset, a facet narrows, the dataset page shows the
preview table (paged in place), the chart (another column chosen in place) and a CSV
download with a BOM; at phone width the 数据开放申请 form refuses an empty description in
Chinese, then files the request, which the coordinator answers in the queue; a citizen
signs in from a conditionally open dataset, accepts its terms and downloads it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect
from sqlalchemy.orm import Session

from smartcity.domains.identity.permissions import Role
from smartcity.domains.opendata.enums import FieldType, OpenAccess
from smartcity.domains.opendata.schemas import FieldSpec
from tests.browser.conftest import own_platform, settled
from tests.browser.test_ui import sign_in
from tests.factories.identity import PASSWORD, make_user
from tests.factories.opendata import make_dataset
from tests.factories.registry import make_organization

pytestmark = pytest.mark.browser

PHONE: ViewportSize = {"width": 390, "height": 844}
DESK: ViewportSize = {"width": 1280, "height": 900}

AIR_FIELDS = [
    FieldSpec(id="day", title="日期", type=FieldType.date),
    FieldSpec(id="district", title="区县", type=FieldType.text),
    FieldSpec(id="aqi", title="空气质量指数", type=FieldType.int),
]


@dataclass(frozen=True)
class Portal:
    url: str
    bus: str
    air: str
    coordinator: str
    conditional: str
    citizen: str


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Portal]:
    folder: Path = tmp_path_factory.mktemp("opendata-portal-browser")

    def seed(session: Session) -> Portal:
        transport = make_organization(session, name="济宁市交通运输局")
        environment = make_organization(session, name="济宁市生态环境局")
        coordinator = make_organization(session, name="济宁市大数据中心", coordinator=True)
        user = make_user(session, organization=coordinator, roles=[Role.coordinator])
        bus = make_dataset(
            session,
            provider=transport,
            title="城市公交线路数据",
            notes="全市公交线路、站点数和线路长度。",
            tags=["公交"],
        )
        days: list[list[Any]] = [
            [f"2026-11-{d:02d}", district, 40 + (d * 7 + n * 13) % 90]
            for d in range(1, 11)
            for n, district in enumerate(("任城区", "兖州区", "曲阜市"))
        ]
        air = make_dataset(
            session,
            provider=environment,
            title="空气质量日报数据",
            notes="各区县每日空气质量指数。",
            theme_code="environment",
            theme_name="生态环境",
            tags=["空气质量"],
            update_cycle="daily",
            fields=AIR_FIELDS,
            rows=days,
        )
        make_dataset(session, provider=transport, title="出租车运营统计数据", tags=["出租车"])
        conditional = make_dataset(
            session,
            provider=transport,
            title="网约车订单统计数据",
            tags=["网约车"],
            access=OpenAccess.conditional,
            access_terms="仅用于交通研究，不得转售或再识别个人。",
        )
        citizen = make_user(session, organization=None, roles=[Role.citizen])
        return Portal("", bus.name, air.name, user.username, conditional.name, citizen.username)

    with own_platform(folder, seed) as (url, seeded):
        yield replace(seeded, url=url)


def _page(browser: Browser, portal: Portal, viewport: ViewportSize) -> Page:
    context = browser.new_context(
        base_url=portal.url, locale="zh-CN", viewport=viewport, accept_downloads=True
    )
    context.set_default_timeout(10_000)
    return context.new_page()


@pytest.fixture
def desk(browser: Browser, portal: Portal) -> Iterator[Page]:
    page = _page(browser, portal, DESK)
    try:
        yield page
    finally:
        page.context.close()


@pytest.fixture
def phone(browser: Browser, portal: Portal) -> Iterator[Page]:
    page = _page(browser, portal, PHONE)
    try:
        yield page
    finally:
        page.context.close()


def _fits(page: Page) -> None:
    """Nothing wider than the screen: no sideways scrolling of the page itself."""
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 1, overflow


def test_search_then_dataset_preview_chart_and_csv_download(desk: Page, portal: Portal) -> None:
    desk.goto("/")
    desk.get_by_role("navigation", name="主导航").get_by_role("link", name="开放数据").click()
    expect(desk.get_by_role("heading", name="开放数据门户")).to_be_visible()
    expect(desk.locator(".results-count")).to_have_text("共 4 个开放数据集")

    desk.get_by_label("检索开放数据").fill("公交")
    desk.get_by_label("检索开放数据").press("Enter")
    expect(desk.locator(".results-count")).to_have_text("“公交”共找到 1 个开放数据集")
    expect(desk).to_have_url(f"{portal.url}/opendata?q=%E5%85%AC%E4%BA%A4")
    # a facet narrows without a page load and shows as a removable chip
    desk.get_by_label("检索开放数据").fill("")
    desk.get_by_label("检索开放数据").press("Enter")
    expect(desk.locator(".results-count")).to_have_text("共 4 个开放数据集")
    desk.locator('[data-facet="theme"]').get_by_role("checkbox", name="生态环境").click()
    expect(desk.locator(".results-count")).to_have_text("共 1 个开放数据集")
    expect(desk.locator(".chip")).to_contain_text("主题：生态环境")
    desk.locator(".chip").click()
    expect(desk.locator(".results-count")).to_have_text("共 4 个开放数据集")

    desk.get_by_label("检索开放数据").fill("空气")
    desk.get_by_label("检索开放数据").press("Enter")
    desk.get_by_role("link", name="空气质量日报数据").click()
    expect(desk.get_by_role("heading", level=1)).to_have_text("空气质量日报数据")
    expect(desk.locator("dl.meta")).to_contain_text("济宁市生态环境局")

    # the preview: 30 rows, 10 a page, paged in place
    preview = desk.locator(".preview-table")
    expect(preview.locator("tbody tr")).to_have_count(10)
    expect(preview.locator("tbody tr").first).to_contain_text("2026-11-01")
    desk.locator(".preview-pages").get_by_role("link", name="下一页").click()
    expect(desk.locator(".preview-pages .current")).to_have_text("第 2 / 3 页")
    expect(preview.locator("tbody tr").first).to_contain_text("2026-11-04")

    # the chart: a line over the days; choosing 区县 and 记录数 redraws bars in place
    chart = desk.locator("figure.chart")
    expect(chart).to_have_attribute("data-kind", "line")
    expect(chart.locator("circle.dot")).to_have_count(10)
    desk.locator(".chart-form select[name=x]").select_option(label="区县")
    expect(desk.locator("figure.chart")).to_have_attribute("data-kind", "bar")
    expect(desk.locator("figure.chart rect.bar")).to_have_count(3)
    settled(desk)  # the swapped-in form listens only once htmx has settled it
    desk.locator(".chart-form select[name=y]").select_option(label="记录数")
    expect(desk.locator("figure.chart figcaption")).to_contain_text("记录数（按区县）")
    expect(desk.locator(".chart-data tbody tr").first).to_contain_text("10")

    # API examples name this server
    expect(desk.locator("#api")).to_contain_text(f"{portal.url}/api/3/action/package_show")

    with desk.expect_download() as info:
        desk.locator('.downloads a[data-format="csv"]').click()
    download = info.value
    content = Path(download.path()).read_bytes()
    assert content.startswith(b"\xef\xbb\xbf")
    text = content.decode("utf-8-sig")
    assert text.splitlines()[0] == "日期,区县,空气质量指数"
    assert len(text.splitlines()) == 31

    desk.reload()
    expect(desk.locator('[data-usage="download"]')).to_have_text("1")


def test_request_a_dataset_at_phone_width_and_the_coordinator_answers(
    phone: Page, browser: Browser, portal: Portal
) -> None:
    phone.goto(f"/opendata/datasets/{portal.air}")
    expect(phone.locator("figure.chart")).to_be_visible()
    expect(phone.locator(".preview-table")).to_be_visible()
    _fits(phone)
    phone.goto("/opendata")
    _fits(phone)
    phone.locator(".portal-tabs").get_by_role("link", name="数据开放申请").click()
    expect(phone.get_by_role("heading", name="数据开放申请")).to_be_visible()
    _fits(phone)

    phone.get_by_label("需要的数据").fill("公共停车场实时空位")
    phone.get_by_role("button", name="提交申请").click()
    expect(phone.locator("#description-error")).to_have_text("至少 5 个字符")
    expect(phone.get_by_label("需要的数据")).to_have_value("公共停车场实时空位")

    phone.get_by_label("数据内容说明").fill("希望按停车场开放实时空位数量，每 5 分钟更新。")
    phone.get_by_label("联系方式（选填）").fill("parking@example.cn")
    phone.get_by_role("button", name="提交申请").click()
    expect(phone.get_by_role("heading", name="申请已提交")).to_be_visible()
    number = phone.locator(".request-number").inner_text()
    assert number.startswith("KF-")
    _fits(phone)

    coordinator = _page(browser, portal, PHONE)
    try:
        sign_in(coordinator, (portal.coordinator, PASSWORD))
        coordinator.goto("/opendata/requests")
        item = coordinator.locator(".data-request", has_text=number)
        expect(item).to_contain_text("公共停车场实时空位")
        expect(item).to_contain_text("parking@example.cn")
        item.get_by_label("答复（说明数据位置或开放计划）").check()
        item.get_by_label("答复内容或理由").fill("已列入下季度开放计划。")
        item.get_by_role("button", name="提交答复").click()
        answered = coordinator.locator(".data-request", has_text=number)
        expect(answered).to_have_attribute("data-state", "answered")
        expect(answered.locator(".reply")).to_contain_text("已列入下季度开放计划。")
        _fits(coordinator)
    finally:
        coordinator.context.close()


def test_a_citizen_accepts_a_conditional_datasets_terms_then_downloads(
    desk: Page, portal: Portal
) -> None:
    desk.goto(f"/opendata/datasets/{portal.conditional}")
    access = desk.locator("#access")
    expect(access).to_contain_text("仅用于交通研究，不得转售或再识别个人。")
    expect(desk.locator(".preview .notice")).to_contain_text("登录并接受使用条件后可预览")
    expect(desk.locator(".downloads a")).to_have_count(0)
    access.get_by_role("link", name="登录后接受使用条件").click()
    desk.get_by_label("用户名").fill(portal.citizen)
    desk.get_by_label("密码").fill(PASSWORD)
    desk.get_by_role("button", name="登录").click()

    expect(desk).to_have_url(f"{portal.url}/opendata/datasets/{portal.conditional}")
    desk.get_by_label("使用用途（选填）").fill("城市交通出行研究")
    desk.get_by_role("button", name="我已阅读并接受使用条件").click()
    expect(desk.locator("#access")).to_contain_text("您已接受使用条件")
    expect(desk.locator(".preview-table tbody tr")).to_have_count(4)
    with desk.expect_download() as info:
        desk.locator('.downloads a[data-format="csv"]').click()
    content = Path(info.value.path()).read_bytes()
    assert content.startswith(b"\xef\xbb\xbf")
    assert "1路 火车站—太白楼" in content.decode("utf-8-sig")
