"""HTTP contract of /api/v1/opendata: search, show, data, downloads, releases."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from smartcity.core.config import Settings
from smartcity.domains.identity.permissions import Role
from smartcity.domains.opendata.api import get_download_session
from smartcity.domains.opendata.enums import OpenAccess
from smartcity.domains.registry.models import Organization
from tests.domains.opendata.test_releases import HEADER, personal_entry, visit_rows
from tests.factories.catalog import provider_of
from tests.factories.identity import login, make_user
from tests.factories.opendata import make_dataset
from tests.helpers.problems import assert_problem


@pytest.fixture
def files_client(client: TestClient, session: Session) -> TestClient:
    """Downloads read in a session of their own, which would not see the test's rows."""

    def _reader() -> Iterator[Session]:
        yield session

    client.app.dependency_overrides[get_download_session] = _reader  # type: ignore[attr-defined]
    return client


class TestSearch:
    def test_finds_a_two_character_word_with_facets(
        self, client: TestClient, session: Session
    ) -> None:
        make_dataset(session, title="城市公交线路数据", tags=["公交"])
        make_dataset(session, title="医疗机构名录")

        response = client.get("/api/v1/opendata/datasets", params={"q": "公交"})

        assert response.status_code == 200, response.text
        body = response.json()
        assert [d["title"] for d in body["results"]] == ["城市公交线路数据"]
        assert body["count"] == 1
        assert body["facets"]["tags"] == [{"name": "公交", "display_name": "公交", "count": 1}]

    def test_rows_over_the_maximum_are_refused(self, client: TestClient) -> None:
        response = client.get("/api/v1/opendata/datasets", params={"rows": 1001})

        assert response.status_code == 422

    def test_a_bad_sort_is_a_problem(self, client: TestClient) -> None:
        response = client.get("/api/v1/opendata/datasets", params={"sort": "secret asc"})

        assert_problem(response, status=422, code="opendata.invalid-query")


class TestShow:
    def test_by_name(self, client: TestClient, session: Session) -> None:
        make_dataset(session, title="城市公交线路数据", name="bus-lines")

        response = client.get("/api/v1/opendata/datasets/bus-lines")

        assert response.status_code == 200
        assert response.json()["resources"][0]["datastore_active"] is True

    def test_unknown_is_404(self, client: TestClient) -> None:
        assert_problem(
            client.get("/api/v1/opendata/datasets/nope"),
            status=404,
            code="opendata.dataset-not-found",
        )


class TestData:
    def test_filters_and_sort(self, client: TestClient, session: Session) -> None:
        dataset = make_dataset(session)
        resource_id = dataset.resources[0].id

        response = client.get(
            f"/api/v1/opendata/resources/{resource_id}/data",
            params={"filters": json.dumps({"night": False}), "sort": "stops desc", "limit": 2},
        )

        assert response.status_code == 200, response.text
        body = response.json()
        assert body["total"] == 3
        assert [r["line_no"] for r in body["records"]] == ["2", "1"]

    def test_malformed_filters_are_a_problem(self, client: TestClient, session: Session) -> None:
        dataset = make_dataset(session)

        response = client.get(
            f"/api/v1/opendata/resources/{dataset.resources[0].id}/data",
            params={"filters": "{nope"},
        )

        assert_problem(response, status=422, code="opendata.invalid-query")


class TestDownload:
    def test_csv_has_a_bom_and_chinese_headers(
        self, files_client: TestClient, session: Session
    ) -> None:
        dataset = make_dataset(session)

        response = files_client.get(
            f"/api/v1/opendata/resources/{dataset.resources[0].id}/download"
        )

        assert response.status_code == 200, response.text
        assert response.content.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert rows[0][:2] == ["线路编号", "线路名称"]
        assert rows[4] == ["N1", "夜1路 火车站—万达广场", "18", "12.4", "2019-06-01", "是"]
        assert "attachment" in response.headers["content-disposition"]
        shown = files_client.get(f"/api/v1/opendata/datasets/{dataset.id}").json()
        assert shown["download_count"] == 1

    def test_xlsx_opens_with_openpyxl(self, files_client: TestClient, session: Session) -> None:
        dataset = make_dataset(session)

        response = files_client.get(
            f"/api/v1/opendata/resources/{dataset.resources[0].id}/download",
            params={"format": "xlsx"},
        )

        assert response.status_code == 200
        sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
        assert sheet is not None
        values = [list(row) for row in sheet.iter_rows(values_only=True)]
        assert values[0][:3] == ["线路编号", "线路名称", "站点数"]
        assert values[1][:3] == ["1", "1路 火车站—太白楼", 24]
        assert len(values) == 5

    def test_json_holds_fields_and_records(
        self, files_client: TestClient, session: Session
    ) -> None:
        dataset = make_dataset(session)

        response = files_client.get(
            f"/api/v1/opendata/resources/{dataset.resources[0].id}/download",
            params={"format": "json"},
        )

        body = json.loads(response.content)
        assert [f["id"] for f in body["fields"]][:2] == ["line_no", "line_name"]
        assert body["records"][3]["night"] is True
        assert len(body["records"]) == 4

    def test_a_conditional_dataset_needs_login(
        self, files_client: TestClient, session: Session
    ) -> None:
        dataset = make_dataset(session, access=OpenAccess.conditional, access_terms="非商业用途")

        response = files_client.get(
            f"/api/v1/opendata/resources/{dataset.resources[0].id}/download"
        )

        assert_problem(response, status=401, code="authentication-required")


class TestReleases:
    def _admin(
        self, client: TestClient, session: Session, provider: Organization, settings: Settings
    ) -> None:
        login(
            client,
            session,
            make_user(session, organization=provider, roles=[Role.org_admin]),
            settings,
        )

    def _upload(
        self, client: TestClient, entry_id: object, rows: list[list[str]], **form: str
    ) -> dict[str, object]:
        buffer = io.StringIO()
        csv.writer(buffer).writerows([HEADER, *rows])
        response = client.post(
            "/api/v1/opendata/releases",
            data={"entry_id": str(entry_id), **form},
            files={"file": ("visits.csv", buffer.getvalue().encode("utf-8"), "text/csv")},
        )
        assert response.status_code == 201, response.text
        body: dict[str, object] = response.json()
        return body

    def test_a_personal_data_release_that_fails_is_not_published(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        entry = personal_entry(session)
        self._admin(client, session, provider_of(session, entry), settings)

        release = self._upload(client, entry.id, visit_rows(40, spread=True))
        response = client.post(f"/api/v1/opendata/releases/{release['id']}/publish", json={})

        assert release["state"] == "failed"
        assert_problem(response, status=409, code="opendata.release-check-failed")

    def test_a_passed_release_is_published(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        entry = personal_entry(session)
        self._admin(client, session, provider_of(session, entry), settings)

        release = self._upload(client, entry.id, visit_rows(400))
        response = client.post(
            f"/api/v1/opendata/releases/{release['id']}/publish", json={"name": "clinic-visits"}
        )

        assert response.status_code == 200, response.text
        assert response.json()["name"] == "clinic-visits"
        assert release["preview"][0]["现住址"] == "任城区"  # type: ignore[index]

    def test_anonymous_cannot_prepare(self, client: TestClient, session: Session) -> None:
        entry = personal_entry(session)

        response = client.post(
            "/api/v1/opendata/releases",
            data={"entry_id": str(entry.id)},
            files={"file": ("visits.csv", b"x", "text/csv")},
        )

        assert response.status_code in {401, 403}
