"""sharing: share requests, grants, the hash-chained exchange log and its subject index
(Art. 26-28)

The exchange log is append-only like the audit log: triggers refuse UPDATE and
DELETE (and TRUNCATE on PostgreSQL). Static: no application imports.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY_MESSAGE = "sharing_exchange_log is append-only"


def upgrade() -> None:
    op.create_table(
        "sharing_exchange_log",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column(
            "occurred_at",
            sa.String(length=32),
            nullable=False,
            comment="UTC, microseconds, ISO 8601.",
        ),
        sa.Column("consumer_organization_id", sa.String(length=36), nullable=False),
        sa.Column("client_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("grant_id", sa.String(length=36), nullable=False),
        sa.Column("case_reference", sa.String(length=100), nullable=False),
        sa.Column("operation", sa.String(length=16), nullable=False),
        sa.Column("resource", sa.String(length=63), nullable=False),
        sa.Column("subject_keys", sa.Text(), nullable=False, comment="JSON list."),
        sa.Column("fields", sa.Text(), nullable=False, comment="JSON list."),
        sa.Column(
            "result", sa.String(length=64), nullable=False, comment="ok, or the problem code."
        ),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("latency_ms", sa.Integer(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("entry_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_sharing_exchange_log")),
        sa.UniqueConstraint("entry_hash", name=op.f("uq_sharing_exchange_log_entry_hash")),
    )
    with op.batch_alter_table("sharing_exchange_log", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sharing_exchange_log_consumer", ["consumer_organization_id", "seq"], unique=False
        )
        batch_op.create_index("ix_sharing_exchange_log_grant", ["grant_id", "seq"], unique=False)

    op.create_table(
        "sharing_exchange_subject",
        sa.Column("subject_key", sa.String(length=32), nullable=False),
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["seq"],
            ["sharing_exchange_log.seq"],
            name=op.f("fk_sharing_exchange_subject_seq_sharing_exchange_log"),
        ),
        sa.PrimaryKeyConstraint("subject_key", "seq", name=op.f("pk_sharing_exchange_subject")),
    )
    op.create_table(
        "sharing_request",
        sa.Column("number", sa.String(length=32), nullable=False, comment="GX-2026-000001"),
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("provider_organization_id", sa.Uuid(), nullable=False),
        sa.Column("consumer_organization_id", sa.Uuid(), nullable=False),
        sa.Column(
            "consumer_client_id",
            sa.Uuid(),
            nullable=True,
            comment="The API client the grant is bound to, if any.",
        ),
        sa.Column("requested_by_id", sa.Uuid(), nullable=True),
        sa.Column("requested_by_name", sa.String(length=100), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False, comment="Requested information items."),
        sa.Column("granted_items", sa.JSON(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column(
            "scenario",
            sa.String(length=200),
            nullable=False,
            comment="The government service or matter it serves.",
        ),
        sa.Column(
            "legal_basis_id",
            sa.Uuid(),
            nullable=True,
            comment="The requester's basis, where needed.",
        ),
        sa.Column("query_modes", sa.JSON(), nullable=False),
        sa.Column("requested_months", sa.Integer(), nullable=False),
        sa.Column("expected_volume", sa.Integer(), nullable=False, comment="Calls per day."),
        sa.Column(
            "path",
            sa.Enum(
                "unconditional",
                "conditional",
                "not_shared",
                name="requestpath",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column(
            "state",
            sa.Enum(
                "compliance_check",
                "provider_review",
                "escalated",
                "granted",
                "partially_granted",
                "refused",
                "withdrawn",
                name="requeststate",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "check_due_at",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="Compliance check deadline.",
        ),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checked_by_name", sa.String(length=100), nullable=False),
        sa.Column("check_opinion", sa.Text(), nullable=False),
        sa.Column(
            "answer_due_at",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="Provider answer deadline.",
        ),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_by_name", sa.String(length=100), nullable=False),
        sa.Column("answer_opinion", sa.Text(), nullable=False),
        sa.Column("refusal_basis_id", sa.Uuid(), nullable=True),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["consumer_organization_id"],
            ["registry_organization.id"],
            name=op.f("fk_sharing_request_consumer_organization_id_registry_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["catalog_entry.id"],
            name=op.f("fk_sharing_request_entry_id_catalog_entry"),
        ),
        sa.ForeignKeyConstraint(
            ["legal_basis_id"],
            ["registry_legal_basis.id"],
            name=op.f("fk_sharing_request_legal_basis_id_registry_legal_basis"),
        ),
        sa.ForeignKeyConstraint(
            ["provider_organization_id"],
            ["registry_organization.id"],
            name=op.f("fk_sharing_request_provider_organization_id_registry_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["refusal_basis_id"],
            ["registry_legal_basis.id"],
            name=op.f("fk_sharing_request_refusal_basis_id_registry_legal_basis"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sharing_request")),
        sa.UniqueConstraint("number", name=op.f("uq_sharing_request_number")),
    )
    with op.batch_alter_table("sharing_request", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sharing_request_consumer_organization_id"),
            ["consumer_organization_id"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_sharing_request_entry_id"), ["entry_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_sharing_request_provider_organization_id"),
            ["provider_organization_id"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_sharing_request_state"), ["state"], unique=False)

    op.create_table(
        "sharing_grant",
        sa.Column("number", sa.String(length=32), nullable=False, comment="SQ-2026-000001"),
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("provider_organization_id", sa.Uuid(), nullable=False),
        sa.Column("consumer_organization_id", sa.Uuid(), nullable=False),
        sa.Column("consumer_client_id", sa.Uuid(), nullable=True),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("scenario", sa.String(length=200), nullable=False),
        sa.Column("query_modes", sa.JSON(), nullable=False),
        sa.Column(
            "clearance_rank",
            sa.Integer(),
            nullable=False,
            comment="Items graded above this rank are masked.",
        ),
        sa.Column(
            "personal_clear",
            sa.Boolean(),
            nullable=False,
            comment="Personal information returned unmasked.",
        ),
        sa.Column("rate_per_minute", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "state",
            sa.Enum("active", "revoked", name="grantstate", native_enum=False, length=24),
            nullable=False,
        ),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revocation_reason", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["consumer_organization_id"],
            ["registry_organization.id"],
            name=op.f("fk_sharing_grant_consumer_organization_id_registry_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["catalog_entry.id"], name=op.f("fk_sharing_grant_entry_id_catalog_entry")
        ),
        sa.ForeignKeyConstraint(
            ["provider_organization_id"],
            ["registry_organization.id"],
            name=op.f("fk_sharing_grant_provider_organization_id_registry_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["sharing_request.id"],
            name=op.f("fk_sharing_grant_request_id_sharing_request"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sharing_grant")),
        sa.UniqueConstraint("number", name=op.f("uq_sharing_grant_number")),
    )
    with op.batch_alter_table("sharing_grant", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sharing_grant_consumer_organization_id"),
            ["consumer_organization_id"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_sharing_grant_entry_id"), ["entry_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_sharing_grant_provider_organization_id"),
            ["provider_organization_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_sharing_grant_request_id"), ["request_id"], unique=False
        )
    _create_append_only_triggers()


def _create_append_only_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION sharing_exchange_log_append_only() RETURNS trigger"
            f" LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER sharing_exchange_log_no_change BEFORE UPDATE OR DELETE"
            " ON sharing_exchange_log FOR EACH ROW"
            " EXECUTE FUNCTION sharing_exchange_log_append_only()"
        )
        op.execute(
            "CREATE TRIGGER sharing_exchange_log_no_truncate BEFORE TRUNCATE"
            " ON sharing_exchange_log FOR EACH STATEMENT"
            " EXECUTE FUNCTION sharing_exchange_log_append_only()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER sharing_exchange_log_no_{verb.lower()} BEFORE {verb}"
                f" ON sharing_exchange_log BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "DROP TRIGGER IF EXISTS sharing_exchange_log_no_truncate ON sharing_exchange_log"
        )
        op.execute("DROP TRIGGER IF EXISTS sharing_exchange_log_no_change ON sharing_exchange_log")
        op.execute("DROP FUNCTION IF EXISTS sharing_exchange_log_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS sharing_exchange_log_no_update")
        op.execute("DROP TRIGGER IF EXISTS sharing_exchange_log_no_delete")
    with op.batch_alter_table("sharing_grant", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sharing_grant_request_id"))
        batch_op.drop_index(batch_op.f("ix_sharing_grant_provider_organization_id"))
        batch_op.drop_index(batch_op.f("ix_sharing_grant_entry_id"))
        batch_op.drop_index(batch_op.f("ix_sharing_grant_consumer_organization_id"))

    op.drop_table("sharing_grant")
    with op.batch_alter_table("sharing_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sharing_request_state"))
        batch_op.drop_index(batch_op.f("ix_sharing_request_provider_organization_id"))
        batch_op.drop_index(batch_op.f("ix_sharing_request_entry_id"))
        batch_op.drop_index(batch_op.f("ix_sharing_request_consumer_organization_id"))

    op.drop_table("sharing_request")
    op.drop_table("sharing_exchange_subject")
    with op.batch_alter_table("sharing_exchange_log", schema=None) as batch_op:
        batch_op.drop_index("ix_sharing_exchange_log_grant")
        batch_op.drop_index("ix_sharing_exchange_log_consumer")

    op.drop_table("sharing_exchange_log")
