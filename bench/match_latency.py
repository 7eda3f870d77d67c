"""Latency of ``POST /v1/match`` in process: the real app (FastAPI TestClient) on a real
database holding the 1,536 msc trials plus the demo trials, compiled.

    eligo bench match-latency [--requests 240] [--database-url URL] [--candidate-limit K]
    python -m bench.match_latency ...

Steps: import ``msc-trials.jsonl`` and the demo trials into a fresh SQLite file (or the
given database: the import is an upsert, so a second run only re-checks), compiling as
they land; start the app;
one untimed warm-up request per profile (loads the catalog, builds the index, fills
per-trial caches); then ``--requests`` timed requests cycling through varied profiles
(ages, sexes, conditions, labs, locations, answers, other statuses). Every response must
be 200. Prints per-profile and overall p50/p95 in milliseconds and ends with one
``key=value`` line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

MSC_TRIALS = Path(__file__).resolve().parents[2] / "shared" / "data" / "ctgov" / "msc-trials.jsonl"
AS_OF = "2025-06-01"
ALL_OPEN = ["RECRUITING", "NOT_YET_RECRUITING", "ENROLLING_BY_INVITATION", "ACTIVE_NOT_RECRUITING",
            "UNKNOWN", "COMPLETED"]

# Requests, not just profiles: statuses and answers vary too.
REQUESTS: dict[str, dict] = {
    "age_sex_only": {"profile": {"age_years": 52, "sex": "male"}},
    "hsct_mucositis": {"profile": {
        "age_years": 40, "sex": "female",
        "conditions": [{"text": "oral mucositis"}, {"text": "acute myeloid leukemia", "status": "history"}],
        "procedures": [{"text": "allogeneic stem cell transplant", "date": "2025-04-20"}]}},
    "hsct_pregnant": {"profile": {
        "age_years": 29, "sex": "female", "pregnant": True,
        "conditions": [{"text": "graft versus host disease"}],
        "procedures": [{"text": "bone marrow transplant", "date": "2024-11-02"}]}},
    "rectal_cancer_labs": {"profile": {
        "age_years": 63, "sex": "male", "conditions": [{"text": "rectal cancer", "stage": "III"}],
        "labs": [{"analyte": "albumin", "value": 28, "unit": "g/L"},
                 {"analyte": "creatinine", "value": 1.1, "unit": "mg/dL"},
                 {"analyte": "platelets", "value": 210, "unit": "x10^9/L"}],
        "medications": [{"text": "prednisolone", "dose": 5, "unit": "mg", "frequency": "daily"}]}},
    "child_asthma": {"profile": {"age_years": 10, "sex": "female", "conditions": [{"text": "asthma"}]}},
    "knee_oa_complete": {"profile": {
        "age_years": 66, "sex": "female", "absent_means_no": True,
        "conditions": [{"text": "knee osteoarthritis"}, {"text": "type 2 diabetes"}, {"text": "hypertension"}],
        "medications": [{"text": "metformin"}, {"text": "amlodipine"}],
        "labs": [{"analyte": "hemoglobin", "value": 12.1, "unit": "g/dL"}],
        "ecog": 1, "can_consent": True}},
    "ards_answers": {"profile": {
        "age_years": 71, "sex": "male", "conditions": [{"text": "acute respiratory distress syndrome"},
                                                       {"text": "COVID-19"}]},
        "answers": {"q:consent": True, "q:pregnancy": False, "q:trial_participation": "no"}},
    "spinal_cord_located": {"profile": {
        "age_years": 34, "sex": "male", "conditions": [{"text": "spinal cord injury"}],
        "location": {"city": "Chengdu", "country": "China", "max_distance_km": 2500}}},
    "ms_all_statuses": {"profile": {
        "age_years": 45, "sex": "female", "conditions": [{"text": "multiple sclerosis"}]},
        "statuses": ALL_OPEN},
    "heart_failure_all_statuses": {"profile": {
        "age_years": 58, "sex": "male", "conditions": [{"text": "heart failure"}, {"text": "myocardial infarction",
                                                                                  "status": "history"}],
        "ecog": 2}, "statuses": ALL_OPEN},
    "crohn_fistula": {"profile": {
        "age_years": 37, "sex": "female", "conditions": [{"text": "Crohn's disease"}, {"text": "perianal fistula"}],
        "medications": [{"text": "infliximab", "start": "2024-01-10"}]}, "include_criteria": False},
    "healthy_volunteer": {"profile": {"age_years": 24, "sex": "male", "healthy_volunteer": True}},
}


def percentile(values: Sequence[float], share: float) -> float:
    """Linear-interpolated percentile (0 for no values); also used by ``bench.match_cpu``."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    rank = share * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def load_corpus(database_url: str, corpus: Path) -> tuple[int, float]:
    """Migrate, import the corpus and the demo trials (compiling); (trials, seconds)."""
    from app import migrate
    from app.db import make_engine, make_session_factory
    from app.demo import load_demo
    from app.importer import import_records
    from app.repository import count_trials
    from app.sources import iter_json_lines

    migrate.upgrade(database_url)
    engine = make_engine(database_url)
    factory = make_session_factory(engine)
    started = time.perf_counter()
    try:
        import_records(factory, iter_json_lines(corpus), kind="import", source=str(corpus))
        load_demo(factory)
        with factory() as session:
            return count_trials(session), time.perf_counter() - started
    finally:
        engine.dispose()


