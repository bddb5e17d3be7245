"""Fixtures: a migrated test database, a rolled-back session per test, an app client.

The database is built by running the migrations, so every run also tests them.
``SMARTCITY_TEST_DATABASE_URL`` selects PostgreSQL (CI runs the suite on both);
each pytest-xdist worker then gets a database of its own.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from smartcity.app import create_app
from smartcity.core.config import Settings
from smartcity.core.db.engine import Database
from smartcity.core.db.migrate import upgrade
from smartcity.core.http.deps import get_session, get_session_opener
from smartcity.domains.identity.passwords import use_hasher

# Cheap argon2 parameters: the suite hashes many passwords; production keeps the defaults.
use_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def postgres_admin_url() -> str | None:
    return os.environ.get("SMARTCITY_TEST_DATABASE_URL") or None


def fresh_database_url(tmp_path_factory: pytest.TempPathFactory, name: str) -> str:
    """A new empty database: a SQLite file, or a PostgreSQL database created for it."""
    base = postgres_admin_url()
    if base is None:
        return f"sqlite:///{tmp_path_factory.mktemp(name) / 'test.sqlite3'}"
    url = make_url(base)
    database_name = f"smartcity_test_{name}_{_worker()}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{database_name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{database_name}"'))
    admin.dispose()
    return url.set(database=database_name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    db = Database(fresh_database_url(tmp_path_factory, "suite"))
    upgrade(db.engine)
    yield db
    db.dispose()


@pytest.fixture
def session(database: Database) -> Iterator[Session]:
    """A session whose work is rolled back after the test, even if code under test commits."""
    with database.engine.connect() as connection:
        transaction = connection.begin()
        session = Session(
            bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        )
        try:
            yield session
        finally:
            session.close()
            transaction.rollback()


@pytest.fixture
def settings() -> Settings:
    return Settings(environment="test")


@pytest.fixture
def client(database: Database, session: Session, settings: Settings) -> Iterator[TestClient]:
    app = create_app(settings, database=database)

    def _session() -> Iterator[Session]:
        # Each request is a savepoint: committed when the route returns, rolled back
        # when it raises, like the real per-request transaction.
        savepoint = session.begin_nested()
        try:
            yield session
        except BaseException:
            savepoint.rollback()
            raise
        savepoint.commit()

    app.dependency_overrides[get_session] = _session
    app.dependency_overrides[get_session_opener] = lambda: contextmanager(_session)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client
