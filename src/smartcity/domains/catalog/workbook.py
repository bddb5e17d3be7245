"""The catalog compilation workbook (目录编制模板): catalog entries ↔ XLSX bytes.

Departments compile their catalogs in spreadsheets. The template has one sheet
of resources (``信息资源``) and one of information items (``信息项``); items
name their resource by its 资源代码. Headers follow the compilation guide
(发改高技〔2017〕1272号) and the fields of ``schemas.EntryDraft``; enumerated
columns carry their Chinese labels and a dropdown.

``read_workbook`` checks the *shape* of a workbook and lists **every**
problem with its sheet, row, column, cell, value and a reason in Chinese:
a text (CSV, GBK/GB18030) or old ``.xls`` file instead of a workbook, missing,
unknown or repeated headers, merged cells, empty required cells, values
outside an enumeration, bad dates and numbers, malformed or repeated codes,
items of an unknown resource, resources without items, conditional or
not-shared resources without a legal basis. Whatever needs the database (does
the provider exist, is the legal basis registered and citable, is the grade in
the scheme, is the code free) is the import service's job: the parsed rows are
exposed for it, with codes where the draft holds ids.

Pure functions, no database: bytes in, rows and problems out, and back.
Reading streams the sheets (openpyxl read-only mode) and writing streams rows
(write-only mode), so 10,000 resources with 100,000 items fit in memory.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Literal

from smartcity.core.errors import BadRequestError
from smartcity.core.tabular import XLSX_MAGIC, detect_encoding
from smartcity.domains.catalog.enums import (
    BASE_DATABASE_LABELS,
    CLASSIFICATION_KIND_LABELS,
    DATA_TYPE_LABELS,
    IDENTIFIES_LABELS,
    OPEN_TYPE_LABELS,
    RESOURCE_FORMAT_LABELS,
    SHARE_MODE_LABELS,
    SHARE_TYPE_LABELS,
    SHARE_TYPES_NEEDING_BASIS,
    UPDATE_CYCLE_LABELS,
    BaseDatabase,
    ClassificationKind,
    DataType,
    Identifies,
    OpenType,
    ResourceFormat,
    ShareMode,
    ShareType,
    UpdateCycle,
)
from smartcity.domains.catalog.schemas import CATEGORY_CODE_PATTERN, RESOURCE_CODE_PATTERN

__all__ = [
    "ITEM_COLUMNS",
    "ITEM_SHEET",
    "RESOURCE_COLUMNS",
    "RESOURCE_SHEET",
    "Column",
    "ParsedItem",
    "ParsedResource",
    "ParsedWorkbook",
    "Problem",
    "read_workbook",
    "write_template",
]

RESOURCE_SHEET = "信息资源"
ITEM_SHEET = "信息项"
GUIDE_SHEET = "填写说明"
MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Lists inside one cell (legal bases, related resources): ；is the template's separator.
LIST_SEPARATOR = "；"
_LIST_SPLIT = re.compile(r"[；;，,、\s]+")
_CATEGORY_CODE = re.compile(CATEGORY_CODE_PATTERN)
_RESOURCE_CODE = re.compile(RESOURCE_CODE_PATTERN)
_LEGAL_BASIS_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")
_SYSTEM_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-/]{0,63}$")
_GRADE_CODE = re.compile(r"^[A-Za-z0-9_-]{1,16}$")
_DEFAULT_GRADES = ("G1", "G2", "G3", "G4", "IMPORTANT", "CORE")  # the scheme is configurable
_YES = frozenset({"是", "y", "yes", "true", "1", "√"})
_NO = frozenset({"否", "n", "no", "false", "0", ""})
_YES_NO = ("是", "否")
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, or an encrypted .xlsx
_MAX_PROBLEMS = 5000  # a report longer than this helps nobody; the count is kept


# ------------------------------------------------------------------ columns

Kind = Literal["text", "enum", "date", "bool", "int", "list"]


@dataclass(frozen=True)
class Column:
    """One column of the template: header, the mapping key it carries, and its kind."""

    header: str
    key: str
    kind: Kind = "text"
    required: bool = False
    labels: Mapping[str, str] | None = None  # enum value → Chinese label
    max_length: int = 0  # 0: no limit beyond the cell's
    width: int = 14
    note: str = ""

    @property
    def choices(self) -> tuple[str, ...]:
        return tuple(self.labels.values()) if self.labels else ()


def _labels(mapping: Mapping[Any, str]) -> dict[str, str]:
    return {str(key): label for key, label in mapping.items()}


RESOURCE_COLUMNS: tuple[Column, ...] = (
    Column("资源分类", "classification_kind", "enum", True, _labels(CLASSIFICATION_KIND_LABELS),
           width=14, note="基础、主题或部门信息资源"),
    Column("基础数据库", "base_database", "enum", False, _labels(BASE_DATABASE_LABELS),
           width=11, note="基础信息资源所属的基础数据库"),
    Column("类目编码", "category_code", required=True, max_length=32, width=11,
           note="类.项.目，如 B.01.02"),
    Column("类目名称", "category_name", required=True, max_length=100, width=26),
    Column("资源代码", "resource_code", required=True, max_length=64, width=17,
           note="类目编码/顺序码，如 B.01.02/000001"),
    Column("资源名称", "name", required=True, max_length=200, width=30),
    Column("提供方", "provider_name", required=True, max_length=100, width=24,
           note="提供单位全称"),
    Column("提供方代码", "provider_code", max_length=32, width=14, note="单位目录编码，可不填"),
    Column("资源摘要", "abstract", required=True, max_length=4000, width=50),
    Column("资源格式", "format", "enum", True, _labels(RESOURCE_FORMAT_LABELS), width=11),
    Column("更新周期", "update_cycle", "enum", True, _labels(UPDATE_CYCLE_LABELS), width=9),
    Column("发布日期", "release_date", "date", width=12, note="如 2025-03-01"),
    Column("共享类型", "share_type", "enum", True, _labels(SHARE_TYPE_LABELS), width=12),
    Column("共享条件", "share_condition", max_length=2000, width=36),
    Column("共享方式", "share_mode", "enum", False, _labels(SHARE_MODE_LABELS), width=9,
           note="不予共享的资源不填"),
    Column("共享依据", "legal_basis_codes", "list", width=20,
           note="法律法规依据代码，如 PIPL-34；DSL-38"),
    Column("开放属性", "open_type", "enum", False, _labels(OPEN_TYPE_LABELS), width=12,
           note="不填为不予开放"),
    Column("开放条件", "open_condition", max_length=2000, width=30),
    Column("去标识化开放", "open_deidentified", "bool", width=12),
    Column("去标识化方法", "deidentification_method", max_length=2000, width=30),
    Column("关联资源代码", "related_resource_codes", "list", width=20),
    Column("来源系统代码", "source_system_code", max_length=64, width=16),
)  # fmt: skip

ITEM_COLUMNS: tuple[Column, ...] = (
    Column("资源代码", "resource_code", required=True, max_length=64, width=17),
    Column("信息项名称", "name", required=True, max_length=100, width=22),
    Column("数据类型", "data_type", "enum", True, _labels(DATA_TYPE_LABELS), width=11),
    Column("数据长度", "length", "int", width=9),
    Column("说明", "description", max_length=1000, width=36),
    Column("分级", "grade_code", required=True, max_length=16, width=11,
           note="分级代码，如 G1–G4、IMPORTANT、CORE"),
    Column("标识对象", "identifies", "enum", False, _labels(IDENTIFIES_LABELS), width=9),
    Column("是否个人信息", "is_personal", "bool", width=12),
    Column("是否敏感个人信息", "is_sensitive", "bool", width=16),
)  # fmt: skip

_SHEETS: dict[str, tuple[Column, ...]] = {
    RESOURCE_SHEET: RESOURCE_COLUMNS,
    ITEM_SHEET: ITEM_COLUMNS,
}


# ------------------------------------------------------------------ parsed rows


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem of an uploaded workbook.

    ``row`` is the spreadsheet's row number (the header is row 1); ``row`` 0
    and an empty ``sheet`` mean the file as a whole. ``cell`` is the A1
    reference (a range for merged cells) when there is one.
    """

    sheet: str
    row: int
    column: str
    value: str
    reason: str
    cell: str = ""

    @property
    def location(self) -> str:
        if not self.sheet:
            return "文件"
        where = f"工作表“{self.sheet}”"
        if self.row:
            where += f"第{self.row}行"
        if self.column:
            where += f"“{self.column}”列"
        return where

    def __str__(self) -> str:
        return f"{self.location}：{self.reason}" + (f"（{self.value}）" if self.value else "")


