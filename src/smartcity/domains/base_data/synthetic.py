"""Deterministic synthetic data for the five base databases (Jining, 370800).

Every frame has the columns of its :mod:`~smartcity.domains.base_data.spec` table,
named by ``FieldSpec.name`` (the header a load file uses) and in spec order. All
values are strings, ``""`` for a missing value, dates ISO ``YYYY-MM-DD``. Nothing
here is real personal data: names, numbers and addresses are drawn from small
vocabularies by a hash, and any likeness to a real person or company is chance.

**Determinism.** Row ``i`` of a table depends only on ``(seed, i)``. Randomness is
counter based: each row index is hashed (SplitMix64's finaliser, written as
Polars UInt64 expressions that wrap on overflow, so the values do not depend on
the Polars version's own ``hash``) with a key derived from the seed and a stream
name. A chunk ``start … start+n-1`` is therefore the same whether generated alone
or inside a larger call, and chunks can be generated independently (in parallel,
or to resume a benchmark load).

**Unique keys by construction.** Keys are never drawn and deduplicated. The row
index first goes through a keyed Feistel permutation of ``[0, 2**26)``
(:data:`MAX_ROWS`, 67 million rows per table, eight times Jining's population), so
distinct rows get distinct, scattered values, which are then decoded
injectively into the key:

- identity numbers: the permuted value falls in one *birth cell* (birth region ×
  birth year) whose share of ``[0, 2**26)`` follows the county populations and an
  age pyramid, and its offset in the cell is spread bijectively over
  (day of year, sequence code 000–999). Every cell is smaller than its
  ``days × 1000`` capacity, so (region, birth date, sequence) is unique;
- credit codes: the permuted value is the organisation-code body (8 digits for
  entities established before 2016, ``MA`` plus six base-31 characters for later
  ones and for every individual business; the two forms cannot collide);
- address codes and credit record numbers embed the permuted value.

**Speed.** The hot path is Polars expressions over whole chunks: hashing, the
permutation, table look-ups with ``search_sorted``/``gather`` and string
concatenation, without per-row Python. The check characters (GB 11643 MOD 11-2,
GB 11714 and GB 32100 MOD 31-3) are computed arithmetically from precomputed
partial sums; the tests check every value with the scalar validators of
:mod:`smartcity.core.identifiers`.

Figures (county populations and areas, economic magnitudes) are approximate,
rounded from public statistics (2020 census, statistical yearbooks), and are only
meant to make the synthetic data plausible.
"""

from __future__ import annotations

import calendar
import hashlib
import io
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import IO, Final, Literal, TypedDict

import polars as pl

from smartcity.core.identifiers import CREDIT_CHARSET, children, division_name
from smartcity.core.identifiers.credit_code import CREDIT_WEIGHTS, ORGANIZATION_WEIGHTS
from smartcity.core.identifiers.id_number import ID_WEIGHTS
from smartcity.domains.base_data.spec import (
    ADDRESSES,
    DIVISIONS,
    LEGAL_ENTITY,
    MACRO_ECONOMY,
    POPULATION,
    SOCIAL_CREDIT,
    TableSpec,
)

__all__ = [
    "CITY_CODE",
    "JINING_BBOX",
    "JINING_COUNTIES",
    "MAX_ROWS",
    "REFERENCE_YEAR",
    "BadRow",
    "County",
    "Encoding",
    "address_frame",
    "bad_legal_entity_rows",
    "bad_population_rows",
    "credit_record_frame",
    "division_frame",
    "iter_population_chunks",
    "legal_entity_frame",
    "macro_frame",
    "population_frame",
    "write_frame_csv",
    "write_population_csv",
]

CITY_CODE: Final = "370800"
CITY_NAME: Final = "济宁市"
#: (west, south, east, north) in WGS84 degrees: Jining spans about
#: 115°52′–117°36′ E and 34°26′–35°57′ N.
JINING_BBOX: Final = (115.87, 34.43, 117.60, 35.95)
#: Ages, marital status, education and occupation are as of this year (fixed, so
#: that the data do not change with the clock).
REFERENCE_YEAR: Final = 2025
#: Bits of the keyed permutation; a table has at most ``2**26`` rows.
_BITS: Final = 26
MAX_ROWS: Final = 1 << _BITS

Encoding = Literal["utf-8", "gb18030"]


@dataclass(frozen=True)
class County:
    """A county-level unit of Jining as the generator sees it.

    ``population_10k`` (2020 census, 10 000 persons) and ``area_km2`` are
    approximate. ``centre``/``extent`` place a schematic boundary: ``extent`` is
    the (x, y) stretch of the shape. ``towns`` are street offices (街道) and
    towns (镇/乡) used in addresses: illustrative, not an authoritative list.
    """

    code: str
    name: str
    population_10k: int
    area_km2: float
    centre: tuple[float, float]
    extent: tuple[float, float]
    towns: tuple[str, ...]

    @property
    def is_district(self) -> bool:
        return self.name.endswith("区")

    @property
    def market_authority(self) -> str:
        """The market-regulation bureau registering entities in the county."""
        prefix = CITY_NAME if self.is_district else ""
        return f"{prefix}{self.name}市场监督管理局"


def _words(text: str) -> tuple[str, ...]:
    """Space-separated words (keeps long vocabularies readable)."""
    return tuple(text.split())


JINING_COUNTIES: Final[tuple[County, ...]] = (
    County(
        "370811", "任城区", 133, 882, (116.60, 35.42), (1.0, 0.9),
        _words("古槐街道 济阳街道 阜桥街道 越河街道 南张街道 仙营街道 金城街道 李营街道 "
               "唐口街道 安居街道 二十里铺街道 喻屯镇 长沟镇 石桥镇"),
    ),
    County(
        "370812", "兖州区", 63, 651, (116.80, 35.57), (0.9, 1.0),
        _words("鼓楼街道 酒仙桥街道 龙桥街道 兴隆庄街道 大安镇 新驿镇 颜店镇 新兖镇 漕河镇 小孟镇"),
    ),
    County(
        "370826", "微山县", 63, 1780, (117.10, 34.85), (0.85, 1.15),
        _words("夏镇街道 昭阳街道 傅村街道 韩庄镇 欢城镇 南阳镇 鲁桥镇 留庄镇 两城镇 马坡镇 "
               "高楼乡 张楼镇 赵庙镇 西平镇 微山岛镇"),
    ),
    County(
        "370827", "鱼台县", 43, 654, (116.62, 35.00), (1.0, 0.9),
        _words("谷亭街道 滨湖街道 清河镇 鱼城镇 王鲁镇 张黄镇 王庙镇 李阁镇 唐马镇 老砦镇 罗屯镇"),
    ),
    County(
        "370828", "金乡县", 59, 886, (116.30, 35.08), (1.0, 0.95),
        _words("金乡街道 高河街道 王丕街道 鱼山街道 胡集镇 肖云镇 鸡黍镇 司马镇 羊山镇 马庙镇 "
               "化雨镇 卜集镇 兴隆镇 霄云镇"),
    ),
    County(
        "370829", "嘉祥县", 78, 972, (116.33, 35.40), (0.9, 1.1),
        _words("嘉祥街道 卧龙山街道 纸坊镇 梁宝寺镇 满硐镇 万张镇 大张楼镇 马村镇 金屯镇 "
               "老僧堂镇 孟姑集镇 黄垓乡 疃里镇 仲山镇"),
    ),
    County(
        "370830", "汶上县", 67, 877, (116.50, 35.72), (1.1, 0.9),
        _words("汶上街道 南站街道 南旺镇 次丘镇 寅寺镇 郭楼镇 康驿镇 苑庄镇 义桥镇 白石镇 "
               "杨店镇 郭仓镇 刘楼镇 军屯乡"),
    ),
    County(
        "370831", "泗水县", 52, 1118, (117.27, 35.65), (1.1, 0.9),
        _words("泗河街道 济河街道 金庄镇 苗馆镇 中册镇 杨柳镇 泉林镇 星村镇 柘沟镇 圣水峪镇 "
               "高峪镇 华村镇 大黄沟乡"),
    ),
    County(
        "370832", "梁山县", 74, 964, (116.10, 35.78), (0.9, 1.0),
        _words("水泊街道 梁山街道 拳铺镇 杨营镇 韩岗镇 韩垓镇 馆驿镇 小安山镇 寿张集镇 "
               "黑虎庙镇 小路口镇 赵堌堆乡 大路口乡 马营镇"),
    ),
    County(
        "370881", "曲阜市", 60, 815, (117.00, 35.60), (1.0, 0.85),
        _words("鲁城街道 书院街道 时庄街道 小雪街道 吴村镇 姚村镇 陵城镇 王庄镇 防山镇 尼山镇 "
               "石门山镇"),
    ),
    County(
        "370883", "邹城市", 111, 1616, (117.05, 35.33), (1.0, 1.05),
        _words("钢山街道 千泉街道 凫山街道 太平镇 北宿镇 中心店镇 唐村镇 大束镇 峄山镇 "
               "香城镇 城前镇 田黄镇 张庄镇 石墙镇 郭里镇"),
    ),
)  # fmt: skip

_COUNTY_CODES: Final = tuple(c.code for c in JINING_COUNTIES)
_COUNTY_WEIGHTS: Final = tuple(float(c.population_10k) for c in JINING_COUNTIES)
#: Share of people whose identity number carries another Shandong county's code
#: (born and registered elsewhere, hukou moved to Jining later).
_BORN_ELSEWHERE_SHARE: Final = 0.03

# ------------------------------------------------------------------ vocabularies

#: Surname weights (per mille, rounded, Shandong-like); compound surnames are rare.
_SURNAMES: Final[tuple[tuple[str, float], ...]] = tuple(
    (name, float(weight))
    for name, weight in (
        ("王", 90), ("张", 85), ("李", 80), ("刘", 65), ("杨", 30), ("陈", 28), ("赵", 26),
        ("孙", 26), ("徐", 18), ("高", 16), ("马", 16), ("朱", 14), ("郭", 14), ("于", 14),
        ("宋", 13), ("周", 12), ("胡", 10), ("韩", 10), ("董", 10), ("吴", 9), ("田", 9),
        ("曹", 8), ("崔", 8), ("孔", 6), ("孟", 6), ("姜", 6), ("冯", 6), ("许", 6),
        ("郑", 6), ("丁", 6), ("贾", 6), ("程", 6), ("魏", 6), ("吕", 6), ("林", 6),
        ("何", 6), ("袁", 5), ("梁", 5), ("石", 5), ("侯", 5), ("范", 5), ("颜", 3),
        ("曾", 3), ("薛", 4), ("秦", 4), ("唐", 4), ("谢", 4), ("牛", 4), ("尹", 4),
        ("闫", 4), ("付", 4), ("邵", 3), ("庞", 3), ("潘", 3), ("邓", 3), ("彭", 3),
        ("蒋", 3), ("葛", 3), ("岳", 3), ("路", 3), ("申", 2), ("仲", 2), ("卜", 2),
        ("欧阳", 0.2), ("司马", 0.2), ("诸葛", 0.2), ("上官", 0.1), ("东方", 0.1),
    )
)  # fmt: skip
#: Local surnames: 孔 in Qufu, 孟 in Zoucheng, 曾 in Jiaxiang (extra per mille).
_LOCAL_SURNAMES: Final[dict[str, dict[str, float]]] = {
    "370881": {"孔": 80, "颜": 15},
    "370883": {"孟": 60},
    "370829": {"曾": 30},
}
_MALE_CHARS: Final = tuple(
    "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林洋阳东亮建国庆文志峰博晨翔"
    "昊然轩睿泽宏振海成兵新永德福祥生春金顺广兴家荣庆良山忠"
)
_FEMALE_CHARS: Final = tuple(
    "芳娜敏静丽艳娟霞燕玲婷雪慧颖琳倩洁红萍梅莉晶欣怡佳悦琪璐涵萱瑶彤妍诗雨梦薇蕾岚秀英兰"
    "凤云桂珍华玉月"
)
_NEUTRAL_CHARS: Final = tuple("子文嘉思晓一雅可心安乐新春小明正立玉天如宝清金德")

