"""Benchmark of the open data portal's APIs (issue #7, Art. 29–31).

Measures, in one run on one database (a temporary SQLite file by default, or
``--database-url``):

* **package_search**: latency (p50, p95, max) of varied Chinese queries (two- and
  four-character words, several words, an ``fq`` filter, everything) over
  ``--datasets`` (20,000) published datasets, each with the five CKAN default
  facets, **through HTTP** (``POST /api/action/package_search`` on the real
  application served by uvicorn on 127.0.0.1, as ``ckanapi`` calls it) beside the
  **service-layer call** (``opendata_service.search_datasets``) of the same
  queries in the same run;
* **datastore_search paging**: every row of a ``--rows`` (1,000,000) row resource
  read page by page (``limit`` 32,000, the maximum), through the service and
  through HTTP following CKAN's ``_links.next``: rows/s;
* **CSV download**: ``GET /api/v1/opendata/resources/{id}/download?format=csv`` of
  the same resource, streamed and counted by the client: rows/s and the
  process's resident memory before and at its peak during the download (the
  server runs in this process), beside the service's own CSV writer
  (``iter_rows`` + ``downloads.csv_chunks``) without HTTP.

Datasets are loaded in bulk (rows and search postings written with
``executemany``; postings computed by ``opendata_service.dataset_postings``, the
function publication uses); the 1,000,000-row resource through
``opendata_service.add_resource``, the use case itself. Rate limits are set out
of the way (the benchmark measures the API, not the limiter).

Run ``python benchmarks/opendata.py --help``. Figures go to stdout, then the full
result as JSON (or to ``--json PATH``).
"""

from __future__ import annotations

import argparse
import gc
import itertools
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from sqlalchemy import insert

import smartcity.models  # noqa: F401  (every mapper known before the first session)
from smartcity.app import create_app
from smartcity.core.config import DatabaseSettings, OpenDataSettings, Settings
from smartcity.core.db.engine import Database
from smartcity.core.db.migrate import upgrade
from smartcity.core.security import ANONYMOUS, SYSTEM
from smartcity.core.time import utcnow
from smartcity.domains.opendata import service as opendata_service
from smartcity.domains.opendata.enums import FieldType, ResourceKind
from smartcity.domains.opendata.models import (
    OpenDataset,
    OpenDatasetTag,
    OpenResource,
    OpenSearchTerm,
)
from smartcity.domains.opendata.schemas import (
    DatasetCreate,
    DatasetSearch,
    DatastoreQuery,
    FieldSpec,
    ResourceCreate,
)
from smartcity.domains.opendata.service import downloads
from smartcity.domains.opendata.service import search as search_module
from smartcity.domains.registry.enums import OrganizationKind
from smartcity.domains.registry.models import Organization

if __package__ in (None, ""):  # run as a script: the repository root is the import root
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.machine import machine as _machine

MIB = 1024 * 1024
PAGE = 32_000
FACETS = ["organization", "groups", "tags", "res_format", "license_id"]

DISTRICTS = (
    "济宁市", "任城区", "兖州区", "曲阜市", "邹城市", "微山县", "鱼台县", "金乡县",
    "嘉祥县", "汶上县", "泗水县", "梁山县", "济宁高新区", "太白湖新区",
)  # fmt: skip
SUBJECTS = (
    ("城市公交线路", "transport", "交通出行", ["公交", "交通"]),
    ("出租车运营", "transport", "交通出行", ["出租车", "交通"]),
    ("空气质量小时", "environment", "生态环境", ["空气", "环境"]),
    ("地表水水质监测", "environment", "生态环境", ["水质", "环境"]),
    ("医疗机构名单", "health", "医疗卫生", ["医疗", "卫生"]),
    ("学校基本信息", "education", "教育文化", ["教育", "学校"]),
    ("旅游景区", "culture", "教育文化", ["旅游", "文化"]),
    ("企业登记信息", "economy", "经济建设", ["企业", "信用"]),
    ("地区生产总值", "economy", "经济建设", ["经济", "统计"]),
    ("养老服务机构", "social", "社会保障", ["养老", "民生"]),
    ("公共停车场", "transport", "交通出行", ["停车", "交通"]),
    ("农产品价格", "agriculture", "农业农村", ["农业", "价格"]),
    ("应急避难场所", "safety", "公共安全", ["应急", "安全"]),
    ("不动产登记统计", "resources", "资源环境", ["不动产", "登记"]),
)  # fmt: skip
PERIODS = (*tuple(f"{year}年" for year in range(2010, 2027)), "月度", "季度", "")
FORMS = ("数据", "统计", "名录", "明细", "汇总", "月报", "年报", "信息")
FORMATS = ("CSV", "XLSX", "JSON", "CSV", "CSV")
LICENSES = ("jining-open-data", "jining-open-data", "cc-by-4.0", "cc-zero")
CYCLES = ("daily", "monthly", "quarterly", "yearly", "irregular", "realtime")