@dataclass(slots=True)
class ParsedItem:
    """An information item row, with the fields of ``schemas.InformationItemData``."""

    row: int
    resource_code: str
    name: str
    data_type: DataType
    length: int | None
    description: str
    grade_code: str
    identifies: Identifies
    is_personal: bool
    is_sensitive: bool

    def draft_fields(self) -> dict[str, Any]:
        """The item as ``InformationItemData`` takes it."""
        return {
            "name": self.name,
            "data_type": self.data_type,
            "length": self.length,
            "description": self.description,
            "grade_code": self.grade_code,
            "identifies": self.identifies,
            "is_personal": self.is_personal,
            "is_sensitive": self.is_sensitive,
        }


@dataclass(slots=True)
class ParsedResource:
    """A resource row with its items.

    The fields are those of ``schemas.EntryDraft`` except the references the
    draft holds as ids: ``provider_name`` / ``provider_code``,
    ``legal_basis_codes`` and ``source_system_code`` are as written, for the
    service to resolve.
    """

    row: int
    classification_kind: ClassificationKind
    base_database: BaseDatabase | None
    category_code: str
    category_name: str
    resource_code: str
    name: str
    provider_name: str
    provider_code: str
    abstract: str
    format: ResourceFormat
    update_cycle: UpdateCycle
    release_date: date | None
    share_type: ShareType
    share_condition: str
    share_mode: ShareMode | None
    legal_basis_codes: list[str]
    open_type: OpenType
    open_condition: str
    open_deidentified: bool
    deidentification_method: str
    related_resource_codes: list[str]
    source_system_code: str
    items: list[ParsedItem] = field(default_factory=list)

    def draft_fields(self) -> dict[str, Any]:
        """Everything ``EntryDraft`` takes except ``provider_organization_id``,
        ``source_system_id`` and ``legal_basis_ids``, which the service resolves."""
        return {
            "classification_kind": self.classification_kind,
            "base_database": self.base_database,
            "category_code": self.category_code,
            "category_name": self.category_name,
            "resource_code": self.resource_code,
            "name": self.name,
            "abstract": self.abstract,
            "format": self.format,
            "items": [item.draft_fields() for item in self.items],
            "update_cycle": self.update_cycle,
            "release_date": self.release_date,
            "related_resource_codes": list(self.related_resource_codes),
            "share_type": self.share_type,
            "share_condition": self.share_condition,
            "share_mode": self.share_mode,
            "open_type": self.open_type,
            "open_condition": self.open_condition,
            "open_deidentified": self.open_deidentified,
            "deidentification_method": self.deidentification_method,
        }


