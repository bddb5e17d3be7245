"""Smoke test of the exchange API benchmark: it runs end to end on a tiny table on
SQLite, both servers answer, every answered platform request has its log entry and
the chain verifies; it reports the server stack both routes ran on. Speed is what
the benchmark reports, not what a test checks."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from benchmarks import exchange_api


@pytest.mark.skipif(
    shutil.which("wrk") is None, reason="wrk is not installed (apt-get install -y wrk)"
)
def test_the_exchange_benchmark_runs_on_sqlite(tmp_path: Path) -> None:
    # A smoke run: few rows, two connections, two seconds; the figures are in
    # docs/benchmarks.md.
    result = exchange_api.main(
        [
            "--rows", "2000", "--keys", "200", "--seconds", "2", "--warmup", "0",
            "--connections", "2", "--scratch", str(tmp_path),
        ]
    )  # fmt: skip
    assert result["load"]["rows"] == 2_000
    assert result["bare"]["requests"] > 0
    assert result["platform"]["requests"] > 0
    assert result["bare"]["non_2xx"] == result["platform"]["non_2xx"] == 0
    assert result["lost"] == 0
    assert result["log"]["verify"]["ok"]
    assert result["server"] == exchange_api.server_stack()
    assert not (tmp_path / "population.csv").exists()


def test_the_servers_run_on_uvloop_and_httptools_unless_told_otherwise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Both are project dependencies, so uvicorn's ``auto`` picks them; the benchmark
    # reports the stack both routes ran on, and the pure-Python one when asked for.
    monkeypatch.delenv("UVICORN_LOOP", raising=False)
    monkeypatch.delenv("UVICORN_HTTP", raising=False)
    assert exchange_api.server_stack() == {"loop": "uvloop", "http": "httptools"}
    monkeypatch.setenv("UVICORN_LOOP", "asyncio")
    monkeypatch.setenv("UVICORN_HTTP", "h11")
    assert exchange_api.server_stack() == {"loop": "asyncio", "http": "h11"}
