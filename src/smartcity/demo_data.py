"""The synthetic Jining loaded by ``smartcity demo load``: organizations, duties, accounts.

Plain data, no logic beyond small helpers. The names are those of today's
bodies (after the 2018–2019 institutional reforms); the unified social credit
codes, addresses and telephone numbers are synthetic (telephone numbers start
with 0 after the area code, which no real local number does). No personal data.

Which organization carries which duty of the regulation follows the mapping in
``smartcity.domains.registry.regulation``: the regulation (2016) names bodies
as they were then, and ``DUTY_NOTES`` explains where a named body went.
"""

from __future__ import annotations

from dataclasses import dataclass

from smartcity.domains.identity.permissions import Role
from smartcity.domains.registry.enums import OrganizationKind

CITY_DIVISION = "370800"
CITY_NAME = "济宁市"

# ------------------------------------------------------------------ notes on renamed bodies

NOTE_BIG_DATA = (
    "条例制定时由市经济和信息化委员会承担；2019年机构改革组建市大数据局，"
    "智慧城市统筹规划、云数据平台、信息资源目录和数据共享交换职责由大数据局承担，"
    "工业和信息化局保留工业经济和信息产业职责。"
)
NOTE_MARKET = "2019年机构改革，原工商、质监、食药监职责划入市场监督管理局。"
NOTE_ECOLOGY = "2019年机构改革，原环境保护局职责划入生态环境局。"
NOTE_NATURAL_RESOURCES = "2019年机构改革，原国土资源局、城乡规划局职责整合划入自然资源和规划局。"
NOTE_EMERGENCY = "2019年机构改革，原安全生产监督管理局职责划入应急管理局。"
NOTE_HEALTH = "2019年机构改革，原卫生和计划生育委员会职责划入卫生健康委员会。"
NOTE_TOURISM = "2019年机构改革，原旅游发展委员会职责划入文化和旅游局。"
NOTE_AGRICULTURE = "2019年机构改革，原农业局职责划入农业农村局。"
NOTE_WATER = "本市水利职责由水务局承担。"
NOTE_FINANCE = "原金融工作办公室，2019年机构改革组建地方金融监督管理局。"
NOTE_REAL_ESTATE = "不动产统一登记由自然资源和规划局所属不动产登记中心承办。"
NOTE_SUPERVISION = "2018年监察体制改革，原监察局职责划入监察委员会。"
NOTE_DISCIPLINE = "对公职人员的处分由任免机关或监察机关依法作出。"
NOTE_HOTLINE = "网上百姓热线由12345政务服务便民热线承办。"
NOTE_COUNTY_IT = (
    "2019年机构改革，县级经济和信息化局更名为工业和信息化局，承担本辖区智慧城市指导、"
    "协调、监督职责；本级大数据中心提供平台技术支撑。"
)

# ------------------------------------------------------------------ data shapes

Duty = tuple[int, str, str]  # (article, named body as the regulation names it, note)


@dataclass(frozen=True)
class MunicipalUnit:
    """A municipal department or unit (市直部门、单位), code ``370800-<abbr>``."""

    abbr: str
    name: str  # without the 济宁市 prefix, unless ``full_name``
    short_name: str
    kind: OrganizationKind = OrganizationKind.municipal_department
    entity_type: str = "1"  # GB 32100 position 2 under authority 1: 1 机关, 2 事业单位
    parent: str | None = "CITY"  # abbr of the parent; "CITY" = 市人民政府; None = root
    full_name: bool = False  # ``name`` is already the full name
    vertical: bool = False  # managed vertically by a central body (not a 市直部门 of Art. 22)
    description: str = ""
    duties: tuple[Duty, ...] = ()


@dataclass(frozen=True)
class County:
    """A county-level unit (县、县级市、市辖区) with its GB/T 2260 code."""

    division_code: str
    name: str
    is_district: bool  # 市辖区: part of the 市区 of Art. 14, not a 县（市）


