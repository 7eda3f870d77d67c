"""FHIR R4 Bundle -> PatientProfile, using codes where present and display text otherwise.

Resources read (validated with ``fhir.resources`` R4B models, which read R4):
Patient (birthDate, gender), Condition, FamilyMemberHistory (as ``family=True``
conditions), Procedure, Observation (labs by LOINC, pregnancy status, ECOG, Karnofsky,
smoking status), MedicationStatement, MedicationRequest, AllergyIntolerance.
Other resource types are ignored and named in ``FhirResult.warnings``.

An invalid bundle raises ``FhirInputError`` whose ``errors`` list names, for each problem,
the entry index, the resource type and the field path (``entry[2].resource.onsetDateTime``),
which the API turns into a 422. Resources that are well formed but marked
``entered-in-error`` are skipped. An EHR export is not a complete record, so
``absent_means_no`` stays False. Nothing here logs (bundles are patient data).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from matching.profile import (MAX_ITEMS, Allergy, Code, Condition, LabResult, Medication,
                              PatientProfile, Procedure)

SYSTEMS = {
    "http://snomed.info/sct": "snomed",
    "http://hl7.org/fhir/sid/icd-10-cm": "icd10cm",
    "http://loinc.org": "loinc",
    "http://www.nlm.nih.gov/research/umls/rxnorm": "rxnorm",
    "http://id.nlm.nih.gov/mesh": "mesh",
    "http://purl.obolibrary.org/obo/hp.owl": "hpo",
    "http://human-phenotype-ontology.org": "hpo",
    "http://www.whocc.no/atc": "atc",
}
_SYSTEM_PREFERENCE = ("snomed", "icd10cm", "rxnorm", "loinc", "hpo", "mesh", "atc", "other")

# LOINC -> analyte name, the names the note adapter uses too.
LOINC_ANALYTES = {
    "1751-7": "albumin", "2862-1": "albumin",
    "751-8": "absolute neutrophil count", "26499-4": "absolute neutrophil count",
    "6690-2": "white blood cell count", "26464-8": "white blood cell count",
    "718-7": "hemoglobin", "4544-3": "hematocrit", "777-3": "platelet count", "26515-7": "platelet count",
    "2160-0": "creatinine", "38483-4": "creatinine", "2164-2": "creatinine clearance",
    "33914-3": "eGFR", "62238-1": "eGFR", "98979-8": "eGFR", "48642-3": "eGFR", "48643-1": "eGFR",
    "3094-0": "blood urea nitrogen", "1975-2": "total bilirubin", "1968-7": "direct bilirubin",
    "1920-8": "AST", "1742-6": "ALT", "6768-6": "alkaline phosphatase", "6301-6": "INR", "34714-6": "INR",
    "2951-2": "sodium", "2823-3": "potassium", "17861-6": "calcium", "19123-9": "magnesium",
    "2345-7": "glucose", "4548-4": "HbA1c", "2532-0": "LDH", "1988-5": "C-reactive protein",
    "3016-3": "TSH", "2857-1": "PSA", "10334-1": "CA-125", "2039-6": "CEA", "1834-1": "alpha-fetoprotein",
    "2276-4": "ferritin", "6598-7": "troponin", "10839-9": "troponin", "30934-4": "BNP",
    "33762-6": "NT-proBNP", "2524-7": "lactate", "24467-3": "CD4 count", "10230-1": "left ventricular ejection fraction",
    "8806-2": "left ventricular ejection fraction", "39156-5": "body mass index", "29463-7": "body weight",
    "8302-2": "body height", "8867-4": "heart rate", "8480-6": "systolic blood pressure",
    "8462-4": "diastolic blood pressure", "8310-5": "body temperature", "2708-6": "oxygen saturation",
    "59408-5": "oxygen saturation", "9279-1": "respiratory rate",
}
LOINC_PREGNANCY = {"82810-3", "11449-6"}
LOINC_ECOG = "89247-1"
LOINC_KARNOFSKY = "89243-0"
LOINC_SMOKING = "72166-2"
SNOMED_PREGNANT = {"77386006"}
SNOMED_NOT_PREGNANT = {"60001007"}
SNOMED_NEVER_SMOKER = {"266919005", "8392000"}
SNOMED_FORMER_SMOKER = {"8517006"}

CONDITION_HISTORY = {"inactive", "remission", "resolved"}
PROCEDURE_NOT_DONE = {"not-done"}
PROCEDURE_PLANNED = {"preparation"}
MEDICATION_NOT_TAKEN = {"not-taken", "cancelled"}
MEDICATION_ENDED = {"completed", "stopped"}
SKIPPED_STATUS = {"entered-in-error"}

HANDLED = ("Patient", "Condition", "FamilyMemberHistory", "Procedure", "Observation",
           "MedicationStatement", "MedicationRequest", "AllergyIntolerance")


class FhirInputError(ValueError):
    """An invalid bundle. ``errors``: [{index, resourceType, field, message}]."""

    def __init__(self, errors: list[dict]):
        self.errors = errors
        first = errors[0] if errors else {}
        super().__init__(f"invalid FHIR bundle: {len(errors)} problem(s); first: "
                         f"{first.get('field')}: {first.get('message')}")


@dataclass
class FhirResult:
    profile: PatientProfile
    warnings: list[str] = field(default_factory=list)


# ------------------------------------------------------------------------- validation
def _problem(index: int | None, resource_type: str | None, path: str, message: str) -> dict:
    return {"index": index, "resourceType": resource_type, "field": path, "message": message}


def _model_class(resource_type: str):
    from fhir.resources.R4B import get_fhir_model_class

    return get_fhir_model_class(resource_type)


def _validate(bundle: Any) -> tuple[list[tuple[int, Any]], list[str]]:
    """The bundle's resources as R4B models, in order; raises FhirInputError."""
    if not isinstance(bundle, dict):
        raise FhirInputError([_problem(None, None, "", "a FHIR Bundle must be a JSON object")])
    if bundle.get("resourceType") != "Bundle":
        raise FhirInputError([_problem(None, bundle.get("resourceType"), "resourceType",
                                       "expected resourceType 'Bundle'")])
    entries = bundle.get("entry", [])
    if not isinstance(entries, list):
        raise FhirInputError([_problem(None, "Bundle", "entry", "must be a list")])
    errors: list[dict] = []
    warnings: list[str] = []
    resources: list[tuple[int, Any]] = []
    for index, entry in enumerate(entries):
        path = f"entry[{index}].resource"
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict):
            errors.append(_problem(index, None, path, "each entry needs a resource object"))
            continue
        resource_type = resource.get("resourceType")
        if not isinstance(resource_type, str) or not resource_type:
            errors.append(_problem(index, None, f"{path}.resourceType", "missing resourceType"))
            continue
        if resource_type not in HANDLED:
            warnings.append(f"entry[{index}]: resource type {resource_type!r} ignored")
            continue
        try:
            resources.append((index, _model_class(resource_type).model_validate(resource)))
        except ValidationError as exc:
            for err in exc.errors():
                where = ".".join(str(p) for p in err["loc"] if p != "__root__")
                errors.append(_problem(index, resource_type, f"{path}.{where}" if where else path,
                                       err["msg"]))
    if errors:
        raise FhirInputError(errors)
    return resources, warnings


