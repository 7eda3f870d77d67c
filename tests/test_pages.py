"""The pages through the real app under TestClient (a SQLite file with the demo trials),
and the small pure functions behind them: form parsing, plain-language views, atoms in words.
The browser tests are in test_pages_browser.py."""

from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient

from app.web import forms, views
from app.web.describe import describe_atom, describe_expr, span_in_words
from criteria_rules import ir

TRIAL = "NCT06599346"
PATIENT = {"age": "45", "sex": "female", "condition": "oral mucositis after stem cell transplant",
           "city": "Chengdu", "country": "China"}
CLINICIAN = {"age": "45", "sex": "female", "conditions-0-text": "oral mucositis", "conditions-0-status": "active",
             "procedures-0-type": "hsct", "procedures-0-subtype": "allogeneic", "procedures-0-date": "2024-05-01",
             "city": "Chengdu", "country": "China"}


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    from app.config import Settings
    from app.main import create_app

    database = tmp_path_factory.mktemp("pages") / "eligo.db"
    app = create_app(Settings(database_url=f"sqlite:///{database}"))
    with TestClient(app) as client:
        yield client


def error_next_to(page: str, field_id: str) -> str | None:
    """The error message inside the same .field as the input ``field_id``, if any."""
    for block in re.findall(r'<div class="field[^"]*has-error">(.*?)</div>', page, re.S):
        if f'id="{field_id}"' in block:
            found = re.search(r'class="field-error"[^>]*>.*?</span>\s*([^<]+)', block, re.S)
            return html.unescape(found.group(1)).strip() if found else None
    return None


def card(page: str, nct_id: str) -> str:
    found = re.search(rf'<article[^>]*data-nct="{nct_id}".*?</article>', page, re.S)
    return found.group(0) if found else ""


# --- pages ------------------------------------------------------------------------------------


def test_start_page_is_accessible_html_and_says_nothing_is_stored(client):
    page = client.get("/")
    assert page.status_code == 200
    assert '<html lang="en">' in page.text
    assert 'href="#main"' in page.text and 'id="main"' in page.text
    assert "nothing you enter is stored on our server" in page.text
    for label in ("Your age in years", "Your main condition, in your own words", "City or town", "Country"):
        assert label in page.text


def test_patient_sees_the_trial_with_its_reasons_and_a_next_question(client):
    page = client.post("/", data=PATIENT)
    assert page.status_code == 200
    trial = card(page.text, TRIAL)
    assert "Why it may fit" in trial and "45 years old" in trial
    assert "Nearest study site" in trial and "The General Hospital of Western Theater Command" in trial
    assert f'href="https://clinicaltrials.gov/study/{TRIAL}"' in trial
    assert "Mucosal Injury" in trial  # what it studies
    from app.rules import compiler_available

    if compiler_available():
        assert 'class="next-question"' in page.text
        assert "I don&#39;t know" in page.text or "I don't know" in page.text


def test_i_dont_know_is_remembered_and_not_asked_again(client):
    first = client.post("/", data=PATIENT).text
    asked = re.search(r'name="dont_know" value="([^"]+)"', first)
    if asked is None:
        pytest.skip("no question to answer (rules not compiled)")
    question = html.unescape(asked.group(1))
    second = client.post("/", data={**PATIENT, "dont_know": question, f"answer:{question}": "yes",
                                    f"qtype:{question}": "yes_no", f"qtext:{question}": "Q?"})
    assert second.status_code == 200
    assert f'name="dont_know" value="{html.escape(question)}"' not in second.text
    assert re.search(rf'name="answer:{re.escape(html.escape(question))}" value="unknown"', second.text)


def test_changing_an_answer_changes_the_list(client):
    assert card(client.post("/", data=PATIENT).text, TRIAL)
    younger = client.post("/", data={**PATIENT, "age": "15"})
    assert younger.status_code == 200
    assert not card(younger.text, TRIAL)  # the trial takes adults only


@pytest.mark.parametrize("age, message", [("-5", "Please enter a number of at least 0."),
                                          ("abc", "Please enter a number, for example 45."),
                                          ("200", "Please enter a number of at most 130.")])
