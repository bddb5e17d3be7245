"""Pages of change subscriptions: the consumer's list with the form to subscribe and the
secret shown once, the provider's view of subscriptions to its data, one subscription
with its notifications, and redelivering a dead letter through htmx."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from smartcity.core.config import Settings
from smartcity.domains.identity.permissions import Role
from smartcity.domains.sharing.enums import DeliveryState, SubscriptionState
from smartcity.domains.sharing.service import exchange
from tests.domains.sharing.test_exchange import World, grant_for, population_world
from tests.domains.sharing.test_subscriptions import GRANTED, changes_grant, subscribe
from tests.domains.sharing.test_subscriptions_api import dead_letter, sign_in

HTML = {"accept": "text/html"}
PAGE = "/sharing/subscriptions"


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    exchange.rate_limiter.reset()


@pytest.fixture
def world(session: Session, tmp_path: Path) -> World:
    return population_world(session, tmp_path, rows=3)


class TestListPage:
    def test_anonymous_visitors_are_sent_to_login(self, client: TestClient) -> None:
        response = client.get(PAGE, headers=HTML, follow_redirects=False)
        assert response.status_code == 303

    def test_the_consumer_subscribes_and_sees_the_secret_once(
        self, client: TestClient, session: Session, settings: Settings, world: World
    ) -> None:
        grant = changes_grant(world, session)
        lookup_only = grant_for(world, session, items=GRANTED)  # no changes mode: not offered
        sign_in(client, session, settings, world.consumer)

        page = client.get(PAGE, headers=HTML)
        assert page.status_code == 200
        assert grant.number in page.text
        assert f'<option value="{grant.id}"' in page.text
        assert f'<option value="{lookup_only.id}"' not in page.text
        assert "本部门尚未订阅变更" in page.text

        created = client.post(
            PAGE,
            data={"grant_id": str(grant.id), "callback_url": "http://127.0.0.1:9/hooks"},
            headers=HTML,
        )

        assert created.status_code == 201, created.text
        secret = re.search(
            r'<code id="subscription-secret" class="token">([^<]+)</code>', created.text
        )
        assert secret is not None
        assert len(secret.group(1)) >= 40
        assert "http://127.0.0.1:9/hooks" in created.text
        again = client.get(PAGE, headers=HTML)
        assert secret.group(1) not in again.text
        assert "http://127.0.0.1:9/hooks" in again.text

    def test_a_bad_callback_comes_back_on_the_form(
        self, client: TestClient, session: Session, settings: Settings, world: World
    ) -> None:
        grant = changes_grant(world, session)
        sign_in(client, session, settings, world.consumer)

        response = client.post(
            PAGE,
            data={"grant_id": str(grant.id), "callback_url": "ftp://127.0.0.1/x"},
            headers=HTML,
        )

        assert response.status_code == 422
        assert "回调地址须为以 http:// 或 https:// 开头" in response.text
        assert 'value="ftp://127.0.0.1/x"' in response.text
        missing = client.post(PAGE, data={"grant_id": "", "callback_url": "x"}, headers=HTML)
        assert missing.status_code == 422
        assert "请选择含增量同步方式的共享授权" in missing.text

    def test_the_provider_sees_subscriptions_to_its_data_and_their_dead_letters(
        self,
        client: TestClient,
        session: Session,
        settings: Settings,
        world: World,
        tmp_path: Path,
    ) -> None:
        delivery = dead_letter(session, world, tmp_path, changes_grant(world, session))
        sign_in(client, session, settings, world.provider, Role.org_admin)

        page = client.get(PAGE, headers=HTML)

        assert page.status_code == 200
        assert "订阅本部门数据的" in page.text
        assert world.consumer.name in page.text
        assert f'id="delivery-{delivery.id}"' in page.text
        assert "重新投递" in page.text
        assert "本部门没有含“增量同步”方式的有效授权" in page.text

    def test_another_department_sees_none_of_it(
        self,
        client: TestClient,
        session: Session,
        settings: Settings,
        world: World,
        tmp_path: Path,
    ) -> None:
        delivery = dead_letter(session, world, tmp_path, changes_grant(world, session))
        sign_in(client, session, settings, world.other, Role.org_admin)

        page = client.get(PAGE, headers=HTML)

        assert page.status_code == 200
        assert str(delivery.id) not in page.text
        assert "没有死信" in page.text
        detail = client.get(f"{PAGE}/{delivery.subscription_id}", headers=HTML)
        assert detail.status_code == 404


class TestDetailPage:
    def test_shows_the_notifications_filters_the_dead_and_redelivers_by_htmx(
        self,
        client: TestClient,
        session: Session,
        settings: Settings,
        world: World,
        tmp_path: Path,
    ) -> None:
        delivery = dead_letter(session, world, tmp_path, changes_grant(world, session))
        url = f"{PAGE}/{delivery.subscription_id}"
        sign_in(client, session, settings, world.consumer)

        page = client.get(url, headers=HTML)
        assert page.status_code == 200
        assert "投递失败（死信）" in page.text
        assert "HTTP 500" in page.text
        assert "暂停推送" in page.text
        assert "取消订阅" in page.text
        assert "待投递" in client.get(url, params={"state": "dead"}, headers=HTML).text
        pending = client.get(url, params={"state": "pending"}, headers=HTML)
        assert "没有变更通知" in pending.text

        row = client.post(
            f"{url}/deliveries/{delivery.id}/redeliver",
            headers={**HTML, "HX-Request": "true"},
        )

        assert row.status_code == 200, row.text
        assert row.text.lstrip().startswith(f'<tr id="delivery-{delivery.id}"')
        assert "待投递" in row.text
        assert "重新投递</button>" not in row.text
        assert delivery.state is DeliveryState.pending
        again = client.post(
            f"{url}/deliveries/{delivery.id}/redeliver", headers={**HTML, "HX-Request": "true"}
        )
        assert again.status_code == 409

    def test_pause_and_cancel_through_the_page(
        self, client: TestClient, session: Session, settings: Settings, world: World
    ) -> None:
        subscription = subscribe(session, world, changes_grant(world, session))
        url = f"{PAGE}/{subscription.id}"
        sign_in(client, session, settings, world.consumer)

        paused = client.post(f"{url}/pause", headers=HTML)
        assert paused.status_code == 200
        assert "已暂停推送" in paused.text
        assert "恢复推送" in paused.text
        cancelled = client.post(f"{url}/cancel", headers=HTML)
        assert "订阅已取消" in cancelled.text
        assert subscription.state is SubscriptionState.cancelled
        assert "取消订阅</button>" not in cancelled.text

    def test_the_provider_may_redeliver_but_not_manage(
        self,
        client: TestClient,
        session: Session,
        settings: Settings,
        world: World,
        tmp_path: Path,
    ) -> None:
        delivery = dead_letter(session, world, tmp_path, changes_grant(world, session))
        sign_in(client, session, settings, world.provider, Role.org_admin)

        page = client.get(f"{PAGE}/{delivery.subscription_id}", headers=HTML)

        assert "重新投递" in page.text
        assert "取消订阅" not in page.text
        assert "暂停推送" not in page.text
        response = client.post(
            f"{PAGE}/{delivery.subscription_id}/deliveries/{delivery.id}/redeliver",
            headers=HTML,
            follow_redirects=False,
        )
        assert response.status_code == 303
        assert response.headers["location"].endswith("?done=redelivered")


class TestLinks:
    def test_the_sharing_pages_link_to_subscriptions(
        self, client: TestClient, session: Session, settings: Settings, world: World
    ) -> None:
        sign_in(client, session, settings, world.consumer)
        for path in ("/sharing", "/sharing/grants"):
            assert f'href="{PAGE}"' in client.get(path, headers=HTML).text
