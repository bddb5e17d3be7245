"""The information systems registry in a real browser: a department registers a system and
proposes going into use, the coordinator approves, the migration dashboard shows it."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import COORDINATOR, ORG_ADMIN
from tests.browser.test_ui import SCREENSHOTS, sign_in

pytestmark = pytest.mark.browser


def test_register_propose_go_live_approve_and_see_it_on_the_dashboard(page: Page) -> None:
    suffix = uuid.uuid4().hex[:6].upper()
    code = f"JN-GAJ-RK-{suffix}"
    name = f"人口信息管理系统{suffix}"

    # The police bureau's administrator registers a system being built on the city cloud.
    sign_in(page, ORG_ADMIN)
    page.goto("/registry/systems")
    page.get_by_role("link", name="登记信息系统").click()
    expect(page.get_by_role("heading", name="登记信息系统")).to_be_visible()
    page.get_by_label("系统编码").fill(code)
    page.get_by_label("系统名称").fill(name)
    page.get_by_label("建设目的和用途").fill("常住人口、流动人口信息的采集、核查和共享")
    page.get_by_label("生命周期").select_option("building")
    page.get_by_label("主要数据对象").fill("常住人口基本信息\n流动人口登记信息")
    page.get_by_label("用户数").fill("1200")
    page.get_by_label("联系人姓名").first.fill("王工")
    page.get_by_label("上云状态").select_option("deployed")
    page.get_by_label("等级保护级别").select_option("3")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "system-register.png"), full_page=True)
    page.get_by_role("button", name="登记并提交审核").click()
    expect(page.get_by_role("heading", name=name)).to_be_visible()
    expect(page.get_by_text("登记申请已提交平台主管部门审核")).to_be_visible()

    # ... and proposes going into use.
    page.get_by_role("link", name="提交变更申请").click()
    page.get_by_label("变更类型").select_option("go_live")
    page.get_by_label("申请理由").fill("已通过竣工验收和第三级等保测评，申请正式上线。")
    page.get_by_role("button", name="提交申请").click()
    expect(page.get_by_text("变更申请已提交")).to_be_visible()
    requests = page.locator("#change-requests")
    expect(requests.get_by_text("投入使用")).to_be_visible()
    expect(requests.get_by_text("待审核")).to_have_count(2)

    # The coordinator approves the registration, then going into use, with opinions.
    page.context.clear_cookies()
    sign_in(page, COORDINATOR)
    page.goto("/registry/systems/reviews")
    for opinion in ("登记信息完整，同意。", "同意上线。"):
        review = page.locator("section.review", has_text=code).first
        review.get_by_label("审核意见").fill(opinion)
        review.get_by_role("button", name="审核通过").click()
        expect(page.get_by_text("已审核通过。")).to_be_visible()
    expect(page.locator("section.review", has_text=code)).to_have_count(0)

    page.goto("/registry/systems")
    page.get_by_role("searchbox").fill(code)
    results = page.locator("#system-results")
    expect(results.get_by_role("link", name=name)).to_be_visible()
    results.get_by_role("link", name=name).click()
    expect(page.locator(".page-head").get_by_text("在用")).to_be_visible()
    expect(page.get_by_text("同意上线。")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "system-detail.png"), full_page=True)

    # The dashboard counts it, and the chart is drawn from the page's JSON block.
    page.goto("/registry/cloud")
    row = page.locator("#departments tr", has_text="济宁市公安局")
    expect(row).to_contain_text("100.0%")
    expect(page.locator("#department-chart")).to_have_attribute("data-chart-ready", "true")
    page.screenshot(path=str(SCREENSHOTS / "cloud-dashboard.png"), full_page=True)
    expect(page).to_have_url(re.compile(r"/registry/cloud$"))
