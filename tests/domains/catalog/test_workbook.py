"""The catalog compilation workbook: template out, rows and every problem in."""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from smartcity.domains.catalog.demo_content import DemoEntry, generate_bulk, generate_entries
from smartcity.domains.catalog.enums import ShareType
from smartcity.domains.catalog.schemas import EntryDraft
from smartcity.domains.catalog.workbook import (
    GUIDE_SHEET,
    ITEM_COLUMNS,
    ITEM_SHEET,
    RESOURCE_COLUMNS,
    RESOURCE_SHEET,
    ParsedWorkbook,
    Problem,
    read_workbook,
    write_template,
)

ENTRIES = generate_entries()
SAMPLE = ENTRIES[:5]  # 人口基础信息 … 出生医学证明信息: base resources with personal items


def _column(columns: tuple[Any, ...], header: str) -> int:
    return next(i for i, column in enumerate(columns, start=1) if column.header == header)


def _letter(columns: tuple[Any, ...], header: str) -> str:
    return "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[_column(columns, header) - 1]


def _template(entries: list[DemoEntry] = SAMPLE) -> bytes:
    return write_template(entry.as_dict() for entry in entries)


def _edited(change: Callable[[Workbook], None], entries: list[DemoEntry] = SAMPLE) -> bytes:
    """The template of ``entries`` after ``change``, saved as Excel would."""
    workbook = load_workbook(io.BytesIO(_template(entries)))
    change(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _set(sheet: str, row: int, header: str, value: Any) -> Callable[[Workbook], None]:
    columns = RESOURCE_COLUMNS if sheet == RESOURCE_SHEET else ITEM_COLUMNS

    def change(workbook: Workbook) -> None:
        workbook[sheet].cell(row=row, column=_column(columns, header)).value = value

    return change


def _only(parsed: ParsedWorkbook) -> Problem:
    assert len(parsed.problems) == 1, [str(p) for p in parsed.problems]
    return parsed.problems[0]


def _item_row(entry_index: int, item_index: int = 0) -> int:
    """Spreadsheet row of an item of SAMPLE (items follow their resources in order)."""
    return 2 + sum(len(e.items) for e in SAMPLE[:entry_index]) + item_index


class TestWriteTemplate:
    def test_blank_template_has_both_sheets_with_styled_frozen_headers(self) -> None:
        workbook = load_workbook(io.BytesIO(write_template([])))
        assert workbook.sheetnames == [RESOURCE_SHEET, ITEM_SHEET, GUIDE_SHEET]
        for title, columns in ((RESOURCE_SHEET, RESOURCE_COLUMNS), (ITEM_SHEET, ITEM_COLUMNS)):
            sheet = workbook[title]
            assert [cell.value for cell in sheet[1]] == [column.header for column in columns]
            assert sheet.freeze_panes == "A2"
            assert all(cell.font.bold for cell in sheet[1])
            assert sheet.column_dimensions["A"].width > 8
        headers = [row[1] for row in workbook[GUIDE_SHEET].iter_rows(values_only=True)]
        assert "共享依据" in headers

    def test_enumerated_columns_have_dropdowns(self) -> None:
        sheet = load_workbook(io.BytesIO(write_template([])))[RESOURCE_SHEET]
        lists = {
            str(validation.sqref).split(":")[0]: validation.formula1
            for validation in sheet.data_validations.dataValidation
        }
        share_type = f"{_letter(RESOURCE_COLUMNS, '共享类型')}2"
        assert lists[share_type] == '"无条件共享,有条件共享,不予共享"'
        assert "数据库" in lists[f"{_letter(RESOURCE_COLUMNS, '资源格式')}2"]
        assert lists[f"{_letter(RESOURCE_COLUMNS, '去标识化开放')}2"] == '"是,否"'

    def test_values_are_written_as_the_compilers_see_them(self) -> None:
        entry = next(e for e in ENTRIES if e.share_type is ShareType.conditional)
        sheet = load_workbook(io.BytesIO(_template([entry])))[RESOURCE_SHEET]
        row = {c.header: sheet.cell(2, i).value for i, c in enumerate(RESOURCE_COLUMNS, 1)}
        assert row["共享类型"] == "有条件共享"
        assert row["共享依据"] == "；".join(entry.legal_basis_codes)
        assert row["提供方"] == entry.provider_name
        assert isinstance(row["发布日期"], datetime)
        assert row["发布日期"].date() == entry.release_date
        items = load_workbook(io.BytesIO(_template([entry])))[ITEM_SHEET]
        assert items.max_row == 1 + len(entry.items)
        assert {items.cell(r, 1).value for r in range(2, items.max_row + 1)} == {
            entry.resource_code
        }


class TestRoundTrip:
    def test_the_demo_catalog_comes_back_unchanged(self) -> None:
        parsed = read_workbook(_template(ENTRIES))
        assert parsed.ok, [str(p) for p in parsed.problems]
        assert (parsed.resource_rows, len(parsed.resources)) == (300, 300)
        assert parsed.item_rows == parsed.item_count == sum(len(e.items) for e in ENTRIES)
        for entry, resource in zip(ENTRIES, parsed.resources, strict=True):
            expected = entry.as_dict()
            for key, value in resource.draft_fields().items():
                assert value == expected[key], (entry.name, key)
            assert resource.provider_name == entry.provider_name
            assert resource.provider_code == entry.provider_code
            assert resource.legal_basis_codes == list(entry.legal_basis_codes)
            assert resource.source_system_code == entry.source_system_code

    def test_parsed_rows_make_drafts_once_the_service_adds_ids(self) -> None:
        for resource in read_workbook(_template(ENTRIES[:60])).resources:
            EntryDraft.model_validate(
                {
                    **resource.draft_fields(),
                    "provider_organization_id": uuid.uuid4(),
                    "legal_basis_ids": [uuid.uuid4() for _ in resource.legal_basis_codes],
                }
            )

    def test_text_dates_and_yes_no_words_are_understood(self) -> None:
        def change(workbook: Workbook) -> None:
            _set(RESOURCE_SHEET, 2, "发布日期", "2024年3月5日")(workbook)
            _set(RESOURCE_SHEET, 3, "发布日期", "2024/03/06")(workbook)
            _set(ITEM_SHEET, 2, "是否个人信息", "Y")(workbook)
            _set(ITEM_SHEET, 2, "数据长度", "50")(workbook)
            _set(RESOURCE_SHEET, 2, "资源格式", "database")(workbook)

        parsed = read_workbook(_edited(change))
        assert parsed.ok, [str(p) for p in parsed.problems]
        first, second = parsed.resources[:2]
        assert (first.release_date, second.release_date) == (date(2024, 3, 5), date(2024, 3, 6))
        assert first.items[0].is_personal
        assert first.items[0].length == 50


class TestShapeProblems:
    """Each problem names its sheet, row, column and cell, with a reason in Chinese."""

    def test_a_renamed_header_is_unknown_and_the_required_one_missing(self) -> None:
        def change(workbook: Workbook) -> None:
            workbook[RESOURCE_SHEET]["F1"].value = "名称"

        parsed = read_workbook(_edited(change))
        found = {(p.sheet, p.row, p.column, p.cell): p.reason for p in parsed.problems}
        assert "未知的列" in found[(RESOURCE_SHEET, 1, "名称", "F1")]
        assert found[(RESOURCE_SHEET, 1, "资源名称", "")] == "缺少必需的列"
        assert len(parsed.problems) == 2  # the items are not all reported as orphans too
        assert not parsed.ok

    def test_a_repeated_header_is_reported(self) -> None:
        def change(workbook: Workbook) -> None:
            workbook[ITEM_SHEET]["E1"].value = "信息项名称"

        found = {(p.sheet, p.cell): p.reason for p in read_workbook(_edited(change)).problems}
        assert found[(ITEM_SHEET, "E1")] == "列重复"

    def test_a_missing_sheet_is_reported(self) -> None:
        def change(workbook: Workbook) -> None:
            del workbook[ITEM_SHEET]

        problem = _only(read_workbook(_edited(change)))
        assert (problem.sheet, problem.row) == (ITEM_SHEET, 0)
        assert "缺少工作表" in problem.reason

    def test_merged_cells_are_refused_with_their_range(self) -> None:
        def change(workbook: Workbook) -> None:
            workbook[ITEM_SHEET].merge_cells("A3:A6")

        problems = read_workbook(_edited(change)).problems
        merged = next(p for p in problems if "合并单元格" in p.reason)
        assert (merged.sheet, merged.row, merged.column, merged.cell) == (
            ITEM_SHEET,
            3,
            "资源代码",
            "A3:A6",
        )

    def test_merged_cells_in_the_resources_sheet_are_refused_too(self) -> None:
        def change(workbook: Workbook) -> None:
            workbook[RESOURCE_SHEET].merge_cells("A2:B3")

        problems = read_workbook(_edited(change)).problems
        assert any(p.cell == "A2:B3" and p.sheet == RESOURCE_SHEET for p in problems)

    def test_a_repeated_resource_code_is_reported_on_the_second_row(self) -> None:
        problems = read_workbook(
            _edited(_set(RESOURCE_SHEET, 4, "资源代码", SAMPLE[0].resource_code))
        ).problems
        repeated = next(p for p in problems if "重复" in p.reason)
        assert (repeated.sheet, repeated.row, repeated.column) == (RESOURCE_SHEET, 4, "资源代码")
        assert repeated.cell == f"{_letter(RESOURCE_COLUMNS, '资源代码')}4"
        assert "第2行" in repeated.reason
        # the items of the renamed resource now point at a code no resource has
        assert any("没有资源代码为" in p.reason for p in problems)

    def test_an_item_of_an_unknown_resource_is_reported(self) -> None:
        row = _item_row(1)
        problems = read_workbook(_edited(_set(ITEM_SHEET, row, "资源代码", "B.09.09/000001")))
        problem = next(p for p in problems.problems if p.sheet == ITEM_SHEET)
        assert (problem.row, problem.column, problem.cell, problem.value) == (
            row,
            "资源代码",
            f"A{row}",
            "B.09.09/000001",
        )
        assert "没有资源代码为 B.09.09/000001 的资源" in problem.reason

    def test_a_resource_without_items_is_reported(self) -> None:
        entry = SAMPLE[2]
        first, count = _item_row(2), len(entry.items)

        def change(workbook: Workbook) -> None:
            workbook[ITEM_SHEET].delete_rows(first, count)

        problem = _only(read_workbook(_edited(change)))
        assert (problem.sheet, problem.row, problem.value) == (
            RESOURCE_SHEET,
            4,
            entry.resource_code,
        )
        assert "没有信息项" in problem.reason

    @pytest.mark.parametrize(
        ("sheet", "header", "value", "reason"),
        [
            (RESOURCE_SHEET, "共享类型", "部分共享", "取值不在允许范围内"),
            (RESOURCE_SHEET, "更新周期", "每十年", "取值不在允许范围内"),
            (RESOURCE_SHEET, "发布日期", "2025-02-30", "不是有效的日期"),
            (RESOURCE_SHEET, "发布日期", "去年", "不是有效的日期"),
            (RESOURCE_SHEET, "资源名称", None, "必填"),
            (RESOURCE_SHEET, "类目编码", "人口", "类目编码格式不正确"),
            (RESOURCE_SHEET, "去标识化开放", "也许", "应填“是”或“否”"),
            (RESOURCE_SHEET, "关联资源代码", "B.01.03/000001；人口", "不是有效的资源代码"),
            (ITEM_SHEET, "数据类型", "文本", "取值不在允许范围内"),
            (ITEM_SHEET, "数据长度", "十八", "应为正整数"),
            (ITEM_SHEET, "数据长度", 0, "1 到 1000000000"),
            (ITEM_SHEET, "分级", "四级 敏感", "分级代码只能由"),
            (ITEM_SHEET, "信息项名称", "", "必填"),
        ],
    )
    def test_a_bad_cell_is_reported_where_it_is(
        self, sheet: str, header: str, value: Any, reason: str
    ) -> None:
        parsed = read_workbook(_edited(_set(sheet, 2, header, value)))
        problem = _only(parsed)
        columns = RESOURCE_COLUMNS if sheet == RESOURCE_SHEET else ITEM_COLUMNS
        assert (problem.sheet, problem.row, problem.column) == (sheet, 2, header)
        assert problem.cell == f"{_letter(columns, header)}2"
        assert reason in problem.reason
        assert not parsed.ok

    def test_a_resource_code_outside_its_category_is_reported_on_the_code(self) -> None:
        problem = _only(read_workbook(_edited(_set(RESOURCE_SHEET, 2, "类目编码", "B.01.09"))))
        assert (problem.row, problem.column, problem.value) == (
            2,
            "资源代码",
            SAMPLE[0].resource_code,
        )
        assert "资源代码应以类目编码 B.01.09/ 开头" in problem.reason

    @pytest.mark.parametrize("share_type", ["有条件共享", "不予共享"])
    def test_a_share_type_that_needs_a_legal_basis_without_one_is_reported(
        self, share_type: str
    ) -> None:
        def change(workbook: Workbook) -> None:
            _set(RESOURCE_SHEET, 3, "共享类型", share_type)(workbook)
            _set(RESOURCE_SHEET, 3, "共享依据", None)(workbook)

        problem = _only(read_workbook(_edited(change)))
        assert (problem.sheet, problem.row, problem.column) == (RESOURCE_SHEET, 3, "共享依据")
        assert f"共享类型为“{share_type}”，必须填写法律法规依据代码" in problem.reason

    def test_malformed_legal_basis_codes_are_reported_database_checks_are_not(self) -> None:
        def change(workbook: Workbook) -> None:
            _set(RESOURCE_SHEET, 3, "共享类型", "有条件共享")(workbook)
            _set(RESOURCE_SHEET, 3, "共享依据", "PIPL-34；个人信息保护法第三十四条")(workbook)
            _set(RESOURCE_SHEET, 4, "共享类型", "有条件共享")(workbook)
            _set(RESOURCE_SHEET, 4, "共享依据", "NOT-IN-VOCABULARY-1")(workbook)

        problem = _only(read_workbook(_edited(change)))
        assert (problem.row, problem.value) == (3, "个人信息保护法第三十四条")

    def test_repeated_item_names_and_sensitive_but_not_personal_items_are_reported(
        self,
    ) -> None:
        second = SAMPLE[0].items[1].name

        def change(workbook: Workbook) -> None:
            _set(ITEM_SHEET, 2, "信息项名称", second)(workbook)
            _set(ITEM_SHEET, 4, "是否敏感个人信息", "是")(workbook)
            _set(ITEM_SHEET, 4, "是否个人信息", "否")(workbook)

        problems = {(p.row, p.column): p.reason for p in read_workbook(_edited(change)).problems}
        assert "信息项名称重复（与第2行相同）" in problems[(3, "信息项名称")]
        assert "敏感个人信息也是个人信息" in problems[(4, "是否个人信息")]

    def test_every_problem_of_a_workbook_is_listed_at_once(self) -> None:
        def change(workbook: Workbook) -> None:
            _set(RESOURCE_SHEET, 2, "共享类型", "部分共享")(workbook)
            _set(RESOURCE_SHEET, 3, "发布日期", "2025-13-01")(workbook)
            _set(RESOURCE_SHEET, 5, "资源代码", SAMPLE[1].resource_code)(workbook)
            _set(ITEM_SHEET, 3, "数据类型", "文本")(workbook)
            _set(ITEM_SHEET, 6, "资源代码", "T.99.99/000001")(workbook)
            workbook[ITEM_SHEET].merge_cells("B8:C8")

        parsed = read_workbook(_edited(change))
        places = {(p.sheet, p.row, p.column) for p in parsed.problems}
        assert {
            (RESOURCE_SHEET, 2, "共享类型"),
            (RESOURCE_SHEET, 3, "发布日期"),
            (RESOURCE_SHEET, 5, "资源代码"),
            (ITEM_SHEET, 3, "数据类型"),
            (ITEM_SHEET, 6, "资源代码"),
            (ITEM_SHEET, 8, "信息项名称"),
        } <= places
        assert parsed.problem_count == len(parsed.problems) >= 6
        assert all(str(problem).startswith("工作表“") for problem in parsed.problems)

    def test_only_well_formed_rows_are_kept_for_a_preview(self) -> None:
        parsed = read_workbook(_edited(_set(RESOURCE_SHEET, 2, "共享类型", "部分共享")))
        assert not parsed.ok
        assert [r.resource_code for r in parsed.resources] == [e.resource_code for e in SAMPLE[1:]]

    def test_a_workbook_without_resources_is_refused(self) -> None:
        problem = _only(read_workbook(write_template([])))
        assert (problem.sheet, problem.row) == (RESOURCE_SHEET, 2)
        assert "没有任何资源" in problem.reason

    def test_blank_rows_between_resources_are_skipped(self) -> None:
        def change(workbook: Workbook) -> None:
            workbook[RESOURCE_SHEET].insert_rows(3, 2)
            workbook[ITEM_SHEET].insert_rows(5, 1)

        parsed = read_workbook(_edited(change))
        assert parsed.ok, [str(p) for p in parsed.problems]
        assert [r.row for r in parsed.resources] == [2, 5, 6, 7, 8]


class TestNotAWorkbook:
    """A text or old-format file gives one clear file-level problem, never an exception."""

    CSV_TEXT = "资源代码,资源名称,提供方\nB.01.01/000001,人口基础信息,济宁市公安局\n"

    def test_a_gb18030_csv_is_named_as_such(self) -> None:
        parsed = read_workbook(self.CSV_TEXT.encode("gb18030"))
        problem = _only(parsed)
        assert (parsed.file_format, parsed.encoding) == ("csv", "gb18030")
        assert (problem.sheet, problem.row, problem.location) == ("", 0, "文件")
        assert "GB18030（GBK）编码的文本（CSV）文件，不是 Excel 工作簿" in problem.reason

    def test_a_utf8_csv_is_named_as_such(self) -> None:
        parsed = read_workbook(("\ufeff" + self.CSV_TEXT).encode())
        assert (parsed.file_format, parsed.encoding) == ("csv", "utf-8")
        assert "UTF-8 编码的文本（CSV）文件" in _only(parsed).reason

    def test_an_old_xls_file_is_refused(self) -> None:
        parsed = read_workbook(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)
        assert parsed.file_format == "xls"
        assert ".xls" in _only(parsed).reason

    @pytest.mark.parametrize(
        ("data", "reason"),
        [(b"", "文件为空"), (b"PK\x03\x04not really a zip", "无法读取 Excel 文件")],
    )
    def test_an_empty_or_broken_file_is_refused(self, data: bytes, reason: str) -> None:
        assert reason in _only(read_workbook(data)).reason


@pytest.mark.slow
def test_ten_thousand_resources_with_a_hundred_thousand_items_round_trip() -> None:
    """The size of the import benchmark: streamed out and in (timings in the benchmark)."""
    entries = generate_bulk(10_000)
    data = write_template(entry.as_dict() for entry in entries)
    parsed = read_workbook(data)
    assert parsed.ok, [str(p) for p in parsed.problems[:5]]
    assert len(parsed.resources) == 10_000
    assert parsed.item_count == sum(len(entry.items) for entry in entries) >= 90_000
