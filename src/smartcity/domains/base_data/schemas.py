"""Pydantic schemas of the base databases: tables and fields, loads and their errors,
records with per-value provenance (一数一源) and history.

The enums and Chinese labels of loads are re-exported here, so the API and the
pages use them without importing ``models``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Self
from uuid import UUID

from pydantic import ConfigDict, Field

from smartcity.core.schemas import Schema
from smartcity.domains.base_data.models import (
    LOAD_MODE_LABELS,
    LOAD_STATUS_LABELS,
    MAX_STORED_ERRORS,
    ON_ERROR_LABELS,
    LoadMode,
    LoadStatus,
    OnError,
    TableStatus,
)
from smartcity.domains.base_data.spec import FIELD_RULE_LABELS, FieldRule, FieldType

__all__ = [
    "FIELD_RULE_LABELS",
    "LOAD_MODE_LABELS",
    "LOAD_STATUS_LABELS",
    "MAX_STORED_ERRORS",
    "ON_ERROR_LABELS",
    "ErrorSummaryRow",
    "FieldRead",
    "FieldRule",
    "FieldType",
    "FieldUpdate",
    "HistoryEntryRead",
    "LoadCreate",
    "LoadErrorRead",
    "LoadMode",
    "LoadProgressRead",
    "LoadRead",
    "LoadStatus",
    "OnError",
    "RecordRead",
    "SourcedValueRead",
    "TableRead",
    "TableStatus",
    "TableSummary",
]


def _name(names: Mapping[UUID, str], organization_id: UUID) -> str:
    return names.get(organization_id, "")


class FieldRead(Schema):
    """One column of a base table: its rule and its one source department (一数一源)."""

    name: str = Field(description="信息项名称，也是装载文件的列名")
    column: str = Field(description="数据表中的列名")
    position: int
    type: FieldType
    rule: FieldRule
    required: bool
    key: bool = Field(description="是否为主键的一部分")
    max_length: int | None
    enumeration: dict[str, str] = Field(description="代码表（代码 → 名称）")
    is_personal: bool
    source_organization_id: UUID = Field(description="数据源部门")
    source_organization: str = Field(description="数据源部门名称")
    retired: bool = Field(description="信息项已从目录中删除，列保留以便查阅历史")

    @classmethod
    def of(cls, field: Any, names: Mapping[UUID, str]) -> Self:
        return cls(
            name=field.name,
            column=field.column_name,
            position=field.position,
            type=field.type,
            rule=field.rule,
            required=field.required,
            key=field.is_key,
            max_length=field.max_length,
            enumeration=dict(field.enumeration or {}),
            is_personal=field.is_personal,
            source_organization_id=field.source_organization_id,
            source_organization=_name(names, field.source_organization_id),
            retired=field.retired,
        )


class FieldUpdate(Schema):
    """PATCH body of a field: only the members present change."""

    source_organization_id: UUID | None = Field(
        default=None, description="新的数据源部门（一数一源）"
    )
    rule: FieldRule | None = None
    required: bool | None = None
    enumeration: dict[str, str] | None = Field(default=None, description="代码表（代码 → 名称）")


class TableSummary(Schema):
    """A base table built from a published catalog entry."""

    id: UUID
    table_name: str = Field(description="数据表名，如 bd_population；API 路径中用它指代表")
    name: str = Field(description="目录资源名称")
    base_database: str
    status: TableStatus
    entry_id: UUID
    entry_version: int
    provider_organization_id: UUID
    provider_organization: str
    update_cycle: str
    row_count: int
    last_loaded_at: datetime | None
    key_fields: list[str] = Field(description="主键字段名称，复合主键按顺序")

    @classmethod
    def values_of(cls, table: Any, names: Mapping[UUID, str]) -> dict[str, Any]:
        return {
            "id": table.id,
            "table_name": table.table_name,
            "name": table.name,
            "base_database": table.base_database,
            "status": table.status,
            "entry_id": table.entry_id,
            "entry_version": table.entry_version,
            "provider_organization_id": table.provider_organization_id,
            "provider_organization": _name(names, table.provider_organization_id),
            "update_cycle": table.update_cycle,
            "row_count": table.row_count,
            "last_loaded_at": table.last_loaded_at,
            "key_fields": [f.name for f in table.fields if f.is_key and not f.retired],
        }

    @classmethod
    def of(cls, table: Any, names: Mapping[UUID, str]) -> Self:
        """``table.fields`` must be loaded (the service's table functions do)."""
        return cls(**cls.values_of(table, names))


class TableRead(TableSummary):
    """A base table with all its fields, retired ones included."""

    datum: str = Field(description="坐标参照系（空间数据）")
    fields: list[FieldRead]

    @classmethod
    def of(cls, table: Any, names: Mapping[UUID, str]) -> Self:
        return cls(
            **cls.values_of(table, names),
            datum=table.datum,
            fields=[FieldRead.of(f, names) for f in table.fields],
        )


class LoadCreate(Schema):
    """The form fields of an upload (``multipart/form-data`` beside ``file``)."""

    mode: LoadMode = Field(
        default=LoadMode.upsert,
        description="insert 新增 / upsert 新增或更新 / delete 删除 / replace 全量替换",
    )
    on_error: OnError = Field(
        default=OnError.reject,
        description="reject 有错误则整批不入库 / quarantine 合格行入库、错误行隔离",
    )
    organization_id: UUID | None = Field(
        default=None,
        description="提交部门（默认本人所在部门；代其他部门装载须平台主管部门权限）",
    )


class LoadProgressRead(Schema):
    """Where a running load stands (only while it runs in the serving process)."""

    phase: str = Field(description="reading 读取校验 / indexing 建索引 / finishing 收尾 / done")
    rows_done: int
    bytes_done: int
    total_bytes: int
    total_rows: int | None
    percent: float = Field(description="已读取字节的百分比")

    @classmethod
    def of(cls, progress: Any) -> Self:
        total = progress.total_bytes or 0
        percent = min(100.0, 100.0 * progress.bytes_done / total) if total else 0.0
        return cls(
            phase=progress.phase,
            rows_done=progress.rows_done,
            bytes_done=progress.bytes_done,
            total_bytes=total,
            total_rows=progress.total_rows,
            percent=round(percent, 1),
        )


_LOAD_ATTRIBUTES = (
    "id",
    "table_id",
    "organization_id",
    "actor_name",
    "mode",
    "on_error",
    "filename",
    "file_format",
    "encoding",
    "file_bytes",
    "status",
    "started_at",
    "finished_at",
    "rows_read",
    "rows_inserted",
    "rows_updated",
    "rows_deleted",
    "rows_unchanged",
    "rows_invalid",
    "error_count",
    "message",
)


class LoadRead(Schema):
    """One load: its outcome once finished, its live progress while running."""

    id: int
    table_id: UUID
    table_name: str
    organization_id: UUID = Field(description="提交部门")
    organization: str = Field(description="提交部门名称")
    actor_name: str = Field(description="操作人")
    mode: LoadMode
    on_error: OnError
    filename: str
    file_format: str
    encoding: str
    file_bytes: int
    status: LoadStatus
    started_at: datetime
    finished_at: datetime | None
    rows_read: int
    rows_inserted: int
    rows_updated: int
    rows_deleted: int
    rows_unchanged: int
    rows_invalid: int = Field(description="出错（被拒收或隔离）的行数")
    error_count: int = Field(description="错误总数（错误报告最多保存 100,000 条）")
    refused_fields: list[str] = Field(description="因一数一源被拒收的字段")
    message: str
    progress: LoadProgressRead | None = None

    @property
    def running(self) -> bool:
        return self.status is LoadStatus.running

    @property
    def stored_errors(self) -> int:
        """How many errors the report holds (the count is exact, the list capped)."""
        return min(self.error_count, MAX_STORED_ERRORS)

    @classmethod
    def of(
        cls,
        load: Any,
        *,
        table_name: str,
        organization: str,
        progress: LoadProgressRead | None = None,
    ) -> Self:
        values = {name: getattr(load, name) for name in _LOAD_ATTRIBUTES}
        return cls(
            **values,
            refused_fields=list(load.refused_fields or []),
            table_name=table_name,
            organization=organization,
            progress=progress,
        )


class LoadErrorRead(Schema):
    """One invalid value: row (as Excel numbers it, header = 1), column, value, reason."""

    # The value exactly as the file had it: surrounding spaces may be the error.
    model_config = ConfigDict(**{**Schema.model_config, "str_strip_whitespace": False})

    row: int
    column: str
    value: str
    reason: str


class ErrorSummaryRow(Schema):
    column: str
    reason: str
    count: int

    @classmethod
    def rows(cls, summary: Iterable[tuple[str, str, int]]) -> list[Self]:
        return [cls(column=c, reason=r, count=n) for c, r, n in summary]


class SourcedValueRead(Schema):
    """One stored value and where it comes from."""

    value: Any
    source_organization_id: UUID = Field(description="数据源部门")
    source_organization: str = Field(description="数据源部门名称")
    load_id: int = Field(description="最近写入该值的装载")
    updated_at: datetime | None = Field(description="最近更新时间")


class RecordRead(Schema):
    """A record of a base table, each value with its provenance (by field name)."""

    table_name: str
    key: str = Field(description="主键；复合主键以 | 连接")
    datum: str = Field(
        default="", description="坐标和几何图形所用的坐标系（存储为 WGS84，可按请求转换为 GCJ02）"
    )
    values: dict[str, SourcedValueRead]

    @classmethod
    def of(cls, record: Any) -> Self:
        return cls(
            table_name=record.table_name,
            key=record.key,
            datum=record.datum,
            values={
                name: SourcedValueRead(
                    value=v.value,
                    source_organization_id=v.source_organization_id,
                    source_organization=v.source_name,
                    load_id=v.load_id,
                    updated_at=v.updated_at,
                )
                for name, v in record.values.items()
            },
        )


class HistoryEntryRead(Schema):
    """What the record looked like before one load changed or deleted it."""

    load_id: int
    operation: str = Field(description="update 修改 / delete 删除")
    before: dict[str, Any] = Field(description="修改前的值（按字段名称）")
    changed: list[str] = Field(description="被修改的字段")
    changed_at: datetime | None
    changed_by: str = Field(description="操作人")
    organization: str = Field(description="提交部门")

    @classmethod
    def of(cls, entry: Any) -> Self:
        return cls(
            load_id=entry.load_id,
            operation=entry.operation,
            before=dict(entry.before),
            changed=list(entry.changed),
            changed_at=entry.changed_at,
            changed_by=entry.changed_by,
            organization=entry.organization_name,
        )
