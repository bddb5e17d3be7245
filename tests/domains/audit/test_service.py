"""The audit log: recording in the caller's transaction, visibility, and tamper evidence."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from smartcity.core.db.engine import Database
from smartcity.core.db.migrate import upgrade
from smartcity.core.errors import AuthenticationRequiredError, PermissionDeniedError
from smartcity.core.hashchain import GENESIS, Tampering, entry_hash
from smartcity.core.pagination import PageParams
from smartcity.core.security import ANONYMOUS, SYSTEM
from smartcity.domains.audit import service as audit_service
from smartcity.domains.audit.errors import AuditEventNotFoundError
from smartcity.domains.audit.models import AuditEvent
from smartcity.domains.audit.schemas import AuditEventFilter, VerifyReport
from smartcity.domains.identity.permissions import Role
from tests.conftest import fresh_database_url
from tests.factories.identity import actor_of, make_user
from tests.factories.registry import make_organization


def _append(session: Session, n: int, *, prefix: str = "test.thing.done") -> list[AuditEvent]:
    events = [
        audit_service.record(
            session,
            actor=SYSTEM,
            action=prefix,
            subject_type="thing",
            subject_id=str(i),
            label=f"第{i}项",
            changes={"n": [i, i + 1]},
        )
        for i in range(n)
    ]
    session.flush()
    return events


def _drop_append_only_guard(session: Session) -> None:
    """What an attacker with the database owner's rights would do first."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ALTER TABLE audit_event DISABLE TRIGGER USER"))
    else:
        session.execute(text("DROP TRIGGER audit_event_no_update"))
        session.execute(text("DROP TRIGGER audit_event_no_delete"))


def _verify(session: Session) -> VerifyReport:
    return audit_service.verify_chain(session, actor=SYSTEM)


class TestRecord:
    def test_links_each_event_to_the_previous_one(self, session: Session) -> None:
        events = _append(session, 3)
        assert [e.seq for e in events] == [1, 2, 3]
        assert events[0].prev_hash == GENESIS
        assert events[1].prev_hash == events[0].entry_hash
        assert events[2].prev_hash == events[1].entry_hash
        assert _verify(session).ok

    def test_continues_the_chain_across_transactions(self, session: Session) -> None:
        first = _append(session, 2)
        session.commit()  # ends the (savepoint) transaction; the cached head is dropped
        second = _append(session, 1)
        assert second[0].seq == 3
        assert second[0].prev_hash == first[-1].entry_hash

    def test_a_rolled_back_change_leaves_no_orphan_event(self, session: Session) -> None:
        _append(session, 1)
        savepoint = session.begin_nested()
        _append(session, 2, prefix="test.thing.abandoned")
        savepoint.rollback()
        _append(session, 1, prefix="test.thing.kept")
        actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)).all()
        assert actions == ["test.thing.done", "test.thing.kept"]
        assert _verify(session).ok

    def test_control_characters_cannot_forge_field_boundaries(self, session: Session) -> None:
        event = audit_service.record(
            session, actor=SYSTEM, action="test.thing.done", label="a\x1fb\nc"
        )
        session.flush()
        assert event.subject_label == "a b c"
        assert _verify(session).ok

    def test_append_only_triggers_refuse_update_and_delete(self, session: Session) -> None:
        _append(session, 1)
        for statement in ("UPDATE audit_event SET action = 'x'", "DELETE FROM audit_event"):
            savepoint = session.begin_nested()
            with pytest.raises(Exception, match="append-only"):
                session.execute(text(statement))
            savepoint.rollback()


