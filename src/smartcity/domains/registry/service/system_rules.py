"""Rules shared by the information-system use cases: the description as approved and
compared, who may change a system, and the city-cloud rules of Art. 22.

Package-internal: the use cases in ``systems`` and ``system_changes`` call these;
other domains use the re-exports of ``registry.service``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any, NamedTuple
from uuid import UUID

from sqlalchemy.orm import Session

from smartcity.core.errors import InvalidInputError, PermissionDeniedError
from smartcity.core.security import Actor, ensure_permission
from smartcity.core.time import today_in_china
from smartcity.domains.audit import service as audit_service
from smartcity.domains.registry.enums import (
    ChangeRequestStatus,
    CloudStatus,
    SystemChangeKind,
    SystemLifecycle,
)
from smartcity.domains.registry.errors import (
    CloudDeploymentRequiredError,
    CloudExemptionBasisRequiredError,
    MigrationDateRequiredError,
)
from smartcity.domains.registry.models import InformationSystem, SystemChangeRequest
from smartcity.domains.registry.permissions import RegistryPermission

# The description, field by field, as approved and as shown in a difference. Legal
# bases are named by their permanent codes, so a snapshot stays readable.
DESCRIPTION_LABELS: dict[str, str] = {
    "name": "系统名称",
    "purpose": "建设目的和用途",
    "legal_bases": "法律法规依据",
    "legal_basis_note": "依据说明",
    "data_holdings": "主要数据对象",
    "resources_used": "使用的信息资源",
    "user_count": "用户数",
    "data_volume_gb": "数据量（GB）",
    "contacts": "联系人",
    "lifecycle_status": "生命周期状态",
    "is_preexisting": "原有系统",
    "protection_level": "等级保护级别",
    "protection_assessed_date": "最近测评日期",
    "protection_assessment_result": "最近测评结论",
    "backup_arrangement": "灾备方式",
    "backup_note": "灾备说明",
    "cloud_status": "上云状态",
    "migration_planned_date": "计划完成迁移日期",
    "exemption_legal_basis": "豁免依据",
    "exemption_reason": "豁免理由",
}
COMPOSITION = ("data_holdings", "resources_used")
# Planned and building systems move between the two freely; into use and out of use
# only by approval (RIHA: approval before going into use and before termination).
EDITABLE_LIFECYCLE = frozenset({SystemLifecycle.planned, SystemLifecycle.building})
OFF_CLOUD = frozenset({CloudStatus.migrating, CloudStatus.not_migrated})


class FieldDifference(NamedTuple):
    """A field of the description: its last approved value and its current value."""

    field: str
    approved: Any
    current: Any


def describe(system: InformationSystem) -> dict[str, Any]:
    """The description as plain JSON values: what an approval stores and a diff compares.

    Needs ``legal_bases`` and ``exemption_legal_basis`` loaded.
    """
    exemption = system.exemption_legal_basis
    return {
        "name": system.name,
        "purpose": system.purpose,
        "legal_bases": sorted(b.code for b in system.legal_bases),
        "legal_basis_note": system.legal_basis_note,
        "data_holdings": list(system.data_holdings),
        "resources_used": list(system.resources_used),
        "user_count": system.user_count,
        "data_volume_gb": float(system.data_volume_gb),
        "contacts": [dict(c) for c in system.contacts],
        "lifecycle_status": system.lifecycle_status.value,
        "is_preexisting": system.is_preexisting,
        "protection_level": system.protection_level,
        "protection_assessed_date": _iso(system.protection_assessed_date),
        "protection_assessment_result": _value(system.protection_assessment_result),
        "backup_arrangement": system.backup_arrangement.value,
        "backup_note": system.backup_note,
        "cloud_status": system.cloud_status.value,
        "migration_planned_date": _iso(system.migration_planned_date),
        "exemption_legal_basis": exemption.code if exemption is not None else None,
        "exemption_reason": system.exemption_reason,
    }


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _value(value: object) -> Any:
    return getattr(value, "value", value)


def system_diff(system: InformationSystem) -> list[FieldDifference]:
    """Fields whose current value differs from the last approved description, in
    description order. A system never approved differs in every field it fills."""
    approved = system.approved_snapshot or {}
    current = describe(system)
    return [
        FieldDifference(field, approved.get(field), current[field])
        for field in DESCRIPTION_LABELS
        if approved.get(field) != current[field]
    ]


def ensure_manager(actor: Actor, owner_organization_id: UUID) -> None:
    """Only the owner's administrators and the coordinator change a system.

    Raises:
        AuthenticationRequiredError, PermissionDeniedError.
    """
    if actor.has(RegistryPermission.manage_all_systems):
        return
    ensure_permission(actor, RegistryPermission.manage_own_systems)
    if actor.organization_id != owner_organization_id:
        raise PermissionDeniedError(
            "只能登记和修改本单位的信息系统", owner_organization_id=owner_organization_id
        )


def normalized(values: Mapping[str, Any]) -> dict[str, Any]:
    """Drop what the cloud status makes meaningless, trim and de-duplicate lists."""
    result = dict(values)
    for name in COMPOSITION:
        if name in result:
            result[name] = unique_names(result[name])
    status = result.get("cloud_status")
    if status is not None and status is not CloudStatus.exempt:
        result["exemption_legal_basis_id"] = None
        result["exemption_reason"] = ""
    if status in (CloudStatus.deployed, CloudStatus.exempt):
        result["migration_planned_date"] = None
    if "exemption_reason" in result:
        result["exemption_reason"] = result["exemption_reason"].strip()
    return result


def unique_names(items: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for item in items:
        text = item.strip()
        if text:
            seen.setdefault(text, None)
    return list(seen)


def check_cloud(values: Mapping[str, Any]) -> None:
    """Art. 22 and 70 on a complete description.

    Raises:
        CloudExemptionBasisRequiredError: exempt without a cited article or a reason.
        MigrationDateRequiredError: migrating without a planned date.
        CloudDeploymentRequiredError: a system in use off the cloud that was not in
            use before it was registered (a new system deploys on the cloud).
    """
    status: CloudStatus = values["cloud_status"]
    if status is CloudStatus.exempt:
        if values["exemption_legal_basis_id"] is None:
            raise CloudExemptionBasisRequiredError(
                "豁免上云须从法律法规依据目录中选择依据条款", field="exemption_legal_basis_id"
            )
        if not values["exemption_reason"]:
            raise CloudExemptionBasisRequiredError("豁免上云须说明理由", field="exemption_reason")
    if status is CloudStatus.migrating and values["migration_planned_date"] is None:
        raise MigrationDateRequiredError(field="migration_planned_date")
    if (
        values["lifecycle_status"] is SystemLifecycle.in_use
        and status in OFF_CLOUD
        and not values["is_preexisting"]
    ):
        raise CloudDeploymentRequiredError(
            "按《条例》第二十二条，新建系统应当直接部署在市智慧城市云数据平台："
            "投入使用的新系统须已部署上云，或依法豁免。",
            field="cloud_status",
            cloud_status=status.value,
        )


def check_assessment(values: Mapping[str, Any]) -> None:
    assessed = values["protection_assessed_date"]
    result = values["protection_assessment_result"]
    if (assessed is None) != (result is None):
        field = "protection_assessed_date" if assessed is None else "protection_assessment_result"
        raise InvalidInputError("测评日期和测评结论应同时填写", field=field)
    if assessed is not None and assessed > today_in_china():
        raise InvalidInputError("测评日期不能晚于今天", field="protection_assessed_date")


def record(
    session: Session,
    actor: Actor,
    action: str,
    system: InformationSystem,
    changes: Mapping[str, Any],
) -> None:
    audit_service.record(
        session,
        actor=actor,
        action=action,
        subject=system,
        organization_id=system.owner_organization_id,
        changes=changes,
    )


def open_change_request(
    session: Session,
    actor: Actor,
    system: InformationSystem,
    kind: SystemChangeKind,
    proposed: dict[str, Any],
    reason: str,
) -> SystemChangeRequest:
    request = SystemChangeRequest(
        system_id=system.id,
        kind=kind,
        proposed_changes=proposed,
        reason=reason,
        status=ChangeRequestStatus.pending,
        requested_by_id=actor.id,
        requested_by_name=actor.name,
    )
    request.system = system
    session.add(request)
    session.flush()
    record(
        session,
        actor,
        "registry.system.change_requested",
        system,
        {"request_id": str(request.id), "kind": kind.value, "proposed": proposed},
    )
    return request
