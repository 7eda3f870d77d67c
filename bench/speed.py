"""Speed and scale: compile throughput, match latency at 1.5k / 10k / 100k trials, worker
memory, and HTTP throughput of ``POST /v1/match`` under load.

    eligo bench speed [--sizes 1500,10000,100000] [--skip-http] [--quick] ...
    eligo bench speed --compile-only [--compile-sample 300]   (step 2 alone)
    python -m bench.speed ...

What it does, in order:

1. **Corpus**: the scale corpus (``bench.corpus``, seed 0) of the largest size needed,
   written under ``--work-dir`` (default ``/tmp/eligo-bench``) unless ``--corpus`` is given.
2. **Compile throughput**: a sample of distinct eligibility texts compiled in this process
   in ``compile_many`` batches after a warm-up; trials per CPU-second of this process
   (= per core) and per wall second.
3. **Distinct inputs**: the corpus repeats ~9.6k real texts, and a RuleSet is a pure
   function of (text, registry facts, compiler version), so each distinct input is compiled
   once, by ``--workers`` processes, and cached on disk keyed by a fingerprint of the
   compiler's code and data (reruns skip it).
4. **Match latency in process** for each size: the first N trials as ``TrialSummary``
   objects, the service's own catalog snapshot and candidate index
   (``app.catalog.build_snapshot``), then ``app.match_service.match_profile`` exactly as
   ``POST /v1/match`` calls it, for varied request bodies: one untimed pass, then
   ``--requests`` timed ones; p50 / p95.
5. **Worker memory** (subprocess per size, so nothing else is counted): peak and settled
   RSS of a process holding N trials the way the catalog holds them (one compacted RuleSet
   per distinct input, shared strings), after the matches that fill a worker's caches, and
   the CPU time of that build.
6. **HTTP**: a dedicated PostgreSQL database (``eligo_bench``), the first ``--http-size``
   trials imported and compiled with the CLI (``eligo import --no-compile`` then
   ``eligo recompile --workers``, timed), ``eligo serve --workers 2`` on 127.0.0.1, a
   warm-up, then closed-loop load (``bench.http_load``) for ``--http-duration`` seconds,
   bounded by ``--http-max-requests``; zero errors allowed. Also the workers' CPU time
   (``/proc/<pid>/stat``) in the timed window per request, ``server_cpu_ms_per_match``, and
   the ceiling it implies on 2 idle cores: unlike matches per second on a shared machine,
   it does not depend on what else runs.

Prints a table and, last, one ``key=value`` line. No timing here is an assertion: the
figures depend on the machine and on what else runs on it (the load average is printed).
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from bench.corpus import default_path, inside_repository, write_corpus
from bench.http_load import LoadError, percentile

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_WORK_DIR = Path("/tmp/eligo-bench")
DEFAULT_PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
BENCH_DATABASE = "eligo_bench"
AS_OF = "2025-06-01"
COMPILE_CHUNK = 64
OPEN = ["RECRUITING", "NOT_YET_RECRUITING", "ENROLLING_BY_INVITATION", "ACTIVE_NOT_RECRUITING"]


# --- requests ------------------------------------------------------------------------------


def request_bodies() -> list[dict]:
    """``POST /v1/match`` bodies: varied ages, sexes, conditions, labs, places and statuses,
    chosen for conditions the corpus's real texts are about."""
    profiles = [
        {"age_years": 45, "sex": "female", "conditions": [{"text": "graft versus host disease"}],
         "procedures": [{"text": "allogeneic stem cell transplant", "date": "2024-09-01"}]},
        {"age_years": 58, "sex": "female", "conditions": [{"text": "breast cancer", "stage": "IV"}],
         "labs": [{"analyte": "platelets", "value": 180, "unit": "x10^9/L"}], "ecog": 1},
        {"age_years": 66, "sex": "male", "conditions": [{"text": "knee osteoarthritis"},
                                                        {"text": "type 2 diabetes"}],
         "medications": [{"text": "metformin"}]},
        {"age_years": 71, "sex": "male", "conditions": [{"text": "acute respiratory distress syndrome"},
                                                        {"text": "COVID-19"}]},
        {"age_years": 9, "sex": "female", "conditions": [{"text": "asthma"}]},
        {"age_years": 39, "sex": "female", "conditions": [{"text": "multiple sclerosis"}],
         "location": {"city": "Boston", "country": "United States", "max_distance_km": 500}},
        {"age_years": 52, "sex": "male", "conditions": [{"text": "heart failure"},
                                                        {"text": "myocardial infarction", "status": "history"}]},
        {"age_years": 33, "sex": "female", "pregnant": True, "conditions": [{"text": "Crohn's disease"}]},
        {"age_years": 61, "sex": "male", "conditions": [{"text": "non-small cell lung cancer"}],
         "labs": [{"analyte": "creatinine", "value": 1.1, "unit": "mg/dL"}], "ecog": 0,
         "location": {"city": "Paris", "country": "France"}},
        {"age_years": 27, "sex": "male", "healthy_volunteer": True},
        {"age_years": 48, "sex": "female", "conditions": [{"text": "rheumatoid arthritis"},
                                                          {"text": "hypertension"}]},
        {"age_years": 74, "sex": "female", "conditions": [{"text": "acute myeloid leukemia"}],
         "absent_means_no": True},
    ]
    bodies = [{"profile": profile, "as_of": AS_OF, "limit": 20} for profile in profiles]
    bodies[3]["statuses"] = OPEN  # a wider status net now and then
    bodies[6]["include_criteria"] = False
    return bodies


