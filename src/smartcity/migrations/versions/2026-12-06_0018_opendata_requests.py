"""opendata: requests from the public to open a dataset (数据开放申请, Art. 31)

Anyone may ask for a dataset to be opened; the coordinator answers or declines
with a reply. Static: no application imports.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 21:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "opendata_data_request",
        sa.Column("number", sa.String(length=32), nullable=False, comment="KF-2026-000001"),
        sa.Column(
            "title",
            sa.String(length=100),
            nullable=False,
            comment="The data asked for, in a few words.",
        ),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column(
            "provider_hint",
            sa.String(length=100),
            nullable=False,
            comment="The department the requester thinks holds the data.",
        ),
        sa.Column("requester_name", sa.String(length=50), nullable=False),
        sa.Column("contact", sa.String(length=100), nullable=False),
        sa.Column(
            "requester_user_id",
            sa.Uuid(),
            nullable=True,
            comment="The signed-in user who filed it, if any.",
        ),
        sa.Column(
            "source_digest",
            sa.String(length=64),
            nullable=False,
            comment="Salted SHA-256 of the source address.",
        ),
        sa.Column(
            "state",
            sa.Enum(
                "new", "answered", "declined", name="datarequeststate", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column("reply", sa.Text(), nullable=False, comment="The answer or the reason."),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_by_name", sa.String(length=100), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opendata_data_request")),
        sa.UniqueConstraint("number", name=op.f("uq_opendata_data_request_number")),
    )
    with op.batch_alter_table("opendata_data_request", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_opendata_data_request_source_digest"), ["source_digest"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_opendata_data_request_state"), ["state"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("opendata_data_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_opendata_data_request_state"))
        batch_op.drop_index(batch_op.f("ix_opendata_data_request_source_digest"))
    op.drop_table("opendata_data_request")
