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


# Copying an initialised context is cheaper than ``hashlib.new("sm3")``, which looks
# the algorithm up and initialises a context every time (about a fifth of the cost
# of hashing one entry). ``copy()`` is thread-safe.
_SM3 = hashlib.new("sm3")


def sm3_hex(data: bytes) -> str:
    """SM3 digest of ``data`` as 64 lowercase hex characters (through OpenSSL)."""
    digest = _SM3.copy()
    digest.update(data)
    return digest.hexdigest()


def clean(value: str | None, limit: int | None = None) -> str:
    """A field value made safe for the canonical form: no control characters."""
    if value is None:
        return ""
    # Control characters are not printable, so a printable value (the usual case)
    # needs no substitution; the check is far cheaper than the regex.
    text = value if value.isprintable() else _CONTROL.sub(" ", value)
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
            return VerifyResult(checked, previous_seq, expected_prev, _modified(row.seq))
        if row.prev_hash != expected_prev:
            return VerifyResult(
                checked,
                previous_seq,
                expected_prev,
                _broken_link(row.seq, row.prev_hash, before_previous, previous_seq, locate_hash),
            )
        before_previous = expected_prev
        expected_prev = row.entry_hash
        previous_seq = row.seq
        checked += 1
        if progress is not None and checked % 10_000 == 0:
            progress(checked)
    return VerifyResult(checked, previous_seq, expected_prev, None)


SerializedRow = tuple[int, bytes | None, bytes, bytes]
"""``(seq, canonical bytes, prev_hash, entry_hash)``, the hashes as ASCII bytes."""


def verify_serialized(
    batches: Iterable[Sequence[SerializedRow]],
    *,
    locate_hash: Callable[[str], int | None],
    progress: Callable[[int], None] | None = None,
) -> VerifyResult:
    """``verify_rows`` for entries whose canonical bytes the reader already built.

    The same walk and the same conclusions, specialised for speed: rows arrive
    as plain tuples in batches (the database driver's own result lists), the
    canonical serialization (``canonical()``) is already done, and hashes stay
    bytes, so the loop does little beyond hashing. ``data`` is ``None`` when a
    stored entry cannot be serialized (a value of the wrong type, say), which
    counts as a modification. ``progress`` is called after each batch.

    At a break, ``batches`` is closed (if it can be) before ``locate_hash`` is
    called, so both may use the same database connection.
    """
    expected = GENESIS.encode()
    before_previous = expected
    previous_seq = 0
    checked = 0
    fresh = _SM3.copy
    for batch in batches:
        for seq, data, prev_hash, stored in batch:
            if data is None:
                _close(batches)
                return _stopped(checked, batch, seq, previous_seq, expected, _modified(seq))
            digest = fresh()
            digest.update(data)
            if digest.hexdigest().encode() != stored:
                _close(batches)
                return _stopped(checked, batch, seq, previous_seq, expected, _modified(seq))
            if prev_hash != expected:
                _close(batches)
                return _stopped(
                    checked,
                    batch,
                    seq,
                    previous_seq,
                    expected,
                    _broken_link(
                        seq, _text(prev_hash), _text(before_previous), previous_seq, locate_hash
                    ),
                )
            before_previous = expected
            expected = stored
            previous_seq = seq
        checked += len(batch)
        if progress is not None:
            progress(checked)
    return VerifyResult(checked, previous_seq, _text(expected), None)


def _close(batches: object) -> None:
    close = getattr(batches, "close", None)
    if callable(close):
        close()


def _text(value: bytes) -> str:
    return value.decode("utf-8", "replace")


def _stopped(
    checked: int,
    batch: Sequence[SerializedRow],
    seq: int,
    previous_seq: int,
    expected: bytes,
    found: ChainBreak,
) -> VerifyResult:
    """The result at a break found in ``batch``, at the entry numbered ``seq``."""
    position = next(i for i, row in enumerate(batch) if row[0] == seq)
    return VerifyResult(checked + position, previous_seq, _text(expected), found)


def _modified(seq: int) -> ChainBreak:
    return ChainBreak(seq, Tampering.modified, f"第 {seq} 条记录的内容与其哈希不符（记录被修改）")


def _broken_link(
    seq: int,
    prev_hash: str,
    before_previous: str,
    previous_seq: int,
    locate_hash: Callable[[str], int | None],
) -> ChainBreak:
    """Entry ``seq`` is intact but does not link to the entry before it: say why."""
    found = locate_hash(prev_hash)
    if found is None:
        return ChainBreak(
            seq, Tampering.deleted, f"第 {seq} 条记录之前的记录被删除（它指向的前一条记录已不存在）"
        )
    if found > seq:
        return ChainBreak(
            seq, Tampering.reordered, f"第 {seq} 条记录的位置被调换（它指向第 {found} 条）"
        )
    if prev_hash == before_previous:
        return ChainBreak(
            previous_seq,
            Tampering.inserted,
            f"第 {previous_seq} 条记录是被插入的（第 {seq} 条越过它指向第 {found} 条）",
        )
    return ChainBreak(
        seq, Tampering.inserted, f"第 {seq} 条记录是被插入的（它指向较早的第 {found} 条）"
    )
