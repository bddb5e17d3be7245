"""The synthetic catalog of the demo Jining: deterministic, realistic, and within the rules."""

from __future__ import annotations

import re
import uuid
from collections import Counter, defaultdict

import pytest

from smartcity.demo import organization_specs
from smartcity.domains.catalog.demo_content import (
    GRADE_RANKS,
    DemoEntry,
    generate_bulk,
    generate_entries,
)
from smartcity.domains.catalog.enums import (
    SHARE_TYPES_NEEDING_BASIS,
    ClassificationKind,
    Identifies,
    OpenType,
    ShareType,
)
from smartcity.domains.catalog.schemas import RESOURCE_CODE_PATTERN, EntryDraft
from smartcity.domains.catalog.search_text import parse_query, weighted_terms
from smartcity.domains.catalog.service.grading import DEFAULT_GRADES
from smartcity.domains.catalog.service.rules import content_violations
from smartcity.domains.registry import demo_systems
from smartcity.domains.registry.legal_catalogue import STARTING_VOCABULARY

ENTRIES = generate_entries()
VOCABULARY = {code for code, *_ in STARTING_VOCABULARY}
ORGANIZATIONS = {spec.code: spec.name for spec in organization_specs()}


def _draft(entry: DemoEntry) -> EntryDraft:
    """The entry as the service's draft, with made-up ids where the draft holds ids."""
    values = entry.as_dict()
    for key in ("provider_code", "provider_name", "source_system_code", "source_system_name"):
        values.pop(key)
    values["legal_basis_ids"] = [
        uuid.uuid5(uuid.NAMESPACE_URL, code) for code in values.pop("legal_basis_codes")
    ]
    return EntryDraft.model_validate({**values, "provider_organization_id": uuid.uuid4()})


def _finds(query: str, entry: DemoEntry) -> bool:
    """Whether the catalog search would return ``entry`` for ``query`` (same tokenizer)."""
    terms = weighted_terms(
        name=entry.name,
        abstract=entry.abstract,
        items=[(item.name, item.description) for item in entry.items],
    )
    parsed = parse_query(query)
    return all(term in terms for term in parsed.required) and all(
        any(term.startswith(character) for term in terms) for character in parsed.characters
    )