FileFormat = Literal["xlsx", "xls", "csv", "unknown"]


@dataclass
class ParsedWorkbook:
    """What ``read_workbook`` found: the resources (with their items) and every problem.

    A workbook with any problem must be refused as a whole. ``resources`` then
    holds only the rows that were well-formed, for a preview; ``problem_count``
    counts all problems even when the list was cut at ``_MAX_PROBLEMS``.
    """

    resources: list[ParsedResource] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    file_format: FileFormat = "xlsx"
    encoding: str | None = None  # of a text file given instead of a workbook
    resource_rows: int = 0
    item_rows: int = 0

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    @property
    def item_count(self) -> int:
        return sum(len(resource.items) for resource in self.resources)

    def add(self, problem: Problem) -> None:
        self.problem_count += 1
        if len(self.problems) < _MAX_PROBLEMS:
            self.problems.append(problem)


# ------------------------------------------------------------------ writing


def _cell_text(column: Column, value: Any) -> Any:
    """A mapping's value as the template writes it (labels for enumerations)."""
    if value is None:
        return None
    if column.kind == "enum":
        key = value.value if isinstance(value, StrEnum) else str(value)
        return (column.labels or {}).get(key, key)
    if column.kind == "bool":
        return "是" if value else "否"
    if column.kind == "list":
        if isinstance(value, str):
            return value
        return LIST_SEPARATOR.join(str(part) for part in value)
    if column.kind == "date":
        if isinstance(value, datetime):
            return value.date()
        return value
    if isinstance(value, StrEnum):
        return value.value
    return value


