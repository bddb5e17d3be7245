"""JSON API of the registry: the organization directory and regulation duties."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, File, Query, UploadFile, status
from fastapi.responses import Response

from smartcity.core.http.deps import PageParamsDep, SessionDep
from smartcity.core.http.problems import problem_responses
from smartcity.core.pagination import Page
from smartcity.core.tabular import XLSX_MEDIA_TYPE, read_table
from smartcity.domains.identity.deps import ActorDep
from smartcity.domains.registry import service as registry_service
from smartcity.domains.registry import transfer
from smartcity.domains.registry.errors import (
    CoordinatorRequiredError,
    CreditCodeTakenError,
    ImportRejectedError,
    InvalidCreditCodeError,
    InvalidDivisionCodeError,
    LegalBasisCodeTakenError,
    LegalBasisNotFoundError,
    OrganizationCodeTakenError,
    OrganizationCycleError,
    OrganizationNotFoundError,
    UnknownArticleError,
)
from smartcity.domains.registry.schemas import (
    DutyWrite,
    ImportReport,
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
    ResponsibleOrganization,
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
