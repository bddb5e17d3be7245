"""Request and grant numbers stay unique and gap-free under concurrent submissions: a
collision with another transaction's number is retried in a savepoint, and real
threads on a SQLite file database all get distinct numbers without an error."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import TypeVar
from uuid import UUID

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from smartcity.core.config import SharingSettings
from smartcity.core.db.engine import Database
from smartcity.core.db.migrate import upgrade
from smartcity.core.time import freeze_time
from smartcity.domains.catalog.enums import ShareType
from smartcity.domains.catalog.models import CatalogEntry
from smartcity.domains.sharing import service as sharing_service
from smartcity.domains.sharing.enums import QueryMode, RequestState
from smartcity.domains.sharing.models import Grant, ShareRequest
from smartcity.domains.sharing.schemas import ShareRequestCreate
from smartcity.domains.sharing.service import numbering
from tests.conftest import fresh_database_url
from tests.factories.catalog import catalog_coordinator
from tests.factories.sharing import (
    department_staff,
    make_department,
    make_request,
    make_shared_entry,
)

STATUTORY = SharingSettings()
FRIDAY = datetime(2026, 3, 6, 2, 0, tzinfo=UTC)
THREADS = 12
T = TypeVar("T")


def _data(entry: CatalogEntry) -> ShareRequestCreate:
    return ShareRequestCreate(
        entry_id=entry.id,
        items=["姓名"],
        purpose="核验申请人身份",
        scenario="居住证办理",
        query_modes=[QueryMode.lookup],
    )


def test_a_number_taken_meanwhile_is_skipped_and_the_next_one_used(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    entry = make_shared_entry(session, share_type=ShareType.unconditional)
    consumer = make_department(session)
    requester = department_staff(session, consumer)
    real = numbering.next_number
    competitors: list[ShareRequest] = []

    def taken_meanwhile(session: Session, kind: type[ShareRequest | Grant], prefix: str) -> str:
        """Between reading the highest number and inserting, another submission commits
        the same number (as a concurrent transaction on PostgreSQL would)."""
        number = real(session, kind, prefix)
        if not competitors:
            competitor = make_request(session, entry=entry, consumer=consumer, items=["姓名"])
            competitor.number = number
            session.flush()
            competitors.append(competitor)
        return number

    monkeypatch.setattr(numbering, "next_number", taken_meanwhile)
    with freeze_time(FRIDAY):
        request = sharing_service.submit_request(
            session, actor=requester, data=_data(entry), settings=STATUTORY
        )
    (competitor,) = competitors
    assert competitor.number == "GX-2026-000001"
    assert request.number == "GX-2026-000002"
    assert request.state is RequestState.compliance_check
    assert session.scalar(select(ShareRequest.id).where(ShareRequest.number == request.number))


def test_another_integrity_error_is_not_taken_for_a_collision(session: Session) -> None:
    entry = make_shared_entry(session)
    request = make_request(session, entry=entry, consumer=make_department(session), items=["姓名"])
    # A row repeating another request's id breaks the primary key: no new number cures
    # that, so the error is raised as it is instead of being retried.
    clone = ShareRequest(
        **{
            column.key: getattr(request, column.key)
            for column in ShareRequest.__table__.columns
            if column.key != "number"
        }
    )
    session.expunge(request)
    with pytest.raises(IntegrityError):
        numbering.add_numbered(session, clone, "GX")


@pytest.fixture
def file_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """A fresh migrated database, a SQLite file (or PostgreSQL when the suite runs on
    it): each thread opens its own connection and transaction."""
    database = Database(fresh_database_url(tmp_path_factory, "numbering"))
    upgrade(database.engine)
    yield database
    database.dispose()


def _all_at_once(work: Callable[[int], T]) -> list[T]:
    """Run ``work`` in ``THREADS`` threads released together; every result, or the first
    error."""
    start = threading.Barrier(THREADS)

    def run(index: int) -> T:
        start.wait()
        return work(index)

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        return list(pool.map(run, range(THREADS)))


def test_concurrent_submissions_and_grants_get_distinct_numbers(file_database: Database) -> None:
    """On SQLite the writers queue on the write lock (``BEGIN IMMEDIATE``); on
    PostgreSQL they collide on the unique numbers and the savepoint retry resolves it."""
    with freeze_time(FRIDAY):
        with file_database.session_scope() as session:
            entry = make_shared_entry(session, share_type=ShareType.unconditional)
            requester = department_staff(session, make_department(session))
            coordinator = catalog_coordinator(session)

        def submit(_index: int) -> UUID:
            with file_database.session_scope() as session:
                request = sharing_service.submit_request(
                    session, actor=requester, data=_data(entry), settings=STATUTORY
                )
                return request.id

        request_ids = _all_at_once(submit)

        def check(index: int) -> UUID:
            with file_database.session_scope() as session:
                request = sharing_service.check_request(
                    session,
                    actor=coordinator,
                    request_id=request_ids[index],
                    passed=True,
                    settings=STATUTORY,
                )
                return request.id

        _all_at_once(check)

    with file_database.read_scope() as session:
        numbers = sorted(session.scalars(select(ShareRequest.number)))
        grants = sorted(session.scalars(select(Grant.number)))
        states = set(session.scalars(select(ShareRequest.state)))
    expected = range(1, THREADS + 1)
    assert numbers == [f"GX-2026-{n:06d}" for n in expected]
    assert grants == [f"SQ-2026-{n:06d}" for n in expected]
    assert states == {RequestState.granted}