# ------------------------------------------------------------------------ small readers
def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):  # partial dates: "2019", "2019-03"
        parts = value.split("-")
        try:
            if len(parts) == 1:
                return dt.date(int(parts[0]), 7, 1)
            if len(parts) == 2:
                return dt.date(int(parts[0]), int(parts[1]), 15)
        except ValueError:
            return None
    return None


def _codes(concept) -> list[tuple[str, str, str | None]]:
    if concept is None:
        return []
    return [(SYSTEMS.get(c.system or "", "other"), c.code, c.display) for c in concept.coding or [] if c.code]


def _best_code(concept) -> Code | None:
    codes = _codes(concept)
    if not codes:
        return None
    system, code, display = min(codes, key=lambda c: _SYSTEM_PREFERENCE.index(c[0]))
    return Code(system=system, code=code[:40], display=(display or None) and display[:500])


def _text(concept) -> str | None:
    if concept is None:
        return None
    if concept.text:
        return concept.text[:500]
    for _, _, display in _codes(concept):
        if display:
            return display[:500]
    return None


def _status(concept) -> str | None:
    codes = _codes(concept)
    return codes[0][1] if codes else None


def _quantity(quantity) -> tuple[float, str] | None:
    if quantity is None or quantity.value is None:
        return None
    value = float(quantity.value) if isinstance(quantity.value, Decimal) else float(quantity.value)
    return value, (quantity.unit or quantity.code or "")[:30]


