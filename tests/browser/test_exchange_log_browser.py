"""The exchange log in a real browser: the providing department sees who called its
population data and for which matter, the consumer sees its own calls (a refusal among
them, in Chinese), and the coordinator verifies the hash chain."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace

import pytest
from playwright.sync_api import Browser, Locator, Page, expect
from sqlalchemy.orm import Session

from smartcity.domains.identity.permissions import Role
from smartcity.domains.sharing.service import exchange
from tests.browser.conftest import own_platform
from tests.browser.test_ui import sign_in
from tests.domains.sharing.test_exchange import population_world
from tests.domains.sharing.test_exchange_log import traffic
from tests.factories.identity import PASSWORD, make_user
from tests.factories.registry import coordinator_organization

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class Platform:
    url: str
    provider: str
    consumer: str
    coordinator: str
    consumer_name: str
    second_consumer_name: str
    seqs: tuple[int, int, int]  # own, second, elsewhere


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    """A population table of a police bureau, used by two consumers, and a call by the
    first consumer on another provider's resource (refused); an account in each of the
    provider, the first consumer and the coordinator."""
    folder = tmp_path_factory.mktemp("exchange-log-browser")

    def seed(session: Session) -> Platform:
        exchange.rate_limiter.reset()
        world = population_world(session, folder, rows=3)
        calls = traffic(session, world)
        provider = make_user(session, organization=world.provider, roles=[Role.org_admin])
        consumer = make_user(session, organization=world.consumer, roles=[Role.org_staff])
        coordinator = make_user(
            session, organization=coordinator_organization(session), roles=[Role.coordinator]
        )
        return Platform(
            "",
            provider.username,
            consumer.username,
            coordinator.username,
            world.consumer.name,
            calls.second_consumer.name,
            (calls.own, calls.second, calls.elsewhere),
        )

    with own_platform(folder, seed) as (url, seeded):
        yield replace(seeded, url=url)


@pytest.fixture
def log_page(browser: Browser, platform: Platform) -> Iterator[Page]:
    context = browser.new_context(
        base_url=platform.url, locale="zh-CN", viewport={"width": 1400, "height": 900}
    )
    context.set_default_timeout(10_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def _row(page: Page, seq: int) -> Locator:
    return page.locator(f'#exchange-log-table tr[data-seq="{seq}"]')


def test_the_provider_sees_who_used_its_data_and_for_what(
    log_page: Page, platform: Platform
) -> None:
    page = log_page
    own, second, elsewhere = platform.seqs
    sign_in(page, (platform.provider, PASSWORD))
    page.goto("/sharing")
    page.get_by_role("link", name="交换日志").click()
    expect(page.get_by_role("heading", name="交换日志")).to_be_visible()

    expect(_row(page, own)).to_contain_text(platform.consumer_name)
    expect(_row(page, own)).to_contain_text("社保待遇资格认证-001")
    expect(_row(page, own)).to_contain_text("按主键查询")
    expect(_row(page, own)).to_contain_text("成功")
    expect(_row(page, second)).to_contain_text(platform.second_consumer_name)
    expect(_row(page, second)).to_contain_text("医保参保登记-002")
    expect(_row(page, elsewhere)).to_have_count(0)  # another provider's data
    expect(page.get_by_role("button", name="校验日志链")).to_have_count(0)

    page.get_by_label("范围").select_option("consumer")
    page.get_by_role("button", name="筛选").click()
    expect(page.locator("#exchange-log-table")).to_contain_text("没有符合条件的交换调用")
    expect(page).to_have_url(re.compile(r"/sharing/exchange-log\?.*side=consumer"))


def test_the_consumer_sees_its_calls_and_a_bad_date_in_chinese(
    log_page: Page, platform: Platform
) -> None:
    page = log_page
    own, second, elsewhere = platform.seqs
    sign_in(page, (platform.consumer, PASSWORD))
    page.goto("/sharing/exchange-log")

    expect(_row(page, own)).to_contain_text("社保待遇资格认证-001")
    expect(_row(page, elsewhere)).to_contain_text("该资源没有可供交换的基础库表")
    expect(_row(page, second)).to_have_count(0)  # another consumer's call

    page.goto("/sharing/exchange-log?since=2026-02-30")
    expect(page.locator("#filter-errors")).to_contain_text("起始日期：应为日期，如 2026-01-31")


def test_the_coordinator_verifies_the_chain(log_page: Page, platform: Platform) -> None:
    page = log_page
    sign_in(page, (platform.coordinator, PASSWORD))
    page.goto("/sharing/exchange-log")
    for seq in platform.seqs:
        expect(_row(page, seq)).to_be_visible()

    page.get_by_role("button", name="校验日志链").click()

    report = page.locator("#verify-result #verify-report")
    expect(report).to_have_attribute("data-ok", "true")
    expect(report).to_contain_text("交换日志链完整")
    expect(page).to_have_url(f"{platform.url}/sharing/exchange-log")  # htmx, in place
