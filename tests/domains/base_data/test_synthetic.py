"""The synthetic base-database generator: valid identifiers, unique keys, determinism.

Every generated value is checked with the scalar validators of
``smartcity.core.identifiers`` and the field rules of the table specs, so the
vectorised check-character arithmetic of the generator is tested against an
independent implementation.
"""

from __future__ import annotations

import csv
import io
import itertools
import math
import re
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from smartcity.core.identifiers import (
    is_current_division,
    is_known_division,
    is_valid_credit_code,
    is_valid_id_number,
)
from smartcity.domains.base_data import synthetic
from smartcity.domains.base_data.spec import (
    ADDRESSES,
    DIVISIONS,
    LEGAL_ENTITY,
    MACRO_ECONOMY,
    POPULATION,
    SOCIAL_CREDIT,
    FieldRule,
    FieldSpec,
    FieldType,
    TableSpec,
)
from smartcity.domains.base_data.synthetic import (
    CITY_CODE,
    JINING_BBOX,
    JINING_COUNTIES,
    MAX_ROWS,
    address_frame,
    bad_legal_entity_rows,
    bad_population_rows,
    credit_record_frame,
    division_frame,
    iter_population_chunks,
    legal_entity_frame,
    macro_frame,
    population_frame,
    write_frame_csv,
    write_population_csv,
)

#: Birth dates run to the end of 2025; validate as of a fixed day after that.
TODAY = date(2026, 1, 1)
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
MOBILE = re.compile(r"1[3-9]\d{9}")
FIXED_LINE = re.compile(r"0\d{2,3}-?\d{7,8}")
DECIMAL = re.compile(r"-?\d+(\.\d+)?")
SIX_DECIMALS = re.compile(r"-?\d{1,3}\.\d{6}")


# ------------------------------------------------------------------ an independent row checker


def _rule_ok(spec: FieldSpec, value: str) -> bool:
    rule = spec.rule
    if rule is FieldRule.id_number:
        return is_valid_id_number(value, today=TODAY)
    if rule is FieldRule.credit_code:
        return is_valid_credit_code(value)
    if rule is FieldRule.id_or_credit_code:
        return is_valid_id_number(value, today=TODAY) or is_valid_credit_code(value)
    if rule is FieldRule.division:
        return is_known_division(value)
    if rule is FieldRule.enumeration:
        return value in spec.enumeration
    if rule is FieldRule.phone:
        return bool(MOBILE.fullmatch(value) or FIXED_LINE.fullmatch(value))
    if rule is FieldRule.longitude:
        return -180 <= float(value) <= 180
    if rule is FieldRule.latitude:
        return -90 <= float(value) <= 90
    return True


def _type_ok(spec: FieldSpec, value: str) -> bool:
    if spec.type is FieldType.date:
        if not ISO_DATE.fullmatch(value):
            return False
        try:
            date.fromisoformat(value)
        except ValueError:
            return False
        return True
    if spec.type is FieldType.decimal:
        return bool(DECIMAL.fullmatch(value))
    if spec.type is FieldType.geometry:
        return value.startswith("POLYGON ((") and value.endswith("))")
    return True


def field_errors(table: TableSpec, row: dict[str, str]) -> list[str]:
    """Headers of the fields of ``row`` that break their spec (empty = missing)."""
    errors = []
    for spec in table.fields:
        value = row[spec.name]
        if value == "":
            if spec.required:
                errors.append(spec.name)
            continue
        too_long = spec.max_length is not None and len(value) > spec.max_length
        if too_long or not _type_ok(spec, value) or not _rule_ok(spec, value):
            errors.append(spec.name)
    return errors


def assert_rows_valid(table: TableSpec, frame: pl.DataFrame) -> None:
    assert frame.columns == [f.name for f in table.fields]
    assert all(dtype == pl.String for dtype in frame.dtypes)
    assert frame.null_count().sum_horizontal().item() == 0
    bad = [
        (row, errors) for row in frame.iter_rows(named=True) if (errors := field_errors(table, row))
    ]
    assert bad == []


