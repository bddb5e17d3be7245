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
