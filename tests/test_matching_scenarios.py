"""The issue's must-show scenarios, on hand-built rule sets of the seed trials.

These do not depend on the criteria compiler: the rule sets below are what the seed
eligibility texts mean, written by hand. test_matching_compiled.py repeats the key
scenarios through the real compiler.
"""

import datetime as dt
import json

import pytest

from criteria_rules.ir import (
    AgeAtom, AllergyAtom, BreastfeedingAtom, ChildbearingPotentialAtom, ConditionAtom, ConsentAtom,
    ContraceptionAtom, Criterion, LabAtom, MedicationAtom, PregnancyAtom, ProcedureAtom, Quantity, RuleSet,
    SexAtom, TrialParticipationAtom, Window, all_of, any_of, atom, not_,
)
from matching.engine import match_trials
from matching.evaluate import evaluate_trial
from matching.profile import PatientProfile
from matching.results import MatchResult
from matching.trial import Site, TrialSummary

AS_OF = dt.date(2025, 6, 1)


def crit(id, kind, text, expr=None, status="compiled", **kw):
    return Criterion(id=id, kind=kind, text=text, expr=expr, status=status, **kw)


def rules(*criteria):
    return RuleSet(compiler_version="hand", criteria=list(criteria))


HSCT_MUCOSITIS = TrialSummary(
    nct_id="NCT06599346",
    brief_title="Effects of Mesenchymal Stem Cell Supernatant on Prevention and Treatment of Skin/Mucosal "
                "Injury in Hematology Patients",
    overall_status="RECRUITING",
    conditions=("Mucosal Injury", "Hematopoietic Stem Cell Transplantation"),
    keywords=("Oral Mucosal Injury", "HSCT Complications"),
    min_age_years=18,
    sites=(Site(facility="The General Hospital of Western Theater Command", city="Chengdu", state="Sichuan",
                country="China", status="RECRUITING", latitude=30.66667, longitude=104.06667,
                contact_name="Dan Chen", contact_phone="+86 000"),),
    rules=rules(
        crit("inc-1", "inclusion", "Participants aged 18 years or older.", atom(AgeAtom(min_years=18))),
        crit("inc-2", "inclusion", "Patients who have undergone hematopoietic stem cell transplantation (HSCT).",
             atom(ProcedureAtom(concept="hsct"))),
        crit("inc-3", "inclusion", "Patients who have developed mucosal injuries (oral, skin, or bladder) after "
             "HSCT, chemotherapy, or radiotherapy.", atom(ConditionAtom(concept="mucositis"))),
        crit("inc-4", "inclusion", "Patients who are willing to provide informed consent and comply with the "
             "study procedures.", atom(ConsentAtom())),
        crit("exc-1", "exclusion", "Patients with severe organ dysfunction (e.g., heart, liver, kidney failure) "
             "that could interfere with the study.", status="unsupported"),
        crit("exc-2", "exclusion", "Patients with uncontrolled active infections.",
             atom(ConditionAtom(concept="infection", status="active")), status="partial", unparsed=["uncontrolled"]),
        crit("exc-3", "exclusion", "Known allergies or hypersensitivity to MSC supernatant.",
             atom(AllergyAtom(concept="investigational_product"))),
        crit("exc-4", "exclusion", "Pregnant or breastfeeding women.",
             any_of(atom(PregnancyAtom()), atom(BreastfeedingAtom()))),
        crit("exc-5", "exclusion", "Patients with HIV or active hepatitis B or C infections.",
             any_of(atom(ConditionAtom(concept="hiv")), atom(ConditionAtom(concept="hepatitis_b", status="active")),
                    atom(ConditionAtom(concept="hepatitis_c", status="active")))),
        crit("exc-6", "exclusion", "Patients who have participated in another clinical trial within the last 4 "
             "weeks.", atom(TrialParticipationAtom(window=Window(relation="within", days=28,
                                                                  text="within the last 4 weeks")))),
    ),
)

