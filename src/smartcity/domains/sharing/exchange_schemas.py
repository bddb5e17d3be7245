"""Schemas of the exchange API (Art. 26): records with per-value provenance and masking,
the batch request, and the exchange log with its verification report."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import ConfigDict, Field

from smartcity.core.schemas import Schema

MAX_BATCH_KEYS = 1000
CASE_REFERENCE_HEADER = "X-Case-Reference"


class ExchangeValueRead(Schema):
    """One value as the grant allows it to be seen."""

    value: Any = Field(description="值；超出授权密级或个人信息未获明文授权时为脱敏后的文本")
    masked: bool = Field(description="是否已脱敏")
    disputed: bool = Field(
        default=False, description="是否有待处理的更正申请（个人信息更正，由隐私模块设置）"
    )
    source_organization: str = Field(description="来源部门（一数一源）")
    source_organization_id: UUID
    updated_at: datetime | None = Field(description="该值最后更新时间")


class ExchangeRecordRead(Schema):
    """One requested key: its granted values, or ``found: false``."""

    key: str
    found: bool
    values: dict[str, ExchangeValueRead] = Field(default_factory=dict)


class ExchangeResultRead(Schema):
    """The answer to one exchange call."""

    grant_id: UUID
    case_reference: str
    datum: str = Field(default="", description="坐标系（有坐标字段时）")
    fields: list[str] = Field(description="返回的信息项")
    found: int
    missing: int
    records: list[ExchangeRecordRead]
    log_seq: int = Field(description="本次调用在交换日志中的序号")


class ExchangeBatchRequest(Schema):
    """Batch lookup: 2–1,000 keys (one key is a single lookup); ``fields`` defaults to
    every granted item. More keys are refused by the service (and logged)."""

    keys: Annotated[list[Annotated[str, Field(max_length=200)]], Field(min_length=1)]
    fields: list[str] | None = None


class ExchangeLogFilter(Schema):
    grant_id: UUID | None = None
    consumer_organization_id: UUID | None = None
    subject_key: Annotated[str, Field(max_length=32)] | None = None
    result: Annotated[str, Field(max_length=64)] | None = Field(
        default=None, description="ok，或问题代码"
    )
    operation: Annotated[str, Field(max_length=16)] | None = None
    case_reference: Annotated[str, Field(max_length=100)] | None = None
    since: datetime | None = None
    until: datetime | None = None


class ExchangeLogEntryRead(Schema):
    model_config = ConfigDict(from_attributes=True)

    seq: int
    occurred_at: str
    consumer_organization_id: str
    client_id: str
    user_id: str
    grant_id: str
    case_reference: str
    operation: str
    resource: str
    subject_keys: list[str]
    fields: list[str]
    result: str
    records: int
    latency_ms: int
    prev_hash: str
    entry_hash: str

    @classmethod
    def of(cls, entry: Any) -> ExchangeLogEntryRead:
        """From a stored entry, whose key and field lists are JSON text."""
        return cls(
            seq=entry.seq,
            occurred_at=entry.occurred_at,
            consumer_organization_id=entry.consumer_organization_id,
            client_id=entry.client_id,
            user_id=entry.user_id,
            grant_id=entry.grant_id,
            case_reference=entry.case_reference,
            operation=entry.operation,
            resource=entry.resource,
            subject_keys=json.loads(entry.subject_keys or "[]"),
            fields=json.loads(entry.fields or "[]"),
            result=entry.result,
            records=entry.records,
            latency_ms=entry.latency_ms,
            prev_hash=entry.prev_hash,
            entry_hash=entry.entry_hash,
        )


class ExchangeChainBreakRead(Schema):
    seq: int
    kind: str
    message: str


class ExchangeLogVerifyRead(Schema):
    ok: bool
    checked: int
    head_seq: int
    head_hash: str
    first_break: ExchangeChainBreakRead | None
