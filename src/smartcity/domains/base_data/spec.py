"""What a base-database field is, as the loader, the validator and the generator see it.

A base-database table is built from a published catalog entry (Art. 23–24): one
column per information item. ``FieldSpec`` is that column with what the catalog
item alone does not say: the physical column name, the validation rule, whether
it is required or part of the key, its enumeration, and its one source
department (一数一源). ``STANDARD_TABLES`` are the five base databases' flagship
resources with the schemas the demo, the generator and the benchmark share.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class FieldType(StrEnum):
    """Storage type of a column (from the catalog item's data type)."""

    string = "string"
    integer = "integer"
    decimal = "decimal"
    date = "date"
    datetime = "datetime"
    boolean = "boolean"
    geometry = "geometry"  # WKT text; the datum is recorded on the table


class FieldRule(StrEnum):
    """The identifier or code rule a value must pass, beyond its type."""

    none = "none"
    id_number = "id_number"  # GB 11643 citizen identity number
    credit_code = "credit_code"  # GB 32100 unified social credit code
    id_or_credit_code = "id_or_credit_code"  # a natural person or an organization
    division = "division"  # GB/T 2260 administrative division (6 digits, known code)
    enumeration = "enumeration"  # one of ``FieldSpec.enumeration``'s codes
    phone = "phone"  # mobile (11 digits, 1[3-9]) or fixed line with area code
    longitude = "longitude"  # decimal degrees, −180…180
    latitude = "latitude"  # decimal degrees, −90…90


IDENTIFIER_RULES: frozenset[FieldRule] = frozenset(
    {FieldRule.id_number, FieldRule.credit_code, FieldRule.id_or_credit_code}
)
"""Rules of identity numbers and credit codes: stored upper-cased (``x`` → ``X``), and so
looked up."""

FIELD_RULE_LABELS: dict[FieldRule, str] = {
    FieldRule.none: "无",
    FieldRule.id_number: "公民身份号码（GB 11643）",
    FieldRule.credit_code: "统一社会信用代码（GB 32100）",
    FieldRule.id_or_credit_code: "公民身份号码或统一社会信用代码",
    FieldRule.division: "行政区划代码（GB/T 2260）",
    FieldRule.enumeration: "代码表",
    FieldRule.phone: "电话号码",
    FieldRule.longitude: "经度",
    FieldRule.latitude: "纬度",
}


@dataclass(frozen=True)
class FieldSpec:
    """One column of a base-database table.

    ``name`` is the catalog information item's name and the header a load file
    uses; ``column`` is the SQL column name (ASCII, stable). ``enumeration`` maps
    codes to labels for ``FieldRule.enumeration``. ``max_length`` applies to
    strings (characters, not bytes).
    """

    name: str
    column: str
    type: FieldType = FieldType.string
    rule: FieldRule = FieldRule.none
    required: bool = False
    key: bool = False
    max_length: int | None = None
    enumeration: dict[str, str] = field(default_factory=dict)
    source: str = ""  # abbreviation of the source department in the demo (一数一源)


@dataclass(frozen=True)
class TableSpec:
    """A base-database resource and its columns, as the demo publishes it."""

    base_database: str  # catalog BaseDatabase value
    table: str  # SQL table name, bd_<name>
    entry_name: str  # the catalog entry's name
    provider: str  # abbreviation of the providing department
    fields: tuple[FieldSpec, ...]
    datum: str = ""  # coordinate reference system of coordinates and geometries

    @property
    def key_columns(self) -> tuple[str, ...]:
        return tuple(f.column for f in self.fields if f.key)


# ------------------------------------------------------------------ code tables

GENDER = {"0": "未知的性别", "1": "男", "2": "女", "9": "未说明的性别"}  # GB/T 2261.1-2003
MARITAL_STATUS = {  # GB/T 2261.2-2003
    "10": "未婚", "20": "已婚", "21": "初婚", "22": "再婚", "23": "复婚",
    "30": "丧偶", "40": "离婚", "90": "未说明的婚姻状况",
}  # fmt: skip
EDUCATION = {  # GB/T 4658-2006, first two digits
    "10": "研究生教育", "11": "博士研究生", "14": "硕士研究生", "20": "大学本科",
    "30": "大学专科", "40": "中等职业教育", "60": "普通高级中学教育", "70": "初级中学教育",
    "80": "小学教育", "90": "其他",
}  # fmt: skip
_ETHNIC_NAMES = (  # noqa: SIM905
    "汉族 蒙古族 回族 藏族 维吾尔族 苗族 彝族 壮族 布依族 朝鲜族 满族 侗族 瑶族 白族 土家族 "
    "哈尼族 哈萨克族 傣族 黎族 傈僳族 佤族 畲族 高山族 拉祜族 水族 东乡族 纳西族 景颇族 柯尔克孜族 "
    "土族 达斡尔族 仫佬族 羌族 布朗族 撒拉族 毛南族 仡佬族 锡伯族 阿昌族 普米族 塔吉克族 怒族 "
    "乌孜别克族 俄罗斯族 鄂温克族 德昂族 保安族 裕固族 京族 塔塔尔族 独龙族 鄂伦春族 赫哲族 "
    "门巴族 珞巴族 基诺族"
).split()
ETHNICITY = {f"{i:02d}": name for i, name in enumerate(_ETHNIC_NAMES, start=1)} | {
    "97": "其他未识别民族",
    "98": "外国血统中国籍人士",
}  # GB/T 3304-1991
ENTITY_STATUS = {s: s for s in ("存续", "在业", "吊销", "注销", "迁出")}
ENTITY_TYPE = {  # 市场主体类型（简表）
    "1100": "有限责任公司", "1200": "股份有限公司", "2100": "非公司企业法人",
    "4100": "个人独资企业", "4200": "合伙企业", "5100": "外商投资企业",
    "6100": "农民专业合作社", "9600": "个体工商户",
}  # fmt: skip
CREDIT_RECORD_TYPE = {s: s for s in ("红名单", "黑名单", "行政许可", "行政处罚")}
PERIOD_KIND = {s: s for s in ("年度", "季度", "月度")}

# ------------------------------------------------------------------ the five base databases

S, INT, D, DT, DEC, GEO = (
    FieldType.string,
    FieldType.integer,
    FieldType.date,
    FieldType.datetime,
    FieldType.decimal,
    FieldType.geometry,
)

POPULATION = TableSpec(
    "population",
    "bd_population",
    "人口基础信息",
    "GAJ",
    (
        FieldSpec(
            "公民身份号码", "id_number", S, FieldRule.id_number, True, True, 18, source="GAJ"
        ),
        FieldSpec("姓名", "name", S, required=True, max_length=50, source="GAJ"),
        FieldSpec(
            "性别", "gender", S, FieldRule.enumeration, True, enumeration=GENDER, source="GAJ"
        ),
        FieldSpec("出生日期", "birth_date", D, required=True, source="GAJ"),
        FieldSpec(
            "民族", "ethnicity", S, FieldRule.enumeration, enumeration=ETHNICITY, source="GAJ"
        ),
        FieldSpec(
            "户籍地行政区划代码", "hukou_division", S, FieldRule.division, True, source="GAJ"
        ),
        FieldSpec("户籍地址", "hukou_address", S, max_length=200, source="GAJ"),
        FieldSpec("现住址", "address", S, max_length=200, source="GAJ"),
        FieldSpec("联系电话", "phone", S, FieldRule.phone, max_length=20, source="GAJ"),
        FieldSpec(
            "婚姻状况",
            "marital_status",
            S,
            FieldRule.enumeration,
            enumeration=MARITAL_STATUS,
            source="MZJ",
        ),
        FieldSpec(
            "文化程度", "education", S, FieldRule.enumeration, enumeration=EDUCATION, source="JYJ"
        ),
        FieldSpec("职业", "occupation", S, max_length=50, source="RSJ"),
    ),
)

LEGAL_ENTITY = TableSpec(
    "legal_entity",
    "bd_legal_entity",
    "法人单位基础信息",
    "SCJG",
    (
        FieldSpec("统一社会信用代码", "credit_code", S, FieldRule.credit_code, True, True, 18),
        FieldSpec("企业名称", "name", S, required=True, max_length=200),
        FieldSpec(
            "市场主体类型", "entity_type", S, FieldRule.enumeration, True, enumeration=ENTITY_TYPE
        ),
        FieldSpec("法定代表人", "legal_representative", S, max_length=50),
        FieldSpec("注册资本", "registered_capital", DEC),
        FieldSpec("成立日期", "established_on", D, required=True),
        FieldSpec("登记机关", "registration_authority", S, max_length=100),
        FieldSpec("住所", "address", S, max_length=200),
        FieldSpec("登记状态", "status", S, FieldRule.enumeration, True, enumeration=ENTITY_STATUS),
        FieldSpec("行业代码", "industry_code", S, max_length=4),
    ),
)

DIVISIONS = TableSpec(
    "spatial_geography",
    "bd_division",
    "行政区划信息",
    "MZJ",
    (
        FieldSpec("行政区划代码", "code", S, FieldRule.division, True, True, 6),
        FieldSpec("行政区划名称", "name", S, required=True, max_length=100),
        FieldSpec("上级行政区划代码", "parent_code", S, FieldRule.division),
        FieldSpec("区划边界", "boundary", GEO),
        FieldSpec("面积", "area_km2", DEC),
    ),
    datum="WGS84",
)

ADDRESSES = TableSpec(
    "spatial_geography",
    "bd_address",
    "标准地址信息",
    "MZJ",
    (
        FieldSpec("地址编码", "address_code", S, required=True, key=True, max_length=32),
        FieldSpec("标准地址", "address", S, required=True, max_length=300),
        FieldSpec("行政区划代码", "division", S, FieldRule.division, True),
        FieldSpec("兴趣点名称", "poi_name", S, max_length=100),
        FieldSpec("经度", "longitude", DEC, FieldRule.longitude, True),
        FieldSpec("纬度", "latitude", DEC, FieldRule.latitude, True),
    ),
    datum="WGS84",
)

MACRO_ECONOMY = TableSpec(
    "macro_economy",
    "bd_macro_indicator",
    "主要经济指标数据",
    "TJJ",
    (
        FieldSpec("指标代码", "indicator_code", S, required=True, key=True, max_length=20),
        FieldSpec("指标名称", "indicator_name", S, required=True, max_length=100),
        FieldSpec("统计期", "period", S, required=True, key=True, max_length=10),
        FieldSpec("行政区划代码", "division", S, FieldRule.division, True, True),
        FieldSpec("指标值", "value", DEC, required=True),
        FieldSpec("计量单位", "unit", S, max_length=20),
        FieldSpec("数据来源", "data_source", S, max_length=100),
    ),
)

SOCIAL_CREDIT = TableSpec(
    "social_credit",
    "bd_credit_record",
    "公共信用信息",
    "FGW",
    (
        FieldSpec("记录编号", "record_id", S, required=True, key=True, max_length=40),
        FieldSpec(
            "信用主体代码", "subject_code", S, FieldRule.id_or_credit_code, True, max_length=18
        ),
        FieldSpec("信用主体名称", "subject_name", S, required=True, max_length=200),
        FieldSpec(
            "记录类型",
            "record_type",
            S,
            FieldRule.enumeration,
            True,
            enumeration=CREDIT_RECORD_TYPE,
        ),
        FieldSpec("发布部门", "issuing_department", S, required=True, max_length=100),
        FieldSpec("决定文书号", "decision_number", S, max_length=64),
        FieldSpec("决定日期", "decided_on", D, required=True),
        FieldSpec("有效期自", "valid_from", D),
        FieldSpec("有效期至", "valid_to", D),
    ),
)

STANDARD_TABLES: tuple[TableSpec, ...] = (
    POPULATION,
    LEGAL_ENTITY,
    DIVISIONS,
    ADDRESSES,
    MACRO_ECONOMY,
    SOCIAL_CREDIT,
)
