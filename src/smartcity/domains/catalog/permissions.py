"""Permissions of the catalog."""

from __future__ import annotations

from enum import StrEnum

from smartcity.domains.identity.permissions import Role, grant


class CatalogPermission(StrEnum):
    read = "catalog.read"  # published entries
    read_all = "catalog.read_all"  # drafts and versions of every organization
    draft = "catalog.draft"  # draft, edit and submit entries of one's own organization
    draft_any = "catalog.draft_any"  # draft for any organization (imports run as the system)
    review = "catalog.review"  # approve, return, withdraw
    manage_grades = "catalog.manage_grades"  # the grading scheme


grant(
    Role.coordinator,
    CatalogPermission.read,
    CatalogPermission.read_all,
    CatalogPermission.review,
    CatalogPermission.manage_grades,
)
grant(Role.org_admin, CatalogPermission.read, CatalogPermission.draft)
grant(Role.org_staff, CatalogPermission.read, CatalogPermission.draft)
for _role in (Role.expert, Role.auditor, Role.citizen):
    grant(_role, CatalogPermission.read)
