"""Vectorised validation of base-database load batches, as Polars expressions.

A loader reads a load file (CSV, XLSX, Parquet) in batches of about 100,000
rows: a :class:`polars.DataFrame` whose columns are ``pl.String`` named by
:attr:`FieldSpec.name` (the catalog item, the file's Chinese header), plus the
integer column ``__row`` (the row number in the file). :func:`validate_batch`
keeps the valid rows, normalised and renamed to :attr:`FieldSpec.column`,
reports every invalid value with a Chinese reason and returns the invalid rows
as read, for quarantine.

Everything is a Polars expression: no Python runs per row. The expression
builders (``*_invalid``) take the raw column, normalise it as the loader stores
it and are True where a **non-empty** value is invalid; emptiness (null, ``""``
or only whitespace) is :func:`required_missing`'s business. The rules:

- ``id_number_invalid``: GB 11643-1999 citizen identity number, exactly as
  :func:`smartcity.core.identifiers.validate_id_number` decides: 17 digits and a
  digit or ``X`` (a lowercase ``x`` is accepted and stored as ``X``, full-width
  characters are folded, inner whitespace removed, as the scalar validator
  normalises); birth date a real date from 1800-01-01 to ``today``; address code
  (positions 1–6) a GB/T 2260 code, abolished ones included; ISO 7064 MOD 11-2
  check character.
- ``credit_code_invalid``: GB 32100-2015 unified social credit code, exactly as
  :func:`smartcity.core.identifiers.validate_credit_code` decides in its default
  strict mode: 18 characters from ``0-9 A-Z`` without I, O, S, V, Z (lowercase
  accepted, stored upper-cased); registration authority and entity type a pair of
  :data:`~smartcity.core.identifiers.REGISTRATION_AUTHORITIES`; positions 3–8 a
  GB/T 2260 code or ``100000``; GB 11714-1997 organisation-code check at 17 and
  the MOD 31 check character at 18.
- ``division_invalid``: six digits known in GB/T 2260 (abolished codes included).
- ``date_invalid``: a real calendar date written ``YYYY-MM-DD`` (ISO 8601), or
  ``YYYYMMDD``, or ``YYYY/MM/DD``; month and day may be unpadded in the separated
  forms (``1985/2/3``, as Excel shows dates in a Chinese locale). Stored as
  ``YYYY-MM-DD``.
- ``datetime_invalid``: such a date (separated form), a space or ``T``, ``HH:MM``
  or ``HH:MM:SS``; local time (Asia/Shanghai), no offset, no fraction of a
  second (the tables store seconds). Stored as ``YYYY-MM-DD HH:MM:SS``.
- ``integer_invalid`` (optional sign, digits, 64-bit; stored canonically),
  ``decimal_invalid`` (plain decimal, no exponent, no thousands separators),
  ``boolean_invalid`` (是/否, true/false in any case, 1/0; stored ``1``/``0``),
  ``max_length_invalid`` (characters, not bytes), ``phone_invalid`` (a mobile
  number ``1[3-9]`` and 9 digits, optionally ``+86``, or a fixed line with its
  area code), ``longitude_invalid`` / ``latitude_invalid`` (plain decimal within
  −180…180 / −90…90), ``enumeration_invalid`` (one of the code table's codes) and
  ``geometry_invalid`` (a light WKT check: an OGC simple-feature keyword, then
  parentheses, balanced in number, or ``EMPTY``; nesting order is not checked).

Every value first loses its surrounding whitespace (Python's ``str.isspace``
characters, as the scalar validators strip). Only identity numbers and credit
codes are folded (NFKC) and upper-cased: other text is stored as written. The
identifier rules give the scalar validators' verdict on every value (the tests
check it on generated values); where a report differs it is only the reason
for an 18-character value with inner whitespace (here the character, there
the length), and characters whose NFKC folding differs between Python's and
Rust's Unicode versions.

Speed. :func:`validate_batch` runs one lazy query whose stages are columns
(stripped text, normalised text, one "invalid" flag per field from compact
expressions: a regular expression for the form, ``is_in`` hash lookups for code
tables, birth dates and GB/T 2260 codes, check characters as integer
arithmetic: base 13 for GB 11643, base 35 for GB 11714, a byte table and one
dot product for GB 32100). Only the rows some flag marks are examined again,
check by check, to write the reasons. The compiled expressions of a list of
fields are cached, so a load builds them once. :func:`plain_polars_checks` is
the same rules as bare expressions that only say whether a row is valid: the
baseline ``benchmarks/base_data_rules.py`` compares :func:`validate_batch` with.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache, reduce
from typing import Final

import polars as pl

from smartcity.core.identifiers import (
    CREDIT_CHARSET,
    NATIONAL_REGION_CODE,
    REGISTRATION_AUTHORITIES,
    division_codes,
)
from smartcity.core.identifiers.credit_code import CREDIT_WEIGHTS
from smartcity.core.identifiers.id_number import MIN_BIRTH_YEAR
from smartcity.domains.base_data.spec import (
    CREDIT_RECORD_TYPE,
    EDUCATION,
    ENTITY_STATUS,
    ENTITY_TYPE,
    ETHNICITY,
    GENDER,
    IDENTIFIER_RULES,
    MARITAL_STATUS,
    PERIOD_KIND,
    FieldRule,
    FieldSpec,
    FieldType,
)

__all__ = [
    "ERROR_SCHEMA",
    "REQUIRED_REASON",
    "ROW",
    "WHITESPACE",
    "BatchResult",
    "boolean_invalid",
    "credit_code_invalid",
    "date_invalid",
    "datetime_invalid",
    "decimal_invalid",
    "division_invalid",
    "enumeration_invalid",
    "geometry_invalid",
    "id_number_invalid",
    "id_or_credit_code_invalid",
    "integer_invalid",
    "latitude_invalid",
    "longitude_invalid",
    "max_length_invalid",
    "normalise_expr",
    "phone_invalid",
    "plain_polars_checks",
    "required_missing",
    "validate_batch",
]

#: The row-number column of a batch (the row in the load file).
ROW: Final = "__row"
#: Schema of :attr:`BatchResult.errors`.
ERROR_SCHEMA: Final = pl.Schema(
    {"row": pl.Int64, "column": pl.String, "value": pl.String, "reason": pl.String}
)
#: The characters Python's ``str.isspace`` (and so ``str.strip``) treats as
#: whitespace; the scalar validators strip these, so the loader does too.
WHITESPACE: Final = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_WHITESPACE_CLASS: Final = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in WHITESPACE) + "]"

REQUIRED_REASON: Final = "必填项为空"

# ------------------------------------------------------------------ patterns and tables

_ID_FORM: Final = r"^[0-9]{17}[0-9X]$"
_CREDIT_CLASS: Final = "[" + CREDIT_CHARSET + "]"
_CREDIT_PAIRS: Final = sorted(
    code + kind for code, a in REGISTRATION_AUTHORITIES.items() for kind in a.entity_types
)
#: Length, alphabet, authority/entity-type pair and six digits at 3–8 in one pattern.
_CREDIT_FORM: Final = "^(?:" + "|".join(_CREDIT_PAIRS) + ")[0-9]{6}" + _CREDIT_CLASS + "{10}$"
#: GB 32100 weights for positions 1..17, and 1 for the check character: a code
#: is consistent when the weighted sum of all 18 values is 0 modulo 31.
_CREDIT_WEIGHTS_18: Final = (*CREDIT_WEIGHTS, 1)
#: The same without the check character: its expected value is ``(31 − sum) mod 31``.
_CREDIT_WEIGHTS_17: Final = (*CREDIT_WEIGHTS, 0)
_DATE_FORM: Final = r"^[0-9]{4}(?:-[0-9]{1,2}-[0-9]{1,2}|/[0-9]{1,2}/[0-9]{1,2}|[0-9]{4})$"
_DATE_PARTS: Final = r"^([0-9]{4})[-/]?([0-9]{1,2})[-/]?([0-9]{1,2})$"
_DATETIME_FORM: Final = (
    r"^[0-9]{4}(?:-[0-9]{1,2}-[0-9]{1,2}|/[0-9]{1,2}/[0-9]{1,2})[ T]"
    r"[0-9]{1,2}:[0-5][0-9](?::[0-5][0-9])?$"
)
_INTEGER_FORM: Final = r"^[+-]?[0-9]+$"
_DECIMAL_FORM: Final = r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$"
_THOUSANDS_FORM: Final = r"^[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?$"
_MOBILE: Final = r"(?:\+?86[- ]?)?1[3-9][0-9](?:[- ]?[0-9]{4}){2}"
_AREA_CODE: Final = r"0(?:[12][0-9]|[3-9][0-9]{2})"
_FIXED_LINE: Final = (
    rf"(?:{_AREA_CODE}[- ]?|\({_AREA_CODE}\)\s?)[2-9][0-9]{{6,7}}(?:-[0-9]{{1,6}})?"
)
_PHONE_FORM: Final = rf"^(?:{_MOBILE}|{_FIXED_LINE})$"
_WKT_FORM: Final = (
    r"(?is)^(?:POINT|LINESTRING|POLYGON|MULTIPOINT|MULTILINESTRING|MULTIPOLYGON"
    r"|GEOMETRYCOLLECTION)\s*(?:ZM|Z|M)?\s*(?:\(.*\)|EMPTY)$"
)
_BOOLEANS: Final = {"是": "1", "否": "0", "true": "1", "false": "0", "1": "1", "0": "0"}

#: Names of the code tables in ``spec`` for the report ("不在代码表中：3（性别代码 …）").
_CODE_TABLE_LABELS: Final[tuple[tuple[dict[str, str], str], ...]] = (
    (GENDER, "性别代码 GB/T 2261.1"),
    (MARITAL_STATUS, "婚姻状况代码 GB/T 2261.2"),
    (EDUCATION, "学历代码 GB/T 4658"),
    (ETHNICITY, "民族代码 GB/T 3304"),
    (ENTITY_TYPE, "市场主体类型代码"),
    (ENTITY_STATUS, "登记状态代码"),
    (CREDIT_RECORD_TYPE, "信用记录类型代码"),
    (PERIOD_KIND, "统计期类型代码"),
)


@lru_cache(maxsize=1)
def _divisions() -> pl.Series:
    """GB/T 2260 codes, abolished ones included, as a one-row list for ``is_in``."""
    return pl.Series(sorted(division_codes()), dtype=pl.String).implode()


@lru_cache(maxsize=1)
def _credit_regions() -> pl.Series:
    """Codes allowed at positions 3–8 of a credit code: GB/T 2260 and ``100000``."""
    codes = sorted(division_codes() | {NATIONAL_REGION_CODE})
    return pl.Series(codes, dtype=pl.String).implode()


@lru_cache(maxsize=4)
def _birth_dates(today: date) -> pl.Series:
    """Every ``YYYYMMDD`` (an integer) from 1800-01-01 to ``today``.

    A birth date is valid when it is one of them: a real date, not too early, not
    in the future. Hashing 80,000 integers is cheaper than date arithmetic.
    """
    days = pl.date_range(date(MIN_BIRTH_YEAR, 1, 1), today, "1d", eager=True)
    return days.dt.to_string("%Y%m%d").cast(pl.Int64).implode()


@lru_cache(maxsize=1)
def _credit_values() -> pl.Series:
    """Byte value → GB 32100 character value (0 for bytes outside the alphabet)."""
    table = [0] * 256
    for value, char in enumerate(CREDIT_CHARSET):
        table[ord(char)] = value
    return pl.Series(table, dtype=pl.Int64)


@lru_cache(maxsize=1)
def _check_values() -> pl.Series:
    """Byte value → value of an ISO 7064 MOD 11 check character (``X`` is 10), else null."""
    table: list[int | None] = [None] * 256
    for value, char in enumerate("0123456789X"):
        table[ord(char)] = value
    return pl.Series(table, dtype=pl.Int64)


def _codes(codes: Collection[str]) -> pl.Series:
    return pl.Series(sorted(codes), dtype=pl.String).implode()


def _code_table_label(spec: FieldSpec) -> str:
    for table, label in _CODE_TABLE_LABELS:
        if spec.enumeration is table or spec.enumeration == table:
            return label
    return f"{spec.name}代码表"


# ------------------------------------------------------------------ expression helpers


def _expr(col: str | pl.Expr) -> pl.Expr:
    return pl.col(col) if isinstance(col, str) else col


def _lit(value: str | pl.Expr) -> pl.Expr:
    return pl.lit(value, dtype=pl.String) if isinstance(value, str) else value


def _format(template: str, *values: pl.Expr) -> pl.Expr:
    """``template`` with each ``{}`` replaced by a value, as one ``concat_str``.

    (Not ``pl.format``: in Polars 2.1 its streaming kernel panics on a filtered
    multi-chunk column, which the error report meets.)
    """
    pieces = template.split("{}")
    if len(pieces) != len(values) + 1:
        raise ValueError(f"{template!r} needs {len(pieces) - 1} values")
    parts: list[pl.Expr] = [pl.lit(pieces[0], dtype=pl.String)]
    for value, piece in zip(values, pieces[1:], strict=True):
        parts += [value.cast(pl.String), pl.lit(piece, dtype=pl.String)]
    return pl.concat_str(parts)


def _any(masks: Sequence[pl.Expr]) -> pl.Expr:
    return reduce(lambda a, b: a | b, masks)


def _int(flag: pl.Expr) -> pl.Expr:
    return flag.cast(pl.Int64)


def _strip(raw: pl.Expr) -> pl.Expr:
    return raw.cast(pl.String).str.strip_chars(WHITESPACE)


def _prepare_text(stripped: pl.Expr) -> pl.Expr:
    """A stripped value, null when empty."""
    return pl.when(stripped.str.len_bytes() > 0).then(stripped)


def _prepare_identifier(stripped: pl.Expr) -> pl.Expr:
    """A stripped identity number or credit code as the scalar validators normalise it.

    A value that is not 18 ASCII characters is folded (NFKC) and loses its inner
    whitespace; every value is upper-cased; null when empty. (The scalar
    validators remove inner whitespace from an 18-character value too, making it
    too short: here it stays and fails the form check. Invalid either way.)
    """
    irregular = (stripped.str.len_bytes() != 18) | (stripped.str.len_chars() != 18)
    folded = stripped.str.normalize("NFKC").str.replace_all(_WHITESPACE_CLASS, "")
    return (
        pl.when(stripped.str.len_bytes() == 0)
        .then(None)
        .when(irregular)
        .then(folded)
        .otherwise(stripped)
        .str.to_uppercase()
    )


def _first_outside(text: pl.Expr, char_class: str) -> pl.Expr:
    """1-based position of the first character of ``text`` outside ``char_class``."""
    return text.str.extract(f"^({char_class}*)", 1).str.len_chars().cast(pl.Int64) + 1


def _days_in_month(year: pl.Expr, month: pl.Expr) -> pl.Expr:
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    return pl.when(month == 2).then(28 + _int(leap)).otherwise(30 + (month + month // 8) % 2)


def _iso_from_parts(year: pl.Expr, month: pl.Expr, day: pl.Expr) -> pl.Expr:
    return pl.concat_str(year, pl.lit("-"), month.str.zfill(2), pl.lit("-"), day.str.zfill(2))


# ------------------------------------------------------------------ checks


@dataclass(frozen=True, slots=True)
class _Checks:
    """The checks of one column, over its normalised non-null text.

    ``invalid`` is the compact mask the whole batch is filtered with;
    ``steps`` are the same checks broken down, most specific order first,
    ``(failed, reason)``: a step is evaluated only where the steps before it
    passed, and only on the rows ``invalid`` selected.
    """

    invalid: pl.Expr
    steps: tuple[tuple[pl.Expr, pl.Expr], ...]


def _checks(invalid: pl.Expr, *steps: tuple[pl.Expr | None, str | pl.Expr]) -> _Checks:
    """``invalid`` and its steps; a step without a condition is "``invalid`` holds".

    Every step must be a real failure condition, not a catch-all, because the
    steps of a field's checks are chained one after the other.
    """
    return _Checks(
        invalid,
        tuple((invalid if failed is None else failed, _lit(reason)) for failed, reason in steps),
    )


def _combine(parts: Sequence[_Checks]) -> _Checks:
    return _Checks(_any([p.invalid for p in parts]), tuple(step for p in parts for step in p.steps))


def _first_failing(steps: Sequence[tuple[pl.Expr, pl.Expr]], fallback: str) -> pl.Expr:
    """The reason of the first failing step (``fallback`` if none fails)."""
    reason = pl.lit(fallback, dtype=pl.String)
    for failed, message in reversed(steps):
        reason = pl.when(failed).then(message).otherwise(reason)
    return reason


def _id_body(text: pl.Expr) -> pl.Expr:
    """The 17-digit body read in base 13, modulo 11.

    With the GB 11643 weights Wᵢ = 2^(18−i) mod 11 and 13 ≡ 2 (mod 11),
    Σ aᵢWᵢ ≡ 2·int(body, 13) (mod 11): one integer parse instead of 17 digits.
    """
    return text.str.slice(0, 17).str.to_integer(base=13, strict=False) % 11


def _check_value(text: pl.Expr, position: int) -> pl.Expr:
    """The value of the MOD 11 check character at ``position`` (1-based), else null."""
    code = text.cast(pl.Binary).bin.get(position - 1, null_on_oob=True)
    return pl.lit(_check_values()).gather(code)


def _check_char(value: pl.Expr) -> pl.Expr:
    """A MOD 11 check value 0–10 as its character (10 is ``X``)."""
    return pl.when(value == 10).then(pl.lit("X")).otherwise(value.cast(pl.String))


def _id_checks(text: pl.Expr, today: date) -> _Checks:
    form = text.str.contains(_ID_FORM)
    birth = text.str.slice(6, 8).str.to_integer(strict=False)
    region = text.str.slice(0, 6)
    # all 18 characters weighted: Σ ≡ 1 (mod 11) when the check character is right
    consistent = ((2 * _id_body(text) + _check_value(text, 18)) % 11 == 1).fill_null(False)
    valid = form & birth.is_in(_birth_dates(today)) & region.is_in(_divisions()) & consistent
    length = text.str.len_chars()
    position = _first_outside(text, "[0-9]")
    at = text.str.slice(position - 1, 1)
    form_reason = (
        pl.when(position == 18)
        .then(pl.lit("公民身份号码第18位应为数字或X"))
        .when(at == "X")
        .then(_format("公民身份号码第{}位不能为X，X只能出现在第18位", position))
        .otherwise(_format("公民身份号码第{}位应为数字", position))
    )
    year = text.str.slice(6, 4).str.to_integer(strict=False)
    month = text.str.slice(10, 2).str.to_integer(strict=False)
    day = text.str.slice(12, 2).str.to_integer(strict=False)
    iso = _iso_from_parts(text.str.slice(6, 4), text.str.slice(10, 2), text.str.slice(12, 2))
    return _checks(
        ~valid,
        (length != 18, _format("公民身份号码应为18位，实为{}位", length)),
        (~form, form_reason),
        (
            year < MIN_BIRTH_YEAR,
            _format(f"公民身份号码出生年份不合理（早于{MIN_BIRTH_YEAR}年）：{{}}", year),
        ),
        ((month < 1) | (month > 12), _format("公民身份号码出生月份无效：{}", month)),
        (
            (day < 1) | (day > _days_in_month(year, month)),
            _format("公民身份号码出生日期不存在：{}", iso),
        ),
        (
            birth > int(today.strftime("%Y%m%d")),
            _format("公民身份号码出生日期晚于今天：{}", iso),
        ),
        (
            ~region.is_in(_divisions()),
            _format("公民身份号码前6位地址码不是有效的行政区划代码：{}", region),
        ),
        (
            ~consistent,
            _format("公民身份号码校验码错误：应为 {}", _check_char((1 - 2 * _id_body(text)) % 11)),
        ),
    )


def _credit_sum(text: pl.Expr, weights: tuple[int, ...]) -> pl.Expr:
    """Σ of the 18 GB 32100 character values × ``weights``, modulo 31.

    The characters are read as bytes (an ``Array(UInt8, 18)``), mapped to their
    values through a 256-entry table and weighted with one dot product. Values of
    another length count as 18 zeros (the form check rejects them).
    """
    safe = pl.when(text.str.len_bytes() == 18).then(text).otherwise(pl.lit("0" * 18))
    codes = safe.cast(pl.Binary).bin.reinterpret(dtype=pl.Array(pl.UInt8, 18))
    values = pl.lit(_credit_values()).gather(codes.arr.explode()).reshape((-1, 18))
    return values.arr.dot(list(weights)) % 31


def _organization_body(text: pl.Expr) -> pl.Expr:
    """Positions 9–16 read in base 35, so that 2 × it ≡ the GB 11714 weighted sum (mod 11).

    The weights 3 7 9 10 5 8 4 2 are 2·35^(8−k) mod 11 and the credit alphabet
    has no Z, so base 35 reads every character with its GB 11714 value (A=10 …).
    """
    return text.str.slice(8, 8).str.to_integer(base=35, strict=False) % 11


def _credit_checks(text: pl.Expr, *, strict: bool = True) -> _Checks:
    form = text.str.contains(_CREDIT_FORM)
    region = text.str.slice(2, 6)
    # GB 11714: the check character at 17 is 11 − Σ mod 11 (10 is X, 11 is 0)
    check_17 = (2 * _organization_body(text) + _check_value(text, 17)) % 11
    organization_ok = (check_17 == 0).fill_null(False)  # null: not a digit or X
    check_ok = _credit_sum(text, _CREDIT_WEIGHTS_18) == 0
    valid = form & region.is_in(_credit_regions()) & check_ok
    if strict:
        valid = valid & organization_ok
    length = text.str.len_chars()
    position = _first_outside(text, _CREDIT_CLASS)
    at = text.str.slice(position - 1, 1)
    charset_reason = (
        pl.when(at.is_in(["I", "O", "S", "V", "Z"]))
        .then(_format("统一社会信用代码含有不允许的字母 I/O/S/V/Z（第{}位）", position))
        .otherwise(_format("统一社会信用代码第{}位含有不允许的字符", position))
    )
    first, second = text.str.slice(0, 1), text.str.slice(1, 1)
    authority_names = {code: a.name for code, a in REGISTRATION_AUTHORITIES.items()}
    authority = first.replace_strict(authority_names, default=None, return_dtype=pl.String)
    region_position = _first_outside(region, "[0-9]") + 2
    expected_value = (31 - _credit_sum(text, _CREDIT_WEIGHTS_17)) % 31
    expected_char = expected_value.replace_strict(
        dict(enumerate(CREDIT_CHARSET)), default=None, return_dtype=pl.String
    )
    steps: list[tuple[pl.Expr, str | pl.Expr]] = [
        (length != 18, _format("统一社会信用代码应为18位，实为{}位", length)),
        (~text.str.contains(f"^{_CREDIT_CLASS}*$"), charset_reason),
        (
            authority.is_null(),
            _format("统一社会信用代码第1位登记管理部门代码无效：{}", first),
        ),
        (
            ~text.str.slice(0, 2).is_in(_CREDIT_PAIRS),
            _format(
                "统一社会信用代码第2位机构类别代码对登记管理部门“{}”无效：{}", authority, second
            ),
        ),
        (
            ~region.str.contains("^[0-9]{6}$"),
            _format("统一社会信用代码第{}位应为数字（行政区划码）", region_position),
        ),
        (
            ~region.is_in(_credit_regions()),
            _format("统一社会信用代码第3至8位不是有效的行政区划代码：{}", region),
        ),
    ]
    if strict:
        steps.append(
            (
                ~organization_ok,
                _format(
                    "统一社会信用代码第17位（组织机构代码校验码）错误：应为 {}",
                    _check_char((11 - 2 * _organization_body(text)) % 11),
                ),
            )
        )
    steps.append((~check_ok, _format("统一社会信用代码校验码错误：应为 {}", expected_char)))
    return _checks(~valid, *steps)


def _id_or_credit_checks(text: pl.Expr, today: date) -> _Checks:
    """Valid as either identifier. The report follows the identity-number rules
    when the value looks like one (17 digits and a digit or X, positions 1–6 a
    GB/T 2260 code), the credit-code rules otherwise."""
    person, organization = _id_checks(text, today), _credit_checks(text)
    length = text.str.len_chars()
    looks_like_id = text.str.contains(_ID_FORM) & text.str.slice(0, 6).is_in(_divisions())
    invalid = person.invalid & organization.invalid
    return _checks(
        invalid,
        (
            length != 18,
            _format("应为18位公民身份号码或统一社会信用代码，实为{}位", length),
        ),
        (looks_like_id & invalid, _first_failing(person.steps, "公民身份号码无效")),
        (None, _first_failing(organization.steps, "统一社会信用代码无效")),
    )


def _division_checks(text: pl.Expr) -> _Checks:
    return _checks(
        ~text.is_in(_divisions()),
        (~text.str.contains("^[0-9]{6}$"), "行政区划代码应为6位数字"),
        (None, "不是有效的行政区划代码"),
    )


def _enumeration_checks(text: pl.Expr, codes: Collection[str], label: str) -> _Checks:
    return _checks(
        ~text.is_in(_codes(codes)),
        (None, _format(f"不在代码表中：{{}}（{label}）", text)),
    )


def _date_parsed(text: pl.Expr) -> pl.Expr:
    """The date of a ``_DATE_FORM`` text (null when it does not exist)."""
    dashed = (
        pl.when(text.str.contains("^[0-9]{8}$"))
        .then(
            pl.concat_str(
                text.str.slice(0, 4),
                pl.lit("-"),
                text.str.slice(4, 2),
                pl.lit("-"),
                text.str.slice(6, 2),
            )
        )
        .otherwise(text.str.replace_all("/", "-", literal=True))
    )
    return dashed.str.to_date("%Y-%m-%d", strict=False)


def _date_checks(text: pl.Expr) -> _Checks:
    form = text.str.contains(_DATE_FORM)
    exists = _date_parsed(text).is_not_null() & ~text.str.starts_with("0000")
    iso = _iso_from_parts(
        text.str.extract(_DATE_PARTS, 1),
        text.str.extract(_DATE_PARTS, 2),
        text.str.extract(_DATE_PARTS, 3),
    )
    return _checks(
        ~(form & exists),
        (~form, "日期格式应为 YYYY-MM-DD（也接受 YYYYMMDD、YYYY/MM/DD）"),
        (~exists, _format("日期不存在：{}", iso)),
    )


def _datetime_parsed(text: pl.Expr) -> pl.Expr:
    """The date-time of a ``_DATETIME_FORM`` text (null when it does not exist)."""
    full = (
        pl.when(text.str.count_matches(":", literal=True) == 1).then(text + ":00").otherwise(text)
    )
    spaced = full.str.replace_all("/", "-", literal=True).str.replace("T", " ", literal=True)
    return spaced.str.to_datetime("%Y-%m-%d %H:%M:%S", time_unit="us", strict=False)


def _datetime_checks(text: pl.Expr) -> _Checks:
    form = text.str.contains(_DATETIME_FORM)
    exists = _datetime_parsed(text).is_not_null() & ~text.str.starts_with("0000")
    return _checks(
        ~(form & exists),
        (~form, "日期时间格式应为 YYYY-MM-DD HH:MM:SS"),
        (~exists, _format("日期时间不存在：{}", text)),
    )


def _integer_checks(text: pl.Expr) -> _Checks:
    return _checks(
        text.str.to_integer(strict=False).is_null(),
        (~text.str.contains(_INTEGER_FORM), "不是整数"),
        (None, "整数超出范围（64位）"),
    )


def _decimal_checks(text: pl.Expr) -> _Checks:
    return _checks(
        ~text.str.contains(_DECIMAL_FORM),
        (text.str.contains(_THOUSANDS_FORM), "数字不能含千位分隔符"),
        (None, "不是有效的数字（应为十进制数，如 1234.5）"),
    )


def _boolean_checks(text: pl.Expr) -> _Checks:
    return _checks(
        ~text.str.to_lowercase().is_in(list(_BOOLEANS)),
        (None, "不是有效的是否值（是/否、true/false 或 1/0）"),
    )


def _max_length_checks(text: pl.Expr, limit: int) -> _Checks:
    length = text.str.len_chars()
    return _checks(
        length > limit,
        (None, _format(f"超过最大长度 {limit} 个字符（实际 {{}}）", length)),
    )


def _phone_checks(text: pl.Expr) -> _Checks:
    return _checks(
        ~text.str.contains(_PHONE_FORM),
        (None, "不是有效的电话号码（11位手机号码或带区号的固定电话）"),
    )


def _coordinate_checks(text: pl.Expr, limit: int, label: str) -> _Checks:
    inside = text.cast(pl.Float64, strict=False).is_between(-limit, limit)
    return _checks(
        ~(text.str.contains(_DECIMAL_FORM) & inside),
        (~text.str.contains(_DECIMAL_FORM), f"{label}不是有效的十进制度数"),
        (None, f"{label}超出范围（-{limit}～{limit}）"),
    )


def _geometry_checks(text: pl.Expr) -> _Checks:
    balanced = text.str.count_matches("(", literal=True) == text.str.count_matches(
        ")", literal=True
    )
    form = text.str.contains(_WKT_FORM)
    return _checks(
        ~(form & balanced),
        (
            ~form,
            "不是有效的 WKT 几何（应以 POINT、LINESTRING、POLYGON、MULTIPOINT、"
            "MULTILINESTRING、MULTIPOLYGON 或 GEOMETRYCOLLECTION 开头，后接括号或 EMPTY）",
        ),
        (None, "WKT 几何的括号不配对"),
    )


# ------------------------------------------------------------------ public expression builders


def _today(today: date | None) -> date:
    return today if today is not None else date.today()


def _invalid(
    col: str | pl.Expr,
    checks: Callable[[pl.Expr], _Checks],
    prepare: Callable[[pl.Expr], pl.Expr] = _prepare_text,
) -> pl.Expr:
    """True where the raw ``col``, once prepared, is not empty and fails ``checks``."""
    text = prepare(_strip(_expr(col)))
    return pl.when(text.is_null()).then(False).otherwise(checks(text).invalid.fill_null(True))


def required_missing(col: str | pl.Expr) -> pl.Expr:
    """True where the value is empty: null, ``""`` or only whitespace."""
    return _strip(_expr(col)).fill_null("").str.len_bytes() == 0


def id_number_invalid(col: str | pl.Expr, *, today: date | None = None) -> pl.Expr:
    """GB 11643-1999 citizen identity number (see the module docstring).

    Agrees with ``not is_valid_id_number(value, today=today)`` on every
    non-empty value; ``today`` defaults to the system date.
    """
    day = _today(today)
    return _invalid(col, lambda t: _id_checks(t, day), _prepare_identifier)


def credit_code_invalid(col: str | pl.Expr, *, strict: bool = True) -> pl.Expr:
    """GB 32100-2015 unified social credit code (see the module docstring).

    Agrees with ``not is_valid_credit_code(value, strict=strict)`` on every
    non-empty value. ``strict`` (the scalar default, and what
    :func:`validate_batch` applies) includes the GB 11714 organisation-code
    check at position 17.
    """
    return _invalid(col, lambda t: _credit_checks(t, strict=strict), _prepare_identifier)


def id_or_credit_code_invalid(col: str | pl.Expr, *, today: date | None = None) -> pl.Expr:
    """Neither a valid identity number nor a valid (strict) credit code."""
    day = _today(today)
    return _invalid(col, lambda t: _id_or_credit_checks(t, day), _prepare_identifier)


def division_invalid(col: str | pl.Expr) -> pl.Expr:
    """Not a six-digit GB/T 2260 code (abolished codes are accepted)."""
    return _invalid(col, _division_checks)


def enumeration_invalid(col: str | pl.Expr, codes: Collection[str]) -> pl.Expr:
    """Not one of ``codes`` (a code table's keys; exact match after stripping)."""
    return _invalid(col, lambda t: _enumeration_checks(t, codes, ""))


def date_invalid(col: str | pl.Expr) -> pl.Expr:
    """Not a real date written YYYY-MM-DD, YYYYMMDD or YYYY/MM/DD (ISO 8601 stored)."""
    return _invalid(col, _date_checks)


def datetime_invalid(col: str | pl.Expr) -> pl.Expr:
    """Not a real local date and time ``YYYY-MM-DD HH:MM[:SS]`` (or ``T``, or ``/``)."""
    return _invalid(col, _datetime_checks)


def integer_invalid(col: str | pl.Expr) -> pl.Expr:
    """Not an optionally signed decimal integer within 64 bits."""
    return _invalid(col, _integer_checks)


def decimal_invalid(col: str | pl.Expr) -> pl.Expr:
    """Not a plain decimal number (no exponent, no thousands separators)."""
    return _invalid(col, _decimal_checks)


def boolean_invalid(col: str | pl.Expr) -> pl.Expr:
    """Not one of 是/否, true/false (any case), 1/0."""
    return _invalid(col, _boolean_checks)


def max_length_invalid(col: str | pl.Expr, limit: int) -> pl.Expr:
    """Longer than ``limit`` characters (not bytes) once stripped."""
    return _invalid(col, lambda t: _max_length_checks(t, limit))


def phone_invalid(col: str | pl.Expr) -> pl.Expr:
    """Neither a mobile number (``1[3-9]`` + 9 digits, optionally ``+86``, spaces or
    hyphens as 3-4-4) nor a fixed line with its area code (``0537-2345678``,
    ``(010)62345678``, an extension ``-123`` allowed)."""
    return _invalid(col, _phone_checks)


def longitude_invalid(col: str | pl.Expr) -> pl.Expr:
    """Not a plain decimal number of degrees within −180…180."""
    return _invalid(col, lambda t: _coordinate_checks(t, 180, "经度"))


def latitude_invalid(col: str | pl.Expr) -> pl.Expr:
    """Not a plain decimal number of degrees within −90…90."""
    return _invalid(col, lambda t: _coordinate_checks(t, 90, "纬度"))


def geometry_invalid(col: str | pl.Expr) -> pl.Expr:
    """Not WKT at a glance: an OGC simple-feature keyword (optionally Z/M/ZM),
    then parentheses equal in number, or ``EMPTY``."""
    return _invalid(col, _geometry_checks)


# ------------------------------------------------------------------ fields


@dataclass(frozen=True, slots=True)
class _Plan:
    """How one field is read, checked and stored."""

    spec: FieldSpec
    prepare: Callable[[pl.Expr], pl.Expr]  # stripped value -> text (null when empty)
    checks: Callable[[pl.Expr], _Checks]  # text -> its checks
    store: Callable[[pl.Expr], pl.Expr]  # text of a valid value -> stored form


def _same(text: pl.Expr) -> pl.Expr:
    return text


def _store_date(text: pl.Expr) -> pl.Expr:
    iso = (text.str.len_bytes() == 10) & ~text.str.contains("/", literal=True)
    return pl.when(iso).then(text).otherwise(_date_parsed(text).dt.to_string("%Y-%m-%d"))


def _store_datetime(text: pl.Expr) -> pl.Expr:
    return _datetime_parsed(text).dt.to_string("%Y-%m-%d %H:%M:%S")


def _store_integer(text: pl.Expr) -> pl.Expr:
    return text.str.to_integer(strict=False).cast(pl.String)


def _store_boolean(text: pl.Expr) -> pl.Expr:
    return text.str.to_lowercase().replace_strict(_BOOLEANS, default=None, return_dtype=pl.String)


_TYPE_CHECKS: Final[dict[FieldType, Callable[[pl.Expr], _Checks]]] = {
    FieldType.integer: _integer_checks,
    FieldType.decimal: _decimal_checks,
    FieldType.date: _date_checks,
    FieldType.datetime: _datetime_checks,
    FieldType.boolean: _boolean_checks,
    FieldType.geometry: _geometry_checks,
}
_STORES: Final[dict[FieldType, Callable[[pl.Expr], pl.Expr]]] = {
    FieldType.integer: _store_integer,
    FieldType.date: _store_date,
    FieldType.datetime: _store_datetime,
    FieldType.boolean: _store_boolean,
}
_NO_CHECKS: Final = _Checks(pl.lit(False), ())


def _length_limit(spec: FieldSpec) -> int | None:
    """``spec.max_length``, unless the rule already implies it (identifiers are 18)."""
    if spec.max_length is not None and spec.rule in IDENTIFIER_RULES and spec.max_length >= 18:
        return None
    return spec.max_length


def _plan(spec: FieldSpec, today: date) -> _Plan:
    """The field's checks in report order: its type, its rule, its length."""
    parts: list[Callable[[pl.Expr], _Checks]] = []
    if spec.type in _TYPE_CHECKS:
        parts.append(_TYPE_CHECKS[spec.type])
    rule = spec.rule
    if rule is FieldRule.id_number:
        parts.append(lambda t: _id_checks(t, today))
    elif rule is FieldRule.credit_code:
        parts.append(_credit_checks)
    elif rule is FieldRule.id_or_credit_code:
        parts.append(lambda t: _id_or_credit_checks(t, today))
    elif rule is FieldRule.division:
        parts.append(_division_checks)
    elif rule is FieldRule.enumeration:
        label = _code_table_label(spec)
        parts.append(lambda t: _enumeration_checks(t, spec.enumeration, label))
    elif rule is FieldRule.phone:
        parts.append(_phone_checks)
    elif rule in (FieldRule.longitude, FieldRule.latitude):
        limit, name = (180, "经度") if rule is FieldRule.longitude else (90, "纬度")
        parts.append(lambda t: _coordinate_checks(t, limit, name))
    length = _length_limit(spec)
    if length is not None:
        parts.append(lambda t: _max_length_checks(t, length))
    return _Plan(
        spec=spec,
        prepare=_prepare_identifier if rule in IDENTIFIER_RULES else _prepare_text,
        checks=lambda t: _combine([part(t) for part in parts]) if parts else _NO_CHECKS,
        store=_STORES.get(spec.type, _same),
    )


def normalise_expr(spec: FieldSpec) -> pl.Expr:
    """The stored form of ``spec``'s column (read by its ``name``), named ``spec.column``.

    Surrounding whitespace is removed and an empty value becomes null; identity
    numbers and credit codes are folded and upper-cased (``x`` → ``X``); dates
    become ``YYYY-MM-DD``, date-times ``YYYY-MM-DD HH:MM:SS``, booleans ``1``/``0``,
    integers their canonical decimal form. Meaningful for valid values only.
    """
    plan = _plan(spec, date.today())
    return plan.store(plan.prepare(_strip(pl.col(spec.name)))).alias(spec.column)


# ------------------------------------------------------------------ batches


@dataclass(frozen=True, slots=True)
class BatchResult:
    """A validated batch.

    ``valid``: the valid rows, normalised (:func:`normalise_expr`), one column
    per validated field named by :attr:`FieldSpec.column`, plus ``__row``.
    ``errors``: one row per invalid value (:data:`ERROR_SCHEMA`): ``row`` (the
    file's row number), ``column`` (the field's Chinese name), ``value`` (the raw
    value) and ``reason``, ordered by row, then field. ``invalid_rows``: the
    invalid rows exactly as read (every column of the batch), for quarantine.
    """

    valid: pl.DataFrame
    errors: pl.DataFrame
    invalid_rows: pl.DataFrame


def validate_batch(
    frame: pl.DataFrame, fields: Sequence[FieldSpec], *, today: date | None = None
) -> BatchResult:
    """Validate one batch of a load file against ``fields``.

    A field whose column the batch lacks is skipped (checking the header is the
    loader's job). Per invalid value the report gives the first failing check,
    most specific first: emptiness of a required field, then the type (date,
    number …), then the rule (identifier, code table …), then the length. One
    row may have several errors, one per failing column. ``today`` (default:
    the system date) bounds the birth dates in identity numbers.

    How: one lazy query strips every field, then normalises it, then computes
    its "invalid" flag with compact expressions (each stage a column, all fields
    in parallel); the batch is split on the flags' disjunction; only the invalid
    rows are then examined again, check by check, to write the reasons. Raises
    ``ValueError`` when the batch has no ``__row`` column.
    """
    if ROW not in frame.columns:
        raise ValueError(f"the batch has no {ROW!r} column")
    columns = _compiled(fields, frame.columns, _today(today))
    flags = [c.flag for c in columns]
    checked = (
        frame.lazy()
        .with_columns(c.strip for c in columns)
        .with_columns(c.prepare for c in columns)
        .with_columns(c.check for c in columns)
        .with_columns((pl.any_horizontal(flags) if flags else pl.lit(False)).alias("__invalid"))
        .collect()
    )
    invalid = checked.get_column("__invalid")
    valid = checked.lazy().filter(~invalid).select(ROW, *(c.store for c in columns))
    bad = checked.filter(invalid)
    if bad.height == 0:
        return BatchResult(valid.collect(), pl.DataFrame(schema=ERROR_SCHEMA), frame.clear())
    counts = bad.select(pl.col(flags).sum()).row(0)
    reports = [
        bad.lazy().filter(pl.col(c.flag)).select(c.report)
        for c, count in zip(columns, counts, strict=True)
        if count
    ]
    errors = pl.concat(reports).sort("row", "__field").drop("__field")
    # the report's expressions are many and its rows few: the in-memory engine
    valid_frame, error_frame = pl.collect_all([valid, errors], engine="in-memory")
    return BatchResult(valid_frame, error_frame, bad.select(frame.columns))


@dataclass(frozen=True, slots=True)
class _Column:
    """A field compiled for :func:`validate_batch`: the expression of each stage.

    ``text`` (the stripped, then normalised value) and ``flag`` (the value is
    invalid) are working columns; ``report`` selects a flagged row's error.
    """

    text: str
    flag: str
    strip: pl.Expr
    prepare: pl.Expr
    check: pl.Expr
    store: pl.Expr
    report: tuple[pl.Expr, ...]


def _compile(spec: FieldSpec, index: int, today: date) -> _Column:
    plan = _plan(spec, today)
    text, flag = f"__text_{index}", f"__invalid_{index}"
    t = pl.col(text)
    checks = plan.checks(t)
    reason = _first_failing(checks.steps, f"{spec.name}无效")
    return _Column(
        text=text,
        flag=flag,
        strip=_strip(pl.col(spec.name)).alias(text),
        prepare=plan.prepare(t).alias(text),
        check=pl.when(t.is_null())
        .then(pl.lit(spec.required))
        .otherwise(checks.invalid.fill_null(True))
        .alias(flag),
        store=plan.store(t).alias(spec.column),
        report=(
            pl.col(ROW).cast(pl.Int64).alias("row"),
            pl.lit(spec.name, dtype=pl.String).alias("column"),
            pl.col(spec.name).cast(pl.String).alias("value"),
            pl.when(t.is_null()).then(pl.lit(REQUIRED_REASON)).otherwise(reason).alias("reason"),
            pl.lit(index, dtype=pl.Int32).alias("__field"),
        ),
    )


_COMPILED: dict[tuple[date, tuple[str, ...]], tuple[_Column, ...]] = {}


def _compiled(
    fields: Sequence[FieldSpec], present: Collection[str], today: date
) -> tuple[_Column, ...]:
    """The fields of the batch compiled, from a small cache (a load compiles them once)."""
    specs = [spec for spec in fields if spec.name in present]
    key = (today, tuple(repr(spec) for spec in specs))
    columns = _COMPILED.get(key)
    if columns is None:
        if len(_COMPILED) >= 32:
            _COMPILED.clear()
        columns = tuple(_compile(spec, i, today) for i, spec in enumerate(specs))
        _COMPILED[key] = columns
    return columns


# ------------------------------------------------------------------ the baseline


def plain_polars_checks(
    frame: pl.DataFrame, fields: Sequence[FieldSpec], *, today: date | None = None
) -> pl.DataFrame:
    """The same rules as bare Polars expressions: ``__row`` and ``valid`` per row.

    The benchmark baseline: no reasons, no normalised output, no split, one
    boolean per row. Same normalisation and same checks as :func:`validate_batch`
    (the tests hold the two to the same verdicts) with the same primitives
    (regular expressions, ``is_in`` on the code tables, base-13 and base-35
    integers, byte tables), written straight: the value of each field is
    computed once, then one conjunction of the checks per field.
    """
    day = _today(today)
    present = [spec for spec in fields if spec.name in frame.columns]
    checks: list[pl.Expr] = []
    for i, spec in enumerate(present):
        v = pl.col(f"__value_{i}")
        good = [_plain_type(v, spec.type), _plain_rule(v, spec, day)]
        length = _length_limit(spec)
        if length is not None:
            good.append(v.str.len_chars() <= length)
        kept = [g for g in good if g is not None]
        check = reduce(lambda a, b: a & b, kept).fill_null(False) if kept else pl.lit(True)
        empty = v.is_null() | (v.str.len_bytes() == 0)
        checks.append(pl.when(empty).then(not spec.required).otherwise(check))

    def value(spec: FieldSpec) -> pl.Expr:
        v = pl.col(spec.name).str.strip_chars(WHITESPACE)
        if spec.rule not in IDENTIFIER_RULES:
            return v
        irregular = (v.str.len_bytes() != 18) | (v.str.len_chars() != 18)
        folded = v.str.normalize("NFKC").str.replace_all(_WHITESPACE_CLASS, "")
        return pl.when(irregular).then(folded).otherwise(v).str.to_uppercase()

    return (
        frame.lazy()
        .with_columns(value(spec).alias(f"__value_{i}") for i, spec in enumerate(present))
        .select(ROW, (pl.all_horizontal(checks) if checks else pl.lit(True)).alias("valid"))
        .collect()
    )


def _plain_type(v: pl.Expr, kind: FieldType) -> pl.Expr | None:
    if kind is FieldType.integer:
        return v.str.to_integer(strict=False).is_not_null()
    if kind is FieldType.decimal:
        return v.str.contains(_DECIMAL_FORM)
    if kind is FieldType.date:
        return (
            v.str.contains(_DATE_FORM) & _date_parsed(v).is_not_null() & ~v.str.starts_with("0000")
        )
    if kind is FieldType.datetime:
        return (
            v.str.contains(_DATETIME_FORM)
            & _datetime_parsed(v).is_not_null()
            & ~v.str.starts_with("0000")
        )
    if kind is FieldType.boolean:
        return v.str.to_lowercase().is_in(list(_BOOLEANS))
    if kind is FieldType.geometry:
        return v.str.contains(_WKT_FORM) & (
            v.str.count_matches("(", literal=True) == v.str.count_matches(")", literal=True)
        )
    return None


def _plain_id(v: pl.Expr, day: date) -> pl.Expr:
    return (
        v.str.contains(_ID_FORM)
        & v.str.slice(6, 8).str.to_integer(strict=False).is_in(_birth_dates(day))
        & v.str.slice(0, 6).is_in(_divisions())
        & ((2 * _id_body(v) + _check_value(v, 18)) % 11 == 1)
    )


def _plain_credit(v: pl.Expr) -> pl.Expr:
    return (
        v.str.contains(_CREDIT_FORM)
        & v.str.slice(2, 6).is_in(_credit_regions())
        & ((2 * _organization_body(v) + _check_value(v, 17)) % 11 == 0)
        & (_credit_sum(v, _CREDIT_WEIGHTS_18) == 0)
    )


def _plain_rule(v: pl.Expr, spec: FieldSpec, day: date) -> pl.Expr | None:
    rule = spec.rule
    if rule is FieldRule.id_number:
        return _plain_id(v, day)
    if rule is FieldRule.credit_code:
        return _plain_credit(v)
    if rule is FieldRule.id_or_credit_code:
        return _plain_id(v, day) | _plain_credit(v)
    if rule is FieldRule.division:
        return v.is_in(_divisions())
    if rule is FieldRule.enumeration:
        return v.is_in(_codes(spec.enumeration))
    if rule is FieldRule.phone:
        return v.str.contains(_PHONE_FORM)
    if rule in (FieldRule.longitude, FieldRule.latitude):
        limit = 180 if rule is FieldRule.longitude else 90
        return v.str.contains(_DECIMAL_FORM) & v.cast(pl.Float64, strict=False).is_between(
            -limit, limit
        )
    return None
