"""FHIR R4 Bundle -> PatientProfile: codes, display-only resources, invalid bundles."""

import datetime as dt

import pytest

from matching.fhir import FhirInputError, profile_from_fhir, read_fhir_bundle

AS_OF = dt.date(2024, 6, 1)
SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"


def bundle(*resources):
    return {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in resources]}


PATIENT = {"resourceType": "Patient", "id": "p1", "birthDate": "1970-06-01", "gender": "female"}
SUBJECT = {"reference": "Patient/p1"}


def coded(system, code, display=None, text=None):
    concept = {"coding": [{"system": system, "code": code, **({"display": display} if display else {})}]}
    return {**concept, **({"text": text} if text else {})}


def test_patient_and_coded_condition():
    profile = profile_from_fhir(bundle(PATIENT, {
        "resourceType": "Condition", "subject": SUBJECT,
        "code": coded(SNOMED, "44054006", "Diabetes mellitus type 2"),
        "clinicalStatus": coded("http://terminology.hl7.org/CodeSystem/condition-clinical", "active"),
        "onsetDateTime": "2019-03-04",
    }), as_of=AS_OF)
    assert profile.sex == "female" and profile.birth_date == dt.date(1970, 6, 1)
    assert profile.age_years == pytest.approx(54, abs=0.01)
    [condition] = profile.conditions
    assert condition.code.system == "snomed" and condition.code.code == "44054006"
    assert condition.text == "Diabetes mellitus type 2" and condition.status == "active"
    assert condition.onset == dt.date(2019, 3, 4)
    assert profile.absent_means_no is False


def test_condition_status_and_refuted_and_icd10():
    profile = profile_from_fhir(bundle(
        {"resourceType": "Condition", "subject": SUBJECT, "code": coded("http://hl7.org/fhir/sid/icd-10-cm", "C50.911"),
         "clinicalStatus": coded("http://terminology.hl7.org/CodeSystem/condition-clinical", "remission")},
        {"resourceType": "Condition", "subject": SUBJECT, "code": {"text": "HIV infection"},
         "verificationStatus": coded("http://terminology.hl7.org/CodeSystem/condition-ver-status", "refuted")},
        {"resourceType": "Condition", "subject": SUBJECT, "code": {"text": "typo"},
         "verificationStatus": coded("http://terminology.hl7.org/CodeSystem/condition-ver-status", "entered-in-error")},
    ))
    first, second = profile.conditions
    assert first.code.system == "icd10cm" and first.status == "history" and first.text is None
    assert second.text == "HIV infection" and second.present is False and second.code is None


