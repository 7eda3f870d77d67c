"""The rule IR: what eligibility text compiles into.

One expression tree per criterion (sqlglot-style: small node classes, plain functions
over the tree elsewhere). Every node is a pydantic model so a RuleSet round-trips through
JSON exactly (it is stored in the database and returned by the API).

Conventions
- Character spans are offsets into the eligibility text the RuleSet was compiled from.
- An atom states a fact about the patient *as worded*, without negation: "no prior
  radiotherapy" is ``Not(ProcedureAtom(concept="radiotherapy"))``.
- A criterion is evaluated the same way for inclusion and exclusion; its ``kind`` says
  what the truth value means (inclusion: must hold; exclusion: holding triggers it).
- Concept ids are lexicon ids (``criteria_rules/lexicon``), e.g. ``hsct``,
  ``radiotherapy``, ``corticosteroid``; terms outside the curated lexicon use
  ``term:<normalised words>`` or a terminology prefix (``hpo:HP:0001945``,
  ``icd10cm:C20``, ``mesh:D012004``).
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field

IR_VERSION = "1"

Comparator = Literal["<", "<=", ">", ">=", "=="]


class Node(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


class Span(Node):
    start: int = Field(ge=0)
    end: int = Field(ge=0)


class Window(Node):
    """A time window relative to the evaluation date.

    ``within``: the event happened (or ended) no more than ``days`` ago
    ("within the last 4 weeks"). ``more_than``: at least ``days`` ago ("at least 6 months
    since"). ``text`` keeps the words it came from.
    """

    relation: Literal["within", "more_than"]
    days: float = Field(ge=0)
    text: str = ""


class Quantity(Node):
    value: float
    unit: str = ""  # pint-parsable unit string as normalised by the compiler ("" = count)


class AtomBase(Node):
    text: str = ""  # the words the atom was read from
    span: Span | None = None


# --- atoms --------------------------------------------------------------------------


class AgeAtom(AtomBase):
    type: Literal["age"] = "age"
    min_years: float | None = None
    max_years: float | None = None
    min_inclusive: bool = True
    max_inclusive: bool = True


class SexAtom(AtomBase):
    type: Literal["sex"] = "sex"
    sex: Literal["female", "male"]


class ConditionAtom(AtomBase):
    type: Literal["condition"] = "condition"
    concept: str
    label: str = ""  # plain-language name for reasons and questions
    stage: str | None = None  # "II-III", "IV", "grade >= 3" ... as normalised text
    status: Literal["active", "history", "any"] = "any"
    family: bool = False  # family history of the condition, not the patient's own
    window: Window | None = None


class ProcedureAtom(AtomBase):
    type: Literal["procedure"] = "procedure"
    concept: str  # hsct, radiotherapy, chemotherapy, surgery, transfusion, ...
    label: str = ""
    subtype: str | None = None  # allogeneic | autologous | ...
    site: str | None = None  # body site, e.g. "head and neck"
    window: Window | None = None
    planned: bool = False  # "candidates for / scheduled to undergo" rather than done


class MedicationAtom(AtomBase):
    type: Literal["medication"] = "medication"
    concept: str  # a drug or a drug class id
    label: str = ""
    dose: Quantity | None = None  # daily dose threshold, as an equivalent of `dose_of`
    dose_comparator: Comparator | None = None
    dose_of: str | None = None  # reference drug for equivalents, e.g. "prednisolone"
    window: Window | None = None


class LabAtom(AtomBase):
    type: Literal["lab"] = "lab"
    analyte: str  # lexicon id: albumin, anc, platelets, creatinine_clearance, ...
    label: str = ""
    comparator: Comparator
    value: float
    unit: str = ""  # pint-parsable; "" for unitless
    uln_multiple: bool = False  # value is a multiple of the upper limit of normal
    lln_multiple: bool = False


class PregnancyAtom(AtomBase):
    type: Literal["pregnancy"] = "pregnancy"


class BreastfeedingAtom(AtomBase):
    type: Literal["breastfeeding"] = "breastfeeding"


class ChildbearingPotentialAtom(AtomBase):
    type: Literal["childbearing_potential"] = "childbearing_potential"


class ContraceptionAtom(AtomBase):
    type: Literal["contraception"] = "contraception"  # agrees to / uses effective contraception


class ConsentAtom(AtomBase):
    type: Literal["consent"] = "consent"  # able and willing to give informed consent


class ComplianceAtom(AtomBase):
    # willing and able to follow the study's procedures: visits, samples, follow-up
    type: Literal["compliance"] = "compliance"


class PerformanceStatusAtom(AtomBase):
    type: Literal["performance_status"] = "performance_status"
    scale: Literal["ecog", "karnofsky", "lansky"]
    comparator: Comparator
    value: float


class LifeExpectancyAtom(AtomBase):
    type: Literal["life_expectancy"] = "life_expectancy"
    comparator: Comparator
    months: float


class TrialParticipationAtom(AtomBase):
    type: Literal["trial_participation"] = "trial_participation"
    window: Window | None = None


class AllergyAtom(AtomBase):
    type: Literal["allergy"] = "allergy"
    concept: str  # "investigational_product" or a drug / class id
    label: str = ""


class HealthyVolunteerAtom(AtomBase):
    type: Literal["healthy_volunteer"] = "healthy_volunteer"


Atom = Annotated[
    Union[
        AgeAtom,
        SexAtom,
        ConditionAtom,
        ProcedureAtom,
        MedicationAtom,
        LabAtom,
        PregnancyAtom,
        BreastfeedingAtom,
        ChildbearingPotentialAtom,
        ContraceptionAtom,
        ConsentAtom,
        ComplianceAtom,
        PerformanceStatusAtom,
        LifeExpectancyAtom,
        TrialParticipationAtom,
        AllergyAtom,
        HealthyVolunteerAtom,
    ],
    Field(discriminator="type"),
]


# --- expression tree -----------------------------------------------------------------


class AtomNode(Node):
    op: Literal["atom"] = "atom"
    atom: Atom


class All(Node):
    op: Literal["all"] = "all"
    args: list["Expr"]


class AnyOf(Node):
    op: Literal["any"] = "any"
    args: list["Expr"]


class Not(Node):
    op: Literal["not"] = "not"
    arg: "Expr"


Expr = Annotated[Union[AtomNode, All, AnyOf, Not], Field(discriminator="op")]

All.model_rebuild()
AnyOf.model_rebuild()
Not.model_rebuild()


# --- criteria and rule sets -----------------------------------------------------------

CriterionKind = Literal["inclusion", "exclusion"]
CriterionStatus = Literal["compiled", "partial", "unsupported"]


class Criterion(Node):
    id: str  # stable within a RuleSet: "inc-1", "exc-3", "inc-2.1" for a child
    kind: CriterionKind
    text: str
    span: Span | None = None
    outline: list[str] = Field(default_factory=list)  # section headers and parent items
    expr: Expr | None = None  # None when nothing in the text was understood
    applies_if: Expr | None = None  # e.g. women of childbearing potential; False -> n/a
    status: CriterionStatus = "unsupported"
    unparsed: list[str] = Field(default_factory=list)  # phrases the compiler did not read
    # A parent item such as "meeting 1 of the following": its children combine by
    # `combine` (its own expr, if any, must also hold).
    children: list["Criterion"] = Field(default_factory=list)
    combine: Literal["all", "any"] | None = None


Criterion.model_rebuild()


class TrialFacts(Node):
    """Registry facts that act as criteria (from structured fields when present)."""

    min_age_years: float | None = None
    max_age_years: float | None = None
    sex: Literal["all", "female", "male"] = "all"
    healthy_volunteers: bool | None = None


class RuleSet(Node):
    ir_version: str = IR_VERSION
    compiler_version: str
    text_sha256: str = ""
    facts: TrialFacts = Field(default_factory=TrialFacts)
    criteria: list[Criterion] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)  # e.g. "no eligibility text"


# --- small pure helpers over the tree --------------------------------------------------


def criterion_id(kind: str, position: int, prefix: str | None, counters: dict[str, int]) -> str:
    """The id a criterion's place implies: "inc-2" / "exc-3" at the top level (counted per
    kind in ``counters``, which this advances), "inc-2.1" for the ``position``-th child of ``prefix``."""
    if prefix is not None:
        return f"{prefix}.{position}"
    counters[kind] += 1
    return f"{'inc' if kind == 'inclusion' else 'exc'}-{counters[kind]}"


def iter_atoms(expr: Expr | None):
    """Yield every atom in an expression tree, depth first."""
    if expr is None:
        return
    if isinstance(expr, AtomNode):
        yield expr.atom
    elif isinstance(expr, (All, AnyOf)):
        for arg in expr.args:
            yield from iter_atoms(arg)
    elif isinstance(expr, Not):
        yield from iter_atoms(expr.arg)


def iter_criteria(criteria: list[Criterion]):
    """Yield every criterion, parents before their children."""
    for criterion in criteria:
        yield criterion
        yield from iter_criteria(criterion.children)


def atom(a) -> AtomNode:
    return AtomNode(atom=a)


def all_of(*args) -> Expr:
    return args[0] if len(args) == 1 else All(args=list(args))


def any_of(*args) -> Expr:
    return args[0] if len(args) == 1 else AnyOf(args=list(args))


def not_(arg) -> Not:
    return Not(arg=arg)
