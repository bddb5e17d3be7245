"""Reading and writing the tables departments actually exchange: CSV and XLSX.

CSV files come in UTF-8 (with or without BOM) or GB18030 (the superset of GBK
that Chinese Excel writes). The encoding is detected strictly: a file that is
valid UTF-8 is UTF-8; otherwise it must decode as GB18030 without error;
otherwise it is refused. The detected encoding is reported, never guessed
silently. Exports write UTF-8 with a BOM so Excel opens them correctly.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from smartcity.core.errors import BadRequestError, UnsupportedMediaTypeError

TableFormat = Literal["csv", "xlsx"]
XLSX_MAGIC = b"PK\x03\x04"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Table:
    """A header row and data rows, all cells as stripped text."""

    header: list[str]
    rows: list[list[str]]
    format: TableFormat
    encoding: str | None = None
    sheet: str | None = None
    merged_cells: list[str] = field(default_factory=list)

    def records(self) -> list[dict[str, str]]:
        return [
            dict(zip(self.header, row + [""] * (len(self.header) - len(row)), strict=False))
            for row in self.rows
        ]


def _plausibility(text: str) -> float:
    """Share of characters a Chinese government table plausibly contains."""
    if not text:
        return 1.0
    plausible = sum(
        1
        for c in text
        if c.isascii()
        or "\u4e00" <= c <= "\u9fff"
        or "\u3000" <= c <= "\u303f"
        or "\uff00" <= c <= "\uffef"
        or "\u3400" <= c <= "\u4dbf"
        or c in "\u00b7\u2014\u2026"
    )
    return plausible / len(text)


def detect_encoding(data: bytes) -> str:
    """``utf-8``, ``utf-8-sig`` or ``gb18030``, or raise: never a silent guess.

    A short GB18030 text can also be valid UTF-8 (``一`` is D2 BB in GB18030 and
    U+04BB in UTF-8). When both decodings succeed, the one made of characters a
    Chinese table plausibly holds wins; UTF-8 wins ties.
    """
    try:
        as_utf8 = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if data.startswith(b"\xef\xbb\xbf"):
            return "utf-8-sig"
        if _plausibility(as_utf8) < 1.0:
            try:
                as_gb = data.decode("gb18030")
            except UnicodeDecodeError:
                return "utf-8"
            if _plausibility(as_gb) > _plausibility(as_utf8):
                return "gb18030"
        return "utf-8"
    try:
        data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise BadRequestError(
            f"无法识别文件编码：既不是 UTF-8 也不是 GB18030（第 {exc.start} 字节附近）",
            encoding_error_at=exc.start,
        ) from exc
    return "gb18030"


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_csv(data: bytes) -> Table:
    encoding = detect_encoding(data)
    text = data.decode(encoding)
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    rows = [[c.strip() for c in row] for row in csv.reader(io.StringIO(text), dialect)]
    rows = [row for row in rows if any(row)]
    if not rows:
        raise BadRequestError("文件为空，没有表头")
    return Table(header=rows[0], rows=rows[1:], format="csv", encoding=encoding.replace("-sig", ""))


def read_xlsx(data: bytes, *, sheet: str | None = None) -> Table:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=False, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken file
        raise BadRequestError(f"无法读取 Excel 文件：{type(exc).__name__}") from exc
    if sheet is not None and sheet not in workbook.sheetnames:
        raise BadRequestError(f"Excel 文件中没有工作表“{sheet}”", sheet=sheet)
    worksheet = workbook[sheet] if sheet is not None else workbook.worksheets[0]
    merged = [str(r) for r in worksheet.merged_cells.ranges]
    rows = [[_cell(v) for v in row] for row in worksheet.iter_rows(values_only=True)]
    while rows and not any(rows[-1]):
        rows.pop()
    if not rows:
        raise BadRequestError("工作表为空，没有表头")
    width = max((i + 1 for i, v in enumerate(rows[0]) if v), default=0)
    return Table(
        header=rows[0][:width],
        rows=[r[:width] for r in rows[1:]],
        format="xlsx",
        sheet=worksheet.title,
        merged_cells=merged,
    )


def read_table(data: bytes, filename: str = "") -> Table:
    """Read an uploaded CSV or XLSX file (by content, checked against the name)."""
    if not data:
        raise BadRequestError("文件为空")
    lowered = filename.lower()
    if data.startswith(XLSX_MAGIC):
        if lowered.endswith(".csv"):
            raise BadRequestError("文件扩展名为 .csv，但内容是 Excel 文件")
        return read_xlsx(data)
    if lowered.endswith((".xlsx", ".xlsm")):
        raise BadRequestError("文件扩展名为 .xlsx，但内容不是有效的 Excel 文件")
    if lowered and not lowered.endswith((".csv", ".txt")):
        raise UnsupportedMediaTypeError("只支持 CSV 或 XLSX 文件", filename=filename)
    return read_csv(data)


def write_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """UTF-8 with BOM, so Excel on Chinese Windows opens it as Unicode."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def write_xlsx(sheets: dict[str, tuple[Sequence[str], Iterable[Sequence[object]]]]) -> bytes:
    """One worksheet per entry, header in bold, columns sized to their content."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    workbook.remove(workbook.active)  # type: ignore[arg-type]
    for title, (header, rows) in sheets.items():
        worksheet = workbook.create_sheet(title=title[:31])
        worksheet.append(list(header))
        for cell in worksheet[1]:
            cell.font = Font(bold=True)
        widths = [len(str(h)) * 2 for h in header]
        for row in rows:
            values = ["" if v is None else v for v in row]
            worksheet.append(values)
            for i, v in enumerate(values[: len(widths)]):
                widths[i] = max(widths[i], min(60, len(str(v)) + 2))
        for i, width in enumerate(widths, start=1):
            worksheet.column_dimensions[worksheet.cell(1, i).column_letter].width = width
        worksheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