def test_procedure_observations_medications_allergy_without_codes():
    profile = profile_from_fhir(bundle(
        {"resourceType": "Procedure", "status": "completed", "subject": SUBJECT,
         "code": {"text": "Allogeneic stem cell transplant"}, "performedDateTime": "2021-05-02"},
        {"resourceType": "Procedure", "status": "preparation", "subject": SUBJECT,
         "code": {"text": "Radiotherapy"}, "bodySite": [{"text": "neck"}],
         "performedPeriod": {"start": "2024-07-01"}},
        {"resourceType": "Observation", "status": "final", "code": coded(LOINC, "1751-7", "Albumin"),
         "valueQuantity": {"value": 2.8, "unit": "g/dL"}, "effectiveDateTime": "2024-05-30"},
        {"resourceType": "Observation", "status": "final", "code": {"text": "Ferritin (local)"},
         "valueQuantity": {"value": 410, "unit": "ng/mL"}},
        {"resourceType": "Observation", "status": "final", "code": coded(LOINC, "89247-1"), "valueInteger": 1},
        {"resourceType": "Observation", "status": "final", "code": coded(LOINC, "89243-0"),
         "valueQuantity": {"value": 80}},
        {"resourceType": "Observation", "status": "final", "code": coded(LOINC, "82810-3"),
         "valueCodeableConcept": coded(SNOMED, "60001007", "Not pregnant")},
        {"resourceType": "Observation", "status": "final", "code": coded(LOINC, "72166-2"),
         "valueCodeableConcept": coded(SNOMED, "8517006", "Ex-smoker")},
        {"resourceType": "MedicationStatement", "status": "active", "subject": SUBJECT,
         "medicationCodeableConcept": coded("http://www.nlm.nih.gov/research/umls/rxnorm", "8640", "prednisone"),
         "effectivePeriod": {"start": "2024-01-01"},
         "dosage": [{"doseAndRate": [{"doseQuantity": {"value": 10, "unit": "mg"}}], "timing": {"code": {"text": "daily"}}}]},
        {"resourceType": "MedicationRequest", "status": "stopped", "intent": "order", "subject": SUBJECT,
         "medicationCodeableConcept": {"text": "warfarin"}, "authoredOn": "2023-02-01"},
        {"resourceType": "AllergyIntolerance", "patient": SUBJECT, "code": {"text": "penicillin"}},
    ), as_of=AS_OF)
    hsct, rt = profile.procedures
    assert hsct.subtype == "allogeneic" and hsct.date == dt.date(2021, 5, 2) and not hsct.planned
    assert rt.planned and rt.site == "neck"
    albumin, ferritin = profile.labs
    assert (albumin.analyte, albumin.value, albumin.unit, albumin.code.system) == ("albumin", 2.8, "g/dL", "loinc")
    assert albumin.date == dt.date(2024, 5, 30)
    assert ferritin.analyte == "Ferritin (local)" and ferritin.code is None
    assert profile.ecog == 1 and profile.karnofsky == 80 and profile.pregnant is False
    [smoking] = profile.conditions
    assert smoking.text == "tobacco use" and smoking.status == "history"
    pred, warfarin = profile.medications
    assert pred.code.system == "rxnorm" and pred.dose == 10 and pred.unit == "mg" and pred.frequency == "daily"
    assert pred.start == dt.date(2024, 1, 1) and pred.end is None
    assert warfarin.text == "warfarin" and warfarin.end == dt.date(2023, 2, 1)
    assert profile.allergies[0].text == "penicillin"


def test_unknown_resources_are_ignored_with_a_warning():
    result = read_fhir_bundle(bundle(PATIENT, {"resourceType": "Encounter", "status": "finished"}), as_of=AS_OF)
    assert result.profile.sex == "female"
    assert any("Encounter" in w for w in result.warnings)


@pytest.mark.parametrize("bad, field_part", [
    ({"resourceType": "Patient"}, "resourceType"),
    ([], ""),
    ({"resourceType": "Bundle", "entry": {"resource": {}}}, "entry"),
    (bundle({"id": "x"}), "entry[0].resource.resourceType"),
    (bundle(PATIENT, {"resourceType": "Condition", "subject": SUBJECT, "code": {"text": "x"},
                      "onsetDateTime": "2019-13-45"}), "entry[1].resource.onsetDateTime"),
    (bundle({"resourceType": "Patient", "gender": 5}), "entry[0].resource.gender"),
    (bundle({"resourceType": "Observation", "status": "final", "code": {"text": "x"},
             "valueQuantity": "high"}), "entry[0].resource.valueQuantity"),
])
def test_invalid_bundles_name_resource_and_field(bad, field_part):
    with pytest.raises(FhirInputError) as caught:
        profile_from_fhir(bad)
    errors = caught.value.errors
    assert errors and all({"index", "resourceType", "field", "message"} <= set(e) for e in errors)
    assert any(field_part in e["field"] for e in errors), errors
    assert isinstance(caught.value, ValueError)


def test_error_names_the_resource_type_and_index():
    with pytest.raises(FhirInputError) as caught:
        profile_from_fhir(bundle(PATIENT, {"resourceType": "Procedure", "subject": SUBJECT,
                                           "code": {"text": "x"}, "performedDateTime": "yesterday"}))
    [error] = [e for e in caught.value.errors if "performed" in e["field"]]
    assert error["index"] == 1 and error["resourceType"] == "Procedure"
