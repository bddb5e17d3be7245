"""How datasets and resources are presented: CKAN-style names, labels, read schemas."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import (
    Select,
)
from sqlalchemy.orm import selectinload

from smartcity.domains.catalog.enums import UPDATE_CYCLE_LABELS, UpdateCycle
from smartcity.domains.opendata.enums import (
    LICENSES,
)
from smartcity.domains.opendata.models import (
    OpenDataset,
    OpenResource,
)
from smartcity.domains.opendata.schemas import (
    DatasetRead,
    DatasetSummary,
    FieldSpec,
    ResourceRead,
)
from smartcity.domains.registry.models import Organization

_SLUG_INVALID = re.compile(r"[^a-z0-9_-]+")


# --- presentation -------------------------------------------------------------------------


def organization_name(organization: Organization) -> str:
    """The CKAN-style URL name of a provider: its directory code as a slug."""
    slug = _SLUG_INVALID.sub("-", organization.code.lower()).strip("-")
    return slug if len(slug) >= 2 else f"org-{organization.id.hex[:12]}"


def license_title(license_id: str) -> str:
    return LICENSES.get(license_id, (license_id, ""))[0]


def update_cycle_label(cycle: str) -> str:
    try:
        return UPDATE_CYCLE_LABELS[UpdateCycle(cycle)]
    except ValueError:
        return cycle


def resource_read(resource: OpenResource) -> ResourceRead:
    return ResourceRead(
        id=resource.id,
        dataset_id=resource.dataset_id,
        position=resource.position,
        name=resource.name,
        description=resource.description,
        format=resource.format,
        kind=resource.kind,
        fields=[FieldSpec.model_validate(f) for f in resource.fields],
        row_count=resource.row_count,
        datastore_active=bool(resource.table_name),
        release_id=resource.release_id,
        last_modified=resource.last_modified,
        created_at=resource.created_at,
    )


def _summary_data(dataset: OpenDataset) -> dict[str, Any]:
    resources = [resource_read(r) for r in dataset.resources]
    formats = list(dict.fromkeys(r.format for r in resources))
    return {
        "id": dataset.id,
        "name": dataset.name,
        "title": dataset.title,
        "notes": dataset.notes,
        "provider_organization_id": dataset.provider_organization_id,
        "provider_name": dataset.provider.name,
        "provider_code": dataset.provider.code,
        "organization_name": organization_name(dataset.provider),
        "theme_code": dataset.theme_code,
        "theme_name": dataset.theme_name,
        "tags": list(dataset.tags),
        "license_id": dataset.license_id,
        "license_title": license_title(dataset.license_id),
        "license_url": LICENSES.get(dataset.license_id, ("", ""))[1],
        "update_cycle": dataset.update_cycle,
        "update_cycle_label": update_cycle_label(dataset.update_cycle),
        "access": dataset.access,
        "access_terms": dataset.access_terms,
        "state": dataset.state,
        "entry_id": dataset.entry_id,
        "entry_version": dataset.entry_version,
        "resource_code": dataset.resource_code,
        "metadata_created": dataset.metadata_created,
        "metadata_modified": dataset.metadata_modified,
        "published_at": dataset.published_at,
        "download_count": dataset.download_count,
        "api_count": dataset.api_count,
        "view_count": dataset.view_count,
        "formats": formats,
        "resources": resources,
    }


def dataset_summary(dataset: OpenDataset) -> DatasetSummary:
    """``provider`` and ``resources`` must be loaded."""
    return DatasetSummary(**_summary_data(dataset))


def dataset_read(dataset: OpenDataset) -> DatasetRead:
    """``provider`` and ``resources`` must be loaded."""
    return DatasetRead(
        **_summary_data(dataset),
        withdrawn_at=dataset.withdrawn_at,
        withdrawal_reason=dataset.withdrawal_reason,
    )


def with_details(statement: Select[OpenDataset]) -> Select[OpenDataset]:
    return statement.options(
        selectinload(OpenDataset.provider), selectinload(OpenDataset.resources)
    )
