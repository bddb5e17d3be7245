"""The demo's service forms (Art. 28): twelve Jining services with their fields mapped to
the demo catalog (人口基础信息, 出生医学证明信息, 不动产登记信息, 社会保险参保信息 …), as
the departments run them today — some fields prefilled from the platform, many still
typed or attached although the platform could supply them, so the once-only report has
violations to list (market supervision's 企业开办 asks for the legal representative's
name and ID number although its grant on 人口基础信息 covers them). The demo citizen then
reports one "asked again" case: 公租房申请 wanted a copy of his 户口簿 for his
户籍地址.

Idempotent: forms are matched by code and left alone when present; the case is filed
only when the demo citizen has none.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

from sqlalchemy.orm import Session

from smartcity.core.pagination import PageParams
from smartcity.core.security import SYSTEM
from smartcity.domains.catalog import service as catalog_service
from smartcity.domains.identity import service as identity_service
from smartcity.domains.onceonly import service
from smartcity.domains.onceonly.enums import FieldCollection, FormChannel
from smartcity.domains.onceonly.schemas import CaseCreate, FormFieldWrite, ServiceFormCreate
from smartcity.domains.registry import service as registry_service

CITIZEN = "citizen"

T, P, A = FieldCollection.typed, FieldCollection.prefilled, FieldCollection.attachment

# The catalog entries the forms map to: (entry name, provider abbreviation).
POPULATION = ("人口基础信息", "GAJ")
BIRTH = ("出生医学证明信息", "WJW")
MARRIAGE = ("婚姻登记信息", "MZJ")
RESIDENCE = ("流动人口居住登记信息", "GAJ")
REAL_ESTATE = ("不动产登记信息", "BDC")
INSURANCE = ("社会保险参保信息", "RSJ")
MEDICAL = ("基本医疗保险参保信息", "YBJ")
ASSISTANCE = ("城乡低保对象信息", "MZJ")
FUND = ("住房公积金缴存信息", "GJJ")
FUND_LOAN = ("住房公积金贷款信息", "GJJ")
HOUSING = ("保障性住房申请及配租信息", "ZJJ")
CORRECTION = ("社区矫正对象信息", "SFJ")

Source = tuple[tuple[str, str], str] | str
"""A field's source: (entry, item name), or the reason only the applicant can supply it."""


@dataclass(frozen=True)
class DemoForm:
    code: str
    name: str
    department: str
    channel: FormChannel
    description: str
    fields: tuple[tuple[str, Source, FieldCollection], ...]


