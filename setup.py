"""Build hook: with ELIGO_NATIVE=1 the matcher's hot modules are compiled with mypyc
(matching/native.py says which and why); otherwise a pure-Python build. Everything else
about the package is in pyproject.toml."""

import os
import runpy
import sys
from pathlib import Path

from setuptools import setup

ROOT = Path(__file__).resolve().parent


def wants_native() -> bool:
    return os.environ.get("ELIGO_NATIVE", "").strip().lower() in ("1", "true", "yes")


def native_extensions() -> list:
    if not wants_native():
        return []
    if "editable_wheel" in sys.argv or "develop" in sys.argv:
        # compiled modules would sit beside the sources and shadow every later edit
        raise SystemExit("ELIGO_NATIVE=1 builds a wheel: use `pip install .` or `pip wheel .`, not `pip install -e .`")
    from mypyc.build import mypycify  # a build-system requirement (pyproject.toml)

    native = runpy.run_path(str(ROOT / "matching" / "native.py"))
    os.chdir(ROOT)  # mypyc names modules by their paths relative to the working directory
    relative = [str(Path(p).relative_to(ROOT)) for p in native["source_paths"](ROOT)]
    return mypycify([*native["MYPY_OPTIONS"], *relative], opt_level="3")


setup(ext_modules=native_extensions())
