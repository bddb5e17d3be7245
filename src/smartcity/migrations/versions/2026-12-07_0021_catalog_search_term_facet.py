"""catalog: postings carry their document's facet combination (issue #3)

``catalog_search_term`` gains ``facet_id`` (a copy of the document's), and its primary
key becomes (term, facet_id, document_id): a search counts its hits per facet
combination from the postings alone, without reading its documents, and a term's
postings come grouped by combination (SQLite counts them in index order, no sort).
A probe of one more term names the whole key. On PostgreSQL the covering index of
0007 follows the new key. SQLite rebuilds the table (the key of a ``WITHOUT ROWID``
table cannot change in place); PostgreSQL alters it. Static: no application imports.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 00:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "catalog_search_term"
SCRATCH = "_catalog_search_term_new"
DOCUMENT_INDEX = "ix_catalog_search_term_document_id_term"
COVERING_INDEX = "ix_catalog_search_term_covering"  # PostgreSQL only (0007)


def _sqlite_rebuild(key: list[str], with_facet: bool) -> None:
    """Copy the postings into a table with ``key`` as its primary key, then swap."""
    columns: list[sa.schema.SchemaItem] = [
        sa.Column("term", sa.String(length=32), nullable=False),
        *([sa.Column("facet_id", sa.Integer(), nullable=False)] if with_facet else []),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("weight", sa.SmallInteger(), nullable=False),
    ]
    op.create_table(
        SCRATCH,
        *columns,
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["catalog_search_document.id"],
            name=op.f("fk_catalog_search_term_document_id_catalog_search_document"),
        ),
        sa.PrimaryKeyConstraint(*key, name=op.f("pk_catalog_search_term")),
        sqlite_with_rowid=False,
    )
    if with_facet:
        op.execute(
            f"INSERT INTO {SCRATCH} (term, facet_id, document_id, weight)"
            f" SELECT t.term, d.facet_id, t.document_id, t.weight FROM {TABLE} t"
            " JOIN catalog_search_document d ON d.id = t.document_id"
            " ORDER BY t.term, d.facet_id, t.document_id"
        )
    else:
        op.execute(
            f"INSERT INTO {SCRATCH} (term, document_id, weight)"
            f" SELECT term, document_id, weight FROM {TABLE} ORDER BY term, document_id"
        )
    op.drop_index(DOCUMENT_INDEX, table_name=TABLE)
    op.drop_table(TABLE)
    op.rename_table(SCRATCH, TABLE)
    op.create_index(DOCUMENT_INDEX, TABLE, ["document_id", "term"], unique=False)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_rebuild(["term", "facet_id", "document_id"], with_facet=True)
        return
    op.add_column(TABLE, sa.Column("facet_id", sa.Integer(), nullable=True))
    op.execute(
        f"UPDATE {TABLE} t SET facet_id = d.facet_id FROM catalog_search_document d"
        " WHERE d.id = t.document_id"
    )
    op.alter_column(TABLE, "facet_id", existing_type=sa.Integer(), nullable=False)
    op.execute(f"DROP INDEX IF EXISTS {COVERING_INDEX}")
    op.drop_constraint(op.f("pk_catalog_search_term"), TABLE, type_="primary")
    op.create_primary_key(
        op.f("pk_catalog_search_term"), TABLE, ["term", "facet_id", "document_id"]
    )
    op.execute(
        f"CREATE INDEX {COVERING_INDEX} ON {TABLE} (term, facet_id, document_id) INCLUDE (weight)"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_rebuild(["term", "document_id"], with_facet=False)
        return
    op.execute(f"DROP INDEX IF EXISTS {COVERING_INDEX}")
    op.drop_constraint(op.f("pk_catalog_search_term"), TABLE, type_="primary")
    op.create_primary_key(op.f("pk_catalog_search_term"), TABLE, ["term", "document_id"])
    op.drop_column(TABLE, "facet_id")
    op.execute(f"CREATE INDEX {COVERING_INDEX} ON {TABLE} (term, document_id) INCLUDE (weight)")
