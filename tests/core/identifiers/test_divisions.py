"""GB/T 2260 division table (shipped data) and its generator."""

from __future__ import annotations

import csv
import importlib.util
import io
import sys
from importlib.resources import files
from pathlib import Path
from types import ModuleType

import pytest

from smartcity.core.identifiers import (
    Division,
    IdentifierError,
    children,
    division_codes,
    division_name,
    is_current_division,
    is_known_division,
    lookup_division,
    validate_division_code,
)

JINING_COUNTIES = {
    "370811": "任城区",
    "370812": "兖州区",
    "370826": "微山县",
    "370827": "鱼台县",
    "370828": "金乡县",
    "370829": "嘉祥县",
    "370830": "汶上县",
    "370831": "泗水县",
    "370832": "梁山县",
    "370881": "曲阜市",
    "370883": "邹城市",
}

ROOT = Path(__file__).resolve().parents[3]


def test_jining_has_eleven_current_county_level_units() -> None:
    units = children("370800")
    assert {d.code: d.name for d in units} == JINING_COUNTIES
    assert [d.code for d in units] == sorted(JINING_COUNTIES)
    for unit in units:
        assert unit.is_current
        assert (unit.province, unit.prefecture, unit.level) == ("山东省", "济宁市", "county")
        assert is_current_division(unit.code)
        assert division_name(unit.code) == JINING_COUNTIES[unit.code]


@pytest.mark.parametrize(
    ("code", "name", "start", "end"),
    [("370802", "市中区", 1983, 2013), ("370882", "兖州市", 1992, 2013)],
)
def test_abolished_codes(code: str, name: str, start: int, end: int) -> None:
    assert lookup_division(code) == [
        Division(
            code=code,
            name=name,
            province="山东省",
            prefecture="济宁市",
            level="county",
            start_year=start,
            end_year=end,
        )
    ]
    assert is_known_division(code)
    assert not is_current_division(code)
    assert division_name(code) == name
    assert division_name(code, 2000) == name
    assert division_name(code, 2020) is None
    assert code not in {d.code for d in children("370800")}
    assert validate_division_code(code) == code


def test_name_by_year() -> None:
    assert division_name("370811", 1990) == "郊区"
    assert division_name("370811", 1993) == "任城区"
    assert division_name("370811", 2024) == "任城区"
    assert division_name("370811") == "任城区"
    assert division_name("370812", 1990) is None
    assert division_name("370812", 2013) == "兖州区"
    periods = lookup_division("370811")
    assert [(p.name, p.start_year, p.end_year) for p in periods] == [
        ("郊区", 1983, 1992),
        ("任城区", 1993, None),
    ]
    assert [p.is_current for p in periods] == [False, True]


def test_unknown_codes() -> None:
    for code in ("370899", "370871", "000000", "abc", ""):
        assert lookup_division(code) == []
        assert division_name(code) is None
        assert not is_known_division(code)
        assert not is_current_division(code)
        assert children(code) == []


def test_prefecture_and_province_rows() -> None:
    (jining,) = lookup_division("370800")
    assert (jining.name, jining.level, jining.prefecture) == ("济宁市", "prefecture", None)
    (shandong,) = lookup_division("370000")
    assert (shandong.name, shandong.level) == ("山东省", "province")
    prefectures = {d.code: d.name for d in children("370000")}
    assert prefectures["370800"] == "济宁市"
    assert len(prefectures) == 16
    assert "371200" not in prefectures  # 莱芜市, merged into 济南 in 2019
    assert is_known_division("371200")


def test_children_of_a_county_is_empty() -> None:
    assert children("370811") == []


def test_code_sets() -> None:
    everything = division_codes()
    current = division_codes(current_only=True)
    assert isinstance(everything, frozenset)
    assert current < everything
    assert {"370802", "370882"} <= everything - current
    assert set(JINING_COUNTIES) <= current


@pytest.mark.parametrize(
    ("code", "error_code", "position"),
    [
        ("", "division.empty", None),
        ("37081", "division.length", 6),
        ("3708111", "division.length", 7),
        ("37o811", "division.non-digit", 3),
        ("370899", "division.unknown", 1),
        ("370871", "division.unknown", 1),
    ],
)
def test_validate_division_code_rejects(code: str, error_code: str, position: int | None) -> None:
    with pytest.raises(IdentifierError) as caught:
        validate_division_code(code)
    assert (caught.value.code, caught.value.position) == (error_code, position)


def test_validate_division_code_strips() -> None:
    assert validate_division_code(" 370811 ") == "370811"


def test_shipped_csv_is_well_formed() -> None:
    resource = files("smartcity.core").joinpath("data").joinpath("gbt2260.csv")
    rows = list(csv.DictReader(io.StringIO(resource.read_text(encoding="utf-8"))))
    assert len(rows) > 6000
    assert list(rows[0]) == [
        "code",
        "name",
        "province",
        "prefecture",
        "level",
        "start_year",
        "end_year",
    ]
    for row in rows:
        assert len(row["code"]) == 6
        assert row["code"].isdigit()
        assert row["name"]
        assert row["province"]
        assert row["level"] in {"province", "prefecture", "county"}
        if row["start_year"] and row["end_year"]:
            assert int(row["start_year"]) <= int(row["end_year"])
    assert ROOT.joinpath("src/smartcity/core/data/README.md").is_file()


def _load_generator() -> ModuleType:
    path = ROOT / "scripts" / "build_divisions.py"
    spec = importlib.util.spec_from_file_location("build_divisions", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("build_divisions", module)
    spec.loader.exec_module(module)
    return module


SAMPLE_LOC_DAT = """\
# sample
37 province="山东省"
  0000 county="山东省"
  0800 county="[1983-]济宁市"
  0802 county="[1983-2013]市中区"
  0811 county="[1983-1992]郊区,[1993-]任城区"
  0812 county="[1983-1982]旧名,[1983-]新名"
  0890 county="无年份县"
11 province="北京市"
  0000 county="北京市"
  0100 county="市辖区"
  0103 county="[-2010]崇文区"
"""


def test_generator_on_a_sample(tmp_path: Path) -> None:
    generator = _load_generator()
    source = tmp_path / "loc.dat"
    source.write_text(SAMPLE_LOC_DAT, encoding="utf-8")
    target = tmp_path / "out.csv"
    assert generator.main([str(source), "-o", str(target)]) == 0
    assert target.read_text(encoding="utf-8").splitlines() == [
        "code,name,province,prefecture,level,start_year,end_year",
        "110000,北京市,北京市,,province,,",
        "110100,市辖区,北京市,,prefecture,,",
        "110103,崇文区,北京市,,county,,2010",
        "370000,山东省,山东省,,province,,",
        "370800,济宁市,山东省,,prefecture,1983,",
        "370802,市中区,山东省,济宁市,county,1983,2013",
        "370811,郊区,山东省,济宁市,county,1983,1992",
        "370811,任城区,山东省,济宁市,county,1993,",
        "370812,旧名,山东省,济宁市,county,,1982",
        "370812,新名,山东省,济宁市,county,1983,",
        "370890,无年份县,山东省,济宁市,county,,",
    ]


def test_generator_rejects_garbage(tmp_path: Path) -> None:
    generator = _load_generator()
    source = tmp_path / "loc.dat"
    source.write_text('37 province="山东省"\n  08 county="x"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="line 2"):
        generator.main([str(source), "-o", str(tmp_path / "out.csv")])
