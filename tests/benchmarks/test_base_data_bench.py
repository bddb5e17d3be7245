"""Smoke tests of the base-data benchmarks: they run end to end on a small file and the
platform's loads succeed. Speed is what the benchmarks report, not what a test checks."""

from __future__ import annotations

from pathlib import Path

from benchmarks import base_data_load, base_data_rules


def test_the_load_benchmark_runs_on_sqlite(tmp_path: Path) -> None:
    result = base_data_load.main(
        ["--rows", "20000", "--lookups", "2000", "--database", "sqlite", "--scratch", str(tmp_path)]
    )
    assert result["platform_sqlite"]["status"] == "succeeded"
    assert result["platform_sqlite"]["rows"] == 20_000
    assert result["raw_sqlite"]["rows"] == 20_000
    assert result["duckdb"]["rows"] == 20_000
    assert result["validation"]["errors"] == 0  # the generator makes valid people
    assert result["validation"]["valid_plain"] == 20_000
    assert result["lookups_sqlite"]["lookups"] == 2_000
    assert not (tmp_path / "population.csv").exists()


def test_the_rules_benchmark_runs() -> None:
    result = base_data_rules.main(["--quick"])
    assert result