# ------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def people() -> pl.DataFrame:
    return population_frame(10_000, seed=11)


@pytest.fixture(scope="module")
def entities() -> pl.DataFrame:
    return legal_entity_frame(10_000, seed=12)


# ------------------------------------------------------------------ population


def test_population_rows_pass_every_field_rule(people: pl.DataFrame) -> None:
    assert_rows_valid(POPULATION, people)


def test_identity_numbers_are_unique(people: pl.DataFrame) -> None:
    assert people["公民身份号码"].n_unique() == people.height
    more = population_frame(100_000, seed=11, start=10_000)
    assert pl.concat([people, more])["公民身份号码"].n_unique() == 110_000


def test_identity_numbers_are_unique_across_the_whole_index_range() -> None:
    """Rows spread over all of [0, 2**26) (every birth cell is hit) never collide."""
    stride = MAX_ROWS // 60_000
    index = pl.Series(range(7, MAX_ROWS, stride), dtype=pl.UInt64)
    frame = synthetic._population_columns(index, 11)
    assert frame["公民身份号码"].n_unique() == frame.height
    sample = frame["公民身份号码"].gather_every(50).to_list()
    assert all(is_valid_id_number(number, today=TODAY) for number in sample)


def test_birth_cells_fit_their_capacity() -> None:
    """Uniqueness by construction: every cell fits (days × 1000 sequence codes)."""
    cells = synthetic._birth_cells()
    starts = [*cells.starts.to_list(), MAX_ROWS]
    sizes = [b - a for a, b in itertools.pairwise(starts)]
    assert all(size > 0 for size in sizes)
    assert all(size <= days * 1000 for size, days in zip(sizes, cells.days.to_list(), strict=True))
    assert all(math.gcd(synthetic._SPREAD, days * 1000) == 1 for days in (365, 366))


def test_gender_birth_date_and_region_agree_with_the_number(people: pl.DataFrame) -> None:
    numbers = people["公民身份号码"].to_list()
    genders = people["性别"].to_list()
    births = people["出生日期"].to_list()
    for number, gender, birth in zip(numbers, genders, births, strict=True):
        assert gender == ("1" if int(number[16]) % 2 else "2")
        assert number[6:14] == birth.replace("-", "")
        assert 1930 <= int(birth[:4]) <= 2025
    same_region = people.select(
        (pl.col("公民身份号码").str.slice(0, 6) == pl.col("户籍地行政区划代码")).mean()
    ).item()
    assert 0.95 < same_region < 0.99  # about 3 % were born elsewhere in Shandong
    elsewhere = people.filter(
        pl.col("公民身份号码").str.slice(0, 6) != pl.col("户籍地行政区划代码")
    )["公民身份号码"]
    assert all(n.startswith("37") and not n.startswith("3708") for n in elsewhere)


def test_hukou_follows_county_populations() -> None:
    frame = population_frame(100_000, seed=5)
    shares = dict(frame["户籍地行政区划代码"].value_counts(normalize=True).iter_rows())
    total = sum(c.population_10k for c in JINING_COUNTIES)
    assert set(shares) == {c.code for c in JINING_COUNTIES}
    for county in JINING_COUNTIES:
        expected = county.population_10k / total
        assert shares[county.code] == pytest.approx(expected, rel=0.05), county.name


