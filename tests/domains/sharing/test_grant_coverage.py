"""``active_grant_coverage``: which grants in force a department holds on which entries
(the once-only checker's question to the sharing domain)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from smartcity.domains.sharing import service as sharing_service
from smartcity.domains.sharing.enums import GrantState
from tests.factories.sharing import make_department, make_grant, make_shared_entry


def test_only_grants_in_force_of_the_named_departments_and_entries(session: Session) -> None:
    consumer, other = make_department(session), make_department(session)
    entry, elsewhere = make_shared_entry(session), make_shared_entry(session)
    active = make_grant(session, entry=entry, consumer=consumer, items=["姓名"])
    make_grant(session, entry=entry, consumer=consumer, items=["住址"], state=GrantState.revoked)
    make_grant(session, entry=entry, consumer=consumer, items=["住址"], valid_days=-1)
    make_grant(session, entry=entry, consumer=other, items=["住址"])
    make_grant(session, entry=elsewhere, consumer=consumer, items=["住址"])

    covered = sharing_service.active_grant_coverage(
        session, consumer_organization_ids={consumer.id}, entry_ids={entry.id}
    )

    assert [(c.grant_id, c.items) for c in covered] == [(active.id, frozenset({"姓名"}))]
    assert (
        sharing_service.active_grant_coverage(
            session, consumer_organization_ids=set(), entry_ids={entry.id}
        )
        == []
    )
