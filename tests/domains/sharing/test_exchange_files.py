"""File exchange mode: a grant with ``file`` mode downloads its granted items as CSV,
XLSX or Parquet, masked exactly as a batch lookup masks them, logged once; calls
outside the grant are refused and logged; the log still verifies."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import openpyxl
import polars as pl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from smartcity.core.config import Settings
from smartcity.core.errors import AppError
from smartcity.core.security import SYSTEM
from smartcity.domains.sharing.api_exchange_files import get_extract_session
from smartcity.domains.sharing.enums import GrantState, QueryMode
from smartcity.domains.sharing.exchange_errors import (
    ExtractTooLargeError,
    GrantExpiredError,
    GrantRevokedError,
    ModeNotGrantedError,
)
from smartcity.domains.sharing.models import Grant
from smartcity.domains.sharing.service import exchange, exchange_files, exchange_log
from smartcity.domains.sharing.service.exchange_files import ExtractFormat
from tests.domains.sharing.test_exchange import World, grant_for, last_entry, population_world
from tests.domains.sharing.test_exchange_matrix import (
    log_size,
)
from tests.factories.identity import login, make_user
from tests.helpers.problems import assert_problem

BASE = "/api/v1/exchange"
# 公民身份号码 (G3, personal) and 户籍地址 (G3) masked at clearance 2; 姓名 (G2, personal)
# clear with personal_clear; 性别 (G1) clear. Not granted: 联系电话, 文化程度 …
GRANTED = ["公民身份号码", "姓名", "性别", "户籍地址"]
CASE = quote("社保待遇资格认证-2026-001")


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    exchange.rate_limiter.reset()


@pytest.fixture
def world(session: Session, tmp_path: Path) -> World:
    return population_world(session, tmp_path, rows=7)


@pytest.fixture
def files_client(client: TestClient, session: Session) -> TestClient:
    """The app client, writing files from the test's session (the route reads in a
    read-only session of its own, which would not see the test's uncommitted rows)."""

    def _reader() -> Iterator[Session]:
        yield session

    client.app.dependency_overrides[get_extract_session] = _reader  # type: ignore[attr-defined]
    return client


def file_grant(world: World, session: Session, **values: Any) -> Grant:
    values.setdefault("items", GRANTED)
    values.setdefault("query_modes", [QueryMode.file, QueryMode.batch])
    values.setdefault("clearance_rank", 2)
    values.setdefault("personal_clear", True)
    return grant_for(world, session, **values)


@pytest.fixture
def api(files_client: TestClient, session: Session, settings: Settings, world: World) -> TestClient:
    """The client, signed in as a staff member of the grants' consumer department."""
    login(files_client, session, make_user(session, organization=world.consumer), settings)
    return files_client


def looked_up(session: Session, world: World, grant: Grant) -> list[list[Any]]:
    """The granted values of every record in key order, as a batch lookup answers them,
    each after its ``ref`` (``file_grant`` masks the key: the file's first column)."""
    keys = sorted(world.key(n) for n in range(len(world.rows)))
    result = exchange.lookup(
        session, actor=world.staff, grant_id=grant.id, case_reference="对照", keys=keys
    )
    return [[r.ref, *(r.values[name].value for name in GRANTED)] for r in result.records]


def download(client: TestClient, grant: Grant, fmt: str, **params: str) -> Any:
    return client.get(
        f"{BASE}/grants/{grant.id}/extract",
        params={"format": fmt, **params},
        headers={"X-Case-Reference": CASE},
    )