class TestVerifyDetectsTampering:
    """Each test tampers with the stored rows directly, as someone with database access."""

    def test_a_modified_event(self, session: Session) -> None:
        _append(session, 5)
        _drop_append_only_guard(session)
        session.execute(text("UPDATE audit_event SET action = 'test.thing.forged' WHERE seq = 3"))
        report = _verify(session)
        assert not report.ok
        assert report.first_break is not None
        assert (report.first_break.seq, report.first_break.kind) == (3, Tampering.modified)
        assert report.checked == 2

    def test_a_modified_hash_of_a_modified_event(self, session: Session) -> None:
        """Recomputing the tampered event's own hash just moves the break to the next link."""
        events = _append(session, 5)
        _drop_append_only_guard(session)
        target = events[2]
        fields = list(
            audit_service.canonical_fields(
                occurred_at=target.occurred_at,
                actor_kind=target.actor_kind,
                actor_id=target.actor_id,
                actor_name=target.actor_name,
                organization_id=target.organization_id,
                action="test.thing.forged",
                subject_type=target.subject_type,
                subject_id=target.subject_id,
                subject_label=target.subject_label,
                changes=target.changes,
                request_id=target.request_id,
                ip=target.ip,
            )
        )
        forged = entry_hash(fields, target.prev_hash)
        session.execute(
            text(
                "UPDATE audit_event SET action = 'test.thing.forged', entry_hash = :h WHERE seq = 3"
            ),
            {"h": forged},
        )
        report = _verify(session)
        assert report.first_break is not None
        assert report.first_break.seq == 4
        assert report.first_break.kind == Tampering.deleted

    def test_a_deleted_event(self, session: Session) -> None:
        _append(session, 5)
        _drop_append_only_guard(session)
        session.execute(text("DELETE FROM audit_event WHERE seq = 2"))
        report = _verify(session)
        assert report.first_break is not None
        assert (report.first_break.seq, report.first_break.kind) == (3, Tampering.deleted)

    def test_a_deleted_event_with_the_rest_renumbered(self, session: Session) -> None:
        _append(session, 5)
        _drop_append_only_guard(session)
        session.execute(text("DELETE FROM audit_event WHERE seq = 2"))
        for seq in (3, 4, 5):
            session.execute(
                text("UPDATE audit_event SET seq = :new WHERE seq = :old"),
                {"new": seq - 1, "old": seq},
            )
        report = _verify(session)
        assert report.first_break is not None
        assert (report.first_break.seq, report.first_break.kind) == (2, Tampering.deleted)

    def test_an_inserted_event(self, session: Session) -> None:
        events = _append(session, 5)
        _drop_append_only_guard(session)
        for seq in (5, 4, 3):
            session.execute(
                text("UPDATE audit_event SET seq = :new WHERE seq = :old"),
                {"new": seq + 1, "old": seq},
            )
        # A well-formed forged event between 2 and (old) 3, linked to 2 with a valid hash.
        fields = audit_service.canonical_fields(
            occurred_at=events[1].occurred_at,
            actor_kind="system",
            actor_id=None,
            actor_name="system",
            organization_id=None,
            action="test.thing.forged",
            subject_type="thing",
            subject_id="x",
            subject_label="伪造",
            changes="{}",
            request_id="",
            ip="",
        )
        forged_hash = entry_hash(fields, events[1].entry_hash)
        session.expunge_all()
        session.add(
            AuditEvent(
                seq=3,
                occurred_at=events[1].occurred_at,
                actor_kind="system",
                actor_id=None,
                actor_name="system",
                organization_id=None,
                action="test.thing.forged",
                subject_type="thing",
                subject_id="x",
                subject_label="伪造",
                changes="{}",
                request_id="",
                ip="",
                prev_hash=events[1].entry_hash,
                entry_hash=forged_hash,
            )
        )
        session.flush()
        report = _verify(session)
        assert report.first_break is not None
        assert (report.first_break.seq, report.first_break.kind) == (3, Tampering.inserted)

    def test_reordered_events(self, session: Session) -> None:
        _append(session, 5)
        _drop_append_only_guard(session)
        session.execute(text("UPDATE audit_event SET seq = 100 WHERE seq = 3"))
        session.execute(text("UPDATE audit_event SET seq = 3 WHERE seq = 4"))
        session.execute(text("UPDATE audit_event SET seq = 4 WHERE seq = 100"))
        report = _verify(session)
        assert report.first_break is not None
        assert (report.first_break.seq, report.first_break.kind) == (3, Tampering.reordered)

    def test_a_cut_off_tail_is_caught_by_an_anchor(self, session: Session) -> None:
        _append(session, 5)
        audit_service.anchor_head(session, actor=SYSTEM, note="日终")  # event 6 records it
        _drop_append_only_guard(session)
        session.execute(text("DELETE FROM audit_event WHERE seq >= 4"))
        report = _verify(session)
        assert report.first_break is not None
        assert report.first_break.kind == Tampering.truncated

    def test_an_intact_chain_with_anchors_verifies(self, session: Session) -> None:
        _append(session, 3)
        audit_service.anchor_head(session, actor=SYSTEM)
        _append(session, 2)
        report = _verify(session)
        assert report.ok
        assert report.checked == 6
        assert report.anchors_checked == 1


