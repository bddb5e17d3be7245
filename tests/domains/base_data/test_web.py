"""Pages of the base databases: the five databases, a table with its upload form, a
load's progress turning into its outcome and error report, record lookup with
provenance and history; form errors in Chinese that change nothing.

Uploads start loads in threads with their own sessions, so, as in ``test_api``,
the pages run on a database that really commits.
"""

from __future__ import annotations

import io
import re
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from smartcity.app import create_app
from smartcity.core.config import BaseDataSettings, Settings
from smartcity.core.db.engine import Database
from smartcity.core.db.migrate import upgrade
from smartcity.core.security import SYSTEM
from smartcity.domains.base_data import service as base_data_service
from smartcity.domains.base_data import tasks
from smartcity.domains.base_data.models import LoadMode, LoadStatus, OnError
from smartcity.domains.identity.permissions import Role
from smartcity.domains.registry.models import Organization
from tests.conftest import fresh_database_url
from tests.domains.base_data.test_api import World, client_as
from tests.factories.base_data import csv_bytes, make_base_table, person_row
from tests.factories.registry import make_organization

HTMX = {"HX-Request": "true"}
HTML = {"accept": "text/html"}
TIMEOUT = 60.0


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    db = Database(fresh_database_url(tmp_path_factory, "base_data_web"))
    upgrade(db.engine)
    settings = Settings(
        environment="test",
        base_data=BaseDataSettings(upload_dir=tmp_path_factory.mktemp("web_uploads")),
    )
    with db.session_scope() as session:
        police = make_organization(session, name="测试公安局")
        civil = make_organization(session, name="测试民政局")
        ids = (police.id, civil.id, police.name, civil.name)
    yield World(db, settings, create_app(settings, database=db), *ids)
    db.dispose()


@pytest.fixture(scope="module")
def police(world: World) -> TestClient:
    return client_as(world, Role.org_staff, world.police)


@pytest.fixture
def table(world: World) -> str:
    with world.db.session_scope() as session:
        base = make_base_table(session, provider=session.get(Organization, world.police))
        base_data_service.set_field(
            session,
            actor=SYSTEM,
            table_id=base.id,
            column="marital_status",
            source_organization_id=world.civil,
        )
        return base.table_name


def post_file(
    client: TestClient,
    table: str,
    content: bytes,
    *,
    filename: str = "人口.csv",
    headers: dict[str, str] | None = None,
    **fields: str,
) -> httpx.Response:
    response: httpx.Response = client.post(
        f"/base-data/tables/{table}/loads",
        files={"file": (filename, io.BytesIO(content), "text/csv")},
        data={"mode": "upsert", "on_error": "reject", **fields},
        headers=headers or HTMX,
        follow_redirects=False,
    )
    return response


def load_id_of(response: httpx.Response) -> int:
    location = response.headers.get("HX-Redirect") or response.headers["location"]
    match = re.fullmatch(r"/base-data/loads/(\d+)", location)
    assert match, location
    return int(match.group(1))


def finished_page(client: TestClient, world: World, load_id: int) -> str:
    """The load page once the load has ended (and its upload is deleted)."""
    deadline = time.monotonic() + TIMEOUT
    while True:
        page: httpx.Response = client.get(f"/base-data/loads/{load_id}", headers=HTML)
        assert page.status_code == 200, page.text
        text: str = page.text
        if 'data-status="running"' not in text and not any(world.uploads.iterdir()):
            return text
        assert time.monotonic() < deadline
        time.sleep(0.05)


def uploads_left(world: World) -> list[Any]:
    return list(world.uploads.iterdir())


