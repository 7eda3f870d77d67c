"""Study-related facts: other-trial participation, informed consent, willingness to follow
the study's procedures, allergy to the investigational product or a drug, healthy volunteers."""

from __future__ import annotations

import re

from criteria_rules import terminology
from criteria_rules.atoms.base import CriterionContext, Found, make
from criteria_rules.ir import AllergyAtom, ComplianceAtom, ConsentAtom, HealthyVolunteerAtom, TrialParticipationAtom

_TRIAL = re.compile(
    r"\b(?:participa[nt]\w*|enrol(?:l)?\w*|involve\w*|tak(?:e|ing) part|took part|included|inclusion)\b[^.;]{0,50}?"
    r"\b(?:another|other|any other|concurrent|simultaneous|an?|any|a different|previous)\b[^.;]{0,40}?"
    r"\b(?:clinical\s+|interventional\s+|investigational\s+|drug\s+|therapeutic\s+|research\s+)*(?:trials?|stud(?:y|ies)|investigations?|protocols?)\b"
    r"|\b(?:received|receiving|use of|used|treatment with|treated with|exposure to|administration of|taken|took|taking)\s+(?:an?\s+|any\s+)?(?:other\s+)?"
    r"investigational\s+(?:drugs?|agents?|products?|devices?|medications?|medicinal products?|treatments?|therap(?:y|ies)|compounds?|interventions?)"
    r"|\b(?:investigational\s+(?:drugs?|agents?|products?|devices?|therap(?:y|ies)|treatments?))\s+(?:within|in the)",
    re.I,
)
_CONSENT = re.compile(
    r"\b(?:(?:written\s+|signed\s+|voluntar\w+\s+)?informed\s+(?:consent|assent)(?:\s+form)?|consent\s+forms?|(?:give|provide|sign|obtain|understand)\w*\s+(?:\w+\s+){0,3}?consent"
    r"|(?:able|ability|capable|capacity|willing\w*)\s+to\s+(?:\w+\s+){0,4}?consent|\bassent\b|\bconsent\b)",
    re.I,
)
# Willing and able to do what the study asks: follow its protocol, attend its visits,
# give its samples. "Willing to" alone is not enough ("willing to use contraception" is a
# contraception rule), so each form names the study's demands.
_WILLING = r"(?:\b(?:(?:un)?willing|(?:un)?able|agree[sd]?|agreeing|committed|prepared|motivated|available)\s+(?:(?:and|or|/)\s+(?:willing|able)\s+)?to\s+)"
_COMPLY = re.compile(
    r"\b(?:compl(?:y|ies|ying)|adher(?:e|es|ing))\s+(?:with|to)\b(?:\s+(?:all|the|any)?\s*(?:study|trial|protocol)?[- ]?(?:protocol|procedures?|requirements?|visits?|schedules?|instructions?|restrictions?|assessments?|treatment))*"
    r"|\b(?:non-?\s?)?(?:compliant|compliance|adherent|adherence)\s+(?:with|to)\s+(?:the\s+|all\s+)?(?:study|trial|protocol)(?:[- ](?:protocol|procedures?|requirements?|visits?|schedules?))*"
    r"|\b(?:attend|return\s+for|keep|complete)\s+(?:\w+\s+){0,3}?(?:visits?|appointments?|follow[- ]?ups?|sessions)\b"
    rf"|{_WILLING}(?:participate\s+in\s+(?:\w+\s+){{0,2}}?(?:study|trial|follow[- ]?ups?|visits?|procedures)"
    r"|(?:provide|donate|give|have)\s+(?:\w+\s+){0,3}?(?:samples?|specimens?)(?:\s+(?:stored|collected|banked|taken))?(?:\s+for\s+(?:future\s+)?(?:research|analysis|testing))?"
    r"|follow\s+(?:the\s+|all\s+)?(?:study|trial|protocol|instructions)(?:[- ](?:protocol|procedures?|instructions|requirements))*)\b"
    r"|\b(?:is|are|be)\s+voluntar(?:y|ily)\b|\bvoluntar(?:y|ily)\s+(?:participat\w+|agree\w*|enrol\w*|join\w*)|\bparticipat\w+\s+voluntarily\b",
    re.I,
)
_LEAD_IN = re.compile(_WILLING + r"$", re.I)
_CONTRACEPTION_WORDS = re.compile(r"contracep|birth\s+control|abstinen|condom", re.I)
_CANNOT = re.compile(r"\b(?:unable|inability|not able|incapable|cannot|can ?not|lack\w*|refus\w*|unwilling\w*|not willing|missing|without|absence of)\b[^.;]{0,40}$", re.I)
# "Can not use heparin": an intolerance or contraindication, not "does not take heparin".
_CANNOT_USE = re.compile(
    r"\b(?:can\s?not|cannot|could\s+not|unable\s+to)\s+(?:use|take|receive|tolerate|be\s+given|be\s+treated\s+with)\s+"
    r"(?P<target>[^.;]{1,120})",
    re.I,
)
# "adverse reaction to corticosteroids", "serious adverse drug reactions to vaccines": a reaction
# to a drug is an intolerance of it, not use of it
_ALLERGY = re.compile(
    r"\b(?:allerg\w*|hypersensitiv\w*|intoleran\w*|anaphyla\w*|contraindicat\w*|sensitivity"
    r"|adverse\s+(?:drug\s+)?reactions?)"
    r"(?:\s+(?:or|and/or|and|/)\s+(?:allerg\w*|hypersensitiv\w*|intoleran\w*|contraindicat\w*))?"
    r"(?:\s+reactions?)?(?:\s+(?:attributed|attributable|due|related))?\s+(?:to|with|against|of|for)\s+"
    # "... to compounds of similar chemical or biologic composition to ibrutinib": the drugs follow
    r"(?:(?:compounds?|agents?|drugs?)\s+of\s+similar\s+(?:chemical|biologic\w*)(?:\s+(?:or|and|and/or|/)\s+"
    r"(?:chemical|biologic\w*))?\s+composition\s+(?:to|as)\s+)?"
    # (up to the next allergy word: "... or rituximab or hypersensitivity to murine proteins")
    r"(?P<target>(?:(?!\b(?:allerg|hypersensitiv|intoleran|anaphyla))[^.;]){1,120})",
    re.I,
)
_PRODUCT_WORDS = re.compile(
    r"\b(?:study|trial|investigational|imp|excipients?|components?|ingredients?|constituents?|formulation|product|the drug|vaccine)\b",
    re.I,
)
_HEALTHY = re.compile(
    r"\bhealthy\s+(?:\w+\s+)?(?:volunteers?|subjects?|participants?|individuals?|adults?|children|controls?|donors?|people|persons|men|women|males|females|infants|adolescents)\b",
    re.I,
)


