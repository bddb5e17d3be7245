"""registry legal basis vocabulary

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 16:05:55.220320
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "registry_legal_basis",
        sa.Column(
            "code", sa.String(length=64), nullable=False, comment="Stable short code, e.g. PIPL-34."
        ),
        sa.Column(
            "title", sa.String(length=200), nullable=False, comment="Title of the act, with 《》."
        ),
        sa.Column(
            "article",
            sa.String(length=50),
            nullable=False,
            comment="Article cited, e.g. 第三十四条.",
        ),
        sa.Column(
            "level",
            sa.Enum(
                "law",
                "administrative_regulation",
                "local_regulation",
                "department_rule",
                "local_rule",
                "central_policy",
                "normative_document",
                name="legallevel",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("issuer", sa.String(length=100), nullable=False),
        sa.Column("document_number", sa.String(length=100), nullable=False),
        sa.Column("excerpt", sa.Text(), nullable=False),
        sa.Column("url", sa.String(length=300), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=True),
        sa.Column("repealed_date", sa.Date(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_legal_basis")),
        sa.UniqueConstraint("code", name=op.f("uq_registry_legal_basis_code")),
    )


def downgrade() -> None:
    op.drop_table("registry_legal_basis")
