"""My data (Art. 68) in a real browser at phone width: the citizen signs in, sees his
record with its sources and the departments that looked him up (a bulk download marked),
a call under a lawful deferral is not shown, nothing overflows a 390-pixel screen; a
citizen without a binding gets the Chinese explanation; the coordinator's deferral form
refuses a deferral without a legal basis in Chinese."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import timedelta

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect
from sqlalchemy.orm import Session

from smartcity.core.time import today_in_china
from smartcity.domains.identity.permissions import Role
from smartcity.domains.privacy import service as privacy_service
from smartcity.domains.privacy.schemas import DeferralCreate
from tests.browser.conftest import own_platform
from tests.browser.test_ui import sign_in
from tests.domains.privacy.world import privacy_world
from tests.factories.catalog import make_legal_basis
from tests.factories.identity import PASSWORD, make_user
from tests.factories.registry import coordinator_organization

pytestmark = pytest.mark.browser

PHONE: ViewportSize = {"width": 390, "height": 844}


@dataclass(frozen=True)
class Platform:
    url: str
    citizen: str
    unbound: str
    coordinator: str
    name: str
    consumer_name: str


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    folder = tmp_path_factory.mktemp("my-data-browser")

    def seed(session: Session) -> Platform:
        world = privacy_world(session, folder)
        world.look_up(session, case="办件-手机")
        world.look_up(session, case="侦查-保密")
        world.extract(session, case="批量-手机")
        basis = make_legal_basis(session)
        privacy_service.create_deferral(
            session,
            actor=world.coordinator,
            data=DeferralCreate(
                organization_id=world.exchange.consumer.id,
                case_reference="侦查-保密",
                legal_basis_id=basis.id,
                ends_on=today_in_china() + timedelta(days=30),
            ),
        )
        unbound = make_user(session, organization=None, roles=[Role.citizen])
        coordinator = make_user(
            session, organization=coordinator_organization(session), roles=[Role.coordinator]
        )
        return Platform(
            "",
            world.user.username,
            unbound.username,
            coordinator.username,
            world.exchange.rows[0]["姓名"],
            world.exchange.consumer.name,
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


def _no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width


def test_the_citizen_sees_his_data_and_who_looked_on_a_phone(
    phone: Page, platform: Platform
) -> None:
    sign_in(phone, (platform.citizen, PASSWORD), path="/login?next=/privacy/my-data")
    phone.goto("/privacy/my-data")

    expect(phone.get_by_role("heading", name="我的数据", exact=True)).to_be_visible()
    records = phone.locator("#records")
    expect(records).to_contain_text(platform.name)
    expect(records).to_contain_text("来源")
    calls = phone.locator("#my-calls")
    expect(calls).to_contain_text(platform.consumer_name)
    expect(calls).to_contain_text("办件-手机")
    expect(calls).to_contain_text("批量下载（含全部记录）")
    expect(calls).not_to_contain_text("侦查-保密")
    _no_sideways_scroll(phone)


def test_a_citizen_without_binding_gets_the_explanation(phone: Page, platform: Platform) -> None:
    sign_in(phone, (platform.unbound, PASSWORD))
    phone.goto("/privacy/my-data")

    expect(phone.locator("#no-binding")).to_contain_text("无法确认您的身份")
    _no_sideways_scroll(phone)


def test_a_deferral_without_legal_basis_is_refused_in_chinese(
    browser: Browser, platform: Platform
) -> None:
    context = browser.new_context(
        base_url=platform.url, locale="zh-CN", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        sign_in(page, (platform.coordinator, PASSWORD))
        page.goto("/privacy/deferrals")
        expect(page.locator("#deferral-list")).to_contain_text("生效中")
        page.get_by_label("查询单位").select_option(label=platform.consumer_name)
        page.get_by_label("截止日期").fill((today_in_china() + timedelta(days=5)).isoformat())
        # The browser's own check would stop an empty required select; drop it to reach
        # the server's rule.
        page.evaluate("document.getElementById('f-legal_basis_id').removeAttribute('required')")
        page.get_by_role("button", name="登记").click()
        expect(page.locator("#new-deferral")).to_contain_text("延迟告知必须载明法律依据")
    finally:
        context.close()
