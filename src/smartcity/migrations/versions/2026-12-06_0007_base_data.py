"""base_data: base-database tables, fields, loads, error reports, quarantine, history;
catalog search covering index on PostgreSQL

The bookkeeping of the base databases (Art. 23-24). The data tables themselves
(``bd_*``) are created at run time from published catalog entries and are not
part of the migrated schema; downgrading drops those registered here.

On PostgreSQL the catalog search postings get a covering index (term,
document_id) INCLUDE (weight), so a query's postings are read by an index-only
scan (SQLite's WITHOUT ROWID primary key already is one). Static: no
application imports.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COVERING_INDEX = "ix_catalog_search_term_covering"


def _entity() -> list[sa.Column[object]]:
    return [
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "base_data_table",
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("base_database", sa.String(length=32), nullable=False),
        sa.Column("table_name", sa.String(length=63), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("provider_organization_id", sa.Uuid(), nullable=False),
        sa.Column("entry_version", sa.Integer(), nullable=False),
        sa.Column("update_cycle", sa.String(length=16), nullable=False),
        sa.Column(
            "datum",
            sa.String(length=16),
            nullable=False,
            comment="Coordinate reference system of stored coordinates.",
        ),
        sa.Column(
            "status",
            sa.Enum("active", "retired", name="tablestatus", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("row_count", sa.BigInteger(), nullable=False),
        sa.Column("last_loaded_at", sa.DateTime(timezone=True), nullable=True),
        *_entity(),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["catalog_entry.id"],
            name=op.f("fk_base_data_table_entry_id_catalog_entry"),
        ),
        sa.ForeignKeyConstraint(
            ["provider_organization_id"],
            ["registry_organization.id"],
            name=op.f("fk_base_data_table_provider_organization_id_registry_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_base_data_table")),
        sa.UniqueConstraint("entry_id", name=op.f("uq_base_data_table_entry_id")),
        sa.UniqueConstraint("table_name", name=op.f("uq_base_data_table_table_name")),
    )
    with op.batch_alter_table("base_data_table") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_base_data_table_base_database"), ["base_database"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_base_data_table_provider_organization_id"),
            ["provider_organization_id"],
            unique=False,
        )

    op.create_table(
        "base_data_field",
        sa.Column("table_id", sa.Uuid(), nullable=False),
        sa.Column("item_id", sa.Uuid(), nullable=True, comment="The catalog information item."),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column(
            "name", sa.String(length=100), nullable=False, comment="Item name = load-file header."
        ),
        sa.Column("column_name", sa.String(length=63), nullable=False),
        sa.Column(
            "type",
            sa.Enum(
                "string",
                "integer",
                "decimal",
                "date",
                "datetime",
                "boolean",
                "geometry",
                name="fieldtype",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column(
            "rule",
            sa.Enum(
                "none",
                "id_number",
                "credit_code",
                "id_or_credit_code",
                "division",
                "enumeration",
                "phone",
                "longitude",
                "latitude",
                name="fieldrule",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("is_key", sa.Boolean(), nullable=False),
        sa.Column("max_length", sa.Integer(), nullable=True),
        sa.Column("enumeration", sa.JSON(), nullable=False),
        sa.Column("grade_code", sa.String(length=16), nullable=False),
        sa.Column("is_personal", sa.Boolean(), nullable=False),
        sa.Column("source_organization_id", sa.Uuid(), nullable=False),
        sa.Column(
            "retired",
            sa.Boolean(),
            nullable=False,
            comment="The item left the catalog entry; the column stays for history.",
        ),
        *_entity(),
        sa.ForeignKeyConstraint(
            ["source_organization_id"],
            ["registry_organization.id"],
            name=op.f("fk_base_data_field_source_organization_id_registry_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["table_id"],
            ["base_data_table.id"],
            name=op.f("fk_base_data_field_table_id_base_data_table"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_base_data_field")),
        sa.UniqueConstraint(
            "table_id", "column_name", name=op.f("uq_base_data_field_table_id_column_name")
        ),
        sa.UniqueConstraint("table_id", "name", name=op.f("uq_base_data_field_table_id_name")),
    )
    with op.batch_alter_table("base_data_field") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_base_data_field_source_organization_id"),
            ["source_organization_id"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_base_data_field_table_id"), ["table_id"], unique=False)

    op.create_table(
        "base_data_load",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("table_id", sa.Uuid(), nullable=False),
        sa.Column(
            "organization_id", sa.Uuid(), nullable=False, comment="The submitting department."
        ),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("actor_name", sa.String(length=100), nullable=False),
        sa.Column(
            "mode",
            sa.Enum(
                "insert", "upsert", "delete", "full", name="loadmode", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column(
            "on_error",
            sa.Enum("reject", "quarantine", name="onerror", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("file_format", sa.String(length=16), nullable=False),
        sa.Column("encoding", sa.String(length=16), nullable=False),
        sa.Column("file_bytes", sa.BigInteger(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "running",
                "succeeded",
                "rejected",
                "failed",
                "interrupted",
                name="loadstatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rows_read", sa.BigInteger(), nullable=False),
        sa.Column("rows_inserted", sa.BigInteger(), nullable=False),
        sa.Column("rows_updated", sa.BigInteger(), nullable=False),
        sa.Column("rows_deleted", sa.BigInteger(), nullable=False),
        sa.Column("rows_unchanged", sa.BigInteger(), nullable=False),
        sa.Column("rows_invalid", sa.BigInteger(), nullable=False),
        sa.Column("error_count", sa.BigInteger(), nullable=False),
        sa.Column(
            "refused_fields",
            sa.JSON(),
            nullable=False,
            comment="Fields of another source department (一数一源).",
        ),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("process_id", sa.Integer(), nullable=True),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["registry_organization.id"],
            name=op.f("fk_base_data_load_organization_id_registry_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["table_id"],
            ["base_data_table.id"],
            name=op.f("fk_base_data_load_table_id_base_data_table"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_base_data_load")),
    )
    with op.batch_alter_table("base_data_load") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_base_data_load_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_base_data_load_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_base_data_load_table_id"), ["table_id"], unique=False)

    op.create_table(
        "base_data_load_error",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("load_id", sa.Integer(), nullable=False),
        sa.Column("row", sa.BigInteger(), nullable=False),
        sa.Column("column", sa.String(length=100), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["load_id"],
            ["base_data_load.id"],
            name=op.f("fk_base_data_load_error_load_id_base_data_load"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_base_data_load_error")),
    )
    with op.batch_alter_table("base_data_load_error") as batch_op:
        batch_op.create_index("ix_base_data_load_error_load_row", ["load_id", "row"], unique=False)

    op.create_table(
        "base_data_quarantine",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("load_id", sa.Integer(), nullable=False),
        sa.Column("row", sa.BigInteger(), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["load_id"],
            ["base_data_load.id"],
            name=op.f("fk_base_data_quarantine_load_id_base_data_load"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_base_data_quarantine")),
    )
    with op.batch_alter_table("base_data_quarantine") as batch_op:
        batch_op.create_index("ix_base_data_quarantine_load_row", ["load_id", "row"], unique=False)

    op.create_table(
        "base_data_history",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("table_id", sa.Uuid(), nullable=False),
        sa.Column("record_key", sa.String(length=255), nullable=False),
        sa.Column("load_id", sa.Integer(), nullable=False),
        sa.Column("operation", sa.String(length=8), nullable=False),
        sa.Column("before", sa.JSON(), nullable=False),
        sa.Column("changed", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["load_id"],
            ["base_data_load.id"],
            name=op.f("fk_base_data_history_load_id_base_data_load"),
        ),
        sa.ForeignKeyConstraint(
            ["table_id"],
            ["base_data_table.id"],
            name=op.f("fk_base_data_history_table_id_base_data_table"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_base_data_history")),
    )
    with op.batch_alter_table("base_data_history") as batch_op:
        batch_op.create_index(batch_op.f("ix_base_data_history_load_id"), ["load_id"], unique=False)
        batch_op.create_index(
            "ix_base_data_history_record", ["table_id", "record_key"], unique=False
        )

    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"CREATE INDEX {COVERING_INDEX} ON catalog_search_term (term, document_id) "
            "INCLUDE (weight)"
        )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {COVERING_INDEX}")
    names = [r[0] for r in bind.execute(sa.text("SELECT table_name FROM base_data_table"))]
    for name in names:
        op.execute(f'DROP TABLE IF EXISTS "{name}"')
    for table in (
        "base_data_history",
        "base_data_quarantine",
        "base_data_load_error",
        "base_data_load",
        "base_data_field",
        "base_data_table",
    ):
        op.drop_table(table)
