"""The demo's open data: the open part of the demo catalog published with generated rows.

Every published entry whose open attribute is 开放 or 有条件开放 gets synthetic,
deterministic rows (seeded by its resource code) that fit its information items:
bus lines with their terminals and first/last buses, hourly air quality at
monitoring stations, hospitals, schools and other places with addresses in the
right county and coordinates inside Jining, statistics per county and period,
licences with valid-looking numbers. No real person or company is described.

The rows go through the real release workflow (Art. 31): de-identification, the
k-anonymity check, and publication only when the check passes. An entry whose
record-level form fails the check (for example bus-card swipes, one card per
row) is released as statistics instead, counted per line and period, with small
cells suppressed; both decisions are in the audit log.

Idempotent: an entry with any release (published or blocked) is left alone.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy.orm import Session

from smartcity.core.identifiers import make_credit_code
from smartcity.core.security import SYSTEM
from smartcity.domains.catalog import service as catalog_service
from smartcity.domains.catalog.enums import DataType, EntryStatus, OpenType, UpdateCycle
from smartcity.domains.opendata import service
from smartcity.domains.opendata.enums import ReleaseKind, ReleaseState
from smartcity.domains.opendata.schemas import ReleasePrepare, ReleasePublish

#: The twelve county-level divisions of Jining (GB/T 2260) and a few roads in each.
COUNTIES: tuple[tuple[str, str], ...] = (
    ("370811", "任城区"),
    ("370812", "兖州区"),
    ("370826", "微山县"),
    ("370827", "鱼台县"),
    ("370828", "金乡县"),
    ("370829", "嘉祥县"),
    ("370830", "汶上县"),
    ("370831", "泗水县"),
    ("370832", "梁山县"),
    ("370881", "曲阜市"),
    ("370883", "邹城市"),
)
ROADS = (
    "太白楼路",
    "共青团路",
    "红星路",
    "建设路",
    "琵琶山路",
    "洸河路",
    "车站西路",
    "吴泰闸路",
    "金宇路",
    "荷花路",
    "古槐路",
    "济安桥路",
    "运河路",
    "鲁源路",
    "崇文大道",
)
STOPS = (
    "火车站",
    "太白楼",
    "济宁学院",
    "万达广场",
    "北湖",
    "高新区管委会",
    "市立医院",
    "附属医院",
    "汽车北站",
    "运河城",
    "王母阁",
    "济宁站",
    "孔子大道",
    "曲阜东站",
    "邹城客运站",
    "兖州站",
)
STATIONS = (
    "市监测站",
    "济宁学院",
    "火炬城",
    "电化厂",
    "高新区",
    "北湖度假区",
    "兖州区政府",
    "曲阜师范大学",
    "邹城市环保局",
    "微山县政府",
)
WORDS = (
    "鲁运",
    "圣地",
    "运河",
    "华宇",
    "泰山",
    "孔孟",
    "金宇",
    "北湖",
    "太白",
    "嘉禾",
    "汇通",
    "鸿顺",
    "兴隆",
    "瑞丰",
    "祥和",
    "永安",
)
TRADES = ("商贸", "建设", "物流", "科技", "食品", "医药", "机械", "农业", "能源", "文化", "环保")
FORMS = ("有限公司", "有限责任公司", "股份有限公司")
CATEGORY_VALUES = ("一类", "二类", "三类")
LEVELS = ("A", "B", "C")
HOSPITALS = ("人民医院", "中医院", "妇幼保健院", "第二人民医院", "社区卫生服务中心")
SCHOOLS = ("实验小学", "第一中学", "第二实验小学", "职业中专", "实验中学", "幼儿园")
NOW = datetime(2026, 11, 30, 23, 0, 0)
TODAY = date(2026, 11, 30)
TAG_WORDS = (
    "公交",
    "空气质量",
    "水质",
    "气象",
    "医疗",
    "学校",
    "教育",
    "企业",
    "信用",
    "交通",
    "旅游",
    "农业",
    "价格",
    "统计",
    "许可",
    "处罚",
    "停车",
    "应急",
    "食品",
    "药品",
    "文化",
    "体育",
    "养老",
    "住房",
    "规划",
    "能耗",
    "财政",
    "就业",
)
_ROWS_BY_CYCLE = {
    UpdateCycle.realtime: 720,
    UpdateCycle.daily: 365,
    UpdateCycle.weekly: 104,
    UpdateCycle.monthly: 132,
    UpdateCycle.quarterly: 88,
    UpdateCycle.half_yearly: 66,
    UpdateCycle.yearly: 77,
    UpdateCycle.irregular: 150,
}


@dataclass
class _Row:
    """What the values of one row share (its county, place, moment, organization)."""

    n: int
    rng: random.Random
    county: tuple[str, str]
    moment: datetime
    organization: str
    line: int


def _company(rng: random.Random) -> str:
    return f"济宁{rng.choice(WORDS)}{rng.choice(TRADES)}{rng.choice(FORMS)}"


def _credit_code(rng: random.Random) -> str:
    return make_credit_code("9", "1", rng.choice(COUNTIES)[0], f"{rng.randrange(10**8):08d}")


def _address(row: _Row) -> str:
    return f"山东省济宁市{row.county[1]}{row.rng.choice(ROADS)}{row.rng.randint(1, 300)}号"


def _period(row: _Row, cycle: UpdateCycle) -> str:
    if cycle is UpdateCycle.yearly:
        return str(2025 - row.n // len(COUNTIES) % 7)
    if cycle is UpdateCycle.quarterly:
        quarter = row.n // len(COUNTIES) % 8
        return f"{2025 - quarter // 4}年第{4 - quarter % 4}季度"
    month = row.n // len(COUNTIES) % 24
    year, m = 2025 - month // 12, 12 - month % 12
    return f"{year}-{m:02d}"


def _aqi(pm25: float) -> int:
    return int(min(500, pm25 * 1.4 + 8))


# (pattern, generator) in order: the first pattern found in an item name wins.
_Gen = Callable[[_Row, UpdateCycle], Any]
_RULES: list[tuple[str, _Gen]] = [
    ("统一社会信用代码|纳税人识别号", lambda r, c: _credit_code(r.rng)),
    ("行政区划代码|上级行政区划代码", lambda r, c: r.county[0]),
    ("行政区划名称|作业区域|所在区县", lambda r, c: r.county[1]),
    ("经度", lambda r, c: round(116.35 + r.rng.random() * 0.9, 6)),
    ("纬度", lambda r, c: round(34.95 + r.rng.random() * 0.85, 6)),
    ("线路编号", lambda r, c: f"{r.line}"),
    ("线路名称", lambda r, c: f"{r.line}路"),
    ("起点站", lambda r, c: STOPS[r.line % len(STOPS)]),
    ("终点站", lambda r, c: STOPS[(r.line * 7 + 3) % len(STOPS)]),
    ("首班时间", lambda r, c: f"0{5 + r.line % 2}:{(r.line * 10) % 60:02d}"),
    ("末班时间", lambda r, c: f"{20 + r.line % 3}:{(r.line * 15) % 60:02d}"),
    ("票价", lambda r, c: float(1 + r.line % 2)),
    ("线路长度", lambda r, c: round(8 + r.rng.random() * 30, 1)),
    ("运营单位", lambda r, c: "济宁市公共交通集团有限公司"),
    (
        "监测站点名称|站点名称|气象站号|雨量站名称|水文站名称",
        lambda r, c: STATIONS[r.n % len(STATIONS)],
    ),
    ("监测站点编码|站点编号|水文站编码", lambda r, c: f"3708{r.n % len(STATIONS):02d}A"),
    ("PM2.5", lambda r, c: round(15 + r.rng.random() * 90, 1)),
    ("PM10", lambda r, c: round(30 + r.rng.random() * 120, 1)),
    ("二氧化硫", lambda r, c: round(3 + r.rng.random() * 20, 1)),
    ("二氧化氮", lambda r, c: round(10 + r.rng.random() * 45, 1)),
    ("一氧化碳", lambda r, c: round(0.3 + r.rng.random() * 1.2, 2)),
    ("臭氧", lambda r, c: round(20 + r.rng.random() * 150, 1)),
    ("空气质量指数", lambda r, c: _aqi(15 + r.rng.random() * 90)),
    ("空气质量级别", lambda r, c: r.rng.choice(("一级", "二级", "二级", "三级"))),
    ("空气质量类别", lambda r, c: r.rng.choice(("优", "良", "良", "轻度污染"))),
    ("首要污染物", lambda r, c: r.rng.choice(("PM2.5", "PM10", "O3", "—"))),
    ("医疗机构名称", lambda r, c: f"{r.county[1]}{HOSPITALS[r.n % len(HOSPITALS)]}"),
    ("学校名称", lambda r, c: f"{r.county[1]}{SCHOOLS[r.n % len(SCHOOLS)]}"),
    (
        "景区名称",
        lambda r, c: r.rng.choice(
            ("三孔景区", "微山湖国家湿地公园", "水泊梁山风景区", "孟府孟庙", "太白楼", "南阳古镇")
        ),
    ),
    (
        "名称$|单位名称|企业名称|经营者名称|信用主体名称|项目单位|建设单位|施工单位|监理单位|"
        "开发企业|取水单位|排污单位|缴存单位|养殖场名称|纳税人名称|被抽样单位|标称生产企业|"
        "中标供应商|权属单位|养护单位|主管部门|举办者|被审计单位|物业服务企业|预算单位|设置单位",
        lambda r, c: r.organization,
    ),
    ("地址|住所|地点|位置|经营场所|标准地址|学区范围", lambda r, c: _address(r)),
    ("电话", lambda r, c: f"0537-0{r.rng.randrange(10**6):06d}"),
    ("所在社区", lambda r, c: f"{r.county[1]}{r.rng.choice(ROADS)}社区"),
    ("统计年度|评价年度|认定年度", lambda r, c: 2025 - r.n // len(COUNTIES) % 7),
    ("统计期别|统计期$|统计时段", _period),
]


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _typed(data_type: DataType, value: Any, row: _Row) -> Any:
    """The value, of the item's type whatever the name suggested."""
    rng = row.rng
    match data_type:
        case DataType.integer if not isinstance(value, int) or isinstance(value, bool):
            return int(value) if isinstance(value, float) else rng.randint(1, 2000)
        case DataType.decimal if not isinstance(value, int | float) or isinstance(value, bool):
            return round(rng.uniform(10, 10_000), 2)
        case DataType.date if not (isinstance(value, str) and _ISO_DATE.match(value)):
            return (TODAY - timedelta(days=rng.randrange(2000))).isoformat()
        case DataType.datetime if not isinstance(value, str) or "T" not in value:
            return row.moment.isoformat()
        case DataType.boolean if not isinstance(value, bool):
            return rng.random() < 0.2
    return value


