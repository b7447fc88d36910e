"""Output folders: written whole or not at all, each with its manifest."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import platform
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import mesa
import numba
import numpy
import pandas

from . import __version__
from .scenario import Scenario, scenario_hash


def manifest(scenario: Scenario, seed: int, **extra) -> dict:
    """Provenance of a result: scenario hash, versions, seed and the command that made it."""
    return {
        "threatnet_version": __version__,
        "scenario": scenario.name,
        "scenario_hash": scenario_hash(scenario),
        "seed": int(seed),
        "command": " ".join(["threatnet", *sys.argv[1:]]) if Path(sys.argv[0]).name == "threatnet" else " ".join(sys.argv),
        "created_utc": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": {"mesa": mesa.__version__, "numba": numba.__version__, "numpy": numpy.__version__,
                     "pandas": pandas.__version__},
        **extra,
    }


def write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=2, default=str) + "\n")


@contextlib.contextmanager
def atomic_write(target: Path) -> Iterator[Path]:
    """Yield `target.partial` to write; on success it is renamed over `target` in one step."""
    partial = target.with_name(f".{target.name}.partial")  # hidden: readers of the folder skip it
    try:
        yield partial
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_folder(target: Path) -> Iterator[Path]:
    """Yield a temporary folder beside `target`; on success it replaces `target` whole.

    On any error (or Ctrl-C) the temporary folder is removed and `target` is untouched.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    umask = os.umask(0)
    os.umask(umask)
    staging.chmod(0o777 & ~umask)  # mkdtemp makes it private; the results folder should not be
    try:
        yield staging
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
