"""The HTTP API through the real app (lifespan: migrations + demo) on both databases."""

from __future__ import annotations

import pytest


@pytest.fixture
def client(make_client, db_url):
    return make_client(db_url)  # empty database: migrations run, demo trials load


def test_healthz_checks_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok", "database": "ok", "schema_revision": "0002", "trials": 5, "detail": None,
        "matcher": "python",  # a development checkout (matching.native)
    }


def test_healthz_reports_an_unusable_database(make_client, tmp_path):
    client = make_client(f"sqlite:///{tmp_path / 'x.db'}", migrate_on_start=False, load_demo=False)
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json()["database"] == "unavailable"


def test_list_trials_with_paging(client):
    page = client.get("/v1/trials", params={"limit": 2}).json()
    assert page["total"] == 5 and page["limit"] == 2 and len(page["items"]) == 2
    rest = client.get("/v1/trials", params={"limit": 2, "offset": 4}).json()
    assert [t["nct_id"] for t in rest["items"]] == ["NCT06599346"]
    ids = [t["nct_id"] for t in page["items"]] + [t["nct_id"] for t in client.get("/v1/trials", params={"limit": 2, "offset": 2}).json()["items"]]
    assert len(set(ids)) == 4


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "NOT_YET_RECRUITING"}, {"NCT06536712", "NCT05862675"}),
        ({"status": ["RECRUITING", "UNKNOWN"]}, {"NCT06599346", "NCT03876197"}),
        ({"phase": "PHASE2"}, {"NCT03876197"}),
        ({"condition": "rectal"}, {"NCT06536712"}),
        ({"condition": "Rectal Neoplasms"}, {"NCT06536712"}),  # MeSH term
        ({"q": "xerostomia"}, {"NCT03876197"}),
        ({"q": "LOCAL-RIOM"}, {"LOCAL-RIOM-0001"}),
        ({"age": 8}, {"NCT05862675", "LOCAL-RIOM-0001"}),  # no age limits never exclude
        ({"age": 80, "sex": "female"}, {"NCT06599346", "NCT03876197", "LOCAL-RIOM-0001"}),
        ({"q": "100%_"}, set()),  # LIKE wildcards are literal
    ],
)
def test_filters(client, params, expected):
    page = client.get("/v1/trials", params=params).json()
    assert {t["nct_id"] for t in page["items"]} == expected
    assert page["total"] == len(expected)


def test_bad_filters_get_422_naming_the_field(client):
    response = client.get("/v1/trials", params={"age": -3, "limit": 0})
    assert response.status_code == 422
    fields = {tuple(error["loc"]) for error in response.json()["detail"]}
    assert ("query", "age") in fields and ("query", "limit") in fields


def test_read_trial(client):
    trial = client.get("/v1/trials/NCT03876197").json()
    assert trial["brief_title"] == "Mesenchymal Stem Cells for Radiation-induced Xerostomia"
    assert trial["eligibility_criteria"].startswith("Inclusion Criteria:")
    assert trial["sites"][0]["city"] == "Copenhagen"
    assert trial["url"] == "https://clinicaltrials.gov/study/NCT03876197"


def test_trial_with_empty_criteria_and_local_id(client):
    trial = client.get("/v1/trials/LOCAL-RIOM-0001").json()
    assert trial["eligibility_criteria"] == "" and trial["url"] == "" and trial["sites"] == []


def test_unknown_and_malformed_ids(client):
    assert client.get("/v1/trials/NCT99999999").status_code == 404
    response = client.get("/v1/trials/DROP-TABLE")
    assert response.status_code == 422 and "not a trial id" in response.json()["detail"]


def test_rules_endpoint(client):
    from app.rules import compiler_available

    response = client.get("/v1/trials/NCT06599346/rules")
    if not compiler_available():
        assert response.status_code == 404 and "no compiled rules" in response.json()["detail"]
        return
    body = response.json()
    assert body["stale"] is False and body["ruleset"]["criteria"]
    empty = client.get("/v1/trials/LOCAL-RIOM-0001/rules").json()
    assert empty["ruleset"]["criteria"] == []


def test_openapi_docs(client):
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/v1/trials", "/v1/trials/{nct_id}", "/v1/trials/{nct_id}/rules", "/healthz"} <= set(paths)
