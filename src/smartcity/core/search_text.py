"""Chinese full-text tokenizer: the same terms on SQLite and PostgreSQL.

Shared by the resource catalog and the open data portal (it knows no domain).
No database extension is involved: text is cut into terms here and each domain
stores the terms as postings in a table of its own. Three kinds of term:

- **CJK character bigrams** of every run of Chinese characters, plus the run's
  last character alone. Every character of a document is then either the first
  character of an indexed bigram or an indexed single character, so any one- or
  two-character query finds every document containing it, whatever a word
  segmenter would have made of the context (a trigram index finds nothing for
  人口 or 交通).
- **jieba words** of three characters or more (空气质量, 公交线路): they rank
  documents that contain the whole word above documents that contain its
  bigrams apart. Words of two characters are already bigrams.
- **ASCII words and numbers**, lowercase after NFKC (full-width ＧＤＰ is gdp).
  A mixed token such as ``pm25`` is stored whole and also split into its letter
  and digit parts (``pm``, ``25``), so ``PM`` finds ``PM2.5``.

A query is cut the same way. Its bigrams, ASCII words and lone characters are
*required* (AND); its jieba words only add to the score.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

# Longest stored term; longer ASCII tokens and words are cut to it, in queries alike.
MAX_TERM_LENGTH = 32
# Longest query text considered; the rest of a pasted paragraph adds nothing but cost.
MAX_QUERY_LENGTH = 64
# Most required clauses a query keeps (the first ones); each is one more index probe.
MAX_REQUIRED_TERMS = 24

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef"
_TOKEN = re.compile(f"([{_CJK}]+)|([0-9a-z]+)")
_ALPHA_DIGIT = re.compile("[a-z]+|[0-9]+")

_jieba: Any = None
_jieba_lock = threading.Lock()


def _segmenter() -> Any:
    """jieba's tokenizer, initialised once, quietly, from its bundled dictionary."""
    global _jieba
    if _jieba is None:
        with _jieba_lock:
            if _jieba is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                tokenizer = jieba.Tokenizer()
                tokenizer.initialize()
                _jieba = tokenizer
    return _jieba


def load_dictionary() -> None:
    """Load jieba's dictionary now (about a second), not on the first search: servers
    call it at start-up, before setting their start-up objects aside from the
    collector."""
    _segmenter()


def normalize(text: str) -> str:
    """NFKC (full-width letters and digits become ASCII) and lower case."""
    return unicodedata.normalize("NFKC", text).lower()


def _runs(text: str) -> Iterable[tuple[str, str]]:
    """("cjk" | "ascii", run) for every run of Chinese characters or ASCII letters/digits."""
    for match in _TOKEN.finditer(normalize(text)):
        cjk, ascii_word = match.groups()
        if cjk:
            yield "cjk", cjk
        else:
            yield "ascii", ascii_word[:MAX_TERM_LENGTH]


def bigrams(run: str) -> list[str]:
    """Overlapping two-character grams of a run of Chinese characters."""
    return [run[i : i + 2] for i in range(len(run) - 1)]


def long_words(run: str) -> list[str]:
    """jieba's search-mode words of three characters or more in a run of Chinese text."""
    if len(run) < 3:
        return []
    return [
        word[:MAX_TERM_LENGTH]
        for word in _segmenter().cut_for_search(run, HMM=True)
        if len(word) >= 3
    ]


def ascii_parts(word: str) -> list[str]:
    """A mixed ASCII token and its letter and digit parts (``pm25`` → pm25, pm, 25)."""
    parts = _ALPHA_DIGIT.findall(word)
    return [word] if len(parts) <= 1 else [word, *parts]


@lru_cache(maxsize=32_768)
def document_terms(text: str) -> frozenset[str]:
    """Every term a document field contributes to the index.

    Cached: generated and imported catalogs repeat the same item names and
    descriptions thousands of times, and jieba is the slow part.
    """
    terms: set[str] = set()
    for kind, run in _runs(text):
        if kind == "ascii":
            terms.update(ascii_parts(run))
            continue
        terms.update(bigrams(run))
        terms.add(run[-1])
        terms.update(long_words(run))
    return frozenset(terms)


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """A query cut into clauses.

    ``required``: exact terms every hit contains (bigrams, ASCII words).
    ``characters``: lone Chinese characters every hit contains somewhere (matched
    as the single-character term or the first character of a bigram).
    ``optional``: jieba words that only raise the score.
    """

    required: tuple[str, ...] = ()
    characters: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not (self.required or self.characters)


def parse_query(text: str) -> SearchQuery:
    """Cut a user's query the way documents are cut, into AND clauses and score boosts."""
    required: dict[str, None] = {}
    characters: dict[str, None] = {}
    optional: dict[str, None] = {}
    for kind, run in _runs(text[:MAX_QUERY_LENGTH]):
        if kind == "ascii":
            required.setdefault(run)
        elif len(run) == 1:
            characters.setdefault(run)
        else:
            for gram in bigrams(run):
                required.setdefault(gram)
            for word in long_words(run):
                optional.setdefault(word)
    kept = list(required)[:MAX_REQUIRED_TERMS]
    return SearchQuery(
        required=tuple(kept),
        characters=tuple(list(characters)[: max(0, MAX_REQUIRED_TERMS - len(kept))]),
        optional=tuple(word for word in optional if word not in required)[:4],
    )


def next_character(character: str) -> str:
    """The code point after ``character``: the exclusive upper bound of its prefix range."""
    return chr(ord(character) + 1)
