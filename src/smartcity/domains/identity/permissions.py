"""Roles, permissions and which role grants what.

Roles are fixed by the regulation's cast of users (DESIGN.md): the coordinator
(市经济和信息化主管部门 / 大数据中心, Art. 6), organization administrators and
staff, experts (Art. 12, 59), auditors and citizens. Each domain declares its own
permissions and grants them to roles with ``grant()`` in its ``permissions``
module, so the foundation never imports business domains.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    coordinator = "coordinator"
    org_admin = "org_admin"
    org_staff = "org_staff"
    expert = "expert"
    auditor = "auditor"
    citizen = "citizen"


ROLE_LABELS: dict[Role, str] = {
    Role.coordinator: "平台主管部门",
    Role.org_admin: "单位管理员",
    Role.org_staff: "单位工作人员",
    Role.expert: "专家",
    Role.auditor: "审计员",
    Role.citizen: "公民",
}

# Roles an API client (a service account of an organization) may carry.
API_CLIENT_ROLES = frozenset({Role.org_staff, Role.org_admin})


class IdentityPermission(StrEnum):
    manage_all_users = "identity.manage_all_users"
    manage_org_users = "identity.manage_org_users"
    manage_org_clients = "identity.manage_org_clients"
    manage_all_clients = "identity.manage_all_clients"
    view_org_users = "identity.view_org_users"


_GRANTS: dict[Role, set[str]] = {role: set() for role in Role}


def grant(role: Role, *permissions: str) -> None:
    """Give ``role`` the ``permissions`` (called by each domain's permissions module)."""
    _GRANTS[role].update(permissions)


def permissions_for(roles: frozenset[str] | set[str] | list[str]) -> frozenset[str]:
    """Every permission the roles grant together; unknown role names grant nothing."""
    result: set[str] = set()
    for name in roles:
        if name in Role.__members__:
            result |= _GRANTS[Role(name)]
    return frozenset(result)


def granted(role: Role) -> frozenset[str]:
    return frozenset(_GRANTS[role])


grant(Role.coordinator, *IdentityPermission)
grant(
    Role.org_admin,
    IdentityPermission.manage_org_users,
    IdentityPermission.manage_org_clients,
    IdentityPermission.view_org_users,
)
grant(Role.org_staff, IdentityPermission.view_org_users)