# --- corpus -> TrialSummary ------------------------------------------------------------------


def iter_studies(path: Path, size: int | None = None):
    """The first ``size`` records (default: all) of a corpus file as ParsedStudy (bad
    records skipped)."""
    from app.ctgov import RecordError, parse_study

    count = 0
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if size is not None and count >= size:
                return
            try:
                study = parse_study(json.loads(line))
            except (RecordError, json.JSONDecodeError):
                continue
            count += 1
            yield study


def input_digest(study) -> str:
    from app.rules import facts_of, source_sha256

    return source_sha256(study.eligibility_criteria, facts_of(study))


def summary_of(study, rules):
    """TrialSummary of a parsed study, as ``app.repository.trial_summary`` builds it from a
    row (the same shared strings and site summaries)."""
    from app.repository import shared_text, shared_texts, site_summary, trial_url
    from matching.trial import TrialSummary

    return TrialSummary(
        nct_id=study.nct_id, brief_title=study.brief_title, official_title=study.official_title,
        overall_status=shared_text(study.overall_status), phases=shared_texts(study.phases),
        study_type=shared_text(study.study_type), conditions=shared_texts(study.conditions),
        keywords=shared_texts(study.keywords), mesh_terms=shared_texts(study.mesh_terms),
        mesh_ancestors=shared_texts(study.mesh_ancestors), min_age_years=study.min_age_years,
        max_age_years=study.max_age_years, sex=shared_text(study.sex), healthy_volunteers=study.healthy_volunteers,
        sites=tuple(site_summary(s) for s in study.sites),  # ParsedStudy sites carry a Site row's names
        rules=rules, brief_summary=study.brief_summary, url=trial_url(study.nct_id),
    )


# --- compiling ---------------------------------------------------------------------------------


def compiler_fingerprint() -> str:
    """COMPILER_VERSION plus a hash of the compiler's code and data: a cache of compiled
    rules is reused only by the very same compiler."""
    from app import rules

    digest = hashlib.sha256(str(rules.COMPILER_VERSION).encode())
    root = REPO_ROOT / "criteria_rules"
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return f"{rules.COMPILER_VERSION}-{digest.hexdigest()[:16]}"


def distinct_inputs(studies: Iterable, limit: int | None = None) -> dict[str, tuple[str, dict]]:
    """Input hash -> (text, facts dict), in first-seen order; the first ``limit`` only
    when given (the rest of ``studies`` is then not read)."""
    from app.rules import facts_of, source_sha256

    found: dict[str, tuple[str, dict]] = {}
    for study in studies:
        facts = facts_of(study)
        digest = source_sha256(study.eligibility_criteria, facts)
        if digest not in found:
            found[digest] = (study.eligibility_criteria, facts.model_dump())
            if limit is not None and len(found) >= limit:
                break
    return found


@dataclass
class CompileThroughput:
    trials: int
    cpu_seconds: float
    wall_seconds: float

    @property
    def per_core(self) -> float:
        return self.trials / self.cpu_seconds if self.cpu_seconds else 0.0

    @property
    def per_wall_second(self) -> float:
        return self.trials / self.wall_seconds if self.wall_seconds else 0.0


