"""Once-only (Art. 28) in a real browser: the coordinator reads the once-only report (the
city's rate, a violation with the grant that would serve it, the form's check); a citizen
on a phone-width screen reports that a form asked again for his name (the empty form
refused in Chinese first), sees the case with the checker's finding, and reads the
coordinator's reply."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect
from sqlalchemy.orm import Session

from smartcity.domains.identity.permissions import Role
from smartcity.domains.onceonly.enums import FieldCollection
from tests.browser.conftest import own_platform
from tests.browser.test_ui import sign_in
from tests.factories.identity import PASSWORD, make_user
from tests.factories.onceonly import applicant_only, make_form, mapped, once_only_world
from tests.factories.registry import coordinator_organization

pytestmark = pytest.mark.browser

PHONE: ViewportSize = {"width": 390, "height": 844}
FORM = "浏览器测试：居住证办理"


@dataclass(frozen=True)
class Platform:
    url: str
    citizen: str
    coordinator: str
    grant_number: str


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    folder = tmp_path_factory.mktemp("onceonly-browser")

    def seed(session: Session) -> Platform:
        world = once_only_world(session)
        make_form(
            session,
            actor=world.admin,
            organization=world.department,
            name=FORM,
            fields=[
                mapped(world.population, "姓名"),
                mapped(world.population, "公民身份号码", FieldCollection.prefilled),
                mapped(world.insurance, "参保状态", FieldCollection.attachment),
                applicant_only("本人照片"),
            ],
        )
        citizen = make_user(session, organization=None, roles=[Role.citizen])
        coordinator = make_user(
            session, organization=coordinator_organization(session), roles=[Role.coordinator]
        )
        return Platform("", citizen.username, coordinator.username, world.grant.number)

    with own_platform(folder, seed) as (url, seeded):
        yield replace(seeded, url=url)


def _page(browser: Browser, platform: Platform, viewport: ViewportSize) -> Page:
    context = browser.new_context(base_url=platform.url, locale="zh-CN", viewport=viewport)
    context.set_default_timeout(10_000)
    return context.new_page()


@pytest.fixture
def phone(browser: Browser, platform: Platform) -> Iterator[Page]:
    page = _page(browser, platform, PHONE)
    try:
        yield page
    finally:
        page.context.close()


@pytest.fixture
def desk(browser: Browser, platform: Platform) -> Iterator[Page]:
    page = _page(browser, platform, {"width": 1280, "height": 900})
    try:
        yield page
    finally:
        page.context.close()


def test_the_report_lists_the_violation_with_its_grant(desk: Page, platform: Platform) -> None:
    sign_in(desk, (platform.coordinator, PASSWORD))
    desk.goto("/onceonly/report")
    expect(desk.locator("#city-rate")).to_contain_text("全市一次采集率")
    expect(desk.locator("#city-rate [data-stat=rate] .stat-value")).to_have_text("33.3%")
    expect(desk.locator("#rate-definition")).to_contain_text("平台可提供的字段")
    violations = desk.locator("#violations tr.violation")
    expect(violations).to_have_count(2)
    name_row = violations.filter(has_text="姓名")
    expect(name_row).to_contain_text(platform.grant_number)
    expect(name_row).to_contain_text("已有共享授权")
    expect(violations.filter(has_text="参保状态")).to_contain_text("可申请共享")

    name_row.get_by_role("link", name=FORM).click()
    expect(desk.get_by_role("heading", name=FORM)).to_be_visible()
    expect(desk.locator("#form-fields tr.violation")).to_have_count(2)
    expect(desk.locator("#field-4")).to_contain_text("仅申请人提供")


def test_a_citizen_reports_from_a_phone_and_reads_the_reply(
    phone: Page, desk: Page, platform: Platform
) -> None:
    sign_in(phone, (platform.citizen, PASSWORD))
    phone.goto("/onceonly/my-cases")
    phone.get_by_role("link", name="我被重复索要材料").click()
    phone.get_by_role("button", name="提交").click()  # nothing chosen
    expect(phone.locator("#case-form")).to_contain_text("请选择事项")

    option = phone.locator("#f-form_id option", has_text=FORM)
    phone.get_by_label("办理的事项").select_option(value=option.get_attribute("value") or "")
    phone.get_by_label("被重复索要的信息").select_option(label="姓名")
    phone.get_by_label("经过说明").fill("窗口要求手写姓名并提交身份证复印件")
    phone.get_by_role("button", name="提交").click()

    expect(phone).to_have_url(f"{platform.url}/onceonly/my-cases")
    case = phone.locator("li[id^='case-CF-']").first
    expect(case).to_contain_text("待处理")
    expect(case).to_contain_text(FORM)
    expect(case).to_contain_text("平台可提供，不应重复索要")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width

    sign_in(desk, (platform.coordinator, PASSWORD))
    desk.goto("/onceonly/cases?open_only=true")
    queue = desk.locator("#case-queue")
    expect(queue).to_contain_text("窗口要求手写姓名")
    queue.get_by_label("答复或理由").first.fill("已要求该部门改为平台回填")
    queue.get_by_role("button", name="答复并办结").first.click()
    expect(desk.locator("#case-queue")).to_contain_text("已办结")

    phone.reload()
    answered = phone.locator("li[id^='case-CF-']").first
    expect(answered).to_contain_text("已办结")
    expect(answered).to_contain_text("已要求该部门改为平台回填")
