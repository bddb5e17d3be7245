"""Catalog tables: entries, their versions and information items, the grading scheme,
and the search postings."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import (
    JSON,
    Column,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smartcity.core.db.base import Base, Entity
from smartcity.core.time import utcnow
from smartcity.domains.catalog.enums import (
    BaseDatabase,
    ClassificationKind,
    DataType,
    EntryStatus,
    GradeCategory,
    Identifies,
    OpenType,
    ResourceFormat,
    ShareMode,
    ShareType,
    UpdateCycle,
    VersionState,
)
from smartcity.domains.registry.models import InformationSystem, LegalBasis, Organization

# The 2016 sharing measures give departments 15 days to update their catalog
# after a change (国发〔2016〕51号).
STALE_AFTER = timedelta(days=15)


def _enum(kind: type[Any], length: int = 32) -> Enum:
    return Enum(kind, native_enum=False, length=length)


class Grade(Entity):
    """One level of the grading scheme (分级, Art. 23–24; GB/T 43697-2024).

    The coordinator configures it. The default scheme is four sub-levels of
    general data (G1 公开 … G4 敏感), then important and core data. ``rank``
    orders levels from low to high and is unique, so "the highest grade of an
    entry's items" is well defined. A level that items carry cannot be deleted.
    """

    __tablename__ = "catalog_grade"

    code: Mapped[str] = mapped_column(String(16), unique=True, comment="Stable code, e.g. G3.")
    name: Mapped[str] = mapped_column(String(50))
    rank: Mapped[int] = mapped_column(Integer, unique=True, comment="Higher is more protected.")
    category: Mapped[GradeCategory] = mapped_column(_enum(GradeCategory, 16))
    description: Mapped[str] = mapped_column(Text, default="")

    @property
    def audit_label(self) -> str:
        return f"{self.code} {self.name}"


entry_legal_basis = Table(
    "catalog_entry_legal_basis",
    Base.metadata,
    Column("entry_id", ForeignKey("catalog_entry.id"), primary_key=True),
    Column("legal_basis_id", ForeignKey("registry_legal_basis.id"), primary_key=True, index=True),
    comment="Legal bases the live entry cites for its share type.",
)


class EntryContent:
    """The columns a catalog entry and each of its versions carry (the compilation guide's
    core metadata plus share and open attributes)."""

    classification_kind: Mapped[ClassificationKind] = mapped_column(
        _enum(ClassificationKind, 16), index=True
    )
    base_database: Mapped[BaseDatabase | None] = mapped_column(
        _enum(BaseDatabase), comment="Which base database of Art. 23, for base resources."
    )
    category_code: Mapped[str] = mapped_column(
        String(32), index=True, comment="类/项/目/细目 code, e.g. B.01.02."
    )
    category_name: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    provider_organization_id: Mapped[UUID] = mapped_column(
        ForeignKey("registry_organization.id"), index=True
    )
    abstract: Mapped[str] = mapped_column(Text, default="")
    format: Mapped[ResourceFormat] = mapped_column(_enum(ResourceFormat))
    update_cycle: Mapped[UpdateCycle] = mapped_column(_enum(UpdateCycle, 16))
    release_date: Mapped[date | None]
    related_resource_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    source_system_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("registry_information_system.id"), index=True
    )
    share_type: Mapped[ShareType] = mapped_column(_enum(ShareType, 16), index=True)
    share_condition: Mapped[str] = mapped_column(Text, default="")
    share_mode: Mapped[ShareMode | None] = mapped_column(_enum(ShareMode, 16))
    open_type: Mapped[OpenType] = mapped_column(_enum(OpenType, 16), default=OpenType.closed)
    open_condition: Mapped[str] = mapped_column(Text, default="")
    open_deidentified: Mapped[bool] = mapped_column(
        default=False, comment="The open form is de-identified (Art. 31, GB/T 35273)."
    )
    deidentification_method: Mapped[str] = mapped_column(Text, default="")
    grade_code: Mapped[str | None] = mapped_column(
        ForeignKey("catalog_grade.code"),
        index=True,
        comment="Highest grade of the information items (computed).",
    )


class CatalogEntry(EntryContent, Entity):
    """A government information resource as the catalog lists it (Art. 27).

    The row holds the *live* content: the published version once there is one,
    the working draft before. A published entry never changes in place: a
    change is a new ``EntryVersion``, reviewed by the coordinator, and only its
    approval replaces the live content and items and raises ``version``.
    Withdrawal keeps the row (and its versions) for the records that cite it.
    """

    __tablename__ = "catalog_entry"

    resource_code: Mapped[str] = mapped_column(
        String(64), unique=True, comment="Resource code: category code / sequence."
    )
    status: Mapped[EntryStatus] = mapped_column(
        _enum(EntryStatus, 16), default=EntryStatus.draft, index=True
    )
    version: Mapped[int] = mapped_column(
        Integer, default=0, comment="Number of the published version; 0 before publication."
    )
    published_at: Mapped[datetime | None] = mapped_column(
        comment="When the live version was published (the last publication)."
    )
    first_published_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]
    withdrawal_reason: Mapped[str] = mapped_column(Text, default="")

    provider: Mapped[Organization] = relationship(lazy="raise")
    source_system: Mapped[InformationSystem | None] = relationship(lazy="raise")
    grade: Mapped[Grade | None] = relationship(lazy="raise")
    items: Mapped[list[InformationItem]] = relationship(
        back_populates="entry",
        lazy="raise",
        cascade="all, delete-orphan",
        order_by="InformationItem.position",
    )
    legal_bases: Mapped[list[LegalBasis]] = relationship(
        secondary=entry_legal_basis, lazy="raise", order_by=LegalBasis.code
    )

    @property
    def audit_label(self) -> str:
        return f"{self.resource_code} {self.name}"

    @property
    def is_stale(self) -> bool:
        """The source system's data composition changed more than 15 days ago and the
        entry has not been published since (needs ``source_system`` loaded)."""
        if self.status is not EntryStatus.published or self.source_system_id is None:
            return False
        system = self.source_system
        changed = system.composition_changed_at if system is not None else None
        return is_stale(changed, self.published_at)


def is_stale(changed_at: datetime | None, published_at: datetime | None) -> bool:
    """True when a change at ``changed_at`` is over 15 days old and newer than
    ``published_at``."""
    if changed_at is None or published_at is None:
        return False
    return changed_at > published_at and utcnow() - changed_at > STALE_AFTER


class InformationItem(Entity):
    """One information item (信息项, a field) of a live entry.

    Items keep their id across versions when their name stays, so grants of the
    sharing domain that name fields survive a new version that does not touch
    them.
    """

    __tablename__ = "catalog_information_item"
    __table_args__ = (UniqueConstraint("entry_id", "name"),)

    entry_id: Mapped[UUID] = mapped_column(ForeignKey("catalog_entry.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(100))
    data_type: Mapped[DataType] = mapped_column(_enum(DataType, 16))
    length: Mapped[int | None] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text, default="")
    grade_code: Mapped[str] = mapped_column(ForeignKey("catalog_grade.code"), index=True)
    identifies: Mapped[Identifies] = mapped_column(_enum(Identifies, 16), default=Identifies.none)
    is_personal: Mapped[bool] = mapped_column(default=False)
    is_sensitive: Mapped[bool] = mapped_column(default=False)

    entry: Mapped[CatalogEntry] = relationship(back_populates="items", lazy="raise")


class EntryVersion(EntryContent, Entity):
    """One version of an entry: a full snapshot, items and legal bases included.

    A department drafts it, submits it, and the coordinator approves it (it
    becomes the published version, the previous one ``superseded``) or returns
    it with an opinion. Versions are never deleted: they are the entry's history.
    """

    __tablename__ = "catalog_entry_version"
    __table_args__ = (UniqueConstraint("entry_id", "number"),)

    entry_id: Mapped[UUID] = mapped_column(ForeignKey("catalog_entry.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    state: Mapped[VersionState] = mapped_column(
        _enum(VersionState, 16), default=VersionState.draft, index=True
    )
    resource_code: Mapped[str] = mapped_column(String(64))
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    legal_basis_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    drafted_by_id: Mapped[UUID | None]
    drafted_by_name: Mapped[str] = mapped_column(String(100), default="")
    submitted_at: Mapped[datetime | None]
    submitted_by_name: Mapped[str] = mapped_column(String(100), default="")
    reviewed_at: Mapped[datetime | None]
    reviewer_id: Mapped[UUID | None]
    reviewer_name: Mapped[str] = mapped_column(String(100), default="")
    review_opinion: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime | None]

    entry: Mapped[CatalogEntry] = relationship(lazy="raise")

    @property
    def audit_label(self) -> str:
        return f"{self.resource_code} {self.name} v{self.number}"


class SearchFacet(Base):
    """One combination of facet values (provider, kind, share type, open type, grade,
    format) that some published entry has.

    Combinations are few (thousands) where entries are many (100,000): a query
    counts its hits per combination with one ``GROUP BY`` over an integer and
    rolls the counts up per facet, instead of grouping its hits six times.
    """

    __tablename__ = "catalog_search_facet"
    __table_args__ = (
        UniqueConstraint(
            "provider_organization_id",
            "classification_kind",
            "share_type",
            "open_type",
            "grade_code",
            "format",
            name="uq_catalog_search_facet_combination",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    provider_organization_id: Mapped[UUID]
    classification_kind: Mapped[str] = mapped_column(String(16))
    share_type: Mapped[str] = mapped_column(String(16))
    open_type: Mapped[str] = mapped_column(String(16))
    grade_code: Mapped[str] = mapped_column(String(16), default="")
    format: Mapped[str] = mapped_column(String(32))


class SearchDocument(Base):
    """A published entry as the search sees it: a compact integer key for the postings
    and its facet combination, so a query touches only narrow integer-keyed tables."""

    __tablename__ = "catalog_search_document"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    entry_id: Mapped[UUID] = mapped_column(ForeignKey("catalog_entry.id"), unique=True)
    facet_id: Mapped[int] = mapped_column(ForeignKey("catalog_search_facet.id"))


# Byte order on both databases, so a character's prefix range is a plain index range.
TERM_TYPE = String(32).with_variant(String(32, collation="C"), "postgresql")


class SearchTerm(Base):
    """A posting: ``term`` occurs in published entry ``document_id``.

    ``weight`` adds up the fields the term occurs in (name 10, item name 4, item
    description 2, abstract 1), so ranking needs no second pass over the text.
    ``facet_id`` repeats the document's facet combination (written with it by
    ``index_entries``), so a search counts its facets from the postings alone.
    One B-tree on (term, facet_id, document_id) answers "which entries contain
    term", already grouped by facet combination (a term's facet counts are read
    in index order, without a sort); the second on (document_id, term) checks one
    entry and rebuilds it.
    """

    __tablename__ = "catalog_search_term"
    __table_args__ = (
        Index("ix_catalog_search_term_document_id_term", "document_id", "term"),
        {"sqlite_with_rowid": False},
    )

    term: Mapped[str] = mapped_column(TERM_TYPE, primary_key=True)
    # No foreign key: a copy of catalog_search_document.facet_id, checked there.
    facet_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("catalog_search_document.id"), primary_key=True
    )
    weight: Mapped[int] = mapped_column(SmallInteger)


class SearchBlock(Base):
    """The postings of one term in one block of 4,096 document ids, packed
    (``catalog.search_blocks``): what a query reads. ``catalog_search_term`` keeps
    one row per posting for the writes (which terms a document has) and is the
    source this table is rebuilt from; ``index_entries`` rewrites both in the same
    transaction."""

    __tablename__ = "catalog_search_block"
    __table_args__ = ({"sqlite_with_rowid": False},)

    term: Mapped[str] = mapped_column(TERM_TYPE, primary_key=True)
    block: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    postings: Mapped[bytes] = mapped_column(LargeBinary)