RECTAL = TrialSummary(
    nct_id="NCT06536712",
    brief_title="Effects of Exosome Adminstration in Preventing Early Leakage in Rectal Cancer Patients "
                "Undergoing Low Anterior Resection",
    overall_status="NOT_YET_RECRUITING",
    conditions=("Rectal Cancer",),
    min_age_years=18,
    max_age_years=75,
    sites=(Site(facility="Tehran University of Medical Sciences", city="Tehran", zip="1419733141",
                country="Iran, Islamic Republic of"),),  # no geoPoint: placed by the gazetteer
    rules=rules(
        crit("inc-1", "inclusion", "Patients with Stage II-III rectal cancer who underwent neoadjuvant "
             "chemoradiation therapy and are candidates for low anterior resection surgery",
             all_of(atom(ConditionAtom(concept="rectal_cancer", stage="II-III")),
                    atom(ProcedureAtom(concept="radiotherapy")), atom(ProcedureAtom(concept="chemotherapy")),
                    atom(ProcedureAtom(concept="surgery", planned=True)))),
        crit("exc-1", "exclusion", "Patients who need emergency surgery (presenting with peritonitis or signs of "
             "obstruction)", status="unsupported"),
        crit("exc-2", "exclusion", "Patients with apparent malnutrition or patients who have serum albumin levels "
             "of less than 3 g/dl",
             any_of(atom(ConditionAtom(concept="malnutrition")),
                    atom(LabAtom(analyte="albumin", comparator="<", value=3, unit="g/dL")))),
        crit("exc-3", "exclusion", "Patients who receive corticosteroids ( an equivalent dose of prednisolone 5 "
             "mg/day or more)", atom(MedicationAtom(concept="corticosteroid", dose=Quantity(value=5, unit="mg/day"),
                                                   dose_comparator=">=", dose_of="prednisolone"))),
        crit("exc-4", "exclusion", "Patients with chronic pulmonary disease",
             atom(ConditionAtom(concept="lung_disease"))),
        crit("exc-5", "exclusion", "Patients who need more than two units of blood transfusion perioperatively",
             status="unsupported"),
    ),
)

CHILD_LUNG = TrialSummary(
    nct_id="NCT05862675",
    brief_title="Effect of Mesenchymal Stem Cell-derived Exosomes on Lung Diseases of Children",
    overall_status="NOT_YET_RECRUITING",
    conditions=("Lung Diseases",),
    min_age_years=1,
    max_age_years=14,
    healthy_volunteers=True,
    rules=rules(
        crit("inc-1", "inclusion", "Clinical diagnosis of specific lung diseases, such as ALI/ARDS, asthma, et al.",
             atom(ConditionAtom(concept="lung_disease"))),
        crit("inc-2", "inclusion", "Voluntary inclusion of researchers.", status="unsupported"),
        crit("exc-1", "exclusion", "Patients with hemodynamic instability", status="unsupported"),
        crit("exc-2", "exclusion", "Patients with pulmonary hypertension",
             atom(ConditionAtom(concept="pulmonary_hypertension"))),
        crit("exc-3", "exclusion", "Patients with congenital heart disease, congenital genetic metabolic disease, "
             "epilepsy, acute and chronic renal insufficiency, nephrotic syndrome, diabetes, etc.",
             any_of(atom(ConditionAtom(concept="congenital_heart_disease")), atom(ConditionAtom(concept="epilepsy")),
                    atom(ConditionAtom(concept="diabetes")))),
    ),
)

# An adult trial without registry age limits: only its text says "adults".
ADULT_RIOM = TrialSummary(
    nct_id="LOCAL-RIOM-0001",
    brief_title="Mesenchymal stem cell exosome spray for radiation-induced oral mucositis",
    overall_status="RECRUITING",
    conditions=("Radiation-induced Oral Mucositis", "Head and Neck Cancer"),
    rules=rules(
        crit("inc-1", "inclusion", "Adults aged 18 to 70 years.", atom(AgeAtom(min_years=18, max_years=70))),
        crit("inc-2", "inclusion", "Scheduled to undergo radiotherapy for head and neck cancer.",
             atom(ProcedureAtom(concept="radiotherapy", planned=True))),
        crit("exc-1", "exclusion", "Women of childbearing potential not using effective contraception.",
             not_(atom(ContraceptionAtom())), applies_if=all_of(atom(SexAtom(sex="female")),
                                                        atom(ChildbearingPotentialAtom()))),
    ),
)

