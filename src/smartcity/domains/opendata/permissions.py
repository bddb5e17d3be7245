"""Permissions of the open data portal (Art. 29–31)."""

from __future__ import annotations

from enum import StrEnum

from smartcity.domains.identity.permissions import Role, grant


class OpenDataPermission(StrEnum):
    publish = "opendata.publish"  # prepare, check and publish releases of own entries
    publish_any = "opendata.publish_any"  # ... of every department's entries (coordinator)
    read_usage = "opendata.read_usage"  # per-day usage statistics of every dataset
    accept_terms = "opendata.accept_terms"  # accept a conditional dataset's terms
    answer_requests = "opendata.answer_requests"  # read and answer requests to open data


# The department admin publishes its own entries; the coordinator every department's
# (Art. 29: the platform authority organizes the opening of public information resources).
grant(Role.org_admin, OpenDataPermission.publish)
grant(
    Role.coordinator,
    OpenDataPermission.publish,
    OpenDataPermission.publish_any,
    OpenDataPermission.read_usage,
    OpenDataPermission.answer_requests,
)
grant(Role.auditor, OpenDataPermission.read_usage)
# Any registered person may use conditionally open data after accepting its terms.
for _role in Role:
    grant(_role, OpenDataPermission.accept_terms)
