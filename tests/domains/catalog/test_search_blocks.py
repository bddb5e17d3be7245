"""Packed posting lists: the codec, and the blocks kept equal to the postings."""

from __future__ import annotations

import threading
from typing import Any
from uuid import UUID

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from smartcity.core.db.engine import Database
from smartcity.core.db.migrate import downgrade, upgrade
from smartcity.core.pagination import PageParams
from smartcity.core.security import SYSTEM
from smartcity.domains.catalog import search_blocks
from smartcity.domains.catalog import service as catalog_service
from smartcity.domains.catalog.enums import ResourceFormat
from smartcity.domains.catalog.models import CatalogEntry, SearchBlock, SearchTerm
from smartcity.domains.catalog.schemas import EntrySearch
from smartcity.domains.catalog.search_blocks import block_of, decode, encode, rewrite
from smartcity.domains.catalog.search_text import weighted_terms
from smartcity.domains.catalog.service import search as search_service
from tests.conftest import fresh_database_url, postgres_admin_url
from tests.factories.catalog import draft_data, item, make_entry, provider_of
from tests.factories.registry import make_organization

Posting = tuple[str, int, int, int]  # term, document, facet, weight


def _postings(session: Session) -> list[Posting]:
    rows = session.execute(
        select(SearchTerm.term, SearchTerm.document_id, SearchTerm.facet_id, SearchTerm.weight)
    )
    return sorted((term, document, facet, weight) for term, document, facet, weight in rows)


def _packed(session: Session) -> list[Posting]:
    """Every record of every block, checked to be in its block, sorted and not empty."""
    packed: list[Posting] = []
    for term, block, blob in session.execute(
        select(SearchBlock.term, SearchBlock.block, SearchBlock.postings)
    ):
        records = decode([bytes(blob)])
        assert records.size, (term, block)
        documents = records["doc"].tolist()
        assert documents == sorted(set(documents)), (term, block)
        assert {block_of(document) for document in documents} == {block}, (term, block)
        packed.extend(
            (term, int(document), int(facet), int(weight))
            for document, facet, weight in records.tolist()
        )
    return sorted(packed)


def _names(session: Session, q: str, **filters: object) -> list[str]:
    result = catalog_service.search_entries(
        session, actor=SYSTEM, search=EntrySearch(q=q, **filters), page=PageParams(size=50)
    )
    return sorted(entry.name for entry in result.page.items)


_RECORDS = st.lists(
    st.tuples(st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1), st.integers(0, 255)),
    max_size=30,
    unique_by=lambda record: record[0],
).map(sorted)


class TestCodec:
    @given(_RECORDS)
    def test_records_round_trip(self, records: list[tuple[int, int, int]]) -> None:
        decoded = decode([encode(records)])
        assert [tuple(int(v) for v in r) for r in decoded.tolist()] == records

    def test_a_list_is_its_blocks_joined(self) -> None:
        first, second = encode([(1, 7, 10), (4, 7, 2)]), encode([(4_100, 3, 1)])
        assert decode([first, second])["doc"].tolist() == [1, 4, 4_100]

    def test_the_heaviest_posting_fits_a_record(self) -> None:
        # A term in every field of an entry weighs the most; a record stores one byte.
        text = "公交线路"
        weights = weighted_terms(name=text, abstract=text, items=[(text, text)] * 50)
        assert 0 < max(weights.values()) <= 255
        blob = encode([(1, 1, max(weights.values()))])
        assert decode([blob])["weight"].tolist() == [max(weights.values())]

    def test_a_torn_blob_is_refused(self) -> None:
        with pytest.raises(ValueError, match="not whole records"):
            decode([encode([(1, 2, 3)])[:-1]])

    @given(_RECORDS, st.data())
    def test_rewrite_removes_and_adds_by_document(
        self, records: list[tuple[int, int, int]], data: st.DataObject
    ) -> None:
        documents = [record[0] for record in records]
        removed = data.draw(
            st.lists(st.sampled_from(documents), unique=True) if documents else st.just([])
        )
        added = data.draw(
            st.lists(
                st.tuples(st.integers(0, 2**32 - 1), st.integers(0, 9), st.integers(0, 255)),
                max_size=5,
                unique_by=lambda record: record[0],
            ).filter(lambda new: not {r[0] for r in new} & (set(documents) - set(removed)))
        )
        blob = rewrite(
            encode(records), np.array(sorted(removed), dtype=np.uint32), encode(sorted(added))
        )
        expected = sorted([r for r in records if r[0] not in removed] + added)
        assert [tuple(int(v) for v in r) for r in decode([blob]).tolist()] == expected