def _generator(name: str, data_type: DataType) -> _Gen:
    """How to make the values of one item, decided once per column from its name."""
    for pattern, generate in _RULES:
        if re.search(pattern, name):
            return generate
    if data_type is DataType.datetime or name.endswith("时间"):
        return lambda r, c: r.moment.isoformat()
    if data_type is DataType.date or "日期" in name or "有效期" in name:
        later = name.endswith("至")

        def day(r: _Row, c: UpdateCycle) -> str:
            start = TODAY - timedelta(days=r.rng.randrange(2000))
            return (start + timedelta(days=1825 if later else 0)).isoformat()

        return day
    if data_type is DataType.boolean or name.endswith(("标识", "标志")):
        return lambda r, c: r.rng.random() < 0.2
    if data_type is DataType.integer or re.search("人数|人次|数量|数$|套数|床位", name):
        return lambda r, c: r.rng.randint(1, 2000)
    if re.search("增速|增长|率$|率（", name):
        return lambda r, c: round(r.rng.uniform(-3, 12), 1)
    if data_type is DataType.decimal or re.search(
        "金额|投资|资本|收入|总值|面积|价格|量$|浓度|值$", name
    ):
        return lambda r, c: round(r.rng.uniform(10, 100_000), 2)
    if re.search("等级|级别", name):
        return lambda r, c: r.rng.choice(LEVELS)
    if re.search("类型|类别|性质|状态|方式", name):
        return lambda r, c: r.rng.choice(CATEGORY_VALUES)
    if re.search("编号|编码|文号|证号|代码|许可证|批准|档号|追溯码|车牌", name):
        return lambda r, c: f"JN{2020 + r.n % 6}{r.n + 1:05d}"
    return lambda r, c: f"{name}{r.n % 40 + 1}"


