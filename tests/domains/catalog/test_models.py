"""Pure rules of the catalog: the tokenizer, the content rules, the stale flag."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from smartcity.core.time import freeze_time
from smartcity.domains.catalog.enums import (
    BaseDatabase,
    ClassificationKind,
    DataType,
    Identifies,
    OpenType,
    ResourceFormat,
    ShareMode,
    ShareType,
    UpdateCycle,
)
from smartcity.domains.catalog.errors import (
    BaseResourceNotSharedError,
    InvalidEntryError,
    InvalidShareAttributesError,
    LegalBasisRequiredError,
    PersonalDataNotOpenableError,
)
from smartcity.domains.catalog.models import is_stale
from smartcity.domains.catalog.schemas import EntryDraft
from smartcity.domains.catalog.search_text import (
    MAX_TERM_LENGTH,
    document_terms,
    normalize,
    parse_query,
    weighted_terms,
)
from smartcity.domains.catalog.service import content_violations


def _matches(text: str, query: str) -> bool:
    """What the search does, in memory: every required term and lone character present."""
    terms = document_terms(text)
    parsed = parse_query(query)
    return all(term in terms for term in parsed.required) and all(
        any(term.startswith(character) for term in terms) for character in parsed.characters
    )


class TestDocumentTerms:
    def test_cuts_chinese_into_bigrams_plus_the_last_character(self) -> None:
        terms = document_terms("城市公交")
        assert {"城市", "市公", "公交", "交"} <= terms

    def test_adds_jieba_words_of_three_characters_or_more(self) -> None:
        assert "空气质量" in document_terms("空气质量小时数据")
        assert "公交线路" in document_terms("城市公交线路数据")

    def test_mixed_text_yields_numbers_words_and_the_lone_character(self) -> None:
        terms = document_terms("2023年GDP")
        assert {"2023", "年", "gdp"} <= terms

    def test_mixed_ascii_tokens_are_kept_whole_and_split(self) -> None:
        terms = document_terms("PM2.5浓度")
        assert {"pm2", "pm", "2", "5", "浓度"} <= terms

    def test_full_width_and_case_do_not_matter(self) -> None:
        assert document_terms("ＧＤＰ２０２３") == document_terms("gdp2023")
        assert normalize("ＡＢＣ") == "abc"

    def test_punctuation_splits_runs(self) -> None:
        terms = document_terms("人口，法人")
        assert "口法" not in terms
        assert {"人口", "口", "法人", "人"} <= terms

    def test_empty_text_has_no_terms(self) -> None:
        assert document_terms("") == frozenset()
        assert document_terms("，。！") == frozenset()


class TestParseQuery:
    @pytest.mark.parametrize(
        ("query", "required"),
        [
            ("公交", ("公交",)),
            ("人口", ("人口",)),
            ("交通", ("交通",)),
            ("空气质量", ("空气", "气质", "质量")),
            ("2023年GDP", ("2023", "gdp")),
        ],
    )
    def test_required_terms(self, query: str, required: tuple[str, ...]) -> None:
        assert parse_query(query).required == required

    def test_a_lone_character_is_a_character_clause(self) -> None:
        parsed = parse_query("2023年GDP")
        assert parsed.characters == ("年",)

    def test_jieba_words_only_boost(self) -> None:
        parsed = parse_query("空气质量")
        assert parsed.optional == ("空气质量",)
        assert "空气质量" not in parsed.required

    def test_blank_query_is_empty(self) -> None:
        assert parse_query("  ，").is_empty

    @pytest.mark.parametrize(
        ("document", "query"),
        [
            ("城市公交线路数据", "公交"),
            ("空气质量小时数据", "空气质量"),
            ("济宁市人口基础信息", "人口"),
            ("道路交通流量", "交通"),
            ("2023年GDP核算", "2023年GDP"),
            ("PM2.5浓度", "pm2.5"),
            ("PM2.5浓度", "PM"),
        ],
    )
    def test_the_issue_examples_match(self, document: str, query: str) -> None:
        assert _matches(document, query)

    def test_and_semantics(self) -> None:
        assert not _matches("城市公交线路数据", "公交 人口")


class TestWeightedTerms:
    def test_name_outweighs_items_outweigh_abstract(self) -> None:
        weights = weighted_terms(
            name="公交", abstract="人口 交通", items=[("人口", ""), ("字段", "交通")]
        )
        assert weights["公交"] > weights["人口"] - 1 > weights["交通"] - 1 >= 1
        assert weights["公交"] == 10
        assert weights["人口"] == 4 + 1
        assert weights["交通"] == 2 + 1


_CJK = "城市公交线路数据空气质量人口法年的信用交通济宁"
_TEXT = st.text(alphabet=_CJK + "abGDP0123 ，。-", max_size=40)


class TestProperties:
    @settings(max_examples=200, deadline=None)
    @given(text=_TEXT, data=st.data())
    def test_every_chinese_substring_finds_its_document(self, text: str, data: Any) -> None:
        cjk_runs = re.findall(f"[{_CJK}]+", normalize(text))
        if not cjk_runs:
            return
        run = data.draw(st.sampled_from(cjk_runs))
        start = data.draw(st.integers(0, len(run) - 1))
        end = data.draw(st.integers(start + 1, len(run)))
        assert _matches(text, run[start:end])

    @settings(max_examples=200, deadline=None)
    @given(text=_TEXT)
    def test_terms_are_short_lowercase_and_non_empty(self, text: str) -> None:
        for term in document_terms(text):
            assert 0 < len(term) <= MAX_TERM_LENGTH
            assert term == term.lower()

    @settings(max_examples=100, deadline=None)
    @given(text=_TEXT)
    def test_a_document_matches_itself(self, text: str) -> None:
        if not parse_query(text).is_empty and len(text) <= 64:
            assert _matches(text, text)

    @settings(max_examples=100, deadline=None)
    @given(words=st.lists(st.sampled_from(["人口", "公交", "gdp", "2023", "信用"]), max_size=4))
    def test_adding_query_words_never_widens_the_result(self, words: list[str]) -> None:
        document = "城市公交 人口 信用"
        query = " ".join(words)
        if _matches(document, query + " gdp"):
            assert _matches(document, query)


def _draft(**values: Any) -> EntryDraft:
    data: dict[str, Any] = {
        "classification_kind": ClassificationKind.departmental,
        "category_code": "C.01",
        "category_name": "测试",
        "resource_code": "C.01/000001",
        "name": "测试资源",
        "provider_organization_id": uuid4(),
        "abstract": "摘要",
        "format": ResourceFormat.database,
        "items": [{"name": "名称", "data_type": DataType.string, "grade_code": "G1"}],
        "update_cycle": UpdateCycle.daily,
        "share_type": ShareType.unconditional,
        "share_mode": ShareMode.api,
    }
    data.update(values)
    return EntryDraft.model_validate(data)


def _codes(draft: EntryDraft) -> list[type]:
    return [type(error) for error in content_violations(draft)]


class TestContentRules:
    def test_a_plain_unconditional_entry_is_fine(self) -> None:
        assert content_violations(_draft()) == []

    @pytest.mark.parametrize("share_type", [ShareType.conditional, ShareType.none])
    def test_conditional_and_not_shared_need_a_legal_basis(self, share_type: ShareType) -> None:
        draft = _draft(share_type=share_type, share_condition="仅限", share_mode=None)
        assert LegalBasisRequiredError in _codes(draft)
        cited = _draft(
            share_type=share_type,
            share_condition="仅限执法使用",
            share_mode=ShareMode.query if share_type is ShareType.conditional else None,
            legal_basis_ids=[uuid4()],
        )
        assert content_violations(cited) == []

    @pytest.mark.parametrize("share_type", [ShareType.conditional, ShareType.none])
    def test_base_database_resources_are_shared_unconditionally(
        self, share_type: ShareType
    ) -> None:
        draft = _draft(
            classification_kind=ClassificationKind.base,
            base_database=BaseDatabase.population,
            share_type=share_type,
            share_condition="x",
            legal_basis_ids=[uuid4()],
        )
        assert BaseResourceNotSharedError in _codes(draft)

    def test_base_resources_name_their_database_and_only_they_do(self) -> None:
        assert InvalidEntryError in _codes(_draft(classification_kind=ClassificationKind.base))
        assert InvalidEntryError in _codes(_draft(base_database=BaseDatabase.social_credit))

    @pytest.mark.parametrize("open_type", [OpenType.open, OpenType.conditional])
    def test_personal_information_is_not_open_unless_de_identified(
        self, open_type: OpenType
    ) -> None:
        items = [
            {
                "name": "公民身份号码",
                "data_type": DataType.string,
                "grade_code": "G4",
                "identifies": Identifies.person,
            }
        ]
        draft = _draft(items=items, open_type=open_type, open_condition="申请")
        assert PersonalDataNotOpenableError in _codes(draft)
        deidentified = _draft(
            items=items,
            open_type=open_type,
            open_condition="申请",
            open_deidentified=True,
            deidentification_method="身份证号删除，姓名替换为编号",
        )
        assert content_violations(deidentified) == []

    def test_a_de_identification_claim_needs_its_method(self) -> None:
        assert InvalidShareAttributesError in _codes(_draft(open_deidentified=True))

    def test_not_shared_cannot_be_open(self) -> None:
        draft = _draft(share_type=ShareType.none, share_mode=None, legal_basis_ids=[uuid4()])
        assert content_violations(draft) == []
        opened = _draft(
            share_type=ShareType.none,
            share_mode=None,
            legal_basis_ids=[uuid4()],
            open_type=OpenType.open,
        )
        assert InvalidShareAttributesError in _codes(opened)

    def test_conditions_are_written_where_the_type_needs_them(self) -> None:
        assert InvalidShareAttributesError in _codes(
            _draft(share_type=ShareType.conditional, legal_basis_ids=[uuid4()])
        )
        assert InvalidShareAttributesError in _codes(_draft(open_type=OpenType.conditional))
        assert InvalidShareAttributesError in _codes(_draft(share_mode=None))


class TestDraftShape:
    def test_the_resource_code_starts_with_the_category_code(self) -> None:
        with pytest.raises(ValidationError, match="应以分类代码"):
            _draft(resource_code="D.01/000001")

    def test_item_names_are_unique(self) -> None:
        item = {"name": "名称", "data_type": DataType.string, "grade_code": "G1"}
        with pytest.raises(ValidationError, match="信息项名称重复"):
            _draft(items=[item, item])

    @pytest.mark.parametrize("code", ["b.01", "B..01", "B.01.02.03.04.05", "中文"])
    def test_category_codes_have_at_most_four_levels(self, code: str) -> None:
        with pytest.raises(ValidationError):
            _draft(category_code=code, resource_code=f"{code}/000001")


class TestStale:
    NOW = datetime(2026, 6, 30, 12, tzinfo=UTC)

    def test_a_change_over_fifteen_days_old_after_publication_is_stale(self) -> None:
        with freeze_time(self.NOW):
            published = self.NOW - timedelta(days=40)
            assert is_stale(self.NOW - timedelta(days=16), published)
            assert not is_stale(self.NOW - timedelta(days=14), published)

    def test_a_change_before_the_last_publication_is_not(self) -> None:
        with freeze_time(self.NOW):
            assert not is_stale(self.NOW - timedelta(days=30), self.NOW - timedelta(days=20))
            assert not is_stale(None, self.NOW)
            assert not is_stale(self.NOW - timedelta(days=30), None)