FORMS: tuple[DemoForm, ...] = (
    DemoForm("SX01", "新生儿入户", "GAJ", FormChannel.counter, "新生儿出生后申报户口登记。", (
        ("新生儿姓名", (BIRTH, "新生儿姓名"), T),
        ("出生时间", (BIRTH, "出生时间"), P),
        ("出生医学证明", (BIRTH, "出生医学证明编号"), A),
        ("父亲姓名", (POPULATION, "姓名"), P),
        ("父亲公民身份号码", (POPULATION, "公民身份号码"), P),
        ("母亲姓名", (BIRTH, "母亲姓名"), P),
        ("申报户籍地址", (POPULATION, "户籍地址"), T),
        ("结婚证", (MARRIAGE, "结婚证字号"), A),
        ("申报人签名", "申报人本人签署确认", T),
    )),
    DemoForm("SX02", "居住证办理", "GAJ", FormChannel.online, "非本市户籍人员申领居住证。", (
        ("姓名", (POPULATION, "姓名"), P),
        ("公民身份号码", (POPULATION, "公民身份号码"), P),
        ("居住地址", (POPULATION, "现住址"), P),
        ("居住事由", (RESIDENCE, "居住事由"), T),
        ("联系电话", (POPULATION, "联系电话"), P),
        ("就业单位", (INSURANCE, "参保单位名称"), T),
        ("本人近期免冠照片", "须现场采集或本人上传的近期照片", A),
    )),
    DemoForm("SX03", "企业开办", "SCJG", FormChannel.online, "企业设立登记一窗通办。", (
        ("拟设立企业名称", "申请人自主申报的企业名称", T),
        ("住所（经营场所）证明", (REAL_ESTATE, "房屋坐落"), A),
        ("法定代表人姓名", (POPULATION, "姓名"), T),
        ("法定代表人公民身份号码", (POPULATION, "公民身份号码"), T),
        ("法定代表人联系电话", (POPULATION, "联系电话"), P),
        ("注册资本", "投资人认缴的出资额", T),
        ("经营范围", "申请人自主选择的经营项目", T),
    )),
    DemoForm("SX04", "不动产转移登记", "BDC", FormChannel.counter, "房屋买卖、赠与等转移登记。", (
        ("权利人姓名", (POPULATION, "姓名"), P),
        ("权利人证件号码", (POPULATION, "公民身份号码"), T),
        ("不动产权证书号", (REAL_ESTATE, "不动产权证书号"), P),
        ("房屋坐落", (REAL_ESTATE, "房屋坐落"), P),
        ("婚姻状况证明", (POPULATION, "婚姻状况"), A),
        ("登记原因", "当事人申请登记的原因", T),
    )),
    DemoForm("SX05", "城乡居民医保参保登记", "YBJ", FormChannel.mobile, "城乡居民医保参保。", (
        ("姓名", (POPULATION, "姓名"), P),
        ("公民身份号码", (POPULATION, "公民身份号码"), P),
        ("户籍地址", (POPULATION, "户籍地址"), P),
        ("参保状态", (MEDICAL, "参保状态"), P),
        ("联系电话", (POPULATION, "联系电话"), T),
        ("缴费档次", "参保人自主选择", T),
    )),
    DemoForm("SX06", "公共租赁住房申请", "ZJJ", FormChannel.online, "住房困难家庭申请公租房。", (
        ("申请人姓名", (POPULATION, "姓名"), P),
        ("公民身份号码", (POPULATION, "公民身份号码"), P),
        ("户口簿（户籍地址）", (POPULATION, "户籍地址"), A),
        ("家庭人数", (HOUSING, "家庭人数"), T),
        ("收入证明（公积金缴存基数）", (FUND, "公积金缴存基数"), A),
        ("无房证明", (REAL_ESTATE, "不动产权证书号"), A),
        ("低保救助类别", (ASSISTANCE, "救助对象类别"), P),
        ("是否为社区矫正对象", (CORRECTION, "问题类型"), T),
        ("申请承诺书", "申请人本人签署的如实申报承诺", A),
    )),
    DemoForm("SX07", "困难残疾人生活补贴申领", "MZJ", FormChannel.counter, "残疾人两项补贴之一。", (
        ("姓名", (POPULATION, "姓名"), P),
        ("公民身份号码", (POPULATION, "公民身份号码"), P),
        ("户籍地址", (POPULATION, "户籍地址"), P),
        ("救助对象类别", (ASSISTANCE, "救助对象类别"), P),
        ("残疾人证", "残疾人证信息尚未编入资源目录，由申请人提供", A),
        ("收款银行账号", "申请人本人选择的收款账户", T),
    )),
    DemoForm("SX08", "个体工商户注册登记", "SCJG", FormChannel.mobile, "个体工商户设立登记。", (
        ("经营者姓名", (POPULATION, "姓名"), P),
        ("经营者公民身份号码", (POPULATION, "公民身份号码"), P),
        ("经营场所证明", (REAL_ESTATE, "房屋坐落"), A),
        ("联系电话", (POPULATION, "联系电话"), T),
        ("字号名称", "经营者自主申报", T),
        ("经营范围", "经营者自主选择", T),
    )),
    DemoForm("SX09", "社会保障卡申领", "RSJ", FormChannel.mobile, "第三代社会保障卡申领。", (
        ("姓名", (POPULATION, "姓名"), P),
        ("公民身份号码", (POPULATION, "公民身份号码"), P),
        ("社会保障号码", (INSURANCE, "社会保障号码"), P),
        ("参保单位名称", (INSURANCE, "参保单位名称"), P),
        ("户籍地址", (POPULATION, "户籍地址"), T),
        ("本人照片", "须本人上传符合制卡标准的照片", A),
    )),
    DemoForm("SX10", "二手房交易网签备案", "ZJJ", FormChannel.counter, "存量房买卖合同网签备案。", (
        ("卖方姓名", (POPULATION, "姓名"), P),
        ("卖方公民身份号码", (POPULATION, "公民身份号码"), T),
        ("不动产权证书号", (REAL_ESTATE, "不动产权证书号"), T),
        ("房屋坐落", (REAL_ESTATE, "房屋坐落"), P),
        ("建筑面积", (REAL_ESTATE, "建筑面积"), P),
        ("买方婚姻状况证明", (POPULATION, "婚姻状况"), A),
        ("公积金贷款金额", (FUND_LOAN, "公积金贷款金额"), P),
        ("成交价格", "买卖双方约定", T),
    )),
    DemoForm("SX11", "结婚登记预约", "MZJ", FormChannel.online, "婚姻登记网上预约。", (
        ("男方姓名", (POPULATION, "姓名"), P),
        ("男方公民身份号码", (POPULATION, "公民身份号码"), P),
        ("女方姓名", (POPULATION, "姓名"), P),
        ("女方公民身份号码", (POPULATION, "公民身份号码"), P),
        ("户口簿（户籍地址）", (POPULATION, "户籍地址"), A),
        ("无配偶声明", "《婚姻登记条例》要求当事人本人签署声明", A),
        ("预约日期", "当事人自主选择", T),
    )),
    DemoForm("SX12", "义务教育学校入学报名", "JYJ", FormChannel.mobile, "小学、初中新生报名。", (
        ("学生姓名", (POPULATION, "姓名"), P),
        ("学生公民身份号码", (POPULATION, "公民身份号码"), P),
        ("户口簿（户籍地址）", (POPULATION, "户籍地址"), A),
        ("现住址", (POPULATION, "现住址"), T),
        ("房产证明", (REAL_ESTATE, "房屋坐落"), A),
        ("监护人姓名", (POPULATION, "姓名"), T),
        ("意向学校", "家长自主选择", T),
    )),
)  # fmt: skip

