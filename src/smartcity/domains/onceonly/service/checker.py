"""The once-only checker (Art. 28, 一次采集、共享使用).

For every field of every form it decides whether the platform can supply the value to
the form's department, and whether the applicant is asked for it all the same:

- **own** (本部门资源): the field maps to an item of a published catalog entry the
  department provides itself;
- **granted** (已有共享授权): an active grant held by the department on that entry covers
  the item (asked through sharing's public service);
- **obtainable** (可申请共享): no grant yet, but the entry is published as 无条件共享 or
  有条件共享, so the department can request it;
- **not_shared** (不予共享): the entry is not shared: asking the applicant is lawful;
- **unavailable** (映射失效): the entry was withdrawn or the item left it after mapping;
- **applicant_only** (仅申请人提供): no platform source can exist (a signature, a
  declaration, the applicant's wishes).

A **violation** is a field the platform can supply (own, granted or obtainable) that the
form asks the applicant to type (申请人填写) or to bring a copy of (上传材料).

**Once-only rate** of a set of forms (one form, one department's, the city's):
the share of platform-available fields that are *not* asked again, i.e.
``(available − asked_again) / available``; undefined (shown "—") when no field is
platform-available. Applicant-only, not-shared and unavailable fields count in neither
part. The OECD's 2016 Singapore baseline — 69 % of services re-asking citizens — is the
kind of figure this rate improves on.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from smartcity.core.security import Actor
from smartcity.core.tabular import write_xlsx
from smartcity.core.time import to_china, utcnow
from smartcity.domains.catalog.enums import SHARE_TYPE_LABELS, EntryStatus, ShareType
from smartcity.domains.onceonly.enums import (
    ASKED_COLLECTIONS,
    AVAILABILITY_LABELS,
    FIELD_COLLECTION_LABELS,
    PLATFORM_AVAILABLE,
    Availability,
)
from smartcity.domains.onceonly.models import FormField, ServiceForm
from smartcity.domains.onceonly.permissions import OnceOnlyPermission
from smartcity.domains.onceonly.schemas import (
    DepartmentRate,
    FieldFinding,
    FormCheck,
    OnceOnlyReport,
    RateCounts,
)
from smartcity.domains.onceonly.service.forms import EntryView, entry_views, get_form, visible_forms
from smartcity.domains.sharing import service as sharing_service

RATE_DEFINITION = (
    "一次采集率 =（平台可提供的字段 − 仍要求申请人填写或提交材料的字段）÷ 平台可提供的字段。"
    "平台可提供：映射到本部门提供的资源、本部门已有有效共享授权覆盖的信息项，"
    "或目录为无条件共享、有条件共享而可以申请的信息项；不予共享、映射失效和仅申请人提供的字段不计入。"
)
"""The rate's definition as the page and the workbook state it."""


def availability_of(
    field: FormField,
    form: ServiceForm,
    entry: EntryView | None,
    grants: dict[tuple[UUID, UUID], list[sharing_service.GrantCoverage]],
) -> tuple[Availability, sharing_service.GrantCoverage | None]:
    """Whether the platform can supply ``field`` to ``form``'s department, and the grant
    that would serve it now (None unless ``granted``)."""
    if field.applicant_only:
        return Availability.applicant_only, None
    if (
        field.entry_id is None
        or entry is None
        or entry.status is not EntryStatus.published
        or field.item_name not in entry.items
    ):
        return Availability.unavailable, None
    if entry.provider_organization_id == form.organization_id:
        return Availability.own, None
    for grant in grants.get((form.organization_id, entry.id), []):
        if field.item_name in grant.items:
            return Availability.granted, grant
    if entry.share_type == ShareType.none.value:
        return Availability.not_shared, None
    return Availability.obtainable, None


def _findings(session: Session, forms: Sequence[ServiceForm]) -> list[FormCheck]:
    """Check ``forms`` (fields and department loaded): one catalog query, one grant query."""
    fields = [f for form in forms for f in form.fields]
    entries = entry_views(session, [f.entry_id for f in fields if f.entry_id is not None])
    coverage = sharing_service.active_grant_coverage(
        session,
        consumer_organization_ids={form.organization_id for form in forms},
        entry_ids=set(entries),
    )
    grants: dict[tuple[UUID, UUID], list[sharing_service.GrantCoverage]] = defaultdict(list)
    for covered in coverage:
        grants[(covered.consumer_organization_id, covered.entry_id)].append(covered)
    checks = []
    for form in forms:
        findings = []
        for f in form.fields:
            entry = entries.get(f.entry_id) if f.entry_id is not None else None
            availability, grant = availability_of(f, form, entry, grants)
            findings.append(
                FieldFinding(
                    form_id=form.id,
                    form_code=form.code,
                    form_name=form.name,
                    organization_id=form.organization_id,
                    organization_name=form.organization.name,
                    field_id=f.id,
                    position=f.position,
                    label=f.label,
                    collection=f.collection,
                    availability=availability,
                    is_violation=availability in PLATFORM_AVAILABLE
                    and f.collection in ASKED_COLLECTIONS,
                    entry_id=entry.id if entry else None,
                    resource_code=entry.resource_code if entry else "",
                    entry_name=entry.name if entry else "",
                    item_name=f.item_name,
                    provider_name=entry.provider_name if entry else "",
                    share_type=entry.share_type if entry else "",
                    grant_id=grant.grant_id if grant else None,
                    grant_number=grant.number if grant else "",
                )
            )
        checks.append(
            FormCheck(
                form_id=form.id,
                code=form.code,
                name=form.name,
                organization_id=form.organization_id,
                organization_name=form.organization.name,
                counts=counts_of(findings, forms=1),
                findings=findings,
            )
        )
    return checks