def test_population_is_plausible(people: pl.DataFrame) -> None:
    assert set(people["户籍地行政区划代码"]) <= {c.code for c in JINING_COUNTIES}
    assert all(is_current_division(code) for code in set(people["户籍地行政区划代码"]))
    assert people.select((pl.col("民族") == "01").mean()).item() > 0.97
    assert people.select((pl.col("民族") == "03").mean()).item() > 0.002
    assert people.select((pl.col("性别") == "1").mean()).item() == pytest.approx(0.5, abs=0.03)
    addresses = people["户籍地址"]
    assert addresses.str.starts_with("山东省济宁市").all()
    assert people["现住址"].str.len_chars().max() <= 200  # type: ignore[operator]
    children = people.filter(pl.col("出生日期") > "2020-01-01")
    assert (children["文化程度"] == "").all()
    assert (children["婚姻状况"] == "").all()
    assert (children["职业"] == "").all()
    adults = people.filter(pl.col("出生日期") < "1990-01-01")
    assert adults.select((pl.col("联系电话") != "").mean()).item() > 0.8
    assert adults.select((pl.col("婚姻状况") == "10").mean()).item() < 0.1


# ------------------------------------------------------------------ determinism


def test_same_seed_same_frame_other_seed_other_frame() -> None:
    assert_frame_equal(population_frame(2_000, seed=3), population_frame(2_000, seed=3))
    assert_frame_equal(legal_entity_frame(500, seed=3), legal_entity_frame(500, seed=3))
    assert_frame_equal(address_frame(500, seed=3), address_frame(500, seed=3))
    assert_frame_equal(macro_frame(seed=3), macro_frame(seed=3))
    assert_frame_equal(division_frame(), division_frame())
    a, b = population_frame(1_000, seed=3), population_frame(1_000, seed=4)
    assert (a["公民身份号码"] != b["公民身份号码"]).mean() > 0.99  # type: ignore[operator]
    assert not legal_entity_frame(100, seed=3).equals(legal_entity_frame(100, seed=4))
    assert not macro_frame(seed=3).equals(macro_frame(seed=4))


GENERATORS: dict[str, Callable[[int, int], pl.DataFrame]] = {
    "population": lambda n, start: population_frame(n, seed=9, start=start),
    "legal_entity": lambda n, start: legal_entity_frame(n, seed=9, start=start),
    "address": lambda n, start: address_frame(n, seed=9, start=start),
    "credit_record": lambda n, start: credit_record_frame(
        n, seed=9, start=start, entity_count=500, population_count=500
    ),
}


@pytest.mark.parametrize("table", sorted(GENERATORS))
def test_a_chunk_equals_the_slice_of_a_bigger_frame(table: str) -> None:
    generate = GENERATORS[table]
    whole = generate(3_000, 1_000)
    assert_frame_equal(generate(700, 2_100), whole.slice(1_100, 700))
    chunks = [generate(1_000, start) for start in (1_000, 2_000, 3_000)]
    assert_frame_equal(pl.concat(chunks), whole)


@settings(max_examples=30, deadline=None)
@given(
    start=st.integers(0, MAX_ROWS - 200),
    before=st.integers(0, 50),
    n=st.integers(0, 60),
    after=st.integers(0, 50),
)
def test_any_chunk_is_reproducible_alone(start: int, before: int, n: int, after: int) -> None:
    start = max(start, before)
    whole = population_frame(before + n + after, seed=21, start=start - before)
    assert_frame_equal(population_frame(n, seed=21, start=start), whole.slice(before, n))


def test_the_vectorised_hash_is_splitmix64() -> None:
    """Polars UInt64 arithmetic wraps as the generator assumes (not Polars' own hash)."""
    index = [0, 1, 2, 12_345, MAX_ROWS - 1]
    frame = synthetic._with_hashes(
        pl.DataFrame({"_i": pl.Series(index, dtype=pl.UInt64)}), 42, ["_h"]
    )
    key = synthetic._key(42, "_h")
    mask = (1 << 64) - 1
    expected = [synthetic._splitmix64((i * synthetic._GOLDEN + key) & mask) for i in index]
    assert frame["_h"].to_list() == expected


def test_iter_population_chunks_cover_the_range() -> None:
    chunks = list(iter_population_chunks(2_500, seed=2, chunk_rows=1_000, start=10))
    assert [c.height for c in chunks] == [1_000, 1_000, 500]
    assert_frame_equal(pl.concat(chunks), population_frame(2_500, seed=2, start=10))


