"""Correction requests (Art. 68) in a real browser: the citizen, on a phone-width screen,
asks from 我的数据 to correct his name; the request reaches the name's source department
with its working-day clock; the department answers in its queue; the citizen sees the
answer. With evidence: a file that is not what its name says is refused in Chinese at the
form, a PNG is attached and listed for the citizen and the source department. (The
disputed flag in exchange answers: tests/domains/privacy/test_disputes.py.)"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

import pytest
from playwright.sync_api import Browser, FilePayload, Page, ViewportSize, expect
from sqlalchemy.orm import Session

from smartcity.domains.identity.permissions import Role
from tests.browser.conftest import own_platform
from tests.browser.test_ui import sign_in
from tests.domains.privacy.evidence_files import PNG, TEXT
from tests.domains.privacy.world import privacy_world
from tests.factories.identity import PASSWORD, make_user

pytestmark = pytest.mark.browser

PHONE: ViewportSize = {"width": 390, "height": 844}
CLAIMED = "张更正"


@dataclass(frozen=True)
class Platform:
    url: str
    citizen: str
    source_staff: str
    name: str
    source_name: str


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    folder = tmp_path_factory.mktemp("data-requests-browser")

    def seed(session: Session) -> Platform:
        world = privacy_world(session, folder)
        staff = make_user(session, organization=world.exchange.provider, roles=[Role.org_staff])
        return Platform(
            "",
            world.user.username,
            staff.username,
            world.exchange.rows[0]["姓名"],
            world.exchange.provider.name,
        )

    with own_platform(folder, seed) as (url, seeded):
        yield replace(seeded, url=url)


def _context_page(browser: Browser, platform: Platform, viewport: ViewportSize) -> Page:
    context = browser.new_context(base_url=platform.url, locale="zh-CN", viewport=viewport)
    context.set_default_timeout(10_000)
    return context.new_page()


@pytest.fixture
def phone(browser: Browser, platform: Platform) -> Iterator[Page]:
    page = _context_page(browser, platform, PHONE)
    try:
        yield page
    finally:
        page.context.close()


@pytest.fixture
def desk(browser: Browser, platform: Platform) -> Iterator[Page]:
    page = _context_page(browser, platform, {"width": 1280, "height": 900})
    try:
        yield page
    finally:
        page.context.close()


def test_a_correction_reaches_the_source_department_and_its_answer_the_citizen(
    phone: Page, desk: Page, platform: Platform
) -> None:
    sign_in(phone, (platform.citizen, PASSWORD))
    phone.goto("/privacy/my-data")
    name_row = phone.locator("#records li").filter(has_text="姓名").first
    name_row.get_by_role("link", name="申请更正").click()

    expect(phone.locator("#current-value")).to_have_text(platform.name)
    expect(phone.locator("#request-form")).to_contain_text(platform.source_name)
    phone.get_by_role("button", name="提交申请").click()  # the corrected value is required
    expect(phone.locator("#request-form")).to_contain_text("正确的值")
    phone.get_by_label("正确的值").fill(CLAIMED)
    phone.get_by_role("button", name="提交申请").click()

    expect(phone).to_have_url(f"{platform.url}/privacy/my-requests")
    filed = phone.locator("li[id^='request-GZ-']").first
    expect(filed).to_contain_text("待来源部门答复")
    expect(filed).to_contain_text(CLAIMED)
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width

    sign_in(desk, (platform.source_staff, PASSWORD))
    desk.goto("/privacy/requests")
    queue = desk.locator("#request-queue")
    expect(queue).to_contain_text(CLAIMED)
    form = queue.locator("form.answer-form").first
    form.get_by_label("答复结果").select_option(label="已更正")
    form.get_by_label("答复意见").fill("已核实户籍档案，予以更正")
    form.get_by_role("button", name="答复").click()
    expect(desk.locator("#request-queue")).to_contain_text("已更正")

    phone.reload()
    answered = phone.locator("li[id^='request-GZ-']").first
    expect(answered).to_contain_text("已更正")
    expect(answered).to_contain_text("已核实户籍档案，予以更正")


def test_a_correction_with_evidence_from_a_phone(
    phone: Page, desk: Page, platform: Platform
) -> None:
    sign_in(phone, (platform.citizen, PASSWORD))
    phone.goto("/privacy/my-data")
    row = phone.locator("#records li").filter(has_text="文化程度").first
    row.get_by_role("link", name="申请更正").click()
    phone.get_by_label("正确的值").fill("30")
    phone.get_by_label("证明材料").set_input_files(
        [FilePayload(name="学历证书.pdf", mimeType="application/pdf", buffer=TEXT)]
    )
    phone.get_by_role("button", name="提交申请").click()

    form = phone.locator("#request-form")
    expect(form).to_contain_text("文件“学历证书.pdf”不是 PDF、JPEG 或 PNG 文件")
    expect(phone.get_by_label("正确的值")).to_have_value("30")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width

    phone.get_by_label("证明材料").set_input_files(
        [FilePayload(name="学历证书.png", mimeType="image/png", buffer=PNG)]
    )
    phone.get_by_role("button", name="提交申请").click()

    expect(phone).to_have_url(f"{platform.url}/privacy/my-requests")
    filed = phone.locator("li[id^='request-GZ-']").filter(has_text="文化程度").first
    expect(filed.locator(".evidence")).to_contain_text("学历证书.png")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width

    sign_in(desk, (platform.source_staff, PASSWORD))
    desk.goto("/privacy/requests")
    item = desk.locator("#request-queue li").filter(has_text="学历证书.png").first
    with desk.expect_download() as download:
        item.get_by_role("link", name="学历证书.png").click()
    assert download.value.suggested_filename == "学历证书.png"
