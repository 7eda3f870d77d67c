"""Per-match process CPU at 10k trials, by phase, with a digest of every response.

    python -m bench.match_cpu [--size 10000] [--rounds 3] [--dump responses.jsonl]

Builds the 10k scale corpus snapshot the way ``bench.speed`` does (the corpus under
``--work-dir``, default ``/tmp/eligo-bench``, written by ``eligo bench make-corpus`` or
``bench.speed``; rules from its compile cache, compiled there when missing), then calls
``app.match_service.match_profile`` exactly as ``POST /v1/match`` does for 36 varied
requests: bench.speed's 12 bodies, match-latency's 12, profile-match's 10, a paged one
and two notes (the note is read into a profile outside the timing, as the route does
before matching).

Timing is process CPU (``time.process_time``): the machine is shared. Each request is
run ``--rounds`` times and its best round counts. A second, instrumented pass splits each
request into phases by wrapping the engine's steps (candidate selection, patient facts,
text relevance, judging the candidates, the question vote, explaining the page; "other"
is the rest: ranking, filters, building the response). The instrumented pass costs a
little more than the plain one, so phases are reported from it and the total from the
plain pass.

The digest is a SHA-256 over every response's JSON, in order: a change that must not
alter results must leave it as it was. ``--dump`` writes each response for diffing.
The last line is ``key=value`` pairs.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import hashlib
import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.match_latency import percentile
from bench.speed import (AS_OF, DEFAULT_WORK_DIR, OPEN, compiled_rules, compiler_fingerprint, distinct_inputs,
                         input_digest, iter_studies, request_bodies, summary_of)

PHASES = ("select", "facts", "text", "judge", "questions", "page", "other")

NOTES = (
    "40-year-old woman, day +26 after allogeneic HSCT for AML, with grade 3 oral mucositis. "
    "Not pregnant. Albumin 34 g/L. ECOG 1.",
    "67 year old man with metastatic non-small cell lung cancer, ECOG 1, on pembrolizumab since March 2025. "
    "History of type 2 diabetes on metformin and hypertension. No history of HIV or hepatitis B. "
    "Creatinine 1.2 mg/dL, platelets 210 x10^9/L, hemoglobin 11.8 g/dL.",
)


def latency_bodies() -> list[dict]:
    """bench.match_latency's requests, with the bench's date."""
    from bench.match_latency import REQUESTS

    return [{"as_of": AS_OF, **body} for body in REQUESTS.values()]


def profile_match_bodies() -> list[dict]:
    """bench.profile_match's profiles as request bodies (its answers are the request's)."""
    from bench.profile_match import PROFILES

    bodies = []
    for profile in PROFILES.values():
        profile = dict(profile)
        answers = profile.pop("answers", None)
        body = {"profile": profile, "as_of": AS_OF}
        if answers:
            body["answers"] = answers
        bodies.append(body)
    return bodies


def all_bodies() -> list[dict]:
    bodies = request_bodies() + latency_bodies() + profile_match_bodies()
    paged = dict(bodies[1], offset=20, limit=20)  # the second page of a cancer profile
    notes = [{"note": NOTES[0], "as_of": AS_OF},
             {"note": NOTES[1], "as_of": AS_OF, "statuses": OPEN, "limit": 10}]
    return bodies + [paged] + notes


@dataclass(frozen=True)
class Prepared:
    """A request read as the route reads it: the profile and the match arguments."""

    profile: object
    kwargs: dict


def prepare(body: dict) -> Prepared:
    from app.api.match_models import MatchRequest
    from app.api.routes.match import patient_input

    request = MatchRequest.model_validate(body)
    profile, query_text = patient_input(request, request.as_of)
    return Prepared(profile, dict(as_of=request.as_of, statuses=request.statuses, limit=request.limit,
                                  offset=request.offset, include_criteria=request.include_criteria,
                                  query_text=query_text,
                                  context_text=request.note if request.profile is None else None))


def run_one(snapshot, prepared: Prepared, candidate_limit: int):
    from app.match_service import match_profile

    # a fresh profile object per call, as each HTTP request validates its own
    profile = prepared.profile.model_copy(deep=True)
    return match_profile(snapshot, profile, candidate_limit=candidate_limit, **prepared.kwargs)


def load_snapshot(work_dir: Path, size: int, workers: int):
    from app.catalog import build_snapshot
    from criteria_rules.ir import RuleSet
    from matching.packed_rules import PackedRules

    corpus = work_dir / "corpus-10000-seed0.jsonl" if size <= 10000 else None
    if corpus is None or not corpus.is_file():
        from bench.corpus import default_path, write_corpus

        corpus = work_dir / default_path(size).name
        if not corpus.is_file():
            print(f"writing a {size}-trial corpus to {corpus} ...", file=sys.stderr)
            write_corpus(size, corpus)
    studies = list(iter_studies(corpus, size))
    inputs = distinct_inputs(studies)
    cache = work_dir / f"rulesets-{compiler_fingerprint()}.tsv"
    compiled, _, compiled_now = compiled_rules(inputs, cache, workers,
                                               log=lambda m: print(m, file=sys.stderr))
    # one packed RuleSet per distinct input, as the catalog holds them (app.catalog.pack_new_rulesets)
    rulesets = {digest: PackedRules.pack(RuleSet.model_validate_json(compiled[digest]), compiled[digest])
                for digest in inputs}
    trials = [summary_of(study, rulesets[input_digest(study)]) for study in studies]
    snapshot = build_snapshot(trials)
    del trials, rulesets, compiled
    import app.catalog

    settle = getattr(app.catalog, "settle_garbage_collector", None)
    if settle is not None:
        settle()
    else:
        gc.collect()
    return snapshot, corpus, compiled_now


# --- phases ---------------------------------------------------------------------------------


class PhaseClock:
    """Process CPU spent inside wrapped functions, by phase; nested calls count once
    (to the outermost phase)."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = {}
        self._depth = 0

    def wrap(self, phase: str, fn: Callable) -> Callable:
        def timed(*args, **kwargs):
            if self._depth:
                return fn(*args, **kwargs)
            self._depth += 1
            started = time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                self.spent[phase] = self.spent.get(phase, 0.0) + time.process_time() - started
                self._depth -= 1
        return timed