def test_row_limits() -> None:
    assert population_frame(0, seed=1).columns == [f.name for f in POPULATION.fields]
    with pytest.raises(ValueError, match="at most"):
        population_frame(2, seed=1, start=MAX_ROWS - 1)
    with pytest.raises(ValueError, match="negative"):
        legal_entity_frame(-1, seed=1)


# ------------------------------------------------------------------ legal entities


def test_legal_entity_rows_pass_every_field_rule(entities: pl.DataFrame) -> None:
    assert_rows_valid(LEGAL_ENTITY, entities)
    assert entities["统一社会信用代码"].n_unique() == entities.height


def test_credit_codes_agree_with_type_region_and_authority(entities: pl.DataFrame) -> None:
    counties = {c.code: c for c in JINING_COUNTIES}
    digit = {"6100": "3", "9600": "2"}
    for row in entities.iter_rows(named=True):
        code = row["统一社会信用代码"]
        assert code[0] == "9"
        assert code[1] == digit.get(row["市场主体类型"], "1")
        region = code[2:8]
        assert is_current_division(region)
        if region == CITY_CODE:
            assert row["登记机关"] == "济宁市市场监督管理局"
            assert row["企业名称"].startswith("济宁")
        else:
            assert row["登记机关"] == counties[region].market_authority
            assert counties[region].name in row["企业名称"]
        assert re.fullmatch(r"\d{4}", row["行业代码"])
        if row["成立日期"] >= "2016":
            assert code[8:10] == "MA"
    shares = entities["登记状态"].value_counts(normalize=True)
    alive = shares.filter(pl.col("登记状态").is_in(["存续", "在业"]))["proportion"].sum()
    assert alive > 0.75


# ------------------------------------------------------------------ divisions


def _ring(wkt: str) -> list[tuple[float, float]]:
    body = wkt.removeprefix("POLYGON ((").removesuffix("))")
    return [(float(x), float(y)) for x, y in (p.split() for p in body.split(", "))]


def _segments_cross(
    a: tuple[float, float], b: tuple[float, float], c: tuple[float, float], d: tuple[float, float]
) -> bool:
    def orient(p: tuple[float, float], q: tuple[float, float], r: tuple[float, float]) -> float:
        return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])

    return (orient(a, b, c) * orient(a, b, d) < 0) and (orient(c, d, a) * orient(c, d, b) < 0)


def _is_simple(ring: Sequence[tuple[float, float]]) -> bool:
    edges = list(itertools.pairwise(ring))
    for i, (a, b) in enumerate(edges):
        for j in range(i + 2, len(edges)):
            if i == 0 and j == len(edges) - 1:
                continue  # adjacent through the closing point
            if _segments_cross(a, b, *edges[j]):
                return False
    return True


def test_divisions_are_jining_and_its_counties() -> None:
    frame = division_frame()
    assert_rows_valid(DIVISIONS, frame)
    rows = list(frame.iter_rows(named=True))
    assert [r["行政区划代码"] for r in rows] == [CITY_CODE, *(c.code for c in JINING_COUNTIES)]
    assert all(is_current_division(r["行政区划代码"]) for r in rows)
    assert rows[0]["行政区划名称"] == "济宁市"
    assert rows[0]["上级行政区划代码"] == "370000"
    assert {r["上级行政区划代码"] for r in rows[1:]} == {CITY_CODE}
    assert [r["行政区划名称"] for r in rows[1:]] == [c.name for c in JINING_COUNTIES]


