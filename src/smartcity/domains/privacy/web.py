"""Pages of the data subject's rights (Art. 68), under ``/privacy``.

- ``/privacy/my-data`` (我的数据): what the base databases hold about the signed-in
  citizen or enterprise, with each value's source department and last update, and who
  looked at it through the exchange API. A single column that reads on a phone. The key
  comes from the account's binding, never from the page; an account without one gets a
  Chinese explanation (403).
- ``/privacy/deferrals`` (延迟告知): the coordinator's lawful deferrals with the form to
  record one; auditors may read them.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from smartcity.core.http.deps import PageParamsDep, SessionDep
from smartcity.core.http.forms import (
    FieldErrors,
    FormDep,
    app_error_fields,
    field_errors,
    redirect,
    text,
)
from smartcity.core.http.htmx import render
from smartcity.core.pagination import PageParams
from smartcity.core.security import Actor, ensure_permission
from smartcity.domains.identity.deps import ActorDep
from smartcity.domains.privacy import service
from smartcity.domains.privacy.enums import SUBJECT_KIND_LABELS
from smartcity.domains.privacy.errors import InvalidDeferralError, NoSubjectBindingError
from smartcity.domains.privacy.permissions import PrivacyPermission
from smartcity.domains.privacy.schemas import DeferralCreate
from smartcity.domains.registry import service as registry_service
from smartcity.domains.registry.schemas import LegalBasisFilter, OrganizationFilter
from smartcity.domains.sharing import service as sharing_service
from smartcity.domains.sharing.schemas import GrantFilter, RequestRole

router = APIRouter(prefix="/privacy", include_in_schema=False)

_CHOICES = PageParams(page=1, size=200)
_FORM_FIELDS = (
    "organization_id",
    "grant_id",
    "case_reference",
    "subject_key",
    "legal_basis_id",
    "ends_on",
    "reason",
)


@router.get("/my-data", response_class=HTMLResponse)
def my_data(
    request: Request, session: SessionDep, actor: ActorDep, page: PageParamsDep
) -> HTMLResponse:
    """我的数据: my records and who looked at them (anonymous: to the login page)."""
    try:
        records = service.my_records(session, actor=actor)
        calls = service.my_calls(session, actor=actor, page=page)
    except NoSubjectBindingError as error:
        return render(request, "privacy/no_binding.html", status_code=403, message=error.detail)
    return render(
        request,
        "privacy/my_data.html",
        partial="privacy/_my_calls.html",
        held=records,
        calls=calls,
        kind_label=SUBJECT_KIND_LABELS[records.kind],
    )


def _choices(session: Session, actor: Actor) -> dict[str, Any]:
    organizations = registry_service.list_organizations(
        session, actor=actor, filters=OrganizationFilter(), page=_CHOICES
    )
    bases = registry_service.list_legal_bases(
        session, actor=actor, filters=LegalBasisFilter(), page=_CHOICES
    )
    grants = sharing_service.list_grants(
        session, actor=actor, filters=GrantFilter(role=RequestRole.all), page=_CHOICES
    )
    return {
        "organization_choices": [(o.id, o.name) for o in organizations.items],
        "basis_choices": [(b.id, b.citation) for b in bases.items],
        "grant_choices": [(g.id, f"{g.number}（{g.scenario}）") for g in grants.items],
    }


def _deferrals_page(
    request: Request,
    session: Session,
    actor: Actor,
    *,
    form: dict[str, str] | None = None,
    errors: FieldErrors | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    can_defer = actor.has(PrivacyPermission.defer)
    return render(
        request,
        "privacy/deferrals.html",
        status_code=status_code,
        deferrals=service.list_deferrals(session, actor=actor),
        can_defer=can_defer,
        form=form or {},
        errors=errors or {},
        max_days=service.MAX_DEFERRAL_DAYS,
        **(_choices(session, actor) if can_defer else {}),
    )


@router.get("/deferrals", response_class=HTMLResponse)
def deferrals(request: Request, session: SessionDep, actor: ActorDep) -> HTMLResponse:
    """延迟告知: the deferrals, in force first, and the form (coordinator)."""
    ensure_permission(actor, PrivacyPermission.read_deferrals)
    return _deferrals_page(request, session, actor)


@router.post("/deferrals", response_class=HTMLResponse)
def create_deferral(
    request: Request, session: SessionDep, actor: ActorDep, form: FormDep
) -> Response:
    """Record a deferral; bad input is shown next to the form (422) and records nothing."""
    ensure_permission(actor, PrivacyPermission.defer)
    values = {name: text(form, name) for name in _FORM_FIELDS}
    try:
        data = DeferralCreate.model_validate({k: v for k, v in values.items() if v})
        service.create_deferral(session, actor=actor, data=data)
    except ValidationError as exc:
        return _deferrals_page(
            request,
            session,
            actor,
            form=values,
            errors=field_errors(exc, DeferralCreate),
            status_code=422,
        )
    except InvalidDeferralError as exc:
        return _deferrals_page(
            request, session, actor, form=values, errors=app_error_fields(exc), status_code=422
        )
    return redirect(request, "/privacy/deferrals")
