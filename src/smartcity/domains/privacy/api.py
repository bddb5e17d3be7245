"""JSON API of the data subject's rights (Art. 68), under ``/api/v1/privacy``.

``/me/...`` takes no key: whose data it is comes from the signed-in user's binding, so
no request can ask about anyone else's key (and none reveals whether a key exists).
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import ValidationError

from smartcity.core.errors import AuthenticationRequiredError, PermissionDeniedError
from smartcity.core.http.deps import PageParamsDep, SessionDep, SettingsDep
from smartcity.core.http.problems import problem_responses
from smartcity.core.pagination import Page
from smartcity.domains.identity.deps import ActorDep
from smartcity.domains.privacy import service, service_evidence, service_requests
from smartcity.domains.privacy.deps import BodyLimitDep, RequestFormDep, evidence_response
from smartcity.domains.privacy.errors import (
    CorrectionNotAppliedError,
    DataRequestNotFoundError,
    DataRequestRefusalBasisError,
    DataRequestStateError,
    DeferralEndedError,
    DeferralNotFoundError,
    EvidenceNotFoundError,
    EvidenceTooLargeError,
    InvalidDataRequestError,
    InvalidDeferralError,
    InvalidEvidenceError,
    NoSubjectBindingError,
)
from smartcity.domains.privacy.schemas import (
    DataRequestAnswer,
    DataRequestCreate,
    DataRequestFilter,
    DataRequestRead,
    DeferralCreate,
    DeferralEnd,
    DeferralRead,
    MyCallRead,
    MyRecordsRead,
)

router = APIRouter(prefix="/privacy", tags=["privacy"])

_MINE = problem_responses(AuthenticationRequiredError, NoSubjectBindingError)


@router.get("/me/records", responses=_MINE)
def my_records(session: SessionDep, actor: ActorDep) -> MyRecordsRead:
    """我的数据: the base-data records the platform holds about me, each value with its
    source department and last update."""
    return service.my_records(session, actor=actor)


@router.get("/me/calls", responses=_MINE)
def my_calls(session: SessionDep, actor: ActorDep, page: PageParamsDep) -> Page[MyCallRead]:
    """谁查看了我的数据: exchange calls that touched my key, and bulk file extracts of
    tables holding my record, newest first (calls under a lawful deferral appear after
    it ends)."""
    return service.my_calls(session, actor=actor, page=page)


@router.get(
    "/deferrals", responses=problem_responses(AuthenticationRequiredError, PermissionDeniedError)
)
def list_deferrals(session: SessionDep, actor: ActorDep) -> list[DeferralRead]:
    """Lawful deferrals, those in force first (coordinator, auditors)."""
    return service.list_deferrals(session, actor=actor)


@router.post(
    "/deferrals",
    status_code=201,
    responses=problem_responses(
        AuthenticationRequiredError, PermissionDeniedError, InvalidDeferralError
    ),
)
def create_deferral(data: DeferralCreate, session: SessionDep, actor: ActorDep) -> DeferralRead:
    """Record a lawful deferral (coordinator): legal basis and end date required, the end
    date today or later and at most a year ahead."""
    return service.create_deferral(session, actor=actor, data=data)


@router.post(
    "/deferrals/{deferral_id}/end",
    responses=problem_responses(
        AuthenticationRequiredError,
        PermissionDeniedError,
        InvalidDeferralError,
        DeferralNotFoundError,
        DeferralEndedError,
    ),
)
def end_deferral(
    deferral_id: UUID, data: DeferralEnd, session: SessionDep, actor: ActorDep
) -> DeferralRead:
    """End a deferral early (coordinator), with the reason: the calls it hid appear to
    the data subjects from today."""
    return service.end_deferral(session, actor=actor, deferral_id=deferral_id, reason=data.reason)


# ---------------------------------------------------------------- correction and deletion


@router.get("/me/requests", responses=_MINE)
def my_requests(session: SessionDep, actor: ActorDep, page: PageParamsDep) -> Page[DataRequestRead]:
    """我的更正、删除申请, newest first, each with its working-day clock."""
    return service_requests.my_requests(session, actor=actor, page=page)


@router.post(
    "/me/requests",
    status_code=201,
    responses=problem_responses(
        AuthenticationRequiredError,
        NoSubjectBindingError,
        InvalidDataRequestError,
        DataRequestStateError,
    ),
)
def file_request(
    data: DataRequestCreate, session: SessionDep, actor: ActorDep, settings: SettingsDep
) -> DataRequestRead:
    """File a correction of a value of my own record (or a deletion request); it goes to
    the value's source department and is due in ``answer_working_days`` working days."""
    return service_requests.file_request(session, actor=actor, data=data, settings=settings.privacy)