class TestIndex:
    def test_lists_the_five_base_databases_and_their_tables(
        self, world: World, police: TestClient, table: str
    ) -> None:
        page = police.get("/base-data", headers=HTML)

        assert page.status_code == 200
        for label in ("人口", "法人", "空间地理", "宏观经济", "社会信用"):
            assert f"{label}基础数据库" in page.text
        assert f'href="/base-data/tables/{table}"' in page.text
        assert f'href="/base-data/tables/{table}/quality"' in page.text
        assert "尚未装载" in page.text

    def test_the_home_page_links_to_it(self, police: TestClient) -> None:
        assert 'href="/base-data"' in police.get("/", headers=HTML).text

    def test_anonymous_visitors_are_sent_to_the_login_page(self, world: World) -> None:
        response = client_as(world, None).get("/base-data", headers=HTML, follow_redirects=False)

        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=")

    def test_citizens_get_the_problem_page(self, world: World) -> None:
        response = client_as(world, Role.citizen).get("/base-data", headers=HTML)

        assert response.status_code == 403
        assert "没有权限" in response.text or "权限" in response.text


class TestTablePage:
    def test_shows_fields_with_their_source_departments_and_the_upload_form(
        self, world: World, police: TestClient, table: str
    ) -> None:
        page = police.get(f"/base-data/tables/{table}", headers=HTML).text

        assert "公民身份号码（GB 11643）" in page
        assert "主键" in page
        marital = page.split('data-column="marital_status"')[1].split("</tr>")[0]
        assert world.civil_name in marital
        name = page.split('data-column="name"')[1].split("</tr>")[0]
        assert world.police_name in name
        assert 'id="upload-form"' in page
        assert 'hx-encoding="multipart/form-data"' in page
        for label in ("新增", "新增或更新", "删除", "全量替换", "有错误则整批不入库"):
            assert label in page
        assert "合格行入库" in page
        assert 'name="organization_id"' not in page
        assert "尚未装载过数据" in page

    def test_the_coordinator_chooses_the_submitting_department(
        self, world: World, table: str
    ) -> None:
        page = client_as(world, Role.coordinator).get(f"/base-data/tables/{table}").text

        assert 'name="organization_id"' in page
        assert f'<option value="{world.police}" selected>' in page

    def test_auditors_see_the_table_without_the_upload_form(self, world: World, table: str) -> None:
        page = client_as(world, Role.auditor, world.police).get(f"/base-data/tables/{table}")

        assert page.status_code == 200
        assert 'id="upload-form"' not in page.text
        assert "按主键查询记录" not in page.text

    def test_an_unknown_table_is_a_404_page(self, police: TestClient) -> None:
        response = police.get("/base-data/tables/bd_nowhere", headers=HTML)

        assert response.status_code == 404
        assert "基础数据表不存在" in response.text