# -------------------------------------------------------------------- resource readers
@dataclass
class _Builder:
    as_of: dt.date
    fields: dict = field(default_factory=lambda: {"conditions": [], "procedures": [], "medications": [],
                                                  "labs": [], "allergies": []})
    warnings: list[str] = field(default_factory=list)

    def patient(self, index: int, res) -> None:
        if res.birthDate:
            self.fields["birth_date"] = _date(res.birthDate)
            born = self.fields["birth_date"]
            if born and born <= self.as_of:
                self.fields["age_years"] = round((self.as_of - born).days / 365.2425, 2)
        if res.gender in {"male", "female", "other"}:
            self.fields["sex"] = res.gender

    def condition(self, index: int, res) -> None:
        if _status(res.verificationStatus) in SKIPPED_STATUS or not (res.code and (_text(res.code) or _best_code(res.code))):
            return
        stage = None
        if res.stage:
            stage = _text(res.stage[0].summary)
        onset = _date(res.onsetDateTime) or (_date(res.onsetPeriod.start) if res.onsetPeriod else None)
        self.fields["conditions"].append(Condition(
            text=_text(res.code), code=_best_code(res.code), stage=stage and stage[:40],
            status="history" if _status(res.clinicalStatus) in CONDITION_HISTORY else "active",
            onset=onset, present=_status(res.verificationStatus) != "refuted"))

    def family(self, index: int, res) -> None:
        for item in res.condition or []:
            if _text(item.code) or _best_code(item.code):
                self.fields["conditions"].append(Condition(text=_text(item.code), code=_best_code(item.code),
                                                           family=True))

    def procedure(self, index: int, res) -> None:
        if res.status in SKIPPED_STATUS or not (_text(res.code) or _best_code(res.code)):
            return
        text = _text(res.code)
        start = _date(res.performedDateTime) or (_date(res.performedPeriod.start) if res.performedPeriod else None)
        end = _date(res.performedPeriod.end) if res.performedPeriod else None
        lowered = (text or "").lower()
        subtype = "allogeneic" if "allogen" in lowered else "autologous" if "autolog" in lowered else None
        site = _text(res.bodySite[0]) if res.bodySite else None
        self.fields["procedures"].append(Procedure(
            text=text, code=_best_code(res.code), subtype=subtype, site=site and site[:120], date=start,
            end_date=end, planned=res.status in PROCEDURE_PLANNED, present=res.status not in PROCEDURE_NOT_DONE))

    def observation(self, index: int, res) -> None:
        if res.status in SKIPPED_STATUS:
            return
        loinc = {code for system, code, _ in _codes(res.code) if system == "loinc"}
        when = _date(res.effectiveDateTime) or (_date(res.effectivePeriod.start) if res.effectivePeriod else None)
        answer = {code for _, code, _ in _codes(res.valueCodeableConcept)}
        if loinc & LOINC_PREGNANCY:
            if answer & SNOMED_PREGNANT:
                self.fields["pregnant"] = True
            elif answer & SNOMED_NOT_PREGNANT:
                self.fields["pregnant"] = False
            return
        if LOINC_SMOKING in loinc:
            self._smoking(answer, _text(res.valueCodeableConcept))
            return
        if LOINC_ECOG in loinc or LOINC_KARNOFSKY in loinc:
            self._performance(index, res, "ecog" if LOINC_ECOG in loinc else "karnofsky")
            return
        for component in res.component or []:
            self._lab(component.code, _quantity(component.valueQuantity), when)
        self._lab(res.code, _quantity(res.valueQuantity), when)

    def _lab(self, concept, quantity, when) -> None:
        if quantity is None:
            return
        loinc = [code for system, code, _ in _codes(concept) if system == "loinc"]
        analyte = next((LOINC_ANALYTES[c] for c in loinc if c in LOINC_ANALYTES), None) or _text(concept)
        if not analyte:
            return
        self.fields["labs"].append(LabResult(analyte=analyte[:80], code=_best_code(concept), value=quantity[0],
                                             unit=quantity[1], date=when))

    def _smoking(self, answer: set[str], text: str | None) -> None:
        if answer & SNOMED_NEVER_SMOKER:
            present, status = False, "active"
        elif answer & SNOMED_FORMER_SMOKER:
            present, status = True, "history"
        elif answer:
            present, status = True, "active"
        else:
            return
        self.fields["conditions"].append(Condition(text="tobacco use", status=status, present=present))

    def _performance(self, index: int, res, name: str) -> None:
        value = None
        if res.valueInteger is not None:
            value = res.valueInteger
        elif res.valueQuantity is not None and res.valueQuantity.value is not None:
            value = int(res.valueQuantity.value)
        elif res.valueCodeableConcept is not None:
            for _, code, display in _codes(res.valueCodeableConcept):
                digits = "".join(ch for ch in (display or "") if ch.isdigit())
                if digits:
                    value = int(digits)
                    break
        limit = 5 if name == "ecog" else 100
        if value is None or not 0 <= value <= limit:
            self.warnings.append(f"entry[{index}]: {name} observation without a usable value")
            return
        self.fields[name] = value

    def medication(self, index: int, res) -> None:
        if res.status in SKIPPED_STATUS:
            return
        concept = res.medicationCodeableConcept
        text = _text(concept) or (res.medicationReference.display if res.medicationReference else None)
        if not (text or _best_code(concept)):
            self.warnings.append(f"entry[{index}]: medication without a name or code")
            return
        dosages = getattr(res, "dosage", None) or getattr(res, "dosageInstruction", None) or []
        dose = unit = frequency = None
        if dosages:
            first = dosages[0]
            if first.doseAndRate and first.doseAndRate[0].doseQuantity is not None:
                quantity = _quantity(first.doseAndRate[0].doseQuantity)
                if quantity:
                    dose, unit = quantity
            if first.timing is not None and first.timing.code is not None:
                frequency = _text(first.timing.code)
            frequency = frequency or (first.text[:40] if first.text else None)
        period = getattr(res, "effectivePeriod", None)
        start = (_date(period.start) if period else None) or _date(getattr(res, "effectiveDateTime", None)) \
            or _date(getattr(res, "authoredOn", None))
        end = _date(period.end) if period else None
        if end is None and res.status in MEDICATION_ENDED:
            end = start or self.as_of
        self.fields["medications"].append(Medication(
            text=text, code=_best_code(concept), dose=dose, unit=unit or None,
            frequency=frequency and frequency[:40], start=start, end=end,
            present=res.status not in MEDICATION_NOT_TAKEN))

    def allergy(self, index: int, res) -> None:
        if _status(res.verificationStatus) in SKIPPED_STATUS:
            return
        text = _text(res.code)
        code = _best_code(res.code)
        if not (text or code):
            return
        self.fields["allergies"].append(Allergy(text=text or code.display or code.code, code=code,
                                                present=_status(res.verificationStatus) != "refuted"))

    def profile(self) -> PatientProfile:
        for key in ("conditions", "procedures", "medications", "labs", "allergies"):
            if len(self.fields[key]) > MAX_ITEMS:
                self.warnings.append(f"{key}: only the first {MAX_ITEMS} kept")
                self.fields[key] = self.fields[key][:MAX_ITEMS]
        if self.fields.get("sex") == "male" and self.fields.get("pregnant"):
            self.warnings.append("pregnancy observation ignored for a male patient")
            self.fields.pop("pregnant")
        return PatientProfile(**self.fields)


