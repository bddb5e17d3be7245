"""The citizen's prefill pages (Art. 28): the consent page at phone width, approving some
fields with an edit, a refused approval shown at the page, decline, revoke and the list."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from smartcity.core.config import Settings
from smartcity.domains.identity.permissions import Role
from smartcity.domains.onceonly.prefill_enums import PrefillState
from tests.domains.onceonly.prefill_world import PrefillWorld, prefill_world
from tests.factories.identity import login, make_user

HTML = {"accept": "text/html"}


@pytest.fixture
def world(session: Session, tmp_path: Path) -> PrefillWorld:
    return prefill_world(session, tmp_path)


class TestConsentPage:
    def test_shows_values_sources_and_the_recipient_in_chinese(
        self, client: TestClient, session: Session, settings: Settings, world: PrefillWorld
    ) -> None:
        request = world.ask(session, case="低保-网页")
        login(client, session, world.citizen_user, settings)

        page = client.get(f"/onceonly/prefill/{request.id}", headers=HTML)

        assert page.status_code == 200
        text = page.text
        assert "授权回填确认" in text
        assert world.rows[0]["姓名"] in text
        assert world.rows[0]["户籍地址"] in text
        assert world.provider.name in text
        assert world.department.name in text
        assert "最低生活保障申请" in text
        assert "低保-网页" in text
        assert "同意并发送所选" in text
        assert world.rows[1]["姓名"] not in text
        assert 'name="viewport"' in text

    def test_approve_some_with_an_edit_then_revoke(
        self, client: TestClient, session: Session, settings: Settings, world: PrefillWorld
    ) -> None:
        request = world.ask(session)
        name, sex, address, phone = request.items
        csrf = login(client, session, world.citizen_user, settings)

        response = client.post(
            f"/onceonly/prefill/{request.id}/approve",
            data={
                "csrf_token": csrf,
                "approve": [str(name.id), str(phone.id)],
                f"edit-{phone.id}": "13912345678",
                f"edit-{sex.id}": "",
            },
            headers=HTML,
            follow_redirects=True,
        )

        assert response.status_code == 200
        assert "申请人提供，未经核验" in response.text
        assert "13912345678" in response.text
        assert request.state is PrefillState.approved
        assert phone.is_edited
        assert not address.is_approved
        revoked = client.post(
            f"/onceonly/prefill/{request.id}/revoke",
            data={"csrf_token": csrf},
            headers=HTML,
            follow_redirects=True,
        )
        assert "已撤回" in revoked.text
        listed = client.get("/onceonly/prefill", headers=HTML)
        assert "我的授权回填" in listed.text
        assert "已撤回" in listed.text

    def test_a_refused_approval_is_explained_at_the_page_and_changes_nothing(
        self, client: TestClient, session: Session, settings: Settings, world: PrefillWorld
    ) -> None:
        request = world.ask(session)
        name, sex, _address, _phone = request.items
        csrf = login(client, session, world.citizen_user, settings)

        response = client.post(
            f"/onceonly/prefill/{request.id}/approve",
            data={"csrf_token": csrf, "approve": [str(name.id)], f"edit-{sex.id}": "女"},
            headers=HTML,
        )

        assert response.status_code == 422
        assert "修改的字段未勾选同意：性别" in response.text
        assert request.state is PrefillState.pending
        assert not name.is_approved

    def test_decline(
        self, client: TestClient, session: Session, settings: Settings, world: PrefillWorld
    ) -> None:
        request = world.ask(session)
        csrf = login(client, session, world.citizen_user, settings)

        page = client.post(
            f"/onceonly/prefill/{request.id}/decline",
            data={"csrf_token": csrf},
            headers=HTML,
            follow_redirects=True,
        )

        assert "已拒绝" in page.text
        assert "部门得不到任何数据" in page.text

    def test_someone_elses_request_is_not_found_and_no_binding_is_explained(
        self, client: TestClient, session: Session, settings: Settings, world: PrefillWorld
    ) -> None:
        request = world.ask(session)
        login(client, session, world.neighbour_user, settings)
        assert client.get(f"/onceonly/prefill/{request.id}", headers=HTML).status_code == 404

        login(
            client, session, make_user(session, organization=None, roles=[Role.citizen]), settings
        )
        page = client.get("/onceonly/prefill", headers=HTML)
        assert page.status_code == 403
        assert "无法确认您的身份" in page.text
