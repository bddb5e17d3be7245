"""Import and export of the organization directory: all or nothing, every problem listed."""

from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook
from sqlalchemy.orm import Session

from smartcity.core.config import Settings
from smartcity.core.errors import BadRequestError
from smartcity.core.security import SYSTEM
from smartcity.core.tabular import read_table, write_csv
from smartcity.domains.identity.permissions import Role
from smartcity.domains.registry import service as registry_service
from smartcity.domains.registry import transfer
from smartcity.domains.registry.errors import ImportRejectedError
from smartcity.domains.registry.models import Organization
from tests.factories.identity import login, make_user
from tests.factories.registry import coordinator_organization
from tests.helpers.problems import assert_problem

HEADER = ["编码", "名称", "类型", "上级编码", "行政区划代码", "统一社会信用代码", "承担条例职责"]
ROWS = [
    ["IMP-CITY", "济宁市人民政府（导入）", "市人民政府", "", "370800", "11370800004328177J", ""],
    [
        "IMP-SJ",
        "济宁市市场监督管理局（导入）",
        "市直部门、单位",
        "IMP-CITY",
        "370800",
        "",
        "50:工商行政管理部门；69:市工商行政管理部门",
    ],
    ["IMP-RC", "任城区人民政府（导入）", "县（市、区）人民政府", "IMP-CITY", "370811", "", ""],
]


def _csv(rows: list[list[str]], encoding: str = "utf-8", header: list[str] = HEADER) -> bytes:
    text = "\r\n".join(",".join(r) for r in [header, *rows])
    return text.encode(encoding)


def _count(session: Session) -> int:
    return session.query(Organization).count()


