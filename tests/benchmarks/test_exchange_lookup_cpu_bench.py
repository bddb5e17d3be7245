"""Smoke test of the in-process CPU benchmark of the exchange lookup: it runs end to
end on a tiny table on SQLite, both applications answer every call with 200, and
every platform call has its log entry in a chain that verifies. The figures are
what the benchmark reports, not what a test checks."""

from __future__ import annotations

from pathlib import Path

from benchmarks import exchange_lookup_cpu


def test_the_lookup_cpu_benchmark_runs_on_sqlite(tmp_path: Path) -> None:
    result = exchange_lookup_cpu.main(
        [
            "--rows", "2000", "--keys", "200", "--calls", "60", "--warmup", "10",
            "--rounds", "1", "--scratch", str(tmp_path),
        ]
    )  # fmt: skip
    assert result["platform"]["cpu_us_median"] > 0
    assert result["bare"]["cpu_us_median"] > 0
    assert result["log"]["entries"] == result["log"]["calls"] == 70
    assert result["log"]["verify"]["ok"]
    assert not (tmp_path / "population.csv").exists()
    assert not list(tmp_path.glob("lookup_cpu.sqlite*"))
