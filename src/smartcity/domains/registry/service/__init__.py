"""Use cases of the registry: organizations, their duties, and the legal-basis vocabulary.

Other domains import this package (``from smartcity.domains.registry import
service as registry_service``); its modules are split by aggregate.
"""

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

__all__ = [
    "AUDITED_FIELDS",
    "OWN_EDITABLE_FIELDS",
    "all_organizations",
    "create_legal_basis",
    "create_organization",
    "ensure_citable",
    "find_coordinator",
    "find_legal_basis_by_code",
    "find_organization_by_code",
    "get_legal_basis",
    "get_organization",
    "list_legal_bases",
    "list_organizations",
    "organization_tree",
    "responsible_organizations",
    "seed_legal_bases",
    "set_coordinator",
    "set_duties",
    "snapshot",
    "update_legal_basis",
    "update_organization",
]
