"""The web UI in a real browser: login, the directory, editing, accounts, audit, logout."""

from __future__ import annotations

import re
import tempfile
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import COORDINATOR, ORG_ADMIN

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(tempfile.gettempdir()) / "smartcity-browser"


def sign_in(page: Page, account: tuple[str, str], *, path: str = "/login") -> None:
    page.goto(path)
    page.get_by_label("用户名").fill(account[0])
    page.get_by_label("密码").fill(account[1])
    page.get_by_role("button", name="登录").click()
    expect(page.locator(".whoami")).to_be_visible()


def test_wrong_password_is_refused_in_chinese_then_login_lands_home(page: Page) -> None:
    page.goto("/")
    expect(page.get_by_role("heading", name="济宁智慧城市平台")).to_be_visible()
    page.get_by_role("link", name="登录平台").click()
    page.get_by_label("用户名").fill(COORDINATOR[0])
    page.get_by_label("密码").fill("Wrong-Password-1")
    page.get_by_role("button", name="登录").click()
    expect(page.locator("#login-error")).to_have_text("用户名或密码错误")
    expect(page.get_by_label("用户名")).to_have_value(COORDINATOR[0])
    page.get_by_label("密码").fill(COORDINATOR[1])
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", name="您好，刘主任")).to_be_visible()
    expect(page.get_by_text("济宁市大数据中心").first).to_be_visible()


def test_login_returns_to_the_page_that_asked_for_it(page: Page) -> None:
    page.goto("/registry/duties")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fregistry%2Fduties$"))
    sign_in(page, COORDINATOR, path=page.url)
    expect(page).to_have_url(re.compile(r"/registry/duties$"))
    expect(page.get_by_role("heading", name="条例职责落实")).to_be_visible()


def test_tree_shows_the_city_and_search_filters_live(page: Page) -> None:
    sign_in(page, COORDINATOR)
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="单位目录").click()
    results = page.locator("#org-results")
    expect(results.get_by_role("link", name="济宁市人民政府")).to_be_visible()
    expect(results.get_by_role("link", name="任城区人民政府")).to_be_visible()
    expect(results.get_by_text("县（市、区）").first).to_be_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "organizations.png"), full_page=True)

    page.get_by_role("searchbox").fill("公安")
    expect(results.locator("table")).to_be_visible()
    expect(results.get_by_role("link", name="济宁市公安局")).to_be_visible()
    expect(results.get_by_role("link", name="任城区人民政府")).to_have_count(0)
    expect(page).to_have_url(re.compile(r"q=%E5%85%AC%E5%AE%89"))
    page.get_by_role("searchbox").fill("")
    expect(results.get_by_role("link", name="任城区人民政府")).to_be_visible()


def test_coordinator_opens_an_organization_and_saves_an_edit(page: Page) -> None:
    sign_in(page, COORDINATOR)
    page.goto("/registry/organizations")
    page.locator("#org-results").get_by_role("link", name="济宁市市场监督管理局").click()
    expect(page.get_by_role("heading", name="济宁市市场监督管理局", level=1)).to_be_visible()
    address = f"济宁市任城区共青团路 {uuid.uuid4().hex[:6]} 号"
    form = page.locator("#organization-form")
    form.get_by_label("地址").fill(address)
    form.get_by_label("信用代码豁免理由").fill("")
    form.get_by_role("button", name="保存修改").click()
    expect(page.locator(".notice")).to_have_text("修改已保存。")
    expect(page.locator("dl.props").get_by_text(address)).to_be_visible()


def test_org_admin_creates_a_user_and_an_api_client_and_sees_the_token_once(page: Page) -> None:
    suffix = uuid.uuid4().hex[:6]
    sign_in(page, ORG_ADMIN)
    page.goto("/identity/users")
    page.get_by_role("link", name="新建用户").click()
    form = page.locator("#user-create-form")
    form.get_by_label("用户名").fill(f"police.{suffix}")
    form.get_by_label("姓名").fill(f"民警{suffix}")
    form.get_by_label("初始密码").fill("Police-Officer-2026")
    form.get_by_label("确认密码").fill("Police-Officer-2026")
    form.get_by_role("button", name="创建用户").click()
    expect(page.locator(".notice")).to_have_text("用户已创建。")
    expect(page.get_by_text("济宁市公安局").first).to_be_visible()

    page.goto("/identity/api-clients")
    client_form = page.locator("#client-create-form")
    client_form.get_by_label("名称").fill(f"警务云接口{suffix}")
    client_form.get_by_role("button", name="创建并签发令牌").click()
    expect(page.get_by_text("令牌只显示这一次")).to_be_visible()
    token = page.locator("#issued-token").inner_text()
    assert token.startswith("sc_")
    page.get_by_role("link", name="我已保存令牌，返回列表").click()
    row = page.locator("tr", has_text=f"警务云接口{suffix}")
    expect(row).to_be_visible()
    assert token not in page.content()

    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="吊销").click()
    expect(page.locator("tr", has_text=f"警务云接口{suffix}")).to_contain_text("已吊销")

    page.goto("/audit/events")
    table = page.locator("#event-table")
    expect(table.get_by_text(f"民警{suffix}（police.{suffix}）")).to_be_visible()
    expect(table.locator("tr", has_text=f"警务云接口{suffix}").first).to_be_visible()
    expect(table.get_by_text("创建 API 客户端")).to_be_visible()
    expect(table.get_by_text("吊销 API 客户端")).to_be_visible()


def test_audit_lists_events_and_the_chain_verifies(page: Page) -> None:
    sign_in(page, COORDINATOR)
    # Other browser tests add events too; filter so the seeded ones are on the first page.
    page.goto("/audit/events?action=registry.organization")
    table = page.locator("#event-table")
    expect(table.get_by_text("新增单位").first).to_be_visible()
    page.locator("input[name=action]").fill("registry.organization.coordinator")
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table).to_contain_text("指定平台主管部门")
    page.get_by_role("button", name="校验审计链").click()
    expect(page.locator("#verify-result")).to_contain_text("审计链完整")


def test_logout(page: Page) -> None:
    sign_in(page, ORG_ADMIN)
    page.get_by_role("button", name="退出").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    page.goto("/identity/users")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fidentity%2Fusers$"))