_MULTIPART_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["kind", "table_name"],
                    "properties": {
                        "kind": {"type": "string", "enum": ["correction", "deletion"]},
                        "table_name": {"type": "string", "maxLength": 63},
                        "field_name": {"type": "string", "maxLength": 100},
                        "claimed_value": {"type": "string", "maxLength": 2000},
                        "reason": {"type": "string", "maxLength": 2000},
                        service_evidence.FIELD: {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                            "description": "证明材料：PDF、JPEG 或 PNG（按文件内容识别）",
                        },
                    },
                }
            }
        },
    }
}


@router.post(
    "/me/requests/with-evidence",
    status_code=201,
    openapi_extra=_MULTIPART_BODY,
    responses=problem_responses(
        AuthenticationRequiredError,
        NoSubjectBindingError,
        InvalidDataRequestError,
        DataRequestStateError,
        InvalidEvidenceError,
        EvidenceTooLargeError,
    ),
)
def file_request_with_evidence(
    _limit: BodyLimitDep,
    form: RequestFormDep,
    session: SessionDep,
    actor: ActorDep,
    settings: SettingsDep,
) -> DataRequestRead:
    """File a request as ``multipart/form-data`` with up to ``evidence_max_files`` files
    in ``evidence`` (PDF, JPEG or PNG by their content, each at most
    ``evidence_max_bytes``). A bad file files nothing; a body declared larger than the
    allowed files could need is refused (413) before it is read."""
    try:
        data = DataRequestCreate.model_validate(
            {
                name: form.text(name)
                for name in ("kind", "table_name", "field_name", "claimed_value", "reason")
                if name in form.fields
            }
        )
    except ValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
        ) from exc
    return service_requests.file_request(
        session, actor=actor, data=data, settings=settings.privacy, evidence=form.files
    )


@router.post(
    "/me/requests/{request_id}/withdraw",
    responses=problem_responses(
        AuthenticationRequiredError,
        NoSubjectBindingError,
        DataRequestNotFoundError,
        DataRequestStateError,
    ),
)
def withdraw_request(request_id: UUID, session: SessionDep, actor: ActorDep) -> DataRequestRead:
    """Withdraw my open request."""
    return service_requests.withdraw_request(session, actor=actor, request_id=request_id)


_QUEUE = problem_responses(AuthenticationRequiredError, PermissionDeniedError)


@router.get("/requests", responses=_QUEUE)
def request_queue(
    session: SessionDep,
    actor: ActorDep,
    page: PageParamsDep,
    filters: Annotated[DataRequestFilter, Query()],
) -> Page[DataRequestRead]:
    """The source department's queue (the coordinator's and auditors': every
    department's), open ones first by due date; ``overdue_only`` for the late ones."""
    return service_requests.request_queue(session, actor=actor, filters=filters, page=page)


@router.get(
    "/requests/{request_id}",
    responses=problem_responses(
        AuthenticationRequiredError, PermissionDeniedError, DataRequestNotFoundError
    ),
)
def get_request(request_id: UUID, session: SessionDep, actor: ActorDep) -> DataRequestRead:
    """One request, for its source department or the coordinator."""
    return service_requests.get_request(session, actor=actor, request_id=request_id)


@router.post(
    "/requests/{request_id}/answer",
    responses=problem_responses(
        AuthenticationRequiredError,
        PermissionDeniedError,
        DataRequestNotFoundError,
        DataRequestStateError,
        InvalidDataRequestError,
        DataRequestRefusalBasisError,
        CorrectionNotAppliedError,
    ),
)
def answer_request(
    request_id: UUID, data: DataRequestAnswer, session: SessionDep, actor: ActorDep
) -> DataRequestRead:
    """The source department answers: corrected, partially or refused (the last two
    citing a registered legal basis)."""
    return service_requests.answer_request(session, actor=actor, request_id=request_id, data=data)


@router.get(
    "/requests/{request_id}/evidence/{evidence_id}",
    response_class=Response,
    responses={
        200: {
            "description": "证明材料文件（附件）",
            "content": {"application/pdf": {}, "image/jpeg": {}, "image/png": {}},
        },
        **problem_responses(AuthenticationRequiredError, EvidenceNotFoundError),
    },
)
def download_evidence(
    request_id: UUID, evidence_id: UUID, session: SessionDep, actor: ActorDep
) -> Response:
    """One evidence file, for the filer, the request's source department, the
    coordinator and auditors; every download is audited."""
    return evidence_response(
        service_evidence.get_evidence(
            session, actor=actor, request_id=request_id, evidence_id=evidence_id
        )
    )
