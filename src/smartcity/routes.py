"""The routers of the application, in order: explicit lists, no auto-discovery."""

from fastapi import APIRouter

from smartcity.domains.audit import api as audit_api
from smartcity.domains.audit import web as audit_web
from smartcity.domains.base_data import api as base_data_api
from smartcity.domains.base_data import web as base_data_web
from smartcity.domains.base_data import web_quality as base_data_quality_web
from smartcity.domains.calendar import api as calendar_api
from smartcity.domains.calendar import web as calendar_web
from smartcity.domains.catalog import api as catalog_api
from smartcity.domains.catalog import web as catalog_web
from smartcity.domains.identity import api as identity_api
from smartcity.domains.identity import web as identity_web
from smartcity.domains.onceonly import api as onceonly_api
from smartcity.domains.onceonly import api_prefill as onceonly_prefill_api
from smartcity.domains.onceonly import web as onceonly_web
from smartcity.domains.onceonly import web_prefill as onceonly_prefill_web
from smartcity.domains.opendata import api as opendata_api
from smartcity.domains.opendata import api_ckan as opendata_ckan_api
from smartcity.domains.opendata import api_dcat as opendata_dcat_api
from smartcity.domains.opendata import api_keys as opendata_keys_api
from smartcity.domains.opendata import api_requests as opendata_requests_api
from smartcity.domains.opendata import web_keys as opendata_keys_web
from smartcity.domains.opendata import web_portal as opendata_portal_web
from smartcity.domains.opendata import web_portal_requests as opendata_requests_web
from smartcity.domains.opendata import web_releases as opendata_releases_web
from smartcity.domains.privacy import api as privacy_api
from smartcity.domains.privacy import web as privacy_web
from smartcity.domains.registry import api as registry_api
from smartcity.domains.registry import web as registry_web
from smartcity.domains.registry import web_systems as registry_systems_web
from smartcity.domains.sharing import api as sharing_api
from smartcity.domains.sharing import api_exchange as sharing_exchange_api
from smartcity.domains.sharing import api_exchange_files as sharing_exchange_files_api
from smartcity.domains.sharing import api_stats as sharing_stats_api
from smartcity.domains.sharing import api_subscriptions as sharing_subscriptions_api
from smartcity.domains.sharing import web as sharing_web
from smartcity.domains.sharing import web_exchange_log as sharing_exchange_log_web
from smartcity.domains.sharing import web_stats as sharing_stats_web
from smartcity.domains.sharing import web_subscriptions as sharing_subscriptions_web
from smartcity.tools_api import router as tools_api
from smartcity.web import router as shell_web

API_ROUTERS: list[APIRouter] = [
    # First: the exchange API is the hot path, and a request is matched against the
    # routes in order (each router's routes are tried one by one).
    sharing_exchange_api.router,
    identity_api.router,
    registry_api.router,
    catalog_api.router,
    base_data_api.router,
    audit_api.router,
    calendar_api.router,
    sharing_api.router,
    sharing_exchange_files_api.router,
    sharing_stats_api.router,
    sharing_subscriptions_api.router,
    privacy_api.router,
    onceonly_api.router,
    onceonly_prefill_api.router,
    opendata_api.router,
    opendata_dcat_api.api_router,
    opendata_keys_api.router,
    opendata_requests_api.router,
    tools_api,
]

WEB_ROUTERS: list[APIRouter] = [
    # CKAN-compatible /api/3/action and /api/action (their own paths, no /api/v1 prefix)
    opendata_ckan_api.router,
    opendata_dcat_api.router,  # /catalog.ttl|jsonld|rdf, /dataset/{id}.ttl|jsonld|rdf
    opendata_keys_web.router,  # /opendata/api-keys
    shell_web,
    identity_web.router,
    registry_web.router,
    registry_systems_web.router,
    catalog_web.router,
    base_data_web.router,
    base_data_quality_web.router,
    audit_web.router,
    calendar_web.router,
    sharing_web.router,
    sharing_exchange_files_api.web_router,
    sharing_stats_web.router,
    sharing_exchange_log_web.router,
    sharing_subscriptions_web.router,
    privacy_web.router,
    onceonly_web.router,
    onceonly_prefill_web.router,
    opendata_portal_web.router,
    opendata_requests_web.router,
    opendata_releases_web.router,
]

#: Requests the platform sends (documented under ``webhooks`` in the OpenAPI document).
WEBHOOK_ROUTERS: list[APIRouter] = [sharing_subscriptions_api.webhooks]
