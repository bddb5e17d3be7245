"""Enumerations of the registry shared with other domains."""

from __future__ import annotations

from enum import StrEnum


class OrganizationKind(StrEnum):
    """What kind of body an organization is (Art. 4, 6, 29–30, 73)."""

    city_government = "city_government"
    county_government = "county_government"
    municipal_department = "municipal_department"
    county_department = "county_department"
    development_zone = "development_zone"
    public_institution = "public_institution"
    association = "association"
    enterprise = "enterprise"
    other = "other"


ORGANIZATION_KIND_LABELS: dict[OrganizationKind, str] = {
    OrganizationKind.city_government: "市人民政府",
    OrganizationKind.county_government: "县（市、区）人民政府",
    OrganizationKind.municipal_department: "市直部门、单位",
    OrganizationKind.county_department: "县（市、区）部门",
    OrganizationKind.development_zone: "功能区管委会",
    OrganizationKind.public_institution: "事业单位",
    OrganizationKind.association: "行业协会、社会组织",
    OrganizationKind.enterprise: "企业",
    OrganizationKind.other: "其他",
}

GOVERNMENT_KINDS = frozenset(
    {
        OrganizationKind.city_government,
        OrganizationKind.county_government,
        OrganizationKind.municipal_department,
        OrganizationKind.county_department,
        OrganizationKind.development_zone,
    }
)


class LegalLevel(StrEnum):
    """The rank of a legal source (《立法法》), which decides what it may ground."""

    law = "law"
    administrative_regulation = "administrative_regulation"
    local_regulation = "local_regulation"
    department_rule = "department_rule"
    local_rule = "local_rule"
    central_policy = "central_policy"
    normative_document = "normative_document"


LEGAL_LEVEL_LABELS: dict[LegalLevel, str] = {
    LegalLevel.law: "法律",
    LegalLevel.administrative_regulation: "行政法规",
    LegalLevel.local_regulation: "地方性法规",
    LegalLevel.department_rule: "部门规章",
    LegalLevel.local_rule: "地方政府规章",
    LegalLevel.central_policy: "党中央、国务院政策文件",
    LegalLevel.normative_document: "规范性文件",
}


class SystemLifecycle(StrEnum):
    """Where an information system is in its life (RIHA ``system_status``)."""

    planned = "planned"
    building = "building"
    in_use = "in_use"
    retired = "retired"


SYSTEM_LIFECYCLE_LABELS: dict[SystemLifecycle, str] = {
    SystemLifecycle.planned: "规划中",
    SystemLifecycle.building: "建设中",
    SystemLifecycle.in_use: "在用",
    SystemLifecycle.retired: "已停用",
}


class CloudStatus(StrEnum):
    """Whether a system runs on the city cloud (Art. 22), and if not, why not."""

    deployed = "deployed"
    migrating = "migrating"
    not_migrated = "not_migrated"
    exempt = "exempt"


CLOUD_STATUS_LABELS: dict[CloudStatus, str] = {
    CloudStatus.deployed: "已部署上云",
    CloudStatus.migrating: "迁移中",
    CloudStatus.not_migrated: "未迁移",
    CloudStatus.exempt: "豁免",
}


class AssessmentResult(StrEnum):
    """Outcome of the last classified-protection assessment (等级测评, GB/T 28448)."""

    passed = "passed"
    passed_with_remarks = "passed_with_remarks"
    failed = "failed"


ASSESSMENT_RESULT_LABELS: dict[AssessmentResult, str] = {
    AssessmentResult.passed: "符合",
    AssessmentResult.passed_with_remarks: "基本符合",
    AssessmentResult.failed: "不符合",
}


class BackupArrangement(StrEnum):
    """How a system's data survives a disaster (Art. 62)."""

    none = "none"
    local = "local"
    offsite = "offsite"
    city_cloud_dr = "city_cloud_dr"


BACKUP_ARRANGEMENT_LABELS: dict[BackupArrangement, str] = {
    BackupArrangement.none: "无灾备",
    BackupArrangement.local: "本地备份",
    BackupArrangement.offsite: "异地备份",
    BackupArrangement.city_cloud_dr: "市云平台灾备",
}


class SystemChangeKind(StrEnum):
    """Changes to a system that take effect only when the coordinator approves them."""

    registration = "registration"
    go_live = "go_live"
    composition_change = "composition_change"
    retirement = "retirement"


SYSTEM_CHANGE_KIND_LABELS: dict[SystemChangeKind, str] = {
    SystemChangeKind.registration: "登记",
    SystemChangeKind.go_live: "投入使用",
    SystemChangeKind.composition_change: "变更数据构成",
    SystemChangeKind.retirement: "停用",
}


class ChangeRequestStatus(StrEnum):
    pending = "pending"
    approved = "approved"
    rejected = "rejected"


CHANGE_REQUEST_STATUS_LABELS: dict[ChangeRequestStatus, str] = {
    ChangeRequestStatus.pending: "待审核",
    ChangeRequestStatus.approved: "已通过",
    ChangeRequestStatus.rejected: "已退回",
}

# Protection levels of GB/T 22239 (等级保护), with their names.
PROTECTION_LEVEL_LABELS: dict[int, str] = {
    1: "第一级（自主保护级）",
    2: "第二级（指导保护级）",
    3: "第三级（监督保护级）",
    4: "第四级（强制保护级）",
    5: "第五级（专控保护级）",
}
