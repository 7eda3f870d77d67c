"""HTTP load on ``POST /v1/match``: a real server on 127.0.0.1 and a small asyncio load generator.

Used by ``eligo bench speed`` (``bench.speed``); runs on its own too:

    python -m bench.http_load --url http://127.0.0.1:8800 --duration 30 --concurrency 8 [--server-pid PID]

With ``--server-pid`` (the pid of ``eligo serve``) it also reports the workers' CPU time
in the timed window per request (``server_cpu_ms_per_match``) and the matches per second
that implies on 2 idle cores: a figure that does not depend on how busy the machine is.

Closed-loop load: ``concurrency`` clients each send the next request as soon as the last
one answered, for ``duration`` seconds or until ``max_requests`` were sent, whichever
comes first. Every response must be HTTP 200 with a JSON body; anything else (status,
timeout, connection error) is counted as an error and the run is reported as failed.
Loopback only: the generator refuses any host but 127.0.0.1 / localhost.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

LOOPBACK = ("127.0.0.1", "localhost")


class LoadError(RuntimeError):
    pass


@dataclass
class LoadResult:
    sent: int = 0
    ok: int = 0
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)
    seconds: float = 0.0
    client_cpu_seconds: float = 0.0  # the load generator's own CPU time (it parses every response)

    @property
    def throughput(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(share * len(ordered) + 0.5)))
    return ordered[rank - 1]


def require_loopback(url: str) -> None:
    host = urlsplit(url).hostname
    if host not in LOOPBACK:
        raise LoadError(f"refusing to load {host!r}: the benchmark only targets 127.0.0.1")


async def _client_loop(client, url: str, bodies: Sequence[dict], state: dict, result: LoadResult,
                       deadline: float, max_requests: int) -> None:
    while time.perf_counter() < deadline and state["next"] < max_requests:
        body = bodies[state["next"] % len(bodies)]
        state["next"] += 1
        result.sent += 1
        started = time.perf_counter()
        try:
            response = await client.post(url, json=body)
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code == 200 and response.headers.get("content-type", "").startswith("application/json"):
                result.ok += 1
                result.latencies_ms.append(elapsed)
            else:
                result.errors += 1
                if len(result.error_samples) < 5:
                    result.error_samples.append(f"HTTP {response.status_code}: {response.text[:200]}")
        except Exception as error:  # timeouts, resets: all count as errors
            result.errors += 1
            if len(result.error_samples) < 5:
                result.error_samples.append(f"{type(error).__name__}: {error}")


async def run_load(base_url: str, bodies: Sequence[dict], *, duration: float, concurrency: int,
                   max_requests: int, timeout: float = 60.0, path: str = "/v1/match") -> LoadResult:
    import httpx

    require_loopback(base_url)
    result = LoadResult()
    state = {"next": 0}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url, timeout=timeout, limits=limits) as client:
        started, cpu_started = time.perf_counter(), time.process_time()
        deadline = started + duration
        await asyncio.gather(*(_client_loop(client, path, bodies, state, result, deadline, max_requests)
                               for _ in range(concurrency)))
        result.seconds = time.perf_counter() - started
        result.client_cpu_seconds = time.process_time() - cpu_started
    return result


# --- the server under test -----------------------------------------------------------------


@dataclass
class Server:
    process: subprocess.Popen
    url: str
    command: list[str]
    log_path: Path

    def worker_pids(self) -> list[int]:
        return serving_pids(self.process.pid)

    def stop(self, timeout: float = 20.0) -> None:
        """SIGINT, then SIGTERM; a worker still in its startup (loading the catalog) does not
        stop until the load ends, so after that the workers and the supervisor are killed."""
        if self.process.poll() is None:
            workers = self.worker_pids()
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.terminate()
                try:
                    self.process.wait(10)
                except subprocess.TimeoutExpired:
                    for pid in workers:
                        if pid != self.process.pid:
                            with contextlib.suppress(OSError):
                                os.kill(pid, signal.SIGKILL)
                    self.process.kill()
                    self.process.wait(10)


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (``/proc/<pid>/stat`` utime + stime),
    in seconds; 0 if the process is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    # the command name (field 2) may hold spaces and parentheses: split after its last ")"
    fields = stat[stat.rindex(")") + 2:].split()
    utime, stime = int(fields[11]), int(fields[12])  # fields 14 and 15 of proc(5)
    return (utime + stime) / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class ServerCpu:
    """Server CPU time spent on a timed window of load, per request served: a figure that
    does not depend on how busy the machine is (unlike matches per second)."""

    cpu_seconds: float
    requests: int

    @property
    def ms_per_request(self) -> float:
        return 1000 * self.cpu_seconds / self.requests if self.requests else 0.0

    def ceiling_per_second(self, cores: int = 2) -> float:
        """Requests per second ``cores`` idle cores could serve at this cost (0 if unknown)."""
        return 1000 * cores / self.ms_per_request if self.ms_per_request else 0.0


def cpu_seconds_of(pids: Sequence[int]) -> dict[int, float]:
    return {pid: process_cpu_seconds(pid) for pid in pids}


def server_cpu(before: dict[int, float], after: dict[int, float], requests: int) -> ServerCpu:
    """CPU the processes in ``before`` used between the two readings (a process that died
    in between counts for nothing, so a restarted worker cannot make the figure negative)."""
    used = sum(max(0.0, after.get(pid, 0.0) - start) for pid, start in before.items() if pid in after)
    return ServerCpu(cpu_seconds=used, requests=requests)


def serving_pids(supervisor: int) -> list[int]:
    """The serving processes of ``eligo serve``: the children of the supervisor (or the
    supervisor itself with one worker)."""
    children = Path(f"/proc/{supervisor}/task/{supervisor}/children")
    try:
        pids = [int(p) for p in children.read_text().split()]
    except OSError:
        pids = []
    # uvicorn's supervisor also starts a multiprocessing resource tracker: skip tiny ones.
    return [pid for pid in pids if rss_kib(pid, "VmRSS") > 100 * 1024] or [supervisor]


def rss_kib(pid: int, field_name: str = "VmHWM") -> int:
    """VmHWM (peak resident set) or VmRSS of a process, in KiB (0 if unreadable)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def eligo_command() -> list[str]:
    """The ``eligo`` CLI of this environment."""
    found = shutil.which("eligo")
    return [found] if found else [sys.executable, "-c", "from app.cli import main; main()"]


