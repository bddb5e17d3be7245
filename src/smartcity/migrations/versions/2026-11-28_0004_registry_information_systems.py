"""registry: information systems, their legal bases and change requests (Art. 22, 62, 70)

The registry of the city's systems (RIHA-style): owner, purpose, legal bases,
data composition, classified protection, backup and city-cloud status, with the
last approved description, and the change requests the coordinator decides.
Static: no application imports.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 16:16:28.445381
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "registry_information_system",
        sa.Column("owner_organization_id", sa.Uuid(), nullable=False),
        sa.Column(
            "code",
            sa.String(length=64),
            nullable=False,
            comment="Registry code, unique in the city, never changes.",
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column(
            "legal_basis_note",
            sa.Text(),
            nullable=False,
            comment="Further grounds in words, beside the cited articles.",
        ),
        sa.Column(
            "data_holdings",
            sa.JSON(),
            nullable=False,
            comment="Main data objects the system holds (RIHA stored_data).",
        ),
        sa.Column(
            "resources_used",
            sa.JSON(),
            nullable=False,
            comment="Data resources of others the system uses, by name.",
        ),
        sa.Column("user_count", sa.Integer(), nullable=False),
        sa.Column("data_volume_gb", sa.Float(), nullable=False),
        sa.Column("contacts", sa.JSON(), nullable=False, comment="[{name, role, phone}]"),
        sa.Column(
            "lifecycle_status",
            sa.Enum(
                "planned",
                "building",
                "in_use",
                "retired",
                name="systemlifecycle",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column(
            "is_preexisting",
            sa.Boolean(),
            nullable=False,
            comment="In use before it was registered (原有系统): Art. 22 asks it to migrate rather than to be deployed on the cloud from the start.",
        ),
        sa.Column(
            "protection_level",
            sa.Integer(),
            nullable=False,
            comment="Classified-protection level 1-5 (GB/T 22239).",
        ),
        sa.Column(
            "protection_assessed_date",
            sa.Date(),
            nullable=True,
            comment="Date of the last classified-protection assessment.",
        ),
        sa.Column(
            "protection_assessment_result",
            sa.Enum(
                "passed",
                "passed_with_remarks",
                "failed",
                name="assessmentresult",
                native_enum=False,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column(
            "backup_arrangement",
            sa.Enum(
                "none",
                "local",
                "offsite",
                "city_cloud_dr",
                name="backuparrangement",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("backup_note", sa.String(length=500), nullable=False),
        sa.Column(
            "cloud_status",
            sa.Enum(
                "deployed",
                "migrating",
                "not_migrated",
                "exempt",
                name="cloudstatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column(
            "migration_planned_date",
            sa.Date(),
            nullable=True,
            comment="When migration to the city cloud is to be complete.",
        ),
        sa.Column(
            "exemption_legal_basis_id",
            sa.Uuid(),
            nullable=True,
            comment="The article that exempts the system from the city cloud (required if exempt).",
        ),
        sa.Column("exemption_reason", sa.Text(), nullable=False),
        sa.Column(
            "composition_changed_at",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="When the data composition last changed; catalog entries must follow in 15 days.",
        ),
        sa.Column(
            "approved_snapshot",
            sa.JSON(),
            nullable=True,
            comment="The description as last approved by the coordinator.",
        ),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "protection_level BETWEEN 1 AND 5",
            name=op.f("ck_registry_information_system_protection_level_range"),
        ),
        sa.ForeignKeyConstraint(
            ["exemption_legal_basis_id"],
            ["registry_legal_basis.id"],
            name=op.f(
                "fk_registry_information_system_exemption_legal_basis_id_registry_legal_basis"
            ),
        ),
        sa.ForeignKeyConstraint(
            ["owner_organization_id"],
            ["registry_organization.id"],
            name=op.f("fk_registry_information_system_owner_organization_id_registry_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_information_system")),
        sa.UniqueConstraint("code", name=op.f("uq_registry_information_system_code")),
    )
    with op.batch_alter_table("registry_information_system", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_registry_information_system_cloud_status"),
            ["cloud_status"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_registry_information_system_lifecycle_status"),
            ["lifecycle_status"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_registry_information_system_name"), ["name"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_registry_information_system_owner_organization_id"),
            ["owner_organization_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_registry_information_system_protection_level"),
            ["protection_level"],
            unique=False,
        )

    op.create_table(
        "registry_information_system_legal_basis",
        sa.Column("information_system_id", sa.Uuid(), nullable=False),
        sa.Column("legal_basis_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["information_system_id"],
            ["registry_information_system.id"],
            name=op.f(
                "fk_registry_information_system_legal_basis_information_system_id_registry_information_system"
            ),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["legal_basis_id"],
            ["registry_legal_basis.id"],
            name=op.f(
                "fk_registry_information_system_legal_basis_legal_basis_id_registry_legal_basis"
            ),
        ),
        sa.PrimaryKeyConstraint(
            "information_system_id",
            "legal_basis_id",
            name=op.f("pk_registry_information_system_legal_basis"),
        ),
        comment="The articles of law an information system operates under.",
    )
    with op.batch_alter_table("registry_information_system_legal_basis", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_registry_information_system_legal_basis_legal_basis_id"),
            ["legal_basis_id"],
            unique=False,
        )

    op.create_table(
        "registry_system_change_request",
        sa.Column("system_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "registration",
                "go_live",
                "composition_change",
                "retirement",
                name="systemchangekind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("proposed_changes", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False, comment="The requester's explanation."),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "approved",
                "rejected",
                name="changerequeststatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column(
            "requested_by_id",
            sa.Uuid(),
            nullable=True,
            comment="User or API client that asked (no FK: either kind of actor).",
        ),
        sa.Column("requested_by_name", sa.String(length=100), nullable=False),
        sa.Column("reviewer_id", sa.Uuid(), nullable=True),
        sa.Column("reviewer_name", sa.String(length=100), nullable=False),
        sa.Column("opinion", sa.Text(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["system_id"],
            ["registry_information_system.id"],
            name=op.f("fk_registry_system_change_request_system_id_registry_information_system"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_system_change_request")),
    )
    with op.batch_alter_table("registry_system_change_request", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_registry_system_change_request_status"), ["status"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_registry_system_change_request_system_id"), ["system_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("registry_system_change_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_registry_system_change_request_system_id"))
        batch_op.drop_index(batch_op.f("ix_registry_system_change_request_status"))

    op.drop_table("registry_system_change_request")
    with op.batch_alter_table("registry_information_system_legal_basis", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_registry_information_system_legal_basis_legal_basis_id"))

    op.drop_table("registry_information_system_legal_basis")
    with op.batch_alter_table("registry_information_system", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_registry_information_system_protection_level"))
        batch_op.drop_index(batch_op.f("ix_registry_information_system_owner_organization_id"))
        batch_op.drop_index(batch_op.f("ix_registry_information_system_name"))
        batch_op.drop_index(batch_op.f("ix_registry_information_system_lifecycle_status"))
        batch_op.drop_index(batch_op.f("ix_registry_information_system_cloud_status"))

    op.drop_table("registry_information_system")
