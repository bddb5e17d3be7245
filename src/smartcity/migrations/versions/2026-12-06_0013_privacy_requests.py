"""privacy: the data subjects' correction and deletion requests (Art. 68)

A request is filed by a bound subject on a value of his own record, addressed to the
field's source department, and answered (corrected, partially, refused with a legal
basis) on a working-day clock, or withdrawn. While a correction is open the value is
disputed in exchange responses: the dispute index serves that one query per call.
Static: no application imports.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "privacy_data_request",
        sa.Column("number", sa.String(length=32), nullable=False, comment="GZ-2026-000001"),
        sa.Column("subject_key", sa.String(length=32), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("correction", "deletion", name="datarequestkind", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column(
            "table_name", sa.String(length=63), nullable=False, comment="The base-data table."
        ),
        sa.Column("table_title", sa.String(length=200), nullable=False),
        sa.Column(
            "field_name",
            sa.String(length=100),
            nullable=False,
            comment="Empty: a deletion of the whole record.",
        ),
        sa.Column("current_value", sa.Text(), nullable=False, comment="As the subject saw it."),
        sa.Column("claimed_value", sa.Text(), nullable=False, comment="Correction: the claim."),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("source_organization_id", sa.Uuid(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "submitted",
                "corrected",
                "partially",
                "refused",
                "withdrawn",
                name="datarequeststate",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "due_at",
            sa.DateTime(timezone=True),
            nullable=False,
            comment="Answer deadline (24:00, Asia/Shanghai).",
        ),
        sa.Column("filed_by_id", sa.Uuid(), nullable=False),
        sa.Column("filed_by_name", sa.String(length=100), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_by_name", sa.String(length=100), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("refusal_basis_id", sa.Uuid(), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["filed_by_id"],
            ["identity_user.id"],
            name=op.f("fk_privacy_data_request_filed_by_id_identity_user"),
        ),
        sa.ForeignKeyConstraint(
            ["refusal_basis_id"],
            ["registry_legal_basis.id"],
            name=op.f("fk_privacy_data_request_refusal_basis_id_registry_legal_basis"),
        ),
        sa.ForeignKeyConstraint(
            ["source_organization_id"],
            ["registry_organization.id"],
            name=op.f("fk_privacy_data_request_source_organization_id_registry_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_data_request")),
        sa.UniqueConstraint("number", name=op.f("uq_privacy_data_request_number")),
    )
    with op.batch_alter_table("privacy_data_request", schema=None) as batch_op:
        batch_op.create_index(
            "ix_privacy_data_request_dispute",
            ["subject_key", "table_name", "field_name", "state"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_privacy_data_request_filed_by_id"), ["filed_by_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_privacy_data_request_source_organization_id"),
            ["source_organization_id"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_privacy_data_request_state"), ["state"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("privacy_data_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_privacy_data_request_state"))
        batch_op.drop_index(batch_op.f("ix_privacy_data_request_source_organization_id"))
        batch_op.drop_index(batch_op.f("ix_privacy_data_request_filed_by_id"))
        batch_op.drop_index("ix_privacy_data_request_dispute")
    op.drop_table("privacy_data_request")
