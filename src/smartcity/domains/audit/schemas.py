"""Schemas of the audit domain."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import Field, field_validator

from smartcity.core.schemas import QueryFilter, Schema
from smartcity.core.time import CHINA


class AuditEventRead(Schema):
    seq: int
    occurred_at: datetime
    actor_kind: str
    actor_id: UUID | None
    actor_name: str
    organization_id: UUID | None
    action: str
    subject_type: str
    subject_id: str
    subject_label: str
    changes: dict[str, Any] = Field(validation_alias="changes_dict")
    request_id: str
    ip: str
    prev_hash: str
    entry_hash: str


class AuditEventFilter(QueryFilter):
    action: str | None = Field(default=None, max_length=100, description="动作前缀，如 registry.")
    actor_id: UUID | None = None
    organization_id: UUID | None = None
    subject_type: str | None = Field(default=None, max_length=64)
    subject_id: str | None = Field(default=None, max_length=64)
    since: datetime | None = Field(default=None, description="起始时间；不带时区时按北京时间")
    until: datetime | None = Field(
        default=None, description="截止时间（不含）；不带时区时按北京时间"
    )
    q: str | None = Field(default=None, max_length=100, description="在对象名称、操作者中搜索")

    @field_validator("since", "until")
    @classmethod
    def _zone_less_is_china_time(cls, value: datetime | None) -> datetime | None:
        """``2026-11-28`` or ``2026-11-28T08:00`` means Beijing time: the stored column
        needs an aware time, and a naive one would otherwise fail as a 500."""
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=CHINA)
        return value


class ChainBreakRead(Schema):
    seq: int
    kind: str
    message: str


class VerifyReport(Schema):
    ok: bool
    checked: int
    head_seq: int
    head_hash: str
    first_break: ChainBreakRead | None
    anchors_checked: int = 0


class AnchorRead(Schema):
    seq: int
    entry_hash: str
    created_at: datetime
    note: str
