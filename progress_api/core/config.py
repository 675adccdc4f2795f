"""Settings of the progress service: one typed class read from the environment, served by `get_settings()`.

Nothing is built at import time: the app factory and the CLI call `get_settings()` (cached), and tests pass
their own `Settings` to `create_app(settings=...)`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "dev-secret-change-me"
MIN_SECRET_LENGTH = 32  # the hub generates 64 hex characters (secrets.token_hex(32))


class InsecureSettings(RuntimeError):
    """Production settings the service refuses to start with (the message says what to set)."""


def production_problem(*, production: bool, secret_key: str) -> str | None:
    """Why these settings must not run in production (None: they may).

    The secret key makes xAPI pseudonyms (HMAC of usernames) irreversible and signs CSRF tokens: with the public
    development default, or a short guessable key, anyone could map pseudonyms back to learners.
    """
    if not production:
        return None
    if secret_key.strip() == DEV_SECRET:
        return (
            "ACADEMY_PRODUCTION is true but ACADEMY_SECRET_KEY is the development default: set ACADEMY_SECRET_KEY to "
            f"a random value of at least {MIN_SECRET_LENGTH} characters (e.g. `python -c 'import secrets; "
            "print(secrets.token_hex(32))'`; under the hub it is generated for you)."
        )
    if len(secret_key.strip()) < MIN_SECRET_LENGTH:
        return (
            f"ACADEMY_PRODUCTION is true but ACADEMY_SECRET_KEY has {len(secret_key.strip())} characters: use a "
            f"random value of at least {MIN_SECRET_LENGTH} (e.g. `python -c 'import secrets; "
            "print(secrets.token_hex(32))'`)."
        )
    return None


class Settings(BaseSettings):
    """Everything the progress service reads from its environment (`ACADEMY_*` and JupyterHub's own variables)."""

    model_config = SettingsConfigDict(env_prefix="ACADEMY_", extra="ignore", populate_by_name=True)

    home: Path = Field(default=Path("var"), description="Platform data directory (ACADEMY_HOME).")
    database_url: str | None = Field(default=None, description="SQLAlchemy URL; default sqlite under ACADEMY_HOME.")
    api_prefix: str | None = Field(
        default=None,
        description="Mount prefix of every route; defaults to JUPYTERHUB_SERVICE_PREFIX under the hub, else ''.",
    )
    host: str = "127.0.0.1"
    port: int = 8001
    secret_key: str = Field(default=DEV_SECRET, description="Signs pseudonyms in xAPI exports and web sessions.")
    production: bool = False
    sqlite_busy_timeout_ms: int = 10_000
    page_size: int = 50
    max_page_size: int = 1000
    session_cookie: str = "academie_session"
    session_hours: int = 12
    # JupyterHub hands these to a managed service; no ACADEMY_ prefix on purpose.
    hub_api_url: str | None = Field(default=None, validation_alias=AliasChoices("JUPYTERHUB_API_URL", "hub_api_url"))
    hub_api_token: str | None = Field(
        default=None, validation_alias=AliasChoices("JUPYTERHUB_API_TOKEN", "hub_api_token")
    )
    hub_service_prefix: str | None = Field(
        default=None, validation_alias=AliasChoices("JUPYTERHUB_SERVICE_PREFIX", "hub_service_prefix")
    )
    hub_service_name: str | None = Field(
        default=None, validation_alias=AliasChoices("JUPYTERHUB_SERVICE_NAME", "hub_service_name")
    )
    hub_client_id: str | None = Field(
        default=None, validation_alias=AliasChoices("JUPYTERHUB_CLIENT_ID", "hub_client_id")
    )
    hub_oauth_callback_url: str | None = Field(
        default=None, validation_alias=AliasChoices("JUPYTERHUB_OAUTH_CALLBACK_URL", "hub_oauth_callback_url")
    )
    hub_base_url: str | None = Field(default=None, validation_alias=AliasChoices("JUPYTERHUB_BASE_URL", "hub_base_url"))
    hub_public_url: str | None = Field(
        default=None, description="Browser-facing hub URL for OAuth redirects (ACADEMY_HUB_PUBLIC_URL)."
    )
    hub_cache_seconds: float = Field(default=60.0, description="How long a validated hub token is trusted.")

    @field_validator("api_prefix", "hub_service_prefix")
    @classmethod
    def _strip_slash(cls, value: str | None) -> str | None:
        return value.rstrip("/") if value is not None else None

    @model_validator(mode="after")
    def _refuse_insecure_production(self) -> Settings:
        problem = production_problem(production=self.production, secret_key=self.secret_key)
        if problem:
            raise ValueError(problem)
        return self

    @property
    def prefix(self) -> str:
        """The effective mount prefix: ACADEMY_API_PREFIX, else the hub's service prefix, else ''."""
        if self.api_prefix is not None:
            return self.api_prefix
        return self.hub_service_prefix or ""

    @property
    def db_url(self) -> str:
        """The effective database URL (sqlite file under ACADEMY_HOME unless ACADEMY_DATABASE_URL is set)."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'progress.db').resolve()}"

    @property
    def hub_enabled(self) -> bool:
        """Hub tokens are accepted only when the service knows where the hub API is."""
        return bool(self.hub_api_url)


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings (a FastAPI dependency; tests override it through `create_app(settings=...)`)."""
    return Settings()