@dataclass(frozen=True)
class CountyUnit:
    """A department every county has, code ``<division>-<abbr>``."""

    abbr: str
    suffix: str
    short_suffix: str
    kind: OrganizationKind = OrganizationKind.county_department
    entity_type: str = "1"
    duties: tuple[Duty, ...] = ()


@dataclass(frozen=True)
class Zone:
    """A development zone of Art. 73 (zone code: statistical, not GB/T 2260)."""

    code: str
    name: str
    short_name: str
    zone_code: str


@dataclass(frozen=True)
class OutsideBody:
    """A non-government body (Art. 16–17, 29–30): association or enterprise."""

    code: str
    name: str
    short_name: str
    kind: OrganizationKind
    authority: str  # GB 32100 position 1: 5 民政, 9 市场监督管理
    entity_type: str
    body_prefix: str  # first characters of the synthetic organisation code
    division_code: str = CITY_DIVISION
    description: str = ""
    duties: tuple[Duty, ...] = ()


@dataclass(frozen=True)
class DemoUser:
    """One demo account per role."""

    username: str
    display_name: str
    role: Role
    organization: str | None  # organization code


# ------------------------------------------------------------------ the city

CITY_GOVERNMENT_NAME = "济宁市人民政府"
CITY_DUTIES: tuple[Duty, ...] = (
    (4, "市人民政府", "智慧城市建设管理协调推进机制，日常工作由市大数据局承担。"),
    (5, "市、县（市、区）人民政府", ""),
    (14, "市人民政府", "市区（任城区、兖州区及功能区）重点公共区域免费无线网络。"),
    (23, "市人民政府及有关部门", ""),
    (25, "市人民政府", ""),
    (51, "市、县（市、区）人民政府", "社会信用体系建设牵头部门为市发展和改革委员会。"),
    (58, "市人民政府", "财政投资信息化项目由市大数据局会同市财政局扎口审核。"),
    (59, "市人民政府", ""),
    (60, "市、县（市、区）人民政府", ""),
    (61, "市、县（市、区）人民政府", ""),
    (62, "市、县（市、区）人民政府", ""),
)

_ECON_IT = "市经济和信息化主管部门"

