"""A starting vocabulary of citable articles, loaded by ``seed_legal_bases``.

Excerpts are short summaries for recognition, not the official text: the
official text governs. The coordinator extends and corrects the vocabulary.
"""

from __future__ import annotations

from datetime import date

from smartcity.domains.registry.enums import LegalLevel

_PIPL = (
    "《中华人民共和国个人信息保护法》",
    "全国人民代表大会常务委员会",
    "主席令第九十一号",
    date(2021, 11, 1),
)
_DSL = (
    "《中华人民共和国数据安全法》",
    "全国人民代表大会常务委员会",
    "主席令第八十四号",
    date(2021, 9, 1),
)
_CSL = (
    "《中华人民共和国网络安全法》",
    "全国人民代表大会常务委员会",
    "主席令第五十三号",
    date(2017, 6, 1),
)
_OGI = ("《中华人民共和国政府信息公开条例》", "国务院", "国务院令第711号", date(2019, 5, 15))
_JINING = ("《济宁市智慧城市促进条例》", "济宁市人民代表大会常务委员会", "", date(2017, 5, 1))
_GF51 = ("《政务信息资源共享管理暂行办法》", "国务院", "国发〔2016〕51号", date(2016, 9, 5))

# (code, act, article, level, excerpt)
STARTING_VOCABULARY: tuple[tuple[str, tuple[str, str, str, date], str, LegalLevel, str], ...] = (
    (
        "PIPL-13",
        _PIPL,
        "第十三条",
        LegalLevel.law,
        "个人信息处理的合法性基础，包括取得个人同意、为履行法定职责或者法定义务所必需等情形。",
    ),
    (
        "PIPL-28",
        _PIPL,
        "第二十八条",
        LegalLevel.law,
        "敏感个人信息的范围及其处理条件：具有特定目的和充分必要性并采取严格保护措施。",
    ),
    (
        "PIPL-34",
        _PIPL,
        "第三十四条",
        LegalLevel.law,
        "国家机关为履行法定职责处理个人信息，不得超出履行法定职责所必需的范围和限度。",
    ),
    (
        "DSL-21",
        _DSL,
        "第二十一条",
        LegalLevel.law,
        "国家建立数据分类分级保护制度，对重要数据、核心数据实行重点保护。",
    ),
    (
        "DSL-38",
        _DSL,
        "第三十八条",
        LegalLevel.law,
        "国家机关在履行法定职责范围内依法定条件和程序收集、使用数据，对知悉的个人信息等依法保密。",
    ),
    ("CSL-21", _CSL, "第二十一条", LegalLevel.law, "国家实行网络安全等级保护制度。"),
    (
        "OGI-14",
        _OGI,
        "第十四条",
        LegalLevel.administrative_regulation,
        "依法确定为国家秘密的政府信息等不予公开。",
    ),
    (
        "OGI-15",
        _OGI,
        "第十五条",
        LegalLevel.administrative_regulation,
        "涉及商业秘密、个人隐私等公开会对第三方合法权益造成损害的政府信息，行政机关不得公开（法定例外除外）。",
    ),
    (
        "GF51-5",
        _GF51,
        "第五条",
        LegalLevel.central_policy,
        "政务信息资源按共享类型分为无条件共享、有条件共享、不予共享三类。",
    ),
    (
        "JNZC-22",
        _JINING,
        "第二十二条",
        LegalLevel.local_regulation,
        "市直部门、单位新建系统直接部署在市智慧城市云数据平台，原有系统向云平台迁移。",
    ),
    (
        "JNZC-27",
        _JINING,
        "第二十七条",
        LegalLevel.local_regulation,
        "共享需求经市经济和信息化主管部门协调，非因法定事由相关部门、单位不得拒绝提供。",
    ),
    (
        "JNZC-68",
        _JINING,
        "第六十八条",
        LegalLevel.local_regulation,
        "掌握公众信息的部门不得泄露、篡改、毁损、出售或者非法提供；当事人有权要求更正、删除不实信息。",
    ),
)