def test_a_bad_age_is_shown_next_to_the_field(client, age, message):
    page = client.post("/", data={**PATIENT, "age": age})
    assert page.status_code == 422
    assert error_next_to(page.text, "f-age") == message
    assert f'value="{age}"' in page.text  # what was typed is kept
    assert 'aria-invalid="true"' in page.text


def test_a_bad_answer_is_shown_next_to_its_question(client):
    data = {**PATIENT, "answer:q:lab:albumin": "lots", "qtype:q:lab:albumin": "number",
            "qtext:q:lab:albumin": "What was your most recent albumin result?"}
    page = client.post("/", data=data)
    assert page.status_code == 422
    assert error_next_to(page.text, "f-answer-q-lab-albumin") == "Please enter a number, or choose I don't know."


def test_clinician_screening_shows_every_criterion_with_outcome_reason_and_quote(client):
    assert client.get("/screen").status_code == 200
    page = client.post("/screen", data=CLINICIAN)
    assert page.status_code == 200
    section = re.search(rf'<section class="trial-screen[^"]*"[^>]*data-nct="{TRIAL}".*?</section>', page.text, re.S)
    assert section, "the trial's screening section"
    text = section.group(0)
    assert "<table class=\"criteria\">" in text
    for words in ("Met", "Unknown", "Inclusion", "Exclusion", "Printable view"):
        assert words in text
    assert "<q>Patients who have undergone hematopoietic stem cell transplantation (HSCT).</q>" in text
    assert 'aria-hidden="true">✓</span> Met' in text  # an icon and a word, not colour alone


def test_clinician_filters(client):
    only_ineligible = client.post("/screen", data={**CLINICIAN, "filters_shown": "1", "verdict": ["ineligible"],
                                                   "status": ["RECRUITING", "NOT_YET_RECRUITING"]})
    assert f'data-nct="{TRIAL}"' not in only_ineligible.text
    phase_3 = client.post("/screen", data={**CLINICIAN, "phase": "PHASE3"})
    assert f'data-nct="{TRIAL}"' not in phase_3.text
    bad = client.post("/screen", data={**CLINICIAN, "within_km": "far"})
    assert bad.status_code == 422
    assert error_next_to(bad.text, "f-within-km") == "Please enter a distance in km above 0, or leave it empty."


def test_clinician_form_errors_are_next_to_their_row(client):
    page = client.post("/screen", data={"age": "45", "labs-1-analyte": "albumin", "labs-1-value": "x",
                                        "medications-0-dose": "-2", "medications-0-text": "prednisolone"})
    assert page.status_code == 422
    assert error_next_to(page.text, "f-labs-1-value") == "Please enter a number, for example 45."
    assert error_next_to(page.text, "f-medications-0-dose") == "Please enter a number of at least 0."


def test_a_man_who_is_pregnant_is_a_form_level_error(client):
    page = client.post("/screen", data={"sex": "male", "pregnant": "yes"})
    assert page.status_code == 422
    assert "cannot be pregnant" in page.text


def test_printable_view_of_one_trial(client):
    page = client.post("/screen", data=CLINICIAN).text
    profile = html.unescape(re.search(r'name="profile" value="([^"]*)"', page).group(1))
    printed = client.post(f"/screen/trials/{TRIAL}/print", data={"profile": profile})
    assert printed.status_code == 200
    assert f"Eligibility screening: {TRIAL}" in printed.text
    assert "Patient facts used" in printed.text and "stem cell transplant (allogeneic, 2024-05-01)" in printed.text
    assert '<table class="criteria">' in printed.text
    assert client.get(f"/screen/trials/{TRIAL}/print").status_code == 422
    assert client.post("/screen/trials/NCT99999999/print", data={"profile": profile}).status_code == 404


