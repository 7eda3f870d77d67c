"""Catalog reloads run off the request path, on SQLite and PostgreSQL: a trial imported
through another connection is noticed, requests made while the new catalog is being
built are answered from the old one, and the new trial is served once it is swapped in."""

from __future__ import annotations

import threading

import pytest

import app.catalog
from app.importer import import_records
from app.sources import SourceRecord

AS_OF = "2025-06-01"
ASTHMA = {"profile": {"age_years": 30, "conditions": [{"text": "asthma"}]}, "as_of": AS_OF}


def matched_ids(client) -> set[str]:
    response = client.post("/v1/match", json=ASTHMA)
    assert response.status_code == 200, response.text
    return {t["nct_id"] for t in response.json()["trials"]}


@pytest.fixture
def held_reload(monkeypatch):
    """Make the next catalog reload do its real work, then wait for ``release`` before
    it may be swapped in; ``started`` is set once the reload is under way."""
    started, release = threading.Event(), threading.Event()
    real = app.catalog.load_snapshot

    def load_then_hold(session, previous=None):
        snapshot = real(session, previous)
        started.set()
        release.wait(timeout=60)  # a bug that reloads in the request would hold it this long
        return snapshot

    monkeypatch.setattr(app.catalog, "load_snapshot", load_then_hold)
    yield started, release
    release.set()


def test_requests_during_a_reload_get_the_old_catalog_then_the_new_one(
        make_client, migrated_db_url, session_factory_for, make_study, held_reload):
    other_writer = session_factory_for(migrated_db_url)  # another process's connection
    import_records(other_writer, [SourceRecord("t", make_study("NCT09000001", conditions=["Asthma"]))])
    client = make_client(migrated_db_url, preload_catalog=True, load_demo=False, catalog_check_seconds=0)
    catalog = client.app.state.catalog
    first_version = catalog.loaded_version
    assert matched_ids(client) == {"NCT09000001"}

    started, release = held_reload
    import_records(other_writer, [SourceRecord("t", make_study("NCT09000002", conditions=["Asthma"]))])

    assert matched_ids(client) == {"NCT09000001"}  # noticed the new version; reload started
    assert started.wait(timeout=120)
    # the new catalog is built but held: these requests answer at once, from the old one
    for _ in range(3):
        assert matched_ids(client) == {"NCT09000001"}
    assert catalog.refreshing and catalog.loaded_version == first_version

    release.set()
    assert catalog.wait_for_refresh(timeout=120)
    assert catalog.loaded_version > first_version
    assert matched_ids(client) == {"NCT09000001", "NCT09000002"}


def test_a_failed_reload_keeps_serving_the_catalog_in_place(
        make_client, migrated_db_url, session_factory_for, make_study, monkeypatch):
    other_writer = session_factory_for(migrated_db_url)
    import_records(other_writer, [SourceRecord("t", make_study("NCT09000001", conditions=["Asthma"]))])
    client = make_client(migrated_db_url, preload_catalog=True, load_demo=False, catalog_check_seconds=0)
    catalog = client.app.state.catalog

    def broken(session, previous=None):
        raise RuntimeError("database went away")

    monkeypatch.setattr(app.catalog, "load_snapshot", broken)
    import_records(other_writer, [SourceRecord("t", make_study("NCT09000002", conditions=["Asthma"]))])
    assert matched_ids(client) == {"NCT09000001"}
    assert catalog.wait_for_refresh(timeout=120)
    assert catalog.last_error == "RuntimeError"
    assert matched_ids(client) == {"NCT09000001"}  # still served; the next check tries again

    monkeypatch.undo()
    assert catalog.wait_for_refresh(timeout=120)
    matched_ids(client)  # starts a new check, which now succeeds
    assert catalog.wait_for_refresh(timeout=120)
    assert catalog.last_error is None
    assert matched_ids(client) == {"NCT09000001", "NCT09000002"}
