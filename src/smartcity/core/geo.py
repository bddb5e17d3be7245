"""Coordinate datums at the edge: WGS84 stored, GCJ-02 on request.

The base databases store coordinates in WGS84 (the datum of GNSS receivers, and
of CGCS2000 to within centimetres) and record the datum on the table. Maps
published in China use GCJ-02, an obfuscated datum whose offset from WGS84 is
a few hundred metres; it is applied only when a client asks for it, never
stored. The forward transform is the widely published one (Krasovsky 1940
ellipsoid constants); the inverse is iterative and accurate to better than
1e-7 degrees. Outside China's bounding box GCJ-02 equals WGS84.
"""

from __future__ import annotations

import math
import re
from enum import StrEnum

_A = 6378245.0
_EE = 0.00669342162296594323


class Datum(StrEnum):
    wgs84 = "WGS84"
    gcj02 = "GCJ02"


def outside_china(longitude: float, latitude: float) -> bool:
    return not (72.004 <= longitude <= 137.8347 and 0.8293 <= latitude <= 55.8271)


def _offset(longitude: float, latitude: float) -> tuple[float, float]:
    x, y = longitude - 105.0, latitude - 35.0
    d_lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    d_lat += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2 / 3
    d_lat += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2 / 3
    d_lat += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2 / 3
    d_lon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    d_lon += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2 / 3
    d_lon += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2 / 3
    d_lon += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2 / 3
    rad = latitude / 180.0 * math.pi
    magic = 1 - _EE * math.sin(rad) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * math.pi)
    d_lon = (d_lon * 180.0) / (_A / sqrt_magic * math.cos(rad) * math.pi)
    return d_lon, d_lat


def wgs84_to_gcj02(longitude: float, latitude: float) -> tuple[float, float]:
    if outside_china(longitude, latitude):
        return longitude, latitude
    d_lon, d_lat = _offset(longitude, latitude)
    return longitude + d_lon, latitude + d_lat


def gcj02_to_wgs84(longitude: float, latitude: float) -> tuple[float, float]:
    """The inverse, by fixed-point iteration (the offset varies slowly)."""
    if outside_china(longitude, latitude):
        return longitude, latitude
    lon, lat = longitude, latitude
    for _ in range(30):
        g_lon, g_lat = wgs84_to_gcj02(lon, lat)
        d_lon, d_lat = g_lon - longitude, g_lat - latitude
        lon, lat = lon - d_lon, lat - d_lat
        if abs(d_lon) < 1e-9 and abs(d_lat) < 1e-9:
            break
    return lon, lat


_PAIR = re.compile(r"(-?\d+(?:\.\d+)?)\s+(-?\d+(?:\.\d+)?)")


def convert_wkt(wkt: str, target: Datum, *, places: int = 7) -> str:
    """Every ``lon lat`` pair of a WKT geometry stored in WGS84, in ``target``."""
    if target is Datum.wgs84:
        return wkt

    def _pair(match: re.Match[str]) -> str:
        lon, lat = wgs84_to_gcj02(float(match.group(1)), float(match.group(2)))
        return f"{lon:.{places}f} {lat:.{places}f}"

    return _PAIR.sub(_pair, wkt)
