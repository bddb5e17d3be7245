"""onceonly: service forms (事项) with their fields mapped to catalog information items,
and the citizens' "asked again" cases (Art. 28)

A field is mapped to a catalog entry and an item name, or marked 仅申请人提供 with a
reason; a case names the form and field when known (the field kept as a label when
the form is edited and the field goes). Static: no application imports.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "onceonly_form",
        sa.Column(
            "code",
            sa.String(length=64),
            nullable=False,
            comment="Matter code of the government-services catalog.",
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "organization_id", sa.Uuid(), nullable=False, comment="The department running it."
        ),
        sa.Column(
            "channel",
            sa.Enum(
                "online",
                "mobile",
                "counter",
                "self_service",
                name="formchannel",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["registry_organization.id"],
            name=op.f("fk_onceonly_form_organization_id_registry_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_onceonly_form")),
        sa.UniqueConstraint("code", name=op.f("uq_onceonly_form_code")),
    )
    with op.batch_alter_table("onceonly_form", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_onceonly_form_organization_id"), ["organization_id"], unique=False
        )

    op.create_table(
        "onceonly_form_field",
        sa.Column("form_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column(
            "label", sa.String(length=100), nullable=False, comment="The label the form shows."
        ),
        sa.Column(
            "entry_id", sa.Uuid(), nullable=True, comment="Catalog entry of the mapped item."
        ),
        sa.Column(
            "item_name",
            sa.String(length=100),
            nullable=False,
            comment="Name of the mapped information item of the entry.",
        ),
        sa.Column(
            "applicant_only",
            sa.Boolean(),
            nullable=False,
            comment="仅申请人提供: no platform source can exist.",
        ),
        sa.Column("applicant_only_reason", sa.Text(), nullable=False),
        sa.Column(
            "collection",
            sa.Enum(
                "typed",
                "prefilled",
                "attachment",
                name="fieldcollection",
                native_enum=False,
                length=16,
            ),
            nullable=False,
            comment="How the form gets the value today.",
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["catalog_entry.id"],
            name=op.f("fk_onceonly_form_field_entry_id_catalog_entry"),
        ),
        sa.ForeignKeyConstraint(
            ["form_id"],
            ["onceonly_form.id"],
            name=op.f("fk_onceonly_form_field_form_id_onceonly_form"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_onceonly_form_field")),
    )
    with op.batch_alter_table("onceonly_form_field", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_onceonly_form_field_entry_id"), ["entry_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_onceonly_form_field_form_id"), ["form_id"], unique=False
        )

    op.create_table(
        "onceonly_case",
        sa.Column("number", sa.String(length=32), nullable=False, comment="CF-2026-000001"),
        sa.Column("reporter_id", sa.Uuid(), nullable=False),
        sa.Column("reporter_name", sa.String(length=100), nullable=False),
        sa.Column("form_id", sa.Uuid(), nullable=True),
        sa.Column(
            "field_id", sa.Uuid(), nullable=True, comment="The field asked again, when known."
        ),
        sa.Column("field_label", sa.String(length=100), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=True),
        sa.Column(
            "department_text",
            sa.String(length=200),
            nullable=False,
            comment="Free text when no form was picked.",
        ),
        sa.Column("matter_text", sa.String(length=200), nullable=False),
        sa.Column(
            "data_text",
            sa.String(length=500),
            nullable=False,
            comment="Which data was asked again.",
        ),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "new",
                "handling",
                "resolved",
                "dismissed",
                name="casestate",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("handling_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("handled_by_name", sa.String(length=100), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "reply",
            sa.Text(),
            nullable=False,
            comment="The reply when resolved, the reason when dismissed.",
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["field_id"],
            ["onceonly_form_field.id"],
            name=op.f("fk_onceonly_case_field_id_onceonly_form_field"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["form_id"], ["onceonly_form.id"], name=op.f("fk_onceonly_case_form_id_onceonly_form")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["registry_organization.id"],
            name=op.f("fk_onceonly_case_organization_id_registry_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["reporter_id"],
            ["identity_user.id"],
            name=op.f("fk_onceonly_case_reporter_id_identity_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_onceonly_case")),
        sa.UniqueConstraint("number", name=op.f("uq_onceonly_case_number")),
    )
    with op.batch_alter_table("onceonly_case", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_onceonly_case_form_id"), ["form_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_onceonly_case_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_onceonly_case_reporter_id"), ["reporter_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_onceonly_case_state"), ["state"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("onceonly_case", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_onceonly_case_state"))
        batch_op.drop_index(batch_op.f("ix_onceonly_case_reporter_id"))
        batch_op.drop_index(batch_op.f("ix_onceonly_case_organization_id"))
        batch_op.drop_index(batch_op.f("ix_onceonly_case_form_id"))

    op.drop_table("onceonly_case")
    with op.batch_alter_table("onceonly_form_field", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_onceonly_form_field_form_id"))
        batch_op.drop_index(batch_op.f("ix_onceonly_form_field_entry_id"))

    op.drop_table("onceonly_form_field")
    with op.batch_alter_table("onceonly_form", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_onceonly_form_organization_id"))

    op.drop_table("onceonly_form")
