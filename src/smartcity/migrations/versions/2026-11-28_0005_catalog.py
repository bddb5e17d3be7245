"""catalog: entries, versions, information items, grading scheme, search postings (Art. 24-27, 31)

The government information resource catalog: live entries with their items and
cited legal bases, every version as a full snapshot, the configurable grading
scheme (seeded with the default: general data G1-G4, important, core), and the
postings of the Chinese full-text search (integer document keys; a WITHOUT
ROWID table on SQLite, byte-order collation on PostgreSQL). Static: no
application imports.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 16:18:28.662123
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "catalog_grade",
        sa.Column("code", sa.String(length=16), nullable=False, comment="Stable code, e.g. G3."),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False, comment="Higher is more protected."),
        sa.Column(
            "category",
            sa.Enum(
                "general", "important", "core", name="gradecategory", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_grade")),
        sa.UniqueConstraint("code", name=op.f("uq_catalog_grade_code")),
        sa.UniqueConstraint("rank", name=op.f("uq_catalog_grade_rank")),
    )
    op.create_table(
        "catalog_entry",
        sa.Column(
            "resource_code",
            sa.String(length=64),
            nullable=False,
            comment="Resource code: category code / sequence.",
        ),
        sa.Column(
            "status",
            sa.Enum(
                "draft", "published", "withdrawn", name="entrystatus", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column(
            "version",
            sa.Integer(),
            nullable=False,
            comment="Number of the published version; 0 before publication.",
        ),
        sa.Column(
            "published_at",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="When the live version was published (the last publication).",
        ),
        sa.Column("first_published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawal_reason", sa.Text(), nullable=False),
        sa.Column(
            "classification_kind",
            sa.Enum(
                "base",
                "thematic",
                "departmental",
                name="classificationkind",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column(
            "base_database",
            sa.Enum(
                "population",
                "legal_entity",
                "spatial_geography",
                "macro_economy",
                "social_credit",
                name="basedatabase",
                native_enum=False,
                length=32,
            ),
            nullable=True,
            comment="Which base database of Art. 23, for base resources.",
        ),
        sa.Column(
            "category_code",
            sa.String(length=32),
            nullable=False,
            comment="类/项/目/细目 code, e.g. B.01.02.",
        ),
        sa.Column("category_name", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("provider_organization_id", sa.Uuid(), nullable=False),
        sa.Column("abstract", sa.Text(), nullable=False),
        sa.Column(
            "format",
            sa.Enum(
                "electronic_file",
                "spreadsheet",
                "database",
                "image",
                "streaming_media",
                "self_describing",
                "service_interface",
                name="resourceformat",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "update_cycle",
            sa.Enum(
                "realtime",
                "daily",
                "weekly",
                "monthly",
                "quarterly",
                "half_yearly",
                "yearly",
                "irregular",
                name="updatecycle",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("release_date", sa.Date(), nullable=True),
        sa.Column("related_resource_codes", sa.JSON(), nullable=False),
        sa.Column("source_system_id", sa.Uuid(), nullable=True),
        sa.Column(
            "share_type",
            sa.Enum(
                "unconditional",
                "conditional",
                "none",
                name="sharetype",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("share_condition", sa.Text(), nullable=False),
        sa.Column(
            "share_mode",
            sa.Enum(
                "api", "query", "file", "table", name="sharemode", native_enum=False, length=16
            ),
            nullable=True,
        ),
        sa.Column(
            "open_type",
            sa.Enum("open", "conditional", "closed", name="opentype", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("open_condition", sa.Text(), nullable=False),
        sa.Column(
            "open_deidentified",
            sa.Boolean(),
            nullable=False,
            comment="The open form is de-identified (Art. 31, GB/T 35273).",
        ),
        sa.Column("deidentification_method", sa.Text(), nullable=False),
        sa.Column(
            "grade_code",
            sa.String(length=16),
            nullable=True,
            comment="Highest grade of the information items (computed).",
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["grade_code"],
            ["catalog_grade.code"],
            name=op.f("fk_catalog_entry_grade_code_catalog_grade"),
        ),
        sa.ForeignKeyConstraint(
            ["provider_organization_id"],
            ["registry_organization.id"],
            name=op.f("fk_catalog_entry_provider_organization_id_registry_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["source_system_id"],
            ["registry_information_system.id"],
            name=op.f("fk_catalog_entry_source_system_id_registry_information_system"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_entry")),
        sa.UniqueConstraint("resource_code", name=op.f("uq_catalog_entry_resource_code")),
    )
    with op.batch_alter_table("catalog_entry", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_catalog_entry_category_code"), ["category_code"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_catalog_entry_classification_kind"),
            ["classification_kind"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_catalog_entry_grade_code"), ["grade_code"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_catalog_entry_provider_organization_id"),
            ["provider_organization_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_catalog_entry_share_type"), ["share_type"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_catalog_entry_source_system_id"), ["source_system_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_catalog_entry_status"), ["status"], unique=False)

    op.create_table(
        "catalog_entry_legal_basis",
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("legal_basis_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["catalog_entry.id"],
            name=op.f("fk_catalog_entry_legal_basis_entry_id_catalog_entry"),
        ),
        sa.ForeignKeyConstraint(
            ["legal_basis_id"],
            ["registry_legal_basis.id"],
            name=op.f("fk_catalog_entry_legal_basis_legal_basis_id_registry_legal_basis"),
        ),
        sa.PrimaryKeyConstraint(
            "entry_id", "legal_basis_id", name=op.f("pk_catalog_entry_legal_basis")
        ),
        comment="Legal bases the live entry cites for its share type.",
    )
    with op.batch_alter_table("catalog_entry_legal_basis", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_catalog_entry_legal_basis_legal_basis_id"),
            ["legal_basis_id"],
            unique=False,
        )

    op.create_table(
        "catalog_entry_version",
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "draft",
                "submitted",
                "returned",
                "published",
                "superseded",
                name="versionstate",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("resource_code", sa.String(length=64), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("legal_basis_ids", sa.JSON(), nullable=False),
        sa.Column("drafted_by_id", sa.Uuid(), nullable=True),
        sa.Column("drafted_by_name", sa.String(length=100), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("submitted_by_name", sa.String(length=100), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviewer_id", sa.Uuid(), nullable=True),
        sa.Column("reviewer_name", sa.String(length=100), nullable=False),
        sa.Column("review_opinion", sa.Text(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "classification_kind",
            sa.Enum(
                "base",
                "thematic",
                "departmental",
                name="classificationkind",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column(
            "base_database",
            sa.Enum(
                "population",
                "legal_entity",
                "spatial_geography",
                "macro_economy",
                "social_credit",
                name="basedatabase",
                native_enum=False,
                length=32,
            ),
            nullable=True,
            comment="Which base database of Art. 23, for base resources.",
        ),
        sa.Column(
            "category_code",
            sa.String(length=32),
            nullable=False,
            comment="类/项/目/细目 code, e.g. B.01.02.",
        ),
        sa.Column("category_name", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("provider_organization_id", sa.Uuid(), nullable=False),
        sa.Column("abstract", sa.Text(), nullable=False),
        sa.Column(
            "format",
            sa.Enum(
                "electronic_file",
                "spreadsheet",
                "database",
                "image",
                "streaming_media",
                "self_describing",
                "service_interface",
                name="resourceformat",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "update_cycle",
            sa.Enum(
                "realtime",
                "daily",
                "weekly",
                "monthly",
                "quarterly",
                "half_yearly",
                "yearly",
                "irregular",
                name="updatecycle",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("release_date", sa.Date(), nullable=True),
        sa.Column("related_resource_codes", sa.JSON(), nullable=False),
        sa.Column("source_system_id", sa.Uuid(), nullable=True),
        sa.Column(
            "share_type",
            sa.Enum(
                "unconditional",
                "conditional",
                "none",
                name="sharetype",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("share_condition", sa.Text(), nullable=False),
        sa.Column(
            "share_mode",
            sa.Enum(
                "api", "query", "file", "table", name="sharemode", native_enum=False, length=16
            ),
            nullable=True,
        ),
        sa.Column(
            "open_type",
            sa.Enum("open", "conditional", "closed", name="opentype", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("open_condition", sa.Text(), nullable=False),
        sa.Column(
            "open_deidentified",
            sa.Boolean(),
            nullable=False,
            comment="The open form is de-identified (Art. 31, GB/T 35273).",
        ),
        sa.Column("deidentification_method", sa.Text(), nullable=False),
        sa.Column(
            "grade_code",
            sa.String(length=16),
            nullable=True,
            comment="Highest grade of the information items (computed).",
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["catalog_entry.id"],
            name=op.f("fk_catalog_entry_version_entry_id_catalog_entry"),
        ),
        sa.ForeignKeyConstraint(
            ["grade_code"],
            ["catalog_grade.code"],
            name=op.f("fk_catalog_entry_version_grade_code_catalog_grade"),
        ),
        sa.ForeignKeyConstraint(
            ["provider_organization_id"],
            ["registry_organization.id"],
            name=op.f("fk_catalog_entry_version_provider_organization_id_registry_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["source_system_id"],
            ["registry_information_system.id"],
            name=op.f("fk_catalog_entry_version_source_system_id_registry_information_system"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_entry_version")),
        sa.UniqueConstraint(
            "entry_id", "number", name=op.f("uq_catalog_entry_version_entry_id_number")
        ),
    )
    with op.batch_alter_table("catalog_entry_version", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_catalog_entry_version_category_code"), ["category_code"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_catalog_entry_version_classification_kind"),
            ["classification_kind"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_catalog_entry_version_entry_id"), ["entry_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_catalog_entry_version_grade_code"), ["grade_code"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_catalog_entry_version_provider_organization_id"),
            ["provider_organization_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_catalog_entry_version_share_type"), ["share_type"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_catalog_entry_version_source_system_id"),
            ["source_system_id"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_catalog_entry_version_state"), ["state"], unique=False)

    op.create_table(
        "catalog_information_item",
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column(
            "data_type",
            sa.Enum(
                "string",
                "integer",
                "decimal",
                "date",
                "datetime",
                "boolean",
                "binary",
                "geometry",
                name="datatype",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("length", sa.Integer(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("grade_code", sa.String(length=16), nullable=False),
        sa.Column(
            "identifies",
            sa.Enum(
                "person", "legal_entity", "none", name="identifies", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column("is_personal", sa.Boolean(), nullable=False),
        sa.Column("is_sensitive", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["catalog_entry.id"],
            name=op.f("fk_catalog_information_item_entry_id_catalog_entry"),
        ),
        sa.ForeignKeyConstraint(
            ["grade_code"],
            ["catalog_grade.code"],
            name=op.f("fk_catalog_information_item_grade_code_catalog_grade"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_information_item")),
        sa.UniqueConstraint(
            "entry_id", "name", name=op.f("uq_catalog_information_item_entry_id_name")
        ),
    )
    with op.batch_alter_table("catalog_information_item", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_catalog_information_item_entry_id"), ["entry_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_catalog_information_item_grade_code"), ["grade_code"], unique=False
        )

    op.create_table(
        "catalog_search_document",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("provider_organization_id", sa.Uuid(), nullable=False),
        sa.Column("classification_kind", sa.String(length=16), nullable=False),
        sa.Column("share_type", sa.String(length=16), nullable=False),
        sa.Column("open_type", sa.String(length=16), nullable=False),
        sa.Column("grade_code", sa.String(length=16), nullable=False),
        sa.Column("format", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["catalog_entry.id"],
            name=op.f("fk_catalog_search_document_entry_id_catalog_entry"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_search_document")),
        sa.UniqueConstraint("entry_id", name=op.f("uq_catalog_search_document_entry_id")),
    )
    op.create_table(
        "catalog_search_term",
        sa.Column(
            "term",
            sa.String(length=32).with_variant(sa.String(length=32, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("weight", sa.SmallInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["catalog_search_document.id"],
            name=op.f("fk_catalog_search_term_document_id_catalog_search_document"),
        ),
        sa.PrimaryKeyConstraint("term", "document_id", name=op.f("pk_catalog_search_term")),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("catalog_search_term", schema=None) as batch_op:
        batch_op.create_index(
            "ix_catalog_search_term_document_id_term", ["document_id", "term"], unique=False
        )

    _seed_default_grades()


# GB/T 43697-2024: general data in four sub-levels, then important and core data.
DEFAULT_GRADES = (
    ("G1", "公开", 1, "general", "一般数据1级：可向社会公开。"),
    ("G2", "内部", 2, "general", "一般数据2级：限于政务部门内部使用。"),
    ("G3", "受限", 3, "general", "一般数据3级：泄露会对个人或组织造成一定损害。"),
    ("G4", "敏感", 4, "general", "一般数据4级：泄露会对个人或组织造成严重损害。"),
    ("IMPORTANT", "重要数据", 5, "important", "GB/T 43697-2024 重要数据。"),
    ("CORE", "核心数据", 6, "core", "GB/T 43697-2024 核心数据。"),
)


def _seed_default_grades() -> None:
    grade = sa.table(
        "catalog_grade",
        sa.column("id", sa.Uuid()),
        sa.column("code", sa.String()),
        sa.column("name", sa.String()),
        sa.column("rank", sa.Integer()),
        sa.column("category", sa.String()),
        sa.column("description", sa.Text()),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("updated_at", sa.DateTime(timezone=True)),
    )
    now = datetime.now(UTC)
    op.bulk_insert(
        grade,
        [
            {
                "id": uuid.uuid4(),
                "code": code,
                "name": name,
                "rank": rank,
                "category": category,
                "description": description,
                "created_at": now,
                "updated_at": now,
            }
            for code, name, rank, category, description in DEFAULT_GRADES
        ],
    )


def downgrade() -> None:
    with op.batch_alter_table("catalog_search_term", schema=None) as batch_op:
        batch_op.drop_index("ix_catalog_search_term_document_id_term")

    op.drop_table("catalog_search_term")
    op.drop_table("catalog_search_document")
    with op.batch_alter_table("catalog_information_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_catalog_information_item_grade_code"))
        batch_op.drop_index(batch_op.f("ix_catalog_information_item_entry_id"))

    op.drop_table("catalog_information_item")
    with op.batch_alter_table("catalog_entry_version", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_catalog_entry_version_state"))
        batch_op.drop_index(batch_op.f("ix_catalog_entry_version_source_system_id"))
        batch_op.drop_index(batch_op.f("ix_catalog_entry_version_share_type"))
        batch_op.drop_index(batch_op.f("ix_catalog_entry_version_provider_organization_id"))
        batch_op.drop_index(batch_op.f("ix_catalog_entry_version_grade_code"))
        batch_op.drop_index(batch_op.f("ix_catalog_entry_version_entry_id"))
        batch_op.drop_index(batch_op.f("ix_catalog_entry_version_classification_kind"))
        batch_op.drop_index(batch_op.f("ix_catalog_entry_version_category_code"))

    op.drop_table("catalog_entry_version")
    with op.batch_alter_table("catalog_entry_legal_basis", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_catalog_entry_legal_basis_legal_basis_id"))

    op.drop_table("catalog_entry_legal_basis")
    with op.batch_alter_table("catalog_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_catalog_entry_status"))
        batch_op.drop_index(batch_op.f("ix_catalog_entry_source_system_id"))
        batch_op.drop_index(batch_op.f("ix_catalog_entry_share_type"))
        batch_op.drop_index(batch_op.f("ix_catalog_entry_provider_organization_id"))
        batch_op.drop_index(batch_op.f("ix_catalog_entry_grade_code"))
        batch_op.drop_index(batch_op.f("ix_catalog_entry_classification_kind"))
        batch_op.drop_index(batch_op.f("ix_catalog_entry_category_code"))

    op.drop_table("catalog_entry")
    op.drop_table("catalog_grade")