MUNICIPAL_UNITS: tuple[MunicipalUnit, ...] = (
    MunicipalUnit(
        "BGS",
        "人民政府办公室",
        "市政府办公室",
        duties=(
            (8, "市政府办公室", ""),
            (43, "市、县（市、区）人民政府办公室", ""),
        ),
    ),
    MunicipalUnit(
        "FGW",
        "发展和改革委员会",
        "市发展改革委",
        duties=(
            (8, "发展改革部门", ""),
            (23, "市人民政府及有关部门", "宏观经济、社会信用基础数据库。"),
        ),
    ),
    MunicipalUnit(
        "JYJ",
        "教育局",
        "市教育局",
        duties=(
            (35, "教育主管部门", ""),
            (65, "教育主管部门", ""),
        ),
    ),
    MunicipalUnit("KJJ", "科学技术局", "市科技局", duties=((40, "科技部门", ""),)),
    MunicipalUnit(
        "GXJ",
        "工业和信息化局",
        "市工业和信息化局",
        description=(
            "承担工业经济运行和信息产业发展职责。条例中“市经济和信息化主管部门”的"
            "智慧城市统筹职责已于2019年机构改革划入市大数据局。"
        ),
    ),
    MunicipalUnit(
        "GAJ",
        "公安局",
        "市公安局",
        duties=(
            (8, "公安部门", ""),
            (23, "市人民政府及有关部门", "人口基础数据库。"),
            (44, "公安机关", ""),
        ),
    ),
    MunicipalUnit("MZJ", "民政局", "市民政局", duties=((38, "民政主管部门", ""),)),
    MunicipalUnit("SFJ", "司法局", "市司法局"),
    MunicipalUnit(
        "CZJ",
        "财政局",
        "市财政局",
        duties=(
            (21, "财政部门", ""),
            (63, "财政部门", ""),
        ),
    ),
    MunicipalUnit(
        "RSJ",
        "人力资源和社会保障局",
        "市人力资源社会保障局",
        duties=(
            (36, "人社主管部门", ""),
            (66, "人社部门", ""),
        ),
    ),
    MunicipalUnit(
        "ZRZY",
        "自然资源和规划局",
        "市自然资源和规划局",
        duties=(
            (8, "城乡规划部门", NOTE_NATURAL_RESOURCES),
            (8, "国土资源部门", NOTE_NATURAL_RESOURCES),
            (23, "市人民政府及有关部门", "空间地理基础数据库。"),
            (47, "国土资源主管部门", NOTE_NATURAL_RESOURCES),
        ),
    ),
    MunicipalUnit(
        "STHJ", "生态环境局", "市生态环境局", duties=((46, "环境保护主管部门", NOTE_ECOLOGY),)
    ),
    MunicipalUnit(
        "ZJJ",
        "住房和城乡建设局",
        "市住房城乡建设局",
        duties=(
            (8, "住建部门", ""),
            (39, "住建主管部门", ""),
        ),
    ),
    MunicipalUnit(
        "CGJ",
        "城市管理局",
        "市城市管理局",
        duties=(
            (8, "城市管理部门", ""),
            (45, "城市管理主管部门", ""),
        ),
    ),
    MunicipalUnit(
        "JTJ",
        "交通运输局",
        "市交通运输局",
        duties=(
            (8, "交通运输部门", ""),
            (34, "交通运输主管部门", ""),
        ),
    ),
    MunicipalUnit("SLJ", "水务局", "市水务局", duties=((40, "水利部门", NOTE_WATER),)),
    MunicipalUnit(
        "NYNC", "农业农村局", "市农业农村局", duties=((40, "农业部门", NOTE_AGRICULTURE),)
    ),
    MunicipalUnit("SHANGWU", "商务局", "市商务局", duties=((40, "商务部门", ""),)),
    MunicipalUnit(
        "WHLY", "文化和旅游局", "市文化和旅游局", duties=((37, "旅游主管部门", NOTE_TOURISM),)
    ),
    MunicipalUnit(
        "WJW", "卫生健康委员会", "市卫生健康委", duties=((32, "卫生计生主管部门", NOTE_HEALTH),)
    ),
    MunicipalUnit("TYJR", "退役军人事务局", "市退役军人事务局"),
    MunicipalUnit(
        "YJJ", "应急管理局", "市应急管理局", duties=((48, "安全生产监管部门", NOTE_EMERGENCY),)
    ),
    MunicipalUnit("SJJ", "审计局", "市审计局"),
    MunicipalUnit("GZW", "人民政府国有资产监督管理委员会", "市国资委"),
    MunicipalUnit(
        "SCJG",
        "市场监督管理局",
        "市市场监管局",
        duties=(
            (23, "市人民政府及有关部门", "法人基础数据库。"),
            (49, "食品药品监管部门", NOTE_MARKET),
            (50, "工商行政管理部门", NOTE_MARKET),
            (50, "质量技术监督部门", NOTE_MARKET),
            (69, "市工商行政管理部门", NOTE_MARKET),
        ),
    ),
    MunicipalUnit(
        "TJJ", "统计局", "市统计局", duties=((23, "市人民政府及有关部门", "宏观经济基础数据库。"),)
    ),
    MunicipalUnit("YBJ", "医疗保障局", "市医疗保障局"),
    MunicipalUnit("TYJ", "体育局", "市体育局", duties=((40, "体育部门", ""),)),
    MunicipalUnit("XZSP", "行政审批服务局", "市行政审批服务局"),
    MunicipalUnit("XFJ", "信访局", "市信访局"),
    MunicipalUnit(
        "JRJ", "地方金融监督管理局", "市地方金融监管局", duties=((40, "金融部门", NOTE_FINANCE),)
    ),
    MunicipalUnit(
        "DSJ",
        "大数据局",
        "市大数据局",
        description=(
            "平台主管部门（条例第六条“市经济和信息化主管部门”的智慧城市职责）：统筹规划、"
            "市智慧城市云数据平台、政务信息资源目录、市级数据共享交换平台、评估与督导。"
        ),
        duties=(
            (6, _ECON_IT, NOTE_BIG_DATA),
            (8, _ECON_IT, NOTE_BIG_DATA),
            (13, _ECON_IT, NOTE_BIG_DATA),
            (21, _ECON_IT, NOTE_BIG_DATA),
            (22, _ECON_IT, NOTE_BIG_DATA),
            (23, "市人民政府及有关部门", "基础数据库的汇聚、目录与共享。"),
            (24, _ECON_IT, NOTE_BIG_DATA),
            (26, _ECON_IT, NOTE_BIG_DATA),
            (27, _ECON_IT, NOTE_BIG_DATA),
        ),
    ),
    MunicipalUnit("RFB", "人民防空办公室", "市人防办"),
    MunicipalUnit("NYJ", "能源局", "市能源局"),
    MunicipalUnit("YJS", "人民政府研究室", "市政府研究室"),
    MunicipalUnit(
        "QXJ",
        "气象局",
        "市气象局",
        parent=None,
        vertical=True,
        description="中国气象局垂直管理，参与本市智慧城市建设。",
        duties=((40, "气象部门", ""),),
    ),
    MunicipalUnit(
        "SWJ",
        "国家税务总局济宁市税务局",
        "市税务局",
        parent=None,
        full_name=True,
        vertical=True,
        description="国家税务总局垂直管理，参与本市信息共享。",
    ),
    MunicipalUnit(
        "RMYH",
        "中国人民银行济宁市分行",
        "人民银行济宁市分行",
        parent=None,
        full_name=True,
        vertical=True,
        description="中央垂直管理的金融管理部门。",
        duties=((40, "金融部门", "中央垂直管理的金融管理部门，负责征信与支付领域。"),),
    ),
    MunicipalUnit(
        "HG",
        "济宁海关",
        "济宁海关",
        parent=None,
        full_name=True,
        vertical=True,
        description="海关总署垂直管理（隶属青岛海关），参与口岸与跨境贸易数据共享。",
    ),
    MunicipalUnit(
        "DCD",
        "国家统计局济宁调查队",
        "济宁调查队",
        parent=None,
        full_name=True,
        vertical=True,
        description="国家统计局派出机构。",
    ),
    # 事业单位 under the city or a department.
    MunicipalUnit(
        "DSJZX",
        "大数据中心",
        "市大数据中心",
        kind=OrganizationKind.public_institution,
        entity_type="2",
        parent="DSJ",
        description="市大数据局所属事业单位，建设和运行市智慧城市云数据平台与共享交换平台。",
    ),
    MunicipalUnit(
        "GJJ",
        "住房公积金管理中心",
        "市住房公积金中心",
        kind=OrganizationKind.public_institution,
        entity_type="2",
    ),
    MunicipalUnit(
        "BDC",
        "不动产登记中心",
        "市不动产登记中心",
        kind=OrganizationKind.public_institution,
        entity_type="2",
        parent="ZRZY",
        duties=((40, "不动产登记部门", NOTE_REAL_ESTATE),),
    ),
    MunicipalUnit(
        "RX12345",
        "12345政务服务便民热线服务中心",
        "12345热线",
        kind=OrganizationKind.public_institution,
        entity_type="2",
        parent="BGS",
        description="12345政务服务便民热线：受理、转办、督办群众诉求。",
        duties=((43, "市、县（市、区）人民政府办公室", NOTE_HOTLINE),),
    ),
    MunicipalUnit(
        "GGZY",
        "公共资源交易中心",
        "市公共资源交易中心",
        kind=OrganizationKind.public_institution,
        entity_type="2",
        parent="XZSP",
    ),
    MunicipalUnit(
        "JGSW",
        "机关事务服务中心",
        "市机关事务服务中心",
        kind=OrganizationKind.public_institution,
        entity_type="2",
    ),
    MunicipalUnit(
        "DAG",
        "档案馆",
        "市档案馆",
        kind=OrganizationKind.public_institution,
        entity_type="2",
        parent="BGS",
    ),
)

