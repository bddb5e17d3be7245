"""The base databases in a real browser: a department uploads a CSV through the table
page, the load page turns into the outcome, the record lookup shows each value's
source department (一数一源); a load's progress bar polls until the load ends; a file
that is not a table is explained on the form."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from playwright.sync_api import FilePayload, Page, expect

from smartcity.core.security import SYSTEM
from smartcity.domains.base_data import service as base_data_service
from smartcity.domains.base_data import tasks
from smartcity.domains.base_data.models import LoadMode, LoadStatus, OnError
from smartcity.domains.registry import service as registry_service
from tests.browser.conftest import ORG_ADMIN, LiveServer
from tests.browser.test_ui import SCREENSHOTS, sign_in
from tests.factories.base_data import csv_bytes, make_base_table, person_row

pytestmark = pytest.mark.browser

POLICE = "济宁市公安局"


@dataclass(frozen=True)
class Population:
    table: str
    name: str


@pytest.fixture(scope="module")
def population(live_server: LiveServer) -> Population:
    """The police's population table, committed to the live server's database."""
    with live_server.database.session_scope() as session:
        police = registry_service.find_organization_by_code(session, "JN-GAJ")
        assert police is not None
        base = make_base_table(session, provider=police)
        return Population(table=base.table_name, name=base.name)


def _csv(rows: int, start: int) -> FilePayload:
    content = csv_bytes([person_row(n) for n in range(start, start + rows)])
    return {"name": "人口基础信息.csv", "mimeType": "text/csv", "buffer": content}


def test_upload_a_csv_then_look_a_record_up_with_its_source(
    page: Page, population: Population
) -> None:
    sign_in(page, ORG_ADMIN)
    page.goto("/base-data")
    expect(page.get_by_role("heading", name="基础数据库", level=1)).to_be_visible()
    page.get_by_role("link", name=population.name).first.click()
    expect(page.get_by_role("heading", name=population.name, level=1)).to_be_visible()

    form = page.locator("#upload-form")
    form.get_by_label("数据文件").set_input_files(_csv(3, 1))
    form.get_by_label("装载方式").select_option(label="新增")
    form.get_by_label("出错处理").select_option(label="有错误则整批不入库")
    form.get_by_role("button", name="上传并装载").click()

    expect(page).to_have_url(re.compile(r"/base-data/loads/\d+$"))
    outcome = page.locator("#load-outcome")
    expect(outcome).to_contain_text("已完成", timeout=30_000)
    expect(outcome).to_contain_text("读取 3 行，新增 3 行")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "base-data-load.png"), full_page=True)

    page.get_by_role("link", name=population.name).first.click()
    expect(page.locator("#row-count")).to_have_text("3")
    page.get_by_role("link", name="按主键查询记录").click()
    page.get_by_label("公民身份号码").fill(person_row(2)["公民身份号码"])
    page.get_by_role("button", name="查询").click()
    record = page.locator("#record")
    expect(record.get_by_role("columnheader", name="数据源部门")).to_be_visible()
    name_row = record.locator("tr", has=page.get_by_role("rowheader", name="姓名", exact=True))
    expect(name_row).to_contain_text(person_row(2)["姓名"])
    expect(name_row).to_contain_text(POLICE)
    page.screenshot(path=str(SCREENSHOTS / "base-data-record.png"), full_page=True)


def test_the_progress_bar_polls_until_the_load_ends(
    page: Page, live_server: LiveServer, population: Population
) -> None:
    with live_server.database.session_scope() as session:
        base = base_data_service.get_table(session, actor=SYSTEM, table=population.table)
        load = base_data_service.start_load(
            session,
            actor=SYSTEM,
            table_id=base.id,
            mode=LoadMode.upsert,
            on_error=OnError.reject,
            filename="全市人口.csv",
            organization_id=base.provider_organization_id,
        )
        load_id = load.id
    # The live server runs in this process: the page reads this progress.
    tasks.PROGRESS[load_id] = base_data_service.LoadProgress(
        load_id=load_id, rows_done=40_000, bytes_done=400, total_bytes=1000
    )
    try:
        sign_in(page, ORG_ADMIN)
        page.goto(f"/base-data/loads/{load_id}")
        expect(page.locator("#load-progress")).to_have_attribute("value", "40.0")
        expect(page.locator("#load-status")).to_contain_text("已读取 40,000 行")
        tasks.PROGRESS[load_id].rows_done = 90_000
        tasks.PROGRESS[load_id].bytes_done = 900
        expect(page.locator("#load-progress")).to_have_attribute("value", "90.0")
    finally:
        tasks.PROGRESS.pop(load_id, None)
    with live_server.database.session_scope() as session:
        base_data_service.record_outcome(
            session,
            actor=SYSTEM,
            load_id=load_id,
            status=LoadStatus.failed,
            message="文件缺少主键列：公民身份号码",
        )

    expect(page.locator("#load-outcome")).to_contain_text("失败（未入库）")
    expect(page.locator("#load-outcome")).to_contain_text("文件缺少主键列：公民身份号码")
    expect(page.locator("#load-progress")).to_have_count(0)


def test_a_file_that_is_not_a_table_is_explained_on_the_form(
    page: Page, population: Population
) -> None:
    sign_in(page, ORG_ADMIN)
    page.goto(f"/base-data/tables/{population.table}")
    form = page.locator("#upload-form")
    form.get_by_label("数据文件").set_input_files(
        {"name": "说明.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.7"}
    )
    form.get_by_role("button", name="上传并装载").click()

    expect(page.locator("#file-error")).to_have_text("只支持 CSV、XLSX 或 Parquet 文件")
    expect(page).to_have_url(re.compile(rf"/base-data/tables/{population.table}$"))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "base-data-table.png"), full_page=True)
