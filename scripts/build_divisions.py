"""Build ``src/smartcity/core/data/gbt2260.csv`` from python-stdnum's ``cn/loc.dat``.

The GB/T 2260 administrative-division table ships with the platform as data. Its
source is python-stdnum 2.2's ``stdnum/cn/loc.dat``, which was compiled from the
Chinese Wikipedia lists 中华人民共和国行政区划代码 (1区…8区), licensed CC BY-SA 3.0.

loc.dat looks like this::

    37 province="山东省"
      0000 county="山东省"
      0800 county="[1983-]济宁市"
      0811 county="[1983-1992]郊区,[1993-]任城区"

A county entry holds one bare name (current, years unknown) or several
comma-separated ``[start-end]name`` periods; either year may be empty. A few
entries read ``[1983-1982]name`` (a name replaced before the 1983 list): their
start year is written as unknown.

Usage::

    python scripts/build_divisions.py /tmp/stdnum/stdnum/cn/loc.dat \
        > src/smartcity/core/data/gbt2260.csv

or give the output path with ``-o``. Output columns:
``code,name,province,prefecture,level,start_year,end_year``, one row per
(code, period), sorted by code then start year. ``level`` is ``province``
(``xx0000``), ``prefecture`` (``xxxx00``) or ``county`` (everything else).
``prefecture`` is the name of the enclosing prefecture-level unit at the end of
the row's period (empty for province and prefecture rows and where the
prefecture-level entry is only a placeholder such as 市辖区 or 县).
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

_PROVINCE_LINE = re.compile(r'^(\d{2}) province="([^"]*)"\s*$')
_COUNTY_LINE = re.compile(r'^\s+(\d{4}) county="([^"]*)"\s*$')
_PERIOD = re.compile(r"^\[(\d{4})?-(\d{4})?\](.+)$")

#: Prefecture-level entries that only group units and name no place.
PLACEHOLDER_PREFECTURES = frozenset({"市辖区", "县", "郊县"})

HEADER = ("code", "name", "province", "prefecture", "level", "start_year", "end_year")


@dataclass(frozen=True)
class Period:
    name: str
    start: int | None
    end: int | None


def parse_periods(text: str) -> list[Period]:
    """Split a loc.dat county value into its periods."""
    periods: list[Period] = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        match = _PERIOD.match(part)
        if match is None:
            if part.startswith("["):
                raise ValueError(f"malformed period: {part!r}")
            periods.append(Period(part, None, None))
            continue
        start_text, end_text, name = match.groups()
        start = int(start_text) if start_text else None
        end = int(end_text) if end_text else None
        if start is not None and end is not None and start > end:
            # e.g. "[1983-1982]郊区": renamed before the first (1983) list; start unknown
            start = None
        periods.append(Period(name, start, end))
    return periods


def parse_loc_dat(stream: TextIO) -> dict[str, tuple[str, dict[str, list[Period]]]]:
    """Return {province two-digit prefix: (province line name, {code: periods})}."""
    provinces: dict[str, tuple[str, dict[str, list[Period]]]] = {}
    current: str | None = None
    for lineno, raw in enumerate(stream, start=1):
        line = raw.rstrip("\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        province = _PROVINCE_LINE.match(line)
        if province is not None:
            current = province.group(1)
            provinces[current] = (province.group(2), {})
            continue
        county = _COUNTY_LINE.match(line)
        if county is None or current is None:
            raise ValueError(f"line {lineno}: cannot parse {line!r}")
        code = current + county.group(1)
        provinces[current][1].setdefault(code, []).extend(parse_periods(county.group(2)))
    return provinces


def level_of(code: str) -> str:
    if code.endswith("0000"):
        return "province"
    if code.endswith("00"):
        return "prefecture"
    return "county"


def name_at(periods: list[Period], year: int | None) -> str:
    """The name in force in ``year`` (None: the latest), else the latest name."""
    latest = max(periods, key=lambda p: (p.end is None, p.end or 0, p.start or 0))
    if year is None:
        return latest.name
    for period in reversed(periods):
        if (period.start is None or period.start <= year) and (
            period.end is None or year <= period.end
        ):
            return period.name
    return latest.name


def build_rows(provinces: dict[str, tuple[str, dict[str, list[Period]]]]) -> list[list[str]]:
    rows: list[list[str]] = []
    for prefix, (line_name, codes) in sorted(provinces.items()):
        own = codes.get(prefix + "0000")
        province_name = name_at(own, None) if own else line_name
        for code, periods in sorted(codes.items()):
            level = level_of(code)
            for period in sorted(periods, key=lambda p: (p.start or 0, p.end or 9999)):
                prefecture = ""
                parent = codes.get(code[:4] + "00")
                if level == "county" and parent:
                    prefecture = name_at(parent, period.end)
                    if prefecture in PLACEHOLDER_PREFECTURES or "直辖" in prefecture:
                        prefecture = ""
                rows.append(
                    [
                        code,
                        period.name,
                        province_name,
                        prefecture,
                        level,
                        "" if period.start is None else str(period.start),
                        "" if period.end is None else str(period.end),
                    ]
                )
    return rows


def write_csv(rows: list[list[str]], out: TextIO) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("loc_dat", type=Path, help="path to python-stdnum's stdnum/cn/loc.dat")
    parser.add_argument("-o", "--output", type=Path, help="CSV to write (default: stdout)")
    args = parser.parse_args(argv)
    with args.loc_dat.open(encoding="utf-8") as stream:
        rows = build_rows(parse_loc_dat(stream))
    if args.output is None:
        write_csv(rows, sys.stdout)
    else:
        with args.output.open("w", encoding="utf-8", newline="") as out:
            write_csv(rows, out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