SEED_TRIALS = [HSCT_MUCOSITIS, RECTAL, CHILD_LUNG, ADULT_RIOM]

HSCT_PATIENT = dict(
    age_years=40, sex="female",
    procedures=[{"text": "allogeneic stem cell transplant", "date": "2023-05-01", "subtype": "allogeneic"}],
    conditions=[{"text": "oral mucositis"}],
)


def by_id(result, criterion_id):
    return next(c for c in result.criteria if c.id == criterion_id)


# --- must show ----------------------------------------------------------------------------------


def test_hsct_patient_is_possibly_eligible_with_reasons():
    result = evaluate_trial(HSCT_MUCOSITIS, PatientProfile(**HSCT_PATIENT), AS_OF)
    assert result.verdict in ("eligible", "possibly_eligible")
    assert result.verdict == "possibly_eligible"  # consent, pregnancy ... are not known yet
    inc2, inc3 = by_id(result, "inc-2"), by_id(result, "inc-3")
    assert inc2.outcome == "met" and "stem cell transplant" in inc2.reason and "2023-05-01" in inc2.reason
    assert '"Patients who have undergone hematopoietic stem cell transplantation (HSCT)."' in inc2.reason
    assert inc3.outcome == "met" and "oral mucositis" in inc3.reason
    assert "40 years old" in by_id(result, "inc-1").reason
    assert not any(c.outcome == "not_met" or c.triggered for c in result.criteria)


def test_hsct_patient_answering_everything_becomes_eligible():
    answers = {"q:consent": True, "q:criterion:NCT06599346:exc-1": False, "q:condition:infection": "no",
               "q:allergy:investigational_product": False, "q:pregnancy": False, "q:breastfeeding": False,
               "q:condition:hiv": "no", "q:condition:hepatitis_b": "no", "q:condition:hepatitis_c": "no",
               "q:trial_participation": "no"}
    result = evaluate_trial(HSCT_MUCOSITIS, PatientProfile(**HSCT_PATIENT, answers=answers), AS_OF)
    assert result.verdict == "eligible", [c.reason for c in result.criteria if c.outcome == "unknown"]


def test_pregnant_hsct_patient_is_ineligible_quoting_the_exclusion():
    result = evaluate_trial(HSCT_MUCOSITIS, PatientProfile(**HSCT_PATIENT, pregnant=True), AS_OF)
    assert result.verdict == "ineligible"
    exc = by_id(result, "exc-4")
    assert exc.triggered is True and exc.outcome == "met"
    assert '"Pregnant or breastfeeding women."' in exc.reason and "pregnant" in exc.facts_used[0]
    assert "Pregnant or breastfeeding women." in result.verdict_reason


def test_low_albumin_excludes_from_rectal_trial():
    profile = PatientProfile(age_years=60, sex="male", conditions=[{"text": "rectal cancer", "stage": "III"}],
                             labs=[{"analyte": "albumin", "value": 28, "unit": "g/L"}])
    result = evaluate_trial(RECTAL, profile, AS_OF)
    assert result.verdict == "ineligible"
    exc = by_id(result, "exc-2")
    assert exc.triggered is True
    assert "serum albumin levels of less than 3 g/dl" in exc.reason and "28 g/L" in exc.reason
    # the same patient with a normal albumin is not excluded by it
    normal = profile.model_copy(update={"labs": [profile.labs[0].model_copy(update={"value": 38})]})
    assert by_id(evaluate_trial(RECTAL, normal, AS_OF), "exc-2").triggered is not True


def test_child_with_asthma_ranks_the_paediatric_lung_trial_first():
    child = PatientProfile(age_years=10, sex="male", conditions=[{"text": "asthma"}])
    result = match_trials(child, SEED_TRIALS, as_of=AS_OF)
    ids = [t.nct_id for t in result.trials]
    assert ids[0] == "NCT05862675"
    top = result.trials[0]
    assert top.verdict == "possibly_eligible" and top.score.relevance > 0
    assert by_id(top, "inc-1").outcome == "met" and "asthma" in by_id(top, "inc-1").reason
    # adult trials are either filtered out by their registry age or ranked below as ineligible
    assert "NCT06599346" not in ids and "NCT06536712" not in ids
    adult = next(t for t in result.trials if t.nct_id == "LOCAL-RIOM-0001")
    assert adult.verdict == "ineligible" and ids.index("LOCAL-RIOM-0001") > 0


