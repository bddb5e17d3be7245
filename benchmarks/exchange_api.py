"""Benchmark of the exchange API's single-key lookup over HTTP (issue #5).

In one run, against one population table (``synthetic.write_population_csv``,
8.4 million people by default, loaded through ``tasks.execute_load`` into the table
a published catalog entry builds, as ``base_data_load.py`` does):

* **platform**: ``GET /api/v1/exchange/grants/{grant}/records/{key}`` with an API
  client's bearer token and ``X-Case-Reference``, served by ``smartcity.asgi:app``:
  the token resolved, the grant checked, the rate counted, the values read through
  ``RecordReader`` and masked by grade, the call appended to the hash-chained
  exchange log, the transaction committed;
* **bare**: ``GET /bare/{key}`` of a tiny FastAPI app in this file on the same
  database, which selects the row by ID number with the driver (a connection per
  worker thread) and returns its 12 values as JSON: no authentication, no checks,
  no log.

Both run under uvicorn with the same settings (2 workers, 127.0.0.1 only), one after
the other (each started, warmed up, measured and stopped in turn), and are
loaded by ``wrk`` (Debian's ``wrk``; a Lua script picks random ID numbers from a
list of the file's) at 64 connections. Reported per route: requests/s, p50/p99
latency, non-2xx answers; then the ratio. Afterwards the exchange log entries
written during the measured platform run are counted (each answered request must
have its entry: zero lost) and ``verify_exchange_log`` walks the chain.

``--rows 200000`` for a quick run; ``--database postgresql`` for PostgreSQL (the
scratch database ``smartcity_bench_base_data``).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: the repository root is the import root
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.base_data_load import (
    DEFAULT_PG_URL,
    MIB,
    _child,
    _pg_scratch,
    _platform_database,
    generate,
    machine,
    platform_load,
)

ROOT = Path(__file__).resolve().parents[1]
CONNECTIONS = 64  # the figure; --connections changes it
CASE_REFERENCE = "BENCH-2026-0001"
DATABASE_FILE = "exchange.sqlite"  # in --scratch, made afresh by each run

# ---------------------------------------------------------------- the bare route

_BARE_ENV = "SMARTCITY_BENCH_BARE"


def create_bare_app() -> Any:
    """The baseline: one route that reads the row by ID number with the driver and
    returns its values as JSON. Configured by ``SMARTCITY_BENCH_BARE`` (JSON: url,
    table, key column, [(name, column)])."""
    from fastapi import FastAPI
    from fastapi.responses import Response

    config = json.loads(os.environ[_BARE_ENV])
    url: str = config["url"]
    names = [name for name, _ in config["columns"]]
    columns = ", ".join(f'"{column}"' for _, column in config["columns"])
    postgres = url.startswith("postgresql")
    mark = "%s" if postgres else "?"
    sql = f'SELECT {columns} FROM "{config["table"]}" WHERE "{config["key"]}" = {mark}'
    local = threading.local()

    def connect() -> Any:
        connection = getattr(local, "connection", None)
        if connection is None:
            if postgres:
                import psycopg

                dsn = url.replace("postgresql+psycopg://", "postgresql://")
                connection = psycopg.connect(dsn, autocommit=True)
            else:
                import sqlite3

                connection = sqlite3.connect(url.removeprefix("sqlite:///"))
                connection.execute("PRAGMA query_only=ON")
            local.connection = connection
        return connection

    app = FastAPI()

    @app.get("/bare/{key}")
    def bare(key: str) -> Response:
        row = connect().execute(sql, (key.strip().upper(),)).fetchone()
        if row is None:
            return Response(b'{"detail":"not found"}', status_code=404)
        body = json.dumps(dict(zip(names, row, strict=True)), ensure_ascii=False, default=str)
        return Response(body.encode(), media_type="application/json")

    return app


# ---------------------------------------------------------------- the platform


def create_platform_app() -> Any:
    """``smartcity.asgi``'s app, as ``make run`` serves it."""
    from smartcity.asgi import app

    return app


