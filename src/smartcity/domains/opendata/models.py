"""Open datasets, their resources, usage counts, search postings and releases (Art. 29–31).

The rows of a resource are not in these tables: each tabular resource has a
physical table of its own (``OpenResource.table_name``), created at run time
from its field list by ``service.datastore`` (as base_data builds its ``bd_*``
tables), so the migration only defines the metadata tables below.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import JSON, Date, Enum, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smartcity.core.db.base import Base, Entity
from smartcity.core.time import utcnow
from smartcity.domains.opendata.enums import (
    DatasetState,
    OpenAccess,
    ReleaseKind,
    ReleaseState,
    ResourceKind,
    UsageChannel,
)
from smartcity.domains.registry.models import Organization

#: Prefix of the physical tables holding resource rows.
DATA_TABLE_PREFIX = "od_"


def _enum(enum: type[Any], length: int = 16) -> Enum:
    return Enum(enum, native_enum=False, length=length)


class OpenDataset(Entity):
    """A catalog entry's open form (CKAN's "package"), published by its provider.

    ``name`` is the CKAN-style URL slug (``[a-z0-9_-]``, 2–100 characters), unique
    and never reused; ``title`` and ``notes`` are Chinese. One dataset per catalog
    entry: a new release of the entry replaces the dataset's resources, it does
    not make a second dataset (harvesters key on the id).
    """

    __tablename__ = "opendata_dataset"
    __table_args__ = (
        # Covers the search's hits, facets and default order (state, id, the facet
        # columns, metadata_modified): a search's total, facets and page of ids are
        # read from this index, not the table rows.
        Index(
            "ix_opendata_dataset_facets",
            "state",
            "id",
            "provider_organization_id",
            "theme_code",
            "update_cycle",
            "license_id",
            "access",
            "metadata_modified",
        ),
        # A facet of every published dataset is a GROUP BY read in index order.
        Index("ix_opendata_dataset_provider_state", "provider_organization_id", "state"),
        Index("ix_opendata_dataset_theme_state", "theme_code", "state"),
        Index("ix_opendata_dataset_cycle_state", "update_cycle", "state"),
        Index("ix_opendata_dataset_license_state", "license_id", "state"),
        Index("ix_opendata_dataset_access_state", "access", "state"),
    )

    entry_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("catalog_entry.id"), unique=True, comment="The catalog entry it opens."
    )
    entry_version: Mapped[int] = mapped_column(Integer, default=1)
    resource_code: Mapped[str] = mapped_column(String(64), default="")
    name: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    notes: Mapped[str] = mapped_column(Text, default="")
    provider_organization_id: Mapped[UUID] = mapped_column(ForeignKey("registry_organization.id"))
    theme_code: Mapped[str] = mapped_column(String(32), default="")
    theme_name: Mapped[str] = mapped_column(String(100), default="")
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    license_id: Mapped[str] = mapped_column(String(32))
    update_cycle: Mapped[str] = mapped_column(String(16))
    access: Mapped[OpenAccess] = mapped_column(_enum(OpenAccess), default=OpenAccess.open)
    access_terms: Mapped[str] = mapped_column(
        Text, default="", comment="Terms a user accepts before downloading (conditional)."
    )
    state: Mapped[DatasetState] = mapped_column(
        _enum(DatasetState), default=DatasetState.draft, index=True
    )
    metadata_created: Mapped[datetime] = mapped_column(default=utcnow)
    metadata_modified: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    published_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]
    withdrawal_reason: Mapped[str] = mapped_column(Text, default="")
    download_count: Mapped[int] = mapped_column(Integer, default=0)
    api_count: Mapped[int] = mapped_column(Integer, default=0)
    view_count: Mapped[int] = mapped_column(Integer, default=0)

    provider: Mapped[Organization] = relationship(lazy="raise")
    resources: Mapped[list[OpenResource]] = relationship(
        back_populates="dataset",
        lazy="raise",
        order_by="OpenResource.position",
        cascade="all, delete-orphan",
    )

    @property
    def audit_label(self) -> str:
        return f"{self.name} {self.title}"


class OpenDatasetTag(Base):
    """One tag of a published dataset, for tag filters and facets (``tags`` is the
    dataset's own list; this table is its index, rewritten with it)."""

    __tablename__ = "opendata_dataset_tag"

    dataset_id: Mapped[UUID] = mapped_column(ForeignKey("opendata_dataset.id"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(100), primary_key=True, index=True)


class OpenResource(Entity):
    """One distribution of a dataset: a table of records, a statistical table or a file.

    ``fields`` is the data dictionary: ``[{"id", "title", "type", "description"}]``
    with ``type`` a ``FieldType``; ``table_name`` the physical table of its rows
    (empty for a file without rows). Columns of the physical table are ``c0…cN``
    in field order, so a field id can be any text (Chinese included).
    """

    __tablename__ = "opendata_resource"
    __table_args__ = (
        # The format filter probes (dataset_id, format), the format facet of every
        # published dataset reads (format, dataset_id): neither reads the rows.
        Index("ix_opendata_resource_dataset_format", "dataset_id", "format"),
        Index("ix_opendata_resource_format_dataset", "format", "dataset_id"),
    )

    dataset_id: Mapped[UUID] = mapped_column(ForeignKey("opendata_dataset.id"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    format: Mapped[str] = mapped_column(String(16), default="CSV")
    kind: Mapped[ResourceKind] = mapped_column(_enum(ResourceKind), default=ResourceKind.table)
    fields: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    row_count: Mapped[int] = mapped_column(Integer, default=0)
    table_name: Mapped[str] = mapped_column(String(63), default="")
    release_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("opendata_release.id"), comment="The checked release it was published from."
    )
    last_modified: Mapped[datetime] = mapped_column(default=utcnow)

    dataset: Mapped[OpenDataset] = relationship(back_populates="resources", lazy="raise")

    @property
    def audit_label(self) -> str:
        return self.name


class OpenUsage(Base):
    """How often a dataset was used on one day through one channel (Beijing date)."""

    __tablename__ = "opendata_usage"

    dataset_id: Mapped[UUID] = mapped_column(ForeignKey("opendata_dataset.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    channel: Mapped[UsageChannel] = mapped_column(_enum(UsageChannel), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class OpenSearchTerm(Base):
    """A posting of the dataset search: one term of a published dataset and its weight
    (title > tags > field names > notes). Written on publication, removed on withdrawal."""

    __tablename__ = "opendata_search_term"
    __table_args__ = (Index("ix_opendata_search_term_dataset", "dataset_id"),)

    term: Mapped[str] = mapped_column(String(32), primary_key=True)
    dataset_id: Mapped[UUID] = mapped_column(ForeignKey("opendata_dataset.id"), primary_key=True)
    weight: Mapped[int] = mapped_column(Integer, default=1)


class TermsAcceptance(Entity):
    """A registered user accepted a conditional dataset's terms (Art. 31: 有条件开放)."""

    __tablename__ = "opendata_terms_acceptance"
    __table_args__ = (Index("ux_opendata_terms_acceptance", "dataset_id", "user_id", unique=True),)

    dataset_id: Mapped[UUID] = mapped_column(ForeignKey("opendata_dataset.id"))
    user_id: Mapped[UUID] = mapped_column(ForeignKey("identity_user.id"), index=True)
    purpose: Mapped[str] = mapped_column(Text, default="")


class OpenRelease(Entity):
    """A prepared open form of a catalog entry and the decision of its check (Art. 31).

    ``plan`` holds each field's treatment (``FieldTreatment``) and role (direct
    identifier, quasi-identifier, sensitive, plain), then one ``{"name": "__fields__",
    "fields": [...]}`` element with the open field list; ``result`` the check:
    ``passed``, ``k_found``, ``suppressed_cells``, ``violations``. Only a release
    whose check passed can be published, and the check runs again at publication.
    """

    __tablename__ = "opendata_release"

    entry_id: Mapped[UUID] = mapped_column(ForeignKey("catalog_entry.id"), index=True)
    entry_version: Mapped[int] = mapped_column(Integer)
    kind: Mapped[ReleaseKind] = mapped_column(_enum(ReleaseKind))
    state: Mapped[ReleaseState] = mapped_column(_enum(ReleaseState), index=True)
    k: Mapped[int] = mapped_column(Integer, default=5)
    min_cell: Mapped[int] = mapped_column(Integer, default=10)
    group_by: Mapped[list[str]] = mapped_column(JSON, default=list)
    plan: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    row_count: Mapped[int] = mapped_column(Integer, default=0)
    source_name: Mapped[str] = mapped_column(
        String(200), default="", comment="Where the rows came from (file name, base table)."
    )
    table_name: Mapped[str] = mapped_column(
        String(63), default="", comment="Physical table of the de-identified rows."
    )
    prepared_by_name: Mapped[str] = mapped_column(String(100), default="")
    dataset_id: Mapped[UUID | None] = mapped_column(ForeignKey("opendata_dataset.id"))
    published_at: Mapped[datetime | None]

    @property
    def audit_label(self) -> str:
        return f"{self.kind.value} v{self.entry_version}"


class OpenApiKey(Entity):
    """A registered user's key for heavy use of the open data API (Art. 31: 社会化开发利用).

    Sent as ``Authorization: <key>`` (CKAN style) or ``X-API-Key``; it raises the
    caller's rate limit from the anonymous one to the key one. The key is shown once:
    only its prefix (to find the row) and the SHA-256 of the whole key are stored.
    Revoking keeps the row so usage and audit records still name it.
    """

    __tablename__ = "opendata_api_key"

    user_id: Mapped[UUID] = mapped_column(ForeignKey("identity_user.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    key_prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]

    @property
    def audit_label(self) -> str:
        return f"{self.name}（{self.key_prefix}）"
