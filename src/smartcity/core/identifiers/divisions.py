"""GB/T 2260 administrative-division codes (中华人民共和国行政区划代码).

The table ships as data (``smartcity/core/data/gbt2260.csv``, built by
``scripts/build_divisions.py`` from python-stdnum 2.2's ``cn/loc.dat``, itself
from the Chinese Wikipedia lists, CC BY-SA 3.0). It includes **abolished**
codes with the years they were in use: identity numbers (GB 11643) and credit
codes (GB 32100) keep the code that was valid when they were assigned, so a
validator must accept e.g. 370802 市中区 (1983–2013) and 370882 兖州市
(1992–2013). Years are inclusive; ``None`` means unknown (start) or still in use
(end).

NBS statistical codes of functional zones (e.g. 370871 济宁高新技术产业开发区)
are not GB/T 2260 codes and are not in this table.

The table is read once, lazily, through ``importlib.resources``.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from typing import Final

from smartcity.core.identifiers.errors import IdentifierError

__all__ = [
    "LEVEL_COUNTY",
    "LEVEL_PREFECTURE",
    "LEVEL_PROVINCE",
    "Division",
    "children",
    "division_codes",
    "division_name",
    "is_current_division",
    "is_known_division",
    "lookup_division",
    "validate_division_code",
]

LEVEL_PROVINCE: Final = "province"
LEVEL_PREFECTURE: Final = "prefecture"
LEVEL_COUNTY: Final = "county"

_DATA_PACKAGE: Final = "smartcity.core"
_DATA_FILE: Final = ("data", "gbt2260.csv")
#: Grouping entries that name no place (never returned by ``children``).
_PLACEHOLDER_NAMES: Final = frozenset({"市辖区", "县", "郊县"})


@dataclass(frozen=True, slots=True)
class Division:
    """One period of one GB/T 2260 code."""

    code: str
    name: str
    province: str
    prefecture: str | None
    level: str
    start_year: int | None
    end_year: int | None

    @property
    def is_current(self) -> bool:
        """True when this period has not ended."""
        return self.end_year is None

    def in_use(self, year: int) -> bool:
        """True when the code had this name in ``year`` (unknown start = always)."""
        return (self.start_year is None or self.start_year <= year) and (
            self.end_year is None or year <= self.end_year
        )


@dataclass(frozen=True, slots=True)
class _Table:
    by_code: dict[str, tuple[Division, ...]]
    codes: frozenset[str]
    current_codes: frozenset[str]


def _year(text: str) -> int | None:
    return int(text) if text else None


@lru_cache(maxsize=1)
def _table() -> _Table:
    resource = files(_DATA_PACKAGE)
    for part in _DATA_FILE:
        resource = resource.joinpath(part)
    text = resource.read_text(encoding="utf-8")
    by_code: dict[str, list[Division]] = {}
    reader = csv.DictReader(io.StringIO(text))
    for row in reader:
        division = Division(
            code=row["code"],
            name=row["name"],
            province=row["province"],
            prefecture=row["prefecture"] or None,
            level=row["level"],
            start_year=_year(row["start_year"]),
            end_year=_year(row["end_year"]),
        )
        by_code.setdefault(division.code, []).append(division)
    frozen = {
        code: tuple(sorted(periods, key=lambda d: (d.start_year or 0, d.end_year or 9999)))
        for code, periods in by_code.items()
    }
    return _Table(
        by_code=frozen,
        codes=frozenset(frozen),
        current_codes=frozenset(c for c, ps in frozen.items() if any(p.is_current for p in ps)),
    )


def division_codes(*, current_only: bool = False) -> frozenset[str]:
    """Every known code (historical included), or only codes still in use."""
    table = _table()
    return table.current_codes if current_only else table.codes


def lookup_division(code: str) -> list[Division]:
    """All periods of ``code``, oldest first; ``[]`` when the code is unknown."""
    return list(_table().by_code.get(code, ()))


def division_name(code: str, year: int | None = None) -> str | None:
    """The name of ``code`` in ``year``.

    Without a year: the current name, or the last name of an abolished code.
    With a year: the name in use that year, ``None`` if the code was not in use.
    """
    periods = _table().by_code.get(code)
    if not periods:
        return None
    if year is None:
        current = [p for p in periods if p.is_current]
        return (current or list(periods))[-1].name
    matching = [p for p in periods if p.in_use(year)]
    return matching[-1].name if matching else None


def is_known_division(code: str) -> bool:
    """True when ``code`` is a GB/T 2260 code in any period, abolished ones included."""
    return code in _table().codes


def is_current_division(code: str) -> bool:
    """True when ``code`` is in use today (per the shipped table)."""
    return code in _table().current_codes


def children(code: str) -> list[Division]:
    """Current direct subdivisions, ordered by code.

    For a prefecture-level code (``370800``): the current county-level units.
    For a province-level code (``370000``): the current prefecture-level units.
    Grouping entries such as 市辖区 are left out. Anything else: ``[]``.
    """
    return list(_children(code))


@lru_cache(maxsize=1024)
def _children(code: str) -> tuple[Division, ...]:
    if len(code) != 6 or not code.isdigit() or code not in _table().codes:
        return ()
    if code.endswith("0000"):
        prefix, level = code[:2], LEVEL_PREFECTURE
    elif code.endswith("00"):
        prefix, level = code[:4], LEVEL_COUNTY
    else:
        return ()
    result: list[Division] = []
    for other, periods in sorted(_table().by_code.items()):
        if other == code or not other.startswith(prefix):
            continue
        for period in periods:
            if (
                period.is_current
                and period.level == level
                and period.name not in _PLACEHOLDER_NAMES
            ):
                result.append(period)
    return tuple(result)


def validate_division_code(code: str) -> str:
    """Return ``code`` (surrounding whitespace removed) or raise ``IdentifierError``.

    Accepts any GB/T 2260 code in the table, abolished ones included.
    """
    value = code.strip() if isinstance(code, str) else ""
    if not value:
        raise IdentifierError("division.empty", "行政区划代码为空")
    if len(value) != 6:
        position = 7 if len(value) > 6 else len(value) + 1
        raise IdentifierError(
            "division.length", f"行政区划代码应为6位数字，实为{len(value)}位", position
        )
    for index, char in enumerate(value, start=1):
        if not "0" <= char <= "9":
            raise IdentifierError("division.non-digit", f"行政区划代码第{index}位应为数字", index)
    if value not in _table().codes:
        raise IdentifierError(
            "division.unknown", "行政区划代码不在 GB/T 2260 代码表中（含已撤销代码）", 1
        )
    return value
