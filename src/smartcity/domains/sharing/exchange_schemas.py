"""Schemas of the exchange API (Art. 26): records with per-value provenance and masking,
the batch request, and the exchange log with its verification report."""

from __future__ import annotations

import json
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import ConfigDict, Field

from smartcity.core.schemas import QueryFilter, Schema

MAX_BATCH_KEYS = 1000
MAX_QUERY_SIZE = 500
MAX_CHANGES_LIMIT = 1000
MAX_FILTERS = 20
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


RecordKey = Annotated[
    str,
    Field(
        description=(
            "主键。授权对主键所含信息项脱敏时，筛选查询与变更中为脱敏后的主键"
            "（用 ref 识别记录）；单条与批量查询中为调用方提交的主键"
        )
    ),
]
RecordRef = Annotated[
    str,
    Field(
        description=(
            "记录标识：主键在本授权下的假名（HMAC-SM3，32 位十六进制），同一授权下稳定、"
            "不同授权间不可关联；授权对主键脱敏时以它识别记录（含变更通知的 stale_keys）"
        )
    ),
]


class ExchangeRecordRead(Schema):
    """One requested key: its granted values, or ``found: false``."""

    key: RecordKey
    ref: RecordRef = ""
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


FilterScalar = str | int | float | bool | None
FilterValue = FilterScalar | Annotated[list[FilterScalar], Field(max_length=MAX_BATCH_KEYS)]


class ExchangeQueryRequest(Schema):
    """Filtered query with paging (``query`` mode): ``filters`` maps granted items to a
    value (equality; ``null`` matches empty values) or a list of values (any of them).
    Records come back ordered by key; ``fields`` defaults to every granted item."""

    filters: Annotated[dict[str, FilterValue], Field(max_length=MAX_FILTERS)] = Field(
        default_factory=dict, description="信息项 → 值（相等）或值列表（任一）"
    )
    page: Annotated[int, Field(ge=1, le=1_000_000)] = 1
    size: Annotated[int, Field(ge=1, le=MAX_QUERY_SIZE)] = 50
    fields: list[str] | None = None


class ExchangeQueryResultRead(Schema):
    """One page of a filtered query: granted values, masked as in a lookup."""

    grant_id: UUID
    case_reference: str
    fields: list[str] = Field(description="返回的信息项")
    total: int = Field(description="符合条件的记录总数")
    page: int
    size: int
    key_masked: bool = Field(
        default=False,
        description="授权是否对主键脱敏（是：key 为脱敏后的主键，以 ref 识别记录）",
    )
    records: list[ExchangeRecordRead]
    log_seq: int = Field(description="本次调用在交换日志中的序号")


class ExchangeChangeRead(Schema):
    """One change: a record inserted or changed in a granted item (``upsert``, with its
    current granted values, masked as in a lookup) or deleted (``delete``, key only)."""

    key: RecordKey
    ref: RecordRef = ""
    operation: Literal["upsert", "delete"]
    load_id: int = Field(description="作出该变更的基础库加载批次")
    values: dict[str, ExchangeValueRead] = Field(default_factory=dict)


class ExchangeChangesRead(Schema):
    """Changes after a cursor, oldest load first; pass ``next_cursor`` to continue."""

    grant_id: UUID
    case_reference: str
    fields: list[str] = Field(description="返回的信息项（授权的全部信息项）")
    cursor: str = Field(description="本次请求的游标")
    next_cursor: str = Field(
        description=(
            "下次请求的游标：全部取完时为已覆盖的最大加载批次号（整数）；"
            "还有剩余（has_more）时为“批次号:d|u:主键”，从同一批次中该条之后继续"
            "（授权对主键脱敏时，其中的主键经 SM4 加密，原样传回即可）"
        )
    )
    has_more: bool = Field(description="是否还有变更未返回（立即用 next_cursor 继续）")
    key_masked: bool = Field(
        default=False,
        description="授权是否对主键脱敏（是：key 为脱敏后的主键，以 ref 识别记录）",
    )
    changes: list[ExchangeChangeRead]
    log_seq: int = Field(description="本次调用在交换日志中的序号")


class ExchangeLogSide(StrEnum):
    """Which of a department's calls: those it made, or those made on its data."""

    consumer = "consumer"  # calls the actor's organization made
    provider = "provider"  # calls made under grants of the organization's resources


class ExchangeLogFilter(QueryFilter):
    side: ExchangeLogSide | None = Field(
        default=None,
        description="consumer：本部门作为使用方的调用；provider：使用本部门所提供资源的调用",
    )
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


class ExchangeLogLine(ExchangeLogEntryRead):
    """An entry as the exchange-log page shows it: with the names behind its ids."""

    occurred: datetime | None = Field(default=None, description="调用时间（occurred_at 解析后）")
    consumer_organization_name: str = Field(default="", description="使用部门名称")
    caller_name: str = Field(default="", description="调用的用户或接入系统（API 客户端）名称")
    grant_number: str = Field(default="", description="授权编号（读者可见该授权时）")


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
