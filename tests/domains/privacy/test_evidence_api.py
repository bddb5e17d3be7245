"""The evidence API (Art. 68): a correction filed as multipart with its files, a bad or
oversized file as a problem that files nothing, an oversized body refused before it is
read, downloads for the filer and the source department only, audited."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smartcity.core.config import PrivacySettings, Settings
from smartcity.core.hashchain import sm3_hex
from smartcity.domains.audit.models import AuditEvent
from smartcity.domains.identity.permissions import Role
from smartcity.domains.privacy.models import DataRequest, DataRequestEvidence
from tests.domains.privacy.evidence_files import PDF, PNG, TEXT
from tests.domains.privacy.world import PrivacyWorld, privacy_world
from tests.factories.identity import login, make_user
from tests.helpers.problems import assert_problem

URL = "/api/v1/privacy/me/requests/with-evidence"
MAX_BYTES = 4096


@pytest.fixture
def settings() -> Settings:
    return Settings(
        environment="test",
        privacy=PrivacySettings(evidence_max_bytes=MAX_BYTES, evidence_max_files=2),
    )


@pytest.fixture
def world(session: Session, tmp_path: Path) -> PrivacyWorld:
    return privacy_world(session, tmp_path)


def _counts(session: Session) -> tuple[int, int]:
    return (
        session.scalar(select(func.count()).select_from(DataRequest)) or 0,
        session.scalar(select(func.count()).select_from(DataRequestEvidence)) or 0,
    )


def _fields(world: PrivacyWorld) -> dict[str, str]:
    return {
        "kind": "correction",
        "table_name": world.exchange.table_name,
        "field_name": "姓名",
        "claimed_value": "王更正",
        "reason": "见户口簿",
    }


class TestFileWithEvidence:
    def test_files_the_request_with_its_files_and_the_filer_downloads_one(
        self, client: TestClient, session: Session, settings: Settings, world: PrivacyWorld
    ) -> None:
        login(client, session, world.user, settings)

        response = client.post(
            URL,
            data=_fields(world),
            files=[
                ("evidence", ("户口簿.png", PNG, "image/png")),
                ("evidence", ("证明.pdf", PDF, "application/octet-stream")),
            ],
        )

        assert response.status_code == 201, response.text
        body = response.json()
        assert body["claimed_value"] == "王更正"
        assert [(e["filename"], e["media_type"]) for e in body["evidence"]] == [
            ("户口簿.png", "image/png"),
            ("证明.pdf", "application/pdf"),
        ]
        assert body["evidence"][0]["sm3"] == sm3_hex(PNG)
        url = f"/api/v1/privacy/requests/{body['id']}/evidence/{body['evidence'][0]['id']}"
        download = client.get(url)
        assert download.status_code == 200, download.text
        assert download.content == PNG
        assert download.headers["content-type"] == "image/png"
        assert download.headers["content-disposition"].startswith("attachment;")
        assert "filename*=UTF-8''%E6%88%B7" in download.headers["content-disposition"]
        assert session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(
                AuditEvent.action == "privacy.evidence.downloaded",
                AuditEvent.subject_id == body["evidence"][0]["id"],
            )
        )

    def test_a_file_that_is_not_what_its_name_says_is_a_problem_and_files_nothing(
        self, client: TestClient, session: Session, settings: Settings, world: PrivacyWorld
    ) -> None:
        login(client, session, world.user, settings)
        before = _counts(session)

        response = client.post(
            URL,
            data=_fields(world),
            files=[
                ("evidence", ("户口簿.png", PNG, "image/png")),
                ("evidence", ("学历.pdf", TEXT, "application/pdf")),
            ],
        )

        body = assert_problem(response, status=422, code="privacy.invalid-evidence")
        assert "学历.pdf" in body["detail"]
        assert body["field"] == "evidence"
        assert _counts(session) == before

    def test_a_file_over_the_limit_is_a_413_problem_and_files_nothing(
        self, client: TestClient, session: Session, settings: Settings, world: PrivacyWorld
    ) -> None:
        login(client, session, world.user, settings)
        before = _counts(session)

        response = client.post(
            URL,
            data=_fields(world),
            files=[("evidence", ("大.png", PNG + bytes(MAX_BYTES), "image/png"))],
        )

        body = assert_problem(response, status=413, code="privacy.evidence-too-large")
        assert body["max_bytes"] == MAX_BYTES
        assert "4 KB" in body["detail"]
        assert _counts(session) == before

    def test_a_body_declared_larger_than_the_files_could_need_is_refused_unread(
        self, client: TestClient, session: Session, settings: Settings, world: PrivacyWorld
    ) -> None:
        login(client, session, world.user, settings)
        before = _counts(session)

        response = client.post(
            URL,
            content=b"--x\r\n" + bytes(300 * 1024),
            headers={"content-type": "multipart/form-data; boundary=x"},
        )

        body = assert_problem(response, status=413, code="privacy.evidence-too-large")
        assert "申请未提交" in body["detail"]
        assert _counts(session) == before

    def test_a_missing_field_is_a_validation_problem(
        self, client: TestClient, session: Session, settings: Settings, world: PrivacyWorld
    ) -> None:
        login(client, session, world.user, settings)
        response = client.post(
            URL,
            data={"table_name": world.exchange.table_name},
            files=[("evidence", ("户口簿.png", PNG, "image/png"))],
        )
        assert response.status_code == 422
        assert response.headers["content-type"].startswith("application/problem+json")
        assert _counts(session)[1] == 0

    def test_another_citizen_cannot_download(
        self, client: TestClient, session: Session, settings: Settings, world: PrivacyWorld
    ) -> None:
        login(client, session, world.user, settings)
        body = client.post(
            URL, data=_fields(world), files=[("evidence", ("户口簿.png", PNG, "image/png"))]
        ).json()
        stranger = make_user(session, organization=None, roles=[Role.citizen])
        login(client, session, stranger, settings)

        response = client.get(
            f"/api/v1/privacy/requests/{body['id']}/evidence/{body['evidence'][0]['id']}"
        )

        assert_problem(response, status=404, code="privacy.evidence-not-found")