@pytest.fixture
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Blocks of two documents: a handful of entries spans several blocks."""
    monkeypatch.setattr(search_blocks, "BLOCK_SHIFT", 1)


@pytest.mark.usefixtures("small_blocks")
class TestBlocksFollowThePostings:
    def test_publication_packs_every_posting(self, session: Session) -> None:
        provider = make_organization(session)
        for n in range(7):
            make_entry(session, provider=provider, name=f"城市公交线路{n}", items=[item("站点")])
        make_entry(session, provider=provider, name="空气质量小时数据")
        assert _packed(session) == _postings(session)
        assert len(_names(session, "公交线路 站点")) == 7
        assert _names(session, "空气") == ["空气质量小时数据"]

    def test_a_new_version_and_a_withdrawal_rewrite_their_blocks(self, session: Session) -> None:
        provider = make_organization(session)
        entries = [make_entry(session, provider=provider, name=f"公交线路{n}") for n in range(5)]
        data = draft_data(
            provider_of(session, entries[1]),
            resource_code=entries[1].resource_code,
            name="地铁线路",
            format=ResourceFormat.spreadsheet,
        )
        catalog_service.create_version(session, actor=SYSTEM, entry_id=entries[1].id, data=data)
        catalog_service.publish_many(session, actor=SYSTEM, entry_ids=[entries[1].id])
        catalog_service.withdraw_entry(session, actor=SYSTEM, entry_id=entries[3].id, reason="停用")
        assert _packed(session) == _postings(session)
        assert _names(session, "公交") == ["公交线路0", "公交线路2", "公交线路4"]
        assert _names(session, "线路", format=ResourceFormat.spreadsheet) == ["地铁线路"]

    def test_a_rebuild_packs_the_postings_again(self, session: Session) -> None:
        for n in range(3):
            make_entry(session, name=f"公交线路{n}")
        catalog_service.rebuild_search_index(session, actor=SYSTEM)
        assert _packed(session) == _postings(session)
        assert len(_names(session, "公交")) == 3


def test_the_migration_packs_the_postings_there_are(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    database = Database(fresh_database_url(tmp_path_factory, "search_blocks"))
    try:
        upgrade(database.engine)
        with database.session_scope() as session:
            for n in range(4):
                make_entry(session, name=f"城市公交线路{n}", items=[item("站点编号")])
            expected = _postings(session)
        downgrade(database.engine, "0021")
        upgrade(database.engine)
        with database.session_scope() as session:
            assert expected
            assert _packed(session) == expected
            assert len(_names(session, "公交 站点")) == 4
    finally:
        database.dispose()


def test_concurrent_reindexing_keeps_each_others_postings(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two transactions that rewrite the same blocks at the same moment: the second
    waits for the first's rows and rewrites what it committed (read–change–write
    without the lock would keep one entry's old postings). Publication itself is
    serialized earlier by the audit chain's lock, so the index is written directly."""
    if postgres_admin_url() is None:
        pytest.skip("SQLite has one writer at a time: two transactions cannot interleave")
    database = Database(fresh_database_url(tmp_path_factory, "search_blocks_race"))
    barrier = threading.Barrier(2, timeout=30)
    lock_blocks = search_service._locked_blocks

    def meet_then_lock(session: Session, keys: list[tuple[str, int]]) -> dict[Any, bytes]:
        barrier.wait()  # both transactions are about to read the same blocks
        return lock_blocks(session, keys)

    errors: list[BaseException] = []

    def rename(entry_id: UUID, name: str) -> None:
        try:
            with database.session_scope() as session:
                entry = session.scalars(
                    select(CatalogEntry)
                    .where(CatalogEntry.id == entry_id)
                    .options(selectinload(CatalogEntry.items))
                ).one()
                entry.name = name
                search_service.index_entries(session, [entry])
        except BaseException as error:
            errors.append(error)

    try:
        upgrade(database.engine)
        with database.session_scope() as session:
            ids = [make_entry(session, name=f"城市公交线路{n}").id for n in range(2)]
        monkeypatch.setattr(search_service, "_locked_blocks", meet_then_lock)
        threads = [
            threading.Thread(target=rename, args=(entry_id, f"地铁线路{n}"))
            for n, entry_id in enumerate(ids)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not errors, errors
        with database.session_scope() as session:
            assert _packed(session) == _postings(session)
            assert _names(session, "地铁线路") == ["地铁线路0", "地铁线路1"]
            assert _names(session, "公交") == []
    finally:
        database.dispose()
