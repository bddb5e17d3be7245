"""Benchmark of base-database bulk loading (issue #4).

In one run, on the same generated population CSV (``synthetic.write_population_csv``,
8.4 million rows ≈ 1.5 GB by default):

* **platform, SQLite / PostgreSQL**: a load through the real loader
  (``tasks.execute_load``: read, validate every value, insert, build the indexes,
  commit), into the population table built from a published catalog entry, in a
  fresh database; rows/s and the peak RSS of the process that ran it;
* **raw SQLite ``executemany``**: the same file read with the ``csv`` module and
  inserted as text in one transaction into a table with no index (the engine
  ceiling the issue names);
* **raw PostgreSQL ``COPY``**: the file streamed into a table with no index;
* **DuckDB ``read_csv``** into a database file;
* **validation**: ``rules.validate_batch`` against ``rules.plain_polars_checks`` (the
  same rules as bare Polars expressions) over the file's batches;
* **point lookups**: ``RecordReader.get`` by ID number through the service layer,
  on the loaded SQLite table.

Each measurement runs in its own child process, so its peak memory is its own.
Run ``python benchmarks/base_data_load.py --help``; ``--rows 200000`` for a quick run.
"""

from __future__ import annotations

import argparse
import csv
import json
import multiprocessing
import os
import random
import resource
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl

if __package__ in (None, ""):  # run as a script: the repository root is the import root
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.machine import machine as _machine

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
SCRATCH_DATABASE = "smartcity_bench_base_data"
MIB = 1024 * 1024


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(target: Callable[..., dict[str, Any]], *args: Any) -> dict[str, Any]:
    """Run ``target(*args)`` in a fresh process; return its result with its peak RSS."""
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        return pool.apply(_measured, (target, *args))


def _measured(target: Callable[..., dict[str, Any]], *args: Any) -> dict[str, Any]:
    result = target(*args)
    result["peak_mib"] = round(_peak_mib(), 1)
    return result


# ---------------------------------------------------------------- generation


def generate(path: Path, rows: int, seed: int) -> dict[str, Any]:
    from smartcity.domains.base_data import synthetic

    started = time.perf_counter()
    size = synthetic.write_population_csv(path, rows, seed=seed)
    return {"rows": rows, "bytes": size, "seconds": time.perf_counter() - started}


# ---------------------------------------------------------------- the platform


def _platform_database(url: str) -> Any:
    import smartcity.models  # noqa: F401
    from smartcity.core.db.engine import Database
    from smartcity.core.db.migrate import upgrade
    from smartcity.wiring import wire

    database = Database(url)
    upgrade(database.engine)
    wire(database)
    return database


def _population_table(database: Any) -> Any:
    """A published population entry of a test department; the event builds its table.
    All fields keep the provider as their source, so one file carries all 12."""
    from smartcity.core.security import SYSTEM
    from smartcity.domains.base_data import service
    from smartcity.domains.base_data.spec import POPULATION
    from smartcity.domains.catalog import service as catalog_service
    from smartcity.domains.catalog.schemas import EntryDraft
    from smartcity.domains.registry.enums import OrganizationKind
    from smartcity.domains.registry.models import Organization

    with database.session_scope() as session:
        catalog_service.ensure_default_grades(session, actor=SYSTEM)
        police = Organization(
            code="BENCH-GAJ", name="基准测试公安局", kind=OrganizationKind.municipal_department,
            division_code="370800",
        )  # fmt: skip
        session.add(police)
        session.flush()
        types = {"date": "date", "decimal": "decimal"}
        draft = EntryDraft.model_validate(
            {
                "classification_kind": "base",
                "base_database": "population",
                "category_code": "B.01.01",
                "category_name": "人口基础信息·户籍人口",
                "resource_code": "B.01.01/900001",
                "name": POPULATION.entry_name,
                "provider_organization_id": police.id,
                "abstract": "基准测试用的人口基础信息。",
                "format": "database",
                "update_cycle": "daily",
                "share_type": "unconditional",
                "share_mode": "api",
                "items": [
                    {
                        "name": f.name,
                        "data_type": types.get(f.type.value, "string"),
                        "length": f.max_length if f.type.value == "string" else None,
                        "description": "",
                        "grade_code": "G2",
                    }
                    for f in POPULATION.fields
                ],
            }
        )
        version = catalog_service.create_draft(session, actor=SYSTEM, data=draft)
        catalog_service.publish_many(session, actor=SYSTEM, entry_ids=[version.entry_id])
        entry_id = version.entry_id
    with database.session_scope() as session:
        base = service.table_for_entry(session, entry_id)
        assert base is not None
        return base.id, base.provider_organization_id


