"""JSON API of the resource catalog: search, entries, review, versions, grades."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, File, Query, UploadFile, status
from fastapi.responses import Response

from smartcity.core.errors import AuthenticationRequiredError, PermissionDeniedError
from smartcity.core.http.deps import PageParamsDep, SessionDep
from smartcity.core.http.problems import problem_responses
from smartcity.core.pagination import Page
from smartcity.core.tabular import XLSX_MEDIA_TYPE
from smartcity.domains.catalog import service as catalog_service
from smartcity.domains.catalog.errors import (
    BaseResourceNotSharedError,
    CatalogImportRejectedError,
    EntryNotEditableError,
    EntryNotFoundError,
    GradeCodeTakenError,
    GradeInUseError,
    GradeNotFoundError,
    InvalidEntryError,
    InvalidShareAttributesError,
    InvalidTransitionError,
    LegalBasisRequiredError,
    OpinionRequiredError,
    PersonalDataNotOpenableError,
    ResourceCodeTakenError,
    VersionNotFoundError,
    VersionPendingError,
)
from smartcity.domains.catalog.schemas import (
    CatalogImportReport,
    EntryDraft,
    EntryRead,
    EntrySearch,
    EntrySearchResult,
    EntrySummary,
    GradeCreate,
    GradeRead,
    GradeUpdate,
    ReturnDecision,
    ReviewDecision,
    VersionDiff,
    VersionFilter,
    VersionRead,
    VersionSummary,
    Withdrawal,
)
from smartcity.domains.identity.deps import ActorDep
from smartcity.domains.registry.errors import LegalBasisNotCitableError

router = APIRouter(prefix="/catalog", tags=["catalog"])

_AUTH = (AuthenticationRequiredError, PermissionDeniedError)
_CONTENT_RULES = (
    LegalBasisRequiredError,
    LegalBasisNotCitableError,
    BaseResourceNotSharedError,
    PersonalDataNotOpenableError,
    InvalidShareAttributesError,
    InvalidEntryError,
)


def _read(session: SessionDep, actor: ActorDep, entry_id: UUID) -> EntryRead:
    return EntryRead.model_validate(
        catalog_service.get_entry(session, actor=actor, entry_id=entry_id)
    )


@router.get("/entries", responses=problem_responses(*_AUTH))
def search_entries(
    session: SessionDep,
    actor: ActorDep,
    page: PageParamsDep,
    search: Annotated[EntrySearch, Query()],
) -> EntrySearchResult:
    """Search published entries (Chinese full text over name, abstract and items; every
    term must match) with facet counts and filters; best hits first."""
    result = catalog_service.search_entries(session, actor=actor, search=search, page=page)
    return EntrySearchResult(
        items=[EntrySummary.model_validate(entry) for entry in result.page.items],
        total=result.page.total,
        page=result.page.page,
        size=result.page.size,
        facets=result.facets,
    )


# Before ``/entries/{entry_id}``, which would otherwise take "export" for an id.
@router.get(
    "/entries/export",
    responses={200: {"content": {XLSX_MEDIA_TYPE: {}}}, **problem_responses(*_AUTH)},
)
def export_entries(
    session: SessionDep, actor: ActorDep, search: Annotated[EntrySearch, Query()]
) -> Response:
    """The entries a search finds (every page, best first, up to 50,000) in the catalog
    compilation template, which imports back unchanged."""
    content = catalog_service.export_workbook(session, actor=actor, search=search)
    return Response(
        content,
        media_type=XLSX_MEDIA_TYPE,
        headers={"Content-Disposition": 'attachment; filename="catalog-entries.xlsx"'},
    )


@router.post(
    "/entries",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(*_AUTH, ResourceCodeTakenError, *_CONTENT_RULES),
)
def create_draft(data: EntryDraft, session: SessionDep, actor: ActorDep) -> VersionRead:
    """Start a new entry of the actor's organization as a draft (version 1)."""
    return VersionRead.model_validate(catalog_service.create_draft(session, actor=actor, data=data))


