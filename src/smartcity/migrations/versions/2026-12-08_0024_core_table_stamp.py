"""core: a stamp per watched table, renewed by the database on every write (issue #5)

``core_table_stamp`` holds one row per table whose reads the exchange API remembers
(``core.db.stamps``): the API clients and organizations (the token check), the grants,
and what a resource's prepared source depends on (base-data tables and fields,
catalog entries and grades). Triggers give the table's row a new random stamp on
every INSERT, UPDATE and DELETE, whoever writes. A random stamp rather than a
counter: a restored backup or a database made anew cannot repeat a stamp already
seen with other contents.

On PostgreSQL the row triggers are deferred constraint triggers: they run at commit,
and only the first of a transaction renews the table's stamp (a transaction-local
setting remembers it). Renewing it at the first write instead would hold the stamp
row's lock for the rest of the transaction, and two transactions writing the same
table would run one after the other (two catalog edits, say). TRUNCATE renews it at
once (a statement trigger; it locks the whole table anyway). SQLite has one writer at
a time: plain row triggers. Static: no application imports.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-08 00:00:00
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WATCHED = (
    "identity_api_client",
    "registry_organization",
    "sharing_grant",
    "base_data_table",
    "base_data_field",
    "catalog_entry",
    "catalog_grade",
)
_PG_FUNCTION = "core_table_stamp_renew"
# SQLite's random() is a signed 64-bit integer: its low 63 bits make a stamp that is
# never negative (abs() would overflow on the one value without a positive counterpart).
_SQLITE_STAMP = "(random() & 9223372036854775807)"
# 2⁶² is exact as a double: the product stays below it, and within bigint.
_PG_STAMP = "floor(random() * 4611686018427387904)::bigint"


def upgrade() -> None:
    op.create_table(
        "core_table_stamp",
        sa.Column("table_name", sa.String(length=63), nullable=False),
        sa.Column("stamp", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("table_name", name=op.f("pk_core_table_stamp")),
    )
    stamp = sa.table("core_table_stamp", sa.column("table_name"), sa.column("stamp"))
    op.bulk_insert(stamp, [{"table_name": name, "stamp": secrets.randbits(63)} for name in WATCHED])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"CREATE FUNCTION {_PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "DECLARE done text := 'smartcity.stamped_' || TG_TABLE_NAME; "
            "BEGIN "
            "IF coalesce(current_setting(done, true), '') <> '1' THEN "
            "PERFORM set_config(done, '1', true); "
            f"UPDATE core_table_stamp SET stamp = {_PG_STAMP} "
            "WHERE table_name = TG_TABLE_NAME; "
            "END IF; "
            "RETURN NULL; "
            "END $$"
        )
        for name in WATCHED:
            op.execute(
                f"CREATE CONSTRAINT TRIGGER {name}_stamp AFTER INSERT OR UPDATE OR DELETE "
                f"ON {name} DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
                f"EXECUTE FUNCTION {_PG_FUNCTION}()"
            )
            op.execute(
                f"CREATE TRIGGER {name}_stamp_truncate AFTER TRUNCATE ON {name} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {_PG_FUNCTION}()"
            )
        return
    for name in WATCHED:
        for verb in ("INSERT", "UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {name}_stamp_{verb.lower()} AFTER {verb} ON {name} "
                f"BEGIN UPDATE core_table_stamp SET stamp = {_SQLITE_STAMP} "
                f"WHERE table_name = '{name}'; END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name in WATCHED:
            op.execute(f"DROP TRIGGER IF EXISTS {name}_stamp ON {name}")
            op.execute(f"DROP TRIGGER IF EXISTS {name}_stamp_truncate ON {name}")
        op.execute(f"DROP FUNCTION IF EXISTS {_PG_FUNCTION}()")
    else:
        for name in WATCHED:
            for verb in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {name}_stamp_{verb}")
    op.drop_table("core_table_stamp")
