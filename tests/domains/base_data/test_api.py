"""HTTP contract of the base-data API: uploads loaded in a background thread, progress,
error reports, lookups with provenance and history, problems for bad input and callers.

Loads run in threads with their own sessions, so these tests use a database that
really commits (one per module); each test builds its own table.
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook

from smartcity.app import create_app
from smartcity.core.config import BaseDataSettings, HttpSettings, Settings
from smartcity.core.db.engine import Database
from smartcity.core.db.migrate import upgrade
from smartcity.core.security import SYSTEM
from smartcity.domains.base_data import service as base_data_service
from smartcity.domains.base_data.models import LoadMode, OnError
from smartcity.domains.identity.permissions import Role
from smartcity.domains.registry.models import Organization
from tests.conftest import fresh_database_url
from tests.factories.base_data import csv_bytes, make_base_table, person_row
from tests.factories.identity import login, make_user
from tests.factories.registry import coordinator_organization, make_organization
from tests.helpers.problems import assert_problem

BASE = "/api/v1/base-data"
TIMEOUT = 60.0


@dataclass(frozen=True)
class World:
    db: Database
    settings: Settings
    app: FastAPI
    police: UUID
    civil: UUID
    police_name: str
    civil_name: str

    @property
    def uploads(self) -> Path:
        return self.settings.base_data.upload_dir


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    db = Database(fresh_database_url(tmp_path_factory, "base_data_api"))
    upgrade(db.engine)
    settings = Settings(
        environment="test",
        base_data=BaseDataSettings(upload_dir=tmp_path_factory.mktemp("uploads")),
    )
    with db.session_scope() as session:
        police = make_organization(session, name="测试公安局")
        civil = make_organization(session, name="测试民政局")
        ids = (police.id, civil.id, police.name, civil.name)
    yield World(db, settings, create_app(settings, database=db), *ids)
    db.dispose()


def client_as(world: World, role: Role | None, organization: UUID | None = None) -> TestClient:
    """A client signed in with a new user of ``role`` (None: anonymous)."""
    client = TestClient(world.app, raise_server_exceptions=False)
    if role is None:
        return client
    with world.db.session_scope() as session:
        if role is Role.coordinator:
            org: Organization | None = coordinator_organization(session)
        else:
            org = session.get(Organization, organization) if organization else None
        login(client, session, make_user(session, organization=org, roles=[role]), world.settings)
    return client


@pytest.fixture(scope="module")
def police(world: World) -> TestClient:
    return client_as(world, Role.org_staff, world.police)


@pytest.fixture(scope="module")
def coordinator(world: World) -> TestClient:
    return client_as(world, Role.coordinator)


@pytest.fixture
def table(world: World) -> str:
    """A fresh population table of the police; 婚姻状况 is sourced from civil affairs."""
    with world.db.session_scope() as session:
        provider = session.get(Organization, world.police)
        base = make_base_table(session, provider=provider)
        base_data_service.set_field(
            session,
            actor=SYSTEM,
            table_id=base.id,
            column="marital_status",
            source_organization_id=world.civil,
        )
        return base.table_name


def upload(
    client: TestClient,
    table: str,
    content: bytes,
    *,
    filename: str = "人口.csv",
    **fields: str,
) -> httpx.Response:
    response: httpx.Response = client.post(
        f"{BASE}/tables/{table}/loads",
        files={"file": (filename, io.BytesIO(content), "text/csv")},
        data=fields,
    )
    return response


def wait_for(client: TestClient, world: World, load_id: int) -> dict[str, Any]:
    """Poll the load until it has ended and its thread has deleted the upload."""
    deadline = time.monotonic() + TIMEOUT
    while True:
        body: dict[str, Any] = client.get(f"{BASE}/loads/{load_id}").json()
        if body["status"] != "running" and not any(world.uploads.iterdir()):
            return body
        assert time.monotonic() < deadline, body
        time.sleep(0.05)


def load(
    client: TestClient, world: World, table: str, rows: list[dict[str, str]], **fields: str
) -> dict[str, Any]:
    response = upload(client, table, csv_bytes(rows), **fields)
    assert response.status_code == 202, response.text
    return wait_for(client, world, response.json()["id"])


def load_raw(client: TestClient, world: World, table: str, content: bytes) -> dict[str, Any]:
    response = upload(client, table, content)
    assert response.status_code == 202, response.text
    return wait_for(client, world, response.json()["id"])


def assert_nothing_uploaded(world: World) -> None:
    assert not any(world.uploads.iterdir())


class TestUpload:
    def test_loads_a_csv_in_the_background_and_answers_202_with_the_load(
        self, world: World, police: TestClient, table: str
    ) -> None:
        rows = [person_row(n) for n in range(1, 4)]

        response = upload(police, table, csv_bytes(rows), mode="insert")

        assert response.status_code == 202, response.text
        started = response.json()
        assert response.headers["location"] == f"{BASE}/loads/{started['id']}"
        assert started["table_name"] == table
        assert started["organization"] == world.police_name
        assert started["mode"] == "insert"
        assert started["on_error"] == "reject"
        assert started["filename"] == "人口.csv"
        done = wait_for(police, world, started["id"])
        assert done["status"] == "succeeded", done
        assert done["rows_read"] == 3
        assert done["rows_inserted"] == 3
        assert done["error_count"] == 0
        assert done["progress"] is None
        assert done["file_format"] == "csv"
        tables = police.get(f"{BASE}/tables").json()
        assert next(t for t in tables if t["table_name"] == table)["row_count"] == 3

    def test_a_lookup_gives_every_value_with_its_source_and_last_update(
        self, world: World, police: TestClient, table: str
    ) -> None:
        row = person_row(7)
        done = load(police, world, table, [row])

        response = police.get(f"{BASE}/tables/{table}/records/{row['公民身份号码']}")

        assert response.status_code == 200, response.text
        record = response.json()
        assert record["key"] == row["公民身份号码"]
        name = record["values"]["姓名"]
        assert name["value"] == row["姓名"]
        assert name["source_organization"] == world.police_name
        assert name["source_organization_id"] == str(world.police)
        assert name["load_id"] == done["id"]
        assert name["updated_at"] is not None
        assert record["values"]["出生日期"]["value"] == row["出生日期"]
        marital = record["values"]["婚姻状况"]
        assert marital["value"] is None
        assert marital["source_organization"] == world.civil_name

    def test_a_later_load_keeps_history_and_moves_provenance(
        self, world: World, police: TestClient, table: str
    ) -> None:
        row = person_row(8)
        first = load(police, world, table, [row])
        second = load(police, world, table, [{**row, "姓名": "改名后"}], mode="upsert")
        assert second["rows_updated"] == 1, second
        key = row["公民身份号码"]

        record = police.get(f"{BASE}/tables/{table}/records/{key}").json()
        history = police.get(f"{BASE}/tables/{table}/records/{key}/history")

        assert record["values"]["姓名"]["value"] == "改名后"
        assert record["values"]["姓名"]["load_id"] == second["id"]
        assert record["values"]["出生日期"]["load_id"] == first["id"]
        assert history.status_code == 200, history.text
        (entry,) = history.json()
        assert entry["load_id"] == second["id"]
        assert entry["operation"] == "update"
        assert entry["changed"] == ["姓名"]
        assert entry["before"]["姓名"] == row["姓名"]
        assert entry["organization"] == world.police_name
        assert entry["changed_by"]
        assert entry["changed_at"]

    def test_a_record_never_changed_has_an_empty_history(
        self, world: World, police: TestClient, table: str
    ) -> None:
        row = person_row(9)
        load(police, world, table, [row])

        response = police.get(f"{BASE}/tables/{table}/records/{row['公民身份号码']}/history")

        assert response.status_code == 200
        assert response.json() == []

    def test_one_bad_row_rejects_the_file_with_a_downloadable_report(
        self, world: World, police: TestClient, table: str
    ) -> None:
        bad = person_row(11, 公民身份号码="370811199001011230")
        rows = [person_row(10), bad, person_row(12)]

        done = load(police, world, table, rows, on_error="reject")

        assert done["status"] == "rejected", done
        assert done["rows_inserted"] == 0
        assert done["error_count"] >= 1
        assert "整批未入库" in done["message"]
        errors = police.get(f"{BASE}/loads/{done['id']}/errors").json()
        assert errors["total"] == done["error_count"]
        first = errors["items"][0]
        assert (first["row"], first["column"], first["value"]) == (
            3,
            "公民身份号码",
            "370811199001011230",
        )
        assert "校验码" in first["reason"] or "身份" in first["reason"]
        report = police.get(f"{BASE}/loads/{done['id']}/report.xlsx")
        assert report.status_code == 200
        assert report.headers["content-type"].startswith(
            "application/vnd.openxmlformats-officedocument.spreadsheetml"
        )
        sheet = load_workbook(io.BytesIO(report.content))["错误明细"]
        cells = [[c.value for c in r] for r in sheet.iter_rows()]
        assert cells[0] == ["行号", "列", "值", "原因"]
        assert cells[1][:3] == [3, "公民身份号码", "370811199001011230"]
        assert cells[1][3] == first["reason"]
        table_read = police.get(f"{BASE}/tables/{table}").json()
        assert table_read["row_count"] == 0
        lookup = police.get(f"{BASE}/tables/{table}/records/{rows[0]['公民身份号码']}")
        assert_problem(lookup, status=404, code="base_data.record-not-found")

    def test_quarantine_loads_the_valid_rows_and_sets_the_bad_one_aside(
        self, world: World, police: TestClient, table: str
    ) -> None:
        good = [person_row(20), person_row(22)]
        bad = person_row(21, 出生日期="1990-02-30")

        done = load(police, world, table, [good[0], bad, good[1]], on_error="quarantine")

        assert done["status"] == "succeeded", done
        assert done["rows_inserted"] == 2
        assert done["rows_invalid"] == 1
        assert done["error_count"] == 1
        errors = police.get(f"{BASE}/loads/{done['id']}/errors").json()["items"]
        assert [(e["row"], e["column"]) for e in errors] == [(3, "出生日期")]
        workbook = load_workbook(
            io.BytesIO(police.get(f"{BASE}/loads/{done['id']}/report.xlsx").content)
        )
        assert "隔离行" in workbook.sheetnames
        for row in good:
            found = police.get(f"{BASE}/tables/{table}/records/{row['公民身份号码']}")
            assert found.status_code == 200
        missing = police.get(f"{BASE}/tables/{table}/records/{bad['公民身份号码']}")
        assert_problem(missing, status=404, code="base_data.record-not-found")

    def test_a_file_without_the_key_column_fails_and_changes_nothing(
        self, world: World, police: TestClient, table: str
    ) -> None:
        rows = [{k: v for k, v in person_row(30).items() if k != "公民身份号码"}]

        done = load(police, world, table, rows)

        assert done["status"] == "failed", done
        assert "公民身份号码" in done["message"]
        assert police.get(f"{BASE}/tables/{table}").json()["row_count"] == 0

    def test_the_coordinator_loads_on_behalf_of_a_department(
        self, world: World, coordinator: TestClient, table: str
    ) -> None:
        done = load(coordinator, world, table, [person_row(40)], organization_id=str(world.police))

        assert done["status"] == "succeeded", done
        assert done["organization_id"] == str(world.police)

    def test_staff_cannot_load_on_behalf_of_another_department(
        self, world: World, police: TestClient, table: str
    ) -> None:
        response = upload(
            police, table, csv_bytes([person_row(41)]), organization_id=str(world.civil)
        )

        assert_problem(response, status=403, code="permission-denied")
        assert_nothing_uploaded(world)

    def test_a_table_with_a_load_running_refuses_another(
        self, world: World, police: TestClient, table: str
    ) -> None:
        with world.db.session_scope() as session:
            base = base_data_service.get_table(session, actor=SYSTEM, table=table)
            running = base_data_service.start_load(
                session,
                actor=SYSTEM,
                table_id=base.id,
                mode=LoadMode.upsert,
                on_error=OnError.reject,
                filename="other.csv",
                organization_id=world.police,
            )
            running_id = running.id

        response = upload(police, table, csv_bytes([person_row(42)]))

        body = assert_problem(response, status=409, code="base_data.load-in-progress")
        assert body["load_id"] == running_id
        assert_nothing_uploaded(world)
        progress = police.get(f"{BASE}/loads/{running_id}").json()
        assert progress["status"] == "running"
        assert progress["progress"] is None


class TestBadUploads:
    def test_a_file_that_is_not_a_table_is_refused(
        self, world: World, police: TestClient, table: str
    ) -> None:
        response = upload(police, table, b"%PDF-1.7 not a table", filename="说明.pdf")

        body = assert_problem(response, status=415, code="unsupported-media-type")
        assert "CSV" in body["detail"]
        assert_nothing_uploaded(world)

    def test_an_empty_file_is_refused(self, world: World, police: TestClient, table: str) -> None:
        response = upload(police, table, b"")

        body = assert_problem(response, status=400, code="unreadable-file")
        assert "空" in body["detail"]
        assert_nothing_uploaded(world)

    def test_a_file_in_utf16_is_refused_in_chinese(
        self, world: World, police: TestClient, table: str
    ) -> None:
        response = upload(police, table, csv_bytes([person_row(50)], encoding="utf-16"))

        body = assert_problem(response, status=400, code="unreadable-file")
        assert "UTF-16" in body["detail"]
        assert_nothing_uploaded(world)

    def test_a_truncated_workbook_is_refused(
        self, world: World, police: TestClient, table: str
    ) -> None:
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.append(list(person_row(53)))
        sheet.append(list(person_row(53).values()))
        buffer = io.BytesIO()
        book.save(buffer)

        response = upload(police, table, buffer.getvalue()[:-200], filename="人口.xlsx")

        assert_problem(response, status=400, code="unreadable-file")
        assert_nothing_uploaded(world)

    def test_a_csv_cut_off_inside_a_quoted_value_fails_the_load_and_changes_nothing(
        self, world: World, police: TestClient, table: str
    ) -> None:
        content = csv_bytes([person_row(54), person_row(55)]) + b'370811199001011234,"unfinished'

        done = load_raw(police, world, table, content)

        assert done["status"] == "failed", done
        assert "引号" in done["message"], done["message"]
        assert police.get(f"{BASE}/tables/{table}").json()["row_count"] == 0

    def test_a_request_without_a_file_is_refused(
        self, world: World, police: TestClient, table: str
    ) -> None:
        response = police.post(f"{BASE}/tables/{table}/loads", files={"mode": (None, "upsert")})

        body = assert_problem(response, status=422, code="invalid-input")
        assert body["field"] == "file"

    def test_a_json_body_is_not_an_upload(self, police: TestClient, table: str) -> None:
        response = police.post(f"{BASE}/tables/{table}/loads", json={"mode": "upsert"})

        assert_problem(response, status=415, code="unsupported-media-type")

    def test_an_unknown_mode_is_a_422_naming_the_field(
        self, world: World, police: TestClient, table: str
    ) -> None:
        response = upload(police, table, csv_bytes([person_row(51)]), mode="append")

        body = assert_problem(response, status=422, code="invalid-input")
        assert body["errors"][0]["field"] == "mode"
        assert_nothing_uploaded(world)

    def test_two_files_are_refused(self, world: World, police: TestClient, table: str) -> None:
        content = csv_bytes([person_row(52)])
        response = police.post(
            f"{BASE}/tables/{table}/loads",
            files=[("file", ("a.csv", content, "text/csv")), ("file", ("b.csv", content))],
        )

        assert_problem(response, status=400, code="bad-request")
        assert_nothing_uploaded(world)


class TestBodyLimit:
    def test_loads_may_exceed_the_upload_limit_of_other_routes_up_to_their_own(
        self, world: World, tmp_path: Path, table: str
    ) -> None:
        settings = Settings(
            environment="test",
            http=HttpSettings(max_body_bytes=1024, max_upload_bytes=1024),
            base_data=BaseDataSettings(upload_dir=tmp_path, max_upload_bytes=16 * 1024),
        )
        small = World(
            world.db,
            settings,
            create_app(settings, database=world.db),
            world.police,
            world.civil,
            world.police_name,
            world.civil_name,
        )
        client = client_as(small, Role.org_staff, world.police)
        rows = [person_row(n) for n in range(100, 130)]
        content = csv_bytes(rows)
        assert 1024 < len(content) < 16 * 1024

        accepted = upload(client, table, content)
        assert accepted.status_code == 202, accepted.text
        assert wait_for(client, small, accepted.json()["id"])["rows_inserted"] == 30

        too_big = upload(client, table, content * 8)
        body = assert_problem(too_big, status=413, code="payload-too-large")
        assert str(16 * 1024) in body["detail"]
        assert not any(tmp_path.iterdir())
        other = client.post(
            "/api/v1/catalog/entries/import", files={"file": ("x.xlsx", content, "application/zip")}
        )
        assert_problem(other, status=413, code="payload-too-large")


class TestPermissions:
    @pytest.mark.parametrize(
        "path",
        ["/tables", "/tables/bd_population", "/loads/1", "/tables/bd_population/records/1"],
    )
    def test_anonymous_callers_must_authenticate(self, world: World, path: str) -> None:
        response = client_as(world, None).get(f"{BASE}{path}")

        assert_problem(response, status=401, code="authentication-required")

    def test_anonymous_uploads_are_refused_before_the_body_is_kept(
        self, world: World, table: str
    ) -> None:
        response = upload(client_as(world, None), table, csv_bytes([person_row(60)]))

        assert_problem(response, status=401, code="authentication-required")
        assert_nothing_uploaded(world)

    def test_citizens_are_refused(self, world: World, table: str) -> None:
        citizen = client_as(world, Role.citizen)

        assert_problem(citizen.get(f"{BASE}/tables"), status=403, code="permission-denied")
        response = upload(citizen, table, csv_bytes([person_row(61)]))
        assert_problem(response, status=403, code="permission-denied")
        assert_nothing_uploaded(world)

    def test_auditors_read_tables_but_cannot_look_records_up(
        self, world: World, table: str
    ) -> None:
        auditor = client_as(world, Role.auditor, world.police)

        assert auditor.get(f"{BASE}/tables/{table}").status_code == 200
        response = auditor.get(f"{BASE}/tables/{table}/records/370811199001011234")
        assert_problem(response, status=403, code="permission-denied")


class TestNotFound:
    def test_unknown_table(self, police: TestClient) -> None:
        assert_problem(
            police.get(f"{BASE}/tables/bd_nowhere"), status=404, code="base_data.table-not-found"
        )

    def test_upload_to_an_unknown_table(self, world: World, police: TestClient) -> None:
        response = upload(police, "bd_nowhere", csv_bytes([person_row(70)]))

        assert_problem(response, status=404, code="base_data.table-not-found")
        assert_nothing_uploaded(world)

    @pytest.mark.parametrize("suffix", ["", "/errors", "/report.xlsx"])
    def test_unknown_load(self, police: TestClient, suffix: str) -> None:
        response = police.get(f"{BASE}/loads/99999999{suffix}")

        assert_problem(response, status=404, code="base_data.load-not-found")

    @pytest.mark.parametrize("suffix", ["", "/history"])
    def test_unknown_record(self, police: TestClient, table: str, suffix: str) -> None:
        response = police.get(f"{BASE}/tables/{table}/records/370811199001011234{suffix}")

        assert_problem(response, status=404, code="base_data.record-not-found")


class TestTables:
    def test_a_table_lists_its_fields_with_their_rules_and_source_departments(
        self, world: World, police: TestClient, table: str
    ) -> None:
        response = police.get(f"{BASE}/tables/{table}")

        assert response.status_code == 200, response.text
        body = response.json()
        assert body["base_database"] == "population"
        assert body["key_fields"] == ["公民身份号码"]
        assert body["provider_organization"] == world.police_name
        fields = {f["column"]: f for f in body["fields"]}
        assert fields["id_number"]["key"] is True
        assert fields["id_number"]["rule"] == "id_number"
        assert fields["id_number"]["required"] is True
        assert fields["gender"]["enumeration"]["1"] == "男"
        assert fields["name"]["source_organization"] == world.police_name
        assert fields["marital_status"]["source_organization_id"] == str(world.civil)
        assert fields["marital_status"]["source_organization"] == world.civil_name
        assert fields["marital_status"]["retired"] is False

    def test_the_coordinator_reassigns_a_source_department(
        self, world: World, coordinator: TestClient, table: str
    ) -> None:
        response = coordinator.patch(
            f"{BASE}/tables/{table}/fields/occupation",
            json={"source_organization_id": str(world.civil), "required": True},
        )

        assert response.status_code == 200, response.text
        body = response.json()
        assert body["source_organization"] == world.civil_name
        assert body["required"] is True
        assert body["rule"] == "none"

    def test_staff_cannot_change_fields(self, world: World, police: TestClient, table: str) -> None:
        response = police.patch(f"{BASE}/tables/{table}/fields/occupation", json={"required": True})

        assert_problem(response, status=403, code="permission-denied")

    def test_an_unknown_field_is_a_404(self, coordinator: TestClient, table: str) -> None:
        response = coordinator.patch(f"{BASE}/tables/{table}/fields/nope", json={"required": True})

        assert_problem(response, status=404, code="base_data.field-not-found")

    def test_the_upload_is_documented_as_multipart(self, world: World) -> None:
        schema = TestClient(world.app).get("/api/openapi.json").json()
        operation = schema["paths"]["/api/v1/base-data/tables/{table}/loads"]["post"]

        body = operation["requestBody"]["content"]["multipart/form-data"]["schema"]
        assert body["properties"]["file"]["format"] == "binary"
        assert body["properties"]["mode"]["enum"] == ["insert", "upsert", "delete", "full"]
        assert {"202", "401", "403", "404", "409", "415", "422"} <= set(operation["responses"])
