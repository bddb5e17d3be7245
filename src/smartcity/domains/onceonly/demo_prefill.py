"""The demo's prefill request (Art. 28): market supervision's 企业开办 system asks to
prefill the form for the demo citizen as the legal representative, so the citizen's
consent page (/onceonly/prefill) has a pending request to preview, approve in part, edit
or decline. The request is made in the name of the ``staff.scjg`` account and lives
``DEMO_TTL_MINUTES`` (a day), longer than a real one, so the page still has it after a
break.

Idempotent: nothing is requested while a pending, unexpired demo request for the
citizen exists (after it was answered or expired, the next load asks again).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.core.config import OnceOnlySettings
from smartcity.core.time import utcnow
from smartcity.domains.identity import service as identity_service
from smartcity.domains.onceonly import demo as onceonly_demo
from smartcity.domains.onceonly import service
from smartcity.domains.onceonly.models import PrefillRequest
from smartcity.domains.onceonly.prefill_enums import PrefillState
from smartcity.domains.onceonly.prefill_schemas import PrefillRequestCreate

REQUESTER = "staff.scjg"
FORM = "SX03"
CASE_REFERENCE = "QYKB-2026-000512"
PURPOSE = "企业设立登记：回填法定代表人信息"
DEMO_TTL_MINUTES = 24 * 60


def load(
    session: Session, *, city_code: Callable[[str], str], subject_key: str
) -> PrefillRequest | None:
    """Ask, as market supervision's staff, to prefill 企业开办 for ``subject_key`` (in the
    caller's transaction) unless such a request is still pending; the request made, or
    None."""
    pending = session.scalars(
        select(PrefillRequest).where(
            PrefillRequest.subject_key == subject_key.upper(),
            PrefillRequest.case_reference == CASE_REFERENCE,
            PrefillRequest.state == PrefillState.pending,
            PrefillRequest.expires_at > utcnow(),
        )
    ).first()
    if pending is not None:
        return None
    staff = identity_service.find_user_by_username(session, REQUESTER)
    form = next((f for f in onceonly_demo.FORMS if f.code == FORM), None)
    if staff is None or form is None:
        raise LookupError("demo prefill: the demo account or form is missing")
    return service.request_prefill(
        session,
        actor=identity_service.actor_for_user(staff),
        data=PrefillRequestCreate(
            form_code=onceonly_demo.form_code(city_code, form),
            subject_key=subject_key,
            case_reference=CASE_REFERENCE,
            purpose=PURPOSE,
        ),
        settings=OnceOnlySettings(prefill_ttl_minutes=DEMO_TTL_MINUTES),
    )
