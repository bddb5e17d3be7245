"""Permissions of the sharing and exchange platform."""

from __future__ import annotations

from enum import StrEnum

from smartcity.domains.identity.permissions import Role, grant


class SharingPermission(StrEnum):
    request = "sharing.request"  # request resources for one's own department, withdraw
    answer = "sharing.answer"  # answer requests addressed to one's own department
    check = "sharing.check"  # compliance check, coordination, orders, revocation (coordinator)
    read_all = "sharing.read_all"  # every request, grant and log entry (coordinator, auditor)
    exchange = "sharing.exchange"  # call the exchange API under one's department's grants


grant(
    Role.coordinator,
    SharingPermission.request,
    SharingPermission.answer,
    SharingPermission.check,
    SharingPermission.read_all,
    SharingPermission.exchange,
)
grant(
    Role.org_admin,
    SharingPermission.request,
    SharingPermission.answer,
    SharingPermission.exchange,
)
grant(Role.org_staff, SharingPermission.request, SharingPermission.exchange)
grant(Role.auditor, SharingPermission.read_all)
