"""The grading scheme (分级分类, Art. 23–24): levels the coordinator configures.

The migration seeds the default scheme; ``ensure_default_grades`` adds it again
to a database where someone removed every level, so the catalog always has one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Select, bindparam, exists, func, or_, select
from sqlalchemy.orm import Session

from smartcity.core.security import Actor, ensure_authenticated, ensure_permission
from smartcity.domains.audit import service as audit_service
from smartcity.domains.catalog.enums import GradeCategory
from smartcity.domains.catalog.errors import (
    GradeCodeTakenError,
    GradeInUseError,
    GradeNotFoundError,
)
from smartcity.domains.catalog.models import CatalogEntry, EntryVersion, Grade, InformationItem
from smartcity.domains.catalog.permissions import CatalogPermission
from smartcity.domains.catalog.schemas import GradeCreate, GradeUpdate

# GB/T 43697-2024: general data in four sub-levels (local practice), then important
# and core data. The migration seeds the same rows.
DEFAULT_GRADES: tuple[tuple[str, str, int, GradeCategory, str], ...] = (
    ("G1", "公开", 1, GradeCategory.general, "一般数据1级：可向社会公开。"),
    ("G2", "内部", 2, GradeCategory.general, "一般数据2级：限于政务部门内部使用。"),
    ("G3", "受限", 3, GradeCategory.general, "一般数据3级：泄露会对个人或组织造成一定损害。"),
    ("G4", "敏感", 4, GradeCategory.general, "一般数据4级：泄露会对个人或组织造成严重损害。"),
    ("IMPORTANT", "重要数据", 5, GradeCategory.important, "GB/T 43697-2024 重要数据。"),
    ("CORE", "核心数据", 6, GradeCategory.core, "GB/T 43697-2024 核心数据。"),
)


def _snapshot(grade: Grade) -> dict[str, object]:
    return {
        "code": grade.code,
        "name": grade.name,
        "rank": grade.rank,
        "category": grade.category.value,
        "description": grade.description,
    }


def list_grades(session: Session, *, actor: Actor) -> list[Grade]:
    """The scheme, lowest rank first. Anyone signed in reads it (item grades need it).

    Raises:
        AuthenticationRequiredError: anonymous actor.
    """
    ensure_authenticated(actor)
    return list(session.scalars(select(Grade).order_by(Grade.rank)))


def masking_stamp_query() -> Select[*tuple[Any, ...]]:
    """What an entry's masking depends on: the entry's published version and last
    change (its items, their grades and personal flags change only with them) and the
    grading scheme's last change and size. Equal stamps mean an unchanged masking
    plan, so a consumer may keep one. A statement with the bind parameter
    ``entry_id``, for a caller that reads it with other stamps in one query on every
    call (the exchange API) and only compares the values."""
    return select(
        CatalogEntry.version,
        CatalogEntry.updated_at,
        CatalogEntry.status,
        select(func.max(Grade.updated_at)).scalar_subquery(),
        select(func.count(Grade.id)).scalar_subquery(),
    ).where(CatalogEntry.id == bindparam("entry_id"))


def grades_by_code(session: Session, codes: Iterable[str]) -> Mapping[str, Grade]:
    """The grades among ``codes`` that exist."""
    wanted = set(codes)
    if not wanted:
        return {}
    return {g.code: g for g in session.scalars(select(Grade).where(Grade.code.in_(wanted)))}


def get_grade(session: Session, *, actor: Actor, code: str) -> Grade:
    """Raises:
    AuthenticationRequiredError; GradeNotFoundError.
    """
    ensure_authenticated(actor)
    grade = session.scalars(select(Grade).where(Grade.code == code)).one_or_none()
    if grade is None:
        raise GradeNotFoundError(f"分级 {code} 不存在", grade_code=code)
    return grade


def create_grade(session: Session, *, actor: Actor, data: GradeCreate) -> Grade:
    """Add a level to the scheme (coordinator). Codes and ranks are unique.

    Raises:
        PermissionDeniedError; GradeCodeTakenError.
    """
    ensure_permission(actor, CatalogPermission.manage_grades)
    clash = session.scalars(
        select(Grade).where(or_(Grade.code == data.code, Grade.rank == data.rank))
    ).first()
    if clash is not None:
        raise GradeCodeTakenError(
            f"分级代码 {data.code} 或级别序号 {data.rank} 已被 {clash.code} 使用",
            field="code" if clash.code == data.code else "rank",
        )
    grade = Grade(**data.model_dump())
    session.add(grade)
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action="catalog.grade.created",
        subject=grade,
        changes=audit_service.diff({}, _snapshot(grade)),
    )
    session.flush()
    return grade


def update_grade(session: Session, *, actor: Actor, code: str, data: GradeUpdate) -> Grade:
    """Rename or re-describe a level (coordinator); code and rank never change.

    Raises:
        PermissionDeniedError; GradeNotFoundError.
    """
    ensure_permission(actor, CatalogPermission.manage_grades)
    grade = get_grade(session, actor=actor, code=code)
    before = _snapshot(grade)
    for key, value in data.model_dump(exclude_unset=True, exclude_none=True).items():
        setattr(grade, key, value)
    changes = audit_service.diff(before, _snapshot(grade))
    if changes:
        audit_service.record(
            session, actor=actor, action="catalog.grade.updated", subject=grade, changes=changes
        )
    session.flush()
    return grade


def delete_grade(session: Session, *, actor: Actor, code: str) -> None:
    """Remove a level no live item, entry or version carries (coordinator). A draft
    whose lower-ranked item still names it fails validation at its next save.

    Raises:
        PermissionDeniedError; GradeNotFoundError; GradeInUseError.
    """
    ensure_permission(actor, CatalogPermission.manage_grades)
    grade = get_grade(session, actor=actor, code=code)
    used = session.scalar(
        select(
            exists().where(InformationItem.grade_code == code)
            | exists().where(CatalogEntry.grade_code == code)
            | exists().where(EntryVersion.grade_code == code)
        )
    )
    if used:
        raise GradeInUseError(f"分级 {code} 已被信息项使用，不能删除", grade_code=code)
    audit_service.record(
        session,
        actor=actor,
        action="catalog.grade.deleted",
        subject=grade,
        changes=audit_service.diff(_snapshot(grade), {}),
    )
    session.delete(grade)
    session.flush()


def ensure_default_grades(session: Session, *, actor: Actor) -> int:
    """Seed the default scheme into an empty grade table; returns how many were added."""
    if session.scalar(select(exists().where(Grade.id.isnot(None)))):
        return 0
    for code, name, rank, category, description in DEFAULT_GRADES:
        session.add(
            Grade(code=code, name=name, rank=rank, category=category, description=description)
        )
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action="catalog.grade.seeded",
        subject_type="catalog_grade",
        label="默认分级方案",
        changes={"codes": [g[0] for g in DEFAULT_GRADES]},
    )
    return len(DEFAULT_GRADES)
