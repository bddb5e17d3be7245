"""calendar: the holiday arrangements administrators load (calendar_year)

One row per year loaded from a State Council notice file; the shipped years
2024–2026 live in the package, not here. Static: no application imports.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 16:04:12.389160
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "calendar_year",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column(
            "arrangement",
            sa.Text(),
            nullable=False,
            comment="Canonical JSON of the arrangement (YearArrangement.to_json()).",
        ),
        sa.Column("notice_title", sa.String(length=200), nullable=False),
        sa.Column(
            "notice_doc_no",
            sa.String(length=100),
            nullable=False,
            comment="Document number (文号).",
        ),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("loaded_by_name", sa.String(length=100), nullable=False),
        sa.Column(
            "loaded_by_id",
            sa.Uuid(),
            nullable=True,
            comment="User or API client that loaded it.",
        ),
        sa.Column(
            "source_filename",
            sa.String(length=255),
            nullable=False,
            comment="Name of the uploaded file, for the record.",
        ),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_calendar_year")),
    )


def downgrade() -> None:
    op.drop_table("calendar_year")