class TestGenerateEntries:
    def test_the_same_seed_gives_the_same_catalog(self) -> None:
        assert generate_entries(seed=7) == generate_entries(seed=7)

    def test_another_seed_varies_details_but_keeps_the_resources(self) -> None:
        other = generate_entries(seed=8)
        assert [e.name for e in other] == [e.name for e in ENTRIES]
        assert [e.release_date for e in other] != [e.release_date for e in ENTRIES]

    def test_about_three_hundred_entries_of_every_kind(self) -> None:
        assert len(ENTRIES) == 300
        kinds = Counter(entry.classification_kind for entry in ENTRIES)
        assert kinds[ClassificationKind.base] >= 50
        assert kinds[ClassificationKind.thematic] >= 100
        assert kinds[ClassificationKind.departmental] >= 50

    def test_count_cuts_or_continues_the_catalog(self) -> None:
        assert generate_entries(count=40) == ENTRIES[:40]
        more = generate_entries(count=420)
        assert more[:300] == ENTRIES
        assert len({entry.resource_code for entry in more}) == 420

    def test_resource_codes_are_unique_and_start_with_their_category(self) -> None:
        codes = [entry.resource_code for entry in ENTRIES]
        assert len(set(codes)) == len(codes)
        for entry in ENTRIES:
            assert re.fullmatch(RESOURCE_CODE_PATTERN, entry.resource_code)
            assert entry.resource_code.startswith(f"{entry.category_code}/")

    def test_a_category_code_means_one_category(self) -> None:
        categories: dict[str, set[tuple[object, ...]]] = defaultdict(set)
        for entry in ENTRIES:
            categories[entry.category_code].add(
                (entry.category_name, entry.classification_kind, entry.base_database)
            )
        assert all(len(meanings) == 1 for meanings in categories.values()), categories
        prefixes = {"B": ClassificationKind.base, "T": ClassificationKind.thematic}
        for entry in ENTRIES:
            expected = prefixes.get(entry.category_code[0], ClassificationKind.departmental)
            assert entry.classification_kind is expected

    def test_every_entry_has_four_to_twenty_distinct_items(self) -> None:
        grades = {code for code, *_ in DEFAULT_GRADES}
        for entry in ENTRIES:
            names = [item.name for item in entry.items]
            assert 4 <= len(names) <= 20, entry.name
            assert len(set(names)) == len(names), entry.name
            assert {item.grade_code for item in entry.items} <= grades
        assert set(GRADE_RANKS) == grades

    def test_items_that_identify_a_person_or_are_sensitive_are_personal(self) -> None:
        for entry in ENTRIES:
            for item in entry.items:
                if item.identifies is Identifies.person or item.is_sensitive:
                    assert item.is_personal, (entry.name, item.name)

    def test_the_compilation_guide_examples_are_there(self) -> None:
        by_name = {entry.name: entry for entry in ENTRIES}
        id_number = next(i for i in by_name["人口基础信息"].items if i.name == "公民身份号码")
        assert (id_number.data_type, id_number.length, id_number.grade_code) == ("string", 18, "G4")
        assert id_number.identifies is Identifies.person
        assert id_number.is_personal
        assert id_number.is_sensitive
        credit = next(i for i in by_name["法人单位基础信息"].items if i.name == "统一社会信用代码")
        assert (credit.grade_code, credit.identifies) == ("G1", Identifies.legal_entity)
        air = {item.name: item for item in by_name["空气质量小时数据"].items}
        assert air["监测时间"].data_type == "datetime"
        assert air["PM2.5浓度"].data_type == "decimal"

    def test_release_dates_fall_in_2023_to_2026(self) -> None:
        assert all(2023 <= entry.release_date.year <= 2026 for entry in ENTRIES)

    def test_related_resources_are_entries_of_the_catalog(self) -> None:
        codes = {entry.resource_code for entry in ENTRIES}
        related = [code for entry in ENTRIES for code in entry.related_resource_codes]
        assert related
        assert set(related) <= codes


class TestShareAndOpenAttributes:
    def test_most_entries_are_shared_unconditionally(self) -> None:
        share_types = Counter(entry.share_type for entry in ENTRIES)
        assert share_types[ShareType.unconditional] > len(ENTRIES) / 2
        assert share_types[ShareType.conditional] >= 30
        assert share_types[ShareType.none] >= 3

    def test_conditional_and_not_shared_entries_cite_the_vocabulary_and_a_condition(
        self,
    ) -> None:
        for entry in ENTRIES:
            if entry.share_type in SHARE_TYPES_NEEDING_BASIS:
                assert entry.legal_basis_codes, entry.name
                assert set(entry.legal_basis_codes) <= VOCABULARY, entry.name
                assert entry.share_condition, entry.name
            else:
                assert not entry.legal_basis_codes, entry.name

    def test_not_shared_entries_cite_what_forbids_disclosure(self) -> None:
        refused = [entry for entry in ENTRIES if entry.share_type is ShareType.none]
        cited = {code for entry in refused for code in entry.legal_basis_codes}
        assert {"OGI-14", "OGI-15"} <= cited
        assert all(entry.share_mode is None for entry in refused)
        assert all(entry.open_type is OpenType.closed for entry in refused)

    def test_base_resources_are_shared_unconditionally(self) -> None:
        base = [e for e in ENTRIES if e.classification_kind is ClassificationKind.base]
        assert {e.base_database for e in base} == {
            "population",
            "legal_entity",
            "spatial_geography",
            "macro_economy",
            "social_credit",
        }
        assert all(e.share_type is ShareType.unconditional for e in base)

    def test_personal_information_is_open_only_de_identified(self) -> None:
        for entry in ENTRIES:
            if entry.has_personal_items and entry.open_type is not OpenType.closed:
                assert entry.open_deidentified, entry.name
                assert entry.deidentification_method, entry.name
        assert any(e.has_personal_items and e.open_deidentified for e in ENTRIES)

    def test_every_open_type_occurs(self) -> None:
        assert set(Counter(entry.open_type for entry in ENTRIES)) == set(OpenType)

    def test_every_entry_passes_the_catalogs_content_rules(self) -> None:
        broken = {
            entry.name: [error.detail for error in content_violations(_draft(entry))]
            for entry in ENTRIES
        }
        assert not {name: errors for name, errors in broken.items() if errors}


