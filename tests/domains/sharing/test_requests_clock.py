"""The statutory clock of share requests (Art. 27) beyond the paths themselves: the
configurable periods, reminders before a deadline (once per deadline, audited), the
clock's due-soon state, the daily clock task and command."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from smartcity.cli import app as cli_app
from smartcity.core.config import Settings, SharingSettings, get_settings
from smartcity.core.db.engine import Database
from smartcity.core.db.migrate import upgrade
from smartcity.core.security import Actor
from smartcity.core.time import CHINA, freeze_time
from smartcity.domains.audit import service as audit_service
from smartcity.domains.audit.models import AuditEvent
from smartcity.domains.catalog.enums import ShareType
from smartcity.domains.catalog.models import CatalogEntry
from smartcity.domains.sharing import service as sharing_service
from smartcity.domains.sharing import tasks
from smartcity.domains.sharing.enums import QueryMode, RequestState
from smartcity.domains.sharing.models import ShareRequest
from smartcity.domains.sharing.schemas import ShareRequestCreate
from tests.factories.catalog import catalog_coordinator
from tests.factories.registry import coordinator_organization
from tests.factories.sharing import department_staff, make_department, make_shared_entry

STATUTORY = SharingSettings()
# Friday 6 March 2026, 10:00 in Jining
FRIDAY = datetime(2026, 3, 6, 2, 0, tzinfo=UTC)
runner = CliRunner(env={"COLUMNS": "250"})


def _at(month: int, day: int, hour: int = 10) -> datetime:
    """``hour`` o'clock in Jining on a day of 2026."""
    return datetime(2026, month, day, hour, tzinfo=CHINA)


def _end_of(month: int, day: int) -> datetime:
    return datetime(2026, month, day, 23, 59, 59, 999999, tzinfo=CHINA)


def _submit(
    session: Session, entry: CatalogEntry, actor: Actor, settings: SharingSettings = STATUTORY
) -> ShareRequest:
    data = ShareRequestCreate(
        entry_id=entry.id,
        items=["姓名"],
        purpose="核验申请人身份",
        scenario="居住证办理",
        query_modes=[QueryMode.lookup],
    )
    return sharing_service.submit_request(session, actor=actor, data=data, settings=settings)


def _state(request: ShareRequest) -> RequestState:
    return request.state  # read afresh (mypy narrows attributes across calls)


@pytest.fixture
def requester(session: Session) -> Actor:
    return department_staff(session, make_department(session))


@pytest.fixture
def coordinator(session: Session) -> Actor:
    return catalog_coordinator(session)


def _events(session: Session, request: ShareRequest, action: str) -> list[AuditEvent]:
    return list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.subject_id == str(request.id), AuditEvent.action == action)
            .order_by(AuditEvent.seq)
        )
    )