class TestDownloadExtract:
    def test_csv_is_utf8_with_a_bom_and_equals_a_lookups_masked_values(
        self, api: TestClient, session: Session, world: World
    ) -> None:
        grant = file_grant(world, session)

        response = download(api, grant, "csv")

        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/csv")
        assert response.headers["content-disposition"] == (
            f'attachment; filename="{grant.number}_{world.table_name}.csv"'
        )
        assert response.content.startswith(b"\xef\xbb\xbf")
        header, *rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert header == [exchange_files.REF_COLUMN, *GRANTED]
        assert rows == looked_up(session, world, grant)
        assert all("*" in r[1] for r in rows)  # the key is masked too
        assert len({r[0] for r in rows}) == len(rows)  # the refs tell the records apart
        assert not any(world.key(n) in response.text for n in range(len(world.rows)))
        assert {r[2] for r in rows} == {r["姓名"] for r in world.rows}  # 姓名 in clear
        assert "13800000000" not in response.content.decode("utf-8-sig")  # 联系电话

    def test_xlsx_has_the_values_and_an_explanation_sheet(
        self, api: TestClient, session: Session, world: World
    ) -> None:
        grant = file_grant(world, session)

        response = download(api, grant, "xlsx")

        assert response.status_code == 200, response.text
        book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
        header, *rows = [list(r) for r in book["数据"].iter_rows(values_only=True)]
        assert header == [exchange_files.REF_COLUMN, *GRANTED]
        assert rows == looked_up(session, world, grant)
        about = {r[0]: r[1] for r in book["说明"].iter_rows(values_only=True)}
        assert about["授权编号"] == grant.number
        assert about["所办理的事项"] == "社保待遇资格认证-2026-001"
        assert about["记录数"] == 7
        assert about["已脱敏的信息项"] == "公民身份号码、户籍地址"
        assert "记录标识" in about[exchange_files.REF_COLUMN]

    def test_parquet_reads_back_with_polars(
        self, api: TestClient, session: Session, world: World
    ) -> None:
        grant = file_grant(world, session)

        response = download(api, grant, "parquet")

        assert response.status_code == 200, response.text
        frame = pl.read_parquet(io.BytesIO(response.content))
        assert frame.columns == [exchange_files.REF_COLUMN, *GRANTED]
        assert [list(r) for r in frame.rows()] == looked_up(session, world, grant)
        metadata = pl.read_parquet_metadata(io.BytesIO(response.content))
        assert metadata["smartcity.grant"] == grant.number
        assert metadata["smartcity.masked"] == "公民身份号码,户籍地址"

    def test_is_logged_once_with_the_rows_fields_and_keys(
        self, api: TestClient, session: Session, world: World
    ) -> None:
        grant = file_grant(world, session)

        response = download(api, grant, "csv")

        entry = last_entry(session)
        assert entry.seq == int(response.headers["x-exchange-log-seq"])
        assert int(response.headers["x-extract-rows"]) == 7
        assert entry.operation == "file"
        assert entry.result == "ok"
        assert entry.records == 7
        assert entry.case_reference == "社保待遇资格认证-2026-001"
        assert sorted(json.loads(entry.fields)) == sorted(GRANTED)
        assert exchange_log.subject_keys_of(session, entry.seq) == sorted(
            world.key(n) for n in range(7)
        )
        assert exchange_log.verify_exchange_log(session, actor=SYSTEM).ok

    def test_the_case_reference_may_come_as_a_query_parameter(
        self, api: TestClient, session: Session, world: World
    ) -> None:
        grant = file_grant(world, session)

        response = api.get(
            f"{BASE}/grants/{grant.id}/extract", params={"case_reference": "办件-7 核验 100%"}
        )

        assert response.status_code == 200, response.text
        assert last_entry(session).case_reference == "办件-7 核验 100%"

    def test_without_a_case_reference_is_refused_and_logged(
        self, api: TestClient, session: Session, world: World
    ) -> None:
        grant = file_grant(world, session)

        response = api.get(f"{BASE}/grants/{grant.id}/extract")

        assert_problem(response, status=422, code="sharing.exchange-case-reference-required")
        assert last_entry(session).result == "sharing.exchange-case-reference-required"

    def test_an_unknown_format_is_a_422_problem_and_changes_nothing(
        self, api: TestClient, session: Session, world: World
    ) -> None:
        grant = file_grant(world, session)
        before = log_size(session)

        response = download(api, grant, "pdf")

        body = assert_problem(response, status=422, code="invalid-input")
        assert body["errors"][0]["field"] == "format"
        assert log_size(session) == before

    def test_a_grant_without_file_mode_is_refused_and_logged(
        self, api: TestClient, session: Session, world: World
    ) -> None:
        grant = file_grant(world, session, query_modes=[QueryMode.lookup, QueryMode.changes])

        response = download(api, grant, "csv")

        body = assert_problem(response, status=403, code=ModeNotGrantedError.code)
        assert body["mode"] == "file"
        entry = last_entry(session)
        assert (entry.operation, entry.result) == ("file", ModeNotGrantedError.code)
        assert exchange_log.verify_exchange_log(session, actor=SYSTEM).ok

    @pytest.mark.parametrize(
        ("values", "error"),
        [
            ({"state": GrantState.revoked}, GrantRevokedError),
            ({"valid_days": -1}, GrantExpiredError),
        ],
        ids=["revoked", "expired"],
    )
    def test_revoked_and_expired_grants_are_refused_and_logged(
        self,
        api: TestClient,
        session: Session,
        world: World,
        values: dict[str, Any],
        error: type[AppError],
    ) -> None:
        grant = file_grant(world, session, **values)

        response = download(api, grant, "parquet")

        assert_problem(response, status=409, code=error.code)
        assert last_entry(session).result == error.code
        assert exchange_log.verify_exchange_log(session, actor=SYSTEM).ok

    def test_more_rows_than_a_sheet_holds_is_refused_for_xlsx_only(
        self,
        api: TestClient,
        session: Session,
        world: World,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        monkeypatch.setattr(exchange_files, "XLSX_MAX_ROWS", 5)
        grant = file_grant(world, session)

        refused = download(api, grant, "xlsx")
        served = download(api, grant, "csv")

        body = assert_problem(refused, status=422, code=ExtractTooLargeError.code)
        assert (body["rows"], body["max_rows"]) == (7, 5)
        assert "CSV" in body["detail"]
        assert served.status_code == 200

    def test_anonymous_is_401_and_not_logged(
        self, files_client: TestClient, session: Session, world: World
    ) -> None:
        grant = file_grant(world, session)
        before = log_size(session)

        response = download(files_client, grant, "csv")

        assert_problem(response, status=401, code="authentication-required")
        assert log_size(session) == before


class TestExtractRows:
    def test_pages_through_every_record_once_in_key_order(
        self, session: Session, world: World, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(exchange_files, "PAGE_ROWS", 3)
        grant = file_grant(world, session, items=["公民身份号码"], clearance_rank=6)
        extract = exchange_files.start_extract(
            session,
            actor=world.staff,
            grant_id=grant.id,
            case_reference="c",
            format=ExtractFormat.csv,
        )

        pages = list(exchange_files.extract_rows(session, extract))
        chunks = list(exchange_files.extract_bytes(session, extract))

        assert [len(p) for p in pages] == [3, 3, 1]
        # The grant shows the key: no 记录标识 column, the keys themselves.
        assert extract.fields == ["公民身份号码"]
        assert [row[0] for p in pages for row in p] == sorted(world.key(n) for n in range(7))
        assert len(chunks) == 1 + 3  # the header, then one chunk a page: nothing held


class TestWebDownload:
    def test_the_grants_page_form_downloads_and_refusals_are_chinese_pages(
        self, api: TestClient, session: Session, world: World
    ) -> None:
        grant = file_grant(world, session)
        closed = file_grant(world, session, query_modes=[QueryMode.lookup])

        page = api.get("/sharing/grants")
        response = api.get(
            f"/sharing/grants/{grant.id}/extract",
            params={"format": "csv", "case_reference": "办件-8"},
            headers={"accept": "text/html"},
        )
        refused = api.get(
            f"/sharing/grants/{closed.id}/extract",
            params={"format": "csv", "case_reference": "办件-8"},
            headers={"accept": "text/html"},
        )

        assert f'action="/sharing/grants/{grant.id}/extract"' in page.text
        assert f'action="/sharing/grants/{closed.id}/extract"' not in page.text
        assert response.status_code == 200, response.text
        assert response.content.decode("utf-8-sig").splitlines()[0] == ",".join(
            [exchange_files.REF_COLUMN, *GRANTED]
        )
        assert refused.status_code == 403
        assert refused.headers["content-type"].startswith("text/html")
        assert "共享授权不包含该查询方式" in refused.text