# ---------------------------------------------------------------- setup


def setup(url: str, path: str, keys_path: str, count: int) -> dict[str, Any]:
    """A consumer department with an API client and an active lookup grant of all 12
    items of the loaded population entry (clearance G1: every item is graded G2, so
    every value is masked); a list of ``count`` random ID numbers from the file."""
    import polars as pl
    from sqlalchemy import select
    from tests.factories.sharing import make_grant

    from smartcity.core.security import SYSTEM
    from smartcity.domains.base_data import service as base_data_service
    from smartcity.domains.catalog.models import CatalogEntry
    from smartcity.domains.identity import service as identity_service
    from smartcity.domains.identity.permissions import Role
    from smartcity.domains.identity.schemas import ApiClientCreate
    from smartcity.domains.registry.enums import OrganizationKind
    from smartcity.domains.registry.models import Organization
    from smartcity.domains.sharing.enums import QueryMode

    database = _platform_database(url)
    with database.session_scope() as session:
        table = base_data_service.list_tables(session, actor=SYSTEM)[0]
        reader = base_data_service.RecordReader(session, actor=SYSTEM, table=table.table_name)
        columns = [(f.name, f.column_name) for f in reader.fields]
        (key_field,) = reader.data.key_fields
        entry = session.get(CatalogEntry, table.entry_id)
        assert entry is not None
        consumer = Organization(
            code="BENCH-SCJ", name="基准测试市场监管局", kind=OrganizationKind.municipal_department,
            division_code="370800",
        )  # fmt: skip
        session.add(consumer)
        session.flush()
        client, token = identity_service.create_api_client(
            session,
            actor=SYSTEM,
            data=ApiClientCreate(
                name="基准测试接入系统", organization_id=consumer.id, roles=[Role.org_staff]
            ),
            max_days=365,
        )
        grant = make_grant(
            session,
            entry=entry,
            consumer=consumer,
            items=[name for name, _ in columns],
            query_modes=[QueryMode.lookup],
            clearance_rank=1,
            client_id=client.id,
            rate_per_minute=100_000_000,
        )
        result = {
            "grant_id": str(grant.id),
            "token": token,
            "table": table.table_name,
            "key_column": key_field.column_name,
            "columns": columns,
        }
        assert session.scalar(select(CatalogEntry.id).where(CatalogEntry.id == entry.id))
    database.dispose()
    ids = pl.read_csv(path, columns=["公民身份号码"], schema_overrides={"公民身份号码": pl.String})
    keys = ids.get_column("公民身份号码").sample(count, seed=5, with_replacement=True)
    Path(keys_path).write_text("\n".join(keys.to_list()) + "\n", encoding="utf-8")
    return result


def log_state(url: str, verify: bool = False) -> dict[str, Any]:
    """The exchange log's entry count and results; with ``verify``, the chain check."""
    from sqlalchemy import func, select

    import smartcity.models  # noqa: F401
    from smartcity.core.db.engine import Database
    from smartcity.core.security import SYSTEM
    from smartcity.domains.sharing.models import ExchangeLogEntry
    from smartcity.domains.sharing.service import exchange_log

    database = Database(url)  # no migration run: that would take the write lock
    with database.read_scope() as session:
        head = session.scalar(select(func.max(ExchangeLogEntry.seq))) or 0
        count = session.scalar(select(func.count()).select_from(ExchangeLogEntry)) or 0
        results = dict(
            session.execute(
                select(ExchangeLogEntry.result, func.count()).group_by(ExchangeLogEntry.result)
            ).all()
        )
        state: dict[str, Any] = {"entries": count, "head_seq": head, "results": results}
        if verify:
            started = time.perf_counter()
            outcome = exchange_log.verify_exchange_log(session, actor=SYSTEM)
            state["verify"] = {
                "ok": outcome.ok,
                "checked": outcome.checked,
                "seconds": time.perf_counter() - started,
                "first_break": None if outcome.first_break is None else str(outcome.first_break),
            }
    database.dispose()
    return state


