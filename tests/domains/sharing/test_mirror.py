"""Table exchange mode: ``smartcity sharing mirror`` keeps a consumer-side table equal to
the grant's (masked) view of the source, through the real change feed of the real
application served by uvicorn on 127.0.0.1; later runs apply only the changes; the
cursor commits with the page, so a run that fails mid-page leaves nothing half-done."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import DatabaseError
from typer.testing import CliRunner

from smartcity.app import create_app
from smartcity.cli import app as cli_app
from smartcity.core.config import DatabaseSettings, Settings
from smartcity.core.db.engine import Database
from smartcity.core.db.migrate import upgrade
from smartcity.core.pseudonyms import pseudonym
from smartcity.core.security import SYSTEM
from smartcity.domains.base_data.models import LoadMode
from smartcity.domains.identity import service as identity_service
from smartcity.domains.identity.permissions import Role
from smartcity.domains.identity.schemas import ApiClientCreate
from smartcity.domains.sharing import mirror
from smartcity.domains.sharing.enums import QueryMode
from smartcity.domains.sharing.errors import MirrorTableMismatchError, MirrorUpstreamError
from smartcity.domains.sharing.models import Grant
from smartcity.domains.sharing.service import exchange, exchange_log
from tests.domains.sharing.test_exchange import World, population_world
from tests.domains.sharing.test_exchange_query import load
from tests.factories.base_data import person_row
from tests.factories.sharing import make_grant
from tests.helpers.live import serving

# 公民身份号码 and 户籍地址 (G3) masked at clearance 2; 姓名 (G2) clear with personal_clear
GRANTED = ["公民身份号码", "姓名", "性别", "户籍地址"]
ROWS = 7


@dataclass
class Platform:
    url: str
    database: Database
    world: World
    grant_id: UUID
    token: str
    tmp_path: Path

    def config(self, target: Path, **values: Any) -> mirror.MirrorConfig:
        values.setdefault("table", "population_copy")
        values.setdefault("limit", 3)  # several pages, some ending inside a load
        return mirror.MirrorConfig(
            base_url=self.url,
            token=self.token,
            grant_id=self.grant_id,
            case_reference="人口信息本地库同步",
            target_url=f"sqlite:///{target}",
            **values,
        )

    def load(self, rows: list[dict[str, str]], mode: LoadMode) -> int:
        with self.database.session_scope() as session:
            return load(session, self.world, self.tmp_path, rows, mode)

    def expected(self, keys: list[str]) -> dict[str, dict[str, Any]]:
        """What the grant shows of ``keys``, by a batch lookup through the service."""
        with self.database.session_scope() as session:
            result = exchange.lookup(
                session,
                actor=self.world.staff,
                grant_id=self.grant_id,
                case_reference="对照",
                keys=keys,
            )
        # The grant masks the key: the copy keys each record by its ``ref``.
        return {
            r.ref: {
                name: (v.value, v.masked, v.source_organization) for name, v in r.values.items()
            }
            for r in result.records
        }

    def ref(self, key: str) -> str:
        """The record's ``ref`` under the grant (what the copy keys it by)."""
        with self.database.session_scope() as session:
            grant = session.get(Grant, self.grant_id)
            assert grant is not None
            return pseudonym(grant.pseudonym_key, key)


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    exchange.rate_limiter.reset()


@pytest.fixture
def platform(tmp_path: Path) -> Iterator[Platform]:
    """The application on a migrated SQLite file with a population table of ``ROWS``
    records, a consumer's API client and its grant, served by uvicorn."""
    url = f"sqlite:///{tmp_path / 'platform.sqlite3'}"
    database = Database(url)
    upgrade(database.engine)
    with database.session_scope() as session:
        world = population_world(session, tmp_path, rows=ROWS)
        _client, token = identity_service.create_api_client(
            session,
            actor=SYSTEM,
            data=ApiClientCreate(
                name="人社局本地库同步", organization_id=world.consumer.id, roles=[Role.org_staff]
            ),
            max_days=365,
        )
        grant = make_grant(
            session,
            entry=world.entry,
            consumer=world.consumer,
            items=GRANTED,
            query_modes=[QueryMode.changes, QueryMode.lookup, QueryMode.batch],
            clearance_rank=2,
            personal_clear=True,
        )
        grant_id = grant.id
    app = create_app(
        Settings(environment="test", database=DatabaseSettings(url=url)), database=database
    )
    try:
        with serving(app) as base_url:
            yield Platform(base_url, database, world, grant_id, token, tmp_path)
    finally:
        database.dispose()


def mirrored(target: Path, table: str = "population_copy") -> dict[str, dict[str, Any]]:
    """The mirror table, in the shape of ``Platform.expected`` (values as text)."""
    engine = create_engine(f"sqlite:///{target}")
    with engine.connect() as connection:
        rows = connection.execute(text(f'SELECT * FROM "{table}"')).mappings().all()
    engine.dispose()
    return {
        row["_key"]: {
            name: (row[name], bool(row[f"{name}__masked"]), row[f"{name}__source"])
            for name in GRANTED
        }
        for row in rows
    }