@router.get("/entries/{entry_id}", responses=problem_responses(*_AUTH, EntryNotFoundError))
def get_entry(entry_id: UUID, session: SessionDep, actor: ActorDep) -> EntryRead:
    """One entry with its items, grade, legal bases, version and stale flag."""
    return _read(session, actor, entry_id)


@router.put(
    "/entries/{entry_id}/draft",
    responses=problem_responses(*_AUTH, EntryNotFoundError, EntryNotEditableError, *_CONTENT_RULES),
)
def update_draft(
    entry_id: UUID, data: EntryDraft, session: SessionDep, actor: ActorDep
) -> VersionRead:
    """Replace the content of the entry's draft or returned version. A published entry
    is never edited in place: create a new version instead."""
    return VersionRead.model_validate(
        catalog_service.update_draft(session, actor=actor, entry_id=entry_id, data=data)
    )


@router.post(
    "/entries/{entry_id}/versions",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(
        *_AUTH, EntryNotFoundError, VersionPendingError, EntryNotEditableError, *_CONTENT_RULES
    ),
)
def create_version(
    entry_id: UUID, data: EntryDraft, session: SessionDep, actor: ActorDep
) -> VersionRead:
    """Draft a new version of a published entry; the live entry stays until approval."""
    return VersionRead.model_validate(
        catalog_service.create_version(session, actor=actor, entry_id=entry_id, data=data)
    )


@router.post(
    "/entries/{entry_id}/submit",
    responses=problem_responses(
        *_AUTH, EntryNotFoundError, InvalidTransitionError, *_CONTENT_RULES
    ),
)
def submit_entry(entry_id: UUID, session: SessionDep, actor: ActorDep) -> VersionRead:
    """Send the draft or returned version to the coordinator for review."""
    return VersionRead.model_validate(
        catalog_service.submit_entry(session, actor=actor, entry_id=entry_id)
    )


@router.post(
    "/entries/{entry_id}/approve",
    responses=problem_responses(
        *_AUTH, EntryNotFoundError, InvalidTransitionError, *_CONTENT_RULES
    ),
)
def approve_entry(
    entry_id: UUID, session: SessionDep, actor: ActorDep, decision: ReviewDecision | None = None
) -> EntryRead:
    """Approve the submitted version and publish it (coordinator); the opinion is optional."""
    opinion = decision.opinion if decision is not None else ""
    catalog_service.approve_entry(session, actor=actor, entry_id=entry_id, opinion=opinion)
    return _read(session, actor, entry_id)


@router.post(
    "/entries/{entry_id}/return",
    responses=problem_responses(
        *_AUTH, EntryNotFoundError, InvalidTransitionError, OpinionRequiredError
    ),
)
def return_entry(
    entry_id: UUID, decision: ReturnDecision, session: SessionDep, actor: ActorDep
) -> VersionRead:
    """Return the submitted version to its department with an opinion (coordinator)."""
    return VersionRead.model_validate(
        catalog_service.return_entry(
            session, actor=actor, entry_id=entry_id, opinion=decision.opinion
        )
    )


@router.post(
    "/entries/{entry_id}/withdraw",
    responses=problem_responses(*_AUTH, EntryNotFoundError, InvalidTransitionError),
)
def withdraw_entry(
    entry_id: UUID, withdrawal: Withdrawal, session: SessionDep, actor: ActorDep
) -> EntryRead:
    """Take a published entry out of the catalog (coordinator); the row is kept."""
    catalog_service.withdraw_entry(
        session, actor=actor, entry_id=entry_id, reason=withdrawal.reason
    )
    return _read(session, actor, entry_id)


@router.get("/entries/{entry_id}/versions", responses=problem_responses(*_AUTH, EntryNotFoundError))
def list_versions(entry_id: UUID, session: SessionDep, actor: ActorDep) -> list[VersionSummary]:
    """The entry's version history, newest first, with who drafted and reviewed each."""
    versions = catalog_service.list_versions(session, actor=actor, entry_id=entry_id)
    return [VersionSummary.model_validate(version) for version in versions]