def test_division_boundaries_are_simple_polygons_in_jining() -> None:
    west, south, east, north = JINING_BBOX
    for row in division_frame().iter_rows(named=True):
        ring = _ring(row["区划边界"])
        assert ring[0] == ring[-1]
        assert len(ring) >= 4
        assert all(west <= x <= east and south <= y <= north for x, y in ring)
        assert _is_simple(ring), row["行政区划名称"]
        if row["行政区划代码"] != CITY_CODE:
            area = synthetic._planar_area_km2(ring[:-1])
            assert area == pytest.approx(float(row["面积"]), rel=0.01)


# ------------------------------------------------------------------ addresses


def test_addresses_are_unique_and_inside_jining() -> None:
    frame = address_frame(10_000, seed=8)
    assert_rows_valid(ADDRESSES, frame)
    assert frame["地址编码"].n_unique() == frame.height
    west, south, east, north = JINING_BBOX
    for row in frame.iter_rows(named=True):
        assert SIX_DECIMALS.fullmatch(row["经度"])
        assert SIX_DECIMALS.fullmatch(row["纬度"])
        assert west <= float(row["经度"]) <= east
        assert south <= float(row["纬度"]) <= north
        assert row["地址编码"].startswith(row["行政区划代码"])
        assert is_current_division(row["行政区划代码"])
    poi_share = frame.select((pl.col("兴趣点名称") != "").mean()).item()
    assert 0.25 < poi_share < 0.35


# ------------------------------------------------------------------ macro economy


def test_macro_keys_are_unique_and_periods_well_formed() -> None:
    frame = macro_frame(seed=1)
    assert_rows_valid(MACRO_ECONOMY, frame)
    keys = frame.select("指标代码", "统计期", "行政区划代码")
    assert keys.n_unique() == frame.height
    assert set(frame["行政区划代码"]) == {CITY_CODE, *(c.code for c in JINING_COUNTIES)}
    assert frame["统计期"].str.contains(r"^\d{4}(Q[1-4]|-(0[1-9]|1[0-2]))?$").all()
    assert set(frame["数据来源"]) == {"济宁市统计局"}
    years = {p[:4] for p in frame["统计期"]}
    assert years == {str(y) for y in range(2019, 2026)}
    assert set(macro_frame(seed=1, years=[2023])["统计期"].str.slice(0, 4)) == {"2023"}


def test_macro_values_are_consistent() -> None:
    frame = macro_frame(seed=1).with_columns(pl.col("指标值").cast(pl.Float64))
    gdp = frame.filter((pl.col("指标代码") == "A01") & (pl.col("统计期") == "2023"))
    city = gdp.filter(pl.col("行政区划代码") == CITY_CODE)["指标值"].item()
    counties = gdp.filter(pl.col("行政区划代码") != CITY_CODE)["指标值"].sum()
    assert 4000 < city < 7000
    assert 0.8 * city < counties < city  # functional zones are reported apart
    q4 = frame.filter(
        (pl.col("指标代码") == "A01")
        & (pl.col("统计期") == "2023Q4")
        & (pl.col("行政区划代码") == CITY_CODE)
    )["指标值"].item()
    assert q4 == city  # quarters are cumulative
    monthly = frame.filter(
        (pl.col("指标代码") == "A03")
        & (pl.col("统计期").str.starts_with("2023-"))
        & (pl.col("行政区划代码") == CITY_CODE)
    ).sort("统计期")["指标值"]
    assert monthly.is_sorted()


# ------------------------------------------------------------------ credit records