def write_template(entries: Iterable[Mapping[str, Any]]) -> bytes:
    """The catalog template with ``entries`` filled in (none: the blank template).

    Each entry is a mapping with the keys of ``RESOURCE_COLUMNS`` (the fields of
    ``EntryDraft``, with ``provider_name``, ``provider_code``,
    ``legal_basis_codes`` and ``source_system_code`` in place of ids; enum
    members or their values; lists for the list columns) and ``items``: mappings
    with the keys of ``ITEM_COLUMNS`` (``resource_code`` taken from the entry).
    ``DemoEntry.as_dict()`` is such a mapping. The entries are counted first (each
    sheet's size leads its XML), then rows are streamed to the file, so a large
    export never holds the workbook's cells in memory.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook(write_only=True)
    thin = Side(style="thin", color="9CA3AF")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    required_fill = PatternFill("solid", fgColor="1F4E79")
    optional_fill = PatternFill("solid", fgColor="5B7FA6")
    header_font = Font(bold=True, color="FFFFFF")
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)

    # Each sheet's size goes into its <dimension> element, which comes before the rows:
    # without it openpyxl's read-only mode parses a whole sheet once more to size it.
    rows = entries if isinstance(entries, list | tuple) else list(entries)
    sizes = {
        RESOURCE_SHEET: len(rows) + 1,
        ITEM_SHEET: sum(len(entry.get("items") or ()) for entry in rows) + 1,
    }
    sheets = {}
    for title, columns in _SHEETS.items():
        sheet = workbook.create_sheet(title)
        dimension = f"A1:{get_column_letter(len(columns))}{sizes[title]}"
        sheet.calculate_dimension = lambda dimension=dimension: dimension
        for index, column in enumerate(columns, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = column.width
        sheet.freeze_panes = "A2"
        header = []
        for column in columns:
            cell = WriteOnlyCell(sheet, value=column.header)
            cell.font = header_font
            cell.fill = required_fill if column.required else optional_fill
            cell.alignment = centre
            cell.border = border
            header.append(cell)
        sheet.append(header)
        for index, column in enumerate(columns, start=1):
            choices: tuple[str, ...] = column.choices
            strict = True
            if column.kind == "bool":
                choices = _YES_NO
            elif column.key == "grade_code":
                choices, strict = _DEFAULT_GRADES, False  # the coordinator may add levels
            if not choices:
                continue
            validation = DataValidation(
                type="list",
                formula1='"' + ",".join(choices) + '"',
                allow_blank=not column.required,
                showErrorMessage=True,
                errorStyle="stop" if strict else "warning",
                errorTitle=f"{column.header}取值不在范围内",
                error="请从下拉列表中选择：" + "、".join(choices),
            )
            letter = get_column_letter(index)
            validation.add(f"{letter}2:{letter}1048576")
            sheet.data_validations.append(validation)
        sheets[title] = sheet

    resources, items = sheets[RESOURCE_SHEET], sheets[ITEM_SHEET]
    resource_rows = item_rows = 1
    for entry in rows:
        resources.append([_cell_text(c, entry.get(c.key)) for c in RESOURCE_COLUMNS])
        resource_rows += 1
        code = entry.get("resource_code")
        for item in entry.get("items") or ():
            values = {**item, "resource_code": code}
            items.append([_cell_text(c, values.get(c.key)) for c in ITEM_COLUMNS])
            item_rows += 1
    for sheet, columns, last_row in (
        (resources, RESOURCE_COLUMNS, resource_rows),
        (items, ITEM_COLUMNS, item_rows),
    ):
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(last_row, 2)}"

    guide = workbook.create_sheet(GUIDE_SHEET)
    guide.column_dimensions["A"].width = 12
    guide.column_dimensions["B"].width = 18
    guide.column_dimensions["C"].width = 8
    guide.column_dimensions["D"].width = 70
    guide.append([_bold(guide, text) for text in ("工作表", "列", "必填", "说明")])
    for title, columns in _SHEETS.items():
        for column in columns:
            explanation = column.note
            if column.choices:
                explanation = "；".join(
                    filter(None, (explanation, "取值：" + "、".join(column.choices)))
                )
            if column.kind == "bool":
                explanation = "是 或 否"
            guide.append([title, column.header, "是" if column.required else "", explanation])
    for line in _GUIDE_NOTES:
        guide.append(["", "", "", line])

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


_GUIDE_NOTES = (
    "",
    "一个资源占“信息资源”表一行；它的每个信息项占“信息项”表一行，用资源代码对应。",
    "有条件共享、不予共享的资源必须在“共享依据”中填写法律法规依据代码，多个代码用“；”分隔。",
    "不要合并单元格，不要改动表头；整个文件有任何问题都不会导入，问题清单会逐行列出。",
    "请保存为 Excel 工作簿（.xlsx），不要另存为 CSV 或 .xls。",
)


def _bold(sheet: Any, text: str) -> Any:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    cell = WriteOnlyCell(sheet, value=text)
    cell.font = Font(bold=True)
    return cell


# ------------------------------------------------------------------ reading


def read_workbook(data: bytes) -> ParsedWorkbook:
    """Read a catalog workbook and report every problem of its shape.

    Never raises for a bad upload: a file that is no workbook at all (a CSV in
    UTF-8 or GBK/GB18030, an ``.xls``, something else) gives one file-level
    problem and ``file_format`` says what it was.
    """
    parsed = ParsedWorkbook()
    if not data:
        parsed.file_format = "unknown"
        parsed.add(Problem("", 0, "", "", "文件为空"))
        return parsed
    if not data.startswith(XLSX_MAGIC):
        _not_a_workbook(data, parsed)
        return parsed

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds of error for a broken file
        parsed.add(
            Problem("", 0, "", "", f"无法读取 Excel 文件（{type(exc).__name__}），文件可能已损坏")
        )
        return parsed
    try:
        merged = _merged_ranges(data, workbook)
        for title in _SHEETS:
            if title not in workbook.sheetnames:
                parsed.add(
                    Problem(
                        title,
                        0,
                        "",
                        "、".join(workbook.sheetnames),
                        f"缺少工作表“{title}”（模板应有“{RESOURCE_SHEET}”和“{ITEM_SHEET}”两个工作表）",
                    )
                )
        # None: the resources could not be read, so items are not checked against them.
        resource_rows: dict[str, ParsedResource | None] | None = None
        if RESOURCE_SHEET in workbook.sheetnames:
            sheet = workbook[RESOURCE_SHEET]
            _report_merged(parsed, RESOURCE_SHEET, RESOURCE_COLUMNS, merged.get(RESOURCE_SHEET))
            resource_rows = _read_resources(sheet, parsed)
        if ITEM_SHEET in workbook.sheetnames:
            sheet = workbook[ITEM_SHEET]
            _report_merged(parsed, ITEM_SHEET, ITEM_COLUMNS, merged.get(ITEM_SHEET))
            _read_items(sheet, parsed, resource_rows)
    finally:
        workbook.close()
    return parsed


def _not_a_workbook(data: bytes, parsed: ParsedWorkbook) -> None:
    if data.startswith(_OLE2_MAGIC):
        parsed.file_format = "xls"
        parsed.add(
            Problem(
                "",
                0,
                "",
                "",
                "这是旧版 Excel 97-2003（.xls）文件或加密的工作簿，请在 Excel 中另存为"
                "“Excel 工作簿（.xlsx）”并取消密码后再导入",
            )
        )
        return
    try:
        encoding = detect_encoding(data[:65536] if len(data) > 65536 else data)
    except BadRequestError:
        parsed.file_format = "unknown"
        parsed.add(Problem("", 0, "", "", "文件不是 Excel 工作簿（.xlsx），也不是可识别编码的文本"))
        return
    parsed.file_format = "csv"
    parsed.encoding = encoding.replace("-sig", "")
    name = "GB18030（GBK）" if parsed.encoding == "gb18030" else "UTF-8 "
    parsed.add(
        Problem(
            "",
            0,
            "",
            "",
            f"文件是 {name}编码的文本（CSV）文件，不是 Excel 工作簿：目录模板有“{RESOURCE_SHEET}”"
            f"和“{ITEM_SHEET}”两个工作表，CSV 只能保存一个。请下载目录模板，填写后保存为 .xlsx",
        )
    )


# Merged cells are not in read-only worksheets: scan each sheet's XML for them.
_MERGE_CELL = re.compile(
    rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Za-z]+[0-9]+(?::[A-Za-z]+[0-9]+)?)"'
)
_CHUNK = 1 << 20


def _merged_ranges(data: bytes, workbook: Any) -> dict[str, list[str]]:
    """Merged ranges of the template's sheets, by sheet title (streamed, chunk by chunk)."""
    found: dict[str, list[str]] = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for title in _SHEETS:
            if title not in workbook.sheetnames:
                continue
            path = getattr(workbook[title], "_worksheet_path", None)
            if not path:
                continue
            ranges: list[str] = []
            with archive.open(str(path).lstrip("/")) as source:
                tail = b""
                while chunk := source.read(_CHUNK):
                    text = tail + chunk
                    last_end = 0
                    for match in _MERGE_CELL.finditer(text):
                        ranges.append(match.group(1).decode("ascii").upper())
                        last_end = match.end()
                    # keep the end of the chunk: an element may straddle two chunks
                    tail = text[max(last_end, len(text) - 256) :]
            found[title] = ranges
    return found


