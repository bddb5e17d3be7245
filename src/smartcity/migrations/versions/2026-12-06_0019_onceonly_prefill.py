"""onceonly: prefill requests with the citizen's consent and their items (Art. 28)

A service asks to prefill a form for a citizen; the items are the fields the
department may obtain, with their source; the citizen approves (all or some, maybe
edited) or declines; the approved values are kept until delivered once. Static: no
application imports.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 21:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "onceonly_prefill_request",
        sa.Column("form_id", sa.Uuid(), nullable=False),
        sa.Column(
            "organization_id", sa.Uuid(), nullable=False, comment="The requesting department."
        ),
        sa.Column(
            "requested_by_id",
            sa.Uuid(),
            nullable=True,
            comment="The API client (or user) that asked.",
        ),
        sa.Column("requested_by_name", sa.String(length=100), nullable=False),
        sa.Column(
            "subject_key",
            sa.String(length=32),
            nullable=False,
            comment="公民身份号码 of the citizen asked for consent.",
        ),
        sa.Column("case_reference", sa.String(length=100), nullable=False),
        sa.Column("purpose", sa.String(length=500), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "pending",
                "approved",
                "declined",
                "delivered",
                "revoked",
                "expired",
                name="prefillstate",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column(
            "expires_at",
            _WHEN,
            nullable=False,
            comment="Pending: answer by then; approved: fetched by then.",
        ),
        sa.Column("decided_at", _WHEN, nullable=True),
        sa.Column("decided_by_id", sa.Uuid(), nullable=True),
        sa.Column("delivered_at", _WHEN, nullable=True),
        sa.Column("revoked_at", _WHEN, nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.Column("updated_at", _WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["identity_user.id"],
            name=op.f("fk_onceonly_prefill_request_decided_by_id_identity_user"),
        ),
        sa.ForeignKeyConstraint(
            ["form_id"],
            ["onceonly_form.id"],
            name=op.f("fk_onceonly_prefill_request_form_id_onceonly_form"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["registry_organization.id"],
            name=op.f("fk_onceonly_prefill_request_organization_id_registry_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_onceonly_prefill_request")),
    )
    with op.batch_alter_table("onceonly_prefill_request", schema=None) as batch_op:
        for column in ("form_id", "organization_id", "state", "subject_key"):
            batch_op.create_index(
                batch_op.f(f"ix_onceonly_prefill_request_{column}"), [column], unique=False
            )

    op.create_table(
        "onceonly_prefill_item",
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("field_id", sa.Uuid(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("resource_code", sa.String(length=64), nullable=False),
        sa.Column("item_name", sa.String(length=100), nullable=False),
        sa.Column(
            "base_table", sa.String(length=63), nullable=False, comment="bd_* table read by key."
        ),
        sa.Column("source_organization_id", sa.Uuid(), nullable=True),
        sa.Column("source_name", sa.String(length=200), nullable=False),
        sa.Column(
            "basis",
            sa.Enum(
                "own",
                "granted",
                "unconditional",
                name="prefillbasis",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("grant_id", sa.Uuid(), nullable=True),
        sa.Column("is_approved", sa.Boolean(), nullable=False),
        sa.Column(
            "is_edited",
            sa.Boolean(),
            nullable=False,
            comment="The citizen typed the value: user-provided, not verified.",
        ),
        sa.Column(
            "value",
            sa.JSON(none_as_null=True),
            nullable=True,
            comment="Approved value until delivered.",
        ),
        sa.Column(
            "source_updated_at",
            _WHEN,
            nullable=True,
            comment="Last update of the platform value approved (None when edited).",
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.Column("updated_at", _WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["catalog_entry.id"],
            name=op.f("fk_onceonly_prefill_item_entry_id_catalog_entry"),
        ),
        sa.ForeignKeyConstraint(
            ["field_id"],
            ["onceonly_form_field.id"],
            name=op.f("fk_onceonly_prefill_item_field_id_onceonly_form_field"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["grant_id"],
            ["sharing_grant.id"],
            name=op.f("fk_onceonly_prefill_item_grant_id_sharing_grant"),
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["onceonly_prefill_request.id"],
            name=op.f("fk_onceonly_prefill_item_request_id_onceonly_prefill_request"),
        ),
        sa.ForeignKeyConstraint(
            ["source_organization_id"],
            ["registry_organization.id"],
            name=op.f("fk_onceonly_prefill_item_source_organization_id_registry_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_onceonly_prefill_item")),
    )
    with op.batch_alter_table("onceonly_prefill_item", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_onceonly_prefill_item_request_id"), ["request_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("onceonly_prefill_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_onceonly_prefill_item_request_id"))
    op.drop_table("onceonly_prefill_item")
    with op.batch_alter_table("onceonly_prefill_request", schema=None) as batch_op:
        for column in ("subject_key", "state", "organization_id", "form_id"):
            batch_op.drop_index(batch_op.f(f"ix_onceonly_prefill_request_{column}"))
    op.drop_table("onceonly_prefill_request")