class TestSettings:
    def test_defaults_are_the_regulations_periods(self) -> None:
        assert (
            STATUTORY.check_working_days,
            STATUTORY.answer_working_days,
            STATUTORY.remind_working_days_before,
        ) == (2, 10, 1)

    def test_read_from_the_environment(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("SMARTCITY_SHARING__CHECK_WORKING_DAYS", "3")
        monkeypatch.setenv("SMARTCITY_SHARING__ANSWER_WORKING_DAYS", "15")
        monkeypatch.setenv("SMARTCITY_SHARING__REMIND_WORKING_DAYS_BEFORE", "2")
        sharing = Settings(_env_file=None).sharing
        assert (
            sharing.check_working_days,
            sharing.answer_working_days,
            sharing.remind_working_days_before,
        ) == (3, 15, 2)

    @pytest.mark.parametrize(
        "name", ["check_working_days", "answer_working_days", "remind_working_days_before"]
    )
    @pytest.mark.parametrize("value", [0, -1])
    def test_a_period_is_at_least_one_working_day(self, name: str, value: int) -> None:
        with pytest.raises(ValidationError, match=name):
            SharingSettings.model_validate({name: value})

    def test_a_bad_environment_value_stops_startup(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("SMARTCITY_SHARING__ANSWER_WORKING_DAYS", "0")
        with pytest.raises(ValidationError, match="answer_working_days"):
            Settings(_env_file=None)


class TestConfiguredDeadlines:
    def test_changed_periods_change_both_deadlines(
        self, session: Session, requester: Actor, coordinator: Actor
    ) -> None:
        entry = make_shared_entry(session, share_type=ShareType.conditional)
        longer = SharingSettings(check_working_days=3, answer_working_days=5)
        with freeze_time(FRIDAY):
            statutory = _submit(session, entry, requester)
            configured = _submit(session, entry, requester, longer)
            for request, settings in ((statutory, STATUTORY), (configured, longer)):
                sharing_service.check_request(
                    session,
                    actor=coordinator,
                    request_id=request.id,
                    passed=True,
                    settings=settings,
                )
        # Friday 6 March: two working days end Tuesday 10, three Wednesday 11
        assert statutory.check_due_at == _end_of(3, 10)
        assert configured.check_due_at == _end_of(3, 11)
        # checked on Friday: ten working days end Friday 20 March, five Friday 13
        assert statutory.answer_due_at == _end_of(3, 20)
        assert configured.answer_due_at == _end_of(3, 13)


class TestRemindDue:
    def test_reminds_the_coordinator_one_working_day_before_the_check_deadline_once(
        self, session: Session, requester: Actor, coordinator: Actor
    ) -> None:
        entry = make_shared_entry(session, share_type=ShareType.conditional)
        with freeze_time(FRIDAY):
            request = _submit(session, entry, requester)
        assert request.check_due_at == _end_of(3, 10)  # Tuesday

        friday = sharing_service.remind_due(session, settings=STATUTORY, now=_at(3, 6, 18))
        clock = sharing_service.request_clock(
            session, request, settings=STATUTORY, now=_at(3, 6, 18)
        )
        assert request not in friday
        assert request.check_reminded_at is None
        assert not clock.due_soon

        monday = _at(3, 9, 8)
        assert request in sharing_service.remind_due(session, settings=STATUTORY, now=monday)
        assert request.check_reminded_at == monday
        assert request.answer_reminded_at is None
        clock = sharing_service.request_clock(session, request, settings=STATUTORY, now=monday)
        assert (clock.due_soon, clock.reminded_at, clock.label) == (
            True,
            monday,
            "剩余 1 个工作日",
        )

        tuesday = _at(3, 10, 8)
        assert request not in sharing_service.remind_due(session, settings=STATUTORY, now=tuesday)
        assert request.check_reminded_at == monday
        (event,) = _events(session, request, "sharing.request.check_reminded")
        assert event.organization_id == coordinator_organization(session).id
        changes = json.loads(event.changes)
        assert datetime.fromisoformat(changes["due_at"]) == _end_of(3, 10)
        assert changes["request"] == request.number

    def test_reminds_the_provider_of_its_answer_and_records_the_notice_for_it(
        self, session: Session, requester: Actor, coordinator: Actor
    ) -> None:
        entry = make_shared_entry(session, share_type=ShareType.conditional)
        with freeze_time(FRIDAY):
            request = _submit(session, entry, requester)
            sharing_service.check_request(
                session, actor=coordinator, request_id=request.id, passed=True, settings=STATUTORY
            )
        assert request.answer_due_at == _end_of(3, 20)  # Friday

        thursday = _at(3, 19, 8)
        assert request in sharing_service.remind_due(session, settings=STATUTORY, now=thursday)
        assert request.answer_reminded_at == thursday
        assert request.check_reminded_at is None  # checked before its reminder was due
        (event,) = _events(session, request, "sharing.request.answer_reminded")
        assert event.organization_id == entry.provider_organization_id
        assert event.actor_kind == "system"
        assert request not in sharing_service.remind_due(
            session, settings=STATUTORY, now=_at(3, 20, 8)
        )
        assert audit_service.actions_for(session, subject_id=request.id) == [
            "sharing.request.submitted",
            "sharing.request.checked",
            "sharing.request.answer_reminded",
        ]

    def test_a_longer_window_reminds_earlier_and_skips_weekends(
        self, session: Session, requester: Actor
    ) -> None:
        entry = make_shared_entry(session, share_type=ShareType.conditional)
        with freeze_time(FRIDAY):
            request = _submit(session, entry, requester)
        two = SharingSettings(remind_working_days_before=2)
        # Friday evening: Monday and Tuesday are the next two working days
        assert request in sharing_service.remind_due(session, settings=two, now=_at(3, 6, 18))
        assert sharing_service.request_clock(
            session, request, settings=two, now=_at(3, 6, 18)
        ).due_soon

    def test_passed_and_closed_deadlines_are_not_reminded(
        self, session: Session, requester: Actor, coordinator: Actor
    ) -> None:
        entry = make_shared_entry(session, share_type=ShareType.conditional)
        with freeze_time(FRIDAY):
            overdue = _submit(session, entry, requester)
            withdrawn = _submit(session, entry, requester)
            sharing_service.withdraw_request(session, actor=requester, request_id=withdrawn.id)
        wednesday = _at(3, 11, 8)  # the check deadline passed at Tuesday's end
        reminded = sharing_service.remind_due(session, settings=STATUTORY, now=wednesday)
        assert overdue not in reminded
        assert withdrawn not in reminded
        assert overdue.check_reminded_at is None
        clock = sharing_service.request_clock(session, overdue, settings=STATUTORY, now=wednesday)
        assert (clock.overdue, clock.due_soon) == (True, False)


@pytest.fixture
def clock_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    """A migrated SQLite file the tasks and commands commit to."""
    url = f"sqlite:///{tmp_path / 'clock.sqlite3'}"
    database = Database(url)
    upgrade(database.engine)
    monkeypatch.setenv("SMARTCITY_DATABASE__URL", url)
    get_settings.cache_clear()
    yield database
    get_settings.cache_clear()
    database.dispose()


def _committed_requests(database: Database, count: int) -> list[str]:
    """``count`` conditional requests submitted on FRIDAY and committed; their numbers."""
    with database.session_scope() as session, freeze_time(FRIDAY):
        entry = make_shared_entry(session, share_type=ShareType.conditional)
        requester = department_staff(session, make_department(session))
        coordinator_organization(session)
        return [_submit(session, entry, requester).number for _ in range(count)]


def test_the_clock_task_escalates_the_overdue_and_reminds_the_due_once(
    clock_database: Database,
) -> None:
    (first,) = _committed_requests(clock_database, 1)
    monday = _at(3, 9, 8)
    assert tasks.run_clock(clock_database, settings=STATUTORY, now=monday) == tasks.ClockRun(
        escalated=[], reminded=[first]
    )
    assert tasks.run_clock(clock_database, settings=STATUTORY, now=monday) == tasks.ClockRun(
        escalated=[], reminded=[]
    )
    wednesday = _at(3, 11, 8)
    assert tasks.run_clock(clock_database, settings=STATUTORY, now=wednesday) == tasks.ClockRun(
        escalated=[first], reminded=[]
    )


def test_remind_command_reports_how_many_it_reminded(clock_database: Database) -> None:
    numbers = _committed_requests(clock_database, 2)
    with freeze_time(_at(3, 9, 8)):
        result = runner.invoke(cli_app, ["sharing", "remind"])
        again = runner.invoke(cli_app, ["sharing", "remind"])
    assert result.exit_code == 0, result.output
    assert f"已提醒 2 件即将到期的申请：{'、'.join(numbers)}" in result.output
    assert again.exit_code == 0, again.output
    assert "没有需要提醒的共享申请" in again.output


def test_clock_command_escalates_then_reminds(clock_database: Database) -> None:
    numbers = _committed_requests(clock_database, 1)
    with freeze_time(_at(3, 11, 8)):
        result = runner.invoke(cli_app, ["sharing", "clock"])
    assert result.exit_code == 0, result.output
    assert f"已升级 1 件逾期申请：{numbers[0]}" in result.output
    assert "没有需要提醒的共享申请" in result.output


def test_a_bad_setting_makes_the_command_fail_before_it_writes(
    clock_database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    _committed_requests(clock_database, 1)
    monkeypatch.setenv("SMARTCITY_SHARING__REMIND_WORKING_DAYS_BEFORE", "0")
    get_settings.cache_clear()
    with freeze_time(_at(3, 9, 8)):
        result = runner.invoke(cli_app, ["sharing", "remind"])
    assert result.exit_code == 1
    assert "配置无效：SMARTCITY_SHARING__REMIND_WORKING_DAYS_BEFORE" in result.output
    with clock_database.read_scope() as session:
        reminded: Any = session.scalars(
            select(ShareRequest.check_reminded_at).where(
                ShareRequest.check_reminded_at.is_not(None)
            )
        ).all()
    assert reminded == []
