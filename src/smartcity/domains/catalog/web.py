"""HTML pages of the resource catalog (Art. 24, 25, 27): search with facets, one entry with
its information items, grades and version history, drafting and new versions for the
departments, the coordinator's review, entries gone stale, and the Excel import with its
error report.

Every page calls the same service functions as ``api.py``; templates receive schemas and
small view models built here, never ORM objects.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Annotated, Any, Literal
from urllib.parse import quote, urlencode
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from smartcity.core.errors import (
    BadRequestError,
    ConflictError,
    InvalidInputError,
    PermissionDeniedError,
)
from smartcity.core.http.deps import PageParamsDep, SessionDep
from smartcity.core.http.forms import (
    FieldErrors,
    FormDep,
    app_error_fields,
    checked,
    field_errors,
    query_model,
    redirect,
    text,
    texts,
    upload,
)
from smartcity.core.http.htmx import render
from smartcity.core.http.templates import highlight
from smartcity.core.i18n import t
from smartcity.core.pagination import PageParams
from smartcity.core.security import Actor, ensure_permission
from smartcity.core.time import utcnow
from smartcity.domains.catalog import service as catalog_service
from smartcity.domains.catalog import workbook
from smartcity.domains.catalog.enums import (
    BASE_DATABASE_LABELS,
    CLASSIFICATION_KIND_LABELS,
    DATA_TYPE_LABELS,
    ENTRY_STATUS_LABELS,
    IDENTIFIES_LABELS,
    OPEN_TYPE_LABELS,
    OPEN_VERSION_STATES,
    RESOURCE_FORMAT_LABELS,
    SHARE_MODE_LABELS,
    SHARE_TYPE_LABELS,
    UPDATE_CYCLE_LABELS,
    VERSION_STATE_LABELS,
    EntryStatus,
    GradeCategory,
    VersionState,
)
from smartcity.domains.catalog.errors import (
    CatalogImportRejectedError,
    EntryNotEditableError,
    InvalidTransitionError,
    VersionPendingError,
)
from smartcity.domains.catalog.permissions import CatalogPermission
from smartcity.domains.catalog.schemas import (
    EntryDraft,
    EntryRead,
    EntrySearch,
    EntrySummary,
    GradeRead,
    InformationItemData,
    LegalBasisCitation,
    ReturnDecision,
    VersionDiff,
    VersionFilter,
    VersionRead,
    VersionSummary,
)
from smartcity.domains.identity.deps import ActorDep
from smartcity.domains.registry import service as registry_service
from smartcity.domains.registry.errors import InformationSystemNotFoundError
from smartcity.domains.registry.schemas import InformationSystemFilter, LegalBasisFilter

router = APIRouter(include_in_schema=False)

SearchDep = Annotated[EntrySearch, Depends(query_model(EntrySearch))]

# Service errors a form shows next to its fields (or above them); anything else (403,
# 404 of the entry itself) becomes the problem page.
_FORM_ERRORS = (InvalidInputError, ConflictError)
_VOCABULARY = PageParams(page=1, size=200)
_SYSTEMS = PageParams(page=1, size=200)
_MAX_ITEM_ROWS = 600  # the schema allows 500; more posted rows are not read
_MAX_UPLOAD = 50 * 1024 * 1024
_REPORT_LABELS = (
    ("resources", "资源行数"),
    ("items", "信息项行数"),
    ("created", "新建目录条目（草稿）"),
    ("revised", "已发布条目的新版本（草稿）"),
    ("updated", "修改的草稿"),
    ("unchanged", "内容未变的条目"),
)
_ITEM_KEY = re.compile(r"^items-(\d{1,4})-name$")
_CODE_SPLIT = re.compile(r"[；;，,、\s]+")

FIELD_LABELS: dict[str, str] = {
    "classification_kind": "资源分类",
    "base_database": "基础数据库",
    "category_code": "类目编码",
    "category_name": "类目名称",
    "resource_code": "资源代码",
    "name": "资源名称",
    "provider_organization_id": "提供方",
    "abstract": "摘要",
    "format": "资源格式",
    "update_cycle": "更新周期",
    "release_date": "发布日期",
    "related_resource_codes": "关联资源",
    "source_system_id": "来源系统",
    "share_type": "共享类型",
    "share_condition": "共享条件",
    "share_mode": "共享方式",
    "legal_basis_ids": "共享依据",
    "open_type": "开放属性",
    "open_condition": "开放条件",
    "open_deidentified": "去标识化开放",
    "deidentification_method": "去标识化方法",
    "items": "信息项",
    "items.grade_code": "信息项分级",
    "opinion": "审核意见",
    "file": "文件",
}
ITEM_LABELS: dict[str, str] = {
    "name": "名称",
    "data_type": "数据类型",
    "length": "长度",
    "description": "说明",
    "grade_code": "分级",
    "identifies": "标识对象",
    "is_personal": "个人信息",
    "is_sensitive": "敏感个人信息",
}
FACET_LABELS: dict[str, str] = {
    "provider": "提供方",
    "kind": "资源分类",
    "share_type": "共享类型",
    "open_type": "开放属性",
    "grade": "数据分级",
    "format": "资源格式",
}
_VALUE_LABELS: dict[str, Mapping[Any, str]] = {
    "classification_kind": CLASSIFICATION_KIND_LABELS,
    "base_database": BASE_DATABASE_LABELS,
    "format": RESOURCE_FORMAT_LABELS,
    "update_cycle": UPDATE_CYCLE_LABELS,
    "share_type": SHARE_TYPE_LABELS,
    "share_mode": SHARE_MODE_LABELS,
    "open_type": OPEN_TYPE_LABELS,
    "data_type": DATA_TYPE_LABELS,
    "identifies": IDENTIFIES_LABELS,
}
_SAVED_MESSAGES = {
    "drafted": "草稿已保存。提交审核后由平台主管部门审核，审核通过即发布。",
    "submitted": "已提交平台主管部门审核。",
    "version": "新版本草稿已保存；现行版本在新版本审核通过前保持不变。",
}
_REVIEW_MESSAGES = {"approved": "已审核通过并发布。", "returned": "已退回提供单位修改。"}
# Form fields read as text and given to the schema as typed ("" included).
_TEXT_FIELDS = (
    "category_code",
    "category_name",
    "resource_code",
    "name",
    "abstract",
    "share_condition",
    "open_condition",
    "deidentification_method",
)
# Selects and ids: an empty value means "not chosen" and is left out, so the schema says
# "必填" for required ones and uses the default for the others.
_CHOICE_FIELDS = (
    "classification_kind",
    "base_database",
    "provider_organization_id",
    "format",
    "update_cycle",
    "release_date",
    "source_system_id",
    "share_type",
    "share_mode",
    "open_type",
)


# ---------------------------------------------------------------- view models


class View(BaseModel):
    model_config = ConfigDict(frozen=True)


class Ref(View):
    """Something an entry points at, resolved for display (``id`` None: not linkable)."""

    id: UUID | None
    label: str
    code: str = ""


class ResultRow(EntrySummary):
    """A search hit: the summary plus its release date."""

    release_date: date | None


class ContentView(View):
    """The content of an entry or of one version, with its references resolved."""

    content: EntryDraft
    provider: Ref
    source_system: Ref | None
    legal_bases: list[LegalBasisCitation]
    related: list[Ref]
    grade: GradeRead | None
    personal: bool


class DiffRow(View):
    label: str
    old: str
    new: str


class ItemDiff(View):
    name: str
    changes: list[DiffRow]


class DiffView(View):
    from_number: int
    to_number: int
    fields: list[DiffRow]
    items_added: list[str]
    items_removed: list[str]
    items_changed: list[ItemDiff]

    @property
    def empty(self) -> bool:
        return not (self.fields or self.items_added or self.items_removed or self.items_changed)


class StaleRow(View):
    id: UUID
    resource_code: str
    name: str
    provider: Ref
    source_system: Ref
    changed_at: datetime | None
    published_at: datetime | None
    days: int


class FacetLink(View):
    value: str
    label: str
    count: int
    active: bool
    href: str


class FacetPanel(View):
    name: str
    label: str
    values: list[FacetLink]


# ---------------------------------------------------------------- helpers


def _options(labels: Mapping[Any, str]) -> list[tuple[str, str]]:
    return [(str(getattr(key, "value", key)), label) for key, label in labels.items()]


def _can_draft(actor: Actor) -> bool:
    return actor.has(CatalogPermission.draft_any) or (
        actor.has(CatalogPermission.draft) and actor.organization_id is not None
    )


def _can_draft_for(actor: Actor, provider_id: UUID) -> bool:
    """Whether the page offers drafting for this provider; the service decides for real."""
    return actor.has(CatalogPermission.draft_any) or (
        actor.has(CatalogPermission.draft) and actor.organization_id == provider_id
    )


def _ensure_may_draft(actor: Actor, provider_id: UUID) -> None:
    _ensure_drafter(actor)
    if not _can_draft_for(actor, provider_id):
        raise PermissionDeniedError("只能编制本单位的目录条目", permission=CatalogPermission.draft)


def _ensure_drafter(actor: Actor) -> None:
    if not actor.has(CatalogPermission.draft_any):
        ensure_permission(actor, CatalogPermission.draft)


def _pending_reviews(session: Session, actor: Actor) -> int:
    if not actor.has(CatalogPermission.review):
        return 0
    return catalog_service.list_all_versions(
        session,
        actor=actor,
        filters=VersionFilter(state=VersionState.submitted),
        page=PageParams(page=1, size=1),
    ).total


def _grades(session: Session, actor: Actor) -> dict[str, GradeRead]:
    return {
        g.code: GradeRead.model_validate(g)
        for g in catalog_service.list_grades(session, actor=actor)
    }


def grade_tone(grade: GradeRead | None) -> str:
    """The colour class of a grade badge: general levels by rank, then important, core."""
    if grade is None:
        return "none"
    if grade.category is GradeCategory.core:
        return "core"
    if grade.category is GradeCategory.important:
        return "important"
    return f"g{min(max(grade.rank, 1), 4)}"


def _organizations(session: Session, actor: Actor) -> dict[UUID, str]:
    return {o.id: o.name for o in registry_service.all_organizations(session, actor=actor)}


def _vocabulary(session: Session, actor: Actor) -> list[LegalBasisCitation]:
    page = registry_service.list_legal_bases(
        session,
        actor=actor,
        filters=LegalBasisFilter(include_repealed=True),
        page=_VOCABULARY,
    )
    return [LegalBasisCitation.model_validate(b) for b in page.items]


def _system_ref(session: Session, actor: Actor, system_id: UUID | None) -> Ref | None:
    if system_id is None:
        return None
    try:
        system = registry_service.get_information_system(session, actor=actor, system_id=system_id)
    except InformationSystemNotFoundError:
        return Ref(id=None, label=t("（未登记的系统）"), code=str(system_id))
    return Ref(id=system.id, label=system.name, code=system.code)


def _related(session: Session, actor: Actor, codes: Iterable[str]) -> list[Ref]:
    """Related resources by code, linked when the actor may open them."""
    refs = []
    for code in codes:
        entry = catalog_service.find_entry_by_code(session, code)
        visible = entry is not None and (
            entry.status is EntryStatus.published
            or catalog_service.sees_unpublished(actor, entry.provider_organization_id)
        )
        if entry is not None and visible:
            refs.append(Ref(id=entry.id, label=entry.name, code=code))
        else:
            refs.append(Ref(id=None, label="", code=code))
    return refs


def _top_grade(items: Iterable[InformationItemData], grades: Mapping[str, GradeRead]) -> Any:
    ranked = [grades[i.grade_code] for i in items if i.grade_code in grades]
    return max(ranked, key=lambda g: g.rank) if ranked else None


def _personal(items: Iterable[InformationItemData]) -> bool:
    return any(i.is_personal or i.identifies.value == "person" for i in items)


def _draft_of(entry: EntryRead) -> EntryDraft:
    """The live content of an entry, as a draft (for display and as a new version's start)."""
    fields = EntryDraft.model_fields.keys() - {"items", "legal_basis_ids"}
    return EntryDraft.model_construct(
        **{name: getattr(entry, name) for name in fields},
        items=[
            InformationItemData.model_construct(
                **item.model_dump(include=set(InformationItemData.model_fields))
            )
            for item in entry.items
        ],
        legal_basis_ids=[b.id for b in entry.legal_bases],
    )


def _entry_view(
    session: Session,
    actor: Actor,
    entry: EntryRead,
    grades: Mapping[str, GradeRead],
    system: Ref | None,
) -> ContentView:
    draft = _draft_of(entry)
    return ContentView(
        content=draft,
        provider=Ref(id=entry.provider_organization_id, label=entry.provider_name),
        source_system=system,
        legal_bases=list(entry.legal_bases),
        related=_related(session, actor, entry.related_resource_codes),
        grade=entry.grade or _top_grade(draft.items, grades),
        personal=_personal(draft.items),
    )


class _Lookups:
    """Names of what drafts point at by id, fetched once per page."""

    def __init__(self, session: Session, actor: Actor) -> None:
        self.session = session
        self.actor = actor
        self.organizations = _organizations(session, actor)
        self.citations = {b.id: b for b in _vocabulary(session, actor)}
        self._systems: dict[UUID, Ref | None] = {}

    def system(self, system_id: UUID | None) -> Ref | None:
        if system_id is None:
            return None
        if system_id not in self._systems:
            self._systems[system_id] = _system_ref(self.session, self.actor, system_id)
        return self._systems[system_id]

    def citation(self, basis_id: UUID) -> LegalBasisCitation:
        return self.citations.get(basis_id) or LegalBasisCitation(
            id=basis_id, code="", citation=t("（未登记的依据）"), repealed_date=None
        )

    def view(self, content: EntryDraft, grades: Mapping[str, GradeRead]) -> ContentView:
        provider = content.provider_organization_id
        return ContentView(
            content=content,
            provider=Ref(id=provider, label=self.organizations.get(provider, str(provider))),
            source_system=self.system(content.source_system_id),
            legal_bases=[self.citation(b) for b in content.legal_basis_ids],
            related=_related(self.session, self.actor, content.related_resource_codes),
            grade=_top_grade(content.items, grades),
            personal=_personal(content.items),
        )

    def show(self, field: str, value: Any) -> str:
        """A snapshot value as people read it (for the difference tables)."""
        if value is None or value == "" or value == []:
            return "—"
        if field == "provider_organization_id":
            return self.organizations.get(UUID(str(value)), str(value))
        if field == "source_system_id":
            system = self.system(UUID(str(value)))
            return system.label if system else "—"
        if field == "legal_basis_ids":
            return "；".join(self.citation(UUID(str(v))).citation for v in value)
        if isinstance(value, bool):
            return "是" if value else "否"
        if isinstance(value, list):
            return "、".join(str(v) for v in value)
        labels = _VALUE_LABELS.get(field)
        if labels is not None:
            return {str(getattr(k, "value", k)): v for k, v in labels.items()}.get(
                str(value), str(value)
            )
        return str(value)

    def diff(self, diff: VersionDiff, grades: Mapping[str, GradeRead]) -> DiffView:
        def grade_name(code: Any) -> str:
            return f"{grades[code].name}（{code}）" if code in grades else str(code or "—")

        def item_value(field: str, value: Any) -> str:
            return grade_name(value) if field == "grade_code" else self.show(field, value)

        return DiffView(
            from_number=diff.from_number,
            to_number=diff.to_number,
            fields=[
                DiffRow(
                    label=FIELD_LABELS.get(name, name),
                    old=self.show(name, old),
                    new=self.show(name, new),
                )
                for name, (old, new) in diff.fields.items()
            ],
            items_added=diff.items_added,
            items_removed=diff.items_removed,
            items_changed=[
                ItemDiff(
                    name=change.name,
                    changes=[
                        DiffRow(
                            label=ITEM_LABELS.get(name, name),
                            old=item_value(name, old),
                            new=item_value(name, new),
                        )
                        for name, (old, new) in change.changes.items()
                    ],
                )
                for change in diff.items_changed
            ],
        )


def _labels() -> dict[str, Any]:
    return {
        "kind_labels": CLASSIFICATION_KIND_LABELS,
        "base_labels": BASE_DATABASE_LABELS,
        "format_labels": RESOURCE_FORMAT_LABELS,
        "cycle_labels": UPDATE_CYCLE_LABELS,
        "share_labels": SHARE_TYPE_LABELS,
        "mode_labels": SHARE_MODE_LABELS,
        "open_labels": OPEN_TYPE_LABELS,
        "type_labels": DATA_TYPE_LABELS,
        "identifies_labels": IDENTIFIES_LABELS,
        "state_labels": VERSION_STATE_LABELS,
        "status_labels": ENTRY_STATUS_LABELS,
        "grade_tone": grade_tone,
    }


# ---------------------------------------------------------------- search


def _query(search: EntrySearch, **changes: str | None) -> dict[str, str]:
    values = {
        key: str(value)
        for key, value in search.model_dump(mode="json").items()
        if value not in (None, "")
    }
    for key, value in changes.items():
        if value is None:
            values.pop(key, None)
        else:
            values[key] = value
    return values


def _url(path: str, values: Mapping[str, str]) -> str:
    return f"{path}?{urlencode(values)}" if values else path


def _facet_panels(search: EntrySearch, facets: Iterable[Any]) -> list[FacetPanel]:
    selected = _query(search)
    panels = []
    for facet in facets:
        active_value = selected.get(facet.name)
        links = []
        for value in facet.values:
            active = active_value == value.value
            href = _url("/catalog", _query(search, **{facet.name: None if active else value.value}))
            links.append(
                FacetLink(
                    value=value.value,
                    label=value.label,
                    count=value.count,
                    active=active,
                    href=href,
                )
            )
        panels.append(
            FacetPanel(
                name=facet.name, label=FACET_LABELS.get(facet.name, facet.name), values=links
            )
        )
    return panels


@router.get("/catalog", response_class=HTMLResponse)
def catalog_search(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    page: PageParamsDep,
    search: SearchDep,
) -> HTMLResponse:
    """The catalog: Chinese full-text search with facets; htmx swaps the results as the
    user types or narrows, and the URL follows (bookmarkable)."""
    result = catalog_service.search_entries(session, actor=actor, search=search, page=page)
    facets = result.facets
    providers = {
        UUID(value.value): value.label
        for facet in facets
        if facet.name == "provider"
        for value in facet.values
    }
    panels = _facet_panels(search, facets)
    chips = [
        (panel.label, link.label, link.href)
        for panel in panels
        for link in panel.values
        if link.active
    ]
    filters = _query(search)
    filters.pop("q", None)
    return render(
        request,
        "catalog/search.html",
        partial="catalog/_results.html",
        page=result.page.map(ResultRow.model_validate),
        search=search,
        panels=panels,
        chips=chips,
        filters=filters,
        providers=providers,
        grades=_grades(session, actor),
        highlight=lambda value: highlight(value, search.q),
        export_url=_url("/api/v1/catalog/entries/export", _query(search)),
        clear_url=_url("/catalog", {"q": search.q} if search.q else {}),
        can_draft=_can_draft(actor),
        can_review=actor.has(CatalogPermission.review),
        pending=_pending_reviews(session, actor),
        **_labels(),
    )


@router.get("/catalog/template.xlsx")
def catalog_template(actor: ActorDep) -> Response:
    """The blank compilation workbook (目录编制模板)."""
    ensure_permission(actor, CatalogPermission.read)
    filename = quote("信息资源目录编制模板.xlsx")
    return Response(
        content=workbook.write_template([]),
        media_type=workbook.MEDIA_TYPE,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{filename}"},
    )


# ---------------------------------------------------------------- the department's versions


@router.get("/catalog/drafts", response_class=HTMLResponse)
def draft_list(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    page: PageParamsDep,
    state: Annotated[VersionState | None, Query()] = None,
) -> HTMLResponse:
    """Versions of the actor's organization (all of them for the coordinator), newest
    first: drafts, versions under review, returned ones with the opinion."""
    ensure_permission(actor, CatalogPermission.read)
    versions = catalog_service.list_all_versions(
        session, actor=actor, filters=VersionFilter(state=state), page=page
    ).map(VersionSummary.model_validate)
    return render(
        request,
        "catalog/drafts.html",
        partial="catalog/_drafts.html",
        page=versions,
        state=state.value if state else "",
        state_options=_options(VERSION_STATE_LABELS),
        organizations=_organizations(session, actor),
        can_draft=_can_draft(actor),
        **_labels(),
    )


# ---------------------------------------------------------------- the review queue


@router.get("/catalog/reviews", response_class=HTMLResponse)
def review_queue(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    page: PageParamsDep,
    done: Annotated[str, Query(max_length=20)] = "",
) -> HTMLResponse:
    """The coordinator's queue: submitted versions, newest first."""
    ensure_permission(actor, CatalogPermission.review)
    queue = catalog_service.list_all_versions(
        session, actor=actor, filters=VersionFilter(state=VersionState.submitted), page=page
    ).map(VersionSummary.model_validate)
    return render(
        request,
        "catalog/reviews.html",
        partial="catalog/_review_queue.html",
        page=queue,
        organizations=_organizations(session, actor),
        done=t(_REVIEW_MESSAGES[done]) if done in _REVIEW_MESSAGES else "",
        **_labels(),
    )


def _submitted(session: Session, actor: Actor, entry_id: UUID) -> VersionRead:
    for version in catalog_service.list_versions(session, actor=actor, entry_id=entry_id):
        if version.state is VersionState.submitted:
            return VersionRead.model_validate(version)
    raise InvalidTransitionError("该条目没有待审核的版本", entry_id=entry_id)


def _review_page(
    request: Request,
    session: Session,
    actor: Actor,
    entry_id: UUID,
    *,
    errors: FieldErrors | None = None,
    opinion: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    ensure_permission(actor, CatalogPermission.review)
    entry = EntryRead.model_validate(
        catalog_service.get_entry(session, actor=actor, entry_id=entry_id)
    )
    version = _submitted(session, actor, entry_id)
    grades = _grades(session, actor)
    lookups = _Lookups(session, actor)
    diff = None
    if entry.status is not EntryStatus.draft and entry.version >= 1:
        diff = lookups.diff(
            catalog_service.diff_versions(
                session,
                actor=actor,
                entry_id=entry_id,
                from_number=entry.version,
                to_number=version.number,
            ),
            grades,
        )
    problems = catalog_service.draft_problems(
        session, actor=actor, data=version.content, entry_id=entry_id
    )
    history = [
        VersionSummary.model_validate(v)
        for v in catalog_service.list_versions(session, actor=actor, entry_id=entry_id)
    ]
    return render(
        request,
        "catalog/review.html",
        status_code=status_code,
        entry=entry,
        proposed=version,
        view=lookups.view(version.content, grades),
        diff=diff,
        problems=problems,
        history=history,
        grades=grades,
        errors=errors or {},
        opinion=opinion,
        field_labels=FIELD_LABELS,
        **_labels(),
    )


@router.get("/catalog/reviews/{entry_id}", response_class=HTMLResponse)
def review_page(
    request: Request, session: SessionDep, actor: ActorDep, entry_id: UUID
) -> HTMLResponse:
    """The submitted version, what it changes against the published one, and the decision."""
    return _review_page(request, session, actor, entry_id)


@router.post("/catalog/reviews/{entry_id}/approve", response_class=HTMLResponse)
def approve(
    request: Request, session: SessionDep, actor: ActorDep, entry_id: UUID, form: FormDep
) -> Response:
    opinion = text(form, "opinion")
    try:
        catalog_service.approve_entry(session, actor=actor, entry_id=entry_id, opinion=opinion)
    except InvalidTransitionError:
        raise
    except _FORM_ERRORS as exc:
        return _review_page(
            request,
            session,
            actor,
            entry_id,
            errors={"": exc.detail},
            opinion=opinion,
            status_code=422,
        )
    return redirect(request, "/catalog/reviews?done=approved")


@router.post("/catalog/reviews/{entry_id}/return", response_class=HTMLResponse)
def return_(
    request: Request, session: SessionDep, actor: ActorDep, entry_id: UUID, form: FormDep
) -> Response:
    """Return the version to its department; an opinion is required."""
    opinion = text(form, "opinion")
    try:
        decision = ReturnDecision.model_validate({"opinion": opinion})
        catalog_service.return_entry(
            session, actor=actor, entry_id=entry_id, opinion=decision.opinion
        )
    except ValidationError:
        errors = {"opinion": t("退回时必须填写审核意见，说明需要修改的内容")}
    except InvalidTransitionError:
        raise
    except _FORM_ERRORS as exc:
        errors = app_error_fields(exc, "opinion")
    else:
        return redirect(request, "/catalog/reviews?done=returned")
    return _review_page(
        request, session, actor, entry_id, errors=errors, opinion=opinion, status_code=422
    )


# ---------------------------------------------------------------- stale entries


@router.get("/catalog/stale", response_class=HTMLResponse)
def stale_list(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    page: PageParamsDep,
    provider: Annotated[UUID | None, Query()] = None,
) -> HTMLResponse:
    """Published entries whose source system changed its data composition more than 15
    days ago without an update of the entry (国发〔2016〕51号)."""
    result = catalog_service.list_stale_entries(session, actor=actor, page=page, provider=provider)
    organizations = _organizations(session, actor)
    now = utcnow()

    def row(entry: Any) -> StaleRow:
        system = entry.source_system
        changed = system.composition_changed_at if system is not None else None
        return StaleRow(
            id=entry.id,
            resource_code=entry.resource_code,
            name=entry.name,
            provider=Ref(
                id=entry.provider_organization_id,
                label=organizations.get(entry.provider_organization_id, ""),
            ),
            source_system=Ref(
                id=system.id if system else None,
                label=system.name if system else "—",
                code=system.code if system else "",
            ),
            changed_at=changed,
            published_at=entry.published_at,
            days=(now - changed).days if changed else 0,
        )

    return render(
        request,
        "catalog/stale.html",
        partial="catalog/_stale_table.html",
        page=result.map(row),
        **_labels(),
    )


# ---------------------------------------------------------------- import


def _import_page(request: Request, **context: Any) -> HTMLResponse:
    status_code = int(context.pop("status_code", 200))
    context.setdefault("errors", {})
    context.setdefault("problems", [])
    context.setdefault("report", None)
    context.setdefault("dry_run", False)
    context.setdefault("filename", "")
    context.setdefault("rejected", "")
    context.setdefault("problem_count", 0)
    return render(
        request,
        "catalog/import.html",
        partial="catalog/_import_result.html",
        status_code=status_code,
        resource_columns=workbook.RESOURCE_COLUMNS,
        item_columns=workbook.ITEM_COLUMNS,
        resource_sheet=workbook.RESOURCE_SHEET,
        item_sheet=workbook.ITEM_SHEET,
        report_labels=[(key, t(label)) for key, label in _REPORT_LABELS],
        **context,
    )


def _ensure_importer(actor: Actor) -> None:
    if not (actor.has(CatalogPermission.review) or actor.has(CatalogPermission.draft_any)):
        ensure_permission(actor, CatalogPermission.draft)


@router.get("/catalog/import", response_class=HTMLResponse)
def import_form(request: Request, actor: ActorDep) -> HTMLResponse:
    _ensure_importer(actor)
    return _import_page(request)


def _report(report: Any) -> dict[str, Any]:
    if isinstance(report, BaseModel):
        return report.model_dump(mode="json")
    return dict(report) if isinstance(report, Mapping) else {}


@router.post("/catalog/import", response_class=HTMLResponse)
def import_submit(
    request: Request, session: SessionDep, actor: ActorDep, form: FormDep
) -> HTMLResponse:
    """Import (or check) a compilation workbook. A workbook with any problem imports
    nothing, and every problem is listed by sheet, row and column."""
    _ensure_importer(actor)
    dry_run = checked(form, "dry_run")
    file = upload(form, "file")
    if file is None or not file.filename:
        return _import_page(
            request,
            dry_run=dry_run,
            status_code=422,
            errors={"file": t("请选择要导入的目录编制表（XLSX）")},
        )
    data = file.file.read(_MAX_UPLOAD + 1)
    if len(data) > _MAX_UPLOAD:
        return _import_page(
            request,
            dry_run=dry_run,
            status_code=422,
            errors={"file": t("文件超过 50 MB，请分批导入")},
        )
    try:
        report = catalog_service.import_workbook(
            session, actor=actor, data=data, filename=file.filename, dry_run=dry_run
        )
    except CatalogImportRejectedError as exc:
        errors = exc.extensions.get("errors")
        problems = list(errors) if isinstance(errors, list) else []
        count = exc.extensions.get("problem_count")
        return _import_page(
            request,
            dry_run=dry_run,
            status_code=422,
            filename=file.filename,
            rejected=exc.detail,
            problems=problems,
            problem_count=count if isinstance(count, int) else len(problems),
        )
    except BadRequestError as exc:
        return _import_page(request, dry_run=dry_run, status_code=422, errors={"file": exc.detail})
    return _import_page(request, dry_run=dry_run, filename=file.filename, report=_report(report))


# ---------------------------------------------------------------- drafting

Mode = Literal["new", "edit", "version"]


def _codes(value: str) -> list[str]:
    return [code for code in _CODE_SPLIT.split(value) if code]


def _item_rows(form: FormData) -> list[dict[str, Any]]:
    """The items table as posted, in row order; rows with nothing typed are skipped."""
    indices = sorted(
        {int(match.group(1)) for key in form if (match := _ITEM_KEY.match(key)) is not None}
    )[:_MAX_ITEM_ROWS]
    rows = []
    for index in indices:
        prefix = f"items-{index}-"
        row: dict[str, Any] = {
            "name": text(form, prefix + "name"),
            "data_type": text(form, prefix + "data_type"),
            "length": text(form, prefix + "length"),
            "description": text(form, prefix + "description"),
            "grade_code": text(form, prefix + "grade_code"),
            "identifies": text(form, prefix + "identifies") or "none",
            "is_personal": checked(form, prefix + "is_personal"),
            "is_sensitive": checked(form, prefix + "is_sensitive"),
        }
        if row["name"] or row["length"] or row["description"]:
            rows.append(row)
    return rows


def _form_values(form: FormData) -> dict[str, Any]:
    """The posted form as the draft schema wants it (choices left out when empty)."""
    values: dict[str, Any] = {name: text(form, name) for name in _TEXT_FIELDS}
    for name in _CHOICE_FIELDS:
        value = text(form, name)
        if value:
            values[name] = value
    values["related_resource_codes"] = _codes(text(form, "related_resource_codes"))
    values["legal_basis_ids"] = texts(form, "legal_basis_ids")
    values["open_deidentified"] = checked(form, "open_deidentified")
    values["items"] = [
        {key: value for key, value in row.items() if value != ""} for row in _item_rows(form)
    ]
    return values


def _shown(values: Mapping[str, Any]) -> dict[str, Any]:
    """What the form shows: strings for inputs, lists for the multi-selects."""
    shown: dict[str, Any] = {}
    for name in (*_TEXT_FIELDS, *_CHOICE_FIELDS):
        value = values.get(name)
        shown[name] = "" if value is None else str(getattr(value, "value", value))
    shown["related_resource_codes"] = "\n".join(values.get("related_resource_codes") or [])
    shown["legal_basis_ids"] = [str(v) for v in values.get("legal_basis_ids") or []]
    shown["open_deidentified"] = bool(values.get("open_deidentified"))
    items = []
    for item in values.get("items") or []:
        data = item.model_dump() if isinstance(item, BaseModel) else dict(item)
        row = _blank_item("")
        for key, value in data.items():
            if key in ("is_personal", "is_sensitive"):
                row[key] = bool(value)
            else:
                row[key] = "" if value is None else str(getattr(value, "value", value))
        items.append(row)
    shown["items"] = items
    return shown


def _validate(
    session: Session,
    actor: Actor,
    values: Mapping[str, Any],
    *,
    entry_id: UUID | None,
    submitting: bool,
) -> tuple[EntryDraft | None, FieldErrors]:
    """The draft, or every problem found by the schema and the content rules, per field.

    Item rows are checked one by one, so a problem shows in its row (``items-2-name``).
    """
    errors: FieldErrors = {}
    for position, row in enumerate(values.get("items") or []):
        try:
            InformationItemData.model_validate(row)
        except ValidationError as exc:
            for name, message in field_errors(exc, InformationItemData).items():
                errors[f"items-{position}-{name}"] = message
    try:
        data = EntryDraft.model_validate(values)
    except ValidationError as exc:
        found = field_errors(exc, EntryDraft)
        if any(key.startswith("items-") for key in errors):
            found.pop("items", None)
        return None, {**found, **errors}
    for problem in catalog_service.draft_problems(
        session, actor=actor, data=data, entry_id=entry_id
    ):
        field = "items" if problem.field.startswith("items") else problem.field
        errors[field] = (
            f"{errors[field]}；{problem.message}" if field in errors else problem.message
        )
    if submitting and not data.items:
        errors.setdefault("items", t("提交审核的目录条目至少应有一个信息项"))
    return (None if errors else data), errors


def _summary(errors: Mapping[str, str]) -> list[tuple[str, str]]:
    """Every error with the label of its field, for the list above the form."""
    rows = []
    for key, message in errors.items():
        if key.startswith("items-"):
            _, position, name = key.split("-", 2)
            label = t(
                "信息项第 {n} 行“{field}”", n=int(position) + 1, field=ITEM_LABELS.get(name, name)
            )
        else:
            label = FIELD_LABELS.get(key, "")
        rows.append((label, message))
    return rows


def _form_page(
    request: Request,
    session: Session,
    actor: Actor,
    *,
    mode: Mode,
    form: Mapping[str, Any],
    entry: EntryRead | None = None,
    errors: FieldErrors | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    grades = list(_grades(session, actor).values())
    organizations = _organizations(session, actor)
    provider = form.get("provider_organization_id") or ""
    if entry is None and actor.has(CatalogPermission.draft_any):
        provider_options = [(str(k), v) for k, v in organizations.items()]
    else:
        provider_options = (
            [(provider, organizations.get(UUID(provider), provider))] if provider else []
        )
    systems: list[tuple[str, str]] = []
    if provider:
        page = registry_service.list_information_systems(
            session,
            actor=actor,
            filters=InformationSystemFilter(owner_organization_id=UUID(provider)),
            page=_SYSTEMS,
        )
        systems = [(str(s.id), f"{s.name}（{s.code}）") for s in page.items]
    chosen = form.get("source_system_id") or ""
    if chosen and chosen not in {value for value, _ in systems}:
        system = _system_ref(session, actor, UUID(chosen))
        systems.append((chosen, system.label if system else chosen))
    cited = set(form.get("legal_basis_ids") or [])
    vocabulary = [
        (
            str(b.id),
            b.citation if not b.repealed_date else t("{c}（已废止）", c=b.citation),
            b.code,
        )
        for b in _vocabulary(session, actor)
        if not b.repealed_date or str(b.id) in cited
    ]
    headings = {"new": "新建目录条目", "edit": "修改草稿", "version": "创建新版本"}
    return render(
        request,
        "catalog/form.html",
        status_code=status_code,
        mode=mode,
        heading=t(headings[mode]),
        entry=entry,
        form=form,
        errors=errors or {},
        summary=_summary(errors or {}),
        provider_options=provider_options,
        system_options=systems,
        legal_basis_options=vocabulary,
        grade_options=[(g.code, f"{g.name}（{g.code}）") for g in grades],
        kind_options=_options(CLASSIFICATION_KIND_LABELS),
        base_options=_options(BASE_DATABASE_LABELS),
        format_options=_options(RESOURCE_FORMAT_LABELS),
        cycle_options=_options(UPDATE_CYCLE_LABELS),
        share_options=_options(SHARE_TYPE_LABELS),
        mode_options=_options(SHARE_MODE_LABELS),
        open_options=_options(OPEN_TYPE_LABELS),
        type_options=_options(DATA_TYPE_LABELS),
        identifies_options=_options(IDENTIFIES_LABELS),
        **_labels(),
    )


def _blank_item(grade: str) -> dict[str, Any]:
    return {
        "name": "",
        "data_type": "string",
        "length": "",
        "description": "",
        "grade_code": grade,
        "identifies": "none",
        "is_personal": False,
        "is_sensitive": False,
    }


@router.get("/catalog/entries/new", response_class=HTMLResponse)
def new_form(request: Request, session: SessionDep, actor: ActorDep) -> HTMLResponse:
    _ensure_drafter(actor)
    first_grade = next(iter(_grades(session, actor)), "")
    form = _shown(
        {
            "provider_organization_id": actor.organization_id,
            "classification_kind": "departmental",
            "update_cycle": "monthly",
            "share_type": "unconditional",
            "share_mode": "api",
            "open_type": "closed",
            "format": "database",
        }
    )
    form["items"] = [_blank_item(first_grade)]
    return _form_page(request, session, actor, mode="new", form=form)


def _save(
    request: Request,
    session: Session,
    actor: Actor,
    form: FormData,
    *,
    mode: Mode,
    entry: EntryRead | None,
) -> Response:
    """Validate, save (and submit when asked); on any problem show the form again with
    every problem and save nothing."""
    values = _form_values(form)
    if entry is not None:  # code and provider stay with the entry
        values.update(
            category_code=entry.category_code,
            resource_code=entry.resource_code,
            provider_organization_id=entry.provider_organization_id,
        )
    submitting = text(form, "action") == "submit"
    data, errors = _validate(
        session,
        actor,
        values,
        entry_id=entry.id if entry is not None else None,
        submitting=submitting,
    )
    if data is not None:
        try:
            if entry is None:
                entry_id = catalog_service.create_draft(session, actor=actor, data=data).entry_id
            elif mode == "edit":
                entry_id = entry.id
                catalog_service.update_draft(session, actor=actor, entry_id=entry_id, data=data)
            else:
                entry_id = entry.id
                catalog_service.create_version(session, actor=actor, entry_id=entry_id, data=data)
        except _FORM_ERRORS as exc:
            errors = app_error_fields(exc)
        else:
            if submitting:
                catalog_service.submit_entry(session, actor=actor, entry_id=entry_id)
                return redirect(request, f"/catalog/entries/{entry_id}?saved=submitted")
            saved = "version" if mode == "version" else "drafted"
            return redirect(request, f"/catalog/entries/{entry_id}?saved={saved}")
    return _form_page(
        request,
        session,
        actor,
        mode=mode,
        form=_shown(values),
        entry=entry,
        errors=errors,
        status_code=422,
    )


@router.post("/catalog/entries/new", response_class=HTMLResponse)
def new_submit(request: Request, session: SessionDep, actor: ActorDep, form: FormDep) -> Response:
    _ensure_drafter(actor)
    if not actor.has(CatalogPermission.draft_any):  # a department drafts for itself only
        form = FormData(
            [(k, v) for k, v in form.multi_items() if k != "provider_organization_id"]
            + [("provider_organization_id", str(actor.organization_id))]
        )
    return _save(request, session, actor, form, mode="new", entry=None)


def _read(session: Session, actor: Actor, entry_id: UUID) -> EntryRead:
    return EntryRead.model_validate(
        catalog_service.get_entry(session, actor=actor, entry_id=entry_id)
    )


def _open_version(session: Session, actor: Actor, entry_id: UUID) -> VersionSummary | None:
    for version in catalog_service.list_versions(session, actor=actor, entry_id=entry_id):
        if version.state in OPEN_VERSION_STATES:
            return VersionSummary.model_validate(version)
    return None


def _editable(session: Session, actor: Actor, entry_id: UUID) -> tuple[EntryRead, VersionRead]:
    """The entry and its version being drafted; a published entry without one, or a
    version under review, is not editable."""
    entry = _read(session, actor, entry_id)
    _ensure_may_draft(actor, entry.provider_organization_id)
    version = _open_version(session, actor, entry_id)
    if version is None:
        raise EntryNotEditableError(
            "已发布的条目不能直接修改，请创建新版本后提交审核", entry_id=entry_id
        )
    if version.state is VersionState.submitted:
        raise EntryNotEditableError("版本正在审核中，不能修改", entry_id=entry_id)
    full = VersionRead.model_validate(
        catalog_service.get_version(session, actor=actor, entry_id=entry_id, number=version.number)
    )
    return entry, full


@router.get("/catalog/entries/{entry_id}/edit", response_class=HTMLResponse)
def edit_form(
    request: Request, session: SessionDep, actor: ActorDep, entry_id: UUID
) -> HTMLResponse:
    """Edit the draft (or returned) version; published content is never edited in place."""
    entry, version = _editable(session, actor, entry_id)
    return _form_page(
        request,
        session,
        actor,
        mode="edit",
        form=_shown(version.content.model_dump()),
        entry=entry,
    )


@router.post("/catalog/entries/{entry_id}/edit", response_class=HTMLResponse)
def edit_submit(
    request: Request, session: SessionDep, actor: ActorDep, entry_id: UUID, form: FormDep
) -> Response:
    entry, _ = _editable(session, actor, entry_id)
    return _save(request, session, actor, form, mode="edit", entry=entry)


def _versionable(session: Session, actor: Actor, entry_id: UUID) -> EntryRead:
    entry = _read(session, actor, entry_id)
    _ensure_may_draft(actor, entry.provider_organization_id)
    if entry.status is EntryStatus.draft:
        raise EntryNotEditableError("条目尚未发布，请直接修改草稿", entry_id=entry_id)
    pending = _open_version(session, actor, entry_id)
    if pending is not None:
        raise VersionPendingError(
            f"第 {pending.number} 版尚未完成审核", entry_id=entry_id, version=pending.number
        )
    return entry


@router.get("/catalog/entries/{entry_id}/versions/new", response_class=HTMLResponse)
def version_form(
    request: Request, session: SessionDep, actor: ActorDep, entry_id: UUID
) -> HTMLResponse:
    """A new version of a published entry, starting from the published content."""
    entry = _versionable(session, actor, entry_id)
    return _form_page(
        request,
        session,
        actor,
        mode="version",
        form=_shown(_draft_of(entry).model_dump()),
        entry=entry,
    )


@router.post("/catalog/entries/{entry_id}/versions/new", response_class=HTMLResponse)
def version_submit(
    request: Request, session: SessionDep, actor: ActorDep, entry_id: UUID, form: FormDep
) -> Response:
    entry = _versionable(session, actor, entry_id)
    return _save(request, session, actor, form, mode="version", entry=entry)


# ---------------------------------------------------------------- one entry


def _entry_page(
    request: Request,
    session: Session,
    actor: Actor,
    entry_id: UUID,
    *,
    saved: str = "",
    error: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    model = catalog_service.get_entry(session, actor=actor, entry_id=entry_id)
    entry = EntryRead.model_validate(model)
    system = model.source_system
    system_ref = Ref(id=system.id, label=system.name, code=system.code) if system else None
    grades = _grades(session, actor)
    versions = [
        VersionSummary.model_validate(v)
        for v in catalog_service.list_versions(session, actor=actor, entry_id=entry_id)
    ]
    open_version = next((v for v in versions if v.state in OPEN_VERSION_STATES), None)
    may_draft = _can_draft_for(actor, entry.provider_organization_id)
    numbers = [v.number for v in versions]
    return render(
        request,
        "catalog/entry.html",
        status_code=status_code,
        entry=entry,
        view=_entry_view(session, actor, entry, grades, system_ref),
        grades=grades,
        versions=versions,
        open_version=open_version,
        can_edit=may_draft
        and open_version is not None
        and open_version.state is not VersionState.submitted,
        can_submit=may_draft
        and open_version is not None
        and open_version.state in (VersionState.draft, VersionState.returned),
        can_version=may_draft and open_version is None and entry.status is not EntryStatus.draft,
        can_review=actor.has(CatalogPermission.review)
        and open_version is not None
        and open_version.state is VersionState.submitted,
        diff_from=numbers[1] if len(numbers) > 1 else None,
        diff_to=numbers[0] if numbers else None,
        saved=t(_SAVED_MESSAGES[saved]) if saved in _SAVED_MESSAGES else "",
        error=error,
        **_labels(),
    )


@router.get("/catalog/entries/{entry_id}", response_class=HTMLResponse)
def entry_detail(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    entry_id: UUID,
    saved: Annotated[str, Query(max_length=20)] = "",
) -> HTMLResponse:
    """One entry: metadata, share and open attributes, items with grades, versions."""
    return _entry_page(request, session, actor, entry_id, saved=saved)


@router.post("/catalog/entries/{entry_id}/submit", response_class=HTMLResponse)
def submit(request: Request, session: SessionDep, actor: ActorDep, entry_id: UUID) -> Response:
    """Send the draft or returned version to the coordinator."""
    try:
        catalog_service.submit_entry(session, actor=actor, entry_id=entry_id)
    except _FORM_ERRORS as exc:
        return _entry_page(request, session, actor, entry_id, error=exc.detail, status_code=422)
    return redirect(request, f"/catalog/entries/{entry_id}?saved=submitted")


@router.get("/catalog/entries/{entry_id}/diff", response_class=HTMLResponse)
def entry_diff(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    entry_id: UUID,
    from_number: Annotated[int, Query(alias="from", ge=1, le=100_000)],
    to_number: Annotated[int, Query(alias="to", ge=1, le=100_000)],
) -> HTMLResponse:
    """What changed between two versions (htmx swaps it into the entry page)."""
    entry = _read(session, actor, entry_id)
    diff = catalog_service.diff_versions(
        session, actor=actor, entry_id=entry_id, from_number=from_number, to_number=to_number
    )
    grades = _grades(session, actor)
    return render(
        request,
        "catalog/diff.html",
        partial="catalog/_diff.html",
        entry=entry,
        diff=_Lookups(session, actor).diff(diff, grades),
        **_labels(),
    )
