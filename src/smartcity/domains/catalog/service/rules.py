"""The content rules of a catalog entry: what a draft must satisfy to be saved and submitted.

They are the regulation's and the national sharing rules': base-database
resources are shared unconditionally (Art. 23); conditional and not-shared
entries cite registered legal bases, never free text (国发〔2016〕51号);
personal information is open only de-identified (Art. 31). Every rule yields
an ``AppError`` naming its ``field``, so imports can list all of a row's
problems while the use cases raise the first.
"""

from __future__ import annotations

from collections.abc import Iterator
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.core.errors import AppError
from smartcity.core.security import Actor
from smartcity.domains.catalog.enums import (
    SHARE_TYPES_NEEDING_BASIS,
    ClassificationKind,
    Identifies,
    OpenType,
    ShareType,
)
from smartcity.domains.catalog.errors import (
    BaseResourceNotSharedError,
    InvalidEntryError,
    InvalidShareAttributesError,
    LegalBasisRequiredError,
    PersonalDataNotOpenableError,
    ResourceCodeTakenError,
)
from smartcity.domains.catalog.models import CatalogEntry
from smartcity.domains.catalog.schemas import DraftProblem, EntryDraft
from smartcity.domains.catalog.service.grading import grades_by_code
from smartcity.domains.registry import service as registry_service
from smartcity.domains.registry.errors import LegalBasisNotFoundError
from smartcity.domains.registry.models import InformationSystem, Organization


def _personal(data: EntryDraft) -> bool:
    return any(item.is_personal or item.identifies is Identifies.person for item in data.items)


def content_violations(data: EntryDraft) -> list[AppError]:
    """The rules a draft breaks that need no database, in a stable order.

    Base resources (Art. 23) are shared unconditionally; conditional and
    not-shared entries cite a legal basis (51号); conditions, modes and
    de-identification are declared where the type needs them; personal
    information is open only de-identified (Art. 31).
    """
    problems: list[AppError] = []
    is_base = data.classification_kind is ClassificationKind.base
    if is_base and data.base_database is None:
        problems.append(
            InvalidEntryError("基础信息资源应注明所属基础数据库", field="base_database")
        )
    if not is_base and data.base_database is not None:
        problems.append(
            InvalidEntryError("只有基础信息资源才属于基础数据库", field="base_database")
        )
    if is_base and data.share_type is not ShareType.unconditional:
        problems.append(
            BaseResourceNotSharedError(
                "人口、法人、空间地理、宏观经济、社会信用等基础数据库资源必须无条件共享",
                field="share_type",
            )
        )
    if data.share_type in SHARE_TYPES_NEEDING_BASIS and not data.legal_basis_ids:
        problems.append(
            LegalBasisRequiredError(
                "有条件共享或不予共享的资源必须引用至少一条已登记的法律法规依据",
                field="legal_basis_ids",
            )
        )
    if data.share_type is ShareType.conditional and not data.share_condition:
        problems.append(
            InvalidShareAttributesError("有条件共享的资源应写明共享条件", field="share_condition")
        )
    if data.share_type is ShareType.none and data.share_mode is not None:
        problems.append(
            InvalidShareAttributesError("不予共享的资源不设共享方式", field="share_mode")
        )
    if data.share_type is not ShareType.none and data.share_mode is None:
        problems.append(InvalidShareAttributesError("应选择共享方式", field="share_mode"))
    if data.share_type is ShareType.none and data.open_type is not OpenType.closed:
        problems.append(
            InvalidShareAttributesError("不予共享的资源不能向社会开放", field="open_type")
        )
    if data.open_type is OpenType.conditional and not data.open_condition:
        problems.append(
            InvalidShareAttributesError("有条件开放的资源应写明开放条件", field="open_condition")
        )
    if data.open_deidentified and not data.deidentification_method:
        problems.append(
            InvalidShareAttributesError(
                "声明去标识化开放时应说明去标识化方法", field="deidentification_method"
            )
        )
    if (
        data.open_type is not OpenType.closed
        and _personal(data)
        and not (data.open_deidentified and data.deidentification_method)
    ):
        problems.append(
            PersonalDataNotOpenableError(
                "资源含个人信息，只有声明以去标识化形式开放并说明方法后才能开放",
                field="open_type",
            )
        )
    return problems


