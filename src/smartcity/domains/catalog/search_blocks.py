"""Packed posting lists of the catalog's search: one blob per term and block of documents.

The postings table (``catalog_search_term``) holds one row per term and document. A
query that intersects terms then costs one B-tree probe per candidate and term; a
common word's facet counts, one row read per hit. ``catalog_search_block`` holds the
same postings packed: for each term and each block of ``BLOCK_SIZE`` consecutive
document ids, the term's postings in that block as fixed-size records (document id,
facet combination, weight: little-endian ``uint32``, ``uint32``, ``uint8``) sorted by
document id. A term's whole posting list is then the concatenation of its blocks' blobs
in block order — a few rows to read, decoded in one call — and a query intersects,
scores and counts whole lists with numpy's vectorized operations instead of probing.

Blocks keep a publication's rewrite small: publishing an entry rewrites, for each of
its terms, the one block its document falls in (at most ``BLOCK_SIZE`` records), not
the term's whole list. New documents take the highest ids, so a new entry's postings
are appended to the last block of each term (a byte concatenation).

This module is the pure codec: no database.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt

BLOCK_SHIFT = 12
BLOCK_SIZE = 1 << BLOCK_SHIFT  # 4,096 documents per block
RECORD = np.dtype([("doc", "<u4"), ("facet", "<u4"), ("weight", "u1")])
RECORD_SIZE = RECORD.itemsize  # 9 bytes: packed, no padding

Postings = npt.NDArray[np.void]
"""An array of ``RECORD``: fields ``doc``, ``facet``, ``weight``; sorted by ``doc``."""

EMPTY: Postings = np.zeros(0, dtype=RECORD)
_RECORD = struct.Struct("<IIB")


def block_of(document_id: int) -> int:
    """The block a document id falls in."""
    return document_id >> BLOCK_SHIFT


def encode(postings: Iterable[tuple[int, int, int]]) -> bytes:
    """Records of (document id, facet id, weight); the caller gives them sorted by id."""
    return b"".join(_RECORD.pack(*posting) for posting in postings)


def decode(blobs: Sequence[bytes]) -> Postings:
    """One posting list from its blocks' blobs, in block order."""
    if not blobs:
        return EMPTY
    data = blobs[0] if len(blobs) == 1 else b"".join(blobs)
    if len(data) % RECORD_SIZE:
        raise ValueError(f"a posting blob of {len(data)} bytes is not whole records")
    return np.frombuffer(data, dtype=RECORD)


def rewrite(blob: bytes, remove: npt.NDArray[np.uint32], add: bytes) -> bytes:
    """A block's blob without the postings of the documents ``remove`` (sorted ids) and
    with the records ``add`` (encoded, sorted by id, none of them in ``blob``).

    The common case — a new document, after every document already in the block — is
    a byte concatenation; otherwise the records are filtered and merged by id.
    """
    appended = not blob or _last_document(blob) < _RECORD.unpack_from(add)[0] if add else False
    if appended and not remove.size:
        return blob + add
    kept = decode([blob]) if blob else EMPTY
    if remove.size and kept.size:
        kept = kept[~np.isin(kept["doc"], remove, assume_unique=True)]
    if add:
        kept = np.concatenate([kept, decode([add])])
        kept = kept[np.argsort(kept["doc"], kind="stable")]
    return kept.tobytes()


def _last_document(blob: bytes) -> int:
    document_id: int = _RECORD.unpack_from(blob, len(blob) - RECORD_SIZE)[0]
    return document_id
