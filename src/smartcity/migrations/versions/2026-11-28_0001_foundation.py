"""foundation: organizations, identity, audit

The audit log is append-only: triggers refuse UPDATE, DELETE (and on
PostgreSQL TRUNCATE) of ``audit_event``. Someone with the database owner's
rights can still drop them; the hash chain is what proves tampering then.

Revision ID: 0001
Revises:
Create Date: 2026-11-28 15:55:39.544107
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_anchor",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("entry_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_anchor")),
    )
    op.create_table(
        "audit_event",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_kind", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("actor_name", sa.String(length=100), nullable=False),
        sa.Column(
            "organization_id",
            sa.Uuid(),
            nullable=True,
            comment="Organization on whose behalf the actor acted.",
        ),
        sa.Column(
            "action",
            sa.String(length=100),
            nullable=False,
            comment="<domain>.<entity>.<past-tense verb>",
        ),
        sa.Column("subject_type", sa.String(length=64), nullable=False),
        sa.Column("subject_id", sa.String(length=64), nullable=False),
        sa.Column("subject_label", sa.String(length=200), nullable=False),
        sa.Column(
            "changes", sa.Text(), nullable=False, comment="Changed fields as canonical JSON."
        ),
        sa.Column("request_id", sa.String(length=64), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("entry_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_event")),
        sa.UniqueConstraint("entry_hash", name=op.f("uq_audit_event_entry_hash")),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_event_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_event_actor_id"), ["actor_id"], unique=False)
        batch_op.create_index("ix_audit_event_occurred_at", ["occurred_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_audit_event_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_index(
            "ix_audit_event_subject", ["subject_type", "subject_id"], unique=False
        )

    op.create_table(
        "identity_login_attempt",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=False),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_login_attempt")),
    )
    with op.batch_alter_table("identity_login_attempt", schema=None) as batch_op:
        batch_op.create_index(
            "ix_identity_login_attempt_ip_at", ["ip", "attempted_at"], unique=False
        )
        batch_op.create_index(
            "ix_identity_login_attempt_username_at", ["username", "attempted_at"], unique=False
        )

    op.create_table(
        "registry_organization",
        sa.Column(
            "code",
            sa.String(length=32),
            nullable=False,
            comment="Directory code, stable, used by imports.",
        ),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("short_name", sa.String(length=50), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "city_government",
                "county_government",
                "municipal_department",
                "county_department",
                "development_zone",
                "public_institution",
                "association",
                "enterprise",
                "other",
                name="organizationkind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("parent_id", sa.Uuid(), nullable=True),
        sa.Column(
            "division_code",
            sa.String(length=6),
            nullable=False,
            comment="GB/T 2260 code of the area the body serves (370800 for the city).",
        ),
        sa.Column(
            "zone_code",
            sa.String(length=16),
            nullable=False,
            comment="Functional-zone code (not GB/T 2260), e.g. 370871.",
        ),
        sa.Column(
            "credit_code",
            sa.String(length=18),
            nullable=True,
            comment="GB 32100 unified social credit code.",
        ),
        sa.Column(
            "credit_code_override_reason",
            sa.String(length=500),
            nullable=False,
            comment="Why a code failing the GB 32100 check is accepted (it was really issued).",
        ),
        sa.Column(
            "coordinator_flag",
            sa.Boolean(),
            nullable=True,
            comment="True for the platform authority (Art. 6), NULL otherwise.",
        ),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("website", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["registry_organization.id"],
            name=op.f("fk_registry_organization_parent_id_registry_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_organization")),
        sa.UniqueConstraint("code", name=op.f("uq_registry_organization_code")),
        sa.UniqueConstraint(
            "coordinator_flag", name=op.f("uq_registry_organization_coordinator_flag")
        ),
        sa.UniqueConstraint("credit_code", name=op.f("uq_registry_organization_credit_code")),
    )
    with op.batch_alter_table("registry_organization", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_registry_organization_division_code"), ["division_code"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_registry_organization_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_registry_organization_name"), ["name"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_registry_organization_parent_id"), ["parent_id"], unique=False
        )

    op.create_table(
        "identity_user",
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=True),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["registry_organization.id"],
            name=op.f("fk_identity_user_organization_id_registry_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_user")),
        sa.UniqueConstraint("username", name=op.f("uq_identity_user_username")),
    )
    with op.batch_alter_table("identity_user", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_identity_user_organization_id"), ["organization_id"], unique=False
        )

    op.create_table(
        "registry_organization_duty",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("article", sa.Integer(), nullable=False),
        sa.Column(
            "named_body",
            sa.String(length=100),
            nullable=False,
            comment="The body as the regulation names it.",
        ),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["registry_organization.id"],
            name=op.f("fk_registry_organization_duty_organization_id_registry_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_organization_duty")),
        sa.UniqueConstraint(
            "organization_id",
            "article",
            "named_body",
            name=op.f("uq_registry_organization_duty_organization_id_article_named_body"),
        ),
    )
    with op.batch_alter_table("registry_organization_duty", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_registry_organization_duty_article"), ["article"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_registry_organization_duty_organization_id"),
            ["organization_id"],
            unique=False,
        )

    op.create_table(
        "identity_api_client",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("token_prefix", sa.String(length=16), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["identity_user.id"],
            name=op.f("fk_identity_api_client_created_by_id_identity_user"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["registry_organization.id"],
            name=op.f("fk_identity_api_client_organization_id_registry_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_api_client")),
        sa.UniqueConstraint("token_prefix", name=op.f("uq_identity_api_client_token_prefix")),
    )
    with op.batch_alter_table("identity_api_client", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_identity_api_client_organization_id"), ["organization_id"], unique=False
        )

    op.create_table(
        "identity_login_session",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ip", sa.String(length=64), nullable=False),
        sa.Column("user_agent", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["identity_user.id"],
            name=op.f("fk_identity_login_session_user_id_identity_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_login_session")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_identity_login_session_token_hash")),
    )
    with op.batch_alter_table("identity_login_session", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_identity_login_session_user_id"), ["user_id"], unique=False
        )
    _create_append_only_triggers()


APPEND_ONLY_MESSAGE = "audit_event is append-only"


def _create_append_only_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$"
            f" BEGIN RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_event"
            " FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event"
            " FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_event_no_{verb.lower()} BEFORE {verb} ON audit_event"
                f" BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event")
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_change ON audit_event")
        op.execute("DROP FUNCTION IF EXISTS audit_event_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_delete")
    with op.batch_alter_table("identity_login_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_identity_login_session_user_id"))

    op.drop_table("identity_login_session")
    with op.batch_alter_table("identity_api_client", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_identity_api_client_organization_id"))

    op.drop_table("identity_api_client")
    with op.batch_alter_table("registry_organization_duty", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_registry_organization_duty_organization_id"))
        batch_op.drop_index(batch_op.f("ix_registry_organization_duty_article"))

    op.drop_table("registry_organization_duty")
    with op.batch_alter_table("identity_user", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_identity_user_organization_id"))

    op.drop_table("identity_user")
    with op.batch_alter_table("registry_organization", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_registry_organization_parent_id"))
        batch_op.drop_index(batch_op.f("ix_registry_organization_name"))
        batch_op.drop_index(batch_op.f("ix_registry_organization_kind"))
        batch_op.drop_index(batch_op.f("ix_registry_organization_division_code"))

    op.drop_table("registry_organization")
    with op.batch_alter_table("identity_login_attempt", schema=None) as batch_op:
        batch_op.drop_index("ix_identity_login_attempt_username_at")
        batch_op.drop_index("ix_identity_login_attempt_ip_at")

    op.drop_table("identity_login_attempt")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_event_subject")
        batch_op.drop_index(batch_op.f("ix_audit_event_organization_id"))
        batch_op.drop_index("ix_audit_event_occurred_at")
        batch_op.drop_index(batch_op.f("ix_audit_event_actor_id"))
        batch_op.drop_index(batch_op.f("ix_audit_event_action"))

    op.drop_table("audit_event")
    op.drop_table("audit_anchor")