def _database_violations(
    session: Session, *, actor: Actor, data: EntryDraft, entry: CatalogEntry | None
) -> Iterator[AppError]:
    """Rules that need the registry, the grading scheme and the other entries."""
    if entry is None:
        taken = session.scalar(
            select(CatalogEntry.id).where(CatalogEntry.resource_code == data.resource_code)
        )
        if taken is not None:
            yield ResourceCodeTakenError(
                f"资源代码 {data.resource_code} 已被使用", field="resource_code"
            )
    else:
        if data.resource_code != entry.resource_code:
            yield InvalidEntryError("新版本不能更改资源代码", field="resource_code")
        if data.provider_organization_id != entry.provider_organization_id:
            yield InvalidEntryError("新版本不能更改提供单位", field="provider_organization_id")
    if data.resource_code in data.related_resource_codes:
        yield InvalidEntryError("关联资源不能是资源本身", field="related_resource_codes")
    organization = session.get(Organization, data.provider_organization_id)
    if organization is None or not organization.is_active:
        yield InvalidEntryError("提供单位不存在或已停用", field="provider_organization_id")
    if (
        data.source_system_id is not None
        and session.get(InformationSystem, data.source_system_id) is None
    ):
        yield InvalidEntryError("来源信息系统未在信息系统登记中", field="source_system_id")
    known = grades_by_code(session, (item.grade_code for item in data.items))
    unknown = sorted({item.grade_code for item in data.items} - known.keys())
    if unknown:
        yield InvalidEntryError(f"分级方案中没有 {'、'.join(unknown)}", field="items.grade_code")
    for legal_basis_id in data.legal_basis_ids:
        try:
            registry_service.ensure_citable(session, actor=actor, legal_basis_id=legal_basis_id)
        except LegalBasisNotFoundError:
            yield InvalidEntryError(
                "引用的法律法规依据未登记（依据只能从依据库中选择）",
                field="legal_basis_ids",
                legal_basis_id=legal_basis_id,
            )
        except AppError as error:
            error.extensions.setdefault("field", "legal_basis_ids")
            yield error


def draft_problems(
    session: Session, *, actor: Actor, data: EntryDraft, entry_id: UUID | None = None
) -> list[DraftProblem]:
    """Every rule the draft breaks, for reports that list all problems of a row at once.

    ``entry_id`` names the entry a new version belongs to (its code and provider
    must stay).
    """
    entry = session.get(CatalogEntry, entry_id) if entry_id is not None else None
    errors = [
        *content_violations(data),
        *_database_violations(session, actor=actor, data=data, entry=entry),
    ]
    return [
        DraftProblem(code=e.code, field=str(e.extensions.get("field", "")), message=e.detail)
        for e in errors
    ]


def ensure_valid(
    session: Session,
    *,
    actor: Actor,
    data: EntryDraft,
    entry: CatalogEntry | None,
    for_submission: bool = False,
) -> None:
    """Raise the first rule the draft breaks.

    Raises:
        LegalBasisRequiredError; LegalBasisNotCitableError; BaseResourceNotSharedError;
        PersonalDataNotOpenableError; InvalidShareAttributesError; InvalidEntryError;
        ResourceCodeTakenError.
    """
    for error in content_violations(data):
        raise error
    for error in _database_violations(session, actor=actor, data=data, entry=entry):
        raise error
    if for_submission and not data.items:
        raise InvalidEntryError("提交审核的目录条目至少应有一个信息项", field="items")


def entry_grade_code(session: Session, data: EntryDraft) -> str | None:
    """The highest-ranked grade among the items (an entry is as protected as its most
    protected field)."""
    grades = grades_by_code(session, (item.grade_code for item in data.items))
    ranked = [grades[item.grade_code] for item in data.items if item.grade_code in grades]
    return max(ranked, key=lambda grade: grade.rank).code if ranked else None
