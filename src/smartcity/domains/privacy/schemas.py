"""Pydantic schemas of the data subject's rights (Art. 68)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from pydantic import Field

from smartcity.core.schemas import QueryFilter, Schema
from smartcity.domains.privacy.enums import DataRequestKind, DataRequestState, SubjectKind


class BindingRead(Schema):
    user_id: UUID
    kind: SubjectKind
    subject_key_masked: str = Field(description="脱敏后的公民身份号码或统一社会信用代码")


class HeldValue(Schema):
    """One value the platform holds, with its one source (一数一源) and last update."""

    field: str
    value: Any
    source_name: str
    updated_at: datetime | None


class HeldRecord(Schema):
    """The record one base-data table holds about the subject."""

    table_name: str
    table_title: str
    base_database: str
    provider_name: str
    values: list[HeldValue]


class HeldResource(Schema):
    """A catalog resource whose information items identify subjects of the reader's kind
    (natural persons or legal entities), kept by its provider department outside the
    base databases: the catalog's account of data about people like the reader."""

    resource_code: str = Field(description="资源代码")
    name: str = Field(description="资源名称")
    provider_name: str = Field(description="提供部门")
    update_cycle: str = Field(description="更新周期")
    updated_at: datetime | None = Field(description="目录信息最近更新（发布）时间")
    items: list[str] = Field(description="可识别或涉及个人的信息项")


class MyRecordsRead(Schema):
    kind: SubjectKind
    subject_key_masked: str
    records: list[HeldRecord]
    resources: list[HeldResource] = Field(
        default_factory=list,
        description="目录中登记的、其信息项可识别您这类主体的其他数据资源（由提供部门保存）",
    )


class MyCallRead(Schema):
    """One exchange call on the subject's data, as the subject sees it."""

    occurred: datetime | None = Field(default=None, description="调用时间")
    organization_name: str = Field(description="调用单位")
    operation: str
    operation_label: str = Field(description="调用方式（中文）")
    resource: str
    purpose: str = Field(description="共享授权的用途")
    scenario: str = Field(description="服务事项")
    case_reference: str = Field(description="办件编号")
    result: str
    result_label: str
    bulk: bool = Field(description="批量下载（含全部记录）：日志不逐一记录主体的文件交换")


class DeferralCreate(Schema):
    """A lawful deferral as entered. Every field is optional here so the service can
    refuse a missing legal basis or end date with its own clear message."""

    organization_id: UUID | None = None
    grant_id: UUID | None = None
    case_reference: str = Field(default="", max_length=100)
    subject_key: str = Field(default="", max_length=32)
    legal_basis_id: UUID | None = None
    starts_on: date | None = Field(
        default=None,
        description="隐藏自该日起的查询（北京时间），默认登记当日；更早的开始日期须有依据",
    )
    ends_on: date | None = None
    reason: str = Field(default="", max_length=2000)


class DeferralEnd(Schema):
    """Ending a deferral early: why (the ground has lapsed)."""

    reason: str = Field(default="", max_length=2000)


class DeferralRead(Schema):
    id: UUID
    organization_id: UUID
    organization_name: str
    grant_id: UUID | None
    case_reference: str
    subject_key_masked: str
    legal_basis_id: UUID
    legal_basis_citation: str
    starts_on: date = Field(description="隐藏自该日起的查询")
    ends_on: date
    active: bool
    reason: str
    created_by_name: str
    created_at: datetime


class DataRequestCreate(Schema):
    """A correction or deletion request as the subject enters it. The subject key is
    never an input: it is the filer's binding. Fields default to empty so the service
    can refuse a missing claim or reason with its own message."""

    kind: DataRequestKind
    table_name: str = Field(max_length=63, description="基础库数据表（我的数据中所列）")
    field_name: str = Field(
        default="", max_length=100, description="信息项；删除申请留空表示删除整条记录"
    )
    claimed_value: str = Field(default="", max_length=2000, description="更正：正确的值")
    reason: str = Field(default="", max_length=2000, description="理由（删除申请必填）")


class DataRequestAnswer(Schema):
    """The source department's answer: corrected, partially or refused (the last two
    citing a registered legal basis)."""

    outcome: DataRequestState
    answer: str = Field(default="", max_length=4000, description="答复意见")
    refusal_basis_id: UUID | None = None


class DataRequestFilter(QueryFilter):
    open_only: bool = False
    overdue_only: bool = False


class EvidenceRead(Schema):
    """An evidence file attached to a request: what it is, not its content (downloaded
    separately, audited)."""

    id: UUID
    filename: str = Field(description="文件名")
    media_type: str = Field(
        description="按文件内容识别的类型：application/pdf、image/jpeg、image/png"
    )
    size: int = Field(description="字节数")
    sm3: str = Field(description="SM3 摘要（十六进制）")
    sha256: str = Field(description="SHA-256 摘要（十六进制）")


class DataRequestRead(Schema):
    """A request with its clock, as the subject, the source department and the
    coordinator see it (the key masked except for the source department)."""

    id: UUID
    number: str
    kind: DataRequestKind
    kind_label: str
    subject_key: str = Field(description="数据主体；来源部门以外脱敏显示")
    table_name: str
    table_title: str
    field_name: str
    current_value: str
    claimed_value: str
    reason: str
    source_organization_id: UUID
    source_organization_name: str
    state: DataRequestState
    state_label: str
    submitted_at: datetime
    due_at: datetime
    due_date: date
    working_days_left: int | None = Field(description="剩余工作日（逾期为负）；已办结为空")
    overdue: bool
    clock_label: str
    answered_at: datetime | None
    answered_by_name: str
    answer: str
    refusal_basis_id: UUID | None
    refusal_basis_citation: str
    withdrawn_at: datetime | None
    filed_by_name: str
    evidence: list[EvidenceRead] = Field(default_factory=list, description="证明材料")