@pytest.mark.parametrize("sex", ["female", "male"])
@pytest.mark.parametrize("age", [10, 40, 80])
def test_age_and_sex_alone_never_make_a_trial_ineligible_for_anything_else(age, sex):
    profile = PatientProfile(age_years=age, sex=sex)
    for trial in SEED_TRIALS:
        result = evaluate_trial(trial, profile, AS_OF)
        blocking = [c for c in result.criteria if c.outcome == "not_met" and c.kind == "inclusion" or c.triggered]
        for criterion in blocking:
            assert criterion.id in ("registry-age", "registry-sex") or "aged" in criterion.text.lower() \
                or "adults aged" in criterion.text.lower(), (trial.nct_id, criterion.reason)
            assert "years old" in criterion.reason
    matched = match_trials(profile, SEED_TRIALS, as_of=AS_OF)
    assert matched.questions, "an age-and-sex profile must get questions"
    for trial in matched.trials:
        if trial.verdict == "ineligible":
            assert all(c.id in ("registry-age", "registry-sex", "inc-1") for c in trial.criteria
                       if c.outcome == "not_met" or c.triggered)


def test_age_and_sex_profile_gets_possibly_eligible_and_questions():
    result = match_trials(PatientProfile(age_years=40, sex="female"), SEED_TRIALS, as_of=AS_OF, max_questions=30)
    assert {t.verdict for t in result.trials} == {"possibly_eligible"}
    assert result.counts == {"eligible": 0, "possibly_eligible": 3, "ineligible": 0}
    ids = [q.id for q in result.questions]
    assert "q:pregnancy" in ids
    pregnancy = next(q for q in result.questions if q.id == "q:pregnancy")
    assert pregnancy.answer_type == "yes_no" and pregnancy.text == "Are you pregnant?"


def test_answering_a_question_by_id_changes_the_result():
    base = dict(age_years=40, sex="female")
    before = match_trials(PatientProfile(**base), SEED_TRIALS, as_of=AS_OF)
    assert next(t for t in before.trials if t.nct_id == "NCT06599346").verdict == "possibly_eligible"
    after = match_trials(PatientProfile(**base, answers={"q:pregnancy": True}), SEED_TRIALS, as_of=AS_OF)
    hsct = next(t for t in after.trials if t.nct_id == "NCT06599346")
    assert hsct.verdict == "ineligible" and by_id(hsct, "exc-4").triggered is True
    assert "q:pregnancy" not in [q.id for q in after.questions]
    # an answer to an unsupported criterion's question settles it
    answered = evaluate_trial(RECTAL, PatientProfile(**base, answers={"q:criterion:NCT06536712:exc-1": True}), AS_OF)
    assert by_id(answered, "exc-1").triggered is True and answered.verdict == "ineligible"
    # a lab answer in the question's unit
    low = evaluate_trial(RECTAL, PatientProfile(**base, answers={"q:lab:albumin": 2.5}), AS_OF)
    assert by_id(low, "exc-2").triggered is True


def test_unsupported_criteria_become_quoting_questions():
    result = match_trials(PatientProfile(age_years=40, sex="male"), [RECTAL], as_of=AS_OF, max_questions=20)
    question = next(q for q in result.questions if q.id == "q:criterion:NCT06536712:exc-1")
    assert question.answer_type == "yes_no"
    assert "Patients who need emergency surgery" in question.text


def test_applies_if_false_is_not_applicable_for_a_man():
    man = evaluate_trial(ADULT_RIOM, PatientProfile(age_years=40, sex="male"), AS_OF)
    assert by_id(man, "exc-1").outcome == "not_applicable" and by_id(man, "exc-1").triggered is False
    woman = evaluate_trial(ADULT_RIOM, PatientProfile(age_years=40, sex="female"), AS_OF)
    assert by_id(woman, "exc-1").outcome == "unknown"
    # unknown whether it applies, but it would not trigger anyway: settled
    careful = evaluate_trial(ADULT_RIOM, PatientProfile(age_years=40, sex="female", uses_contraception=True), AS_OF)
    assert by_id(careful, "exc-1").outcome == "not_met" and by_id(careful, "exc-1").triggered is False


