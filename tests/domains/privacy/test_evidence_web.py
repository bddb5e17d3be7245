"""Evidence files on the request form (Art. 68): the form takes files (multipart), a bad
file is explained in Chinese at the form and files nothing, the files are listed with
the request for the citizen and the source department and download from there."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smartcity.core.config import PrivacySettings, Settings
from smartcity.domains.identity.permissions import Role
from smartcity.domains.privacy.models import DataRequest, DataRequestEvidence
from tests.domains.privacy.evidence_files import JPEG, PNG, TEXT
from tests.domains.privacy.world import PrivacyWorld, privacy_world
from tests.factories.identity import login, make_user

HTML = {"accept": "text/html"}


@pytest.fixture
def settings() -> Settings:
    return Settings(
        environment="test",
        privacy=PrivacySettings(evidence_max_bytes=4096, evidence_max_files=2),
    )


@pytest.fixture
def world(session: Session, tmp_path: Path) -> PrivacyWorld:
    return privacy_world(session, tmp_path)


def _counts(session: Session) -> tuple[int, int]:
    return (
        session.scalar(select(func.count()).select_from(DataRequest)) or 0,
        session.scalar(select(func.count()).select_from(DataRequestEvidence)) or 0,
    )


def test_the_form_takes_files_and_refuses_a_bad_one_in_chinese(
    client: TestClient, session: Session, settings: Settings, world: PrivacyWorld
) -> None:
    csrf = login(client, session, world.user, settings)
    del client.headers["X-CSRF-Token"]  # the page's form carries its token as a field
    table = world.exchange.table_name
    page = client.get(
        "/privacy/my-requests/new",
        params={"kind": "correction", "table": table, "field": "姓名"},
        headers=HTML,
    )
    assert 'enctype="multipart/form-data"' in page.text
    assert 'name="evidence" type="file" multiple' in page.text
    assert "最多 2 个 PDF、JPEG 或 PNG 文件，每个不超过 4 KB" in page.text
    form = {
        "csrf_token": csrf,
        "kind": "correction",
        "table_name": table,
        "field_name": "姓名",
        "claimed_value": "王更正",
    }
    before = _counts(session)

    renamed = client.post(
        "/privacy/my-requests",
        data=form,
        files=[("evidence", ("学历.png", TEXT, "image/png"))],
        headers=HTML,
    )
    too_big = client.post(
        "/privacy/my-requests",
        data=form,
        files=[("evidence", ("大.png", PNG + bytes(4096), "image/png"))],
        headers=HTML,
    )

    assert renamed.status_code == 422
    assert "文件“学历.png”不是 PDF、JPEG 或 PNG 文件" in renamed.text
    assert 'value="王更正"' in renamed.text  # what he typed is kept
    assert too_big.status_code == 422
    assert "文件“大.png”超过 4 KB 的上限" in too_big.text
    assert _counts(session) == before

    done = client.post(
        "/privacy/my-requests",
        data=form,
        files=[
            ("evidence", ("户口簿.jpg", JPEG, "image/jpeg")),
            ("evidence", ("", b"", "application/octet-stream")),  # an untouched file input
        ],
        headers=HTML,
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    assert _counts(session) == (before[0] + 1, before[1] + 1)
    mine = client.get("/privacy/my-requests", headers=HTML).text
    assert "户口簿.jpg" in mine
    link = mine.split('href="/privacy/requests/', 1)[1].split('"', 1)[0]
    download = client.get(f"/privacy/requests/{link}", headers=HTML)
    assert download.status_code == 200
    assert download.content == JPEG

    staff = make_user(session, organization=world.exchange.provider, roles=[Role.org_staff])
    login(client, session, staff, settings)
    queue = client.get("/privacy/requests", headers=HTML).text
    assert "户口簿.jpg" in queue
    assert client.get(f"/privacy/requests/{link}", headers=HTML).content == JPEG

    outsider = make_user(session, organization=world.exchange.consumer, roles=[Role.org_staff])
    login(client, session, outsider, settings)
    refused = client.get(f"/privacy/requests/{link}", headers=HTML)
    assert refused.status_code == 404
    assert "证明材料不存在" in refused.text


def test_an_oversized_body_gets_a_chinese_page_before_it_is_read(
    client: TestClient, session: Session, settings: Settings, world: PrivacyWorld
) -> None:
    login(client, session, world.user, settings)
    before = _counts(session)

    response = client.post(
        "/privacy/my-requests",
        content=b"--x\r\n" + bytes(300 * 1024),
        headers={**HTML, "content-type": "multipart/form-data; boundary=x"},
    )

    assert response.status_code == 413
    assert response.headers["content-type"].startswith("text/html")
    assert "证明材料超过大小上限" in response.text
    assert "最多 2 个文件，每个不超过 4 KB。申请未提交" in response.text
    assert _counts(session) == before