def _report_merged(
    parsed: ParsedWorkbook, sheet: str, columns: tuple[Column, ...], ranges: list[str] | None
) -> None:
    from openpyxl.utils.cell import range_boundaries

    for reference in ranges or ():
        min_col, min_row, _, _ = range_boundaries(reference)
        header = columns[min_col - 1].header if min_col and min_col <= len(columns) else ""
        parsed.add(
            Problem(
                sheet,
                int(min_row or 0),
                header,
                "",
                f"不能含有合并单元格（{reference}）：请取消合并，并在每一行分别填写",
                cell=reference,
            )
        )


@dataclass
class _Layout:
    """Which column index holds which template column; what the header row lacks."""

    positions: dict[str, int]  # key → 0-based index
    complete: bool  # every required column is there


def _read_header(
    sheet_title: str, header: tuple[Any, ...], columns: tuple[Column, ...], parsed: ParsedWorkbook
) -> _Layout:
    from openpyxl.utils import get_column_letter

    by_header = {column.header: column for column in columns}
    positions: dict[str, int] = {}
    for index, raw in enumerate(header):
        text = _text(raw)
        if not text:
            continue
        letter = get_column_letter(index + 1)
        column = by_header.get(text)
        if column is None:
            parsed.add(
                Problem(
                    sheet_title,
                    1,
                    text,
                    text,
                    f"未知的列“{text}”（模板的列：{'、'.join(by_header)}）",
                    cell=f"{letter}1",
                )
            )
        elif column.key in positions:
            parsed.add(Problem(sheet_title, 1, text, text, "列重复", cell=f"{letter}1"))
        else:
            positions[column.key] = index
    complete = True
    for column in columns:
        if column.key not in positions and column.required:
            complete = False
            parsed.add(Problem(sheet_title, 1, column.header, "", "缺少必需的列"))
    return _Layout(positions, complete)


