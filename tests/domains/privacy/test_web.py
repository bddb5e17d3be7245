"""The "my data" page (phone width) and the deferrals page (Art. 68)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smartcity.core.config import Settings
from smartcity.core.time import today_in_china
from smartcity.domains.identity.permissions import Role
from smartcity.domains.privacy.models import AccessDeferral
from tests.domains.privacy.world import PrivacyWorld, privacy_world
from tests.factories.catalog import make_legal_basis
from tests.factories.identity import login, make_user
from tests.factories.registry import coordinator_organization

HTML = {"accept": "text/html"}


@pytest.fixture
def world(session: Session, tmp_path: Path) -> PrivacyWorld:
    return privacy_world(session, tmp_path)


class TestMyDataPage:
    def test_shows_my_values_sources_and_who_looked_in_chinese(
        self, client: TestClient, session: Session, settings: Settings, world: PrivacyWorld
    ) -> None:
        world.look_up(session, case="办件-网页")
        world.look_up(session, key=world.exchange.key(1), case="别人的办件")
        world.extract(session, case="批量-网页")
        login(client, session, world.user, settings)

        page = client.get("/privacy/my-data", headers=HTML)

        assert page.status_code == 200
        text = page.text
        assert "我的数据" in text
        assert world.exchange.rows[0]["姓名"] in text
        assert world.exchange.provider.name in text
        assert "办件-网页" in text
        assert "批量下载（含全部记录）" in text
        assert "别人的办件" not in text
        assert world.exchange.key(1) not in text
        assert world.exchange.rows[1]["姓名"] not in text
        assert 'name="viewport"' in text

    def test_without_binding_is_a_chinese_explanation(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        login(
            client, session, make_user(session, organization=None, roles=[Role.citizen]), settings
        )

        page = client.get("/privacy/my-data", headers=HTML)

        assert page.status_code == 403
        assert "无法确认您的身份" in page.text
        assert "不接受输入他人的号码" in page.text

    def test_anonymous_is_sent_to_login(self, client: TestClient) -> None:
        response = client.get("/privacy/my-data", headers=HTML, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=")


class TestDeferralsPage:
    def test_the_coordinator_records_one_and_bad_input_is_shown_in_chinese(
        self, client: TestClient, session: Session, settings: Settings, world: PrivacyWorld
    ) -> None:
        basis = make_legal_basis(session)
        coordinator = make_user(
            session, organization=coordinator_organization(session), roles=[Role.coordinator]
        )
        csrf = login(client, session, coordinator, settings)
        before = session.scalar(select(func.count()).select_from(AccessDeferral))
        form = {
            "csrf_token": csrf,
            "organization_id": str(world.exchange.consumer.id),
            "case_reference": "侦-网页",
        }

        refused = client.post("/privacy/deferrals", data=form, headers=HTML)

        assert refused.status_code == 422
        assert "延迟告知必须载明法律依据" in refused.text
        assert session.scalar(select(func.count()).select_from(AccessDeferral)) == before

        form["legal_basis_id"] = str(basis.id)
        no_end = client.post("/privacy/deferrals", data=form, headers=HTML)
        assert no_end.status_code == 422
        assert "延迟告知必须载明截止日期" in no_end.text

        form["ends_on"] = (today_in_china() + timedelta(days=20)).isoformat()
        form["starts_on"] = (today_in_china() + timedelta(days=21)).isoformat()
        late_start = client.post("/privacy/deferrals", data=form, headers=HTML)
        assert late_start.status_code == 422
        assert "开始日期不能晚于截止日期" in late_start.text
        form["starts_on"] = (today_in_china() - timedelta(days=3)).isoformat()
        done = client.post("/privacy/deferrals", data=form, headers=HTML, follow_redirects=False)
        assert done.status_code == 303
        listing = client.get("/privacy/deferrals", headers=HTML)
        assert "侦-网页" in listing.text
        assert "生效中" in listing.text
        assert f"{(today_in_china() - timedelta(days=3)).isoformat()} — " in listing.text

    def test_the_coordinator_ends_one_early_with_a_reason(
        self, client: TestClient, session: Session, settings: Settings, world: PrivacyWorld
    ) -> None:
        basis = make_legal_basis(session)
        coordinator = make_user(
            session, organization=coordinator_organization(session), roles=[Role.coordinator]
        )
        deferral = AccessDeferral(
            organization_id=world.exchange.consumer.id,
            legal_basis_id=basis.id,
            ends_on=today_in_china() + timedelta(days=20),
            case_reference="侦-提前",
        )
        session.add(deferral)
        session.flush()
        csrf = login(client, session, coordinator, settings)
        url = f"/privacy/deferrals/{deferral.id}/end"

        refused = client.post(url, data={"csrf_token": csrf, "end_reason": ""}, headers=HTML)

        assert refused.status_code == 422
        assert "请说明提前结束延迟告知的理由" in refused.text
        session.refresh(deferral)
        assert deferral.ends_on == today_in_china() + timedelta(days=20)

        done = client.post(
            url,
            data={"csrf_token": csrf, "end_reason": "案件已办结"},
            headers=HTML,
            follow_redirects=False,
        )
        assert done.status_code == 303
        session.refresh(deferral)
        assert deferral.ends_on == today_in_china() - timedelta(days=1)
        assert "已到期，已公开" in client.get("/privacy/deferrals", headers=HTML).text

    def test_staff_get_403(
        self, client: TestClient, session: Session, settings: Settings, world: PrivacyWorld
    ) -> None:
        admin = make_user(session, organization=world.exchange.consumer, roles=[Role.org_admin])
        csrf = login(client, session, admin, settings)
        assert client.get("/privacy/deferrals", headers=HTML).status_code == 403
        response = client.post("/privacy/deferrals", data={"csrf_token": csrf}, headers=HTML)
        assert response.status_code == 403
