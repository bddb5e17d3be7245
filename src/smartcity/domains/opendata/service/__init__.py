"""Use cases of the open data portal (Art. 29–31).

Other code imports this package (``from smartcity.domains.opendata import service
as opendata_service``). The surface, by use:

- **find:** ``search_datasets`` (Chinese ``q``, filters, facets, rows/start, sort),
  ``get_dataset`` (by id or name), ``list_dataset_names``, ``list_organizations``,
  ``get_organization``, ``list_themes``, ``list_tags``, ``get_resource``,
  ``latest_modified``;
- **data:** ``datastore_search`` (filters, q, fields, sort, limit, offset, total),
  ``open_download`` + ``iter_rows`` (whole-table streams with flat memory),
  ``ensure_may_use_data``, ``accept_terms``, ``has_accepted_terms``;
- **usage:** ``record_usage``, ``usage_by_day``;
- **publish:** ``create_dataset``, ``add_resource``, ``remove_resource``,
  ``publish_dataset``, ``withdraw_dataset``, ``update_metadata``;
- **releases (Art. 31):** ``prepare_release`` (de-identify, preview, check, audit),
  ``get_release``, ``list_releases``, ``publish_release`` (only a passed check),
  ``discard_release``.
"""

from smartcity.domains.opendata.service.data import (
    RowSource,
    datastore_search,
    iter_rows,
    open_download,
)
from smartcity.domains.opendata.service.datasets import (
    accept_terms,
    add_resource,
    create_dataset,
    ensure_may_use_data,
    find_dataset_id_by_entry,
    find_dataset_id_by_name,
    get_dataset,
    get_resource,
    has_accepted_terms,
    may_manage,
    publish_dataset,
    record_usage,
    remove_resource,
    update_metadata,
    usage_by_day,
    valid_name,
    withdraw_dataset,
)
from smartcity.domains.opendata.service.presentation import (
    license_title,
    organization_name,
    update_cycle_label,
)
from smartcity.domains.opendata.service.releases import (
    discard_release,
    entry_has_releases,
    get_release,
    list_releases,
    prepare_release,
    publish_release,
)
from smartcity.domains.opendata.service.search import (
    FACETS,
    dataset_postings,
    get_organization,
    latest_modified,
    list_dataset_names,
    list_organizations,
    list_tags,
    list_themes,
    search_datasets,
)

__all__ = [
    "FACETS",
    "RowSource",
    "accept_terms",
    "add_resource",
    "create_dataset",
    "dataset_postings",
    "datastore_search",
    "discard_release",
    "ensure_may_use_data",
    "entry_has_releases",
    "find_dataset_id_by_entry",
    "find_dataset_id_by_name",
    "get_dataset",
    "get_organization",
    "get_release",
    "get_resource",
    "has_accepted_terms",
    "iter_rows",
    "latest_modified",
    "license_title",
    "list_dataset_names",
    "list_organizations",
    "list_releases",
    "list_tags",
    "list_themes",
    "may_manage",
    "open_download",
    "organization_name",
    "prepare_release",
    "publish_dataset",
    "publish_release",
    "record_usage",
    "remove_resource",
    "search_datasets",
    "update_cycle_label",
    "update_metadata",
    "usage_by_day",
    "valid_name",
    "withdraw_dataset",
]
