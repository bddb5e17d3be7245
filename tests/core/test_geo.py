"""WGS84 ↔ GCJ-02 at the edge (the base databases store WGS84)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smartcity.core.geo import Datum, convert_wkt, gcj02_to_wgs84, wgs84_to_gcj02


def test_the_offset_in_jining_is_a_few_hundred_metres() -> None:
    lon, lat = 116.587, 35.415  # 济宁市区
    g_lon, g_lat = wgs84_to_gcj02(lon, lat)
    east = (g_lon - lon) * 111_320 * math.cos(math.radians(lat))
    north = (g_lat - lat) * 110_574
    assert 300 < math.hypot(east, north) < 700  # metres
    assert east > 0


def test_a_known_reference_point() -> None:
    # Tiananmen: a reference pair quoted by the common open-source implementations.
    g_lon, g_lat = wgs84_to_gcj02(116.391350, 39.907723)
    assert g_lon == pytest.approx(116.397590, abs=2e-5)
    assert g_lat == pytest.approx(39.909126, abs=2e-5)


def test_outside_china_nothing_moves() -> None:
    assert wgs84_to_gcj02(2.3522, 48.8566) == (2.3522, 48.8566)


@given(st.floats(115.0, 118.0), st.floats(34.0, 37.0))
def test_the_inverse_returns_the_stored_point(lon: float, lat: float) -> None:
    back = gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))
    assert back == pytest.approx((lon, lat), abs=1e-7)


def test_wkt_pairs_are_converted_and_wgs84_is_left_alone() -> None:
    wkt = "POLYGON ((116.5 35.4, 116.6 35.4, 116.6 35.5, 116.5 35.4))"
    converted = convert_wkt(wkt, Datum.gcj02)
    assert converted.startswith("POLYGON ((116.50")
    assert converted != wkt
    assert convert_wkt(wkt, Datum.wgs84) == wkt
    first = converted.removeprefix("POLYGON ((").split(",")[0].split()
    assert (float(first[0]), float(first[1])) == pytest.approx(
        wgs84_to_gcj02(116.5, 35.4), abs=1e-7
    )