_READERS = {
    "Patient": _Builder.patient, "Condition": _Builder.condition, "FamilyMemberHistory": _Builder.family,
    "Procedure": _Builder.procedure, "Observation": _Builder.observation,
    "MedicationStatement": _Builder.medication, "MedicationRequest": _Builder.medication,
    "AllergyIntolerance": _Builder.allergy,
}


def read_fhir_bundle(bundle: Any, *, as_of: dt.date | None = None) -> FhirResult:
    """The profile a bundle describes, with warnings about what was ignored."""
    resources, warnings = _validate(bundle)
    builder = _Builder(as_of=as_of or dt.date.today(), warnings=warnings)
    patients = [i for i, r in resources if r.get_resource_type() == "Patient"]
    if len(patients) > 1:
        warnings.append(f"{len(patients)} Patient resources; the first one is used")
    seen_patient = False
    for index, resource in resources:
        kind = resource.get_resource_type()
        if kind == "Patient":
            if seen_patient:
                continue
            seen_patient = True
        try:
            _READERS[kind](builder, index, resource)
        except ValidationError as exc:  # valid FHIR, but outside the profile's bounds
            raise FhirInputError([_problem(index, kind, f"entry[{index}].resource", err["msg"])
                                  for err in exc.errors()]) from None
    try:
        return FhirResult(profile=builder.profile(), warnings=builder.warnings)
    except ValidationError as exc:
        raise FhirInputError([_problem(None, "Patient", ".".join(map(str, e["loc"])), e["msg"])
                              for e in exc.errors()]) from None


def profile_from_fhir(bundle: dict, *, as_of: dt.date | None = None) -> PatientProfile:
    """FHIR R4 Bundle -> PatientProfile; raises FhirInputError naming resource and field."""
    return read_fhir_bundle(bundle, as_of=as_of).profile
