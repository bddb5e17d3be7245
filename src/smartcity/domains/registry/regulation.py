"""The bodies the regulation names, article by article, as it named them in 2016.

Each entry is a duty the 济宁市智慧城市促进条例 gives to a named body. Which
organization carries it today is data (``OrganizationDuty``), because the
bodies have since been merged and renamed: 工商、质监、食药监 → 市场监督管理局;
环境保护 → 生态环境局; 国土资源 and 城乡规划 → 自然资源和规划局; 安全生产监管
→ 应急管理局; 卫生计生 → 卫生健康委员会; 旅游 → 文化和旅游局.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NamedDuty:
    article: int
    named_body: str
    duty: str


REGULATION_DUTIES: tuple[NamedDuty, ...] = (
    NamedDuty(4, "市人民政府", "建立智慧城市建设管理协调推进机制"),
    NamedDuty(5, "市、县（市、区）人民政府", "将智慧城市建设纳入国民经济和社会发展规划"),
    NamedDuty(6, "市经济和信息化主管部门", "智慧城市建设和管理的统筹规划、指导协调"),
    NamedDuty(6, "县（市、区）经济和信息化主管部门", "本辖区智慧城市建设和管理的指导、协调、监督"),
    NamedDuty(8, "市经济和信息化主管部门", "会同有关部门编制市智慧城市发展总体规划"),
    NamedDuty(8, "市政府办公室", "参与编制总体规划"),
    NamedDuty(8, "发展改革部门", "参与编制总体规划"),
    NamedDuty(8, "住建部门", "参与编制总体规划"),
    NamedDuty(8, "城乡规划部门", "参与编制总体规划"),
    NamedDuty(8, "城市管理部门", "参与编制总体规划"),
    NamedDuty(8, "公安部门", "参与编制总体规划"),
    NamedDuty(8, "交通运输部门", "参与编制总体规划"),
    NamedDuty(8, "国土资源部门", "参与编制总体规划"),
    NamedDuty(9, "市人民政府有关部门、单位", "编制部门、领域智慧城市发展专项规划"),
    NamedDuty(10, "县（市、区）人民政府", "编制区域智慧城市发展专项规划"),
    NamedDuty(13, "市经济和信息化主管部门", "确定智慧应用推广阶段性目标和重点领域"),
    NamedDuty(14, "市人民政府", "在市区重点公共区域建设免费无线网络"),
    NamedDuty(14, "县（市）人民政府", "在城区重点公共区域建设免费无线网络"),
    NamedDuty(16, "电信运营商", "扩大宽带网络覆盖，提高服务质量"),
    NamedDuty(17, "电信运营商", "推进业务融合和互联互通"),
    NamedDuty(21, "市经济和信息化主管部门", "会同财政、监察部门建立信息基础设施质量责任制"),
    NamedDuty(21, "财政部门", "参与建立信息基础设施质量责任制"),
    NamedDuty(21, "监察部门", "参与建立信息基础设施质量责任制"),
    NamedDuty(22, "市经济和信息化主管部门", "建立市智慧城市云数据平台"),
    NamedDuty(22, "市直部门、单位", "新建系统部署在云平台，原有系统向云平台迁移"),
    NamedDuty(23, "市人民政府及有关部门", "建设人口、法人、空间地理、宏观经济、社会信用基础数据库"),
    NamedDuty(24, "市经济和信息化主管部门", "建立信息资源分级分类管理制度和采集制度"),
    NamedDuty(25, "市人民政府", "建立信息资源共享交换体系和标准规范体系"),
    NamedDuty(26, "市经济和信息化主管部门", "搭建市级数据共享交换平台"),
    NamedDuty(27, "市经济和信息化主管部门", "建设共享目录体系，受理共享申请并协调提供"),
    NamedDuty(27, "市直部门、单位", "非因法定事由不得拒绝提供共享信息"),
    NamedDuty(28, "各政务部门", "不得要求重复提供可从共享平台获得的信息"),
    NamedDuty(32, "卫生计生主管部门", "建立居民电子健康档案、电子病历等基础数据库"),
    NamedDuty(34, "交通运输主管部门", "搭建智慧交通综合管控服务平台"),
    NamedDuty(35, "教育主管部门", "推广智慧教育，建设教育信息化公共服务体系"),
    NamedDuty(36, "人社主管部门", "整合社会保障领域业务信息系统"),
    NamedDuty(37, "旅游主管部门", "建立旅游公众信息服务体系"),
    NamedDuty(38, "民政主管部门", "整合民政业务数据"),
    NamedDuty(39, "住建主管部门", "提高建筑业管理和服务智能化水平"),
    NamedDuty(40, "农业部门", "扩大信息技术应用"),
    NamedDuty(40, "水利部门", "扩大信息技术应用"),
    NamedDuty(40, "气象部门", "扩大信息技术应用"),
    NamedDuty(40, "科技部门", "扩大信息技术应用"),
    NamedDuty(40, "体育部门", "扩大信息技术应用"),
    NamedDuty(40, "商务部门", "扩大信息技术应用"),
    NamedDuty(40, "金融部门", "扩大信息技术应用"),
    NamedDuty(40, "不动产登记部门", "扩大信息技术应用"),
    NamedDuty(43, "市、县（市、区）人民政府办公室", "建设政务协同办公系统，完善网上百姓热线系统"),
    NamedDuty(44, "公安机关", "推进智能警务，建设视频监控综合应用平台"),
    NamedDuty(45, "城市管理主管部门", "拓展智慧城市管理平台服务功能"),
    NamedDuty(46, "环境保护主管部门", "建设环境传感网络和污染物排放监测信息系统"),
    NamedDuty(47, "国土资源主管部门", "建设智能土地和矿产资源监管体系"),
    NamedDuty(48, "安全生产监管部门", "开发建设安全生产综合信息平台"),
    NamedDuty(49, "食品药品监管部门", "建设食品药品智能移动监管平台"),
    NamedDuty(50, "工商行政管理部门", "运用信息技术提升对市场主体的服务和监管"),
    NamedDuty(50, "质量技术监督部门", "运用信息技术提升对市场主体的服务和监管"),
    NamedDuty(51, "市、县（市、区）人民政府", "加快社会信用体系建设，推进信用信息平台对接"),
    NamedDuty(58, "市人民政府", "对财政投资的信息化项目实行扎口管理"),
    NamedDuty(59, "市人民政府", "建立智慧城市建设评估体系和专家咨询制度"),
    NamedDuty(60, "市、县（市、区）人民政府", "建立督导检查制度"),
    NamedDuty(61, "市、县（市、区）人民政府", "统一购买云计算服务并集中管理"),
    NamedDuty(62, "市、县（市、区）人民政府", "建立信息网络安全管理制度和安全责任制度"),
    NamedDuty(63, "财政部门", "对智慧城市建设进行财政资金扶持"),
    NamedDuty(65, "教育主管部门", "加强智慧城市人才培养"),
    NamedDuty(66, "人社部门", "将信息技术应用纳入培训范围"),
    NamedDuty(68, "掌握公众信息的部门、单位", "不得泄露、篡改、毁损、出售或者非法提供公众信息"),
    NamedDuty(69, "市工商行政管理部门", "查处排他性协议等不正当竞争行为"),
    NamedDuty(70, "有关机关", "对拒不迁移系统的责任人员依法给予处分"),
    NamedDuty(73, "济宁国家高新技术产业开发区管委会", "做好本辖区智慧城市建设和管理工作"),
    NamedDuty(73, "太白湖新区管委会", "做好本辖区智慧城市建设和管理工作"),
    NamedDuty(73, "济宁经济技术开发区管委会", "做好本辖区智慧城市建设和管理工作"),
)

_INDEX = {(d.article, d.named_body): d for d in REGULATION_DUTIES}


def find_named_duty(article: int, named_body: str) -> NamedDuty | None:
    return _INDEX.get((article, named_body))