class TestUpload:
    def test_an_upload_redirects_to_the_load_page_which_shows_the_outcome(
        self, world: World, police: TestClient, table: str
    ) -> None:
        rows = [person_row(n) for n in range(1, 4)]

        response = post_file(police, table, csv_bytes(rows), mode="insert")

        assert response.status_code == 204, response.text
        page = finished_page(police, world, load_id_of(response))
        assert "已完成" in page
        assert 'id="load-counts"' in page
        assert "读取 3 行，新增 3 行" in page
        assert 'id="load-errors"' not in page
        assert "hx-trigger" not in page
        table_page = police.get(f"/base-data/tables/{table}").text
        assert 'id="row-count">3</dd>' in table_page
        assert "人口.csv" in table_page

    def test_a_page_without_javascript_posts_the_csrf_token_in_the_form(
        self, world: World, table: str
    ) -> None:
        client = client_as(world, Role.org_staff, world.police)
        token = client.headers.pop("X-CSRF-Token")

        response = post_file(
            client, table, csv_bytes([person_row(5)]), headers=HTML, csrf_token=token
        )

        assert response.status_code == 303, response.text
        page = finished_page(client, world, load_id_of(response))
        assert "已完成" in page
        assert "新增 1 行" in page

    def test_a_rejected_file_shows_the_errors_and_the_report_link(
        self, world: World, police: TestClient, table: str
    ) -> None:
        rows = [person_row(10), person_row(11, 性别="3"), person_row(12)]

        response = post_file(police, table, csv_bytes(rows))
        load_id = load_id_of(response)
        page = finished_page(police, world, load_id)

        assert "已拒绝（未入库）" in page
        assert "数据表未改变" in page
        assert "整批未入库" in page
        assert "下载错误报告（XLSX）" in page
        assert f'href="/base-data/loads/{load_id}/report.xlsx"' in page
        errors = page.split('id="error-list"')[1]
        assert '<td class="num">3</td>' in errors
        assert "性别" in errors
        assert "<code>3</code>" in errors
        assert 'id="error-summary"' in page
        report = police.get(f"/base-data/loads/{load_id}/report.xlsx")
        assert report.status_code == 200
        sheet = load_workbook(io.BytesIO(report.content))["错误明细"]
        assert [c.value for c in next(sheet.iter_rows(min_row=2, max_row=2))][:2] == [3, "性别"]
        assert 'id="row-count">0</dd>' in police.get(f"/base-data/tables/{table}").text

    def test_a_file_that_is_not_a_table_is_explained_on_the_form(
        self, world: World, police: TestClient, table: str
    ) -> None:
        response = post_file(police, table, b"%PDF-1.7", filename="说明.pdf")

        assert response.status_code == 422
        assert response.text.lstrip().startswith("<form")
        assert "只支持 CSV、XLSX 或 Parquet 文件" in response.text
        assert 'id="file-error"' in response.text
        assert not uploads_left(world)
        assert "尚未装载过数据" in police.get(f"/base-data/tables/{table}").text

    def test_an_empty_file_is_explained_on_the_form(
        self, world: World, police: TestClient, table: str
    ) -> None:
        response = post_file(police, table, b"")

        assert response.status_code == 422
        assert "文件为空" in response.text
        assert not uploads_left(world)

    def test_no_file_chosen_is_explained_on_the_form(
        self, world: World, police: TestClient, table: str
    ) -> None:
        response = police.post(
            f"/base-data/tables/{table}/loads",
            files={"file": ("", b"", "application/octet-stream")},
            data={"mode": "upsert", "on_error": "reject"},
            headers=HTMX,
        )

        assert response.status_code == 422
        assert "请选择要装载的文件" in response.text
        assert not uploads_left(world)

    def test_an_unknown_mode_is_a_form_error_and_keeps_the_other_choices(
        self, world: World, police: TestClient, table: str
    ) -> None:
        response = post_file(
            police, table, csv_bytes([person_row(20)]), mode="append", on_error="quarantine"
        )

        assert response.status_code == 422
        assert "不是允许的取值" in response.text
        assert '<option value="quarantine" selected>' in response.text
        assert not uploads_left(world)

    def test_a_second_load_while_one_runs_is_refused_on_the_form(
        self, world: World, police: TestClient, table: str
    ) -> None:
        running = _running_load(world, table)

        response = post_file(police, table, csv_bytes([person_row(21)]))

        assert response.status_code == 422
        assert "该表正在装载数据" in response.text
        assert not uploads_left(world)
        assert f"/base-data/loads/{running}" in police.get(f"/base-data/tables/{table}").text

    def test_anonymous_uploads_are_refused(self, world: World, table: str) -> None:
        response = post_file(client_as(world, None), table, csv_bytes([person_row(22)]))

        assert response.status_code == 401
        assert not uploads_left(world)


def _running_load(world: World, table: str) -> int:
    with world.db.session_scope() as session:
        base = base_data_service.get_table(session, actor=SYSTEM, table=table)
        load = base_data_service.start_load(
            session,
            actor=SYSTEM,
            table_id=base.id,
            mode=LoadMode.upsert,
            on_error=OnError.reject,
            filename="大文件.csv",
            organization_id=world.police,
        )
        return load.id


