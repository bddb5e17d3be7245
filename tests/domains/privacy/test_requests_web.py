"""Pages of correction and deletion requests (Art. 68): the form from "my data", the
citizen's list with its clock, the department's queue and answer form, in Chinese."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smartcity.core.config import Settings
from smartcity.domains.identity.permissions import Role
from smartcity.domains.privacy.models import DataRequest
from tests.domains.privacy.world import PrivacyWorld, privacy_world
from tests.factories.catalog import make_legal_basis
from tests.factories.identity import login, make_user

HTML = {"accept": "text/html"}


@pytest.fixture
def world(session: Session, tmp_path: Path) -> PrivacyWorld:
    return privacy_world(session, tmp_path)


def _count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(DataRequest)) or 0


def test_file_from_my_data_then_the_department_answers(
    client: TestClient, session: Session, settings: Settings, world: PrivacyWorld
) -> None:
    csrf = login(client, session, world.user, settings)
    my_data = client.get("/privacy/my-data", headers=HTML).text
    assert "申请更正" in my_data
    assert "申请删除" in my_data
    table = world.exchange.table_name
    form_page = client.get(
        "/privacy/my-requests/new",
        params={"kind": "correction", "table": table, "field": "姓名"},
        headers=HTML,
    )
    assert form_page.status_code == 200
    assert world.exchange.rows[0]["姓名"] in form_page.text
    assert world.exchange.provider.name in form_page.text

    form = {"csrf_token": csrf, "kind": "correction", "table_name": table, "field_name": "姓名"}
    before = _count(session)
    empty = client.post("/privacy/my-requests", data=form, headers=HTML)
    assert empty.status_code == 422
    assert "请填写正确的值" in empty.text
    assert _count(session) == before

    done = client.post(
        "/privacy/my-requests",
        data={**form, "claimed_value": "王更正"},
        headers=HTML,
        follow_redirects=False,
    )
    assert done.status_code == 303
    mine = client.get("/privacy/my-requests", headers=HTML).text
    assert "王更正" in mine
    assert "剩余" in mine
    assert "待来源部门答复" in mine

    client.cookies.clear()
    staff = make_user(session, organization=world.exchange.provider, roles=[Role.org_staff])
    csrf = login(client, session, staff, settings)
    queue = client.get("/privacy/requests", headers=HTML)
    assert queue.status_code == 200
    assert "王更正" in queue.text
    request_id = session.scalars(select(DataRequest.id)).all()[-1]
    url = f"/privacy/requests/{request_id}/answer"
    refused = client.post(
        url, data={"csrf_token": csrf, "outcome": "refused", "answer": "与档案一致"}, headers=HTML
    )
    assert refused.status_code == 422
    assert "必须引用已登记的法律法规依据" in refused.text
    basis = make_legal_basis(session)
    answered = client.post(
        url,
        data={
            "csrf_token": csrf,
            "outcome": "refused",
            "answer": "与档案一致",
            "refusal_basis_id": str(basis.id),
        },
        headers=HTML,
        follow_redirects=False,
    )
    assert answered.status_code == 303
    assert "不予更正" in client.get("/privacy/requests", headers=HTML).text


def test_citizens_have_no_queue_page(
    client: TestClient, session: Session, settings: Settings, world: PrivacyWorld
) -> None:
    login(client, session, world.user, settings)
    assert client.get("/privacy/requests", headers=HTML).status_code == 403
