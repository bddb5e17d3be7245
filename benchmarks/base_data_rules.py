"""Benchmark of base-database load validation: ``validate_batch`` vs plain Polars.

Generates ``--rows`` population rows (default 1,000,000; the fields of
``spec.POPULATION``, all text, as a loader reads them) with Polars expressions:
valid GB 11643 identity numbers of Jining's counties, names, code-table values,
dates, phone numbers, and a few per cent of defects (wrong check characters,
impossible dates, codes not in the tables, empty required values, short phone
numbers …) plus harmless noise the loader normalises (surrounding spaces, a
lowercase ``x``, ``YYYY/M/D`` dates).

Then, per batch of ``--batch`` rows (default 100,000, the loader's batch), in
alternating order:

* **validate_batch**: the full validation (normalised valid rows, the error
  report with a reason per invalid value, the invalid rows for quarantine);
* **plain_polars_checks**: the same rules as bare Polars expressions giving one
  validity boolean per row, the baseline the issue compares with.

Both must agree on every row, and on a sample the identity numbers must get
the verdicts of the scalar ``is_valid_id_number``. Figures: rows/s of each, their ratio (the target
is ≥ 0.5) and the machine. Run ``python benchmarks/base_data_rules.py --help``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from smartcity.core.identifiers import division_codes, is_valid_id_number
from smartcity.domains.base_data.rules import ROW, plain_polars_checks, validate_batch
from smartcity.domains.base_data.spec import EDUCATION, ETHNICITY, MARITAL_STATUS, POPULATION

if __package__ in (None, ""):  # run as a script: the repository root is the import root
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.machine import machine as _machine

TODAY = date(2026, 1, 1)  # fixed, so that every run validates the same rows the same way
SURNAMES = list(
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕孔颜孟"
)
GIVEN = [
    "伟", "芳", "娜", "敏", "静", "磊", "强", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明",
    "超", "秀英", "丽", "霞", "平", "建华", "志强", "海燕", "庆", "振东", "德才", "子涵", "梓萱",
]  # fmt: skip
STREETS = ["太白楼路", "红星路", "共青团路", "建设路", "琵琶山路", "运河路", "车站西路", "火炬路"]
OCCUPATIONS = ["工人", "农民", "教师", "医生", "公务员", "个体经营者", "学生", "退休人员", ""]
DEFECTS = (
    "身份号码校验码错误",
    "身份号码出生日期不存在",
    "性别代码不在代码表中",
    "姓名为空",
    "出生日期不存在",
    "户籍地区划代码未知",
    "电话号码位数不对",
    "民族代码不在代码表中",
)


def _pick(options: Sequence[str], random: pl.Expr) -> pl.Expr:
    return pl.lit(pl.Series(list(options), dtype=pl.String)).gather(random % len(options))


def generate(rows: int, *, seed: int, defect_rate: float) -> pl.DataFrame:
    """``rows`` population rows, all ``pl.String``, with ``__row`` from 2 (after the header)."""
    regions = sorted(c for c in division_codes(current_only=True) if c.startswith("3708"))
    regions = [c for c in regions if not c.endswith("00")]
    index = pl.int_range(0, rows, dtype=pl.UInt64)

    def random(stream: int) -> pl.Expr:
        return index.hash(seed * 1_000 + stream)

    region = _pick(regions, random(1))
    birth = pl.date(1940, 1, 1) + pl.duration(days=(random(2) % 29_000).cast(pl.Int64))
    sequence = (random(3) % 1_000).cast(pl.String).str.zfill(3)
    body = pl.concat_str(region, birth.dt.to_string("%Y%m%d"), sequence)
    check = (1 - 2 * (body.str.to_integer(base=13) % 11)) % 11
    check_char = pl.when(check == 10).then(pl.lit("X")).otherwise(check.cast(pl.String))
    wrong_char = ((check + 1) % 10).cast(pl.String)
    defect = random(9) % 10_000
    kind = (random(10) % len(DEFECTS)).cast(pl.Int64)
    is_defect = defect < int(defect_rate * 10_000)

    def broken(k: int) -> pl.Expr:
        return is_defect & (kind == k)

    noise = random(11) % 100
    id_number = pl.concat_str(
        body,
        pl.when(broken(0)).then(wrong_char).otherwise(check_char),
    )
    id_number = (
        pl.when(broken(1))
        .then(pl.concat_str(id_number.str.slice(0, 10), pl.lit("0230"), id_number.str.slice(14)))
        .when(noise == 0)
        .then(pl.concat_str(pl.lit(" "), id_number.str.to_lowercase(), pl.lit(" ")))
        .otherwise(id_number)
    )
    gender = pl.when((random(3) % 2) == 1).then(pl.lit("1")).otherwise(pl.lit("2"))
    birth_iso = birth.dt.to_string("%Y-%m-%d")
    birth_text = (
        pl.when(broken(4))
        .then(pl.concat_str(birth.dt.year().cast(pl.String), pl.lit("-02-30")))
        .when(noise == 1)
        .then(birth.dt.to_string("%Y/%-m/%-d"))
        .otherwise(birth_iso)
    )
    phone = pl.concat_str(
        pl.lit("1"),
        (random(12) % 7 + 3).cast(pl.String),
        (random(13) % 1_000_000_000).cast(pl.String).str.zfill(9),
    )
    address = pl.concat_str(
        pl.lit("山东省济宁市"),
        _pick(STREETS, random(14)),
        (random(15) % 300 + 1).cast(pl.String),
        pl.lit("号"),
    )
    ethnicity = (
        pl.when(random(16) % 100 < 95)
        .then(pl.lit("01"))
        .otherwise(_pick(sorted(ETHNICITY), random(17)))
    )
    columns = {
        ROW: index.cast(pl.Int64) + 2,
        "公民身份号码": id_number,
        "姓名": pl.when(broken(3))
        .then(pl.lit(""))
        .otherwise(pl.concat_str(_pick(SURNAMES, random(4)), _pick(GIVEN, random(5)))),
        "性别": pl.when(broken(2)).then(pl.lit("3")).otherwise(gender),
        "出生日期": birth_text,
        "民族": pl.when(broken(7)).then(pl.lit("99")).otherwise(ethnicity),
        "户籍地行政区划代码": pl.when(broken(5)).then(pl.lit("379999")).otherwise(region),
        "户籍地址": address,
        "现住址": address,
        "联系电话": pl.when(broken(6)).then(phone.str.slice(0, 10)).otherwise(phone),
        "婚姻状况": _pick(sorted(MARITAL_STATUS), random(18)),
        "文化程度": _pick(sorted(EDUCATION), random(19)),
        "职业": _pick(OCCUPATIONS, random(20)),
    }
    frame = pl.select([expr.alias(name) for name, expr in columns.items()])
    return frame.with_columns(pl.exclude(ROW).cast(pl.String))


def check_sample(frame: pl.DataFrame, size: int = 2_000) -> None:
    """The generated identity numbers are what the scalar validator says they are."""
    sample = frame.head(size)
    result = validate_batch(sample, POPULATION.fields, today=TODAY)
    flagged = set(result.errors.filter(pl.col("column") == "公民身份号码")["row"].to_list())
    for row, number in sample.select(ROW, "公民身份号码").iter_rows():
        if (row in flagged) == is_valid_id_number(number, today=TODAY):
            raise AssertionError(f"row {row}: {number!r} judged unlike is_valid_id_number")


def measure(frame: pl.DataFrame, batch: int) -> dict[str, Any]:
    fields = POPULATION.fields
    warm = frame.head(min(batch, frame.height))
    validate_batch(warm, fields, today=TODAY)  # code tables, caches
    plain_polars_checks(warm, fields, today=TODAY)
    seconds = {"validate_batch": 0.0, "plain_polars_checks": 0.0}
    valid = errors = invalid = 0
    for number, start in enumerate(range(0, frame.height, batch)):
        part = frame.slice(start, batch)
        order = ("validate_batch", "plain_polars_checks")
        for name in order if number % 2 == 0 else order[::-1]:
            began = time.perf_counter()
            if name == "validate_batch":
                result = validate_batch(part, fields, today=TODAY)
            else:
                baseline = plain_polars_checks(part, fields, today=TODAY)
            seconds[name] += time.perf_counter() - began
        kept = set(result.valid[ROW].to_list())
        expected = set(baseline.filter(pl.col("valid"))[ROW].to_list())
        if kept != expected:
            raise AssertionError(
                f"batch at row {start}: the two disagree on {len(kept ^ expected)} rows"
            )
        if result.valid.height + result.invalid_rows.height != part.height:
            raise AssertionError(f"batch at row {start}: valid + invalid != rows")
        valid += result.valid.height
        invalid += result.invalid_rows.height
        errors += result.errors.height
    rows = frame.height
    return {
        "rows": rows,
        "batch": batch,
        "valid_rows": valid,
        "invalid_rows": invalid,
        "errors": errors,
        "validate_batch": {
            "seconds": seconds["validate_batch"],
            "rows_per_s": rows / seconds["validate_batch"],
        },
        "plain_polars_checks": {
            "seconds": seconds["plain_polars_checks"],
            "rows_per_s": rows / seconds["plain_polars_checks"],
        },
        "ratio": seconds["plain_polars_checks"] / seconds["validate_batch"],
    }


def machine() -> dict[str, Any]:
    return _machine(polars_threads=pl.thread_pool_size(), polars=pl.__version__)


def print_table(result: dict[str, Any]) -> None:
    m, r = result["machine"], result["result"]
    print()
    print(f"machine : {m['platform']}")
    print(
        f"cpu     : {m['cpu']} ({m['cores']} cores, {m['cores_usable']} usable, "
        f"{m['polars_threads']} Polars threads)"
    )
    print(
        "load    : "
        + " -> ".join(
            "/".join(f"{x:.2f}" for x in m[key])
            for key in ("load_average_at_start", "load_average_at_end")
        )
        + " (1/5/15-minute averages at start and end)"
    )
    print(f"python  : {m['python']}; Polars {m['polars']}")
    print()
    print(
        f"rows {r['rows']:,} in batches of {r['batch']:,}: {r['valid_rows']:,} valid, "
        f"{r['invalid_rows']:,} invalid, {r['errors']:,} errors reported"
    )
    header = f"{'':<22}{'seconds':>10}{'rows/s':>14}"
    print(header)
    print("-" * len(header))
    for name in ("validate_batch", "plain_polars_checks"):
        print(f"{name:<22}{r[name]['seconds']:>10.2f}{r[name]['rows_per_s']:>14,.0f}")
    met = "met" if r["ratio"] >= 0.5 else "MISSED"
    print(f"ratio validate_batch / plain_polars_checks: {r['ratio']:.2f} (target ≥ 0.5: {met})")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows (default 1,000,000)")
    parser.add_argument(
        "--batch", type=int, default=100_000, help="rows per batch (default 100,000)"
    )
    parser.add_argument(
        "--defects", type=float, default=0.03, help="share of defective rows (default 0.03)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="small run (20,000 rows, batches of 5,000)"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--json", type=Path, default=None, metavar="PATH", help="write the JSON result here"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.rows, args.batch = 20_000, 5_000
    if args.rows < 1 or args.batch < 1 or not 0 <= args.defects <= 1:
        parser.error("--rows and --batch must be positive, --defects within 0…1")
    return args


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    started = time.perf_counter()
    result: dict[str, Any] = {"machine": machine()}
    print(f"generating {args.rows:,} rows …", file=sys.stderr, flush=True)
    frame = generate(args.rows, seed=args.seed, defect_rate=args.defects)
    check_sample(frame)
    print(f"validating in batches of {args.batch:,} …", file=sys.stderr, flush=True)
    result["result"] = measure(frame, args.batch)
    result["machine"]["load_average_at_end"] = list(os.getloadavg())
    result["wall_seconds"] = time.perf_counter() - started
    print_table(result)
    payload = json.dumps(result, indent=2, ensure_ascii=False)
    if args.json is not None:
        args.json.write_text(payload + "\n", encoding="utf-8")
    else:
        print(payload)
    return result


if __name__ == "__main__":
    main()