def _trial(ctx: CriterionContext) -> list[Found]:
    found = []
    for m in _TRIAL.finditer(ctx.text):
        if ctx.is_claimed(m.start(), m.end()) or re.search(r"\bthis\s+(?:study|trial)\b", m.group(0), re.I):
            continue
        found.append(make(ctx, m.start(), m.end(), TrialParticipationAtom))
    return found


def _consent(ctx: CriterionContext) -> list[Found]:
    m = _CONSENT.search(ctx.text)
    if not m:
        return []
    f = make(ctx, m.start(), m.end(), ConsentAtom)
    if _CANNOT.search(ctx.text[max(0, m.start() - 60) : m.start()]):
        f.negated = True
    return [f]


def _compliance(ctx: CriterionContext) -> list[Found]:
    found = []
    for m in _COMPLY.finditer(ctx.text):
        if ctx.is_claimed(m.start(), m.end()) or _CONTRACEPTION_WORDS.search(ctx.text[m.start():m.end() + 40]):
            continue
        start = m.start()
        lead = _LEAD_IN.search(ctx.text[max(0, start - 40):start])
        if lead:
            start -= len(lead.group(0))
        f = make(ctx, start, m.end(), ComplianceAtom)
        if re.match(r"non-?\s?", m.group(0), re.I) or _CANNOT.search(ctx.text[max(0, start - 60):m.start()]):
            f.negated = True
        found.append(f)
    return found