# (module, attribute, phase): the engine's steps as the service calls them. A name that
# is not there (the code moved on) is skipped and its time lands in "other".
PHASE_POINTS = (
    ("matching.index", "CandidateIndex.select", "select"),
    ("matching.engine", "PatientFacts", "facts"),
    ("matching.text_relevance", "TermIndex.relevance_of", "text"),
    ("matching.engine", "judge_trial", "judge"),
    ("matching.engine", "failures", "judge"),
    ("matching.engine", "judge_candidates", "judge"),
    ("matching.engine", "next_questions", "questions"),
    ("matching.engine", "_trial_match", "page"),
    ("matching.engine", "explain_page", "page"),
)


@contextlib.contextmanager
def instrumented(clock: PhaseClock) -> Iterator[list[str]]:
    import importlib

    undo = []
    found = []
    for module_name, dotted, phase in PHASE_POINTS:
        owner = importlib.import_module(module_name)
        *path, name = dotted.split(".")
        for part in path:
            owner = getattr(owner, part, None)
        if owner is None or not hasattr(owner, name):
            continue
        original = getattr(owner, name)
        setattr(owner, name, clock.wrap(phase, original))  # a class: its construction is timed
        undo.append((owner, name, original))
        found.append(f"{module_name}.{dotted}")
    try:
        yield found
    finally:
        for owner, name, original in reversed(undo):
            setattr(owner, name, original)


# --- measuring ------------------------------------------------------------------------------


def measure(snapshot, requests: Sequence[Prepared], rounds: int, candidate_limit: int):
    """(best CPU ms per request, responses' JSON) from ``rounds`` plain passes."""
    best = [float("inf")] * len(requests)
    dumps: list[str] = []
    for round_no in range(rounds):
        for i, prepared in enumerate(requests):
            started = time.process_time()
            result = run_one(snapshot, prepared, candidate_limit)
            spent = (time.process_time() - started) * 1000
            best[i] = min(best[i], spent)
            if round_no == 0:
                dumps.append(result.model_dump_json())
    return best, dumps