def serve_command(port: int, workers: int) -> list[str]:
    """``eligo serve --workers N`` when the CLI offers it, else uvicorn's own CLI on the
    same application factory (the same app, workers and all)."""
    probe = subprocess.run([*eligo_command(), "serve", "--help"], capture_output=True, text=True)
    if probe.returncode == 0 and "--workers" in probe.stdout:
        quiet = ["--no-access-log"] if "--no-access-log" in probe.stdout else []
        return [*eligo_command(), "serve", "--host", "127.0.0.1", "--port", str(port),
                "--workers", str(workers), "--log-level", "warning", *quiet]
    return [sys.executable, "-m", "uvicorn", "--factory", "app.main:create_app", "--host", "127.0.0.1",
            "--port", str(port), "--workers", str(workers), "--log-level", "warning",
            "--timeout-worker-healthcheck", "120", "--no-access-log"]


def start_server(database_url: str, *, port: int, workers: int, log_dir: Path,
                 ready_timeout: float = 180.0, extra_env: dict[str, str] | None = None) -> Server:
    import httpx

    command = serve_command(port, workers)
    env = {**os.environ, "DATABASE_URL": database_url, "ELIGO_LOAD_DEMO": "false", **(extra_env or {})}
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"serve-{port}.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT,
                                   cwd=Path(__file__).resolve().parents[1])
    server = Server(process, f"http://127.0.0.1:{port}", command, log_path)
    deadline = time.monotonic() + ready_timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise LoadError(f"the server exited with {process.returncode}; see {log_path}")
        try:
            if httpx.get(server.url + "/healthz", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    server.stop()
    raise LoadError(f"the server did not answer /healthz within {ready_timeout:.0f}s; see {log_path}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Closed-loop load on POST /v1/match (loopback only).")
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--bodies", type=Path, help="JSON list of request bodies (default: bench.speed's)")
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--max-requests", type=int, default=20_000)
    parser.add_argument("--server-pid", type=int,
                        help="pid of `eligo serve`: report its workers' CPU time per match (load-independent)")
    args = parser.parse_args(argv)
    if args.bodies:
        bodies = json.loads(args.bodies.read_text())
    else:
        from bench.speed import request_bodies

        bodies = request_bodies()
    pids = serving_pids(args.server_pid) if args.server_pid else []
    before = cpu_seconds_of(pids)
    try:
        result = asyncio.run(run_load(args.url, bodies, duration=args.duration, concurrency=args.concurrency,
                                      max_requests=args.max_requests))
    except LoadError as error:
        print(error, file=sys.stderr)
        return 2
    cpu = server_cpu(before, cpu_seconds_of(pids), result.ok + result.errors)
    for sample in result.error_samples:
        print("error:", sample, file=sys.stderr)
    print(" ".join(f"{key}={value}" for key, value in load_figures(result, cpu if pids else None).items()))
    return 1 if result.errors else 0


def load_figures(result: LoadResult, cpu: ServerCpu | None) -> dict[str, str]:
    """The key=value figures of one load run (server CPU only when the server's pid is known)."""
    figures = {"http_rps": f"{result.throughput:.1f}", "http_p50_ms": f"{percentile(result.latencies_ms, 0.5):.1f}",
               "http_p95_ms": f"{percentile(result.latencies_ms, 0.95):.1f}", "http_ok": str(result.ok),
               "http_errors": str(result.errors),
               "client_cpu_ms_per_match": f"{1000 * result.client_cpu_seconds / max(1, result.sent):.1f}"}
    if cpu is not None:
        figures.update(server_cpu_ms_per_match=f"{cpu.ms_per_request:.1f}",
                       http_ceiling_rps_2cores=f"{cpu.ceiling_per_second(2):.1f}")
    return figures


if __name__ == "__main__":
    sys.exit(main())
