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