def measure_phases(snapshot, requests: Sequence[Prepared], rounds: int, candidate_limit: int):
    """Best (lowest total) instrumented round per request: {phase: ms} each."""
    best: list[dict[str, float] | None] = [None] * len(requests)
    clock = PhaseClock()
    with instrumented(clock) as found:
        for _ in range(rounds):
            for i, prepared in enumerate(requests):
                clock.spent = {}
                started = time.process_time()
                run_one(snapshot, prepared, candidate_limit)
                total = (time.process_time() - started) * 1000
                phases = {p: clock.spent.get(p, 0.0) * 1000 for p in PHASES if p != "other"}
                phases["other"] = max(0.0, total - sum(phases.values()))
                phases["total"] = total
                if best[i] is None or total < best[i]["total"]:
                    best[i] = phases
    return best, found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10000)
    parser.add_argument("--rounds", type=int, default=3, help="passes over the requests; the best counts")
    parser.add_argument("--work-dir", type=Path, default=DEFAULT_WORK_DIR)
    parser.add_argument("--workers", type=int, default=2, help="compile processes when the cache lacks rules")
    parser.add_argument("--candidate-limit", type=int, default=None, help="default: the service's")
    parser.add_argument("--parsed-kept", type=int, default=None,
                        help="RuleSets kept parsed (the service's ELIGO_PARSED_RULESETS_KEPT; default 256)")
    parser.add_argument("--skip-phases", action="store_true", help="only the plain pass and the digest")
    parser.add_argument("--dump", type=Path, help="write every response's JSON, one a line")
    parser.add_argument("--cprofile", type=Path, help="write a cProfile of one plain pass to this file")
    args = parser.parse_args(argv)

    from app.match_service import DEFAULT_CANDIDATE_LIMIT
    from matching.engine import warm_up

    candidate_limit = args.candidate_limit or DEFAULT_CANDIDATE_LIMIT
    if args.parsed_kept is not None:
        from matching.packed_rules import keep_parsed

        keep_parsed(args.parsed_kept)
    started = time.perf_counter()
    warm_up()  # before the catalog, as a worker does (app.main.preload_catalog): its freeze covers both
    snapshot, corpus, compiled_now = load_snapshot(args.work_dir, args.size, args.workers)
    requests = [prepare(body) for body in all_bodies()]
    print(f"{snapshot.index.size} trials from {corpus} ({compiled_now} compiled now), {len(requests)} requests, "
          f"ready in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    for prepared in requests:  # warm-up: per-trial caches, lazy lexicons
        run_one(snapshot, prepared, candidate_limit)

    if args.cprofile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
        for prepared in requests:
            run_one(snapshot, prepared, candidate_limit)
        profiler.disable()
        profiler.dump_stats(str(args.cprofile))

    cpu, dumps = measure(snapshot, requests, args.rounds, candidate_limit)
    digest = hashlib.sha256("\n".join(dumps).encode()).hexdigest()[:16]
    if args.dump:
        args.dump.write_text("\n".join(dumps) + "\n")

    print(f"{'phase':10} {'mean ms':>8} {'p95 ms':>8}")
    if not args.skip_phases:
        phases, found = measure_phases(snapshot, requests, args.rounds, candidate_limit)
        for phase in PHASES + ("total",):
            values = [p[phase] for p in phases]
            print(f"{phase:10} {statistics.mean(values):8.2f} {percentile(values, 0.95):8.2f}")
        print(f"(instrumented: {', '.join(found)})")
    print(f"{'plain':10} {statistics.mean(cpu):8.2f} {percentile(cpu, 0.95):8.2f}")
    evaluated = [json.loads(d)["meta"]["candidates_evaluated"] for d in dumps]
    summary = {"trials": snapshot.index.size, "requests": len(requests), "rounds": args.rounds,
               "cpu_mean_ms": round(statistics.mean(cpu), 2), "cpu_p50_ms": round(percentile(cpu, 0.5), 2),
               "cpu_p95_ms": round(percentile(cpu, 0.95), 2), "evaluated_mean": round(statistics.mean(evaluated), 1),
               "digest": digest, "load1": round(os.getloadavg()[0], 1)}
    print(" ".join(f"{key}={value}" for key, value in summary.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