def test_note_box_reads_the_note_and_shows_each_fact_with_its_sentence(client):
    from app.web.routes import note_box_enabled

    if not note_box_enabled():
        assert 'name="note"' not in client.get("/screen").text
        return
    note = "45 year old woman after allogeneic stem cell transplant in May 2024, now with oral mucositis. No HIV."
    page = client.post("/screen", data={"note": note})
    assert page.status_code == 200
    assert "What we read from the note" in page.text
    assert "<mark>" in page.text and "No HIV" in page.text
    assert f'data-nct="{TRIAL}"' in page.text


def test_trial_page_shows_record_rules_and_what_was_not_understood(client):
    page = client.get(f"/trials/{TRIAL}")
    assert page.status_code == 200
    for words in ("The record", "18 years or older", "The General Hospital of Western Theater Command",
                  "Eligibility rules, as Eligo reads them", "Criteria Eligo could not understand"):
        assert words in page.text
    from app.rules import compiler_available

    if compiler_available():
        assert "has had haematopoietic stem cell transplant" in page.text or "stem cell" in page.text
        assert "Inclusion criteria" in page.text


def test_missing_pages_are_calm_html_and_the_api_keeps_json(client):
    for path in ("/trials/NCT99999999", "/trials/not-an-id", "/no/such/page"):
        page = client.get(path)
        assert page.status_code == 404
        assert page.headers["content-type"].startswith("text/html")
        assert "We could not find that page" in page.text
    api = client.get("/v1/trials/NCT99999999")
    assert api.status_code == 404 and api.json() == {"detail": "no trial NCT99999999"}


def test_a_server_error_is_a_calm_page_without_a_stack_trace(tmp_path, monkeypatch):
    from app.config import Settings
    from app.main import create_app
    from app.web import service

    def broken(*args, **kwargs):
        raise RuntimeError("secret detail")

    monkeypatch.setattr(service, "match_profile", broken)
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'e.db'}", load_demo=False))
    with TestClient(app, raise_server_exceptions=False) as client:
        page = client.post("/", data=PATIENT)
        assert page.status_code == 500
        assert "Something went wrong on our side" in page.text
        assert "Traceback" not in page.text and "secret detail" not in page.text
        monkeypatch.setattr("app.api.routes.trials.list_trials", broken)
        api = client.get("/v1/trials")
        assert api.status_code == 500 and api.text == "Internal Server Error"


# --- pure functions ----------------------------------------------------------------------------


def test_plain_messages_for_pydantic_errors():
    parsed = forms.parse_patient({"age": "-1", "max_distance_km": "0", "condition": "x" * 600})
    assert parsed.profile is None
    assert parsed.errors == {
        "age": "Please enter a number of at least 0.",
        "max_distance_km": "Please enter a number above 0.",
        "condition": "This is too long: at most 500 characters.",
    }


@pytest.mark.parametrize("raw, kind, date, expected", [
    ("yes", "yes_no", "", (True, None)),
    ("no", "yes_no", "", (False, None)),
    ("unknown", "yes_no", "", (None, None)),
    ("", "number", "", (None, None)),
    ("3,5", "number", "", (3.5, None)),
    ("yes", "date", "2024-02-30", (None, "This date does not exist; please check it.")),
    ("yes", "date", "2024-02-03", ("2024-02-03", None)),
    ("no", "date", "", (False, None)),
    ("history", "choice", "", ("history", None)),
])
def test_answer_values(raw, kind, date, expected):
    assert forms.answer_value(raw, kind, date) == expected


def test_screening_rows_become_profile_entries():
    parsed = forms.parse_screening({
        "conditions-0-text": "GVHD", "conditions-0-status": "history",
        "conditions-1-text": "HIV", "conditions-1-status": "absent",
        "conditions-2-text": "", "conditions-2-status": "active",
        "procedures-0-type": "radiotherapy", "procedures-0-site": "head and neck",
        "medications-0-text": "prednisolone", "medications-0-dose": "20", "medications-0-unit": "mg",
        "labs-0-analyte": "albumin", "labs-0-value": "30", "labs-0-unit": "g/L",
        "ecog": "1", "pregnant": "no", "absent_means_no": "1",
    })
    profile = parsed.profile
    assert parsed.ok
    assert [(c.text, c.status, c.present) for c in profile.conditions] == [("GVHD", "history", True),
                                                                          ("HIV", "active", False)]
    assert profile.procedures[0].text == "radiotherapy" and profile.procedures[0].site == "head and neck"
    assert profile.medications[0].dose == 20 and profile.labs[0].unit == "g/L"
    assert profile.ecog == 1 and profile.pregnant is False and profile.absent_means_no is True


