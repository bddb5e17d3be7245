"""Change subscriptions in a real browser: the market regulator (a consumer with a
``changes`` grant on the police's population data) finds its subscription and a dead
letter, redelivers it in place, and subscribes a second webhook (the secret shown
once); the police bureau (the provider) sees the subscription to its data and
redelivers the other dead letter from the subscription's page."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.core.security import SYSTEM
from smartcity.domains.base_data import service as base_data_service
from smartcity.domains.base_data.models import LoadMode, OnError
from smartcity.domains.base_data.spec import POPULATION, FieldType
from smartcity.domains.catalog.enums import ClassificationKind, DataType
from smartcity.domains.identity import service as identity_service
from smartcity.domains.identity.permissions import Role
from smartcity.domains.identity.schemas import UserCreate
from smartcity.domains.identity.service import actor_for_user
from smartcity.domains.registry.models import Organization
from smartcity.domains.sharing.enums import DeliveryState, QueryMode
from smartcity.domains.sharing.service import notifications, subscriptions
from smartcity.domains.sharing.service.webhook_policy import WebhookPolicy
from smartcity.domains.sharing.subscription_schemas import SubscriptionCreate
from tests.browser.conftest import ORG_ADMIN, LiveServer
from tests.browser.test_ui import SCREENSHOTS, sign_in
from tests.domains.sharing.test_exchange import GRADES
from tests.factories.base_data import csv_bytes, person_row
from tests.factories.catalog import item, make_entry
from tests.factories.sharing import make_grant

pytestmark = pytest.mark.browser

SUBSCRIBER = ("scj.subscriber", "Market-Subscriber-2026")
_TYPES = {FieldType.string: DataType.string, FieldType.date: DataType.date}


@dataclass(frozen=True)
class Subscribed:
    entry: str
    grant: str
    number: str
    subscription_id: uuid.UUID
    dead: tuple[uuid.UUID, uuid.UUID]


def _load(session: Session, table_id: uuid.UUID, provider: Organization, path: Path) -> int:
    started = base_data_service.start_load(
        session,
        actor=SYSTEM,
        table_id=table_id,
        mode=LoadMode.upsert,
        on_error=OnError.reject,
        filename=path.name,
        organization_id=provider.id,
    )
    base_data_service.apply_load(session, actor=SYSTEM, load_id=started.id, path=path)
    return started.id


@pytest.fixture(scope="module")
def subscribed(live_server: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> Subscribed:
    """A population resource of the police (a name of its own, so other browser tests
    keep theirs), a ``changes`` grant to the market regulator, its subscriber, one
    subscription and two dead letters (two corrections whose attempts all failed)."""
    folder = tmp_path_factory.mktemp("subscriptions")
    suffix = uuid.uuid4().hex[:6].upper()
    name = f"人口变更订阅测试{suffix}"
    database = live_server.database
    with database.session_scope() as session:
        police = session.scalars(select(Organization).where(Organization.code == "JN-GAJ")).one()
        market = session.scalars(select(Organization).where(Organization.code == "JN-SCJ")).one()
        entry = make_entry(
            session,
            provider=police,
            classification_kind=ClassificationKind.base,
            base_database=POPULATION.base_database,
            category_code="B.01.01",
            name=name,
            items=[
                item(
                    f.name,
                    data_type=_TYPES.get(f.type, DataType.string),
                    length=f.max_length if f.type is FieldType.string else None,
                    grade_code=GRADES[f.name][0],
                    is_personal=GRADES[f.name][1],
                )
                for f in POPULATION.fields
            ],
        )
        table = base_data_service.build_table(session, actor=SYSTEM, entry_id=entry.id)
        first = folder / "people.csv"
        first.write_bytes(csv_bytes([person_row(n) for n in range(1, 4)]))
        _load(session, table.id, police, first)
        user = identity_service.create_user(
            session,
            actor=SYSTEM,
            data=UserCreate(
                username=SUBSCRIBER[0],
                display_name="孙科员",
                password=SUBSCRIBER[1],
                roles=[Role.org_staff],
                organization_id=market.id,
            ),
        )
        subscriber = actor_for_user(user)
    with database.session_scope() as session:  # after the first load was announced
        grant = make_grant(
            session,
            entry=entry,
            consumer=market,
            items=["公民身份号码", "姓名", "性别"],
            query_modes=[QueryMode.lookup, QueryMode.changes],
        )
        subscription = subscriptions.subscribe(
            session,
            actor=subscriber,
            data=SubscriptionCreate(grant_id=grant.id, callback_url="http://127.0.0.1:9/scj"),
            policy=WebhookPolicy(allow_loopback=True),
        )
        dead: list[uuid.UUID] = []
        for n, new_name in ((1, "更正甲"), (2, "更正乙")):
            path = folder / f"correction-{n}.csv"
            path.write_bytes(csv_bytes([person_row(n, 姓名=new_name)]))
            load_id = _load(session, table.id, police, path)
            [delivery] = notifications.notify_load(session, load_id=load_id, entry_id=entry.id)
            delivery.state = DeliveryState.dead
            delivery.attempts = 10
            delivery.next_attempt_at = None
            delivery.last_status = 503
            delivery.last_error = "HTTP 503：接收系统维护中"
            delivery.dead_at = delivery.created_at
            dead.append(delivery.id)
        result = Subscribed(
            entry=name,
            grant=grant.number,
            number=subscription.number,
            subscription_id=subscription.id,
            dead=(dead[0], dead[1]),
        )
    return result


def test_consumer_and_provider_see_and_redeliver_dead_letters(
    page: Page, subscribed: Subscribed
) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    first, second = subscribed.dead

    # The market regulator finds its subscription and the dead letters.
    sign_in(page, SUBSCRIBER)
    page.get_by_role("link", name="数据共享").click()
    page.get_by_role("link", name="变更订阅").click()
    expect(page.get_by_role("heading", name="变更订阅", level=1)).to_be_visible()
    mine = page.locator("#mine")
    expect(mine.get_by_role("link", name=subscribed.number)).to_be_visible()
    expect(mine).to_contain_text(subscribed.entry)
    letters = page.locator("#dead-letters")
    expect(letters.locator(f"#delivery-{first}")).to_contain_text("投递失败（死信）")
    expect(letters.locator(f"#delivery-{first}")).to_contain_text("接收系统维护中")
    page.screenshot(path=str(SCREENSHOTS / "subscriptions-dead-letters.png"), full_page=True)

    # It redelivers one in place (htmx swaps the row).
    letters.locator(f"#delivery-{first}").get_by_role("button", name="重新投递").click()
    row = page.locator(f"#delivery-{first}")
    expect(row).to_contain_text("待投递")
    expect(row.get_by_role("button", name="重新投递")).to_have_count(0)
    expect(row).to_contain_text("已重新排队")

    # It subscribes a second webhook and sees the signing secret once.
    form = page.locator("#subscribe")
    option = form.locator("select[name=grant_id] option", has_text=subscribed.grant)
    form.get_by_label("共享授权").select_option(value=option.get_attribute("value"))
    form.get_by_label("回调地址").fill("http://127.0.0.1:9/scj-second")
    form.get_by_role("button", name="订阅变更").click()
    expect(page.locator("#created")).to_contain_text("签名密钥只显示这一次")
    expect(page.locator("#subscription-secret")).not_to_be_empty()
    expect(page.locator("#mine")).to_contain_text("http://127.0.0.1:9/scj-second")

    # A bad callback comes back on the form.
    form = page.locator("#subscribe")
    form.get_by_label("共享授权").select_option(value=option.get_attribute("value"))
    form.get_by_label("回调地址").fill("ftp://127.0.0.1/x")
    form.get_by_role("button", name="订阅变更").click()
    expect(page.locator("#subscribe")).to_contain_text("回调地址须为以 http:// 或 https:// 开头")

    # The police bureau sees the subscription to its data and redelivers the other one.
    page.context.clear_cookies()
    sign_in(page, ORG_ADMIN)
    page.goto("/sharing/subscriptions")
    received = page.locator("#received")
    expect(received).to_contain_text("济宁市市场监督管理局")
    received.get_by_role("link", name=subscribed.number).click()
    expect(page.get_by_role("heading", name=f"变更订阅 {subscribed.number}")).to_be_visible()
    expect(page.get_by_role("button", name="取消订阅")).to_have_count(0)
    page.get_by_role("link", name="投递失败（死信）").click()
    row = page.locator(f"#delivery-{second}")
    expect(row).to_contain_text("HTTP 503")
    expect(page.locator(f"#delivery-{first}")).to_have_count(0)  # redelivered: pending now
    row.get_by_role("button", name="重新投递").click()
    expect(page.locator(f"#delivery-{second}")).to_contain_text("待投递")
    page.screenshot(path=str(SCREENSHOTS / "subscriptions-provider.png"), full_page=True)