QUERIES: tuple[dict[str, Any], ...] = (
    {"q": "公交"}, {"q": "空气质量"}, {"q": "医疗"}, {"q": "旅游"}, {"q": "企业"},
    {"q": "任城区 公交"}, {"q": "邹城市 空气质量"}, {"q": "2023年 统计"}, {"q": "养老"},
    {"q": "停车"}, {"q": "水质"}, {"q": "不动产"}, {"q": "火星基地"}, {"q": ""},
    {"q": "交通", "fq": "res_format:CSV"}, {"q": "", "fq": "tags:环境 license_id:cc-by-4.0"},
    {"q": "学校", "sort": "metadata_modified desc"}, {"q": "数据", "rows": 50},
)  # fmt: skip


# ---------------------------------------------------------------------------- machine


def machine() -> dict[str, Any]:
    return _machine()


def rss_mib() -> float:
    """The process's resident memory now (Linux ``/proc/self/statm``)."""
    with suppress(OSError):
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / MIB
    return 0.0


class RssSampler:
    """The peak resident memory while a block runs, sampled every 10 ms."""

    def __init__(self) -> None:
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_mib())
            time.sleep(0.01)

    def __enter__(self) -> RssSampler:
        self.peak = rss_mib()
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_mib())


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    n = len(ordered)
    return {
        "n": n,
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p95_ms": round(ordered[min(n - 1, int(0.95 * n))] * 1000, 2),
        "max_ms": round(ordered[-1] * 1000, 2),
    }


# ---------------------------------------------------------------------------- loading


def load_datasets(database: Database, count: int, seed: int = 2016) -> float:
    """``count`` published datasets with one file resource each and their search
    postings and tags, in bulk; returns the seconds taken."""
    rng = random.Random(seed)
    started = time.perf_counter()
    with database.session_scope() as session:
        providers: list[Organization] = []
        for n, district in enumerate(DISTRICTS):
            for kind in ("交通运输局", "生态环境局", "卫生健康委员会", "教育局"):
                organization = Organization(
                    code=f"BENCH{n:02d}{len(providers):03d}",
                    name=f"{district}{kind}",
                    kind=OrganizationKind.municipal_department,
                    division_code="370800",
                )
                session.add(organization)
                providers.append(organization)
        session.flush()
    combos = list(itertools.product(range(len(SUBJECTS)), DISTRICTS, PERIODS, FORMS))
    rng.shuffle(combos)  # every subject, district and period in any prefix of the list
    now = utcnow()
    batch: list[tuple[dict[str, Any], dict[str, Any], OpenDataset]] = []

    def flush() -> None:
        with database.session_scope() as session:
            session.execute(insert(OpenDataset), [d for d, _r, _o in batch])
            session.execute(insert(OpenResource), [r for _d, r, _o in batch])
            postings = []
            tags = []
            for row, _r, transient in batch:
                for term, weight in opendata_service.dataset_postings(transient).items():
                    postings.append({"term": term, "dataset_id": row["id"], "weight": weight})
                tags += [{"dataset_id": row["id"], "tag": t} for t in row["tags"]]
            session.execute(insert(OpenSearchTerm), postings)
            session.execute(insert(OpenDatasetTag), tags)
        batch.clear()

    for number, (subject_index, district, period, form) in enumerate(combos):
        if number >= count:
            break
        subject, theme_code, theme_name, tags = SUBJECTS[subject_index]
        provider = providers[rng.randrange(len(providers))]
        dataset_id = uuid.uuid4()
        title = f"{district}{period}{subject}{form}"
        modified = now - timedelta(minutes=number)
        row = {
            "id": dataset_id,
            "name": f"bench-{number:06d}",
            "title": title,
            "notes": f"{district}{subject}的{form}，由{provider.name}按{period or '不定期'}更新。",
            "provider_organization_id": provider.id,
            "theme_code": theme_code,
            "theme_name": theme_name,
            "tags": [*tags, district],
            "license_id": LICENSES[number % len(LICENSES)],
            "update_cycle": CYCLES[number % len(CYCLES)],
            "state": "published",
            "metadata_created": modified,
            "metadata_modified": modified,
            "published_at": modified,
            "created_at": modified,
            "updated_at": modified,
        }
        resource = {
            "id": uuid.uuid4(),
            "dataset_id": dataset_id,
            "position": 0,
            "name": f"{title}（文件）",
            "format": FORMATS[number % len(FORMATS)],
            "kind": ResourceKind.file,
            "fields": [],
            "created_at": modified,
            "updated_at": modified,
            "last_modified": modified,
        }
        transient = OpenDataset(
            name=row["name"], title=title, notes=row["notes"], tags=row["tags"],
            theme_name=theme_name, provider=provider,
            resources=[OpenResource(name=resource["name"], fields=[])],
        )  # fmt: skip
        batch.append((row, resource, transient))
        if len(batch) >= 2_000:
            flush()
    if batch:
        flush()
    return time.perf_counter() - started