def generate_rows(entry: Any, count: int) -> tuple[list[str], list[list[Any]]]:
    """A header (the entry's item names) and ``count`` rows fitting them."""
    rng = random.Random(entry.resource_code)
    header = [item.name for item in entry.items]
    cycle = entry.update_cycle
    step = timedelta(hours=1) if cycle is UpdateCycle.realtime else timedelta(days=1)
    organizations = [_company(rng) for _ in range(max(3, count // 4))]
    generators = [(item.data_type, _generator(item.name, item.data_type)) for item in entry.items]
    rows: list[list[Any]] = []
    for n in range(count):
        row = _Row(
            n=n,
            rng=rng,
            county=COUNTIES[n % len(COUNTIES)],
            moment=NOW
            - step * (n // max(1, len(STATIONS) if cycle is UpdateCycle.realtime else 1)),
            organization=organizations[n % len(organizations)],
            line=1 + n % 30,
        )
        rows.append([_typed(t, generate(row, cycle), row) for t, generate in generators])
    return header, rows


def _tags(entry: Any) -> list[str]:
    tags = [entry.category_name] if entry.category_name else []
    tags += [word for word in TAG_WORDS if word in entry.name and word not in tags]
    return tags[:4]


def _size(entry: Any) -> int:
    count = _ROWS_BY_CYCLE.get(entry.update_cycle, 150)
    return max(50, min(2000, count))


class DemoEntryLike(Protocol):
    """What the loader reads of a demo catalog entry (``catalog.demo_content.DemoEntry``,
    which composition passes in: a domain does not import another's demo module)."""

    @property
    def resource_code(self) -> str: ...

    @property
    def open_type(self) -> OpenType: ...


#: The demo opens the first this many open entries of the catalog (the issue's "about
#: 100 datasets"), which keeps ``smartcity demo load`` fast.
MAX_DATASETS = 100


def load(session: Session, *, entries: Sequence[DemoEntryLike]) -> int:
    """Publish the first ``MAX_DATASETS`` open demo entries that have no dataset yet;
    returns how many were published now."""
    published = 0
    openable = [e for e in entries if e.open_type is not OpenType.closed][:MAX_DATASETS]
    for number, demo in enumerate(openable):
        found = catalog_service.find_entry_by_code(session, demo.resource_code)
        if found is None or found.status is not EntryStatus.published:
            continue
        if service.entry_has_releases(session, found.id):
            continue
        entry = catalog_service.get_entry(session, actor=SYSTEM, entry_id=found.id)
        if not entry.items:
            continue
        header, rows = generate_rows(entry, _size(entry))
        text_rows = [["" if v is None else str(v) for v in row] for row in rows]
        release = service.prepare_release(
            session,
            actor=SYSTEM,
            data=ReleasePrepare(entry_id=entry.id),
            header=header,
            rows=text_rows,
            source_name="演示数据（程序生成）",
        )
        if release.state is ReleaseState.failed:
            release = _statistics(session, entry, header, text_rows) or release
        if release.state is not ReleaseState.passed:
            continue
        service.publish_release(
            session,
            actor=SYSTEM,
            release_id=release.id,
            data=ReleasePublish(
                tags=_tags(entry),
                license_id="cc-by-4.0" if number % 3 == 0 else "jining-open-data",
            ),
        )
        published += 1
    return published


def _statistics(session: Session, entry: Any, header: list[str], rows: list[list[str]]) -> Any:
    """The entry's statistical form: counts per its first non-personal fields."""
    candidates = [
        position
        for position, item in enumerate(entry.items)
        if not item.is_personal
        and not item.is_sensitive
        and item.identifies.value == "none"
        and item.data_type not in {DataType.decimal, DataType.datetime}
    ]
    if not candidates:
        return None
    # Group by the plain field with the fewest distinct values: the fewest small cells.
    best = min(candidates, key=lambda p: len({row[p] for row in rows}))
    plain = [entry.items[best].name]
    release = service.prepare_release(
        session,
        actor=SYSTEM,
        data=ReleasePrepare(entry_id=entry.id, kind=ReleaseKind.statistical, group_by=plain),
        header=header,
        rows=rows,
        source_name="演示数据（程序生成）",
    )
    return release