def counts_of(findings: Iterable[FieldFinding], *, forms: int) -> RateCounts:
    """The counts and the once-only rate of a set of findings (see the module docstring)."""
    counts = RateCounts(forms=forms)
    for finding in findings:
        counts.fields += 1
        if finding.availability is Availability.applicant_only:
            counts.applicant_only += 1
        elif finding.availability is Availability.not_shared:
            counts.not_shared += 1
        elif finding.availability is Availability.unavailable:
            counts.unavailable += 1
        else:
            counts.available += 1
        if finding.is_violation:
            counts.asked_again += 1
            if finding.availability in (Availability.granted, Availability.own):
                counts.asked_again_granted += 1
    if counts.available:
        counts.rate = (counts.available - counts.asked_again) / counts.available
    return counts


def check_form(session: Session, *, actor: Actor, form_id: UUID) -> FormCheck:
    """The checker's findings on one form the actor may see.

    Raises:
        AuthenticationRequiredError; PermissionDeniedError; ServiceFormNotFoundError.
    """
    return _findings(session, [get_form(session, actor=actor, form_id=form_id)])[0]


def finding_for(session: Session, *, form_id: UUID, field_id: UUID) -> FieldFinding | None:
    """The finding on one field (for "asked again" cases), whoever asks; None when the
    form or the field is gone."""
    form = session.scalars(
        select(ServiceForm)
        .where(ServiceForm.id == form_id)
        .options(selectinload(ServiceForm.fields), selectinload(ServiceForm.organization))
    ).one_or_none()
    if form is None:
        return None
    check = _findings(session, [form])[0]
    return next((f for f in check.findings if f.field_id == field_id), None)


def check_forms(session: Session, *, actor: Actor) -> list[FormCheck]:
    """The findings on every form the actor may see, by department then code.

    Raises:
        AuthenticationRequiredError; PermissionDeniedError.
    """
    forms = session.scalars(
        visible_forms(actor)
        .options(selectinload(ServiceForm.fields), selectinload(ServiceForm.organization))
        .order_by(ServiceForm.organization_id, ServiceForm.code)
    ).all()
    return _findings(session, forms)


def once_only_report(session: Session, *, actor: Actor) -> OnceOnlyReport:
    """The once-only report the actor may see: the city's for the coordinator and
    auditors, its own department's for department staff; departments by rate (worst
    first), violations by department, form and field order.

    Raises:
        AuthenticationRequiredError; PermissionDeniedError.
    """
    checks = check_forms(session, actor=actor)
    by_department: dict[UUID, list[FormCheck]] = defaultdict(list)
    for check in checks:
        by_department[check.organization_id].append(check)
    departments = []
    for organization_id, own in by_department.items():
        counts = counts_of((f for c in own for f in c.findings), forms=len(own))
        departments.append(
            DepartmentRate(
                organization_id=organization_id,
                organization_name=own[0].organization_name,
                **counts.model_dump(),
            )
        )
    departments.sort(key=lambda d: (d.rate if d.rate is not None else 2.0, d.organization_name))
    if actor.has(OnceOnlyPermission.read_all):
        scope = "city"
    else:
        scope = departments[0].organization_name if departments else ""
    return OnceOnlyReport(
        generated_at=utcnow(),
        scope=scope,
        totals=counts_of((f for c in checks for f in c.findings), forms=len(checks)),
        departments=departments,
        violations=[f for c in checks for f in c.findings if f.is_violation],
    )


def percent(rate: float | None) -> str:
    """``0.8333`` → ``83.3%``; None → ``—``."""
    return "—" if rate is None else f"{rate * 100:.1f}%"


def share_type_label(value: str) -> str:
    return SHARE_TYPE_LABELS[ShareType(value)] if value else ""


def report_xlsx(session: Session, *, actor: Actor) -> bytes:
    """The report as a workbook: 说明 (scope, totals and the definitions), 部门一次采集率
    and 重复索要清单 (every violation with the resource and grant that would serve it).

    Raises:
        AuthenticationRequiredError; PermissionDeniedError.
    """
    report = once_only_report(session, actor=actor)
    totals = report.totals
    about: list[Sequence[object]] = [
        ("生成时间", to_china(report.generated_at).strftime("%Y-%m-%d %H:%M")),
        ("范围", "全市" if report.scope == "city" else report.scope),
        ("事项数", totals.forms),
        ("字段数", totals.fields),
        ("平台可提供的字段", totals.available),
        ("其中仍要求申请人填写或提交材料", totals.asked_again),
        ("一次采集率", percent(totals.rate)),
        ("定义", RATE_DEFINITION),
    ]
    return write_xlsx(
        {
            "说明": (("一次采集核查报告（条例第二十八条）", ""), about),
            "部门一次采集率": (
                ("部门", "事项数", "字段数", "平台可提供", "重复索要",
                 "其中已有授权或本部门资源", "仅申请人提供", "不予共享", "映射失效",
                 "一次采集率"),
                [
                    (d.organization_name, d.forms, d.fields, d.available, d.asked_again,
                     d.asked_again_granted, d.applicant_only, d.not_shared, d.unavailable,
                     percent(d.rate))
                    for d in report.departments
                ],
            ),
            "重复索要清单": (
                ("部门", "事项编码", "事项名称", "序号", "字段", "现收集方式", "可提供情况",
                 "资源代码", "资源名称", "信息项", "提供部门", "共享类型", "授权编号"),
                [
                    (v.organization_name, v.form_code, v.form_name, v.position, v.label,
                     FIELD_COLLECTION_LABELS[v.collection], AVAILABILITY_LABELS[v.availability],
                     v.resource_code, v.entry_name, v.item_name, v.provider_name,
                     share_type_label(v.share_type), v.grant_number)
                    for v in report.violations
                ],
            ),
        }
    )  # fmt: skip
