"""The page where a registered user manages open data API keys (Art. 31)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.core.config import Settings
from smartcity.domains.identity.permissions import Role
from smartcity.domains.opendata.models import OpenApiKey
from tests.factories.identity import login, make_user

HTML = {"Accept": "text/html"}


def test_anonymous_visitors_are_sent_to_the_login_page(client: TestClient) -> None:
    response = client.get("/opendata/api-keys", headers=HTML, follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")


def test_the_portal_tabs_lead_developers_to_their_keys(
    client: TestClient, session: Session, settings: Settings
) -> None:
    home = client.get("/opendata", headers=HTML)
    assert 'href="/opendata/api-keys"' in home.text

    user = make_user(session, organization=None, roles=[Role.citizen])
    login(client, session, user, settings)
    page = client.get("/opendata/api-keys", headers=HTML)
    assert 'href="/opendata/api-keys" aria-current="page"' in page.text


def test_a_user_creates_a_key_sees_it_once_uses_it_and_revokes_it(
    client: TestClient, session: Session, settings: Settings
) -> None:
    user = make_user(session, organization=None, roles=[Role.citizen])
    login(client, session, user, settings)

    empty = client.get("/opendata/api-keys", headers=HTML)
    created = client.post("/opendata/api-keys", data={"name": "公交数据分析"}, headers=HTML)
    row = session.scalars(select(OpenApiKey).where(OpenApiKey.user_id == user.id)).one()
    key = f"odk_{row.key_prefix}_"
    start = created.text.index(key)
    full_key = created.text[start : created.text.index("<", start)]
    listed = client.get("/opendata/api-keys", headers=HTML)

    assert empty.status_code == 200
    assert "还没有密钥" in empty.text
    assert created.status_code == 200
    assert created.headers["cache-control"] == "no-store"
    assert "请立即复制保存" in created.text
    assert full_key not in listed.text  # shown once
    assert f"odk_{row.key_prefix}_…" in listed.text
    used = client.get("/api/3/action/status_show", headers={"Authorization": full_key})
    assert used.json()["success"] is True

    revoked = client.post(f"/opendata/api-keys/{row.id}/revoke", follow_redirects=False)

    assert revoked.status_code == 303
    session.refresh(row)
    assert row.revoked_at is not None
    assert "已撤销" in client.get("/opendata/api-keys", headers=HTML).text


def test_a_blank_name_is_shown_at_the_field_and_nothing_is_created(
    client: TestClient, session: Session, settings: Settings
) -> None:
    user = make_user(session, organization=None, roles=[Role.citizen])
    login(client, session, user, settings)

    response = client.post("/opendata/api-keys", data={"name": "  "}, headers=HTML)

    assert response.status_code == 422
    assert "请填写密钥名称" in response.text
    assert session.scalars(select(OpenApiKey).where(OpenApiKey.user_id == user.id)).all() == []
