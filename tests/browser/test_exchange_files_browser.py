"""File exchange in a real browser: a consumer department's staff member opens the
grants page, names the matter, and downloads the granted population data as CSV —
masked as the grant says; without a matter the browser asks for one first."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from smartcity.app import create_app
from smartcity.core.config import DatabaseSettings, Settings
from smartcity.core.db.engine import Database
from smartcity.core.db.migrate import upgrade
from smartcity.domains.sharing.enums import QueryMode
from tests.browser.test_ui import sign_in
from tests.domains.sharing.test_exchange import population_world
from tests.factories.identity import PASSWORD, make_user
from tests.factories.sharing import make_grant
from tests.helpers.live import serving

pytestmark = pytest.mark.browser

GRANTED = ["公民身份号码", "姓名", "性别"]


@dataclass(frozen=True)
class Consumer:
    url: str
    username: str
    grant_number: str
    names: frozenset[str]


@pytest.fixture(scope="module")
def consumer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Consumer]:
    """A platform of its own (the population table is built once per database) with a
    consumer department holding a file-mode grant, served by uvicorn."""
    folder = tmp_path_factory.mktemp("files-browser")
    url = f"sqlite:///{folder / 'ui.sqlite3'}"
    database = Database(url)
    upgrade(database.engine)
    with database.session_scope() as session:
        world = population_world(session, Path(folder), rows=5)
        user = make_user(session, organization=world.consumer)
        grant = make_grant(
            session,
            entry=world.entry,
            consumer=world.consumer,
            items=GRANTED,
            query_modes=[QueryMode.lookup, QueryMode.file],
            clearance_rank=2,
            personal_clear=True,
        )
        details = (user.username, grant.number, frozenset(r["姓名"] for r in world.rows))
    app = create_app(
        Settings(environment="test", database=DatabaseSettings(url=url)), database=database
    )
    try:
        with serving(app) as base_url:
            yield Consumer(base_url, *details)
    finally:
        database.dispose()


@pytest.fixture
def consumer_page(browser: Browser, consumer: Consumer) -> Iterator[Page]:
    context = browser.new_context(
        base_url=consumer.url,
        locale="zh-CN",
        accept_downloads=True,
        viewport={"width": 1280, "height": 900},
    )
    context.set_default_timeout(10_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def test_a_consumer_downloads_the_granted_data_as_csv(
    consumer_page: Page, consumer: Consumer, tmp_path: Path
) -> None:
    page = consumer_page
    sign_in(page, (consumer.username, PASSWORD))
    page.goto("/sharing/grants")
    row = page.locator("#grants-consumer tr", has_text=consumer.grant_number)
    form = row.locator("form.extract-form")
    expect(form.get_by_role("button", name="下载数据文件")).to_be_visible()

    form.get_by_role("button", name="下载数据文件").click()  # no matter named yet
    expect(page).to_have_url(f"{consumer.url}/sharing/grants")  # the browser asks first

    form.get_by_label("所办理的事项").fill("社保待遇资格认证-2026-009")
    form.get_by_label("文件格式").select_option("csv")
    with page.expect_download() as info:
        form.get_by_role("button", name="下载数据文件").click()
    download = info.value
    path = tmp_path / download.suggested_filename
    download.save_as(path)

    assert download.suggested_filename.startswith(consumer.grant_number)
    assert download.suggested_filename.endswith(".csv")
    content = path.read_bytes()
    assert content.startswith(b"\xef\xbb\xbf")
    header, *rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    # 公民身份号码 (G3), the key, is masked: the first column, 记录标识, tells the
    # records apart.
    assert header == ["记录标识", *GRANTED]
    assert len(rows) == 5
    assert len({r[0] for r in rows}) == 5
    assert all("*" in r[1] for r in rows)
    assert {r[2] for r in rows} == consumer.names  # 姓名 (G2) in clear
