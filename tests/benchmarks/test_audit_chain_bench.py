"""Smoke test of the audit-chain benchmark: it runs end to end and the chain verifies.

Timings are not asserted: speed is what the benchmark reports, not what a test checks.
"""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks import audit_chain


def test_quick_run_on_sqlite_completes_and_the_chain_verifies(tmp_path: Path) -> None:
    out = tmp_path / "result.json"

    result = audit_chain.main(["--quick", "--database", "sqlite", "--json", str(out)])

    sqlite = result["sqlite"]
    assert sqlite["verify"]["ok"] is True
    assert sqlite["verify"]["entries"] == 20_000
    assert sqlite["append"]["entries"] == sqlite["raw_insert"]["rows"] == 5_000
    assert sqlite["raw_sm3"]["entries"] == 20_000
    for figure in (
        sqlite["append"]["entries_per_s"],
        sqlite["raw_insert"]["rows_per_s"],
        sqlite["verify"]["entries_per_s"],
        sqlite["raw_sm3"]["hashes_per_s"],
    ):
        assert figure > 0
    assert "postgresql" not in result
    assert json.loads(out.read_text(encoding="utf-8"))["sqlite"]["verify"]["ok"] is True