@router.get(
    "/entries/{entry_id}/versions/diff",
    responses=problem_responses(*_AUTH, EntryNotFoundError, VersionNotFoundError),
)
def diff_versions(
    entry_id: UUID,
    session: SessionDep,
    actor: ActorDep,
    from_number: Annotated[int, Query(alias="from", ge=1)],
    to_number: Annotated[int, Query(alias="to", ge=1)],
) -> VersionDiff:
    """What changed between two versions: fields, and items added, removed or changed."""
    return catalog_service.diff_versions(
        session, actor=actor, entry_id=entry_id, from_number=from_number, to_number=to_number
    )


@router.get(
    "/entries/{entry_id}/versions/{number}",
    responses=problem_responses(*_AUTH, EntryNotFoundError, VersionNotFoundError),
)
def get_version(entry_id: UUID, number: int, session: SessionDep, actor: ActorDep) -> VersionRead:
    """One version with its full content."""
    return VersionRead.model_validate(
        catalog_service.get_version(session, actor=actor, entry_id=entry_id, number=number)
    )


@router.get("/versions", responses=problem_responses(*_AUTH))
def list_all_versions(
    session: SessionDep,
    actor: ActorDep,
    page: PageParamsDep,
    filters: Annotated[VersionFilter, Query()],
) -> Page[VersionSummary]:
    """Versions across entries: the review queue (``state=submitted``) for the
    coordinator, a department's own drafts otherwise."""
    result = catalog_service.list_all_versions(session, actor=actor, filters=filters, page=page)
    return result.map(VersionSummary.model_validate)


@router.get("/stale-entries", responses=problem_responses(*_AUTH))
def list_stale_entries(
    session: SessionDep, actor: ActorDep, page: PageParamsDep, provider: UUID | None = None
) -> Page[EntrySummary]:
    """Published entries not updated within 15 days of their source system's change of
    data composition (国发〔2016〕51号)."""
    result = catalog_service.list_stale_entries(session, actor=actor, page=page, provider=provider)
    return result.map(EntrySummary.model_validate)


@router.get("/grades", responses=problem_responses(AuthenticationRequiredError))
def list_grades(session: SessionDep, actor: ActorDep) -> list[GradeRead]:
    """The grading scheme, lowest rank first."""
    return [GradeRead.model_validate(g) for g in catalog_service.list_grades(session, actor=actor)]


@router.post(
    "/grades",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(*_AUTH, GradeCodeTakenError),
)
def create_grade(data: GradeCreate, session: SessionDep, actor: ActorDep) -> GradeRead:
    """Add a level to the grading scheme (coordinator)."""
    return GradeRead.model_validate(catalog_service.create_grade(session, actor=actor, data=data))


@router.patch("/grades/{code}", responses=problem_responses(*_AUTH, GradeNotFoundError))
def update_grade(code: str, data: GradeUpdate, session: SessionDep, actor: ActorDep) -> GradeRead:
    """Rename or re-describe a level (coordinator); its code and rank stay."""
    return GradeRead.model_validate(
        catalog_service.update_grade(session, actor=actor, code=code, data=data)
    )


@router.delete(
    "/grades/{code}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(*_AUTH, GradeNotFoundError, GradeInUseError),
)
def delete_grade(code: str, session: SessionDep, actor: ActorDep) -> None:
    """Remove a level no item uses (coordinator)."""
    catalog_service.delete_grade(session, actor=actor, code=code)


@router.post("/entries/import", responses=problem_responses(*_AUTH, CatalogImportRejectedError))
def import_entries(
    session: SessionDep,
    actor: ActorDep,
    file: Annotated[UploadFile, File(description="目录编制模板（.xlsx）")],
    dry_run: Annotated[bool, Query(description="只校验并报告，不写入")] = False,
) -> CatalogImportReport:
    """Import a catalog compilation workbook as drafts; all or nothing. A refused
    workbook answers 422 ``catalog.import-rejected`` with every problem in ``errors``
    (sheet, row, column, value, reason)."""
    return catalog_service.import_workbook(
        session,
        actor=actor,
        data=file.file.read(),
        filename=file.filename or "",
        dry_run=dry_run,
    )
