"""Permissions of the calendar domain.

Reading the calendar needs no permission, only a signed-in actor: the holiday
arrangements are public notices. Loading one changes every statutory deadline
of the platform, so it belongs to the platform authority.
"""

from __future__ import annotations

from enum import StrEnum

from smartcity.domains.identity.permissions import Role, grant


class CalendarPermission(StrEnum):
    manage = "calendar.manage"  # load or replace a year's holiday arrangement


grant(Role.coordinator, CalendarPermission.manage)