def measure_compile(inputs: Sequence[tuple[str, dict]]) -> CompileThroughput:
    """Compile ``inputs`` in this process, in compile_many batches, after a warm-up."""
    from app.rules import compile_batch
    from criteria_rules.ir import TrialFacts

    compile_batch([("Inclusion Criteria:\n* Adults aged 18 or over\nExclusion Criteria:\n* Pregnancy",
                    TrialFacts())])  # loads the pipeline and lexicons: not counted
    cpu, wall = time.process_time(), time.perf_counter()
    for start in range(0, len(inputs), COMPILE_CHUNK):
        chunk = inputs[start:start + COMPILE_CHUNK]
        compile_batch([(text, TrialFacts(**facts)) for text, facts in chunk])
    return CompileThroughput(len(inputs), time.process_time() - cpu, time.perf_counter() - wall)


def compile_row(throughput: CompileThroughput) -> tuple[str, str, str]:
    """The compile throughput row of the report table."""
    return ("compile throughput", f"{throughput.per_core:.1f} trials/s/core",
            f"{throughput.trials} texts, {throughput.cpu_seconds:.1f} CPU s, "
            f"{throughput.per_wall_second:.1f} trials/s wall")


def compile_only_corpus_size(sample: int) -> int:
    """Trials in the corpus that ``--compile-only`` writes: trial i is the same in a corpus
    of any size and the first ~9.6k carry distinct texts, so a corpus a little larger than
    the sample holds the same first ``sample`` distinct inputs as the full run's."""
    return max(2 * sample, 100)


def run_compile_only(args) -> int:
    """Step 2 alone: the compile throughput of the first ``--compile-sample`` distinct
    inputs, as the full run measures it, with no matching, memory or HTTP."""
    from app import rules

    started = time.perf_counter()
    corpus = args.corpus
    if corpus is None:
        size = compile_only_corpus_size(args.compile_sample)
        corpus = args.work_dir / default_path(size).name
        if not corpus.is_file():
            log_line(f"writing a {size}-trial corpus to {corpus} ...")
            write_corpus(size, corpus)
    load_before = os.getloadavg()
    sample = list(distinct_inputs(iter_studies(corpus), args.compile_sample).values())
    if len(sample) < args.compile_sample:
        print(f"{corpus} has only {len(sample)} distinct compiler inputs", file=sys.stderr)
        return 2
    log_line(f"compile throughput on {len(sample)} texts ...")
    throughput = measure_compile(sample)

    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False, width=110)
    console.print(f"corpus {corpus}; compiler {rules.COMPILER_VERSION}; {os.cpu_count()} CPUs; "
                  f"load average before {load_before[0]:.1f}, now {os.getloadavg()[0]:.1f}")
    table = Table(title="Compile throughput")
    for name, justify in (("measure", "left"), ("value", "right"), ("notes", "left")):
        table.add_column(name, justify=justify)
    table.add_row(*compile_row(throughput))
    console.print(table)
    print(f"compile_per_core={throughput.per_core:.1f} compile_sample={throughput.trials} "
          f"compile_cpu_s={throughput.cpu_seconds:.2f} load_avg={load_before[0]:.1f} "
          f"seconds={time.perf_counter() - started:.0f}", flush=True)
    return 0


def _compile_chunk(items: list[tuple[str, str, dict]]) -> list[tuple[str, dict | None, str | None]]:
    from app.recompile import compile_inputs

    return compile_inputs(items)[1]


def compiled_rules(inputs: dict[str, tuple[str, dict]], cache_path: Path, workers: int,
                   log=print) -> tuple[dict[str, str], float, int]:
    """Input hash -> RuleSet JSON for every input, compiling what the cache lacks with
    ``workers`` processes. Returns (rules, wall seconds spent compiling, inputs compiled)."""
    import multiprocessing

    cached: dict[str, str] = {}
    if cache_path.is_file():
        with cache_path.open(encoding="utf-8") as handle:
            for line in handle:
                if not line.endswith("\n"):
                    break  # a line cut short by an interruption: compiled again below
                digest, payload = line.rstrip("\n").split("\t", 1)
                cached[digest] = payload
    missing = [(digest, text, facts) for digest, (text, facts) in inputs.items() if digest not in cached]
    if not missing:
        return cached, 0.0, 0
    log(f"compiling {len(missing)} distinct inputs with {workers} worker(s) (cache: {cache_path})")
    started = time.perf_counter()
    chunks = [missing[i:i + COMPILE_CHUNK] for i in range(0, len(missing), COMPILE_CHUNK)]
    cache_path.parent.mkdir(parents=True, exist_ok=True)
    done = 0
    with cache_path.open("a", encoding="utf-8") as out, ProcessPoolExecutor(
        max_workers=workers, mp_context=multiprocessing.get_context("spawn")
    ) as pool:
        for future in as_completed([pool.submit(_compile_chunk, chunk) for chunk in chunks]):
            for digest, payload, reason in future.result():
                if payload is None:
                    raise RuntimeError(f"compiling input {digest[:12]} failed: {reason}")
                text = json.dumps(payload, separators=(",", ":"))
                cached[digest] = text
                out.write(f"{digest}\t{text}\n")
            out.flush()
            done += 1
            if done % 20 == 0:
                log(f"  {done}/{len(chunks)} chunks in {time.perf_counter() - started:.0f}s")
    return cached, time.perf_counter() - started, len(missing)


