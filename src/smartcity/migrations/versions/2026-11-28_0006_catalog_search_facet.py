"""catalog: facet combinations of the search (one integer per provider/kind/share/open/grade/format)

Search documents point to their facet combination instead of carrying six facet
columns, so a query counts its hits per combination with one GROUP BY over an
integer. Existing documents keep their place in the index: their combinations
are collected and linked in SQL. Static: no application imports.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 16:34:46.970231
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (
    "provider_organization_id",
    "classification_kind",
    "share_type",
    "open_type",
    "grade_code",
    "format",
)
_MATCH = " AND ".join(f"f.{c} = catalog_search_document.{c}" for c in COLUMNS)


class _PostingsSetAside:
    """SQLite's batch mode recreates catalog_search_document, which the postings
    reference: with foreign keys enforced the old table cannot be dropped under
    them, so they wait in a scratch table meanwhile (PostgreSQL alters in place)."""

    def __enter__(self) -> None:
        self.sqlite = op.get_bind().dialect.name == "sqlite"
        if self.sqlite:
            op.execute(
                "CREATE TABLE _catalog_search_term_aside AS"
                " SELECT term, document_id, weight FROM catalog_search_term"
            )
            op.execute("DELETE FROM catalog_search_term")

    def __exit__(self, *exc: object) -> None:
        if self.sqlite and exc[0] is None:
            op.execute(
                "INSERT INTO catalog_search_term (term, document_id, weight)"
                " SELECT term, document_id, weight FROM _catalog_search_term_aside"
            )
            op.execute("DROP TABLE _catalog_search_term_aside")


def upgrade() -> None:
    with _PostingsSetAside():
        _upgrade()


def downgrade() -> None:
    with _PostingsSetAside():
        _downgrade()


def _upgrade() -> None:
    op.create_table(
        "catalog_search_facet",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("provider_organization_id", sa.Uuid(), nullable=False),
        sa.Column("classification_kind", sa.String(length=16), nullable=False),
        sa.Column("share_type", sa.String(length=16), nullable=False),
        sa.Column("open_type", sa.String(length=16), nullable=False),
        sa.Column("grade_code", sa.String(length=16), nullable=False),
        sa.Column("format", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_search_facet")),
        sa.UniqueConstraint(*COLUMNS, name="uq_catalog_search_facet_combination"),
    )
    with op.batch_alter_table("catalog_search_document", schema=None) as batch_op:
        batch_op.add_column(sa.Column("facet_id", sa.Integer(), nullable=True))
    columns = ", ".join(COLUMNS)
    op.execute(
        f"INSERT INTO catalog_search_facet ({columns})"
        f" SELECT DISTINCT {columns} FROM catalog_search_document"
    )
    op.execute(
        "UPDATE catalog_search_document SET facet_id ="
        f" (SELECT f.id FROM catalog_search_facet f WHERE {_MATCH})"
    )
    with op.batch_alter_table("catalog_search_document", schema=None) as batch_op:
        batch_op.alter_column("facet_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_catalog_search_document_facet_id_catalog_search_facet"),
            "catalog_search_facet",
            ["facet_id"],
            ["id"],
        )
        for column in COLUMNS:
            batch_op.drop_column(column)


def _downgrade() -> None:
    with op.batch_alter_table("catalog_search_document", schema=None) as batch_op:
        batch_op.add_column(sa.Column("provider_organization_id", sa.Uuid(), nullable=True))
        for column in COLUMNS[1:]:
            batch_op.add_column(
                sa.Column(column, sa.String(length=32 if column == "format" else 16), nullable=True)
            )
    for column in COLUMNS:
        op.execute(
            f"UPDATE catalog_search_document SET {column} = (SELECT f.{column}"
            " FROM catalog_search_facet f WHERE f.id = catalog_search_document.facet_id)"
        )
    with op.batch_alter_table("catalog_search_document", schema=None) as batch_op:
        batch_op.alter_column("provider_organization_id", existing_type=sa.Uuid(), nullable=False)
        for column in COLUMNS[1:]:
            batch_op.alter_column(
                column,
                existing_type=sa.String(length=32 if column == "format" else 16),
                nullable=False,
            )
        batch_op.drop_constraint(
            batch_op.f("fk_catalog_search_document_facet_id_catalog_search_facet"),
            type_="foreignkey",
        )
        batch_op.drop_column("facet_id")
    op.drop_table("catalog_search_facet")
