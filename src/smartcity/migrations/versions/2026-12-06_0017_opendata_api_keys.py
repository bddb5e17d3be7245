"""opendata: API keys of registered users for heavy use of the open data API
(Art. 31); only the key's prefix and SHA-256 are stored. Static: no application
imports.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 21:02:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "opendata_api_key",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("key_prefix", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["identity_user.id"],
            name=op.f("fk_opendata_api_key_user_id_identity_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opendata_api_key")),
        sa.UniqueConstraint("key_prefix", name=op.f("uq_opendata_api_key_key_prefix")),
    )
    with op.batch_alter_table("opendata_api_key", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_opendata_api_key_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("opendata_api_key", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_opendata_api_key_user_id"))
    op.drop_table("opendata_api_key")
