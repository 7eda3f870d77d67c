"""Question ids and wording: one stable id per unknown fact.

A question is about a *fact*, not a trial, so one answer settles the same fact in every
trial. Ids (answers come back in ``PatientProfile.answers[id]``):

=====================================  ===========  ==========================================
id                                     answer type  accepted answer values
=====================================  ===========  ==========================================
``q:age``                              number       years
``q:sex``                              choice       "female" | "male" | "other"
``q:condition:<concept>``              choice       "active" (or true) | "history" | "no" (or false)
``q:family:<concept>``                 yes_no       true | false (a parent, sibling or child has it)
``q:procedure:<concept>``              yes_no/date  false/"no" = never; true/"yes" = yes, date
                                                    unknown; "YYYY-MM-DD" = yes, most recently then
``q:procedure:<concept>:subtype``      choice       e.g. "allogeneic" | "autologous"
``q:procedure:<concept>:site``         text         body site in words
``q:medication:<concept>``             yes_no/date  false = not taking it; true = taking it now;
                                                    "YYYY-MM-DD" = last taken on that day
``q:medication:<concept>:dose``        number       daily dose in mg (of the reference drug
                                                    for equivalents, e.g. prednisolone)
``q:lab:<analyte>``                    number       the result in the question's ``unit``
                                                    (the analyte's default unit), or a string
                                                    with its own unit: "28 g/L"
``q:lab:<analyte>:uln`` / ``:lln``     number       upper / lower limit of normal, same unit as
                                                    the result
``q:pregnancy`` ``q:breastfeeding``    yes_no       true | false
``q:childbearing_potential``           yes_no
``q:contraception`` ``q:consent``      yes_no
``q:compliance``                       yes_no       true = willing and able to follow the
                                                    study's visits and procedures
``q:healthy_volunteer``                yes_no
``q:performance:<ecog|karnofsky|lansky>`` number    the score
``q:life_expectancy``                  number       months
``q:trial_participation``              yes_no/date  true = in another trial now; false = not in
                                                    any; "YYYY-MM-DD" = last one ended then
``q:allergy:<concept>``                yes_no
``q:criterion:<nct_id>:<criterion id>`` yes_no      true = the criterion's statement is true of
                                                    the patient (an exclusion then applies)
=====================================  ===========  ==========================================

Answers are used only where the profile itself is silent; an answer to a
``q:criterion:`` question settles that criterion whatever its compiled rule says.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from matching import concepts
from matching.units import default_unit

YES_NO = "yes_no"


@dataclass(frozen=True, slots=True)
class QuestionSpec:
    id: str
    text: str
    answer_type: str  # yes_no | number | date | choice | text
    unit: str | None = None
    choices: tuple[str, ...] = field(default=())


# Plain wording for the concepts that come up most; others use the concept's label.
_PROCEDURE_WORDING = {
    "hsct": "Have you had a stem cell or bone marrow transplant?",
    "radiotherapy": "Have you had radiotherapy (radiation treatment)?",
    "chemotherapy": "Have you had chemotherapy?",
    "surgery": "Have you had surgery?",
    "transfusion": "Have you had a blood transfusion?",
}
_CONDITION_WORDING = {
    "hiv": "Do you have HIV?",
    "hepatitis_b": "Do you have hepatitis B?",
    "hepatitis_c": "Do you have hepatitis C?",
    "infection": "Do you have an infection at the moment?",
}
_MEDICATION_WORDING = {
    "corticosteroid": "Are you taking steroid medicines (such as prednisolone or prednisone)?",
}
_SIMPLE = {
    "q:pregnancy": ("Are you pregnant?", YES_NO),
    "q:breastfeeding": ("Are you breastfeeding?", YES_NO),
    "q:childbearing_potential": ("Could you become pregnant (are you of childbearing potential)?", YES_NO),
    "q:contraception": ("Are you using, or willing to use, effective contraception?", YES_NO),
    "q:consent": ("Are you able to understand and sign a consent form yourself?", YES_NO),
    "q:compliance": ("Are you willing and able to attend the study visits and follow its procedures "
                     "(such as giving samples)?", YES_NO),
    "q:healthy_volunteer": ("Are you taking part as a healthy volunteer?", YES_NO),
    "q:life_expectancy": ("What is your expected survival, in months, as your doctor estimates it?", "number"),
    "q:trial_participation": (
        "Are you taking part in another clinical trial, or when did your last one end? "
        "(answer no, yes, or the date)",
        "date",
    ),
}


def criterion_question_id(nct_id: str, criterion_id: str) -> str:
    return f"q:criterion:{nct_id}:{criterion_id}"


def concept_name(concept: str, label: str = "") -> str:
    return label or concepts.label(concept)


def question_id_for_atom(atom) -> str:
    """The id of the question whose answer settles ``atom`` (see module docs)."""
    kind = atom.type
    if kind == "age":
        return "q:age"
    if kind == "sex":
        return "q:sex"
    if kind == "condition":
        return f"q:{'family' if atom.family else 'condition'}:{atom.concept}"
    if kind in ("procedure", "medication"):
        return f"q:{kind}:{atom.concept}"
    if kind == "lab":
        return f"q:lab:{atom.analyte}"
    if kind == "performance_status":
        return f"q:performance:{atom.scale}"
    if kind == "allergy":
        return f"q:allergy:{atom.concept}"
    if kind == "contraception":
        return "q:contraception"
    if kind == "consent":
        return "q:consent"
    return f"q:{kind}"


def spec_for(question_id: str, atom=None, criterion_text: str = "") -> QuestionSpec:
    """Wording, answer type, unit and choices of a question id."""
    if question_id in _SIMPLE:
        text, answer_type = _SIMPLE[question_id]
        return QuestionSpec(question_id, text, answer_type, "months" if "life" in question_id else None)
    parts = question_id.split(":")
    kind = parts[1] if len(parts) > 1 else ""
    label = getattr(atom, "label", "") or ""
    if kind == "age":
        return QuestionSpec(question_id, "How old are you?", "number", "years")
    if kind == "sex":
        return QuestionSpec(question_id, "What is your sex?", "choice", None, ("female", "male", "other"))
    if kind == "criterion":
        quoted = criterion_text or "this criterion"
        return QuestionSpec(question_id, f'Does this apply to you: "{quoted}"?', YES_NO)
    concept = parts[2] if len(parts) > 2 else ""
    name = concept_name(concept, label)
    detail = parts[3] if len(parts) > 3 else None
    if kind == "condition":
        text = _CONDITION_WORDING.get(concept, f"Do you have, or have you had, {name}?")
        return QuestionSpec(question_id, text, "choice", None, ("active", "history", "no"))
    if kind == "family":
        return QuestionSpec(question_id, f"Has a close relative (parent, brother, sister, child) had {name}?", YES_NO)
    if kind == "procedure":
        if detail == "subtype":
            choices: tuple[str, ...] = ("allogeneic", "autologous") if concept == "hsct" else ()
            return QuestionSpec(question_id, f"What kind of {name} did you have?",
                                "choice" if choices else "text", None, choices)
        if detail == "site":
            return QuestionSpec(question_id, f"Which part of the body was the {name} on?", "text")
        text = _PROCEDURE_WORDING.get(concept, f"Have you had {name}?")
        if atom is not None and getattr(atom, "window", None) is not None:
            return QuestionSpec(question_id, text[:-1] + " If yes, when was the most recent? (answer no, yes, or the date)", "date")
        return QuestionSpec(question_id, text, YES_NO)
    if kind == "medication":
        if detail == "dose":
            reference = getattr(atom, "dose_of", None) or name
            return QuestionSpec(question_id, f"What daily dose do you take, in mg of {reference} or its equivalent?",
                                "number", "mg/day")
        text = _MEDICATION_WORDING.get(concept, f"Are you taking {name}?")
        if atom is not None and getattr(atom, "window", None) is not None:
            return QuestionSpec(question_id, text[:-1] + ", or when did you last take it? (answer no, yes, or the date)", "date")
        return QuestionSpec(question_id, text, YES_NO)
    if kind == "lab":
        unit = default_unit(concept) or getattr(atom, "unit", "") or None
        if detail in ("uln", "lln"):
            bound = "upper" if detail == "uln" else "lower"
            return QuestionSpec(question_id, f"What is the {bound} limit of normal for your {name} test, in the same unit as the result?", "number", unit)
        return QuestionSpec(question_id, f"What was your most recent {name} result?", "number", unit)
    if kind == "performance":
        scale = {"ecog": "ECOG performance status (0 = fully active to 4 = bedbound)",
                 "karnofsky": "Karnofsky performance score (0-100)",
                 "lansky": "Lansky play-performance score (0-100)"}.get(concept, concept)
        choices = tuple(str(i) for i in range(6)) if concept == "ecog" else ()
        return QuestionSpec(question_id, f"What is your {scale}?", "number", None, choices)
    if kind == "allergy":
        if concept == "investigational_product":
            return QuestionSpec(question_id, "Are you allergic to the study treatment or any of its ingredients?", YES_NO)
        return QuestionSpec(question_id, f"Are you allergic to {name}?", YES_NO)
    return QuestionSpec(question_id, f"Please tell us about: {name or question_id}", YES_NO)
