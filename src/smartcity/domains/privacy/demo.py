"""The demo's data subject (Art. 68): the demo citizen account is bound to the ID number
of a person in the demo population table, and the market-supervision department looks
that person up twice through the exchange API under its 人口基础信息 grant (the sharing
demo's), each with a case reference, so "my data" shows real calls.

Idempotent: nothing is done when the account is already bound to that key.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from smartcity.core.pagination import PageParams
from smartcity.core.security import SYSTEM
from smartcity.domains.identity import service as identity_service
from smartcity.domains.privacy import service
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


def load(session: Session, *, subject_key: str) -> int:
    """Bind the demo citizen to ``subject_key`` and make the demo lookups on that key
    (in the caller's transaction); return how many lookups were made."""
    user = identity_service.find_user_by_username(session, CITIZEN)
    staff = identity_service.find_user_by_username(session, CONSUMER_STAFF)
    if user is None or staff is None:
        raise LookupError("demo privacy: the demo accounts are missing")
    bound = service.binding_for_user(session, user.id)
    if bound is not None and bound.subject_key == subject_key.upper():
        return 0
    service.bind_subject(session, actor=SYSTEM, username=CITIZEN, key=subject_key)
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