class TestLoadPage:
    def test_a_running_load_polls_a_progress_bar(
        self, world: World, police: TestClient, table: str
    ) -> None:
        load_id = _running_load(world, table)
        tasks.PROGRESS[load_id] = base_data_service.LoadProgress(
            load_id=load_id, rows_done=1200, bytes_done=250, total_bytes=1000
        )
        try:
            fragment = police.get(f"/base-data/loads/{load_id}", headers=HTMX)
            page = police.get(f"/base-data/loads/{load_id}", headers=HTML)
        finally:
            tasks.PROGRESS.pop(load_id, None)

        assert fragment.text.lstrip().startswith('<div id="load-status"')
        assert 'hx-trigger="every 1s"' in fragment.text
        assert f'hx-get="/base-data/loads/{load_id}"' in fragment.text
        assert '<progress id="load-progress" max="100" value="25.0">' in fragment.text
        assert "已读取 1,200 行" in fragment.text
        assert "进行中" in page.text
        assert "大文件.csv" in page.text
        assert 'id="load-status"' in page.text

    def test_a_finished_load_stops_polling(
        self, world: World, police: TestClient, table: str
    ) -> None:
        load_id = _running_load(world, table)
        with world.db.session_scope() as session:
            base_data_service.record_outcome(
                session,
                actor=SYSTEM,
                load_id=load_id,
                status=LoadStatus.failed,
                message="文件缺少主键列：公民身份号码",
            )

        fragment = police.get(f"/base-data/loads/{load_id}", headers=HTMX).text

        assert "hx-trigger" not in fragment
        assert "失败（未入库）" in fragment
        assert "文件缺少主键列：公民身份号码" in fragment

    def test_an_unknown_load_is_a_404_page(self, police: TestClient) -> None:
        response = police.get("/base-data/loads/99999999", headers=HTML)

        assert response.status_code == 404
        assert "装载记录不存在" in response.text


class TestRecords:
    def _load(
        self, world: World, client: TestClient, table: str, rows: list[dict[str, str]]
    ) -> int:
        load_id = load_id_of(post_file(client, table, csv_bytes(rows)))
        finished_page(client, world, load_id)
        return load_id

    def test_a_lookup_shows_each_value_with_its_source_department_and_history(
        self, world: World, police: TestClient, table: str
    ) -> None:
        row = person_row(30)
        first = self._load(world, police, table, [row])
        second = self._load(world, police, table, [{**row, "姓名": "改名后"}])

        page = police.get(
            f"/base-data/tables/{table}/records", params={"key": row["公民身份号码"]}
        ).text

        assert "数据源部门" in page
        record = page.split('id="record"')[1].split("</section>")[0]
        name_row = record.split('<th scope="row">姓名</th>')[1].split("</tr>")[0]
        assert "改名后" in name_row
        assert world.police_name in name_row
        assert f"#{second}" in name_row
        birth_row = record.split('<th scope="row">出生日期</th>')[1].split("</tr>")[0]
        assert f"#{first}" in birth_row
        marital_row = record.split('<th scope="row">婚姻状况</th>')[1].split("</tr>")[0]
        assert world.civil_name in marital_row
        gender_row = record.split('<th scope="row">性别</th>')[1].split("</tr>")[0]
        assert "男" in gender_row or "女" in gender_row
        history = page.split('id="history"')[1]
        assert "修改" in history
        assert f"#{second}" in history
        assert f"姓名：{row['姓名']}" in history
        assert world.police_name in history

    def test_an_unknown_key_is_explained_on_the_page(self, police: TestClient, table: str) -> None:
        response = police.get(
            f"/base-data/tables/{table}/records", params={"key": "370811199001011234"}
        )

        assert response.status_code == 200
        assert "没有主键为“370811199001011234”的记录" in response.text
        assert 'id="record"' not in response.text

    def test_the_empty_form_shows_the_key_to_type(self, police: TestClient, table: str) -> None:
        page = police.get(f"/base-data/tables/{table}/records").text

        assert 'id="lookup-form"' in page
        assert "公民身份号码" in page

    def test_auditors_cannot_look_records_up(self, world: World, table: str) -> None:
        response = client_as(world, Role.auditor, world.police).get(
            f"/base-data/tables/{table}/records", headers=HTML
        )

        assert response.status_code == 403
