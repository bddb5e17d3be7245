"""The exchange log page (/sharing/exchange-log): each reader sees its rows with names
and Chinese labels, filters narrow them, bad filter input is a Chinese message (not a
500), and the coordinator verifies the chain."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from smartcity.core.config import Settings
from smartcity.domains.identity.permissions import Role
from smartcity.domains.registry.models import Organization
from smartcity.domains.sharing.service import exchange
from tests.domains.sharing.test_exchange import World, population_world
from tests.domains.sharing.test_exchange_log import Traffic, disable_append_only, traffic
from tests.factories.identity import login, make_user
from tests.factories.registry import coordinator_organization

HTML = {"accept": "text/html"}
PAGE = "/sharing/exchange-log"


@dataclass
class Site:
    """The test client, ``traffic`` around ``world``, and signing in."""

    client: TestClient
    session: Session
    settings: Settings
    world: World
    calls: Traffic

    def sign_in(self, organization: Organization | None, role: Role = Role.org_staff) -> str:
        """Sign in as a new user of ``organization``; the CSRF token."""
        if role is Role.coordinator:
            organization = coordinator_organization(self.session)
        user = make_user(self.session, organization=organization, roles=[role])
        return login(self.client, self.session, user, self.settings)

    def get(self, path: str = PAGE, **params: str) -> httpx.Response:
        response: httpx.Response = self.client.get(path, params=params, headers=HTML)
        return response


@pytest.fixture
def site(client: TestClient, session: Session, settings: Settings, tmp_path: Path) -> Site:
    exchange.rate_limiter.reset()
    world = population_world(session, tmp_path)
    return Site(client, session, settings, world, traffic(session, world))


def _seqs(html: str) -> list[int]:
    return [int(s) for s in re.findall(r'<tr data-seq="(\d+)"', html)]


def _row(html: str, seq: int) -> str:
    return html.split(f'<tr data-seq="{seq}">', 1)[1].split("</tr>", 1)[0]


class TestWhoSeesWhat:
    def test_the_provider_sees_who_used_its_data_for_what_matter(self, site: Site) -> None:
        site.sign_in(site.world.provider)

        response = site.get()

        assert response.status_code == 200, response.text
        html = response.text
        assert _seqs(html) == [site.calls.second, site.calls.own]
        own = _row(html, site.calls.own)
        assert site.world.consumer.name in own
        assert "社保待遇资格认证-001" in own
        assert "按主键查询" in own
        assert "成功" in own
        assert "/sharing/grants#grant-" in own  # the grant's number links to the grants page
        assert "测试用户" in own  # the calling user's name
        second = _row(html, site.calls.second)
        assert site.calls.second_consumer.name in second
        assert "批量查询" in second
        assert '<td class="num">2</td>' in second  # two data subjects
        assert "医保参保登记-002" in second

    def test_the_consumer_sees_its_calls_with_the_refusal_in_chinese(self, site: Site) -> None:
        site.sign_in(site.world.consumer)

        html = site.get().text

        assert _seqs(html) == [site.calls.elsewhere, site.calls.own]
        refused = _row(html, site.calls.elsewhere)
        assert "该资源没有可供交换的基础库表" in refused
        assert "sharing.exchange-source-unavailable" in refused
        assert "校验日志链" not in html

    def test_side_shows_one_side(self, site: Site) -> None:
        site.sign_in(site.world.provider, Role.org_admin)

        provided = site.get(side="provider").text
        made = site.get(side="consumer").text

        assert _seqs(provided) == [site.calls.second, site.calls.own]
        assert _seqs(made) == []
        assert "没有符合条件的交换调用" in made

    def test_a_third_department_sees_nothing(self, site: Site) -> None:
        site.sign_in(site.world.other)

        assert _seqs(site.get().text) == []

    def test_the_coordinator_sees_all_and_searches_by_data_subject(self, site: Site) -> None:
        site.sign_in(None, Role.coordinator)

        everything = site.get(size="100").text
        subject = site.get(subject_key=site.world.key(2)).text
        refused = site.get(result="sharing.exchange-source-unavailable").text
        batches = site.get(operation="batch").text

        assert {site.calls.own, site.calls.second, site.calls.elsewhere} <= set(_seqs(everything))
        assert _seqs(subject) == [site.calls.second]
        assert site.calls.elsewhere in _seqs(refused)
        assert site.calls.own not in _seqs(refused)
        assert site.calls.second in _seqs(batches)
        assert site.calls.own not in _seqs(batches)


class TestFilters:
    def test_the_grant_and_date_filters(self, site: Site) -> None:
        site.sign_in(site.world.provider)
        html = site.get().text
        grant_id = re.search(r"/sharing/grants#grant-([0-9a-f-]{36})", _row(html, site.calls.own))
        assert grant_id is not None

        one_grant = site.get(grant_id=grant_id.group(1)).text
        today = site.get(since="2000-01-01", until="2999-12-31").text
        long_ago = site.get(since="2000-01-01", until="2000-01-31").text

        assert _seqs(one_grant) == [site.calls.own]
        assert _seqs(today) == [site.calls.second, site.calls.own]
        assert _seqs(long_ago) == []

    @pytest.mark.parametrize(
        ("params", "message"),
        [
            ({"since": "2026-02-30"}, "起始日期：应为日期，如 2026-01-31"),
            ({"until": "yesterday"}, "截止日期：应为日期，如 2026-01-31"),
            ({"grant_id": "not-a-uuid"}, "共享授权：请选择有效的选项"),
            ({"side": "both"}, "范围：不是允许的取值"),
            ({"since": "2026-03-02", "until": "2026-03-01"}, "截止日期不能早于起始日期"),
        ],
    )
    def test_bad_input_is_a_chinese_message_not_a_500(
        self, site: Site, params: dict[str, str], message: str
    ) -> None:
        site.sign_in(site.world.consumer)

        response = site.get(**params)

        assert response.status_code == 422, response.text
        assert 'id="filter-errors"' in response.text
        assert message in response.text
        assert _seqs(response.text) == []

    def test_htmx_gets_the_table_only(self, site: Site) -> None:
        site.sign_in(site.world.consumer)

        response = site.client.get(PAGE, headers={**HTML, "HX-Request": "true"})

        assert response.status_code == 200
        assert response.text.lstrip().startswith('<div id="exchange-log-table">')


class TestAccessAndVerification:
    def test_anonymous_visitors_are_sent_to_login(self, client: TestClient) -> None:
        response = client.get(PAGE, headers=HTML, follow_redirects=False)

        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=")

    def test_citizens_are_refused(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        login(
            client, session, make_user(session, organization=None, roles=[Role.citizen]), settings
        )

        assert client.get(PAGE, headers=HTML).status_code == 403

    def test_the_pages_link_to_the_log(self, site: Site) -> None:
        site.sign_in(site.world.provider)

        assert f'href="{PAGE}"' in site.get("/sharing").text
        assert f'href="{PAGE}"' in site.get("/sharing/grants").text

    def test_the_coordinator_verifies_the_chain_and_finds_a_break(self, site: Site) -> None:
        csrf = site.sign_in(None, Role.coordinator)
        assert "校验日志链" in site.get().text

        clean = site.client.post(f"{PAGE}/verify", data={"csrf_token": csrf}, headers=HTML)
        assert clean.status_code == 200, clean.text
        assert 'data-ok="true"' in clean.text
        assert "交换日志链完整" in clean.text

        disable_append_only(site.session)
        site.session.execute(
            text("UPDATE sharing_exchange_log SET case_reference = '伪造' WHERE seq = :s"),
            {"s": site.calls.second},
        )
        broken = site.client.post(
            f"{PAGE}/verify", data={"csrf_token": csrf}, headers={**HTML, "HX-Request": "true"}
        )
        assert broken.status_code == 200
        assert 'data-ok="false"' in broken.text
        assert "交换日志链校验失败" in broken.text
        assert f"首个断点：第 {site.calls.second} 条记录" in broken.text

    def test_departments_cannot_verify(self, site: Site) -> None:
        csrf = site.sign_in(site.world.provider, Role.org_admin)

        response = site.client.post(f"{PAGE}/verify", data={"csrf_token": csrf}, headers=HTML)

        assert response.status_code == 403
