"""Benchmark of the tamper-evident audit log (issue #2): append and verify.

Measures, on SQLite and/or PostgreSQL, in one run:

* **append**: entries/s through the real service, ``audit_service.record()``, in
  transactions of 1,000 (``Database.session_scope()`` per batch);
* **raw insert**: rows/s of a plain DBAPI ``executemany`` of precomputed rows of the
  same shape in transactions of 1,000 (sqlite3 / psycopg, no SQLAlchemy), the
  ceiling the service is compared with;
* **verify**: entries/s of ``audit_service.verify_chain()`` over the whole chain
  (``--entries``, default 1,000,000), asserting that it verifies;
* **raw SM3**: hashes/s of ``hashlib.new("sm3", data).hexdigest()`` over exactly
  the canonical bytes of the stored entries (built first, only the hashing loop
  is timed), the ceiling verify is compared with.

Run ``python benchmarks/audit_chain.py --help``. Figures go to stdout as a table,
then the full result as JSON (or to ``--json PATH``).
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import random
import resource
import sqlite3
import ssl
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

import smartcity.models  # noqa: F401  (every mapper known before the first session)
from smartcity.core.context import RequestContext, request_context
from smartcity.core.db.engine import Database
from smartcity.core.db.migrate import upgrade
from smartcity.core.hashchain import GENESIS, canonical, clean, entry_hash
from smartcity.core.security import SYSTEM
from smartcity.domains.audit import service as audit_service

if __package__ in (None, ""):  # run as a script: the repository root is the import root
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.machine import machine as _machine

BATCH = 1_000  # entries per transaction, as the issue asks
FILL_BATCH = 20_000
READ_BATCH = 50_000
SCRATCH_DATABASE = "smartcity_bench"
BASELINE_SCHEMA = "bench_baseline"
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
MIB = 1024 * 1024

COLUMNS = (
    "seq",
    "occurred_at",
    "actor_kind",
    "actor_id",
    "actor_name",
    "organization_id",
    "action",
    "subject_type",
    "subject_id",
    "subject_label",
    "changes",
    "request_id",
    "ip",
    "prev_hash",
    "entry_hash",
)
INSERT_SQL = "INSERT INTO audit_event ({}) VALUES ({})"

# A realistic mix: actions and subjects of the platform's domains, Chinese labels.
ACTIONS = (
    ("registry.organization.updated", "registry_organization"),
    ("identity.user.logged_in", "identity_user"),
    ("identity.user.created", "identity_user"),
    ("catalog.resource.published", "catalog_resource"),
    ("exchange.request.approved", "exchange_request"),
    ("opendata.dataset.downloaded", "opendata_dataset"),
)
ORGS = (
    "济宁市大数据中心",
    "任城区行政审批服务局",
    "兖州区自然资源局",
    "曲阜市文化和旅游局",
    "济宁高新技术产业开发区管理委员会",
    "邹城市公安局",
    "微山县交通运输局",
)
THINGS = (
    "人口基础信息",
    "法人单位名录",
    "不动产登记簿",
    "公共交通刷卡记录",
    "空气质量监测数据",
    "企业信用信息",
    "医疗机构执业登记",
)
NAMES = ("张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "孙强")


# ---------------------------------------------------------------------------- workload


class Workload:
    """Deterministic entry contents (same seed, same entries)."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.orgs = [uuid.UUID(int=self.rng.getrandbits(128), version=4) for _ in ORGS]
        self.users = [
            (
                uuid.UUID(int=self.rng.getrandbits(128), version=4),
                name,
                self.orgs[i % len(self.orgs)],
            )
            for i, name in enumerate(NAMES)
        ]

    def _uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def service_input(self, i: int) -> dict[str, Any]:
        """Keyword arguments of one ``record()`` call."""
        action, subject_type = ACTIONS[i % len(ACTIONS)]
        org, thing = ORGS[i % len(ORGS)], THINGS[i % len(THINGS)]
        return {
            "action": action,
            "subject_type": subject_type,
            "subject_id": str(self._uuid()),
            "label": f"{org}·{thing}（第{i}号）",
            "changes": {
                "name": [f"{thing}（旧）", thing],
                "phone": ["0537-2345678", f"0537-{2_000_000 + i % 7_000_000}"],
                "is_active": [i % 2 == 0, i % 2 == 1],
            },
        }

    def request(self) -> RequestContext:
        return RequestContext(
            request_id=self._uuid().hex,
            ip=f"10.12.{self.rng.randrange(256)}.{self.rng.randrange(1, 255)}",
        )


