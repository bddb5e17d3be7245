"""JSON API of the registry: the organization directory, regulation duties, the legal-basis
vocabulary, and the information systems registry with the city cloud."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, File, Query, UploadFile, status
from fastapi.responses import Response

from smartcity.core.errors import InvalidInputError
from smartcity.core.http.deps import PageParamsDep, SessionDep
from smartcity.core.http.problems import problem_responses
from smartcity.core.pagination import Page
from smartcity.core.tabular import XLSX_MEDIA_TYPE, read_table
from smartcity.domains.identity.deps import ActorDep
from smartcity.domains.registry import service as registry_service
from smartcity.domains.registry import transfer
from smartcity.domains.registry.errors import (
    ChangeNeedsApprovalError,
    ChangeRequestDecidedError,
    ChangeRequestNotFoundError,
    ChangeRequestPendingError,
    CloudDeploymentRequiredError,
    CloudExemptionBasisRequiredError,
    CoordinatorRequiredError,
    CreditCodeTakenError,
    ImportRejectedError,
    InformationSystemNotFoundError,
    InvalidChangeRequestError,
    InvalidCreditCodeError,
    InvalidDivisionCodeError,
    LegalBasisCodeTakenError,
    LegalBasisNotCitableError,
    LegalBasisNotFoundError,
    MigrationDateRequiredError,
    OpinionRequiredError,
    OrganizationCodeTakenError,
    OrganizationCycleError,
    OrganizationNotFoundError,
    SystemCodeTakenError,
    SystemRetiredError,
    UnknownArticleError,
)
from smartcity.domains.registry.schemas import (
    ChangeDecision,
    CloudDashboard,
    DutyWrite,
    ImportReport,
    InformationSystemCreate,
    InformationSystemFilter,
    InformationSystemRead,
    InformationSystemSummary,
    InformationSystemUpdate,
    LegalBasisCreate,
    LegalBasisFilter,
    LegalBasisRead,
    LegalBasisUpdate,
    OrganizationCreate,
    OrganizationFilter,
    OrganizationNode,
    OrganizationRead,
    OrganizationSummary,
    OrganizationUpdate,
    OverdueReport,
    ResponsibleOrganization,
    SystemChangeCreate,
    SystemChangeRequestFilter,
    SystemChangeRequestRead,
    SystemDifference,
)

router = APIRouter(prefix="/registry", tags=["registry"])


@router.get("/organizations")
def list_organizations(
    session: SessionDep,
    actor: ActorDep,
    page: PageParamsDep,
    filters: Annotated[OrganizationFilter, Query()],
) -> Page[OrganizationSummary]:
    """The organization directory, filtered and paged."""
    result = registry_service.list_organizations(session, actor=actor, filters=filters, page=page)
    return result.map(OrganizationSummary.model_validate)


@router.get("/organizations/tree")
def organization_tree(session: SessionDep, actor: ActorDep) -> list[OrganizationNode]:
    """The directory as a tree (city → counties → departments)."""
    return registry_service.organization_tree(session, actor=actor)


@router.get(
    "/organizations/export", responses={200: {"content": {XLSX_MEDIA_TYPE: {}, "text/csv": {}}}}
)
def export_organizations(
    session: SessionDep, actor: ActorDep, format: Literal["xlsx", "csv"] = "xlsx"
) -> Response:
    """The directory in the import template, as XLSX or UTF-8 CSV."""
    content = transfer.export_organizations(session, actor=actor, format=format)
    media = XLSX_MEDIA_TYPE if format == "xlsx" else "text/csv; charset=utf-8"
    return Response(
        content,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="organizations.{format}"'},
    )


@router.post("/organizations/import", responses=problem_responses(ImportRejectedError))
def import_organizations(
    session: SessionDep,
    actor: ActorDep,
    file: Annotated[UploadFile, File(description="XLSX 或 CSV（UTF-8/GB18030）")],
    dry_run: bool = False,
) -> ImportReport:
    """Create or update organizations from a directory file; all or nothing."""
    table = read_table(file.file.read(), file.filename or "")
    return transfer.import_organizations(session, actor=actor, table=table, dry_run=dry_run)


@router.post(
    "/organizations",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(
        InvalidCreditCodeError,
        InvalidDivisionCodeError,
        OrganizationCodeTakenError,
        CreditCodeTakenError,
        OrganizationCycleError,
    ),
)
def create_organization(
    data: OrganizationCreate, session: SessionDep, actor: ActorDep
) -> OrganizationRead:
    """Add an organization (coordinator only)."""
    organization = registry_service.create_organization(session, actor=actor, data=data)
    return _read(session, actor, organization.id)


def _read(session: SessionDep, actor: ActorDep, organization_id: UUID) -> OrganizationRead:
    organization = registry_service.get_organization(
        session, actor=actor, organization_id=organization_id, with_duties=True
    )
    return OrganizationRead.model_validate(organization)


@router.get(
    "/organizations/{organization_id}", responses=problem_responses(OrganizationNotFoundError)
)
def get_organization(
    organization_id: UUID, session: SessionDep, actor: ActorDep
) -> OrganizationRead:
    return _read(session, actor, organization_id)


@router.patch(
    "/organizations/{organization_id}",
    responses=problem_responses(
        OrganizationNotFoundError,
        InvalidCreditCodeError,
        InvalidDivisionCodeError,
        CreditCodeTakenError,
        OrganizationCycleError,
        CoordinatorRequiredError,
    ),
)
def update_organization(
    organization_id: UUID, data: OrganizationUpdate, session: SessionDep, actor: ActorDep
) -> OrganizationRead:
    registry_service.update_organization(
        session, actor=actor, organization_id=organization_id, data=data
    )
    return _read(session, actor, organization_id)


@router.post(
    "/organizations/{organization_id}/coordinator",
    responses=problem_responses(OrganizationNotFoundError),
)
def set_coordinator(
    organization_id: UUID, session: SessionDep, actor: ActorDep
) -> OrganizationRead:
    """Make this organization the platform authority (Art. 6)."""
    registry_service.set_coordinator(session, actor=actor, organization_id=organization_id)
    return _read(session, actor, organization_id)


@router.put(
    "/organizations/{organization_id}/duties",
    responses=problem_responses(OrganizationNotFoundError, UnknownArticleError),
)
def set_duties(
    organization_id: UUID, duties: list[DutyWrite], session: SessionDep, actor: ActorDep
) -> OrganizationRead:
    """Replace the regulation duties this organization carries today."""
    registry_service.set_duties(
        session, actor=actor, organization_id=organization_id, duties=duties
    )
    return _read(session, actor, organization_id)


@router.get("/duties")
def responsible_organizations(
    session: SessionDep, actor: ActorDep, article: Annotated[int | None, Query(ge=1, le=74)] = None
) -> list[ResponsibleOrganization]:
    """Each duty of the regulation with the organizations that carry it today."""
    return registry_service.responsible_organizations(session, actor=actor, article=article)


@router.get("/legal-bases")
def list_legal_bases(
    session: SessionDep,
    actor: ActorDep,
    page: PageParamsDep,
    filters: Annotated[LegalBasisFilter, Query()],
) -> Page[LegalBasisRead]:
    """The vocabulary of citable articles of laws, regulations and policy documents."""
    result = registry_service.list_legal_bases(session, actor=actor, filters=filters, page=page)
    return result.map(LegalBasisRead.model_validate)


@router.post(
    "/legal-bases",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(LegalBasisCodeTakenError),
)
def create_legal_basis(
    data: LegalBasisCreate, session: SessionDep, actor: ActorDep
) -> LegalBasisRead:
    """Add an article to the vocabulary (coordinator)."""
    return LegalBasisRead.model_validate(
        registry_service.create_legal_basis(session, actor=actor, data=data)
    )


@router.get("/legal-bases/{legal_basis_id}", responses=problem_responses(LegalBasisNotFoundError))
def get_legal_basis(legal_basis_id: UUID, session: SessionDep, actor: ActorDep) -> LegalBasisRead:
    return LegalBasisRead.model_validate(
        registry_service.get_legal_basis(session, actor=actor, legal_basis_id=legal_basis_id)
    )


@router.patch("/legal-bases/{legal_basis_id}", responses=problem_responses(LegalBasisNotFoundError))
def update_legal_basis(
    legal_basis_id: UUID, data: LegalBasisUpdate, session: SessionDep, actor: ActorDep
) -> LegalBasisRead:
    """Correct an entry or record its repeal."""
    return LegalBasisRead.model_validate(
        registry_service.update_legal_basis(
            session, actor=actor, legal_basis_id=legal_basis_id, data=data
        )
    )


# ---------------------------------------------------------------- information systems

_CLOUD_RULES = (
    CloudDeploymentRequiredError,
    CloudExemptionBasisRequiredError,
    MigrationDateRequiredError,
    LegalBasisNotFoundError,
    LegalBasisNotCitableError,
    InvalidInputError,
)


def _system_read(session: SessionDep, actor: ActorDep, system_id: UUID) -> InformationSystemRead:
    system = registry_service.get_information_system(session, actor=actor, system_id=system_id)
    differences = [
        SystemDifference(
            field=d.field,
            label=registry_service.DESCRIPTION_LABELS[d.field],
            approved=d.approved,
            current=d.current,
        )
        for d in registry_service.system_diff(system)
    ]
    return InformationSystemRead.model_validate(system).model_copy(
        update={"differences": differences}
    )


@router.get("/systems")
def list_information_systems(
    session: SessionDep,
    actor: ActorDep,
    page: PageParamsDep,
    filters: Annotated[InformationSystemFilter, Query()],
) -> Page[InformationSystemSummary]:
    """The registry of information systems (readable by everyone signed in)."""
    result = registry_service.list_information_systems(
        session, actor=actor, filters=filters, page=page
    )
    return result.map(InformationSystemSummary.model_validate)


@router.post(
    "/systems",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(OrganizationNotFoundError, SystemCodeTakenError, *_CLOUD_RULES),
)
def register_information_system(
    data: InformationSystemCreate, session: SessionDep, actor: ActorDep
) -> InformationSystemRead:
    """Register a system (its owner's administrator, or the coordinator); the registration
    goes to the coordinator for approval. Art. 22: a new system in use must be on the
    city cloud or exempt with a citable legal basis."""
    system = registry_service.register_system(session, actor=actor, data=data)
    return _system_read(session, actor, system.id)


@router.get("/systems/change-requests")
def list_system_change_requests(
    session: SessionDep,
    actor: ActorDep,
    page: PageParamsDep,
    filters: Annotated[SystemChangeRequestFilter, Query()],
) -> Page[SystemChangeRequestRead]:
    """Change requests: the coordinator sees all (``status=pending`` is the review
    queue), others only their own organization's."""
    result = registry_service.list_change_requests(session, actor=actor, filters=filters, page=page)
    return result.map(SystemChangeRequestRead.model_validate)


@router.get(
    "/systems/change-requests/{change_request_id}",
    responses=problem_responses(ChangeRequestNotFoundError),
)
def get_system_change_request(
    change_request_id: UUID, session: SessionDep, actor: ActorDep
) -> SystemChangeRequestRead:
    request = registry_service.get_change_request(
        session, actor=actor, change_request_id=change_request_id
    )
    return SystemChangeRequestRead.model_validate(request)


@router.post(
    "/systems/change-requests/{change_request_id}/approve",
    responses=problem_responses(
        ChangeRequestNotFoundError,
        ChangeRequestDecidedError,
        SystemRetiredError,
        InvalidChangeRequestError,
        CloudDeploymentRequiredError,
    ),
)
def approve_system_change_request(
    change_request_id: UUID, data: ChangeDecision, session: SessionDep, actor: ActorDep
) -> SystemChangeRequestRead:
    """Approve a change request (coordinator): its changes take effect and the system's
    description becomes the approved one."""
    request = registry_service.approve_system_change(
        session, actor=actor, change_request_id=change_request_id, opinion=data.opinion
    )
    return SystemChangeRequestRead.model_validate(request)


@router.post(
    "/systems/change-requests/{change_request_id}/reject",
    responses=problem_responses(
        ChangeRequestNotFoundError, ChangeRequestDecidedError, OpinionRequiredError
    ),
)
def reject_system_change_request(
    change_request_id: UUID, data: ChangeDecision, session: SessionDep, actor: ActorDep
) -> SystemChangeRequestRead:
    """Return a change request with an opinion (coordinator); nothing changes."""
    request = registry_service.reject_system_change(
        session, actor=actor, change_request_id=change_request_id, opinion=data.opinion
    )
    return SystemChangeRequestRead.model_validate(request)


@router.get("/systems/{system_id}", responses=problem_responses(InformationSystemNotFoundError))
def get_information_system(
    system_id: UUID, session: SessionDep, actor: ActorDep
) -> InformationSystemRead:
    """One system, with the differences between its current and last approved description."""
    return _system_read(session, actor, system_id)


@router.patch(
    "/systems/{system_id}",
    responses=problem_responses(
        InformationSystemNotFoundError,
        SystemRetiredError,
        ChangeNeedsApprovalError,
        *_CLOUD_RULES,
    ),
)
def update_information_system(
    system_id: UUID, data: InformationSystemUpdate, session: SessionDep, actor: ActorDep
) -> InformationSystemRead:
    """Edit descriptive fields. Going into use, retirement and the data composition change
    only through change requests (409 ``registry.change-needs-approval``)."""
    registry_service.update_system(session, actor=actor, system_id=system_id, data=data)
    return _system_read(session, actor, system_id)


@router.post(
    "/systems/{system_id}/change-requests",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(
        InformationSystemNotFoundError,
        SystemRetiredError,
        ChangeRequestPendingError,
        InvalidChangeRequestError,
        CloudDeploymentRequiredError,
    ),
)
def propose_system_change(
    system_id: UUID, data: SystemChangeCreate, session: SessionDep, actor: ActorDep
) -> SystemChangeRequestRead:
    """Propose going into use, a new data composition, retirement, or (after a refusal)
    the registration again; the coordinator decides."""
    request = registry_service.propose_system_change(
        session, actor=actor, system_id=system_id, data=data
    )
    return SystemChangeRequestRead.model_validate(request)


@router.get("/cloud/dashboard")
def cloud_dashboard(session: SessionDep, actor: ActorDep) -> CloudDashboard:
    """Migration to the city cloud per department and per county (Art. 22)."""
    return registry_service.migration_dashboard(session, actor=actor)


@router.get(
    "/cloud/overdue-report",
    response_model=OverdueReport,
    responses={200: {"content": {"application/json": {}, XLSX_MEDIA_TYPE: {}}}},
)
def cloud_overdue_report(
    session: SessionDep, actor: ActorDep, format: Literal["json", "xlsx"] = "json"
) -> OverdueReport | Response:
    """Art. 70: systems of the city's departments and units still off the city cloud —
    not migrated, or migrating past the planned date — and how late they are."""
    report = registry_service.overdue_migration_report(session, actor=actor)
    if format == "json":
        return report
    filename = f"overdue-migrations-{report.as_of.isoformat()}.xlsx"
    return Response(
        registry_service.overdue_report_workbook(report),
        media_type=XLSX_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