_ROADS: Final = _words(
    "建设路 人民路 红星路 太白楼路 车站路 和平路 文化路 幸福路 光明路 青年路 新华路 解放路 "
    "古槐路 共青团路 琵琶山路 火炬路 运河路 洸河路 府河路 吴泰闸路 金宇路 崇文大道 "
    "杏坛路 春秋路 振兴路 工业路 府前街 东关大街 西关大街 南环路 北环路"
)
_VILLAGE_FIRST: Final = tuple("张王李刘陈杨赵孙马东西南北前后大小高新孔")
_VILLAGE_SECOND: Final = tuple("庄楼集屯营店寨桥庙洼口湖河堂官")
_PHONE_PREFIXES: Final = _words(
    "130 131 132 133 134 135 136 137 138 139 150 151 152 153 155 156 157 158 159 "
    "166 173 175 176 177 178 180 181 182 183 185 186 187 188 189 191 198 199"
)

#: Ethnicity: 汉 and a visible Hui minority, a few others.
_ETHNICITY: Final = (
    ("01", 989.0), ("03", 6.0), ("11", 0.8), ("02", 0.4), ("08", 0.3), ("10", 0.3),
    ("06", 0.2), ("15", 0.2), ("", 2.8),
)  # fmt: skip

#: Age bands (lower bounds, years) for status tables.
_AGE_BANDS: Final = (0, 6, 12, 15, 18, 23, 35, 50, 60, 65, 75)
_MARITAL_BY_BAND: Final = (
    (("", 1.0),),  # 0-5
    (("", 1.0),),  # 6-11
    (("", 0.7), ("10", 0.3)),  # 12-14
    (("10", 0.75), ("", 0.25)),  # 15-17
    (("10", 0.80), ("20", 0.14), ("21", 0.04), ("", 0.02)),  # 18-22
    (("10", 0.25), ("20", 0.55), ("21", 0.08), ("22", 0.03), ("40", 0.05), ("", 0.04)),
    (("10", 0.04), ("20", 0.72), ("21", 0.06), ("22", 0.06), ("40", 0.07), ("30", 0.02),
     ("", 0.03)),
    (("10", 0.03), ("20", 0.74), ("22", 0.06), ("40", 0.07), ("30", 0.07), ("", 0.03)),
    (("10", 0.02), ("20", 0.72), ("22", 0.05), ("40", 0.04), ("30", 0.13), ("90", 0.01),
     ("", 0.03)),
    (("10", 0.02), ("20", 0.66), ("22", 0.04), ("40", 0.03), ("30", 0.22), ("", 0.03)),
    (("10", 0.02), ("20", 0.42), ("22", 0.03), ("40", 0.02), ("30", 0.48), ("", 0.03)),
)  # fmt: skip
_EDUCATION_BY_BAND: Final = (
    (("", 1.0),),
    (("80", 0.95), ("", 0.05)),
    (("70", 0.80), ("80", 0.17), ("", 0.03)),
    (("60", 0.45), ("40", 0.25), ("70", 0.27), ("", 0.03)),
    (("20", 0.25), ("30", 0.25), ("60", 0.20), ("40", 0.10), ("70", 0.16), ("80", 0.01),
     ("", 0.03)),
    (("11", 0.005), ("14", 0.04), ("20", 0.22), ("30", 0.22), ("60", 0.12), ("40", 0.10),
     ("70", 0.23), ("80", 0.03), ("90", 0.005), ("", 0.03)),
    (("11", 0.003), ("14", 0.02), ("20", 0.12), ("30", 0.14), ("60", 0.15), ("40", 0.08),
     ("70", 0.38), ("80", 0.07), ("", 0.037)),
    (("20", 0.04), ("30", 0.06), ("60", 0.18), ("40", 0.04), ("70", 0.44), ("80", 0.19),
     ("90", 0.02), ("", 0.03)),
    (("20", 0.03), ("30", 0.04), ("60", 0.14), ("70", 0.40), ("80", 0.30), ("90", 0.05),
     ("", 0.04)),
    (("20", 0.015), ("30", 0.02), ("60", 0.08), ("70", 0.25), ("80", 0.48), ("90", 0.12),
     ("", 0.035)),
    (("20", 0.01), ("30", 0.01), ("60", 0.05), ("70", 0.15), ("80", 0.50), ("90", 0.24),
     ("", 0.04)),
)  # fmt: skip
_WORKING_OCCUPATIONS: Final = (
    ("农民", 0.22), ("工人", 0.17), ("职员", 0.12), ("个体工商户", 0.08), ("服务业人员", 0.08),
    ("专业技术人员", 0.05), ("教师", 0.03), ("医务人员", 0.02), ("公务员", 0.015),
    ("企业管理人员", 0.03), ("司机", 0.03), ("自由职业者", 0.04), ("无业", 0.045),
    ("", 0.06),
)  # fmt: skip
_OCCUPATION_BY_BAND: Final = (
    (("", 1.0),),
    (("学生", 0.97), ("", 0.03)),
    (("学生", 0.97), ("", 0.03)),
    (("学生", 0.90), ("无业", 0.03), ("", 0.07)),
    (("学生", 0.55), ("工人", 0.10), ("服务业人员", 0.10), ("职员", 0.05), ("无业", 0.05),
     ("自由职业者", 0.05), ("", 0.10)),
    _WORKING_OCCUPATIONS,
    _WORKING_OCCUPATIONS,
    _WORKING_OCCUPATIONS,
    (("农民", 0.40), ("离退休人员", 0.30), ("工人", 0.05), ("个体工商户", 0.05), ("无业", 0.08),
     ("", 0.12)),
    (("农民", 0.35), ("离退休人员", 0.45), ("无业", 0.08), ("", 0.12)),
    (("农民", 0.25), ("离退休人员", 0.50), ("无业", 0.10), ("", 0.15)),
)  # fmt: skip
#: Share of people with a mobile number on file, by age band.
_PHONE_BY_BAND: Final = (0.0, 0.03, 0.35, 0.70, 0.96, 0.97, 0.97, 0.96, 0.93, 0.85, 0.60)

#: Births per year by five-year cohort (relative; people alive now, Shandong-like).
_COHORTS: Final = (
    (1930, 0.3), (1935, 0.8), (1940, 1.6), (1945, 2.6), (1950, 4.6), (1955, 5.2),
    (1960, 6.4), (1965, 9.0), (1970, 8.0), (1975, 6.6), (1980, 7.0), (1985, 8.6),
    (1990, 7.2), (1995, 5.8), (2000, 5.2), (2005, 5.6), (2010, 6.2), (2015, 7.0),
    (2020, 4.4), (2025, 3.0),
)  # fmt: skip
_FIRST_BIRTH_YEAR: Final = 1930
_LAST_BIRTH_YEAR: Final = 2025

# ------------------------------------------------------------------ counter-based hashing

_MASK64: Final = (1 << 64) - 1
_GOLDEN: Final = 0x9E3779B97F4A7C15
_MIX1: Final = 0xBF58476D1CE4E5B9
_MIX2: Final = 0x94D049BB133111EB
_U16: Final = 1 << 16


def _splitmix64(value: int) -> int:
    """SplitMix64's finaliser on a Python int (the scalar twin of :func:`_with_mixed`)."""
    z = value & _MASK64
    z = ((z ^ (z >> 30)) * _MIX1) & _MASK64
    z = ((z ^ (z >> 27)) * _MIX2) & _MASK64
    return z ^ (z >> 31)


