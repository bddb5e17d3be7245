"""File exchange mode of the exchange API (Art. 26 共享方式“文件”): a grant's items as a
downloadable extract — CSV, XLSX or Parquet — masked exactly as a lookup masks them.

``start_extract`` runs the checks every exchange call runs (who calls, the case
reference, the grant: organization, client, revoked, validity, rate) and the
grant's ``file`` mode, counts the rows, and appends the call to the exchange log —
**before** a byte is sent, so no extract leaves unlogged. ``extract_bytes`` then
produces the file in the caller's (read) session:

- **columns**: the grant's items, in the grant's order, headed by the items'
  Chinese names — the same names that key ``values`` in the JSON answers, so a
  consumer maps both the same way. The record key is a column only when it is a
  granted item, masked as the grant says: a file extract lists every subject of
  the resource, so unlike a lookup the consumer brings no keys of its own. Where
  the grant masks the key, the first column, ``记录标识``, is each record's ``ref``
  (the key's pseudonym under the grant, as in the JSON answers): masked keys do
  not tell records apart;
- **values**: exactly a lookup's (``exchange_core.record_values``: the same field plan
  and maskers); a value the grant masks is the masked text. Provenance per value
  (source department, last update) stays in the JSON API;
- **order and memory**: records in key order, read with keyset paging
  (``PAGE_ROWS`` keys a page, each read through base_data's ``RecordReader``), so
  memory stays flat whatever the table's size. CSV streams as it is read (UTF-8
  with a BOM, so Excel opens Chinese text correctly); XLSX (openpyxl write-only)
  and Parquet (Polars' streaming sink, one row group per ``PAGE_ROWS`` records)
  are built in a temporary file first and then streamed;
- **types**: CSV is text (booleans ``true``/``false``, empty for no value); XLSX
  and Parquet keep integers, decimals and booleans of unmasked items as numbers
  and booleans; dates, times, geometries and every masked item are text.

The exchange log entry (operation ``file``) records the row count when the
extract started and, as subject keys, the first ``MAX_BATCH_KEYS`` keys in key
order (as a query logs its page): a log entry cannot list millions of subjects.
The grant itself (its ``file`` mode and items) is the record that the consumer
took the whole resource. A load committed while a long extract is being read may
add or change rows after the count; the file is read in one snapshot transaction.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from uuid import UUID

import polars as pl
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from polars.io.plugins import register_io_source
from sqlalchemy import ColumnElement, func, select, tuple_
from sqlalchemy.orm import Session

from smartcity.core.security import SYSTEM, Actor
from smartcity.core.time import utcnow
from smartcity.domains.base_data import service as base_data_service
from smartcity.domains.sharing.enums import QueryMode
from smartcity.domains.sharing.exchange_errors import ExtractTooLargeError
from smartcity.domains.sharing.exchange_schemas import MAX_BATCH_KEYS
from smartcity.domains.sharing.service.exchange_core import (
    FieldPlan,
    KeyShown,
    begin_call,
    key_shown,
    key_text,
    open_source,
    read_record,
    record_values,
)

PAGE_ROWS = 1000
REF_COLUMN = "记录标识"
"""The first column where the grant masks the record key: the key's pseudonym under the
grant (``exchange_core.KeyShown.ref``, as the JSON answers' ``ref``), which tells the
records apart where the masked keys do not."""
XLSX_MAX_ROWS = 1_048_575  # Excel's 1,048,576 rows a sheet, less the header row
CHUNK_BYTES = 64 * 1024


class ExtractFormat(StrEnum):
    csv = "csv"
    xlsx = "xlsx"
    parquet = "parquet"


MEDIA_TYPES: dict[ExtractFormat, str] = {
    ExtractFormat.csv: "text/csv; charset=utf-8",
    ExtractFormat.xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ExtractFormat.parquet: "application/vnd.apache.parquet",
}

_NUMERIC = {"integer": pl.Int64, "decimal": pl.Float64, "boolean": pl.Boolean}


@dataclass(frozen=True, slots=True)
class Extract:
    """A logged, checked extract, ready to be written (in another session if need be).

    The field plans are fixed when the call is logged, so the file is masked as
    the logged call was allowed.
    """

    grant_id: UUID
    grant_number: str
    case_reference: str
    table_id: UUID
    table_name: str
    format: ExtractFormat
    plans: tuple[FieldPlan, ...]
    types: tuple[str, ...]  # base_data field type of each column ("string" if gone)
    rows: int
    log_seq: int
    keys: KeyShown
    """How the grant shows record keys: where it masks them, the first column is
    ``REF_COLUMN``."""

    @property
    def fields(self) -> list[str]:
        """The file's columns: ``REF_COLUMN`` where the key is masked, then the items."""
        names = [p.name for p in self.plans]
        return [REF_COLUMN, *names] if self.keys.masked else names

    @property
    def filename(self) -> str:
        return f"{self.grant_number}_{self.table_name}.{self.format.value}"

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.format]


