"""Permissions of the base databases."""

from __future__ import annotations

from enum import StrEnum

from smartcity.domains.identity.permissions import Role, grant


class BaseDataPermission(StrEnum):
    read = "base_data.read"  # tables, fields, loads, quality (no record values)
    lookup = "base_data.lookup"  # read records with their provenance (government users)
    load = "base_data.load"  # load files for one's own department's fields
    load_any = "base_data.load_any"  # load on behalf of any department (coordinator)
    manage = "base_data.manage"  # build tables, assign source departments and rules


grant(
    Role.coordinator,
    BaseDataPermission.read,
    BaseDataPermission.lookup,
    BaseDataPermission.load,
    BaseDataPermission.load_any,
    BaseDataPermission.manage,
)
grant(Role.org_admin, BaseDataPermission.read, BaseDataPermission.lookup, BaseDataPermission.load)
grant(Role.org_staff, BaseDataPermission.read, BaseDataPermission.lookup, BaseDataPermission.load)
grant(Role.auditor, BaseDataPermission.read)
grant(Role.expert, BaseDataPermission.read)
