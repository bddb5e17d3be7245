"""The prefill demo: one pending request of 企业开办 for the demo citizen, asked once."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from smartcity.domains.identity.permissions import Role
from smartcity.domains.onceonly import demo_prefill, service
from smartcity.domains.onceonly.prefill_enums import PrefillState
from tests.domains.onceonly.prefill_world import prefill_world
from tests.factories.catalog import staff_of
from tests.factories.identity import make_user
from tests.factories.onceonly import make_form, mapped


def test_asks_once_for_the_demo_citizen(session: Session, tmp_path: Path) -> None:
    world = prefill_world(session, tmp_path)
    make_user(session, organization=world.department, roles=[Role.org_staff], username="staff.scjg")
    make_form(
        session,
        actor=staff_of(session, world.department, Role.org_admin),
        organization=world.department,
        code="DEMOTEST-SX03",
        name="企业开办",
        fields=[mapped(world.entry, "姓名"), mapped(world.entry, "公民身份号码")],
    )

    first = demo_prefill.load(session, city_code=lambda _abbr: "DEMOTEST", subject_key=world.key())
    again = demo_prefill.load(session, city_code=lambda _abbr: "DEMOTEST", subject_key=world.key())

    assert first is not None
    assert again is None
    (listed,) = service.list_my_prefills(session, actor=world.citizen)
    assert listed.form_name == "企业开办"
    assert listed.state is PrefillState.pending
    assert listed.case_reference == demo_prefill.CASE_REFERENCE
    view = service.preview_prefill(session, actor=world.citizen, request_id=listed.id)
    assert {i.label: i.value for i in view.items} == {
        "姓名": world.rows[0]["姓名"],
        "公民身份号码": world.key(),
    }
