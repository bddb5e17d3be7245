"""Demo information systems of Jining: about 60 systems of the demo's departments,
counties and zones, with a realistic spread of city-cloud statuses.

Most systems run on the city cloud; some older ones are migrating (a few past their
planned date, so the Art. 70 report has rows) or not migrated; two classified
systems are exempt under the State Secrets Law. Protection levels are mostly 2 and
3, with one level-4 system. A handful of change requests are left pending for the
coordinator's queue. Dates are relative to today, so the demo stays current.

Everything goes through the registry's services, so the audit log tells the story.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from uuid import UUID

from sqlalchemy.orm import Session

from smartcity.core.pagination import PageParams
from smartcity.core.security import Actor
from smartcity.core.time import today_in_china
from smartcity.domains.registry.enums import (
    AssessmentResult,
    BackupArrangement,
    ChangeRequestStatus,
    CloudStatus,
    LegalLevel,
    SystemChangeKind,
    SystemLifecycle,
)
from smartcity.domains.registry.schemas import (
    InformationSystemCreate,
    InformationSystemUpdate,
    LegalBasisCreate,
    SystemChangeCreate,
    SystemChangeRequestFilter,
    SystemContact,
)
from smartcity.domains.registry.service import (
    all_organizations,
    approve_system_change,
    create_legal_basis,
    find_information_system_by_code,
    find_legal_basis_by_code,
    list_change_requests,
    propose_system_change,
    register_system,
    seed_legal_bases,
    update_system,
)

# The State Secrets Law (revised 2024): classified systems are protected by their own
# graded scheme and stay off networks that are not classified, the city cloud included.
SECRETS_LAW = LegalBasisCreate(
    code="BMF-30",
    title="《中华人民共和国保守国家秘密法》",
    article="第三十条",
    level=LegalLevel.law,
    issuer="全国人民代表大会常务委员会",
    document_number="主席令第二十号",
    excerpt="存储、处理国家秘密的计算机信息系统按照涉密程度实行分级保护，"
    "按照国家保密规定和标准规划、建设、运行、维护。",
    effective_date=date(2024, 5, 1),
)

_deployed = CloudStatus.deployed
_migrating = CloudStatus.migrating
_not_migrated = CloudStatus.not_migrated
_exempt = CloudStatus.exempt
_in_use = SystemLifecycle.in_use
_PERSONAL = ("PIPL-34", "CSL-21")
_SECURITY = ("CSL-21",)


@dataclass(frozen=True)
class DemoSystem:
    """One demo system. ``planned_in`` is days from today (negative: already past)."""

    owner: str
    code: str
    name: str
    purpose: str
    holdings: tuple[str, ...]
    users: int
    volume_gb: float
    level: int = 3
    cloud: CloudStatus = CloudStatus.deployed
    lifecycle: SystemLifecycle = SystemLifecycle.in_use
    planned_in: int | None = None
    bases: tuple[str, ...] = _SECURITY
    uses: tuple[str, ...] = ()
    exemption: str = ""
    result: AssessmentResult = AssessmentResult.passed
    # What the demo leaves for the coordinator: "registration" (not yet approved),
    # "go_live", "composition" or "retirement" (pending), "retired" (approved).
    pending: str = ""
    extra_holding: str = ""
    edited_after_approval: bool = False


# fmt: off
SYSTEMS: tuple[DemoSystem, ...] = (
    # ---------------------------------------------------------------- public security
    DemoSystem(
        "济宁市公安局", "JN-GAJ-001", "人口信息管理系统",
        "常住人口、暂住人口户籍登记、变动和居民身份证办理，为全市提供人口基础信息。",
        ("常住人口基本信息", "流动人口登记信息", "户籍变动记录", "居民身份证办理信息"),
        3800, 2600, level=4, bases=("PIPL-34", "DSL-38", "CSL-21"),
        edited_after_approval=True,
    ),
    DemoSystem(
        "济宁市公安局", "JN-GAJ-002", "警务综合信息系统",
        "案件、警情和警务工作管理，运行于公安信息网。",
        ("警情信息", "案件信息", "在逃人员信息"), 5200, 4100, cloud=_exempt,
        exemption="运行于公安信息网，存储、处理国家秘密，按涉密信息系统分级保护要求"
        "独立建设运行，不部署在市智慧城市云数据平台。",
    ),
    DemoSystem(
        "济宁市公安局", "JN-GAJ-003", "交通违法处理系统",
        "交通技术监控记录的审核、违法处理和罚款缴纳。",
        ("机动车违法记录", "驾驶人信息", "电子监控抓拍记录"), 420, 9800,
        cloud=_migrating, planned_in=-45, bases=_PERSONAL,
    ),
    DemoSystem(
        "济宁市公安局", "JN-GAJ-004", "出入境证件办理系统",
        "普通护照、往来港澳台通行证的受理、审批和制证。",
        ("出入境证件申请信息", "证件签发记录"), 260, 380, bases=_PERSONAL,
    ),
    # ---------------------------------------------------------------- market regulation
    DemoSystem(
        "济宁市市场监督管理局", "JN-SCJG-001", "市场主体登记系统",
        "企业、个体工商户、农民专业合作社的设立、变更、注销登记。",
        ("市场主体登记信息", "法定代表人信息", "股东及出资信息"), 650, 820,
    ),
    DemoSystem(
        "济宁市市场监督管理局", "JN-SCJG-002", "食品安全追溯平台",
        "食品生产经营主体进销货台账和产品追溯。",
        ("食品生产经营许可信息", "进销货台账"), 2100, 540, level=2,
        uses=("市场主体登记信息",),
    ),
    DemoSystem(
        "济宁市市场监督管理局", "JN-SCJG-003", "特种设备安全监管系统",
        "电梯、锅炉、压力容器等特种设备登记、检验和隐患排查。",
        ("特种设备登记信息", "定期检验记录"), 300, 210, level=2,
        cloud=_migrating, planned_in=75,
    ),
    # ---------------------------------------------------------------- health
    DemoSystem(
        "济宁市卫生健康委员会", "JN-WJW-001", "全民健康信息平台",
        "汇聚医疗卫生机构诊疗数据，支撑居民电子健康档案和电子病历共享。",
        ("居民电子健康档案", "电子病历共享索引", "医疗卫生机构信息"), 9600, 18500,
        bases=("PIPL-28", "PIPL-34", "CSL-21"), uses=("常住人口基本信息",),
    ),
    DemoSystem(
        "济宁市卫生健康委员会", "JN-WJW-002", "预防接种信息管理系统",
        "儿童和成人预防接种登记、疫苗流通追溯。",
        ("预防接种记录", "疫苗出入库记录"), 1800, 640,
        cloud=_migrating, planned_in=-120, bases=("PIPL-28", "CSL-21"),
        result=AssessmentResult.passed_with_remarks,
    ),
    DemoSystem(
        "济宁市卫生健康委员会", "JN-WJW-003", "妇幼健康信息系统",
        "孕产妇保健、儿童保健和出生医学证明管理。",
        ("孕产妇保健档案", "出生医学证明信息"), 1500, 720, bases=("PIPL-28", "CSL-21"),
    ),
    # ---------------------------------------------------------------- human resources
    DemoSystem(
        "济宁市人力资源和社会保障局", "JN-RSJ-001", "社会保障卡管理系统",
        "社会保障卡申领、制发、挂失和应用管理。",
        ("社会保障卡持卡人信息", "制卡及发放记录"), 1100, 1300, bases=_PERSONAL,
        uses=("常住人口基本信息",),
    ),
    DemoSystem(
        "济宁市人力资源和社会保障局", "JN-RSJ-002", "就业创业服务系统",
        "就业登记、失业登记、职业介绍和创业补贴。",
        ("就业失业登记信息", "职业技能培训记录"), 900, 260, level=2, bases=_PERSONAL,
    ),
    DemoSystem(
        "济宁市人力资源和社会保障局", "JN-RSJ-003", "人事考试报名系统",
        "事业单位公开招聘、职业资格考试网上报名和资格审核。",
        ("考试报名信息", "考试成绩"), 80, 95, level=2,
        cloud=_not_migrated, bases=_PERSONAL, result=AssessmentResult.failed,
    ),
    # ---------------------------------------------------------------- urban management
    DemoSystem(
        "济宁市城市管理局", "JN-CGJ-001", "数字化城市管理系统",
        "城市部件、事件问题的发现、立案、派遣、处置和核查结案。",
        ("城市部件信息", "城管案件信息", "网格信息"), 1400, 3100, bases=_SECURITY,
    ),
    DemoSystem(
        "济宁市城市管理局", "JN-CGJ-002", "城市照明监控系统",
        "路灯、景观照明的远程开关和故障监测。",
        ("照明设施信息", "运行监测数据"), 40, 60, level=2,
        cloud=_not_migrated, pending="retirement",
    ),
    # ---------------------------------------------------------------- ecology
    DemoSystem(
        "济宁市生态环境局", "JN-STHJ-001", "环境质量自动监测系统",
        "空气、地表水自动监测站数据采集、审核和发布。",
        ("空气质量小时数据", "地表水水质监测数据", "监测站点信息"), 220, 5400,
    ),
    DemoSystem(
        "济宁市生态环境局", "JN-STHJ-002", "污染源在线监控系统",
        "重点排污单位废水、废气排放在线监控和超标报警。",
        ("污染源基本信息", "排放在线监测数据"), 160, 7200,
        cloud=_migrating, planned_in=-30,
    ),
    # ---------------------------------------------------------------- transport
    DemoSystem(
        "济宁市交通运输局", "JN-JTJ-001", "智慧交通综合管控平台",
        "公交、出租、客运和路网运行监测与应急调度。",
        ("公交车辆实时位置", "路网运行监测数据", "客运站客流数据"), 350, 6400,
        lifecycle=SystemLifecycle.building, pending="go_live",
    ),
    DemoSystem(
        "济宁市交通运输局", "JN-JTJ-002", "道路运输管理系统",
        "道路运输经营许可、车辆营运证和从业人员资格管理。",
        ("道路运输经营业户信息", "营运车辆信息", "从业人员资格信息"), 480, 450, level=2,
    ),
    # ---------------------------------------------------------------- hotline and services
    DemoSystem(
        "济宁市12345政务服务便民热线服务中心", "JN-RX-001", "12345热线工单系统",
        "群众诉求受理、转办、督办、回访和统计分析。",
        ("诉求工单", "来电人信息", "办理回访记录"), 2600, 1900, bases=_PERSONAL,
    ),
    DemoSystem(
        "济宁市不动产登记中心", "JN-BDC-001", "不动产登记系统",
        "土地、房屋等不动产首次、转移、抵押登记和登记资料查询。",
        ("不动产登记簿", "权利人信息", "不动产单元信息"), 760, 8800, bases=_PERSONAL,
        uses=("市场主体登记信息", "常住人口基本信息"),
    ),
    DemoSystem(
        "济宁市自然资源和规划局", "JN-ZRZY-001", "国土空间基础信息平台",
        "国土空间规划“一张图”和自然资源调查监测数据管理。",
        ("国土空间规划数据", "土地利用现状数据", "基础测绘成果"), 540, 22000,
    ),
    DemoSystem(
        "济宁市自然资源和规划局", "JN-ZRZY-002", "规划审批管理系统",
        "建设项目用地规划许可、工程规划许可审批。",
        ("规划许可信息", "建设项目红线"), 180, 1300,
        cloud=_migrating, planned_in=150,
    ),
    DemoSystem(
        "济宁市住房和城乡建设局", "JN-ZJJ-001", "工程建设项目审批管理系统",
        "工程建设项目全流程审批和联合审图、联合验收。",
        ("工程建设项目信息", "施工许可信息"), 830, 920,
    ),
    DemoSystem(
        "济宁市住房和城乡建设局", "JN-ZJJ-002", "房屋交易网签备案系统",
        "新建商品房和存量房买卖合同网签备案。",
        ("商品房买卖合同备案信息", "房屋楼盘表"), 1200, 1600, bases=_PERSONAL,
    ),
    DemoSystem(
        "济宁市民政局", "JN-MZJ-001", "婚姻登记管理系统",
        "结婚、离婚登记和婚姻登记档案查询。",
        ("婚姻登记信息",), 150, 120, bases=_PERSONAL,
    ),
    DemoSystem(
        "济宁市民政局", "JN-MZJ-002", "社会救助信息系统",
        "最低生活保障、特困供养和临时救助申请审核。",
        ("低保对象信息", "特困供养人员信息", "救助资金发放记录"), 1300, 380,
        bases=("PIPL-28", "PIPL-34", "CSL-21"), pending="composition",
        extra_holding="低收入人口动态监测信息",
    ),
    DemoSystem(
        "济宁市教育局", "JN-JYJ-001", "教育管理公共服务平台",
        "学校、教师、学生基础信息管理和教育统计。",
        ("学校基本信息", "教师信息"), 4200, 780,
    ),
    DemoSystem(
        "济宁市教育局", "JN-JYJ-002", "中小学学籍管理系统",
        "中小学生学籍注册、转学、升级和毕业管理。",
        ("学生学籍信息",), 5100, 640, bases=_PERSONAL,
    ),
    DemoSystem(
        "济宁市医疗保障局", "JN-YBJ-001", "医疗保障信息平台",
        "医保参保登记、待遇结算和基金监管。",
        ("参保人员信息", "医保结算记录", "定点医药机构信息"), 3100, 15000,
        bases=("PIPL-28", "PIPL-34", "CSL-21"),
    ),
    DemoSystem(
        "济宁市行政审批服务局", "JN-XZSP-001", "一体化政务服务平台",
        "政务服务事项网上申报、受理、办理和“一网通办”。",
        ("政务服务事项目录", "办件信息"), 6800, 3900, bases=_PERSONAL,
        uses=("电子证照", "市场主体登记信息", "常住人口基本信息"),
    ),
    DemoSystem(
        "济宁市行政审批服务局", "JN-XZSP-002", "电子证照库",
        "电子证照的归集、签发、共享和用证核验。",
        ("电子证照",), 6800, 2400, bases=_PERSONAL,
    ),
    DemoSystem(
        "济宁市大数据中心", "JN-DSJZX-001", "政务信息资源共享交换平台",
        "部门间信息资源目录编制、共享申请和数据交换。",
        ("政务信息资源目录", "共享交换日志"), 900, 12000, bases=("JNZC-27", "CSL-21"),
    ),
    DemoSystem(
        "济宁市大数据中心", "JN-DSJZX-002", "市智慧城市云数据平台运维管理系统",
        "云资源申请、分配、监控和计量。",
        ("云资源台账", "资源使用监测数据"), 120, 260, bases=("JNZC-22", "CSL-21"),
    ),
    DemoSystem(
        "济宁市发展和改革委员会", "JN-FGW-001", "社会信用信息平台",
        "公共信用信息归集、信用评价、红黑名单和信用报告。",
        ("法人和自然人公共信用信息", "红黑名单"), 700, 2100,
        uses=("市场主体登记信息",),
    ),
    DemoSystem(
        "济宁市发展和改革委员会", "JN-FGW-002", "投资项目在线审批监管平台",
        "投资项目赋码、审批、核准和备案。",
        ("投资项目信息",), 520, 140, level=2,
    ),
    DemoSystem(
        "济宁市财政局", "JN-CZJ-001", "预算管理一体化系统",
        "预算编制、指标管理、国库集中支付和决算。",
        ("预算指标", "国库支付记录"), 1900, 2300, cloud=_not_migrated,
        result=AssessmentResult.passed_with_remarks,
    ),
    DemoSystem(
        "济宁市统计局", "JN-TJJ-001", "统计数据管理系统",
        "联网直报企业统计数据审核、汇总和发布。",
        ("企业统计报表", "宏观经济统计数据"), 260, 180,
        cloud=_migrating, planned_in=-210, level=2,
    ),
    DemoSystem(
        "济宁市应急管理局", "JN-YJJ-001", "应急指挥信息系统",
        "突发事件接报、会商、指挥调度和应急资源管理。",
        ("应急预案", "应急物资储备信息", "危险化学品企业信息"), 340, 900,
    ),
    DemoSystem(
        "济宁市住房公积金管理中心", "JN-GJJ-001", "住房公积金综合业务系统",
        "公积金缴存、提取、贷款和账户管理。",
        ("缴存职工账户信息", "公积金贷款信息"), 450, 1700,
        cloud=_migrating, planned_in=90, bases=_PERSONAL,
    ),
    DemoSystem(
        "济宁市住房公积金管理中心", "JN-GJJ-002", "旧版公积金网上业务大厅",
        "已由综合业务系统的网上服务替代。",
        ("网上业务申请记录",), 0, 60, level=2, pending="retired",
    ),
    DemoSystem(
        "济宁市公共资源交易中心", "JN-GGZY-001", "公共资源电子交易系统",
        "工程建设、政府采购项目的电子招标投标和开评标。",
        ("交易项目信息", "投标人信息"), 1600, 3300,
    ),
    DemoSystem(
        "济宁市档案馆", "JN-DAG-001", "数字档案馆系统",
        "馆藏档案数字化、电子档案接收和利用服务。",
        ("馆藏档案目录", "电子档案"), 0, 0,
        lifecycle=SystemLifecycle.planned, pending="registration",
    ),
    DemoSystem(
        "济宁市人民政府办公室", "JN-BGS-001", "涉密公文传输系统",
        "涉密公文的传输和处理，运行于电子政务内网。",
        ("涉密公文",), 260, 90, cloud=_exempt,
        exemption="存储、处理国家秘密，运行于电子政务内网，按涉密信息系统分级保护要求"
        "管理，不得部署在非涉密的云平台。",
    ),
    DemoSystem(
        "济宁市人民政府办公室", "JN-BGS-002", "政府网站集约化平台",
        "市、县两级政府网站统一建设、运维和内容管理。",
        ("政府信息公开内容", "网站栏目信息"), 600, 1100,
    ),
    DemoSystem(
        "济宁市水务局", "JN-SLJ-001", "水资源监控系统",
        "取用水户在线计量和地下水位监测。",
        ("取水许可信息", "取用水在线监测数据"), 90, 480, level=2,
    ),
    DemoSystem(
        "济宁市农业农村局", "JN-NYNC-001", "农村土地承包经营权信息系统",
        "农村土地承包经营权确权登记和流转管理。",
        ("承包地块信息", "承包方信息"), 380, 2600, level=2, bases=_PERSONAL,
    ),
    DemoSystem(
        "济宁市文化和旅游局", "JN-WHLY-001", "智慧旅游服务平台",
        "景区客流监测、旅游咨询和投诉受理。",
        ("A级旅游景区信息", "景区实时客流数据"), 150, 420, level=2,
    ),
    # ---------------------------------------------------------------- zones
    DemoSystem(
        "济宁国家高新技术产业开发区管委会", "JN-GXQ-001", "高新区企业服务平台",
        "园区企业诉求受理和惠企政策兑现。",
        ("园区企业信息", "政策兑现记录"), 210, 85, level=2,
    ),
    # ---------------------------------------------------------------- counties
    DemoSystem(
        "任城区大数据中心", "JN-370811-001", "任城区政务服务综合受理系统",
        "区级政务服务事项“一窗受理”和帮办代办。",
        ("区级办件信息",), 520, 260, level=2, bases=_PERSONAL,
    ),
    DemoSystem(
        "任城区市场监督管理局", "JN-370811-002", "任城区食品安全监管系统",
        "辖区食品经营主体日常检查和风险分级。",
        ("食品经营主体检查记录",), 140, 45, level=2,
    ),
    DemoSystem(
        "济宁市公安局任城分局", "JN-370811-003", "任城区公共安全视频监控联网平台",
        "公共区域视频监控资源整合和联网共享。",
        ("视频监控点位信息", "视频图像资源目录"), 320, 45000,
    ),
    DemoSystem(
        "兖州区人民政府办公室", "JN-370812-001", "兖州区网格化社会治理平台",
        "网格员巡查上报、事件流转和社会治理分析。",
        ("网格事件", "网格员信息"), 1100, 380, level=2,
    ),
    DemoSystem(
        "微山县大数据中心", "JN-370826-001", "微山县政务服务系统",
        "县级政务服务事项受理和办理。",
        ("县级办件信息",), 260, 120, level=2, cloud=_migrating, planned_in=-20,
    ),
    DemoSystem(
        "鱼台县大数据中心", "JN-370827-001", "鱼台县政务服务系统",
        "县级政务服务事项受理和办理。",
        ("县级办件信息",), 230, 110, level=2,
    ),
    DemoSystem(
        "金乡县大数据中心", "JN-370828-001", "金乡大蒜产业大数据平台",
        "大蒜种植、冷藏、交易价格监测和产业分析。",
        ("大蒜种植面积数据", "冷库库存数据", "交易价格数据"), 180, 310, level=2,
    ),
    DemoSystem(
        "嘉祥县大数据中心", "JN-370829-001", "嘉祥县政务服务系统",
        "县级政务服务事项受理和办理。",
        ("县级办件信息",), 210, 100, level=2, cloud=_not_migrated,
    ),
    DemoSystem(
        "汶上县大数据中心", "JN-370830-001", "汶上县政务服务系统",
        "县级政务服务事项受理和办理。",
        ("县级办件信息",), 200, 95, level=2,
    ),
    DemoSystem(
        "泗水县大数据中心", "JN-370831-001", "泗水县数字乡村服务平台",
        "农村人居环境、农产品电商和乡村治理服务。",
        ("行政村基础信息", "农产品电商数据"), 90, 30, level=2,
        lifecycle=SystemLifecycle.building, pending="registration",
    ),
    DemoSystem(
        "梁山县大数据中心", "JN-370832-001", "梁山县政务服务系统",
        "县级政务服务事项受理和办理。",
        ("县级办件信息",), 220, 105, level=2,
    ),
    DemoSystem(
        "曲阜市大数据中心", "JN-370881-001", "曲阜市文物保护监测系统",
        "“三孔”等文物本体和环境的监测预警。",
        ("文物本体监测数据", "游客流量数据"), 60, 1200, level=2,
    ),
    DemoSystem(
        "邹城市大数据中心", "JN-370883-001", "邹城市政务服务系统",
        "县级政务服务事项受理和办理。",
        ("县级办件信息",), 240, 115, level=2, cloud=_migrating, planned_in=45,
    ),
)
# fmt: on

_CONTACT_NAMES = ("张伟", "王芳", "李强", "刘洋", "陈静", "杨磊", "赵敏", "孙涛")


def _contacts(index: int) -> list[SystemContact]:
    # A leading 0 after the area code, as in the demo directory: no real number.
    return [
        SystemContact(
            name=_CONTACT_NAMES[index % len(_CONTACT_NAMES)],
            role="系统管理员",
            phone=f"0537-0{7000 + index:06d}",
        ),
        SystemContact(
            name=_CONTACT_NAMES[(index + 3) % len(_CONTACT_NAMES)],
            role="安全负责人",
            phone=f"0537-0{8000 + index:06d}",
        ),
    ]


def _backup(spec: DemoSystem) -> BackupArrangement:
    if spec.cloud is CloudStatus.deployed:
        return BackupArrangement.city_cloud_dr
    if spec.level >= 3:
        return BackupArrangement.offsite
    if spec.cloud is CloudStatus.not_migrated:
        return BackupArrangement.none
    return BackupArrangement.local


def _data(
    session: Session,
    spec: DemoSystem,
    index: int,
    owner_id: UUID,
    exemption_id: UUID,
    today: date,
) -> InformationSystemCreate:
    bases = [b.id for code in spec.bases if (b := find_legal_basis_by_code(session, code))]
    assessed = spec.lifecycle is SystemLifecycle.in_use
    return InformationSystemCreate(
        owner_organization_id=owner_id,
        code=spec.code,
        name=spec.name,
        purpose=spec.purpose,
        legal_basis_ids=bases,
        data_holdings=list(spec.holdings),
        resources_used=list(spec.uses),
        user_count=spec.users,
        data_volume_gb=spec.volume_gb,
        contacts=_contacts(index),
        lifecycle_status=spec.lifecycle,
        # Systems off the cloud were in use before the city cloud: Art. 22 asks them to
        # migrate. The others were built on it.
        is_preexisting=spec.cloud in (CloudStatus.migrating, CloudStatus.not_migrated),
        protection_level=spec.level,
        protection_assessed_date=today - timedelta(days=30 + 11 * index) if assessed else None,
        protection_assessment_result=spec.result if assessed else None,
        backup_arrangement=_backup(spec),
        backup_note="每日增量、每周全量备份" if spec.level >= 3 else "",
        cloud_status=spec.cloud,
        migration_planned_date=(
            today + timedelta(days=spec.planned_in) if spec.planned_in is not None else None
        ),
        exemption_legal_basis_id=exemption_id if spec.cloud is CloudStatus.exempt else None,
        exemption_reason=spec.exemption,
    )


def _approve_pending(session: Session, actor: Actor, system_id: UUID, opinion: str) -> None:
    pending = list_change_requests(
        session,
        actor=actor,
        filters=SystemChangeRequestFilter(system_id=system_id, status=ChangeRequestStatus.pending),
        page=PageParams(page=1, size=10),
    ).items
    for request in pending:
        approve_system_change(session, actor=actor, change_request_id=request.id, opinion=opinion)


def seed_demo_systems(session: Session, *, actor: Actor) -> int:
    """Register the demo systems that are missing; returns how many were registered.

    ``actor`` must be able to register for any organization and review changes (the
    coordinator, or ``SYSTEM``). Owners missing from the directory are skipped, so
    a smaller directory still gets the systems it can own. Idempotent by code.
    """
    seed_legal_bases(session, actor=actor)
    secrets_law = find_legal_basis_by_code(session, SECRETS_LAW.code) or create_legal_basis(
        session, actor=actor, data=SECRETS_LAW
    )
    owners = {o.name: o.id for o in all_organizations(session, actor=actor)}
    today = today_in_china()
    added = 0
    for index, spec in enumerate(SYSTEMS):
        owner_id = owners.get(spec.owner)
        if owner_id is None or find_information_system_by_code(session, spec.code) is not None:
            continue
        data = _data(session, spec, index, owner_id, secrets_law.id, today)
        system = register_system(session, actor=actor, data=data)
        added += 1
        if spec.pending == "registration":
            continue
        _approve_pending(session, actor, system.id, "登记信息完整，同意。")
        if spec.pending == "go_live":
            _propose(
                session,
                actor,
                system.id,
                SystemChangeKind.go_live,
                "已完成竣工验收和等级保护测评，申请正式上线运行。",
            )
        elif spec.pending == "retirement":
            _propose(
                session,
                actor,
                system.id,
                SystemChangeKind.retirement,
                "功能并入数字化城市管理系统，申请停用。",
            )
        elif spec.pending == "retired":
            _propose(session, actor, system.id, SystemChangeKind.retirement, "已被替代。")
            _approve_pending(session, actor, system.id, "同意停用，数据已归档。")
        elif spec.pending == "composition":
            propose_system_change(
                session,
                actor=actor,
                system_id=system.id,
                data=SystemChangeCreate(
                    kind=SystemChangeKind.composition_change,
                    data_holdings=[*spec.holdings, spec.extra_holding],
                    reason="按低收入人口常态化帮扶要求，增加动态监测数据。",
                ),
            )
        if spec.edited_after_approval:
            # A direct edit after approval: the system page shows it against the approved
            # description until the next approval.
            update_system(
                session,
                actor=actor,
                system_id=system.id,
                data=InformationSystemUpdate(
                    user_count=spec.users + 300, backup_note="同城双活，异地每日备份"
                ),
            )
    return added


def _propose(
    session: Session, actor: Actor, system_id: UUID, kind: SystemChangeKind, reason: str
) -> None:
    propose_system_change(
        session, actor=actor, system_id=system_id, data=SystemChangeCreate(kind=kind, reason=reason)
    )