def _json(value: object) -> str:
    """The service's canonical JSON for ``changes``."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


class RowFactory:
    """Precomputed ``audit_event`` rows continuing a chain, hashed exactly as the service does.

    90% of the rows are written by users (actor and organization ids set), 10% by
    the system, so verify meets both shapes. Values are in the form the raw
    driver stores: on SQLite the text SQLAlchemy would write (timestamps as
    ``YYYY-MM-DD HH:MM:SS.ffffff``, UUIDs as 32 hex digits), on PostgreSQL
    Python objects psycopg adapts.
    """

    def __init__(self, workload: Workload, *, sqlite: bool, seq: int, prev_hash: str) -> None:
        self.workload = workload
        self.sqlite = sqlite
        self.seq = seq
        self.prev = prev_hash
        self.clock = datetime.now(UTC)

    def rows(self, n: int) -> list[tuple[Any, ...]]:
        out: list[tuple[Any, ...]] = []
        workload = self.workload
        for _ in range(n):
            self.seq += 1
            self.clock += timedelta(microseconds=731)
            spec = workload.service_input(self.seq)
            request = workload.request()
            if self.seq % 10 == 0:
                kind, actor_id, name, org = "system", None, "system", None
            else:
                user_id, name, org = workload.users[self.seq % len(workload.users)]
                kind, actor_id = "user", user_id
            stamp = self.clock.strftime(audit_service.TIMESTAMP_FORMAT)
            values = (
                kind,
                actor_id,
                clean(name, 100),
                org,
                clean(spec["action"], 100),
                clean(spec["subject_type"], 64),
                clean(spec["subject_id"], 64),
                clean(spec["label"], 200),
                _json(spec["changes"]),
                clean(request.request_id, 64),
                clean(request.ip, 64),
            )
            fields = audit_service.canonical_fields(
                occurred_at=stamp,
                actor_kind=values[0],
                actor_id=values[1],
                actor_name=values[2],
                organization_id=values[3],
                action=values[4],
                subject_type=values[5],
                subject_id=values[6],
                subject_label=values[7],
                changes=values[8],
                request_id=values[9],
                ip=values[10],
            )
            digest = entry_hash(fields, self.prev)
            row: tuple[Any, ...]
            if self.sqlite:
                row = (
                    self.seq,
                    stamp,
                    kind,
                    actor_id.hex if actor_id else None,
                    values[2],
                    org.hex if org else None,
                    *values[4:],
                    self.prev,
                    digest,
                )
            else:
                row = (self.seq, self.clock, *values, self.prev, digest)
            out.append(row)
            self.prev = digest
        return out


# ---------------------------------------------------------------------------- backends


class RawWriter:
    """A plain DBAPI connection writing precomputed rows, one transaction per call."""

    def write(self, rows: list[tuple[Any, ...]]) -> float:
        """Insert ``rows`` in one transaction; the seconds it took."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class Backend:
    """One database under test: how to create it, write raw rows, and read them back."""

    name: str
    database: Database

    def raw_writer(self, *, baseline: bool) -> RawWriter:
        """A plain DBAPI writer: for the baseline, ``executemany`` of INSERT into an
        identical empty table of its own (so it meets the same table sizes as the
        service); otherwise the fastest way into the chain's table (for the fill)."""
        raise NotImplementedError

    def stored_canonical(self, batch: int) -> Iterator[tuple[list[bytes], list[str]]]:
        raise NotImplementedError

    def version(self) -> str:
        raise NotImplementedError

    def close(self) -> None:
        self.database.dispose()


