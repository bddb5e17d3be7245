"""Permissions of the data subject's rights (Art. 68)."""

from __future__ import annotations

from enum import StrEnum

from smartcity.domains.identity.permissions import Role, grant


class PrivacyPermission(StrEnum):
    own_data = "privacy.own_data"  # see one's own data and who looked at it (needs a binding)
    bind = "privacy.bind"  # bind a user to his ID number or credit code (coordinator)
    read_deferrals = "privacy.read_deferrals"  # list lawful deferrals (coordinator, auditor)
    defer = "privacy.defer"  # record a lawful deferral (coordinator)
    answer = "privacy.answer"  # answer correction/deletion requests of one's department
    read_requests = "privacy.read_requests"  # every department's requests (coordinator)


# Every person has the right; the binding decides whose data a user sees.
for _role in Role:
    grant(_role, PrivacyPermission.own_data)
grant(
    Role.coordinator,
    PrivacyPermission.bind,
    PrivacyPermission.read_deferrals,
    PrivacyPermission.defer,
    PrivacyPermission.read_requests,
)
grant(Role.auditor, PrivacyPermission.read_deferrals, PrivacyPermission.read_requests)
# A department's staff answer the requests on the fields it is the source of.
grant(Role.org_staff, PrivacyPermission.answer)
grant(Role.org_admin, PrivacyPermission.answer)