def _rows(sheet: Any) -> Iterator[tuple[int, tuple[Any, ...]]]:
    yield from enumerate(sheet.iter_rows(values_only=True), start=1)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    return str(value).strip()


class _Row:
    """One data row being checked: reads cells by column and records problems."""

    __slots__ = ("_layout", "_parsed", "_sheet", "_values", "bad", "number")

    def __init__(
        self,
        sheet: str,
        number: int,
        values: tuple[Any, ...],
        layout: _Layout,
        parsed: ParsedWorkbook,
    ) -> None:
        self._sheet = sheet
        self.number = number
        self._values = values
        self._layout = layout
        self._parsed = parsed
        self.bad = False

    def problem(self, column: Column, value: str, reason: str) -> None:
        from openpyxl.utils import get_column_letter

        self.bad = True
        index = self._layout.positions.get(column.key)
        cell = f"{get_column_letter(index + 1)}{self.number}" if index is not None else ""
        self._parsed.add(Problem(self._sheet, self.number, column.header, value, reason, cell=cell))

    def raw(self, column: Column) -> Any:
        index = self._layout.positions.get(column.key)
        if index is None or index >= len(self._values):
            return None
        return self._values[index]

    def text(self, column: Column) -> str:
        value = _text(self.raw(column))
        if not value:
            if column.required:
                self.problem(column, "", "必填，不能为空")
            return ""
        if column.max_length and len(value) > column.max_length:
            self.problem(
                column, value[:40], f"长度 {len(value)} 超过上限 {column.max_length} 个字符"
            )
        return value

    def enum(self, column: Column, kind: Callable[[str], Any]) -> Any:
        value = self.text(column)
        if not value:
            return None
        labels = column.labels or {}
        for key, label in labels.items():
            if value == label or value.lower() == key:
                return kind(key)
        self.problem(column, value, f"取值不在允许范围内（可选：{'、'.join(labels.values())}）")
        return None

    def flag(self, column: Column) -> bool:
        raw = self.raw(column)
        if isinstance(raw, bool):
            return raw
        value = _text(raw).lower()
        if value in _YES:
            return True
        if value not in _NO:
            self.problem(column, value, "应填“是”或“否”")
        return False

    def day(self, column: Column) -> date | None:
        raw = self.raw(column)
        if isinstance(raw, datetime):
            return raw.date()
        if isinstance(raw, date):
            return raw
        value = _text(raw)
        if not value:
            if column.required:
                self.problem(column, "", "必填，不能为空")
            return None
        parsed = _parse_date(value)
        if parsed is None:
            self.problem(column, value, "不是有效的日期（应为 2025-03-01 这样的年-月-日）")
        return parsed

    def number_(self, column: Column) -> int | None:
        raw = self.raw(column)
        if isinstance(raw, bool):
            self.problem(column, str(raw), "应为正整数")
            return None
        if isinstance(raw, int):
            value = raw
        elif isinstance(raw, float) and raw.is_integer():
            value = int(raw)
        else:
            text = _text(raw)
            if not text:
                return None
            if not text.isdigit():
                self.problem(column, text, "应为正整数")
                return None
            value = int(text)
        if not 1 <= value <= 1_000_000_000:
            self.problem(column, str(value), "应为 1 到 1000000000 之间的整数")
            return None
        return value

    def codes(self, column: Column, pattern: re.Pattern[str], what: str) -> list[str]:
        value = self.text(column)
        codes = [part for part in _LIST_SPLIT.split(value) if part]
        for code in codes:
            if not pattern.fullmatch(code):
                self.problem(column, code, f"不是有效的{what}")
        return list(dict.fromkeys(codes))