BIG_FIELDS = [
    FieldSpec(id="record_no", title="记录号", type=FieldType.int),
    FieldSpec(id="district", title="区县", type=FieldType.text),
    FieldSpec(id="station", title="站点", type=FieldType.text),
    FieldSpec(id="observed_on", title="日期", type=FieldType.date),
    FieldSpec(id="value", title="数值", type=FieldType.numeric),
    FieldSpec(id="valid", title="有效", type=FieldType.bool),
]


def big_rows(count: int) -> Iterator[list[Any]]:
    for n in range(count):
        yield [
            n,
            DISTRICTS[n % len(DISTRICTS)],
            f"监测站{n % 97:02d}",
            f"20{10 + n % 16}-{1 + n % 12:02d}-{1 + n % 28:02d}",
            (n % 1000) / 10,
            n % 7 != 0,
        ]


def load_big_resource(database: Database, rows: int) -> tuple[str, float]:
    """A published dataset whose one table resource holds ``rows`` rows, through the
    use cases; returns the resource id and the seconds taken."""
    started = time.perf_counter()
    with database.session_scope() as session:
        provider = Organization(
            code="BENCHBIG",
            name="济宁市生态环境局（基准）",
            kind=OrganizationKind.municipal_department,
            division_code="370800",
        )
        session.add(provider)
        session.flush()
        dataset = opendata_service.create_dataset(
            session,
            actor=SYSTEM,
            data=DatasetCreate(
                name="bench-big-resource",
                title="空气质量监测明细（基准用大表）",
                provider_organization_id=provider.id,
                tags=["空气"],
            ),
        )
        resource = opendata_service.add_resource(
            session,
            actor=SYSTEM,
            dataset_id=dataset.id,
            data=ResourceCreate(name="监测明细", fields=BIG_FIELDS),
            rows=big_rows(rows),
        )
        opendata_service.publish_dataset(session, actor=SYSTEM, dataset_id=dataset.id)
    return str(resource.id), time.perf_counter() - started


# ---------------------------------------------------------------------------- serving


def settle(database: Database) -> None:
    """On PostgreSQL, ``VACUUM ANALYZE`` after the bulk load: the state autovacuum keeps
    a live database in (visibility map for index-only scans, planner statistics),
    which a benchmark run right after loading would not yet have. SQLite has no
    autovacuum of statistics, and the application runs no ``ANALYZE``: left as is."""
    if database.engine.dialect.name != "postgresql":
        return
    with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")


@contextmanager
def serving(database: Database, url: str) -> Iterator[str]:
    settings = Settings(
        environment="test",
        database=DatabaseSettings(url=url),
        opendata=OpenDataSettings(anonymous_per_minute=10**9, key_per_minute=10**9),
    )
    app = create_app(settings, database=database)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", access_log=False)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the application did not start")
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


# ---------------------------------------------------------------------------- measuring


