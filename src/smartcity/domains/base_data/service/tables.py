"""Base-database tables built from the catalog (Art. 23–24).

A published catalog entry of a base database becomes a real ``bd_*`` table with
one typed column per information item, a unique index on its identifying key,
and provenance columns: ``_load_id`` (the load that wrote the record) and, per
field, ``<column>__load`` (the load that last changed that value, when a later
load changed it; empty means "the record's load"). Publishing a new version adds
the new items' columns; a removed item's column is retired, not dropped, so the
history stays readable. Each field has one source department (一数一源): by
default the entry's provider, reassigned by the coordinator.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    Select,
    String,
    Table,
    Text,
    bindparam,
    func,
    inspect,
    select,
)
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql.type_api import TypeEngine

from smartcity.core.security import SYSTEM, Actor, ensure_permission
from smartcity.domains.audit import service as audit
from smartcity.domains.base_data.errors import (
    FieldNotFoundError,
    KeyChangeError,
    NotBaseResourceError,
    TableNotFoundError,
)
from smartcity.domains.base_data.models import (
    DATA_TABLE_PREFIX,
    BaseField,
    BaseTable,
    TableStatus,
)
from smartcity.domains.base_data.permissions import BaseDataPermission
from smartcity.domains.base_data.spec import (
    STANDARD_TABLES,
    FieldRule,
    FieldSpec,
    FieldType,
    TableSpec,
)
from smartcity.domains.catalog import service as catalog_service
from smartcity.domains.registry import service as registry_service

#: Columns every data table has besides its fields.
ROW_ID = "_rid"
LOAD_ID = "_load_id"
PROVENANCE_SUFFIX = "__load"

_SPEC_BY_ENTRY: dict[str, TableSpec] = {spec.entry_name: spec for spec in STANDARD_TABLES}
_GLOSSARY: dict[str, FieldSpec] = {}
for _spec in STANDARD_TABLES:
    for _field in _spec.fields:
        _GLOSSARY.setdefault(_field.name, _field)

_TYPES: dict[str, FieldType] = {
    "string": FieldType.string,
    "integer": FieldType.integer,
    "decimal": FieldType.decimal,
    "date": FieldType.date,
    "datetime": FieldType.datetime,
    "boolean": FieldType.boolean,
    "geometry": FieldType.geometry,
    "binary": FieldType.string,
}


def provenance_column(column: str) -> str:
    return f"{column}{PROVENANCE_SUFFIX}"


# ---------------------------------------------------------------- physical tables


@dataclass(frozen=True)
class DataTable:
    """A base table's SQLAlchemy ``Table`` and its live fields, for loads and reads."""

    table: Table
    fields: tuple[BaseField, ...]  # live (not retired) fields, in position order
    key_fields: tuple[BaseField, ...]

    @property
    def name(self) -> str:
        return self.table.name


def _sql_type(field: BaseField) -> TypeEngine[Any]:
    match field.type:
        case FieldType.integer:
            return BigInteger()
        case FieldType.decimal:
            return Numeric(asdecimal=False)
        case FieldType.date:
            return Date()
        case FieldType.datetime:
            return DateTime()
        case FieldType.boolean:
            return Boolean(create_constraint=False)
        case FieldType.geometry:
            return Text()
        case _:
            return String(field.max_length) if field.max_length else Text()


def _indexed(field: BaseField) -> bool:
    return not field.is_key and field.rule in {
        FieldRule.id_number,
        FieldRule.credit_code,
        FieldRule.id_or_credit_code,
    }


def primary_key_name(table_name: str) -> str:
    return f"pk_{table_name}"


def key_index_name(table_name: str) -> str:
    return f"ux_{table_name}_key"


