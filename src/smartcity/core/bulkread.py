"""Streaming reads of large CSV, XLSX and Parquet files as batches of text columns.

Base-database loads take files of several GB in one transaction, so a file is
never read whole: ``open_bulk`` reads the header (and for CSV detects the
encoding), and ``BulkFile.batches()`` yields Polars frames lazily. Every frame
has an ``Int64`` column ``__row`` (the row number a person sees in Excel: the
header is row 1, the first data row 2) followed by one ``String`` column per
header name. The empty string and a missing cell are both null; other values
are left as they are (no stripping), so the validator sees what the file holds.
Fully empty rows are skipped; ``__row`` keeps counting them, so row numbers
still match the file.

CSV is read in blocks of ``BLOCK_BYTES`` cut at a newline outside quotes (quote
parity, the rule Polars itself uses to split a file, so a stray ``"`` in an
unquoted field counts as opening a quote), checked strictly against the
encoding ``tabular.detect_encoding`` finds in a sample (UTF-8, UTF-8 with BOM
or GB18030), transcoded to UTF-8 in memory when it is GB18030, and parsed by
``pl.read_csv``. No temporary file is written. An invalid byte anywhere (the
sample only chooses the encoding, every block is checked), a row with more
fields than the header, a quote never closed: each is an
``UnreadableFileError`` naming the byte offset, the text line and, where
known, the row. Limits of strictness: UTF-8 inside a GB18030 file decodes as
valid (wrong) GB18030 text and cannot be told from it; the reverse, GB18030
inside UTF-8, is always caught.

Memory: nothing is read ahead of the consumer, and peak memory depends on
``BLOCK_BYTES`` and ``batch_rows``, not on the file. For CSV it is a few blocks
of bytes in Python (about 13 MB measured) plus Polars frames of about two
batches: with the defaults about 115 MB above the baseline reading 100 MB and
133 MB reading 2 GB; with 10,000-row batches about 20 MB. Parquet decodes one
row group at a time, so its peak follows the producer's row-group size. XLSX
is bounded by openpyxl: its read-only mode keeps the shared strings in memory,
a few hundred MB for a sheet of a million distinct values (Excel's own row
limit caps it).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import stat
from collections.abc import Generator, Iterator
from datetime import date, datetime, time, timedelta
from itertools import islice
from pathlib import Path, PurePath
from types import TracebackType
from typing import IO, Any, ClassVar, Literal
from weakref import WeakSet

import polars as pl

from smartcity.core.errors import BadRequestError, UnsupportedMediaTypeError
from smartcity.core.tabular import XLSX_MAGIC, detect_encoding

__all__ = ["ROW_COLUMN", "BulkFile", "BulkFormat", "UnreadableFileError", "open_bulk"]

BulkFormat = Literal["csv", "xlsx", "parquet"]
ROW_COLUMN = "__row"
PARQUET_MAGIC = b"PAR1"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the legacy .xls container
SAMPLE_BYTES = 1 << 20
BLOCK_BYTES = 4 << 20
MAX_RECORD_BYTES = 64 << 20
SEPARATORS = (",", "\t", ";")
TEXT_SUFFIXES = frozenset({"", ".csv", ".txt", ".tsv"})
_NON_ASCII = re.compile(rb"[\x80-\xff]")
_IDEOGRAPH = re.compile("[\u4e00-\u9fff]")
# A Rust panic on malformed input surfaces as PanicException, a BaseException.
POLARS_FAILURES = (pl.exceptions.PolarsError, pl.exceptions.PanicException)
ENCODING_NAMES = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8", "gb18030": "GB18030"}


class UnreadableFileError(BadRequestError):
    """400: a data file cannot be read as a table.

    A wrong or mixed encoding, a malformed CSV (more fields than the header, a
    quote never closed), an empty, duplicate or merged header cell, a corrupt
    Excel or Parquet file. ``reason`` says which; ``offset`` (0-based byte),
    ``line`` (1-based text line) and ``row`` (the Excel row number, header = 1)
    locate the problem when they are known.
    """

    code = "unreadable-file"
    title = "文件无法读取"


class BulkFile:
    """An open data file, read lazily in batches; use it as a context manager.

    ``bytes_done`` and ``rows_done`` follow the batches as they are produced:
    ``rows_done`` counts the source data rows up to the last row yielded
    (skipped empty rows included, so it ends at ``total_rows``), ``bytes_done``
    the source bytes read to produce them (ahead by at most one block; for
    Parquet an estimate from the share of rows). Both reach their totals when
    the iteration ends. ``total_rows`` is known for Parquet only.
    """

    format: ClassVar[BulkFormat]

    def __init__(self, path: Path, *, name: str, total_bytes: int, batch_rows: int) -> None:
        self.path = path
        self.name = name
        self.total_bytes = total_bytes
        self.batch_rows = batch_rows
        self.header: list[str] = []
        self.encoding: str | None = None
        self.total_rows: int | None = None
        self.separator: str | None = None
        self.sheet: str | None = None
        self.bytes_done = 0
        self.rows_done = 0
        self._iterations: WeakSet[Generator[pl.DataFrame]] = WeakSet()
        self._closed = False

    def batches(self) -> Iterator[pl.DataFrame]:
        """Frames of ``batch_rows`` rows (the last one shorter), from the first row.

        Each call starts again from the beginning. Frames are produced on
        demand: nothing is read ahead of the consumer.

        Raises:
            UnreadableFileError: the file turns out to be malformed further on.
        """
        if self._closed:
            raise RuntimeError("BulkFile is closed")
        iteration = self._batches()
        self._iterations.add(iteration)
        return iteration

    def close(self) -> None:
        """Stop running iterations and release open handles."""
        self._closed = True
        for iteration in list(self._iterations):
            iteration.close()
        self._release()

    def __enter__(self) -> BulkFile:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _frames(self) -> Iterator[tuple[pl.DataFrame, int, int]]:
        """Yield ``(frame, source bytes read, source rows read)``, frames in any size."""
        raise NotImplementedError

    def _release(self) -> None:
        """Close what ``open_bulk`` opened."""

    def _batches(self) -> Generator[pl.DataFrame]:
        self.bytes_done = 0
        self.rows_done = 0
        held: list[pl.DataFrame] = []
        count = 0
        rows_read = 0
        for frame, position, read in self._frames():
            rows_read = read
            frame = frame.filter(pl.any_horizontal(pl.exclude(ROW_COLUMN).is_not_null()))
            if frame.height:
                held.append(frame)
                count += frame.height
            while count >= self.batch_rows:
                merged = pl.concat(held, rechunk=False) if len(held) > 1 else held[0]
                rest = merged.slice(self.batch_rows)
                held, count = ([rest] if rest.height else []), rest.height
                yield self._progressed(merged.head(self.batch_rows), position)
        if count:
            yield self._progressed(pl.concat(held), self.total_bytes)
        self.bytes_done = self.total_bytes
        self.rows_done = rows_read

    def _progressed(self, batch: pl.DataFrame, position: int) -> pl.DataFrame:
        self.bytes_done = min(position, self.total_bytes)
        self.rows_done = int(batch[ROW_COLUMN][-1]) - 1
        return batch


def open_bulk(
    path: Path,
    *,
    filename: str | None = None,
    batch_rows: int = 100_000,
    sheet: str | None = None,
) -> BulkFile:
    """Open a CSV, XLSX or Parquet file for streaming and read its header.

    The format is decided by content (zip magic: XLSX; ``PAR1``: Parquet;
    otherwise CSV text); ``filename`` (the uploaded name, default the path's)
    only refuses text whose extension promises something else. ``sheet``
    applies to XLSX (default the first sheet) and is ignored otherwise.

    Raises:
        UnreadableFileError: missing, not a file, empty, undecodable, corrupt,
            or a header with empty or duplicate names.
        UnsupportedMediaTypeError: neither CSV, XLSX nor Parquet.
    """
    if batch_rows < 1:
        raise ValueError("batch_rows must be positive")
    name = filename or path.name
    try:
        info = path.stat()
    except FileNotFoundError:
        raise UnreadableFileError(f"文件不存在：{name}", reason="not-found", file=name) from None
    except OSError as exc:
        raise UnreadableFileError(
            f"无法访问文件：{name}（{exc.strerror}）", reason="inaccessible", file=name
        ) from None
    if not stat.S_ISREG(info.st_mode):
        raise UnreadableFileError(f"不是普通文件：{name}", reason="not-a-file", file=name)
    try:
        with path.open("rb") as handle:
            head = handle.read(8)
    except OSError as exc:
        raise UnreadableFileError(
            f"无法读取文件：{name}（{exc.strerror}）", reason="inaccessible", file=name
        ) from None
    kind = _detect_format(head, name)
    if kind == "xlsx":
        return _XlsxFile(
            path, name=name, total_bytes=info.st_size, batch_rows=batch_rows, sheet=sheet
        )
    reader = _ParquetFile if kind == "parquet" else _CsvFile
    return reader(path, name=name, total_bytes=info.st_size, batch_rows=batch_rows)


def _detect_format(head: bytes, name: str) -> BulkFormat:
    suffix = PurePath(name).suffix.lower()
    if head.startswith(XLSX_MAGIC):
        return "xlsx"
    if head.startswith(PARQUET_MAGIC):
        return "parquet"
    if head.startswith(OLE_MAGIC):
        raise UnsupportedMediaTypeError(
            "不支持旧版 Excel（.xls）文件，请在 Excel 中另存为 .xlsx 或 CSV", filename=name
        )
    if suffix in {".xlsx", ".xlsm"}:
        raise UnreadableFileError(
            f"文件扩展名为 {suffix}，但内容不是有效的 Excel 文件", reason="corrupt", file=name
        )
    if suffix == ".parquet":
        raise UnreadableFileError(
            "文件扩展名为 .parquet，但内容不是有效的 Parquet 文件", reason="corrupt", file=name
        )
    if suffix not in TEXT_SUFFIXES:
        raise UnsupportedMediaTypeError("只支持 CSV、XLSX 或 Parquet 文件", filename=name)
    return "csv"


def _checked_header(names: list[str], name: str, *, hint: str = "") -> list[str]:
    """Stripped names; empty, duplicate or reserved names are refused."""
    header = [n.strip() for n in names]
    if header:
        header[0] = header[0].removeprefix("\ufeff").strip()
    if not any(header):
        raise UnreadableFileError("第 1 行（表头）为空", reason="empty", file=name)
    empty = [i + 1 for i, n in enumerate(header) if not n]
    if empty:
        where = "、".join(f"第 {i} 列" for i in empty)
        raise UnreadableFileError(
            f"表头{where}的列名为空{hint}", reason="empty-column-name", columns=empty, file=name
        )
    duplicates = list(dict.fromkeys(n for n in header if header.count(n) > 1))
    if duplicates:
        raise UnreadableFileError(
            f"表头中的列名重复：{'、'.join(duplicates)}",
            reason="duplicate-column-name",
            names=duplicates,
            file=name,
        )
    if ROW_COLUMN in header:
        raise UnreadableFileError(
            f"表头中不能有名为 {ROW_COLUMN} 的列（保留给行号）",
            reason="reserved-column-name",
            file=name,
        )
    return header


def _trimmed(names: list[str]) -> tuple[list[str], int]:
    """Names without trailing empty cells, and how many were dropped."""
    width = len(names)
    while width > 1 and not names[width - 1].strip():
        width -= 1
    return names[:width], len(names) - width


# --- CSV --------------------------------------------------------------------------


def _record_end(data: bytes, start: int = 0) -> int:
    """Index just past the last newline outside quotes, 0 when there is none.

    ``data`` starts at a record boundary; newlines before ``start`` are known
    to be inside quotes. ``"`` (0x22) and ``\\n`` (0x0A) never occur inside a
    UTF-8 or GB18030 multi-byte character, so this works on the raw bytes and
    every cut is also a character boundary.
    """
    pos = data.rfind(b"\n", start)
    if pos < 0:
        return 0
    odd = data.count(b'"', 0, pos) % 2
    while odd:
        previous = data.rfind(b"\n", start, pos)
        if previous < 0:
            return 0
        odd ^= data.count(b'"', previous, pos) % 2
        pos = previous
    return pos + 1


def _first_record_end(data: bytes) -> int:
    """Index just past the first newline outside quotes, 0 when there is none."""
    pos = data.find(b"\n")
    odd = data.count(b'"', 0, max(pos, 0)) % 2
    while odd and pos >= 0:
        following = data.find(b"\n", pos + 1)
        odd ^= data.count(b'"', pos, following if following >= 0 else len(data)) % 2
        pos = following
    return pos + 1


def _safe_cut(sample: bytes) -> bytes:
    """The sample up to a character boundary (a byte below 0x30 never continues one)."""
    cut = sample.rfind(b"\n")
    if cut < 0:
        cut = max(sample.rfind(bytes([b])) for b in b',\t; "\r')
    return sample[: cut + 1] if cut >= 0 else sample


class _CsvFile(BulkFile):
    format = "csv"

    def __init__(self, path: Path, *, name: str, total_bytes: int, batch_rows: int) -> None:
        super().__init__(path, name=name, total_bytes=total_bytes, batch_rows=batch_rows)
        with path.open("rb") as handle:
            self.encoding = self._detect(handle)
            start = 3 if self.encoding == "utf-8-sig" else 0
            handle.seek(start)
            record = self._header_record(handle, start)
        self._data_start = start + len(record)
        self._header_lines = record.count(b"\n")
        text = self._decoded(record, start, 0).decode("utf-8")
        self._separator = max(SEPARATORS, key=lambda s: (text.count(s), s == ","))
        self.separator = self._separator
        names = next(csv.reader(io.StringIO(text, newline=""), delimiter=self._separator), [])
        names, blanks = _trimmed(names)
        self.header = _checked_header(names, self.name)
        # Excel writes trailing separators for formatted but empty columns: they
        # are parsed under placeholder names and must stay empty.
        candidates = (f"{ROW_COLUMN}_blank_{i}" for i in range(len(self.header) + blanks))
        self._blank_columns = [n for n in candidates if n not in self.header][:blanks]
        self._schema = {n: pl.String for n in [*self.header, *self._blank_columns]}

    def _detect(self, handle: IO[bytes]) -> str:
        sample = handle.read(SAMPLE_BYTES)
        if not sample.removeprefix(b"\xef\xbb\xbf"):
            raise UnreadableFileError("文件为空，没有表头", reason="empty", file=self.name)
        if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise UnreadableFileError(
                "文件是 UTF-16 编码（Excel 的“Unicode 文本”），请另存为 UTF-8 的 CSV",
                reason="encoding",
                file=self.name,
            )
        start = 0
        if sample.isascii():
            # ASCII reads the same in UTF-8 and GB18030: look where the first
            # non-ASCII byte is, or the file is ASCII throughout (UTF-8).
            start = len(sample)
            while sample.isascii():
                sample = handle.read(SAMPLE_BYTES)
                if not sample:
                    return "utf-8"
                start += len(sample)
            start -= len(sample)
            first = _NON_ASCII.search(sample).start()  # type: ignore[union-attr]
            handle.seek(start + first)
            start += first
            sample = handle.read(SAMPLE_BYTES)
        if start + len(sample) < self.total_bytes:
            sample = _safe_cut(sample)
        try:
            encoding = detect_encoding(sample)
        except BadRequestError:
            pass
        else:
            if encoding == "gb18030":
                self._refuse_mixed(handle, sample, start)
            return encoding
        errors: list[UnicodeDecodeError] = []
        for encoding in ("utf-8", "gb18030"):
            try:
                sample.decode(encoding)
            except UnicodeDecodeError as exc:
                errors.append(exc)
        # The decoding that got further is the likelier one: report where it broke.
        furthest = max(errors, key=lambda e: e.start)
        handle.seek(0)
        lines = _count_lines(handle, start)
        raise self._encoding_error(
            furthest, sample, start, lines, furthest.encoding, detected=False
        )

    def _refuse_mixed(self, handle: IO[bytes], sample: bytes, start: int) -> None:
        """Refuse UTF-8 text followed by other bytes, though it all decodes as GB18030.

        UTF-8 Chinese read as GB18030 is valid mojibake (济宁 becomes 娴庡畞),
        while GB18030 text is almost never valid UTF-8 for more than a character
        or two: a run of UTF-8 ideographs before the first non-UTF-8 byte means a
        UTF-8 file with foreign bytes, not a GB18030 file.
        """
        try:
            sample.decode("utf-8")
        except UnicodeDecodeError as exc:
            prefix = sample[: exc.start].decode("utf-8")
            if len(list(islice(_IDEOGRAPH.finditer(prefix), 2))) == 2:
                handle.seek(0)
                lines = _count_lines(handle, start)
                raise self._encoding_error(exc, sample, start, lines, "utf-8") from None

    def _header_record(self, handle: IO[bytes], start: int) -> bytes:
        data = b""
        while True:
            block = handle.read(BLOCK_BYTES)
            data += block
            cut = _first_record_end(data)
            if cut:
                return data[:cut]
            if not block:
                if data.count(b'"') % 2:
                    raise self._unclosed(start, 0, 1, at_end=True)
                return data
            if len(data) > MAX_RECORD_BYTES:
                raise self._unclosed(start, 0, 1, at_end=False)

    def _frames(self) -> Iterator[tuple[pl.DataFrame, int, int]]:
        offset = self._data_start  # absolute offset of ``pending``
        lines = self._header_lines  # newlines before ``offset``
        row = 2  # Excel row of the first record in ``pending``
        pending = b""
        with self.path.open("rb") as handle:
            handle.seek(offset)
            while True:
                block = handle.read(BLOCK_BYTES)
                at_end = not block
                known = len(pending)  # its newlines are all inside quotes
                data = pending + block if pending else block
                del block  # from here on only one copy of the bytes is alive
                if at_end:
                    if not data:
                        return
                    if data.count(b'"') % 2:
                        raise self._unclosed(offset, lines, row, at_end=True)
                    cut = len(data)
                else:
                    cut = _record_end(data, known)
                    if not cut:
                        if len(data) > MAX_RECORD_BYTES:
                            raise self._unclosed(offset, lines, row, at_end=False)
                        pending = data
                        continue
                chunk, pending = data[:cut], data[cut:]
                del data
                frame = self._parse(self._decoded(chunk, offset, lines), row, lines)
                offset += len(chunk)
                lines += chunk.count(b"\n")
                row += frame.height
                yield frame, offset, row - 2
                if at_end:
                    return

    def _decoded(self, chunk: bytes, offset: int, lines: int) -> bytes:
        """The chunk as UTF-8, or an error locating its first invalid byte."""
        assert self.encoding is not None
        try:
            if self.encoding == "gb18030":
                return chunk.decode("gb18030").encode("utf-8")
            _check_utf8(chunk)
        except UnicodeDecodeError as exc:
            raise self._encoding_error(exc, chunk, offset, lines, self.encoding) from None
        return chunk

    def _parse(self, data: bytes, row: int, lines: int) -> pl.DataFrame:
        try:
            frame = pl.read_csv(
                data,
                has_header=False,
                schema=self._schema,
                separator=self._separator,
                quote_char='"',
                null_values=[""],
                missing_columns="insert",
                raise_if_empty=False,
            )
        except POLARS_FAILURES as exc:
            raise self._malformed(data, row, lines, exc) from None
        frame = frame.select(
            pl.int_range(row, row + frame.height, dtype=pl.Int64).alias(ROW_COLUMN), pl.all()
        )
        if self._blank_columns:
            extra = frame.filter(pl.any_horizontal(pl.col(self._blank_columns).is_not_null()))
            if extra.height:
                found = int(extra[ROW_COLUMN][0])
                raise UnreadableFileError(
                    f"第 {found} 行在表头之外的列中有数据（表头只有 {len(self.header)} 列）",
                    reason="too-many-fields",
                    row=found,
                    file=self.name,
                )
            frame = frame.drop(self._blank_columns)
        return frame

    def _malformed(
        self, data: bytes, row: int, lines: int, exc: BaseException
    ) -> UnreadableFileError:
        """Find the record Polars refused, with the standard library's parser."""
        width = len(self._schema)
        reader = csv.reader(
            io.StringIO(data.decode("utf-8"), newline=""), delimiter=self._separator, strict=True
        )
        line = lines + 1
        try:
            for record in reader:
                if len(record) > width:
                    return UnreadableFileError(
                        f"第 {row} 行（文本第 {line} 行）有 {len(record)} 个字段，多于表头的 "
                        f"{len(self.header)} 列；请检查该行是否有未加引号的分隔符",
                        reason="too-many-fields",
                        row=row,
                        line=line,
                        fields=len(record),
                        columns=len(self.header),
                        file=self.name,
                    )
                row += 1
                line = lines + reader.line_num + 1
        except csv.Error as error:
            return UnreadableFileError(
                f"第 {row} 行（文本第 {line} 行）的引号使用不规范：带引号的字段在闭合引号后"
                "还有其他字符，或字段过长",
                reason="malformed",
                row=row,
                line=line,
                parser_message=str(error),
                file=self.name,
            )
        return UnreadableFileError(
            f"CSV 格式错误（第 {line} 行之前）：{str(exc).splitlines()[0]}",
            reason="malformed",
            line=line,
            parser_message=str(exc),
            file=self.name,
        )

    def _unclosed(self, offset: int, lines: int, row: int, *, at_end: bool) -> UnreadableFileError:
        why = "直到文件末尾" if at_end else f"超过 {MAX_RECORD_BYTES >> 20} MB 仍未闭合"
        return UnreadableFileError(
            f"第 {row} 行（文本第 {lines + 1} 行，字节偏移 {offset}）起有带引号的字段没有闭合"
            f"（{why}）；请检查该行的引号",
            reason="unclosed-quote",
            row=row,
            line=lines + 1,
            offset=offset,
            file=self.name,
        )

    def _encoding_error(
        self,
        exc: UnicodeDecodeError,
        chunk: bytes,
        offset: int,
        lines: int,
        encoding: str,
        *,
        detected: bool = True,
    ) -> UnreadableFileError:
        at = offset + exc.start
        line = lines + chunk.count(b"\n", 0, exc.start) + 1
        bad = chunk[exc.start : max(exc.end, exc.start + 1)][:4].hex(" ").upper()
        label = ENCODING_NAMES[encoding]
        if detected:
            other = "GB18030（GBK）" if label == "UTF-8" else "UTF-8"
            message = (
                f"文件按 {label} 编码读取，但第 {line} 行（字节偏移 {at}）的字节 {bad} "
                f"不是有效的 {label}，可能混入了 {other}等其他编码的内容；"
                "请将整个文件统一另存为 UTF-8 后重试"
            )
        else:
            message = (
                f"无法识别文件编码：既不是有效的 UTF-8 也不是有效的 GB18030（按 {label} "
                f"读取时，第 {line} 行、字节偏移 {at} 的字节 {bad} 无效）"
            )
        return UnreadableFileError(
            message, reason="encoding", encoding=label, offset=at, line=line, file=self.name
        )


def _check_utf8(data: bytes, step: int = 1 << 20) -> None:
    """Raise ``UnicodeDecodeError`` (positions in ``data``) unless it is UTF-8.

    Decoding slice by slice keeps the throw-away text small.
    """
    view = memoryview(data)
    pos = 0
    while pos < len(data):
        end = min(pos + step, len(data))
        try:
            _, used = codecs.utf_8_decode(view[pos:end], "strict", end == len(data))
        except UnicodeDecodeError as exc:
            raise UnicodeDecodeError(
                "utf-8", data, pos + exc.start, pos + exc.end, exc.reason
            ) from None
        pos += used


def _count_lines(handle: IO[bytes], end: int) -> int:
    """Newlines in the first ``end`` bytes, read in blocks."""
    count = 0
    while end > 0:
        block = handle.read(min(end, BLOCK_BYTES))
        if not block:
            break
        count += block.count(b"\n")
        end -= len(block)
    return count


# --- XLSX -------------------------------------------------------------------------


def _cell_text(value: object) -> str | None:
    """One cell as the text a person sees: ``12`` not ``12.0``, ISO dates, ``1``/``0``."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)
    if isinstance(value, datetime):
        if value.time() == time() and value.tzinfo is None:
            return value.date().isoformat()
        return value.strftime("%Y-%m-%d %H:%M:%S") + _fraction(value.microsecond)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M:%S") + _fraction(value.microsecond)
    if isinstance(value, timedelta):
        return str(value)
    return str(value)


def _fraction(microsecond: int) -> str:
    return f".{microsecond:06d}".rstrip("0") if microsecond else ""


class _XlsxFile(BulkFile):
    format = "xlsx"

    def __init__(
        self, path: Path, *, name: str, total_bytes: int, batch_rows: int, sheet: str | None
    ) -> None:
        super().__init__(path, name=name, total_bytes=total_bytes, batch_rows=batch_rows)
        from openpyxl import load_workbook

        self._handle = path.open("rb")
        try:
            self._workbook = load_workbook(
                self._handle, read_only=True, data_only=True, keep_links=False
            )
        except Exception as exc:  # openpyxl raises many types for a broken file
            self._handle.close()
            raise self._corrupt(exc) from None
        try:
            self._sheet = self._worksheet(sheet)
            first = self._sheet.iter_rows(min_row=1, max_row=1, values_only=True)
            values = next(first, ())
            first.close()
        except UnreadableFileError:
            self._release()
            raise
        except Exception as exc:
            self._release()
            raise self._corrupt(exc) from None
        names = ["" if v is None else (_cell_text(v) or "") for v in values]
        names, _ = _trimmed(names)
        if not any(n.strip() for n in names):
            self._release()
            raise UnreadableFileError("工作表为空，第 1 行没有表头", reason="empty", file=self.name)
        try:
            self.header = _checked_header(names, self.name, hint="（可能是合并单元格）")
        except UnreadableFileError:
            self._release()
            raise
        self.sheet = self._sheet.title

    def _worksheet(self, sheet: str | None) -> Any:
        if sheet is None:
            if not self._workbook.worksheets:
                raise UnreadableFileError("Excel 文件中没有工作表", reason="empty", file=self.name)
            worksheet = self._workbook.worksheets[0]
        elif sheet not in self._workbook.sheetnames:
            raise UnreadableFileError(
                f"Excel 文件中没有工作表“{sheet}”（有：{'、'.join(self._workbook.sheetnames)}）",
                reason="sheet-not-found",
                sheet=sheet,
                file=self.name,
            )
        else:
            worksheet = self._workbook[sheet]
        # The <dimension> element is written by the producer and sometimes wrong;
        # trusting it would silently drop the rows beyond it.
        worksheet.reset_dimensions()
        return worksheet

    def _frames(self) -> Iterator[tuple[pl.DataFrame, int, int]]:
        width = len(self.header)
        rows = self._sheet.iter_rows(min_row=2, values_only=True)
        numbers: list[int] = []
        columns: list[list[str | None]] = [[] for _ in range(width)]
        number = 1
        try:
            for number, values in enumerate(rows, start=2):
                cells = [_cell_text(v) for v in values]
                if len(cells) > width:
                    extra = next((i for i, c in enumerate(cells[width:]) if c is not None), None)
                    if extra is not None:
                        raise UnreadableFileError(
                            f"第 {number} 行第 {width + extra + 1} 列在表头之外有数据"
                            f"（表头只有 {width} 列）",
                            reason="too-many-fields",
                            row=number,
                            column=width + extra + 1,
                            file=self.name,
                        )
                if not any(c is not None for c in cells[:width]):
                    continue
                numbers.append(number)
                for i in range(width):
                    columns[i].append(cells[i] if i < len(cells) else None)
                if len(numbers) >= self.batch_rows:
                    yield self._frame(numbers, columns), self._handle.tell(), number - 1
                    numbers, columns = [], [[] for _ in range(width)]
        except UnreadableFileError:
            raise
        except Exception as exc:
            raise self._corrupt(exc) from None
        finally:
            rows.close()
        yield self._frame(numbers, columns), self.total_bytes, number - 1

    def _frame(self, numbers: list[int], columns: list[list[str | None]]) -> pl.DataFrame:
        data: dict[str, list[Any]] = {ROW_COLUMN: numbers}
        data.update(zip(self.header, columns, strict=True))
        schema = {ROW_COLUMN: pl.Int64, **{n: pl.String for n in self.header}}
        return pl.DataFrame(data, schema=schema)

    def _corrupt(self, exc: Exception) -> UnreadableFileError:
        return UnreadableFileError(
            f"无法读取 Excel 文件，文件可能已损坏或不是 .xlsx 格式（{type(exc).__name__}）",
            reason="corrupt",
            file=self.name,
        )

    def _release(self) -> None:
        workbook = getattr(self, "_workbook", None)
        if workbook is not None:
            workbook.close()
        self._handle.close()


# --- Parquet ----------------------------------------------------------------------


def _as_text(column: str, dtype: pl.DataType) -> pl.Expr | None:
    """Expression turning one Parquet column into text, None if it cannot be."""
    col = pl.col(column)
    if dtype == pl.String or isinstance(dtype, pl.Categorical | pl.Enum):
        text = col.cast(pl.String)
        return pl.when(text == "").then(None).otherwise(text)
    if dtype == pl.Boolean:
        return pl.when(col).then(pl.lit("1")).when(col.not_()).then(pl.lit("0"))
    if dtype.is_float():
        whole = col.is_finite() & (col == col.round(0)) & (col.abs() < 2**53)
        return (
            pl.when(whole).then(col.cast(pl.Int64).cast(pl.String)).otherwise(col.cast(pl.String))
        )
    if isinstance(dtype, pl.Datetime):
        return col.dt.to_string("%Y-%m-%d %H:%M:%S%.f")
    if dtype == pl.Time:
        return col.dt.to_string("%H:%M:%S%.f")
    if dtype.is_numeric() or dtype in (pl.Date, pl.Null) or isinstance(dtype, pl.Duration):
        return col.cast(pl.String)
    return None


class _ParquetFile(BulkFile):
    format = "parquet"

    def __init__(self, path: Path, *, name: str, total_bytes: int, batch_rows: int) -> None:
        super().__init__(path, name=name, total_bytes=total_bytes, batch_rows=batch_rows)
        try:
            schema = pl.read_parquet_schema(path)
            self._scan = pl.scan_parquet(path, glob=False, hive_partitioning=False)
            self.total_rows = int(self._scan.select(pl.len()).collect().item())
        except (*POLARS_FAILURES, OSError) as exc:
            raise self._corrupt(exc) from None
        self.header = _checked_header(list(schema), self.name)
        exprs = [pl.int_range(pl.len(), dtype=pl.Int64).alias(ROW_COLUMN)]
        for (column, dtype), name in zip(schema.items(), self.header, strict=True):
            expr = _as_text(column, dtype)
            if expr is None:
                raise UnreadableFileError(
                    f"Parquet 列“{name}”的类型 {dtype} 不能作为文本读取",
                    reason="unsupported-column-type",
                    column=name,
                    file=self.name,
                )
            exprs.append(expr.cast(pl.String).alias(name))
        self._exprs = exprs

    def _frames(self) -> Iterator[tuple[pl.DataFrame, int, int]]:
        # One slice per batch: Polars reads only the row groups a slice covers.
        # collect_batches() would be simpler but runs ahead of a slow consumer
        # and buffers the whole file.
        total = self.total_rows or 0
        for start in range(0, total, self.batch_rows):
            try:
                frame = self._scan.slice(start, self.batch_rows).select(self._exprs).collect()
            except (*POLARS_FAILURES, OSError) as exc:
                raise self._corrupt(exc) from None
            frame = frame.with_columns(pl.col(ROW_COLUMN) + (start + 2))
            done = start + frame.height
            yield frame, self.total_bytes * done // max(total, 1), done

    def _corrupt(self, exc: Exception) -> UnreadableFileError:
        return UnreadableFileError(
            f"无法读取 Parquet 文件，文件可能已损坏（{type(exc).__name__}）",
            reason="corrupt",
            file=self.name,
        )