# The supervisory commission is a state organ beside the government, not part of it.
SUPERVISION_COMMISSION = MunicipalUnit(
    "JW",
    "监察委员会",
    "市监委",
    kind=OrganizationKind.other,
    parent=None,
    description="国家监察机关，与市人民政府并列，不属于政府部门。",
    duties=(
        (21, "监察部门", NOTE_SUPERVISION),
        (70, "有关机关", NOTE_DISCIPLINE),
    ),
)

# ------------------------------------------------------------------ counties

COUNTIES: tuple[County, ...] = (
    County("370811", "任城区", is_district=True),
    County("370812", "兖州区", is_district=True),
    County("370826", "微山县", is_district=False),
    County("370827", "鱼台县", is_district=False),
    County("370828", "金乡县", is_district=False),
    County("370829", "嘉祥县", is_district=False),
    County("370830", "汶上县", is_district=False),
    County("370831", "泗水县", is_district=False),
    County("370832", "梁山县", is_district=False),
    County("370881", "曲阜市", is_district=False),
    County("370883", "邹城市", is_district=False),
)

COUNTY_GOVERNMENT_DUTIES: tuple[Duty, ...] = (
    (5, "市、县（市、区）人民政府", ""),
    (10, "县（市、区）人民政府", ""),
    (51, "市、县（市、区）人民政府", ""),
    (60, "市、县（市、区）人民政府", ""),
    (61, "市、县（市、区）人民政府", ""),
    (62, "市、县（市、区）人民政府", ""),
)
# Art. 14 gives the county-town Wi-Fi duty to 县（市） governments only; the two
# districts belong to the 市区, which the city government covers.
COUNTY_TOWN_WIFI_DUTY: Duty = (14, "县（市）人民政府", "")