class TestImport:
    @pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
    def test_reads_utf8_and_gb18030_csv(self, session: Session, encoding: str) -> None:
        table = read_table(_csv(ROWS, encoding), "机构.csv")
        assert table.encoding == ("gb18030" if encoding == "gb18030" else "utf-8")
        report = transfer.import_organizations(session, actor=SYSTEM, table=table)
        assert (report.created, report.updated, report.errors) == (3, 0, [])
        market = registry_service.find_organization_by_code(session, "IMP-SJ")
        assert market is not None
        assert market.parent_id is not None
        holders = registry_service.responsible_organizations(session, actor=SYSTEM, article=69)
        assert [o.code for o in holders[0].organizations] == ["IMP-SJ"]

    def test_children_may_come_before_their_parents(self, session: Session) -> None:
        table = read_table(_csv(list(reversed(ROWS))), "x.csv")
        assert transfer.import_organizations(session, actor=SYSTEM, table=table).created == 3

    def test_reads_xlsx(self, session: Session) -> None:
        workbook = Workbook()
        sheet = workbook.active
        assert sheet is not None
        sheet.append(HEADER)
        for row in ROWS:
            sheet.append(row)
        buffer = io.BytesIO()
        workbook.save(buffer)
        table = read_table(buffer.getvalue(), "机构.xlsx")
        assert transfer.import_organizations(session, actor=SYSTEM, table=table).created == 3

    def test_a_file_with_bad_rows_imports_nothing_and_lists_every_problem(
        self, session: Session
    ) -> None:
        before = _count(session)
        rows = [
            *ROWS,
            ["IMP-SJ", "重复编码局", "市直部门、单位", "", "370800", "", ""],
            ["IMP-BAD", "错误信用代码局", "市直部门、单位", "", "370800", "11370800004328177K", ""],
            ["IMP-DIV", "错误区划局", "市直部门、单位", "", "370899", "", ""],
            ["IMP-KIND", "错误类型局", "不存在的类型", "", "370800", "", ""],
            ["IMP-ORPH", "孤儿局", "市直部门、单位", "NOPE", "370800", "", ""],
            ["IMP-DUTY", "错误职责局", "市直部门、单位", "", "370800", "", "50:随便部门"],
        ]
        with pytest.raises(ImportRejectedError) as caught:
            transfer.import_organizations(
                session, actor=SYSTEM, table=read_table(_csv(rows), "x.csv")
            )
        problems = {(e["row"], e["column"]) for e in caught.value.extensions["errors"]}  # type: ignore[union-attr]
        assert problems == {
            (5, "编码"),
            (6, "统一社会信用代码"),
            (7, "行政区划代码"),
            (8, "类型"),
            (9, "上级编码"),
            (10, "承担条例职责"),
        }
        assert _count(session) == before

    def test_wrong_headers_are_refused_as_a_whole(self, session: Session) -> None:
        with pytest.raises(ImportRejectedError) as caught:
            transfer.import_organizations(
                session,
                actor=SYSTEM,
                table=read_table(_csv([["A", "B"]], header=["代码", "单位名"]), "x.csv"),
            )
        messages = [e["message"] for e in caught.value.extensions["errors"]]  # type: ignore[union-attr]
        assert any("未知的列" in m for m in messages)
        assert any("缺少必需的列" in m for m in messages)

    def test_merged_cells_are_refused(self, session: Session) -> None:
        workbook = Workbook()
        sheet = workbook.active
        assert sheet is not None
        sheet.append(HEADER)
        sheet.append(ROWS[0])
        sheet.merge_cells("A2:B2")
        buffer = io.BytesIO()
        workbook.save(buffer)
        with pytest.raises(ImportRejectedError):
            transfer.import_organizations(
                session, actor=SYSTEM, table=read_table(buffer.getvalue(), "x.xlsx")
            )

    def test_undecodable_bytes_are_refused_with_the_offset(self) -> None:
        with pytest.raises(BadRequestError) as caught:
            read_table(b"\xff\xfe\xfa\x00bad", "x.csv")
        assert "encoding_error_at" in caught.value.extensions

    def test_a_dry_run_reports_but_writes_nothing(self, session: Session) -> None:
        before = _count(session)
        report = transfer.import_organizations(
            session, actor=SYSTEM, table=read_table(_csv(ROWS), "x.csv"), dry_run=True
        )
        assert report.created == 3
        assert report.dry_run
        assert _count(session) == before

    def test_export_then_import_changes_nothing(self, session: Session) -> None:
        transfer.import_organizations(session, actor=SYSTEM, table=read_table(_csv(ROWS), "x.csv"))
        content = transfer.export_organizations(session, actor=SYSTEM, format="xlsx")
        sheet = load_workbook(io.BytesIO(content)).active
        assert sheet is not None
        assert sheet["A1"].value == "编码"
        report = transfer.import_organizations(
            session, actor=SYSTEM, table=read_table(content, "export.xlsx")
        )
        assert report.created == 0
        assert report.updated == 0
        assert report.unchanged == report.rows

    def test_csv_export_has_a_bom_for_excel(self) -> None:
        assert write_csv(["名称"], [["济宁"]]).startswith(b"\xef\xbb\xbf")


class TestImportApi:
    def test_rejected_upload_is_a_problem_listing_rows(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        login(
            client,
            session,
            make_user(
                session, organization=coordinator_organization(session), roles=[Role.coordinator]
            ),
            settings,
        )
        before = _count(session)
        bad = _csv([["IMP-X", "某局", "市直部门、单位", "", "370899", "", ""]], "gb18030")
        response = client.post(
            "/api/v1/registry/organizations/import", files={"file": ("机构.csv", bad, "text/csv")}
        )
        body = assert_problem(response, status=422, code="registry.import-rejected")
        assert body["errors"][0]["row"] == 2
        assert body["errors"][0]["column"] == "行政区划代码"
        assert _count(session) == before

    def test_export_as_csv(self, client: TestClient, session: Session, settings: Settings) -> None:
        login(
            client,
            session,
            make_user(
                session, organization=coordinator_organization(session), roles=[Role.coordinator]
            ),
            settings,
        )
        response = client.get("/api/v1/registry/organizations/export?format=csv")
        assert response.status_code == 200
        assert response.content.decode("utf-8-sig").startswith("编码,名称")

    def test_staff_cannot_import(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        login(
            client,
            session,
            make_user(
                session, organization=coordinator_organization(session), roles=[Role.org_staff]
            ),
            settings,
        )
        response = client.post(
            "/api/v1/registry/organizations/import",
            files={"file": ("x.csv", _csv(ROWS), "text/csv")},
        )
        assert_problem(response, status=403, code="permission-denied")