def start_extract(
    session: Session,
    *,
    actor: Actor,
    grant_id: UUID,
    case_reference: str | None,
    format: ExtractFormat,
) -> Extract:
    """Check a file-mode call, count the rows and log it (operation ``file``).

    Raises:
        AuthenticationRequiredError: anonymous (not logged).
        the ``lookup`` grant refusals; ModeNotGrantedError (no ``file`` mode);
        ExchangeSourceUnavailableError; ExtractTooLargeError (more rows than an
        XLSX sheet holds: ask for CSV or Parquet).
    """
    call, grant = begin_call(
        session,
        actor=actor,
        operation=QueryMode.file,
        grant_id=grant_id,
        case_reference=case_reference,
        fields=[],
    )
    names = list(grant.items)
    call.fields = names
    served = open_source(session, call, grant)
    reader = served.reader
    data = reader.data.table
    rows = session.scalar(select(func.count()).select_from(data)) or 0
    if format is ExtractFormat.xlsx and rows > XLSX_MAX_ROWS:
        call.refuse(
            ExtractTooLargeError(
                f"该资源有 {rows} 条记录，XLSX 每个工作表最多 {XLSX_MAX_ROWS} 条；"
                "请改用 CSV 或 Parquet 格式",
                rows=rows,
                max_rows=XLSX_MAX_ROWS,
            )
        )
    key_columns = [data.c[f.column_name] for f in reader.data.key_fields]
    first = session.execute(select(*key_columns).order_by(*key_columns).limit(MAX_BATCH_KEYS)).all()
    call.keys = [key_text(tuple(row)) for row in first]
    seq = call.log("ok", records=rows)
    types = {f.name: str(f.type.value) for f in reader.fields}
    return Extract(
        grant_id=grant.id,
        grant_number=grant.number,
        case_reference=call.case_reference,
        table_id=reader.base.id,
        table_name=reader.base.table_name,
        format=format,
        plans=tuple(served.plans(grant, names)),
        types=tuple(types.get(name, "string") for name in names),
        rows=rows,
        log_seq=seq,
        keys=key_shown(served.source, grant),
    )


# ---------------------------------------------------------------- reading


def extract_rows(session: Session, extract: Extract) -> Iterator[list[list[Any]]]:
    """The extract's rows, a page of at most ``PAGE_ROWS`` at a time, in key order;
    each row holds the planned values (masked as in a lookup; ``None`` if absent)."""
    reader = base_data_service.RecordReader(session, actor=SYSTEM, table=extract.table_id)
    data = reader.data.table
    key_columns = [data.c[f.column_name] for f in reader.data.key_fields]
    plans = list(extract.plans)
    names = [p.name for p in plans]
    shown = extract.keys
    after: tuple[Any, ...] | None = None
    while True:
        statement = select(*key_columns).order_by(*key_columns).limit(PAGE_ROWS)
        if after is not None:
            past: ColumnElement[bool] = (
                key_columns[0] > after[0]
                if len(key_columns) == 1
                else tuple_(*key_columns) > tuple_(*after)
            )
            statement = statement.where(past)
        keys = [tuple(row) for row in session.execute(statement).all()]
        if not keys:
            return
        page: list[list[Any]] = []
        for parts in keys:
            view = read_record(reader, parts)
            if view is None:  # deleted since the key was read
                continue
            values = record_values(view, plans)
            row = [values[n].value if n in values else None for n in names]
            page.append([shown.ref(view.key), *row] if shown.masked else row)
        if page:
            yield page
        if len(keys) < PAGE_ROWS:
            return
        after = keys[-1]


