"""The demo's data subject (Art. 68): the demo citizen account is bound to the ID number
of a person in the demo population table, and the market-supervision department looks
that person up twice through the exchange API under its 人口基础信息 grant (the sharing
demo's), each with a case reference, so "my data" shows real calls. The citizen then files one
correction of his 现住址 (``CORRECTION``) with a synthetic one-page PDF as evidence
(``EVIDENCE_NAME``), left open: it waits in the population source department's queue and
consumers see the value as disputed.

Idempotent: nothing is bound or looked up when the account is already bound to that key,
and no correction is filed when the citizen already filed one on that value.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from smartcity.core.config import get_settings
from smartcity.core.pagination import PageParams
from smartcity.core.security import SYSTEM, Actor
from smartcity.domains.identity import service as identity_service
from smartcity.domains.privacy import service, service_requests
from smartcity.domains.privacy.enums import DataRequestKind
from smartcity.domains.privacy.schemas import DataRequestCreate
from smartcity.domains.privacy.service_evidence import EvidenceUpload
from smartcity.domains.sharing import service as sharing_service
from smartcity.domains.sharing.enums import QueryMode
from smartcity.domains.sharing.schemas import GrantFilter, RequestRole

CITIZEN = "citizen"
CONSUMER_STAFF = "staff.scjg"
LOOKUPS = (
    ("QYKB-2026-000118", "法定代表人身份核验"),
    ("QYKB-2026-000342", "股东身份核验"),
)
"""Case references of the demo's lookups (企业开办 matters) and what each was for."""
CORRECTION = ("现住址", "山东省济宁市任城区古槐路88号3号楼2单元501室", "已于今年搬家，附租房合同")
"""The demo correction: field, claimed value, reason (evidence described)."""
EVIDENCE_NAME = "租房合同（演示）.pdf"


def demo_pdf(text: str = "Synthetic demo rental contract - not a real document") -> bytes:
    """A valid one-page PDF showing ``text`` (ASCII): synthetic demo evidence."""
    stream = f"BT /F1 14 Tf 72 720 Td ({text}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def load(session: Session, *, subject_key: str) -> int:
    """Bind the demo citizen to ``subject_key`` and make the demo lookups on that key
    (in the caller's transaction); return how many lookups were made."""
    user = identity_service.find_user_by_username(session, CITIZEN)
    staff = identity_service.find_user_by_username(session, CONSUMER_STAFF)
    if user is None or staff is None:
        raise LookupError("demo privacy: the demo accounts are missing")
    bound = service.binding_for_user(session, user.id)
    if bound is not None and bound.subject_key == subject_key.upper():
        file_correction(session, citizen=identity_service.actor_for_user(user))
        return 0
    service.bind_subject(session, actor=SYSTEM, username=CITIZEN, key=subject_key)
    file_correction(session, citizen=identity_service.actor_for_user(user))
    actor = identity_service.actor_for_user(staff)
    grants = sharing_service.list_grants(
        session, actor=actor, filters=GrantFilter(role=RequestRole.made), page=PageParams(size=50)
    )
    grant = next(
        (
            g
            for g in grants.items
            if QueryMode.lookup.value in g.query_modes and "公民身份号码" in g.items
        ),
        None,
    )
    if grant is None:
        return 0
    for case_reference, _ in LOOKUPS:
        sharing_service.lookup(
            session,
            actor=actor,
            grant_id=grant.id,
            case_reference=case_reference,
            keys=[subject_key],
        )
    return len(LOOKUPS)


def file_correction(session: Session, *, citizen: Actor) -> bool:
    """The demo citizen's correction of his 现住址 in the population table, unless he
    already filed one on it (in any state); whether one was filed."""
    field, claimed, reason = CORRECTION
    mine = service_requests.my_requests(session, actor=citizen, page=PageParams(size=100))
    if any(r.field_name == field and r.kind is DataRequestKind.correction for r in mine.items):
        return False
    held = service.my_records(session, actor=citizen)
    record = next(
        (r for r in held.records if r.base_database == "population"),
        None,
    )
    if record is None or field not in {v.field for v in record.values}:
        return False
    service_requests.file_request(
        session,
        actor=citizen,
        data=DataRequestCreate(
            kind=DataRequestKind.correction,
            table_name=record.table_name,
            field_name=field,
            claimed_value=claimed,
            reason=reason,
        ),
        settings=get_settings().privacy,
        evidence=[EvidenceUpload(filename=EVIDENCE_NAME, content=demo_pdf())],
    )
    return True
