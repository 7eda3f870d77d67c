"""In-process latency of ``matching.engine.match_trials`` on the real msc corpus.

Compiles the 1,536 msc trials (plus the demo trials) once, caches the RuleSets in a
pickle under /tmp (keyed by the compiler version and the input file), forces every
trial to RECRUITING so all of them are candidates (the worst case: no candidate index),
and times ``match_trials`` for a set of varied profiles.

    python -m bench.profile_match                 # p50/p95 per profile
    python -m bench.profile_match --repeat 30
    python -m bench.profile_match --profile hsct  # one profile
    python -m bench.profile_match --cprofile hsct # cProfile one profile, top costs
    python -m bench.profile_match --dump out.json # results (for before/after comparison)

Each measured call first builds its profile from JSON (as the API does) so per-request
caches are not reused across calls; caches that live with the trials (they stay in
memory in a worker) are warmed by one untimed call per profile.
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import datetime as dt
import hashlib
import json
import os
import pickle
import pstats
import statistics
import sys
import time
from pathlib import Path

CORPUS = Path("/work/shared/data/ctgov/msc-trials.jsonl")
DEMO_DIR = Path(__file__).resolve().parent.parent / "app" / "demo"
CACHE_DIR = Path("/tmp/eligo-profile-match")
AS_OF = dt.date(2025, 6, 1)

PROFILES: dict[str, dict] = {
    "age_only": {"age_years": 45, "sex": "female"},
    "hsct": {
        "age_years": 40, "sex": "male",
        "conditions": [{"text": "oral mucositis"}, {"text": "acute myeloid leukemia", "status": "history"}],
        "procedures": [{"text": "allogeneic stem cell transplant", "date": "2025-03-01"}],
    },
    "pregnant": {
        "age_years": 31, "sex": "female", "pregnant": True,
        "conditions": [{"text": "oral mucositis"}],
        "procedures": [{"text": "allogeneic stem cell transplant", "date": "2025-03-01"}],
    },
    "labs_meds": {
        "age_years": 62, "sex": "male",
        "conditions": [{"text": "rectal cancer", "stage": "II"}],
        "labs": [{"analyte": "albumin", "value": 28, "unit": "g/L"},
                 {"analyte": "creatinine", "value": 90, "unit": "umol/L"},
                 {"analyte": "ANC", "value": 1.8, "unit": "x10^9/L"}],
        "medications": [{"text": "prednisone", "dose": 10, "unit": "mg", "frequency": "daily"}],
    },
    "child_asthma": {"age_years": 10, "sex": "male", "conditions": [{"text": "asthma"}]},
    "complete_record": {
        "age_years": 58, "sex": "female", "absent_means_no": True,
        "conditions": [{"text": "knee osteoarthritis"}, {"text": "type 2 diabetes"}, {"text": "hypertension"},
                       {"text": "chronic kidney disease", "stage": "3"}, {"text": "heart failure",
                                                                          "status": "history"},
                       {"text": "hepatitis", "present": False}, {"text": "HIV", "present": False},
                       {"text": "breast cancer", "status": "history", "onset": "2015-04-01"}],
        "procedures": [{"text": "knee surgery", "date": "2020-01-10"}, {"text": "radiotherapy", "site": "breast",
                                                                        "date": "2015-08-01"}],
        "medications": [{"text": "metformin"}, {"text": "lisinopril"}, {"text": "warfarin"}],
        "labs": [{"analyte": "hemoglobin", "value": 11.2, "unit": "g/dL"},
                 {"analyte": "platelets", "value": 180, "unit": "x10^9/L"},
                 {"analyte": "eGFR", "value": 48, "unit": "mL/min/1.73m2"}],
        "allergies": [{"text": "penicillin"}],
        "ecog": 1, "can_consent": True, "pregnant": False, "breastfeeding": False,
    },
    "located": {
        "age_years": 50, "sex": "male", "conditions": [{"text": "spinal cord injury"}],
        "location": {"city": "Chengdu", "country": "China", "max_distance_km": 3000},
    },
    "located_zip": {
        "age_years": 35, "sex": "female", "conditions": [{"text": "multiple sclerosis"}],
        "location": {"postal_code": "10001", "country": "United States"},
    },
    "answers": {
        "age_years": 67, "sex": "male", "conditions": [{"text": "COVID-19 ARDS"}],
        "answers": {"q:pregnancy": "no", "q:consent": "yes", "q:condition:hiv": "no",
                    "q:trial_participation": "no"},
    },
    "healthy": {"age_years": 25, "sex": "male", "healthy_volunteer": True},
}


# --- the corpus ------------------------------------------------------------------------------------


def _records() -> list[dict]:
    records = [json.loads(line) for line in CORPUS.read_text().splitlines() if line.strip()]
    from app.sources import iter_json_document

    for path in sorted(DEMO_DIR.glob("*.json")):
        records.extend(r.payload for r in iter_json_document(path))
    return records


def _site(parsed):
    from matching.trial import Site

    return Site(**{f.name: getattr(parsed, f.name) for f in dataclasses.fields(Site)})


def _summary(study, rules):
    from app.repository import trial_url
    from matching.trial import TrialSummary

    return TrialSummary(
        nct_id=study.nct_id, brief_title=study.brief_title, official_title=study.official_title,
        overall_status="RECRUITING",  # worst case: every trial is a candidate
        phases=tuple(study.phases), study_type=study.study_type, conditions=tuple(study.conditions),
        keywords=tuple(study.keywords), mesh_terms=tuple(study.mesh_terms),
        mesh_ancestors=tuple(study.mesh_ancestors), min_age_years=study.min_age_years,
        max_age_years=study.max_age_years, sex=study.sex, healthy_volunteers=study.healthy_volunteers,
        sites=tuple(_site(s) for s in study.sites), rules=rules, brief_summary=study.brief_summary,
        url=trial_url(study.nct_id))


def load_trials() -> list:
    """The msc corpus and the demo trials as TrialSummary, RuleSets compiled once and cached."""
    from app.ctgov import parse_study
    from app.rules import facts_of
    from criteria_rules import compile_many
    from criteria_rules.ir import RuleSet

    studies = {}
    for record in _records():
        study = parse_study(record)
        studies[study.nct_id] = study
    studies = dict(sorted(studies.items()))
    import criteria_rules

    version = getattr(criteria_rules, "COMPILER_VERSION", None) or getattr(criteria_rules, "__version__", "")
    digest = hashlib.sha256(json.dumps([[s.nct_id, s.eligibility_criteria] for s in studies.values()])
                            .encode()).hexdigest()[:16]
    cache = CACHE_DIR / f"rulesets-{version}-{digest}.pkl"
    if cache.exists():
        dumped = pickle.loads(cache.read_bytes())
        rulesets = {k: RuleSet.model_validate_json(v) for k, v in dumped.items()}
    else:
        print(f"compiling {len(studies)} trials (cached in {cache}) ...", file=sys.stderr)
        compiled = compile_many([(s.eligibility_criteria, facts_of(s)) for s in studies.values()])
        rulesets = dict(zip(studies, compiled))
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        cache.write_bytes(pickle.dumps({k: v.model_dump_json() for k, v in rulesets.items()}))
    return [_summary(study, rulesets[nct_id]) for nct_id, study in studies.items()]


# --- timing ----------------------------------------------------------------------------------------


def run_once(name: str, trials: list, limit: int = 20):
    from matching.engine import match_trials
    from matching.profile import PatientProfile

    profile = PatientProfile.model_validate_json(json.dumps(PROFILES[name]))
    return match_trials(profile, trials, as_of=AS_OF, limit=limit)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def time_profiles(names: list[str], trials: list, repeat: int) -> dict[str, tuple[float, ...]]:
    """Wall-clock and CPU (process time) p50/p95 per profile, in ms.

    CPU time is reported too because the machine is shared: wall time on a loaded
    2-core box includes waiting for a core, CPU time is closer to the work done.
    """
    out = {}
    for name in names:
        run_once(name, trials)  # warm the per-trial caches and the terminology
        wall, cpu = [], []
        for _ in range(repeat):
            start, start_cpu = time.perf_counter(), time.process_time()
            run_once(name, trials)
            wall.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
        out[name] = (statistics.median(wall), percentile(wall, 0.95), statistics.median(cpu), percentile(cpu, 0.95))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--profile", action="append", choices=sorted(PROFILES))
    parser.add_argument("--cprofile", choices=sorted(PROFILES))
    parser.add_argument("--top", type=int, default=35)
    parser.add_argument("--dump", help="write every profile's full result (JSON) to this file")
    parser.add_argument("--limit", type=int, default=20, help="page size of --dump (all trials: 10000)")
    args = parser.parse_args(argv)

    from matching.engine import warm_up

    started = time.perf_counter()
    trials = load_trials()
    warm_up()
    print(f"{len(trials)} trials loaded in {time.perf_counter() - started:.1f} s", file=sys.stderr)

    if args.dump:
        results = {name: json.loads(run_once(name, trials, args.limit).model_dump_json()) for name in PROFILES}
        Path(args.dump).write_text(json.dumps(results, indent=1, sort_keys=True))
        print(f"wrote {args.dump}", file=sys.stderr)
        return 0
    if args.cprofile:
        run_once(args.cprofile, trials)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(5):
            run_once(args.cprofile, trials)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.top)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(args.top)
        return 0

    names = args.profile or list(PROFILES)
    figures = time_profiles(names, trials, args.repeat)
    print(f"{'profile':<16} {'p50 ms':>8} {'p95 ms':>8} {'cpu p50':>8} {'cpu p95':>8}")
    for name, (p50, p95, cpu50, cpu95) in figures.items():
        print(f"{name:<16} {p50:8.1f} {p95:8.1f} {cpu50:8.1f} {cpu95:8.1f}")
    worst = max(f[1] for f in figures.values())
    worst_cpu = max(f[3] for f in figures.values())
    load = os.getloadavg()[0]
    print(f"trials={len(trials)} repeat={args.repeat} worst_p95_ms={worst:.1f} worst_cpu_p95_ms={worst_cpu:.1f} "
          f"load1={load:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
