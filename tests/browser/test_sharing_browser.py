"""Share requests in a real browser: a department requests part of a conditional
resource, the daily clock reminds the coordinator, who passes the compliance check, the
provider grants part of the items, and the requester sees the outcome with the clock
gone."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from smartcity.core.config import SharingSettings
from smartcity.core.security import SYSTEM
from smartcity.domains.catalog.enums import ShareType
from smartcity.domains.identity import service as identity_service
from smartcity.domains.identity.permissions import Role
from smartcity.domains.identity.schemas import UserCreate
from smartcity.domains.registry.models import Organization
from smartcity.domains.sharing import tasks as sharing_tasks
from tests.browser.conftest import COORDINATOR, ORG_ADMIN, LiveServer
from tests.browser.test_ui import SCREENSHOTS, sign_in
from tests.factories.catalog import make_legal_basis
from tests.factories.sharing import make_shared_entry

pytestmark = pytest.mark.browser

REQUESTER = ("scj.sharing", "Market-Staff-2026")


@pytest.fixture(scope="module")
def resource(live_server: LiveServer) -> tuple[str, str]:
    """A conditional population resource of the police bureau, a market-regulation
    staff member who requests it, and a registered basis to refuse with."""
    suffix = uuid.uuid4().hex[:6].upper()
    name = f"常住人口基本信息{suffix}"
    basis_title = f"《济宁市户籍信息管理规定{suffix}》"
    with live_server.database.session_scope() as session:
        police = session.scalars(select(Organization).where(Organization.code == "JN-GAJ")).one()
        market = session.scalars(select(Organization).where(Organization.code == "JN-SCJ")).one()
        make_shared_entry(session, share_type=ShareType.conditional, provider=police, name=name)
        make_legal_basis(session, title=basis_title)
        identity_service.create_user(
            session,
            actor=SYSTEM,
            data=UserCreate(
                username=REQUESTER[0],
                display_name="赵科员",
                password=REQUESTER[1],
                roles=[Role.org_staff],
                organization_id=market.id,
            ),
        )
    return name, basis_title


def test_request_check_partial_grant_through_the_pages(
    page: Page, resource: tuple[str, str], live_server: LiveServer
) -> None:
    name, basis_title = resource
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    # The market regulator asks for name and address to issue business licences.
    sign_in(page, REQUESTER)
    page.get_by_role("link", name="数据共享").click()
    page.get_by_role("link", name="申请共享").click()
    page.get_by_role("searchbox").fill(name)
    results = page.locator("#entry-results")
    expect(results.get_by_text(name)).to_be_visible()
    results.get_by_role("link", name="申请").first.click()
    expect(page.get_by_role("heading", name=f"申请共享：{name}")).to_be_visible()
    page.get_by_label("公民身份号码").uncheck()
    page.get_by_label("用途").fill("核验个体工商户经营者身份和住所")
    page.get_by_label("应用场景").fill("个体工商户登记")
    page.screenshot(path=str(SCREENSHOTS / "sharing-request.png"), full_page=True)
    page.get_by_role("button", name="提交申请").click()
    expect(page.get_by_text("共享申请已提交")).to_be_visible()
    expect(page.locator("#request-state")).to_contain_text("合规审查中")
    expect(page.locator("#clock")).to_contain_text("剩余")
    number = page.get_by_role("heading", level=1).inner_text().removeprefix("共享申请 ").strip()
    request_url = page.url.split("?")[0]

    # The daily clock reminds the coordinator (a window as long as the two-day check
    # period, so the reminder goes out at once), and only once.
    whole_period = SharingSettings(remind_working_days_before=2)
    assert number in sharing_tasks.remind_due(live_server.database, settings=whole_period)
    assert number not in sharing_tasks.remind_due(live_server.database, settings=whole_period)

    # The coordinator sees the reminder in the check queue, opens it and passes it.
    page.context.clear_cookies()
    sign_in(page, COORDINATOR)
    page.goto("/sharing")
    row = page.locator("#to-check tr", has_text=number)
    expect(row).to_contain_text("已提醒")
    row.get_by_role("link", name=number).click()
    expect(page.locator("#clock")).to_contain_text("已提醒")
    expect(page.locator("#history")).to_contain_text("已提醒主管部门：合规审查即将到期")
    check = page.locator("#action-check")
    check.get_by_label("审查意见").fill("用途明确，信息项必要。")
    check.get_by_role("button", name="审查通过").click()
    expect(page.get_by_text("合规审查已完成")).to_be_visible()
    expect(page.locator("#request-state")).to_contain_text("提供部门答复中")

    # The police bureau grants the name only; the address is refused citing a basis.
    page.context.clear_cookies()
    sign_in(page, ORG_ADMIN)
    page.goto("/sharing")
    page.locator("#to-answer").get_by_role("link", name=number).click()
    answer = page.locator("#action-answer")
    answer.get_by_label("住址").uncheck()
    answer.get_by_role("button", name="提交答复").click()
    expect(page.get_by_text("必须引用已登记的法律法规依据")).to_be_visible()
    answer = page.locator("#action-answer")
    expect(answer.get_by_label("住址")).not_to_be_checked()
    option = answer.locator("select[name=refusal_basis_id] option", has_text=basis_title)
    answer.get_by_label("不予共享的法律依据").select_option(value=option.get_attribute("value"))
    answer.get_by_label("意见").fill("住址涉及个人隐私，不予共享。")
    answer.get_by_role("button", name="提交答复").click()
    expect(page.get_by_text("已答复共享申请")).to_be_visible()

    # The requester sees the partial grant, the basis, and no clock.
    page.context.clear_cookies()
    sign_in(page, REQUESTER)
    page.goto(request_url)
    expect(page.locator("#request-state")).to_contain_text("部分同意共享")
    expect(page.locator("#granted-items")).to_have_text("姓名")
    expect(page.locator("#refusal-basis")).to_contain_text(basis_title)
    expect(page.locator("#clock")).to_have_count(0)
    page.screenshot(path=str(SCREENSHOTS / "sharing-partial.png"), full_page=True)
    page.goto("/sharing/grants")
    expect(page.locator("#grants-consumer")).to_contain_text(name)

    # The coordinator's dashboard: the police bureau answered on time, the refusal's
    # basis has its share; each chart is drawn and its numbers are in a table.
    page.context.clear_cookies()
    sign_in(page, COORDINATOR)
    page.goto("/sharing/dashboard")
    expect(page.locator("#on-time tr", has_text="济宁市公安局")).to_contain_text("100.0%")
    expect(page.locator("#refusal-bases tr", has_text=basis_title)).to_contain_text("%")
    for chart in ("#calls-chart", "#on-time-chart", "#bases-chart"):
        expect(page.locator(chart)).to_have_attribute("data-chart-ready", "true")
    page.screenshot(path=str(SCREENSHOTS / "sharing-dashboard.png"), full_page=True)
