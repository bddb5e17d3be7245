"""An answer "corrected" that base_data refuses (Art. 68) — a load of the table is
running, or the claimed value breaks the field's rules — is explained where the staff
member is: at the request in the queue page (422) or as a problem (API), and nothing
changes: the request stays open, the value stays, no load is recorded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smartcity.core.config import PrivacySettings, Settings
from smartcity.core.security import SYSTEM
from smartcity.domains.base_data import service as base_data_service
from smartcity.domains.base_data.models import Load
from smartcity.domains.identity.permissions import Role
from smartcity.domains.privacy import service_requests as requests
from smartcity.domains.privacy.enums import DataRequestKind, DataRequestState
from smartcity.domains.privacy.models import DataRequest
from smartcity.domains.privacy.schemas import DataRequestCreate
from tests.domains.privacy.world import PrivacyWorld, privacy_world, start_running_load
from tests.factories.identity import login, make_user
from tests.helpers.problems import assert_problem

HTML = {"accept": "text/html"}


@pytest.fixture
def world(session: Session, tmp_path: Path) -> PrivacyWorld:
    return privacy_world(session, tmp_path)


def _file(session: Session, world: PrivacyWorld, field: str, claimed: str) -> Any:
    return requests.file_request(
        session,
        actor=world.citizen,
        data=DataRequestCreate(
            kind=DataRequestKind.correction,
            table_name=world.exchange.table_name,
            field_name=field,
            claimed_value=claimed,
        ),
        settings=PrivacySettings(),
    )


def _value(session: Session, world: PrivacyWorld, field: str) -> Any:
    reader = base_data_service.RecordReader(session, actor=SYSTEM, table=world.exchange.table_name)
    return reader.get(world.key).values[field].value


def _loads(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Load)) or 0


def _state(session: Session, request_id: Any) -> DataRequestState:
    row = session.get(DataRequest, request_id)
    assert row is not None
    session.refresh(row)
    return row.state


def _sign_in_source(client: TestClient, session: Session, settings: Settings, world: Any) -> str:
    staff = make_user(session, organization=world.exchange.provider, roles=[Role.org_staff])
    return login(client, session, staff, settings)


def test_the_queue_shows_a_running_load_at_the_request_and_nothing_changes(
    client: TestClient, session: Session, settings: Settings, world: PrivacyWorld
) -> None:
    filed = _file(session, world, "文化程度", "30")
    start_running_load(session, world)
    csrf = _sign_in_source(client, session, settings, world)
    before = (_value(session, world, "文化程度"), _loads(session))

    response = client.post(
        f"/privacy/requests/{filed.id}/answer",
        data={"csrf_token": csrf, "outcome": "corrected", "answer": "经核实予以更正"},
        headers=HTML,
    )

    assert response.status_code == 422
    assert "更正、删除申请" in response.text  # the queue page, not the general error page
    assert 'id="answer-problem"' in response.text
    assert "该数据表正在装载数据，请待装载结束后再答复" in response.text
    form = response.text.split(f'id="answer-{filed.number}"', 1)[1].split("</form>", 1)[0]
    assert "正在装载数据" in form
    assert "经核实予以更正" in form  # what the staff member typed is kept
    assert (_value(session, world, "文化程度"), _loads(session)) == before
    assert _state(session, filed.id) is DataRequestState.submitted


def test_the_queue_shows_a_value_the_field_rejects(
    client: TestClient, session: Session, settings: Settings, world: PrivacyWorld
) -> None:
    filed = _file(session, world, "出生日期", "1990-13-45")
    csrf = _sign_in_source(client, session, settings, world)
    before = (_value(session, world, "出生日期"), _loads(session))

    response = client.post(
        f"/privacy/requests/{filed.id}/answer",
        data={"csrf_token": csrf, "outcome": "corrected", "answer": "予以更正"},
        headers=HTML,
    )

    assert response.status_code == 422
    assert "信息项“出生日期”未能按申请更正" in response.text
    assert "数据未改变，申请仍待答复" in response.text
    assert (_value(session, world, "出生日期"), _loads(session)) == before
    assert _state(session, filed.id) is DataRequestState.submitted


def test_the_api_answers_a_running_load_with_a_problem(
    client: TestClient, session: Session, settings: Settings, world: PrivacyWorld
) -> None:
    filed = _file(session, world, "文化程度", "30")
    start_running_load(session, world)
    _sign_in_source(client, session, settings, world)
    loads = _loads(session)

    response = client.post(
        f"/api/v1/privacy/requests/{filed.id}/answer",
        json={"outcome": "corrected", "answer": "予以更正"},
    )

    body = assert_problem(response, status=409, code="privacy.correction-not-applied")
    assert body["cause"] == "base_data.load-in-progress"
    assert body["field"] == "outcome"
    assert _loads(session) == loads
    assert _state(session, filed.id) is DataRequestState.submitted