def sqlalchemy_table(base: BaseTable, fields: Sequence[BaseField]) -> Table:
    """The ``Table`` of a base table, with every column (retired ones too)."""
    metadata = MetaData()
    columns: list[Column[Any]] = [
        Column(ROW_ID, BigInteger().with_variant(Integer(), "sqlite"), primary_key=True),
    ]
    columns += [Column(f.column_name, _sql_type(f), nullable=True) for f in fields]
    columns.append(Column(LOAD_ID, Integer(), nullable=False))
    columns += [Column(provenance_column(f.column_name), Integer()) for f in fields]
    table = Table(
        base.table_name,
        metadata,
        *columns,
        PrimaryKeyConstraint(ROW_ID, name=primary_key_name(base.table_name)),
    )
    key_fields = [f for f in fields if f.is_key and not f.retired]
    if key_fields:
        Index(
            key_index_name(base.table_name),
            *[table.c[f.column_name] for f in key_fields],
            unique=True,
            postgresql_ops=_pattern_ops(key_fields),
        )
    for f in fields:
        if _indexed(f) and not f.retired:
            Index(
                f"ix_{base.table_name}_{f.column_name}",
                table.c[f.column_name],
                postgresql_ops=_pattern_ops([f]),
            )
    return table


def _pattern_ops(fields: Sequence[BaseField]) -> dict[str, str]:
    """Identifiers are compared byte by byte: on PostgreSQL the pattern operator classes
    build and probe their indexes without the locale's collation, and still serve the
    equality (``=``, ``IN``) lookups a key needs, whatever the column's collation."""
    ops: dict[str, str] = {}
    for f in fields:
        if f.type is FieldType.string:
            ops[f.column_name] = "varchar_pattern_ops" if f.max_length else "text_pattern_ops"
    return ops


def _physical(base: BaseTable) -> Table:
    return data_table(base).table


def data_table(base: BaseTable) -> DataTable:
    """``base.fields`` must be loaded."""
    all_fields = tuple(base.fields)
    live = tuple(f for f in all_fields if not f.retired)
    return DataTable(
        table=sqlalchemy_table(base, all_fields),
        fields=live,
        key_fields=tuple(f for f in live if f.is_key),
    )


# ---------------------------------------------------------------- columns from items


def _column_name(item_name: str, taken: set[str]) -> str:
    known = _GLOSSARY.get(item_name)
    if known is not None and known.column not in taken:
        return known.column
    digest = hashlib.sha1(item_name.encode()).hexdigest()[:8]
    name = f"c_{digest}"
    while name in taken:
        name = f"c_{hashlib.sha1(name.encode()).hexdigest()[:8]}"
    return name


_ID_WORDS = re.compile(r"公民身份号码|身份证")


def infer_field(item: Any, spec: FieldSpec | None) -> dict[str, Any]:
    """Type, rule, required and key of a column, from the standard spec when the
    entry is one of the five flagship resources, else from the item itself."""
    type_ = _TYPES.get(str(item.data_type), FieldType.string)
    if spec is not None:
        return {
            "type": spec.type,
            "rule": spec.rule,
            "required": spec.required,
            "is_key": spec.key,
            "max_length": spec.max_length or item.length,
            "enumeration": dict(spec.enumeration),
        }
    text = f"{item.name} {item.description}"
    rule = FieldRule.none
    if type_ is FieldType.string:
        if _ID_WORDS.search(item.name) or "GB 11643" in text:
            rule = FieldRule.id_number
        elif "统一社会信用代码" in item.name or "GB 32100" in text:
            rule = FieldRule.credit_code
        elif item.name.endswith("行政区划代码") and (item.length in (None, 6)):
            rule = FieldRule.division
        elif item.name in ("联系电话", "手机号码"):
            rule = FieldRule.phone
    return {
        "type": type_,
        "rule": rule,
        "required": False,
        "is_key": False,
        "max_length": item.length if type_ is FieldType.string else None,
        "enumeration": {},
    }


def _table_name(session: Session, entry: Any, spec: TableSpec | None) -> str:
    """The standard name for a flagship resource (``bd_population``), unless taken (a
    second entry of the same name); otherwise base database + the entry id's prefix."""
    if spec is not None:
        taken = session.scalar(select(BaseTable.id).where(BaseTable.table_name == spec.table))
        if taken is None:
            return spec.table
    return f"{DATA_TABLE_PREFIX}{str(entry.base_database)[:12]}_{entry.id.hex[:12]}"