COUNTY_UNITS: tuple[CountyUnit, ...] = (
    CountyUnit(
        "BGS", "人民政府办公室", "政府办", duties=((43, "市、县（市、区）人民政府办公室", ""),)
    ),
    CountyUnit(
        "GXJ",
        "工业和信息化局",
        "工信局",
        duties=((6, "县（市、区）经济和信息化主管部门", NOTE_COUNTY_IT),),
    ),
    CountyUnit(
        "DSJZX",
        "大数据中心",
        "大数据中心",
        kind=OrganizationKind.public_institution,
        entity_type="2",
    ),
    CountyUnit("GAJ", "公安局", "公安局", duties=((44, "公安机关", ""),)),
    CountyUnit(
        "SCJG",
        "市场监督管理局",
        "市场监管局",
        duties=(
            (49, "食品药品监管部门", NOTE_MARKET),
            (50, "工商行政管理部门", NOTE_MARKET),
            (50, "质量技术监督部门", NOTE_MARKET),
        ),
    ),
    CountyUnit(
        "STHJ",
        "生态环境分局",
        "生态环境分局",
        duties=(
            (46, "环境保护主管部门", NOTE_ECOLOGY + "县级生态环境部门为市生态环境局的派出分局。"),
        ),
    ),
    CountyUnit(
        "ZRZY",
        "自然资源和规划局",
        "自然资源和规划局",
        duties=((47, "国土资源主管部门", NOTE_NATURAL_RESOURCES),),
    ),
)


def county_unit_name(county: County, unit: CountyUnit) -> str:
    """Today's name of a county department (district police and ecology branches differ)."""
    if unit.abbr == "GAJ" and county.is_district:
        return f"{CITY_NAME}公安局{county.name.removesuffix('区')}分局"
    if unit.abbr == "STHJ":
        return f"{CITY_NAME}生态环境局{county.name}分局"
    return f"{county.name}{unit.suffix}"


def county_unit_parent(county: County, unit: CountyUnit) -> str:
    """Code of the parent: district police and ecology branches belong to the city bureau."""
    if (unit.abbr == "GAJ" and county.is_district) or unit.abbr == "STHJ":
        return municipal_code(unit.abbr)
    return county.division_code


# ------------------------------------------------------------------ zones (Art. 73)

