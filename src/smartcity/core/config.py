"""Process configuration, read once from the environment (prefix ``SMARTCITY_``).

Only this module reads the environment. Everything else receives a ``Settings``
object explicitly, so tests build their own instead of patching globals.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal, Self

from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_SECRET = "dev-only-secret-change-me"


POOL_SIZE = 40
"""PostgreSQL connections kept per process: AnyIO's threadpool (where sync routes run)
has 40 threads; the exchange lookups' threads (4) each keep one of them."""


class DatabaseSettings(BaseModel):
    """Where the platform keeps its data: an embedded SQLite file unless told otherwise."""

    url: str = "sqlite:///./var/smartcity.sqlite3"
    echo: bool = False
    pool_size: int = Field(default=POOL_SIZE, ge=1)


class AuthSettings(BaseModel):
    """Web sessions, login throttling and API tokens."""

    session_cookie: str = "smartcity_session"
    session_hours: int = Field(default=8, ge=1, le=24 * 30)
    cookie_secure: bool = False
    login_max_failures: int = Field(default=5, ge=1)
    login_window_minutes: int = Field(default=15, ge=1)
    api_token_max_days: int = Field(default=365, ge=1)


class HttpSettings(BaseModel):
    """Limits at the HTTP edge."""

    max_body_bytes: int = Field(default=2 * 1024 * 1024, ge=1024)
    max_upload_bytes: int = Field(default=50 * 1024 * 1024, ge=1024)
    problem_base_uri: str = "/problems/"


class BaseDataSettings(BaseModel):
    """Bulk loads into the base databases (Art. 23–24) through the API and the pages.

    A load file may be several GB: the upload streams to ``upload_dir`` (on the same
    disk as the data, not the system temp directory) and is deleted when its load
    ends. ``max_upload_bytes`` is the one per-route exception to the HTTP body
    limit; everything else keeps ``http.max_body_bytes`` / ``http.max_upload_bytes``.
    """

    upload_dir: Path = Path("./var/uploads/base-data")
    max_upload_bytes: int = Field(default=20 * 1024**3, ge=1024)


class SharingSettings(BaseModel):
    """The sharing platform's clock and its change notifications.

    The statutory clock of share requests (Art. 27), in working days of the
    platform's calendar: the coordinator's compliance check, the provider's answer,
    and how many working days before either deadline the task reminds (``smartcity
    sharing remind``). A reminder window as long as a period reminds at once.

    Change notifications (Art. 26): a callback URL must be ``http(s)`` and its host
    in ``webhook_allowed_hosts`` (exact names or addresses, or ``*.suffix`` for a
    domain and its sub-domains), so a subscription cannot make the platform call
    arbitrary hosts of the government network. Loopback hosts (``localhost``,
    ``127.0.0.0/8``, ``::1``) are allowed when ``webhook_allow_loopback`` says so;
    unset, they are allowed outside production. A failed delivery is retried after
    ``webhook_backoff_seconds``, doubling each time up to
    ``webhook_backoff_max_seconds``; after ``webhook_max_attempts`` attempts it is dead
    (the dead-letter list) until someone redelivers it.
    """

    check_working_days: int = Field(default=2, ge=1, le=60)
    answer_working_days: int = Field(default=10, ge=1, le=60)
    remind_working_days_before: int = Field(default=1, ge=1, le=60)
    webhook_allowed_hosts: list[str] = Field(default_factory=list)
    webhook_allow_loopback: bool | None = None
    webhook_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    webhook_max_attempts: int = Field(default=10, ge=1, le=50)
    webhook_backoff_seconds: int = Field(default=60, ge=1)
    webhook_backoff_max_seconds: int = Field(default=3600, ge=1)
    webhook_batch: int = Field(default=100, ge=1, le=10_000)
    webhook_concurrency: int = Field(default=4, ge=1, le=64)


class PrivacySettings(BaseModel):
    """The clock of the data subjects' correction and deletion requests (Art. 68): the
    source department answers within ``answer_working_days`` working days of the
    platform's calendar (``SMARTCITY_PRIVACY__ANSWER_WORKING_DAYS``). A request may
    carry up to ``evidence_max_files`` evidence files (PDF, JPEG, PNG) of at most
    ``evidence_max_bytes`` each (``SMARTCITY_PRIVACY__EVIDENCE_MAX_BYTES``)."""

    answer_working_days: int = Field(default=10, ge=1, le=60)
    evidence_max_bytes: int = Field(default=5 * 1024 * 1024, ge=1024, le=20 * 1024 * 1024)
    evidence_max_files: int = Field(default=3, ge=1, le=10)


class OnceOnlySettings(BaseModel):
    """Prefill with consent (Art. 28): a prefill request the citizen has not answered
    within ``prefill_ttl_minutes`` expires, and so do approved values the requesting
    service has not fetched within as long again after the approval
    (``SMARTCITY_ONCEONLY__PREFILL_TTL_MINUTES``; Myinfo's access token lives 30 minutes)."""

    prefill_ttl_minutes: int = Field(default=30, ge=1, le=24 * 60)


class OpenDataSettings(BaseModel):
    """Limits of the open data API (Art. 31): calls per minute on the CKAN-compatible
    API and the data downloads, per API key (``SMARTCITY_OPENDATA__KEY_PER_MINUTE``)
    and per anonymous client address (``SMARTCITY_OPENDATA__ANONYMOUS_PER_MINUTE``);
    datasets per page of the DCAT catalog. The anonymous default leaves room for
    ``ckanapi dump datasets --all`` of a catalog of about a hundred datasets (one
    ``package_show`` each) within a minute; heavier harvesting uses a key."""

    anonymous_per_minute: int = Field(default=120, ge=1)
    key_per_minute: int = Field(default=600, ge=1)
    dcat_page_size: int = Field(default=100, ge=1, le=1000)


class Settings(BaseSettings):
    """Process configuration.

    ``SMARTCITY_DATABASE__URL=postgresql+psycopg://…`` selects PostgreSQL; the
    default is a local SQLite file. A typo in an environment variable of ours is
    an error (``extra="forbid"``), not a silently ignored setting.
    """

    model_config = SettingsConfigDict(
        env_prefix="SMARTCITY_", env_nested_delimiter="__", env_file=".env", extra="forbid"
    )

    environment: Literal["development", "test", "production"] = "development"
    secret_key: SecretStr = SecretStr(DEVELOPMENT_SECRET)
    timezone: str = "Asia/Shanghai"
    database: DatabaseSettings = DatabaseSettings()
    auth: AuthSettings = AuthSettings()
    http: HttpSettings = HttpSettings()
    base_data: BaseDataSettings = BaseDataSettings()
    sharing: SharingSettings = SharingSettings()
    privacy: PrivacySettings = PrivacySettings()
    opendata: OpenDataSettings = OpenDataSettings()
    onceonly: OnceOnlySettings = OnceOnlySettings()

    @property
    def webhook_loopback_allowed(self) -> bool:
        """Loopback callback hosts: as configured, else allowed outside production."""
        configured = self.sharing.webhook_allow_loopback
        return self.environment != "production" if configured is None else configured

    @model_validator(mode="after")
    def _refuse_development_secret_in_production(self) -> Self:
        if self.environment == "production":
            if self.secret_key.get_secret_value() == DEVELOPMENT_SECRET:
                raise ValueError("SMARTCITY_SECRET_KEY must be set in production")
            if not self.auth.cookie_secure:
                raise ValueError("SMARTCITY_AUTH__COOKIE_SECURE must be true in production")
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process settings, read once."""
    return Settings()