# --- match latency ---------------------------------------------------------------------------


@dataclass
class LatencyResult:
    size: int
    build_seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)  # this process's CPU time per match
    evaluated: list[int] = field(default_factory=list)
    considered: list[int] = field(default_factory=list)

    @property
    def p50(self) -> float:
        return percentile(self.latencies_ms, 0.5)

    @property
    def p95(self) -> float:
        return percentile(self.latencies_ms, 0.95)


def prepared_requests(bodies: Sequence[dict]):
    """(MatchRequest, PatientProfile) per body, read exactly as the route reads them."""
    from app.api.match_models import MatchRequest
    from app.api.routes.match import patient_profile

    prepared = []
    for body in bodies:
        request = MatchRequest.model_validate(body)
        prepared.append((request, patient_profile(request, request.as_of)))
    return prepared


def settle_like_a_worker() -> None:
    """What a serving worker does after loading its catalog (garbage-collector settings)."""
    import app.catalog

    settle = getattr(app.catalog, "settle_garbage_collector", None)
    if settle is not None:
        settle()


def run_match(snapshot, request, profile, candidate_limit: int):
    from app.match_service import match_profile

    return match_profile(snapshot, profile, as_of=request.as_of, statuses=request.statuses, limit=request.limit,
                         offset=request.offset, include_criteria=request.include_criteria,
                         candidate_limit=candidate_limit)


def measure_latency(trials: Sequence, requests, repeats: int, candidate_limit: int) -> LatencyResult:
    from app.catalog import build_snapshot

    started = time.perf_counter()
    snapshot = build_snapshot(trials)
    result = LatencyResult(size=len(trials), build_seconds=time.perf_counter() - started)
    settle_like_a_worker()
    for request, profile in requests:  # warm-up: per-trial caches, lazy lexicons
        run_match(snapshot, request, profile, candidate_limit)
    for i in range(repeats):
        request, profile = requests[i % len(requests)]
        t0, c0 = time.perf_counter(), time.process_time()
        matched = run_match(snapshot, request, profile, candidate_limit)
        result.latencies_ms.append((time.perf_counter() - t0) * 1000)
        result.cpu_ms.append((time.process_time() - c0) * 1000)
        meta = matched.meta
        result.evaluated.append(getattr(meta, "candidates_evaluated", 0) or 0)
        result.considered.append(getattr(meta, "candidates_considered", 0) or 0)
    return result


# --- memory (subprocess) -------------------------------------------------------------------


def rss_mib() -> tuple[float, float]:
    """(current RSS, peak RSS) of this process in MiB.

    The peak is the kernel's high-water mark of this process's own memory (VmHWM), not
    ``getrusage``'s ru_maxrss: that one survives exec, so a probe started by a large
    parent (the bench itself, holding a 100k corpus) reported the parent's size."""
    found = {"VmRSS:": 0.0, "VmHWM:": 0.0}
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            key = line.split(":", 1)[0] + ":"
            if key in found:
                found[key] = int(line.split()[1]) / 1024
    except OSError:
        return 0.0, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return found["VmRSS:"], found["VmHWM:"]