class TestVisibility:
    def test_auditor_sees_everything_and_org_admin_only_its_own(self, session: Session) -> None:
        mine, other = make_organization(session), make_organization(session)
        audit_service.record(session, actor=SYSTEM, action="test.a.done", organization_id=mine.id)
        audit_service.record(session, actor=SYSTEM, action="test.b.done", organization_id=other.id)
        session.flush()
        admin = actor_of(make_user(session, organization=mine, roles=[Role.org_admin]))
        auditor = actor_of(make_user(session, organization=other, roles=[Role.auditor]))
        filters = AuditEventFilter(action="test.")
        own = audit_service.list_events(session, actor=admin, filters=filters, page=PageParams())
        assert [e.action for e in own.items] == ["test.a.done"]
        everything = audit_service.list_events(
            session, actor=auditor, filters=filters, page=PageParams()
        )
        assert {e.action for e in everything.items} == {"test.a.done", "test.b.done"}
        hidden = (
            everything.items[0]
            if everything.items[0].action == "test.b.done"
            else everything.items[1]
        )
        with pytest.raises(AuditEventNotFoundError):
            audit_service.get_event(session, actor=admin, seq=hidden.seq)

    def test_staff_and_anonymous_may_not_browse(self, session: Session) -> None:
        staff = actor_of(make_user(session, organization=make_organization(session)))
        with pytest.raises(PermissionDeniedError):
            audit_service.list_events(
                session, actor=staff, filters=AuditEventFilter(), page=PageParams()
            )
        with pytest.raises(AuthenticationRequiredError):
            audit_service.list_events(
                session, actor=ANONYMOUS, filters=AuditEventFilter(), page=PageParams()
            )
        with pytest.raises(PermissionDeniedError):
            audit_service.verify_chain(session, actor=staff)


@pytest.fixture(scope="module")
def committed_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """A database of its own, for tests that need real commits from several connections."""
    db = Database(fresh_database_url(tmp_path_factory, "auditconc"))
    upgrade(db.engine)
    yield db
    db.dispose()


def test_the_chain_stays_linear_under_concurrent_writers(committed_database: Database) -> None:
    writers, transactions, per_transaction = 4, 15, 5
    errors: list[BaseException] = []
    barrier = threading.Barrier(writers)

    def write(worker: int) -> None:
        try:
            barrier.wait()
            for t in range(transactions):
                with committed_database.session_scope() as session:
                    for i in range(per_transaction):
                        audit_service.record(
                            session,
                            actor=SYSTEM,
                            action="test.write.done",
                            subject_id=f"{worker}-{t}-{i}",
                        )
                    session.flush()
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    with committed_database.session_scope() as session:
        seqs = session.scalars(select(AuditEvent.seq).order_by(AuditEvent.seq)).all()
        assert seqs == list(range(1, writers * transactions * per_transaction + 1))
        report = audit_service.verify_chain(session, actor=SYSTEM)
        assert report.ok, report.first_break
