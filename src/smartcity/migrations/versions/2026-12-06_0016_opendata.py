"""opendata: open datasets, resources, usage per day, search postings, terms
acceptances and de-identified releases (Art. 29–31)

The rows of each resource live in a physical ``od_*`` table created at run time
from its field list (not a migration, like base_data's ``bd_*``). Static: no
application imports.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 20:52:52
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "opendata_dataset",
        sa.Column("entry_id", sa.Uuid(), nullable=True, comment="The catalog entry it opens."),
        sa.Column("entry_version", sa.Integer(), nullable=False),
        sa.Column("resource_code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("provider_organization_id", sa.Uuid(), nullable=False),
        sa.Column("theme_code", sa.String(length=32), nullable=False),
        sa.Column("theme_name", sa.String(length=100), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("license_id", sa.String(length=32), nullable=False),
        sa.Column("update_cycle", sa.String(length=16), nullable=False),
        sa.Column(
            "access",
            sa.Enum("open", "conditional", name="openaccess", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column(
            "access_terms",
            sa.Text(),
            nullable=False,
            comment="Terms a user accepts before downloading (conditional).",
        ),
        sa.Column(
            "state",
            sa.Enum(
                "draft", "published", "withdrawn", name="datasetstate", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column("metadata_created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("metadata_modified", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawal_reason", sa.Text(), nullable=False),
        sa.Column("download_count", sa.Integer(), nullable=False),
        sa.Column("api_count", sa.Integer(), nullable=False),
        sa.Column("view_count", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["catalog_entry.id"],
            name=op.f("fk_opendata_dataset_entry_id_catalog_entry"),
        ),
        sa.ForeignKeyConstraint(
            ["provider_organization_id"],
            ["registry_organization.id"],
            name=op.f("fk_opendata_dataset_provider_organization_id_registry_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opendata_dataset")),
        sa.UniqueConstraint("entry_id", name=op.f("uq_opendata_dataset_entry_id")),
        sa.UniqueConstraint("name", name=op.f("uq_opendata_dataset_name")),
    )
    with op.batch_alter_table("opendata_dataset", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_opendata_dataset_license_id"), ["license_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_opendata_dataset_metadata_modified"), ["metadata_modified"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_opendata_dataset_provider_organization_id"),
            ["provider_organization_id"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_opendata_dataset_state"), ["state"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_opendata_dataset_theme_code"), ["theme_code"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_opendata_dataset_update_cycle"), ["update_cycle"], unique=False
        )

    op.create_table(
        "opendata_dataset_tag",
        sa.Column("dataset_id", sa.Uuid(), nullable=False),
        sa.Column("tag", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["opendata_dataset.id"],
            name=op.f("fk_opendata_dataset_tag_dataset_id_opendata_dataset"),
        ),
        sa.PrimaryKeyConstraint("dataset_id", "tag", name=op.f("pk_opendata_dataset_tag")),
    )
    with op.batch_alter_table("opendata_dataset_tag", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_opendata_dataset_tag_tag"), ["tag"], unique=False)

    op.create_table(
        "opendata_release",
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("entry_version", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("record", "statistical", name="releasekind", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column(
            "state",
            sa.Enum(
                "passed",
                "failed",
                "published",
                "discarded",
                name="releasestate",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("k", sa.Integer(), nullable=False),
        sa.Column("min_cell", sa.Integer(), nullable=False),
        sa.Column("group_by", sa.JSON(), nullable=False),
        sa.Column("plan", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column(
            "source_name",
            sa.String(length=200),
            nullable=False,
            comment="Where the rows came from (file name, base table).",
        ),
        sa.Column(
            "table_name",
            sa.String(length=63),
            nullable=False,
            comment="Physical table of the de-identified rows.",
        ),
        sa.Column("prepared_by_name", sa.String(length=100), nullable=False),
        sa.Column("dataset_id", sa.Uuid(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["opendata_dataset.id"],
            name=op.f("fk_opendata_release_dataset_id_opendata_dataset"),
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["catalog_entry.id"],
            name=op.f("fk_opendata_release_entry_id_catalog_entry"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opendata_release")),
    )
    with op.batch_alter_table("opendata_release", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_opendata_release_entry_id"), ["entry_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_opendata_release_state"), ["state"], unique=False)

    op.create_table(
        "opendata_search_term",
        sa.Column("term", sa.String(length=32), nullable=False),
        sa.Column("dataset_id", sa.Uuid(), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["opendata_dataset.id"],
            name=op.f("fk_opendata_search_term_dataset_id_opendata_dataset"),
        ),
        sa.PrimaryKeyConstraint("term", "dataset_id", name=op.f("pk_opendata_search_term")),
    )
    with op.batch_alter_table("opendata_search_term", schema=None) as batch_op:
        batch_op.create_index("ix_opendata_search_term_dataset", ["dataset_id"], unique=False)

    op.create_table(
        "opendata_terms_acceptance",
        sa.Column("dataset_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["opendata_dataset.id"],
            name=op.f("fk_opendata_terms_acceptance_dataset_id_opendata_dataset"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["identity_user.id"],
            name=op.f("fk_opendata_terms_acceptance_user_id_identity_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opendata_terms_acceptance")),
    )
    with op.batch_alter_table("opendata_terms_acceptance", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_opendata_terms_acceptance_user_id"), ["user_id"], unique=False
        )
        batch_op.create_index(
            "ux_opendata_terms_acceptance", ["dataset_id", "user_id"], unique=True
        )

    op.create_table(
        "opendata_usage",
        sa.Column("dataset_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column(
            "channel",
            sa.Enum("download", "api", "view", name="usagechannel", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["opendata_dataset.id"],
            name=op.f("fk_opendata_usage_dataset_id_opendata_dataset"),
        ),
        sa.PrimaryKeyConstraint("dataset_id", "day", "channel", name=op.f("pk_opendata_usage")),
    )
    op.create_table(
        "opendata_resource",
        sa.Column("dataset_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("format", sa.String(length=16), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "table", "aggregate", "file", name="resourcekind", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("table_name", sa.String(length=63), nullable=False),
        sa.Column(
            "release_id",
            sa.Uuid(),
            nullable=True,
            comment="The checked release it was published from.",
        ),
        sa.Column("last_modified", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["opendata_dataset.id"],
            name=op.f("fk_opendata_resource_dataset_id_opendata_dataset"),
        ),
        sa.ForeignKeyConstraint(
            ["release_id"],
            ["opendata_release.id"],
            name=op.f("fk_opendata_resource_release_id_opendata_release"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opendata_resource")),
    )
    with op.batch_alter_table("opendata_resource", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_opendata_resource_dataset_id"), ["dataset_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_opendata_resource_format"), ["format"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("opendata_resource", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_opendata_resource_format"))
        batch_op.drop_index(batch_op.f("ix_opendata_resource_dataset_id"))

    op.drop_table("opendata_resource")
    op.drop_table("opendata_usage")
    with op.batch_alter_table("opendata_terms_acceptance", schema=None) as batch_op:
        batch_op.drop_index("ux_opendata_terms_acceptance")
        batch_op.drop_index(batch_op.f("ix_opendata_terms_acceptance_user_id"))

    op.drop_table("opendata_terms_acceptance")
    with op.batch_alter_table("opendata_search_term", schema=None) as batch_op:
        batch_op.drop_index("ix_opendata_search_term_dataset")

    op.drop_table("opendata_search_term")
    with op.batch_alter_table("opendata_release", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_opendata_release_state"))
        batch_op.drop_index(batch_op.f("ix_opendata_release_entry_id"))

    op.drop_table("opendata_release")
    with op.batch_alter_table("opendata_dataset_tag", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_opendata_dataset_tag_tag"))

    op.drop_table("opendata_dataset_tag")
    with op.batch_alter_table("opendata_dataset", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_opendata_dataset_update_cycle"))
        batch_op.drop_index(batch_op.f("ix_opendata_dataset_theme_code"))
        batch_op.drop_index(batch_op.f("ix_opendata_dataset_state"))
        batch_op.drop_index(batch_op.f("ix_opendata_dataset_provider_organization_id"))
        batch_op.drop_index(batch_op.f("ix_opendata_dataset_metadata_modified"))
        batch_op.drop_index(batch_op.f("ix_opendata_dataset_license_id"))

    op.drop_table("opendata_dataset")