def platform_load(url: str, path: str) -> dict[str, Any]:
    from smartcity.core.security import SYSTEM
    from smartcity.domains.base_data import service, tasks
    from smartcity.domains.base_data.models import LoadMode, OnError

    database = _platform_database(url)
    table_id, provider = _population_table(database)
    with database.session_scope() as session:
        load = service.start_load(
            session, actor=SYSTEM, table_id=table_id, mode=LoadMode.insert,
            on_error=OnError.reject, filename=Path(path).name, organization_id=provider,
        )  # fmt: skip
        load_id = load.id
    started = time.perf_counter()
    outcome = tasks.execute_load(database, actor=SYSTEM, load_id=load_id, path=Path(path))
    seconds = time.perf_counter() - started
    database.dispose()
    return {
        "status": outcome.status.value,
        "message": outcome.message,
        "rows": outcome.rows_inserted,
        "seconds": seconds,
        "rows_per_s": outcome.rows_inserted / seconds,
    }


def lookups(url: str, path: str, count: int) -> dict[str, Any]:
    """Point lookups by ID number on the table ``platform_load`` filled (SQLite file)."""
    from smartcity.core.db.engine import Database
    from smartcity.core.security import SYSTEM
    from smartcity.domains.base_data import service

    ids = pl.read_csv(path, columns=["公民身份号码"], schema_overrides={"公民身份号码": pl.String})
    keys = ids.get_column("公民身份号码").sample(count, seed=1, with_replacement=True).to_list()
    database = Database(url)
    with database.read_scope() as session:
        table = service.list_tables(session, actor=SYSTEM)[0]
        reader = service.RecordReader(session, actor=SYSTEM, table=table.table_name)
        reader.get(keys[0])
        started = time.perf_counter()
        for key in keys:
            reader.get(key)
        seconds = time.perf_counter() - started
    database.dispose()
    return {"lookups": count, "seconds": seconds, "per_s": count / seconds}


# ---------------------------------------------------------------- raw engines


def raw_sqlite(path: str, scratch: str) -> dict[str, Any]:
    database = Path(scratch) / "raw.sqlite"
    database.unlink(missing_ok=True)
    connection = sqlite3.connect(database, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        columns = ", ".join(f"c{i} TEXT" for i in range(len(header)))
        connection.execute(f"CREATE TABLE raw ({columns})")
        marks = ", ".join("?" for _ in header)
        started = time.perf_counter()
        connection.execute("BEGIN")
        connection.executemany(f"INSERT INTO raw VALUES ({marks})", reader)
        connection.execute("COMMIT")
        seconds = time.perf_counter() - started
    rows = connection.execute("SELECT count(*) FROM raw").fetchone()[0]
    connection.close()
    database.unlink()
    return {"rows": rows, "seconds": seconds, "rows_per_s": rows / seconds}


def raw_copy(url: str, path: str) -> dict[str, Any]:
    import psycopg

    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as connection:
        with open(path, encoding="utf-8") as handle:
            header = handle.readline().rstrip("\n").split(",")
        columns = ", ".join(f"c{i} text" for i in range(len(header)))
        connection.execute("DROP TABLE IF EXISTS raw_copy")
        connection.execute(f"CREATE TABLE raw_copy ({columns})")
        started = time.perf_counter()
        with connection.cursor() as cursor, open(path, "rb") as handle:
            handle.readline()
            statement = "COPY raw_copy FROM STDIN (FORMAT csv)"
            with cursor.copy(statement) as copy:
                while block := handle.read(8 * MIB):
                    copy.write(block)
        seconds = time.perf_counter() - started
        row = connection.execute("SELECT count(*) FROM raw_copy").fetchone()
        connection.execute("DROP TABLE raw_copy")
    rows = int(row[0]) if row else 0
    return {"rows": rows, "seconds": seconds, "rows_per_s": rows / seconds}


def duckdb_load(path: str, scratch: str) -> dict[str, Any]:
    import duckdb

    database = Path(scratch) / "raw.duckdb"
    database.unlink(missing_ok=True)
    connection = duckdb.connect(str(database))
    started = time.perf_counter()
    connection.execute(
        "CREATE TABLE raw AS SELECT * FROM read_csv(?, all_varchar = true, header = true)", [path]
    )
    seconds = time.perf_counter() - started
    result = connection.execute("SELECT count(*) FROM raw").fetchone()
    connection.close()
    database.unlink()
    rows = int(result[0]) if result else 0
    return {"rows": rows, "seconds": seconds, "rows_per_s": rows / seconds}


def validation(path: str) -> dict[str, Any]:
    """The platform's validation vs the same rules as plain Polars expressions, on the
    same batches (read once, up front: only the checks are timed)."""
    from smartcity.core.bulkread import open_bulk
    from smartcity.domains.base_data import rules
    from smartcity.domains.base_data.spec import POPULATION

    fields = list(POPULATION.fields)
    with open_bulk(Path(path), batch_rows=100_000) as bulk:
        batches = []
        for batch in bulk.batches():
            batches.append(batch)
            if len(batches) * 100_000 >= 2_000_000:
                break
    rows = sum(b.height for b in batches)
    started = time.perf_counter()
    errors = sum(rules.validate_batch(b, fields).errors.height for b in batches)
    platform_s = time.perf_counter() - started
    started = time.perf_counter()
    valid = sum(
        int(rules.plain_polars_checks(b, fields).get_column("valid").sum()) for b in batches
    )
    plain_s = time.perf_counter() - started
    return {
        "rows": rows,
        "errors": errors,
        "valid_plain": valid,
        "platform_rows_per_s": rows / platform_s,
        "plain_rows_per_s": rows / plain_s,
        "ratio": plain_s / platform_s,
    }


# ---------------------------------------------------------------- PostgreSQL scratch database


def _pg_scratch(admin_url: str) -> str | None:
    try:
        import psycopg

        dsn = admin_url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(dsn, autocommit=True, connect_timeout=3) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {SCRATCH_DATABASE} WITH (FORCE)")
            connection.execute(f"CREATE DATABASE {SCRATCH_DATABASE}")
    except Exception as exc:  # no server: the PostgreSQL figures are skipped, said so
        print(f"PostgreSQL unreachable ({exc}); its figures are skipped")
        return None
    return admin_url.rsplit("/", 1)[0] + f"/{SCRATCH_DATABASE}"


def machine() -> dict[str, Any]:
    import duckdb
    import sqlalchemy

    return _machine(
        polars=pl.__version__, duckdb=duckdb.__version__, sqlalchemy=sqlalchemy.__version__
    )


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=8_400_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--lookups", type=int, default=100_000)
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument(
        "--postgres-url", default=os.environ.get("SMARTCITY_BENCH_PG_URL", DEFAULT_PG_URL)
    )
    parser.add_argument("--scratch", type=Path, default=None, help="directory for the files")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)

    scratch = Path(args.scratch or tempfile.mkdtemp(prefix="bench-base-data-"))
    scratch.mkdir(parents=True, exist_ok=True)
    csv_path = scratch / "population.csv"
    results: dict[str, Any] = {"machine": machine(), "rows": args.rows}
    print(json.dumps(results["machine"], ensure_ascii=False))
    results["generate"] = _child(generate, csv_path, args.rows, args.seed)
    print(f"generated {args.rows:,} rows, {results['generate']['bytes'] / MIB:,.0f} MiB")
    path = str(csv_path)
    results["validation"] = _child(validation, path)
    if args.database in ("sqlite", "both"):
        results["raw_sqlite"] = _child(raw_sqlite, path, str(scratch))
        sqlite_url = f"sqlite:///{scratch / 'platform.sqlite'}"
        (scratch / "platform.sqlite").unlink(missing_ok=True)
        results["platform_sqlite"] = _child(platform_load, sqlite_url, path)
        results["lookups_sqlite"] = _child(lookups, sqlite_url, path, args.lookups)
    results["duckdb"] = _child(duckdb_load, path, str(scratch))
    if args.database in ("postgresql", "both"):
        url = _pg_scratch(args.postgres_url)
        if url is not None:
            results["raw_copy"] = _child(raw_copy, url, path)
            results["platform_postgresql"] = _child(platform_load, url, path)
    _report(results)
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2))
    for name in ("population.csv", "platform.sqlite", "platform.sqlite-wal", "platform.sqlite-shm"):
        (scratch / name).unlink(missing_ok=True)
    return results


