"""``eligo serve --workers N``: every worker takes connections (a socket per worker,
``app.supervisor``), and a port already in use is refused, not shared.

Real processes on 127.0.0.1: which worker owns a connection is read from the kernel
(``/proc/net/tcp`` inodes and each worker's file descriptors), not from the service.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from app.supervisor import PortInUse, claim_port, reuse_port_socket
from bench.http_load import eligo_command, serving_pids, start_server

pytestmark = pytest.mark.skipif(not Path("/proc/net/tcp").is_file(), reason="needs Linux /proc")

LISTEN, ESTABLISHED = "0A", "01"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def tcp_sockets(port: int) -> list[tuple[str, int, int]]:
    """(state, remote port, inode) of every IPv4 socket whose local port is ``port``."""
    found = []
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote, state, inode = fields[1], fields[2], fields[3], int(fields[9])
        if int(local.split(":")[1], 16) == port:
            found.append((state, int(remote.split(":")[1], 16), inode))
    return found


def socket_inodes(pid: int) -> set[int]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = fd.readlink().as_posix()
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(int(target[8:-1]))
    return inodes


def wait_for_listeners(port: int, count: int, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while sum(state == LISTEN for state, _, _ in tcp_sockets(port)) < count:
        if time.monotonic() > deadline:
            raise AssertionError(f"fewer than {count} sockets listen on {port}: {tcp_sockets(port)}")
        time.sleep(0.5)


def test_claim_port_refuses_a_port_someone_listens_on():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(PortInUse):
            claim_port("127.0.0.1", taken.getsockname()[1])


def test_sockets_of_one_group_share_a_port_and_keep_others_out():
    port = claim_port("127.0.0.1", 0)
    first, second = reuse_port_socket("127.0.0.1", port), reuse_port_socket("127.0.0.1", port)
    try:
        first.listen()
        second.listen()
        with pytest.raises(PortInUse):  # a plain server (or a second eligo serve) is told, not let in
            claim_port("127.0.0.1", port)
    finally:
        first.close()
        second.close()


def test_connections_are_spread_over_the_workers(tmp_path):
    port = free_port()
    server = start_server(f"sqlite:///{tmp_path / 'eligo.db'}", port=port, workers=2, log_dir=tmp_path,
                          extra_env={"ELIGO_LOAD_DEMO": "true"}, ready_timeout=240)
    try:
        wait_for_listeners(port, 2)  # each worker listens once its catalog is loaded
        workers = serving_pids(server.process.pid)
        assert len(workers) == 2, workers
        clients = [httpx.Client(base_url=server.url, timeout=60) for _ in range(16)]
        try:
            for client in clients:  # one keep-alive connection each, opened in a burst
                assert client.get("/healthz").status_code == 200
            inodes = {pid: socket_inodes(pid) for pid in workers}
            owners = [pid for state, _, inode in tcp_sockets(port) if state == ESTABLISHED
                      for pid, held in inodes.items() if inode in held]
            assert len(owners) == 16, owners
            # one shared socket put all of them on whichever worker woke first; a socket per
            # worker lets the kernel hash them over both (all 16 on one: 2 in 65,536)
            assert set(owners) == set(workers), owners
        finally:
            for client in clients:
                client.close()
    finally:
        server.stop()


def test_a_second_server_on_the_same_port_is_refused(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run([*eligo_command(), "serve", "--port", str(port), "--workers", "2"],
                              env={**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'eligo.db'}"},
                              capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "cannot listen on 127.0.0.1" in done.stdout + done.stderr
    assert not (tmp_path / "eligo.db").exists()  # refused before migrating anything
