"""The pages: patient questionnaire (``/``), clinician screening (``/screen``) with a
printable view of one trial, and the trial page (``/trials/{id}``).

Routes stay thin: read the form, call ``forms`` / ``service`` / ``views``, render. Route
functions are plain ``def`` (run in the thread pool) because matching and note reading
are CPU and database work; the form is read by an async dependency.
Nothing a patient enters is stored: the state of a questionnaire lives in the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse

from app.api.deps import CatalogDep, SessionDep
from app.ctgov import is_valid_trial_id
from app.repository import get_trial, trial_url
from app.rules import is_stale, ruleset_of
from app.web import forms, service, trial_view, views
from app.web.templating import templates

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

ROW_MINIMUMS = {"conditions": 3, "procedures": 2, "medications": 2, "labs": 2}

try:  # the note adapter (issue 6) may not be installed in every checkout
    from matching.note import NoteInputError, extract_profile
except ImportError:  # pragma: no cover - depends on the checkout
    extract_profile = None
    NoteInputError = ValueError


def note_box_enabled() -> bool:
    return extract_profile is not None


@dataclass(frozen=True)
class FormValues:
    single: dict[str, str]  # the last value posted for each name
    multi: dict[str, list[str]]  # every value posted for each name (checkbox groups)


async def read_form(request: Request) -> FormValues:
    pairs = (await request.form()).multi_items() if request.method == "POST" else request.query_params.multi_items()
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for key, value in pairs:
        if isinstance(value, str):  # uploads are not part of any page
            single[key] = value
            multi.setdefault(key, []).append(value)
    return FormValues(single, multi)


FormDep = Annotated[FormValues, Depends(read_form)]


def render(request: Request, name: str, context: dict, status_code: int = 200):
    return templates.TemplateResponse(request, name, context, status_code=status_code)


# --- patient questionnaire ------------------------------------------------------------------


@router.get("/")
def patient_start(request: Request):
    return render(request, "patient.html", {"page": "patient", "values": {}, "answers": [], "errors": {}})


@router.post("/")
def patient_answer(request: Request, catalog: CatalogDep, form: FormDep):
    values = forms.with_dont_know(form.single)
    parsed = forms.parse_patient(values)
    context = {
        "page": "patient",
        "values": values,
        "answers": forms.answered_questions(values),
        "errors": parsed.errors,
        "general_errors": parsed.general_errors,
    }
    if not parsed.ok:
        return render(request, "patient.html", context, status_code=422)
    result = service.match_profile(catalog, parsed.profile)
    topics = service.trial_topics(catalog, (t.nct_id for t in result.trials))
    cards = [views.patient_card(t, topics.get(t.nct_id)) for t in result.trials]
    context.update(
        result=result,
        cards=[c for c in cards if c.verdict != "ineligible"],
        ruled_out=[c for c in cards if c.verdict == "ineligible"],
        question=result.questions[0] if result.questions else None,
    )
    return render(request, "patient.html", context)


# --- clinician screening ---------------------------------------------------------------------


def screen_context(values: dict[str, str], filters: views.ScreenFilters) -> dict:
    return {
        "page": "screen",
        "values": values,
        "rows": {kind: forms.rows_to_show(values, kind, minimum) for kind, minimum in ROW_MINIMUMS.items()},
        "filters": filters,
        "errors": {},
        "general_errors": [],
        "note_enabled": note_box_enabled(),
        "procedure_types": forms.PROCEDURE_TYPES,
        "statuses": views.SCREEN_STATUSES,
        "phases": views.PHASE_WORDS,
    }


@router.get("/screen")
def screen_form(request: Request):
    return render(request, "screen.html", screen_context({}, views.ScreenFilters()))


@router.post("/screen")
def screen_results(request: Request, catalog: CatalogDep, form: FormDep):
    filters, filter_errors = views.parse_filters(form.multi)
    context = screen_context(form.single, filters)
    parsed = forms.parse_screening(form.single)
    note = forms.text(form.single, "note")
    if parsed.ok and note and note_box_enabled():
        try:
            extraction = extract_profile(note, as_of=service.today())
        except NoteInputError as error:
            parsed.errors["note"] = f"We could not read this note: {error}."
        else:
            context["note_facts"] = [views.evidence_view(fact) for fact in extraction.facts]
            context["note_ignored"] = [views.evidence_view(fact) for fact in extraction.ignored]
            parsed = forms.merge_note_profile(extraction.profile, parsed.profile)
    context["errors"] = {**parsed.errors, **filter_errors}
    context["general_errors"] = parsed.general_errors
    if context["errors"] or not parsed.ok:
        return render(request, "screen.html", context, status_code=422)
    result = service.match_profile(catalog, parsed.profile, statuses=filters.statuses)
    shown = views.apply_filters(result.trials, filters)
    context.update(
        result=result,
        trials=[(trial, views.criterion_rows(trial.criteria)) for trial in shown],
        profile_field=forms.profile_to_field(parsed.profile),
    )
    return render(request, "screen.html", context)


@router.api_route("/screen/trials/{nct_id}/print", methods=["GET", "POST"])
def screen_print(nct_id: str, request: Request, catalog: CatalogDep, form: FormDep):
    profile = forms.profile_from_field(form.single.get("profile", ""))
    if profile is None:
        raise HTTPException(422, "no profile")
    screening = service.evaluate_one(catalog, nct_id, profile)
    if screening is None:
        raise HTTPException(404, f"no trial {nct_id}")
    trial = screening.match
    return render(request, "screen_print.html", {
        "page": "print",
        "trial": trial,
        "as_of": screening.as_of,
        "rows": views.criterion_rows(trial.criteria),
        "profile_lines": views.profile_lines(profile),
        "site": views.site_view(trial.nearest_site) if trial.nearest_site else None,
    })


# --- trial page ------------------------------------------------------------------------------


@router.get("/trials/{nct_id}")
def trial_page(nct_id: str, request: Request, session: SessionDep):
    trial = get_trial(session, nct_id) if is_valid_trial_id(nct_id) else None
    if trial is None:
        raise HTTPException(404, f"no trial {nct_id}")
    ruleset = ruleset_of(trial)
    return render(request, "trial.html", {
        "page": "trial",
        "trial": trial_view.record_view(trial, trial_url(trial.nct_id)),
        "rules": trial_view.rules_view(ruleset) if ruleset else None,
        "stale": is_stale(trial),
    })
