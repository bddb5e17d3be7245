"""Smoke test of the catalog search benchmark: it runs end to end, finds what the brute
force finds, and imports a workbook.

Timings are not asserted: speed is what the benchmark reports, not what a test checks.
"""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks import catalog_search


def test_quick_run_on_sqlite_completes_without_silent_misses(tmp_path: Path) -> None:
    out = tmp_path / "result.json"

    result = catalog_search.main(["--quick", "--database", "sqlite", "--json", str(out)])

    sqlite = result["sqlite"]
    assert sqlite["load"]["entries"] == 2_000
    assert sqlite["published_entries"] == 2_300  # and the demo's 300
    assert sqlite["load"]["postings"] > 0
    assert set(sqlite["latency"]) == {"service", "like", "fts5"}
    assert sqlite["latency"]["service"]["samples"] == len(catalog_search.QUERIES)
    assert sqlite["misses"]["silent_misses"] == 0
    hits = {row["query"]: row for row in sqlite["queries"]}
    for query in ("人口", "交通", "公交", "空气质量", "2023年GDP"):
        assert hits[query]["service_hits"] > 0, query
        assert hits[query]["service_hits"] == hits[query]["fts5_hits"], query
    assert hits["火星基地"]["service_hits"] == 0
    assert sqlite["import"]["created"] == 200
    assert "postgresql" not in result
    assert set(result["targets"]["sqlite"]) == {
        "10x_faster_than_like_scan",
        "no_silent_misses",
        "p95_at_most_25_ms",
        "within_2x_of_fts5",
    }
    assert json.loads(out.read_text(encoding="utf-8"))["sqlite"]["misses"]["silent_misses"] == 0


def test_the_fts5_expression_is_the_services_and_of_terms() -> None:
    assert catalog_search.fts_expression("人口") == '"人口"'
    assert catalog_search.fts_expression("空气质量") == '"空气" AND "气质" AND "质量"'
    assert catalog_search.fts_expression("2023年GDP") == '"2023" AND "gdp" AND "年"*'
    assert catalog_search.fts_expression("火") == '"火"*'


def test_a_kept_corpus_is_reused_by_the_next_run(tmp_path: Path) -> None:
    kept = tmp_path / "corpus.sqlite3"
    arguments = ["--quick", "--import-entries", "0", "--keep-sqlite", str(kept)]

    first = catalog_search.main([*arguments, "--json", str(tmp_path / "first.json")])
    second = catalog_search.main([*arguments, "--json", str(tmp_path / "second.json")])

    assert kept.exists()
    assert first["sqlite"]["load"]["entries"] == 2_000
    assert second["sqlite"]["load"] == {"reused": True}
    assert second["sqlite"]["published_entries"] == first["sqlite"]["published_entries"]
    hits = [
        {row["query"]: row["service_hits"] for row in run["sqlite"]["queries"]}
        for run in (first, second)
    ]
    assert hits[0] == hits[1]
    assert second["sqlite"]["misses"]["silent_misses"] == 0
