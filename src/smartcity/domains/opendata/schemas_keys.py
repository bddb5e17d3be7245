"""Schemas of the open data API keys (Art. 31)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import Field

from smartcity.core.schemas import Schema


class ApiKeyCreate(Schema):
    name: Annotated[str, Field(min_length=1, max_length=100, description="用途，如 “公交数据分析”")]


class ApiKeyRead(Schema):
    id: UUID
    name: str
    prefix: str = Field(description="密钥前缀（用于辨认，不能用于调用）")
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyRead):
    key: str = Field(description="完整密钥：只显示这一次，请妥善保存")