# ---------------------------------------------------------------- servers and wrk


def server_stack() -> dict[str, str]:
    """The event loop and HTTP parser uvicorn runs with: ``UVICORN_LOOP`` and
    ``UVICORN_HTTP`` if set (``asyncio``/``h11`` for the pure-Python ones), else what
    its ``auto`` picks, uvloop and httptools when they are installed."""
    chosen: dict[str, str] = {}
    for name, fast, slow in (("loop", "uvloop", "asyncio"), ("http", "httptools", "h11")):
        value = os.environ.get(f"UVICORN_{name.upper()}", "auto")
        if value == "auto":
            value = fast if importlib.util.find_spec(fast) is not None else slow
        chosen[name] = value
    return chosen


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """``uvicorn`` with 2 workers on 127.0.0.1, in its own process group; stopped by PID."""

    def __init__(self, target: str, env: dict[str, str], workers: int, factory: bool) -> None:
        self.port = _free_port()
        command = [
            sys.executable, "-m", "uvicorn", target, "--host", "127.0.0.1",
            "--port", str(self.port), "--workers", str(workers), "--log-level", "warning",
            "--no-access-log", "--app-dir", str(ROOT),
        ]  # fmt: skip
        if factory:
            command.append("--factory")
        self.process = subprocess.Popen(
            command, cwd=ROOT, env={**os.environ, **env}, start_new_session=True
        )

    def wait_ready(self, path: str, headers: dict[str, str], timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited ({self.process.returncode})")
            request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", headers=headers)
            try:
                with urllib.request.urlopen(request, timeout=5) as response:
                    if response.status == 200:
                        return
            except urllib.error.HTTPError as error:
                raise RuntimeError(f"{path}: {error.code} {error.read()[:500]!r}") from error
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.3)
        raise RuntimeError("the server did not answer")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


WRK_SCRIPT = r"""
local keys = {}
local counter = 0
setup = function(thread)
  thread:set("id", counter)
  counter = counter + 1
end
init = function(args)
  for line in io.lines(args[1]) do
    if #line > 0 then keys[#keys + 1] = line end
  end
  prefix = args[2]
  math.randomseed(7919 * (id or 0) + 17)
end
request = function()
  return wrk.format("GET", prefix .. keys[math.random(#keys)])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,' ..
    '"status":%d,"timeout":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,' ..
    '"mean_us":%.1f}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    latency.mean))
end
"""


def run_wrk(
    port: int, prefix: str, headers: dict[str, str], keys: Path, script: Path, seconds: int,
    connections: int = CONNECTIONS, threads: int = 2,
) -> dict[str, Any]:  # fmt: skip
    wrk = shutil.which("wrk")
    if wrk is None:
        raise RuntimeError("wrk is not installed (apt-get install -y wrk)")
    command = [
        wrk, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
        "-s", str(script),
    ]  # fmt: skip
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    command += [f"http://127.0.0.1:{port}", "--", str(keys), prefix]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(x for x in output.splitlines() if x.startswith("WRK_JSON "))
    result: dict[str, Any] = json.loads(line.removeprefix("WRK_JSON "))
    result["per_s"] = result["requests"] / (result["duration_us"] / 1e6)
    result["p50_ms"] = result["p50_us"] / 1000
    result["p99_ms"] = result["p99_us"] / 1000
    result["answered"] = result["requests"]
    result["non_2xx"] = result["status"]
    return result


# ---------------------------------------------------------------- the world both share


def add_world_arguments(parser: argparse.ArgumentParser, *, rows: int) -> None:
    """The options of the population table, the database and the scratch files, for
    this benchmark and ``exchange_lookup_cpu.py``."""
    parser.add_argument("--rows", type=int, default=rows)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keys", type=int, default=100_000, help="random ID numbers to look up")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--postgres-url", default=os.environ.get("SMARTCITY_BENCH_PG_URL", DEFAULT_PG_URL)
    )
    parser.add_argument("--scratch", type=Path, default=None, help="directory for the files")
    parser.add_argument("--keep", action="store_true", help="keep the CSV and the database")
    parser.add_argument("--json", type=Path, default=None)


