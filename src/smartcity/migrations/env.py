"""Alembic environment: migrates the engine handed over by ``smartcity.core.migrate``."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext

from smartcity.models import Base

target_metadata = Base.metadata
config = context.config


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        from sqlalchemy import create_engine

        engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
        with engine.begin() as conn:
            _run(conn)
        return
    _run(connection)


def _render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Render our type decorators as the plain SQLAlchemy types they store as, so
    migrations stay static and never import application code."""
    if type_ == "type" and type(obj).__name__ == "UTCDateTime":
        return "sa.DateTime(timezone=True)"
    return False


#: Objects the migrations do not own: the base databases' data tables (``bd_*``), built
#: at run time from the catalog, the open data resources' row tables (``od_*``), and
#: PostgreSQL-only indexes created by raw DDL.
_UNMANAGED_INDEXES = frozenset({"ix_catalog_search_term_covering"})


def _include_name(name: str | None, type_: str, _parents: object) -> bool:
    if type_ == "table" and name is not None and name.startswith(("bd_", "od_")):
        return False
    return not (type_ == "index" and name in _UNMANAGED_INDEXES)


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
        render_item=_render_item,
        include_name=_include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
