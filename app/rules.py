"""Eligibility text -> stored RuleSet: the service side of the criteria compiler.

The compiler (``criteria_rules``) is a pure library; this module decides *when* to run it
and stores the result with what it was compiled from. A trial is stale when it has no
rules, its compiler version differs from the installed one, or the hash of its input
(eligibility text plus the registry facts the compiler reads) has changed.

Compilation runs in batches through ``compile_batch`` so that switching to a vectorised
``compile_many`` (spaCy's ``nlp.pipe``) is a change in one function.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from app.models import Trial, TrialRules, utcnow
from criteria_rules.ir import RuleSet, TrialFacts
from matching.packed_rules import PackedRules

log = logging.getLogger(__name__)

try:  # The compiler is developed alongside the service; run without it until it lands.
    from criteria_rules import COMPILER_VERSION, compile_eligibility
except ImportError:  # pragma: no cover - depends on the checkout
    COMPILER_VERSION = None
    compile_eligibility = None

try:
    from criteria_rules import compile_many
except ImportError:  # pragma: no cover
    compile_many = None

# compile_batch uses the batch API only while compile_eligibility is the library's own; a
# replaced one (a stand-in compiler in tests, a plug-in) is honoured one text at a time.
_LIBRARY_COMPILE_ELIGIBILITY = compile_eligibility

try:
    from criteria_rules import explain
except ImportError:  # pragma: no cover
    explain = None


class CompilerUnavailable(RuntimeError):
    pass


def compiler_available() -> bool:
    return compile_eligibility is not None and COMPILER_VERSION is not None


def require_compiler() -> None:
    if not compiler_available():
        raise CompilerUnavailable(
            "the criteria compiler is not installed yet (criteria_rules.compile_eligibility)"
        )


def facts_of(trial) -> TrialFacts:
    """Registry facts of a Trial row or a ParsedStudy (both carry the same names)."""
    sex = (trial.sex or "ALL").lower()
    return TrialFacts(
        min_age_years=trial.min_age_years,
        max_age_years=trial.max_age_years,
        sex=sex if sex in ("all", "female", "male") else "all",
        healthy_volunteers=trial.healthy_volunteers,
    )


def source_sha256(text: str | None, facts: TrialFacts) -> str:
    payload = json.dumps({"text": text or "", "facts": facts.model_dump()}, sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def is_stale(trial: Trial) -> bool:
    rules = trial.rules
    return (
        rules is None
        or rules.compiler_version != COMPILER_VERSION
        or rules.source_sha256 != source_sha256(trial.eligibility_criteria, facts_of(trial))
    )


def compile_batch(inputs: Sequence[tuple[str | None, TrialFacts]]) -> list[RuleSet | Exception]:
    """Compile many texts; one failure is returned in its slot, not raised.

    One ``compile_many`` call (a single spaCy ``nlp.pipe`` over every criterion); if that
    call fails, each trial is compiled alone so one bad text costs only itself.
    """
    require_compiler()
    if compile_many is not None and compile_eligibility is _LIBRARY_COMPILE_ELIGIBILITY:
        try:
            return list(compile_many(list(inputs)))
        except Exception:  # isolate the failing trial below
            log.warning("batch compile failed; compiling the %s trials one by one", len(inputs))
    results: list[RuleSet | Exception] = []
    for text, facts in inputs:
        try:
            results.append(compile_eligibility(text or None, facts))
        except Exception as error:  # a compiler bug must not stop an import
            results.append(error)
    return results


@dataclass
class CompileReport:
    compiled: int = 0
    skipped: int = 0
    reused: int = 0  # trials that shared the compilation of an identical input
    failures: list[tuple[str, str]] = field(default_factory=list)  # (nct_id, reason)


def compile_trials(trials: Sequence[Trial], report: CompileReport | None = None) -> CompileReport:
    """Compile the stale ones among ``trials`` (attached to a session) and set their rules."""
    report = report or CompileReport()
    stale = [trial for trial in trials if is_stale(trial)]
    report.skipped += len(trials) - len(stale)
    if not stale:
        return report
    inputs = [(trial.eligibility_criteria, facts_of(trial)) for trial in stale]
    for trial, (text, facts), result in zip(stale, inputs, compile_batch(inputs), strict=True):
        if isinstance(result, Exception):
            # Only the id and the exception type: the text is trial data, but keep logs lean.
            log.warning("compiling %s failed: %s", trial.nct_id, type(result).__name__)
            report.failures.append((trial.nct_id, f"{type(result).__name__}: {result}"))
            continue
        payload = result.model_dump(mode="json")
        digest = source_sha256(text, facts)
        if trial.rules is None:
            trial.rules = TrialRules(
                compiler_version=COMPILER_VERSION, source_sha256=digest, ruleset=payload
            )
        else:
            trial.rules.compiler_version = COMPILER_VERSION
            trial.rules.source_sha256 = digest
            trial.rules.ruleset = payload
            trial.rules.compiled_at = utcnow()
        report.compiled += 1
    return report


def recompile_stale(
    factory: sessionmaker[Session],
    *,
    batch_size: int = 200,
    force: bool = False,
    on_progress: Callable[[int], None] | None = None,
    workers: int = 1,
) -> CompileReport:
    """Recompile every stale trial (all of them with ``force``), one transaction per batch.

    Trials with an identical input share one compilation; with ``workers`` > 1 the
    compiling runs in that many processes while this one does all the writing. Resumable:
    committed batches stay, a rerun continues with what is still stale (``app.recompile``).
    """
    from app.recompile import recompile

    return recompile(factory, workers=workers, batch_size=batch_size, force=force, on_progress=on_progress)


def rules_key(rules: TrialRules) -> tuple[str, str]:
    """What a stored RuleSet is a pure function of: (compiler version, input hash)."""
    return (rules.compiler_version, rules.source_sha256)


def ruleset_of(trial: Trial) -> RuleSet | None:
    """The trial's parsed RuleSet."""
    if trial.rules is None:
        return None
    return RuleSet.model_validate(trial.rules.ruleset)


def packed_rules_of(trial: Trial, shared: dict[tuple[str, str], PackedRules]) -> PackedRules | None:
    """The trial's RuleSet packed for a catalog (``matching.packed_rules``).

    Trials whose compiler input and compiler version are identical get the very same
    object: a RuleSet depends only on those two, and registries repeat texts (about one
    trial in ten in a 10k corpus), so a worker holding the catalog keeps each distinct
    RuleSet once, and plans it once (``matching.outcomes.plan_rules``).
    """
    if trial.rules is None:
        return None
    key = rules_key(trial.rules)
    packed = shared.get(key)
    if packed is None:
        packed = shared[key] = PackedRules.pack(RuleSet.model_validate(trial.rules.ruleset))
    return packed
