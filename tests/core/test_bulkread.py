"""Streaming reads of large CSV, XLSX and Parquet files: encodings, row numbers, errors, memory."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Sequence
from datetime import date, datetime, time
from pathlib import Path
from unittest import mock

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from smartcity.core import bulkread
from smartcity.core.bulkread import ROW_COLUMN, BulkFile, UnreadableFileError, open_bulk
from smartcity.core.errors import UnsupportedMediaTypeError

HEADER = "编码,名称,备注\n"
ROWS = '370811,任城区,"含逗号,和""引号"""\n370812,兖州区,"两行\n备注"\n370881,曲阜市,\n'


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def read_all(
    path: Path, *, filename: str | None = None, batch_rows: int = 100_000, sheet: str | None = None
) -> tuple[BulkFile, pl.DataFrame]:
    """Every batch of the file, concatenated, and the (closed) file for its attributes."""
    with open_bulk(path, filename=filename, batch_rows=batch_rows, sheet=sheet) as bulk:
        batches = list(bulk.batches())
    frame = pl.concat(batches) if batches else pl.DataFrame()
    return bulk, frame


def error_of(path: Path, *, batch_rows: int = 100_000) -> UnreadableFileError:
    with pytest.raises(UnreadableFileError) as caught:
        read_all(path, batch_rows=batch_rows)
    return caught.value


def large_utf8(rows: int) -> bytes:
    """A UTF-8 table of about 40 bytes a row, Chinese in every row."""
    body = "".join(f"{i:07d},济宁市任城区第{i}号,备注\n" for i in range(rows))
    return (HEADER + body).encode()


def open_handles(path: Path) -> int:
    """How many descriptors of this process point at ``path`` (Linux)."""
    count = 0
    for fd in Path("/proc/self/fd").iterdir():
        try:
            if os.readlink(fd) == str(path):
                count += 1
        except OSError:
            continue
    return count


