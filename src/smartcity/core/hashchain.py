"""Hash-chain primitives for tamper-evident logs (SM3, GB/T 32905-2016).

Each entry's hash is the SM3 digest of its canonical serialization, which
includes the previous entry's hash. Changing, deleting, inserting or reordering
any entry therefore breaks a link that ``verify`` finds. The audit log and the
exchange log use the same primitives.

The canonical serialization is a fixed-order list of text fields joined by the
ASCII unit separator (U+001F), UTF-8 encoded. Control characters are removed
from field values when an entry is written (``clean``), so the separator cannot
occur inside a value and the encoding is unambiguous. It is much cheaper than
JSON, which matters because ``verify`` re-serializes every entry.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

GENESIS = "0" * 64
SEPARATOR = "\x1f"
FORMAT_VERSION = "1"

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

if "sm3" not in hashlib.algorithms_available:  # pragma: no cover - depends on OpenSSL build
    raise RuntimeError("this Python's OpenSSL has no SM3; the audit chain needs it")


def sm3_hex(data: bytes) -> str:
    """SM3 digest of ``data`` as 64 lowercase hex characters (through OpenSSL)."""
    return hashlib.new("sm3", data).hexdigest()


def clean(value: str | None, limit: int | None = None) -> str:
    """A field value made safe for the canonical form: no control characters."""
    if value is None:
        return ""
    text = _CONTROL.sub(" ", value)
    return text[:limit] if limit is not None else text


def canonical(fields: Sequence[str], prev_hash: str) -> bytes:
    """The bytes that are hashed for one entry."""
    return SEPARATOR.join((FORMAT_VERSION, *fields, prev_hash)).encode("utf-8")


def entry_hash(fields: Sequence[str], prev_hash: str) -> str:
    return sm3_hex(canonical(fields, prev_hash))


class Tampering(StrEnum):
    """What ``verify`` concluded happened at the first broken place."""

    modified = "modified"  # an entry's content no longer matches its hash
    deleted = "deleted"  # an entry the next one links to is gone
    inserted = "inserted"  # an entry was put between two linked entries
    reordered = "reordered"  # entries are linked in another order than they are numbered
    truncated = "truncated"  # entries recorded in an anchor are gone from the end


@dataclass(frozen=True, slots=True)
class ChainRow:
    """One stored entry as ``verify`` sees it."""

    seq: int
    fields: tuple[str, ...]
    prev_hash: str
    entry_hash: str


@dataclass(frozen=True, slots=True)
class ChainBreak:
    seq: int
    kind: Tampering
    message: str


@dataclass(frozen=True, slots=True)
class VerifyResult:
    checked: int
    head_seq: int
    head_hash: str
    first_break: ChainBreak | None

    @property
    def ok(self) -> bool:
        return self.first_break is None


def verify_rows(
    rows: Iterable[ChainRow],
    *,
    locate_hash: Callable[[str], int | None],
    progress: Callable[[int], None] | None = None,
) -> VerifyResult:
    """Walk entries in ``seq`` order and name the first broken place.

    ``locate_hash`` finds the ``seq`` of the stored entry with a given hash (an
    indexed lookup), used only once a link is broken to tell deletion,
    insertion and reordering apart.
    """
    expected_prev = GENESIS
    before_previous = GENESIS
    previous_seq = 0
    checked = 0
    hash_of = sm3_hex
    join = SEPARATOR.join
    for row in rows:
        data = join((FORMAT_VERSION, *row.fields, row.prev_hash)).encode("utf-8")
        if hash_of(data) != row.entry_hash:
            return VerifyResult(checked, previous_seq, expected_prev, ChainBreak(
                row.seq, Tampering.modified,
                f"第 {row.seq} 条记录的内容与其哈希不符（记录被修改）"))
        if row.prev_hash != expected_prev:
            found = locate_hash(row.prev_hash)
            if found is None:
                kind, message = Tampering.deleted, (
                    f"第 {row.seq} 条记录之前的记录被删除（它指向的前一条记录已不存在）")
            elif found > row.seq:
                kind, message = Tampering.reordered, (
                    f"第 {row.seq} 条记录的位置被调换（它指向第 {found} 条）")
            elif row.prev_hash == before_previous:
                return VerifyResult(checked, previous_seq, expected_prev, ChainBreak(
                    previous_seq, Tampering.inserted,
                    f"第 {previous_seq} 条记录是被插入的（第 {row.seq} 条越过它指向第 {found} 条）"))
            else:
                kind, message = Tampering.inserted, (
                    f"第 {row.seq} 条记录是被插入的（它指向较早的第 {found} 条）")
            return VerifyResult(checked, previous_seq, expected_prev,
                                ChainBreak(row.seq, kind, message))
        before_previous = expected_prev
        expected_prev = row.entry_hash
        previous_seq = row.seq
        checked += 1
        if progress is not None and checked % 10_000 == 0:
            progress(checked)
    return VerifyResult(checked, previous_seq, expected_prev, None)
