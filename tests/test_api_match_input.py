"""Bad input to the match API gets a clear 422 (or 413) naming the field, never echoes
the input, and leaves the service answering. Also note and FHIR input, /v1/extract, the
body guard's depth count, and `eligo match`."""

from __future__ import annotations

import json

import pytest

from app.api.body_guard import json_nesting_depth

AS_OF = "2025-06-01"
VALID = {"profile": {"age_years": 40, "sex": "female", "conditions": [{"text": "oral mucositis"}]}, "as_of": AS_OF}


@pytest.fixture
def client(tmp_path, make_client):
    return make_client(f"sqlite:///{tmp_path / 'eligo.db'}")


def assert_still_up(client):
    assert client.get("/healthz").status_code == 200
    assert client.post("/v1/match", json=VALID).status_code == 200


BAD_PROFILES = {
    "wrong type": ({"profile": {"age_years": "forty"}}, ["body", "profile", "age_years"]),
    "negative age": ({"profile": {"age_years": -4}}, ["body", "profile", "age_years"]),
    "unknown field": ({"profile": {"agee": 40}}, ["body", "profile", "agee"]),
    "unknown sex": ({"profile": {"sex": "yes"}}, ["body", "profile", "sex"]),
    "unreadable lab unit": ({"profile": {"labs": [{"analyte": "albumin", "value": 28, "unit": "gramz/L"}]}},
                            ["body", "profile", "labs", 0, "unit"]),
    "10,000 conditions": ({"profile": {"conditions": [{"text": "asthma"}] * 10_000}},
                          ["body", "profile", "conditions"]),
    "bad date": ({"profile": {}, "as_of": "yesterday"}, ["body", "as_of"]),
    "two inputs": ({"profile": {}, "note": "A 40-year-old woman."}, ["body"]),
    "no input": ({"as_of": AS_OF}, ["body"]),
    "bad status": ({"profile": {}, "statuses": ["OPEN"]}, ["body", "statuses", 0]),
    "limit too high": ({"profile": {}, "limit": 100_000}, ["body", "limit"]),
    "pregnant man": ({"profile": {"sex": "male", "pregnant": True}}, ["body", "profile"]),
}


@pytest.mark.parametrize("case", list(BAD_PROFILES))
def test_bad_profiles_get_a_422_naming_the_field(client, case):
    body, loc = BAD_PROFILES[case]
    response = client.post("/v1/match", json=body)
    assert response.status_code == 422, response.text
    errors = response.json()["detail"]
    assert any(error["loc"] == loc and error["msg"] for error in errors), errors
    assert all("input" not in error for error in errors)  # patient data is not echoed
    assert len(response.content) < 5_000
    assert_still_up(client)


