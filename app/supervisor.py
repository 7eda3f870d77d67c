"""Several uvicorn workers on one port, each with its own listening socket.

uvicorn's own multi-worker mode binds one socket and shares it: every worker accepts
from the same queue, and whichever worker wakes first takes every pending connection
(the event loop accepts in a loop). A client or load balancer that opens its keep-alive
connections in a burst therefore often lands all of them on one worker, and the other
cores sit idle: measured at 10k trials, 8 connections, 2 workers: one worker used 19 s of
CPU in 20 s, the other 0.03 s (docs/benchmarks.md, "HTTP at 10k").

Here each worker gets its own ``SO_REUSEPORT`` socket on the same address, so the kernel
spreads new connections over the workers by a hash of the client address and port.
Two more properties follow from uvicorn listening only after the application's startup:
- a worker that is still loading its catalog has a bound socket that is not listening, so
  it gets no connection until it is ready (a cold worker takes no traffic);
- the supervisor closes its copy of a socket once the worker has it, so when a worker
  exits its socket closes with it and new connections go to the others until the
  replacement (on a fresh socket) is ready.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable

from uvicorn.config import STARTUP_FAILURE, Config
from uvicorn.supervisors.multiprocess import Multiprocess, Process

log = logging.getLogger("uvicorn.error")



class PortInUse(OSError):
    pass


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def claim_port(host: str, port: int) -> int:
    """Check that nobody listens on ``host:port`` (a plain bind, no ``SO_REUSEPORT``, so an
    older server that shares its port would not silently split traffic with ours), and
    resolve port 0 to a free port. Returns the port."""
    probe = socket.socket(_family(host), socket.SOCK_STREAM)
    try:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT leftovers are fine
        probe.bind((host, port))
        return probe.getsockname()[1]
    except OSError as error:
        raise PortInUse(error.errno, f"cannot listen on {host}:{port}: {error.strerror}") from error
    finally:
        probe.close()


def reuse_port_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host:port`` with ``SO_REUSEPORT``, not yet listening
    (uvicorn calls ``listen`` in the worker once the application has started)."""
    sock = socket.socket(_family(host), socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


class SocketPerWorker(Multiprocess):
    """uvicorn's supervisor (signals, health pings, restarts), with one listening socket
    per worker instead of one for all. ``new_socket`` makes each worker's socket."""

    def __init__(self, config: Config, new_socket: Callable[[], socket.socket]):
        super().__init__(config, sockets=[])
        self.new_socket = new_socket

    def start_worker(self) -> Process:
        sock = self.new_socket()
        try:
            process = Process(self.config, [sock])
            process.start()
        finally:
            sock.close()  # the worker has its own descriptor; the socket lives as long as it does
        return process

    def init_processes(self) -> None:
        self.processes = [self.start_worker() for _ in range(self.processes_num)]

    def restart_all(self) -> None:
        """SIGHUP: replace each worker, the new one ready before the old one goes."""
        for index, old in enumerate(self.processes):
            if self.should_exit.is_set():
                return
            new = self.start_worker()
            if not new.wait_until_ready(self.config.timeout_worker_healthcheck, self.should_exit):
                new.kill()
                new.join()
                if not self.should_exit.is_set():
                    log.error("New worker [%s] was not ready in time; keeping [%s].", new.pid, old.pid)
                return
            old.terminate()
            old.join()
            self.processes[index] = new

    def keep_subprocess_alive(self) -> None:
        if self.should_exit.is_set():
            return
        for index, process in enumerate(self.processes):
            if process.is_alive(timeout=self.config.timeout_worker_healthcheck):
                continue
            process.kill()
            process.join()
            if process.exitcode == STARTUP_FAILURE:
                log.error("Worker [%s] failed to start; stopping.", process.pid)
                self.should_exit.set()
                return
            if self.should_exit.is_set():
                return
            log.info("Worker [%s] died; starting another.", process.pid)
            self.processes[index] = self.start_worker()

    def handle_ttin(self) -> None:
        log.info("Received SIGTTIN, adding a worker.")
        self.processes_num += 1
        self.processes.append(self.start_worker())


def run_workers(config: Config) -> None:
    """``uvicorn.run(..., workers=N)`` with a socket per worker (see the module docs).
    Call :func:`claim_port` first: it refuses a port in use and resolves port 0."""
    log.info("Eligo workers on http://%s:%d, one SO_REUSEPORT socket each", config.host, config.port)
    SocketPerWorker(config, lambda: reuse_port_socket(config.host, config.port)).run()
