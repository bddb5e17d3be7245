"""Table exchange mode (Art. 26 共享方式“库表”): keep a consumer-side copy of a grant's
data in sync through the exchange API's change feed (``/changes``).

The mirror runs at the consumer, against any SQLAlchemy database it names (a SQLite
file by default), and talks to the platform only over HTTP with an API client's
bearer token and a case reference, so every page it takes is a logged exchange
call like any other. It

- creates the **mirror table** on first use: ``_key`` (the record key, primary
  key; where the grant masks the key, the record's ``ref``, the key's pseudonym
  under the grant: masked keys are not unique), ``_load_id`` (the base-data load
  of the record's last change), ``_synced_at``, and for each granted item
  ``<item>`` (the value as text, masked as the grant says) with the provenance
  the feed returns: ``<item>__masked``, ``<item>__disputed``, ``<item>__source``
  (source department) and ``<item>__updated_at`` (ISO time);
- keeps its **cursor** in ``smartcity_mirror_state`` (one row per mirror table:
  the grant, the items, the cursor, pages applied) and pages from it: each page's
  upserts and deletes and the new cursor commit in **one transaction**, so a crash
  or an interrupted run never loses a page nor applies one twice (a page fetched
  but not committed is fetched again from the old cursor; applying it is
  idempotent anyway: an upsert replaces the row, a delete of a missing key is a
  no-op);
- refuses a table made for another grant or other items (a renewed grant with
  other items), or keyed the other way (the catalog regraded the key item, so the
  feed now names records by ``ref`` where the copy holds keys, or the reverse):
  ``--reset`` drops the copy and syncs again from the start.

Over the grant's rate the platform answers 429 with ``Retry-After``; the mirror
waits that long and asks again.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import quote, urlencode
from urllib.request import Request, urlopen
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    func,
    inspect,
    select,
    text,
)

from smartcity.domains.sharing.errors import MirrorTableMismatchError, MirrorUpstreamError

STATE_TABLE = "smartcity_mirror_state"
MAX_RATE_RETRIES = 5
_TABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
_PROVENANCE = ("masked", "disputed", "source", "updated_at")

_state_metadata = MetaData()
STATE = Table(
    STATE_TABLE,
    _state_metadata,
    Column("table_name", String(63), primary_key=True),
    Column("grant_id", String(36), nullable=False),
    Column("fields", Text, nullable=False, comment="JSON list of the granted items."),
    Column("cursor", String(300), nullable=False),
    Column("pages", Integer, nullable=False),
    Column("updated_at", String(40), nullable=False),
    Column("keyed_by", String(8), comment="What _key holds: key, or ref (NULL: key)."),
)
_KEYED_BY_DDL = f"ALTER TABLE {STATE_TABLE} ADD COLUMN keyed_by VARCHAR(8)"
_KEYED_BY_NAMES = {"key": "主键", "ref": "记录标识（ref）"}


@dataclass(frozen=True, slots=True)
class MirrorConfig:
    """Where to read (the platform, a grant, a case reference) and where to write."""

    base_url: str
    token: str
    grant_id: UUID
    case_reference: str
    target_url: str
    table: str
    limit: int = 1000
    timeout: float = 60.0


@dataclass(frozen=True, slots=True)
class PageApplied:
    """One page of the feed, committed."""

    number: int
    upserts: int
    deletes: int
    cursor: str
    has_more: bool
    log_seq: int


@dataclass(slots=True)
class MirrorResult:
    """What one run applied."""

    pages: int = 0
    upserts: int = 0
    deletes: int = 0
    cursor: str = "0"
    rows: int = 0  # in the mirror table afterwards
    log_seqs: list[int] = field(default_factory=list)


class _RateLimited(Exception):  # noqa: N818 (internal signal, not an error)
    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


# ---------------------------------------------------------------- the platform


class FeedClient:
    """The exchange API's change feed over HTTP (urllib: no dependency beyond Python)."""

    def __init__(self, config: MirrorConfig) -> None:
        self.config = config
        self.url = f"{config.base_url.rstrip('/')}/api/v1/exchange/grants/{config.grant_id}/changes"

    def page(self, cursor: str) -> dict[str, Any]:
        """One page after ``cursor`` (the feed's JSON answer).

        Raises:
            MirrorUpstreamError: unreachable, or a problem answer (its title and detail).
        """
        query = urlencode({"cursor": cursor, "limit": self.config.limit})
        request = Request(
            f"{self.url}?{query}",
            headers={
                "Authorization": f"Bearer {self.config.token}",
                "X-Case-Reference": quote(self.config.case_reference),
                "Accept": "application/json",
            },
        )
        try:
            with urlopen(request, timeout=self.config.timeout) as response:
                body: dict[str, Any] = json.load(response)
                return body
        except HTTPError as error:
            problem = _problem(error)
            if error.code == 429:
                raise _RateLimited(_retry_after(error)) from error
            raise MirrorUpstreamError(
                f"平台答复 {error.code}：{problem.get('title', '')}（{problem.get('detail', '')}）",
                upstream_status=error.code,
                problem=problem.get("type", ""),
            ) from error
        except (URLError, TimeoutError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise MirrorUpstreamError(f"无法连接 {self.config.base_url}：{reason}") from error


def _problem(error: HTTPError) -> dict[str, Any]:
    try:
        body = json.loads(error.read() or b"{}")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _retry_after(error: HTTPError) -> int:
    try:
        return max(1, int(error.headers.get("Retry-After", "1")))
    except ValueError:
        return 1


# ---------------------------------------------------------------- the copy


def mirror_table(name: str, fields: list[str]) -> Table:
    """The mirror table of ``fields``: key, load, sync time, each item and its provenance."""
    columns: list[Column[Any]] = [
        Column("_key", String(200), primary_key=True),
        Column("_load_id", BigInteger, nullable=False),
        Column("_synced_at", String(40), nullable=False),
    ]
    for item in fields:
        columns += [
            Column(item, Text),
            Column(f"{item}__masked", Boolean),
            Column(f"{item}__disputed", Boolean),
            Column(f"{item}__source", String(200)),
            Column(f"{item}__updated_at", String(40)),
        ]
    return Table(name, MetaData(), *columns)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _keyed_by(page: Mapping[str, Any]) -> str:
    """``ref`` where the grant masks the key (masked keys are not unique), else ``key``."""
    return "ref" if page.get("key_masked") else "key"


def _identity(page: Mapping[str, Any], change: Mapping[str, Any]) -> str:
    """What the copy keys a record by (``_keyed_by``)."""
    return str(change[_keyed_by(page)])


def _row(key: str, change: Mapping[str, Any], fields: list[str], now: str) -> dict[str, Any]:
    row: dict[str, Any] = {"_key": key, "_load_id": change["load_id"], "_synced_at": now}
    values: Mapping[str, Any] = change.get("values") or {}
    for item in fields:
        value = values.get(item) or {}
        row[item] = _text(value.get("value"))
        row[f"{item}__masked"] = value.get("masked")
        row[f"{item}__disputed"] = value.get("disputed")
        row[f"{item}__source"] = value.get("source_organization")
        row[f"{item}__updated_at"] = value.get("updated_at")
    return row


def _apply(
    connection: Connection, table: Table, page: Mapping[str, Any], fields: list[str]
) -> tuple[int, int]:
    """The page's changes in feed order (a later change of a key wins); counts."""
    now = datetime.now(UTC).isoformat(timespec="seconds")
    final: dict[str, dict[str, Any] | None] = {}
    upserts = deletes = 0
    for change in page["changes"]:
        key = _identity(page, change)
        if change["operation"] == "delete":
            final[key] = None
            deletes += 1
        else:
            final[key] = _row(key, change, fields, now)
            upserts += 1
    keys = list(final)
    for start in range(0, len(keys), 500):
        connection.execute(table.delete().where(table.c["_key"].in_(keys[start : start + 500])))
    rows = [row for row in final.values() if row is not None]
    if rows:
        connection.execute(table.insert(), rows)
    return upserts, deletes


def _state(connection: Connection, table: str) -> Mapping[str, Any] | None:
    row = connection.execute(select(STATE).where(STATE.c.table_name == table)).mappings().first()
    return dict(row) if row is not None else None


def _save_state(
    connection: Connection,
    config: MirrorConfig,
    fields: list[str],
    cursor: str,
    previous: Mapping[str, Any] | None,
    keyed_by: str,
) -> None:
    values = {
        "grant_id": str(config.grant_id),
        "fields": json.dumps(fields, ensure_ascii=False),
        "cursor": cursor,
        "pages": (previous["pages"] if previous else 0) + 1,
        "updated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "keyed_by": keyed_by,
    }
    if previous is None:
        connection.execute(STATE.insert().values(table_name=config.table, **values))
    else:
        connection.execute(
            STATE.update().where(STATE.c.table_name == config.table).values(**values)
        )


def _check(
    connection: Connection,
    config: MirrorConfig,
    fields: list[str],
    state: Mapping[str, Any] | None,
    keyed_by: str,
) -> None:
    if state is None:
        if inspect(connection).has_table(config.table):
            raise MirrorTableMismatchError(
                f"目标库中已有表 {config.table}，但不是同步程序建立的；请换一个表名或使用 --reset"
            )
        return
    if state["grant_id"] != str(config.grant_id):
        raise MirrorTableMismatchError(
            f"表 {config.table} 同步的是授权 {state['grant_id']}；请换一个表名或使用 --reset"
        )
    if json.loads(state["fields"]) != fields:
        raise MirrorTableMismatchError(
            f"授权的信息项已变化（现为：{'、'.join(fields)}）；请使用 --reset 重建表 {config.table}"
        )
    held = state.get("keyed_by") or "key"
    if held != keyed_by:
        raise MirrorTableMismatchError(
            f"表 {config.table} 按{_KEYED_BY_NAMES[held]}识别记录，而授权对主键的脱敏已变化，"
            f"变更接口现按{_KEYED_BY_NAMES[keyed_by]}识别；请使用 --reset 重建表"
        )


def open_target(config: MirrorConfig) -> Engine:
    """The consumer's database, with the state table in place.

    Raises:
        MirrorTableMismatchError: the table name is not a plain identifier.
    """
    if not _TABLE_NAME.match(config.table):
        raise MirrorTableMismatchError(
            "表名只能由字母、数字和下划线组成，以字母或下划线开头，最长 63 个字符"
        )
    engine = create_engine(config.target_url)
    _state_metadata.create_all(engine)
    columns = {c["name"] for c in inspect(engine).get_columns(STATE_TABLE)}
    if "keyed_by" not in columns:  # a state table from before ``ref``: its copies hold keys
        with engine.begin() as connection:
            connection.execute(text(_KEYED_BY_DDL))
    return engine


def reset(engine: Engine, table: str) -> None:
    """Drop the copy and its cursor: the next run syncs from the start."""
    with engine.begin() as connection:
        Table(table, MetaData()).drop(connection, checkfirst=True)
        connection.execute(STATE.delete().where(STATE.c.table_name == table))


def sync(
    config: MirrorConfig,
    engine: Engine,
    *,
    client: FeedClient | None = None,
    on_page: Callable[[PageApplied], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> MirrorResult:
    """Apply every page after the stored cursor until the feed has no more.

    Raises:
        MirrorUpstreamError: the platform is unreachable or refuses the call (still
        over the rate after ``MAX_RATE_RETRIES`` waits included).
        MirrorTableMismatchError: the table belongs to another grant or other items.
    """
    feed = client or FeedClient(config)
    with engine.connect() as connection:
        state = _state(connection, config.table)
    result = MirrorResult(cursor=state["cursor"] if state else "0")
    while True:
        page = _fetch(feed, result.cursor, sleep)
        fields = list(page["fields"])
        with engine.begin() as connection:
            state = _state(connection, config.table)
            _check(connection, config, fields, state, _keyed_by(page))
            table = mirror_table(config.table, fields)
            table.create(connection, checkfirst=True)
            upserts, deletes = _apply(connection, table, page, fields)
            _save_state(connection, config, fields, page["next_cursor"], state, _keyed_by(page))
        result.pages += 1
        result.upserts += upserts
        result.deletes += deletes
        result.cursor = page["next_cursor"]
        result.log_seqs.append(page["log_seq"])
        if on_page is not None:
            on_page(
                PageApplied(
                    result.pages, upserts, deletes, result.cursor, page["has_more"], page["log_seq"]
                )
            )
        if not page["has_more"]:
            break
    with engine.connect() as connection:
        table = mirror_table(config.table, fields)
        result.rows = connection.scalar(select(func.count()).select_from(table)) or 0
    return result


def _fetch(feed: FeedClient, cursor: str, sleep: Callable[[float], None]) -> dict[str, Any]:
    for _ in range(MAX_RATE_RETRIES):
        try:
            return feed.page(cursor)
        except _RateLimited as limited:
            sleep(limited.retry_after)
    try:
        return feed.page(cursor)
    except _RateLimited as limited:
        raise MirrorUpstreamError(
            f"超过授权的调用频率，已等待 {MAX_RATE_RETRIES} 次仍被限流", upstream_status=429
        ) from limited
