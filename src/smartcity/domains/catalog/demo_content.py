"""Synthetic catalog content of the demo Jining: about 300 entries, and any number more.

``generate_entries`` gives the demo catalog: resources of the five base
databases (population, legal entities, spatial geography, macro-economy,
social credit), thematic resources (health, social security, traffic,
environment, credit, urban management, tourism, education, emergency, food and
drug safety, housing, agriculture, water, public services) and departmental
ones, from the municipal departments of :mod:`smartcity.demo_data` and, for a
few kinds of resource, from every county. Each entry has its information
items with data type, length, grade and personal-information flags, and share
and open attributes that follow the catalog's rules:

- base resources are shared unconditionally (Art. 23; 国发〔2016〕51号);
- conditional and not-shared entries cite legal-basis codes of the registry's
  starting vocabulary (PIPL-34, PIPL-28, DSL-21, DSL-38, OGI-14, OGI-15 …)
  and state a condition;
- an entry with personal information is open only in a declared de-identified
  form (Art. 31, GB/T 35273).

``generate_bulk`` varies the same subjects by region, period and form to make
as many realistic, non-identical entries as a benchmark needs (100,000 for the
search benchmark, 10,000 for the Excel import benchmark), quickly.

Everything is synthetic: names of departments are those of the demo, and no
entry holds data about a real person. Values use the catalog's enumerations
and the field names of ``schemas.EntryDraft`` / ``schemas.InformationItemData``;
references that are database ids there are codes here (provider directory
code, source system code, legal-basis codes), which the loader resolves.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from math import gcd
from typing import Any

from smartcity import demo_data
from smartcity.domains.catalog.enums import (
    BaseDatabase,
    ClassificationKind,
    DataType,
    Identifies,
    OpenType,
    ResourceFormat,
    ShareMode,
    ShareType,
    UpdateCycle,
)

__all__ = [
    "GRADE_RANKS",
    "DemoEntry",
    "DemoItem",
    "generate_bulk",
    "generate_entries",
]

# ------------------------------------------------------------------ shapes


@dataclass(frozen=True, slots=True)
class DemoItem:
    """One information item (信息项), with the fields of ``schemas.InformationItemData``."""

    name: str
    data_type: DataType
    length: int | None
    description: str
    grade_code: str  # a code of the default grading scheme: G1–G4, IMPORTANT, CORE
    identifies: Identifies
    is_personal: bool
    is_sensitive: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "data_type": self.data_type,
            "length": self.length,
            "description": self.description,
            "grade_code": self.grade_code,
            "identifies": self.identifies,
            "is_personal": self.is_personal,
            "is_sensitive": self.is_sensitive,
        }


@dataclass(frozen=True, slots=True)
class DemoEntry:
    """One catalog entry, with the fields of ``schemas.EntryDraft``.

    Where the draft holds database ids, the entry holds codes:
    ``provider_code`` (the organization's directory code, with
    ``provider_name`` beside it), ``source_system_code`` (empty when there is
    none) and ``legal_basis_codes`` (codes of the legal-basis vocabulary).
    """

    resource_code: str  # category code / sequence, e.g. B.01.01/000001
    name: str
    classification_kind: ClassificationKind
    base_database: BaseDatabase | None
    category_code: str  # 类.项.目, e.g. B.01.01
    category_name: str
    provider_code: str  # directory code of the providing organization
    provider_name: str
    abstract: str
    format: ResourceFormat
    update_cycle: UpdateCycle
    release_date: date
    share_type: ShareType
    share_condition: str
    share_mode: ShareMode | None  # None when not shared
    legal_basis_codes: tuple[str, ...]
    open_type: OpenType
    open_condition: str
    open_deidentified: bool
    deidentification_method: str
    related_resource_codes: tuple[str, ...]
    source_system_code: str
    source_system_name: str
    items: tuple[DemoItem, ...] = field(default=())

    @property
    def grade_code(self) -> str:
        """The highest grade of the items (the entry's grade, as the catalog computes it)."""
        return max((item.grade_code for item in self.items), key=GRADE_RANKS.__getitem__)

    @property
    def has_personal_items(self) -> bool:
        return any(item.is_personal for item in self.items)

    def as_dict(self) -> dict[str, Any]:
        """Plain mapping (items as mappings), the shape ``workbook.write_template`` takes."""
        return {
            "resource_code": self.resource_code,
            "name": self.name,
            "classification_kind": self.classification_kind,
            "base_database": self.base_database,
            "category_code": self.category_code,
            "category_name": self.category_name,
            "provider_code": self.provider_code,
            "provider_name": self.provider_name,
            "abstract": self.abstract,
            "format": self.format,
            "update_cycle": self.update_cycle,
            "release_date": self.release_date,
            "share_type": self.share_type,
            "share_condition": self.share_condition,
            "share_mode": self.share_mode,
            "legal_basis_codes": list(self.legal_basis_codes),
            "open_type": self.open_type,
            "open_condition": self.open_condition,
            "open_deidentified": self.open_deidentified,
            "deidentification_method": self.deidentification_method,
            "related_resource_codes": list(self.related_resource_codes),
            "source_system_code": self.source_system_code,
            "source_system_name": self.source_system_name,
            "items": [item.as_dict() for item in self.items],
        }


# The default grading scheme of the catalog (service.grading.DEFAULT_GRADES), by rank.
GRADE_RANKS: dict[str, int] = {"G1": 1, "G2": 2, "G3": 3, "G4": 4, "IMPORTANT": 5, "CORE": 6}

# ------------------------------------------------------------------ information items

# 名称|数据类型|长度|分级（1–4、important、core）|标识对象|P 个人信息、S 敏感个人信息|说明
_FIELD_TABLE = """
# 人口
姓名|string|50|3|person|P|公民姓名
曾用名|string|50|3||P|曾经使用过的姓名
公民身份号码|string|18|4|person|PS|18位公民身份号码（GB 11643）
性别|string|1|2||P|性别代码（GB/T 2261.1）
民族|string|2|3||P|民族代码（GB/T 3304）
出生日期|date||3||P|公历出生日期
出生地|string|100|3||P|出生地省、市、县
籍贯|string|100|2||P|籍贯所在地
户籍地址|string|200|3||P|户籍登记住址
现住址|string|200|3||P|实际居住地址
户号|string|9|3||P|户口簿户号
与户主关系|string|2|3||P|与户主关系代码（GB/T 4761）
婚姻状况|string|2|3||P|婚姻状况代码（GB/T 2261.2）
文化程度|string|2|2||P|学历代码（GB/T 4658）
职业|string|50|2||P|职业分类名称
联系电话|string|20|3||P|本人手机号码或固定电话
户籍迁入日期|date||3||P|迁入本地户籍的日期
迁入原因|string|100|2||P|户籍迁入原因
死亡日期|date||3||P|死亡日期
死亡原因|string|200|4||PS|根本死亡原因（ICD-10编码）
居住证编号|string|20|3||P|居住证号码
居住事由|string|50|2||P|务工、经商、就学等
出生医学证明编号|string|10|3||P|出生医学证明编号
新生儿姓名|string|50|3|person|P|新生儿姓名
出生时间|datetime||3||P|新生儿出生时间
出生体重|integer|5|3||P|出生体重（克）
母亲姓名|string|50|3|person|P|母亲姓名
母亲公民身份号码|string|18|4|person|PS|母亲公民身份号码
父亲姓名|string|50|3|person|P|父亲姓名
父亲公民身份号码|string|18|4|person|PS|父亲公民身份号码
接生机构|string|200|1|||接生医疗机构名称
男方姓名|string|50|3|person|P|结婚登记男方姓名
男方公民身份号码|string|18|4|person|PS|男方公民身份号码
女方姓名|string|50|3|person|P|结婚登记女方姓名
女方公民身份号码|string|18|4|person|PS|女方公民身份号码
婚姻登记类型|string|10|3||P|结婚登记、离婚登记、补领证件
登记日期|date||2|||登记办理日期
婚姻登记机关|string|100|1|||办理登记的婚姻登记机关
结婚证字号|string|30|3||P|结婚证或离婚证字号
行政区划代码|string|12|1|||统计用区划代码（12位）
户籍地行政区划代码|string|6|2||P|户籍所在县级行政区划代码（GB/T 2260）
上级行政区划代码|string|6|1|||上级行政区划代码（GB/T 2260）
区划边界|geometry||1|||行政区域界线（WKT，WGS84坐标系）
面积|decimal|12|1|||行政区域面积（平方千米）
地址编码|string|32|1|||标准地址编码
兴趣点名称|string|100|1|||地址所在兴趣点（POI）名称
统计期|string|10|1|||统计期：年度2023、季度2023Q1、月度2023-01
数据来源|string|100|1|||数据来源单位
记录编号|string|40|1|||公共信用记录编号
信用主体代码|string|18|3|person|P|统一社会信用代码或公民身份号码
记录类型|string|10|1|||红名单、黑名单、行政许可、行政处罚
发布部门|string|100|1|||作出决定的部门
决定文书号|string|64|1|||决定文书号
决定日期|date||1|||作出决定的日期
行政区划名称|string|100|1|||县（市、区）、乡镇（街道）名称
户籍人口数|integer|10|1|||年末户籍人口（人）
常住人口数|integer|10|1|||年末常住人口（人）
出生人口数|integer|8|1|||本期出生人口（人）
死亡人口数|integer|8|1|||本期死亡人口（人）
城镇化率|decimal|5|1|||城镇常住人口占常住人口比重（%）
# 法人
统一社会信用代码|string|18|1|legal_entity||18位统一社会信用代码（GB 32100）
企业名称|string|200|1|legal_entity||登记的企业名称
单位名称|string|200|1|legal_entity||机关、事业单位或社会组织名称
法定代表人|string|50|2||P|法定代表人（负责人）姓名
法定代表人证件号码|string|18|4|person|PS|法定代表人公民身份号码
市场主体类型|string|4|1|||市场主体类型代码
注册资本|decimal|18|1|||注册资本（万元）
成立日期|date||1|||成立（登记）日期
营业期限自|date||1|||营业期限起始日期
营业期限至|date||1|||营业期限截止日期，长期为空
住所|string|200|1|||住所（主要经营场所）
经营范围|string|4000|1|||登记的经营范围
登记机关|string|100|1|||作出登记的机关
核准日期|date||1|||最近一次核准日期
登记状态|string|2|1|||存续、在业、吊销、注销、迁出
注销日期|date||1|||注销登记日期
行业门类|string|1|1|||国民经济行业分类门类（GB/T 4754）
行业代码|string|4|1|||国民经济行业分类代码（GB/T 4754）
经营者姓名|string|50|3|person|P|个体工商户经营者姓名
组成形式|string|10|1|||个人经营或家庭经营
从业人数|integer|8|1|||从业人员数（人）
社会组织类型|string|10|1|||社会团体、民办非企业单位、基金会
业务主管单位|string|200|1|||业务主管单位名称
举办单位|string|200|1|||事业单位举办单位
宗旨和业务范围|string|2000|1|||宗旨和业务范围
开办资金|decimal|18|1|||开办资金（万元）
经费来源|string|20|1|||财政补助、经费自理等
# 空间地理与自然资源
要素编码|string|20|1|||基础地理要素分类代码（GB/T 13923）
要素名称|string|100|1|||地理要素名称
几何图形|geometry||2|||要素空间几何（WKT，CGCS2000坐标系）
比例尺|string|10|1|||1:500、1:2000、1:10000等
经度|decimal|11|2|||CGCS2000经度（度）
纬度|decimal|10|2|||CGCS2000纬度（度）
高程|decimal|10|important|||大比例尺测绘成果高程（米）
宗地代码|string|19|2|||宗地统一代码
不动产单元号|string|28|2|||不动产单元代码（28位）
土地用途|string|50|1|||国土空间调查用地用途分类
用地面积|decimal|18|1|||用地面积（平方米）
规划用地性质|string|20|1|||控制性详细规划用地性质
容积率|decimal|6|1|||规划容积率
建设用地规划许可证号|string|50|1|||建设用地规划许可证编号
建设工程规划许可证号|string|50|1|||建设工程规划许可证编号
图斑编号|string|20|2|||国土调查图斑编号
地类名称|string|50|1|||第三次全国国土调查地类名称
图斑面积|decimal|18|1|||图斑面积（平方米）
权属单位名称|string|200|1|legal_entity||土地所有权或使用权单位
永久基本农田标识|boolean||2|||是否划入永久基本农田
地名代码|string|20|1|||地名代码
标准地名|string|100|1|||标准地名
地名类别|string|20|1|||行政区域、居民点、道路街巷、自然地理实体等
门牌号|string|50|1|||门（楼）牌号
标准地址|string|300|1|||省、市、县、乡、村（社区）、街路巷、门牌
权利人|string|200|3||P|不动产权利人姓名或名称
权利人证件号码|string|18|4|person|PS|权利人公民身份号码或统一社会信用代码
不动产权证书号|string|50|3||P|不动产权证书（证明）编号
房屋坐落|string|300|2|||房屋坐落地址
建筑面积|decimal|12|2|||建筑面积（平方米）
房屋用途|string|20|1|||住宅、商业、办公、工业等
登记类型|string|20|2|||首次、转移、变更、抵押、注销登记
登记时间|datetime||2|||登簿时间
抵押权人|string|200|2|legal_entity||抵押权人名称
抵押金额|decimal|14|3|||被担保主债权数额（万元）
矿业权人|string|200|1|legal_entity||采矿权人或探矿权人名称
矿种|string|50|1|||开采或勘查矿种
许可证有效期|string|30|1|||许可证有效期限
# 宏观经济
统计年度|integer|4|1|||统计年度
统计期别|string|10|1|||年报、季报、月报
指标代码|string|20|1|||统计指标代码
指标名称|string|100|1|||统计指标名称
指标值|decimal|20|1|||指标数值
计量单位|string|20|1|||计量单位
地区生产总值|decimal|18|1|||地区生产总值（GDP，现价，亿元）
地区生产总值增速|decimal|6|1|||按可比价计算的增速（%）
第一产业增加值|decimal|18|1|||第一产业增加值（亿元）
第二产业增加值|decimal|18|1|||第二产业增加值（亿元）
第三产业增加值|decimal|18|1|||第三产业增加值（亿元）
人均地区生产总值|decimal|12|1|||按常住人口计算（元）
一般公共预算收入|decimal|18|1|||一般公共预算收入（亿元）
一般公共预算支出|decimal|18|1|||一般公共预算支出（亿元）
税收收入|decimal|18|1|||税收收入（亿元）
社会消费品零售总额|decimal|18|1|||社会消费品零售总额（亿元）
固定资产投资增速|decimal|6|1|||固定资产投资比上年增长（%）
规模以上工业增加值增速|decimal|6|1|||规模以上工业增加值增长（%）
居民消费价格指数|decimal|8|1|||上年同期=100
城镇居民人均可支配收入|decimal|12|1|||城镇居民人均可支配收入（元）
农村居民人均可支配收入|decimal|12|1|||农村居民人均可支配收入（元）
进出口总额|decimal|18|1|||货物进出口总额（亿元）
同比增长|decimal|8|1|||比上年同期增长（%）
项目代码|string|24|1|||投资项目统一代码
项目名称|string|200|1|||项目名称
项目单位|string|200|1|legal_entity||项目单位名称
建设地点|string|200|1|||项目建设地点
总投资|decimal|18|1|||总投资（万元）
审批文号|string|50|1|||审批、核准或备案文号
审批日期|date||1|||审批、核准或备案日期
建设规模及内容|string|2000|1|||主要建设规模及内容
本年完成投资|decimal|18|1|||本年完成投资（万元）
各项存款余额|decimal|18|2|||金融机构本外币各项存款余额（亿元）
各项贷款余额|decimal|18|2|||金融机构本外币各项贷款余额（亿元）
就业人员数|integer|10|1|||就业人员（人）
城镇调查失业率|decimal|5|1|||城镇调查失业率（%）
商品名称|string|100|1|||监测商品或服务名称
规格等级|string|50|1|||规格、等级
价格|decimal|10|1|||价格（元）
采价日期|date||1|||价格采集日期
# 社会信用
信用主体名称|string|200|1|legal_entity||法人和非法人组织名称
信用主体类别|string|10|1|||法人及非法人组织、自然人、个体工商户
行政许可决定文书号|string|64|1|||行政许可决定文书号
许可类别|string|20|1|||普通、特许、认可、核准、登记、其他
许可证书名称|string|64|1|||许可证书名称
许可编号|string|64|1|||许可证书编号
许可内容|string|2000|1|||许可内容
许可决定日期|date||1|||许可决定日期
有效期自|date||1|||有效期起始日期
有效期至|date||1|||有效期截止日期
许可机关|string|200|1|||许可机关名称
行政处罚决定书文号|string|64|1|||行政处罚决定书文号
违法行为类型|string|200|1|||违法行为类型
违法事实|string|2000|2|||违法事实
处罚依据|string|500|1|||处罚依据的法律条款
处罚类别|string|20|1|||警告、通报批评、罚款、没收违法所得等
罚款金额|decimal|18|1|||罚款金额（万元）
处罚决定日期|date||1|||处罚决定日期
处罚机关|string|200|1|||处罚机关名称
失信行为|string|1000|2|||失信行为事实
认定依据|string|500|1|||认定失信的依据
列入日期|date||1|||列入名单日期
移出日期|date||1|||移出名单日期
列入部门|string|200|1|||作出列入决定的部门
公共信用综合评价得分|decimal|6|2|||公共信用综合评价得分
信用等级|string|4|2|||A、B、C、D
评价年度|integer|4|1|||评价年度
纳税信用等级|string|2|2|||A、B、M、C、D
守信激励措施|string|500|1|||适用的守信激励措施
联合惩戒措施|string|500|1|||适用的失信惩戒措施
# 卫生健康
医疗机构名称|string|200|1|legal_entity||医疗机构名称
医疗机构登记号|string|30|1|||医疗机构执业许可证登记号
医疗机构类别|string|20|1|||综合医院、中医医院、社区卫生服务中心等
医院等级|string|10|1|||三级甲等、二级甲等等
核定床位数|integer|6|1|||核定床位（张）
诊疗科目|string|1000|1|||核准的诊疗科目
执业地址|string|200|1|||执业地址
医师姓名|string|50|2|person|P|医师姓名
医师执业证书编码|string|27|2||P|医师执业证书编码
执业类别|string|20|1|||临床、中医、口腔、公共卫生
执业范围|string|100|1|||执业范围
就诊日期|date||3||P|就诊日期
就诊科室|string|50|3||P|就诊科室
诊断名称|string|200|4||PS|疾病诊断（ICD-10）
医疗费用总额|decimal|12|3||P|本次就诊医疗费用（元）
疫苗名称|string|100|3||P|接种疫苗通用名称
接种日期|date||4||PS|疫苗接种日期
疫苗批号|string|30|1|||疫苗批号
接种单位|string|200|1|||预防接种单位
传染病名称|string|100|4||PS|法定报告传染病病种
报告日期|date||2|||报告日期
门诊人次|integer|10|1|||门急诊人次
住院人次|integer|10|1|||出院人次
病床使用率|decimal|6|1|||病床使用率（%）
急救站点名称|string|100|1|||院前急救站点名称
急救车辆数|integer|4|1|||配备急救车辆（辆）
家庭医生签约状态|string|2|3||P|已签约、未签约、解约
预约号源数|integer|6|1|||可预约号源数量
# 社会保障
社会保障号码|string|18|4|person|PS|社会保障号码（与公民身份号码一致）
社会保障卡号|string|9|3||P|社会保障卡卡号
险种类型|string|3|2||P|企业职工基本养老保险、失业保险、工伤保险等
参保状态|string|2|3||P|参保缴费、暂停缴费、终止
参保日期|date||3||P|首次参保日期
缴费基数|decimal|12|4||PS|个人缴费基数（元）
缴费月份|string|6|3||P|费款所属期（YYYYMM）
缴费金额|decimal|12|4||PS|个人缴费金额（元）
参保单位编号|string|20|2|||社会保险登记编号
参保单位名称|string|200|1|legal_entity||参保单位名称
养老金月发放金额|decimal|12|4||PS|基本养老金月发放金额（元）
待遇开始日期|date||3||P|待遇享受起始日期
就业登记日期|date||3||P|就业登记日期
失业登记证号|string|20|3||P|就业失业登记证编号
就业困难人员类别|string|20|3||P|就业困难人员认定类别
职业技能等级证书编号|string|30|2||P|职业技能等级证书编号
职业名称|string|100|1|||国家职业分类名称
技能等级|string|10|1|||五级至一级
救助对象类别|string|10|3||P|城乡低保、特困供养、低保边缘等
保障人口数|integer|4|3||P|家庭保障人口（人）
月保障金额|decimal|12|3||P|月保障金额（元）
认定日期|date||3||P|认定日期
养老机构名称|string|200|1|legal_entity||养老机构名称
床位数|integer|6|1|||床位数（张）
收住老人数|integer|6|1|||在院老人（人）
护理等级|string|10|3||P|自理、半护理、全护理
医保结算编号|string|30|3||P|医疗保障结算流水号
统筹基金支付金额|decimal|12|4||PS|统筹基金支付（元）
个人自付金额|decimal|12|4||PS|个人自付（元）
定点医药机构编码|string|20|1|||国家医保定点医药机构编码
定点医药机构名称|string|200|1|legal_entity||定点医药机构名称
# 交通
线路编号|string|10|1|||公交线路编号
线路名称|string|50|1|||线路名称，如“1路”“K301路”
起点站|string|50|1|||起点站名称
终点站|string|50|1|||终点站名称
首班时间|string|5|1|||首班发车时间（HH:MM）
末班时间|string|5|1|||末班发车时间（HH:MM）
票价|decimal|6|1|||票价（元）
线路长度|decimal|8|1|||线路长度（公里）
线路走向|string|2000|1|||途经道路及站点走向
运营单位|string|200|1|legal_entity||运营企业名称
站点编号|string|12|1|||公交站点编号
站点名称|string|50|1|||公交站点名称
站点序号|integer|3|1|||站点在线路中的顺序
上下行标识|string|1|1|||0 上行，1 下行
车辆编号|string|12|1|||车辆自编号
车牌号码|string|10|3||P|机动车号牌号码
车辆类型|string|20|1|||车辆类型
GPS时间|datetime||2|||定位时间
瞬时速度|decimal|6|2|||速度（km/h）
方向角|integer|3|2|||行驶方向（度）
客流人次|integer|10|1|||乘客人次
乘车卡号|string|20|3||P|公交IC卡卡号
刷卡时间|datetime||3||P|刷卡乘车时间
出租车经营许可证号|string|30|1|||出租汽车经营许可证编号
道路运输证号|string|20|1|||道路运输证编号
驾驶员从业资格证号|string|19|3|person|P|道路运输从业人员从业资格证号
营运日期|date||1|||营运日期
上车时间|datetime||2|||乘客上车时间
下车时间|datetime||2|||乘客下车时间
营运里程|decimal|8|1|||载客里程（公里）
空驶里程|decimal|8|1|||空驶里程（公里）
营收金额|decimal|10|2|||计价器营收金额（元）
道路名称|string|100|1|||道路名称
路段编号|string|20|1|||路段编号
交通拥堵指数|decimal|5|1|||交通运行指数（0～10）
平均车速|decimal|6|1|||路段平均车速（km/h）
统计时段|string|20|1|||统计时段
停车场名称|string|100|1|||停车场名称
停车场编号|string|20|1|||停车场编号
总泊位数|integer|6|1|||总泊位（个）
空余泊位数|integer|6|1|||实时空余泊位（个）
收费标准|string|200|1|||收费标准
机动车所有人|string|200|3||P|机动车所有人姓名或名称
号牌种类|string|2|1|||号牌种类代码（GA 24.7）
车辆识别代号|string|17|3||P|车辆识别代号（VIN）
初次登记日期|date||2|||初次登记日期
检验有效期止|date||2|||检验有效期截止日期
违法时间|datetime||3||P|交通违法时间
违法地点|string|200|2|||交通违法地点
违法行为代码|string|5|1|||违法行为代码（GA 408.1）
驾驶证号|string|18|4|person|PS|机动车驾驶证号（公民身份号码）
准驾车型|string|10|3||P|准驾车型代号
事故编号|string|30|2|||道路交通事故编号
事故发生时间|datetime||2|||事故发生时间
事故地点|string|200|2|||事故发生地点
事故形态|string|20|1|||碰撞运动车辆、刮擦行人等
死亡人数|integer|4|1|||死亡（人）
受伤人数|integer|4|1|||受伤（人）
直接经济损失|decimal|14|1|||直接经济损失（万元）
港口码头名称|string|100|1|||港口码头名称
货物吞吐量|decimal|14|1|||货物吞吐量（万吨）
船舶名称|string|50|1|||内河船舶名称
# 生态环境与气象
监测站点编码|string|10|1|||监测站点编码
监测站点名称|string|100|1|||监测站点名称
监测时间|datetime||1|||监测时间（整点）
PM2.5浓度|decimal|8|1|||细颗粒物小时浓度（μg/m³）
PM10浓度|decimal|8|1|||可吸入颗粒物小时浓度（μg/m³）
二氧化硫浓度|decimal|8|1|||SO₂小时浓度（μg/m³）
二氧化氮浓度|decimal|8|1|||NO₂小时浓度（μg/m³）
一氧化碳浓度|decimal|8|1|||CO小时浓度（mg/m³）
臭氧浓度|decimal|8|1|||O₃小时浓度（μg/m³）
空气质量指数|integer|4|1|||AQI（HJ 633）
首要污染物|string|50|1|||首要污染物
空气质量级别|string|10|1|||一级至六级
空气质量类别|string|10|1|||优、良、轻度污染、中度污染、重度污染、严重污染
断面名称|string|100|1|||地表水监测断面名称
断面编码|string|20|1|||监测断面编码
所属流域|string|50|1|||南四湖流域、京杭运河、泗河等
水质类别|string|4|1|||I～劣V类（GB 3838）
水质目标|string|4|1|||断面考核水质目标
化学需氧量|decimal|8|1|||化学需氧量（mg/L）
氨氮|decimal|8|1|||氨氮（mg/L）
总磷|decimal|8|1|||总磷（mg/L）
溶解氧|decimal|8|1|||溶解氧（mg/L）
pH值|decimal|5|1|||pH值（无量纲）
水温|decimal|5|1|||水温（℃）
排污单位名称|string|200|1|legal_entity||排污单位名称
排污许可证编号|string|30|1|||排污许可证编号
排放口编号|string|20|1|||排放口编号
污染物名称|string|50|1|||污染物名称
排放浓度|decimal|12|2|||排放浓度（mg/m³或mg/L）
排放量|decimal|14|2|||排放量（吨）
超标标识|boolean||2|||是否超过排放标准
噪声监测点位|string|100|1|||声环境监测点位
等效声级|decimal|6|1|||等效连续A声级（dB）
声环境功能区类别|string|4|1|||0～4类声环境功能区
环评批复文号|string|50|1|||环境影响评价批复文号
建设项目名称|string|200|1|||建设项目名称
环境影响评价类别|string|20|1|||报告书、报告表、登记表
气象站号|string|10|1|||气象观测站站号
观测时间|datetime||1|||观测时间
气温|decimal|5|1|||气温（℃）
相对湿度|integer|3|1|||相对湿度（%）
降水量|decimal|6|1|||降水量（mm）
风向|integer|3|1|||风向（度）
风速|decimal|5|1|||风速（m/s）
气压|decimal|7|1|||本站气压（hPa）
能见度|integer|6|1|||能见度（米）
预警信号类型|string|20|1|||暴雨、大风、高温、寒潮、大雾等
预警级别|string|10|1|||蓝色、黄色、橙色、红色
发布时间|datetime||1|||发布时间
预警内容|string|1000|1|||预警内容及防御指南
饮用水水源地名称|string|100|2|||饮用水水源地名称
水源保护区边界|geometry||important|||饮用水水源保护区边界坐标（WKT）
取水口坐标|string|50|important|||取水口位置坐标
# 城市管理
部件编码|string|16|1|||城市部件标识码（GB/T 30428.2）
部件大类|string|20|1|||公用设施、道路交通、市容环境、园林绿化等
部件小类|string|50|1|||上水井盖、路灯、果皮箱、消火栓等
部件名称|string|50|1|||部件名称
主管部门|string|200|1|||主管部门名称
权属单位|string|200|1|legal_entity||权属单位名称
养护单位|string|200|1|legal_entity||养护单位名称
部件状态|string|10|1|||完好、破损、丢失、占用
单元网格编码|string|15|1|||城市管理单元网格编码
所在社区|string|100|1|||所在社区（村）
案件编号|string|20|2|||城市管理案件编号
问题来源|string|20|1|||监督员上报、公众举报、12345转办、视频发现
问题类型|string|50|1|||部件类、事件类问题类型
问题描述|string|1000|2|||问题描述
发生地址|string|200|2|||问题发生地址
上报时间|datetime||2|||上报时间
立案时间|datetime||2|||立案时间
处置时限|integer|4|1|||处置时限（小时）
处置部门|string|200|1|||处置责任部门
结案时间|datetime||2|||结案时间
案件状态|string|10|1|||待立案、处置中、已结案、已作废
现场照片|binary||2|||处置前后现场照片（JPEG）
举报人联系电话|string|20|3||P|公众举报人联系电话
作业区域|string|100|1|||环卫作业区域
垃圾清运量|decimal|10|1|||生活垃圾清运量（吨）
作业日期|date||1|||作业日期
路灯编号|string|20|1|||路灯编号
亮灯率|decimal|6|1|||亮灯率（%）
广告设置位置|string|200|1|||户外广告设置位置
广告设置单位|string|200|1|legal_entity||户外广告设置单位
设施名称|string|100|1|||市政设施名称
设施类型|string|20|1|||设施类型
# 文化旅游
景区名称|string|100|1|||旅游景区名称
景区编码|string|20|1|||景区编码
景区等级|string|10|1|||5A、4A、3A等
景区地址|string|200|1|||景区地址
开放时间|string|100|1|||开放时间
门票价格|decimal|8|1|||门票价格（元）
统计时间|datetime||1|||统计时间
实时在园人数|integer|8|1|||实时在园游客（人）
当日累计入园人数|integer|8|1|||当日累计入园（人次）
最大承载量|integer|8|1|||景区日最大承载量（人次）
承载率|decimal|6|1|||在园人数占最大瞬时承载量的比例（%）
客源地省份|string|20|1|||游客客源地省份（聚合统计）
旅行社名称|string|200|1|legal_entity||旅行社名称
旅行社业务经营许可证号|string|30|1|||旅行社业务经营许可证编号
导游姓名|string|50|2|person|P|导游姓名
导游证号|string|20|2||P|电子导游证号
星级饭店名称|string|200|1|legal_entity||星级饭店名称
饭店星级|string|10|1|||一星级至五星级
客房数|integer|6|1|||客房数（间）
客房出租率|decimal|6|1|||客房出租率（%）
文化设施名称|string|200|1|||博物馆、图书馆、文化馆等名称
文化设施类型|string|20|1|||博物馆、图书馆、文化馆、美术馆
藏品数量|integer|8|1|||藏品（件/套）
开放状态|string|10|1|||开放、闭馆、临时闭馆
文物保护单位名称|string|200|1|||文物保护单位名称
保护级别|string|20|1|||全国、省级、市级、县级
公布批次|string|20|1|||公布批次
旅游接待人次|integer|12|1|||接待游客（万人次）
旅游总收入|decimal|14|1|||旅游总收入（亿元）
# 教育
学校标识码|string|10|1|||学校（机构）标识码
学校名称|string|200|1|legal_entity||学校名称
办学类型|string|20|1|||幼儿园、小学、初级中学、九年一贯制学校等
学校性质|string|10|1|||公办、民办
举办者|string|200|1|||学校举办者
学校地址|string|200|1|||学校地址
在校生数|integer|8|1|||在校生（人）
教职工数|integer|6|1|||教职工（人）
专任教师数|integer|6|1|||专任教师（人）
班级数|integer|5|1|||班级（个）
学区范围|string|2000|1|||义务教育划片招生范围
招生计划数|integer|6|1|||招生计划（人）
学生姓名|string|50|4|person|PS|学生姓名（含不满十四周岁未成年人信息）
学籍号|string|19|4||PS|全国中小学生学籍号
年级|string|10|2||P|年级
入学日期|date||3||P|入学日期
监护人姓名|string|50|3|person|P|监护人姓名
监护人联系电话|string|20|3||P|监护人联系电话
教师姓名|string|50|2|person|P|教师姓名
教师资格证书号码|string|20|3||P|教师资格证书号码
任教学科|string|20|1|||任教学科
专业技术职务|string|20|2||P|专业技术职务
体质健康测试成绩|decimal|5|4||PS|国家学生体质健康标准测试总分
# 应急与安全生产
风险点名称|string|200|2|||安全风险点名称
风险等级|string|10|2|||重大、较大、一般、低
风险类别|string|50|1|||风险类别
风险点位置|string|200|2|||风险点位置
危险化学品名称|string|100|1|||危险化学品品名
CAS号|string|20|1|||化学文摘社登记号
最大储量|decimal|12|important|||设计最大储量（吨）
重大危险源等级|string|10|important|||一级至四级
安全生产许可证编号|string|50|1|||安全生产许可证编号
避难场所名称|string|100|1|||应急避难场所名称
避难场所类型|string|20|1|||室内、室外；综合性、单一性
有效面积|decimal|12|1|||有效避难面积（平方米）
可容纳人数|integer|8|1|||可容纳人数（人）
物资名称|string|100|1|||应急物资名称
物资类别|string|20|1|||生活类、抢险救援类等
储备数量|decimal|12|2|||储备数量
储备库名称|string|100|2|||储备库名称
救援队伍名称|string|100|1|||救援队伍名称
队伍类型|string|20|1|||综合性、专业性、社会力量
队员人数|integer|6|1|||队员（人）
值班电话|string|20|1|||24小时值班电话
灾害类型|string|20|1|||洪涝、干旱、风雹、低温冷冻等
受灾人口|integer|8|1|||受灾人口（人）
转移安置人数|integer|8|1|||紧急转移安置（人）
农作物受灾面积|decimal|12|1|||农作物受灾面积（公顷）
检查日期|date||1|||执法检查日期
隐患描述|string|1000|2|||事故隐患描述
整改期限|date||1|||整改期限
整改状态|string|10|1|||未整改、整改中、已整改
# 食品药品
食品经营许可证编号|string|14|1|||食品经营许可证编号（JY开头）
经营者名称|string|200|1|legal_entity||经营者名称
经营场所|string|200|1|||经营场所
主体业态|string|50|1|||食品销售经营者、餐饮服务经营者、单位食堂
经营项目|string|500|1|||经营项目
发证日期|date||1|||发证日期
抽检编号|string|30|1|||抽样单编号
样品名称|string|100|1|||样品名称
标称生产企业|string|200|1|legal_entity||标称生产企业名称
被抽样单位|string|200|1|legal_entity||被抽样单位名称
检验项目|string|200|1|||检验项目
检验结果|string|10|1|||合格、不合格
不合格项目|string|200|1|||不合格项目及检验值
抽样日期|date||1|||抽样日期
药品经营许可证编号|string|20|1|||药品经营许可证编号
执业药师姓名|string|50|2|person|P|执业药师姓名
执业药师注册证编号|string|30|2||P|执业药师注册证编号
药品通用名称|string|100|1|||药品通用名称
药品批准文号|string|30|1|||国药准字号
生产批号|string|30|1|||生产批号
不良反应名称|string|100|3|||药品不良反应名称
医疗器械注册证编号|string|30|1|||医疗器械注册证编号
追溯码|string|30|1|||产品追溯码
# 住房城乡建设
开发企业名称|string|200|1|legal_entity||房地产开发企业名称
商品房预售许可证号|string|30|1|||商品房预售许可证编号
预售面积|decimal|14|1|||预售面积（平方米）
预售套数|integer|6|1|||预售套数（套）
合同备案编号|string|30|2|||商品房买卖合同备案编号
成交均价|decimal|12|1|||成交均价（元/平方米）
买受人姓名|string|50|3|person|P|买受人姓名
买受人证件号码|string|18|4|person|PS|买受人公民身份号码
合同备案日期|date||2|||合同备案日期
保障类型|string|20|1|||公租房、保障性租赁住房、共有产权住房
家庭人数|integer|2|3||P|共同申请家庭成员（人）
家庭年收入|decimal|12|4||PS|家庭年收入（元）
配租日期|date||3||P|配租日期
公积金个人账号|string|20|4||PS|住房公积金个人账号
公积金缴存基数|decimal|12|4||PS|住房公积金缴存基数（元）
公积金账户余额|decimal|14|4||PS|住房公积金个人账户余额（元）
缴存单位名称|string|200|1|legal_entity||住房公积金缴存单位名称
公积金贷款金额|decimal|14|4||PS|住房公积金贷款金额（元）
贷款期限|integer|3|3||P|贷款期限（月）
资质证书编号|string|30|1|||建筑业企业资质证书编号
资质类别及等级|string|100|1|||资质类别及等级
施工许可证编号|string|30|1|||建筑工程施工许可证编号
工程名称|string|200|1|||工程名称
建设单位|string|200|1|legal_entity||建设单位名称
施工单位|string|200|1|legal_entity||施工单位名称
监理单位|string|200|1|legal_entity||监理单位名称
合同价格|decimal|14|1|||合同价格（万元）
开工日期|date||1|||开工日期
竣工日期|date||1|||竣工日期
物业服务企业|string|200|1|legal_entity||物业服务企业名称
物业管理区域|string|200|1|||物业管理区域名称
# 农业农村
经营主体名称|string|200|1|legal_entity||新型农业经营主体名称
主体类型|string|20|1|||家庭农场、农民专业合作社、农业产业化龙头企业
种植作物|string|50|1|||种植作物
种植面积|decimal|12|1|||种植面积（亩）
产量|decimal|12|1|||产量（吨）
承包方代表姓名|string|50|3|person|P|承包方代表姓名
承包方代表证件号码|string|18|4|person|PS|承包方代表公民身份号码
承包地块编码|string|19|2|||承包地块编码
承包面积|decimal|10|2|||确权承包地面积（亩）
土地承包经营权证编号|string|30|3||P|农村土地承包经营权证编号
养殖场名称|string|200|1|legal_entity||畜禽养殖场名称
畜禽种类|string|20|1|||生猪、肉牛、蛋鸡等
存栏量|integer|10|1|||存栏（头/只）
出栏量|integer|10|1|||出栏（头/只）
动物防疫条件合格证编号|string|30|1|||动物防疫条件合格证编号
检疫证明编号|string|30|1|||动物检疫合格证明编号
农产品名称|string|100|1|||农产品名称
检测项目|string|200|1|||农药残留、兽药残留等检测项目
补贴金额|decimal|12|3||P|发放补贴金额（元）
建成面积|decimal|12|1|||建成面积（亩）
# 水利水务
水文站名称|string|100|1|||水文（水位）站名称
水文站编码|string|10|1|||测站编码
水位|decimal|8|1|||水位（米）
流量|decimal|10|1|||流量（立方米/秒）
警戒水位|decimal|8|1|||警戒水位（米）
雨量站名称|string|100|1|||雨量站名称
时段降雨量|decimal|8|1|||时段降雨量（毫米）
取水许可证编号|string|30|1|||取水许可证编号
取水单位名称|string|200|1|legal_entity||取水单位名称
许可取水量|decimal|14|1|||年许可取水量（万立方米）
实际取水量|decimal|14|1|||实际取水量（万立方米）
水源类型|string|20|1|||地表水、地下水
河湖名称|string|100|1|||河流、湖泊名称
河湖长姓名|string|50|2|person|P|河长、湖长姓名
河湖长职务|string|100|1|||河长、湖长职务
供水量|decimal|14|1|||日供水量（万立方米）
出厂水浊度|decimal|6|1|||出厂水浊度（NTU）
余氯|decimal|6|1|||出厂水余氯（mg/L）
# 政务服务与12345热线
工单编号|string|20|2|||12345热线工单编号
诉求人姓名|string|50|3|person|P|诉求人姓名
诉求人联系电话|string|20|3||P|诉求人联系电话
诉求类型|string|20|1|||咨询、求助、投诉、举报、建议
诉求内容|string|2000|3||P|诉求内容
受理时间|datetime||2|||受理时间
承办单位|string|200|1|||承办单位名称
办理时限|integer|4|1|||办理时限（工作日）
办结时间|datetime||2|||办结时间
办理结果|string|2000|2|||办理结果
满意度|string|10|2|||满意、基本满意、不满意
事项编码|string|50|1|||政务服务事项基本编码
事项名称|string|200|1|||政务服务事项名称
事项类型|string|20|1|||行政许可、行政给付、行政确认、公共服务等
实施主体|string|200|1|||实施主体名称
办理地点|string|200|1|||办理地点
法定办结时限|integer|4|1|||法定办结时限（工作日）
承诺办结时限|integer|4|1|||承诺办结时限（工作日）
办件编号|string|30|2|||办件流水号
申请人名称|string|200|3||P|申请人姓名或单位名称
申请时间|datetime||2|||申请时间
办结日期|date||2|||办结日期
办理状态|string|10|1|||受理、办理中、办结、不予受理
电子证照标识|string|60|2|||电子证照标识
证照类型|string|50|1|||证照类型名称
持证主体|string|200|3||P|持证人姓名或单位名称
持证主体代码|string|18|4|person|PS|持证人公民身份号码或统一社会信用代码
颁发日期|date||2|||颁发日期
有效期截止日期|date||2|||有效期截止日期
热点名称|string|100|1|||公共无线网络热点名称（SSID）
热点位置|string|200|1|||热点所在公共场所
接入点数量|integer|5|1|||无线接入点（个）
在线用户数|integer|6|1|||实时在线用户（个）
# 税务、财政、审计、档案、信访
纳税人识别号|string|20|2|legal_entity||纳税人识别号
纳税人名称|string|200|2|legal_entity||纳税人名称
税种|string|20|2|||增值税、企业所得税等
所属期起|date||2|||税款所属期起
所属期止|date||2|||税款所属期止
应纳税额|decimal|18|3|||应纳税额（元）
入库税额|decimal|18|3|||入库税额（元）
欠税余额|decimal|18|2|||欠税余额（元）
非正常户认定日期|date||2|||非正常户认定日期
预算单位名称|string|200|1|legal_entity||预算单位名称
预算科目编码|string|20|1|||政府收支分类科目编码
预算科目名称|string|100|1|||政府收支分类科目名称
预算金额|decimal|18|1|||预算金额（万元）
执行金额|decimal|18|1|||执行金额（万元）
采购项目编号|string|30|1|||政府采购项目编号
采购方式|string|20|1|||公开招标、竞争性磋商、询价等
中标供应商|string|200|1|legal_entity||中标（成交）供应商名称
中标金额|decimal|18|1|||中标（成交）金额（万元）
公告日期|date||1|||公告日期
交易项目编号|string|30|1|||公共资源交易项目编号
交易类型|string|20|1|||工程建设、政府采购、土地使用权、国有产权
档号|string|30|2|||档案档号
题名|string|300|2|||档案题名
保管期限|string|10|1|||永久、定期30年、定期10年
密级|string|10|important|||档案密级
全宗号|string|10|1|||全宗号
信访件编号|string|30|3|||信访件编号
信访人姓名|string|50|4|person|PS|信访人姓名
信访事项内容|string|2000|4||PS|信访事项内容
审计项目名称|string|200|2|||审计项目名称
被审计单位|string|200|2|legal_entity||被审计单位名称
审计发现问题|string|4000|important|||审计发现的问题
工作底稿编号|string|30|3|||审计工作底稿编号
人防工程名称|string|200|important|||人民防空工程名称
人防工程位置|string|200|core|||人民防空工程位置及出入口
防护等级|string|10|important|||人防工程抗力等级
# 其他部门
退役军人姓名|string|50|3|person|P|退役军人姓名
优抚对象类别|string|20|4||PS|残疾军人、烈士遗属等优抚对象类别
抚恤补助金额|decimal|12|4||PS|月抚恤补助金额（元）
体育场馆名称|string|100|1|||体育场馆名称
场馆类型|string|20|1|||体育场、体育馆、游泳馆、全民健身中心
免费开放时段|string|100|1|||免费或低收费开放时段
高新技术企业证书编号|string|30|1|||高新技术企业证书编号
认定年度|integer|4|1|||认定年度
科技成果名称|string|200|1|||科技成果名称
专利号|string|20|1|||专利号
重点用能单位名称|string|200|1|legal_entity||重点用能单位名称
综合能源消费量|decimal|14|2|||综合能源消费量（吨标准煤）
单位增加值能耗|decimal|10|2|||单位增加值能耗（吨标准煤/万元）
能源消费总量|decimal|14|1|||能源消费总量（万吨标准煤）
报关单号|string|18|2|||进出口货物报关单号
进出口标志|string|2|1|||进口、出口
商品编码|string|10|1|||海关商品编码（HS）
货值|decimal|18|3|||货值（美元）
限额以上企业名称|string|200|1|legal_entity||限额以上批发零售住宿餐饮企业名称
商品销售额|decimal|18|3|||商品销售额（万元）
成品油经营许可证编号|string|30|1|||成品油零售经营批准证书编号
加油站名称|string|200|1|legal_entity||加油站名称
地方金融组织名称|string|200|1|legal_entity||小额贷款公司、融资担保公司等名称
机构类型|string|20|1|||机构类型
贷款余额|decimal|18|2|||贷款余额（万元）
监管评级|string|10|3|||监管评级
公务用车车牌|string|10|1|||公务用车号牌号码
车辆编制类别|string|20|1|||执法执勤、机要通信、应急保障等
公共机构名称|string|200|1|legal_entity||公共机构名称
用电量|decimal|14|1|||用电量（千瓦时）
用水量|decimal|14|1|||用水量（立方米）
调用时间|datetime||2|||接口调用时间
调用部门|string|200|1|||调用部门名称
接口名称|string|100|1|||共享接口名称
调用结果|string|10|1|||成功、失败
数据更新时间|datetime||1|||本条数据最后更新时间
数据来源|string|100|1|||数据来源系统或部门
备注|string|500|1|||备注
# 补充
个体工商户名称|string|200|1|legal_entity||个体工商户字号名称
影像编号|string|30|1|||影像景号
地面分辨率|decimal|6|1|||地面分辨率（米）
获取时间|date||1|||影像获取日期
覆盖范围|geometry||2|||影像覆盖范围（WKT）
岗位名称|string|100|1|||招聘岗位名称
招聘人数|integer|5|1|||招聘人数（人）
薪资范围|string|50|1|||月薪资范围（元）
工作地点|string|200|1|||工作地点
管线空间数据|geometry||important|||地下管线平面和高程位置（WKT）
管径|integer|5|1|||管径（毫米）
管材|string|20|1|||管材
埋深|decimal|6|2|||埋深（米）
视频通道编号|string|30|2|||视频通道编号
视频流地址|string|300|3|||实时视频流地址
出诊日期|date||1|||医师出诊日期
充电桩数量|integer|5|1|||充电桩（个）
充电功率|decimal|8|1|||额定充电功率（千瓦）
天气现象|string|20|1|||晴、多云、阴、雨、雪等
证件类型|string|20|1|||普通护照、往来港澳通行证等
检验机构|string|200|1|||检验检测机构名称
文件字号|string|50|1|||发文字号
"""


def _parse_fields(table: str) -> dict[str, DemoItem]:
    """Table lines → items by name (flags: P personal, S sensitive)."""
    items: dict[str, DemoItem] = {}
    for line in table.strip().splitlines():
        if not line or line.startswith("#"):
            continue
        name, data_type, length, grade, identifies, flags, description = line.split("|")
        items[name] = DemoItem(
            name=name,
            data_type=DataType(data_type),
            length=int(length) if length else None,
            description=description,
            grade_code=grade.upper() if grade in ("important", "core") else f"G{grade}",
            identifies=Identifies(identifies or "none"),
            is_personal="P" in flags,
            is_sensitive="S" in flags,
        )
    return items


FIELDS: dict[str, DemoItem] = _parse_fields(_FIELD_TABLE)
"""Every information item the demo uses, by name (the same object wherever it appears)."""

# ------------------------------------------------------------------ categories

# 类.项.目 of the compilation guide: B base, T thematic, D departmental.
_CATEGORIES: dict[str, tuple[str, BaseDatabase | None]] = {
    "B.01.01": ("人口基础信息·户籍人口", BaseDatabase.population),
    "B.01.02": ("人口基础信息·流动人口", BaseDatabase.population),
    "B.01.03": ("人口基础信息·出生和死亡", BaseDatabase.population),
    "B.01.04": ("人口基础信息·婚姻登记", BaseDatabase.population),
    "B.01.05": ("人口基础信息·人口统计", BaseDatabase.population),
    "B.02.01": ("法人单位基础信息·企业", BaseDatabase.legal_entity),
    "B.02.02": ("法人单位基础信息·社会组织", BaseDatabase.legal_entity),
    "B.02.03": ("法人单位基础信息·个体工商户", BaseDatabase.legal_entity),
    "B.03.01": ("自然资源和空间地理基础信息·基础测绘", BaseDatabase.spatial_geography),
    "B.03.02": ("自然资源和空间地理基础信息·国土空间规划", BaseDatabase.spatial_geography),
    "B.03.03": ("自然资源和空间地理基础信息·自然资源调查", BaseDatabase.spatial_geography),
    "B.03.04": ("自然资源和空间地理基础信息·地名地址", BaseDatabase.spatial_geography),
    "B.03.05": ("自然资源和空间地理基础信息·不动产登记", BaseDatabase.spatial_geography),
    "B.04.01": ("宏观经济基础信息·国民经济核算", BaseDatabase.macro_economy),
    "B.04.02": ("宏观经济基础信息·价格", BaseDatabase.macro_economy),
    "B.04.03": ("宏观经济基础信息·财政金融", BaseDatabase.macro_economy),
    "B.04.04": ("宏观经济基础信息·固定资产投资", BaseDatabase.macro_economy),
    "B.04.05": ("宏观经济基础信息·就业和收入", BaseDatabase.macro_economy),
    "B.05.01": ("社会信用基础信息·公共信用信息", BaseDatabase.social_credit),
    "B.05.02": ("社会信用基础信息·行政许可和行政处罚", BaseDatabase.social_credit),
    "B.05.03": ("社会信用基础信息·信用奖惩", BaseDatabase.social_credit),
    "T.01.01": ("卫生健康·医疗机构", None),
    "T.01.02": ("卫生健康·妇幼健康", None),
    "T.01.03": ("卫生健康·疾病预防控制", None),
    "T.01.04": ("卫生健康·医疗服务", None),
    "T.02.01": ("社会保障·社会保险", None),
    "T.02.02": ("社会保障·就业服务", None),
    "T.02.03": ("社会保障·社会救助", None),
    "T.02.04": ("社会保障·养老服务", None),
    "T.02.05": ("社会保障·医疗保障", None),
    "T.03.01": ("交通出行·公共交通", None),
    "T.03.02": ("交通出行·道路运输", None),
    "T.03.03": ("交通出行·交通管理", None),
    "T.03.04": ("交通出行·停车", None),
    "T.03.05": ("交通出行·水路运输", None),
    "T.04.01": ("生态环境·大气环境", None),
    "T.04.02": ("生态环境·水环境", None),
    "T.04.03": ("生态环境·污染源", None),
    "T.04.04": ("生态环境·声环境", None),
    "T.04.05": ("生态环境·气象", None),
    "T.05.01": ("信用体系·行业信用", None),
    "T.05.02": ("信用体系·信用评价", None),
    "T.06.01": ("城市管理·城市部件", None),
    "T.06.02": ("城市管理·城市管理事件", None),
    "T.06.03": ("城市管理·市容环卫", None),
    "T.06.04": ("城市管理·市政设施", None),
    "T.07.01": ("文化旅游·旅游景区", None),
    "T.07.02": ("文化旅游·旅游服务", None),
    "T.07.03": ("文化旅游·文化体育设施", None),
    "T.08.01": ("教育·学校", None),
    "T.08.02": ("教育·学生", None),
    "T.08.03": ("教育·教师", None),
    "T.09.01": ("应急管理·安全生产", None),
    "T.09.02": ("应急管理·应急资源", None),
    "T.09.03": ("应急管理·自然灾害", None),
    "T.10.01": ("食品药品安全·食品安全", None),
    "T.10.02": ("食品药品安全·药品和医疗器械安全", None),
    "T.11.01": ("住房和城乡建设·房地产市场", None),
    "T.11.02": ("住房和城乡建设·住房保障", None),
    "T.11.03": ("住房和城乡建设·建筑市场", None),
    "T.11.04": ("住房和城乡建设·住房公积金", None),
    "T.11.05": ("住房和城乡建设·物业管理", None),
    "T.12.01": ("农业农村·农业生产", None),
    "T.12.02": ("农业农村·农业经营主体", None),
    "T.12.03": ("农业农村·畜牧兽医", None),
    "T.12.04": ("农业农村·农村土地", None),
    "T.13.01": ("水利水务·水资源", None),
    "T.13.02": ("水利水务·防汛抗旱", None),
    "T.13.03": ("水利水务·城市供水", None),
    "T.14.01": ("公共服务·政务服务", None),
    "T.14.02": ("公共服务·12345热线", None),
    "T.14.03": ("公共服务·公共设施", None),
}

# Departmental catalogs: 项 is the department (in this order), 目 the kind of resource.
_DEPARTMENT_ORDER: tuple[str, ...] = (
    "BGS", "FGW", "JYJ", "KJJ", "GXJ", "GAJ", "MZJ", "SFJ", "CZJ", "RSJ", "ZRZY", "STHJ",
    "ZJJ", "CGJ", "JTJ", "SLJ", "NYNC", "SHANGWU", "WHLY", "WJW", "TYJR", "YJJ", "SJJ",
    "GZW", "SCJG", "TJJ", "YBJ", "TYJ", "XZSP", "XFJ", "JRJ", "DSJ", "RFB", "NYJ", "YJS",
    "QXJ", "SWJ", "RMYH", "HG", "DCD", "DSJZX", "GJJ", "BDC", "RX12345", "GGZY", "JGSW",
    "DAG",
)  # fmt: skip
_DEPARTMENTAL_KINDS: dict[str, str] = {
    "01": "行政许可",
    "02": "行政处罚与执法",
    "03": "业务管理",
    "04": "统计分析",
    "05": "公共服务",
}
_UNITS = {unit.abbr: unit for unit in demo_data.MUNICIPAL_UNITS}


def _category(
    key: str, department: str
) -> tuple[str, str, ClassificationKind, BaseDatabase | None]:
    """(code, name, kind, base database) of a category key (``B.01.01``, or ``D01`` …
    for the department's own catalog)."""
    if key.startswith("D"):
        kind = key[1:]
        code = f"D.{_DEPARTMENT_ORDER.index(department) + 1:02d}.{kind}"
        name = f"{_UNITS[department].short_name}·{_DEPARTMENTAL_KINDS[kind]}"
        return code, name, ClassificationKind.departmental, None
    name, base = _CATEGORIES[key]
    kind_of = ClassificationKind.base if key.startswith("B") else ClassificationKind.thematic
    return key, name, kind_of, base


# ------------------------------------------------------------------ providers


def _municipal_provider(abbr: str) -> tuple[str, str]:
    """(directory code, name) of a municipal unit, as ``smartcity demo load`` creates it."""
    unit = _UNITS[abbr]
    name = unit.name if unit.full_name else f"{demo_data.CITY_NAME}{unit.name}"
    return demo_data.municipal_code(unit.abbr), name


_COUNTY_UNITS = {unit.abbr: unit for unit in demo_data.COUNTY_UNITS}


def _county_provider(county: demo_data.County, abbr: str | None) -> tuple[str, str]:
    """(code, name) of a county department, or of the county government (``abbr`` None)."""
    if abbr is None or abbr not in _COUNTY_UNITS:
        return county.division_code, f"{county.name}人民政府"
    unit = _COUNTY_UNITS[abbr]
    return demo_data.county_unit_code(county, unit), demo_data.county_unit_name(county, unit)


# ------------------------------------------------------------------ source systems

# Systems of ``registry/demo_systems.py`` the entries name as their source: name →
# (registry code, owner abbreviation). A domain uses another only through its public
# modules, so the codes are repeated here; a test checks them against the registry's
# demo. An entry cites a system only when its provider owns it (the catalog's rule).
_SYSTEMS: dict[str, tuple[str, str]] = {
    "人口信息管理系统": ("JN-GAJ-001", "GAJ"),
    "交通违法处理系统": ("JN-GAJ-003", "GAJ"),
    "出入境证件办理系统": ("JN-GAJ-004", "GAJ"),
    "市场主体登记系统": ("JN-SCJG-001", "SCJG"),
    "食品安全追溯平台": ("JN-SCJG-002", "SCJG"),
    "全民健康信息平台": ("JN-WJW-001", "WJW"),
    "预防接种信息管理系统": ("JN-WJW-002", "WJW"),
    "妇幼健康信息系统": ("JN-WJW-003", "WJW"),
    "社会保障卡管理系统": ("JN-RSJ-001", "RSJ"),
    "就业创业服务系统": ("JN-RSJ-002", "RSJ"),
    "数字化城市管理系统": ("JN-CGJ-001", "CGJ"),
    "城市照明监控系统": ("JN-CGJ-002", "CGJ"),
    "环境质量自动监测系统": ("JN-STHJ-001", "STHJ"),
    "污染源在线监控系统": ("JN-STHJ-002", "STHJ"),
    "智慧交通综合管控平台": ("JN-JTJ-001", "JTJ"),
    "道路运输管理系统": ("JN-JTJ-002", "JTJ"),
    "12345热线工单系统": ("JN-RX-001", "RX12345"),
    "不动产登记系统": ("JN-BDC-001", "BDC"),
    "国土空间基础信息平台": ("JN-ZRZY-001", "ZRZY"),
    "规划审批管理系统": ("JN-ZRZY-002", "ZRZY"),
    "工程建设项目审批管理系统": ("JN-ZJJ-001", "ZJJ"),
    "房屋交易网签备案系统": ("JN-ZJJ-002", "ZJJ"),
    "婚姻登记管理系统": ("JN-MZJ-001", "MZJ"),
    "社会救助信息系统": ("JN-MZJ-002", "MZJ"),
    "教育管理公共服务平台": ("JN-JYJ-001", "JYJ"),
    "中小学学籍管理系统": ("JN-JYJ-002", "JYJ"),
    "医疗保障信息平台": ("JN-YBJ-001", "YBJ"),
    "一体化政务服务平台": ("JN-XZSP-001", "XZSP"),
    "电子证照库": ("JN-XZSP-002", "XZSP"),
    "政务信息资源共享交换平台": ("JN-DSJZX-001", "DSJZX"),
    "社会信用信息平台": ("JN-FGW-001", "FGW"),
    "投资项目在线审批监管平台": ("JN-FGW-002", "FGW"),
    "预算管理一体化系统": ("JN-CZJ-001", "CZJ"),
    "统计数据管理系统": ("JN-TJJ-001", "TJJ"),
    "应急指挥信息系统": ("JN-YJJ-001", "YJJ"),
    "住房公积金综合业务系统": ("JN-GJJ-001", "GJJ"),
    "公共资源电子交易系统": ("JN-GGZY-001", "GGZY"),
    "政府网站集约化平台": ("JN-BGS-002", "BGS"),
    "水资源监控系统": ("JN-SLJ-001", "SLJ"),
    "农村土地承包经营权信息系统": ("JN-NYNC-001", "NYNC"),
    "智慧旅游服务平台": ("JN-WHLY-001", "WHLY"),
}

# ------------------------------------------------------------------ resource specs


@dataclass(frozen=True, slots=True)
class _Spec:
    """A resource as the demo describes it; the generator turns it into entries."""

    name: str
    provider: str  # abbr of a municipal unit (demo_data), or of a county unit for county specs
    category: str  # key of _CATEGORIES, or D01–D05 for the provider's own catalog
    abstract: str
    items: tuple[str, ...]
    optional: tuple[str, ...]
    format: ResourceFormat
    cycle: UpdateCycle
    mode: ShareMode | None
    system: str
    share: ShareType | None
    basis: tuple[str, ...]
    condition: str
    open: OpenType | None
    deidentification: str
    related: tuple[str, ...]


_DB = ResourceFormat.database
_XLS = ResourceFormat.spreadsheet
_API = ResourceFormat.service_interface
_IMG = ResourceFormat.image
_VIDEO = ResourceFormat.streaming_media
_JSON = ResourceFormat.self_describing

_RT = UpdateCycle.realtime
_DAY = UpdateCycle.daily
_WEEK = UpdateCycle.weekly
_MONTH = UpdateCycle.monthly
_QUARTER = UpdateCycle.quarterly
_HALF = UpdateCycle.half_yearly
_YEAR = UpdateCycle.yearly
_IRREGULAR = UpdateCycle.irregular


def _r(
    name: str,
    provider: str,
    category: str,
    abstract: str,
    items: str,
    optional: str = "",
    *,
    fmt: ResourceFormat = _DB,
    cycle: UpdateCycle = _DAY,
    mode: ShareMode | None = None,
    system: str = "",
    share: ShareType | None = None,
    basis: str = "",
    condition: str = "",
    open_: OpenType | None = None,
    deidentification: str = "",
    related: str = "",
) -> _Spec:
    return _Spec(
        name=name,
        provider=provider,
        category=category,
        abstract=abstract,
        items=tuple(items.split()),
        optional=tuple(optional.split()),
        format=fmt,
        cycle=cycle,
        mode=mode,
        system=system,
        share=share,
        basis=tuple(basis.split()),
        condition=condition,
        open=open_,
        deidentification=deidentification,
        related=tuple(related.split()),
    )


_NONE = ShareType.none
_COND = ShareType.conditional
_OPEN = OpenType.open
_OPEN_COND = OpenType.conditional
_CLOSED = OpenType.closed


# fmt: off
_MUNICIPAL_SPECS: tuple[_Spec, ...] = (
    # ---------------------------------------------------------------- 人口基础信息
    _r(
        "人口基础信息", "GAJ", "B.01.01",
        "汇聚全市户籍人口的身份、户籍和居住等基础信息，是人口基础数据库的核心资源，"
        "为各部门办理政务服务事项提供身份核验和信息比对。",
        "公民身份号码 姓名 性别 出生日期 民族 户籍地行政区划代码 户籍地址 现住址 联系电话 婚姻状况 "
        "文化程度 职业",
        system="人口信息管理系统", mode=ShareMode.api,
    ),
    _r(
        "户籍人口迁移登记信息", "GAJ", "B.01.01",
        "户籍迁入、迁出及市内迁移的登记信息，用于人口基础信息的变更同步和人口流动分析。",
        "姓名 公民身份号码 户籍迁入日期 迁入原因 户籍地址 登记日期",
        "户号 现住址 数据更新时间",
        system="人口信息管理系统",
    ),
    _r(
        "流动人口居住登记信息", "GAJ", "B.01.02",
        "在本市居住半年以上的流动人口居住登记信息，包括居住地、居住事由和登记日期。",
        "姓名 公民身份号码 性别 现住址 居住事由 登记日期",
        "联系电话 户籍地址 职业 居住证编号",
        system="人口信息管理系统",
    ),
    _r(
        "居住证签发信息", "GAJ", "B.01.02",
        "公安机关签发的居住证信息，用于流动人口在居住地享受基本公共服务时的资格核验。",
        "姓名 公民身份号码 居住证编号 现住址 有效期自 有效期至",
        "居住事由 登记日期",
        system="人口信息管理系统",
    ),
    _r(
        "出生医学证明信息", "WJW", "B.01.03",
        "助产机构签发的出生医学证明信息，是新生儿户籍登记和“出生一件事”联办的依据。",
        "出生医学证明编号 新生儿姓名 性别 出生时间 出生地 母亲姓名 母亲公民身份号码 接生机构",
        "出生体重 父亲姓名 父亲公民身份号码",
        system="妇幼健康信息系统", related="人口基础信息",
    ),
    _r(
        "死亡医学证明信息", "WJW", "B.01.03",
        "医疗卫生机构出具的居民死亡医学证明（推断）书信息，用于户籍注销、待遇停发和人口死亡统计。",
        "姓名 公民身份号码 性别 出生日期 死亡日期 死亡原因",
        "户籍地址 登记日期",
        system="全民健康信息平台",
    ),
    _r(
        "殡葬火化信息", "MZJ", "B.01.03",
        "殡仪馆火化登记信息，与死亡医学证明和户籍信息比对，支撑养老金停发和“身后一件事”联办。",
        "姓名 公民身份号码 死亡日期 户籍地址 登记日期",
        "性别 出生日期",
    ),
    _r(
        "婚姻登记信息", "MZJ", "B.01.04",
        "婚姻登记机关办理的结婚、离婚登记和补领证件信息，为户籍、住房、"
        "公积金等业务提供婚姻状况核验。",
        "男方姓名 男方公民身份号码 女方姓名 女方公民身份号码 婚姻登记类型 登记日期 婚姻登记机关",
        "结婚证字号",
        system="婚姻登记管理系统", related="人口基础信息",
    ),
    _r(
        "人口统计信息", "TJJ", "B.01.05",
        "全市及各县（市、区）年末常住人口、户籍人口、出生和死亡人口及城镇化率等人口统计数据。",
        "统计年度 行政区划代码 行政区划名称 常住人口数 户籍人口数 城镇化率",
        "出生人口数 死亡人口数",
        fmt=_XLS, cycle=_YEAR,
    ),
    _r(
        "户籍人口分区县统计数据", "GAJ", "B.01.05",
        "按县（市、区）和乡镇（街道）汇总的户籍人口、出生和死亡人口月度统计，不含个人信息。",
        "统计期别 行政区划代码 行政区划名称 户籍人口数",
        "出生人口数 死亡人口数",
        fmt=_XLS, cycle=_MONTH, mode=ShareMode.file,
    ),
    _r(
        "人口变动情况抽样调查数据", "DCD", "B.01.05",
        "年度人口变动情况抽样调查推算的常住人口、城镇化率等主要人口指标。",
        "统计年度 行政区划名称 指标名称 指标值 计量单位",
        "常住人口数 城镇化率",
        fmt=_XLS, cycle=_YEAR,
    ),
    # ---------------------------------------------------------------- 法人单位基础信息
    _r(
        "法人单位基础信息", "SCJG", "B.02.01",
        "市场监管部门登记的企业法人及非法人企业的名称、统一社会信用代码、法定代表人、"
        "注册资本和登记状态等基础信息，是法人基础数据库的主要来源。",
        "统一社会信用代码 企业名称 市场主体类型 法定代表人 注册资本 成立日期 登记机关 住所 "
        "登记状态 行业代码",
        system="市场主体登记系统", mode=ShareMode.api,
    ),
    _r(
        "企业登记公示信息", "SCJG", "B.02.01",
        "依法向社会公示的企业登记信息，包括名称、统一社会信用代码、类型、注册资本、住所、"
        "经营范围和登记状态。",
        "统一社会信用代码 企业名称 市场主体类型 注册资本 成立日期 住所 经营范围 登记机关 登记状态",
        "核准日期 行业代码",
        system="市场主体登记系统", related="法人单位基础信息",
    ),
    _r(
        "个体工商户登记信息", "SCJG", "B.02.03",
        "个体工商户的名称、经营者、组成形式、经营场所和经营范围等登记信息。",
        "统一社会信用代码 个体工商户名称 经营者姓名 组成形式 住所 经营范围 成立日期 登记状态",
        "从业人数 行业代码 联系电话",
        system="市场主体登记系统",
    ),
    _r(
        "社会组织登记信息", "MZJ", "B.02.02",
        "民政部门登记的社会团体、民办非企业单位和基金会的登记信息。",
        "统一社会信用代码 单位名称 社会组织类型 业务主管单位 住所 宗旨和业务范围 开办资金 "
        "成立日期 登记状态",
        "法定代表人",
    ),
    _r(
        "企业注销登记信息", "SCJG", "B.02.01",
        "企业简易注销和一般注销登记信息，供税务、社保、公积金等部门同步办理注销业务。",
        "统一社会信用代码 企业名称 注销日期 登记机关 登记状态",
        "市场主体类型",
        system="市场主体登记系统",
    ),
    _r(
        "企业年度报告公示信息", "SCJG", "B.02.01",
        "企业年度报告中依法公示的从业人数、经营状态和网站网店等信息。",
        "统一社会信用代码 企业名称 统计年度 从业人数 登记状态",
        "住所",
        cycle=_YEAR, system="市场主体登记系统",
    ),
    _r(
        "纳税人登记信息", "SWJ", "B.02.01",
        "税务机关登记的单位纳税人识别号、名称、法定代表人、登记状态和行业信息。",
        "纳税人识别号 纳税人名称 法定代表人 登记状态 成立日期 行业代码",
        "住所 登记机关",
    ),
    # ---------------------------------------------------------------- 自然资源和空间地理
    _r(
        "1:2000基础地理信息数据", "ZRZY", "B.03.01",
        "覆盖中心城区的1:2000比例尺数字线划图，包括居民地、交通、水系、地貌和境界等要素，"
        "属重要测绘成果。",
        "要素编码 要素名称 几何图形 比例尺 高程",
        fmt=_IMG, cycle=_YEAR, mode=ShareMode.file, system="国土空间基础信息平台",
    ),
    _r(
        "数字正射影像数据", "ZRZY", "B.03.01",
        "全市域优于0.5米分辨率的数字正射影像，按年度更新，支撑国土空间监测和城市管理。",
        "影像编号 地面分辨率 获取时间 覆盖范围",
        fmt=_IMG, cycle=_YEAR, mode=ShareMode.api, system="国土空间基础信息平台",
    ),
    _r(
        "国土空间总体规划数据", "ZRZY", "B.03.02",
        "市级国土空间总体规划的用地布局、规划分区和控制线数据。",
        "图斑编号 规划用地性质 用地面积 几何图形 行政区划代码",
        cycle=_IRREGULAR, system="国土空间基础信息平台",
    ),
    _r(
        "建设用地规划许可信息", "ZRZY", "B.03.02",
        "核发的建设用地规划许可证信息，包括项目名称、用地单位、用地位置、面积和规划条件。",
        "建设用地规划许可证号 项目名称 项目单位 建设地点 用地面积 规划用地性质 审批日期",
        "容积率",
        system="规划审批管理系统",
    ),
    _r(
        "建设工程规划许可信息", "ZRZY", "B.03.02",
        "核发的建设工程规划许可证信息，包括建设项目名称、建设单位、建设位置和建设规模。",
        "建设工程规划许可证号 项目名称 建设单位 建设地点 建筑面积 审批日期",
        "容积率",
        system="规划审批管理系统",
    ),
    _r(
        "第三次全国国土调查成果数据", "ZRZY", "B.03.03",
        "第三次全国国土调查及年度变更调查的地类图斑、权属和永久基本农田数据。",
        "图斑编号 地类名称 图斑面积 权属单位名称 行政区划代码 几何图形",
        "永久基本农田标识",
        cycle=_YEAR, mode=ShareMode.file, system="国土空间基础信息平台",
    ),
    _r(
        "永久基本农田数据", "ZRZY", "B.03.03",
        "划定的永久基本农田图斑及面积，用于耕地保护和建设项目选址审查。",
        "图斑编号 地类名称 图斑面积 行政区划代码 几何图形 永久基本农田标识",
        cycle=_YEAR, system="国土空间基础信息平台",
    ),
    _r(
        "矿业权信息", "ZRZY", "B.03.03",
        "采矿权、探矿权的许可证号、矿业权人、矿种、有效期和矿区范围。",
        "许可编号 矿业权人 矿种 许可证有效期 建设地点",
        "用地面积",
        cycle=_MONTH,
    ),
    _r(
        "行政区划信息", "MZJ", "B.03.04",
        "全市及各县（市、区）的行政区划代码、名称、隶属关系和区划边界（WGS84 坐标）。",
        "行政区划代码 行政区划名称 上级行政区划代码 区划边界 面积",
        cycle=_MONTH,
    ),
    _r(
        "标准地址信息", "MZJ", "B.03.04",
        "全市标准地址及门（楼）牌信息，统一地址表达，支撑人口、法人和城市部件的空间定位。",
        "地址编码 标准地址 行政区划代码 兴趣点名称 经度 纬度",
        cycle=_WEEK,
    ),
    _r(
        "不动产登记信息", "BDC", "B.03.05",
        "不动产首次、转移、变更、抵押和注销登记信息，包括不动产单元、权利人和房屋坐落。",
        "不动产单元号 不动产权证书号 权利人 权利人证件号码 房屋坐落 建筑面积 房屋用途 登记类型 "
        "登记时间",
        "宗地代码 抵押权人 抵押金额",
        system="不动产登记系统", mode=ShareMode.query,
    ),
    _r(
        "不动产抵押登记信息", "BDC", "B.03.05",
        "不动产抵押权设立、变更和注销登记信息，供金融机构和法院查询核验。",
        "不动产单元号 抵押权人 抵押金额 权利人 登记时间 房屋坐落",
        system="不动产登记系统", related="不动产登记信息",
    ),
    _r(
        "宗地基础信息", "ZRZY", "B.03.05",
        "宗地代码、土地用途、面积、权属单位和宗地界线。",
        "宗地代码 土地用途 用地面积 权属单位名称 几何图形 行政区划代码",
        cycle=_MONTH, system="国土空间基础信息平台",
    ),
    # ---------------------------------------------------------------- 宏观经济
    _r(
        "地区生产总值季度核算数据", "TJJ", "B.04.01",
        "按季度发布的全市及各县（市、区）地区生产总值（GDP）、三次产业增加值及增速。",
        "统计年度 统计期别 行政区划名称 地区生产总值 地区生产总值增速",
        "第一产业增加值 第二产业增加值 第三产业增加值",
        fmt=_XLS, cycle=_QUARTER, system="统计数据管理系统",
    ),
    _r(
        "主要经济指标数据", "TJJ", "B.04.01",
        "全市及各县（市、区）地区生产总值、财政收入、社会消费品零售总额、常住人口等主要经济指标的"
        "年度、季度和月度数据。",
        "指标代码 指标名称 统计期 行政区划代码 指标值 计量单位 数据来源",
        fmt=_XLS, cycle=_MONTH, system="统计数据管理系统",
    ),
    _r(
        "规模以上工业增加值月度数据", "TJJ", "B.04.01",
        "全市及各县（市、区）规模以上工业增加值月度增速。",
        "统计期别 行政区划名称 规模以上工业增加值增速",
        "同比增长",
        fmt=_XLS, cycle=_MONTH, system="统计数据管理系统",
    ),
    _r(
        "社会消费品零售总额月度数据", "TJJ", "B.04.01",
        "全市社会消费品零售总额及增速的月度数据。",
        "统计期别 社会消费品零售总额 同比增长",
        fmt=_XLS, cycle=_MONTH,
    ),
    _r(
        "外贸进出口统计数据", "HG", "B.04.01",
        "按月统计的全市货物进出口总额、主要商品和同比增速。",
        "统计期别 进出口总额 进出口标志 同比增长",
        "商品编码",
        fmt=_XLS, cycle=_MONTH,
    ),
    _r(
        "能源消费统计数据", "TJJ", "B.04.01",
        "全市及各县（市、区）能源消费总量和单位地区生产总值能耗。",
        "统计年度 行政区划名称 能源消费总量 单位增加值能耗",
        fmt=_XLS, cycle=_YEAR,
    ),
    _r(
        "居民消费价格指数", "DCD", "B.04.02",
        "全市居民消费价格总指数及食品烟酒、居住、交通通信等八大类价格指数的月度数据。",
        "统计期别 指标名称 居民消费价格指数 同比增长",
        fmt=_XLS, cycle=_MONTH,
    ),
    _r(
        "重要民生商品价格监测数据", "FGW", "B.04.02",
        "粮油、肉禽蛋、蔬菜水果等重要民生商品的价格监测数据。",
        "商品名称 规格等级 价格 计量单位 采价日期",
        "监测站点名称",
        fmt=_XLS, cycle=_WEEK,
    ),
    _r(
        "一般公共预算收支数据", "CZJ", "B.04.03",
        "全市一般公共预算收入、支出和税收收入的月度执行数据。",
        "统计期别 一般公共预算收入 一般公共预算支出 税收收入 同比增长",
        fmt=_XLS, cycle=_MONTH, system="预算管理一体化系统",
    ),
    _r(
        "税收收入分税种统计数据", "SWJ", "B.04.03",
        "按税种汇总的全市税收收入及增减情况。",
        "统计期别 税种 指标值 计量单位 同比增长",
        fmt=_XLS, cycle=_MONTH,
    ),
    _r(
        "金融机构存贷款数据", "RMYH", "B.04.03",
        "全市金融机构本外币各项存款、贷款余额及增速。",
        "统计期别 各项存款余额 各项贷款余额 同比增长",
        fmt=_XLS, cycle=_MONTH,
    ),
    _r(
        "固定资产投资项目审批核准备案信息", "FGW", "B.04.04",
        "经投资项目在线审批监管平台办理的审批、核准、备案项目信息。",
        "项目代码 项目名称 项目单位 建设地点 总投资 审批文号 审批日期 建设规模及内容",
        system="投资项目在线审批监管平台",
    ),
    _r(
        "重点项目建设进度数据", "FGW", "B.04.04",
        "市级重点项目的投资计划和月度完成投资情况。",
        "项目代码 项目名称 项目单位 总投资 本年完成投资 统计期别",
        fmt=_XLS, cycle=_MONTH, system="投资项目在线审批监管平台",
        related="固定资产投资项目审批核准备案信息",
    ),
    _r(
        "城乡居民收入数据", "DCD", "B.04.05",
        "城镇和农村居民人均可支配收入及增速。",
        "统计期别 城镇居民人均可支配收入 农村居民人均可支配收入 同比增长",
        fmt=_XLS, cycle=_QUARTER,
    ),
    _r(
        "就业和失业统计数据", "RSJ", "B.04.05",
        "城镇新增就业、城镇调查失业率等就业统计指标。",
        "统计期别 就业人员数 城镇调查失业率 指标名称 指标值",
        fmt=_XLS, cycle=_QUARTER,
    ),
    # ---------------------------------------------------------------- 社会信用
    _r(
        "行政许可信息（双公示）", "FGW", "B.05.02",
        "各部门作出的行政许可决定信息，按“双公示”要求在7个工作日内归集并向社会公示。",
        "信用主体名称 统一社会信用代码 行政许可决定文书号 许可类别 许可证书名称 许可编号 许可内容 "
        "许可决定日期 有效期自 有效期至 许可机关",
        system="社会信用信息平台",
    ),
    _r(
        "行政处罚信息（双公示）", "FGW", "B.05.02",
        "各部门作出的行政处罚决定信息，按“双公示”要求归集并向社会公示。",
        "信用主体名称 统一社会信用代码 行政处罚决定书文号 违法行为类型 处罚依据 处罚类别 罚款金额 "
        "处罚决定日期 处罚机关",
        "违法事实",
        system="社会信用信息平台",
    ),
    _r(
        "严重失信主体名单信息", "FGW", "B.05.03",
        "依法认定的严重失信主体名单，包括失信行为、认定依据、列入和移出日期。",
        "信用主体名称 统一社会信用代码 失信行为 认定依据 列入日期 列入部门",
        "移出日期 联合惩戒措施",
        system="社会信用信息平台",
    ),
    _r(
        "公共信用信息", "FGW", "B.05.03",
        "归集的红名单、黑名单、行政许可和行政处罚等公共信用记录，信用主体为法人（统一社会信用代码）"
        "或自然人（公民身份号码）。",
        "记录编号 信用主体代码 信用主体名称 记录类型 发布部门 决定文书号 决定日期 有效期自 "
        "有效期至",
        system="社会信用信息平台",
    ),
    _r(
        "公共信用综合评价结果", "FGW", "B.05.01",
        "对本市法人和非法人组织开展公共信用综合评价的得分和等级。",
        "信用主体名称 统一社会信用代码 公共信用综合评价得分 信用等级 评价年度",
        cycle=_YEAR, system="社会信用信息平台",
    ),
    _r(
        "纳税信用等级评价信息", "SWJ", "B.05.01",
        "税务机关对纳税人开展纳税信用评价的年度结果。",
        "纳税人识别号 纳税人名称 纳税信用等级 评价年度",
        cycle=_YEAR,
    ),
    _r(
        "经营异常名录信息", "SCJG", "B.05.03",
        "列入和移出经营异常名录的企业及其原因。",
        "统一社会信用代码 企业名称 列入日期 认定依据 列入部门",
        "移出日期",
        system="市场主体登记系统",
    ),
    _r(
        "欠税公告信息", "SWJ", "B.05.01",
        "依法公告的欠税纳税人、欠缴税种和欠税余额。",
        "纳税人识别号 纳税人名称 税种 欠税余额 法定代表人",
        cycle=_QUARTER,
    ),
    _r(
        "法人和非法人组织公共信用信息报告", "FGW", "B.05.01",
        "按统一社会信用代码生成的公共信用信息报告，汇总登记、许可、处罚、评价和奖惩信息。",
        "统一社会信用代码 信用主体名称 信用主体类别 公共信用综合评价得分 信用等级",
        "行政许可决定文书号 行政处罚决定书文号",
        fmt=_API, cycle=_RT, system="社会信用信息平台",
    ),
)
# fmt: on


# fmt: off
_THEMATIC_SPECS: tuple[_Spec, ...] = (
    # ---------------------------------------------------------------- 卫生健康
    _r(
        "医疗机构执业登记信息", "WJW", "T.01.01",
        "全市医疗机构的名称、类别、等级、床位、诊疗科目和执业地址等执业登记信息。",
        "医疗机构名称 统一社会信用代码 医疗机构登记号 医疗机构类别 医院等级 核定床位数 诊疗科目 "
        "执业地址",
        "经度 纬度",
        cycle=_WEEK, system="全民健康信息平台",
    ),
    _r(
        "医师执业注册信息", "WJW", "T.01.01",
        "医师执业注册的执业类别、执业范围和执业机构信息。",
        "医师姓名 医师执业证书编码 执业类别 执业范围 医疗机构名称",
        cycle=_WEEK, system="全民健康信息平台", mode=ShareMode.query,
    ),
    _r(
        "预防接种信息", "WJW", "T.01.03",
        "儿童和成人的疫苗接种记录，用于入托入学查验和接种率统计。",
        "姓名 公民身份号码 疫苗名称 接种日期 疫苗批号 接种单位",
        "出生日期",
        system="预防接种信息管理系统", mode=ShareMode.query,
    ),
    _r(
        "法定传染病疫情统计数据", "WJW", "T.01.03",
        "按县（市、区）汇总的法定传染病发病数和死亡数，不含病例个人信息。",
        "统计期别 行政区划名称 指标名称 指标值",
        fmt=_XLS, cycle=_MONTH, open_=_CLOSED, system="全民健康信息平台",
    ),
    _r(
        "门诊住院诊疗信息", "WJW", "T.01.04",
        "二级以上医疗机构上传的门诊和住院诊疗记录摘要，包括就诊科室、诊断和费用。",
        "姓名 公民身份号码 就诊日期 就诊科室 诊断名称 医疗费用总额 医疗机构名称",
        system="全民健康信息平台",
    ),
    _r(
        "医疗服务量统计数据", "WJW", "T.01.04",
        "各医疗机构门急诊人次、出院人次和病床使用率的月度统计。",
        "统计期别 医疗机构名称 门诊人次 住院人次 病床使用率",
        fmt=_XLS, cycle=_MONTH, system="全民健康信息平台",
    ),
    _r(
        "院前急救站点信息", "WJW", "T.01.04",
        "120院前急救站点的位置、值班电话和急救车辆配置。",
        "急救站点名称 执业地址 急救车辆数 经度 纬度 值班电话",
        cycle=_MONTH,
    ),
    _r(
        "预约挂号号源信息", "WJW", "T.01.04",
        "市属医院各科室医师出诊安排和可预约号源。",
        "医疗机构名称 诊疗科目 医师姓名 出诊日期 预约号源数",
        fmt=_API, cycle=_RT, system="全民健康信息平台",
    ),
    _r(
        "家庭医生签约服务信息", "WJW", "T.01.04",
        "居民与家庭医生团队的签约、续约和解约信息。",
        "姓名 公民身份号码 家庭医生签约状态 医师姓名 医疗机构名称 登记日期",
        system="全民健康信息平台",
    ),
    _r(
        "孕产妇健康管理信息", "WJW", "T.01.02",
        "孕产妇建档、产前检查和产后访视等健康管理记录。",
        "姓名 公民身份号码 出生日期 就诊日期 医疗机构名称 诊断名称",
        system="妇幼健康信息系统",
    ),
    # ---------------------------------------------------------------- 社会保障
    _r(
        "社会保险参保信息", "RSJ", "T.02.01",
        "企业职工基本养老、失业、工伤保险的个人参保登记和参保状态。",
        "姓名 社会保障号码 险种类型 参保状态 参保日期 参保单位编号 参保单位名称",
        "社会保障卡号",
    ),
    _r(
        "社会保险缴费信息", "RSJ", "T.02.01",
        "参保人员按月缴纳社会保险费的缴费基数和缴费金额。",
        "社会保障号码 姓名 险种类型 缴费月份 缴费基数 缴费金额 参保单位编号",
        cycle=_MONTH, related="社会保险参保信息",
    ),
    _r(
        "养老保险待遇发放信息", "RSJ", "T.02.01",
        "企业职工基本养老保险待遇的核定和按月发放信息。",
        "社会保障号码 姓名 养老金月发放金额 待遇开始日期 险种类型",
        cycle=_MONTH,
    ),
    _r(
        "参保单位登记信息", "RSJ", "T.02.01",
        "办理社会保险登记的用人单位信息。",
        "参保单位编号 参保单位名称 统一社会信用代码 住所 从业人数 登记日期",
        cycle=_WEEK, open_=_CLOSED,
    ),
    _r(
        "社会保障卡持卡信息", "RSJ", "T.02.01",
        "社会保障卡的制发、启用和挂失状态，用于“一卡通”场景的身份核验。",
        "姓名 公民身份号码 社会保障卡号 登记日期",
        mode=ShareMode.query,
        system="社会保障卡管理系统",
    ),
    _r(
        "就业登记信息", "RSJ", "T.02.02",
        "劳动者就业登记和用工备案信息。",
        "姓名 公民身份号码 就业登记日期 参保单位名称 职业",
        system="就业创业服务系统",
    ),
    _r(
        "失业登记信息", "RSJ", "T.02.02",
        "城乡劳动者失业登记和就业困难人员认定信息。",
        "姓名 公民身份号码 失业登记证号 登记日期 就业困难人员类别",
        system="就业创业服务系统",
    ),
    _r(
        "职业技能等级证书信息", "RSJ", "T.02.02",
        "职业技能等级认定后颁发的证书信息，用于技能补贴申领和人才认定。",
        "姓名 公民身份号码 职业技能等级证书编号 职业名称 技能等级 发证日期",
        system="就业创业服务系统",
    ),
    _r(
        "招聘岗位信息", "RSJ", "T.02.02",
        "用人单位通过公共就业服务机构发布的招聘岗位。",
        "岗位名称 企业名称 统一社会信用代码 招聘人数 薪资范围 工作地点 发布时间",
        fmt=_API, system="就业创业服务系统",
    ),
    _r(
        "城乡低保对象信息", "MZJ", "T.02.03",
        "城乡最低生活保障对象的认定、保障人口和保障金额。",
        "姓名 公民身份号码 救助对象类别 保障人口数 月保障金额 认定日期 户籍地址",
        cycle=_MONTH, system="社会救助信息系统",
    ),
    _r(
        "特困人员供养信息", "MZJ", "T.02.03",
        "特困人员认定、供养方式和供养标准信息。",
        "姓名 公民身份号码 救助对象类别 月保障金额 认定日期 护理等级",
        cycle=_MONTH, system="社会救助信息系统",
    ),
    _r(
        "临时救助信息", "MZJ", "T.02.03",
        "对遭遇突发性、紧迫性困难家庭或个人实施临时救助的记录。",
        "姓名 公民身份号码 救助对象类别 补贴金额 登记日期",
        system="社会救助信息系统",
    ),
    _r(
        "养老机构信息", "MZJ", "T.02.04",
        "全市养老机构的床位、收住老人数和地址。",
        "养老机构名称 统一社会信用代码 床位数 收住老人数 住所 经度 纬度",
        cycle=_MONTH,
    ),
    _r(
        "高龄津贴发放信息", "MZJ", "T.02.04",
        "80周岁以上老年人高龄津贴的发放记录。",
        "姓名 公民身份号码 出生日期 补贴金额 户籍地址",
        cycle=_MONTH,
    ),
    _r(
        "医保定点医药机构信息", "YBJ", "T.02.05",
        "纳入医疗保障定点管理的医疗机构和零售药店。",
        "定点医药机构编码 定点医药机构名称 统一社会信用代码 医疗机构类别 执业地址",
        cycle=_WEEK, system="医疗保障信息平台",
    ),
    _r(
        "医保结算信息", "YBJ", "T.02.05",
        "参保人员在定点医药机构就医购药的医疗费用结算明细。",
        "医保结算编号 姓名 社会保障号码 定点医药机构编码 就诊日期 医疗费用总额 统筹基金支付金额 "
        "个人自付金额",
        "诊断名称",
        system="医疗保障信息平台",
    ),
    _r(
        "基本医疗保险参保信息", "YBJ", "T.02.05",
        "职工和城乡居民基本医疗保险的参保登记和参保状态。",
        "姓名 公民身份号码 险种类型 参保状态 参保日期",
        "参保单位名称",
        system="医疗保障信息平台",
    ),
    # ---------------------------------------------------------------- 交通出行
    _r(
        "城市公交线路数据", "JTJ", "T.03.01",
        "全市城市公交线路的编号、名称、起讫站点、首末班时间、票价和线路走向，由公交企业报送、"
        "交通运输局汇总维护。",
        "线路编号 线路名称 起点站 终点站 首班时间 末班时间 票价 运营单位",
        "线路长度 线路走向",
        cycle=_WEEK, system="智慧交通综合管控平台", related="城市公交站点数据",
    ),
    _r(
        "城市公交站点数据", "JTJ", "T.03.01",
        "公交站点的编号、名称、位置和途经线路。",
        "站点编号 站点名称 线路编号 站点序号 上下行标识 经度 纬度",
        cycle=_WEEK, system="智慧交通综合管控平台", related="城市公交线路数据",
    ),
    _r(
        "公交车辆实时位置数据", "JTJ", "T.03.01",
        "公交车辆车载终端上报的实时位置、速度和方向，用于到站预报。",
        "车辆编号 线路编号 GPS时间 经度 纬度 瞬时速度 方向角 上下行标识",
        fmt=_API, cycle=_RT, system="智慧交通综合管控平台", related="城市公交线路数据",
    ),
    _r(
        "公交IC卡刷卡数据", "JTJ", "T.03.01",
        "公交IC卡和移动支付的乘车刷卡记录，用于客流分析和线网优化。",
        "乘车卡号 刷卡时间 线路编号 车辆编号",
        "站点名称",
        system="智慧交通综合管控平台", open_=_OPEN_COND,
        deidentification="乘车卡号以加盐哈希替换，刷卡时间精确到小时，不开放单卡连续出行记录。",
    ),
    _r(
        "公交客流统计数据", "JTJ", "T.03.01",
        "按线路和时段统计的公交客流人次。",
        "统计时段 线路编号 线路名称 客流人次",
        fmt=_XLS, system="智慧交通综合管控平台",
    ),
    _r(
        "出租车运营数据", "JTJ", "T.03.02",
        "巡游出租汽车每趟营运的上下车时间、营运里程、空驶里程和营收金额，"
        "来自车载计价器和卫星定位装置。",
        "车牌号码 出租车经营许可证号 营运日期 上车时间 下车时间 营运里程 空驶里程 营收金额",
        "驾驶员从业资格证号",
        system="智慧交通综合管控平台", open_=_OPEN_COND,
        deidentification="删除驾驶员从业资格证号，车牌号码以不可逆哈希替换，上下车时间精确到小时。",
    ),
    _r(
        "出租车车辆及驾驶员信息", "JTJ", "T.03.02",
        "巡游出租汽车的车辆、经营许可和驾驶员从业资格信息。",
        "车牌号码 出租车经营许可证号 道路运输证号 运营单位 驾驶员从业资格证号 姓名",
        cycle=_WEEK, system="智慧交通综合管控平台", related="出租车运营数据",
    ),
    _r(
        "网络预约出租汽车订单数据", "JTJ", "T.03.02",
        "网约车平台按规定报送的订单和经营数据。",
        "车牌号码 上车时间 下车时间 营运里程 营收金额",
        fmt=_API, cycle=_RT, system="智慧交通综合管控平台",
    ),
    _r(
        "道路运输经营许可信息", "JTJ", "T.03.02",
        "道路旅客运输、货物运输和机动车维修经营许可信息。",
        "企业名称 统一社会信用代码 许可编号 许可内容 有效期自 有效期至",
        cycle=_WEEK, system="道路运输管理系统",
    ),
    _r(
        "道路运输从业人员资格信息", "JTJ", "T.03.02",
        "道路运输驾驶员等从业人员的从业资格证信息。",
        "姓名 公民身份号码 驾驶员从业资格证号 准驾车型 发证日期 有效期至",
        cycle=_WEEK, system="道路运输管理系统",
    ),
    _r(
        "公路路网基础数据", "JTJ", "T.03.02",
        "国省干线和农村公路的路线、路段、里程和空间位置。",
        "道路名称 路段编号 线路长度 几何图形 行政区划代码",
        cycle=_YEAR, system="道路运输管理系统",
    ),
    _r(
        "机动车登记信息", "GAJ", "T.03.03",
        "机动车注册、转移、变更和注销登记信息。",
        "车牌号码 号牌种类 车辆识别代号 车辆类型 机动车所有人 初次登记日期 检验有效期止",
    ),
    _r(
        "机动车驾驶人信息", "GAJ", "T.03.03",
        "机动车驾驶证的准驾车型、有效期和状态。",
        "姓名 驾驶证号 准驾车型 发证日期 有效期至",
        mode=ShareMode.query,
        system="交通违法处理系统",
    ),
    _r(
        "道路交通违法信息", "GAJ", "T.03.03",
        "现场处罚和非现场执法记录的道路交通违法行为。",
        "车牌号码 号牌种类 违法时间 违法地点 违法行为代码 处罚决定日期 罚款金额",
        system="交通违法处理系统",
    ),
    _r(
        "道路交通事故信息", "GAJ", "T.03.03",
        "道路交通事故的发生时间、地点、形态和伤亡损失。",
        "事故编号 事故发生时间 事故地点 事故形态 死亡人数 受伤人数 直接经济损失",
    ),
    _r(
        "城市道路交通拥堵指数数据", "GAJ", "T.03.03",
        "中心城区主要道路路段的交通拥堵指数和平均车速。",
        "道路名称 路段编号 统计时段 交通拥堵指数 平均车速",
        fmt=_API, cycle=_RT,
    ),
    _r(
        "公共停车场实时泊位数据", "CGJ", "T.03.04",
        "接入智慧停车平台的公共停车场位置、总泊位和实时空余泊位。",
        "停车场编号 停车场名称 标准地址 总泊位数 空余泊位数 收费标准 经度 纬度",
        fmt=_API, cycle=_RT,
    ),
    _r(
        "公共自行车站点实时数据", "JTJ", "T.03.01",
        "公共自行车站点的位置、车桩数和可借车辆数。",
        "站点编号 站点名称 经度 纬度 总泊位数 空余泊位数",
        fmt=_API, cycle=_RT,
    ),
    _r(
        "交通运输主要指标统计数据", "JTJ", "T.03.02",
        "全市公路、水路客货运输量和周转量等交通运输主要指标的月度统计。",
        "统计期别 指标名称 指标值 计量单位 同比增长",
        fmt=_XLS, cycle=_MONTH,
    ),
    _r(
        "港口码头吞吐量数据", "JTJ", "T.03.05",
        "京杭运河沿线港口码头的货物吞吐量月度统计。",
        "港口码头名称 统计期别 货物吞吐量 同比增长",
        fmt=_XLS, cycle=_MONTH,
    ),
    _r(
        "内河船舶营运信息", "JTJ", "T.03.05",
        "内河营运船舶的船名、经营单位和营运证件信息。",
        "船舶名称 许可编号 运营单位 登记日期",
        cycle=_MONTH,
    ),
    # ---------------------------------------------------------------- 生态环境
    _r(
        "空气质量小时数据", "STHJ", "T.04.01",
        "全市国控、省控空气质量自动监测站逐小时的PM2.5、PM10、二氧化硫、二氧化氮、一氧化碳、"
        "臭氧浓度及空气质量指数（AQI），按HJ 633计算。",
        "监测站点编码 监测站点名称 监测时间 PM2.5浓度 PM10浓度 二氧化硫浓度 二氧化氮浓度 "
        "一氧化碳浓度 臭氧浓度 空气质量指数",
        "首要污染物 空气质量级别 空气质量类别",
        fmt=_API, cycle=_RT, system="环境质量自动监测系统", related="空气质量监测站点信息",
    ),
    _r(
        "空气质量日报数据", "STHJ", "T.04.01",
        "各监测站点和全市的空气质量日报，包括AQI、首要污染物和空气质量级别。",
        "监测站点名称 监测时间 空气质量指数 首要污染物 空气质量级别 空气质量类别",
        "PM2.5浓度",
        system="环境质量自动监测系统", related="空气质量小时数据",
    ),
    _r(
        "空气质量监测站点信息", "STHJ", "T.04.01",
        "空气质量自动监测站点的编码、名称和位置。",
        "监测站点编码 监测站点名称 经度 纬度 行政区划代码",
        cycle=_YEAR, system="环境质量自动监测系统",
    ),
    _r(
        "地表水水质监测数据", "STHJ", "T.04.02",
        "国控、省控地表水断面水质自动监测数据，每4小时一次。",
        "断面编码 断面名称 所属流域 监测时间 水质类别 化学需氧量 氨氮 总磷 溶解氧",
        "水质目标 pH值 水温",
        fmt=_API, cycle=_RT, system="环境质量自动监测系统",
    ),
    _r(
        "南四湖水质监测月报", "STHJ", "T.04.02",
        "南四湖及入湖河流监测断面的水质类别和主要污染物浓度月报。",
        "断面名称 所属流域 统计期别 水质类别 化学需氧量 氨氮 总磷",
        fmt=_XLS, cycle=_MONTH, system="环境质量自动监测系统",
    ),
    _r(
        "集中式饮用水水源地水质监测数据", "STHJ", "T.04.02",
        "县级以上集中式饮用水水源地的水质监测结果。",
        "饮用水水源地名称 监测时间 水质类别 氨氮 总磷 pH值",
        cycle=_MONTH, system="环境质量自动监测系统",
    ),
    _r(
        "饮用水水源保护区划定数据", "STHJ", "T.04.02",
        "饮用水水源保护区的范围边界和取水口位置，属重要数据。",
        "饮用水水源地名称 水源保护区边界 取水口坐标 行政区划代码",
        cycle=_IRREGULAR, mode=ShareMode.file,
    ),
    _r(
        "重点排污单位自动监测数据", "STHJ", "T.04.03",
        "重点排污单位排放口污染物排放浓度在线监测数据。",
        "排污单位名称 统一社会信用代码 排放口编号 监测时间 污染物名称 排放浓度 超标标识",
        fmt=_API, cycle=_RT, system="污染源在线监控系统",
    ),
    _r(
        "排污许可证信息", "STHJ", "T.04.03",
        "核发的排污许可证编号、排污单位、行业类别和有效期。",
        "排污单位名称 统一社会信用代码 排污许可证编号 行业代码 有效期自 有效期至",
        "住所",
        cycle=_WEEK,
    ),
    _r(
        "污染物排放量统计数据", "STHJ", "T.04.03",
        "重点排污单位主要污染物年度排放量。",
        "统计年度 排污单位名称 污染物名称 排放量",
        fmt=_XLS, cycle=_YEAR, system="污染源在线监控系统",
    ),
    _r(
        "建设项目环境影响评价审批信息", "STHJ", "T.04.03",
        "建设项目环境影响报告书（表）的审批结果。",
        "建设项目名称 项目单位 建设地点 环境影响评价类别 环评批复文号 审批日期",
        cycle=_WEEK,
    ),
    _r(
        "声环境质量监测数据", "STHJ", "T.04.04",
        "城市功能区声环境质量监测点位的等效声级。",
        "噪声监测点位 声环境功能区类别 监测时间 等效声级",
        cycle=_QUARTER,
    ),
    _r(
        "气象观测数据", "QXJ", "T.04.05",
        "国家级和区域自动气象站逐小时的气温、湿度、降水、风向风速、气压和能见度。",
        "气象站号 观测时间 气温 相对湿度 降水量 风向 风速",
        "气压 能见度",
        fmt=_API, cycle=_RT,
    ),
    _r(
        "气象预警信号信息", "QXJ", "T.04.05",
        "市、县气象台发布的暴雨、大风、高温等气象灾害预警信号。",
        "预警信号类型 预警级别 发布时间 预警内容 行政区划名称",
        fmt=_JSON, cycle=_RT,
    ),
    _r(
        "城市天气预报数据", "QXJ", "T.04.05",
        "全市及各县（市、区）未来7天逐日天气预报。",
        "行政区划名称 发布时间 天气现象 气温 降水量 风向 风速",
        fmt=_JSON,
    ),
    # ---------------------------------------------------------------- 信用体系
    _r(
        "建筑市场主体信用评价信息", "ZJJ", "T.05.01",
        "建筑业企业信用评价的得分和等级。",
        "企业名称 统一社会信用代码 资质类别及等级 信用等级 评价年度",
        "公共信用综合评价得分",
        cycle=_QUARTER,
    ),
    _r(
        "交通运输企业信用评价信息", "JTJ", "T.05.01",
        "道路运输企业质量信誉考核结果。",
        "企业名称 统一社会信用代码 信用等级 评价年度",
        cycle=_YEAR, system="道路运输管理系统",
    ),
    _r(
        "食品生产经营企业信用分级信息", "SCJG", "T.05.01",
        "食品生产经营者风险分级和信用等级。",
        "经营者名称 统一社会信用代码 食品经营许可证编号 信用等级 评价年度",
        cycle=_YEAR,
    ),
    _r(
        "企业环境信用评价结果", "STHJ", "T.05.02",
        "重点排污单位环境信用评价等级。",
        "排污单位名称 统一社会信用代码 信用等级 评价年度",
        cycle=_YEAR,
    ),
    _r(
        "医疗机构依法执业评价信息", "WJW", "T.05.02",
        "医疗机构依法执业自查和不良执业行为记分结果。",
        "医疗机构名称 统一社会信用代码 违法行为类型 指标值 处罚决定日期",
        cycle=_QUARTER,
    ),
    # ---------------------------------------------------------------- 城市管理
    _r(
        "城市管理部件数据", "CGJ", "T.06.01",
        "数字化城市管理系统普查的井盖、路灯、果皮箱、消火栓等城市管理部件的位置、类别、"
        "权属和状态，按GB/T 30428.2编码。",
        "部件编码 部件大类 部件小类 部件名称 主管部门 权属单位 部件状态 单元网格编码 经度 纬度",
        "养护单位 所在社区",
        cycle=_MONTH, system="数字化城市管理系统",
    ),
    _r(
        "城市管理案件数据", "CGJ", "T.06.02",
        "监督员上报、公众举报和12345转办的城市管理问题从立案到结案的处置记录。",
        "案件编号 问题来源 问题类型 问题描述 发生地址 上报时间 立案时间 处置时限 处置部门 "
        "结案时间 案件状态",
        "现场照片 举报人联系电话",
        system="数字化城市管理系统", related="城市管理部件数据",
    ),
    _r(
        "城市管理单元网格数据", "CGJ", "T.06.01",
        "数字化城市管理单元网格的编码、范围和所属社区。",
        "单元网格编码 所在社区 行政区划代码 几何图形",
        cycle=_YEAR, system="数字化城市管理系统",
    ),
    _r(
        "生活垃圾清运数据", "CGJ", "T.06.03",
        "各作业区域生活垃圾日清运量。",
        "作业区域 作业日期 车辆编号 垃圾清运量",
        fmt=_XLS,
    ),
    _r(
        "城市道路照明设施数据", "CGJ", "T.06.04",
        "城市道路路灯的位置、养护单位和亮灯率。",
        "路灯编号 道路名称 设施类型 经度 纬度 亮灯率",
        "养护单位",
        cycle=_MONTH, system="城市照明监控系统",
    ),
    _r(
        "户外广告设置审批信息", "CGJ", "T.06.03",
        "户外广告和招牌设置的审批结果。",
        "广告设置位置 广告设置单位 审批文号 有效期自 有效期至",
        cycle=_WEEK,
    ),
    _r(
        "市政桥梁设施台账", "CGJ", "T.06.04",
        "城市桥梁、人行天桥和地下通道的基础台账和养护信息。",
        "设施名称 设施类型 道路名称 权属单位 养护单位 经度 纬度",
        cycle=_QUARTER,
    ),
    _r(
        "城市地下管线数据", "ZJJ", "T.06.04",
        "给水、排水、燃气、热力等地下管线的位置、管径、管材和埋深，属重要数据。",
        "设施类型 管线空间数据 管径 管材 埋深 权属单位",
        cycle=_QUARTER, mode=ShareMode.file,
    ),
    _r(
        "渣土运输车辆监管数据", "CGJ", "T.06.03",
        "建筑渣土运输车辆的定位轨迹和核准信息。",
        "车牌号码 运营单位 GPS时间 经度 纬度",
        fmt=_API, cycle=_RT,
    ),
    # ---------------------------------------------------------------- 文化旅游
    _r(
        "景区客流实时监测数据", "WHLY", "T.07.01",
        "曲阜三孔、微山湖、水泊梁山等A级旅游景区的实时在园人数、当日累计入园人数和承载率，"
        "用于客流预警和错峰引导。",
        "景区编码 景区名称 统计时间 实时在园人数 当日累计入园人数 最大承载量 承载率",
        fmt=_API, cycle=_RT, system="智慧旅游服务平台", related="A级旅游景区基本信息",
    ),
    _r(
        "A级旅游景区基本信息", "WHLY", "T.07.01",
        "全市A级旅游景区的等级、地址、开放时间和门票价格。",
        "景区编码 景区名称 景区等级 景区地址 开放时间 门票价格 经度 纬度",
        "最大承载量",
        cycle=_MONTH, system="智慧旅游服务平台",
    ),
    _r(
        "旅行社信息", "WHLY", "T.07.02",
        "取得旅行社业务经营许可的旅行社及其分社。",
        "旅行社名称 统一社会信用代码 旅行社业务经营许可证号 住所",
        cycle=_MONTH,
    ),
    _r(
        "导游人员信息", "WHLY", "T.07.02",
        "持电子导游证的导游人员及其所属旅行社。",
        "导游姓名 导游证号 旅行社名称",
        cycle=_MONTH, mode=ShareMode.query,
    ),
    _r(
        "星级饭店信息", "WHLY", "T.07.02",
        "评定的星级饭店及其客房规模。",
        "星级饭店名称 统一社会信用代码 饭店星级 客房数 住所",
        cycle=_QUARTER,
    ),
    _r(
        "旅游接待统计数据", "WHLY", "T.07.02",
        "全市接待国内外游客人次、旅游总收入和客源地构成。",
        "统计期别 旅游接待人次 旅游总收入 客源地省份 同比增长",
        fmt=_XLS, cycle=_QUARTER, system="智慧旅游服务平台",
    ),
    _r(
        "文物保护单位信息", "WHLY", "T.07.03",
        "全国、省、市、县级文物保护单位的名称、级别、公布批次和位置。",
        "文物保护单位名称 保护级别 公布批次 标准地址 经度 纬度",
        cycle=_YEAR,
    ),
    _r(
        "公共文化设施信息", "WHLY", "T.07.03",
        "博物馆、图书馆、文化馆、美术馆的开放时间和服务信息。",
        "文化设施名称 文化设施类型 标准地址 开放时间 开放状态",
        "藏品数量",
        cycle=_MONTH,
    ),
    _r(
        "公共体育场馆开放信息", "TYJ", "T.07.03",
        "公共体育场馆的类型、地址和免费低收费开放时段。",
        "体育场馆名称 场馆类型 标准地址 免费开放时段 开放状态",
        cycle=_MONTH,
    ),
    # ---------------------------------------------------------------- 教育
    _r(
        "学校名录", "JYJ", "T.08.01",
        "全市各级各类学校（含幼儿园）的学校标识码、名称、办学类型、举办者、地址和办学规模。",
        "学校标识码 学校名称 统一社会信用代码 办学类型 学校性质 举办者 学校地址",
        "在校生数 教职工数 班级数 经度 纬度",
        cycle=_QUARTER, system="教育管理公共服务平台",
    ),
    _r(
        "义务教育学区划分信息", "JYJ", "T.08.01",
        "义务教育学校的划片招生范围和招生计划。",
        "学校名称 学校标识码 学区范围 招生计划数 统计年度",
        cycle=_YEAR, system="教育管理公共服务平台", related="学校名录",
    ),
    _r(
        "中小学生学籍信息", "JYJ", "T.08.02",
        "全国中小学生学籍信息管理系统中本市学生的学籍信息。",
        "学生姓名 学籍号 性别 出生日期 学校名称 年级 入学日期",
        "监护人姓名 监护人联系电话",
        system="中小学学籍管理系统",
    ),
    _r(
        "义务教育入学报名信息", "JYJ", "T.08.02",
        "义务教育阶段入学网上报名信息，与户籍、不动产信息比对核验入学资格。",
        "学生姓名 公民身份号码 户籍地址 现住址 监护人姓名 学校名称",
        cycle=_IRREGULAR, system="中小学学籍管理系统",
    ),
    _r(
        "学生体质健康监测数据", "JYJ", "T.08.02",
        "国家学生体质健康标准年度测试成绩。",
        "学籍号 学校名称 年级 体质健康测试成绩 统计年度",
        cycle=_YEAR, system="中小学学籍管理系统",
    ),
    _r(
        "教师资格认定信息", "JYJ", "T.08.03",
        "认定的教师资格及证书信息。",
        "教师姓名 公民身份号码 教师资格证书号码 任教学科 发证日期",
        cycle=_HALF, system="教育管理公共服务平台",
    ),
    _r(
        "中小学教职工信息", "JYJ", "T.08.03",
        "中小学教职工的任教学科和专业技术职务。",
        "教师姓名 学校名称 任教学科 专业技术职务",
        cycle=_HALF, system="教育管理公共服务平台",
    ),
    _r(
        "民办学校办学许可信息", "JYJ", "T.08.01",
        "民办学校办学许可证信息。",
        "学校名称 统一社会信用代码 办学类型 许可编号 举办者 有效期至",
        cycle=_MONTH,
    ),
    _r(
        "校外培训机构信息", "JYJ", "T.08.01",
        "经审批登记的校外培训机构名单。",
        "单位名称 统一社会信用代码 许可编号 住所 经营范围",
        cycle=_MONTH,
    ),
    # ---------------------------------------------------------------- 应急管理
    _r(
        "危险化学品企业信息", "YJJ", "T.09.01",
        "危险化学品生产、储存企业的品种、储量、重大危险源等级和位置，属重要数据。",
        "企业名称 统一社会信用代码 危险化学品名称 CAS号 最大储量 重大危险源等级 安全生产许可证编号",
        "经度 纬度",
        cycle=_MONTH,
    ),
    _r(
        "安全风险点信息", "YJJ", "T.09.01",
        "辨识评估的安全生产风险点及风险等级。",
        "风险点名称 风险等级 风险类别 风险点位置 企业名称",
        cycle=_MONTH,
    ),
    _r(
        "安全生产执法检查信息", "YJJ", "T.09.01",
        "安全生产执法检查发现的隐患和整改情况。",
        "企业名称 统一社会信用代码 检查日期 隐患描述 整改期限 整改状态",
    ),
    _r(
        "生产安全事故信息", "YJJ", "T.09.01",
        "生产安全事故的发生时间、类型和伤亡损失。",
        "事故编号 企业名称 事故发生时间 事故形态 死亡人数 受伤人数 直接经济损失",
        cycle=_IRREGULAR,
    ),
    _r(
        "应急避难场所信息", "YJJ", "T.09.02",
        "应急避难场所的类型、有效面积、可容纳人数和位置。",
        "避难场所名称 避难场所类型 标准地址 有效面积 可容纳人数 经度 纬度",
        cycle=_QUARTER, open_=_OPEN, system="应急指挥信息系统",
    ),
    _r(
        "应急物资储备信息", "YJJ", "T.09.02",
        "市级应急物资储备库的物资品类和数量。",
        "物资名称 物资类别 储备数量 计量单位 储备库名称",
        cycle=_MONTH, open_=_CLOSED, system="应急指挥信息系统",
    ),
    _r(
        "应急救援队伍信息", "YJJ", "T.09.02",
        "综合性、专业性和社会应急救援队伍信息。",
        "救援队伍名称 队伍类型 队员人数 值班电话 标准地址",
        cycle=_QUARTER, system="应急指挥信息系统",
    ),
    _r(
        "自然灾害灾情统计数据", "YJJ", "T.09.03",
        "洪涝、风雹、干旱等自然灾害的受灾人口、转移安置和经济损失统计。",
        "灾害类型 行政区划名称 发布时间 受灾人口 转移安置人数 农作物受灾面积 直接经济损失",
        fmt=_XLS, cycle=_IRREGULAR,
    ),
    # ---------------------------------------------------------------- 食品药品安全
    _r(
        "食品经营许可信息", "SCJG", "T.10.01",
        "核发的食品经营许可证信息，包括经营者、经营场所、主体业态和经营项目。",
        "食品经营许可证编号 经营者名称 统一社会信用代码 经营场所 主体业态 经营项目 发证日期",
        "有效期至",
        system="食品安全追溯平台",
    ),
    _r(
        "食品安全监督抽检信息", "SCJG", "T.10.01",
        "食品安全监督抽检的样品、检验项目和检验结论。",
        "抽检编号 样品名称 标称生产企业 被抽样单位 检验项目 检验结果 抽样日期",
        "不合格项目 检验机构",
        cycle=_WEEK,
    ),
    _r(
        "学校食堂明厨亮灶视频数据", "SCJG", "T.10.01",
        "学校食堂后厨“明厨亮灶”实时视频接入信息。",
        "学校名称 经营者名称 视频通道编号 视频流地址",
        fmt=_VIDEO, cycle=_RT, open_=_CLOSED,
    ),
    _r(
        "进口冷链食品追溯信息", "SCJG", "T.10.01",
        "进口冷链食品的追溯码、经营者和检验检疫信息。",
        "追溯码 商品名称 经营者名称 检验结果 登记日期",
        system="食品安全追溯平台",
    ),
    _r(
        "药品经营许可信息", "SCJG", "T.10.02",
        "药品零售企业的药品经营许可证信息。",
        "企业名称 统一社会信用代码 药品经营许可证编号 经营场所 经营范围 有效期至",
        cycle=_WEEK,
    ),
    _r(
        "执业药师注册信息", "SCJG", "T.10.02",
        "在本市注册执业的执业药师及其执业单位。",
        "执业药师姓名 执业药师注册证编号 企业名称 执业范围",
        cycle=_MONTH, mode=ShareMode.query,
    ),
    _r(
        "药品不良反应监测信息", "SCJG", "T.10.02",
        "医疗机构和药品经营企业报告的药品不良反应，不含患者身份信息。",
        "药品通用名称 药品批准文号 生产批号 不良反应名称 报告日期 医疗机构名称",
        cycle=_MONTH,
    ),
    _r(
        "医疗器械经营备案信息", "SCJG", "T.10.02",
        "第二类医疗器械经营备案和第三类医疗器械经营许可信息。",
        "企业名称 统一社会信用代码 医疗器械注册证编号 经营场所",
        cycle=_WEEK,
    ),
    # ---------------------------------------------------------------- 住房和城乡建设
    _r(
        "商品房预售许可信息", "ZJJ", "T.11.01",
        "核发的商品房预售许可证，包括项目、开发企业、预售面积和套数。",
        "商品房预售许可证号 项目名称 开发企业名称 统一社会信用代码 建设地点 预售面积 预售套数 "
        "发证日期",
        system="房屋交易网签备案系统",
    ),
    _r(
        "商品房网签备案信息", "ZJJ", "T.11.01",
        "新建商品房买卖合同网签备案信息。",
        "合同备案编号 项目名称 房屋坐落 建筑面积 买受人姓名 买受人证件号码 合同备案日期",
        system="房屋交易网签备案系统", related="商品房预售许可信息",
    ),
    _r(
        "新建商品住宅成交统计数据", "ZJJ", "T.11.01",
        "按县（市、区）统计的新建商品住宅成交面积和成交均价。",
        "统计期别 行政区划名称 成交均价 建筑面积",
        fmt=_XLS, cycle=_MONTH, system="房屋交易网签备案系统",
    ),
    _r(
        "保障性住房申请及配租信息", "ZJJ", "T.11.02",
        "公租房、保障性租赁住房的申请审核和配租信息。",
        "姓名 公民身份号码 保障类型 家庭人数 家庭年收入 配租日期",
        "房屋坐落",
    ),
    _r(
        "建筑业企业资质信息", "ZJJ", "T.11.03",
        "建筑业企业资质证书的类别、等级和有效期。",
        "企业名称 统一社会信用代码 资质证书编号 资质类别及等级 有效期至",
        cycle=_WEEK,
    ),
    _r(
        "建筑工程施工许可信息", "ZJJ", "T.11.03",
        "建筑工程施工许可证信息。",
        "施工许可证编号 工程名称 建设单位 施工单位 监理单位 建设地点 合同价格 发证日期",
        system="工程建设项目审批管理系统",
    ),
    _r(
        "工程竣工验收备案信息", "ZJJ", "T.11.03",
        "房屋建筑和市政基础设施工程竣工验收备案信息。",
        "工程名称 建设单位 施工单位 开工日期 竣工日期 建设地点",
        system="工程建设项目审批管理系统",
    ),
    _r(
        "物业服务项目信息", "ZJJ", "T.11.05",
        "物业管理区域和物业服务企业信息。",
        "物业管理区域 物业服务企业 统一社会信用代码 标准地址 建筑面积",
        cycle=_MONTH,
    ),
    _r(
        "住房公积金缴存信息", "GJJ", "T.11.04",
        "职工住房公积金个人账户的缴存基数、缴存月份和账户余额。",
        "姓名 公民身份号码 公积金个人账号 缴存单位名称 公积金缴存基数 公积金账户余额 缴费月份",
        system="住房公积金综合业务系统", mode=ShareMode.query,
    ),
    _r(
        "住房公积金贷款信息", "GJJ", "T.11.04",
        "住房公积金个人住房贷款的发放和还款信息。",
        "姓名 公民身份号码 公积金贷款金额 贷款期限 房屋坐落 登记日期",
        system="住房公积金综合业务系统",
    ),
    _r(
        "住房公积金缴存单位信息", "GJJ", "T.11.04",
        "开立住房公积金账户的缴存单位。",
        "缴存单位名称 统一社会信用代码 从业人数 登记日期",
        cycle=_WEEK, system="住房公积金综合业务系统",
    ),
    # ---------------------------------------------------------------- 农业农村
    _r(
        "新型农业经营主体信息", "NYNC", "T.12.02",
        "家庭农场、农民专业合作社和农业产业化龙头企业名录。",
        "经营主体名称 统一社会信用代码 主体类型 种植作物 种植面积 标准地址",
        cycle=_QUARTER,
    ),
    _r(
        "农作物种植面积和产量统计数据", "NYNC", "T.12.01",
        "小麦、玉米、大蒜等主要农作物的播种面积和产量。",
        "统计年度 行政区划名称 种植作物 种植面积 产量",
        fmt=_XLS, cycle=_YEAR,
    ),
    _r(
        "农村土地承包经营权确权登记信息", "NYNC", "T.12.04",
        "农村土地承包经营权确权登记颁证的承包方、地块和面积。",
        "承包方代表姓名 承包方代表证件号码 承包地块编码 承包面积 土地承包经营权证编号 行政区划名称",
        cycle=_IRREGULAR, system="农村土地承包经营权信息系统",
    ),
    _r(
        "畜禽养殖场备案信息", "NYNC", "T.12.03",
        "规模畜禽养殖场的备案、存栏和防疫条件信息。",
        "养殖场名称 统一社会信用代码 畜禽种类 存栏量 出栏量 动物防疫条件合格证编号 标准地址",
        cycle=_QUARTER,
    ),
    _r(
        "动物检疫证明信息", "NYNC", "T.12.03",
        "出具的动物检疫合格证明。",
        "检疫证明编号 畜禽种类 养殖场名称 出栏量 发证日期",
    ),
    _r(
        "农产品质量安全检测信息", "NYNC", "T.12.01",
        "农产品农药残留、兽药残留等质量安全监测结果。",
        "农产品名称 检测项目 检验结果 抽样日期 被抽样单位",
        cycle=_WEEK,
    ),
    _r(
        "高标准农田建设项目信息", "NYNC", "T.12.01",
        "高标准农田建设项目的位置、建成面积和投资。",
        "项目名称 项目代码 建设地点 建成面积 总投资 竣工日期",
        cycle=_YEAR,
    ),
    _r(
        "耕地地力保护补贴发放信息", "NYNC", "T.12.01",
        "耕地地力保护补贴的发放对象、面积和金额。",
        "姓名 公民身份号码 承包面积 补贴金额 行政区划名称",
        cycle=_YEAR,
    ),
    # ---------------------------------------------------------------- 水利水务
    _r(
        "水文水位实时监测数据", "SLJ", "T.13.02",
        "河道、湖泊水文站的实时水位、流量和警戒水位。",
        "水文站编码 水文站名称 监测时间 水位 流量 警戒水位",
        fmt=_API, cycle=_RT,
    ),
    _r(
        "雨量监测数据", "SLJ", "T.13.02",
        "自动雨量站的时段降雨量。",
        "雨量站名称 监测时间 时段降雨量 行政区划名称",
        fmt=_API, cycle=_RT,
    ),
    _r(
        "取水许可信息", "SLJ", "T.13.01",
        "取水许可证编号、取水单位、水源类型和许可取水量。",
        "取水许可证编号 取水单位名称 统一社会信用代码 水源类型 许可取水量 有效期至",
        cycle=_MONTH,
        system="水资源监控系统",
    ),
    _r(
        "取用水监测数据", "SLJ", "T.13.01",
        "取水户取水计量设施在线监测的取水量。",
        "取水许可证编号 取水单位名称 监测时间 实际取水量",
        system="水资源监控系统",
    ),
    _r(
        "河长制河湖名录", "SLJ", "T.13.01",
        "全市河流、湖泊名录及各级河长、湖长。",
        "河湖名称 河湖长姓名 河湖长职务 行政区划名称",
        cycle=_IRREGULAR,
    ),
    _r(
        "城市供水水质监测数据", "SLJ", "T.13.03",
        "城市公共供水厂出厂水水质和日供水量。",
        "监测时间 出厂水浊度 余氯 pH值 供水量",
        cycle=_DAY,
    ),
    _r(
        "防汛重点工程及险工险段信息", "SLJ", "T.13.02",
        "防汛重点工程、险工险段的位置和责任信息。",
        "设施名称 设施类型 河湖名称 经度 纬度",
        cycle=_YEAR,
    ),
    # ---------------------------------------------------------------- 公共服务
    _r(
        "政务服务事项目录", "XZSP", "T.14.01",
        "依申请政务服务事项的编码、名称、类型、实施主体和办理时限。",
        "事项编码 事项名称 事项类型 实施主体 办理地点 法定办结时限 承诺办结时限",
        "收费标准",
        cycle=_WEEK, system="一体化政务服务平台",
    ),
    _r(
        "政务服务办件信息", "XZSP", "T.14.01",
        "一体化政务服务平台受理和办结的办件信息。",
        "办件编号 事项编码 事项名称 申请人名称 申请时间 办结日期 办理状态",
        system="一体化政务服务平台", related="政务服务事项目录",
    ),
    _r(
        "电子证照信息", "XZSP", "T.14.01",
        "汇聚的身份证、营业执照、不动产权证书等电子证照的标识和持证主体。",
        "电子证照标识 证照类型 持证主体 持证主体代码 颁发日期 有效期截止日期",
        fmt=_API, cycle=_RT, system="电子证照库", mode=ShareMode.api,
    ),
    _r(
        "12345热线工单数据", "RX12345", "T.14.02",
        "12345政务服务便民热线受理的咨询、求助、投诉、举报和建议工单及办理结果。",
        "工单编号 诉求人姓名 诉求人联系电话 诉求类型 诉求内容 受理时间 承办单位 办理时限 办结时间 "
        "办理结果",
        "满意度",
        cycle=_RT, system="12345热线工单系统",
    ),
    _r(
        "12345热线诉求统计数据", "RX12345", "T.14.02",
        "按诉求类型和承办单位统计的热线诉求量和满意率。",
        "统计期别 诉求类型 承办单位 指标值",
        fmt=_XLS, cycle=_MONTH, system="12345热线工单系统",
    ),
    _r(
        "公共场所免费无线网络热点信息", "DSJZX", "T.14.03",
        "重点公共区域免费无线网络热点的位置、接入点和在线用户数。",
        "热点名称 热点位置 接入点数量 在线用户数 经度 纬度",
        fmt=_API, cycle=_RT,
    ),
    _r(
        "公共资源交易项目信息", "GGZY", "T.14.01",
        "工程建设、政府采购、土地使用权和国有产权交易项目的成交信息。",
        "交易项目编号 项目名称 交易类型 中标供应商 中标金额 公告日期",
        system="公共资源电子交易系统",
    ),
    _r(
        "政府采购合同公告信息", "CZJ", "T.14.01",
        "政府采购项目的采购方式、中标供应商和合同金额。",
        "采购项目编号 项目名称 采购方式 中标供应商 中标金额 公告日期",
        system="预算管理一体化系统",
    ),
)
# fmt: on


# fmt: off
_DEPARTMENTAL_SPECS: tuple[_Spec, ...] = (
    _r(
        "市政府规范性文件数据", "BGS", "D05",
        "市政府及市政府办公室制发的规范性文件目录和有效性状态。",
        "题名 文件字号 公告日期 有效期至",
        cycle=_IRREGULAR,
        system="政府网站集约化平台",
    ),
    _r(
        "政府信息公开申请办理信息", "BGS", "D03",
        "依申请公开政府信息的受理、答复和办结情况。",
        "办件编号 申请人名称 申请时间 办结日期 办理结果",
        cycle=_IRREGULAR,
        system="政府网站集约化平台",
    ),
    _r(
        "政府定价目录", "FGW", "D05",
        "列入政府定价目录的商品和服务项目及收费标准。",
        "商品名称 收费标准 审批文号",
        cycle=_IRREGULAR,
    ),
    _r(
        "高新技术企业认定信息", "KJJ", "D01",
        "经认定的高新技术企业及证书编号。",
        "企业名称 统一社会信用代码 高新技术企业证书编号 认定年度",
        cycle=_YEAR,
    ),
    _r(
        "科技成果登记信息", "KJJ", "D03",
        "登记的科技成果及相关专利。",
        "科技成果名称 单位名称 登记日期 专利号",
        cycle=_MONTH,
    ),
    _r(
        "规模以上工业企业运行监测数据", "GXJ", "D04",
        "规模以上工业企业产值、用电等运行监测指标，属企业生产经营数据。",
        "企业名称 统一社会信用代码 统计期别 指标名称 指标值",
        fmt=_XLS, cycle=_MONTH, share=_COND, basis="DSL-38",
        condition="企业生产经营数据仅向承担经济运行调度职责的部门提供，不得对外公开或转提供。",
        open_=_CLOSED,
    ),
    _r(
        "出入境证件签发信息", "GAJ", "D01",
        "签发的普通护照、往来港澳台通行证等出入境证件信息。",
        "姓名 公民身份号码 证件类型 颁发日期 有效期截止日期",
        system="出入境证件办理系统", mode=ShareMode.query,
    ),
    _r(
        "特种行业许可信息", "GAJ", "D01",
        "旅馆业、公章刻制业等特种行业许可信息。",
        "单位名称 统一社会信用代码 许可编号 许可内容 发证日期",
        cycle=_WEEK,
    ),
    _r(
        "旅馆业住宿登记信息", "GAJ", "D03",
        "旅馆业按规定登记的旅客住宿信息。",
        "姓名 公民身份号码 单位名称 登记时间",
        cycle=_RT,
    ),
    _r(
        "社会治安警情统计数据", "GAJ", "D04",
        "按县（市、区）汇总的110接处警分类统计。",
        "统计期别 行政区划名称 指标名称 指标值",
        fmt=_XLS, cycle=_MONTH, open_=_CLOSED,
    ),
    _r(
        "社区（村）基础信息", "MZJ", "D03",
        "城乡社区（村）的名称、区划代码、地址和人口规模。",
        "所在社区 行政区划代码 标准地址 常住人口数 户籍人口数",
        cycle=_YEAR,
    ),
    _r(
        "殡葬服务机构信息", "MZJ", "D05",
        "殡仪馆、公墓等殡葬服务机构的地址和服务电话。",
        "单位名称 统一社会信用代码 住所 值班电话",
        cycle=_YEAR,
    ),
    _r(
        "慈善组织认定信息", "MZJ", "D01",
        "认定登记的慈善组织和公开募捐资格。",
        "单位名称 统一社会信用代码 认定依据 登记日期",
        cycle=_MONTH,
    ),
    _r(
        "律师事务所执业信息", "SFJ", "D01",
        "律师事务所执业许可和执业人数。",
        "单位名称 统一社会信用代码 许可编号 住所 从业人数",
        cycle=_MONTH,
    ),
    _r(
        "法律援助案件信息", "SFJ", "D03",
        "法律援助申请的受理、指派和结案信息。",
        "案件编号 姓名 公民身份号码 问题类型 受理时间 办结时间",
    ),
    _r(
        "人民调解组织信息", "SFJ", "D05",
        "人民调解委员会的名称、地址和联系电话。",
        "单位名称 所在社区 值班电话 标准地址",
        cycle=_QUARTER,
    ),
    _r(
        "社区矫正对象信息", "SFJ", "D03",
        "社区矫正对象的身份、矫正类别和矫正期限。",
        "姓名 公民身份号码 问题类型 有效期自 有效期至",
        share=_NONE, basis="PIPL-28 OGI-15",
        condition="涉及社区矫正对象的敏感个人信息，公开或提供会损害其合法权益，依法不予共享。",
    ),
    _r(
        "部门预算公开数据", "CZJ", "D04",
        "市直部门年度预算按功能分类科目的公开数据。",
        "预算单位名称 预算科目编码 预算科目名称 预算金额 统计年度",
        fmt=_XLS, cycle=_YEAR, system="预算管理一体化系统",
    ),
    _r(
        "预算执行数据", "CZJ", "D04",
        "市直部门预算指标和支付执行情况。",
        "预算单位名称 预算科目编码 预算金额 执行金额 统计期别",
        cycle=_MONTH, open_=_CLOSED, system="预算管理一体化系统",
    ),
    _r(
        "人力资源服务机构许可信息", "RSJ", "D01",
        "经营性人力资源服务机构许可和备案信息。",
        "单位名称 统一社会信用代码 许可编号 住所 有效期至",
        cycle=_MONTH,
    ),
    _r(
        "测绘资质单位信息", "ZRZY", "D01",
        "取得测绘资质的单位及资质等级。",
        "单位名称 统一社会信用代码 资质证书编号 资质类别及等级 有效期至",
        cycle=_MONTH,
    ),
    _r(
        "城镇燃气经营许可信息", "ZJJ", "D01",
        "城镇燃气经营许可证信息。",
        "企业名称 统一社会信用代码 许可编号 有效期至",
        cycle=_MONTH,
    ),
    _r(
        "城市管理行政处罚信息", "CGJ", "D02",
        "城市管理综合执法作出的行政处罚决定。",
        "行政处罚决定书文号 信用主体名称 违法行为类型 处罚类别 罚款金额 处罚决定日期",
        system="数字化城市管理系统",
    ),
    _r(
        "交通运输行政执法信息", "JTJ", "D02",
        "交通运输综合执法的检查和处罚信息。",
        "行政处罚决定书文号 信用主体名称 违法行为类型 处罚类别 罚款金额 处罚决定日期",
        system="道路运输管理系统",
    ),
    _r(
        "水利工程基础信息", "SLJ", "D03",
        "水库、水闸、泵站、堤防等水利工程的基础信息。",
        "设施名称 设施类型 河湖名称 经度 纬度",
        cycle=_YEAR,
    ),
    _r(
        "成品油零售经营许可信息", "SHANGWU", "D01",
        "加油站成品油零售经营批准证书信息。",
        "加油站名称 统一社会信用代码 成品油经营许可证编号 标准地址 有效期至",
        cycle=_MONTH,
    ),
    _r(
        "限额以上商贸企业名录", "SHANGWU", "D04",
        "限额以上批发零售住宿餐饮企业名录和销售额。",
        "限额以上企业名称 统一社会信用代码 行业代码 商品销售额 统计期别",
        fmt=_XLS, cycle=_MONTH,
    ),
    _r(
        "对外贸易经营者备案信息", "SHANGWU", "D01",
        "办理对外贸易经营者备案登记的企业。",
        "企业名称 统一社会信用代码 登记日期 住所",
        cycle=_WEEK,
    ),
    _r(
        "文化娱乐场所经营许可信息", "WHLY", "D01",
        "互联网上网服务营业场所和娱乐场所经营许可。",
        "单位名称 统一社会信用代码 许可编号 经营场所 有效期至",
        cycle=_MONTH,
    ),
    _r(
        "退役军人优抚对象信息", "TYJR", "D03",
        "享受抚恤补助的优抚对象及补助标准。",
        "退役军人姓名 公民身份号码 优抚对象类别 抚恤补助金额 户籍地址",
        cycle=_MONTH,
    ),
    _r(
        "退役军人服务站点信息", "TYJR", "D05",
        "各级退役军人服务中心（站）的地址和联系电话。",
        "单位名称 标准地址 值班电话",
        cycle=_QUARTER,
    ),
    _r(
        "安全生产行政处罚信息", "YJJ", "D02",
        "应急管理部门作出的安全生产行政处罚决定。",
        "行政处罚决定书文号 信用主体名称 违法行为类型 处罚类别 罚款金额 处罚决定日期",
    ),
    _r(
        "审计项目计划信息", "SJJ", "D03",
        "年度审计项目计划和被审计单位。",
        "审计项目名称 被审计单位 统计年度",
        cycle=_YEAR,
    ),
    _r(
        "审计工作底稿", "SJJ", "D03",
        "审计实施过程中形成的工作底稿，涉及被审计单位的商业秘密和内部信息。",
        "审计项目名称 被审计单位 工作底稿编号 审计发现问题",
        cycle=_IRREGULAR, share=_NONE, basis="OGI-15 DSL-38",
        condition="审计工作底稿涉及被审计单位商业秘密，按审计档案管理规定保存，依法不予共享。",
        mode=ShareMode.file,
    ),
    _r(
        "市属国有企业名录", "GZW", "D03",
        "市国资委履行出资人职责的市属国有企业及其注册资本。",
        "企业名称 统一社会信用代码 注册资本 成立日期",
        cycle=_YEAR,
    ),
    _r(
        "市场监管行政处罚信息", "SCJG", "D02",
        "市场监管部门作出的行政处罚决定。",
        "行政处罚决定书文号 信用主体名称 违法行为类型 处罚类别 罚款金额 处罚决定日期",
        system="市场主体登记系统",
    ),
    _r(
        "统计调查单位名录", "TJJ", "D03",
        "统计调查单位名录库中的单位基本情况，按统计法对单个调查对象资料保密。",
        "统一社会信用代码 单位名称 行业代码 从业人数",
        share=_COND, basis="DSL-38",
        condition=(
            "统计调查中获得的单个调查对象资料仅用于统计目的，按需提供单位名录字段，不提供调查资料。"
        ),
        open_=_CLOSED, system="统计数据管理系统",
    ),
    _r(
        "医保药品目录", "YBJ", "D05",
        "纳入基本医疗保险支付范围的药品目录。",
        "药品通用名称 药品批准文号 收费标准",
        cycle=_YEAR, system="医疗保障信息平台",
    ),
    _r(
        "行政许可事项办理结果", "XZSP", "D01",
        "行政审批服务局作出的行政许可决定。",
        "行政许可决定文书号 信用主体名称 统一社会信用代码 许可内容 许可决定日期",
        system="一体化政务服务平台",
    ),
    _r(
        "信访事项信息", "XFJ", "D03",
        "来信、来访、网上信访事项的登记、交办和办理信息。",
        "信访件编号 信访人姓名 公民身份号码 信访事项内容 受理时间 承办单位",
        share=_NONE, basis="PIPL-28 OGI-15",
        condition="信访人个人信息和信访事项内容依法保密，不得泄露给被投诉人，依法不予共享。",
    ),
    _r(
        "地方金融组织名录", "JRJ", "D03",
        "小额贷款公司、融资担保公司等地方金融组织名录。",
        "地方金融组织名称 统一社会信用代码 机构类型 注册资本 住所",
        cycle=_MONTH,
    ),
    _r(
        "地方金融组织监管评级信息", "JRJ", "D03",
        "地方金融组织的经营数据和监管评级结果。",
        "地方金融组织名称 统一社会信用代码 贷款余额 监管评级 统计期别",
        cycle=_QUARTER,
    ),
    _r(
        "政务数据共享调用日志", "DSJZX", "D03",
        "市级数据共享交换平台接口调用的时间、部门和结果。",
        "调用时间 调用部门 接口名称 调用结果",
        cycle=_RT, open_=_CLOSED, system="政务信息资源共享交换平台",
    ),
    _r(
        "城市运行指标数据", "DSJZX", "D04",
        "城市运行管理中心汇聚的交通、环境、民生等城市运行体征指标。",
        "指标代码 指标名称 指标值 计量单位 统计时间",
        fmt=_API, cycle=_RT,
    ),
    _r(
        "人防工程信息", "RFB", "D03",
        "人民防空工程的名称、位置、出入口和防护等级，属核心数据。",
        "人防工程名称 人防工程位置 防护等级 建筑面积",
        cycle=_IRREGULAR, share=_NONE, basis="OGI-14",
        condition="人防工程位置和防护等级依法确定为国家秘密，不予共享。", mode=ShareMode.file,
    ),
    _r(
        "电动汽车公共充电设施信息", "NYJ", "D05",
        "公共充电站的位置、充电桩数量和充电功率。",
        "设施名称 标准地址 经度 纬度 充电桩数量 充电功率",
        cycle=_MONTH,
    ),
    _r(
        "非正常户认定信息", "SWJ", "D03",
        "认定为非正常户的纳税人及其法定代表人。",
        "纳税人识别号 纳税人名称 非正常户认定日期 法定代表人",
        cycle=_MONTH,
    ),
    _r(
        "纳税申报明细信息", "SWJ", "D03",
        "纳税人分税种申报和缴纳税款的明细。",
        "纳税人识别号 纳税人名称 税种 所属期起 所属期止 应纳税额 入库税额",
        cycle=_MONTH, share=_COND, basis="DSL-38",
        condition="涉税信息依法保密，仅向依法需要核验纳税情况的部门按户提供。",
    ),
    _r(
        "金融机构营业网点信息", "RMYH", "D05",
        "辖内银行业金融机构营业网点的地址和位置。",
        "单位名称 机构类型 标准地址 经度 纬度",
        cycle=_QUARTER,
    ),
    _r(
        "进出口货物报关统计", "HG", "D04",
        "按商品和贸易方式统计的进出口货值，属企业经营数据。",
        "统计期别 商品编码 进出口标志 货值",
        fmt=_XLS, cycle=_MONTH,
    ),
    _r(
        "进出口货物收发货人备案信息", "HG", "D01",
        "在海关备案的进出口货物收发货人。",
        "企业名称 统一社会信用代码 登记日期 住所",
        cycle=_WEEK,
    ),
    _r(
        "公务用车信息", "JGSW", "D03",
        "市直机关公务用车的编制类别和使用单位。",
        "公务用车车牌 车辆编制类别 单位名称 车辆类型",
        cycle=_QUARTER,
    ),
    _r(
        "公共机构能耗统计数据", "JGSW", "D04",
        "公共机构用电、用水和综合能耗。",
        "公共机构名称 统计期别 用电量 用水量 综合能源消费量",
        fmt=_XLS, cycle=_QUARTER,
    ),
    _r(
        "开放档案目录", "DAG", "D05",
        "已向社会开放的档案目录。",
        "档号 全宗号 题名 保管期限",
        cycle=_YEAR,
    ),
    _r(
        "涉密档案目录", "DAG", "D03",
        "馆藏涉密档案的案卷级目录。",
        "档号 全宗号 题名 密级 保管期限",
        cycle=_YEAR, share=_NONE, basis="OGI-14",
        condition="涉密档案目录依法确定为国家秘密，不予共享。", mode=ShareMode.file,
    ),
    _r(
        "教育收费标准", "JYJ", "D05",
        "公办学校学费、住宿费等收费项目和标准。",
        "学校名称 收费标准 审批文号",
        cycle=_YEAR,
    ),
    _r(
        "国土空间规划编制成果目录", "ZRZY", "D03",
        "各级各类国土空间规划编制成果的目录。",
        "题名 文件字号 公告日期",
        cycle=_IRREGULAR, system="国土空间基础信息平台",
    ),
    _r(
        "生态环境行政处罚信息", "STHJ", "D02",
        "生态环境部门作出的行政处罚决定。",
        "行政处罚决定书文号 信用主体名称 违法行为类型 处罚类别 罚款金额 处罚决定日期",
    ),
    _r(
        "不动产登记业务办理统计", "BDC", "D04",
        "不动产登记各类业务的办件量和办理时长统计。",
        "统计期别 登记类型 指标值",
        fmt=_XLS, cycle=_MONTH, system="不动产登记系统",
    ),
)
# fmt: on

# Per-year statistical releases: ``{year}`` in name and abstract, released the next year.
# fmt: off
_YEARLY_SPECS: tuple[_Spec, ...] = (
    _r(
        "{year}年地区生产总值（GDP）统计数据", "TJJ", "B.04.01",
        "{year}年全市及各县（市、区）GDP（地区生产总值）、三次产业增加值及增速，"
        "按统计年报口径发布。",
        "统计年度 行政区划名称 地区生产总值 地区生产总值增速 第一产业增加值 第二产业增加值 "
        "第三产业增加值",
        "人均地区生产总值",
        fmt=_XLS, cycle=_YEAR, system="统计数据管理系统",
    ),
    _r(
        "{year}年国民经济和社会发展统计公报数据", "TJJ", "B.04.01",
        "{year}年济宁市国民经济和社会发展统计公报中的主要指标数据。",
        "统计年度 指标名称 指标值 计量单位 同比增长",
        fmt=_XLS, cycle=_YEAR,
    ),
)
# fmt: on
YEARS = (2022, 2023, 2024, 2025)

# Resources every county publishes: ``{county}`` is the county's name; the provider is
# the county department with that abbreviation (None: the county government).
# fmt: off
_COUNTY_SPECS: tuple[_Spec, ...] = (
    _r(
        "{county}空气质量小时数据", "STHJ", "T.04.01",
        "{county}辖区空气质量自动监测站逐小时的PM2.5、PM10、臭氧等污染物浓度和空气质量指数。",
        "监测站点编码 监测站点名称 监测时间 PM2.5浓度 PM10浓度 臭氧浓度 空气质量指数",
        "二氧化硫浓度 二氧化氮浓度 一氧化碳浓度 首要污染物 空气质量类别",
        fmt=_API, cycle=_RT,
    ),
    _r(
        "{county}市场主体登记信息", "SCJG", "D01",
        "{county}登记的企业、个体工商户和农民专业合作社等市场主体信息。",
        "统一社会信用代码 企业名称 市场主体类型 法定代表人 注册资本 成立日期 住所 登记状态",
        "经营范围 核准日期",
    ),
    _r(
        "{county}不动产登记信息", "ZRZY", "B.03.05",
        "{county}不动产登记机构办理的不动产登记信息。",
        "不动产单元号 不动产权证书号 权利人 权利人证件号码 房屋坐落 建筑面积 登记类型 登记时间",
        "房屋用途 抵押权人",
        mode=ShareMode.query,
    ),
)
# fmt: on

# ------------------------------------------------------------------ share and open rules

_SENSITIVE_CONDITIONS = (
    "涉及敏感个人信息，仅向依法履行法定职责确需使用的部门提供；申请时须说明用途和使用范围，"
    "以接口核验方式提供，不批量提供原始数据。",
    "仅用于办理政务服务事项、社会救助、待遇资格认证等法定职责，按最小必要原则提供所需信息项，"
    "使用部门须落实安全保护措施。",
    "须经数源部门审核同意，按单个主体查询核验，提供结果仅用于申请时说明的用途，不得向第三方提供。",
)
_PERSONAL_CONDITIONS = (
    "仅向履行法定职责需要的部门提供，按申请的信息项和用途授权，授权到期自动终止。",
    "以查询核验方式提供，按单个主体查询，不提供批量下载。",
    "向承担相关监管或服务职责的部门提供，使用部门不得超出申请用途使用或向第三方提供。",
)
_IMPORTANT_CONDITIONS = (
    "属重要数据，仅向承担相关职责的部门提供；明细数据须经数源部门和平台主管部门审核，"
    "原则上提供汇总统计结果。",
    "属重要数据，在政务外网以库表方式提供，使用部门须落实数据安全保护责任，不得出境或对外提供。",
)
_OPEN_CONDITIONS = (
    "经开放平台实名注册并签署数据利用协议后申请使用，用于科研、公益或应用开发。",
    "按申请审核后以接口方式开放，限定调用频次，不得用于识别特定个人或单位的商业目的。",
    "向经审核的科研机构和企业开放，使用成果须注明数据来源。",
)
_DEIDENTIFICATION_METHODS = (
    "删除姓名、证件号码等直接标识符，保留至县（市、区）和月份的统计粒度。",
    "以不可逆哈希替换个人标识，时间泛化到小时、位置泛化到路段。",
)


@dataclass(frozen=True, slots=True)
class _Attributes:
    share_type: ShareType
    share_condition: str
    legal_basis_codes: tuple[str, ...]
    share_mode: ShareMode | None
    open_type: OpenType
    open_condition: str
    open_deidentified: bool
    deidentification_method: str


_MODES_BY_FORMAT: dict[ResourceFormat, tuple[ShareMode, ...]] = {
    ResourceFormat.database: (ShareMode.api, ShareMode.api, ShareMode.table),
    ResourceFormat.spreadsheet: (ShareMode.file,),
    ResourceFormat.service_interface: (ShareMode.api,),
    ResourceFormat.electronic_file: (ShareMode.file,),
    ResourceFormat.image: (ShareMode.file, ShareMode.api),
    ResourceFormat.streaming_media: (ShareMode.api,),
    ResourceFormat.self_describing: (ShareMode.api, ShareMode.file),
}


def _attributes(
    spec: _Spec,
    kind: ClassificationKind,
    items: Sequence[DemoItem],
    rng: random.Random,
) -> _Attributes:
    """Share and open attributes by the catalog's rules, from what the items hold.

    Base resources are shared unconditionally (Art. 23). Otherwise personal and
    important data are shared on conditions grounded in PIPL / DSL articles of the
    registry's starting vocabulary. Personal data is open only de-identified.
    """
    personal = any(item.is_personal for item in items)
    sensitive = any(item.is_sensitive for item in items)
    rank = max(GRADE_RANKS[item.grade_code] for item in items)

    basis: tuple[str, ...] = ()
    condition = ""
    if kind is ClassificationKind.base:
        share = ShareType.unconditional
    elif spec.share is not None:
        share, basis, condition = spec.share, spec.basis, spec.condition
    elif sensitive:
        share = ShareType.conditional
        basis = ("PIPL-34", "PIPL-28") + (("JNZC-68",) if rng.random() < 0.3 else ())
        condition = rng.choice(_SENSITIVE_CONDITIONS)
    elif personal:
        share = ShareType.conditional
        basis = ("PIPL-34",) + (("DSL-38",) if rng.random() < 0.4 else ())
        condition = rng.choice(_PERSONAL_CONDITIONS)
    elif rank >= GRADE_RANKS["IMPORTANT"]:
        share = ShareType.conditional
        basis = ("DSL-21",) + (("DSL-38",) if rng.random() < 0.3 else ())
        condition = rng.choice(_IMPORTANT_CONDITIONS)
    else:
        share = ShareType.unconditional

    mode: ShareMode | None
    if share is ShareType.none:
        mode = None  # nothing is shared, so there is no way of sharing it
    elif spec.mode is not None:
        mode = spec.mode
    elif share is ShareType.conditional and personal and rng.random() < 0.5:
        mode = ShareMode.query
    else:
        mode = rng.choice(_MODES_BY_FORMAT[spec.format])

    if spec.open is not None:
        open_type = spec.open
    elif share is ShareType.none or personal or rank >= 3:
        open_type = OpenType.closed
    elif rank == 1:
        open_type = OpenType.open
    else:
        open_type = OpenType.conditional
    deidentified = personal and open_type is not OpenType.closed
    method = ""
    if deidentified:
        method = spec.deidentification or rng.choice(_DEIDENTIFICATION_METHODS)
    open_condition = rng.choice(_OPEN_CONDITIONS) if open_type is OpenType.conditional else ""
    return _Attributes(
        share_type=share,
        share_condition=condition,
        legal_basis_codes=basis,
        share_mode=mode,
        open_type=open_type,
        open_condition=open_condition,
        open_deidentified=deidentified,
        deidentification_method=method,
    )


# ------------------------------------------------------------------ generation

_FIRST_RELEASE = date(2023, 1, 1)
_LAST_RELEASE = date(2026, 10, 31)
_RELEASE_SPAN = (_LAST_RELEASE - _FIRST_RELEASE).days
MIN_ITEMS = 4
MAX_ITEMS = 20
_PADDING = ("数据更新时间", "数据来源", "备注", "行政区划代码", "行政区划名称", "登记日期")


def _release_date(rng: random.Random) -> date:
    return _FIRST_RELEASE + timedelta(days=rng.randrange(_RELEASE_SPAN + 1))


def _pick_items(spec: _Spec, rng: random.Random) -> tuple[DemoItem, ...]:
    """The spec's items, then a random share of its optional ones (in their order)."""
    names = list(spec.items)
    names.extend(name for name in spec.optional if rng.random() < 0.6)
    chosen = len(names)
    # A resource describes at least a handful of fields: short ones carry their
    # housekeeping fields too.
    names.extend(name for name in _PADDING if name not in names)
    return tuple(FIELDS[name] for name in names[: max(MIN_ITEMS, chosen)])


def _system(spec: _Spec, provider_abbr: str | None) -> tuple[str, str]:
    """(code, name) of the spec's source system when the provider owns it, else blanks."""
    if not spec.system or provider_abbr is None:
        return "", ""
    code, owner = _SYSTEMS.get(spec.system, ("", ""))
    if owner != provider_abbr:
        return "", ""
    return code, spec.system


class _Codes:
    """Sequence numbers per category: ``B.01.01/000001``, ``B.01.01/000002`` …"""

    def __init__(self) -> None:
        self._next: dict[str, int] = {}

    def __call__(self, category_code: str) -> str:
        number = self._next.get(category_code, 1)
        self._next[category_code] = number + 1
        return f"{category_code}/{number:06d}"


def _entry(
    spec: _Spec,
    rng: random.Random,
    *,
    code: str,
    category: tuple[str, str, ClassificationKind, BaseDatabase | None],
    provider: tuple[str, str],
    provider_abbr: str | None,
    name: str,
    abstract: str,
    release_date: date,
    related: tuple[str, ...] = (),
    items: tuple[DemoItem, ...] | None = None,
) -> DemoEntry:
    chosen = items if items is not None else _pick_items(spec, rng)
    category_code, category_name, kind, base = category
    attributes = _attributes(spec, kind, chosen, rng)
    system_code, system_name = _system(spec, provider_abbr)
    return DemoEntry(
        resource_code=code,
        name=name,
        classification_kind=kind,
        base_database=base,
        category_code=category_code,
        category_name=category_name,
        provider_code=provider[0],
        provider_name=provider[1],
        abstract=abstract,
        format=spec.format,
        update_cycle=spec.cycle,
        release_date=release_date,
        share_type=attributes.share_type,
        share_condition=attributes.share_condition,
        share_mode=attributes.share_mode,
        legal_basis_codes=attributes.legal_basis_codes,
        open_type=attributes.open_type,
        open_condition=attributes.open_condition,
        open_deidentified=attributes.open_deidentified,
        deidentification_method=attributes.deidentification_method,
        related_resource_codes=related,
        source_system_code=system_code,
        source_system_name=system_name,
        items=chosen,
    )


def _designed_entries(seed: int) -> list[DemoEntry]:
    """The demo catalog as designed: municipal, yearly and county entries, in that order."""
    rng = random.Random(seed)
    codes = _Codes()
    pending: list[tuple[_Spec, DemoEntry]] = []
    for spec in (*_MUNICIPAL_SPECS, *_THEMATIC_SPECS, *_DEPARTMENTAL_SPECS):
        category = _category(spec.category, spec.provider)
        entry = _entry(
            spec,
            rng,
            code=codes(category[0]),
            category=category,
            provider=_municipal_provider(spec.provider),
            provider_abbr=spec.provider,
            name=spec.name,
            abstract=spec.abstract,
            release_date=_release_date(rng),
        )
        pending.append((spec, entry))
    by_name = {entry.name: entry.resource_code for _, entry in pending}
    entries = [
        _with_related(entry, tuple(by_name[name] for name in spec.related))
        for spec, entry in pending
    ]
    for year in YEARS:
        for spec in _YEARLY_SPECS:
            category = _category(spec.category, spec.provider)
            released = date(year + 1, rng.randint(2, 5), rng.randint(1, 28))
            entries.append(
                _entry(
                    spec,
                    rng,
                    code=codes(category[0]),
                    category=category,
                    provider=_municipal_provider(spec.provider),
                    provider_abbr=spec.provider,
                    name=spec.name.format(year=year),
                    abstract=spec.abstract.format(year=year),
                    release_date=released,
                )
            )
    for spec in _COUNTY_SPECS:
        category = _category(spec.category, spec.provider)
        for county in demo_data.COUNTIES:
            entries.append(
                _entry(
                    spec,
                    rng,
                    code=codes(category[0]),
                    category=category,
                    provider=_county_provider(county, spec.provider),
                    provider_abbr=None,
                    name=spec.name.format(county=county.name),
                    abstract=spec.abstract.format(county=county.name),
                    release_date=_release_date(rng),
                )
            )
    return entries


def _with_related(entry: DemoEntry, related: tuple[str, ...]) -> DemoEntry:
    return replace(entry, related_resource_codes=related) if related else entry


def generate_entries(seed: int = 2016, count: int = 300) -> list[DemoEntry]:
    """The demo catalog: ``count`` entries, the same for the same seed.

    The designed content (the resources named in this module, every county's
    own resources and the yearly statistical releases) comes first; a smaller
    ``count`` keeps its beginning, a larger one continues with
    :func:`generate_bulk` entries. Resource codes are unique; names of the
    designed entries do not depend on the seed (release dates, optional items and
    some share modes and conditions do).
    """
    if count < 0:
        raise ValueError("count must not be negative")
    entries = _designed_entries(seed)[:count]
    if len(entries) < count:
        entries.extend(generate_bulk(count - len(entries), seed=seed))
    return entries


# ------------------------------------------------------------------ bulk

_BULK_PERIODS: tuple[str, ...] = (
    "", "2023年", "2024年", "2025年", "2026年", "2024年度", "2025年第一季度", "2025年上半年",
    "2026年1月", "2026年第三季度", "2023—2025年", "2022年", "近三年",
)  # fmt: skip
_BULK_FORMS: tuple[str, ...] = (
    "", "（汇总）", "（明细）", "（历史数据）", "（接口版）", "专题库", "月报", "年报", "台账",
    "（试点）", "（共享版）", "（归档）", "（更新版）",
)  # fmt: skip
_BULK_PADDING: tuple[DemoItem, ...] = tuple(FIELDS[name] for name in _PADDING)
_ZONES_AS_REGIONS = tuple((zone.short_name, (zone.code, zone.name)) for zone in demo_data.ZONES)


def _bulk_regions() -> list[tuple[str, demo_data.County | None, tuple[str, str] | None]]:
    """(label, county, zone provider): the city (empty label), each county, each zone."""
    regions: list[tuple[str, demo_data.County | None, tuple[str, str] | None]] = [("", None, None)]
    regions.extend((county.name, county, None) for county in demo_data.COUNTIES)
    regions.extend((label, None, provider) for label, provider in _ZONES_AS_REGIONS)
    return regions


def _coprime_step(total: int, rng: random.Random) -> int:
    """A step coprime with ``total``: walking by it visits every combination once."""
    while True:
        step = rng.randrange(total // 3, total - 1) | 1
        if gcd(step, total) == 1:
            return step


def generate_bulk(count: int, seed: int = 2016) -> list[DemoEntry]:
    """``count`` varied entries for benchmarks, quickly (100,000 in a few seconds).

    Each combines a subject of the demo catalog with a region (the city, a
    county or a development zone), a period and a form (汇总、明细、月报 …), so
    names and abstracts are realistic and no two are the same as long as
    ``count`` stays below the number of combinations (about half a million).
    Providers are the county's department of the subject's kind where the demo
    has one, otherwise the county government or zone. Items vary between 4 and
    20 (about 10 on average). Resource codes (``<category>/1000000`` onwards)
    do not collide with those of :func:`generate_entries`' designed content.
    """
    if count < 0:
        raise ValueError("count must not be negative")
    rng = random.Random(seed * 7919 + 1)
    subjects = (*_MUNICIPAL_SPECS, *_THEMATIC_SPECS, *_DEPARTMENTAL_SPECS)
    categories = [_category(spec.category, spec.provider) for spec in subjects]
    regions = _bulk_regions()
    dimensions = (len(subjects), len(regions), len(_BULK_PERIODS), len(_BULK_FORMS))
    total = dimensions[0] * dimensions[1] * dimensions[2] * dimensions[3]
    step = _coprime_step(total, rng)
    start = rng.randrange(total)
    return [
        _bulk_entry(i, (start + i * step) % total, dimensions, subjects, categories, regions, rng)
        for i in range(count)
    ]


def _bulk_entry(
    index: int,
    combination: int,
    dimensions: tuple[int, int, int, int],
    subjects: Sequence[_Spec],
    categories: Sequence[tuple[str, str, ClassificationKind, BaseDatabase | None]],
    regions: Sequence[tuple[str, demo_data.County | None, tuple[str, str] | None]],
    rng: random.Random,
) -> DemoEntry:
    combination, form_index = divmod(combination, dimensions[3])
    combination, period_index = divmod(combination, dimensions[2])
    subject_index, region_index = divmod(combination, dimensions[1])
    spec = subjects[subject_index]
    label, county, zone = regions[region_index]
    period = _BULK_PERIODS[period_index]
    form = _BULK_FORMS[form_index]
    provider_abbr: str | None = None
    if county is not None:
        provider = _county_provider(
            county, spec.provider if spec.provider in _COUNTY_UNITS else None
        )
    elif zone is not None:
        provider = zone
    else:
        provider, provider_abbr = _municipal_provider(spec.provider), spec.provider
    items = list(_pick_items(spec, rng))
    target = rng.randint(6, 17)
    if len(items) < target:
        present = {item.name for item in items}
        items.extend(
            item for item in _BULK_PADDING[: target - len(items)] if item.name not in present
        )
    category = categories[subject_index]
    scope = f"{label or '全市'}{period}"
    return _entry(
        spec,
        rng,
        code=f"{category[0]}/{1_000_000 + index}",
        category=category,
        provider=provider,
        provider_abbr=provider_abbr,
        name=f"{label}{period}{spec.name}{form}",
        abstract=f"{spec.abstract}本资源收录{scope}范围的数据，由{provider[1]}维护。",
        release_date=_release_date(rng),
        items=tuple(items[:MAX_ITEMS]),
    )
