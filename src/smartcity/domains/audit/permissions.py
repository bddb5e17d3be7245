"""Permissions of the audit domain."""

from __future__ import annotations

from enum import StrEnum

from smartcity.domains.identity.permissions import Role, grant


class AuditPermission(StrEnum):
    read_all = "audit.read_all"  # every organization's events
    read_own = "audit.read_own"  # events of the actor's own organization
    verify = "audit.verify"


grant(Role.coordinator, AuditPermission.read_all, AuditPermission.verify)
grant(Role.auditor, AuditPermission.read_all, AuditPermission.verify)
grant(Role.org_admin, AuditPermission.read_own)