_KEY_NAMES = ("公民身份号码", "统一社会信用代码", "行政区划代码")


def _default_key(fields: list[BaseField]) -> None:
    """Without a standard spec: the first item when it is an identifier, else an item
    named exactly as a national identifier; otherwise no key until the coordinator
    sets one (a table without a key takes no load)."""
    if any(f.is_key for f in fields) or not fields:
        return
    first = fields[0]
    identifiers = {FieldRule.id_number, FieldRule.credit_code, FieldRule.division}
    chosen = first if first.rule in identifiers else None
    if chosen is None:
        chosen = next((f for f in fields if f.name in _KEY_NAMES), None)
    if chosen is not None:
        chosen.is_key = True
        chosen.required = True


# ---------------------------------------------------------------- build and sync


def _load_table(session: Session, table_id: UUID, *, for_update: bool = False) -> BaseTable:
    statement = (
        select(BaseTable)
        .where(BaseTable.id == table_id)
        .options(
            selectinload(BaseTable.fields).selectinload(BaseField.source),
            selectinload(BaseTable.provider),
        )
    )
    if for_update:
        statement = statement.with_for_update()
    table = session.scalars(statement).one_or_none()
    if table is None:
        raise TableNotFoundError(table_id=str(table_id))
    return table


def table_for_entry(session: Session, entry_id: UUID) -> BaseTable | None:
    return session.scalars(
        select(BaseTable)
        .where(BaseTable.entry_id == entry_id)
        .options(selectinload(BaseTable.fields), selectinload(BaseTable.provider))
    ).one_or_none()


def table_stamp_query() -> Select[*tuple[Any, ...]]:
    """The id of an entry's table and what a prepared ``RecordReader`` of it depends
    on: the table's last change and status and its fields' last change (no row: no
    table). Equal stamps mean a reader prepared earlier still fits. A statement with
    the bind parameter ``entry_id``, for a caller that reads it with other stamps in
    one query on every call (the exchange API) and only compares the values."""
    return select(
        BaseTable.id,
        BaseTable.updated_at,
        BaseTable.status,
        select(func.max(BaseField.updated_at))
        .where(BaseField.table_id == BaseTable.id)
        .scalar_subquery(),
    ).where(BaseTable.entry_id == bindparam("entry_id"))


def build_table(session: Session, *, actor: Actor, entry_id: UUID) -> BaseTable:
    """Create or bring up to date the table of a published base-database entry.

    Idempotent: a table already at the entry's version is returned unchanged. A
    withdrawn entry's table is retired (kept for reading, refused for loads).

    Raises:
        PermissionDeniedError; EntryNotFoundError; NotBaseResourceError.
    """
    ensure_permission(actor, BaseDataPermission.manage)
    entry = catalog_service.get_entry(session, actor=SYSTEM, entry_id=entry_id)
    existing = table_for_entry(session, entry_id)
    if str(entry.status) == "withdrawn" and existing is not None:
        if existing.status is not TableStatus.retired:
            existing.status = TableStatus.retired
            audit.record(session, actor=actor, action="base_data.table.retire", subject=existing)
        return existing
    if str(entry.status) != "published" or entry.base_database is None:
        raise NotBaseResourceError(entry_id=str(entry_id))
    if existing is None:
        return _create(session, actor=actor, entry=entry)
    if existing.entry_version != entry.version:
        _alter(session, actor=actor, base=existing, entry=entry)
    return existing


