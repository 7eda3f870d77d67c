"""Peak memory of a worker whose catalog reloads in the background, read from a real database.

    python -m bench.reload_memory --database-url postgresql+psycopg://.../eligo_bench_100k [--changed all]

A serving worker holds its catalog; when trials change, ``app.catalog.TrialCatalog``
builds the next snapshot in a background thread while requests use the current one, so
both are alive until the swap. This probe (a fresh process, nothing else counted):
1. builds the catalog as a worker does at start (``TrialCatalog.current()``), warms the
   matcher, settles the garbage collector, runs the bench's 12 matches: settled RSS;
2. reloads as if ``--changed`` trials had changed (``all``, or a number): their stamps are
   forgotten, so ``load_snapshot`` re-reads them from the database exactly as after an
   import, in a background thread while the main thread keeps matching on the old
   snapshot; then swaps, drops the old one and settles: peak RSS (``VmHWM``) and RSS after.
The database is only read. Prints one ``key=value`` line.
"""

from __future__ import annotations

import argparse
import dataclasses
import threading
import time
from pathlib import Path


def status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def mib(field: str) -> float:
    return status_kib(field) / 1024


def forget_stamps(snapshot, changed: str):
    """The snapshot with the stamps of the first ``changed`` trials (or all) dropped, so a
    reload re-reads those trials as changed ones."""
    if changed == "all":
        return dataclasses.replace(snapshot, stamps={})
    count = int(changed)
    ids = sorted(snapshot.stamps)[:count]
    return dataclasses.replace(snapshot, stamps={i: s for i, s in snapshot.stamps.items() if i not in set(ids)})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--changed", default="all", help="trials that changed: 'all' or a number")
    args = parser.parse_args(argv)

    from app.catalog import TrialCatalog, load_snapshot, settle_garbage_collector
    from app.db import make_engine, make_session_factory
    from bench.speed import prepared_requests, request_bodies, run_match
    from matching.engine import warm_up

    baseline = mib("VmRSS")
    factory = make_session_factory(make_engine(args.database_url))
    catalog = TrialCatalog(factory, check_seconds=1e9)
    started, cpu = time.perf_counter(), time.process_time()
    snapshot = catalog.current()
    warm_up()
    load_seconds, load_cpu = time.perf_counter() - started, time.process_time() - cpu
    settle_garbage_collector()
    requests = prepared_requests(request_bodies())
    for request, profile in requests:
        run_match(snapshot, request, profile, 300)
    settled, peak_load = mib("VmRSS"), mib("VmHWM")

    previous = forget_stamps(snapshot, args.changed)
    del snapshot
    catalog._snapshot = previous  # noqa: SLF001 - the probe plays the worker's part
    fresh: list = []

    def reload() -> None:
        with factory() as session:
            fresh.append(load_snapshot(session, previous))

    started, cpu = time.perf_counter(), time.process_time()
    worker = threading.Thread(target=reload)
    worker.start()
    served = 0
    while worker.is_alive():  # requests keep using the old snapshot meanwhile
        request, profile = requests[served % len(requests)]
        run_match(previous, request, profile, 300)
        served += 1
    worker.join()
    reload_seconds, reload_cpu = time.perf_counter() - started, time.process_time() - cpu
    catalog._snapshot = fresh.pop()  # noqa: SLF001 - the swap
    del previous
    settle_garbage_collector()
    for request, profile in requests:
        run_match(catalog.current(), request, profile, 300)
    values = {
        "trials": len(catalog.current().trials), "changed": args.changed, "baseline_mib": f"{baseline:.0f}",
        "load_s": f"{load_seconds:.0f}", "load_cpu_s": f"{load_cpu:.0f}", "settled_mib": f"{settled:.0f}",
        "peak_after_load_mib": f"{peak_load:.0f}", "reload_s": f"{reload_seconds:.0f}",
        "reload_cpu_s": f"{reload_cpu:.0f}", "matches_during_reload": str(served),
        "peak_mib": f"{mib('VmHWM'):.0f}", "after_reload_mib": f"{mib('VmRSS'):.0f}",
    }
    print(" ".join(f"{key}={value}" for key, value in values.items()), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
