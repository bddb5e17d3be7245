"""The machine a benchmark ran on, as every benchmark prints and records it."""

from __future__ import annotations

import os
import platform
import sqlite3
import sys
from contextlib import suppress
from pathlib import Path
from typing import Any


def machine(**extra: Any) -> dict[str, Any]:
    """Platform, CPU model and cores (all and usable), memory, Python and SQLite
    versions, the load average at the start, and ``extra`` (the versions of what the
    benchmark measures: OpenSSL, Polars …)."""
    cpu = ""
    with suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {
        "platform": platform.platform(),
        "cpu": cpu or platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "cores_usable": affinity,
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "python": sys.version.split()[0] + f" ({platform.python_implementation()})",
        "sqlite": sqlite3.sqlite_version,
        **extra,
        "load_average_at_start": list(os.getloadavg()),
    }