def _insert_sql(style: str) -> str:
    marks = (
        ", ".join(["?"] * len(COLUMNS)) if style == "qmark" else ", ".join(["%s"] * len(COLUMNS))
    )
    return INSERT_SQL.format(", ".join(COLUMNS), marks)


def _dashed(value: str | None) -> str:
    if not value:
        return ""
    return str(uuid.UUID(value))


class SQLiteWriter(RawWriter):
    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection
        self.sql = _insert_sql("qmark")

    def write(self, rows: list[tuple[Any, ...]]) -> float:
        start = time.perf_counter()
        self.connection.execute("BEGIN IMMEDIATE")  # as the application's writers do
        self.connection.executemany(self.sql, rows)
        self.connection.execute("COMMIT")
        return time.perf_counter() - start

    def close(self) -> None:
        self.connection.close()


class PostgresWriter(RawWriter):
    def __init__(self, connection: psycopg.Connection[Any], *, copy: bool) -> None:
        self.connection = connection
        self.copy = copy
        self.sql = _insert_sql("format")
        self.copy_sql = f"COPY audit_event ({', '.join(COLUMNS)}) FROM STDIN"

    def write(self, rows: list[tuple[Any, ...]]) -> float:
        start = time.perf_counter()
        with self.connection.cursor() as cursor:
            if self.copy:
                with cursor.copy(self.copy_sql) as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                cursor.executemany(self.sql, rows)
        self.connection.commit()
        return time.perf_counter() - start

    def close(self) -> None:
        self.connection.close()


class SQLiteBackend(Backend):
    name = "sqlite"

    def __init__(self) -> None:
        self.directory = tempfile.TemporaryDirectory(prefix="smartcity-bench-")
        self.path = Path(self.directory.name) / "bench.sqlite3"
        self.database = Database(f"sqlite:///{self.path}")
        upgrade(self.database.engine)
        self.baseline_path = Path(self.directory.name) / "baseline.sqlite3"
        baseline = Database(f"sqlite:///{self.baseline_path}")
        upgrade(baseline.engine)
        baseline.dispose()

    def _connect(self, path: Path | None = None) -> sqlite3.Connection:
        """A connection set up as the application's engine sets up its own."""
        connection = sqlite3.connect(path or self.path, isolation_level=None)
        for pragma in (
            "foreign_keys=ON",
            "journal_mode=WAL",
            "synchronous=NORMAL",
            "busy_timeout=30000",
        ):
            connection.execute(f"PRAGMA {pragma}")
        return connection

    def raw_writer(self, *, baseline: bool) -> RawWriter:
        return SQLiteWriter(self._connect(self.baseline_path if baseline else self.path))

    def stored_canonical(self, batch: int) -> Iterator[tuple[list[bytes], list[str]]]:
        connection = self._connect()
        sql = f"SELECT {', '.join(COLUMNS)} FROM audit_event WHERE seq > ? ORDER BY seq LIMIT ?"
        after = -1
        try:
            while rows := connection.execute(sql, (after, batch)).fetchall():
                data = [
                    canonical((r[1], r[2], _dashed(r[3]), r[4], _dashed(r[5]), *r[6:13]), r[13])
                    for r in rows
                ]
                yield data, [r[14] for r in rows]
                after = rows[-1][0]
        finally:
            connection.close()

    def version(self) -> str:
        return sqlite3.sqlite_version

    def close(self) -> None:
        super().close()
        self.directory.cleanup()


