"""Pydantic schemas of the data subject's rights (Art. 68)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from pydantic import Field

from smartcity.core.schemas import Schema
from smartcity.domains.privacy.enums import SubjectKind


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


class MyRecordsRead(Schema):
    kind: SubjectKind
    subject_key_masked: str
    records: list[HeldRecord]


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
    ends_on: date | None = None
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
    ends_on: date
    active: bool
    reason: str
    created_by_name: str
    created_at: datetime