CASE = ("SX06", "户口簿（户籍地址）", "户口簿复印件",
        "在政务服务中心申请公租房时，窗口要求提交户口簿复印件，但户籍信息公安部门已有，"
        "平台也能共享。")  # fmt: skip
"""The demo citizen's case: form code suffix, field label, which data, what happened."""


def _entry_ids(session: Session, city_code: Callable[[str], str]) -> dict[tuple[str, str], UUID]:
    wanted = {
        source[0] for form in FORMS for _, source, _ in form.fields if isinstance(source, tuple)
    }
    found: dict[tuple[str, str], UUID] = {}
    for name, abbr in wanted:
        provider = registry_service.find_organization_by_code(session, city_code(abbr))
        entry = (
            catalog_service.find_published_entry(
                session, name=name, provider_organization_id=provider.id
            )
            if provider is not None
            else None
        )
        if entry is not None:
            found[(name, abbr)] = entry.id
    return found


def _fields(form: DemoForm, entries: dict[tuple[str, str], UUID]) -> list[FormFieldWrite]:
    fields = []
    for label, source, collection in form.fields:
        if isinstance(source, str):
            fields.append(
                FormFieldWrite(
                    label=label,
                    applicant_only=True,
                    applicant_only_reason=source,
                    collection=collection,
                )
            )
            continue
        entry, item = source
        if entry not in entries:  # the catalog lacks it (a trimmed demo): leave the field out
            continue
        fields.append(
            FormFieldWrite(
                label=label, entry_id=entries[entry], item_name=item, collection=collection
            )
        )
    return fields


def form_code(city_code: Callable[[str], str], form: DemoForm) -> str:
    return f"{city_code(form.department)}-{form.code}"


def load(session: Session, *, city_code: Callable[[str], str]) -> int:
    """Register the demo forms that are missing and file the demo citizen's case (in the
    caller's transaction); return how many forms were registered."""
    entries = _entry_ids(session, city_code)
    made = 0
    for form in FORMS:
        code = form_code(city_code, form)
        if service.find_form_by_code(session, code) is not None:
            continue
        department = registry_service.find_organization_by_code(session, city_code(form.department))
        if department is None:
            continue
        service.create_form(
            session,
            actor=SYSTEM,
            data=ServiceFormCreate(
                code=code,
                name=form.name,
                organization_id=department.id,
                channel=form.channel,
                description=form.description,
                fields=_fields(form, entries),
            ),
        )
        made += 1
    file_case(session, city_code=city_code)
    return made


def file_case(session: Session, *, city_code: Callable[[str], str]) -> bool:
    """The demo citizen's "asked again" case on 公租房申请, unless he has one; whether one
    was filed."""
    user = identity_service.find_user_by_username(session, CITIZEN)
    if user is None:
        return False
    citizen = identity_service.actor_for_user(user)
    if service.my_cases(session, actor=citizen, page=PageParams(size=1)).total:
        return False
    suffix, label, data_text, description = CASE
    department = next(f.department for f in FORMS if f.code == suffix)
    form = service.find_form_by_code(session, f"{city_code(department)}-{suffix}")
    if form is None:
        return False
    field = next((f for f in form.fields if f.label == label), None)
    service.report_case(
        session,
        actor=citizen,
        data=CaseCreate(
            form_id=form.id,
            field_id=field.id if field is not None else None,
            data_text=data_text,
            description=description,
        ),
    )
    return True
