"""Conditions a patient's own measurements and treatments establish, without naming them.

A note gives "Hb 8.9 g/dL" and a trial asks about anaemia; it says "on immunosuppressive
medications" and a trial asks about an immunocompromised patient. Experts read these as the
condition itself, so the profile's facts carry them as conditions too:

- ``LAB_SIGNS``: a value beyond a threshold that defines a condition (WHO anaemia by
  sex, age and pregnancy; thrombocytopenia, neutropenia, hypoxaemia, fever, renal
  insufficiency, a reduced ejection fraction, the sodium and potassium disorders, vitamin D
  deficiency). Only a
  value the record states counts, in the threshold's unit after conversion; a value that
  cannot be converted counts for nothing. Thresholds are the usual textbook limits, chosen so that a value
  past them is the condition by definition, not a borderline reading.
- ``TREATMENT_SIGNS``: a treatment that makes the condition (immunosuppressive medicines
  make a patient immunocompromised). Corticosteroids are left out: whether one
  suppresses immunity depends on a dose and duration the record rarely gives.

Only presence is derived. A normal value does not deny a condition (a reading is one
moment; history may say otherwise), and nothing is derived from silence.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable

from matching import concepts
from matching.profile import Condition, Evidence, LabResult, PatientProfile
from matching.units import UnitProblem, analyte_id, convert


@dataclass(frozen=True, slots=True)
class DerivedCondition:
    """A condition and, in words, what it is and the fact it comes from: "anemia
    (hemoglobin 8.9 g/dL, below 12 g/dL)"."""

    condition: Condition
    label: str
    topical: bool = False  # the sign's ``topical``: a trial about it is about this patient


Threshold = Callable[[PatientProfile, dt.date], float | None]  # None: the sign does not apply


@dataclass(frozen=True, slots=True)
class LabSign:
    condition: str  # the condition's name, as the terminology resolves it
    analytes: frozenset[str]  # analyte ids (``units.analyte_id``) or lab names, lowercase
    comparator: str  # "<" or ">"
    unit: str
    threshold: Threshold
    # A deficiency treated in itself (vitamin D) is what a trial for it is about; an organ
    # sign (anaemia, renal insufficiency, fever) is mostly the consequence of a disease the
    # record names, and searching for it pulls in trials about other diseases. Only
    # topical signs add words to the text query (matching.engine).
    topical: bool = False


def _fixed(value: float, min_age: float = 0) -> Threshold:
    def threshold(profile: PatientProfile, as_of: dt.date) -> float | None:
        age = profile.age_on(as_of)
        if min_age and (age is None or age < min_age):
            return None
        return value
    return threshold


def _anaemia_threshold(profile: PatientProfile, as_of: dt.date) -> float | None:
    """WHO haemoglobin cut-offs (g/dL) below which a person is anaemic."""
    age = profile.age_on(as_of)
    if age is None or age < 0.5:
        return None  # newborns' normal range is another matter
    if age < 5:
        return 11.0
    if age < 12:
        return 11.5
    if age < 15:
        return 12.0
    if profile.sex == "female":
        return 11.0 if profile.pregnant else 12.0
    if profile.sex == "male":
        return 13.0
    return 12.0  # sex not given: the lower adult cut-off


LAB_SIGNS: tuple[LabSign, ...] = (
    LabSign("anemia", frozenset({"hemoglobin"}), "<", "g/dL", _anaemia_threshold),
    LabSign("thrombocytopenia", frozenset({"platelets"}), "<", "10^9/L", _fixed(150)),
    LabSign("neutropenia", frozenset({"anc"}), "<", "10^9/L", _fixed(1.5)),
    LabSign("hypoxemia", frozenset({"oxygen saturation", "spo2", "sao2"}), "<", "%", _fixed(90)),
    LabSign("fever", frozenset({"body temperature", "temperature"}), ">=", "degC", _fixed(38.0)),
    LabSign("renal insufficiency", frozenset({"creatinine_clearance"}), "<", "mL/min", _fixed(60, min_age=18)),
    LabSign("renal insufficiency", frozenset({"creatinine"}), ">", "mg/dL", _fixed(1.5, min_age=18)),
    # the heart-failure guidelines' cut-off for a reduced ejection fraction (HFrEF: <= 40 %);
    # the lexicon files "reduced ejection fraction" under heart failure
    LabSign("reduced ejection fraction", frozenset({"lvef"}), "<=", "%", _fixed(40)),
    LabSign("hyponatremia", frozenset({"sodium"}), "<", "mmol/L", _fixed(135)),
    LabSign("hypernatremia", frozenset({"sodium"}), ">", "mmol/L", _fixed(145)),
    LabSign("hypokalemia", frozenset({"potassium"}), "<", "mmol/L", _fixed(3.5)),
    LabSign("hyperkalemia", frozenset({"potassium"}), ">", "mmol/L", _fixed(5.5)),
    # the Endocrine Society's cut-off: 25-hydroxyvitamin D below 20 ng/mL (50 nmol/L)
    LabSign("vitamin D deficiency", frozenset({"vitamin_d"}), "<", "ng/mL", _fixed(20), topical=True),
)