@dataclass(frozen=True)
class World:
    """A loaded population table with a consumer's API client and lookup grant."""

    url: str
    csv_path: Path
    keys_path: Path
    setup: dict[str, Any]  # ``setup``'s result: grant_id, token, table, key and columns
    generated: dict[str, Any] | None
    loaded: dict[str, Any]

    @property
    def platform_prefix(self) -> str:
        return f"/api/v1/exchange/grants/{self.setup['grant_id']}/records/"

    @property
    def platform_headers(self) -> dict[str, str]:
        token = self.setup["token"]
        return {"Authorization": f"Bearer {token}", "X-Case-Reference": CASE_REFERENCE}

    @property
    def bare_env(self) -> dict[str, str]:
        """The environment ``create_bare_app`` reads."""
        config = {
            "url": self.url,
            "table": self.setup["table"],
            "key": self.setup["key_column"],
            "columns": self.setup["columns"],
        }
        return {_BARE_ENV: json.dumps(config)}


def make_world(args: argparse.Namespace, scratch: Path, database_file: str) -> World:
    """A fresh database (the SQLite file ``database_file`` in ``scratch``, or the
    PostgreSQL scratch database), the CSV generated unless ``scratch`` has it, loaded,
    and the grant set up (each step in a child process)."""
    csv_path, keys_path = scratch / "population.csv", scratch / "keys.txt"
    if args.database == "sqlite":
        _remove_database(scratch, database_file)
        url = f"sqlite:///{scratch / database_file}"
    else:
        scratch_url = _pg_scratch(args.postgres_url)
        if scratch_url is None:
            raise SystemExit("PostgreSQL is unreachable")
        url = scratch_url
    generated = None
    if not csv_path.exists():
        generated = _child(generate, csv_path, args.rows, args.seed)
        print(f"generated {args.rows:,} rows, {generated['bytes'] / MIB:,.0f} MiB")
    loaded = _child(platform_load, url, str(csv_path))
    print(f"loaded {loaded['rows']:,} rows in {loaded['seconds']:.1f} s")
    world = _child(setup, url, str(csv_path), str(keys_path), args.keys)
    return World(url, csv_path, keys_path, world, generated, loaded)


def remove_files(scratch: Path, database_file: str) -> None:
    """The generated CSV, key list and SQLite database (``--keep`` keeps them)."""
    for path in (scratch / "population.csv", scratch / "keys.txt", scratch / "lookup.lua"):
        path.unlink(missing_ok=True)
    _remove_database(scratch, database_file)


def _remove_database(scratch: Path, database_file: str) -> None:
    for suffix in ("", "-wal", "-shm"):
        (scratch / f"{database_file}{suffix}").unlink(missing_ok=True)


