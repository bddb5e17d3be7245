"""Benchmark of the catalog's Chinese full-text search and Excel import (issue #3).

Measures, on SQLite and/or PostgreSQL, in one run:

* **search**: latency (p50, p95, max) of 50 varied Chinese queries (two-character
  words, longer words, mixed Chinese/ASCII such as 2023年GDP, several words)
  through the service, ``catalog_service.search_entries`` (page of 20 with facet
  counts), over ``--entries`` (100,000) published entries made by
  ``demo_content.generate_bulk``;
* **LIKE scan**: the same queries as a plain ``LIKE '%word%'`` over the name and
  abstract of the same table (every word, AND), total and first page in one
  statement;
* **raw FTS5** (SQLite): an FTS5 table built here only, over exactly the tokens the
  catalog stores (each document's terms joined by spaces, ``unicode61``), queried
  with the same AND of terms, total and first page by rank;
* **silent misses**: for every query, the entries a brute-force Python check
  finds over the same fields of the same entries (name, abstract, item names and
  descriptions; each Chinese run of the query as a substring, each ASCII word as
  a word) must all be found by the service;
* **Excel import**: ``catalog_service.import_workbook`` of a workbook of
  ``--import-entries`` (10,000) entries with about ten items each, written by
  ``workbook.write_template(generate_bulk(...))``: time and peak memory.

Loading 100,000 entries through the use cases (draft, submit, approve, audit)
would take most of an hour, so the benchmark loads them in bulk: entries, items
and legal-basis links with ``executemany`` in large transactions, then the search
index with the catalog's own ``catalog_service.index_entries`` on batches: the
same tokenizer, tables and weights publication writes. Versions and audit events
are not written; the search reads neither.

Run ``python benchmarks/catalog_search.py --help``. Figures go to stdout as a
table, then the full result as JSON (or to ``--json PATH``).
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import multiprocessing
import os
import re
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
import unicodedata
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from contextlib import suppress
from datetime import timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from sqlalchemy import Table, create_engine, insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

import smartcity.models  # noqa: F401  (every mapper known before the first session)
from smartcity import demo
from smartcity.core.db.base import Base
from smartcity.core.db.engine import Database
from smartcity.core.db.migrate import upgrade
from smartcity.core.pagination import PageParams
from smartcity.core.search_text import load_dictionary
from smartcity.core.security import SYSTEM
from smartcity.core.time import utcnow
from smartcity.domains.catalog import service as catalog_service
from smartcity.domains.catalog.demo_content import DemoEntry, generate_bulk
from smartcity.domains.catalog.enums import EntryStatus
from smartcity.domains.catalog.models import CatalogEntry, InformationItem, entry_legal_basis
from smartcity.domains.catalog.schemas import EntrySearch
from smartcity.domains.catalog.search_text import normalize, parse_query
from smartcity.domains.catalog.workbook import read_workbook, write_template
from smartcity.domains.registry import service as registry_service

if __package__ in (None, ""):  # run as a script: the repository root is the import root
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.machine import machine as _machine

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
SCRATCH_DATABASES = ("smartcity_bench_catalog", "smartcity_bench_catalog_import")
LOAD_BATCH = 5_000  # entries per transaction of the bulk loader
INDEX_BATCH = 500  # entries per index_entries call (its own batch size)
PAGE = PageParams(page=1, size=20)
MIB = 1024 * 1024

# 50 queries: two-character words, longer words, mixed Chinese and ASCII, several words,
# one character, and one that finds nothing.
QUERIES: tuple[str, ...] = (
    # two characters
    "人口", "交通", "公交", "医疗", "教育", "环境", "旅游", "信用", "企业", "社保",
    "养老", "住房", "水质", "农业", "应急", "户籍", "车辆", "学校",
    # longer words
    "空气质量", "不动产登记", "营业执照", "食品安全", "社会保险", "生态环境", "医疗机构",
    "交通事故", "公共信用", "城市管理", "最低生活保障", "城市公交线路", "地区生产总值",
    "行政处罚", "新生儿",
    # mixed Chinese and ASCII
    "2023年GDP", "2024年人口", "PM2.5", "12345热线", "2025年第一季度", "GDP",
    # several words
    "任城区 公交", "邹城市 空气质量", "曲阜 旅游", "企业 信用 评价", "医疗 机构 名单",
    "兖州区 2024年 人口", "汇总 交通",
    # one character, a rare word, nothing
    "鱼", "出租车", "粮食", "火星基地",
)  # fmt: skip


# ---------------------------------------------------------------------------- machine


def machine() -> dict[str, Any]:
    return _machine()


# ---------------------------------------------------------------------------- databases


class Backend:
    """A scratch database: created empty, migrated, dropped at the end."""

    name = ""

    def create(self, index: int) -> Database:
        raise NotImplementedError

    def version(self, database: Database) -> str:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class SQLiteBackend(Backend):
    """Scratch files in a temporary directory; with ``keep``, the search corpus's file
    there instead, kept after the run and reused by the next one (a faster edit–measure
    loop: loading 100,000 entries takes minutes)."""

    name = "sqlite"

    def __init__(self, keep: Path | None = None) -> None:
        self._directory = tempfile.TemporaryDirectory(prefix="catalog-bench-")
        self.keep = keep

    def path(self, index: int) -> Path:
        if index == 0 and self.keep is not None:
            return self.keep
        return Path(self._directory.name) / f"bench{index}.sqlite3"

    def create(self, index: int) -> Database:
        path = self.path(index)
        path.unlink(missing_ok=True)
        return Database(f"sqlite:///{path}")

    def reused(self, entries: int) -> Database | None:
        """The kept corpus when it holds ``entries`` generated entries (and the demo's)."""
        if self.keep is None or not self.keep.exists():
            return None
        database = Database(f"sqlite:///{self.keep}")
        upgrade(database.engine)  # a kept file follows the migrations
        try:
            with database.engine.connect() as connection:
                loaded = connection.execute(text("SELECT value FROM bench_corpus")).scalar()
        except DBAPIError:  # a load that did not finish
            loaded = None
        if loaded == entries:
            return database
        database.dispose()
        return None

    def version(self, database: Database) -> str:
        return sqlite3.sqlite_version

    def close(self) -> None:
        self._directory.cleanup()


class PostgresBackend(Backend):
    name = "postgresql"

    def __init__(self, url: str) -> None:
        self.url = make_url(url)
        self.admin = create_engine(self.url, isolation_level="AUTOCOMMIT")

    def _drop(self, name: str) -> None:
        with self.admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def create(self, index: int) -> Database:
        name = SCRATCH_DATABASES[index]
        self._drop(name)
        with self.admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        return Database(self.url.set(database=name).render_as_string(hide_password=False))

    def version(self, database: Database) -> str:
        with database.engine.connect() as connection:
            return str(connection.execute(text("SHOW server_version")).scalar())

    def close(self) -> None:
        for name in SCRATCH_DATABASES:
            self._drop(name)
        self.admin.dispose()


def prepared(backend: Backend, index: int) -> Database:
    """A migrated database with the demo directory, legal bases, systems and catalog."""
    database = backend.create(index)
    upgrade(database.engine)
    demo.load(database, password="Bench-Passw0rd!", console=Console(file=io.StringIO()))
    return database


# ---------------------------------------------------------------------------- bulk loading


class _Codes:
    """Provider, legal-basis and system codes of the generated entries, resolved once."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._organizations: dict[str, uuid.UUID] = {}
        self._bases: dict[str, uuid.UUID] = {}
        self._systems: dict[str, uuid.UUID | None] = {}

    def organization(self, code: str) -> uuid.UUID:
        if code not in self._organizations:
            organization = registry_service.find_organization_by_code(self.session, code)
            if organization is None:
                raise LookupError(f"no organization {code}")
            self._organizations[code] = organization.id
        return self._organizations[code]

    def legal_basis(self, code: str) -> uuid.UUID:
        if code not in self._bases:
            basis = registry_service.find_legal_basis_by_code(self.session, code)
            if basis is None:
                raise LookupError(f"no legal basis {code}")
            self._bases[code] = basis.id
        return self._bases[code]

    def system(self, code: str) -> uuid.UUID | None:
        if not code:
            return None
        if code not in self._systems:
            system = registry_service.find_information_system_by_code(self.session, code)
            self._systems[code] = system.id if system is not None else None
        return self._systems[code]


def _entry_row(entry: DemoEntry, codes: _Codes, published: Any) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "created_at": published,
        "updated_at": published,
        "resource_code": entry.resource_code,
        "status": EntryStatus.published,
        "version": 1,
        "published_at": published,
        "first_published_at": published,
        "withdrawn_at": None,
        "withdrawal_reason": "",
        "classification_kind": entry.classification_kind,
        "base_database": entry.base_database,
        "category_code": entry.category_code,
        "category_name": entry.category_name,
        "name": entry.name,
        "provider_organization_id": codes.organization(entry.provider_code),
        "abstract": entry.abstract,
        "format": entry.format,
        "update_cycle": entry.update_cycle,
        "release_date": entry.release_date,
        "related_resource_codes": list(entry.related_resource_codes),
        "source_system_id": codes.system(entry.source_system_code),
        "share_type": entry.share_type,
        "share_condition": entry.share_condition,
        "share_mode": entry.share_mode,
        "open_type": entry.open_type,
        "open_condition": entry.open_condition,
        "open_deidentified": entry.open_deidentified,
        "deidentification_method": entry.deidentification_method,
        "grade_code": entry.grade_code,
    }


def _table(model: type[Base]) -> Table:
    """A model's table, for Core inserts that skip the ORM's per-row work."""
    return Base.metadata.tables[model.__tablename__]


def bulk_load(
    database: Database, entries: Sequence[DemoEntry], log: Callable[[str], None]
) -> dict[str, Any]:
    """Insert ``entries`` as published entries and index them, in large transactions."""
    started = time.perf_counter()
    now = utcnow()
    for start in range(0, len(entries), LOAD_BATCH):
        batch = entries[start : start + LOAD_BATCH]
        with database.session_scope() as session:
            codes = _Codes(session)
            rows: list[dict[str, Any]] = []
            item_rows: list[dict[str, Any]] = []
            basis_rows: list[dict[str, Any]] = []
            live: list[CatalogEntry] = []
            for offset, entry in enumerate(batch):
                # Distinct publication times keep the "most recent first" order meaningful.
                row = _entry_row(entry, codes, now - timedelta(seconds=start + offset))
                rows.append(row)
                items = []
                for position, item in enumerate(entry.items, start=1):
                    values = {
                        "id": uuid.uuid4(),
                        "created_at": now,
                        "updated_at": now,
                        "entry_id": row["id"],
                        "position": position,
                        **item.as_dict(),
                    }
                    item_rows.append(values)
                    items.append(InformationItem(name=item.name, description=item.description))
                basis_rows.extend(
                    {"entry_id": row["id"], "legal_basis_id": codes.legal_basis(code)}
                    for code in entry.legal_basis_codes
                )
                # A transient entry carrying what index_entries reads: it is never added
                # to the session, only its postings are written.
                live.append(
                    CatalogEntry(
                        id=row["id"],
                        provider_organization_id=row["provider_organization_id"],
                        classification_kind=entry.classification_kind,
                        share_type=entry.share_type,
                        open_type=entry.open_type,
                        grade_code=entry.grade_code,
                        format=entry.format,
                        name=entry.name,
                        abstract=entry.abstract,
                        items=items,
                    )
                )
            session.execute(insert(_table(CatalogEntry)), rows)
            session.execute(insert(_table(InformationItem)), item_rows)
            if basis_rows:
                session.execute(insert(entry_legal_basis), basis_rows)
            for index_start in range(0, len(live), INDEX_BATCH):
                chunk = live[index_start : index_start + INDEX_BATCH]
                catalog_service.index_entries(session, chunk)
        log(f"loaded {min(start + LOAD_BATCH, len(entries)):,} / {len(entries):,} entries")
    # Fresh statistics, and on PostgreSQL the visibility map autovacuum keeps for an
    # insert-mostly table: the state a live database is in, not the one right after a load.
    maintenance = "VACUUM ANALYZE" if database.engine.dialect.name == "postgresql" else "ANALYZE"
    with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(maintenance))
        postings = int(
            connection.execute(text("SELECT COUNT(*) FROM catalog_search_term")).scalar_one()
        )
    seconds = time.perf_counter() - started
    return {
        "entries": len(entries),
        "items": sum(len(entry.items) for entry in entries),
        "postings": postings,
        "seconds": seconds,
        "entries_per_s": len(entries) / seconds,
    }


# ---------------------------------------------------------------------------- queries


def _percentiles(samples: Sequence[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def at(fraction: float) -> float:
        # nearest rank: the smallest sample with at least ``fraction`` of samples at or below
        rank = max(1, -(-len(ordered) * fraction // 1))
        return ordered[int(rank) - 1]

    return {
        "p50_ms": statistics.median(ordered) * 1000,
        "p95_ms": at(0.95) * 1000,
        "max_ms": ordered[-1] * 1000,
        "mean_ms": statistics.fmean(ordered) * 1000,
        "samples": len(ordered),
    }


def _timed(run: Callable[[], int], repeat: int) -> tuple[list[float], int]:
    run()  # warm: parse caches, prepared plans, pages in the OS cache
    samples = []
    count = 0
    for _ in range(repeat):
        started = time.perf_counter()
        count = run()
        samples.append(time.perf_counter() - started)
    return samples, count


def service_search(database: Database, query: str) -> Callable[[], int]:
    def run() -> int:
        with database.sessionmaker() as session:
            result = catalog_service.search_entries(
                session, actor=SYSTEM, search=EntrySearch(q=query), page=PAGE
            )
            return result.page.total

    return run


def _words(query: str) -> list[str]:
    return [word for word in query.split() if word]


def like_scan(database: Database, query: str) -> Callable[[], int]:
    """``name LIKE '%w%' OR abstract LIKE '%w%'`` for every word: total and first page."""
    conditions = " AND ".join(
        f"(name LIKE :w{n} OR abstract LIKE :w{n})" for n in range(len(_words(query)))
    )
    statement = text(
        "SELECT id, COUNT(*) OVER () FROM catalog_entry WHERE status = 'published'"
        f" AND {conditions} ORDER BY published_at DESC LIMIT 20"
    )
    values = {f"w{n}": f"%{word}%" for n, word in enumerate(_words(query))}

    def run() -> int:
        with database.engine.connect() as connection:
            rows = connection.execute(statement, values).all()
            return int(rows[0][1]) if rows else 0

    return run


def build_fts(database: Database) -> dict[str, Any]:
    """An FTS5 table over the stored terms of each document, joined by spaces."""
    started = time.perf_counter()
    with database.engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS bench_fts"))
        connection.execute(
            text("CREATE VIRTUAL TABLE bench_fts USING fts5(body, tokenize = 'unicode61')")
        )
        connection.execute(
            text(
                "INSERT INTO bench_fts (rowid, body) SELECT document_id, group_concat(term, ' ')"
                " FROM catalog_search_term GROUP BY document_id"
            )
        )
        connection.execute(text("INSERT INTO bench_fts (bench_fts) VALUES ('optimize')"))
    return {"seconds": time.perf_counter() - started}


def fts_expression(query: str) -> str:
    """The service's AND of required terms; a lone character as a prefix (``"鱼"*``)."""
    parsed = parse_query(query)
    parts = [f'"{term}"' for term in parsed.required]
    parts.extend(f'"{character}"*' for character in parsed.characters)
    return " AND ".join(parts)


def fts_search(database: Database, query: str) -> Callable[[], int]:
    statement = text(
        "SELECT rowid, COUNT(*) OVER () FROM bench_fts WHERE bench_fts MATCH :q"
        " ORDER BY rank LIMIT 20"
    )
    expression = fts_expression(query)

    def run() -> int:
        if not expression:
            return 0
        with database.engine.connect() as connection:
            rows = connection.execute(statement, {"q": expression}).all()
            return int(rows[0][1]) if rows else 0

    return run


# ---------------------------------------------------------------------------- silent misses

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef"
_RUN = re.compile(f"([{_CJK}]+)|([0-9a-z]+)")
_ASCII_WORD = re.compile("[0-9a-z]+")
_ALPHA_DIGIT = re.compile("[a-z]+|[0-9]+")


def _ascii_words(text_: str) -> set[str]:
    words: set[str] = set()
    for word in _ASCII_WORD.findall(text_):
        words.add(word)
        words.update(_ALPHA_DIGIT.findall(word))
    return words


class BruteForce:
    """Every published entry's searchable fields, normalized, checked in plain Python."""

    def __init__(self, database: Database) -> None:
        fields: dict[str, list[str]] = defaultdict(list)
        with database.engine.connect() as connection:
            for entry_id, name, abstract in connection.execute(
                text("SELECT id, name, abstract FROM catalog_entry WHERE status = 'published'")
            ):
                fields[str(entry_id)].extend((name, abstract))
            for entry_id, name, description in connection.execute(
                text(
                    "SELECT i.entry_id, i.name, i.description FROM catalog_information_item i"
                    " JOIN catalog_entry e ON e.id = i.entry_id WHERE e.status = 'published'"
                )
            ):
                fields[str(entry_id)].extend((name, description))
        self.documents: dict[uuid.UUID, tuple[str, set[str]]] = {}
        for entry_id, values in fields.items():
            normalized = [unicodedata.normalize("NFKC", value).lower() for value in values]
            words: set[str] = set()
            for value in normalized:
                words |= _ascii_words(value)
            self.documents[uuid.UUID(entry_id)] = ("\n".join(normalized), words)

    def matches(self, query: str) -> set[uuid.UUID]:
        """Entries holding every Chinese run of the query as a substring of one field and
        every ASCII word as a word (or the letter or digit part of one)."""
        runs = [match.groups() for match in _RUN.finditer(normalize(query))]
        if not runs:
            return set()
        found = set()
        for entry_id, (body, words) in self.documents.items():
            if all((cjk in body) if cjk else (ascii_ in words) for cjk, ascii_ in runs):
                found.add(entry_id)
        return found


def check_misses(database: Database, brute: BruteForce, queries: Sequence[str]) -> dict[str, Any]:
    rows = []
    with database.sessionmaker() as session:
        for query in queries:
            expected = brute.matches(query)
            found = set(
                catalog_service.matching_entry_ids(
                    session, actor=SYSTEM, search=EntrySearch(q=query), limit=10**9
                )
            )
            rows.append(
                {
                    "query": query,
                    "brute_force": len(expected),
                    "service": len(found),
                    "missed": len(expected - found),
                    "extra": len(found - expected),
                }
            )
    return {
        "queries": rows,
        "silent_misses": sum(row["missed"] for row in rows),
        "queries_with_misses": [row["query"] for row in rows if row["missed"]],
        "count_mismatches": [row["query"] for row in rows if row["brute_force"] != row["service"]],
    }


# ---------------------------------------------------------------------------- import


def _reset_peak_rss() -> bool:
    """Reset the kernel's high-water mark so the next phase's peak is its own (Linux)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _rss_mib() -> float:
    with suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _import_in_child(url: str, count: int, dry_run: bool) -> dict[str, Any]:
    """Write the workbook, then time its import and its peak memory, in a fresh process
    (memory freed by earlier phases would otherwise hide the import's own peak)."""
    database = Database(url)
    try:
        # Another seed than the search corpus: different subjects in each row.
        entries = generate_bulk(count, seed=2025)
        started = time.perf_counter()
        data = write_template([entry.as_dict() for entry in entries])
        written = time.perf_counter() - started
        items = sum(len(entry.items) for entry in entries)
        del entries
        started = time.perf_counter()
        parsed = read_workbook(data)  # the shape check alone, for the breakdown
        parse_seconds = time.perf_counter() - started
        assert parsed.ok, [str(problem) for problem in parsed.problems[:5]]
        del parsed
        gc.collect()
        baseline = _rss_mib()
        reset = _reset_peak_rss()
        phases: list[float] = []

        def progress(done: int, total: int) -> None:
            if done == 1:  # checking starts, then writing starts
                phases.append(time.perf_counter())

        started = time.perf_counter()
        with database.session_scope() as session:
            report = catalog_service.import_workbook(
                session,
                actor=SYSTEM,
                data=data,
                filename="bench.xlsx",
                dry_run=dry_run,
                progress=progress,
            )
            imported = time.perf_counter()
        committed = time.perf_counter()
        peak = _peak_rss_mib()
        checking = phases[0] if phases else started
        writing = phases[1] if len(phases) > 1 else imported
        return {
            "entries": count,
            "items": items,
            "workbook_mib": len(data) / MIB,
            "write_template_seconds": written,
            "read_workbook_seconds": parse_seconds,
            "dry_run": dry_run,
            "created": report.created,
            "import_seconds": imported - started,
            "phase_seconds": {
                "read": checking - started,
                "check": writing - checking,
                "write": imported - writing,
                "commit": committed - imported,
            },
            "import_and_commit_seconds": committed - started,
            "entries_per_s": count / (committed - started),
            "rss_before_mib": baseline,
            "peak_rss_mib": peak if reset else None,
            "peak_rss_growth_mib": peak - baseline if reset else None,
        }
    finally:
        database.dispose()


def measure_import(
    backend: Backend, count: int, *, dry_run: bool, log: Callable[[str], None]
) -> dict[str, Any]:
    database = prepared(backend, 1)
    url = database.engine.url.render_as_string(hide_password=False)
    database.dispose()
    log(f"import: {count:,} entries in a fresh process")
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        result: dict[str, Any] = pool.apply(_import_in_child, (url, count, dry_run))
    log(f"import: {result['import_and_commit_seconds']:.1f} s")
    return result


# ---------------------------------------------------------------------------- one backend


def run_backend(
    backend: Backend,
    *,
    entries: int,
    queries: Sequence[str],
    repeat: int,
    import_entries: int,
    import_dry_run: bool,
    log: Callable[[str], None],
) -> dict[str, Any]:
    kept = backend.reused(entries) if isinstance(backend, SQLiteBackend) else None
    database = kept or prepared(backend, 0)
    result: dict[str, Any] = {"version": backend.version(database)}
    try:
        if kept is not None:
            log(f"{backend.name}: reusing the kept {entries:,} entries")
            result["load"] = {"reused": True}
        else:
            log(f"{backend.name}: generating {entries:,} entries")
            corpus = generate_bulk(entries)
            result["load"] = bulk_load(database, corpus, log)
            del corpus
            gc.collect()
            with database.engine.begin() as connection:
                connection.execute(text("CREATE TABLE bench_corpus (value INTEGER)"))
                connection.execute(text("INSERT INTO bench_corpus VALUES (:n)"), {"n": entries})
        with database.engine.connect() as connection:
            result["published_entries"] = int(
                connection.execute(
                    text("SELECT COUNT(*) FROM catalog_entry WHERE status = 'published'")
                ).scalar_one()
            )
        measured: dict[str, dict[str, Any]] = {}
        runners: dict[str, Callable[[str], Callable[[], int]]] = {
            "service": lambda q: service_search(database, q),
            "like": lambda q: like_scan(database, q),
        }
        if backend.name == "sqlite":
            result["fts5_build"] = build_fts(database)
            runners["fts5"] = lambda q: fts_search(database, q)
        # The state of a server process (smartcity.asgi): the dictionary loaded, and the
        # objects of start-up set aside from the cyclic collector, which would otherwise
        # walk all ~200,000 of them on each full collection (100 ms on this machine,
        # landing in whichever query runs then).
        load_dictionary()
        gc.collect()
        gc.freeze()
        per_query: dict[str, dict[str, Any]] = {query: {"query": query} for query in queries}
        for name, make in runners.items():
            samples: list[float] = []
            for query in queries:
                times, count = _timed(make(query), repeat if name != "like" else 1)
                samples.extend(times)
                per_query[query][f"{name}_ms"] = statistics.median(times) * 1000
                per_query[query][f"{name}_hits"] = count
            measured[name] = _percentiles(samples)
            log(f"{backend.name}: {name} p50 {measured[name]['p50_ms']:.1f} ms")
        result["latency"] = measured
        result["queries"] = list(per_query.values())
        result["ratios"] = _ratios(measured)
        log(f"{backend.name}: checking for silent misses")
        result["misses"] = check_misses(database, BruteForce(database), queries)
    finally:
        database.dispose()
    if import_entries:
        result["import"] = measure_import(backend, import_entries, dry_run=import_dry_run, log=log)
    return result


def _ratios(measured: dict[str, dict[str, Any]]) -> dict[str, float]:
    service = measured["service"]
    ratios = {
        "like_over_service_p50": measured["like"]["p50_ms"] / service["p50_ms"],
        "like_over_service_p95": measured["like"]["p95_ms"] / service["p95_ms"],
    }
    if "fts5" in measured:
        ratios["service_over_fts5_p50"] = service["p50_ms"] / measured["fts5"]["p50_ms"]
        ratios["service_over_fts5_p95"] = service["p95_ms"] / measured["fts5"]["p95_ms"]
    return ratios


# ---------------------------------------------------------------------------- report


def targets(result: dict[str, Any]) -> dict[str, Any]:
    """The issue's targets, met or not, per database."""
    verdicts: dict[str, Any] = {}
    for name in ("sqlite", "postgresql"):
        if name not in result:
            continue
        backend = result[name]
        ratios = backend["ratios"]
        verdict = {
            # at the median and at p95: the slow queries count too
            "10x_faster_than_like_scan": min(
                ratios["like_over_service_p50"], ratios["like_over_service_p95"]
            )
            >= 10,
            "no_silent_misses": backend["misses"]["silent_misses"] == 0,
        }
        if name == "sqlite":
            verdict["p95_at_most_25_ms"] = backend["latency"]["service"]["p95_ms"] <= 25
            verdict["within_2x_of_fts5"] = (
                max(ratios["service_over_fts5_p50"], ratios["service_over_fts5_p95"]) <= 2
            )
        verdicts[name] = verdict
    return verdicts


def print_table(result: dict[str, Any]) -> None:
    m = result["machine"]
    print()
    print(f"machine : {m['platform']}")
    print(f"cpu     : {m['cpu']} ({m['cores']} cores, {m['cores_usable']} usable)")
    print(f"python  : {m['python']}")
    for name in ("sqlite", "postgresql"):
        if name not in result:
            continue
        backend = result[name]
        load = backend["load"]
        print()
        loaded = (
            "corpus reused"
            if load.get("reused")
            else f"{load['items']:,} items, {load['postings']:,} postings;"
            f" bulk load {load['seconds']:.0f} s"
        )
        print(
            f"== {name} {backend['version']}: {backend['published_entries']:,} published entries"
            f" ({loaded})"
        )
        print(f"{'':12} {'p50 ms':>9} {'p95 ms':>9} {'max ms':>9}")
        for label, key in (
            ("service", "service"),
            ("LIKE scan", "like"),
            ("raw FTS5", "fts5"),
        ):
            if key in backend["latency"]:
                figures = backend["latency"][key]
                print(
                    f"{label:12} {figures['p50_ms']:9.2f} {figures['p95_ms']:9.2f}"
                    f" {figures['max_ms']:9.2f}"
                )
        for key, value in backend["ratios"].items():
            print(f"  {key:28} {value:8.2f}")
        misses = backend["misses"]
        print(
            f"  silent misses: {misses['silent_misses']}"
            f" (count mismatches: {', '.join(misses['count_mismatches']) or 'none'})"
        )
        if "import" in backend:
            figures = backend["import"]
            mode = "dry run" if figures["dry_run"] else "real import"
            peak = figures["peak_rss_mib"]
            print(
                f"  Excel import ({mode}): {figures['entries']:,} entries, {figures['items']:,}"
                f" items in {figures['import_and_commit_seconds']:.1f} s"
                f" ({figures['entries_per_s']:.0f} entries/s), peak RSS "
                + (f"{peak:,.0f} MiB" if peak is not None else "n/a")
            )
    print()
    for name, verdict in result["targets"].items():
        print(
            f"targets {name}: "
            + ", ".join(f"{k}={'met' if v else 'MISSED'}" for k, v in verdict.items())
        )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--entries", type=int, default=100_000, help="generated entries")
    parser.add_argument("--queries", type=int, default=len(QUERIES), help="queries (≤ 50)")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each query")
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL, help="admin connection")
    parser.add_argument(
        "--import-entries", type=int, default=10_000, help="Excel import size (0: skip)"
    )
    parser.add_argument(
        "--import-dry-run", action="store_true", help="time the import as a dry run"
    )
    parser.add_argument(
        "--keep-sqlite",
        type=Path,
        default=None,
        help="keep the SQLite corpus in this file and reuse it when it holds --entries",
    )
    parser.add_argument("--quick", action="store_true", help="a smoke run in seconds")
    parser.add_argument("--json", type=Path, default=None, help="write the JSON result here")
    args = parser.parse_args(argv)
    if args.quick:
        args.entries, args.import_entries, args.repeat = 2_000, 200, 1
    if args.entries < 1 or not 1 <= args.queries <= len(QUERIES) or args.repeat < 1:
        parser.error("--entries, --queries and --repeat must be positive (queries ≤ 50)")
    return args


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    started = time.perf_counter()

    def log(message: str) -> None:
        print(f"{time.perf_counter() - started:7.1f}s  {message}", file=sys.stderr, flush=True)

    result: dict[str, Any] = {
        "machine": machine(),
        "command": " ".join(
            ["benchmarks/catalog_search.py", *(argv if argv is not None else sys.argv[1:])]
        ),
        "parameters": {
            "entries": args.entries,
            "queries": args.queries,
            "repeat": args.repeat,
            "import_entries": args.import_entries,
        },
    }
    names = ("sqlite", "postgresql") if args.database == "both" else (args.database,)
    for name in names:
        backend: Backend = (
            SQLiteBackend(args.keep_sqlite) if name == "sqlite" else PostgresBackend(args.pg_url)
        )
        try:
            result[name] = run_backend(
                backend,
                entries=args.entries,
                queries=QUERIES[: args.queries],
                repeat=args.repeat,
                import_entries=args.import_entries,
                import_dry_run=args.import_dry_run,
                log=log,
            )
        finally:
            backend.close()
    result["targets"] = targets(result)
    result["wall_seconds"] = time.perf_counter() - started
    result["machine"]["load_average_at_end"] = list(os.getloadavg())
    result["peak_rss_mib"] = _peak_rss_mib()
    print_table(result)
    payload = json.dumps(result, indent=2, ensure_ascii=False, default=str)
    if args.json is not None:
        args.json.write_text(payload + "\n", encoding="utf-8")
    else:
        print(payload)
    return result


if __name__ == "__main__":
    main()
