"""sharing: remember when a request's reminders went out (one reminder per deadline)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 17:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sharing_request", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "check_reminded_at",
                sa.DateTime(timezone=True),
                nullable=True,
                comment="When the coordinator was reminded the compliance check is nearly due.",
            )
        )
        batch_op.add_column(
            sa.Column(
                "answer_reminded_at",
                sa.DateTime(timezone=True),
                nullable=True,
                comment="When the provider was reminded its answer is nearly due.",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("sharing_request", schema=None) as batch_op:
        batch_op.drop_column("answer_reminded_at")
        batch_op.drop_column("check_reminded_at")
