"""End to end on a migrated SQLite file, through the commands: ``smartcity base-data
load`` commits a load, ``LoadCompleted`` (wired in ``wiring.py``) queues the
notification, and ``smartcity sharing deliver`` posts it, signed, to a receiver on
127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from smartcity import wiring
from smartcity.cli import app
from smartcity.core.config import get_settings
from smartcity.core.db.engine import Database
from smartcity.core.db.migrate import upgrade
from smartcity.core.pseudonyms import pseudonym
from smartcity.domains.sharing import webhook
from smartcity.domains.sharing.service import exchange
from tests.domains.sharing.test_exchange import population_world
from tests.domains.sharing.test_subscriptions import changes_grant, pull, subscribe
from tests.domains.sharing.test_subscriptions_delivery import receiver
from tests.factories.base_data import csv_bytes, person_row

runner = CliRunner(env={"COLUMNS": "250"})


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    """A migrated SQLite file the commands use (``SMARTCITY_DATABASE__URL``)."""
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    db = Database(url)
    upgrade(db.engine)
    wiring.wire(db)
    monkeypatch.setenv("SMARTCITY_DATABASE__URL", url)
    get_settings.cache_clear()
    exchange.rate_limiter.reset()
    yield db
    db.dispose()
    get_settings.cache_clear()


def test_a_committed_load_is_announced_by_the_deliver_command(
    database: Database, tmp_path: Path
) -> None:
    with receiver() as hook:
        with database.session_scope() as session:
            world = population_world(session, tmp_path, rows=3)
        with database.session_scope() as session:  # after the first load was announced
            grant = changes_grant(world, session)
            subscription = subscribe(session, world, grant, hook.url + "notify")
            pull(session, world, grant, world.key(1))
            secret, table, provider = subscription.secret, world.table_name, world.provider.code
            clear_key = world.key(1)
            stale_key = pseudonym(grant.pseudonym_key, clear_key)  # the grant masks the key
        path = tmp_path / "corrections.csv"
        path.write_bytes(csv_bytes([person_row(2, 姓名="更正后的姓名")]))

        loaded = runner.invoke(
            app,
            ["base-data", "load", table, str(path), "--mode", "upsert", "--organization", provider],
        )
        assert loaded.exit_code == 0, loaded.output
        delivered = runner.invoke(app, ["sharing", "deliver"])
        idle = runner.invoke(app, ["sharing", "deliver"])

    assert delivered.exit_code == 0, delivered.output
    assert "投递 1 条变更通知：送达 1，待重试 0，转入死信 0" in delivered.output
    assert "没有到期的变更通知" in idle.output
    [got] = hook.received
    assert got.path == "/notify"
    assert webhook.verify(secret, got.body, got.headers["X-Smartcity-Signature"])
    body = json.loads(got.body)
    assert (body["changes"], body["stale_keys"]) == (1, [stale_key])
    assert "更正后的姓名" not in got.body.decode()
    assert clear_key not in got.body.decode()