class TestProvidersAndSystems:
    def test_providers_are_organizations_of_the_demo(self) -> None:
        for entry in ENTRIES:
            assert ORGANIZATIONS.get(entry.provider_code) == entry.provider_name, entry.name

    def test_counties_provide_their_own_resources(self) -> None:
        county_providers = {e.provider_code for e in ENTRIES if e.provider_code[:6] != "370800"}
        assert len(county_providers) >= 20

    def test_source_systems_are_demo_systems_of_the_provider(self) -> None:
        systems = {system.code: system for system in demo_systems.SYSTEMS}
        cited = [entry for entry in ENTRIES if entry.source_system_code]
        assert len(cited) >= 60
        for entry in cited:
            system = systems[entry.source_system_code]
            assert system.owner == entry.provider_name, entry.name
            assert system.name == entry.source_system_name, entry.name


class TestSearchExamples:
    """The examples of issue 3: two-character words and mixed queries find entries."""

    @pytest.mark.parametrize(
        ("query", "name"),
        [
            ("公交", "城市公交线路数据"),
            ("空气质量", "空气质量小时数据"),
            ("2023年GDP", "2023年地区生产总值（GDP）统计数据"),
            ("地区生产总值", "2023年地区生产总值（GDP）统计数据"),
        ],
    )
    def test_the_example_query_finds_the_entry(self, query: str, name: str) -> None:
        entry = next(entry for entry in ENTRIES if entry.name == name)
        assert _finds(query, entry)

    @pytest.mark.parametrize("query", ["人口", "交通"])
    def test_common_two_character_words_occur_in_many_entries(self, query: str) -> None:
        assert sum(_finds(query, entry) for entry in ENTRIES) >= 8


class TestGenerateBulk:
    def test_a_hundred_thousand_entries_have_distinct_codes_and_names(self) -> None:
        # How fast this runs is the catalog benchmark's business, not a test's.
        entries = generate_bulk(100_000)
        assert len(entries) == 100_000
        assert len({entry.resource_code for entry in entries}) == 100_000
        assert len({entry.name for entry in entries}) == 100_000

    def test_bulk_is_deterministic_and_a_prefix_does_not_depend_on_the_count(self) -> None:
        assert generate_bulk(500, seed=3) == generate_bulk(500, seed=3)
        assert generate_bulk(2000, seed=3)[:500] == generate_bulk(500, seed=3)
        assert generate_bulk(50, seed=3) != generate_bulk(50, seed=4)

    def test_ten_thousand_entries_have_about_a_hundred_thousand_items(self) -> None:
        entries = generate_bulk(10_000)
        assert 90_000 <= sum(len(entry.items) for entry in entries) <= 110_000
        assert all(4 <= len(entry.items) <= 20 for entry in entries)

    def test_bulk_entries_are_varied_realistic_and_within_the_rules(self) -> None:
        entries = generate_bulk(3000, seed=11)
        assert len({entry.provider_code for entry in entries}) > 50
        assert len({entry.category_code for entry in entries}) > 50
        codes = {entry.resource_code for entry in entries} | {
            entry.resource_code for entry in ENTRIES
        }
        assert len(codes) == 3300  # no collision with the designed catalog
        for entry in entries:
            assert ORGANIZATIONS.get(entry.provider_code) == entry.provider_name, entry.name
            assert set(entry.legal_basis_codes) <= VOCABULARY
            assert not content_violations(_draft(entry)), entry.name