def timed(call: Callable[[], Any]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def search_service(database: Database, params: dict[str, Any]) -> Any:
    words = params.get("q", "")
    query = DatasetSearch(
        q=words,
        rows=params.get("rows", 10),
        sort=params.get("sort", ""),
        format=["CSV"] if params.get("fq") == "res_format:CSV" else [],
        tags=["环境"] if "tags:环境" in params.get("fq", "") else [],
        license_id=["cc-by-4.0"] if "license_id" in params.get("fq", "") else [],
    )
    with database.read_scope() as session:
        return opendata_service.search_datasets(session, actor=ANONYMOUS, query=query)


def forget_cached_facets() -> None:
    """Empty the service's cache of totals and facets (``search._FACET_CACHE``), so the
    next search computes them: a first search after a change, or a query not asked
    recently."""
    cache = getattr(search_module, "_FACET_CACHE", None)
    if cache is not None:
        cache.invalidate()


def measure_search(database: Database, client: httpx.Client, rounds: int) -> dict[str, Any]:
    """Each query through the service and through HTTP, first with the facet cache
    emptied before every call (cold), then repeated (warm: totals and facets cached,
    the page read fresh)."""
    counts: dict[str, int] = {}

    def http_call(p: dict[str, Any]) -> None:
        response = client.post("/api/action/package_search", json={**p, "facet.field": FACETS})
        body = response.json()
        assert body["success"], body
        counts[json.dumps(p, ensure_ascii=False)] = body["result"]["count"]

    for params in QUERIES:  # warm the connections and the code paths once
        search_service(database, params)
        http_call(params)
    result: dict[str, Any] = {"queries": len(QUERIES), "rounds": rounds}
    for mode in ("cold", "warm"):
        service: list[float] = []
        http: list[float] = []
        for _ in range(rounds):
            for params in QUERIES:
                if mode == "cold":
                    forget_cached_facets()
                service.append(timed(lambda p=params: search_service(database, p)))  # type: ignore[misc]
                if mode == "cold":
                    forget_cached_facets()
                http.append(timed(lambda p=params: http_call(p)))  # type: ignore[misc]
        result[mode] = {"service": percentiles(service), "http": percentiles(http)}
    result["hits"] = counts
    return result


def measure_datastore(
    database: Database, client: httpx.Client, resource_id: str, rows: int
) -> dict[str, Any]:
    started = time.perf_counter()
    seen = 0
    offset = 0
    while True:
        with database.session_scope() as session:
            result = opendata_service.datastore_search(
                session,
                actor=ANONYMOUS,
                resource_id=resource_id,
                query=DatastoreQuery(limit=PAGE, offset=offset, include_total=offset == 0),
            )
        if not result.records:
            break
        seen += len(result.records)
        offset += PAGE
    service_seconds = time.perf_counter() - started
    assert seen == rows, (seen, rows)
    started = time.perf_counter()
    seen = 0
    url: str | None = "/api/action/datastore_search"
    body: dict[str, Any] | None = {"resource_id": resource_id, "limit": PAGE}
    pages = 0
    while url is not None:
        response = client.post(url, json=body) if body else client.get(url)
        result = response.json()["result"]
        pages += 1
        if not result["records"]:
            break
        seen += len(result["records"])
        url, body = result["_links"]["next"], None
    http_seconds = time.perf_counter() - started
    assert seen == rows, (seen, rows)
    return {
        "rows": rows,
        "page": PAGE,
        "service_rows_per_s": round(rows / service_seconds),
        "service_seconds": round(service_seconds, 2),
        "http_rows_per_s": round(rows / http_seconds),
        "http_seconds": round(http_seconds, 2),
        "http_pages": pages,
    }


def measure_csv(
    database: Database, client: httpx.Client, resource_id: str, rows: int
) -> dict[str, Any]:
    with database.session_scope() as session:
        source = opendata_service.open_download(
            session, actor=ANONYMOUS, resource_id=resource_id, count=False
        )
    gc.collect()
    before = rss_mib()
    started = time.perf_counter()
    written = 0
    with RssSampler() as service_memory, database.read_scope() as session:
        for chunk in downloads.csv_chunks(
            source.fields, opendata_service.iter_rows(session.connection(), source)
        ):
            written += chunk.count(b"\n")
    service_seconds = time.perf_counter() - started
    assert written == rows + 1, (written, rows)
    gc.collect()
    http_before = rss_mib()
    started = time.perf_counter()
    lines = 0
    size = 0
    with (
        RssSampler() as http_memory,
        client.stream(
            "GET", f"/api/v1/opendata/resources/{resource_id}/download", params={"format": "csv"}
        ) as response,
    ):
        assert response.status_code == 200, response.read()
        for chunk in response.iter_bytes():
            lines += chunk.count(b"\n")
            size += len(chunk)
    http_seconds = time.perf_counter() - started
    assert lines == rows + 1, (lines, rows)
    return {
        "rows": rows,
        "bytes": size,
        "service_rows_per_s": round(rows / service_seconds),
        "service_rss_before_mib": round(before, 1),
        "service_rss_peak_mib": round(service_memory.peak, 1),
        "http_rows_per_s": round(rows / http_seconds),
        "http_seconds": round(http_seconds, 2),
        "http_rss_before_mib": round(http_before, 1),
        "http_rss_peak_mib": round(http_memory.peak, 1),
    }


# ---------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", type=int, default=20_000)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5, help="passes over the queries")
    parser.add_argument("--database-url", default="", help="default: a temporary SQLite file")
    parser.add_argument("--quick", action="store_true", help="smoke run: 500 datasets, 20,000 rows")
    parser.add_argument("--json", type=Path, help="write the result here too")
    args = parser.parse_args(argv)
    if args.quick:
        args.datasets, args.rows, args.rounds = 500, 20_000, 1
    result: dict[str, Any] = {"machine": machine(), "datasets": args.datasets, "rows": args.rows}
    with tempfile.TemporaryDirectory(prefix="opendata-bench-") as directory:
        url = args.database_url or f"sqlite:///{Path(directory) / 'bench.sqlite3'}"
        database = Database(url)
        try:
            upgrade(database.engine)
            result["database"] = database.engine.dialect.name
            result["load_datasets_s"] = round(load_datasets(database, args.datasets), 1)
            resource_id, seconds = load_big_resource(database, args.rows)
            settle(database)
            result["load_rows_s"] = round(seconds, 1)
            result["load_rows_per_s"] = round(args.rows / seconds)
            with (
                serving(database, url) as base_url,
                httpx.Client(base_url=base_url, timeout=600) as client,
            ):
                result["search"] = measure_search(database, client, args.rounds)
                result["datastore"] = measure_datastore(database, client, resource_id, args.rows)
                result["csv"] = measure_csv(database, client, resource_id, args.rows)
        finally:
            database.dispose()
    result["machine"]["load_average_at_end"] = list(os.getloadavg())
    report(result)
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    return result


def report(result: dict[str, Any]) -> None:
    search, store, csv = result["search"], result["datastore"], result["csv"]
    print(json.dumps(result["machine"], ensure_ascii=False))
    print(
        f"{result['database']}: {result['datasets']:,} datasets loaded in "
        f"{result['load_datasets_s']} s; {result['rows']:,} rows through add_resource in "
        f"{result['load_rows_s']} s ({result['load_rows_per_s']:,} rows/s)"
    )
    for mode in ("cold", "warm"):
        s, h = search[mode]["service"], search[mode]["http"]
        print(
            f"package_search {mode} ({search['queries']} queries × {search['rounds']}, "
            f"5 facets): service p50 {s['p50_ms']} ms p95 {s['p95_ms']} ms | HTTP p50 "
            f"{h['p50_ms']} ms p95 {h['p95_ms']} ms (HTTP/service p95 "
            f"{h['p95_ms'] / max(s['p95_ms'], 0.01):.2f}; target p95 ≤ 100 ms: "
            f"{'met' if h['p95_ms'] <= 100 else 'NOT met'})"
        )
    print(
        f"datastore_search paging ({store['page']:,} a page): service "
        f"{store['service_rows_per_s']:,} rows/s | HTTP {store['http_rows_per_s']:,} rows/s "
        f"(HTTP/service {store['http_rows_per_s'] / store['service_rows_per_s']:.2f})"
    )
    print(
        f"CSV download: service writer {csv['service_rows_per_s']:,} rows/s | HTTP "
        f"{csv['http_rows_per_s']:,} rows/s ({csv['bytes'] / MIB:.0f} MiB; HTTP/service "
        f"{csv['http_rows_per_s'] / csv['service_rows_per_s']:.2f}); RSS "
        f"{csv['http_rss_before_mib']} → peak {csv['http_rss_peak_mib']} MiB "
        f"(target ≥ 100,000 rows/s: {'met' if csv['http_rows_per_s'] >= 100_000 else 'NOT met'})"
    )
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
