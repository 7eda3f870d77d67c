"""Criterion-level accuracy on TrialGPT-format labels (patient note x one criterion).

``eligo bench criteria --data PATH`` or ``python -m bench.criterion_level --data PATH``.

Each JSON Lines row has ``note``, ``criterion_type`` (inclusion | exclusion),
``criterion_text`` and ``expert_eligibility``. For each row the single criterion is
compiled as the only item of an inclusion or exclusion section, the note is extracted to a
profile (once per distinct note), the criterion is evaluated, and its outcome is mapped
onto the expert's vocabulary:

- inclusion: met -> included, not_met -> not included, unknown -> not enough
  information, not_applicable -> not applicable;
- exclusion: triggered -> excluded, not triggered -> not excluded, unknown -> not enough
  information, not_applicable -> not applicable.

The note protocol says that what a note does not mention counts as absent; the
extractor sets ``absent_means_no`` on the profile, and every row is evaluated with it, as
the service would. The evaluator's "silence may only help" rule (matching.evaluate)
keeps an inclusion from failing merely because the note is silent. For comparison the
run also evaluates inclusions with ``absent_means_no`` off (pure open world) and prints
that figure (``--open-world-inclusions`` makes it the headline).

Output: a confusion matrix (rich table), per-type accuracy and, as the last line,
``accuracy=... n=...``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from bench.data_files import BenchDataError, read_json_objects, write_json_objects

INCLUSION_LABELS = ("included", "not included", "not enough information", "not applicable")
EXCLUSION_LABELS = ("excluded", "not excluded", "not enough information", "not applicable")
LABELS = {"inclusion": INCLUSION_LABELS, "exclusion": EXCLUSION_LABELS}
_OUTCOME_LABEL = {
    "inclusion": {"met": "included", "not_met": "not included", "unknown": "not enough information",
                  "not_applicable": "not applicable"},
    "exclusion": {"met": "excluded", "not_met": "not excluded", "unknown": "not enough information",
                  "not_applicable": "not applicable"},
}
# Notes carry no date; relative times ("3 weeks ago") count back from one fixed day so
# a run is reproducible.
DEFAULT_AS_OF = dt.date(2020, 1, 1)




@dataclass(frozen=True, slots=True)
class Row:
    line: int
    note: str
    kind: str  # inclusion | exclusion
    criterion: str
    gold: str


@dataclass(slots=True)
class RowOutcome:
    row: Row
    outcome: str  # met | not_met | unknown | not_applicable (exclusion: met = triggered)
    predicted: str
    alternative: str  # the label under the other inclusion-absence choice
    compile_status: str = ""
    facts_used: list[str] = field(default_factory=list)
    failure: str | None = None


@dataclass(slots=True)
class CriterionReport:
    outcomes: list[RowOutcome]
    absent_for_inclusions: bool
    seconds: float = 0.0
    notes: int = 0

    @property
    def n(self) -> int:
        return len(self.outcomes)

    def accuracy(self, kind: str | None = None, *, alternative: bool = False) -> float:
        chosen = [o for o in self.outcomes if kind is None or o.row.kind == kind]
        if not chosen:
            return 0.0
        hits = sum(1 for o in chosen if (o.alternative if alternative else o.predicted) == o.row.gold)
        return hits / len(chosen)

    def confusion(self, kind: str) -> Counter:
        return Counter((o.row.gold, o.predicted) for o in self.outcomes if o.row.kind == kind)


# --------------------------------------------------------------------------- reading


def read_rows(path: Path) -> list[Row]:
    """Every row of a TrialGPT criterion-level JSONL file; a bad row raises with its line."""
    rows = []
    for number, record in read_json_objects(path):
        missing = [k for k in ("note", "criterion_type", "criterion_text", "expert_eligibility")
                   if not isinstance(record.get(k), str)]
        if missing:
            raise BenchDataError(f"{path}:{number}: missing text field(s) {', '.join(missing)}")
        kind = record["criterion_type"].strip().lower()
        gold = record["expert_eligibility"].strip().lower()
        if kind not in LABELS:
            raise BenchDataError(f"{path}:{number}: criterion_type {kind!r} is not inclusion/exclusion")
        if gold not in LABELS[kind]:
            raise BenchDataError(f"{path}:{number}: expert_eligibility {gold!r} is not one of {LABELS[kind]}")
        rows.append(Row(number, record["note"], kind, record["criterion_text"], gold))
    return rows


def section_text(kind: str, criterion: str) -> str:
    """The criterion as the only item of its section, as a trial record would list it."""
    header = "Inclusion Criteria:" if kind == "inclusion" else "Exclusion Criteria:"
    return f"{header}\n\n- {criterion.strip()}\n"


# --------------------------------------------------------------------------- evaluation


def combine_outcomes(kind: str, outcomes: Iterable[str]) -> str:
    """One criterion the compiler split into several items -> one outcome.

    Inclusion: every part must hold (a part that does not apply holds). Exclusion: any
    triggering part triggers. ``not_applicable`` only when no part applies.
    """
    outcomes = list(outcomes)
    if not outcomes:
        return "unknown"
    applying = [o for o in outcomes if o != "not_applicable"]
    if not applying:
        return "not_applicable"
    if kind == "inclusion":
        if "not_met" in applying:
            return "not_met"
        return "unknown" if "unknown" in applying else "met"
    if "met" in applying:
        return "met"
    return "unknown" if "unknown" in applying else "not_met"


def label_for(kind: str, outcome: str) -> str:
    return _OUTCOME_LABEL[kind][outcome]


def _text_results(result) -> list:
    return [c for c in result.criteria if c.status != "registry"]


def evaluate_row(row: Row, ruleset, facts_by_absence: dict[bool, object], absent_for_inclusions: bool) -> RowOutcome:
    from matching.evaluate import evaluate_trial
    from matching.trial import TrialSummary

    trial = TrialSummary(nct_id="criterion", rules=ruleset)

    def outcome_with(absent: bool):
        facts = facts_by_absence[absent]
        result = evaluate_trial(trial, facts.profile, facts.as_of, facts=facts)
        parts = _text_results(result)
        return combine_outcomes(row.kind, [p.outcome for p in parts]), parts

    if row.kind == "exclusion":
        outcome, parts = outcome_with(True)
        alternative = label_for(row.kind, outcome)
    else:
        outcome, parts = outcome_with(absent_for_inclusions)
        other, _ = outcome_with(not absent_for_inclusions)
        alternative = label_for(row.kind, other)
    statuses = sorted({c.status for c in (ruleset.criteria if ruleset else [])})
    return RowOutcome(row, outcome, label_for(row.kind, outcome), alternative,
                      compile_status="/".join(statuses) or "none",
                      facts_used=[f for p in parts for f in p.facts_used])


def run(rows: list[Row], *, as_of: dt.date = DEFAULT_AS_OF, absent_for_inclusions: bool = True,
        progress=None) -> CriterionReport:
    """Compile every criterion (one batch), extract every distinct note once, evaluate."""
    from criteria_rules import compile_many
    from matching.facts import PatientFacts
    from matching.note import extract_profile

    started = time.perf_counter()
    rulesets = compile_many([(section_text(r.kind, r.criterion), None) for r in rows])
    profiles: dict[str, dict[bool, object] | Exception] = {}
    outcomes = []
    for row, ruleset in zip(rows, rulesets):
        if row.note not in profiles:
            try:
                profile = extract_profile(row.note, as_of=as_of).profile
                profiles[row.note] = {
                    flag: PatientFacts(profile.model_copy(update={"absent_means_no": flag}), as_of)
                    for flag in (True, False)
                }
            except Exception as error:  # one unreadable note must not stop the benchmark
                profiles[row.note] = error
        facts = profiles[row.note]
        if isinstance(facts, Exception):
            outcomes.append(RowOutcome(row, "unknown", label_for(row.kind, "unknown"),
                                       label_for(row.kind, "unknown"), failure=f"note: {facts!r}"))
        else:
            try:
                outcomes.append(evaluate_row(row, ruleset, facts, absent_for_inclusions))
            except Exception as error:
                outcomes.append(RowOutcome(row, "unknown", label_for(row.kind, "unknown"),
                                           label_for(row.kind, "unknown"), failure=f"evaluate: {error!r}"))
        if progress is not None:
            progress()
    return CriterionReport(outcomes, absent_for_inclusions, time.perf_counter() - started, len(profiles))


# --------------------------------------------------------------------------- output


def summary_line(report: CriterionReport) -> str:
    return f"accuracy={report.accuracy():.3f} n={report.n}"


def _protocol_label(o: RowOutcome) -> str:
    """The label when an exclusion nothing in the note settles counts as not triggered."""
    if o.row.kind == "exclusion" and o.outcome == "unknown":
        return label_for("exclusion", "not_met")
    return o.predicted


def print_report(report: CriterionReport, console, *, errors: int = 0) -> None:
    from rich.table import Table

    for kind in ("inclusion", "exclusion"):
        labels = LABELS[kind]
        confusion = report.confusion(kind)
        table = Table(title=f"{kind}: expert label (rows) x predicted (columns)", show_lines=False)
        table.add_column("expert \\ predicted")
        for label in labels:
            table.add_column(label, justify="right")
        table.add_column("total", justify="right")
        for gold in labels:
            cells = [str(confusion[(gold, p)]) for p in labels]
            table.add_row(gold, *cells, str(sum(confusion[(gold, p)] for p in labels)))
        console.print(table)
    other = "on" if not report.absent_for_inclusions else "off"
    for kind in ("inclusion", "exclusion"):
        count = sum(1 for o in report.outcomes if o.row.kind == kind)
        console.print(f"{kind}: accuracy {report.accuracy(kind):.3f} (n={count})")
    console.print(f"inclusions with absent_means_no {'on' if report.absent_for_inclusions else 'off'} "
                  f"(headline); with it {other}: inclusion accuracy {report.accuracy('inclusion', alternative=True):.3f}, "
                  f"overall {report.accuracy(alternative=True):.3f}")
    protocol = sum(1 for o in report.outcomes if _protocol_label(o) == o.row.gold) / report.n if report.n else 0.0
    console.print(f"reading an exclusion left unknown as 'not excluded' (the note protocol: not mentioned = "
                  f"absent): overall {protocol:.3f}")
    failures = [o for o in report.outcomes if o.failure]
    if failures:
        console.print(f"{len(failures)} row(s) failed and count as 'not enough information':")
        for o in failures[:10]:
            console.print(f"  line {o.row.line}: {o.failure}", soft_wrap=True)
    if errors:
        wrong = [o for o in report.outcomes if o.predicted != o.row.gold][:errors]
        for o in wrong:
            console.print(f"[line {o.row.line}] {o.row.kind} gold={o.row.gold!r} predicted={o.predicted!r} "
                          f"({o.compile_status}): {o.row.criterion[:160]!r} | "
                          f"{' '.join(o.facts_used)[:200]}", soft_wrap=True, markup=False)
    console.print(f"{report.n} rows, {report.notes} distinct notes in {report.seconds:.1f}s")


def run_and_print(path: Path, *, as_of: dt.date = DEFAULT_AS_OF, absent_for_inclusions: bool = True,
                  errors: int = 0, dump: Path | None = None, out=None) -> CriterionReport:
    from rich.console import Console

    out = out or sys.stdout
    console = Console(file=out, highlight=False, width=140)
    rows = read_rows(path)
    report = run(rows, as_of=as_of, absent_for_inclusions=absent_for_inclusions)
    print_report(report, console, errors=errors)
    if dump is not None:
        write_json_objects(dump, ({"line": o.row.line, "kind": o.row.kind, "criterion": o.row.criterion,
                                   "gold": o.row.gold, "predicted": o.predicted, "alternative": o.alternative,
                                   "status": o.compile_status, "facts_used": o.facts_used, "failure": o.failure}
                                  for o in report.outcomes))
    print(summary_line(report), file=out, flush=True)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.criterion_level", description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="TrialGPT criterion-level JSONL file")
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=DEFAULT_AS_OF)
    parser.add_argument("--open-world-inclusions", action="store_true",
                        help="evaluate inclusions with absent_means_no off (default: on, as the note protocol says)")
    parser.add_argument("--errors", type=int, default=0, help="print up to N misclassified rows")
    parser.add_argument("--dump", type=Path, default=None, help="write per-row results as JSONL")
    args = parser.parse_args(argv)
    if not args.data.is_file():
        print(f"not a file: {args.data}", file=sys.stderr)
        return 2
    try:
        run_and_print(args.data, as_of=args.as_of, absent_for_inclusions=not args.open_world_inclusions,
                      errors=args.errors, dump=args.dump)
    except BenchDataError as error:
        print(str(error), file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