def memory_probe(corpus: Path, cache: Path, size: int, mode: str) -> dict:
    """Hold ``size`` trials as a worker's catalog does; report RSS. ``mode``: ``per-trial``
    (one RuleSet parsed per trial, as the catalog once held them) or ``shared`` (one
    packed RuleSet per distinct input, as the catalog holds them)."""
    from app.catalog import build_snapshot
    from criteria_rules.ir import RuleSet
    from matching.packed_rules import PackedRules

    requests = prepared_requests(request_bodies())
    gc.collect()
    baseline, _ = rss_mib()
    payloads: dict[str, str] = {}
    with cache.open(encoding="utf-8") as handle:
        for line in handle:
            digest, payload = line.rstrip("\n").split("\t", 1)
            payloads[digest] = payload
    shared: dict[str, PackedRules] = {}
    trials = []
    cpu_started = time.process_time()  # the catalog's work: RuleSets, summaries, index (corpus parsing too)
    for study in iter_studies(corpus, size):
        digest = input_digest(study)
        if mode == "shared":
            rules = shared.get(digest)
            if rules is None:  # as the catalog packs them (app.catalog.pack_new_rulesets)
                payload = payloads[digest]
                rules = shared[digest] = PackedRules.pack(RuleSet.model_validate_json(payload), payload)
        else:
            rules = RuleSet.model_validate(json.loads(payloads[digest]))  # as ruleset_of does with the JSON column
        trials.append(summary_of(study, rules))
    del payloads
    snapshot = build_snapshot(trials)
    del trials
    settle_like_a_worker()
    build_cpu = time.process_time() - cpu_started
    for request, profile in requests:  # caches a serving worker fills
        run_match(snapshot, request, profile, 300)
    gc.collect()
    current, peak = rss_mib()
    return {"size": size, "mode": mode, "baseline_mib": round(baseline, 1), "rss_mib": round(current, 1),
            "peak_mib": round(peak, 1), "trials": len(snapshot.trials), "build_cpu_s": round(build_cpu, 1)}


def run_memory_probe(corpus: Path, cache: Path, size: int, mode: str) -> dict:
    command = [sys.executable, "-m", "bench.speed", "--probe-memory", mode, "--corpus", str(corpus),
               "--cache", str(cache), "--probe-size", str(size)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=REPO_ROOT)
    if done.returncode != 0:
        raise RuntimeError(f"memory probe failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- HTTP ----------------------------------------------------------------------------------------


def prepare_bench_database(server_url: str, name: str, fresh: bool) -> str:
    import psycopg
    from sqlalchemy.engine import make_url

    server = make_url(server_url)
    conninfo = server.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True, connect_timeout=5) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists and fresh:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            admin.execute(f'CREATE DATABASE "{name}"')
    return server.set(database=name).render_as_string(hide_password=False)


def corpus_slice(corpus: Path, size: int, work_dir: Path) -> Path:
    """A file with the first ``size`` records (the CLI imports whole files)."""
    target = work_dir / f"{corpus.stem}-first{size}.jsonl"
    if not target.is_file():
        partial = target.with_suffix(".partial")
        with corpus.open(encoding="utf-8") as source, partial.open("w", encoding="utf-8") as out:
            for index, line in enumerate(source):
                if index >= size:
                    break
                out.write(line)
        partial.replace(target)
    return target


def run_cli(args: list[str], env: dict[str, str]) -> tuple[str, float]:
    from bench.http_load import eligo_command

    started = time.perf_counter()
    done = subprocess.run([*eligo_command(), *args], env={**os.environ, **env}, capture_output=True, text=True,
                          cwd=REPO_ROOT)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"eligo {' '.join(args)} failed ({done.returncode}): {done.stderr[-2000:]}")
    return done.stderr + done.stdout, seconds


@dataclass
class HttpResult:
    trials: int
    import_seconds: float
    recompile_seconds: float
    recompile_output: str
    rps: float
    p50: float
    p95: float
    ok: int
    errors: int
    error_samples: list[str]
    seconds: float
    concurrency: int
    worker_peak_mib: list[float]
    server_command: str
    server_cpu_ms: float = 0.0  # the workers' CPU time in the timed window per request: load-independent
    client_cpu_ms: float = 0.0  # the load generator's, per request (same machine)

    @property
    def ceiling_2_cores(self) -> float:
        """Matches per second two idle cores could serve at ``server_cpu_ms`` each."""
        return 2000 / self.server_cpu_ms if self.server_cpu_ms else 0.0


