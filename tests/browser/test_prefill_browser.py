"""Prefill with consent (Art. 28) in a real browser at phone width: the citizen opens
the request from 我的授权回填, sees each value with its source department and who will
receive it, approves only some fields, edits one (marked 申请人提供，未经核验) and the
page shows what he approved."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect
from sqlalchemy.orm import Session

from tests.browser.conftest import own_platform
from tests.browser.test_ui import sign_in
from tests.domains.onceonly.prefill_world import prefill_world
from tests.factories.identity import PASSWORD

pytestmark = pytest.mark.browser

PHONE: ViewportSize = {"width": 390, "height": 844}
TYPED_PHONE = "13912345678"


@dataclass(frozen=True)
class Platform:
    url: str
    citizen: str
    name: str
    address: str
    source_name: str
    department_name: str


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    folder = tmp_path_factory.mktemp("prefill-browser")

    def seed(session: Session) -> Platform:
        world = prefill_world(session, folder)
        world.ask(session, case="低保-2026-0099")
        return Platform(
            "",
            world.citizen_user.username,
            world.rows[0]["姓名"],
            world.rows[0]["户籍地址"],
            world.provider.name,
            world.department.name,
        )

    with own_platform(folder, seed) as (url, seeded):
        yield replace(seeded, url=url)


@pytest.fixture
def phone(browser: Browser, platform: Platform) -> Iterator[Page]:
    context = browser.new_context(base_url=platform.url, locale="zh-CN", viewport=PHONE)
    context.set_default_timeout(10_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def _fits(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width


def test_preview_approve_some_and_edit_one_at_phone_width(phone: Page, platform: Platform) -> None:
    sign_in(phone, (platform.citizen, PASSWORD))
    phone.goto("/onceonly/prefill")
    listed = phone.locator("#prefill-requests li").first
    expect(listed).to_contain_text("待您确认")
    listed.get_by_role("link", name="最低生活保障申请").click()

    expect(phone.locator("#recipient")).to_have_text(platform.department_name)
    preview = phone.locator("#prefill-preview")
    expect(preview).to_contain_text(platform.name)
    expect(preview).to_contain_text(platform.address)
    expect(preview.locator("li[data-label='姓名']")).to_contain_text(platform.source_name)
    _fits(phone)

    phone.get_by_label("同意发送性别").uncheck()
    phone.get_by_label("同意发送户籍地址").uncheck()
    contact = preview.locator("li[data-label='联系电话']")
    contact.locator("summary").click()
    contact.get_by_label("您填写的联系电话（申请人提供，未经核验）").fill(TYPED_PHONE)
    _fits(phone)
    phone.get_by_role("button", name="同意并发送所选").click()

    expect(phone.locator("#prefill-state")).to_have_text("已同意，待部门取用")
    answer = phone.locator("#prefill-answer")
    name_row = answer.locator("li[data-label='姓名']")
    expect(name_row).to_contain_text(platform.name)
    expect(name_row).to_contain_text("平台核验")
    contact_row = answer.locator("li[data-label='联系电话']")
    expect(contact_row).to_contain_text(TYPED_PHONE)
    expect(contact_row.locator(".unverified")).to_have_text("申请人提供，未经核验")
    expect(answer.locator("li[data-label='性别']")).to_contain_text("未同意，不发送")
    expect(answer.locator("li[data-label='户籍地址']")).to_contain_text("未同意，不发送")
    expect(phone.get_by_role("button", name="撤回授权")).to_be_visible()
    _fits(phone)