def _key(seed: int, stream: str) -> int:
    """A 64-bit key for one named random stream of one seed (stable across runs)."""
    digest = hashlib.blake2b(f"{seed}\x1f{stream}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def _with_mixed(df: pl.DataFrame, columns: Sequence[str]) -> pl.DataFrame:
    """Apply the SplitMix64 finaliser to UInt64 ``columns`` in place (wrapping)."""
    df = df.with_columns(
        ((pl.col(c).xor(pl.col(c) // (1 << 30))) * _MIX1).alias(c) for c in columns
    )
    df = df.with_columns(
        ((pl.col(c).xor(pl.col(c) // (1 << 27))) * _MIX2).alias(c) for c in columns
    )
    return df.with_columns(pl.col(c).xor(pl.col(c) // (1 << 31)).alias(c) for c in columns)


def _with_hashes(df: pl.DataFrame, seed: int, streams: Sequence[str]) -> pl.DataFrame:
    """Add one UInt64 column per stream: ``mix(index * golden + key(seed, stream))``."""
    df = df.with_columns((pl.col("_i") * _GOLDEN + _key(seed, s)).alias(s) for s in streams)
    return _with_mixed(df, streams)


def _with_permutation(df: pl.DataFrame, seed: int, stream: str, out: str) -> pl.DataFrame:
    """Add ``out``: a keyed permutation of ``_i`` over ``[0, 2**26)`` (4-round Feistel)."""
    half = _BITS // 2
    size = 1 << half
    df = df.with_columns((pl.col("_i") // size).alias("_fl"), (pl.col("_i") % size).alias("_fr"))
    for round_ in range(4):
        key = _key(seed, f"{stream}/feistel/{round_}")
        df = df.with_columns((pl.col("_fr") * _GOLDEN + key).alias("_ff"))
        df = _with_mixed(df, ["_ff"])
        df = df.with_columns(
            pl.col("_fr").alias("_fl"), pl.col("_fl").xor(pl.col("_ff") % size).alias("_fr")
        )
    return df.with_columns((pl.col("_fl") * size + pl.col("_fr")).alias(out)).drop(
        "_fl", "_fr", "_ff"
    )


def _bits(column: str, shift: int, modulus: int = _U16) -> pl.Expr:
    """An Int64 draw in ``[0, modulus)`` from bits ``shift…`` of a hash column."""
    return ((pl.col(column) // (1 << shift)) % modulus).cast(pl.Int64)


def _index_series(start: int, n: int) -> pl.Series:
    if n < 0 or start < 0:
        raise ValueError("start and n must not be negative")
    if start + n > MAX_ROWS:
        raise ValueError(f"at most {MAX_ROWS} rows per table (start + n = {start + n})")
    return pl.Series("_i", range(start, start + n), dtype=pl.UInt64)


# ------------------------------------------------------------------ weighted look-up tables


@dataclass(frozen=True)
class _Choice:
    """Weighted choices, optionally one distribution per *band* (e.g. an age band).

    A draw ``u`` in ``[0, 2**16)`` in band ``b`` picks the first entry whose
    cumulative bound exceeds ``b * 2**16 + u``: one ``search_sorted`` and one
    ``gather`` for a whole column, whatever the number of bands.
    """

    values: pl.Series
    bounds: pl.Series
    padded: pl.Series  # ``values`` and a final ``""``

    @classmethod
    def of(cls, bands: Sequence[Sequence[tuple[str, float]]]) -> _Choice:
        values: list[str] = []
        bounds: list[int] = []
        for band_index, band in enumerate(bands):
            total = sum(weight for _, weight in band)
            cumulative = 0.0
            for position, (value, weight) in enumerate(band):
                cumulative += weight
                bound = round(cumulative / total * _U16)
                if position == len(band) - 1:
                    bound = _U16
                values.append(value)
                bounds.append(band_index * _U16 + bound)
        return cls(
            pl.Series(values, dtype=pl.String),
            pl.Series(bounds, dtype=pl.Int64),
            pl.Series([*values, ""], dtype=pl.String),
        )

    def pick(self, draw: pl.Expr, band: pl.Expr | None = None) -> pl.Expr:
        key = draw if band is None else band * _U16 + draw
        return pl.lit(self.values).gather(pl.lit(self.bounds).search_sorted(key, side="right"))

    def pick_if(self, keep: pl.Expr, draw: pl.Expr, band: pl.Expr | None = None) -> pl.Expr:
        """Like :meth:`pick` where ``keep``, else ``""`` (an index choice, not a string one)."""
        index = pl.when(keep).then(self.index(draw, band)).otherwise(len(self.values))
        return pl.lit(self.padded).gather(index)

    def index(self, draw: pl.Expr, band: pl.Expr | None = None) -> pl.Expr:
        """The picked entry's position in the flattened table (bands one after another)."""
        key = draw if band is None else band * _U16 + draw
        return pl.lit(self.bounds).search_sorted(key, side="right").cast(pl.Int64)


def _take(values: Sequence[str], index: pl.Expr) -> pl.Expr:
    return pl.lit(pl.Series(values, dtype=pl.String)).gather(index)


def _take_int(values: Sequence[int], index: pl.Expr) -> pl.Expr:
    return pl.lit(pl.Series(values, dtype=pl.Int64)).gather(index)


def _county_choice(weights: Sequence[float]) -> _Choice:
    return _Choice.of([[(str(i), w) for i, w in enumerate(weights)]])


# ------------------------------------------------------------------ shared column builders


@lru_cache(maxsize=1)
def _surname_choice() -> _Choice:
    """One surname distribution per county (band = county index)."""
    bands = []
    for county in JINING_COUNTIES:
        local = _LOCAL_SURNAMES.get(county.code, {})
        bands.append([(name, weight + local.get(name, 0.0)) for name, weight in _SURNAMES])
    return _Choice.of(bands)


@lru_cache(maxsize=1)
def _given_name_choices() -> tuple[_Choice, _Choice]:
    """(first, second) character tables, band 0 = female, band 1 = male."""
    female, male, neutral = _FEMALE_CHARS, _MALE_CHARS, _NEUTRAL_CHARS
    first = _Choice.of(
        [[(c, 1.0) for c in female + neutral + neutral], [(c, 1.0) for c in male + neutral]]
    )
    second = _Choice.of([[(c, 1.0) for c in female], [(c, 1.0) for c in male]])
    return first, second


def _name_expr(hash_column: str, county: pl.Expr, male: pl.Expr) -> pl.Expr:
    """A Chinese name: surname + one or two given-name characters (72 % two)."""
    first, second = _given_name_choices()
    band = male.cast(pl.Int64)
    surname = _surname_choice().pick(_bits(hash_column, 0), county)
    one = second.pick(_bits(hash_column, 16), band)
    two_characters = _bits(hash_column, 48) < int(0.72 * _U16)
    middle = first.pick_if(two_characters, _bits(hash_column, 32), band)
    return pl.concat_str(surname, middle, one)


@dataclass(frozen=True)
class _AddressTables:
    """Address pieces as look-up tables; the last entry of each is ``""`` (no address).

    An address is four gathers: ``prefix[town] + place[place] + number[number] +
    flat[flat]``. Choosing between addresses (or none) is integer arithmetic on
    the four indexes, never a string ``when``.
    """

    prefix: pl.Series  # per town: 山东省济宁市 + county + town
    town_codes: pl.Series  # per town: its 3-digit number in the county
    is_street: pl.Series  # per town: a street office (街道), not a town (镇/乡)
    offsets: pl.Series  # per county: its first town
    counts: pl.Series  # per county: its number of towns
    place: pl.Series  # roads, then villages (张庄村 …)
    number: pl.Series  # 1号 … 298号
    flat: pl.Series  # 1号楼1单元101室 …

    @property
    def empty(self) -> tuple[int, int, int, int]:
        return (
            len(self.prefix) - 1,
            len(self.place) - 1,
            len(self.number) - 1,
            len(self.flat) - 1,
        )


_HOUSE_NUMBERS: Final = 298
_FLAT_SHAPE: Final = (24, 4, 18, 4)  # buildings, units, floors, rooms per floor


@lru_cache(maxsize=1)
def _address_tables() -> _AddressTables:
    prefix: list[str] = []
    codes: list[str] = []
    street: list[bool] = []
    offsets: list[int] = []
    counts: list[int] = []
    for county in JINING_COUNTIES:
        offsets.append(len(prefix))
        counts.append(len(county.towns))
        for number, town in enumerate(county.towns, start=1):
            prefix.append(f"山东省{CITY_NAME}{county.name}{town}")
            codes.append(f"{number:03d}")
            street.append(town.endswith("街道"))
    villages = [f"{a}{b}村" for a in _VILLAGE_FIRST for b in _VILLAGE_SECOND]
    buildings, units, floors, rooms = _FLAT_SHAPE
    flats = [
        f"{b}号楼{u}单元{f}0{r}室"
        for b in range(1, buildings + 1)
        for u in range(1, units + 1)
        for f in range(1, floors + 1)
        for r in range(1, rooms + 1)
    ]
    return _AddressTables(
        prefix=pl.Series([*prefix, ""], dtype=pl.String),
        town_codes=pl.Series(codes, dtype=pl.String),
        is_street=pl.Series(street, dtype=pl.Boolean),
        offsets=pl.Series(offsets, dtype=pl.Int64),
        counts=pl.Series(counts, dtype=pl.Int64),
        place=pl.Series([*_ROADS, *villages, ""], dtype=pl.String),
        number=pl.Series([f"{n}号" for n in range(1, _HOUSE_NUMBERS + 1)] + [""], dtype=pl.String),
        flat=pl.Series([*flats, ""], dtype=pl.String),
    )


_ADDRESS_PARTS: Final = ("town", "place", "number", "flat")


def _with_address_parts(df: pl.DataFrame, county: str, hash_column: str, out: str) -> pl.DataFrame:
    """Add the Int64 columns ``{out}_town``, ``_place``, ``_number``, ``_flat``.

    Street offices (街道) get a road, 45 % of them with building, unit and room;
    towns (镇/乡) a village. ``county`` is an Int64 county-index column. Bits of
    ``hash_column``: 0–15 town, 16–23 road or village, 24–32 house number,
    33–46 flat, 47–54 whether there is a flat.
    """
    t = _address_tables()
    h = hash_column
    town = f"{out}_town"
    df = df.with_columns(
        (
            pl.lit(t.offsets).gather(pl.col(county))
            + _bits(h, 0) % pl.lit(t.counts).gather(pl.col(county))
        ).alias(town)
    )
    is_street = pl.lit(t.is_street).gather(pl.col(town))
    villages = len(_VILLAGE_FIRST) * len(_VILLAGE_SECOND)
    flats = math.prod(_FLAT_SHAPE)
    return df.with_columns(
        pl.when(is_street)
        .then(_bits(h, 16, 256) % len(_ROADS))
        .otherwise(len(_ROADS) + _bits(h, 16, 256) % villages)
        .alias(f"{out}_place"),
        (_bits(h, 24, 512) % _HOUSE_NUMBERS).alias(f"{out}_number"),
        pl.when(is_street & (_bits(h, 47, 256) < 115))
        .then(_bits(h, 33, 1 << 14) % flats)
        .otherwise(flats)
        .alias(f"{out}_flat"),
    )


def _address_text(parts: Sequence[pl.Expr]) -> pl.Expr:
    """The address of four index expressions (town, place, number, flat)."""
    t = _address_tables()
    tables = (t.prefix, t.place, t.number, t.flat)
    return pl.concat_str(
        pl.lit(table).gather(part) for table, part in zip(tables, parts, strict=True)
    )


def _address_columns(prefix: str) -> list[pl.Expr]:
    return [pl.col(f"{prefix}_{part}") for part in _ADDRESS_PARTS]


def _iso_dates(days: pl.Expr, origin: date) -> pl.Expr:
    """ISO strings of ``origin + days`` (Int64 days)."""
    return (pl.lit(origin) + pl.duration(days=days)).dt.to_string("%Y-%m-%d")


# ------------------------------------------------------------------ population


@dataclass(frozen=True)
class _BirthCells:
    """Birth cells (region × year) laid out over ``[0, 2**26)``.

    ``starts`` are sorted; a permuted row value ``v`` belongs to the last cell
    whose start is ``<= v``. ``partial`` is the GB 11643 weighted sum of the
    region and year digits (positions 1–10) mod 11.
    """

    starts: pl.Series
    region: pl.Series
    year: pl.Series
    days: pl.Series
    leap: pl.Series
    partial: pl.Series
    county: pl.Series  # county index of the hukou, -1 when born elsewhere


def _digit_sum(text: str, weights: Sequence[int]) -> int:
    return sum(int(c) * w for c, w in zip(text, weights, strict=True))


def _birth_year_weights() -> dict[int, float]:
    """Relative births per year, from the five-year cohorts."""
    return {
        year: next(w for first, w in reversed(_COHORTS) if first <= year) / 5.0
        for year in range(_FIRST_BIRTH_YEAR, _LAST_BIRTH_YEAR + 1)
    }


def _other_shandong_regions() -> list[str]:
    """Current county-level codes of Shandong outside Jining (from GB/T 2260)."""
    codes: list[str] = []
    for prefecture in children("370000"):
        if prefecture.code == CITY_CODE:
            continue
        codes.extend(county.code for county in children(prefecture.code))
    return codes


@lru_cache(maxsize=1)
def _birth_cells() -> _BirthCells:
    """Allocate ``[0, 2**26)`` to birth cells by county population × age pyramid.

    Each cell's size is at most its capacity (days in the year × 1000 sequence
    codes), which makes the decoding into (region, date, sequence) injective.
    """
    year_weights = _birth_year_weights()
    total_year = sum(year_weights.values())
    total_county = sum(_COUNTY_WEIGHTS)
    others = _other_shandong_regions()
    specs: list[tuple[str, int, int, float]] = []  # region, year, county index, share
    for index, county in enumerate(JINING_COUNTIES):
        county_share = (1 - _BORN_ELSEWHERE_SHARE) * county.population_10k / total_county
        for year, weight in year_weights.items():
            specs.append((county.code, year, index, county_share * weight / total_year))
    for region in others:
        for year, weight in year_weights.items():
            share = _BORN_ELSEWHERE_SHARE / len(others) * weight / total_year
            specs.append((region, year, -1, share))
    # Largest-remainder rounding so that the sizes add up to exactly 2**26.
    raw = [share * MAX_ROWS for *_, share in specs]
    sizes = [math.floor(x) for x in raw]
    missing = MAX_ROWS - sum(sizes)
    for position in sorted(range(len(raw)), key=lambda k: raw[k] - sizes[k], reverse=True)[
        :missing
    ]:
        sizes[position] += 1
    starts: list[int] = []
    regions: list[str] = []
    years: list[int] = []
    days: list[int] = []
    leaps: list[int] = []
    partials: list[int] = []
    counties: list[int] = []
    offset = 0
    for (region, year, county_index, _), size in zip(specs, sizes, strict=True):
        if size == 0:
            continue
        year_days = 366 if calendar.isleap(year) else 365
        if size > year_days * 1000:  # pragma: no cover - guarded by the figures above
            raise AssertionError(f"birth cell {region}/{year} exceeds its capacity")
        starts.append(offset)
        regions.append(region)
        years.append(year)
        days.append(year_days)
        leaps.append(year_days - 365)
        partials.append(_digit_sum(f"{region}{year}", ID_WEIGHTS[:10]) % 11)
        counties.append(county_index)
        offset += size
    return _BirthCells(
        starts=pl.Series(starts, dtype=pl.UInt64),
        region=pl.Series(regions, dtype=pl.String),
        year=pl.Series(years, dtype=pl.Int64),
        days=pl.Series(days, dtype=pl.Int64),
        leap=pl.Series(leaps, dtype=pl.Int64),
        partial=pl.Series(partials, dtype=pl.Int64),
        county=pl.Series(counties, dtype=pl.Int64),
    )


@lru_cache(maxsize=1)
def _day_table() -> tuple[pl.Series, pl.Series, pl.Series]:
    """Per (leap, day of year) at ``leap * 366 + day``: "MMDD", "-MM-DD", MOD 11 partial."""
    compact: list[str] = []
    dashed: list[str] = []
    partial: list[int] = []
    for year in (2023, 2024):  # a common year, then a leap year
        first = date(year, 1, 1)
        for day in range(366):
            current = first + timedelta(days=min(day, 364 if year == 2023 else 365))
            compact.append(f"{current:%m%d}")
            dashed.append(f"-{current:%m-%d}")
            partial.append(_digit_sum(f"{current:%m%d}", ID_WEIGHTS[10:14]) % 11)
    return (
        pl.Series(compact, dtype=pl.String),
        pl.Series(dashed, dtype=pl.String),
        pl.Series(partial, dtype=pl.Int64),
    )


@lru_cache(maxsize=1)
def _sequence_table() -> tuple[pl.Series, pl.Series]:
    """Per sequence code 0..999: the 3-digit text and its MOD 11 partial."""
    texts = [f"{s:03d}" for s in range(1000)]
    partial = [_digit_sum(t, ID_WEIGHTS[14:17]) % 11 for t in texts]
    return pl.Series(texts, dtype=pl.String), pl.Series(partial, dtype=pl.Int64)


#: Spreads a cell offset over (day, sequence): coprime with 365 000 and 366 000.
_SPREAD: Final = 104_729
_ID_CHECK: Final = "10X98765432"  # GB 11643 check character by (weighted sum mod 11)


@dataclass(frozen=True)
class _PopulationTables:
    county: _Choice
    ethnicity: _Choice
    marital: _Choice
    education: _Choice
    occupation: _Choice
    phone_share: pl.Series
    phone_prefix: _Choice
    digits: pl.Series  # "0000" … "9999", ""
    age_bands: pl.Series


@lru_cache(maxsize=1)
def _population_tables() -> _PopulationTables:
    return _PopulationTables(
        county=_county_choice(_COUNTY_WEIGHTS),
        ethnicity=_Choice.of([_ETHNICITY]),
        marital=_Choice.of(_MARITAL_BY_BAND),
        education=_Choice.of(_EDUCATION_BY_BAND),
        occupation=_Choice.of(_OCCUPATION_BY_BAND),
        phone_share=pl.Series([round(p * _U16) for p in _PHONE_BY_BAND], dtype=pl.Int64),
        phone_prefix=_Choice.of([[(prefix, 1.0) for prefix in _PHONE_PREFIXES]]),
        digits=pl.Series([f"{d:04d}" for d in range(10_000)] + [""], dtype=pl.String),
        age_bands=pl.Series(_AGE_BANDS, dtype=pl.Int64),
    )


def _population_columns(index: pl.Series, seed: int) -> pl.DataFrame:
    """All population columns (spec names, spec order) for arbitrary row indexes.

    Hash streams: ``_hn`` name, ``_ha``/``_hb`` hukou and other address, ``_hm``
    (0–15 hukou county of people born elsewhere, 16–31 county of the other
    address stays in the hukou county, 32–47 residence, 48–63 ethnicity), ``_hp``
    phone (0–15 prefix, 20–33 and 34–47 the two halves of the number, 52–63
    whether there is one), ``_hs`` (0–15
    marital status, 16–31 education, 32–47 occupation), ``_hx`` (0–15 county of
    the other address when it is not the hukou county).
    """
    tables = _population_tables()
    cells = _birth_cells()
    compact, dashed, day_partial = _day_table()
    seq_text, seq_partial = _sequence_table()
    df = pl.DataFrame({"_i": index.cast(pl.UInt64)})
    df = _with_hashes(df, seed, ["_hn", "_ha", "_hb", "_hm", "_hp", "_hs", "_hx"])
    df = _with_permutation(df, seed, "population", "_v")
    starts = pl.lit(cells.starts)
    df = df.with_columns(
        (starts.search_sorted(pl.col("_v"), side="right").cast(pl.Int64) - 1).alias("_cell")
    )
    cell = pl.col("_cell")
    df = df.with_columns(
        pl.lit(cells.region).gather(cell).alias("_region"),
        pl.lit(cells.year).gather(cell).alias("_year"),
        pl.lit(cells.days).gather(cell).alias("_days"),
        pl.lit(cells.leap).gather(cell).alias("_leap"),
        pl.lit(cells.partial).gather(cell).alias("_partial"),
        pl.lit(cells.county).gather(cell).alias("_cc"),
        (pl.col("_v") - starts.gather(cell)).cast(pl.Int64).alias("_off"),
    )
    df = df.with_columns(
        ((pl.col("_off") * _SPREAD) % (pl.col("_days") * 1000)).alias("_spread"),
        pl.when(pl.col("_cc") >= 0)
        .then(pl.col("_cc"))
        .otherwise(tables.county.index(_bits("_hm", 0)))
        .alias("_county"),
        (REFERENCE_YEAR - pl.col("_year")).alias("_age"),
    )
    # People living away from their hukou address mostly stay in the same county.
    df = df.with_columns(
        pl.when(_bits("_hm", 16) < int(0.7 * _U16))
        .then(pl.col("_county"))
        .otherwise(tables.county.index(_bits("_hx", 0)))
        .alias("_county2")
    )
    df = df.with_columns(
        (pl.col("_leap") * 366 + pl.col("_spread") % pl.col("_days")).alias("_day"),
        (pl.col("_spread") // pl.col("_days")).alias("_seq"),
        (pl.lit(tables.age_bands).search_sorted(pl.col("_age"), side="right").cast(pl.Int64) - 1)
        .alias("_band"),
    )  # fmt: skip
    df = _with_address_parts(df, "_county", "_ha", "_home")
    df = _with_address_parts(df, "_county2", "_hb", "_away")
    residence = _bits("_hm", 32)
    current = [
        pl.when(residence < int(0.55 * _U16))
        .then(home)
        .when(residence < int(0.92 * _U16))
        .then(away)
        .otherwise(empty)
        for home, away, empty in zip(
            _address_columns("_home"),
            _address_columns("_away"),
            _address_tables().empty,
            strict=True,
        )
    ]
    year = pl.col("_year").cast(pl.String)
    band = pl.col("_band")
    check_sum = (
        pl.col("_partial")
        + pl.lit(day_partial).gather(pl.col("_day"))
        + pl.lit(seq_partial).gather(pl.col("_seq"))
    )
    has_phone = _bits("_hp", 52, 4096) * 16 < pl.lit(tables.phone_share).gather(band)
    no_digits = len(tables.digits) - 1
    phone = pl.concat_str(
        tables.phone_prefix.pick_if(has_phone, _bits("_hp", 0)),
        pl.lit(tables.digits).gather(
            pl.when(has_phone).then(_bits("_hp", 20, 1 << 14) % 10_000).otherwise(no_digits)
        ),
        pl.lit(tables.digits).gather(
            pl.when(has_phone).then(_bits("_hp", 34, 1 << 14) % 10_000).otherwise(no_digits)
        ),
    )
    names = [f.name for f in POPULATION.fields]
    return df.select(
        pl.concat_str(
            pl.col("_region"),
            year,
            pl.lit(compact).gather(pl.col("_day")),
            pl.lit(seq_text).gather(pl.col("_seq")),
            _take(tuple(_ID_CHECK), check_sum % 11),
        ).alias(names[0]),
        _name_expr("_hn", pl.col("_county"), pl.col("_seq") % 2 == 1).alias(names[1]),
        _take(("2", "1"), pl.col("_seq") % 2).alias(names[2]),
        pl.concat_str(year, pl.lit(dashed).gather(pl.col("_day"))).alias(names[3]),
        tables.ethnicity.pick(_bits("_hm", 48)).alias(names[4]),
        _take(_COUNTY_CODES, pl.col("_county")).alias(names[5]),
        _address_text(_address_columns("_home")).alias(names[6]),
        _address_text(current).alias(names[7]),
        phone.alias(names[8]),
        tables.marital.pick(_bits("_hs", 0), band).alias(names[9]),
        tables.education.pick(_bits("_hs", 16), band).alias(names[10]),
        tables.occupation.pick(_bits("_hs", 32), band).alias(names[11]),
    )


def population_frame(n: int, *, seed: int, start: int = 0) -> pl.DataFrame:
    """Rows ``start … start+n-1`` of the synthetic population of seed ``seed``.

    Columns are :data:`~smartcity.domains.base_data.spec.POPULATION`'s, all strings.
    Identity numbers are valid GB 11643 numbers, unique across the whole
    population (see the module docstring), with the hukou county's code (3 % carry
    another Shandong county's code); gender follows the sequence code's parity.
    """
    return _population_columns(_index_series(start, n), seed)


def iter_population_chunks(
    n: int, *, seed: int, chunk_rows: int = 500_000, start: int = 0
) -> Iterator[pl.DataFrame]:
    """Rows ``start … start+n-1`` as successive frames of at most ``chunk_rows``."""
    if chunk_rows <= 0:
        raise ValueError("chunk_rows must be positive")
    for offset in range(start, start + n, chunk_rows):
        yield population_frame(min(chunk_rows, start + n - offset), seed=seed, start=offset)


# ------------------------------------------------------------------ legal entities

_ENTITY_TYPES: Final = tuple(LEGAL_ENTITY.fields[2].enumeration)
_TYPE_INDEX: Final = {code: index for index, code in enumerate(_ENTITY_TYPES)}
#: Types that may be registered by the city bureau (the others only by counties).
_CITY_LEVEL_TYPES: Final = ("1100", "1200", "2100", "5100")
#: Types named after the county (个体工商户, 农民专业合作社), never after the city.
_COUNTY_NAMED_TYPES: Final = ("6100", "9600")
#: Share of each market-entity type (ENTITY_TYPE order): companies and
#: individual businesses dominate, as in the market-entity register.
_ENTITY_TYPE_WEIGHTS: Final = {
    "1100": 52.0, "1200": 1.5, "2100": 2.0, "4100": 5.0, "4200": 2.0, "5100": 0.5,
    "6100": 7.0, "9600": 30.0,
}  # fmt: skip
#: GB 32100 position 2 under authority 9: 1 企业, 2 个体工商户, 3 农民专业合作社.
_CREDIT_ENTITY_DIGIT: Final = {"6100": 3, "9600": 2}
_TRADE_CHARS: Final = tuple(
    "鑫鸿瑞德华盛丰恒泰兴隆昌源达信诚宏远金宇博嘉和顺佳美新天亿汇通联创科明辉腾飞祥福润泽"
    "正大恒运圣孔孟鲁儒泗洸岳峰凯荣益众"
)
#: (name part, GB/T 4754-2017-style industry code, weight) of companies.
_COMPANY_INDUSTRIES: Final = (
    ("商贸", "5199", 10.0), ("贸易", "5199", 4.0), ("科技", "6513", 8.0),
    ("信息技术", "6519", 3.0), ("建筑工程", "4790", 5.0), ("建材", "5165", 4.0),
    ("煤炭", "0610", 1.0), ("机械设备", "3511", 3.0), ("食品", "1399", 3.0),
    ("餐饮管理", "6210", 4.0), ("物流", "5821", 4.0), ("运输", "5431", 3.0),
    ("房地产开发", "7010", 2.0), ("物业管理", "7020", 3.0), ("文化传媒", "7259", 4.0),
    ("旅游", "7291", 1.5), ("企业管理咨询", "7243", 3.0), ("汽车销售", "5261", 2.0),
    ("纺织", "1713", 1.0), ("医药", "5251", 2.0), ("农业科技", "0190", 3.0),
    ("新能源", "4416", 1.5), ("电子商务", "5292", 3.0), ("化工", "2614", 1.0),
    ("家政服务", "8010", 1.5), ("人力资源", "7263", 1.5),
)  # fmt: skip
_COOPERATIVES: Final = (
    ("种植专业合作社", "0141", 5.0), ("大蒜种植专业合作社", "0141", 2.0),
    ("粮食种植专业合作社", "0112", 3.0), ("养殖专业合作社", "0313", 3.0),
    ("农机专业合作社", "0512", 2.0), ("果蔬专业合作社", "0151", 2.0),
    ("渔业专业合作社", "0412", 1.0),
)  # fmt: skip
_SHOPS: Final = (
    ("便利店", "5213", 6.0), ("超市", "5212", 5.0), ("饭店", "6210", 5.0),
    ("小吃店", "6220", 4.0), ("理发店", "8040", 3.0), ("汽车修理部", "8111", 2.0),
    ("服装店", "5232", 3.0), ("五金店", "5271", 2.0), ("水果店", "5223", 2.0),
    ("烟酒店", "5226", 2.0), ("大药房", "5251", 1.0),
)  # fmt: skip
_ENTITY_SUFFIXES: Final = {
    "1100": "有限公司", "1200": "股份有限公司", "2100": "公司", "4100": "中心（个人独资）",
    "4200": "合伙企业（有限合伙）", "5100": "有限公司",
}  # fmt: skip
#: Registered capital in 10 000 yuan (万元) by type; "" = not recorded.
_CAPITAL: Final = {
    "1100": (("10", 8), ("30", 10), ("50", 12), ("100", 22), ("200", 12), ("300", 8),
             ("500", 12), ("1000", 8), ("2000", 4), ("5000", 2), ("10000", 1)),
    "1200": (("1000", 3), ("2000", 3), ("5000", 4), ("8000", 2), ("10000", 3), ("30000", 1),
             ("50000", 1)),
    "2100": (("50", 2), ("100", 3), ("300", 3), ("500", 2), ("1000", 1), ("3000", 1)),
    "4100": (("1", 2), ("3", 2), ("5", 3), ("10", 4), ("20", 2), ("50", 2), ("100", 1)),
    "4200": (("100", 2), ("300", 2), ("500", 3), ("1000", 3), ("3000", 2), ("10000", 1)),
    "5100": (("100", 1), ("500", 2), ("1000", 3), ("3000", 2), ("10000", 2), ("50000", 1)),
    "6100": (("5", 2), ("10", 3), ("30", 3), ("50", 3), ("100", 3), ("200", 2), ("500", 1)),
    "9600": (("", 40), ("1", 10), ("2", 10), ("3", 10), ("5", 12), ("10", 10), ("20", 5),
             ("50", 3)),
}  # fmt: skip
#: Registration status by age of the entity (< 3 years, 3–10 years, older).
_STATUS_BY_AGE: Final = (
    (("存续", 80.0), ("在业", 18.0), ("注销", 1.5), ("吊销", 0.3), ("迁出", 0.2)),
    (("存续", 72.0), ("在业", 16.0), ("注销", 8.0), ("吊销", 3.0), ("迁出", 1.0)),
    (("存续", 55.0), ("在业", 15.0), ("注销", 18.0), ("吊销", 10.0), ("迁出", 2.0)),
)
#: Relative number of entities established per year (1990–2025); cooperatives
#: exist since the 2007 law on farmers' cooperatives.
_FIRST_ESTABLISHED: Final = 1990
_LAST_ESTABLISHED: Final = 2025
#: Entities registered after the 2015 reform got ``MA…`` bodies; individual
#: businesses had no organisation code before it and all got one then.
_MA_FROM_YEAR: Final = 2016


@dataclass(frozen=True)
class _EntityTables:
    entity_type: _Choice
    county: _Choice
    year: _Choice  # band 0 = general, 1 = cooperatives
    naming: _Choice  # band = entity type; values = name part
    industry: pl.Series  # aligned with ``naming.values``
    capital: _Choice  # band = entity type
    status: _Choice  # band = age group
    regions: tuple[str, ...]  # 0 = city, 1.. = counties
    prefixes: tuple[str, ...]
    authorities: tuple[str, ...]
    prefix_partial: pl.Series  # GB 32100 positions 1–8, at region * 4 + entity digit
    org_value: pl.Series  # GB 11714 value of each CREDIT_CHARSET character
    org_check_index: pl.Series  # CREDIT_CHARSET index of the GB 11714 check, by 11 - sum % 11


@lru_cache(maxsize=1)
def _entity_tables() -> _EntityTables:
    naming_bands: list[list[tuple[str, float]]] = []
    industry: list[str] = []
    for entity_type in _ENTITY_TYPES:
        if entity_type == "6100":
            entries = [(name, code, w) for name, code, w in _COOPERATIVES]
        elif entity_type == "9600":
            entries = [(name, code, w) for name, code, w in _SHOPS]
        else:
            suffix = _ENTITY_SUFFIXES[entity_type]
            entries = [(name + suffix, code, w) for name, code, w in _COMPANY_INDUSTRIES]
        naming_bands.append([(name, w) for name, _, w in entries])
        industry.extend(code for _, code, _ in entries)
    years = range(_FIRST_ESTABLISHED, _LAST_ESTABLISHED + 1)
    general = [(str(y), math.exp((y - _FIRST_ESTABLISHED) / 8)) for y in years]
    cooperative = [(str(y), w if int(y) >= 2007 else 0.0) for y, w in general]
    regions = (CITY_CODE, *_COUNTY_CODES)
    prefixes = (
        "济宁",
        *(f"{CITY_NAME}{c.name}" if c.is_district else c.name for c in JINING_COUNTIES),
    )
    authorities = (f"{CITY_NAME}市场监督管理局", *(c.market_authority for c in JINING_COUNTIES))
    values = {char: index for index, char in enumerate(CREDIT_CHARSET)}
    prefix_partial = [
        sum(values[c] * w for c, w in zip(f"9{digit}{region}", CREDIT_WEIGHTS[:8], strict=True))
        for region in regions
        for digit in range(4)
    ]
    org_check_index = [0] * 12
    for value in range(1, 12):
        char = "X" if value == 10 else "0" if value == 11 else str(value)
        org_check_index[value] = values[char]
    # Entities grow with the city: Rencheng (the urban core) registers more per head.
    county_weights = [w * (1.5 if i == 0 else 1.0) for i, w in enumerate(_COUNTY_WEIGHTS)]
    return _EntityTables(
        entity_type=_Choice.of([[(t, _ENTITY_TYPE_WEIGHTS[t]) for t in _ENTITY_TYPES]]),
        county=_county_choice(county_weights),
        year=_Choice.of([general, cooperative]),
        naming=_Choice.of(naming_bands),
        industry=pl.Series(industry, dtype=pl.String),
        capital=_Choice.of([[(v, float(w)) for v, w in _CAPITAL[t]] for t in _ENTITY_TYPES]),
        status=_Choice.of(_STATUS_BY_AGE),
        regions=regions,
        prefixes=prefixes,
        authorities=authorities,
        prefix_partial=pl.Series(prefix_partial, dtype=pl.Int64),
        org_value=pl.Series([int(c, 36) for c in CREDIT_CHARSET], dtype=pl.Int64),
        org_check_index=pl.Series(org_check_index, dtype=pl.Int64),
    )


def _legal_entity_columns(index: pl.Series, seed: int) -> pl.DataFrame:
    """All legal-entity columns (spec names, spec order) for arbitrary row indexes.

    Credit code: ``9`` (market regulation), entity digit, the registering
    county's (or the city's) code, an 8-character organisation-code body derived
    from the permuted row index, its GB 11714 check and the GB 32100 check.

    Hash streams: ``_he`` (0–15 type, 16–31 county, 32–47 city-level
    registration, 48–63 the representative's gender), ``_hd`` (0–15 year, 16–31
    day, 32–47 capital, 48–63 whether a representative is recorded), ``_hc``
    (name), ``_hn`` (representative's name), ``_ha`` (address), ``_hs`` (status).
    """
    t = _entity_tables()
    df = pl.DataFrame({"_i": index.cast(pl.UInt64)})
    df = _with_hashes(df, seed, ["_he", "_hn", "_ha", "_hc", "_hd", "_hs"])
    df = _with_permutation(df, seed, "legal_entity", "_v")
    df = df.with_columns(
        t.entity_type.index(_bits("_he", 0)).alias("_type"),
        t.county.index(_bits("_he", 16)).alias("_county"),
    )
    company = pl.col("_type").is_in([_TYPE_INDEX[c] for c in _CITY_LEVEL_TYPES])
    df = df.with_columns(
        pl.when(company & (_bits("_he", 32) < int(0.07 * _U16)))
        .then(pl.lit(0, dtype=pl.Int64))
        .otherwise(pl.col("_county") + 1)
        .alias("_region"),
        _take_int([_CREDIT_ENTITY_DIGIT.get(e, 1) for e in _ENTITY_TYPES], pl.col("_type")).alias(
            "_digit"
        ),
        t.year.pick(_bits("_hd", 0), (pl.col("_type") == _TYPE_INDEX["6100"]).cast(pl.Int64))
        .cast(pl.Int64)
        .alias("_year"),
    )
    df = df.with_columns(
        ((pl.col("_year") >= _MA_FROM_YEAR) | (pl.col("_type") == _TYPE_INDEX["9600"])).alias(
            "_ma"
        ),
        (pl.col("_v") + 10_000_000).alias("_numeric"),
    )
    # Organisation-code body: 8 CREDIT_CHARSET indexes (digits, or M A + base 31).
    body = []
    for k in range(8):
        numeric = (pl.col("_numeric") // 10 ** (7 - k)) % 10
        if k < 2:
            ma = pl.lit(CREDIT_CHARSET.index("MA"[k]), dtype=pl.Int64)
        else:
            ma = ((pl.col("_v") // 31 ** (7 - k)) % 31).cast(pl.Int64)
        body.append(
            pl.when(pl.col("_ma")).then(ma).otherwise(numeric.cast(pl.Int64)).alias(f"_b{k}")
        )
    df = df.with_columns(body)
    org_sum = pl.sum_horizontal(
        pl.lit(t.org_value).gather(pl.col(f"_b{k}")) * ORGANIZATION_WEIGHTS[k] for k in range(8)
    )
    df = df.with_columns(
        pl.lit(t.org_check_index).gather(11 - org_sum % 11).alias("_b8"),
    )
    credit_sum = pl.lit(t.prefix_partial).gather(pl.col("_region") * 4 + pl.col("_digit")) + (
        pl.sum_horizontal(pl.col(f"_b{k}") * CREDIT_WEIGHTS[8 + k] for k in range(9))
    )
    charset = tuple(CREDIT_CHARSET)
    year = pl.col("_year")
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    established = pl.date(year, 1, 1) + pl.duration(
        days=_bits("_hd", 16) % (365 + leap.cast(pl.Int64))
    )
    df = df.with_columns(
        pl.concat_str(
            pl.lit("9"),
            pl.col("_digit").cast(pl.String),
            _take(t.regions, pl.col("_region")),
            *(_take(charset, pl.col(f"_b{k}")) for k in range(9)),
            _take(charset, (31 - credit_sum % 31) % 31),
        ).alias("_code"),
        established.dt.to_string("%Y-%m-%d").alias("_established"),
        (REFERENCE_YEAR - year).alias("_age"),
        t.naming.index(_bits("_hc", 0), pl.col("_type")).alias("_naming"),
    )
    df = _with_address_parts(df, "_county", "_ha", "_address")
    trade = pl.concat_str(
        _take(_TRADE_CHARS, _bits("_hc", 16, 256) % len(_TRADE_CHARS)),
        _take(_TRADE_CHARS, _bits("_hc", 24, 256) % len(_TRADE_CHARS)),
        pl.when(_bits("_hc", 32, 256) < 40)
        .then(_take(_TRADE_CHARS, _bits("_hc", 40, 256) % len(_TRADE_CHARS)))
        .otherwise(pl.lit("")),
    )
    prefix = (
        pl.when(pl.col("_type").is_in([_TYPE_INDEX[c] for c in _COUNTY_NAMED_TYPES]))
        .then(_take([c.name for c in JINING_COUNTIES], pl.col("_county")))
        .otherwise(_take(t.prefixes, pl.col("_region")))
    )
    age_group = pl.when(pl.col("_age") < 3).then(0).when(pl.col("_age") < 10).then(1).otherwise(2)
    names = [f.name for f in LEGAL_ENTITY.fields]
    return df.select(
        pl.col("_code").alias(names[0]),
        pl.concat_str(prefix, trade, pl.lit(t.naming.values).gather(pl.col("_naming"))).alias(
            names[1]
        ),
        _take(_ENTITY_TYPES, pl.col("_type")).alias(names[2]),
        pl.when(_bits("_hd", 48) < int(0.99 * _U16))
        .then(_name_expr("_hn", pl.col("_county"), _bits("_he", 48) < int(0.8 * _U16)))
        .otherwise(pl.lit(""))
        .alias(names[3]),
        t.capital.pick(_bits("_hd", 32), pl.col("_type")).alias(names[4]),
        pl.col("_established").alias(names[5]),
        _take(t.authorities, pl.col("_region")).alias(names[6]),
        _address_text(_address_columns("_address")).alias(names[7]),
        t.status.pick(_bits("_hs", 0), age_group.cast(pl.Int64)).alias(names[8]),
        pl.lit(t.industry).gather(pl.col("_naming")).alias(names[9]),
    )


def legal_entity_frame(n: int, *, seed: int, start: int = 0) -> pl.DataFrame:
    """Rows ``start … start+n-1`` of the synthetic legal-entity register of ``seed``.

    Credit codes are valid (strict GB 32100, including the GB 11714 check) and
    unique by construction; the registration authority, the code's division and
    the name's prefix agree (7 % of companies are registered by the city bureau).
    ``注册资本`` is in 10 000 yuan.
    """
    return _legal_entity_columns(_index_series(start, n), seed)


# ------------------------------------------------------------------ divisions and addresses

_KM_PER_DEGREE_LAT: Final = 110.574
_KM_PER_DEGREE_LON_EQUATOR: Final = 111.320
_POLYGON_VERTICES: Final = 18


def _unit(seed: object, *parts: object) -> float:
    """A deterministic uniform draw in ``[0, 1)`` keyed by ``seed`` and ``parts``."""
    text = "\x1f".join(str(p) for p in (seed, *parts))
    digest = hashlib.blake2b(text.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") / 2**64


def _radius_degrees(county: County) -> tuple[float, float]:
    """(lon, lat) half-extent in degrees of a disc with the county's area."""
    radius_km = math.sqrt(county.area_km2 / math.pi)
    lon_km = _KM_PER_DEGREE_LON_EQUATOR * math.cos(math.radians(county.centre[1]))
    return radius_km / lon_km * county.extent[0], radius_km / _KM_PER_DEGREE_LAT * county.extent[1]


def _planar_area_km2(ring: Sequence[tuple[float, float]]) -> float:
    """Shoelace area of a lon/lat ring in a local equirectangular projection."""
    lat0 = sum(lat for _, lat in ring) / len(ring)
    kx = _KM_PER_DEGREE_LON_EQUATOR * math.cos(math.radians(lat0))
    points = [(lon * kx, lat * _KM_PER_DEGREE_LAT) for lon, lat in ring]
    twice = sum(
        x0 * y1 - x1 * y0
        for (x0, y0), (x1, y1) in zip(points, points[1:] + points[:1], strict=True)
    )
    return abs(twice) / 2


def _county_ring(county: County) -> list[tuple[float, float]]:
    """A star-shaped, counter-clockwise ring around the centre with the county's area.

    Vertices sit at increasing angles with jittered radii (0.75–1.25 of the
    mean), so the ring cannot self-intersect; the radii are then scaled so the
    planar area equals ``area_km2``.
    """
    rx, ry = _radius_degrees(county)
    cx, cy = county.centre
    shape = []
    for k in range(_POLYGON_VERTICES):
        angle = 2 * math.pi * k / _POLYGON_VERTICES
        factor = 0.75 + 0.5 * _unit("boundary", county.code, k)
        shape.append((math.cos(angle) * factor, math.sin(angle) * factor))
    unit_ring = [(cx + x * rx, cy + y * ry) for x, y in shape]
    scale = math.sqrt(county.area_km2 / _planar_area_km2(unit_ring))
    return [(cx + x * rx * scale, cy + y * ry * scale) for x, y in shape]


def _convex_hull(points: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """Andrew's monotone chain; counter-clockwise, without repeating the first point."""
    ordered = sorted(set(points))

    def cross(o: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list[tuple[float, float]] = []
    for p in ordered:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    upper: list[tuple[float, float]] = []
    for p in reversed(ordered):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return lower[:-1] + upper[:-1]


def _wkt_polygon(ring: Sequence[tuple[float, float]]) -> str:
    closed = [*ring, ring[0]]
    return "POLYGON ((" + ", ".join(f"{lon:.6f} {lat:.6f}" for lon, lat in closed) + "))"


def division_frame() -> pl.DataFrame:
    """Jining (370800) and its 11 current county-level units.

    Boundaries are schematic WGS84 polygons (a jittered ellipse per county with
    the county's approximate area; the city's is the convex hull of the
    counties, so it encloses more than the city's area). ``面积`` is the
    approximate official area in km² (the city's is the sum of its counties').
    The city's parent is 370000 山东省.
    """
    rings = [_county_ring(c) for c in JINING_COUNTIES]
    city_ring = _convex_hull([p for ring in rings for p in ring])
    province = CITY_CODE[:2] + "0000"
    rows = [
        (
            CITY_CODE,
            division_name(CITY_CODE) or CITY_NAME,
            province if division_name(province) else "",
            _wkt_polygon(city_ring),
            f"{sum(c.area_km2 for c in JINING_COUNTIES):.2f}",
        )
    ]
    for county, ring in zip(JINING_COUNTIES, rings, strict=True):
        rows.append(
            (county.code, county.name, CITY_CODE, _wkt_polygon(ring), f"{county.area_km2:.2f}")
        )
    names = [f.name for f in DIVISIONS.fields]
    return pl.DataFrame(rows, schema=[(n, pl.String) for n in names], orient="row")


_POI_TYPES: Final = _words(
    "超市 便利店 大药房 饭店 宾馆 幼儿园 卫生室 加油站 五金店 小区 花园 家园 广场 商厦 "
    "汽车维修中心 培训学校 菜市场 诊所"
)


def address_frame(n: int, *, seed: int, start: int = 0) -> pl.DataFrame:
    """Rows ``start … start+n-1`` of the synthetic standard-address table of ``seed``.

    ``地址编码`` is county (6) + town number in the county (3) + the permuted row
    index (9 digits): unique by construction. About 30 % of addresses name a
    point of interest. Coordinates are WGS84 with six decimals, around the
    county's centre (triangular spread over its schematic extent), clipped to
    :data:`JINING_BBOX`.
    """
    tables = _address_tables()
    df = pl.DataFrame({"_i": _index_series(start, n)})
    df = _with_hashes(df, seed, ["_ha", "_hp", "_hg"])
    df = _with_permutation(df, seed, "address", "_v")
    df = df.with_columns(_population_tables().county.index(_bits("_hp", 0)).alias("_county"))
    df = _with_address_parts(df, "_county", "_ha", "_address")
    radii = [_radius_degrees(c) for c in JINING_COUNTIES]
    west, south, east, north = JINING_BBOX

    def coordinate(axis: int, shift: int, low: float, high: float) -> pl.Expr:
        centre = pl.lit(pl.Series([c.centre[axis] for c in JINING_COUNTIES])).gather(
            pl.col("_county")
        )
        radius = pl.lit(pl.Series([r[axis] for r in radii])).gather(pl.col("_county"))
        spread = (_bits("_hg", shift) + _bits("_hg", shift + 16)).cast(pl.Float64) / _U16 - 1.0
        micro = ((centre + spread * radius).clip(low, high) * 1_000_000).round(0).cast(pl.Int64)
        text = micro.cast(pl.String)
        width = 3 if axis == 0 else 2
        return pl.concat_str(text.str.slice(0, width), pl.lit("."), text.str.slice(width))

    poi = pl.concat_str(
        _take(_TRADE_CHARS, _bits("_hp", 16, 256) % len(_TRADE_CHARS)),
        _take(_TRADE_CHARS, _bits("_hp", 24, 256) % len(_TRADE_CHARS)),
        _take(_POI_TYPES, _bits("_hp", 32, 256) % len(_POI_TYPES)),
    )
    names = [f.name for f in ADDRESSES.fields]
    return df.select(
        pl.concat_str(
            _take(_COUNTY_CODES, pl.col("_county")),
            pl.lit(tables.town_codes).gather(pl.col("_address_town")),
            (pl.col("_v") + 1_000_000_000).cast(pl.String).str.slice(1),
        ).alias(names[0]),
        _address_text(_address_columns("_address")).alias(names[1]),
        _take(_COUNTY_CODES, pl.col("_county")).alias(names[2]),
        pl.when(_bits("_hp", 40) < int(0.3 * _U16)).then(poi).otherwise(pl.lit("")).alias(names[3]),
        coordinate(0, 0, west, east).alias(names[4]),
        coordinate(1, 32, south, north).alias(names[5]),
    )


# ------------------------------------------------------------------ macro economy


@dataclass(frozen=True)
class _Indicator:
    """A published indicator: how its city value evolves and how counties relate.

    ``kind``: ``flow`` (counties take a share, months and quarters are
    cumulative year to date, December/Q4 equals the year), ``stock`` (counties
    by population), ``per_capita`` (counties by an income factor), ``rate`` (a
    cumulative growth rate in %), ``index`` (a price index, previous year = 100).
    """

    code: str
    name: str
    unit: str
    kind: str
    periods: tuple[str, ...]
    base: float  # city value in 2019 (flow/stock/per_capita) or mean rate
    growth: float  # yearly growth of the base (flow/stock/per_capita)
    decimals: int
    city_only: bool = False


_INDICATORS: Final = (
    _Indicator("A01", "地区生产总值", "亿元", "flow", ("年度", "季度"), 4370.0, 0.055, 2),
    _Indicator("A02", "一般公共预算收入", "亿元", "flow", ("年度", "月度"), 440.0, 0.03, 2),
    _Indicator("A03", "社会消费品零售总额", "亿元", "flow", ("年度", "月度"), 2000.0, 0.04, 2),
    _Indicator("A04", "常住人口", "万人", "stock", ("年度",), 835.0, -0.0025, 2),
    _Indicator("A05", "城镇居民人均可支配收入", "元", "per_capita", ("年度",), 36000.0, 0.055, 0),
    _Indicator("A06", "农村居民人均可支配收入", "元", "per_capita", ("年度",), 17200.0, 0.07, 0),
    _Indicator("A07", "规模以上工业增加值增速", "%", "rate", ("月度",), 6.5, 0.0, 1),
    _Indicator("A08", "固定资产投资增速", "%", "rate", ("月度",), 5.0, 0.0, 1),
    _Indicator("A09", "居民消费价格指数", "上年同月=100", "index", ("月度",), 101.5, 0.0, 1, True),
    _Indicator("A10", "进出口总额", "亿元", "flow", ("年度", "月度"), 450.0, 0.08, 2),
)
#: Approximate county shares of the city's economic totals; they add up to 0.9
#: because functional zones (高新区, 太白湖新区, 经开区) are reported apart.
_ECONOMIC_SHARES: Final = (0.18, 0.10, 0.06, 0.045, 0.065, 0.065, 0.065, 0.045, 0.07, 0.07, 0.135)
_INCOME_FACTORS: Final = (1.12, 1.05, 0.92, 0.9, 0.95, 0.9, 0.91, 0.88, 0.9, 1.0, 1.06)
#: Shocks on growth rates by year (2020: the pandemic's first quarter).
_RATE_SHIFT: Final = {2020: -4.0, 2021: 5.0, 2022: -0.5}
_QUARTER_SHARE: Final = (0.22, 0.47, 0.72, 1.0)


def macro_frame(*, seed: int, years: Sequence[int] = range(2019, 2026)) -> pl.DataFrame:
    """Main economic indicators of the city and its counties for ``years``.

    Periods: ``2023`` (年度), ``2023Q1`` (季度) and ``2023-01`` (月度) as fits each
    indicator; monthly growth rates start in February (China publishes January
    and February together). Values are plausible magnitudes with deterministic
    noise keyed by (seed, indicator, period, division), not statistics.
    ``(指标代码, 统计期, 行政区划代码)`` is unique.
    """
    rows: list[tuple[str, str, str, str, str, str, str]] = []
    divisions = (CITY_CODE, *_COUNTY_CODES)
    total_population = sum(_COUNTY_WEIGHTS)

    def noise(scale: float, *parts: object) -> float:
        return 1.0 + scale * (2 * _unit(seed, *parts) - 1)

    for ind in _INDICATORS:
        for year in years:
            level = ind.base * (1 + ind.growth) ** (year - 2019)
            periods: list[tuple[str, float]] = []
            if "年度" in ind.periods:
                periods.append((str(year), 1.0))
            if "季度" in ind.periods:
                periods.extend((f"{year}Q{q + 1}", share) for q, share in enumerate(_QUARTER_SHARE))
            if "月度" in ind.periods:
                first_month = 2 if ind.kind == "rate" else 1
                periods.extend((f"{year}-{m:02d}", m / 12) for m in range(first_month, 13))
            for position, division in enumerate(divisions):
                if ind.city_only and position > 0:
                    continue
                county = position - 1
                annual = level * noise(0.03, ind.code, year, "year")
                if position > 0:
                    if ind.kind == "flow":
                        annual *= _ECONOMIC_SHARES[county] * noise(0.05, ind.code, year, division)
                    elif ind.kind == "stock":
                        share = JINING_COUNTIES[county].population_10k / total_population
                        annual *= 0.96 * share * noise(0.01, ind.code, year, division)
                    elif ind.kind == "per_capita":
                        annual *= _INCOME_FACTORS[county] * noise(0.02, ind.code, year, division)
                for period, fraction in periods:
                    if ind.kind == "flow":
                        value = (
                            annual
                            if fraction == 1.0
                            else (annual * fraction * noise(0.02, ind.code, period, division))
                        )
                    elif ind.kind == "rate":
                        shift = _RATE_SHIFT.get(year, 0.0)
                        if year == 2020:
                            shift *= 3.0 - 2.0 * fraction  # deepest in spring, recovering
                        spread = 3.0 if position > 0 else 1.5
                        value = (
                            ind.base
                            + shift
                            + spread * (2 * _unit(seed, ind.code, period, division) - 1)
                        )
                    elif ind.kind == "index":
                        value = ind.base + 1.5 * (2 * _unit(seed, ind.code, period, division) - 1)
                    else:
                        value = annual
                    rows.append(
                        (
                            ind.code,
                            ind.name,
                            period,
                            division,
                            f"{value:.{ind.decimals}f}",
                            ind.unit,
                            "济宁市统计局",
                        )
                    )
    names = [f.name for f in MACRO_ECONOMY.fields]
    return pl.DataFrame(rows, schema=[(n, pl.String) for n in names], orient="row")


# ------------------------------------------------------------------ public credit records

_RECORD_TYPES: Final = tuple(SOCIAL_CREDIT.fields[3].enumeration)  # 红名单 黑名单 行政许可 行政处罚
#: Record-type weights for organisations and for natural persons.
_RECORD_TYPE_WEIGHTS: Final = (
    {"红名单": 15.0, "黑名单": 10.0, "行政许可": 45.0, "行政处罚": 30.0},
    {"红名单": 10.0, "黑名单": 20.0, "行政许可": 25.0, "行政处罚": 45.0},
)
#: Issuing department, decision-number text before and after the year, weight; by type.
_DEPARTMENTS: Final[dict[str, tuple[tuple[str, str, str, float], ...]]] = {
    "红名单": (
        ("济宁市发展和改革委员会", "济发改信用〔", "〕", 3.0),
        ("国家税务总局济宁市税务局", "济税信〔", "〕", 4.0),
        ("济宁市市场监督管理局", "济市监信〔", "〕", 2.0),
        ("济宁市人力资源和社会保障局", "济人社信〔", "〕", 1.0),
    ),
    "黑名单": (
        ("济宁市中级人民法院", "（", "）鲁08执", 5.0),
        ("济宁市发展和改革委员会", "济发改信用〔", "〕", 2.0),
        ("国家税务总局济宁市税务局", "济税稽罚〔", "〕", 2.0),
        ("济宁市市场监督管理局", "济市监异〔", "〕", 2.0),
    ),
    "行政许可": (
        ("济宁市行政审批服务局", "济审批许〔", "〕", 8.0),
        ("济宁市市场监督管理局", "济市监许〔", "〕", 2.0),
        ("济宁市生态环境局", "济环许〔", "〕", 2.0),
        ("济宁市交通运输局", "济交许〔", "〕", 1.0),
        ("济宁市住房和城乡建设局", "济建许〔", "〕", 1.0),
        ("济宁市卫生健康委员会", "济卫许〔", "〕", 1.0),
    ),
    "行政处罚": (
        ("济宁市市场监督管理局", "济市监罚〔", "〕", 6.0),
        ("济宁市生态环境局", "济环罚〔", "〕", 3.0),
        ("济宁市应急管理局", "济应急罚〔", "〕", 2.0),
        ("济宁市城市管理局", "济城管罚〔", "〕", 2.0),
        ("济宁市交通运输局", "济交罚〔", "〕", 2.0),
        ("济宁市自然资源和规划局", "济自然资规罚〔", "〕", 1.0),
        ("济宁市卫生健康委员会", "济卫罚〔", "〕", 1.0),
        ("国家税务总局济宁市税务局", "济税罚〔", "〕", 1.0),
    ),
}
#: Validity in days by record type (publicity period of a penalty, term of a licence…).
_VALIDITY_DAYS: Final = {
    "红名单": ((365, 2.0), (730, 1.0), (1095, 1.0)),
    "黑名单": ((1095, 3.0), (1825, 1.0)),
    "行政许可": ((1095, 1.0), (1826, 2.0)),
    "行政处罚": ((365, 2.0), (1095, 1.0)),
}
_DECISIONS_FROM: Final = date(2016, 1, 1)
_DECISION_DAYS: Final = (date(2025, 12, 31) - _DECISIONS_FROM).days + 1
_PERSON_SHARE: Final = 0.10


@dataclass(frozen=True)
class _CreditTables:
    record_type: _Choice  # band 0 organisation, 1 person; values = type index
    department: _Choice  # band = type index; values = row in the department lists
    department_names: tuple[str, ...]
    before_year: tuple[str, ...]
    after_year: tuple[str, ...]
    validity: _Choice  # band = type index; values = days


@lru_cache(maxsize=1)
def _credit_tables() -> _CreditTables:
    names: list[str] = []
    before: list[str] = []
    after: list[str] = []
    department_bands = []
    for record_type in _RECORD_TYPES:
        band = []
        for name, prefix, infix, weight in _DEPARTMENTS[record_type]:
            band.append((str(len(names)), weight))
            names.append(name)
            before.append(prefix)
            after.append(infix)
        department_bands.append(band)
    return _CreditTables(
        record_type=_Choice.of(
            [[(str(i), w[t]) for i, t in enumerate(_RECORD_TYPES)] for w in _RECORD_TYPE_WEIGHTS]
        ),
        department=_Choice.of(department_bands),
        department_names=tuple(names),
        before_year=tuple(before),
        after_year=tuple(after),
        validity=_Choice.of([[(str(d), w) for d, w in _VALIDITY_DAYS[t]] for t in _RECORD_TYPES]),
    )


def credit_record_frame(
    n: int,
    *,
    seed: int,
    start: int = 0,
    entity_seed: int | None = None,
    population_seed: int | None = None,
    entity_count: int = 100_000,
    population_count: int = 1_000_000,
) -> pl.DataFrame:
    """Rows ``start … start+n-1`` of synthetic public credit records of ``seed``.

    About 10 % of records concern a natural person: row ``j < population_count``
    of ``population_frame(…, seed=population_seed)``; the others concern row
    ``j < entity_count`` of ``legal_entity_frame(…, seed=entity_seed)``. The
    subject's code and name are those rows' (the two seeds default to ``seed``),
    so a load of those frames resolves every subject. ``记录编号`` embeds the
    permuted row index and is unique; ``有效期至`` is after ``有效期自``.
    """
    if not 0 < entity_count <= MAX_ROWS or not 0 < population_count <= MAX_ROWS:
        raise ValueError(f"entity_count and population_count must be in 1…{MAX_ROWS}")
    t = _credit_tables()
    df = pl.DataFrame({"_i": _index_series(start, n)})
    df = _with_hashes(df, seed, ["_hk", "_ht", "_hd"])
    df = _with_permutation(df, seed, "credit_record", "_v")
    person = _bits("_hk", 0) < int(_PERSON_SHARE * _U16)
    df = df.with_columns(
        pl.int_range(pl.len(), dtype=pl.Int64).alias("_row"),
        person.alias("_person"),
        pl.when(person)
        .then((pl.col("_hk") // _U16) % population_count)
        .otherwise((pl.col("_hk") // _U16) % entity_count)
        .alias("_subject"),
        t.record_type.pick(_bits("_ht", 0), person.cast(pl.Int64)).cast(pl.Int64).alias("_type"),
    )
    subjects = _credit_subjects(
        df.select("_row", "_person", "_subject"),
        entity_seed=seed if entity_seed is None else entity_seed,
        population_seed=seed if population_seed is None else population_seed,
    )
    df = df.join(subjects, on="_row", how="left").sort("_row")
    # A decision falls between the subject's establishment (or birth) and the end
    # of 2025, and not before 2016.
    earliest = pl.col("_earliest").clip(0, _DECISION_DAYS - 1)
    df = df.with_columns(
        (earliest + _bits("_hd", 0, 1 << 24) % (_DECISION_DAYS - earliest)).alias("_decided"),
        t.department.pick(_bits("_ht", 16), pl.col("_type")).cast(pl.Int64).alias("_dept"),
        t.validity.pick(_bits("_ht", 32), pl.col("_type")).cast(pl.Int64).alias("_validity"),
    )
    df = df.with_columns((pl.col("_decided") + _bits("_hd", 24, 8)).alias("_from"))
    decided = _iso_dates(pl.col("_decided"), _DECISIONS_FROM)
    names = [f.name for f in SOCIAL_CREDIT.fields]
    return df.select(
        pl.concat_str(
            pl.lit("JNXY"),
            decided.str.slice(0, 4),
            (pl.col("_v") + 100_000_000).cast(pl.String).str.slice(1),
        ).alias(names[0]),
        pl.col("_code").alias(names[1]),
        pl.col("_name").alias(names[2]),
        _take(_RECORD_TYPES, pl.col("_type")).alias(names[3]),
        _take(t.department_names, pl.col("_dept")).alias(names[4]),
        pl.concat_str(
            _take(t.before_year, pl.col("_dept")),
            decided.str.slice(0, 4),
            _take(t.after_year, pl.col("_dept")),
            (_bits("_hd", 32, 4096) % 2000 + 1).cast(pl.String),
            pl.lit("号"),
        ).alias(names[5]),
        decided.alias(names[6]),
        _iso_dates(pl.col("_from"), _DECISIONS_FROM).alias(names[7]),
        _iso_dates(pl.col("_from") + pl.col("_validity") - 1, _DECISIONS_FROM).alias(names[8]),
    )


def _credit_subjects(rows: pl.DataFrame, *, entity_seed: int, population_seed: int) -> pl.DataFrame:
    """``_row``, ``_code``, ``_name`` and ``_earliest`` of each record's subject.

    ``_earliest`` is the subject's establishment (or birth) date in days since
    2016-01-01 (negative when earlier).
    """
    people = rows.filter(pl.col("_person"))
    entities = rows.filter(~pl.col("_person"))
    person_columns = _population_columns(people["_subject"], population_seed)
    entity_columns = _legal_entity_columns(entities["_subject"], entity_seed)

    def subjects(
        rows: pl.DataFrame, columns: pl.DataFrame, spec: TableSpec, date_field: int
    ) -> pl.DataFrame:
        code, name, since = (spec.fields[k].name for k in (0, 1, date_field))
        return pl.DataFrame({"_row": rows["_row"]}).with_columns(
            columns[code].alias("_code"),
            columns[name].alias("_name"),
            (columns[since].str.to_date("%Y-%m-%d") - pl.lit(_DECISIONS_FROM))
            .dt.total_days()
            .cast(pl.Int64)
            .alias("_earliest"),
        )

    return pl.concat(
        [
            subjects(people, person_columns, POPULATION, 3),
            subjects(entities, entity_columns, LEGAL_ENTITY, 5),
        ]
    )


# ------------------------------------------------------------------ CSV


def write_frame_csv(
    frame: pl.DataFrame,
    file: IO[bytes],
    *,
    encoding: Encoding = "utf-8",
    include_header: bool = True,
) -> int:
    """Write ``frame`` as CSV to a binary file; return the number of bytes written.

    UTF-8 goes straight from Polars' writer (through a buffer when ``file``
    cannot tell its position); GB18030 (what many Chinese desktop tools still
    produce) is encoded from Polars' UTF-8 text. No BOM. Empty strings are
    written ``""`` (Polars' convention, so that a Polars read gives ``""`` back,
    not null); plain CSV readers see an empty field either way.
    """
    if encoding == "utf-8":
        if file.seekable():
            before = file.tell()
            frame.write_csv(file, include_header=include_header)
            return file.tell() - before
        buffer = io.BytesIO()
        frame.write_csv(buffer, include_header=include_header)
        data = buffer.getvalue()
    elif encoding == "gb18030":
        data = frame.write_csv(include_header=include_header).encode("gb18030")
    else:
        raise ValueError(f"unsupported encoding {encoding!r}")
    file.write(data)
    return len(data)


def write_population_csv(
    path: str | Path,
    n: int,
    *,
    seed: int,
    encoding: Encoding = "utf-8",
    chunk_rows: int = 500_000,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Stream ``n`` population rows of ``seed`` to a CSV file; return bytes written.

    The header is written once; rows are generated and written ``chunk_rows``
    at a time, so memory stays bounded whatever ``n``. ``progress`` is called
    with the number of rows written after each chunk.
    """
    written = 0
    done = 0
    with Path(path).open("wb") as file:
        for chunk in iter_population_chunks(n, seed=seed, chunk_rows=chunk_rows):
            written += write_frame_csv(chunk, file, encoding=encoding, include_header=done == 0)
            done += chunk.height
            if progress is not None:
                progress(done)
        if n == 0:
            written += write_frame_csv(population_frame(0, seed=seed), file, encoding=encoding)
    return written


# ------------------------------------------------------------------ defective rows for loader tests


class BadRow(TypedDict):
    """A row with exactly one known defect: ``column`` (a header) breaks ``defect``."""

    defect: str
    column: str
    row: dict[str, str]


def _bad(base: dict[str, str], defect: str, column: str, value: str) -> BadRow:
    return BadRow(defect=defect, column=column, row={**base, column: value})


def bad_population_rows() -> list[BadRow]:
    """Population rows, each valid except for one named column.

    The identity number is left valid in every row, so the bad birth date and
    the bad gender code are the only field-level defects of their rows (a
    cross-field check against the number would flag them too).
    """
    base: dict[str, str] = population_frame(1, seed=20240601).row(0, named=True)
    id_number = base["公民身份号码"]
    wrong_check = "0" if id_number[-1] != "0" else "1"
    return [
        _bad(base, "id-number.check-character", "公民身份号码", id_number[:-1] + wrong_check),
        _bad(base, "date.invalid", "出生日期", "1985-02-30"),
        _bad(base, "division.unknown", "户籍地行政区划代码", "370899"),
        _bad(base, "enumeration", "性别", "3"),
        _bad(base, "required", "姓名", ""),
        _bad(base, "max-length", "姓名", "张" + "三" * 50),
        _bad(base, "enumeration", "民族", "99"),
        _bad(base, "phone", "联系电话", "1234567"),
    ]


def bad_legal_entity_rows() -> list[BadRow]:
    """Legal-entity rows, each valid except for one named column."""
    base: dict[str, str] = legal_entity_frame(1, seed=20240601).row(0, named=True)
    code = base["统一社会信用代码"]
    wrong_check = "0" if code[-1] != "0" else "1"
    return [
        _bad(base, "credit-code.charset", "统一社会信用代码", code[:9] + "I" + code[10:]),
        _bad(base, "credit-code.check-character", "统一社会信用代码", code[:-1] + wrong_check),
        _bad(base, "enumeration", "市场主体类型", "9999"),
        _bad(base, "date.invalid", "成立日期", "2023-02-29"),
        _bad(base, "required", "企业名称", ""),
        _bad(base, "enumeration", "登记状态", "歇业"),
    ]