def test_deeply_nested_json_is_refused_before_parsing(client):
    deep = "[" * 100_000 + "]" * 100_000
    response = client.post("/v1/match", content='{"profile": {"answers": {"q": ' + deep + "}}}",
                           headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "json_too_deep"
    assert_still_up(client)


def test_a_body_over_the_size_limit_is_refused(tmp_path, make_client):
    client = make_client(f"sqlite:///{tmp_path / 'eligo.db'}", max_request_bytes=10_000)
    response = client.post("/v1/match", json={"note": "x" * 20_000})
    assert response.status_code == 413
    # chunked, without Content-Length: counted while reading
    chunks = (b'{"note": "' + b"x" * 5_000 + b'"}' if i == 0 else b" " * 5_000 for i in range(3))
    response = client.post("/v1/match", content=chunks, headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert_still_up(client)


def test_invalid_json_is_a_422(client):
    response = client.post("/v1/match", content=b'{"profile": {', headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert_still_up(client)


def test_nesting_depth_ignores_brackets_in_strings():
    assert json_nesting_depth(b'{"a": [1, {"b": "[[[[{{{{"}]}') == 3
    assert json_nesting_depth(b'"\\"[[[["') == 0
    assert json_nesting_depth(b"") == 0


def test_a_note_is_matched_and_extracted_with_evidence(client):
    note = ("40-year-old woman after allogeneic stem cell transplant two months ago, now with oral mucositis. "
            "She is not pregnant.")
    matched = client.post("/v1/match", json={"note": note, "as_of": AS_OF})
    assert matched.status_code == 200
    assert any(t["nct_id"] == "NCT06599346" for t in matched.json()["trials"])
    extracted = client.post("/v1/extract", json={"note": note, "as_of": AS_OF})
    assert extracted.status_code == 200
    body = extracted.json()
    assert body["source"] == "note" and body["profile"]["age_years"] == 40
    assert body["facts"] and all(note[f["start"]:f["end"]] == f["text"] for f in body["facts"])


def test_a_fhir_bundle_is_matched_and_a_bad_one_names_resource_and_field(client):
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": {"resourceType": "Patient", "gender": "female", "birthDate": "1985-02-01"}},
        {"resource": {"resourceType": "Condition", "subject": {"reference": "Patient/1"},
                      "code": {"text": "oral mucositis"}}},
    ]}
    assert client.post("/v1/match", json={"fhir": bundle, "as_of": AS_OF}).status_code == 200
    extracted = client.post("/v1/extract", json={"fhir": bundle, "as_of": AS_OF}).json()
    assert extracted["source"] == "fhir" and extracted["profile"]["sex"] == "female"

    bundle["entry"][1]["resource"]["onsetDateTime"] = "last spring"
    response = client.post("/v1/match", json={"fhir": bundle, "as_of": AS_OF})
    assert response.status_code == 422
    error = response.json()["detail"][0]
    assert error["loc"][:3] == ["body", "fhir", "entry"] and "onsetDateTime" in error["loc"]
    assert error["msg"].startswith("Condition")
    assert_still_up(client)


def test_openapi_documents_the_match_request_with_an_example(client):
    schema = client.get("/openapi.json").json()
    assert "/v1/match" in schema["paths"] and "/v1/trials/{nct_id}/evaluate" in schema["paths"]
    request = schema["components"]["schemas"]["MatchRequest"]
    assert request["examples"][0]["profile"]["age_years"] == 40
    response = schema["components"]["schemas"]["ServiceMatchResult"]
    assert response["example"]["meta"]["candidates_evaluated"] >= 0


def test_the_documented_examples_are_valid():
    from app.api.match_models import EvaluateRequest, MatchRequest
    from app.match_service import ServiceMatchResult

    for example in MatchRequest.model_config["json_schema_extra"]["examples"]:
        MatchRequest.model_validate(example)
    EvaluateRequest.model_validate(EvaluateRequest.model_config["json_schema_extra"]["examples"][0])
    ServiceMatchResult.model_validate(ServiceMatchResult.model_config["json_schema_extra"]["example"])


# --- eligo match ------------------------------------------------------------------------------


def test_eligo_match_prints_a_ranked_table_and_json(client, tmp_path, run_cli):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'eligo.db'}"}  # the database the client loaded
    profile = tmp_path / "profile.json"
    profile.write_text(json.dumps(VALID["profile"]))
    table = run_cli(["match", profile, "--as-of", AS_OF], env=env)
    assert table.exit_code == 0, table.output
    assert "NCT06599346" in table.stdout and "Next questions" in table.stdout

    as_json = run_cli(["match", profile, "--as-of", AS_OF, "--json", "--limit", "2"], env=env)
    assert as_json.exit_code == 0
    api = client.post("/v1/match", json={**VALID, "limit": 2}).json()
    assert json.loads(as_json.stdout)["trials"] == api["trials"]


def test_eligo_match_explains_a_bad_profile(tmp_path, run_cli):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'eligo.db'}"}
    profile = tmp_path / "profile.json"
    profile.write_text(json.dumps({"age_years": -1}))
    result = run_cli(["match", profile], env=env)
    assert result.exit_code == 2 and "age_years" in result.output