def test_children_combine_any_and_all():
    parent = crit("inc-2", "inclusion", "Meeting 1 of the following:", combine="any", children=[
        crit("inc-2.1", "inclusion", "ECOG 0-1", atom(AgeAtom(min_years=65))),
        crit("inc-2.2", "inclusion", "Prior HSCT", atom(ProcedureAtom(concept="hsct"))),
    ])
    trial = TrialSummary(nct_id="NCT00000009", rules=rules(parent))
    young = evaluate_trial(trial, PatientProfile(age_years=40), AS_OF)
    assert by_id(young, "inc-2").outcome == "unknown"
    assert [c.outcome for c in by_id(young, "inc-2").children] == ["not_met", "unknown"]
    transplanted = evaluate_trial(trial, PatientProfile(age_years=40, procedures=[{"text": "HSCT"}]), AS_OF)
    assert by_id(transplanted, "inc-2").outcome == "met"
    old = evaluate_trial(trial, PatientProfile(age_years=70), AS_OF)
    assert by_id(old, "inc-2").outcome == "met"
    parent_all = parent.model_copy(update={"combine": "all"})
    both = evaluate_trial(TrialSummary(nct_id="NCT00000009", rules=rules(parent_all)),
                          PatientProfile(age_years=40, procedures=[{"text": "HSCT"}]), AS_OF)
    assert by_id(both, "inc-2").outcome == "not_met"


def test_missing_trial_data_never_excludes():
    bare = TrialSummary(nct_id="NCT00000002", overall_status="RECRUITING")
    result = evaluate_trial(bare, PatientProfile(age_years=90, sex="male"), AS_OF)
    assert result.verdict == "possibly_eligible" and result.criteria == []
    empty_rules = TrialSummary(nct_id="NCT00000003", overall_status="RECRUITING", rules=rules())
    assert evaluate_trial(empty_rules, PatientProfile(age_years=90), AS_OF).verdict == "possibly_eligible"
    matched = match_trials(PatientProfile(age_years=90, sex="male"), [bare], as_of=AS_OF)
    assert matched.total == 1


def test_registry_facts_are_synthetic_criteria():
    result = evaluate_trial(RECTAL, PatientProfile(age_years=80, sex="female"), AS_OF)
    age = by_id(result, "registry-age")
    assert age.status == "registry" and age.text == "Age 18 to 75 years (registry)" and age.outcome == "not_met"
    female_only = TrialSummary(nct_id="NCT00000004", sex="FEMALE", rules=rules())
    assert by_id(evaluate_trial(female_only, PatientProfile(sex="male"), AS_OF), "registry-sex").outcome == "not_met"


# --- engine: candidates, ranking, paging, geography ----------------------------------------------


def test_status_filter_and_healthy_volunteer_only_trials():
    done = TrialSummary(nct_id="NCT00000005", overall_status="COMPLETED")
    healthy = TrialSummary(nct_id="NCT00000006", overall_status="RECRUITING", healthy_volunteers=True,
                           conditions=("Healthy",))
    profile = PatientProfile(age_years=30)
    assert match_trials(profile, [done, healthy], as_of=AS_OF).total == 0
    assert match_trials(profile, [done], as_of=AS_OF, statuses=("COMPLETED",)).total == 1
    volunteer = PatientProfile(age_years=30, healthy_volunteer=True)
    assert [t.nct_id for t in match_trials(volunteer, [healthy], as_of=AS_OF).trials] == ["NCT00000006"]
    assert match_trials(profile, [healthy], as_of=AS_OF, include_healthy_volunteer_trials=True).total == 1


