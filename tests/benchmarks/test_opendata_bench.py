"""Smoke test of the open data benchmark: it runs end to end on a small catalog and
every row is read back through the APIs. Speed is what the benchmark reports, not
what a test checks."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks import opendata


def test_quick_run_reads_every_row_through_each_path(tmp_path: Path) -> None:
    out = tmp_path / "result.json"

    result = opendata.main(["--quick", "--json", str(out)])

    assert result["datasets"] == 500
    assert result["datastore"]["rows"] == result["csv"]["rows"] == 20_000
    hits = result["search"]["hits"]
    assert hits['{"q": "公交"}'] > 0
    assert hits['{"q": "火星基地"}'] == 0
    assert hits['{"q": ""}'] == 501  # every published dataset, the big one included
    for figure in (
        result["search"]["cold"]["http"]["p95_ms"],
        result["search"]["warm"]["service"]["p95_ms"],
        result["datastore"]["http_rows_per_s"],
        result["csv"]["http_rows_per_s"],
    ):
        assert figure > 0
    assert json.loads(out.read_text(encoding="utf-8"))["datasets"] == 500
