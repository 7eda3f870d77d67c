"""Criteria compiler over the whole shared corpus: crashes, compiled / partial /
unsupported shares, the most common unsupported patterns, registry-age agreement and
throughput.

    python -m bench.compile_corpus [--shared ../shared] [--limit N]

The last line printed is ``key=value ...`` for scripts.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from collections import Counter
from pathlib import Path
from typing import Iterator

from criteria_rules import compile_many
from criteria_rules.ir import AgeAtom, RuleSet, TrialFacts, iter_atoms, iter_criteria
from criteria_rules.coverage import filler_words
from criteria_rules.normalise import normalise_term

DEFAULT_SHARED = Path(__file__).resolve().parents[2] / "shared"
BATCH_TRIALS = 64
TOP_PATTERNS = 25


def _age_years(value: str | None) -> float | None:
    """Registry ages are written "18 Years", "6 Months", "N/A"."""
    if not value:
        return None
    m = re.match(r"\s*(\d+(?:\.\d+)?)\s*(year|month|week|day|hour|minute)", value, re.I)
    if not m:
        return None
    per_year = {"year": 1, "month": 12, "week": 365 / 7, "day": 365, "hour": 365 * 24, "minute": 365 * 24 * 60}
    return round(float(m.group(1)) / per_year[m.group(2).lower()], 4)


def registry_facts(eligibility: dict) -> TrialFacts:
    sex = (eligibility.get("sex") or "ALL").lower()
    return TrialFacts(
        min_age_years=_age_years(eligibility.get("minimumAge")),
        max_age_years=_age_years(eligibility.get("maximumAge")),
        sex=sex if sex in ("female", "male") else "all",
        healthy_volunteers=eligibility.get("healthyVolunteers"),
    )


def load_corpus(shared: Path) -> Iterator[tuple[str, str, str | None, TrialFacts | None]]:
    """(source, id, text, registry facts) for every text in the shared data."""
    corpus = shared / "data" / "criteria" / "criteria-corpus.jsonl"
    msc = shared / "data" / "ctgov" / "msc-trials.jsonl"
    if corpus.exists():
        with corpus.open(encoding="utf-8") as fh:
            for line in fh:
                row = json.loads(line)
                yield row.get("source", "corpus"), row.get("nct_id", ""), row.get("eligibility_criteria"), None
    if msc.exists():
        with msc.open(encoding="utf-8") as fh:
            for line in fh:
                study = json.loads(line)
                protocol = study.get("protocolSection", {})
                eligibility = protocol.get("eligibilityModule", {}) or {}
                nct = protocol.get("identificationModule", {}).get("nctId", "")
                yield "msc", nct, eligibility.get("eligibilityCriteria"), registry_facts(eligibility)


def text_age_bounds(ruleset: RuleSet) -> tuple[float | None, float | None]:
    """The age range the text itself states (inclusion bounds, and exclusions of ages
    outside a range read as bounds)."""
    low, high = _text_age_bounds(ruleset)
    return (low[0] if low else None), (high[0] if high else None)


def _text_age_bounds(ruleset: RuleSet):
    """Like text_age_bounds, with each bound's set of registry-equivalent values: an
    exclusive bound ("> 17", "< 76 years") is written in the registry as the first or
    last whole year allowed (18, 75), or as the number itself."""
    lows, highs = [], []
    for c in iter_criteria(ruleset.criteria):
        for atom in iter_atoms(c.expr):
            if not isinstance(atom, AgeAtom):
                continue
            if c.kind == "inclusion":
                if atom.min_years is not None:
                    lows.append((atom.min_years, {atom.min_years} | ({atom.min_years + 1} if not atom.min_inclusive else set())))
                if atom.max_years is not None:
                    highs.append((atom.max_years, {atom.max_years} | ({atom.max_years - 1} if not atom.max_inclusive else set())))
            else:  # "age < 18" excluded -> at least 18; "age > 65" excluded -> at most 65
                if atom.max_years is not None and atom.min_years is None:
                    lows.append((atom.max_years, {atom.max_years} | ({atom.max_years + 1} if atom.max_inclusive else set())))
                if atom.min_years is not None and atom.max_years is None:
                    highs.append((atom.min_years, {atom.min_years} | ({atom.min_years - 1} if atom.min_inclusive else set())))
    return (min(lows, key=lambda b: b[0]) if lows else None), (max(highs, key=lambda b: b[0]) if highs else None)


def age_agrees(facts: TrialFacts, ruleset: RuleSet) -> bool | None:
    """None when there is nothing to compare (no registry bound or no text bound)."""
    low, high = _text_age_bounds(ruleset)
    pairs = [(facts.min_age_years, low), (facts.max_age_years, high)]
    comparable = [(r, t[1]) for r, t in pairs if r is not None and t is not None]
    if not comparable:
        return None
    return all(any(abs(r - v) < 0.01 for v in values) for r, values in comparable)


def _pattern_key(text: str) -> str:
    """First three content words: "Patients who are able to swallow pills" -> "swallow pill"."""
    filler = filler_words()
    words = [w for w in normalise_term(text).split() if w not in filler and not w.isdigit()]
    return " ".join(words[:3]) or "(filler only)"


def run(shared_dir: str | Path = DEFAULT_SHARED, limit: int | None = None) -> dict:
    shared = Path(shared_dir)
    rows = list(load_corpus(shared))
    if limit is not None:
        rows = rows[:limit]
    # warm the pipeline and terminologies so throughput measures compiling, not loading
    compile_many([("Inclusion Criteria:\n- Age >= 18 with HIV", None)])

    statuses: Counter = Counter()
    unsupported: Counter = Counter()
    unparsed: Counter = Counter()
    crashes = 0
    age_compared = age_agreed = 0
    wall0, cpu0 = time.perf_counter(), time.process_time()
    for i in range(0, len(rows), BATCH_TRIALS):
        batch = rows[i : i + BATCH_TRIALS]
        try:
            rulesets = compile_many([(text, facts) for _, _, text, facts in batch])
        except Exception:
            rulesets = []
            for _, _, text, facts in batch:
                try:
                    rulesets.extend(compile_many([(text, facts)]))
                except Exception:
                    crashes += 1
                    rulesets.append(None)
        for (source, _, _, facts), ruleset in zip(batch, rulesets):
            if ruleset is None:
                continue
            for c in iter_criteria(ruleset.criteria):
                statuses[c.status] += 1
                if c.status == "unsupported":
                    unsupported[_pattern_key(c.text)] += 1
                for phrase in c.unparsed:
                    unparsed[normalise_term(phrase)] += 1
            if source == "msc" and facts is not None:
                agreed = age_agrees(facts, ruleset)
                if agreed is not None:
                    age_compared += 1
                    age_agreed += int(agreed)
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    total = sum(statuses.values()) or 1
    return {
        "trials": len(rows),
        "crashes": crashes,
        "criteria": sum(statuses.values()),
        "compiled_share": round(statuses["compiled"] / total, 4),
        "partial_share": round(statuses["partial"] / total, 4),
        "unsupported_share": round(statuses["unsupported"] / total, 4),
        "top_unsupported": unsupported.most_common(TOP_PATTERNS),
        "top_unparsed": unparsed.most_common(TOP_PATTERNS),
        "age_compared": age_compared,
        "age_agreement": round(age_agreed / age_compared, 4) if age_compared else None,
        "seconds_wall": round(wall, 2),
        "seconds_cpu": round(cpu, 2),
        "trials_per_s_per_core": round(len(rows) / cpu, 1) if cpu else None,
    }


def _print_report(r: dict) -> None:
    print("Criteria compiler over the shared corpus")
    print(f"{'trials':<34}{r['trials']:>10}")
    print(f"{'crashes':<34}{r['crashes']:>10}")
    print(f"{'criteria':<34}{r['criteria']:>10}")
    for key in ("compiled_share", "partial_share", "unsupported_share"):
        print(f"{key:<34}{r[key]:>10.1%}")
    agreement = "n/a" if r["age_agreement"] is None else f"{r['age_agreement']:.1%}"
    print(f"{'registry-age agreement (msc)':<34}{agreement:>10}  over {r['age_compared']} trials")
    print(f"{'throughput trials/s/core':<34}{r['trials_per_s_per_core']:>10}  ({r['seconds_cpu']} s CPU, {r['seconds_wall']} s wall)")
    print("\nTop unsupported patterns (first three normalised words):")
    for pattern, n in r["top_unsupported"]:
        print(f"  {n:>6}  {pattern}")
    print("\nTop unparsed phrases inside partial criteria:")
    for pattern, n in r["top_unparsed"]:
        print(f"  {n:>6}  {pattern}")
    keys = ("trials", "crashes", "criteria", "compiled_share", "partial_share", "unsupported_share", "age_agreement", "age_compared", "trials_per_s_per_core")
    print(" ".join(f"{k}={r[k]}" for k in keys))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", default=str(DEFAULT_SHARED))
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args(argv)
    _print_report(run(args.shared, args.limit))


if __name__ == "__main__":
    main()
