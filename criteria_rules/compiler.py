"""Eligibility text -> RuleSet.

Steps: clean the text (same length, so spans hold) -> outline (sections, items, groups)
-> one ``nlp.pipe`` over every criterion of the batch (tokens, sentences, concept
mentions) -> atom extractors -> ConText on the atoms -> time windows attached to the
nearest event -> expression tree -> status and unparsed words.

Never raises on input: whatever goes wrong inside one criterion leaves it
``unsupported`` with a warning, and the criterion is kept.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field
from typing import Iterable

from criteria_rules import atoms as atom_extractors
from criteria_rules import terminology
from criteria_rules.atoms.base import CriterionContext, Found
from criteria_rules.atoms.windows import find_windows
from criteria_rules.clean import clean_text, looks_english
from criteria_rules.cohorts import group_age_cohorts, header_cohort, renumber
from criteria_rules.coverage import unparsed_phrases
from criteria_rules.expressions import Part, build_expression
from criteria_rules.ir import (AgeAtom, AnyOf, AtomNode, Criterion, Not, RuleSet, SexAtom, Span, TrialFacts, all_of,
                               any_of, criterion_id)
from criteria_rules.outline import Item, build_outline
from criteria_rules.pipeline import apply_context, may_need_context, tokens_pipe
from criteria_rules.subgroups import implied_subgroup, mark_subgroup

COMPILER_VERSION = "0.1.13"
MAX_CRITERION_CHARS = 3000  # longer "criteria" are paragraphs of prose or broken layout
MAX_CRITERIA_PER_TRIAL = 1500  # beyond this, criteria are kept unread (1 MB texts)
NO_TEXT_WARNING = "no eligibility criteria text"

log = logging.getLogger(__name__)

_WINDOW_TARGETS = ("procedure", "medication", "condition", "trial_participation")


@dataclass
class _Pending:
    """A criterion waiting for its document from the batch pipe."""

    criterion: Criterion
    item: Item
    text: str
    read: bool = True
    warnings: list[str] = field(default_factory=list)


def _criterion_tree(items: list[Item], counters: dict[str, int], prefix: str | None, pending: list[_Pending], text: str, trial_warnings: list[str]) -> list[Criterion]:
    result: list[Criterion] = []
    for n, item in enumerate(items, start=1):
        cid = criterion_id(item.kind, n, prefix, counters)
        criterion = Criterion(
            id=cid,
            kind=item.kind,
            text=item.text,
            span=Span(start=item.start, end=item.end),
            outline=list(item.outline),
            combine=item.combine if item.children else None,
        )
        raw = text[item.start : item.end]
        p = _Pending(criterion, item, raw)
        if len(raw) > MAX_CRITERION_CHARS:
            p.read = False
            trial_warnings.append(f"{cid}: longer than {MAX_CRITERION_CHARS} characters, kept unread")
        elif len(pending) >= MAX_CRITERIA_PER_TRIAL:
            p.read = False
        elif not looks_english(raw):
            p.read = False
        pending.append(p)
        criterion.children = _criterion_tree(item.children, counters, cid, pending, text, trial_warnings)
        result.append(criterion)
    return result


def _attach_windows(ctx: CriterionContext, found: list[Found]) -> list[tuple[int, int]]:
    """Give each time window to the nearest event atom (preferring the one before it)."""
    covered = []
    for w in find_windows(ctx.text):
        kinds = ("condition",) if w.duration else _WINDOW_TARGETS
        if w.duration and any(f.start < w.end and w.start < f.end for f in found):
            continue  # "aged over 18 years" is an age, not how long something lasted
        targets = [f for f in found if f.atom.type in kinds and getattr(f.atom, "window", "x") is None
                   and f.role == "expr"]
        if not targets:
            continue
        before = [f for f in targets if f.end <= w.start]
        target = before[-1] if before else min(targets, key=lambda f: abs(f.start - w.end))
        target.atom.window = w.window
        covered.append((w.start, w.end))
    return covered


def _set_entities(doc, found: list[Found]) -> list[tuple[Found, object]]:
    spans = []
    for f in found:
        span = doc.char_span(f.start, f.end, label=f.atom.type.upper(), alignment_mode="expand")
        if span is not None and len(span) > 0:
            spans.append((f, span))
    spans.sort(key=lambda fs: (fs[1].start, -len(fs[1])))
    kept, last_end = [], -1
    for f, span in spans:
        if span.start >= last_end:
            kept.append((f, span))
            last_end = span.end
    doc.ents = [span for _, span in kept]
    return kept


# Modal verbs that turn a following "not" into a prohibition ("must not have", "may not have
# used", "should not be receiving"). Not "cannot": "a condition that cannot be corrected"
# describes; nor a modal after a relative pronoun ("disease which may not resolve").
_MODALS = frozenset({"must", "may", "should", "shall"})
_RELATIVE_PRONOUNS = frozenset({"that", "which", "who", "whom"})


def _prohibition(doc, modifier) -> bool:
    """Whether a negation cue is a modal prohibition ("must not", "may not") rather than a
    statement that something is absent ("has not received", "no")."""
    start, end = modifier.modifier_span
    if doc[start:end].text.lower() not in ("not", "n't") or start == 0 or doc[start - 1].lower_ not in _MODALS:
        return False
    return start < 2 or doc[start - 2].lower_ not in _RELATIVE_PRONOUNS


def restated_as_prohibition(doc, ent, kind: str) -> bool:
    """An exclusion written as the rule it enforces ("Exclusion: patients must not have
    osteoporosis", "a subject may not have used tobacco within the past year"): the
    prohibition names what excludes, so the atom it negates is what triggers the exclusion,
    not its absence. Read as a negation, every patient *without* osteoporosis was excluded,
    and a record stating "does not smoke" triggered the tobacco exclusion. True when every
    negation cue of the atom is a modal prohibition; an exclusion stating an absence
    ("patients who have not received chemotherapy") keeps its negation, and an inclusion's
    "must not have" is a negation as written."""
    if kind != "exclusion":
        return False
    negations = [m for m in ent._.modifiers if m.category == "NEGATED_EXISTENCE"]
    return bool(negations) and all(_prohibition(doc, m) for m in negations)


def _apply_context_flags(doc, found_spans: list[tuple[Found, object]], kind: str = "inclusion") -> None:
    ents = {e.start: e for e in doc.ents}  # (Doc.ents builds its spans anew on every access)
    for f, span in found_spans:
        ent = ents[span.start]
        if f.negated is None:
            f.negated = bool(ent._.is_negated) and not restated_as_prohibition(doc, ent, kind)
        atom = f.atom
        if atom.type == "condition":
            if ent._.is_family:
                atom.family = True
            if ent._.is_historical and atom.status == "any":
                atom.status = "history"
        elif atom.type == "procedure" and ent._.is_hypothetical and f.role == "expr":
            # (an "if ..." subgroup clause is hypothetical by its wording, not a plan)
            atom.planned = True


_EXAMPLES = re.compile(
    r"\((?:e\.?\s?g\.?|i\.?\s?e\.?|such as|including|for example|for instance|like|especially)[^)]*\)"
    r"|,?\s*\b(?:such as|e\.g\.|for example|for instance|including)\b[^.;()]*",
    re.I,
)


def _drop_examples(text: str, found: list[Found]) -> list[Found]:
    """Atoms naming examples of an earlier atom ("organ dysfunction (e.g. kidney failure)",
    "lung diseases, such as ARDS, asthma") add nothing to the rule: the general atom
    already covers them."""
    regions = [(m.start(), m.end()) for m in _EXAMPLES.finditer(text)]
    if not regions:
        return found
    kept = []
    for f in found:
        region = next(((a, b) for a, b in regions if a <= f.start and f.end <= b), None)
        general = [g for g in found if region and g.end <= region[0] and g.role == "expr"]
        if general:
            _hand_window_over(f, general[-1])
            continue
        kept.append(f)
    return kept


def _hand_window_over(example: Found, general: Found) -> None:
    """A time window attached to a dropped example ("cardiovascular disease (including
    myocardial infarction, arrhythmia) < 1 year before randomization": windows go to the
    nearest atom before them) belongs to the general atom the examples illustrate."""
    window = getattr(example.atom, "window", None)
    if window is not None and getattr(general.atom, "window", "x") is None and general.atom.type == example.atom.type:
        general.atom.window = window


_OPTIONAL = re.compile(
    r"\b(?:with\s*(?:or|/)\s*without|regardless\s+of|irrespective\s+of|independent(?:ly)?\s+of"
    r"|(?:maybe|may\s+be|can\s+be|possibly|optionally)\s+(?:combined|associated|accompanied)\s+with)\b[^,;.()]*", re.I)


def _drop_optional(text: str, found: list[Found]) -> list[Found]:
    """"Type 2 diabetes, treated with or without metformin", "social anxiety disorder with or
    without co-morbid MDD", "regardless of HER2 status", "mitral valve surgery (maybe combined
    with surgery for atrial septal defects)": what follows neither qualifies nor
    is required; read as an alternative ("or without metformin") it met the rule for anyone
    not on metformin."""
    regions = [(m.start(), m.end()) for m in _OPTIONAL.finditer(text)]
    if not regions:
        return found
    return [f for f in found if not any(a <= f.start and f.end <= b for a, b in regions)]


# "ALT > 2.5 x ULN, or > 5 x ULN if related to liver metastases", "bilirubin <= 1.5 x ULN (<= 3 x
# ULN in patients with Gilbert's syndrome)": the clause says which threshold holds for whom.
_THRESHOLD_CLAUSE = re.compile(
    r"\b(?:if|when|unless|in\s+(?:the\s+)?(?:presence|case|setting)\s+of|in\s+case\s+of|in|for|with|due\s+to"
    r"|related\s+to|attributable\s+to|secondary\s+to|because\s+of)\b[^,;.()]{0,80}?"
    r"\b(?:metasta\w*|mets|involvement|gilbert\w*(?:\s+s)?(?:\s+(?:syndrome|disease))?)", re.I)


def _drop_threshold_conditions(text: str, found: list[Found]) -> list[Found]:
    """A condition named in a clause that picks a lab's threshold ("or > 5 x ULN if related
    to liver metastases") says for whom the other threshold holds; it is not an alternative
    to the lab value. Read as one, "liver metastases" alone met an inclusion or triggered an
    exclusion about transaminases. Such condition atoms, after a lab atom, are dropped (their
    words stay unread, so the criterion is partial)."""
    regions = [(m.start(), m.end()) for m in _THRESHOLD_CLAUSE.finditer(text)]
    if not regions:
        return found
    labs = [f.start for f in found if f.atom.type == "lab"]
    return [f for f in found if not (
        f.atom.type == "condition"
        and any(a <= f.start and f.end <= b and any(start < a for start in labs) for a, b in regions))]


# "a total smoking history of <= 10 pack years", "smoking history < 5 pack-years", "alcohol
# intake up to 14 units per week": the most exposure allowed, which none meets too.
_UPPER_BOUNDED_AMOUNT = re.compile(
    r"\s*(?:history|habit|intake|consumption|use|exposure)?\s*(?:of|:)?\s*(?:(?:≤|<=?|=<|less\s+than|fewer\s+than|(?:no|not)\s+more\s+than|up\s+to|at\s+most"
    r"|maximum\s+of|under|below)\s*\d+(?:\.\d+)?|\d+(?:\.\d+)?(?=[^.;,()]{0,20}?\bor\s+(?:less|fewer)\b))"
    r"\s*-?\s*(?:pack[\s-]*years?|packs?\b|cigarettes?|drinks?|units?\b)", re.I)


def _drop_upper_bounded_exposures(text: str, found: list[Found]) -> list[Found]:
    """A habit followed by an upper bound on its amount ("non-smoker or ex-smoker with a
    total smoking history of <= 10 pack years") limits the exposure; it does not require
    one. Read as a condition, "smoking" made the rule fail for a patient who never smoked.
    Such condition atoms are dropped (the bound stays unread, so the criterion is partial)."""
    return [f for f in found if not (f.atom.type == "condition" and _UPPER_BOUNDED_AMOUNT.match(text, f.end))]


_DEFINITION = re.compile(r"\b(?:defined|characteri[sz]ed|diagnosed)\s+(?:by|as)\b[^.;]*", re.I)


def _drop_restatements(text: str, found: list[Found]) -> list[Found]:
    """In "Mild cognitive impairment defined by ... cognitive impairment at testing ...", the
    definition names its concept again in broader words; as an alternative it would widen
    the rule to every cognitive impairment. Such an atom (an ancestor of one named before the
    definition) is dropped."""
    regions = [(m.start(), m.end()) for m in _DEFINITION.finditer(text)]
    if not regions:
        return found
    kept = []
    for f in found:
        concept = getattr(f.atom, "concept", None)
        region = next(((a, b) for a, b in regions if a <= f.start and f.end <= b), None)
        if region and concept and any(
                g.end <= region[0] and getattr(g.atom, "concept", None) and g.atom.concept != concept
                and terminology.is_a(g.atom.concept, concept) for g in found):
            continue
        kept.append(f)
    return kept


_EXCEPTION = re.compile(
    r"\b(?:other\s+than|except(?:\s+for)?|excluding|besides|apart\s+from|with\s+the\s+exception\s+of)\b"
    r"[^.;()\[\]]*", re.I)


def _exceptions(text: str, found: list[Found]) -> list[Found]:
    """Atoms named after "other than" / "except" ("current antibiotic treatment other than
    metronidazole, vancomycin"; "any malignancy other than basal cell carcinoma"): the
    things the rule excepts from an earlier atom of the same kind, not alternatives to it.
    Read as alternatives, the excepted drug or disease itself would trigger the rule."""
    regions = [(m.start(), m.end()) for m in _EXCEPTION.finditer(text)]
    if not regions:
        return []
    excepted = []
    for f in found:
        if f.role != "expr" or f.negated:
            continue
        region = next(((a, b) for a, b in regions if a <= f.start and f.end <= b), None)
        if region and any(g.role == "expr" and g.end <= region[0] and g.atom.type == f.atom.type
                          and all(g is not e for e in excepted) for g in found):
            excepted.append(f)
    return excepted


def _dedupe(found: list[Found]) -> list[Found]:
    """Drop an atom that repeats an earlier one ("... transplantation (HSCT)")."""
    seen: set = set()
    kept = []
    for f in found:
        key = (f.role, bool(f.negated), repr(f.atom.model_dump(exclude={"text", "span"})))
        if key in seen:
            continue
        seen.add(key)
        kept.append(f)
    return kept


CHILDBEARING_AGE = (10, 55)  # years: menarche rarely earlier, natural pregnancy rarely later
_REPRODUCTIVE_ATOMS = frozenset({"pregnancy", "breastfeeding", "childbearing_potential", "contraception"})


_MEN = re.compile(r"\b(?:men|males?|man|boys?|partners?|fathers?|sperm)\b", re.I)


def _about_women_only(text: str, body: list[Found], conditions: list[Found]) -> bool:
    """Every atom of the rule is about pregnancy, breastfeeding or childbearing, and the
    rule names no sex and no men itself: a rule that can only concern women."""
    if not body or conditions or _MEN.search(text):
        return False  # (a rule already scoped, "women of childbearing potential must ...", keeps its scope)
    atoms = [f.atom for f in body + conditions]
    if any(a.type == "sex" for a in atoms):
        return False
    return all(a.type in _REPRODUCTIVE_ATOMS for a in atoms)


def _node(f: Found) -> AtomNode | AnyOf:
    if not f.either:
        return AtomNode(atom=f.atom)
    return AnyOf(args=[AtomNode(atom=a) for a in (f.atom, *f.either)])


def _compile_criterion(p: _Pending, doc) -> None:
    c = p.criterion
    text = p.text  # what nlp.pipe was given, so doc.text (which rebuilds it from the tokens)
    ctx = CriterionContext(
        text=text,
        offset=p.item.start,
        kind=c.kind,
        outline=c.outline,
        mentions=list(doc._.eligo_mentions or []),
    )
    found: list[Found] = []
    for extract in atom_extractors.ALL_EXTRACTORS:
        found += extract(ctx)
    found.sort(key=lambda f: f.start)
    mark_subgroup(text, c.kind, found)  # before windows: "at least 21 days after" is the requirement's
    covered = _attach_windows(ctx, found)
    if found and may_need_context(doc):
        # (without a trigger word ConText would set no flag, and an atom without flags
        # reads as neither negated nor historical: no entities, no ConText)
        apply_context_to = _set_entities(doc, found)
        apply_context(doc)
        _apply_context_flags(doc, apply_context_to, c.kind)
        graph = doc._.context_graph
        if graph is not None:
            for modifier in graph.modifiers:
                a, b = modifier.modifier_span
                covered.append((doc[a].idx, doc[b - 1].idx + len(doc[b - 1])))
    for f in found:
        covered.append((f.start, f.end))
        covered.extend(f.covers)
    covered.extend((m.start(), m.end()) for m in _OPTIONAL.finditer(text))  # (words that do not matter)
    found = _dedupe(_drop_restatements(text, _drop_examples(text, _drop_threshold_conditions(
        text, _drop_upper_bounded_exposures(text, _drop_optional(text, found))))))
    found += implied_subgroup(c.kind, found)
    conditions = [f for f in found if f.role == "applies_if"]
    body = [f for f in found if f.role != "applies_if"]
    if _about_women_only(text, body, conditions):
        # "Pregnant or lactating women": a rule about pregnancy concerns women only;
        # for a man it does not apply rather than being "not pregnant" (DESIGN:
        # not_applicable, e.g. a rule for women of childbearing potential, for a man).
        # Likewise for a girl before menarche or a woman past menopause (ages beyond
        # which a pregnancy is not a practical possibility).
        women = [Found(body[0].start, body[0].start, SexAtom(sex="female", text="women (a pregnancy rule)"))]
        if all(f.atom.type in ("pregnancy", "breastfeeding") for f in body + conditions):
            # ("postmenopausal" itself is a childbearing-potential atom and keeps its age)
            women.append(Found(body[0].start, body[0].start, AgeAtom(
                min_years=CHILDBEARING_AGE[0], max_years=CHILDBEARING_AGE[1], text="childbearing age (a pregnancy rule)")))
        conditions = [*women, *conditions]
    if conditions:
        c.applies_if = all_of(*[_node(f) for f in conditions])
    excepted = _exceptions(text, body)
    parts = [Part(f.start, f.end, _node(f), bool(f.negated)) for f in body if all(f is not e for e in excepted)]
    c.expr = build_expression(text, parts, c.kind)
    if c.expr is not None and excepted:
        # "X other than A, B": X, and neither A nor B
        c.expr = all_of(c.expr, Not(arg=any_of(*[_node(f) for f in excepted])))
    c.unparsed = unparsed_phrases(doc, covered, text) if found else []
    if c.expr is None and c.applies_if is None:
        c.status = "unsupported"
        c.unparsed = []
    elif c.unparsed:
        c.status = "partial"
    else:
        c.status = "compiled"


def _prepare(text: str | None, facts: TrialFacts | None) -> tuple[RuleSet, list[_Pending]]:
    original = text if isinstance(text, str) else ""
    ruleset = RuleSet(
        compiler_version=COMPILER_VERSION,
        text_sha256=hashlib.sha256(original.encode("utf-8", "replace")).hexdigest() if original else "",
        facts=facts or TrialFacts(),
    )
    pending: list[_Pending] = []
    if not original.strip():
        ruleset.warnings.append(NO_TEXT_WARNING)
        return ruleset, pending
    cleaned, warnings = clean_text(original)
    ruleset.warnings.extend(warnings)
    outline = build_outline(cleaned)
    ruleset.warnings.extend(outline.warnings)
    counters = {"inclusion": 0, "exclusion": 0}
    ruleset.criteria = _criterion_tree(outline.items, counters, None, pending, cleaned, ruleset.warnings)
    unread = sum(1 for p in pending if not p.read)
    if len(pending) > MAX_CRITERIA_PER_TRIAL:
        ruleset.warnings.append(f"more than {MAX_CRITERIA_PER_TRIAL} criteria: the rest are kept unread")
    if pending and unread == len(pending) and not looks_english(cleaned):
        ruleset.warnings.append("text does not look like English: criteria kept unread")
    if not ruleset.criteria:
        ruleset.warnings.append(NO_TEXT_WARNING)
    return ruleset, pending


def compile_many(texts_and_facts: Iterable[tuple[str | None, TrialFacts | None]], batch_size: int = 256) -> list[RuleSet]:
    """Compile many trials with one ``nlp.pipe`` over all their criteria."""
    prepared = [_prepare(text, facts) for text, facts in texts_and_facts]
    to_read = [p for _, pending in prepared for p in pending if p.read]
    docs = tokens_pipe((p.text for p in to_read), batch_size=batch_size)
    for p, doc in zip(to_read, docs):
        try:
            _compile_criterion(p, doc)
        except Exception:  # one odd criterion must not sink the trial; it stays unsupported
            log.exception("criterion %s could not be compiled", p.criterion.id)
            p.criterion.expr = None
            p.criterion.applies_if = None
            p.criterion.status = "unsupported"
    for ruleset, pending in prepared:
        _group_cohorts(ruleset, pending)
    return [ruleset for ruleset, _ in prepared]


def _group_cohorts(ruleset: RuleSet, pending: list[_Pending]) -> None:
    """Sibling age items of different cohorts become alternatives (criteria_rules.cohorts);
    ids then follow the new outline."""
    place = {
        id(p.criterion): (p.item.section, tuple(filter(None, map(header_cohort, p.item.outline))))
        for p in pending
    }
    if not group_age_cohorts(ruleset.criteria, place):
        return
    moved = renumber(ruleset.criteria)
    for n, warning in enumerate(ruleset.warnings):
        old, sep, rest = warning.partition(": ")
        if sep and old in moved:
            ruleset.warnings[n] = f"{moved[old]}: {rest}"


def compile_eligibility(text: str | None, facts: TrialFacts | None = None) -> RuleSet:
    return compile_many([(text, facts)])[0]
