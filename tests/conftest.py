"""Shared fixtures: paths, real databases (a SQLite file and a PostgreSQL database),
the app under TestClient, and the CLI.

``db_url`` is parametrised over SQLite and PostgreSQL, so a test that takes it runs on
both. PostgreSQL: the session creates one uniquely named database on 127.0.0.1:5432
(per xdist worker), every test gets an empty ``public`` schema in it, and the database
is dropped at the end. When the server is unreachable those tests are skipped with a
message, unless ``ELIGO_REQUIRE_POSTGRES=1`` (set by ``.ci/run``) makes that a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DIR = REPO_ROOT.parent / "shared"
PG_SERVER_URL = os.environ.get(
    "ELIGO_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


# --- paths -----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """``../shared`` beside the repository; skips the test when it is absent."""
    if not SHARED_DIR.is_dir():
        pytest.skip(f"shared data not found at {SHARED_DIR}")
    return SHARED_DIR


@pytest.fixture(scope="session")
def shared_file(shared_dir: Path) -> Callable[[str], Path]:
    """``shared_file("data/ctgov/msc-trials.jsonl")``: the path, or skip when missing."""

    def find(relative: str) -> Path:
        path = shared_dir / relative
        if not path.exists():
            pytest.skip(f"shared file not found: {path}")
        return path

    return find


# --- databases -------------------------------------------------------------------------


def _psycopg_conninfo(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_database_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped at the end."""
    import psycopg
    from sqlalchemy.engine import make_url

    server = _psycopg_conninfo(PG_SERVER_URL)
    try:
        admin = psycopg.connect(server, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        message = f"PostgreSQL not reachable at {make_url(PG_SERVER_URL).render_as_string()}: {error}"
        if os.environ.get("ELIGO_REQUIRE_POSTGRES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    name = f"eligo_test_{uuid.uuid4().hex[:12]}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield make_url(PG_SERVER_URL).set(database=name).render_as_string(hide_password=False)
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _empty_postgres_schema(url: str) -> None:
    import psycopg

    with psycopg.connect(_psycopg_conninfo(url), autocommit=True) as connection:
        connection.execute("DROP SCHEMA IF EXISTS public CASCADE")
        connection.execute("CREATE SCHEMA public")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """URL of an empty database (no tables): a SQLite file, or the session's PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'eligo.db'}"
    url = request.getfixturevalue("postgres_database_url")
    _empty_postgres_schema(url)
    return url


@pytest.fixture
def migrated_db_url(db_url: str) -> str:
    from app import migrate

    migrate.upgrade(db_url)
    return db_url


@pytest.fixture
def session_factory(migrated_db_url: str):
    from app.db import make_engine, make_session_factory

    engine = make_engine(migrated_db_url)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def session_factory_for() -> Iterator[Callable[[str], object]]:
    """``session_factory_for(url)`` -> a sessionmaker on an existing database (e.g. one a
    CLI command just wrote); engines are disposed at teardown."""
    from app.db import make_engine, make_session_factory

    engines = []

    def make(url: str):
        engine = make_engine(url)
        engines.append(engine)
        return make_session_factory(engine)

    yield make
    for engine in engines:
        engine.dispose()


# --- settings, app, CLI ----------------------------------------------------------------


@pytest.fixture
def make_settings() -> Callable[..., object]:
    """Settings for tests: fast retries, nothing read from the developer's environment
    beyond what is given."""
    from app.config import Settings

    def make(database_url: str, **overrides) -> Settings:
        values = dict(
            database_url=database_url,
            http_backoff_seconds=0.01,
            http_max_wait_seconds=0.05,
            http_max_retries=3,
        )
        values.update(overrides)
        return Settings(**values)

    return make


@pytest.fixture
def make_client(make_settings) -> Iterator[Callable[..., object]]:
    """``make_client(db_url, load_demo=False, ...)`` -> a started TestClient (lifespan
    ran: migrations applied, demo loaded if asked). Closed at teardown."""
    from fastapi.testclient import TestClient

    from app.main import create_app

    clients: list[TestClient] = []

    def make(database_url: str, **overrides) -> TestClient:
        client = TestClient(create_app(make_settings(database_url, **overrides)))
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def run_cli() -> Callable[..., object]:
    """``run_cli(["import", path], env={"DATABASE_URL": url})`` -> typer Result."""
    from typer.testing import CliRunner

    from app.cli import cli

    runner = CliRunner()

    def run(args: list[str], env: dict[str, str] | None = None, input: str | None = None):
        base = {"ELIGO_HTTP_BACKOFF_SECONDS": "0.01", "ELIGO_HTTP_MAX_WAIT_SECONDS": "0.05"}
        return runner.invoke(cli, [str(a) for a in args], env={**base, **(env or {})}, input=input)

    return run


# --- study records ---------------------------------------------------------------------


@pytest.fixture
def make_study() -> Callable[..., dict]:
    """A minimal valid API v2 study record; keyword arguments adjust it."""

    def make(
        nct_id: str = "NCT00000001",
        *,
        updated: str | None = "2024-01-15",
        title: str = "A study",
        status: str = "RECRUITING",
        criteria: str = "Inclusion Criteria:\n\n* Adults\n\nExclusion Criteria:\n\n* Pregnancy",
        min_age: str | None = "18 Years",
        max_age: str | None = None,
        sex: str = "ALL",
        conditions: list[str] | None = None,
        phases: list[str] | None = None,
        locations: list[dict] | None = None,
    ) -> dict:
        eligibility = {"eligibilityCriteria": criteria, "sex": sex, "healthyVolunteers": False}
        if min_age:
            eligibility["minimumAge"] = min_age
        if max_age:
            eligibility["maximumAge"] = max_age
        status_module = {"overallStatus": status}
        if updated:
            status_module["lastUpdatePostDateStruct"] = {"date": updated}
        return {
            "protocolSection": {
                "identificationModule": {"nctId": nct_id, "briefTitle": title},
                "statusModule": status_module,
                "conditionsModule": {"conditions": conditions or ["Graft Versus Host Disease"]},
                "designModule": {"studyType": "INTERVENTIONAL", "phases": phases or ["PHASE2"]},
                "eligibilityModule": eligibility,
                "contactsLocationsModule": {
                    "locations": locations
                    if locations is not None
                    else [{"facility": "Rigshospitalet", "city": "Copenhagen", "country": "Denmark",
                           "geoPoint": {"lat": 55.67594, "lon": 12.56553}}]
                },
            }
        }

    return make
