"""Import and export of the organization directory as XLSX and CSV.

Departments keep their directories in spreadsheets. An import is all or
nothing: every row is checked, every problem is reported by row and column in
Chinese, and a file with any problem changes nothing. A dry run does the whole
import inside a savepoint and rolls it back, so it reports exactly what a real
import would do.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from smartcity.core.errors import AppError
from smartcity.core.schemas import validation_message
from smartcity.core.security import Actor, ensure_permission
from smartcity.core.tabular import Table, write_csv, write_xlsx
from smartcity.domains.audit import service as audit_service
from smartcity.domains.registry import service
from smartcity.domains.registry.enums import ORGANIZATION_KIND_LABELS, OrganizationKind
from smartcity.domains.registry.errors import ImportRejectedError
from smartcity.domains.registry.models import Organization
from smartcity.domains.registry.permissions import RegistryPermission
from smartcity.domains.registry.schemas import (
    DutyWrite,
    ImportReport,
    OrganizationCreate,
    OrganizationUpdate,
    RowError,
)

# (header, field); the header row of the template, in order.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("编码", "code"),
    ("名称", "name"),
    ("简称", "short_name"),
    ("类型", "kind"),
    ("上级编码", "parent_code"),
    ("行政区划代码", "division_code"),
    ("功能区代码", "zone_code"),
    ("统一社会信用代码", "credit_code"),
    ("信用代码豁免理由", "credit_code_override_reason"),
    ("平台主管部门", "is_coordinator"),
    ("地址", "address"),
    ("电话", "phone"),
    ("网站", "website"),
    ("排序", "sort_order"),
    ("状态", "status"),
    ("承担条例职责", "duties"),
)
REQUIRED = ("编码", "名称", "类型")
HEADER_TO_FIELD = dict(COLUMNS)
FIELD_TO_HEADER = {f: h for h, f in COLUMNS}
_KIND_BY_LABEL = {label: kind for kind, label in ORGANIZATION_KIND_LABELS.items()}
_YES = {"是", "Y", "y", "yes", "true", "1"}
_NO = {"否", "N", "n", "no", "false", "0", ""}


def _kind(value: str) -> OrganizationKind:
    if value in _KIND_BY_LABEL:
        return _KIND_BY_LABEL[value]
    return OrganizationKind(value)


def _duties(value: str) -> list[DutyWrite]:
    """``6:市经济和信息化主管部门；22:市直部门、单位`` → duties."""
    duties = []
    for part in value.replace("；", ";").split(";"):
        part = part.strip()
        if not part:
            continue
        article, _, body = part.replace("：", ":").partition(":")
        duties.append(
            DutyWrite(
                article=int(article.strip().lstrip("第").rstrip("条")), named_body=body.strip()
            )
        )
    return duties


def _format_duties(organization: Organization) -> str:
    return "；".join(f"{d.article}:{d.named_body}" for d in organization.duties)


def _header_errors(table: Table) -> list[RowError]:
    errors = []
    for cell in table.merged_cells:
        errors.append(RowError(row=0, column=cell, value="", message="不能含有合并单元格"))
    seen: set[str] = set()
    for header in table.header:
        if header not in HEADER_TO_FIELD:
            errors.append(
                RowError(
                    row=1,
                    column=header,
                    value=header,
                    message=f"未知的列“{header}”（模板列：{'、'.join(h for h, _ in COLUMNS)}）",
                )
            )
        if header in seen:
            errors.append(RowError(row=1, column=header, value=header, message="列重复"))
        seen.add(header)
    for header in REQUIRED:
        if header not in table.header:
            errors.append(RowError(row=1, column=header, value="", message="缺少必需的列"))
    return errors


def import_organizations(
    session: Session, *, actor: Actor, table: Table, dry_run: bool = False
) -> ImportReport:
    """Create or update organizations (matched by 编码) from a directory table.

    Raises:
        PermissionDeniedError: the actor may not import.
        ImportRejectedError: any row has a problem; ``errors`` lists them all and
            nothing was changed.
    """
    ensure_permission(actor, RegistryPermission.transfer)
    ensure_permission(actor, RegistryPermission.manage_all)
    errors = _header_errors(table)
    report = ImportReport(
        format=table.format,
        encoding=table.encoding,
        rows=len(table.rows),
        created=0,
        updated=0,
        unchanged=0,
        dry_run=dry_run,
    )
    if errors:
        raise ImportRejectedError(
            f"表头有 {len(errors)} 处问题",
            errors=_dump(errors),
            report=report.model_dump(mode="json"),
        )
    parsed: list[tuple[int, dict[str, str]]] = []
    codes: dict[str, int] = {}
    credit_codes: dict[str, int] = {}
    for index, record in enumerate(table.records(), start=2):
        values = {HEADER_TO_FIELD[h]: v for h, v in record.items() if h in HEADER_TO_FIELD}
        code = values.get("code", "")
        if code in codes:
            errors.append(
                RowError(
                    row=index, column="编码", value=code, message=f"编码与第 {codes[code]} 行重复"
                )
            )
        codes.setdefault(code, index)
        credit = "".join(values.get("credit_code", "").split()).upper()
        if credit:
            if credit in credit_codes:
                errors.append(
                    RowError(
                        row=index,
                        column="统一社会信用代码",
                        value=credit,
                        message=f"信用代码与第 {credit_codes[credit]} 行重复",
                    )
                )
            credit_codes.setdefault(credit, index)
        parsed.append((index, values))

    # Parents first, whatever order the file lists them in.
    ordered: list[tuple[int, dict[str, str]]] = []
    placed: set[str] = set()
    pending = list(parsed)
    while pending:
        progress = False
        for item in list(pending):
            parent = item[1].get("parent_code", "")
            if not parent or parent not in codes or parent in placed:
                ordered.append(item)
                placed.add(item[1].get("code", ""))
                pending.remove(item)
                progress = True
        if not progress:
            for index, values in pending:
                errors.append(
                    RowError(
                        row=index,
                        column="上级编码",
                        value=values.get("parent_code", ""),
                        message="上级关系形成循环",
                    )
                )
            break

    savepoint = session.begin_nested()
    try:
        for index, values in ordered:
            outcome = _apply_row(session, actor, index, values, errors)
            if outcome == "created":
                report.created += 1
            elif outcome == "updated":
                report.updated += 1
            elif outcome == "unchanged":
                report.unchanged += 1
    except BaseException:
        savepoint.rollback()
        raise
    if errors or dry_run:
        savepoint.rollback()
    else:
        savepoint.commit()
    if errors:
        errors.sort(key=lambda e: e.row)
        report.errors = errors
        raise ImportRejectedError(
            f"共 {len(errors)} 处问题，未导入任何数据",
            errors=_dump(errors),
            report=report.model_dump(mode="json"),
        )
    if not dry_run:
        audit_service.record(
            session,
            actor=actor,
            action="registry.directory.imported",
            subject_type="registry_organization",
            label="单位目录导入",
            changes={
                "created": report.created,
                "updated": report.updated,
                "format": table.format,
                "encoding": table.encoding,
            },
        )
        session.flush()
    return report


def _dump(errors: Sequence[RowError]) -> list[dict[str, Any]]:
    return [e.model_dump() for e in errors]


def _apply_row(
    session: Session, actor: Actor, index: int, values: dict[str, str], errors: list[RowError]
) -> str | None:
    def fail(field: str, value: str, message: str) -> None:
        errors.append(
            RowError(
                row=index, column=FIELD_TO_HEADER.get(field, field), value=value, message=message
            )
        )

    try:
        kind = _kind(values.get("kind", ""))
    except ValueError:
        fail(
            "kind",
            values.get("kind", ""),
            "类型无效（可选：" + "、".join(ORGANIZATION_KIND_LABELS.values()) + "）",
        )
        return None
    parent_id = None
    if values.get("parent_code"):
        parent = service.find_organization_by_code(session, values["parent_code"])
        if parent is None:
            fail("parent_code", values["parent_code"], "上级编码在目录和文件中都不存在")
            return None
        parent_id = parent.id
    status = values.get("status", "")
    if status not in ("", "启用", "停用"):
        fail("status", status, "状态只能是“启用”或“停用”")
        return None
    coordinator = values.get("is_coordinator", "")
    if coordinator not in _YES | _NO:
        fail("is_coordinator", coordinator, "只能填“是”或“否”")
        return None
    try:
        sort_order = int(values.get("sort_order") or 0)
    except ValueError:
        fail("sort_order", values.get("sort_order", ""), "排序应为整数")
        return None
    try:
        duties = _duties(values.get("duties", ""))
    except (ValueError, ValidationError):
        fail("duties", values.get("duties", ""), "格式应为“条:主体”，多项用分号分隔")
        return None
    fields = {
        "name": values.get("name", ""),
        "short_name": values.get("short_name", ""),
        "kind": kind,
        "parent_id": parent_id,
        "division_code": values.get("division_code", ""),
        "zone_code": values.get("zone_code", ""),
        "credit_code": values.get("credit_code") or None,
        "credit_code_override_reason": values.get("credit_code_override_reason", ""),
        "address": values.get("address", ""),
        "phone": values.get("phone", ""),
        "website": values.get("website", ""),
        "sort_order": sort_order,
    }
    existing = service.find_organization_by_code(session, values.get("code", ""))
    try:
        if existing is None:
            organization = service.create_organization(
                session, actor=actor, data=OrganizationCreate(code=values.get("code", ""), **fields)
            )
            outcome = "created"
        else:
            before = service.snapshot(existing)
            organization = service.update_organization(
                session,
                actor=actor,
                organization_id=existing.id,
                data=OrganizationUpdate(**fields, is_active=status != "停用"),
            )
            outcome = "updated" if service.snapshot(organization) != before else "unchanged"
        if status == "停用" and existing is None:
            service.update_organization(
                session,
                actor=actor,
                organization_id=organization.id,
                data=OrganizationUpdate(is_active=False),
            )
        if duties:
            service.set_duties(session, actor=actor, organization_id=organization.id, duties=duties)
        if coordinator in _YES:
            service.set_coordinator(session, actor=actor, organization_id=organization.id)
        return outcome
    except ValidationError as exc:
        for problem in exc.errors():
            field = str(problem["loc"][0]) if problem["loc"] else ""
            fail(field, str(values.get(field, "")), validation_message(problem))
    except AppError as exc:
        field = str(exc.extensions.get("field", ""))
        fail(field, str(values.get(field, "")), exc.detail)
    return None


def export_rows(session: Session, *, actor: Actor) -> tuple[list[str], list[list[object]]]:
    """The directory as template rows (the same columns the import reads)."""
    ensure_permission(actor, RegistryPermission.read)
    organizations = session.scalars(
        select(Organization)
        .options(selectinload(Organization.duties))
        .order_by(Organization.sort_order, Organization.code)
    ).all()
    by_id = {o.id: o for o in organizations}
    rows: list[list[object]] = []
    for o in organizations:
        parent = by_id.get(o.parent_id) if o.parent_id else None
        rows.append(
            [
                o.code,
                o.name,
                o.short_name,
                ORGANIZATION_KIND_LABELS[o.kind],
                parent.code if parent else "",
                o.division_code,
                o.zone_code,
                o.credit_code or "",
                o.credit_code_override_reason,
                "是" if o.is_coordinator else "否",
                o.address,
                o.phone,
                o.website,
                o.sort_order,
                "启用" if o.is_active else "停用",
                _format_duties(o),
            ]
        )
    return [h for h, _ in COLUMNS], rows


def export_organizations(session: Session, *, actor: Actor, format: str) -> bytes:
    """The directory as an XLSX workbook or a UTF-8 (BOM) CSV file."""
    ensure_permission(actor, RegistryPermission.transfer)
    header, rows = export_rows(session, actor=actor)
    if format == "csv":
        return write_csv(header, rows)
    return write_xlsx({"单位目录": (header, rows)})