def test_effect_of_an_outcome_depends_on_the_kind():
    assert views.effect("inclusion", "met") == "fits"
    assert views.effect("exclusion", "met") == "rules_out"
    assert views.effect("exclusion", "not_met") == "fits"
    assert views.effect("inclusion", "not_met") == "rules_out"
    assert views.effect("exclusion", "unknown") == "open"
    assert views.effect("inclusion", "not_applicable") == "na"
    assert views.outcome_label("exclusion", "met") == "Met: excludes"


def test_distance_words():
    assert views.distance_words(0.2) == "less than 1 km away"
    assert views.distance_words(7.4) == "about 7 km away"
    assert views.distance_words(123) == "about 120 km away"
    assert views.distance_words(4870) == "about 4,900 km away"


@pytest.mark.parametrize("atom, words", [
    (ir.AgeAtom(min_years=18), "is aged at least 18 years"),
    (ir.AgeAtom(min_years=18, max_years=75), "is aged 18 to 75 years"),
    (ir.ProcedureAtom(concept="hsct", label="stem cell transplant", subtype="allogeneic",
                      window=ir.Window(relation="within", days=100)),
     "has had stem cell transplant (allogeneic) in the last 100 days"),
    (ir.ProcedureAtom(concept="radiotherapy", site="head and neck", window=ir.Window(relation="more_than", days=180)),
     "has had radiotherapy to the head and neck more than 6 months ago"),
    (ir.ConditionAtom(concept="term:graft versus host disease", status="active"), "has graft versus host disease"),
    (ir.ConditionAtom(concept="breast_cancer", label="breast cancer", family=True),
     "a close relative has had breast cancer"),
    (ir.MedicationAtom(concept="corticosteroid", label="corticosteroids", dose=ir.Quantity(value=10, unit="mg/day"),
                       dose_comparator=">", dose_of="prednisolone"),
     "takes or has taken corticosteroids at above 10 mg/day of prednisolone or equivalent"),
    (ir.LabAtom(analyte="alt", label="ALT", comparator="<=", value=2.5, uln_multiple=True),
     "has ALT at most 2.5 × the upper limit of normal"),
    (ir.LabAtom(analyte="albumin", comparator=">=", value=30, unit="g/L"), "has albumin at least 30 g/L"),
    (ir.PerformanceStatusAtom(scale="ecog", comparator="<=", value=2), "has an ECOG performance status of at most 2"),
    (ir.PregnancyAtom(), "is pregnant"),
    (ir.TrialParticipationAtom(window=ir.Window(relation="within", days=28)),
     "takes part in another clinical trial in the last 4 weeks"),
    (ir.AllergyAtom(concept="investigational_product"), "is allergic to the study treatment"),
])
def test_describe_atom(atom, words):
    assert describe_atom(atom) == words


def test_describe_expr_is_an_outline():
    expr = ir.All(args=[ir.atom(ir.AgeAtom(min_years=18)),
                        ir.not_(ir.any_of(ir.atom(ir.PregnancyAtom()), ir.atom(ir.BreastfeedingAtom())))])
    line = describe_expr(expr)
    assert line.words == "all of these:"
    assert line.children[0].words == "is aged at least 18 years"
    assert line.children[1].words == "none of this:"
    assert [c.words for c in line.children[1].children[0].children] == ["is pregnant", "is breastfeeding"]
    assert span_in_words(365) == "1 year" and span_in_words(14) == "2 weeks" and span_in_words(5) == "5 days"


def test_patient_verdict_reason_drops_criterion_ids():
    assert views.plain_verdict_reason(
        "Nothing rules you out so far; 9 criteria are still open (inc-2, inc-3, exc-1, exc-2…).") == \
        "Nothing rules you out so far; 9 criteria are still open."