def test_nearest_site_distance_and_contact():
    near_chengdu = PatientProfile(age_years=40, location={"latitude": 30.57, "longitude": 104.07})
    result = match_trials(near_chengdu, [HSCT_MUCOSITIS, RECTAL], as_of=AS_OF)
    hsct = next(t for t in result.trials if t.nct_id == "NCT06599346")
    assert hsct.nearest_site.facility == "The General Hospital of Western Theater Command"
    assert 9 < hsct.nearest_site.distance_km < 13  # about 10.7 km by haversine
    assert hsct.nearest_site.located_by == "geopoint" and hsct.nearest_site.contact_name == "Dan Chen"
    rectal = next(t for t in result.trials if t.nct_id == "NCT06536712")
    assert rectal.nearest_site.located_by == "city" and 4500 < rectal.nearest_site.distance_km < 5000


def test_max_distance_filters_but_keeps_unlocated_trials():
    profile = PatientProfile(age_years=40, location={"city": "Chengdu", "country": "China", "max_distance_km": 500})
    result = match_trials(profile, SEED_TRIALS, as_of=AS_OF)
    ids = {t.nct_id for t in result.trials}
    assert "NCT06599346" in ids and "NCT06536712" not in ids  # Tehran is ~4,700 km away
    unlocated = next(t for t in result.trials if t.nct_id == "LOCAL-RIOM-0001")
    assert unlocated.nearest_site is None and "no sites" in unlocated.location_note


def test_us_zip_code_location():
    boston_site = Site(facility="Boston site", city="Boston", state="Massachusetts", zip="02115",
                       country="United States", status="RECRUITING")
    trial = TrialSummary(nct_id="NCT00000007", overall_status="RECRUITING", sites=(boston_site,))
    profile = PatientProfile(location={"postal_code": "10001", "country": "United States"})
    site = match_trials(profile, [trial], as_of=AS_OF).trials[0].nearest_site
    assert site.located_by == "postal_code" and 280 < site.distance_km < 320


def test_ranking_order_paging_and_determinism():
    patient = PatientProfile(**HSCT_PATIENT)
    first = match_trials(patient, SEED_TRIALS, as_of=AS_OF)
    second = match_trials(patient, list(reversed(SEED_TRIALS)), as_of=AS_OF)
    assert first.model_dump_json() == second.model_dump_json()
    keys = [(-t.score.verdict_tier, -t.score.score, -t.score.settled_share) for t in first.trials]
    assert keys == sorted(keys)
    # the two oral-mucositis trials (HSCT; radiation-induced) are topical and possibly
    # eligible: both above the rest, in the order their words and concepts give
    assert {t.nct_id for t in first.trials[:2]} == {"NCT06599346", "LOCAL-RIOM-0001"}
    assert all(t.score.relevance > first.trials[2].score.relevance for t in first.trials[:2])
    page = match_trials(patient, SEED_TRIALS, as_of=AS_OF, limit=1, offset=1)
    assert page.total == first.total and [t.nct_id for t in page.trials] == [first.trials[1].nct_id]
    hsct = next(t for t in first.trials if t.nct_id == "NCT06599346")
    assert hsct.url == "https://clinicaltrials.gov/study/NCT06599346"


def test_ties_are_broken_by_nct_id():
    twins = [TrialSummary(nct_id=f"NCT0000001{i}", overall_status="RECRUITING") for i in (3, 1, 2)]
    ids = [t.nct_id for t in match_trials(PatientProfile(), twins, as_of=AS_OF).trials]
    assert ids == ["NCT00000011", "NCT00000012", "NCT00000013"]


def test_questions_are_weighted_by_rank():
    result = match_trials(PatientProfile(age_years=40, sex="female"), SEED_TRIALS, as_of=AS_OF, max_questions=50)
    weights = [q.weight for q in result.questions]
    assert weights == sorted(weights, reverse=True)
    assert all(q.settles >= 1 and q.trials >= 1 for q in result.questions)


def test_response_example_is_valid_and_serialises():
    example = MatchResult.model_config["json_schema_extra"]["example"]
    assert MatchResult.model_validate(example).trials[0].nct_id == "NCT06599346"
    result = match_trials(PatientProfile(**HSCT_PATIENT), SEED_TRIALS, as_of=AS_OF)
    assert MatchResult.model_validate(json.loads(result.model_dump_json())) == result
