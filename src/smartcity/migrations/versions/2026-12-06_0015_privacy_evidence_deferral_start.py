"""privacy: evidence files of correction requests, and the start date of a lawful
deferral (Art. 68)

A correction request may carry a few evidence files (PDF, JPEG, PNG), stored in the
database with their name, media type, size and SM3 and SHA-256 digests. A deferral
hides the calls made from its start date: existing deferrals hid every earlier call,
so they start on 1970-01-01 (they keep hiding what they hid). Static: no application
imports.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 21:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "privacy_evidence",
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column(
            "filename", sa.String(length=255), nullable=False, comment="As uploaded, path removed."
        ),
        sa.Column(
            "media_type", sa.String(length=64), nullable=False, comment="From the magic bytes."
        ),
        sa.Column("size", sa.Integer(), nullable=False, comment="Bytes."),
        sa.Column(
            "sm3", sa.String(length=64), nullable=False, comment="SM3 digest of the content (hex)."
        ),
        sa.Column("sha256", sa.String(length=64), nullable=False, comment="SHA-256 digest (hex)."),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["privacy_data_request.id"],
            name=op.f("fk_privacy_evidence_request_id_privacy_data_request"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_evidence")),
    )
    with op.batch_alter_table("privacy_evidence", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_privacy_evidence_request_id"), ["request_id"], unique=False
        )
    with op.batch_alter_table("privacy_access_deferral", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "starts_on",
                sa.Date(),
                nullable=True,
                comment="Calls from this date (Asia/Shanghai) on are hidden; earlier ones are not.",
            )
        )
    op.execute("UPDATE privacy_access_deferral SET starts_on = '1970-01-01'")
    with op.batch_alter_table("privacy_access_deferral", schema=None) as batch_op:
        batch_op.alter_column(
            "starts_on",
            existing_type=sa.Date(),
            nullable=False,
            existing_comment=(
                "Calls from this date (Asia/Shanghai) on are hidden; earlier ones are not."
            ),
        )


def downgrade() -> None:
    with op.batch_alter_table("privacy_access_deferral", schema=None) as batch_op:
        batch_op.drop_column("starts_on")
    with op.batch_alter_table("privacy_evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_privacy_evidence_request_id"))
    op.drop_table("privacy_evidence")