ZONES: tuple[Zone, ...] = (
    Zone("ZONE-GXQ", "济宁国家高新技术产业开发区管委会", "济宁高新区", "370871"),
    Zone("ZONE-TBH", "太白湖新区管委会", "太白湖新区", "370872"),
    Zone("ZONE-JKQ", "济宁经济技术开发区管委会", "济宁经开区", "370873"),
)

# ------------------------------------------------------------------ non-government bodies

_OPERATOR_DUTIES: tuple[Duty, ...] = (
    (16, "电信运营商", ""),
    (17, "电信运营商", ""),
)

OUTSIDE_BODIES: tuple[OutsideBody, ...] = (
    OutsideBody(
        "ENT-CMCC",
        "中国移动通信集团山东有限公司济宁分公司",
        "济宁移动",
        OrganizationKind.enterprise,
        "9",
        "1",
        "MA",
        duties=_OPERATOR_DUTIES,
        description="电信运营商（条例第十六、十七条）。",
    ),
    OutsideBody(
        "ENT-CUCC",
        "中国联合网络通信有限公司济宁市分公司",
        "济宁联通",
        OrganizationKind.enterprise,
        "9",
        "1",
        "MA",
        duties=_OPERATOR_DUTIES,
        description="电信运营商（条例第十六、十七条）。",
    ),
    OutsideBody(
        "ENT-CTCC",
        "中国电信股份有限公司济宁分公司",
        "济宁电信",
        OrganizationKind.enterprise,
        "9",
        "1",
        "MA",
        duties=_OPERATOR_DUTIES,
        description="电信运营商（条例第十六、十七条）。",
    ),
    OutsideBody(
        "ENT-GRID",
        "国网山东省电力公司济宁供电公司",
        "济宁供电公司",
        OrganizationKind.enterprise,
        "9",
        "1",
        "MA",
        description="供电企业，参与公共服务信息互通（条例第四十一条）。",
    ),
    OutsideBody(
        "ENT-BUS",
        "济宁市公共交通集团有限公司",
        "济宁公交集团",
        OrganizationKind.enterprise,
        "9",
        "1",
        "MA",
        description="公共交通企业，参与公共服务信息互通（条例第四十一条）。",
    ),
    OutsideBody(
        "ASSN-SOFT",
        "济宁市软件行业协会",
        "市软件行业协会",
        OrganizationKind.association,
        "5",
        "1",
        "50",
        description="行业协会，汇集会员企业生产经营数据（条例第二十九条）。",
    ),
    OutsideBody(
        "ASSN-BIGDATA",
        "济宁市大数据产业联盟",
        "市大数据产业联盟",
        OrganizationKind.association,
        "5",
        "1",
        "50",
        description="产业联盟，建设行业云数据平台（条例第二十九、三十条）。",
    ),
    OutsideBody(
        "ASSN-ECOM",
        "济宁市电子商务协会",
        "市电子商务协会",
        OrganizationKind.association,
        "5",
        "1",
        "50",
        description="行业协会（条例第二十九、五十四条）。",
    ),
)

# ------------------------------------------------------------------ codes


def municipal_code(abbr: str) -> str:
    return f"{CITY_DIVISION}-{abbr}"


def county_unit_code(county: County, unit: CountyUnit) -> str:
    return f"{county.division_code}-{unit.abbr}"


CITY_CODE = CITY_DIVISION

# ------------------------------------------------------------------ demo accounts

DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("coordinator", "大数据局平台管理员（演示）", Role.coordinator, municipal_code("DSJ")),
    DemoUser("admin.scjg", "市场监管局单位管理员（演示）", Role.org_admin, municipal_code("SCJG")),
    DemoUser("staff.scjg", "市场监管局工作人员（演示）", Role.org_staff, municipal_code("SCJG")),
    DemoUser("expert", "评审专家（演示）", Role.expert, None),
    DemoUser("auditor", "审计局审计员（演示）", Role.auditor, municipal_code("SJJ")),
    DemoUser("citizen", "市民（演示）", Role.citizen, None),
)