class PostgresBackend(Backend):
    name = "postgresql"

    def __init__(self, admin_url: str) -> None:
        url = make_url(admin_url)
        self.admin = create_engine(url, isolation_level="AUTOCOMMIT")
        with self.admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{SCRATCH_DATABASE}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{SCRATCH_DATABASE}"'))
            self.server_version = str(connection.execute(text("SHOW server_version")).scalar())
        scratch = url.set(database=SCRATCH_DATABASE)
        self.conninfo = scratch.set(drivername="postgresql").render_as_string(hide_password=False)
        self.database = Database(scratch.render_as_string(hide_password=False))
        upgrade(self.database.engine)
        with psycopg.connect(self.conninfo) as connection:
            connection.execute(f"CREATE SCHEMA {BASELINE_SCHEMA}")
            connection.execute(
                f"CREATE TABLE {BASELINE_SCHEMA}.audit_event"
                " (LIKE public.audit_event INCLUDING ALL)"
            )

    def raw_writer(self, *, baseline: bool) -> RawWriter:
        connection = psycopg.connect(self.conninfo)
        if baseline:
            connection.execute(f"SET search_path TO {BASELINE_SCHEMA}")
            connection.commit()
        return PostgresWriter(connection, copy=not baseline)

    def stored_canonical(self, batch: int) -> Iterator[tuple[list[bytes], list[str]]]:
        fmt = audit_service.TIMESTAMP_FORMAT
        # Ranges, not LIMIT: ``seq > x ORDER BY seq LIMIT n`` may be planned as a
        # scan and sort of the whole table for every batch right after the fill.
        sql = (
            f"SELECT {', '.join(COLUMNS)} FROM audit_event"
            " WHERE seq > %s AND seq <= %s ORDER BY seq"
        )
        with psycopg.connect(self.conninfo) as connection, connection.cursor() as cursor:
            bounds = cursor.execute("SELECT max(seq) FROM audit_event").fetchone()
            high = bounds[0] if bounds and bounds[0] is not None else 0
            for after in range(0, high, batch):
                rows = cursor.execute(sql, (after, after + batch)).fetchall()
                data = [
                    canonical(
                        (
                            r[1].astimezone(UTC).strftime(fmt),
                            r[2],
                            str(r[3]) if r[3] else "",
                            r[4],
                            str(r[5]) if r[5] else "",
                            *r[6:13],
                        ),
                        r[13],
                    )
                    for r in rows
                ]
                yield data, [r[14] for r in rows]

    def version(self) -> str:
        return self.server_version

    def close(self) -> None:
        super().close()
        with self.admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{SCRATCH_DATABASE}" WITH (FORCE)'))
        self.admin.dispose()


# ---------------------------------------------------------------------------- measurements


_process_peak_kib = 0  # the highest mark seen before any reset