# ---------------------------------------------------------------- the run


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_world_arguments(parser, rows=8_400_000)
    parser.add_argument("--seconds", type=int, default=30, help="each measured wrk run")
    parser.add_argument("--warmup", type=int, default=5, help="an unmeasured wrk run first")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=CONNECTIONS)
    args = parser.parse_args(argv)

    scratch = Path(args.scratch or tempfile.mkdtemp(prefix="bench-exchange-"))
    scratch.mkdir(parents=True, exist_ok=True)
    script = scratch / "lookup.lua"
    script.write_text(WRK_SCRIPT, encoding="utf-8")
    results: dict[str, Any] = {
        "machine": machine(),
        "rows": args.rows,
        "database": args.database,
        "workers": args.workers,
        "connections": args.connections,
        "seconds": args.seconds,
        "server": server_stack(),
    }
    print(json.dumps(results["machine"], ensure_ascii=False))
    print(f"uvicorn: {args.workers} workers, loop {results['server']['loop']}, "
          f"http {results['server']['http']}")  # fmt: skip
    world = make_world(args, scratch, DATABASE_FILE)
    url, keys_path = world.url, world.keys_path
    if world.generated is not None:
        results["generate"] = world.generated
    results["load"] = world.loaded
    results["grant_id"] = world.setup["grant_id"]
    platform_headers = world.platform_headers
    platform_prefix = world.platform_prefix
    bare_env = world.bare_env
    first_key = keys_path.read_text(encoding="utf-8").split("\n", 1)[0]
    routes: tuple[tuple[str, str, dict[str, str], str, dict[str, str]], ...] = (
        ("bare", "benchmarks.exchange_api:create_bare_app", bare_env, "/bare/", {}),
        (
            "platform",
            "benchmarks.exchange_api:create_platform_app",
            {"SMARTCITY_DATABASE__URL": url},
            platform_prefix,
            platform_headers,
        ),
    )
    # One server at a time: the bare route keeps a connection per worker thread (up to
    # 80), which beside the platform's pool would pass PostgreSQL's max_connections.
    for name, target, env, prefix, headers in routes:
        server = Server(target, env, args.workers, factory=True)
        try:
            server.wait_ready(prefix + first_key, headers)
            if args.warmup:
                run_wrk(
                    server.port, prefix, headers, keys_path, script, args.warmup,
                    args.connections, threads=min(2, args.connections),
                )  # fmt: skip
            before = _child(log_state, url) if name == "platform" else None
            results[name] = run_wrk(
                server.port, prefix, headers, keys_path, script, args.seconds,
                args.connections, threads=min(2, args.connections),
            )  # fmt: skip
            if before is not None:
                time.sleep(1.0)  # requests in flight when wrk stopped still finish
                after = _child(log_state, url)
                results["log_delta"] = after["entries"] - before["entries"]
        finally:
            server.stop()
        print(
            f"{name:<9} {results[name]['per_s']:>9,.0f} req/s  "
            f"p50 {results[name]['p50_ms']:.1f} ms  p99 {results[name]['p99_ms']:.1f} ms"
        )
    results["log"] = _child(log_state, url, True)
    _report(results)
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2))
    if not args.keep:
        remove_files(scratch, DATABASE_FILE)
    return results


def _report(results: dict[str, Any]) -> None:
    platform, bare = results["platform"], results["bare"]
    print()
    print(
        f"{'route':<10}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}"
        f"{'non-2xx':>9}{'errors':>8}"
    )
    for name in ("bare", "platform"):
        r = results[name]
        errors = r["connect"] + r["read"] + r["write"] + r["timeout"]
        print(
            f"{name:<10}{r['per_s']:>10,.0f}{r['p50_ms']:>9.1f}{r['p99_ms']:>9.1f}"
            f"{r['max_us'] / 1000:>9.1f}{r['non_2xx']:>9}{errors:>8}"
        )
    ratio = platform["per_s"] / bare["per_s"] if bare["per_s"] else 0.0
    results["ratio"] = ratio
    lost = max(0, platform["answered"] - results["log_delta"])
    results["lost"] = lost
    log = results["log"]
    print(f"platform / bare throughput: {ratio:.2f} (target ≥ 0.60)")
    print(f"platform p99: {platform['p99_ms']:.1f} ms (target < 50 ms)")
    print(
        f"log entries written during the measured run: {results['log_delta']:,}; "
        f"answers wrk counted: {platform['answered']:,}; lost: {lost} (target 0; "
        f"entries beyond the count are requests in flight when wrk stopped)"
    )
    verify = log["verify"]
    print(
        f"verify_exchange_log: {'clean' if verify['ok'] else 'BROKEN'}, {verify['checked']:,} "
        f"entries in {verify['seconds']:.1f} s; results {log['results']}"
    )


if __name__ == "__main__":
    main()
