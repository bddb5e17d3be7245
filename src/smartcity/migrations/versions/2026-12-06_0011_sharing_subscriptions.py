"""sharing: change subscriptions (webhooks) and their deliveries with retries and dead
letters (Art. 26)

A subscription binds a consumer's webhook to a grant with the ``changes`` mode; a
delivery is one load's notification (cursor range, number of changes, stale keys)
and its attempts. Static: no application imports.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sharing_subscription",
        sa.Column("number", sa.String(length=32), nullable=False, comment="DY-2026-000001"),
        sa.Column("grant_id", sa.Uuid(), nullable=False),
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("consumer_organization_id", sa.Uuid(), nullable=False),
        sa.Column("provider_organization_id", sa.Uuid(), nullable=False),
        sa.Column("callback_url", sa.String(length=2000), nullable=False),
        sa.Column(
            "secret",
            sa.String(length=100),
            nullable=False,
            comment="Signs each notification (HMAC-SHA256); shown once, at creation.",
        ),
        sa.Column(
            "state",
            sa.Enum(
                "active",
                "paused",
                "cancelled",
                name="subscriptionstate",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("created_by_name", sa.String(length=100), nullable=False),
        sa.Column(
            "last_delivered_cursor",
            sa.String(length=64),
            nullable=False,
            comment="The furthest change-feed cursor delivered.",
        ),
        sa.Column("last_delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["consumer_organization_id"],
            ["registry_organization.id"],
            name=op.f("fk_sharing_subscription_consumer_organization_id_registry_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["catalog_entry.id"],
            name=op.f("fk_sharing_subscription_entry_id_catalog_entry"),
        ),
        sa.ForeignKeyConstraint(
            ["grant_id"],
            ["sharing_grant.id"],
            name=op.f("fk_sharing_subscription_grant_id_sharing_grant"),
        ),
        sa.ForeignKeyConstraint(
            ["provider_organization_id"],
            ["registry_organization.id"],
            name=op.f("fk_sharing_subscription_provider_organization_id_registry_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sharing_subscription")),
        sa.UniqueConstraint("number", name=op.f("uq_sharing_subscription_number")),
    )
    with op.batch_alter_table("sharing_subscription", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sharing_subscription_consumer_organization_id"),
            ["consumer_organization_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_sharing_subscription_entry_id"), ["entry_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_sharing_subscription_grant_id"), ["grant_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_sharing_subscription_provider_organization_id"),
            ["provider_organization_id"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_sharing_subscription_state"), ["state"], unique=False)

    op.create_table(
        "sharing_delivery",
        sa.Column("subscription_id", sa.Uuid(), nullable=False),
        sa.Column("load_id", sa.Integer(), nullable=False),
        sa.Column(
            "cursor", sa.String(length=64), nullable=False, comment="Pull /changes from here."
        ),
        sa.Column(
            "next_cursor", sa.String(length=64), nullable=False, comment="The feed after this load."
        ),
        sa.Column("change_count", sa.Integer(), nullable=False),
        sa.Column("stale_keys", sa.JSON(), nullable=False),
        sa.Column("stale_key_count", sa.Integer(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "pending", "delivered", "dead", name="deliverystate", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_status", sa.Integer(), nullable=True, comment="HTTP status, if any."),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("dead_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["load_id"],
            ["base_data_load.id"],
            name=op.f("fk_sharing_delivery_load_id_base_data_load"),
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["sharing_subscription.id"],
            name=op.f("fk_sharing_delivery_subscription_id_sharing_subscription"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sharing_delivery")),
        sa.UniqueConstraint(
            "subscription_id", "load_id", name=op.f("uq_sharing_delivery_subscription_id_load_id")
        ),
    )
    with op.batch_alter_table("sharing_delivery", schema=None) as batch_op:
        batch_op.create_index("ix_sharing_delivery_due", ["state", "next_attempt_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_sharing_delivery_load_id"), ["load_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sharing_delivery", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sharing_delivery_load_id"))
        batch_op.drop_index("ix_sharing_delivery_due")

    op.drop_table("sharing_delivery")
    with op.batch_alter_table("sharing_subscription", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sharing_subscription_state"))
        batch_op.drop_index(batch_op.f("ix_sharing_subscription_provider_organization_id"))
        batch_op.drop_index(batch_op.f("ix_sharing_subscription_grant_id"))
        batch_op.drop_index(batch_op.f("ix_sharing_subscription_entry_id"))
        batch_op.drop_index(batch_op.f("ix_sharing_subscription_consumer_organization_id"))

    op.drop_table("sharing_subscription")