def _create(session: Session, *, actor: Actor, entry: Any) -> BaseTable:
    spec = _SPEC_BY_ENTRY.get(entry.name)
    if spec is not None and str(entry.base_database) != spec.base_database:
        spec = None
    base = BaseTable(
        entry_id=entry.id,
        base_database=str(entry.base_database),
        table_name=_table_name(session, entry, spec),
        name=entry.name,
        provider_organization_id=entry.provider_organization_id,
        entry_version=entry.version,
        update_cycle=str(entry.update_cycle),
        datum=spec.datum if spec is not None else "",
        status=TableStatus.active,
    )
    session.add(base)
    taken: set[str] = set()
    fields: list[BaseField] = []
    for position, item in enumerate(entry.items):
        field_spec = _spec_field(spec, item.name)
        column = field_spec.column if field_spec else _column_name(item.name, taken)
        taken.add(column)
        fields.append(_new_field(base, item, position, column, field_spec))
    if spec is None:
        _default_key(fields)
    base.fields = fields
    session.flush()
    connection = session.connection()
    data_table(base).table.create(connection)
    if connection.dialect.name != "sqlite":
        # ``_rid`` is SQLite's rowid (free); on PostgreSQL an index on it would only cost
        # every load a rebuild: records are found by their key's unique index.
        connection.exec_driver_sql(
            f"ALTER TABLE {base.table_name} DROP CONSTRAINT {primary_key_name(base.table_name)}"
        )
    audit.record(
        session,
        actor=actor,
        action="base_data.table.create",
        subject=base,
        changes={"entry_version": entry.version, "columns": [f.column_name for f in fields]},
    )
    return base


def _spec_field(spec: TableSpec | None, name: str) -> FieldSpec | None:
    if spec is None:
        return None
    return next((f for f in spec.fields if f.name == name), None)


def _new_field(
    base: BaseTable, item: Any, position: int, column: str, spec: FieldSpec | None
) -> BaseField:
    return BaseField(
        table=base,
        item_id=item.id,
        position=position,
        name=item.name,
        column_name=column,
        grade_code=item.grade_code,
        is_personal=bool(item.is_personal),
        source_organization_id=base.provider_organization_id,
        retired=False,
        **infer_field(item, spec),
    )


def _alter(session: Session, *, actor: Actor, base: BaseTable, entry: Any) -> None:
    """Add columns for new items, retire columns of removed ones (a new catalog version)."""
    spec = _SPEC_BY_ENTRY.get(entry.name)
    by_name = {f.name: f for f in base.fields}
    taken = {f.column_name for f in base.fields}
    added: list[BaseField] = []
    live_names = set()
    for position, item in enumerate(entry.items):
        live_names.add(item.name)
        current = by_name.get(item.name)
        if current is not None:
            current.position = position
            current.item_id = item.id
            current.grade_code = item.grade_code
            current.is_personal = bool(item.is_personal)
            current.retired = False
            continue
        field_spec = _spec_field(spec, item.name)
        column = field_spec.column if field_spec else _column_name(item.name, taken)
        taken.add(column)
        new = _new_field(base, item, position, column, field_spec)
        new.is_key = False  # the key is fixed when the table is created
        new.required = False  # existing records have no value for it
        added.append(new)
    retired = [f for f in base.fields if f.name not in live_names and not f.retired]
    for f in retired:
        f.retired = True
    session.add_all(added)  # ``_new_field`` attached them to ``base.fields`` already
    base.entry_version = entry.version
    base.name = entry.name
    base.update_cycle = str(entry.update_cycle)
    session.flush()
    physical = data_table(base).table
    connection = session.connection()
    existing_columns = {c["name"] for c in inspect(connection).get_columns(base.table_name)}
    preparer = connection.dialect.identifier_preparer
    for f in added:
        for name in (f.column_name, provenance_column(f.column_name)):
            if name in existing_columns:
                continue
            ddl_type = physical.c[name].type.compile(dialect=connection.dialect)
            connection.exec_driver_sql(
                f"ALTER TABLE {preparer.quote(base.table_name)} "
                f"ADD COLUMN {preparer.quote(name)} {ddl_type}"
            )
    audit.record(
        session,
        actor=actor,
        action="base_data.table.alter",
        subject=base,
        changes={
            "entry_version": entry.version,
            "added": [f.column_name for f in added],
            "retired": [f.column_name for f in retired],
        },
    )