# ---------------------------------------------------------------- writing


def extract_bytes(session: Session, extract: Extract) -> Iterator[bytes]:
    """The extract file, in chunks: CSV as it is read, XLSX and Parquet once built
    in a temporary file (removed afterwards, also when the download is abandoned)."""
    if extract.format is ExtractFormat.csv:
        yield from _csv_chunks(extract, extract_rows(session, extract))
        return
    handle, name = tempfile.mkstemp(prefix="smartcity-extract-", suffix=f".{extract.format}")
    os.close(handle)
    try:
        if extract.format is ExtractFormat.xlsx:
            _write_xlsx(extract, extract_rows(session, extract), name)
        else:
            _write_parquet(extract, extract_rows(session, extract), name)
        with open(name, "rb") as file:
            while chunk := file.read(CHUNK_BYTES):
                yield chunk
    finally:
        os.unlink(name)


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _csv_chunks(extract: Extract, pages: Iterator[list[list[Any]]]) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(extract.fields)
    yield "\ufeff".encode() + buffer.getvalue().encode()
    for page in pages:
        buffer.seek(0)
        buffer.truncate()
        writer.writerows([_csv_text(v) for v in row] for row in page)
        yield buffer.getvalue().encode()


def _xlsx_cell(sheet: WriteOnlyWorksheet, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    text = ILLEGAL_CHARACTERS_RE.sub("", value)
    if not text.startswith("="):
        return text
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"  # data, not a formula: "=…" stays the text it is
    return cell


def _write_xlsx(extract: Extract, pages: Iterator[list[list[Any]]], path: str) -> None:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("数据")
    sheet.append(extract.fields)
    for page in pages:
        for row in page:
            sheet.append([_xlsx_cell(sheet, v) for v in row])
    about = book.create_sheet("说明")
    masked = "、".join(p.name for p in extract.plans if p.masked) or "无"
    notes: list[tuple[str, object]] = [
        ("授权编号", extract.grant_number),
        ("所办理的事项", extract.case_reference),
        ("基础库表", extract.table_name),
        ("记录数", extract.rows),
        ("交换日志序号", extract.log_seq),
        ("生成时间（UTC）", utcnow().isoformat(timespec="seconds")),
        ("已脱敏的信息项", masked),
    ]
    if extract.keys.masked:
        notes.append(
            (
                REF_COLUMN,
                "主键已脱敏：以记录标识（主键在本授权下的假名）区分记录，与接口的 ref 相同",
            )
        )
    for label, value in notes:
        about.append([label, _xlsx_cell(about, value)])
    book.save(path)


def _schema(extract: Extract) -> pl.Schema:
    columns: dict[str, Any] = {REF_COLUMN: pl.String} if extract.keys.masked else {}
    for plan, kind in zip(extract.plans, extract.types, strict=True):
        columns[plan.name] = pl.String if plan.masked else _NUMERIC.get(kind, pl.String)
    return pl.Schema(columns)


def _write_parquet(extract: Extract, pages: Iterator[list[list[Any]]], path: str) -> None:
    schema = _schema(extract)
    textual = [dtype == pl.String for dtype in schema.values()]

    def frames(*_: Any) -> Iterator[pl.DataFrame]:
        for page in pages:
            columns: Sequence[list[Any]] = [list(c) for c in zip(*page, strict=True)]
            yield pl.DataFrame(
                [
                    [None if v is None else str(v) for v in column] if text else column
                    for column, text in zip(columns, textual, strict=True)
                ],
                schema=schema,
                orient="col",
            )

    metadata = {
        "smartcity.grant": extract.grant_number,
        "smartcity.case_reference": extract.case_reference,
        "smartcity.table": extract.table_name,
        "smartcity.exchange_log_seq": str(extract.log_seq),
        "smartcity.masked": ",".join(p.name for p in extract.plans if p.masked),
    }
    register_io_source(frames, schema=schema).sink_parquet(
        path, row_group_size=PAGE_ROWS, metadata=metadata
    )