def _reset_peak_rss() -> bool:
    """Reset the kernel's high-water mark so the next phase's peak is its own (Linux)."""
    global _process_peak_kib
    _process_peak_kib = max(_process_peak_kib, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _head(database: Database) -> tuple[int, str]:
    with database.read_scope() as session:
        return audit_service.chain_head(session, actor=SYSTEM)


def _chunks(factory: RowFactory, total: int, size: int) -> Iterator[list[tuple[Any, ...]]]:
    done = 0
    while done < total:
        n = min(size, total - done)
        yield factory.rows(n)
        done += n


def measure_append(backend: Backend, workload: Workload, n: int) -> dict[str, Any]:
    """The service and the raw baseline, in alternating transactions of 1,000.

    Each service batch is ``record()`` x 1,000 in one ``session_scope()``; each
    raw batch is one ``executemany`` of 1,000 precomputed rows (hashes computed
    beforehand, not timed) into an identical table of its own. Alternating gives
    both the same table sizes and the same machine conditions, which matters:
    every insert updates seven indexes, two of them on random keys (the entry
    hash, the subject id), so inserts slow down as the table grows.
    """
    database = backend.database
    writer = backend.raw_writer(baseline=True)
    factory = RowFactory(workload, sqlite=backend.name == "sqlite", seq=0, prev_hash=GENESIS)
    service = raw = 0.0
    done = 0
    try:
        while done < n:
            size = min(BATCH, n - done)
            inputs = [workload.service_input(done + i) for i in range(size)]  # not timed
            context = workload.request()
            start = time.perf_counter()
            with request_context(context), database.session_scope() as session:
                for spec in inputs:
                    audit_service.record(session, actor=SYSTEM, **spec)
            service += time.perf_counter() - start
            raw += writer.write(factory.rows(size))  # only the write is timed
            done += size
    finally:
        writer.close()
    return {
        "service": {"entries": n, "seconds": service, "entries_per_s": n / service},
        "raw_insert": {"rows": n, "seconds": raw, "rows_per_s": n / raw},
    }


def fill(backend: Backend, workload: Workload, n: int) -> dict[str, Any]:
    """Bring the chain up to size quickly (bulk insert of rows hashed like the service)."""
    seq, prev = _head(backend.database)
    factory = RowFactory(workload, sqlite=backend.name == "sqlite", seq=seq, prev_hash=prev)
    writer = backend.raw_writer(baseline=False)
    start = time.perf_counter()
    try:
        for rows in _chunks(factory, n, FILL_BATCH):
            writer.write(rows)
    finally:
        writer.close()
    elapsed = time.perf_counter() - start
    return {"rows": n, "seconds": elapsed, "rows_per_s": n / elapsed if elapsed else 0.0}


def measure_verify(backend: Backend, expected: int) -> dict[str, Any]:
    gc.collect()
    reset = _reset_peak_rss()
    before = _peak_rss_mib()
    start = time.perf_counter()
    with backend.database.read_scope() as session:
        report = audit_service.verify_chain(session, actor=SYSTEM)
    elapsed = time.perf_counter() - start
    peak = _peak_rss_mib()
    if not report.ok or report.checked != expected:
        raise AssertionError(f"{backend.name}: chain did not verify: {report}")
    return {
        "entries": report.checked,
        "ok": report.ok,
        "head_seq": report.head_seq,
        "seconds": elapsed,
        "entries_per_s": report.checked / elapsed,
        "rss_before_mib": before if reset else None,
        "peak_rss_mib": peak,
        "rss_growth_mib": peak - before if reset else None,
        "peak_rss_is_phase_own": reset,
    }


def _hash_new(data: list[bytes]) -> list[str]:
    new = hashlib.new
    return [new("sm3", item).hexdigest() for item in data]


def _hash_copy(data: list[bytes]) -> list[str]:
    copy = hashlib.new("sm3").copy
    digests = []
    for item in data:
        digest = copy()
        digest.update(item)
        digests.append(digest.hexdigest())
    return digests


def measure_raw_hash(backend: Backend, expected: int) -> dict[str, Any]:
    """Raw SM3 over the stored entries' canonical bytes, in this process.

    The bytes are built per batch of stored rows first (not timed); only the
    hashing loops are timed, and their digests are then checked against the
    stored hashes, which proves they hashed the same serialized entries. Two
    loops: ``hashlib.new("sm3", data).hexdigest()`` (the issue's baseline) and
    copying an initialised context (``smartcity.core.hashchain`` does that), in
    alternating order per batch.
    """
    seconds = {"new": 0.0, "copy": 0.0}
    loops = {"new": _hash_new, "copy": _hash_copy}
    count = 0
    total_bytes = 0
    for index, (data, stored) in enumerate(backend.stored_canonical(READ_BATCH)):
        for name in ("new", "copy") if index % 2 == 0 else ("copy", "new"):
            start = time.perf_counter()
            digests = loops[name](data)
            seconds[name] += time.perf_counter() - start
            if digests != stored:
                raise AssertionError(f"{backend.name}: raw digests differ from the stored hashes")
        count += len(data)
        total_bytes += sum(map(len, data))
    if count != expected:
        raise AssertionError(f"{backend.name}: hashed {count} entries, expected {expected}")
    return {
        "entries": count,
        "seconds": seconds["new"],
        "hashes_per_s": count / seconds["new"],
        "copy_seconds": seconds["copy"],
        "copy_hashes_per_s": count / seconds["copy"],
        "mean_entry_bytes": total_bytes / count if count else 0.0,
    }


def _pooled(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    entries = before["entries"] + after["entries"]
    seconds = before["seconds"] + after["seconds"]
    copy_seconds = before["copy_seconds"] + after["copy_seconds"]
    return {
        "entries": before["entries"],
        "seconds": seconds,
        "hashes_per_s": entries / seconds,
        "copy_seconds": copy_seconds,
        "copy_hashes_per_s": entries / copy_seconds,
        "mean_entry_bytes": before["mean_entry_bytes"],
        "passes": {"before_verify": before, "after_verify": after},
    }


def run_backend(
    backend: Backend, *, entries: int, append: int, seed: int, log: Callable[[str], None]
) -> dict[str, Any]:
    workload = Workload(seed)
    result: dict[str, Any] = {"version": backend.version()}
    log(
        f"[{backend.name}] append: {append:,} entries through audit_service.record(), "
        f"alternating with {append:,} raw rows, {BATCH:,} per transaction"
    )
    pair = measure_append(backend, workload, append)
    result["append"], result["raw_insert"] = pair["service"], pair["raw_insert"]
    rest = max(0, entries - append)
    log(f"[{backend.name}] fill: {rest:,} more rows (bulk, same hashing)")
    result["fill"] = fill(backend, workload, rest)
    total = append + rest
    # The raw rate is taken just before and just after verify and the two are
    # pooled, so that a change in the machine's load during the run weighs on both.
    log(f"[{backend.name}] raw SM3 over the same {total:,} serialized entries (before)")
    before = measure_raw_hash(backend, total)
    log(f"[{backend.name}] verify_chain over {total:,} entries")
    result["verify"] = measure_verify(backend, total)
    log(f"[{backend.name}] raw SM3 over the same {total:,} serialized entries (after)")
    after = measure_raw_hash(backend, total)
    result["raw_sm3"] = _pooled(before, after)
    result["ratios"] = {
        "append_over_raw_insert": result["append"]["entries_per_s"]
        / result["raw_insert"]["rows_per_s"],
        "verify_over_raw_sm3": result["verify"]["entries_per_s"]
        / result["raw_sm3"]["hashes_per_s"],
        "verify_over_raw_sm3_copy": result["verify"]["entries_per_s"]
        / result["raw_sm3"]["copy_hashes_per_s"],
    }
    result["targets"] = {
        "verify_at_least_50pct_of_raw_sm3": result["ratios"]["verify_over_raw_sm3"] >= 0.5,
    }
    if backend.name == "sqlite":
        result["targets"]["append_at_least_20000_per_s"] = (
            result["append"]["entries_per_s"] >= 20_000
        )
    return result


# ---------------------------------------------------------------------------- report


def machine() -> dict[str, Any]:
    return _machine(openssl=ssl.OPENSSL_VERSION)


def _growth(verify: dict[str, Any]) -> str:
    growth = verify["rss_growth_mib"]
    return "n/a" if growth is None else f"+{growth:,.0f}"


def print_table(result: dict[str, Any]) -> None:
    m = result["machine"]
    print()
    print(f"machine : {m['platform']}")
    print(f"cpu     : {m['cpu']} ({m['cores']} cores, {m['cores_usable']} usable)")
    print(
        "load    : "
        + " -> ".join(
            "/".join(f"{x:.2f}" for x in m[key])
            for key in ("load_average_at_start", "load_average_at_end")
        )
        + " (1/5/15-minute averages at start and end; other work skews the rates)"
    )
    print(
        f"python  : {m['python']}; {m['openssl']}; SQLite {m['sqlite']}"
        + (f"; PostgreSQL {result['postgresql']['version']}" if "postgresql" in result else "")
    )
    print()
    header = (
        f"{'database':<11}{'append/s':>10}{'raw ins/s':>11}{'ratio':>7}"
        f"{'verify/s':>11}{'raw SM3/s':>11}{'ratio':>7}{'N':>11}{'verify RSS (growth)':>21}"
    )
    print(header)
    print("-" * len(header))
    for name in ("sqlite", "postgresql"):
        if name not in result:
            continue
        r = result[name]
        print(
            f"{name:<11}{r['append']['entries_per_s']:>10,.0f}"
            f"{r['raw_insert']['rows_per_s']:>11,.0f}"
            f"{r['ratios']['append_over_raw_insert']:>7.2f}"
            f"{r['verify']['entries_per_s']:>11,.0f}{r['raw_sm3']['hashes_per_s']:>11,.0f}"
            f"{r['ratios']['verify_over_raw_sm3']:>7.2f}{r['verify']['entries']:>11,}"
            f"{r['verify']['peak_rss_mib']:>10,.0f} MiB ({_growth(r['verify'])})"
        )
    print()
    print("raw SM3/s: hashlib.new('sm3', data).hexdigest(); with a copied context (what")
    print(
        "verify uses): "
        + "; ".join(
            f"{name} {result[name]['raw_sm3']['copy_hashes_per_s']:,.0f}/s, verify at "
            f"{result[name]['ratios']['verify_over_raw_sm3_copy']:.2f} of it"
            for name in ("sqlite", "postgresql")
            if name in result
        )
    )
    print()
    for name in ("sqlite", "postgresql"):
        if name in result:
            for target, met in result[name]["targets"].items():
                print(f"{name:<11}{target:<38}{'met' if met else 'MISSED'}")
    print(
        f"process peak RSS: {result['peak_rss_mib']:,.0f} MiB; "
        f"wall time {result['wall_seconds']:,.1f} s"
    )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--entries",
        type=int,
        default=1_000_000,
        help="entries in the chain that verify walks (default 1,000,000)",
    )
    parser.add_argument(
        "--append",
        type=int,
        default=100_000,
        help="entries appended through the service, and rows of the raw "
        "insert baseline (default 100,000)",
    )
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument(
        "--pg-url",
        default=DEFAULT_PG_URL,
        help="admin connection, used only to create and drop the scratch "
        f"database {SCRATCH_DATABASE!r}",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="small run (20,000 entries, 5,000 appended) for smoke tests",
    )
    parser.add_argument("--seed", type=int, default=2)
    parser.add_argument(
        "--json",
        type=Path,
        default=None,
        metavar="PATH",
        help="write the JSON result here instead of printing it",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.entries, args.append = 20_000, 5_000
    if args.append < 1 or args.entries < 1:
        parser.error("--entries and --append must be positive")
    return args


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    started = time.perf_counter()

    def log(message: str) -> None:
        print(f"{time.perf_counter() - started:7.1f}s  {message}", file=sys.stderr, flush=True)

    result: dict[str, Any] = {
        "machine": machine(),
        "command": " ".join(
            ["benchmarks/audit_chain.py", *(argv if argv is not None else sys.argv[1:])]
        ),
        "parameters": {
            "entries": max(args.entries, args.append),
            "append": args.append,
            "batch": BATCH,
        },
    }
    names = ("sqlite", "postgresql") if args.database == "both" else (args.database,)
    for name in names:
        backend: Backend = SQLiteBackend() if name == "sqlite" else PostgresBackend(args.pg_url)
        try:
            result[name] = run_backend(
                backend, entries=args.entries, append=args.append, seed=args.seed, log=log
            )
        finally:
            backend.close()
    result["wall_seconds"] = time.perf_counter() - started
    result["machine"]["load_average_at_end"] = list(os.getloadavg())
    result["peak_rss_mib"] = max(_process_peak_kib / 1024, _peak_rss_mib())
    print_table(result)
    payload = json.dumps(result, indent=2, ensure_ascii=False)
    if args.json is not None:
        args.json.write_text(payload + "\n", encoding="utf-8")
    else:
        print(payload)
    return result


if __name__ == "__main__":
    main()