class TestCsvEncodings:
    @pytest.mark.parametrize(
        ("data", "encoding"),
        [
            ((HEADER + ROWS).encode(), "utf-8"),
            (b"\xef\xbb\xbf" + (HEADER + ROWS).encode(), "utf-8-sig"),
            ((HEADER + ROWS).encode("gb18030"), "gb18030"),
        ],
    )
    def test_utf8_bom_and_gb18030_give_the_same_frame(
        self, tmp_path: Path, data: bytes, encoding: str
    ) -> None:
        bulk, frame = read_all(write(tmp_path / "t.csv", data))

        assert bulk.format == "csv"
        assert bulk.encoding == encoding
        assert bulk.header == ["编码", "名称", "备注"]
        assert frame.schema == pl.Schema(
            {ROW_COLUMN: pl.Int64, "编码": pl.String, "名称": pl.String, "备注": pl.String}
        )
        assert frame.rows() == [
            (2, "370811", "任城区", '含逗号,和"引号"'),
            (3, "370812", "兖州区", "两行\n备注"),
            (4, "370881", "曲阜市", None),
        ]

    def test_gb18030_bytes_after_the_sample_of_a_utf8_file_are_refused_with_offset_and_line(
        self, tmp_path: Path
    ) -> None:
        head = large_utf8(50_000)  # about 2 MB, so the detection sample is all UTF-8
        bad = "任城".encode("gb18030")
        data = head + b"9999999," + bad + b",x\n" + b"1,2,3\n"
        offset = data.index(bad)
        line = data.count(b"\n", 0, offset) + 1
        assert offset > bulkread.SAMPLE_BYTES

        error = error_of(write(tmp_path / "t.csv", data))

        assert error.extensions["reason"] == "encoding"
        assert error.extensions["encoding"] == "UTF-8"
        assert error.extensions["offset"] == offset
        assert error.extensions["line"] == line == 50_002
        assert f"第 {line} 行" in error.detail
        assert f"字节偏移 {offset}" in error.detail

    def test_utf8_then_gb18030_within_the_sample_is_refused_not_read_as_mojibake(
        self, tmp_path: Path
    ) -> None:
        data = "编码,名称\n1,济宁\n".encode() + "2,任城\n".encode("gb18030")

        error = error_of(write(tmp_path / "t.csv", data))

        assert error.extensions["encoding"] == "UTF-8"
        assert error.extensions["line"] == 3

    def test_an_invalid_sequence_late_in_a_gb18030_file_is_refused(self, tmp_path: Path) -> None:
        head = large_utf8(50_000).decode().encode("gb18030")
        data = head + b"1,\x81\x20,x\n"
        offset = len(head) + 2

        error = error_of(write(tmp_path / "t.csv", data))

        assert error.extensions["encoding"] == "GB18030"
        assert error.extensions["offset"] == offset
        assert error.extensions["line"] == 50_002
        assert "GB18030" in error.detail

    def test_an_invalid_sequence_in_a_small_gb18030_file_is_refused(self, tmp_path: Path) -> None:
        data = "编码,名称\n1,济宁\n".encode("gb18030") + b"2,\x81\x20\n"

        error = error_of(write(tmp_path / "t.csv", data))

        assert error.extensions["reason"] == "encoding"
        assert error.extensions["line"] == 3
        assert "GB18030" in error.detail

    def test_a_long_ascii_prefix_does_not_hide_a_gb18030_file(self, tmp_path: Path) -> None:
        data = b"a,b\n" + b"1,2\n" * 300_000 + "3,济宁\n".encode("gb18030")

        bulk, frame = read_all(write(tmp_path / "t.csv", data))

        assert bulk.encoding == "gb18030"
        assert frame.row(-1) == (300_002, "3", "济宁")

    def test_utf16_is_refused_with_advice(self, tmp_path: Path) -> None:
        data = "编码\t名称\n".encode("utf-16")

        error = error_of(write(tmp_path / "t.csv", data))

        assert "UTF-16" in error.detail


