"""Vectorised validation of base-database load batches (Polars expressions)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smartcity.core.identifiers import (
    CREDIT_CHARSET,
    REGISTRATION_AUTHORITIES,
    credit_check_character,
    division_codes,
    id_check_character,
    is_valid_credit_code,
    is_valid_id_number,
    make_credit_code,
    make_id_number,
    organization_code_check_character,
)
from smartcity.domains.base_data.rules import (
    ERROR_SCHEMA,
    ROW,
    WHITESPACE,
    boolean_invalid,
    credit_code_invalid,
    date_invalid,
    datetime_invalid,
    decimal_invalid,
    division_invalid,
    enumeration_invalid,
    geometry_invalid,
    id_number_invalid,
    id_or_credit_code_invalid,
    integer_invalid,
    latitude_invalid,
    longitude_invalid,
    max_length_invalid,
    normalise_expr,
    phone_invalid,
    plain_polars_checks,
    required_missing,
    validate_batch,
)
from smartcity.domains.base_data.spec import (
    GENDER,
    POPULATION,
    STANDARD_TABLES,
    FieldRule,
    FieldSpec,
    FieldType,
)

TODAY = date(2026, 1, 1)

ID = FieldSpec("公民身份号码", "id_number", rule=FieldRule.id_number, required=True, max_length=18)
CREDIT = FieldSpec("统一社会信用代码", "credit_code", rule=FieldRule.credit_code, required=True)
SUBJECT = FieldSpec("信用主体代码", "subject_code", rule=FieldRule.id_or_credit_code)
DIVISION = FieldSpec("行政区划代码", "division", rule=FieldRule.division)
SEX = FieldSpec("性别", "gender", rule=FieldRule.enumeration, enumeration=GENDER)
BIRTH = FieldSpec("出生日期", "birth_date", FieldType.date)
COLLECTED = FieldSpec("采集时间", "collected_at", FieldType.datetime)
STAFF = FieldSpec("从业人数", "staff", FieldType.integer)
CAPITAL = FieldSpec("注册资本", "capital", FieldType.decimal)
ACTIVE = FieldSpec("是否有效", "active", FieldType.boolean)
NAME = FieldSpec("姓名", "name", required=True, max_length=50)
PHONE = FieldSpec("联系电话", "phone", rule=FieldRule.phone)
LONGITUDE = FieldSpec("经度", "longitude", FieldType.decimal, FieldRule.longitude)
LATITUDE = FieldSpec("纬度", "latitude", FieldType.decimal, FieldRule.latitude)
BOUNDARY = FieldSpec("区划边界", "boundary", FieldType.geometry)

GB_EXAMPLE = "11010519491231002X"  # GB 11643-1999 Annex A
FULL_WIDTH = str.maketrans("0123456789Xx", "０１２３４５６７８９Ｘｘ")


def _batch(spec: FieldSpec, values: Sequence[str | None]) -> pl.DataFrame:
    return pl.DataFrame(
        {ROW: list(range(1, len(values) + 1)), spec.name: list(values)},
        schema={ROW: pl.Int64, spec.name: pl.String},
    )


def _reason(spec: FieldSpec, value: str | None) -> str | None:
    """The reason ``validate_batch`` gives for ``value`` alone (None: valid)."""
    result = validate_batch(_batch(spec, [value]), [spec], today=TODAY)
    reasons = result.errors["reason"].to_list()
    assert len(reasons) == result.invalid_rows.height <= 1
    return reasons[0] if reasons else None


def _stored(spec: FieldSpec, value: str | None) -> str | None:
    result = validate_batch(_batch(spec, [value]), [spec], today=TODAY)
    assert result.errors.is_empty(), result.errors
    stored: str | None = result.valid[spec.column].item()
    return stored


def _flags(builder: Callable[[pl.Expr], pl.Expr], values: Sequence[str | None]) -> list[bool]:
    frame = pl.DataFrame({"v": values}, schema={"v": pl.String})
    flags: list[bool] = frame.select(builder(pl.col("v"))).to_series().to_list()
    return flags


def _id(region: str = "370802", birth: date = date(1985, 2, 3), sequence: int = 123) -> str:
    return make_id_number(region, birth, sequence)


def _with_check(body17: str) -> str:
    return body17 + id_check_character(body17)


CREDIT_OK = make_credit_code("9", "1", "370800", "MA3C5X7Y")


def _credit_with(body17: str) -> str:
    return body17 + credit_check_character(body17)


def _id_invalid(col: pl.Expr) -> pl.Expr:
    return id_number_invalid(col, today=TODAY)


def _subject_invalid(col: pl.Expr) -> pl.Expr:
    return id_or_credit_code_invalid(col, today=TODAY)


def test_whitespace_is_pythons() -> None:
    assert "".join(c for c in map(chr, range(0x110000)) if c.isspace()) == WHITESPACE


# ------------------------------------------------------------------ one value, one reason

REASONS: list[tuple[FieldSpec, Callable[[pl.Expr], pl.Expr], str, str | None]] = [
    # GB 11643 identity numbers
    (ID, _id_invalid, GB_EXAMPLE, None),
    (ID, _id_invalid, GB_EXAMPLE.lower(), None),
    (ID, _id_invalid, f" {GB_EXAMPLE}\u3000", None),
    (ID, _id_invalid, GB_EXAMPLE.translate(FULL_WIDTH), None),
    (ID, _id_invalid, "37082619720101009X", None),  # 370826 dates from 1983: still valid
    (ID, _id_invalid, _id("370802"), None),  # 市中区, abolished 2013
    (ID, _id_invalid, "110105194912310021", "公民身份号码校验码错误：应为 X"),
    (ID, _id_invalid, "1101051949123100", "公民身份号码应为18位，实为16位"),
    (ID, _id_invalid, GB_EXAMPLE + "1", "公民身份号码应为18位，实为19位"),
    (ID, _id_invalid, "1101051949X231002X", "公民身份号码第11位不能为X，X只能出现在第18位"),
    (ID, _id_invalid, "1101051949x231002X", "公民身份号码第11位不能为X，X只能出现在第18位"),
    (ID, _id_invalid, "1101051949123100A2", "公民身份号码第17位应为数字"),
    (ID, _id_invalid, "11010519491231002A", "公民身份号码第18位应为数字或X"),
    (
        ID,
        _id_invalid,
        _id(birth=date(1799, 12, 31)),
        "公民身份号码出生年份不合理（早于1800年）：1799",
    ),
    (ID, _id_invalid, _with_check("37080219851301123"), "公民身份号码出生月份无效：13"),
    (
        ID,
        _id_invalid,
        _with_check("37080219850230123"),
        "公民身份号码出生日期不存在：1985-02-30",
    ),
    (
        ID,
        _id_invalid,
        _with_check("37080219000229123"),
        "公民身份号码出生日期不存在：1900-02-29",
    ),
    (ID, _id_invalid, _id(birth=date(2000, 2, 29)), None),
    (ID, _id_invalid, _id(birth=TODAY), None),
    (
        ID,
        _id_invalid,
        _id(birth=date(2026, 1, 2)),
        "公民身份号码出生日期晚于今天：2026-01-02",
    ),
    (
        ID,
        _id_invalid,
        _id("370899"),
        "公民身份号码前6位地址码不是有效的行政区划代码：370899",
    ),
    # GB 32100 unified social credit codes
    (CREDIT, credit_code_invalid, CREDIT_OK, None),
    (CREDIT, credit_code_invalid, CREDIT_OK.lower(), None),
    (CREDIT, credit_code_invalid, make_credit_code("1", "1", "100000", "00001234"), None),
    (CREDIT, credit_code_invalid, CREDIT_OK[:17], "统一社会信用代码应为18位，实为17位"),
    (
        CREDIT,
        credit_code_invalid,
        CREDIT_OK[:9] + "I" + CREDIT_OK[10:],
        "统一社会信用代码含有不允许的字母 I/O/S/V/Z（第10位）",
    ),
    (
        CREDIT,
        credit_code_invalid,
        CREDIT_OK[:9] + "z" + CREDIT_OK[10:],
        "统一社会信用代码含有不允许的字母 I/O/S/V/Z（第10位）",
    ),
    (
        CREDIT,
        credit_code_invalid,
        CREDIT_OK[:9] + "*" + CREDIT_OK[10:],
        "统一社会信用代码第10位含有不允许的字符",
    ),
    (
        CREDIT,
        credit_code_invalid,
        "B" + CREDIT_OK[1:],
        "统一社会信用代码第1位登记管理部门代码无效：B",
    ),
    (
        CREDIT,
        credit_code_invalid,
        "94" + CREDIT_OK[2:],
        "统一社会信用代码第2位机构类别代码对登记管理部门“工商（市场监督管理）”无效：4",
    ),
    (
        CREDIT,
        credit_code_invalid,
        "913708A0" + CREDIT_OK[8:],
        "统一社会信用代码第7位应为数字（行政区划码）",
    ),
    (
        CREDIT,
        credit_code_invalid,
        "91379999" + CREDIT_OK[8:],
        "统一社会信用代码第3至8位不是有效的行政区划代码：379999",
    ),
    (
        CREDIT,
        credit_code_invalid,
        _credit_with(CREDIT_OK[:16] + ("1" if CREDIT_OK[16] != "1" else "2")),
        f"统一社会信用代码第17位（组织机构代码校验码）错误：应为 {CREDIT_OK[16]}",
    ),
    (
        CREDIT,
        credit_code_invalid,
        CREDIT_OK[:17] + ("1" if CREDIT_OK[17] != "1" else "2"),
        f"统一社会信用代码校验码错误：应为 {CREDIT_OK[17]}",
    ),
    # either identifier
    (SUBJECT, _subject_invalid, GB_EXAMPLE, None),
    (SUBJECT, _subject_invalid, CREDIT_OK.lower(), None),
    (SUBJECT, _subject_invalid, "110105194912310021", "公民身份号码校验码错误：应为 X"),
    (
        SUBJECT,
        _subject_invalid,
        CREDIT_OK[:17] + ("1" if CREDIT_OK[17] != "1" else "2"),
        f"统一社会信用代码校验码错误：应为 {CREDIT_OK[17]}",
    ),
    (SUBJECT, _subject_invalid, "12345", "应为18位公民身份号码或统一社会信用代码，实为5位"),
    # GB/T 2260
    (DIVISION, division_invalid, "370811", None),
    (DIVISION, division_invalid, " 370882 ", None),  # 兖州市, abolished 2013
    (DIVISION, division_invalid, "370899", "不是有效的行政区划代码"),
    (DIVISION, division_invalid, "37080", "行政区划代码应为6位数字"),
    (DIVISION, division_invalid, "37O802", "行政区划代码应为6位数字"),
    # code tables
    (SEX, lambda c: enumeration_invalid(c, GENDER), " 2 ", None),
    (SEX, lambda c: enumeration_invalid(c, GENDER), "3", "不在代码表中：3（性别代码 GB/T 2261.1）"),
    (
        SEX,
        lambda c: enumeration_invalid(c, GENDER),
        "男",
        "不在代码表中：男（性别代码 GB/T 2261.1）",
    ),
    # dates
    (BIRTH, date_invalid, "1985-02-03", None),
    (BIRTH, date_invalid, "19850203", None),
    (BIRTH, date_invalid, "1985/2/3", None),
    (BIRTH, date_invalid, "2000-02-29", None),
    (BIRTH, date_invalid, "1985-02-30", "日期不存在：1985-02-30"),
    (BIRTH, date_invalid, "1985/2/30", "日期不存在：1985-02-30"),
    (BIRTH, date_invalid, "19850230", "日期不存在：1985-02-30"),
    (BIRTH, date_invalid, "1900-02-29", "日期不存在：1900-02-29"),
    (BIRTH, date_invalid, "1985-13-01", "日期不存在：1985-13-01"),
    (BIRTH, date_invalid, "0000-01-01", "日期不存在：0000-01-01"),
    (BIRTH, date_invalid, "85-02-03", "日期格式应为 YYYY-MM-DD（也接受 YYYYMMDD、YYYY/MM/DD）"),
    (BIRTH, date_invalid, "1985.02.03", "日期格式应为 YYYY-MM-DD（也接受 YYYYMMDD、YYYY/MM/DD）"),
    (BIRTH, date_invalid, "1985-02/03", "日期格式应为 YYYY-MM-DD（也接受 YYYYMMDD、YYYY/MM/DD）"),
    (BIRTH, date_invalid, "+1985-02-03", "日期格式应为 YYYY-MM-DD（也接受 YYYYMMDD、YYYY/MM/DD）"),
    (
        BIRTH,
        date_invalid,
        "1985-02-03 08:00",
        "日期格式应为 YYYY-MM-DD（也接受 YYYYMMDD、YYYY/MM/DD）",
    ),
    # date-times
    (COLLECTED, datetime_invalid, "2025-06-01 08:30:00", None),
    (COLLECTED, datetime_invalid, "2025-06-01T08:30", None),
    (COLLECTED, datetime_invalid, "2025/6/1 8:30:05", None),
    (COLLECTED, datetime_invalid, "2025-06-01 08:30:05.25", "日期时间格式应为 YYYY-MM-DD HH:MM:SS"),
    (COLLECTED, datetime_invalid, "2025-06-31 08:00", "日期时间不存在：2025-06-31 08:00"),
    (COLLECTED, datetime_invalid, "2025-06-01 24:00", "日期时间不存在：2025-06-01 24:00"),
    (COLLECTED, datetime_invalid, "2025-06-01 08:60", "日期时间格式应为 YYYY-MM-DD HH:MM:SS"),
    (COLLECTED, datetime_invalid, "2025-06-01 23:59:60", "日期时间格式应为 YYYY-MM-DD HH:MM:SS"),
    (COLLECTED, datetime_invalid, "2025-06-01", "日期时间格式应为 YYYY-MM-DD HH:MM:SS"),
    (COLLECTED, datetime_invalid, "2025-06-01 08:30+08:00", "日期时间格式应为 YYYY-MM-DD HH:MM:SS"),
    # numbers
    (STAFF, integer_invalid, "42", None),
    (STAFF, integer_invalid, "-9223372036854775808", None),
    (STAFF, integer_invalid, "1.5", "不是整数"),
    (STAFF, integer_invalid, "1,000", "不是整数"),
    (STAFF, integer_invalid, "9223372036854775808", "整数超出范围（64位）"),
    (CAPITAL, decimal_invalid, "1234.5", None),
    (CAPITAL, decimal_invalid, "-.5", None),
    (CAPITAL, decimal_invalid, "5.", None),
    (CAPITAL, decimal_invalid, "1,234.5", "数字不能含千位分隔符"),
    (CAPITAL, decimal_invalid, "1e3", "不是有效的数字（应为十进制数，如 1234.5）"),
    (CAPITAL, decimal_invalid, "１２", "不是有效的数字（应为十进制数，如 1234.5）"),
    (CAPITAL, decimal_invalid, "12万", "不是有效的数字（应为十进制数，如 1234.5）"),
    # booleans
    (ACTIVE, boolean_invalid, "是", None),
    (ACTIVE, boolean_invalid, "FALSE", None),
    (ACTIVE, boolean_invalid, "Y", "不是有效的是否值（是/否、true/false 或 1/0）"),
    # lengths
    (NAME, lambda c: max_length_invalid(c, 50), "王" * 50, None),
    (NAME, lambda c: max_length_invalid(c, 50), "王" * 63, "超过最大长度 50 个字符（实际 63）"),
    # phones
    (PHONE, phone_invalid, "13812345678", None),
    (PHONE, phone_invalid, "+86 138 1234 5678", None),
    (PHONE, phone_invalid, "0537-2345678", None),
    (PHONE, phone_invalid, "05372345678", None),
    (PHONE, phone_invalid, "(010)62345678", None),
    (PHONE, phone_invalid, "010-62345678-123", None),
    (PHONE, phone_invalid, "12812345678", "不是有效的电话号码（11位手机号码或带区号的固定电话）"),
    (PHONE, phone_invalid, "1381234567", "不是有效的电话号码（11位手机号码或带区号的固定电话）"),
    (PHONE, phone_invalid, "2345678", "不是有效的电话号码（11位手机号码或带区号的固定电话）"),
    # coordinates
    (LONGITUDE, longitude_invalid, "116.587", None),
    (LONGITUDE, longitude_invalid, "-180", None),
    (LONGITUDE, longitude_invalid, "180.0001", "经度超出范围（-180～180）"),
    (LONGITUDE, longitude_invalid, "东经116", "不是有效的数字（应为十进制数，如 1234.5）"),
    (LATITUDE, latitude_invalid, "35.415", None),
    (LATITUDE, latitude_invalid, "-90.5", "纬度超出范围（-90～90）"),
    # geometries
    (BOUNDARY, geometry_invalid, "POINT (116.58 35.41)", None),
    (BOUNDARY, geometry_invalid, "point z (116.58 35.41 40)", None),
    (
        BOUNDARY,
        geometry_invalid,
        "MULTIPOLYGON (((1 1, 2 2, 1 2, 1 1)), ((5 5, 6 6, 5 6, 5 5)))",
        None,
    ),
    (BOUNDARY, geometry_invalid, "POLYGON EMPTY", None),
    (
        BOUNDARY,
        geometry_invalid,
        "CIRCLE (1 1, 5)",
        "不是有效的 WKT 几何（应以 POINT、LINESTRING、POLYGON、MULTIPOINT、"
        "MULTILINESTRING、MULTIPOLYGON 或 GEOMETRYCOLLECTION 开头，后接括号或 EMPTY）",
    ),
    (BOUNDARY, geometry_invalid, "POLYGON ((1 1, 2 2, 1 2, 1 1)", "WKT 几何的括号不配对"),
]


@pytest.mark.parametrize(
    ("spec", "builder", "value", "reason"),
    REASONS,
    ids=[f"{spec.column}:{value}" for spec, _, value, _ in REASONS],
)
def test_reason(
    spec: FieldSpec, builder: Callable[[pl.Expr], pl.Expr], value: str, reason: str | None
) -> None:
    assert _reason(spec, value) == reason
    assert _flags(builder, [value]) == [reason is not None]


def test_the_builders_take_a_column_name() -> None:
    frame = pl.DataFrame({"码": [GB_EXAMPLE, "110105194912310021", None, ""]})
    assert frame.select(id_number_invalid("码", today=TODAY)).to_series().to_list() == [
        False,
        True,
        False,
        False,
    ]


def test_the_default_today_is_the_system_date() -> None:
    tomorrow = date.fromordinal(date.today().toordinal() + 1)
    values = [_id(birth=date.today()), _id(birth=tomorrow)]
    assert _flags(id_number_invalid, values) == [False, True]


def test_credit_codes_outside_strict_mode_skip_the_organization_check() -> None:
    body = CREDIT_OK[:16] + ("1" if CREDIT_OK[16] != "1" else "2")
    code = _credit_with(body)
    assert _flags(lambda c: credit_code_invalid(c, strict=False), [code]) == [False]
    assert _flags(credit_code_invalid, [code]) == [True]
    assert organization_code_check_character(CREDIT_OK[8:16]) == CREDIT_OK[16]


# ------------------------------------------------------------------ empty and required


@pytest.mark.parametrize("empty", [None, "", "   ", "\t\u3000"])
def test_an_empty_required_value_is_reported(empty: str | None) -> None:
    assert _reason(NAME, empty) == "必填项为空"
    assert _reason(ID, empty) == "必填项为空"
    assert _flags(required_missing, [empty]) == [True]


@pytest.mark.parametrize("empty", [None, "", "   "])
def test_an_empty_optional_value_is_valid_and_stored_as_null(empty: str | None) -> None:
    for spec in (BIRTH, DIVISION, SEX, STAFF, ACTIVE, PHONE, BOUNDARY, SUBJECT):
        assert _stored(spec, empty) is None


@pytest.mark.parametrize(
    "builder",
    [
        id_number_invalid,
        credit_code_invalid,
        division_invalid,
        date_invalid,
        datetime_invalid,
        integer_invalid,
        decimal_invalid,
        boolean_invalid,
        phone_invalid,
        longitude_invalid,
        latitude_invalid,
        geometry_invalid,
        lambda c: enumeration_invalid(c, GENDER),
        lambda c: max_length_invalid(c, 0),
    ],
)
def test_empty_is_never_invalid(builder: Callable[[pl.Expr], pl.Expr]) -> None:
    assert _flags(builder, [None, "", "  "]) == [False, False, False]


def test_required_missing_only_for_empty_values() -> None:
    assert _flags(required_missing, ["x", " x ", "0"]) == [False, False, False]


# ------------------------------------------------------------------ normalisation


@pytest.mark.parametrize(
    ("spec", "raw", "stored"),
    [
        (ID, f" {GB_EXAMPLE.lower()} ", GB_EXAMPLE),
        (ID, GB_EXAMPLE.translate(FULL_WIDTH), GB_EXAMPLE),
        (ID, "110105 19491231 002x", GB_EXAMPLE),
        (CREDIT, f"\t{CREDIT_OK.lower()}", CREDIT_OK),
        (SUBJECT, GB_EXAMPLE.lower(), GB_EXAMPLE),
        (BIRTH, "19850203", "1985-02-03"),
        (BIRTH, "1985/2/3", "1985-02-03"),
        (BIRTH, "1985-2-03", "1985-02-03"),
        (BIRTH, " 1985-02-03 ", "1985-02-03"),
        (COLLECTED, "2025/6/1T8:30", "2025-06-01 08:30:00"),
        (COLLECTED, "2025-06-01 8:30:05", "2025-06-01 08:30:05"),
        (STAFF, "+007", "7"),
        (STAFF, "-0", "0"),
        (CAPITAL, " 1234.50 ", "1234.50"),
        (ACTIVE, "是", "1"),
        (ACTIVE, "否", "0"),
        (ACTIVE, "True", "1"),
        (ACTIVE, "false", "0"),
        (ACTIVE, "0", "0"),
        (NAME, "\u3000张三 ", "张三"),
        (NAME, "张 三", "张 三"),
        (SEX, " 1", "1"),
        (DIVISION, "370811\n", "370811"),
    ],
)
def test_normalisation(spec: FieldSpec, raw: str, stored: str) -> None:
    assert _stored(spec, raw) == stored
    frame = _batch(spec, [raw])
    assert frame.select(normalise_expr(spec)).to_series().to_list() == [stored]
    assert frame.select(normalise_expr(spec)).columns == [spec.column]


# ------------------------------------------------------------------ the scalar validators agree

REGIONS = sorted(division_codes())
PAIRS = [
    (a, kind)
    for a, authority in REGISTRATION_AUTHORITIES.items()
    for kind in authority.entity_types
]
BAD_DATES = ["19850230", "19851301", "19850001", "19850100", "19000229", "20000229", "17991231",
             "18000101", "20260101", "20260102", "99991231", "00000000"]  # fmt: skip


@st.composite
def id_candidates(draw: st.DrawFn) -> str:
    """Valid identity numbers and their typical corruptions."""
    region = draw(st.one_of(st.sampled_from(REGIONS), st.from_regex(r"[0-9]{6}", fullmatch=True)))
    birth = draw(st.dates(date(1790, 1, 1), date(2030, 12, 31)))
    number = make_id_number(region, birth, draw(st.integers(0, 999)))
    return _corrupt(draw, number, "0123456789Xx", "0123456789XxAIOZ -/．ｘ\u3000")


@st.composite
def credit_candidates(draw: st.DrawFn) -> str:
    """Valid credit codes and their typical corruptions."""
    authority, kind = draw(st.sampled_from(PAIRS))
    region = draw(st.sampled_from([*REGIONS, "100000"]))
    body = draw(st.text(alphabet=CREDIT_CHARSET, min_size=8, max_size=8))
    code = make_credit_code(authority, kind, region, body)
    if draw(st.booleans()):  # a wrong organisation-code check, consistent position 18
        code = _credit_with(code[:16] + draw(st.sampled_from(CREDIT_CHARSET)))
    return _corrupt(draw, code, CREDIT_CHARSET, CREDIT_CHARSET + "IOSVZiosvzabxy*- Ａ\u3000")


def _corrupt(draw: st.DrawFn, value: str, check_chars: str, any_chars: str) -> str:
    kind = draw(
        st.sampled_from(
            ["none", "check", "char", "date", "swap", "lower", "spaces", "inner space",
             "full width", "cut", "extend", "prefix"]
        )
    )  # fmt: skip
    position = draw(st.integers(0, len(value) - 1))
    if kind == "check":
        return value[:17] + draw(st.sampled_from(check_chars))
    if kind == "char":
        return value[:position] + draw(st.sampled_from(any_chars)) + value[position + 1 :]
    if kind == "date":
        return value[:6] + draw(st.sampled_from(BAD_DATES)) + value[14:]
    if kind == "swap" and position < 17:
        return value[:position] + value[position + 1] + value[position] + value[position + 2 :]
    if kind == "lower":
        return value.lower()
    if kind == "spaces":
        return draw(st.sampled_from([" ", "\t", "\u3000", ""])) + value + " "
    if kind == "inner space":
        return value[:position] + " " + value[position:]
    if kind == "full width":
        return value.translate(FULL_WIDTH)
    if kind == "cut":
        return value[:position]
    if kind == "extend":
        return value + draw(st.sampled_from("0X1"))
    if kind == "prefix":
        return draw(st.sampled_from(["91", "12", "37", "Y1", "N9", "B1", "Z9", "0A"])) + value[2:]
    return value


def _non_empty(values: list[str]) -> list[str]:
    return [v for v in values if "".join(v.split())]


def _batch_verdicts(spec: FieldSpec, values: list[str]) -> tuple[list[bool], list[str]]:
    """Per value: invalid according to ``validate_batch``; the reasons given."""
    result = validate_batch(_batch(spec, values), [spec], today=TODAY)
    bad = set(result.errors["row"].to_list())
    return [i + 1 in bad for i in range(len(values))], result.errors["reason"].to_list()


PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(st.lists(id_candidates(), min_size=1, max_size=40))
def test_id_numbers_agree_with_the_scalar_validator(candidates: list[str]) -> None:
    values = _non_empty(candidates)
    scalar = [not is_valid_id_number(v, today=TODAY) for v in values]
    builder = _flags(_id_invalid, values)
    plain = plain_polars_checks(_batch(ID, values), [ID], today=TODAY)["valid"].to_list()
    verdicts, reasons = _batch_verdicts(ID, values)
    assert builder == scalar
    assert verdicts == scalar
    assert plain == [not s for s in scalar]
    assert all(r.startswith("公民身份号码") and not r.endswith("无效") for r in reasons)


@PROPERTY
@given(st.lists(credit_candidates(), min_size=1, max_size=40))
def test_credit_codes_agree_with_the_scalar_validator(candidates: list[str]) -> None:
    values = _non_empty(candidates)
    scalar = [not is_valid_credit_code(v) for v in values]
    lenient = [not is_valid_credit_code(v, strict=False) for v in values]
    builder = _flags(credit_code_invalid, values)
    plain = plain_polars_checks(_batch(CREDIT, values), [CREDIT])["valid"].to_list()
    verdicts, reasons = _batch_verdicts(CREDIT, values)
    assert builder == scalar
    assert _flags(lambda c: credit_code_invalid(c, strict=False), values) == lenient
    assert verdicts == scalar
    assert plain == [not s for s in scalar]
    assert all(r.startswith("统一社会信用代码") and not r.endswith("无效") for r in reasons)


@PROPERTY
@given(st.lists(st.one_of(id_candidates(), credit_candidates()), min_size=1, max_size=40))
def test_either_identifier_agrees_with_the_scalar_validators(candidates: list[str]) -> None:
    values = _non_empty(candidates)
    scalar = [not (is_valid_id_number(v, today=TODAY) or is_valid_credit_code(v)) for v in values]
    verdicts, reasons = _batch_verdicts(SUBJECT, values)
    assert verdicts == scalar
    assert _flags(_subject_invalid, values) == scalar
    assert not any(r.endswith("无效") for r in reasons)


# ------------------------------------------------------------------ batches

GOOD = {
    "公民身份号码": GB_EXAMPLE,
    "姓名": "张伟",
    "性别": "1",
    "出生日期": "1949-12-31",
    "民族": "01",
    "户籍地行政区划代码": "370811",
    "户籍地址": "山东省济宁市任城区太白楼路1号",
    "现住址": None,
    "联系电话": "13812345678",
    "婚姻状况": "20",
    "文化程度": "20",
    "职业": "教师",
}


def _population(rows: list[dict[str, str | None]]) -> pl.DataFrame:
    data = [{ROW: 100 + i, **GOOD, **row} for i, row in enumerate(rows)]
    schema = {ROW: pl.Int64, **dict.fromkeys(GOOD, pl.String)}
    return pl.DataFrame(data, schema=schema)


DEFECTIVE = _population(
    [
        {},  # 100 valid
        {"公民身份号码": "110105194912310021", "性别": "3"},  # 101
        {"姓名": "  ", "出生日期": "1949-02-30", "联系电话": "123"},  # 102
        {"公民身份号码": f" {GB_EXAMPLE.lower()} ", "出生日期": "1949/12/31"},  # 103 valid
        {"户籍地行政区划代码": "379999", "职业": "工" * 51},  # 104
        {"公民身份号码": None, "民族": "99", "婚姻状况": None},  # 105
        {"现住址": "", "联系电话": None},  # 106 valid
    ]
)


def test_a_batch_reports_every_defect_once() -> None:
    result = validate_batch(DEFECTIVE, POPULATION.fields, today=TODAY)
    assert result.errors.schema == ERROR_SCHEMA
    assert result.errors.rows() == [
        (101, "公民身份号码", "110105194912310021", "公民身份号码校验码错误：应为 X"),
        (101, "性别", "3", "不在代码表中：3（性别代码 GB/T 2261.1）"),
        (102, "姓名", "  ", "必填项为空"),
        (102, "出生日期", "1949-02-30", "日期不存在：1949-02-30"),
        (102, "联系电话", "123", "不是有效的电话号码（11位手机号码或带区号的固定电话）"),
        (104, "户籍地行政区划代码", "379999", "不是有效的行政区划代码"),
        (104, "职业", "工" * 51, "超过最大长度 50 个字符（实际 51）"),
        (105, "公民身份号码", None, "必填项为空"),
        (105, "民族", "99", "不在代码表中：99（民族代码 GB/T 3304）"),
    ]


def test_valid_and_invalid_rows_partition_the_batch() -> None:
    result = validate_batch(DEFECTIVE, POPULATION.fields, today=TODAY)
    valid, invalid = result.valid[ROW].to_list(), result.invalid_rows[ROW].to_list()
    assert valid == [100, 103, 106]
    assert invalid == [101, 102, 104, 105]
    assert sorted(valid + invalid) == DEFECTIVE[ROW].to_list()
    assert set(result.errors["row"].to_list()) == set(invalid)
    assert result.invalid_rows.equals(DEFECTIVE.filter(pl.col(ROW).is_in(invalid)))


def test_valid_rows_are_normalised_and_renamed() -> None:
    result = validate_batch(DEFECTIVE, POPULATION.fields, today=TODAY)
    assert result.valid.columns == [ROW, *(f.column for f in POPULATION.fields)]
    row = result.valid.filter(pl.col(ROW) == 103).row(0, named=True)
    assert row["id_number"] == GB_EXAMPLE
    assert row["birth_date"] == "1949-12-31"
    empty = result.valid.filter(pl.col(ROW) == 106).row(0, named=True)
    assert empty["address"] is None
    assert empty["phone"] is None


def test_the_baseline_gives_the_same_verdicts() -> None:
    result = validate_batch(DEFECTIVE, POPULATION.fields, today=TODAY)
    plain = plain_polars_checks(DEFECTIVE, POPULATION.fields, today=TODAY)
    assert plain.filter(pl.col("valid"))[ROW].to_list() == result.valid[ROW].to_list()


VALUES = st.one_of(
    st.none(),
    st.sampled_from(
        [
            "", " ", "1", "0", "3", "是", "20", "01", "99", "370811", "379999", "13812345678",
            "1985-02-03", "1985/2/30", "19850203", "2025-06-01 08:30", "12.5", "1,234", "-7",
            "POINT (1 2)", "POLYGON ((1 1)", "116.5", "200", GB_EXAMPLE, CREDIT_OK, "x" * 60,
        ]
    ),
    st.text(max_size=8),
)  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_the_baseline_agrees_on_any_table(data: st.DataObject) -> None:
    table = data.draw(st.sampled_from(STANDARD_TABLES))
    rows = data.draw(st.integers(1, 12))
    frame = pl.DataFrame(
        {
            ROW: list(range(rows)),
            **{
                f.name: data.draw(st.lists(VALUES, min_size=rows, max_size=rows))
                for f in table.fields
            },
        },
        schema={ROW: pl.Int64, **{f.name: pl.String for f in table.fields}},
    )
    result = validate_batch(frame, table.fields, today=TODAY)
    plain = plain_polars_checks(frame, table.fields, today=TODAY)
    assert plain.filter(pl.col("valid"))[ROW].to_list() == result.valid[ROW].to_list()
    assert result.valid.height + result.invalid_rows.height == rows
    assert set(result.errors["row"].to_list()) == set(result.invalid_rows[ROW].to_list())
    assert result.errors["reason"].null_count() == 0
    assert not any(r.endswith("无效") for r in result.errors["reason"].to_list())


def test_a_batch_of_several_chunks() -> None:
    """A loader's batch may be several chunks (``pl.format`` in Polars 2.1's
    streaming engine panicked on such a column, filtered)."""
    parts = [DEFECTIVE.head(1), *[DEFECTIVE.tail(6)] * 5]
    chunked = pl.concat(parts, rechunk=False).with_columns(pl.int_range(pl.len()).alias(ROW))
    assert chunked.n_chunks("all")[1:] == [6] * len(GOOD)
    result = validate_batch(chunked, POPULATION.fields, today=TODAY)
    expected = validate_batch(chunked.rechunk(), POPULATION.fields, today=TODAY)
    assert result.errors.equals(expected.errors)
    assert result.valid.equals(expected.valid)
    assert result.errors.height == 5 * 9


def test_fields_absent_from_the_batch_are_skipped() -> None:
    frame = _batch(NAME, ["张三", None])
    result = validate_batch(frame, POPULATION.fields, today=TODAY)
    assert result.valid.columns == [ROW, "name"]
    assert result.errors.rows() == [(2, "姓名", None, "必填项为空")]


def test_columns_outside_the_fields_are_kept_only_for_quarantine() -> None:
    frame = _batch(NAME, ["张三", None]).with_columns(备注=pl.lit("x"))
    result = validate_batch(frame, [NAME], today=TODAY)
    assert result.valid.columns == [ROW, "name"]
    assert result.invalid_rows.columns == [ROW, "姓名", "备注"]


def test_an_empty_batch() -> None:
    result = validate_batch(_batch(ID, []), POPULATION.fields, today=TODAY)
    assert result.valid.height == result.invalid_rows.height == result.errors.height == 0
    assert result.errors.schema == ERROR_SCHEMA


def test_no_fields_to_validate() -> None:
    frame = _batch(NAME, ["张三"])
    result = validate_batch(frame, [], today=TODAY)
    assert result.valid.columns == [ROW]
    assert result.valid.height == 1
    assert result.errors.schema == ERROR_SCHEMA


def test_a_batch_without_row_numbers_is_refused() -> None:
    with pytest.raises(ValueError, match="__row"):
        validate_batch(pl.DataFrame({"姓名": ["张三"]}), [NAME])
