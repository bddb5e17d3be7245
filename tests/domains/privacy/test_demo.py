"""The privacy demo: the demo citizen is bound and looked up twice, once only."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from smartcity.core.pagination import PageParams
from smartcity.domains.identity.permissions import Role
from smartcity.domains.privacy import demo, service, service_requests
from smartcity.domains.privacy.enums import DataRequestState
from tests.domains.privacy.world import privacy_world
from tests.factories.identity import actor_of, make_user


def test_binds_the_citizen_and_makes_two_lookups_once(session: Session, tmp_path: Path) -> None:
    world = privacy_world(session, tmp_path)
    citizen = make_user(session, organization=None, roles=[Role.citizen], username=demo.CITIZEN)
    make_user(
        session, organization=world.exchange.consumer, roles=[Role.org_staff], username="staff.scjg"
    )
    key = world.exchange.key(2)

    assert demo.load(session, subject_key=key) == 2
    assert demo.load(session, subject_key=key) == 0

    calls = service.my_calls(session, actor=actor_of(citizen), page=PageParams())
    assert sorted(c.case_reference for c in calls.items) == sorted(r for r, _ in demo.LOOKUPS)
    assert {c.organization_name for c in calls.items} == {world.exchange.consumer.name}


def test_files_one_open_correction_of_the_address_once(session: Session, tmp_path: Path) -> None:
    world = privacy_world(session, tmp_path)
    citizen = make_user(session, organization=None, roles=[Role.citizen], username=demo.CITIZEN)
    make_user(
        session, organization=world.exchange.consumer, roles=[Role.org_staff], username="staff.scjg"
    )
    key = world.exchange.key(2)

    demo.load(session, subject_key=key)
    demo.load(session, subject_key=key)

    mine = service_requests.my_requests(session, actor=actor_of(citizen), page=PageParams())
    assert [(r.field_name, r.claimed_value, r.state) for r in mine.items] == [
        (demo.CORRECTION[0], demo.CORRECTION[1], DataRequestState.submitted)
    ]
    assert mine.items[0].source_organization_id == world.exchange.provider.id
    assert [(e.filename, e.media_type) for e in mine.items[0].evidence] == [
        (demo.EVIDENCE_NAME, "application/pdf")
    ]


def test_the_demo_evidence_is_a_well_formed_pdf() -> None:
    pdf = demo.demo_pdf()
    assert pdf.startswith(b"%PDF-1.4")
    assert pdf.rstrip().endswith(b"%%EOF")
    xref = int(pdf.rsplit(b"startxref\n", 1)[1].split(b"\n", 1)[0])
    assert pdf[xref:].startswith(b"xref\n")
    offsets = [int(line[:10]) for line in pdf[xref:].split(b"\n")[3:8]]
    assert [pdf[o:].split(b" ", 1)[0] for o in offsets] == [b"1", b"2", b"3", b"4", b"5"]