_DATE_FORMS = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


def _parse_date(value: str) -> date | None:
    text = value.split(" ")[0] if re.match(r"^\d{4}-\d{2}-\d{2} 00:00:00$", value) else value
    for form in _DATE_FORMS:
        match = form.fullmatch(text)
        if match:
            try:
                year, month, day = (int(part) for part in match.groups())
                parsed = date(year, month, day)
            except ValueError:
                return None
            return parsed if 1900 <= parsed.year <= 2100 else None
    return None


_R = {column.key: column for column in RESOURCE_COLUMNS}
_I = {column.key: column for column in ITEM_COLUMNS}


def _read_resources(sheet: Any, parsed: ParsedWorkbook) -> dict[str, ParsedResource | None] | None:
    """Every resource code of the sheet (first occurrence) with its parsed row, or None
    for a row with problems; the problems are recorded in ``parsed``. None when the
    sheet has no usable header."""
    rows = _rows(sheet)
    first = next(rows, None)
    if first is None:
        parsed.add(Problem(RESOURCE_SHEET, 1, "", "", "工作表为空，没有表头"))
        return None
    layout = _read_header(RESOURCE_SHEET, first[1], RESOURCE_COLUMNS, parsed)
    if not layout.complete:
        return None
    by_code: dict[str, ParsedResource | None] = {}
    first_row: dict[str, int] = {}
    code_column = _R["resource_code"]
    for number, values in rows:
        if _blank(values):
            continue
        parsed.resource_rows += 1
        row = _Row(RESOURCE_SHEET, number, values, layout, parsed)
        resource = _resource(row)
        code = _text(row.raw(code_column))
        if code in first_row:
            row.problem(code_column, code, f"资源代码重复（与第{first_row[code]}行相同）")
        elif code:
            first_row[code] = number
            by_code[code] = None
        if resource is not None and not row.bad:
            by_code[code] = resource
            parsed.resources.append(resource)
    if not parsed.resource_rows:
        parsed.add(Problem(RESOURCE_SHEET, 2, "", "", "没有任何资源：请从第2行起每行填写一个资源"))
    return by_code


def _blank(values: tuple[Any, ...]) -> bool:
    return all(value is None or (isinstance(value, str) and not value.strip()) for value in values)


def _resource(row: _Row) -> ParsedResource | None:
    kind = row.enum(_R["classification_kind"], ClassificationKind)
    base = row.enum(_R["base_database"], BaseDatabase)
    category_code = row.text(_R["category_code"])
    category_ok = bool(_CATEGORY_CODE.fullmatch(category_code))
    if category_code and not category_ok:
        row.problem(_R["category_code"], category_code, "类目编码格式不正确（应如 B.01.02）")
    category_name = row.text(_R["category_name"])
    code = row.text(_R["resource_code"])
    if code and not _RESOURCE_CODE.fullmatch(code):
        row.problem(_R["resource_code"], code, "资源代码格式不正确（应如 B.01.02/000001）")
    elif code and category_ok and not code.startswith(f"{category_code}/"):
        row.problem(_R["resource_code"], code, f"资源代码应以类目编码 {category_code}/ 开头")
    name = row.text(_R["name"])
    if name and len(name) < 2:
        row.problem(_R["name"], name, "资源名称至少2个字")
    provider_name = row.text(_R["provider_name"])
    provider_code = row.text(_R["provider_code"])
    abstract = row.text(_R["abstract"])
    resource_format = row.enum(_R["format"], ResourceFormat)
    cycle = row.enum(_R["update_cycle"], UpdateCycle)
    released = row.day(_R["release_date"])
    share_type = row.enum(_R["share_type"], ShareType)
    share_condition = row.text(_R["share_condition"])
    share_mode = row.enum(_R["share_mode"], ShareMode)
    bases = row.codes(_R["legal_basis_codes"], _LEGAL_BASIS_CODE, "法律法规依据代码")
    if share_type in SHARE_TYPES_NEEDING_BASIS and not bases:
        row.problem(
            _R["legal_basis_codes"],
            "",
            f"共享类型为“{SHARE_TYPE_LABELS[share_type]}”，必须填写法律法规依据代码",
        )
    open_type = row.enum(_R["open_type"], OpenType) or OpenType.closed
    open_condition = row.text(_R["open_condition"])
    deidentified = row.flag(_R["open_deidentified"])
    method = row.text(_R["deidentification_method"])
    related = row.codes(_R["related_resource_codes"], _RESOURCE_CODE, "资源代码")
    system_code = row.text(_R["source_system_code"])
    if system_code and not _SYSTEM_CODE.fullmatch(system_code):
        row.problem(_R["source_system_code"], system_code, "不是有效的信息系统代码")
    if kind is None or resource_format is None or cycle is None or share_type is None:
        return None
    return ParsedResource(
        row=row.number,
        classification_kind=kind,
        base_database=base,
        category_code=category_code,
        category_name=category_name,
        resource_code=code,
        name=name,
        provider_name=provider_name,
        provider_code=provider_code,
        abstract=abstract,
        format=resource_format,
        update_cycle=cycle,
        release_date=released,
        share_type=share_type,
        share_condition=share_condition,
        share_mode=share_mode,
        legal_basis_codes=bases,
        open_type=open_type,
        open_condition=open_condition,
        open_deidentified=deidentified,
        deidentification_method=method,
        related_resource_codes=related,
        source_system_code=system_code,
    )