def as_text(expected: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {
        key: {n: (None if v is None else str(v), m, s) for n, (v, m, s) in values.items()}
        for key, values in expected.items()
    }


def cursor_of(target: Path, table: str = "population_copy") -> str | None:
    engine = create_engine(f"sqlite:///{target}")
    with engine.connect() as connection:
        value = connection.execute(
            text(f"SELECT cursor FROM {mirror.STATE_TABLE} WHERE table_name = :t"), {"t": table}
        ).scalar()
    engine.dispose()
    return None if value is None else str(value)


def keys(platform: Platform) -> list[str]:
    return [platform.world.key(n) for n in range(ROWS)]


class TestSync:
    def test_copies_the_granted_masked_view_then_applies_only_the_changes(
        self, platform: Platform, tmp_path: Path
    ) -> None:
        target = tmp_path / "consumer.sqlite3"
        config = platform.config(target)
        engine = mirror.open_target(config)

        first = mirror.sync(config, engine)

        assert first.upserts == ROWS
        assert first.deletes == 0
        assert first.pages == 3  # 3 + 3 + 1 changes
        assert first.rows == ROWS
        assert mirrored(target) == as_text(platform.expected(keys(platform)))
        assert not any(key in str(mirrored(target)) for key in keys(platform))
        copy = mirrored(target)[platform.ref(platform.world.key(0))]
        assert copy["公民身份号码"][1] is True  # masked as granted
        assert "*" in copy["公民身份号码"][0]
        assert copy["姓名"][1] is False
        assert copy["姓名"][2] == platform.world.provider.name
        assert cursor_of(target) == first.cursor

        renamed = platform.load([person_row(1, 姓名="改名")], LoadMode.upsert)
        platform.load([person_row(2, 文化程度="90")], LoadMode.upsert)  # not a granted item
        deleted = platform.load([{"公民身份号码": platform.world.key(4)}], LoadMode.delete)
        second = mirror.sync(config, engine)

        assert (second.upserts, second.deletes) == (1, 1)
        assert second.cursor == str(deleted) != first.cursor
        assert int(second.cursor) > renamed
        remaining = [k for k in keys(platform) if k != platform.world.key(4)]
        assert mirrored(target) == as_text(platform.expected(remaining))
        assert mirrored(target)[platform.ref(platform.world.key(0))]["姓名"][0] == "改名"
        assert cursor_of(target) == second.cursor

        third = mirror.sync(config, engine)

        assert (third.pages, third.upserts, third.deletes) == (1, 0, 0)
        assert third.cursor == second.cursor
        engine.dispose()
        with platform.database.session_scope() as session:
            assert exchange_log.verify_exchange_log(session, actor=SYSTEM).ok

    def test_a_page_that_fails_before_commit_leaves_table_and_cursor_as_they_were(
        self, platform: Platform, tmp_path: Path
    ) -> None:
        target = tmp_path / "consumer.sqlite3"
        config = platform.config(target)
        engine = mirror.open_target(config)
        mirror.sync(config, engine)
        before, cursor = mirrored(target), cursor_of(target)
        platform.load([person_row(n, 姓名=f"新{n}") for n in (1, 2, 3)], LoadMode.upsert)
        platform.load([{"公民身份号码": platform.world.key(5)}], LoadMode.delete)
        # The consumer's database refuses the cursor's update: a crash after the page's
        # rows were written and before the transaction committed.
        with engine.begin() as connection:
            connection.execute(
                text(
                    f"CREATE TRIGGER crash BEFORE UPDATE ON {mirror.STATE_TABLE} "
                    "BEGIN SELECT RAISE(ABORT, 'crash'); END"
                )
            )

        with pytest.raises(DatabaseError, match="crash"):
            mirror.sync(config, engine)

        assert mirrored(target) == before
        assert cursor_of(target) == cursor
        with engine.begin() as connection:
            connection.execute(text("DROP TRIGGER crash"))

        resumed = mirror.sync(config, engine)

        assert (resumed.upserts, resumed.deletes) == (3, 1)
        remaining = [k for k in keys(platform) if k != platform.world.key(5)]
        assert mirrored(target) == as_text(platform.expected(remaining))
        engine.dispose()

    def test_refuses_a_table_of_another_grant_until_reset(
        self, platform: Platform, tmp_path: Path
    ) -> None:
        target = tmp_path / "consumer.sqlite3"
        engine = mirror.open_target(platform.config(target))
        mirror.sync(platform.config(target), engine)
        with platform.database.session_scope() as session:
            other = make_grant(
                session,
                entry=platform.world.entry,
                consumer=platform.world.consumer,
                items=["性别"],
                query_modes=[QueryMode.changes],
            ).id
        elsewhere = replace(platform.config(target), grant_id=other)

        with pytest.raises(MirrorTableMismatchError):
            mirror.sync(elsewhere, engine)

        mirror.reset(engine, "population_copy")
        result = mirror.sync(elsewhere, engine)
        assert result.rows == ROWS
        assert columns(target) == [
            "_key", "_load_id", "_synced_at",
            "性别", "性别__masked", "性别__disputed", "性别__source", "性别__updated_at",
        ]  # fmt: skip
        engine.dispose()

    def test_a_copy_keyed_the_other_way_is_refused_until_reset(
        self, platform: Platform, tmp_path: Path
    ) -> None:
        # A copy made before records had a ``ref``: its state table has no keyed_by and
        # its _key holds keys. This grant masks the key: the feed names records by ref.
        target = tmp_path / "consumer.sqlite3"
        old = create_engine(f"sqlite:///{target}")
        with old.begin() as connection:
            connection.execute(
                text(
                    f"CREATE TABLE {mirror.STATE_TABLE} (table_name VARCHAR(63) PRIMARY KEY,"
                    " grant_id VARCHAR(36) NOT NULL, fields TEXT NOT NULL,"
                    " cursor VARCHAR(300) NOT NULL, pages INTEGER NOT NULL,"
                    " updated_at VARCHAR(40) NOT NULL)"
                )
            )
            connection.execute(
                text(
                    f"INSERT INTO {mirror.STATE_TABLE}"
                    " VALUES ('population_copy', :grant, :fields, '0', 1, '2026-12-01')"
                ),
                {
                    "grant": str(platform.grant_id),
                    "fields": json.dumps(GRANTED, ensure_ascii=False),
                },
            )
        old.dispose()
        config = platform.config(target)
        engine = mirror.open_target(config)  # the state table gains keyed_by

        with pytest.raises(MirrorTableMismatchError, match="按主键识别记录"):
            mirror.sync(config, engine)

        assert cursor_of(target) == "0"  # nothing applied
        mirror.reset(engine, "population_copy")
        assert mirror.sync(config, engine).rows == ROWS
        with engine.connect() as connection:
            assert connection.scalar(select(mirror.STATE.c.keyed_by)) == "ref"
        engine.dispose()

    def test_a_refused_feed_is_a_clear_error_and_changes_nothing(
        self, platform: Platform, tmp_path: Path
    ) -> None:
        target = tmp_path / "consumer.sqlite3"
        config = replace(platform.config(target), token="bad")
        engine = mirror.open_target(config)

        with pytest.raises(MirrorUpstreamError) as raised:
            mirror.sync(config, engine)

        assert raised.value.extensions["upstream_status"] == 401
        assert cursor_of(target) is None
        engine.dispose()

    def test_a_table_name_must_be_an_identifier(self, platform: Platform, tmp_path: Path) -> None:
        with pytest.raises(MirrorTableMismatchError):
            mirror.open_target(platform.config(tmp_path / "x.sqlite3", table='x"; DROP'))


def columns(target: Path) -> list[str]:
    engine = create_engine(f"sqlite:///{target}")
    with engine.connect() as connection:
        names = [r[1] for r in connection.execute(text('PRAGMA table_info("population_copy")'))]
    engine.dispose()
    return names


def run_mirror(platform: Platform, target: Path, *extra: str, token: str | None = None) -> Any:
    """``smartcity sharing mirror`` against the platform, the token in its variable."""
    return CliRunner().invoke(
        cli_app,
        [
            "sharing", "mirror",
            "--base-url", platform.url,
            "--grant", str(platform.grant_id),
            "--case-reference", "人口信息本地库同步",
            "--target", f"sqlite:///{target}",
            "--table", "population_copy",
            *extra,
        ],
        env={"SMARTCITY_MIRROR_TOKEN": token or platform.token},
    )  # fmt: skip


class TestMirrorCommand:
    def test_prints_each_page_and_a_summary(self, platform: Platform, tmp_path: Path) -> None:
        target = tmp_path / "consumer.sqlite3"

        result = run_mirror(platform, target, "--limit", "5")

        assert result.exit_code == 0, result.output
        assert "第 1 页：更新 5 条" in result.output
        assert "第 2 页：更新 2 条" in result.output
        assert "已是最新" in result.output
        assert "同步完成：population_copy" in result.output
        assert mirrored(target) == as_text(platform.expected(keys(platform)))

    def test_reset_rebuilds_the_copy_from_the_start(
        self, platform: Platform, tmp_path: Path
    ) -> None:
        target = tmp_path / "consumer.sqlite3"
        run_mirror(platform, target)

        result = run_mirror(platform, target, "--reset")

        assert result.exit_code == 0, result.output
        assert "已删除本地表 population_copy 及其游标，从头同步" in result.output
        assert "第 1 页：更新 7 条" in result.output
        assert mirrored(target) == as_text(platform.expected(keys(platform)))

    def test_a_refusal_is_one_chinese_line_and_exit_code_1(
        self, platform: Platform, tmp_path: Path
    ) -> None:
        result = run_mirror(platform, tmp_path / "c.sqlite3", token="wrong-token")

        assert result.exit_code == 1
        assert "无法从共享交换平台获取变更" in result.output
        assert "401" in result.output
        assert cursor_of(tmp_path / "c.sqlite3") is None
