"""Every domain's models, imported once so ``Base.metadata`` knows every table."""

from smartcity.core.db import stamps as core_stamps
from smartcity.core.db.base import Base
from smartcity.domains.audit import models as audit_models
from smartcity.domains.base_data import models as base_data_models
from smartcity.domains.calendar import models as calendar_models
from smartcity.domains.catalog import models as catalog_models
from smartcity.domains.identity import models as identity_models
from smartcity.domains.onceonly import models as onceonly_models
from smartcity.domains.opendata import models as opendata_models
from smartcity.domains.opendata import models_requests as opendata_request_models
from smartcity.domains.privacy import models as privacy_models
from smartcity.domains.registry import models as registry_models
from smartcity.domains.sharing import models as sharing_models
from smartcity.domains.sharing import models_subscriptions as sharing_subscription_models

__all__ = [
    "Base",
    "audit_models",
    "base_data_models",
    "calendar_models",
    "catalog_models",
    "core_stamps",
    "identity_models",
    "onceonly_models",
    "opendata_models",
    "opendata_request_models",
    "privacy_models",
    "registry_models",
    "sharing_models",
    "sharing_subscription_models",
]
