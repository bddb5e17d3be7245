"""Publisher pages: entries to open, preview and check, publish or blocked."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from smartcity.core.config import Settings
from smartcity.domains.identity.permissions import Role
from smartcity.domains.opendata import service as opendata_service
from smartcity.domains.registry.models import Organization
from tests.domains.opendata.test_releases import HEADER, personal_entry, visit_rows
from tests.factories.catalog import provider_of
from tests.factories.identity import login, make_user
from tests.factories.registry import make_organization


def _admin(
    client: TestClient, session: Session, organization: Organization, settings: Settings
) -> None:
    user = make_user(session, organization=organization, roles=[Role.org_admin])
    login(client, session, user, settings)


def _csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([HEADER, *rows])
    return buffer.getvalue().encode("utf-8")


def _prepare(client: TestClient, entry_id: object, rows: list[list[str]], **form: str) -> str:
    response = client.post(
        f"/opendata/publish/entries/{entry_id}/releases",
        data={"kind": "record", "k": "5", "min_cell": "10", **form},
        files={"file": ("visits.csv", _csv(rows), "text/csv")},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return response.headers["location"]


class TestPublisherPages:
    def test_the_index_lists_the_departments_openable_entries(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        entry = personal_entry(session)
        _admin(client, session, provider_of(session, entry), settings)

        response = client.get("/opendata/publish")

        assert response.status_code == 200
        assert "门诊就诊记录" in response.text

    def test_a_failing_release_shows_why_and_offers_no_publish_button(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        entry = personal_entry(session)
        _admin(client, session, provider_of(session, entry), settings)

        page = client.get(_prepare(client, entry.id, visit_rows(40, spread=True)))

        assert page.status_code == 200
        assert "检查未通过，不能发布" in page.text
        assert "发布为开放数据" not in page.text
        assert "直接标识符" in page.text  # the plan shows why 姓名 is dropped

    def test_a_passing_release_is_previewed_and_published(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        entry = personal_entry(session)
        _admin(client, session, provider_of(session, entry), settings)
        location = _prepare(client, entry.id, visit_rows(400))

        page = client.get(location)
        assert "任城区" in page.text  # the generalized address in the preview
        assert "37080219900101001X" not in page.text
        published = client.post(
            location + "/publish",
            data={"name": "clinic-visits", "tags": "医疗,门诊", "license_id": "cc-by-4.0"},
            follow_redirects=False,
        )

        assert published.status_code == 303, published.text
        assert "已发布" in client.get(location).text
        dataset = opendata_service.find_dataset_id_by_name(session, "clinic-visits")
        assert dataset is not None

    def test_a_bad_file_is_explained_at_the_form(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        entry = personal_entry(session)
        _admin(client, session, provider_of(session, entry), settings)

        response = client.post(
            f"/opendata/publish/entries/{entry.id}/releases",
            data={"kind": "record"},
            files={"file": ("x.csv", "银行卡号\n6222\n".encode(), "text/csv")},
        )

        assert response.status_code == 422
        assert "表头不是该目录条目的信息项" in response.text

    def test_another_departments_admin_cannot_open_the_entry(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        entry = personal_entry(session)
        _admin(client, session, make_organization(session), settings)

        response = client.get(f"/opendata/publish/entries/{entry.id}")

        assert response.status_code in {403, 404}
