"""Pure parsing of API v2 records (no database)."""

import datetime as dt

import pytest

from app.ctgov import (
    RecordError,
    is_valid_trial_id,
    parse_age_years,
    parse_registry_date,
    parse_study,
)


@pytest.mark.parametrize(
    ("text", "years"),
    [
        ("18 Years", 18.0),
        ("1 Year", 1.0),
        ("6 Months", 0.5),
        ("2 Weeks", 14 / 365.2425),
        ("14 Days", 14 / 365.2425),
        ("N/A", None),
        (None, None),
        ("", None),
    ],
)
def test_ages_become_years(text, years):
    result = parse_age_years(text)
    assert result == (pytest.approx(years, abs=1e-6) if years is not None else None)


@pytest.mark.parametrize("text", ["eighteen", "18 Yrs old", "Years"])
def test_unreadable_ages_are_errors(text):
    with pytest.raises(RecordError):
        parse_age_years(text)


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2024-09-14", dt.date(2024, 9, 14)),
        ("2024-09", dt.date(2024, 9, 1)),
        ("December 4, 2014", dt.date(2014, 12, 4)),
        ("May 2015", dt.date(2015, 5, 1)),
        (None, None),
    ],
)
def test_registry_dates_in_both_layouts(text, day):
    assert parse_registry_date(text) == day


def test_ids_accept_nct_and_local_forms():
    assert is_valid_trial_id("NCT06599346")
    assert is_valid_trial_id("LOCAL-RIOM-0001")
    for bad in ("NCT123", "nct06599346", "LOCAL-", "local-riom", "RIOM-0001", "NCT06599346 "):
        assert not is_valid_trial_id(bad)


def test_a_full_record_is_normalised(make_study):
    record = make_study(max_age="75 Years", sex="FEMALE", phases=["PHASE1", "PHASE2"])
    record["derivedSection"] = {
        "conditionBrowseModule": {
            "meshes": [{"id": "D006086", "term": "Graft vs Host Disease"}],
            "ancestors": [{"id": "D007154", "term": "Immune System Diseases"}],
        }
    }
    study = parse_study(record)
    assert study.nct_id == "NCT00000001"
    assert (study.min_age_years, study.max_age_years, study.sex) == (18.0, 75.0, "FEMALE")
    assert study.phases == ["PHASE1", "PHASE2"]
    assert study.mesh_terms == ["Graft vs Host Disease"]
    assert study.mesh_ancestors == ["Immune System Diseases"]
    assert study.last_update_posted == dt.date(2024, 1, 15)
    assert study.sites[0].city == "Copenhagen" and study.sites[0].latitude == 55.67594


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda r: r.pop("protocolSection"), "protocolSection"),
        (lambda r: r["protocolSection"]["identificationModule"].pop("nctId"), "nctId"),
        (lambda r: r["protocolSection"]["identificationModule"].update(nctId="12345"), "12345"),
        (lambda r: r["protocolSection"]["identificationModule"].update(nctId=12345678), "should be text"),
        (lambda r: r["protocolSection"]["conditionsModule"].update(conditions="GVHD"), "list of text"),
        (lambda r: r["protocolSection"]["eligibilityModule"].update(healthyVolunteers="no"), "true or false"),
        (lambda r: r["protocolSection"]["eligibilityModule"].update(minimumAge=18), "should be text"),
        (lambda r: r["protocolSection"]["eligibilityModule"].update(minimumAge="80 Years", maximumAge="18 Years"), "above"),
        (lambda r: r["protocolSection"]["eligibilityModule"].update(sex="BOTH"), "sex"),
        (lambda r: r["protocolSection"].update(designModule=["PHASE1"]), "should be an object"),
        (lambda r: r["protocolSection"]["contactsLocationsModule"]["locations"][0].update(geoPoint={"lat": "north"}), "number"),
    ],
)
def test_wrong_types_are_reported_with_a_reason(make_study, mutate, reason):
    record = make_study()
    mutate(record)
    with pytest.raises(RecordError, match=reason):
        parse_study(record)


def test_a_record_that_is_not_an_object_is_an_error():
    with pytest.raises(RecordError, match="JSON object"):
        parse_study(["NCT00000001"])
