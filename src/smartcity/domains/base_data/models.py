"""Base-database bookkeeping: which tables exist, their columns, loads, errors, history.

The data itself lives in one real table per base-database resource (``bd_*``),
created and altered at run time from the catalog (``service.tables``); those
tables are not in ``Base.metadata`` and Alembic leaves them alone.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from sqlalchemy import (
    JSON,
    BigInteger,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smartcity.core.db.base import Base, Entity
from smartcity.core.time import utcnow
from smartcity.domains.base_data.spec import FieldRule, FieldType
from smartcity.domains.registry.models import Organization

#: Prefix of every run-time data table; Alembic's comparison skips these names.
DATA_TABLE_PREFIX = "bd_"
#: At most this many error rows are kept per load; the counts stay exact.
MAX_STORED_ERRORS = 100_000


def _enum(kind: type[Any], length: int = 16) -> Enum:
    return Enum(kind, native_enum=False, length=length)


class TableStatus(StrEnum):
    active = "active"
    retired = "retired"  # the catalog entry was withdrawn: kept for reading, not loadable


class LoadMode(StrEnum):
    """How a file changes the table (keys decide which record a row is)."""

    insert = "insert"  # every key must be new
    upsert = "upsert"  # new keys are inserted, existing ones updated
    delete = "delete"  # the keys listed are deleted
    full = "full"  # the file is the whole table: missing keys are deleted


LOAD_MODE_LABELS: dict[LoadMode, str] = {
    LoadMode.insert: "新增",
    LoadMode.upsert: "新增或更新",
    LoadMode.delete: "删除",
    LoadMode.full: "全量替换",
}


class OnError(StrEnum):
    reject = "reject"  # any invalid row: nothing is loaded
    quarantine = "quarantine"  # valid rows load, invalid ones are set aside


ON_ERROR_LABELS: dict[OnError, str] = {
    OnError.reject: "有错误则整批不入库",
    OnError.quarantine: "合格行入库，错误行隔离",
}


class LoadStatus(StrEnum):
    running = "running"
    succeeded = "succeeded"
    rejected = "rejected"  # validation errors under OnError.reject: nothing changed
    failed = "failed"  # the file could not be read, or another error: nothing changed
    interrupted = "interrupted"  # the process died: its transaction never committed


LOAD_STATUS_LABELS: dict[LoadStatus, str] = {
    LoadStatus.running: "进行中",
    LoadStatus.succeeded: "已完成",
    LoadStatus.rejected: "已拒绝（未入库）",
    LoadStatus.failed: "失败（未入库）",
    LoadStatus.interrupted: "已中断（未入库）",
}


class BaseTable(Entity):
    """A base-database resource made real: the ``bd_*`` table built from a catalog entry.

    ``entry_version`` is the catalog version the columns were last built from;
    publishing a new version adds the new items' columns (a removed item's column
    is kept, retired, so history and provenance remain readable).
    """

    __tablename__ = "base_data_table"

    entry_id: Mapped[UUID] = mapped_column(ForeignKey("catalog_entry.id"), unique=True)
    base_database: Mapped[str] = mapped_column(String(32), index=True)
    table_name: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    provider_organization_id: Mapped[UUID] = mapped_column(
        ForeignKey("registry_organization.id"), index=True
    )
    entry_version: Mapped[int] = mapped_column(Integer)
    update_cycle: Mapped[str] = mapped_column(String(16), default="")
    datum: Mapped[str] = mapped_column(
        String(16), default="", comment="Coordinate reference system of stored coordinates."
    )
    status: Mapped[TableStatus] = mapped_column(_enum(TableStatus), default=TableStatus.active)
    row_count: Mapped[int] = mapped_column(BigInteger, default=0)
    last_loaded_at: Mapped[datetime | None]

    provider: Mapped[Organization] = relationship(lazy="raise")
    fields: Mapped[list[BaseField]] = relationship(
        back_populates="table",
        lazy="raise",
        cascade="all, delete-orphan",
        order_by="BaseField.position",
    )

    @property
    def audit_label(self) -> str:
        return f"{self.table_name} {self.name}"


class BaseField(Entity):
    """One column of a base-database table and its one source department (一数一源)."""

    __tablename__ = "base_data_field"
    __table_args__ = (
        UniqueConstraint("table_id", "column_name"),
        UniqueConstraint("table_id", "name"),
    )

    table_id: Mapped[UUID] = mapped_column(ForeignKey("base_data_table.id"), index=True)
    item_id: Mapped[UUID | None] = mapped_column(comment="The catalog information item.")
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(100), comment="Item name = load-file header.")
    column_name: Mapped[str] = mapped_column(String(63))
    type: Mapped[FieldType] = mapped_column(_enum(FieldType))
    rule: Mapped[FieldRule] = mapped_column(_enum(FieldRule, 24), default=FieldRule.none)
    required: Mapped[bool] = mapped_column(default=False)
    is_key: Mapped[bool] = mapped_column(default=False)
    max_length: Mapped[int | None] = mapped_column(Integer)
    enumeration: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    grade_code: Mapped[str] = mapped_column(String(16), default="")
    is_personal: Mapped[bool] = mapped_column(default=False)
    source_organization_id: Mapped[UUID] = mapped_column(
        ForeignKey("registry_organization.id"), index=True
    )
    retired: Mapped[bool] = mapped_column(
        default=False, comment="The item left the catalog entry; the column stays for history."
    )

    table: Mapped[BaseTable] = relationship(back_populates="fields", lazy="raise")
    source: Mapped[Organization] = relationship(lazy="raise")


class Load(Base):
    """One bulk load of one file into one table, by one department.

    Its integer id is what each stored value carries as provenance (``_load_id``
    and ``<column>__load``). The row is written before the data transaction
    starts, so a load whose process dies stays visible (and is marked
    ``interrupted``); the data transaction updates it to its outcome atomically
    with the data.
    """

    __tablename__ = "base_data_load"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    table_id: Mapped[UUID] = mapped_column(ForeignKey("base_data_table.id"), index=True)
    organization_id: Mapped[UUID] = mapped_column(
        ForeignKey("registry_organization.id"), index=True, comment="The submitting department."
    )
    actor_id: Mapped[UUID | None]
    actor_name: Mapped[str] = mapped_column(String(100), default="")
    mode: Mapped[LoadMode] = mapped_column(_enum(LoadMode))
    on_error: Mapped[OnError] = mapped_column(_enum(OnError))
    filename: Mapped[str] = mapped_column(String(255), default="")
    file_format: Mapped[str] = mapped_column(String(16), default="")
    encoding: Mapped[str] = mapped_column(String(16), default="")
    file_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[LoadStatus] = mapped_column(
        _enum(LoadStatus), default=LoadStatus.running, index=True
    )
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    rows_read: Mapped[int] = mapped_column(BigInteger, default=0)
    rows_inserted: Mapped[int] = mapped_column(BigInteger, default=0)
    rows_updated: Mapped[int] = mapped_column(BigInteger, default=0)
    rows_deleted: Mapped[int] = mapped_column(BigInteger, default=0)
    rows_unchanged: Mapped[int] = mapped_column(BigInteger, default=0)
    rows_invalid: Mapped[int] = mapped_column(BigInteger, default=0)
    error_count: Mapped[int] = mapped_column(BigInteger, default=0)
    refused_fields: Mapped[list[str]] = mapped_column(
        JSON, default=list, comment="Fields of another source department (一数一源)."
    )
    message: Mapped[str] = mapped_column(Text, default="")
    process_id: Mapped[int | None] = mapped_column(Integer)
    host: Mapped[str] = mapped_column(String(255), default="")

    table: Mapped[BaseTable] = relationship(lazy="raise")
    organization: Mapped[Organization] = relationship(lazy="raise")

    @property
    def audit_label(self) -> str:
        return f"第 {self.id} 次装载 {self.filename}"


class LoadError(Base):
    """One invalid value of a load: row, column, value, reason (the error report)."""

    __tablename__ = "base_data_load_error"
    __table_args__ = (Index("ix_base_data_load_error_load_row", "load_id", "row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    load_id: Mapped[int] = mapped_column(ForeignKey("base_data_load.id"))
    row: Mapped[int] = mapped_column(BigInteger)
    column: Mapped[str] = mapped_column(String(100))
    value: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(Text)


class QuarantinedRow(Base):
    """A row set aside by a quarantine load, as it was in the file."""

    __tablename__ = "base_data_quarantine"
    __table_args__ = (Index("ix_base_data_quarantine_load_row", "load_id", "row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    load_id: Mapped[int] = mapped_column(ForeignKey("base_data_load.id"))
    row: Mapped[int] = mapped_column(BigInteger)
    values: Mapped[dict[str, Any]] = mapped_column(JSON)


class HistoryEntry(Base):
    """What a record looked like before a load updated or deleted it.

    Who and when come from the load. ``before`` holds the stored values and their
    provenance columns; ``changed`` lists the columns the load changed.
    """

    __tablename__ = "base_data_history"
    __table_args__ = (Index("ix_base_data_history_record", "table_id", "record_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    table_id: Mapped[UUID] = mapped_column(ForeignKey("base_data_table.id"))
    record_key: Mapped[str] = mapped_column(String(255))
    load_id: Mapped[int] = mapped_column(ForeignKey("base_data_load.id"), index=True)
    operation: Mapped[str] = mapped_column(String(8))  # update / delete
    before: Mapped[dict[str, Any]] = mapped_column(JSON)
    changed: Mapped[list[str]] = mapped_column(JSON, default=list)
