"""Tests of the calendar domain.

``invented_2027()`` is INVENTED test data, clearly not the real 2027 arrangement:
no 2027 notice was published when these tests were written, and the dates below
are not a guess at it. They are chosen so that strict and provisional results
differ (a Friday off on 2027-01-01 that the weekend-only estimate counts as
worked).
"""

from __future__ import annotations

import copy
import json
from typing import Any

_INVENTED_2027: dict[str, Any] = {
    "year": 2027,
    "notice": {
        "title": "测试用虚构安排（非官方，不是2027年真实安排）",
        "doc_no": "测试〔2026〕99号",
        "issued": "2026-11-01",
    },
    "holidays": [
        {"name": "虚构假期甲", "start": "2027-01-01", "end": "2027-01-03"},
        {"name": "虚构假期乙", "start": "2027-03-01", "end": "2027-03-05"},
    ],
    "makeup_workdays": ["2027-02-27"],
}


def invented_2027() -> dict[str, Any]:
    """A fresh, mutable copy of the invented 2027 arrangement (NOT real data)."""
    return copy.deepcopy(_INVENTED_2027)


def as_file(data: dict[str, Any], encoding: str = "utf-8") -> bytes:
    """The arrangement as the bytes of an uploaded file."""
    return json.dumps(data, ensure_ascii=False, indent=2).encode(encoding)
