"""Catalog workbooks in and out: a department's compilation workbook becomes drafts, and
any search result goes back out in the same template.

Departments compile their catalogs in spreadsheets (发改高技〔2017〕1272号). An
import is all or nothing: the workbook's shape (``workbook.read_workbook``), the
references it names (provider, legal-basis codes, source system, grades) and
every content rule of each draft (``rules.draft_problems``) are checked first,
and one problem anywhere refuses the whole file with every problem listed by
sheet, row and column. Only then are the rows written, through the same use
cases as the API (``create_draft``, ``update_draft``, ``create_version``), so
each entry is audited as if it had been drafted by hand; a summary event records
the workbook. A resource code that exists continues that entry: a published (or
withdrawn) entry gets a new version, a draft is updated, and rows whose content
did not change are left alone, so exporting and importing again changes nothing.

A department imports only its own entries. The coordinator may import for any
department (centralised compilation): the drafts keep their provider and go
through review like any other. A dry run does everything inside a savepoint and
rolls it back, so it reports exactly what the import would do.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal
from uuid import UUID

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from smartcity.core.errors import AppError
from smartcity.core.security import Actor, ensure_permission
from smartcity.domains.audit import service as audit_service
from smartcity.domains.catalog.enums import (
    OPEN_VERSION_STATES,
    EntryStatus,
    VersionState,
)
from smartcity.domains.catalog.errors import CatalogImportRejectedError
from smartcity.domains.catalog.models import CatalogEntry, EntryVersion, Grade
from smartcity.domains.catalog.permissions import CatalogPermission
from smartcity.domains.catalog.schemas import (
    CatalogImportReport,
    EntryDraft,
    EntrySearch,
    ImportProblem,
    version_content,
)
from smartcity.domains.catalog.service.entries import (
    CONTENT_FIELDS,
    create_draft,
    create_version,
    update_draft,
)
from smartcity.domains.catalog.service.rules import draft_problems
from smartcity.domains.catalog.service.search import matching_entry_ids
from smartcity.domains.catalog.workbook import (
    ITEM_COLUMNS,
    ITEM_SHEET,
    RESOURCE_COLUMNS,
    RESOURCE_SHEET,
    ParsedResource,
    Problem,
    read_workbook,
    write_template,
)
from smartcity.domains.registry import service as registry_service
from smartcity.domains.registry.models import InformationSystem, LegalBasis, Organization

__all__ = ["EXPORT_CAP", "export_workbook", "import_workbook", "live_content"]

# An export larger than this is a data dump, not a catalog someone edits in Excel.
EXPORT_CAP = 50_000
_BATCH = 500

_HEADER = {column.key: column.header for column in RESOURCE_COLUMNS}
_ITEM_HEADER = {column.key: column.header for column in ITEM_COLUMNS}
# Draft fields that hold what the workbook names by code, and the column naming it.
_REFERENCE_COLUMNS = {
    "provider_organization_id": "provider_name",
    "legal_basis_ids": "legal_basis_codes",
    "source_system_id": "source_system_code",
}

Progress = Callable[[int, int], None]
_Action = Literal["create", "update", "revise", "unchanged"]


@dataclass
class _Row:
    """One resource of the workbook, resolved against the database, and what to do."""

    resource: ParsedResource
    draft: EntryDraft
    action: _Action
    entry_id: UUID | None = None


@dataclass
class _Problems:
    """Every problem found so far, in the order a compiler would fix them."""

    items: list[ImportProblem] = field(default_factory=list)
    count: int = 0

    def add(
        self,
        sheet: str,
        row: int,
        column: str,
        value: object,
        reason: str,
        *,
        cell: str = "",
        code: str = "",
    ) -> None:
        self.count += 1
        self.items.append(
            ImportProblem(
                sheet=sheet,
                row=row,
                column=column,
                cell=cell,
                value=_text(value),
                reason=reason,
                code=code,
            )
        )

    def shape(self, problem: Problem) -> None:
        self.add(
            problem.sheet,
            problem.row,
            problem.column,
            problem.value,
            problem.reason,
            cell=problem.cell,
        )

    def sorted(self) -> list[ImportProblem]:
        # File-level problems first, then the resources sheet, then the items, by row.
        order = {"": 0, RESOURCE_SHEET: 1, ITEM_SHEET: 2}
        return sorted(self.items, key=lambda p: (order.get(p.sheet, 3), p.row))


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return "；".join(str(part) for part in value)
    return str(getattr(value, "value", value))


# --- who may import what ------------------------------------------------------------------


def _imports_for_anyone(actor: Actor) -> bool:
    """The system, and the coordinator compiling centrally, import for every department."""
    return actor.has(CatalogPermission.draft_any) or actor.has(CatalogPermission.review)


def _drafting_actor(actor: Actor) -> Actor:
    """The actor the drafts are written as. The coordinator does not draft by hand (it
    reviews), but a workbook it collected from departments is drafted in its name for
    each department's provider; the audit trail names the coordinator's account."""
    if actor.has(CatalogPermission.draft_any):
        return actor
    if actor.has(CatalogPermission.review):
        return replace(actor, permissions=actor.permissions | {CatalogPermission.draft_any})
    return actor


# --- resolving the references a workbook names by code ------------------------------------


class _References:
    """Organizations, legal bases, systems and grades, each looked up once per import."""

    def __init__(self, session: Session, actor: Actor) -> None:
        self._session = session
        organizations = registry_service.all_organizations(
            session, actor=actor, include_inactive=True
        )
        self.by_code = {organization.code: organization for organization in organizations}
        self.by_name: dict[str, list[Organization]] = defaultdict(list)
        for organization in organizations:
            self.by_name[organization.name].append(organization)
        self.grades = {
            code: None for code in session.scalars(select(Grade.code).order_by(Grade.rank))
        }
        self._legal_bases: dict[str, LegalBasis | None] = {}
        self._systems: dict[str, InformationSystem | None] = {}

    def legal_basis(self, code: str) -> LegalBasis | None:
        if code not in self._legal_bases:
            self._legal_bases[code] = registry_service.find_legal_basis_by_code(self._session, code)
        return self._legal_bases[code]

    def system(self, code: str) -> InformationSystem | None:
        if code not in self._systems:
            self._systems[code] = registry_service.find_information_system_by_code(
                self._session, code
            )
        return self._systems[code]


def _provider(
    resource: ParsedResource, references: _References, problems: _Problems
) -> Organization | None:
    """The providing organization: by 提供方代码 when given (the name must then fit),
    otherwise by the exact full name."""
    where = (RESOURCE_SHEET, resource.row)
    if resource.provider_code:
        organization = references.by_code.get(resource.provider_code)
        if organization is None:
            problems.add(
                *where,
                _HEADER["provider_code"],
                resource.provider_code,
                f"单位目录中没有代码为 {resource.provider_code} 的单位",
            )
        elif resource.provider_name not in (organization.name, organization.short_name):
            problems.add(
                *where,
                _HEADER["provider_name"],
                resource.provider_name,
                f"提供方名称与提供方代码 {resource.provider_code} 对应的单位"
                f"（{organization.name}）不符",
            )
            return None
        return organization
    matches = references.by_name.get(resource.provider_name, [])
    if not matches:
        problems.add(
            *where,
            _HEADER["provider_name"],
            resource.provider_name,
            "单位目录中没有这个名称的单位（请填写单位全称，或填写提供方代码）",
        )
        return None
    if len(matches) > 1:
        problems.add(
            *where,
            _HEADER["provider_name"],
            resource.provider_name,
            "单位目录中有多个同名单位，请填写提供方代码",
        )
        return None
    return matches[0]


def _resolve(
    resource: ParsedResource,
    *,
    actor: Actor,
    for_anyone: bool,
    references: _References,
    problems: _Problems,
) -> EntryDraft | None:
    """The row as a draft with database ids, or None when a reference cannot be resolved
    (each such problem is recorded)."""
    where = (RESOURCE_SHEET, resource.row)
    provider = _provider(resource, references, problems)
    if provider is not None and not for_anyone and provider.id != actor.organization_id:
        problems.add(
            *where,
            _HEADER["provider_name"],
            resource.provider_name,
            "只能导入本单位的目录条目：提供方应为本单位",
        )
        provider = None
    legal_basis_ids: list[UUID] = []
    for code in resource.legal_basis_codes:
        basis = references.legal_basis(code)
        if basis is None:
            problems.add(
                *where,
                _HEADER["legal_basis_codes"],
                code,
                f"依据库中没有代码为 {code} 的法律法规依据"
                "（依据只能从依据库中选择，不能填写自由文本）",
            )
        else:
            legal_basis_ids.append(basis.id)
    system_id: UUID | None = None
    if resource.source_system_code:
        system = references.system(resource.source_system_code)
        if system is None:
            problems.add(
                *where,
                _HEADER["source_system_code"],
                resource.source_system_code,
                f"信息系统登记中没有代码为 {resource.source_system_code} 的系统",
            )
        else:
            system_id = system.id
    for item in resource.items:
        if item.grade_code not in references.grades:
            problems.add(
                ITEM_SHEET,
                item.row,
                _ITEM_HEADER["grade_code"],
                item.grade_code,
                f"分级方案中没有 {item.grade_code}（现有：{'、'.join(references.grades)}）",
            )
    unresolved = len(legal_basis_ids) < len(resource.legal_basis_codes)
    if provider is None or unresolved:
        return None
    try:
        return EntryDraft.model_validate(
            {
                **resource.draft_fields(),
                "provider_organization_id": provider.id,
                "legal_basis_ids": legal_basis_ids,
                "source_system_id": system_id,
            }
        )
    except ValidationError as error:
        for detail in error.errors():
            _validation_problem(resource, detail, problems)
        return None


def _validation_problem(
    resource: ParsedResource, detail: Mapping[str, Any], problems: _Problems
) -> None:
    location = detail.get("loc", ())
    message = str(detail.get("msg", "")).removeprefix("Value error, ")
    if len(location) >= 3 and location[0] == "items" and isinstance(location[1], int):
        item = resource.items[location[1]]
        key = str(location[2])
        problems.add(
            ITEM_SHEET, item.row, _ITEM_HEADER.get(key, key), getattr(item, key, ""), message
        )
        return
    key = str(location[0]) if location else ""
    key = _REFERENCE_COLUMNS.get(key, key)
    problems.add(
        RESOURCE_SHEET, resource.row, _HEADER.get(key, ""), getattr(resource, key, ""), message
    )


def _rule_problems(
    session: Session,
    *,
    actor: Actor,
    resource: ParsedResource,
    draft: EntryDraft,
    entry_id: UUID | None,
    problems: _Problems,
) -> None:
    for problem in draft_problems(session, actor=actor, data=draft, entry_id=entry_id):
        if problem.field == "items.grade_code":
            continue  # reported on each item's own row
        key = _REFERENCE_COLUMNS.get(problem.field, problem.field)
        if key == "items":
            key = "resource_code"
        problems.add(
            RESOURCE_SHEET,
            resource.row,
            _HEADER.get(key, _HEADER["resource_code"]),
            getattr(resource, key, ""),
            problem.message,
            code=problem.code,
        )


# --- planning -----------------------------------------------------------------------------


def _existing(session: Session, codes: Sequence[str]) -> dict[str, CatalogEntry]:
    """Entries with these resource codes, items and legal bases loaded (to compare)."""
    found: dict[str, CatalogEntry] = {}
    for start in range(0, len(codes), _BATCH):
        statement = (
            select(CatalogEntry)
            .where(CatalogEntry.resource_code.in_(codes[start : start + _BATCH]))
            .options(selectinload(CatalogEntry.items), selectinload(CatalogEntry.legal_bases))
        )
        found.update((entry.resource_code, entry) for entry in session.scalars(statement))
    return found


def _open_versions(session: Session, entry_ids: Sequence[UUID]) -> dict[UUID, EntryVersion]:
    found: dict[UUID, EntryVersion] = {}
    for start in range(0, len(entry_ids), _BATCH):
        statement = select(EntryVersion).where(
            EntryVersion.entry_id.in_(entry_ids[start : start + _BATCH]),
            EntryVersion.state.in_(OPEN_VERSION_STATES),
        )
        found.update((version.entry_id, version) for version in session.scalars(statement))
    return found


def live_content(entry: CatalogEntry) -> EntryDraft:
    """The live content of an entry as a draft (``items`` and ``legal_bases`` loaded)."""
    return EntryDraft.model_validate(
        {
            **{name: getattr(entry, name) for name in CONTENT_FIELDS},
            "resource_code": entry.resource_code,
            "items": [
                {
                    "name": item.name,
                    "data_type": item.data_type,
                    "length": item.length,
                    "description": item.description,
                    "grade_code": item.grade_code,
                    "identifies": item.identifies,
                    "is_personal": item.is_personal,
                    "is_sensitive": item.is_sensitive,
                }
                for item in entry.items
            ],
            "legal_basis_ids": [basis.id for basis in entry.legal_bases],
        }
    )


def _same(a: EntryDraft, b: EntryDraft) -> bool:
    """Same content; the order legal bases are cited in does not matter."""
    left, right = a.snapshot(), b.snapshot()
    for snapshot in (left, right):
        snapshot["legal_basis_ids"] = sorted(snapshot["legal_basis_ids"])
    return left == right


def _plan(
    session: Session,
    *,
    actor: Actor,
    resources: Sequence[ParsedResource],
    problems: _Problems,
    progress: Progress | None,
) -> list[_Row]:
    """Resolve and check every well-formed resource; decide what each row does."""
    for_anyone = _imports_for_anyone(actor)
    references = _References(session, actor)
    existing = _existing(session, [resource.resource_code for resource in resources])
    versions = _open_versions(session, [entry.id for entry in existing.values()])
    rows: list[_Row] = []
    for done, resource in enumerate(resources, start=1):
        if progress is not None:
            progress(done, len(resources))
        draft = _resolve(
            resource,
            actor=actor,
            for_anyone=for_anyone,
            references=references,
            problems=problems,
        )
        if draft is None:
            continue
        entry = existing.get(resource.resource_code)
        row = _Row(resource, draft, "create")
        if entry is not None:
            row.entry_id = entry.id
            version = versions.get(entry.id)
            if version is not None and version.state is VersionState.submitted:
                problems.add(
                    RESOURCE_SHEET,
                    resource.row,
                    _HEADER["resource_code"],
                    resource.resource_code,
                    f"该条目的第 {version.number} 版正在审核中，审核完成前不能通过导入修改",
                    code="catalog.entry-not-editable",
                )
                continue
            if version is not None:
                row.action = "unchanged" if _same(version_content(version), draft) else "update"
            elif entry.status is EntryStatus.draft:
                row.action = "update"  # a draft without its version: let update_draft say so
            else:
                row.action = "unchanged" if _same(live_content(entry), draft) else "revise"
        if row.action != "unchanged":  # nothing is written for it, so nothing to check
            _rule_problems(
                session,
                actor=actor,
                resource=resource,
                draft=draft,
                entry_id=row.entry_id,
                problems=problems,
            )
        rows.append(row)
    return rows


# --- the import ---------------------------------------------------------------------------


def _reject(problems: _Problems, report: CatalogImportReport) -> CatalogImportRejectedError:
    report.errors = problems.sorted()
    return CatalogImportRejectedError(
        f"目录工作簿共有 {problems.count} 处问题，未导入任何数据",
        errors=[problem.model_dump() for problem in report.errors],
        problem_count=problems.count,
        report=report.model_dump(mode="json", exclude={"errors"}),
    )


def _write(
    session: Session,
    *,
    actor: Actor,
    rows: Sequence[_Row],
    report: CatalogImportReport,
    problems: _Problems,
    progress: Progress | None,
) -> None:
    drafter = _drafting_actor(actor)
    for done, row in enumerate(rows, start=1):
        try:
            if row.action == "create":
                create_draft(session, actor=drafter, data=row.draft)
                report.created += 1
            elif row.action == "update" and row.entry_id is not None:
                update_draft(session, actor=drafter, entry_id=row.entry_id, data=row.draft)
                report.updated += 1
            elif row.action == "revise" and row.entry_id is not None:
                create_version(session, actor=drafter, entry_id=row.entry_id, data=row.draft)
                report.revised += 1
            else:
                report.unchanged += 1
        except AppError as error:
            # The checks above cover the rules; this is what changed in between.
            problems.add(
                RESOURCE_SHEET,
                row.resource.row,
                _HEADER["resource_code"],
                row.resource.resource_code,
                error.detail,
                code=error.code,
            )
        if progress is not None:
            progress(done, len(rows))


def import_workbook(
    session: Session,
    *,
    actor: Actor,
    data: bytes,
    filename: str,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> CatalogImportReport:
    """Import a catalog compilation workbook as drafts; all or nothing.

    Every problem of the file is collected before anything is written: the
    workbook's shape, providers (by 提供方代码 or exact full name; a department
    only for itself), legal-basis codes (registered and citable), source-system
    codes, grades, and each draft's content rules. A new resource code becomes a
    new draft; the code of a published or withdrawn entry a new version of it; the
    code of an entry with a version in progress updates that version. Rows whose
    content is already the entry's are left alone. ``progress(done, total)`` is
    called while checking and while writing.

    Raises:
        AuthenticationRequiredError; PermissionDeniedError (no drafting permission);
        CatalogImportRejectedError: any problem; ``errors`` lists every one by sheet,
        row and column, and nothing was written.
    """
    ensure_permission(actor, CatalogPermission.read)
    if not _imports_for_anyone(actor):
        ensure_permission(actor, CatalogPermission.draft)
    parsed = read_workbook(data)
    problems = _Problems()
    for problem in parsed.problems:
        problems.shape(problem)
    problems.count += parsed.problem_count - len(parsed.problems)
    report = CatalogImportReport(
        filename=filename,
        resources=parsed.resource_rows,
        items=parsed.item_rows,
        created=0,
        revised=0,
        updated=0,
        unchanged=0,
        dry_run=dry_run,
    )
    rows = _plan(
        session, actor=actor, resources=parsed.resources, problems=problems, progress=progress
    )
    if problems.count:
        raise _reject(problems, report)
    savepoint = session.begin_nested()
    try:
        _write(session, actor=actor, rows=rows, report=report, problems=problems, progress=progress)
    except BaseException:
        savepoint.rollback()
        raise
    if problems.count or dry_run:
        savepoint.rollback()
    else:
        savepoint.commit()
    if problems.count:
        raise _reject(problems, report)
    if not dry_run:
        audit_service.record(
            session,
            actor=actor,
            action="catalog.workbook.imported",
            subject_type="catalog_entry",
            label=f"目录工作簿 {filename}"[:200],
            changes={
                "filename": filename,
                "resources": report.resources,
                "items": report.items,
                "created": report.created,
                "revised": report.revised,
                "updated": report.updated,
                "unchanged": report.unchanged,
            },
        )
        session.flush()
    return report


# --- the export ---------------------------------------------------------------------------


def _template_row(entry: CatalogEntry) -> dict[str, Any]:
    """An entry as ``write_template`` takes it: ids become codes and names."""
    return {
        **{name: getattr(entry, name) for name in CONTENT_FIELDS},
        "resource_code": entry.resource_code,
        "provider_name": entry.provider.name,
        "provider_code": entry.provider.code,
        "legal_basis_codes": [basis.code for basis in entry.legal_bases],
        "source_system_code": entry.source_system.code if entry.source_system else "",
        "items": [
            {
                "name": item.name,
                "data_type": item.data_type,
                "length": item.length,
                "description": item.description,
                "grade_code": item.grade_code,
                "identifies": item.identifies,
                "is_personal": item.is_personal,
                "is_sensitive": item.is_sensitive,
            }
            for item in entry.items
        ],
    }


def _template_rows(session: Session, entry_ids: Sequence[UUID]) -> Iterable[dict[str, Any]]:
    for start in range(0, len(entry_ids), _BATCH):
        batch = entry_ids[start : start + _BATCH]
        statement = (
            select(CatalogEntry)
            .where(CatalogEntry.id.in_(batch))
            .options(
                selectinload(CatalogEntry.items),
                selectinload(CatalogEntry.legal_bases),
                selectinload(CatalogEntry.provider),
                selectinload(CatalogEntry.source_system),
            )
        )
        by_id = {entry.id: entry for entry in session.scalars(statement)}
        for entry_id in batch:
            yield _template_row(by_id[entry_id])


def export_workbook(
    session: Session, *, actor: Actor, search: EntrySearch, limit: int = EXPORT_CAP
) -> bytes:
    """The published entries ``search`` finds (every page, best first, at most ``limit``)
    in the compilation template, so that an export imports back unchanged.

    Raises:
        AuthenticationRequiredError; PermissionDeniedError.
    """
    entry_ids = matching_entry_ids(session, actor=actor, search=search, limit=limit)
    return write_template(list(_template_rows(session, entry_ids)))