def _allergy_target(ctx: CriterionContext, start: int, end: int) -> tuple[str, str, int]:
    """(concept id, label, end of the target words) for the thing someone is allergic to."""
    for mention in ctx.mentions_in(start, end, ("drug", "drug_class", "other", "procedure")):
        if mention.concept_id == "investigational_product" or mention.kind in ("drug", "drug_class"):
            return mention.concept_id, terminology.label(mention.concept_id), mention.end
    target = ctx.text[start:end]
    first_clause = re.split(r",|\bor\b|\band\b|\bwhich\b|\bthat\b|\(", target, maxsplit=1)[0]
    if _PRODUCT_WORDS.search(target[:60]):
        return "investigational_product", terminology.label("investigational_product"), start + len(first_clause.rstrip())
    ids = terminology.resolve(first_clause)
    cid = ids[0] if ids else "term:" + terminology.normalise_term(first_clause)
    return cid, terminology.label(cid), start + len(first_clause.rstrip())


# What may stand between the drugs of one list: "dasatinib and/or bortezomib", "A, B or C".
_LIST_GLUE = re.compile(r"^\s*(?:,\s*)?(?:(?:and\s*/\s*or|or|and|/)\s*)?(?:to\s+)?$", re.I)


def _listed_drugs(ctx: CriterionContext, after: int, stop: int) -> list:
    """Drug mentions that continue a list begun before ``after`` ("intolerance to A and/or B")."""
    listed = []
    for mention in sorted(ctx.mentions_in(after, stop, ("drug", "drug_class")), key=lambda m: m.start):
        if not _LIST_GLUE.match(ctx.text[after:mention.start]):
            break
        listed.append(mention)
        after = mention.end
    return listed


# "Oxaliplatin, fludarabine, cytarabine or rituximab intolerance": the word after the list
_TRAILING_ALLERGY = re.compile(r"\b(?:intoleran(?:ce|t)|allerg(?:y|ies)|hypersensitivit(?:y|ies))\b", re.I)


def _drugs_listed_before(ctx: CriterionContext, end: int) -> list:
    """The drug mentions of a list that ends right before ``end`` ("A, B or C intolerance"),
    last first; none when a word other than list glue stands between."""
    listed = []
    for mention in sorted(ctx.mentions_in(0, end, ("drug", "drug_class")), key=lambda m: -m.start):
        gap = ctx.text[mention.end:end]
        if (listed and not _LIST_GLUE.match(gap)) or (not listed and gap.strip(" -")):
            break
        listed.append(mention)
        end = mention.start
    return listed


def _trailing_allergies(ctx: CriterionContext) -> list[Found]:
    found = []
    for m in _TRAILING_ALLERGY.finditer(ctx.text):
        for n, mention in enumerate(_drugs_listed_before(ctx, m.start())):
            # the drug next to the word takes the word too ("penicillin allergy"): it is not
            # a second, general allergy
            end = m.end() if n == 0 else mention.end
            found.append(make(ctx, mention.start, end, AllergyAtom, concept=mention.concept_id,
                              label=terminology.label(mention.concept_id)))
    return found


def _allergy(ctx: CriterionContext) -> list[Found]:
    found = []
    for m in [*_ALLERGY.finditer(ctx.text), *_CANNOT_USE.finditer(ctx.text)]:
        cid, label, end = _allergy_target(ctx, m.start("target"), m.end("target"))
        end = max(end, m.start("target"))
        if "product" in cid or cid == "investigational_product":
            end = max(end, m.end("target"))  # the product's description is part of it
        atoms = [make(ctx, m.start(), end, AllergyAtom, concept=cid, label=label)]
        # the rest of a listed set of drugs is intolerances too, not drugs being taken
        atoms += [make(ctx, mention.start, mention.end, AllergyAtom, concept=mention.concept_id,
                       label=terminology.label(mention.concept_id))
                  for mention in _listed_drugs(ctx, end, m.end("target"))]
        for f in atoms:
            if m.re is _CANNOT_USE:
                f.negated = False  # "can not" is the intolerance itself, not a negation of it
            found.append(f)
    return found + sorted(_trailing_allergies(ctx), key=lambda f: f.start)


