"""Field weights of the catalog's Chinese full-text search.

The tokenizer itself is ``smartcity.core.search_text`` (shared with the open data
portal); its names are re-exported here for the catalog's search and its tests.
"""

from __future__ import annotations

from collections.abc import Iterable

from smartcity.core.search_text import (
    MAX_QUERY_LENGTH,
    MAX_REQUIRED_TERMS,
    MAX_TERM_LENGTH,
    SearchQuery,
    ascii_parts,
    bigrams,
    document_terms,
    long_words,
    next_character,
    normalize,
    parse_query,
)

__all__ = [
    "ABSTRACT_WEIGHT",
    "ITEM_DESCRIPTION_WEIGHT",
    "ITEM_NAME_WEIGHT",
    "MAX_QUERY_LENGTH",
    "MAX_REQUIRED_TERMS",
    "MAX_TERM_LENGTH",
    "NAME_WEIGHT",
    "SearchQuery",
    "ascii_parts",
    "bigrams",
    "document_terms",
    "long_words",
    "next_character",
    "normalize",
    "parse_query",
    "weighted_terms",
]

# Field weights: a hit in the name counts most, then item names, item descriptions,
# and the abstract (name > item > abstract).
NAME_WEIGHT = 10
ITEM_NAME_WEIGHT = 4
ITEM_DESCRIPTION_WEIGHT = 2
ABSTRACT_WEIGHT = 1


def weighted_terms(*, name: str, abstract: str, items: Iterable[tuple[str, str]]) -> dict[str, int]:
    """The postings of one entry: each term with the sum of the weights of the fields
    it occurs in (each field counted once). ``items`` are (name, description) pairs."""
    fields: list[tuple[int, frozenset[str]]] = [
        (NAME_WEIGHT, document_terms(name)),
        (ABSTRACT_WEIGHT, document_terms(abstract)),
    ]
    item_names: set[str] = set()
    item_descriptions: set[str] = set()
    for item_name, description in items:
        item_names |= document_terms(item_name)
        item_descriptions |= document_terms(description)
    fields.append((ITEM_NAME_WEIGHT, frozenset(item_names)))
    fields.append((ITEM_DESCRIPTION_WEIGHT, frozenset(item_descriptions)))
    weights: dict[str, int] = {}
    for weight, terms in fields:
        for term in terms:
            weights[term] = weights.get(term, 0) + weight
    return weights
