"""Permissions of the registry."""

from __future__ import annotations

from enum import StrEnum

from smartcity.domains.identity.permissions import Role, grant


class RegistryPermission(StrEnum):
    read = "registry.read"
    manage_all = "registry.manage_all"  # create, change, deactivate any organization
    manage_own = "registry.manage_own"  # change contact details of one's own organization
    assign_duties = "registry.assign_duties"  # who carries which article's duties today
    override_credit_code = "registry.override_credit_code"
    transfer = "registry.transfer"  # import and export the directory
    manage_legal_bases = "registry.manage_legal_bases"  # the vocabulary of citable articles
    # Information systems (Art. 22, 62, 70): the owner registers and describes its own
    # systems and proposes lifecycle changes; the coordinator may act for any owner and
    # alone decides on change requests.
    manage_own_systems = "registry.manage_own_systems"
    manage_all_systems = "registry.manage_all_systems"
    review_system_changes = "registry.review_system_changes"


grant(Role.coordinator, *RegistryPermission)
grant(
    Role.org_admin,
    RegistryPermission.read,
    RegistryPermission.manage_own,
    RegistryPermission.manage_own_systems,
)
for _role in (Role.org_staff, Role.expert, Role.auditor, Role.citizen):
    grant(_role, RegistryPermission.read)
grant(Role.auditor, RegistryPermission.transfer)