class TestCsvStructure:
    def test_row_numbers_run_on_across_batches(self, tmp_path: Path) -> None:
        data = "编码,名称\n" + "".join(f"{i},区{i}\n" for i in range(10))
        path = write(tmp_path / "t.csv", data.encode())

        with open_bulk(path, batch_rows=3) as bulk:
            batches = list(bulk.batches())

        assert [b.height for b in batches] == [3, 3, 3, 1]
        assert [b[ROW_COLUMN].to_list() for b in batches] == [
            [2, 3, 4],
            [5, 6, 7],
            [8, 9, 10],
            [11],
        ]
        assert batches[1].row(0) == (5, "3", "区3")

    def test_blocks_cut_anywhere_give_the_same_rows(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Reading in tiny blocks exercises every cut: inside quotes, newlines, characters."""
        data = (HEADER + ROWS * 20).encode("gb18030")
        path = write(tmp_path / "t.csv", data)
        _, whole = read_all(path)

        monkeypatch.setattr(bulkread, "BLOCK_BYTES", 7)
        _, pieces = read_all(path, batch_rows=4)

        assert pieces.equals(whole)
        assert whole[ROW_COLUMN].to_list() == list(range(2, 62))

    @settings(max_examples=60, deadline=None)
    @given(
        rows=st.lists(
            st.lists(st.text(alphabet='ab ,"\n\r济宁', max_size=5), min_size=3, max_size=3),
            max_size=12,
        ),
        block=st.integers(min_value=1, max_value=48),
        encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]),
        terminator=st.sampled_from(["\n", "\r\n"]),
    )
    def test_any_table_reads_back_as_the_csv_module_wrote_it(
        self, rows: list[list[str]], block: int, encoding: str, terminator: str
    ) -> None:
        if terminator == "\n":  # the writer quotes a "\r" only when it ends lines
            rows = [[cell.replace("\r", "") for cell in row] for row in rows]
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator=terminator).writerows([["编码", "名称", "备注"], *rows])
        expected = [
            (number, *(cell or None for cell in row))
            for number, row in enumerate(rows, start=2)
            if any(row)
        ]
        with tempfile.TemporaryDirectory() as directory:
            path = write(Path(directory) / "t.csv", buffer.getvalue().encode(encoding))
            with mock.patch.object(bulkread, "BLOCK_BYTES", block):
                _, frame = read_all(path, batch_rows=5)

        assert (frame.rows() if expected else []) == expected

    def test_a_row_with_more_fields_than_the_header_is_named(self, tmp_path: Path) -> None:
        data = "编码,名称\n1,a\n2,b\n3,c,多余\n4,d\n"

        error = error_of(write(tmp_path / "t.csv", data.encode()))

        assert error.extensions["reason"] == "too-many-fields"
        assert error.extensions["row"] == 4
        assert "第 4 行" in error.detail

    def test_the_row_is_named_after_multiline_fields_and_blocks(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        data = HEADER + ROWS * 5 + "9,a,b,c\n"
        monkeypatch.setattr(bulkread, "BLOCK_BYTES", 64)

        error = error_of(write(tmp_path / "t.csv", data.encode()))

        assert error.extensions["row"] == 17
        assert error.extensions["line"] == 22

    def test_a_truncated_last_line_gives_nulls(self, tmp_path: Path) -> None:
        data = "编码,名称,备注\n1,a,x\n2,b"

        _, frame = read_all(write(tmp_path / "t.csv", data.encode()))

        assert frame.rows() == [(2, "1", "a", "x"), (3, "2", "b", None)]

    def test_a_quote_left_open_at_the_end_is_refused(self, tmp_path: Path) -> None:
        data = '编码,名称\n1,a\n2,"被截断的\n字段'

        error = error_of(write(tmp_path / "t.csv", data.encode()))

        assert error.extensions["reason"] == "unclosed-quote"
        assert error.extensions["row"] == 3
        assert "引号" in error.detail

    def test_a_quote_left_open_for_too_long_is_refused_without_reading_on(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(bulkread, "BLOCK_BYTES", 16)
        monkeypatch.setattr(bulkread, "MAX_RECORD_BYTES", 100)
        data = '编码,名称\n1,a\n2,"ab\n' + "3,c\n" * 100

        error = error_of(write(tmp_path / "t.csv", data.encode()))

        assert error.extensions["reason"] == "unclosed-quote"
        assert error.extensions["row"] == 3

    def test_text_after_a_closing_quote_is_refused_with_its_row(self, tmp_path: Path) -> None:
        data = '编码,名称\n1,a\n2,"b"c\n'

        error = error_of(write(tmp_path / "t.csv", data.encode()))

        assert error.extensions["reason"] == "malformed"
        assert error.extensions["row"] == 3

    def test_empty_cells_are_null_and_other_values_are_kept_as_they_are(
        self, tmp_path: Path
    ) -> None:
        data = '编码,名称,备注\n1,"", 有空格 \n'

        _, frame = read_all(write(tmp_path / "t.csv", data.encode()))

        assert frame.rows() == [(2, "1", None, " 有空格 ")]

    def test_blank_rows_are_skipped_but_still_counted(self, tmp_path: Path) -> None:
        data = "编码,名称\n1,a\n\n,\n2,b\n\n"

        bulk, frame = read_all(write(tmp_path / "t.csv", data.encode()))

        assert frame.rows() == [(2, "1", "a"), (5, "2", "b")]
        assert bulk.rows_done == 5

    def test_trailing_separators_excel_writes_are_ignored_while_empty(self, tmp_path: Path) -> None:
        good = write(tmp_path / "good.csv", "编码,名称,,\n1,a,,\n".encode())
        bad = write(tmp_path / "bad.csv", "编码,名称,,\n1,a,,\n2,b,,x\n".encode())

        bulk, frame = read_all(good)
        error = error_of(bad)

        assert bulk.header == ["编码", "名称"]
        assert frame.rows() == [(2, "1", "a")]
        assert error.extensions["row"] == 3

    def test_tab_separated_files_are_read(self, tmp_path: Path) -> None:
        bulk, frame = read_all(write(tmp_path / "t.txt", "编码\t名称\n1\t济宁,任城\n".encode()))

        assert bulk.separator == "\t"
        assert frame.rows() == [(2, "1", "济宁,任城")]

    def test_a_header_only_file_has_no_batches(self, tmp_path: Path) -> None:
        bulk, frame = read_all(write(tmp_path / "t.csv", "编码,名称\n".encode()))

        assert bulk.header == ["编码", "名称"]
        assert frame.is_empty()
        assert bulk.bytes_done == bulk.total_bytes

    @pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"\n1,2\n"])
    def test_a_file_without_a_header_is_refused(self, tmp_path: Path, data: bytes) -> None:
        with pytest.raises(UnreadableFileError, match="为空") as caught:
            open_bulk(write(tmp_path / "t.csv", data))

        assert caught.value.extensions["reason"] == "empty"

    def test_duplicate_header_names_are_named(self, tmp_path: Path) -> None:
        path = write(tmp_path / "t.csv", "编码, 名称 ,名称,编码,备注\n".encode())

        with pytest.raises(UnreadableFileError) as caught:
            open_bulk(path)

        assert caught.value.extensions["names"] == ["编码", "名称"]
        assert "编码、名称" in caught.value.detail

    def test_an_empty_header_name_is_named(self, tmp_path: Path) -> None:
        path = write(tmp_path / "t.csv", "编码,,备注\n".encode())

        with pytest.raises(UnreadableFileError, match="第 2 列") as caught:
            open_bulk(path)

        assert caught.value.extensions["reason"] == "empty-column-name"


def make_xlsx(path: Path, rows: Sequence[Sequence[object]], *, title: str = "人口") -> Path:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = title
    for row in rows:
        sheet.append(list(row))
    workbook.create_sheet("其他").append(["字段"])
    workbook.save(path)
    return path


class TestXlsx:
    ROWS: Sequence[Sequence[object]] = (
        ["编码", "数量", "比例", "日期", "时刻", "标志", "备注"],
        ["A", 12, 1.5, date(2024, 1, 2), datetime(2024, 1, 2, 3, 4, 5), True, None],
        ["B", 12.0, 0.1, datetime(2024, 3, 1), time(8, 30), False, ""],
        [None, None, None, None, None, None, None],
        ["C", -3, None, None, None, None, "  x "],
        ["D", 10**15, 2.0**60, None, None, None, None],
        [None, None, None, None, None, None, None],
    )

    def test_cells_become_the_text_a_person_sees(self, tmp_path: Path) -> None:
        path = make_xlsx(tmp_path / "t.xlsx", self.ROWS)

        with open_bulk(path, batch_rows=2) as bulk:
            batches = list(bulk.batches())

        assert bulk.format == "xlsx"
        assert bulk.encoding is None
        assert bulk.sheet == "人口"
        assert bulk.header == ["编码", "数量", "比例", "日期", "时刻", "标志", "备注"]
        assert [b.height for b in batches] == [2, 2]
        assert pl.concat(batches).rows() == [
            (2, "A", "12", "1.5", "2024-01-02", "2024-01-02 03:04:05", "1", None),
            (3, "B", "12", "0.1", "2024-03-01", "08:30:00", "0", None),
            (5, "C", "-3", None, None, None, None, "  x "),
            (6, "D", "1000000000000000", "1.152921504606847e+18", None, None, None, None),
        ]
        assert bulk.bytes_done == bulk.total_bytes

    def test_a_named_sheet_is_read_and_a_missing_one_is_refused(self, tmp_path: Path) -> None:
        path = make_xlsx(tmp_path / "t.xlsx", self.ROWS)

        bulk, frame = read_all(path, sheet="其他")
        with pytest.raises(UnreadableFileError, match="人口、其他"):
            open_bulk(path, sheet="无此表")

        assert bulk.header == ["字段"]
        assert frame.is_empty()

    def test_rows_beyond_a_wrong_dimension_element_are_still_read(self, tmp_path: Path) -> None:
        """Some producers write <dimension ref="A1"/>: trusting it would drop rows."""
        source = make_xlsx(tmp_path / "s.xlsx", [["编码"], ["1"], ["2"], ["3"]])
        target = tmp_path / "t.xlsx"
        with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w") as dst:
            for item in src.infolist():
                content = src.read(item.filename)
                if item.filename == "xl/worksheets/sheet1.xml":
                    content = content.replace(
                        b'<dimension ref="A1:A4" />', b'<dimension ref="A1" />'
                    )
                    assert b'<dimension ref="A1" />' in content
                dst.writestr(item, content)

        _, frame = read_all(target)

        assert frame[ROW_COLUMN].to_list() == [2, 3, 4]

    def test_a_merged_header_cell_is_refused(self, tmp_path: Path) -> None:
        workbook = Workbook()
        sheet = workbook.active
        assert sheet is not None
        sheet.append(["姓名", None, "性别"])
        sheet.merge_cells("A1:B1")
        workbook.save(tmp_path / "t.xlsx")

        with pytest.raises(UnreadableFileError, match="合并单元格"):
            open_bulk(tmp_path / "t.xlsx")

    def test_values_right_of_the_header_are_refused(self, tmp_path: Path) -> None:
        path = make_xlsx(tmp_path / "t.xlsx", [["编码", "名称"], ["1", "a"], ["2", "b", "多余"]])

        error = error_of(path)

        assert error.extensions["row"] == 3
        assert error.extensions["column"] == 3

    def test_a_truncated_workbook_is_refused(self, tmp_path: Path) -> None:
        data = make_xlsx(tmp_path / "s.xlsx", self.ROWS).read_bytes()
        path = write(tmp_path / "t.xlsx", data[: len(data) // 2])

        with pytest.raises(UnreadableFileError, match="Excel") as caught:
            open_bulk(path)

        assert caught.value.extensions["reason"] == "corrupt"
        assert open_handles(path) == 0

    def test_a_broken_sheet_is_refused_while_reading(self, tmp_path: Path) -> None:
        source = make_xlsx(tmp_path / "s.xlsx", [["编码"], *[[str(i)] for i in range(50)]])
        target = tmp_path / "t.xlsx"
        with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w") as dst:
            for item in src.infolist():
                content = src.read(item.filename)
                if item.filename == "xl/worksheets/sheet1.xml":
                    content = content[: content.index(b'<row r="30"')] + b'<row r="30"><c'
                dst.writestr(item, content)

        error = error_of(target, batch_rows=10)

        assert error.extensions["reason"] == "corrupt"


class TestParquet:
    def test_columns_become_text_with_iso_dates(self, tmp_path: Path) -> None:
        pl.DataFrame(
            {
                "编码": ["A", "", None],
                "数量": [1, -2, None],
                "比例": [1.0, 2.5, None],
                "日期": [date(2024, 1, 2), None, date(2025, 3, 4)],
                "时间": [
                    datetime(2024, 1, 2, 3, 4, 5),
                    datetime(2024, 1, 2, 3, 4, 5, 250000),
                    None,
                ],
                "标志": [True, False, None],
            }
        ).write_parquet(tmp_path / "t.parquet")

        with open_bulk(tmp_path / "t.parquet", batch_rows=2) as bulk:
            assert bulk.total_rows == 3
            batches = list(bulk.batches())

        assert bulk.format == "parquet"
        assert [b.height for b in batches] == [2, 1]
        assert pl.concat(batches).rows() == [
            (2, "A", "1", "1", "2024-01-02", "2024-01-02 03:04:05", "1"),
            (3, None, "-2", "2.5", None, "2024-01-02 03:04:05.250", "0"),
            (4, None, None, None, "2025-03-04", None, None),
        ]
        assert (bulk.rows_done, bulk.bytes_done) == (3, bulk.total_bytes)

    def test_a_truncated_file_is_refused(self, tmp_path: Path) -> None:
        pl.DataFrame({"编码": [str(i) for i in range(1000)]}).write_parquet(tmp_path / "s.parquet")
        data = (tmp_path / "s.parquet").read_bytes()

        with pytest.raises(UnreadableFileError, match="Parquet"):
            open_bulk(write(tmp_path / "t.parquet", data[: len(data) // 2]))

    def test_a_nested_column_is_refused_by_name(self, tmp_path: Path) -> None:
        pl.DataFrame({"编码": ["a"], "标签": [["x", "y"]]}).write_parquet(tmp_path / "t.parquet")

        with pytest.raises(UnreadableFileError, match="标签"):
            open_bulk(tmp_path / "t.parquet")


class TestFormat:
    def test_content_decides_when_the_extension_lies(self, tmp_path: Path) -> None:
        pl.DataFrame({"编码": ["A"]}).write_parquet(tmp_path / "p.csv")
        make_xlsx(tmp_path / "x.csv", [["编码"], ["A"]])

        parquet, _ = read_all(tmp_path / "p.csv")
        xlsx, frame = read_all(tmp_path / "x.csv")

        assert parquet.format == "parquet"
        assert xlsx.format == "xlsx"
        assert frame.rows() == [(2, "A")]

    def test_the_uploaded_name_is_checked_rather_than_the_stored_path(self, tmp_path: Path) -> None:
        path = write(tmp_path / "upload-1", "编码\nA\n".encode())

        bulk, _ = read_all(path, filename="人口.csv")
        with pytest.raises(UnreadableFileError, match=r"\.xlsx"):
            open_bulk(path, filename="人口.xlsx")

        assert bulk.format == "csv"

    @pytest.mark.parametrize(
        ("name", "data"),
        [("t.pdf", b"%PDF-1.7\n"), ("t.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 8)],
    )
    def test_other_formats_are_unsupported(self, tmp_path: Path, name: str, data: bytes) -> None:
        with pytest.raises(UnsupportedMediaTypeError):
            open_bulk(write(tmp_path / name, data))

    def test_a_missing_file_and_a_directory_are_refused(self, tmp_path: Path) -> None:
        with pytest.raises(UnreadableFileError, match="不存在"):
            open_bulk(tmp_path / "missing.csv")
        with pytest.raises(UnreadableFileError, match="不是普通文件"):
            open_bulk(tmp_path)


class TestLifecycle:
    @pytest.fixture
    def temp_dir(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
        directory = tmp_path / "tmp"
        directory.mkdir()
        monkeypatch.setattr(tempfile, "tempdir", str(directory))
        return directory

    def files(self, tmp_path: Path) -> list[Path]:
        return sorted(p for p in tmp_path.rglob("*") if p.is_file())

    def sources(self, tmp_path: Path) -> list[Path]:
        gb = write(tmp_path / "gb.csv", (HEADER + ROWS * 10).encode("gb18030"))
        xlsx = make_xlsx(tmp_path / "t.xlsx", [["编码"], *[[str(i)] for i in range(10)]])
        pl.DataFrame({"编码": [str(i) for i in range(10)]}).write_parquet(tmp_path / "t.parquet")
        return [gb, xlsx, tmp_path / "t.parquet"]

    def test_nothing_is_left_behind_after_the_context_exits(
        self, tmp_path: Path, temp_dir: Path
    ) -> None:
        for path in self.sources(tmp_path):
            before = self.files(tmp_path)

            with open_bulk(path, batch_rows=3) as bulk:
                assert sum(b.height for b in bulk.batches()) > 3

            assert self.files(tmp_path) == before
            assert open_handles(path) == 0
        assert not any(temp_dir.iterdir())

    def test_nothing_is_left_behind_after_an_error_mid_iteration(
        self, tmp_path: Path, temp_dir: Path
    ) -> None:
        for path in self.sources(tmp_path):
            before = self.files(tmp_path)

            with pytest.raises(RuntimeError, match="the loader failed"):
                self.fail_after_one_batch(path)

            assert self.files(tmp_path) == before
            assert open_handles(path) == 0
        assert not any(temp_dir.iterdir())

    def fail_after_one_batch(self, path: Path) -> None:
        with open_bulk(path, batch_rows=3) as bulk:
            for _ in bulk.batches():
                raise RuntimeError("the loader failed")

    def test_progress_follows_the_batches(self, tmp_path: Path) -> None:
        path = write(tmp_path / "t.csv", large_utf8(200_000))
        seen: list[tuple[int, int]] = []

        with open_bulk(path, batch_rows=50_000) as bulk:
            assert bulk.total_rows is None
            for _ in bulk.batches():
                seen.append((bulk.rows_done, bulk.bytes_done))

        assert [rows for rows, _ in seen] == [50_000, 100_000, 150_000, 200_000]
        assert all(0 < done <= bulk.total_bytes for _, done in seen)
        assert [done for _, done in seen] == sorted(done for _, done in seen)
        assert seen[-1][1] == bulk.total_bytes


MEMORY_PROBE = """
import resource, sys, tracemalloc
from pathlib import Path
from smartcity.core.bulkread import open_bulk

def stream(path):
    rows = 0
    with open_bulk(Path(path), batch_rows=10_000) as bulk:
        for batch in bulk.batches():
            rows += batch.height
    return rows

stream(sys.argv[1])  # warm up: Polars' thread pool, allocator arenas, imports
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
tracemalloc.start()
rows = stream(sys.argv[2])
traced = tracemalloc.get_traced_memory()[1]
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(rows, after - before, traced)
"""


@pytest.mark.skipif(sys.platform != "linux", reason="peak RSS is read the Linux way")
def test_a_large_csv_streams_in_memory_well_below_its_size(tmp_path: Path) -> None:
    """Peak memory while streaming 64 MB stays far below 64 MB.

    The probe runs in a fresh process so the peak RSS is this read's alone, and
    tells Polars' allocator (jemalloc) to return freed pages at once, so the
    peak measures live memory rather than the allocator's cache.
    """
    line = '370801198108166219,韩静玉,男,"山东省济宁市曲阜市,9单元",,已婚\n'.encode()
    header = "公民身份号码,姓名,性别,户籍地址,联系电话,婚姻状况\n".encode()
    small, large = tmp_path / "small.csv", tmp_path / "large.csv"
    small.write_bytes(header + line * 50_000)
    with large.open("wb") as handle:
        handle.write(header)
        for _ in range(64):
            handle.write(line * (1_000_000 // len(line)))
    size = large.stat().st_size
    environment = {**os.environ, "_RJEM_MALLOC_CONF": "dirty_decay_ms:0,muzzy_decay_ms:0"}

    result = subprocess.run(
        [sys.executable, "-c", MEMORY_PROBE, str(small), str(large)],
        capture_output=True,
        text=True,
        env=environment,
        check=True,
        timeout=120,
    )
    rows, growth, traced = map(int, result.stdout.split())

    assert rows == 64 * (1_000_000 // len(line))
    assert growth < size // 2, f"RSS grew {growth >> 20} MB for a {size >> 20} MB file"
    assert traced < 6 * bulkread.BLOCK_BYTES, f"Python objects peaked at {traced >> 20} MB"
