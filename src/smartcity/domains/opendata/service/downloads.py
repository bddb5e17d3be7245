"""Download files of open resources: CSV (UTF-8 with BOM), XLSX and JSON, streamed.

Every writer takes the batches of ``iter_rows`` and yields bytes chunk by chunk,
so memory holds one batch whatever the row count: CSV and JSON are written as
text per batch; XLSX through openpyxl's write-only workbook into a temporary
file on disk (a ZIP cannot be streamed before it is finished), then read back in
chunks. The header row is the fields' Chinese titles (falling back to their ids)
for CSV and XLSX; JSON records are keyed by field id, as ``datastore_search``.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from smartcity.domains.opendata.enums import DownloadFormat, FieldType
from smartcity.domains.opendata.schemas import FieldSpec

MEDIA_TYPES: dict[DownloadFormat, str] = {
    DownloadFormat.csv: "text/csv; charset=utf-8",
    DownloadFormat.xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    DownloadFormat.json: "application/json",
}
#: Excel's row limit, header included.
XLSX_MAX_ROWS = 1_048_575
_CHUNK = 1 << 16


def header(fields: Sequence[FieldSpec]) -> list[str]:
    return [f.title or f.id for f in fields]


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    return value


def csv_chunks(
    fields: Sequence[FieldSpec], batches: Iterable[Sequence[Sequence[Any]]]
) -> Iterator[bytes]:
    """UTF-8 with a BOM (Excel on Chinese Windows then reads it as Unicode), CRLF."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow(header(fields))
    booleans = [n for n, f in enumerate(fields) if f.type is FieldType.bool]
    for batch in batches:
        if booleans:
            batch = [[_cell(v) if n in booleans else v for n, v in enumerate(row)] for row in batch]
        writer.writerows(batch)
        yield buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate()
    rest = buffer.getvalue()
    if rest:
        yield rest.encode("utf-8")


def json_chunks(
    fields: Sequence[FieldSpec], batches: Iterable[Sequence[Sequence[Any]]]
) -> Iterator[bytes]:
    """``{"fields": [...], "records": [{field id: value}, ...]}``, written per batch."""
    ids = [f.id for f in fields]
    head = json.dumps({"fields": [f.model_dump(mode="json") for f in fields]}, ensure_ascii=False)
    yield (head[:-1] + ', "records": [').encode("utf-8")
    first = True
    for batch in batches:
        parts = [json.dumps(dict(zip(ids, row, strict=True)), ensure_ascii=False) for row in batch]
        if not parts:
            continue
        text = ",\n".join(parts)
        yield (text if first else ",\n" + text).encode("utf-8")
        first = False
    yield b"]}"


def xlsx_chunks(
    fields: Sequence[FieldSpec],
    batches: Iterable[Sequence[Sequence[Any]]],
    *,
    sheet_title: str = "数据",
) -> Iterator[bytes]:
    """A one-sheet workbook, written with openpyxl's write-only mode to a temporary file
    (at most ``XLSX_MAX_ROWS`` data rows: Excel opens no more), then sent in chunks."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31] or "数据")
    bold = Font(bold=True)
    cells = []
    for title in header(fields):
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        cells.append(cell)
    sheet.append(cells)
    written = 0
    for batch in batches:
        for row in batch:
            if written >= XLSX_MAX_ROWS:
                break
            sheet.append([_cell(v) for v in row])
            written += 1
    with tempfile.TemporaryFile(suffix=".xlsx") as handle:
        workbook.save(handle)
        handle.seek(0)
        while chunk := handle.read(_CHUNK):
            yield chunk


def chunks(
    format: DownloadFormat,
    fields: Sequence[FieldSpec],
    batches: Iterable[Sequence[Sequence[Any]]],
) -> Iterator[bytes]:
    match format:
        case DownloadFormat.csv:
            return csv_chunks(fields, batches)
        case DownloadFormat.json:
            return json_chunks(fields, batches)
        case _:
            return xlsx_chunks(fields, batches)
