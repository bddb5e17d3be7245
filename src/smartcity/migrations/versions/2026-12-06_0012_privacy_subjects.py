"""privacy: whose key each user is, and lawful deferrals of "who looked at my data"
(Art. 68)

A binding ties a user to his 公民身份号码 or its 统一社会信用代码 (one per user); a
deferral hides an organization's exchange calls from the data subjects until a date,
with its legal basis. Static: no application imports.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "privacy_subject_binding",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("subject_key", sa.String(length=32), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("citizen", "enterprise", name="subjectkind", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("bound_by_name", sa.String(length=100), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["identity_user.id"],
            name=op.f("fk_privacy_subject_binding_user_id_identity_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_subject_binding")),
        sa.UniqueConstraint("user_id", name=op.f("uq_privacy_subject_binding_user_id")),
    )
    with op.batch_alter_table("privacy_subject_binding", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_privacy_subject_binding_subject_key"), ["subject_key"], unique=False
        )

    op.create_table(
        "privacy_access_deferral",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("grant_id", sa.Uuid(), nullable=True, comment="Only calls under this grant."),
        sa.Column(
            "case_reference",
            sa.String(length=100),
            nullable=False,
            comment="Only calls citing this case reference.",
        ),
        sa.Column(
            "subject_key",
            sa.String(length=32),
            nullable=False,
            comment="Only this data subject; empty: every subject.",
        ),
        sa.Column("legal_basis_id", sa.Uuid(), nullable=False),
        sa.Column(
            "ends_on",
            sa.Date(),
            nullable=False,
            comment="Hidden through this date (Asia/Shanghai).",
        ),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_by_name", sa.String(length=100), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["legal_basis_id"],
            ["registry_legal_basis.id"],
            name=op.f("fk_privacy_access_deferral_legal_basis_id_registry_legal_basis"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["registry_organization.id"],
            name=op.f("fk_privacy_access_deferral_organization_id_registry_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_access_deferral")),
    )
    with op.batch_alter_table("privacy_access_deferral", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_privacy_access_deferral_organization_id"),
            ["organization_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("privacy_access_deferral", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_privacy_access_deferral_organization_id"))
    op.drop_table("privacy_access_deferral")
    with op.batch_alter_table("privacy_subject_binding", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_privacy_subject_binding_subject_key"))
    op.drop_table("privacy_subject_binding")