def run_http(corpus: Path, args, log=print) -> HttpResult:
    import asyncio

    from bench.http_load import cpu_seconds_of, rss_kib, run_load, server_cpu, start_server

    url = prepare_bench_database(args.pg_url, args.pg_database, args.fresh_db)
    env = {"DATABASE_URL": url}
    part = corpus_slice(corpus, args.http_size, args.work_dir)
    log(f"HTTP: importing {args.http_size} trials into {args.pg_database} ...")
    _, import_seconds = run_cli(["import", "--no-compile", str(part)], env)
    log(f"HTTP: eligo recompile --workers {args.workers} ...")
    recompile_output, recompile_seconds = run_cli(["recompile", "--workers", str(args.workers)], env)
    log("HTTP: " + recompile_output.strip().splitlines()[-1] if recompile_output.strip() else "HTTP: recompiled")
    # a worker listens once its catalog is loaded: ~25 CPU s at 10k, minutes on a busy machine
    server = start_server(url, port=args.http_port, workers=args.http_workers, log_dir=args.work_dir,
                          ready_timeout=600)
    try:
        bodies = request_bodies()
        # Warm-up: every worker loads the catalog and builds its index on first use, and
        # which worker gets a request is up to the kernel, so warm up in rounds until a
        # round shows no cold worker (its slowest request within 4x its median).
        log("HTTP: warming up the workers ...")
        deadline = time.perf_counter() + args.http_warmup
        while True:
            warm = asyncio.run(run_load(server.url, bodies, duration=5, concurrency=args.http_concurrency,
                                        max_requests=10 * args.http_concurrency, timeout=600))
            if warm.errors:
                raise LoadError("warm-up failed: " + "; ".join(warm.error_samples))
            slowest, median = max(warm.latencies_ms), percentile(warm.latencies_ms, 0.5)
            if slowest <= 4 * median or time.perf_counter() > deadline:
                break
        log(f"HTTP: {args.http_duration:.0f}s of load, {args.http_concurrency} concurrent clients ...")
        workers = server.worker_pids()
        before = cpu_seconds_of(workers)
        result = asyncio.run(run_load(server.url, bodies, duration=args.http_duration,
                                      concurrency=args.http_concurrency, max_requests=args.http_max_requests))
        cpu = server_cpu(before, cpu_seconds_of(workers), result.ok + result.errors)
        peaks = [round(rss_kib(pid) / 1024, 1) for pid in workers]
    finally:
        server.stop()
    return HttpResult(
        trials=args.http_size, import_seconds=import_seconds, recompile_seconds=recompile_seconds,
        recompile_output=recompile_output.strip().splitlines()[-1] if recompile_output.strip() else "",
        rps=result.throughput, p50=percentile(result.latencies_ms, 0.5), p95=percentile(result.latencies_ms, 0.95),
        ok=result.ok, errors=result.errors, error_samples=result.error_samples, seconds=result.seconds,
        concurrency=args.http_concurrency, worker_peak_mib=peaks, server_command=" ".join(server.command[-10:]),
        server_cpu_ms=cpu.ms_per_request, client_cpu_ms=1000 * result.client_cpu_seconds / max(1, result.sent),
    )


# --- the run ---------------------------------------------------------------------------------------