def test_credit_records_resolve_to_generated_subjects() -> None:
    records = credit_record_frame(
        5_000, seed=4, entity_seed=12, population_seed=11, entity_count=10_000,
        population_count=10_000,
    )  # fmt: skip
    assert_rows_valid(SOCIAL_CREDIT, records)
    assert records["记录编号"].n_unique() == records.height
    entity_names = dict(
        legal_entity_frame(10_000, seed=12).select("统一社会信用代码", "企业名称").iter_rows()
    )
    person_names = dict(
        population_frame(10_000, seed=11).select("公民身份号码", "姓名").iter_rows()
    )
    persons = 0
    for row in records.iter_rows(named=True):
        subject = row["信用主体代码"]
        if len(subject) == 18 and subject[:17].isdigit() and is_valid_id_number(subject):
            persons += 1
            assert person_names[subject] == row["信用主体名称"]
        else:
            assert entity_names[subject] == row["信用主体名称"]
        assert "2016-01-01" <= row["决定日期"] <= "2025-12-31"
        assert row["有效期自"] >= row["决定日期"]
        assert row["有效期至"] > row["有效期自"]
        assert row["决定日期"][:4] in row["决定文书号"]
        assert re.fullmatch(r".*[〔（]\d{4}[〕）].*\d+号", row["决定文书号"])
    assert 0.07 < persons / records.height < 0.13


# ------------------------------------------------------------------ CSV


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_population_csv_round_trip(tmp_path: Path, encoding: synthetic.Encoding) -> None:
    path = tmp_path / f"population-{encoding}.csv"
    seen: list[int] = []
    written = write_population_csv(
        path, 3_000, seed=6, encoding=encoding, chunk_rows=1_234, progress=seen.append
    )
    expected = population_frame(3_000, seed=6)
    assert written == path.stat().st_size
    assert seen == [1_234, 2_468, 3_000]
    text = path.read_bytes().decode(encoding)
    assert text.count("公民身份号码") == 1  # one header
    read_back = pl.read_csv(io.StringIO(text), infer_schema=False)
    assert_frame_equal(read_back, expected)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows == expected.rows(named=True)
    if encoding == "gb18030":
        with pytest.raises(UnicodeDecodeError):
            path.read_bytes().decode("utf-8")


def test_empty_population_csv_has_a_header(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    write_population_csv(path, 0, seed=1)
    assert path.read_text(encoding="utf-8").strip() == ",".join(f.name for f in POPULATION.fields)


class _Pipe(io.BytesIO):
    """A binary file that cannot seek (a pipe, a socket)."""

    def seekable(self) -> bool:
        return False


def test_frame_csv_to_an_unseekable_file() -> None:
    pipe = _Pipe()
    frame = population_frame(50, seed=1)
    size = write_frame_csv(frame, pipe, include_header=False)
    assert size == len(pipe.getvalue())
    assert pipe.getvalue().decode("utf-8").count("\n") == 50


def test_frame_csv_quotes_polygons() -> None:
    buffer = io.BytesIO()
    frame = division_frame()
    size = write_frame_csv(frame, buffer, encoding="gb18030")
    assert size == len(buffer.getvalue())
    rows = list(csv.DictReader(io.StringIO(buffer.getvalue().decode("gb18030"))))
    assert rows == frame.rows(named=True)


# ------------------------------------------------------------------ defective rows


@pytest.mark.parametrize(
    ("table", "make"),
    [(POPULATION, bad_population_rows), (LEGAL_ENTITY, bad_legal_entity_rows)],
    ids=["population", "legal_entity"],
)
def test_bad_rows_break_exactly_the_named_column(
    table: TableSpec, make: Callable[[], list[synthetic.BadRow]]
) -> None:
    bad_rows = make()
    assert len(bad_rows) >= 5
    for bad in bad_rows:
        assert list(bad["row"]) == [f.name for f in table.fields]
        assert field_errors(table, bad["row"]) == [bad["column"]], bad["defect"]


def test_named_defects_are_present() -> None:
    population = {(b["column"], b["row"][b["column"]]) for b in bad_population_rows()}
    assert ("出生日期", "1985-02-30") in population
    assert ("性别", "3") in population
    assert ("姓名", "") in population
    assert not is_known_division(next(v for c, v in population if c == "户籍地行政区划代码"))
    assert any(c == "姓名" and len(v) > 50 for c, v in population)
    codes = [b["row"]["统一社会信用代码"] for b in bad_legal_entity_rows()]
    assert any(set(code) & set("IOSVZ") for code in codes)