def sync_tables(session: Session, *, actor: Actor) -> list[BaseTable]:
    """Build or update the table of every published base-database entry, and retire the
    tables of withdrawn ones. Idempotent; run after catalog publications."""
    ensure_permission(actor, BaseDataPermission.manage)
    entries = catalog_service.published_base_entries(session)
    tables = [build_table(session, actor=actor, entry_id=entry_id) for entry_id in entries]
    withdrawn = session.scalars(
        select(BaseTable).where(
            BaseTable.status == TableStatus.active, BaseTable.entry_id.not_in(entries)
        )
    ).all()
    for table in withdrawn:
        build_table(session, actor=actor, entry_id=table.entry_id)
    return tables


# ---------------------------------------------------------------- reading definitions


def list_tables(session: Session, *, actor: Actor) -> list[BaseTable]:
    ensure_permission(actor, BaseDataPermission.read)
    return list(
        session.scalars(
            select(BaseTable)
            .options(selectinload(BaseTable.fields), selectinload(BaseTable.provider))
            .order_by(BaseTable.base_database, BaseTable.table_name)
        ).all()
    )


def get_table(session: Session, *, actor: Actor, table: UUID | str) -> BaseTable:
    """A table by id or by its table name (``bd_population``).

    Raises:
        PermissionDeniedError; TableNotFoundError.
    """
    ensure_permission(actor, BaseDataPermission.read)
    if isinstance(table, UUID):
        return _load_table(session, table)
    found = session.scalars(
        select(BaseTable)
        .where(BaseTable.table_name == table)
        .options(
            selectinload(BaseTable.fields).selectinload(BaseField.source),
            selectinload(BaseTable.provider),
        )
    ).one_or_none()
    if found is None:
        raise TableNotFoundError(table=table)
    return found


def set_field(
    session: Session,
    *,
    actor: Actor,
    table_id: UUID,
    column: str,
    source_organization_id: UUID | None = None,
    rule: FieldRule | None = None,
    required: bool | None = None,
    enumeration: dict[str, str] | None = None,
    is_key: bool | None = None,
) -> BaseField:
    """Assign a field's source department (一数一源), change its validation rule, or
    make it part of the key (only while the table is empty: the unique index is rebuilt).

    Raises:
        PermissionDeniedError; TableNotFoundError; FieldNotFoundError;
        OrganizationNotFoundError; KeyChangeError (the table holds records).
    """
    ensure_permission(actor, BaseDataPermission.manage)
    base = _load_table(session, table_id)
    field = next((f for f in base.fields if f.column_name == column), None)
    if field is None:
        raise FieldNotFoundError(column=column)
    changes: dict[str, list[Any]] = {}
    if source_organization_id is not None and source_organization_id != (
        field.source_organization_id
    ):
        registry_service.get_organization(
            session, actor=SYSTEM, organization_id=source_organization_id
        )
        changes["source_organization_id"] = [
            str(field.source_organization_id),
            str(source_organization_id),
        ]
        field.source_organization_id = source_organization_id
    if rule is not None and rule is not field.rule:
        changes["rule"] = [field.rule.value, rule.value]
        field.rule = rule
    if required is not None and required != field.required:
        changes["required"] = [field.required, required]
        field.required = required
    if enumeration is not None and enumeration != field.enumeration:
        changes["enumeration"] = [field.enumeration, enumeration]
        field.enumeration = dict(enumeration)
    if is_key is not None and is_key != field.is_key:
        if base.row_count or session.scalar(select(func.count()).select_from(_physical(base))):
            raise KeyChangeError(table=base.table_name)
        changes["is_key"] = [field.is_key, is_key]
        field.is_key = is_key
        field.required = field.required or is_key
        session.flush()
        connection = session.connection()
        connection.exec_driver_sql(f"DROP INDEX IF EXISTS {key_index_name(base.table_name)}")
        rebuilt = data_table(base).table
        for index in rebuilt.indexes:
            if index.name == key_index_name(base.table_name):
                index.create(connection)
    if changes:
        audit.record(
            session,
            actor=actor,
            action="base_data.field.update",
            subject=base,
            label=f"{base.table_name}.{field.column_name} {field.name}",
            changes=changes,
        )
        session.flush()
    return field
