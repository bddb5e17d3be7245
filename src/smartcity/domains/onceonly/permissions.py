"""Permissions of the once-only service (Art. 28)."""

from __future__ import annotations

from enum import StrEnum

from smartcity.domains.identity.permissions import Role, grant


class OnceOnlyPermission(StrEnum):
    read_forms = "onceonly.read_forms"  # one's department's forms, checker and cases
    read_all = "onceonly.read_all"  # every department's (coordinator, auditor)
    manage_forms = "onceonly.manage_forms"  # maintain one's department's forms
    manage_all_forms = "onceonly.manage_all_forms"  # maintain every department's
    report = "onceonly.report"  # report "I was asked again" (any signed-in person)
    handle_cases = "onceonly.handle_cases"  # handle the cases (coordinator)
    prefill = "onceonly.prefill"  # ask for a prefill of one's department's forms (API clients)


for _role in Role:
    grant(_role, OnceOnlyPermission.report)
grant(
    Role.coordinator,
    OnceOnlyPermission.read_forms,
    OnceOnlyPermission.read_all,
    OnceOnlyPermission.manage_forms,
    OnceOnlyPermission.manage_all_forms,
    OnceOnlyPermission.handle_cases,
)
grant(Role.auditor, OnceOnlyPermission.read_forms, OnceOnlyPermission.read_all)
grant(Role.org_admin, OnceOnlyPermission.read_forms, OnceOnlyPermission.manage_forms)
grant(Role.org_staff, OnceOnlyPermission.read_forms)
# Prefill with consent (Art. 28): department staff and their service accounts ask.
grant(Role.org_admin, OnceOnlyPermission.prefill)
grant(Role.org_staff, OnceOnlyPermission.prefill)