def _read_items(
    sheet: Any, parsed: ParsedWorkbook, resources: dict[str, ParsedResource | None] | None
) -> None:
    """Attach item rows to their resources; report items of unknown resources, repeated
    item names, and resources left without items (``resources`` None: the resources
    sheet was unreadable, so only the items' own shape is checked)."""
    rows = _rows(sheet)
    first = next(rows, None)
    if first is None:
        parsed.add(Problem(ITEM_SHEET, 1, "", "", "工作表为空，没有表头"))
        return
    layout = _read_header(ITEM_SHEET, first[1], ITEM_COLUMNS, parsed)
    if not layout.complete:
        return
    with_items: set[str] = set()
    names: dict[tuple[str, str], int] = {}
    for number, values in rows:
        if _blank(values):
            continue
        parsed.item_rows += 1
        row = _Row(ITEM_SHEET, number, values, layout, parsed)
        item = _item(row)
        code = _text(row.raw(_I["resource_code"]))
        if code:
            with_items.add(code)
            if resources is not None and code not in resources:
                row.problem(
                    _I["resource_code"], code, f"“{RESOURCE_SHEET}”表中没有资源代码为 {code} 的资源"
                )
        name = _text(row.raw(_I["name"]))
        if code and name:
            key = (code, name)
            if key in names:
                row.problem(_I["name"], name, f"同一资源的信息项名称重复（与第{names[key]}行相同）")
            else:
                names[key] = number
        target = resources.get(code) if resources is not None else None
        if item is not None and not row.bad and target is not None:
            target.items.append(item)
    for code, resource in (resources or {}).items():
        if code not in with_items:
            parsed.add(
                Problem(
                    RESOURCE_SHEET,
                    resource.row if resource is not None else 0,
                    _R["resource_code"].header,
                    code,
                    f"资源没有信息项：请在“{ITEM_SHEET}”表中为它填写至少一个信息项",
                )
            )


def _item(row: _Row) -> ParsedItem | None:
    code = row.text(_I["resource_code"])
    if code and not _RESOURCE_CODE.fullmatch(code):
        row.problem(_I["resource_code"], code, "资源代码格式不正确（应如 B.01.02/000001）")
    name = row.text(_I["name"])
    data_type = row.enum(_I["data_type"], DataType)
    length = row.number_(_I["length"])
    description = row.text(_I["description"])
    grade = row.text(_I["grade_code"])
    if grade and not _GRADE_CODE.fullmatch(grade):
        row.problem(_I["grade_code"], grade, "分级代码只能由字母、数字、下划线和连字符组成")
    identifies = row.enum(_I["identifies"], Identifies) or Identifies.none
    personal = row.flag(_I["is_personal"])
    sensitive = row.flag(_I["is_sensitive"])
    if sensitive and not personal:
        row.problem(_I["is_personal"], "否", "敏感个人信息也是个人信息，“是否个人信息”应为“是”")
    if data_type is None:
        return None
    return ParsedItem(
        row=row.number,
        resource_code=code,
        name=name,
        data_type=data_type,
        length=length,
        description=description,
        grade_code=grade,
        identifies=identifies,
        is_personal=personal,
        is_sensitive=sensitive,
    )
