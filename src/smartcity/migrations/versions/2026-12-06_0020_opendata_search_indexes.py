"""opendata: indexes that let the dataset search count without reading rows (Art. 31)

- ``ix_opendata_dataset_facets`` (state, id, the facet columns, metadata_modified): a
  search reads its hits' facet values and default order from the index instead of
  the table rows;
- ``(column, state)`` for each single facet, replacing the one-column indexes: the
  facets of every published dataset (the portal's home page) are GROUP BYs read in
  index order, and filters on those columns still use them;
- ``(dataset_id, format)`` and ``(format, dataset_id)`` on resources, replacing the
  one-column indexes: the format filter probes the first, the format facet of every
  published dataset reads the second.

Static: no application imports.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 22:20:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SINGLE = {
    "provider_organization_id": "ix_opendata_dataset_provider_state",
    "theme_code": "ix_opendata_dataset_theme_state",
    "update_cycle": "ix_opendata_dataset_cycle_state",
    "license_id": "ix_opendata_dataset_license_state",
    "access": "ix_opendata_dataset_access_state",
}
_FACETS = [
    "state",
    "id",
    "provider_organization_id",
    "theme_code",
    "update_cycle",
    "license_id",
    "access",
    "metadata_modified",
]


def upgrade() -> None:
    with op.batch_alter_table("opendata_dataset", schema=None) as batch_op:
        for column in ("provider_organization_id", "theme_code", "update_cycle", "license_id"):
            batch_op.drop_index(f"ix_opendata_dataset_{column}")
        batch_op.create_index("ix_opendata_dataset_facets", _FACETS, unique=False)
        for column, name in _SINGLE.items():
            batch_op.create_index(name, [column, "state"], unique=False)
    with op.batch_alter_table("opendata_resource", schema=None) as batch_op:
        batch_op.drop_index("ix_opendata_resource_dataset_id")
        batch_op.drop_index("ix_opendata_resource_format")
        batch_op.create_index(
            "ix_opendata_resource_dataset_format", ["dataset_id", "format"], unique=False
        )
        batch_op.create_index(
            "ix_opendata_resource_format_dataset", ["format", "dataset_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("opendata_resource", schema=None) as batch_op:
        batch_op.drop_index("ix_opendata_resource_format_dataset")
        batch_op.drop_index("ix_opendata_resource_dataset_format")
        batch_op.create_index("ix_opendata_resource_format", ["format"], unique=False)
        batch_op.create_index("ix_opendata_resource_dataset_id", ["dataset_id"], unique=False)
    with op.batch_alter_table("opendata_dataset", schema=None) as batch_op:
        for name in _SINGLE.values():
            batch_op.drop_index(name)
        batch_op.drop_index("ix_opendata_dataset_facets")
        for column in ("license_id", "update_cycle", "theme_code", "provider_organization_id"):
            batch_op.create_index(f"ix_opendata_dataset_{column}", [column], unique=False)
