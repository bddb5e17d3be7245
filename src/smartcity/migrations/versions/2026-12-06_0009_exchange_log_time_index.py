"""sharing: index the exchange log by time (the statistics count calls per day and year)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 07:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sharing_exchange_log", schema=None) as batch_op:
        batch_op.create_index("ix_sharing_exchange_log_occurred_at", ["occurred_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sharing_exchange_log", schema=None) as batch_op:
        batch_op.drop_index("ix_sharing_exchange_log_occurred_at")
