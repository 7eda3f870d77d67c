"""The production build (``ELIGO_NATIVE=1``: the matcher's hot modules compiled with
mypyc, :mod:`matching.native`) answers every request exactly as pure Python does.

The wheel is built the way a deployment builds it (``pip wheel`` in pip's isolated build
environment, from a copy of the sources), installed into a directory of its own, and
``bench.match_cpu``'s 37 requests (profiles, notes, answers, a second page) are matched
against a 1,500-trial scale corpus from ``../shared`` by both builds in separate
processes. Every response's JSON must be equal, byte for byte.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app import rules
from matching import native

REPO_ROOT = Path(__file__).resolve().parents[1]
SIZE = 1500
_NOT_SOURCES = shutil.ignore_patterns(".git", ".cache", "node_modules", "__pycache__", "build", "dist", "*.egg-info",
                                      "var", "*.so", ".pytest_cache")


def _run(command: list[str], *, cwd: Path, env: dict[str, str] | None = None, timeout: float = 900) -> str:
    done = subprocess.run(command, cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True, text=True,
                          timeout=timeout)
    assert done.returncode == 0, f"{' '.join(map(str, command))} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


@pytest.fixture(scope="module")
def native_site(tmp_path_factory) -> Path:
    """The ELIGO_NATIVE=1 wheel, installed (without dependencies) into a directory."""
    if shutil.which("cc") is None and shutil.which("gcc") is None:
        pytest.skip("no C compiler: the native build needs one")
    work = tmp_path_factory.mktemp("native")
    source = work / "src"
    shutil.copytree(REPO_ROOT, source, ignore=_NOT_SOURCES)
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(work / "wheel"), str(source)],
         cwd=work, env={"ELIGO_NATIVE": "1"})
    wheel = next((work / "wheel").glob("eligo-*.whl"))
    site = work / "site"
    _run([sys.executable, "-m", "pip", "install", "--no-deps", "--quiet", "--target", str(site), str(wheel)], cwd=work)
    return site


@pytest.mark.corpus
@pytest.mark.skipif(not rules.compiler_available(), reason="criteria compiler not installed")
def test_native_build_matches_exactly_as_pure_python(native_site, shared_file, tmp_path):
    shared_file("data/ctgov/msc-trials.jsonl")
    bench_dir = tmp_path / "bench"
    bench = [sys.executable, "-m", "bench.match_cpu", "--size", str(SIZE), "--rounds", "1", "--skip-phases",
             "--work-dir", str(bench_dir), "--workers", "1"]
    # pure Python: this checkout (writes the corpus from ../shared into the work dir)
    pure = _run([*bench, "--dump", str(tmp_path / "pure.jsonl")], cwd=REPO_ROOT, env={"PYTHONPATH": str(REPO_ROOT)})
    # native: the wheel alone on the path (its bench reads the corpus the first run wrote)
    check = ("import matching.native as n; compiled = n.compiled(); "
             "assert compiled == n.MODULES, f'not compiled: {sorted(set(n.MODULES) - set(compiled))}'")
    _run([sys.executable, "-c", check], cwd=native_site, env={"PYTHONPATH": str(native_site)})
    compiled = _run([*bench, "--dump", str(tmp_path / "native.jsonl")], cwd=native_site,
                    env={"PYTHONPATH": str(native_site)})

    pure_lines = (tmp_path / "pure.jsonl").read_text().splitlines()
    native_lines = (tmp_path / "native.jsonl").read_text().splitlines()
    assert len(pure_lines) == len(native_lines) == 37
    for number, (a, b) in enumerate(zip(pure_lines, native_lines)):
        assert a == b, f"response {number} differs between the pure and the native build"
    digest = [line.split("digest=")[1].split()[0] for line in (pure, compiled)]
    assert digest[0] == digest[1]


def test_pure_checkout_runs_pure_python():
    """A development checkout never runs compiled modules (an edit must take effect)."""
    assert Path(native.__file__).resolve().parent == REPO_ROOT / "matching"
    assert native.compiled() == ()


def test_editable_native_build_is_refused(tmp_path):
    """``ELIGO_NATIVE=1 pip install -e .`` would leave compiled modules that shadow later
    edits: setup.py refuses it with a message that says what to do instead."""
    done = subprocess.run([sys.executable, str(REPO_ROOT / "setup.py"), "develop"], cwd=tmp_path,
                          env={**os.environ, "ELIGO_NATIVE": "1"}, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "pip install ." in done.stderr + done.stdout