# "Healthy subjects or subjects with well-controlled underlying disease": the alternative
# admits patients with a disease, so the rule is not one for healthy volunteers only
_OR_PATIENTS = re.compile(
    r"\s*(?:,\s*)?(?:and/or|or)\s+(?:\w+\s+)?(?:subjects?|patients?|participants?|individuals?|volunteers?|adults?|"
    r"persons|people|those)\s+(?:with|who|having)\b", re.I)


# "Accepts Healthy Volunteers: No", the registry's field copied into the text: a statement
# about whom the trial takes, answered yes or no, not a rule for healthy volunteers only
_FIELD_ANSWER = re.compile(r"\s*:\s*(?P<answer>yes|no)\b", re.I)


# "Healthy male and female volunteers", "healthy adult men or women", "healthy, non-smoking
# Japanese male subjects": words that say which healthy people (sex, age group, origin,
# build, smoking) between "healthy" and the people; the sex words are the sex reader's
# (read first), so the atom is "healthy" and explains the people's noun too
_WHICH_PEOPLE = (r"(?:males?|females?|men|women|boys|girls|and|or|and/or|&|adults?|young|younger|elderly|older|"
                 r"middle-aged|non-?smok(?:ing|ers?)|non-?pregnant|post-?menopausal|pre-?menopausal|"
                 r"normal|obese|overweight|lean|normal-weight|japanese|chinese|korean|caucasian|asian|"
                 r"white|black|hispanic|term|full-term|paediatric|pediatric|adolescent)")
_HEALTHY_WHICH = re.compile(
    rf"\bhealthy(?P<which>(?:,?\s+{_WHICH_PEOPLE}){{2,6}}),?\s+"
    r"(?P<people>volunteers?|subjects?|participants?|individuals?|adults?|children|people|persons|men|women|"
    r"males|females)\b",
    re.I,
)


def _healthy_which_people(ctx: CriterionContext) -> list[Found]:
    found = []
    for m in _HEALTHY_WHICH.finditer(ctx.text):
        if _OR_PATIENTS.match(ctx.text, m.end()) or ctx.is_claimed(m.start(), m.start() + len("healthy")):
            continue
        f = make(ctx, m.start(), m.start() + len("healthy"), HealthyVolunteerAtom)
        words = [(m.start("which") + w.start(), m.start("which") + w.end())
                 for w in re.finditer(r"[^\s,]+", m.group("which"))]
        f.covers = [w for w in words if not ctx.is_claimed(*w)] + [m.span("people")]
        found.append(f)
    return found


def _healthy(ctx: CriterionContext) -> list[Found]:
    found = _healthy_which_people(ctx)
    for m in _HEALTHY.finditer(ctx.text):
        if any(f.start == m.start() for f in found):
            continue
        if _OR_PATIENTS.match(ctx.text, m.end()):
            continue
        answer = _FIELD_ANSWER.match(ctx.text, m.end())
        if answer and answer.group("answer").lower() == "yes":
            continue  # healthy volunteers are accepted, patients too: no restriction
        f = make(ctx, m.start(), answer.end() if answer else m.end(), HealthyVolunteerAtom)
        if answer:
            f.negated = True  # "...: No": patients only
        found.append(f)
    return found


def extract(ctx: CriterionContext) -> list[Found]:
    found = []
    for fn in (_allergy, _trial, _consent, _compliance, _healthy):
        for f in fn(ctx):
            if not ctx.is_claimed(f.start, f.end):
                found.append(f)
                ctx.claim(f.start, f.end)
    return found
