"""Settings in one place (environment variables, then defaults).

``DATABASE_URL`` and ``CTGOV_BASE_URL`` keep their conventional names; every other
setting is ``ELIGO_<NAME>``. The default database is a SQLite file under ``./var/``
relative to the working directory, so a fresh clone runs with zero set-up and the file
sits next to the checkout (``/var/`` is git-ignored).
"""

from __future__ import annotations

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///./var/eligo.db"
DEFAULT_CTGOV_BASE_URL = "https://clinicaltrials.gov"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ELIGO_", populate_by_name=True, extra="ignore")

    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        validation_alias=AliasChoices("DATABASE_URL", "ELIGO_DATABASE_URL", "database_url"),
        description="SQLAlchemy URL; postgresql://... is read as postgresql+psycopg://...",
    )
    ctgov_base_url: str = Field(
        default=DEFAULT_CTGOV_BASE_URL,
        validation_alias=AliasChoices("CTGOV_BASE_URL", "ELIGO_CTGOV_BASE_URL", "ctgov_base_url"),
        description="Registry root; the client calls <base>/api/v2/studies",
    )
    load_demo: bool = Field(default=True, description="Load the demo trials into an empty database at start")
    migrate_on_start: bool = Field(default=True, description="Apply Alembic migrations when the service starts")
    import_batch_size: int = Field(default=200, ge=1, le=10_000, description="Records per import transaction")
    compile_on_import: bool = Field(default=True, description="Compile eligibility rules during import")
    sync_page_size: int = Field(default=100, ge=1, le=1000, description="Studies per registry page")
    http_timeout_seconds: float = Field(default=30.0, gt=0)
    http_max_retries: int = Field(default=5, ge=0, le=20, description="Retries per registry request")
    http_backoff_seconds: float = Field(default=1.0, ge=0, description="First retry wait; doubles each retry")
    http_max_wait_seconds: float = Field(default=60.0, ge=0, description="Cap on one wait, incl. Retry-After")
    match_candidate_limit: int = Field(
        default=300, ge=1, le=100_000,
        description="Most trials one match evaluates: the top candidates by index relevance",
    )
    preload_catalog: bool = Field(
        default=False,
        description="Load the trial catalog and warm the matcher before serving (eligo serve turns it on), "
        "so no worker takes a match request before it is ready",
    )
    parsed_rulesets_kept: int = Field(
        default=256, ge=0, le=1_000_000,
        description="RuleSets a worker keeps parsed after reading one in full (about 90 KiB each); the catalog "
        "holds them packed and a match reads none (it explains its page from plans), so this only spares "
        "re-parsing for trials evaluated outside a match (matching.packed_rules)",
    )
    catalog_check_seconds: float = Field(
        default=5.0, ge=0, description="How often a worker checks whether trials changed (0 = every request)"
    )
    max_request_bytes: int = Field(default=1_000_000, ge=1_000, description="Largest request body accepted (413 above)")
    max_json_depth: int = Field(default=32, ge=2, le=1000, description="Deepest JSON nesting accepted (422 above)")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)


def get_settings(**overrides) -> Settings:
    """Fresh settings from the environment (cheap; not cached so tests can change env)."""
    return Settings(**overrides)
