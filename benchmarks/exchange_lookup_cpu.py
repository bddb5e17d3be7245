"""CPU per single-key lookup, in process, for the exchange API and the bare route (issue #5).

``exchange_api.py`` measures what the issue asks — requests/s over HTTP under
``wrk`` — but on a small shared VM those figures swing by a third from one run to
the next (the bare route alone answered 2,700–3,800 req/s in consecutive runs), so
they cannot tell a 10% change from noise. This script measures what a change to the
lookup actually changes: the CPU time a lookup costs the serving process.

Both applications — ``smartcity.asgi``'s, and ``exchange_api.create_bare_app`` —
are driven in a fresh process each, through their ASGI interface with no server and
no sockets (so HTTP parsing, which costs both alike, is left out): ``--calls``
lookups of random ID numbers, ``--concurrency`` at a time, after a warm-up. Reported
per run: CPU microseconds per call (``time.process_time``: every thread of the
process — the lookup threads, the log writer — user and system), wall time per
call; then the medians of ``--rounds`` alternating runs and the bare route's CPU
per call over the platform's: the throughput ratio a server whose CPU is the limit
would show, before HTTP's share. The platform's answers are checked (status 200,
masked values) and its log entries counted against the calls.

The population table and the grant are made as ``exchange_api.py`` makes them (the
same ``--scratch`` files are reused when present).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: the repository root is the import root
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.base_data_load import _child, machine
from benchmarks.exchange_api import add_world_arguments, log_state, make_world, remove_files

DATABASE_FILE = "lookup_cpu.sqlite"  # in --scratch, made afresh by each run


def drive(
    route: str, env: dict[str, str], prefix: str, headers: dict[str, str], keys_path: str,
    calls: int, concurrency: int, warmup: int,
) -> dict[str, Any]:  # fmt: skip
    """In a fresh process: ``calls`` lookups through the route's ASGI app."""
    os.environ.update(env)  # before the application reads its settings
    app: Any
    if route == "bare":
        from benchmarks.exchange_api import create_bare_app

        app = create_bare_app()
    else:
        from smartcity.asgi import app
    keys = Path(keys_path).read_text(encoding="utf-8").split()
    raw_headers = [(b"host", b"127.0.0.1")] + [
        (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()
    ]
    failures: list[str] = []

    async def call(key: str) -> None:
        path = prefix + key
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
            "method": "GET", "scheme": "http", "path": path, "raw_path": path.encode(),
            "root_path": "", "query_string": b"", "headers": raw_headers,
            "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000), "state": {},
        }  # fmt: skip
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        await app(scope, receive, send)
        if sent[0]["status"] != 200 and len(failures) < 5:
            failures.append(f"{sent[0]['status']} {sent[1]['body'][:200]!r}")

    async def run(count: int) -> None:
        gate = asyncio.Semaphore(concurrency)

        async def one(key: str) -> None:
            async with gate:
                await call(key)

        await asyncio.gather(*(one(keys[i % len(keys)]) for i in range(count)))

    async def main() -> dict[str, Any]:
        await run(warmup)
        wall, cpu = time.perf_counter(), time.process_time()
        await run(calls)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        return {
            "cpu_us": 1e6 * cpu / calls,
            "wall_us": 1e6 * wall / calls,
            "failures": failures,
        }

    return asyncio.run(main())


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_world_arguments(parser, rows=200_000)
    parser.add_argument("--calls", type=int, default=6_000, help="measured calls per run")
    parser.add_argument("--warmup", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3, help="alternating runs per route")
    args = parser.parse_args(argv)

    scratch = Path(args.scratch or tempfile.mkdtemp(prefix="bench-lookup-cpu-"))
    scratch.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {
        "machine": machine(),
        "rows": args.rows,
        "database": args.database,
        "calls": args.calls,
        "concurrency": args.concurrency,
    }
    print(json.dumps(results["machine"], ensure_ascii=False))
    world = make_world(args, scratch, DATABASE_FILE)
    url = world.url
    before = _child(log_state, url)["entries"]
    routes = {
        "bare": (world.bare_env, "/bare/", {}),
        "platform": (
            {"SMARTCITY_DATABASE__URL": url},
            world.platform_prefix,
            world.platform_headers,
        ),
    }
    runs: dict[str, list[dict[str, Any]]] = {"bare": [], "platform": []}
    for round_ in range(1, args.rounds + 1):
        for name, (env, prefix, headers) in routes.items():
            run = _child(
                drive, name, env, prefix, headers, str(world.keys_path),
                args.calls, args.concurrency, args.warmup,
            )  # fmt: skip
            if run["failures"]:
                raise SystemExit(f"{name}: answers other than 200: {run['failures']}")
            runs[name].append(run)
            print(
                f"round {round_}  {name:<9} {run['cpu_us']:>7,.0f} µs CPU/call  "
                f"{run['wall_us']:>7,.0f} µs wall/call"
            )
    logged = _child(log_state, url, True)
    results["runs"] = runs
    for name in routes:
        results[name] = {
            "cpu_us_median": statistics.median(r["cpu_us"] for r in runs[name]),
            "cpu_us_all": [round(r["cpu_us"]) for r in runs[name]],
        }
    platform_calls = args.rounds * (args.calls + args.warmup)
    results["log"] = {
        "entries": logged["entries"] - before,
        "calls": platform_calls,
        "verify": logged.get("verify"),
    }
    ratio = results["bare"]["cpu_us_median"] / results["platform"]["cpu_us_median"]
    results["cpu_ratio"] = ratio
    print()
    for name in routes:
        print(
            f"{name:<9} median {results[name]['cpu_us_median']:>7,.0f} µs CPU per lookup "
            f"(runs: {', '.join(str(v) for v in results[name]['cpu_us_all'])})"
        )
    print(f"bare / platform CPU per lookup: {ratio:.2f} (HTTP parsing not included)")
    print(
        f"log entries: {results['log']['entries']:,} for {platform_calls:,} platform calls; "
        f"verify: {logged.get('verify')}"
    )
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2))
    if not args.keep:
        remove_files(scratch, DATABASE_FILE)
    return results


if __name__ == "__main__":
    main()