def time_requests(client, total: int):
    """Wall-clock and CPU milliseconds per request, by request name; candidates evaluated.

    One request runs at a time, so the process's CPU time during a request is that
    request's cost; it stays meaningful when other processes load the machine."""
    names = list(REQUESTS)
    candidates: dict[str, int] = {}
    for name in names:  # warm-up, untimed
        response = client.post("/v1/match", json={"as_of": AS_OF, **REQUESTS[name]})
        if response.status_code != 200:
            raise SystemExit(f"warm-up {name}: HTTP {response.status_code}: {response.text[:300]}")
        candidates[name] = response.json()["meta"]["candidates_evaluated"]
    timings: dict[str, list[float]] = {name: [] for name in names}
    cpu: dict[str, list[float]] = {name: [] for name in names}
    for i in range(total):
        name = names[i % len(names)]
        body = {"as_of": AS_OF, **REQUESTS[name]}
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.post("/v1/match", json=body)
        timings[name].append((time.perf_counter() - started) * 1000)
        cpu[name].append((time.process_time() - started_cpu) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{name}: HTTP {response.status_code}: {response.text[:300]}")
    return timings, cpu, candidates


def run(database_url: str | None, requests: int, corpus: Path, candidate_limit: int | None = None) -> dict[str, float]:
    from fastapi.testclient import TestClient

    from app.config import Settings
    from app.main import create_app

    workdir = None
    if database_url is None:
        workdir = tempfile.TemporaryDirectory(prefix="eligo-bench-")
        database_url = f"sqlite:///{Path(workdir.name) / 'bench.db'}"
    trials, load_seconds = load_corpus(database_url, corpus)
    print(f"{trials} trials loaded and compiled in {load_seconds:.0f}s ({database_url.split(':', 1)[0]})")
    overrides = {"match_candidate_limit": candidate_limit} if candidate_limit else {}
    settings = Settings(database_url=database_url, load_demo=False, **overrides)
    with TestClient(create_app(settings)) as client:
        timings, cpu, candidates = time_requests(client, requests)
    if workdir is not None:
        workdir.cleanup()

    print(f"{'request':28} {'n':>4} {'evaluated':>9} {'p50 ms':>8} {'p95 ms':>8} {'cpu p50':>8} {'cpu p95':>8}")
    for name, values in timings.items():
        print(f"{name:28} {len(values):>4} {candidates[name]:>9} {percentile(values, 0.5):>8.1f} "
              f"{percentile(values, 0.95):>8.1f} {percentile(cpu[name], 0.5):>8.1f} {percentile(cpu[name], 0.95):>8.1f}")
    every = [v for values in timings.values() for v in values]
    every_cpu = [v for values in cpu.values() for v in values]
    summary = {"trials": trials, "requests": len(every), "p50_ms": round(statistics.median(every), 1),
               "p95_ms": round(percentile(every, 0.95), 1), "max_ms": round(max(every), 1),
               "cpu_p50_ms": round(statistics.median(every_cpu), 1), "cpu_p95_ms": round(percentile(every_cpu, 0.95), 1),
               "candidate_limit": settings.match_candidate_limit}
    print(f"{'all':28} {len(every):>4} {'':>9} {summary['p50_ms']:>8.1f} {summary['p95_ms']:>8.1f} "
          f"{summary['cpu_p50_ms']:>8.1f} {summary['cpu_p95_ms']:>8.1f}")
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=240, help="timed requests after warm-up")
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file in a temp dir")
    parser.add_argument("--corpus", type=Path, default=MSC_TRIALS)
    parser.add_argument("--candidate-limit", type=int, default=None, help="default: ELIGO_MATCH_CANDIDATE_LIMIT")
    args = parser.parse_args(argv)
    if not args.corpus.is_file():
        print(f"corpus not found: {args.corpus}", file=sys.stderr)
        return 2
    summary = run(args.database_url, args.requests, args.corpus, args.candidate_limit)
    print(" ".join(f"{key}={value}" for key, value in summary.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
