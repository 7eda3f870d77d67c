"""``POST /v1/match``, ``POST /v1/trials/{id}/evaluate`` and ``POST /v1/extract``.

Thin: read the patient (profile, note or FHIR bundle), call ``app.match_service``.
Bodies are size- and depth-checked before parsing (``app.api.body_guard``, for every route);
bad input is a 422 naming the field. Nothing here logs: requests are patient data.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Body, HTTPException, Path, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel

from app.api.deps import CatalogDep, SettingsDep
from app.api.match_models import EvaluateRequest, ExtractRequest, ExtractResponse, MatchRequest, PatientInput
from app.ctgov import is_valid_trial_id
from app.match_service import (ServiceMatchResult, TrialEvaluation, evaluate_in_full, match_profile,
                               with_answers)
from matching.fhir import FhirInputError, read_fhir_bundle
from matching.note import NoteInputError, extract_profile
from matching.text_relevance import note_query_text
from matching.profile import PatientProfile
from matching.units import UnitProblem, parse_unit

router = APIRouter(prefix="/v1", tags=["matching"])

TrialId = Annotated[str, Path(min_length=4, max_length=64, description="NCT id or a local id (LOCAL-...)",
                              examples=["NCT06599346"])]


def unreadable_lab_units(profile: PatientProfile) -> list[dict]:
    """422 errors for lab units no one could read ("g/L" and "x10^9/L" are fine; "gramz"
    is not). A readable unit that does not fit the criterion's (mmol vs g without a molar
    mass) is not an input error: that criterion is simply unknown."""
    errors = []
    for position, lab in enumerate(profile.labs):
        try:
            parse_unit(lab.unit)
        except UnitProblem as problem:
            errors.append({"loc": ("body", "profile", "labs", position, "unit"), "msg": str(problem),
                           "type": "unit_unknown"})
    return errors


def fhir_field_loc(path: str) -> tuple:
    """``entry[2].resource.onsetDateTime`` -> ("entry", 2, "resource", "onsetDateTime")."""
    loc: list = []
    for part in filter(None, path.split(".")):
        name, _, rest = part.partition("[")
        if name:
            loc.append(name)
        loc.extend(int(i) if i.isdigit() else i for i in rest.replace("]", "[").split("[") if i)
    return tuple(loc)


def fhir_errors(error: FhirInputError) -> list[dict]:
    return [{"loc": ("body", "fhir", *fhir_field_loc(str(problem.get("field") or ""))),
             "msg": f"{problem.get('resourceType') or 'Bundle'}: {problem.get('message')}",
             "type": "fhir_invalid"} for problem in error.errors]


def patient_profile(patient: PatientInput, as_of: dt.date) -> PatientProfile:
    """The profile a request describes, with its answers applied; 422 for unusable input."""
    return patient_input(patient, as_of)[0]


def patient_input(patient: PatientInput, as_of: dt.date) -> tuple[PatientProfile, str | None]:
    """The profile and, for a note, its condition and procedure words as written (text
    relevance's extra query words: ``matching.text_relevance.note_query_text``); the note
    itself is the query's context (``match_profile(context_text=...)``)."""
    query_text = None
    if patient.profile is not None:
        if errors := unreadable_lab_units(patient.profile):
            raise RequestValidationError(errors)
        profile = patient.profile
    elif patient.note is not None:
        try:
            extracted = extract_profile(patient.note, as_of=as_of)
            profile, query_text = extracted.profile, note_query_text(extracted.facts)
        except NoteInputError as error:
            raise RequestValidationError([{"loc": ("body", "note"), "msg": str(error), "type": "note_invalid"}])
    else:
        try:
            profile = read_fhir_bundle(patient.fhir, as_of=as_of).profile
        except FhirInputError as error:
            raise RequestValidationError(fhir_errors(error))
    return with_answers(profile, patient.answers), query_text


@router.post("/match", response_model=ServiceMatchResult)
def match(request: Annotated[MatchRequest, Body()], catalog: CatalogDep, settings: SettingsDep) -> Response:
    """Ranked candidate trials for a patient, each with the reason for every criterion, and
    the next most useful questions. Same request, same data -> same response."""
    as_of = request.as_of or dt.date.today()
    profile, query_text = patient_input(request, as_of)
    context_text = request.note if request.profile is None else None
    result = match_profile(catalog, profile, as_of=as_of, statuses=request.statuses, limit=request.limit,
                           offset=request.offset, include_criteria=request.include_criteria,
                           candidate_limit=settings.match_candidate_limit, query_text=query_text,
                           context_text=context_text)
    return model_response(result)


def model_response(result: BaseModel) -> Response:
    """The model's JSON as the response, written by pydantic in this request's thread.

    The same bytes FastAPI would send for ``response_model`` (the model is that type), but
    without validating again what matching built and without a second hop to the thread
    pool to do it: a match response carries every criterion of a page of trials
    (100-300 kB); workers' CPU per match under load went from 18.5 to 17.7 ms."""
    return Response(content=result.model_dump_json(), media_type="application/json")


@router.post("/trials/{nct_id}/evaluate", response_model=TrialEvaluation)
def evaluate(nct_id: TrialId, request: Annotated[EvaluateRequest, Body()], catalog: CatalogDep) -> TrialEvaluation:
    """One trial evaluated in full for a patient, whatever its recruitment status."""
    if not is_valid_trial_id(nct_id):
        raise HTTPException(422, detail=f"{nct_id!r} is not a trial id (NCT12345678 or LOCAL-...)")
    as_of = request.as_of or dt.date.today()
    evaluation = evaluate_in_full(catalog, nct_id, patient_profile(request, as_of), as_of=as_of)
    if evaluation is None:
        raise HTTPException(404, detail=f"no trial {nct_id}")
    return evaluation


@router.post("/extract", response_model=ExtractResponse)
def extract(request: Annotated[ExtractRequest, Body()]) -> ExtractResponse:
    """A patient profile read from a clinical note or a FHIR R4 Bundle, with the evidence for
    each fact, to review before matching."""
    as_of = request.as_of or dt.date.today()
    if request.note is not None:
        try:
            found = extract_profile(request.note, as_of=as_of)
        except NoteInputError as error:
            raise RequestValidationError([{"loc": ("body", "note"), "msg": str(error), "type": "note_invalid"}])
        return ExtractResponse(source="note", as_of=as_of, profile=found.profile, facts=found.facts,
                               ignored=found.ignored)
    try:
        read = read_fhir_bundle(request.fhir, as_of=as_of)
    except FhirInputError as error:
        raise RequestValidationError(fhir_errors(error))
    return ExtractResponse(source="fhir", as_of=as_of, profile=read.profile, warnings=read.warnings)