@dataclass(frozen=True, slots=True)
class TreatmentSign:
    condition: str
    label: str  # the condition in a reason's words
    drug_class: str  # a lexicon drug class id
    unless_class: str | None = None  # members of this class alone do not count


TREATMENT_SIGNS: tuple[TreatmentSign, ...] = (
    TreatmentSign("immunosuppressed", "an immunosuppressed state", "immunosuppressant", unless_class="corticosteroid"),
)

_COMPARE = {"<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}
_WORDS = {"<": "below", "<=": "at most", ">": "above", ">=": "at least"}


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}".rstrip("0").rstrip(".")


def _lab_keys(lab: LabResult) -> frozenset[str]:
    names = {lab.analyte.lower(), analyte_id(lab.analyte)}
    if lab.code is not None and lab.code.display:
        names |= {lab.code.display.lower(), analyte_id(lab.code.display)}
    names.discard(None)
    return frozenset(names)


def lab_sign_met(sign: LabSign, lab: LabResult, profile: PatientProfile, as_of: dt.date) -> str | None:
    """The basis in words when ``lab`` shows the sign's condition, else None."""
    if not (sign.analytes & _lab_keys(lab)):
        return None
    threshold = sign.threshold(profile, as_of)
    if threshold is None:
        return None
    try:
        value = convert(lab.value, lab.unit, sign.unit, analyte_id(lab.analyte)).value
    except UnitProblem:
        return None
    if not _COMPARE[sign.comparator](value, threshold):
        return None
    return f"{lab.analyte} {_num(lab.value)} {lab.unit}".rstrip() + f", {_WORDS[sign.comparator]} {_num(threshold)} {sign.unit}"


def _derived(name: str, label: str, evidence: Evidence | None, onset: dt.date | None,
             topical: bool = False) -> DerivedCondition:
    return DerivedCondition(Condition(text=name, onset=onset, evidence=evidence), label, topical)


def treatment_sign_met(sign: TreatmentSign, medication_text: str) -> bool:
    ids = concepts.resolve(medication_text)
    if sign.drug_class not in concepts.closure(ids):
        return False
    if sign.unless_class and sign.drug_class not in ids:  # the record names the class itself
        return sign.unless_class not in concepts.closure(ids)
    return True


def _named_already(profile: PatientProfile) -> frozenset[str]:
    """Concepts the patient's own listed conditions name (a stated fever keeps its dates)."""
    ids: set[str] = set()
    for condition in profile.conditions:
        if condition.present and not condition.family and condition.text:
            ids.update(concepts.resolve(condition.text))
    return frozenset(ids)


def derive_conditions(profile: PatientProfile, as_of: dt.date) -> list[DerivedCondition]:
    """Conditions the profile's labs and current medications establish, one per condition,
    leaving out those the profile already lists."""
    named = _named_already(profile)
    found: dict[str, DerivedCondition] = {
        sign.condition: None for sign in (*LAB_SIGNS, *TREATMENT_SIGNS)
        if not named.isdisjoint(concepts.resolve(sign.condition)[:1])}
    for lab in profile.labs:
        for sign in LAB_SIGNS:
            if sign.condition in found:
                continue
            basis = lab_sign_met(sign, lab, profile, as_of)
            if basis:
                found[sign.condition] = _derived(sign.condition, f"{sign.condition} ({basis})", lab.evidence, lab.date,
                                                 sign.topical)
    for medication in profile.medications:
        if not medication.present or medication.end is not None or not medication.text:
            continue
        for sign in TREATMENT_SIGNS:
            if sign.condition not in found and treatment_sign_met(sign, medication.text):
                found[sign.condition] = _derived(sign.condition, f"{sign.label} (you take {medication.text})",
                                                 medication.evidence, medication.start)
    return [d for d in found.values() if d is not None]