def _report(results: dict[str, Any]) -> None:
    print()
    print(f"{'measurement':<34}{'rows/s':>14}{'seconds':>10}{'peak MiB':>10}")
    for name in (
        "raw_sqlite", "platform_sqlite", "raw_copy", "platform_postgresql", "duckdb",
    ):  # fmt: skip
        if name in results:
            r = results[name]
            print(f"{name:<34}{r['rows_per_s']:>14,.0f}{r['seconds']:>10.1f}{r['peak_mib']:>10.0f}")
    v = results["validation"]
    print(
        f"{'validation (platform / plain)':<34}{v['platform_rows_per_s']:>14,.0f}"
        f"  plain {v['plain_rows_per_s']:,.0f}  ratio {v['ratio']:.2f}"
    )
    if "lookups_sqlite" in results:
        print(f"{'point lookups, SQLite':<34}{results['lookups_sqlite']['per_s']:>14,.0f} /s")
    if "platform_sqlite" in results:
        ratio = results["platform_sqlite"]["rows_per_s"] / results["raw_sqlite"]["rows_per_s"]
        print(f"SQLite platform / raw executemany: {ratio:.2f} (target ≥ 0.5)")
    if "platform_postgresql" in results:
        ratio = results["platform_postgresql"]["rows_per_s"] / results["raw_copy"]["rows_per_s"]
        print(f"PostgreSQL platform / raw COPY: {ratio:.2f} (target ≥ 0.5)")
    for name in ("platform_sqlite", "platform_postgresql"):
        if name in results and results[name]["status"] != "succeeded":
            print(f"{name}: {results[name]['status']} — {results[name]['message']}")


if __name__ == "__main__":
    random.seed(0)
    main()
