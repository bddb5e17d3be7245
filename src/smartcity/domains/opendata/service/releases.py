"""Releases: a catalog entry's open form, de-identified and checked before it is published.

Art. 31 (with Art. 29–30): public information resources are opened to society,
and personal information only in a form that no longer identifies anyone. The
publisher (a department admin for its own entries, the coordinator for all)
uploads the rows, sees the plan (each field's role and treatment), a preview of
the de-identified rows and the check result; the decision is audited; a release
whose check failed can never be published, and the check runs again at
publication.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.core.security import Actor, ensure_permission
from smartcity.core.time import utcnow
from smartcity.domains.audit import service as audit
from smartcity.domains.catalog import service as catalog_service
from smartcity.domains.catalog.enums import EntryStatus, OpenType
from smartcity.domains.opendata.enums import (
    FieldTreatment,
    FieldType,
    OpenAccess,
    ReleaseKind,
    ReleaseState,
    ResourceKind,
)
from smartcity.domains.opendata.errors import (
    EntryNotOpenableError,
    InvalidQueryError,
    InvalidReleaseError,
    ReleaseCheckFailedError,
    ReleaseNotFoundError,
    ReleaseNotPublishableError,
)
from smartcity.domains.opendata.models import OpenDataset, OpenRelease, OpenResource
from smartcity.domains.opendata.permissions import OpenDataPermission
from smartcity.domains.opendata.schemas import (
    CheckResult,
    DatasetCreate,
    DatasetRead,
    FieldPlan,
    FieldSpec,
    ReleasePrepare,
    ReleasePublish,
    ReleaseRead,
    ResourceCreate,
)
from smartcity.domains.opendata.service import datastore, deidentify
from smartcity.domains.opendata.service.datasets import (
    _new_dataset,
    add_resource,
    may_manage,
    publish_dataset,
    remove_resource,
    update_metadata,
)

PREVIEW_ROWS = 20
#: Rows scanned for values that look like ID numbers or mobile numbers.
PII_SCAN_ROWS = 200_000
_SLUG_INVALID = re.compile(r"[^a-z0-9_-]+")


def _openable_entry(session: Session, actor: Actor, entry_id: UUID) -> Any:
    entry = catalog_service.get_entry(session, actor=actor, entry_id=entry_id)
    _ensure_openable(actor, entry)
    return entry


def _ensure_openable(actor: Actor, entry: Any) -> None:
    if entry.status is not EntryStatus.published:
        raise EntryNotOpenableError("目录条目尚未发布", entry_id=str(entry.id))
    if entry.open_type is OpenType.closed:
        raise EntryNotOpenableError(
            "目录条目的开放属性为不开放（第三十条）", entry_id=str(entry.id)
        )
    ensure_permission(actor, OpenDataPermission.publish)
    if not may_manage(actor, entry.provider_organization_id):
        ensure_permission(actor, OpenDataPermission.publish_any)


def _items(entry: Any, header: Sequence[str]) -> list[deidentify.Item]:
    by_name = {item.name: item for item in entry.items}
    clean = [h.strip() for h in header]
    if not clean or not any(clean):
        raise InvalidReleaseError("文件没有表头", field="file")
    duplicates = sorted({h for h in clean if clean.count(h) > 1})
    if duplicates:
        raise InvalidReleaseError(f"表头重复：{'、'.join(duplicates)}", field="file")
    unknown = [h for h in clean if h not in by_name]
    if unknown:
        raise InvalidReleaseError(
            f"表头不是该目录条目的信息项：{'、'.join(unknown)}", field="file", unknown=unknown
        )
    return [
        deidentify.Item(
            name=item.name,
            data_type=item.data_type,
            identifies=item.identifies,
            is_personal=item.is_personal,
            is_sensitive=item.is_sensitive,
            description=item.description,
        )
        for item in entry.items
        if item.name in clean
    ]


def prepare_release(
    session: Session,
    *,
    actor: Actor,
    data: ReleasePrepare,
    header: Sequence[str],
    rows: Iterable[Sequence[str]],
    source_name: str = "",
) -> ReleaseRead:
    """De-identify the rows of a published, openable catalog entry into a staging table
    and check them: a record-level release must be k-anonymous on its
    quasi-identifiers, a statistical one has its small cells suppressed; either fails
    on values that look like ID or mobile numbers. The decision is audited
    (``opendata.release.checked``) whether it passed or failed.

    Raises:
        EntryNotFoundError: no such entry visible to the actor.
        EntryNotOpenableError: the entry is not published, or is 不开放.
        PermissionDeniedError: not a publisher of the entry's department.
        InvalidReleaseError: a header that is not an item, a treatment that keeps an
            identifier, a group field that is an identifier, a value of the wrong type.
    """
    entry = _openable_entry(session, actor, data.entry_id)
    items = _items(entry, header)
    plans = deidentify.plan_fields(items, data.treatments)
    clean_header = [h.strip() for h in header]
    table_name = datastore.new_table_name()
    if data.kind is ReleaseKind.record:
        fields, result, count = _prepare_records(
            session, items, plans, clean_header, rows, table_name, data.k
        )
    else:
        fields, result, count = _prepare_statistics(
            session, items, plans, clean_header, rows, table_name, data
        )
    release = OpenRelease(
        entry_id=entry.id,
        entry_version=entry.version,
        kind=data.kind,
        state=ReleaseState.passed if result.passed else ReleaseState.failed,
        k=data.k,
        min_cell=data.min_cell,
        group_by=list(data.group_by),
        plan=[p.model_dump(mode="json") for p in plans]
        + [{"name": "__fields__", "fields": [f.model_dump(mode="json") for f in fields]}],
        result=result.model_dump(mode="json"),
        row_count=count,
        source_name=source_name[:200],
        table_name=table_name,
        prepared_by_name=actor.name,
    )
    session.add(release)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="opendata.release.checked",
        subject=release,
        changes={
            "entry": entry.resource_code,
            "kind": data.kind.value,
            "passed": result.passed,
            "k_required": result.k_required,
            "k_found": result.k_found,
            "min_cell": result.min_cell,
            "suppressed_cells": result.suppressed_cells,
            "violations": result.violations,
            "dropped": [p.name for p in plans if p.treatment is FieldTreatment.drop],
        },
        organization_id=entry.provider_organization_id,
    )
    return _read(session, release, preview=True)


def _load_rows(
    session: Session, table_name: str, fields: Sequence[FieldSpec], rows: Iterable[Sequence[Any]]
) -> int:
    datastore.create_table(session, table_name, fields)
    try:
        return datastore.insert_rows(session, table_name, fields, rows)
    except InvalidQueryError as error:
        raise InvalidReleaseError(error.detail, **error.extensions) from error


def _prepare_records(
    session: Session,
    items: Sequence[deidentify.Item],
    plans: Sequence[FieldPlan],
    header: Sequence[str],
    rows: Iterable[Sequence[str]],
    table_name: str,
    k: int,
) -> tuple[list[FieldSpec], CheckResult, int]:
    by_name = {item.name: item for item in items}
    kept = [p for p in plans if p.treatment is not FieldTreatment.drop]
    fields = [
        FieldSpec(
            id=p.name,
            title=p.name,
            type=deidentify.field_type(by_name[p.name], p.treatment),
            description=by_name[p.name].description,
        )
        for p in kept
    ]
    quasi = [n for n, p in enumerate(kept) if p.role == deidentify.QUASI]
    text_positions = [n for n, f in enumerate(fields) if f.type is FieldType.text]
    classes: Counter[tuple[Any, ...]] = Counter()
    pii: list[str] = []
    scanned = 0

    def observed() -> Iterator[list[str | None]]:
        nonlocal scanned
        for row in deidentify.apply(plans, header, rows):
            classes[tuple(row[i] for i in quasi)] += 1
            if scanned < PII_SCAN_ROWS and len(pii) < 5:
                scanned += 1
                pii.extend(
                    deidentify.pii_in_values(
                        [fields[i].id for i in text_positions],
                        [[row[i] for i in text_positions]],
                        first_row=scanned,
                    )
                )
            yield row

    if not fields:
        raise InvalidReleaseError("去标识化后没有可发布的字段", field="treatments")
    count = _load_rows(session, table_name, fields, observed())
    result = deidentify.check_records(classes, k, count, pii)
    return fields, result, count


def _prepare_statistics(
    session: Session,
    items: Sequence[deidentify.Item],
    plans: Sequence[FieldPlan],
    header: Sequence[str],
    rows: Iterable[Sequence[str]],
    table_name: str,
    data: ReleasePrepare,
) -> tuple[list[FieldSpec], CheckResult, int]:
    if not data.group_by:
        raise InvalidReleaseError("统计数据须至少选择一个分组字段", field="group_by")
    by_plan = {p.name: p for p in plans}
    by_name = {item.name: item for item in items}
    group_plans: list[FieldPlan] = []
    for name in data.group_by:
        plan = by_plan.get(name)
        if plan is None:
            raise InvalidReleaseError(f"分组字段不在文件中：{name}", field="group_by")
        if plan.role in {deidentify.DIRECT, deidentify.SENSITIVE} or (
            plan.treatment is FieldTreatment.drop
        ):
            raise InvalidReleaseError(
                f"“{name}”是{deidentify.ROLE_LABELS[plan.role]}或已删除，不能作为分组字段",
                field="group_by",
            )
        group_plans.append(plan)
    fields = [
        FieldSpec(
            id=p.name,
            title=p.name,
            type=deidentify.field_type(by_name[p.name], p.treatment),
            description=by_name[p.name].description,
        )
        for p in group_plans
    ]
    fields.append(
        FieldSpec(id=deidentify.COUNT_FIELD, title=deidentify.COUNT_FIELD, type=FieldType.int)
    )
    grouped = deidentify.apply(group_plans, header, rows)
    cells, suppressed, suppressed_rows = deidentify.aggregate(grouped, data.min_cell)
    count = _load_rows(session, table_name, fields, cells)
    violations = [] if count else [f"所有单元格均少于 {data.min_cell} 条记录，已全部抑制"]
    result = CheckResult(
        passed=not violations,
        min_cell=data.min_cell,
        suppressed_cells=suppressed,
        rows_in_small_classes=suppressed_rows,
        violations=violations,
    )
    return fields, result, count


def _fields_of(release: OpenRelease) -> list[FieldSpec]:
    for plan in release.plan:
        if plan.get("name") == "__fields__":
            return [FieldSpec.model_validate(f) for f in plan["fields"]]
    return []


def _plans_of(release: OpenRelease) -> list[FieldPlan]:
    return [FieldPlan.model_validate(p) for p in release.plan if p.get("name") != "__fields__"]


def _read(session: Session, release: OpenRelease, *, preview: bool) -> ReleaseRead:
    fields = _fields_of(release)
    rows: list[dict[str, Any]] = []
    if preview and release.table_name and release.state is not ReleaseState.discarded:
        resource = OpenResource(
            id=release.id,
            table_name=release.table_name,
            fields=[f.model_dump(mode="json") for f in fields],
            row_count=release.row_count,
        )
        for batch in datastore.iter_row_batches(
            session.connection(), resource, batch_rows=PREVIEW_ROWS
        ):
            rows = [dict(zip([f.id for f in fields], row, strict=True)) for row in batch]
            break
    return ReleaseRead(
        id=release.id,
        entry_id=release.entry_id,
        entry_version=release.entry_version,
        kind=release.kind,
        state=release.state,
        k=release.k,
        min_cell=release.min_cell,
        group_by=release.group_by,
        plan=_plans_of(release),
        result=CheckResult.model_validate(release.result),
        row_count=release.row_count,
        source_name=release.source_name,
        prepared_by_name=release.prepared_by_name,
        dataset_id=release.dataset_id,
        published_at=release.published_at,
        created_at=release.created_at,
        fields=fields,
        preview=rows,
    )


def _release(session: Session, actor: Actor, release_id: UUID) -> tuple[OpenRelease, Any]:
    release = session.get(OpenRelease, release_id)
    if release is None:
        raise ReleaseNotFoundError()
    entry = catalog_service.get_entry(session, actor=actor, entry_id=release.entry_id)
    if not may_manage(actor, entry.provider_organization_id):
        raise ReleaseNotFoundError()
    return release, entry


def get_release(session: Session, *, actor: Actor, release_id: UUID) -> ReleaseRead:
    """A release with its plan, check result and the first rows of its preview.

    Raises:
        ReleaseNotFoundError: no such release of an entry the actor publishes.
    """
    release, _ = _release(session, actor, release_id)
    return _read(session, release, preview=True)


def list_releases(session: Session, *, actor: Actor, entry_id: UUID) -> list[ReleaseRead]:
    """Releases of one entry, newest first (without previews).

    Raises:
        EntryNotFoundError / PermissionDeniedError.
    """
    entry = catalog_service.get_entry(session, actor=actor, entry_id=entry_id)
    ensure_permission(actor, OpenDataPermission.publish)
    if not may_manage(actor, entry.provider_organization_id):
        ensure_permission(actor, OpenDataPermission.publish_any)
    releases = session.scalars(
        select(OpenRelease)
        .where(OpenRelease.entry_id == entry_id)
        .order_by(OpenRelease.created_at.desc())
    )
    return [_read(session, r, preview=False) for r in releases]


def entry_has_releases(session: Session, entry_id: UUID) -> bool:
    """Whether any release of the entry was ever prepared (for idempotent loaders)."""
    return (
        session.scalar(select(OpenRelease.id).where(OpenRelease.entry_id == entry_id).limit(1))
        is not None
    )


def _recheck(session: Session, release: OpenRelease) -> CheckResult:
    """The check again, on the staged rows themselves (what would be published)."""
    stored = CheckResult.model_validate(release.result)
    if release.kind is ReleaseKind.statistical:
        return stored
    fields = _fields_of(release)
    plans = {p.name: p for p in _plans_of(release)}
    quasi = [n for n, f in enumerate(fields) if plans[f.id].role == deidentify.QUASI]
    resource = OpenResource(
        id=release.id,
        table_name=release.table_name,
        fields=[f.model_dump(mode="json") for f in fields],
    )
    classes: Counter[tuple[Any, ...]] = Counter()
    count = 0
    for batch in datastore.iter_row_batches(session.connection(), resource):
        for row in batch:
            classes[tuple(row[i] for i in quasi)] += 1
            count += 1
    again = deidentify.check_records(classes, release.k, count, stored.violations)
    return again


def _slug(resource_code: str) -> str:
    slug = _SLUG_INVALID.sub("-", resource_code.lower()).strip("-")
    return slug if len(slug) >= 2 else "dataset"


def publish_release(
    session: Session, *, actor: Actor, release_id: UUID, data: ReleasePublish
) -> DatasetRead:
    """Publish a checked release as the entry's open dataset (created on the first
    release; later releases replace its resources). The staged rows become the
    resource's table, unchanged from what the check saw.

    Raises:
        ReleaseNotFoundError; PermissionDeniedError.
        ReleaseCheckFailedError: its check failed (or fails again): never published.
        ReleaseNotPublishableError: already published or discarded, or the entry has a
            newer version.
        InvalidDatasetError: the name is taken or the licence unknown.
    """
    release, entry = _release(session, actor, release_id)
    if release.state is ReleaseState.failed:
        raise ReleaseCheckFailedError(
            violations=CheckResult.model_validate(release.result).violations
        )
    if release.state is not ReleaseState.passed:
        raise ReleaseNotPublishableError(f"该发布已{release.state.value}")
    if release.entry_version != entry.version:
        raise ReleaseNotPublishableError("目录条目已有新版本，请重新准备发布")
    again = _recheck(session, release)
    if not again.passed:
        raise ReleaseCheckFailedError(violations=again.violations)
    _ensure_openable(actor, entry)
    access = OpenAccess.conditional if entry.open_type is OpenType.conditional else OpenAccess.open
    dataset_id = session.scalar(select(OpenDataset.id).where(OpenDataset.entry_id == entry.id))
    terms = data.access_terms or entry.open_condition
    if dataset_id is None:
        name = data.name or _slug(entry.resource_code)
        base, n = name, 1
        while session.scalar(select(OpenDataset.id).where(OpenDataset.name == name)):
            n += 1
            name = f"{base[:95]}-{n}"
        dataset = _new_dataset(
            session,
            DatasetCreate(
                name=name,
                title=entry.name,
                notes=entry.abstract,
                provider_organization_id=entry.provider_organization_id,
                theme_code=entry.category_code,
                theme_name=entry.category_name,
                tags=data.tags,
                license_id=data.license_id,
                update_cycle=entry.update_cycle.value,
                access=access,
                access_terms=terms,
                entry_id=entry.id,
                entry_version=entry.version,
                resource_code=entry.resource_code,
            ),
        )
        dataset_id = dataset.id
    else:
        changes: dict[str, Any] = {
            "title": entry.name,
            "notes": entry.abstract,
            "access": access,
            "access_terms": terms,
            "update_cycle": entry.update_cycle.value,
            "entry_version": entry.version,
            "license_id": data.license_id,
        }
        if data.tags:
            changes["tags"] = data.tags
        update_metadata(session, actor=actor, dataset_id=dataset_id, changes=changes)
        for resource_id in list(
            session.scalars(select(OpenResource.id).where(OpenResource.dataset_id == dataset_id))
        ):
            remove_resource(session, actor=actor, resource_id=resource_id)
    kind = ResourceKind.table if release.kind is ReleaseKind.record else ResourceKind.aggregate
    label = "明细数据（去标识化）" if kind is ResourceKind.table else "统计数据"
    add_resource(
        session,
        actor=actor,
        dataset_id=dataset_id,
        data=ResourceCreate(
            name=f"{entry.name}（{label}）",
            description=_resource_description(release),
            format="CSV",
            kind=kind,
            fields=_fields_of(release),
        ),
        release_id=release.id,
        adopt_table=(release.table_name, release.row_count),
    )
    published = publish_dataset(session, actor=actor, dataset_id=dataset_id)
    release.state = ReleaseState.published
    release.dataset_id = dataset_id
    release.published_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="opendata.release.published",
        subject=release,
        changes={"dataset": published.name, "rows": release.row_count, "k_found": again.k_found},
        organization_id=entry.provider_organization_id,
    )
    return published


def _resource_description(release: OpenRelease) -> str:
    result = CheckResult.model_validate(release.result)
    if release.kind is ReleaseKind.statistical:
        return (
            f"按 {'、'.join(release.group_by)} 分组计数；少于 {release.min_cell} 条记录的"
            f"单元格已抑制（{result.suppressed_cells} 个）。"
        )
    dropped = [p.name for p in _plans_of(release) if p.treatment is FieldTreatment.drop]
    text = f"已去标识化，满足 k={release.k} 匿名（最小等价类 {result.k_found or '—'} 条）。"
    if dropped:
        text += f"已删除字段：{'、'.join(dropped)}。"
    return text


def discard_release(session: Session, *, actor: Actor, release_id: UUID) -> ReleaseRead:
    """Give up a release that was not published; its staged rows are dropped.

    Raises:
        ReleaseNotFoundError; ReleaseNotPublishableError: already published.
    """
    release, entry = _release(session, actor, release_id)
    if release.state in {ReleaseState.published, ReleaseState.discarded}:
        raise ReleaseNotPublishableError(f"该发布已{release.state.value}")
    datastore.drop_table(session, release.table_name)
    old = release.state
    release.state = ReleaseState.discarded
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="opendata.release.discarded",
        subject=release,
        changes={"state": [old.value, ReleaseState.discarded.value]},
        organization_id=entry.provider_organization_id,
    )
    return _read(session, release, preview=False)
