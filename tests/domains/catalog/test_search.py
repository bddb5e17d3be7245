"""Chinese full-text search: two-character words, mixed tokens, AND, ranking, facets."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from smartcity.core.errors import AuthenticationRequiredError
from smartcity.core.pagination import PageParams
from smartcity.core.security import ANONYMOUS, SYSTEM
from smartcity.domains.catalog import service as catalog_service
from smartcity.domains.catalog.enums import (
    ClassificationKind,
    OpenType,
    ResourceFormat,
    ShareMode,
    ShareType,
)
from smartcity.domains.catalog.schemas import EntrySearch
from tests.factories.catalog import (
    citizen,
    draft_data,
    item,
    make_draft,
    make_entry,
    make_legal_basis,
    provider_of,
)
from tests.factories.registry import make_organization


def _search(session: Session, q: str = "", **filters: Any) -> catalog_service.SearchResult:
    return catalog_service.search_entries(
        session,
        actor=SYSTEM,
        search=EntrySearch(q=q, **filters),
        page=PageParams(size=50),
    )


def _names(session: Session, q: str, **filters: Any) -> list[str]:
    return [entry.name for entry in _search(session, q, **filters).page.items]


@contextmanager
def _count_queries(session: Session) -> Iterator[list[str]]:
    statements: list[str] = []

    def _record(*args: Any) -> None:
        statements.append(args[2])

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", _record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", _record)


@pytest.fixture
def corpus(session: Session) -> None:
    make_entry(session, name="城市公交线路数据", abstract="全市公交线路、站点与班次。")
    make_entry(session, name="空气质量小时数据", abstract="国控站点逐小时监测。")
    make_entry(session, name="济宁市人口基础信息", abstract="户籍与常住人口。")
    make_entry(session, name="道路交通流量监测", abstract="主要路口车流量。")
    make_entry(session, name="2023年GDP核算数据", abstract="地区生产总值年度核算。")
    make_entry(session, name="企业信用评价结果", abstract="公共信用综合评价。")


@pytest.mark.usefixtures("corpus")
class TestTwoCharacterWords:
    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ("公交", "城市公交线路数据"),
            ("空气质量", "空气质量小时数据"),
            ("人口", "济宁市人口基础信息"),
            ("交通", "道路交通流量监测"),
            ("2023年GDP", "2023年GDP核算数据"),
            ("gdp", "2023年GDP核算数据"),
            ("ＧＤＰ", "2023年GDP核算数据"),
            ("信用", "企业信用评价结果"),
        ],
    )
    def test_finds(self, session: Session, query: str, expected: str) -> None:
        assert _names(session, query) == [expected]

    def test_a_single_character_finds_every_entry_containing_it(self, session: Session) -> None:
        assert set(_names(session, "量")) == {"空气质量小时数据", "道路交通流量监测"}

    def test_unknown_words_find_nothing(self, session: Session) -> None:
        result = _search(session, "量子计算")
        assert result.page.total == 0
        assert result.page.items == []

    def test_every_term_must_match(self, session: Session) -> None:
        assert _names(session, "公交 人口") == []
        assert _names(session, "公交 站点") == ["城市公交线路数据"]
        assert _names(session, "2023 人口") == []


class TestRanking:
    def test_name_before_items_before_abstract(self, session: Session) -> None:
        make_entry(session, name="某资源甲", abstract="包含公交的摘要")
        make_entry(session, name="某资源乙", items=[item("公交卡号")])
        make_entry(session, name="公交资源丙")

        assert _names(session, "公交") == ["公交资源丙", "某资源乙", "某资源甲"]

    def test_the_whole_word_ranks_above_its_scattered_bigrams(self, session: Session) -> None:
        make_entry(session, name="空气质量日报")
        make_entry(session, name="空气检测与质量评估", abstract="气质")
        assert _names(session, "空气质量")[0] == "空气质量日报"


class TestLifecycle:
    def test_drafts_are_not_searchable(self, session: Session) -> None:
        make_draft(session, name="草稿中的公交资源")
        assert _names(session, "公交") == []

    def test_withdrawn_entries_disappear(self, session: Session) -> None:
        entry = make_entry(session, name="城市公交线路数据")
        assert _names(session, "公交") == ["城市公交线路数据"]
        catalog_service.withdraw_entry(session, actor=SYSTEM, entry_id=entry.id, reason="停用")
        assert _names(session, "公交") == []

    def test_a_new_version_is_searched_by_its_new_content(self, session: Session) -> None:
        entry = make_entry(session, name="城市公交线路数据")
        data = draft_data(
            provider_of(session, entry), resource_code=entry.resource_code, name="地铁线路数据"
        )
        catalog_service.create_version(session, actor=SYSTEM, entry_id=entry.id, data=data)
        assert _names(session, "公交") == ["城市公交线路数据"]
        catalog_service.publish_many(session, actor=SYSTEM, entry_ids=[entry.id])
        assert _names(session, "公交") == []
        assert _names(session, "地铁") == ["地铁线路数据"]

    def test_the_index_can_be_rebuilt(self, session: Session) -> None:
        make_entry(session, name="城市公交线路数据")
        assert catalog_service.rebuild_search_index(session, actor=SYSTEM) >= 1
        assert _names(session, "公交") == ["城市公交线路数据"]


class TestFacets:
    def test_counts_every_facet_for_the_query_and_filters_narrow(self, session: Session) -> None:
        bus, env = (
            make_organization(session, name="交通局"),
            make_organization(session, name="环保局"),
        )
        basis = make_legal_basis(session)
        make_entry(session, provider=bus, name="公交线路数据", format=ResourceFormat.spreadsheet)
        make_entry(
            session,
            provider=bus,
            name="公交刷卡数据",
            items=[item("卡号", grade_code="G3")],
            share_type=ShareType.conditional,
            share_condition="仅限交通规划使用",
            share_mode=ShareMode.query,
            legal_basis_ids=[basis.id],
        )
        make_entry(
            session,
            provider=env,
            name="公交车尾气数据",
            classification_kind=ClassificationKind.thematic,
            open_type=OpenType.open,
        )
        make_entry(session, provider=env, name="水质数据")

        result = _search(session, "公交")
        facets = {f.name: {v.value: v.count for v in f.values} for f in result.facets}
        labels = {f.name: {v.value: v.label for v in f.values} for f in result.facets}

        assert result.page.total == 3
        assert facets["provider"] == {str(bus.id): 2, str(env.id): 1}
        assert labels["provider"][str(bus.id)] == "交通局"
        assert facets["kind"] == {"departmental": 2, "thematic": 1}
        assert facets["share_type"] == {"unconditional": 2, "conditional": 1}
        assert facets["open_type"] == {"closed": 2, "open": 1}
        assert facets["grade"] == {"G1": 2, "G3": 1}
        assert labels["grade"]["G3"] == "受限"
        assert facets["format"] == {"database": 2, "spreadsheet": 1}
        assert labels["share_type"]["conditional"] == "有条件共享"

        assert _names(session, "公交", provider=env.id) == ["公交车尾气数据"]
        assert _names(session, "公交", share_type=ShareType.conditional) == ["公交刷卡数据"]
        assert _names(session, "公交", grade="G3", provider=bus.id) == ["公交刷卡数据"]
        assert _names(session, "公交", format=ResourceFormat.spreadsheet) == ["公交线路数据"]
        assert _names(session, "公交", kind=ClassificationKind.thematic) == ["公交车尾气数据"]
        assert _names(session, "公交", open_type=OpenType.open) == ["公交车尾气数据"]
        assert len(_names(session, "", provider=env.id)) == 2

    def test_a_new_version_moves_its_postings_to_its_new_facets(self, session: Session) -> None:
        entry = make_entry(session, name="城市公交线路数据")
        data = draft_data(
            provider_of(session, entry),
            resource_code=entry.resource_code,
            name="城市公交线路数据",
            format=ResourceFormat.spreadsheet,
        )
        catalog_service.create_version(session, actor=SYSTEM, entry_id=entry.id, data=data)
        catalog_service.publish_many(session, actor=SYSTEM, entry_ids=[entry.id])
        for query in ("公交", "公交线路", "城"):  # one term, probes, one character
            result = _search(session, query)
            formats = {
                v.value: v.count for f in result.facets if f.name == "format" for v in f.values
            }
            assert formats == {"spreadsheet": 1}, query
            assert _names(session, query, format=ResourceFormat.spreadsheet) == ["城市公交线路数据"]
            assert _names(session, query, format=ResourceFormat.database) == []

    def test_facets_of_a_query_with_probes_count_only_its_hits(self, session: Session) -> None:
        bus, env = (
            make_organization(session, name="交通局"),
            make_organization(session, name="环保局"),
        )
        make_entry(session, provider=bus, name="公交线路数据")
        make_entry(session, provider=bus, name="公交刷卡数据", items=[item("线路编号")])
        make_entry(session, provider=env, name="公交车尾气数据")
        make_entry(session, provider=env, name="地铁线路数据")
        result = _search(session, "公交 线路")
        providers = {
            v.value: (v.label, v.count)
            for f in result.facets
            if f.name == "provider"
            for v in f.values
        }
        assert result.page.total == 2
        assert providers == {str(bus.id): ("交通局", 2)}

    def test_a_query_without_hits_has_empty_facets(self, session: Session) -> None:
        make_entry(session, name="公交线路数据")
        result = _search(session, "不存在的词")
        assert [f.values for f in result.facets] == [[]] * 6


class TestPagingAndCost:
    def test_pages_through_hits_in_a_stable_order(self, session: Session) -> None:
        provider = make_organization(session)
        for n in range(5):
            make_entry(session, provider=provider, name=f"公交数据{n}")
        pages = [
            catalog_service.search_entries(
                session,
                actor=SYSTEM,
                search=EntrySearch(q="公交"),
                page=PageParams(page=page, size=2),
            )
            for page in (1, 2, 3)
        ]
        names = [entry.name for result in pages for entry in result.page.items]
        assert sorted(names) == [f"公交数据{n}" for n in range(5)]
        assert [result.page.total for result in pages] == [5, 5, 5]

    def test_optional_words_rank_every_page_as_the_full_order(self, session: Session) -> None:
        # The whole word (an optional term) lifts 空气质量n (bigrams 30, word 10) above
        # entries whose bigrams weigh more (34) but lack the word; the page probes the
        # word only for hits that can still reach it, and must keep that order.
        provider = make_organization(session)
        for n in range(4):
            make_entry(
                session, provider=provider, name=f"空气气质检测质量{n}", items=[item("空气")]
            )
        for n in range(3):
            make_entry(session, provider=provider, name=f"资源{n}", abstract="空气质量")
        for n in range(3):
            make_entry(session, provider=provider, name=f"空气质量{n}")
        search = EntrySearch(q="空气质量")
        full = catalog_service.matching_entry_ids(session, actor=SYSTEM, search=search, limit=100)
        paged = [
            entry.id
            for number in range(1, 5)
            for entry in catalog_service.search_entries(
                session, actor=SYSTEM, search=search, page=PageParams(page=number, size=3)
            ).page.items
        ]
        names = {entry.id: entry.name for entry in _search(session, "空气质量").page.items}
        assert len(full) == 10
        assert paged == full
        assert [names[entry_id][:4] for entry_id in full[:3]] == ["空气质量"] * 3

    def test_a_search_is_a_fixed_handful_of_statements(self, session: Session) -> None:
        provider = make_organization(session)
        for n in range(12):
            make_entry(session, provider=provider, name=f"公交线路数据{n}", items=[item("站点")])
        with _count_queries(session) as statements:
            result = _search(session, "公交线路 站点")
        assert result.page.total == 12
        assert len(statements) <= 6, statements

    def test_everyone_signed_in_searches_and_anonymous_does_not(self, session: Session) -> None:
        make_entry(session, name="城市公交线路数据")
        result = catalog_service.search_entries(
            session, actor=citizen(session), search=EntrySearch(q="公交"), page=PageParams()
        )
        assert result.page.total == 1
        with pytest.raises(AuthenticationRequiredError):
            catalog_service.search_entries(
                session, actor=ANONYMOUS, search=EntrySearch(q="公交"), page=PageParams()
            )

    def test_stale_flags_come_with_the_hits(self, session: Session) -> None:
        make_entry(session, name="城市公交线路数据")
        (entry,) = _search(session, "公交").page.items
        assert entry.is_stale is False
