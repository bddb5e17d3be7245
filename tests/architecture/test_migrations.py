"""Migrations: one head, reversible, and in step with the models (STYLE.md §14)."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect

from smartcity.core.db.engine import Database
from smartcity.core.db.migrate import check, current_heads, downgrade, upgrade
from tests.conftest import fresh_database_url


def test_there_is_exactly_one_head(database: Database) -> None:
    assert len(current_heads(database.engine)) == 1


def test_models_and_migrations_agree(database: Database) -> None:
    check(database.engine)


def test_upgrade_downgrade_upgrade_round_trip(tmp_path_factory: pytest.TempPathFactory) -> None:
    db = Database(fresh_database_url(tmp_path_factory, "migrations"))
    try:
        upgrade(db.engine)
        assert "audit_event" in inspect(db.engine).get_table_names()
        downgrade(db.engine, "base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade(db.engine)
        check(db.engine)
    finally:
        db.dispose()
