"""Is the database answering? For the ``/healthz`` probe of load balancers and operators."""

from __future__ import annotations

import logging

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from smartcity.core.db.engine import Database

log = logging.getLogger("smartcity.db")


def ping(database: Database) -> bool:
    """True when ``SELECT 1`` succeeds; a failure is logged, never raised."""
    try:
        with database.read_scope() as session:
            session.execute(text("SELECT 1")).scalar_one()
    except SQLAlchemyError:
        log.exception("db.ping_failed")
        return False
    return True