def parse_sizes(text: str) -> list[int]:
    sizes = sorted({int(part) for part in text.split(",") if part.strip()})
    if not sizes or sizes[0] < 1:
        raise argparse.ArgumentTypeError("sizes are positive integers, e.g. 1500,10000,100000")
    return sizes


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="eligo bench speed", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=parse_sizes, default=None, help="catalog sizes (default 1500,10000,100000)")
    parser.add_argument("--corpus", type=Path, default=None, help="a corpus from make-corpus (default: made)")
    parser.add_argument("--work-dir", type=Path, default=DEFAULT_WORK_DIR)
    parser.add_argument("--workers", type=int, default=2, help="compiler processes")
    parser.add_argument("--compile-sample", type=int, default=None, help="texts for the throughput figure (300)")
    parser.add_argument("--compile-only", action="store_true",
                        help="only the compile throughput (no matching, memory or HTTP)")
    parser.add_argument("--requests", type=int, default=None, help="timed matches per size (120)")
    parser.add_argument("--candidate-limit", type=int, default=None, help="default: the service setting")
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--memory-sizes", type=parse_sizes, default=None, help="default: the largest size")
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument("--http-size", type=int, default=None, help="trials in the HTTP database (10000)")
    parser.add_argument("--http-duration", type=float, default=None, help="seconds of load (30)")
    parser.add_argument("--http-warmup", type=float, default=180.0, help="most seconds of warm-up")
    parser.add_argument("--http-concurrency", type=int, default=8)
    parser.add_argument("--http-max-requests", type=int, default=20_000)
    parser.add_argument("--http-workers", type=int, default=2)
    parser.add_argument("--http-port", type=int, default=8791)
    parser.add_argument("--pg-url", default=os.environ.get("ELIGO_BENCH_POSTGRES_URL", DEFAULT_PG_SERVER),
                        help="PostgreSQL server URL (its database part is replaced by --pg-database)")
    parser.add_argument("--pg-database", default=BENCH_DATABASE)
    parser.add_argument("--fresh-db", action="store_true", help="drop and recreate the bench database")
    parser.add_argument("--quick", action="store_true", help="tiny sizes and short runs (a smoke test)")
    parser.add_argument("--probe-memory", choices=("per-trial", "shared"), help=argparse.SUPPRESS)
    parser.add_argument("--cache", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--probe-size", type=int, help=argparse.SUPPRESS)
    return parser


def apply_defaults(args) -> None:
    quick = args.quick
    args.sizes = args.sizes or ([150, 400] if quick else [1500, 10_000, 100_000])
    args.compile_sample = args.compile_sample or (12 if quick else 300)
    args.requests = args.requests or (24 if quick else 120)
    args.http_size = args.http_size or (300 if quick else 10_000)
    args.http_duration = args.http_duration or (3.0 if quick else 30.0)
    if quick:
        args.http_warmup = min(args.http_warmup, 60.0)
    args.memory_sizes = args.memory_sizes or [max(args.sizes)]
    if args.candidate_limit is None:
        from app.config import get_settings

        args.candidate_limit = get_settings().match_candidate_limit


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.probe_memory:
        print(json.dumps(memory_probe(args.corpus, args.cache, args.probe_size, args.probe_memory)))
        return 0
    apply_defaults(args)
    if inside_repository(args.work_dir):
        print(f"refusing to work in {args.work_dir}: benchmark files stay outside the repository", file=sys.stderr)
        return 2
    return run_compile_only(args) if args.compile_only else run(args)


_STARTED = time.perf_counter()


def log_line(message: str) -> None:
    print(f"[{time.perf_counter() - _STARTED:6.0f}s] {message}", file=sys.stderr, flush=True)


def run(args) -> int:
    from app import rules

    started = time.perf_counter()
    needed = max(args.sizes + ([] if args.skip_http else [args.http_size]))
    corpus = args.corpus
    if corpus is None:
        corpus = args.work_dir / default_path(needed).name
        if not corpus.is_file():
            log_line(f"writing a {needed}-trial corpus to {corpus} ...")
            write_corpus(needed, corpus)
    load_before = os.getloadavg()

    log_line("reading the corpus ...")
    studies = list(iter_studies(corpus, max(args.sizes)))
    if len(studies) < max(args.sizes):
        print(f"{corpus} has only {len(studies)} usable trials", file=sys.stderr)
        return 2
    inputs = distinct_inputs(studies)

    log_line(f"compile throughput on {args.compile_sample} texts ...")
    sample = list(inputs.values())[: args.compile_sample]
    throughput = measure_compile(sample)

    cache = args.work_dir / f"rulesets-{compiler_fingerprint()}.tsv"
    compiled, compile_wall, compiled_now = compiled_rules(inputs, cache, args.workers, log=log_line)

    from criteria_rules.ir import RuleSet
    from matching.packed_rules import PackedRules

    # one packed RuleSet per distinct input, as a worker's catalog holds them
    rulesets = {digest: PackedRules.pack(RuleSet.model_validate_json(compiled[digest]), compiled[digest])
                for digest in inputs}
    requests = prepared_requests(request_bodies())
    latencies: list[LatencyResult] = []
    for size in args.sizes:
        log_line(f"match latency at {size} trials ...")
        trials = [summary_of(study, rulesets[input_digest(study)]) for study in studies[:size]]
        latencies.append(measure_latency(trials, requests, args.requests, args.candidate_limit))
        del trials
        gc.collect()

    memory: list[dict] = []
    if not args.skip_memory:
        for size in args.memory_sizes:
            # "shared" is what the catalog does; the "per-trial" mode (one RuleSet parsed per
            # trial, the catalog before 072de3f, ~10 GB at 100k) runs only by hand
            for mode in ("shared",):
                log_line(f"worker memory at {size} trials ({mode} RuleSets) ...")
                memory.append(run_memory_probe(corpus, cache, size, mode))

    http = None
    if not args.skip_http:
        http = run_http(corpus, args, log=log_line)

    report(args, corpus, studies, inputs, throughput, compile_wall, compiled_now, latencies, memory, http,
           load_before, rules.COMPILER_VERSION, time.perf_counter() - started)
    return 1 if http is not None and http.errors else 0


def matcher_build() -> str:
    """native | python | partial: the build this process (and the server it starts, from
    the same environment) matches with (matching.native)."""
    from matching import native

    return native.build()


def report(args, corpus, studies, inputs, throughput, compile_wall, compiled_now, latencies, memory, http,
           load_before, compiler_version, seconds) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False, width=110)
    console.print(f"corpus {corpus}: {len(studies)} trials, {len(inputs)} distinct compiler inputs; "
                  f"compiler {compiler_version}; {os.cpu_count()} CPUs; load average before "
                  f"{load_before[0]:.1f}, now {os.getloadavg()[0]:.1f}; matcher build {matcher_build()}")
    table = Table(title="Speed and scale")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_column("notes")
    table.add_row(*compile_row(throughput))
    if compiled_now:
        table.add_row("distinct inputs compiled", f"{compiled_now / compile_wall:.1f} trials/s",
                      f"{compiled_now} inputs, {args.workers} workers, {compile_wall:.0f}s wall")
    for result in latencies:
        table.add_row(f"match p50 / p95 at {result.size:,}", f"{result.p50:.1f} / {result.p95:.1f} ms",
                      f"CPU p50/p95 {percentile(result.cpu_ms, 0.5):.1f} / {percentile(result.cpu_ms, 0.95):.1f} ms; "
                      f"{len(result.latencies_ms)} matches; evaluated ~{statistics.mean(result.evaluated or [0]):.0f} "
                      f"of ~{statistics.mean(result.considered or [0]):.0f} passing filters; "
                      f"index built in {result.build_seconds:.1f}s")
    for probe in memory:
        table.add_row(f"worker RSS at {probe['size']:,} ({probe['mode']})", f"{probe['peak_mib']:.0f} MiB peak",
                      f"{probe['rss_mib']:.0f} MiB settled after load and matches; "
                      f"{probe['baseline_mib']:.0f} MiB before any trial; "
                      f"catalog build {probe.get('build_cpu_s', 0):.0f} CPU s")
    if http is not None:
        table.add_row(f"HTTP POST /v1/match at {http.trials:,}", f"{http.rps:.1f} matches/s",
                      f"p50 {http.p50:.0f} ms, p95 {http.p95:.0f} ms, {http.ok} ok, {http.errors} errors, "
                      f"{http.concurrency} clients, {http.seconds:.0f}s")
        table.add_row("  server CPU per match", f"{http.server_cpu_ms:.1f} ms",
                      f"workers' CPU time in the timed window / requests; ceiling on 2 idle cores "
                      f"{http.ceiling_2_cores:.0f} matches/s; load generator {http.client_cpu_ms:.1f} ms per match")
        table.add_row("  import + recompile (CLI)", f"{http.import_seconds:.0f}s + {http.recompile_seconds:.0f}s",
                      http.recompile_output)
        table.add_row("  worker peak RSS", ", ".join(f"{m:.0f}" for m in http.worker_peak_mib) + " MiB",
                      http.server_command)
        for sample in http.error_samples:
            table.add_row("  error", "", sample)
    console.print(table)
    values: dict[str, str] = {
        "compile_per_core": f"{throughput.per_core:.1f}",
        "compile_sample": str(throughput.trials),
    }
    for result in latencies:
        values[f"p50_ms_{result.size}"] = f"{result.p50:.1f}"
        values[f"p95_ms_{result.size}"] = f"{result.p95:.1f}"
        values[f"cpu_p95_ms_{result.size}"] = f"{percentile(result.cpu_ms, 0.95):.1f}"
    for probe in memory:
        suffix = "" if probe["mode"] == "per-trial" else "_shared"
        values[f"rss_mb_{probe['size']}{suffix}"] = f"{probe['peak_mib']:.0f}"
        values[f"settled_mb_{probe['size']}{suffix}"] = f"{probe['rss_mib']:.0f}"
    if http is not None:
        values.update(http_trials=str(http.trials), http_rps=f"{http.rps:.1f}", http_p50_ms=f"{http.p50:.0f}",
                      http_p95_ms=f"{http.p95:.0f}", http_errors=str(http.errors),
                      server_cpu_ms_per_match=f"{http.server_cpu_ms:.1f}",
                      http_ceiling_rps_2cores=f"{http.ceiling_2_cores:.0f}")
    values["matcher"] = matcher_build()
    values["load_avg"] = f"{load_before[0]:.1f}"
    values["seconds"] = f"{seconds:.0f}"
    print(" ".join(f"{key}={value}" for key, value in values.items()), flush=True)


if __name__ == "__main__":
    sys.exit(main())
