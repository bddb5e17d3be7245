"""Use cases of the registry: organizations, their duties, the legal-basis vocabulary,
and the information systems registry with the city cloud.

Other domains import this package (``from smartcity.domains.registry import
service as registry_service``); its modules are split by aggregate.
"""

from smartcity.domains.registry.service.cloud import (
    migration_dashboard,
    overdue_migration_report,
    overdue_report_workbook,
)
from smartcity.domains.registry.service.legal_bases import (
    create_legal_basis,
    ensure_citable,
    find_legal_basis_by_code,
    get_legal_basis,
    list_legal_bases,
    seed_legal_bases,
    update_legal_basis,
)
from smartcity.domains.registry.service.organizations import (
    AUDITED_FIELDS,
    OWN_EDITABLE_FIELDS,
    all_organizations,
    create_organization,
    find_coordinator,
    find_organization_by_code,
    get_organization,
    list_organizations,
    organization_tree,
    responsible_organizations,
    set_coordinator,
    set_duties,
    snapshot,
    update_organization,
)
from smartcity.domains.registry.service.system_changes import (
    approve_system_change,
    count_pending_change_requests,
    get_change_request,
    list_change_requests,
    propose_system_change,
    reject_system_change,
)
from smartcity.domains.registry.service.system_rules import (
    DESCRIPTION_LABELS,
    FieldDifference,
    describe,
    system_diff,
)
from smartcity.domains.registry.service.systems import (
    find_information_system_by_code,
    get_information_system,
    list_information_systems,
    register_system,
    update_system,
)

__all__ = [
    "AUDITED_FIELDS",
    "DESCRIPTION_LABELS",
    "OWN_EDITABLE_FIELDS",
    "FieldDifference",
    "all_organizations",
    "approve_system_change",
    "count_pending_change_requests",
    "create_legal_basis",
    "create_organization",
    "describe",
    "ensure_citable",
    "find_coordinator",
    "find_information_system_by_code",
    "find_legal_basis_by_code",
    "find_organization_by_code",
    "get_change_request",
    "get_information_system",
    "get_legal_basis",
    "get_organization",
    "list_change_requests",
    "list_information_systems",
    "list_legal_bases",
    "list_organizations",
    "migration_dashboard",
    "organization_tree",
    "overdue_migration_report",
    "overdue_report_workbook",
    "propose_system_change",
    "register_system",
    "reject_system_change",
    "responsible_organizations",
    "seed_legal_bases",
    "set_coordinator",
    "set_duties",
    "snapshot",
    "system_diff",
    "update_legal_basis",
    "update_organization",
    "update_system",
]
