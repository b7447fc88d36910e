"""The scenarios, experiments, sweeps, pattern files and data that ship with threatnet, wherever it is installed.

In the repository they are the top-level folders `scenarios/`, `experiments/`, `sweeps/` and
`patterns/`; a wheel carries the same files as `sim/shipped_data/<kind>/` (see pyproject.toml).
Either way the folders sit side by side, so the relative paths inside the files
(`scenario: ../scenarios/west_africa_2009.yaml`, `extends: west_africa_2009.yaml`) hold.
Data sets (`data/<name>/` in the repository, `sim/shipped_data/data/<name>/` in a wheel) are read
through `data_folder`.

    shipped_folder("scenarios")                    # Path of the folder of shipped scenarios
    default_scenario()                             # .../scenarios/west_africa_2009.yaml
    resolve("west_africa_2009", "scenarios")       # a file path, or the name of a shipped file
    copy_examples(Path("my-examples"))             # editable copies, same layout; never overwrites
    data_folder("ucdp")                            # .../data/ucdp: the UCDP termination data and its README

Imports only the standard library and `sim.scenario.errors` (no numba, mesa or lifelines).
"""

from __future__ import annotations

import importlib.resources
import os
from pathlib import Path

from .scenario.errors import InputError

KINDS = ("scenarios", "experiments", "sweeps", "patterns")
SINGULAR = {"scenarios": "scenario", "experiments": "experiment", "sweeps": "sweep", "patterns": "pattern"}
DATA_SETS = ("ucdp",)  # data/<name>/ in the repository; pyproject.toml ships each as sim.shipped_data.data.<name>
DEFAULT_SCENARIO = "west_africa_2009.yaml"
PATTERN = "*.yaml"  # what pyproject.toml's package-data ships from each folder

README = """\
Examples copied from threatnet {version}: editable copies of the shipped files.

  scenarios/    model inputs: threatnet run scenarios/west_africa_2009.yaml
  experiments/  arms compared over many replicates: threatnet experiment experiments/criminal_funding.yaml
  sweeps/       parameter sweeps: threatnet sweep sweeps/un_police_grid.yaml
  patterns/     targets from real data: threatnet patterns scenarios/civil_war_reference.yaml patterns/ucdp_civil_wars.yaml

Experiments and sweeps name their scenario by a path relative to their own file
(`scenario: ../scenarios/west_africa_2009.yaml`), and scenarios name the one they
extend the same way, so keep the folders side by side, or edit those lines.
"""


def _check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    return kind


def _package_root() -> Path:
    return Path(str(importlib.resources.files("sim")))


def _is_source_checkout(root: Path) -> bool:
    """Is `root` threatnet's own repository (an editable install or PYTHONPATH=the checkout)?"""
    try:
        text = (root / "pyproject.toml").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    return 'name = "threatnet"' in text


def shipped_folder(kind: str) -> Path:
    """The folder of shipped files of `kind` ("scenarios", "experiments", "sweeps" or "patterns").

    An installed wheel has them inside the package (sim/shipped_data/<kind>). An editable
    install (setuptools' finder cannot map a folder to a namespace package nested in `sim`)
    or a plain checkout has `sim/` next to the repository's own top-level folders.
    """
    _check_kind(kind)
    package = _package_root()
    installed = package / "shipped_data" / kind
    if installed.is_dir():
        return installed
    checkout = package.parent
    if (checkout / kind).is_dir() and _is_source_checkout(checkout):
        return checkout / kind
    raise InputError(str(installed), "", f"the folder of shipped {kind}; this installation of threatnet lacks it "
                                         f"(reinstall the package)")


def data_folder(name: str) -> Path:
    """The folder of the shipped data set `name` (see DATA_SETS): inside the package when installed from
    a wheel, `data/<name>/` in a checkout."""
    if name not in DATA_SETS:
        raise ValueError(f"data set must be one of {', '.join(DATA_SETS)}, not {name!r}")
    package = _package_root()
    installed = package / "shipped_data" / "data" / name
    if installed.is_dir():
        return installed
    checkout = package.parent
    if (checkout / "data" / name).is_dir() and _is_source_checkout(checkout):
        return checkout / "data" / name
    raise InputError(str(installed), "", f"the shipped data set {name}; this installation of threatnet lacks it "
                                         f"(reinstall the package)")


def shipped_files(kind: str) -> list[Path]:
    """The shipped files of `kind`, sorted by name."""
    return sorted(path for path in shipped_folder(kind).glob(PATTERN) if path.is_file())


def shipped_names(kind: str) -> list[str]:
    """The names `resolve` accepts for `kind` (file names without .yaml), sorted."""
    return [path.stem for path in shipped_files(kind)]


def default_scenario() -> Path:
    """The shipped default scenario, west_africa_2009.yaml. Never raises (it is a default
    argument, computed at import): in an installation that lacks the shipped files it is the
    path where the file should be, and loading it says that file is missing."""
    try:
        return shipped_folder("scenarios") / DEFAULT_SCENARIO
    except InputError:
        return _package_root() / "shipped_data" / "scenarios" / DEFAULT_SCENARIO


def resolve(path_or_name: str | Path, kind: str) -> Path:
    """An existing path as given (the loader says what is wrong with a folder or device); else the
    shipped file of `kind` with that bare name (`west_africa_2009` or `west_africa_2009.yaml`); else
    InputError."""
    _check_kind(kind)
    path = Path(path_or_name)
    if path.exists():
        return path
    text = str(path_or_name)
    if text and len(path.parts) == 1 and path.name == text and text not in (".", ".."):
        name = text[:-len(".yaml")] if text.endswith(".yaml") else text
        if name:
            candidate = shipped_folder(kind) / f"{name}.yaml"
            if candidate.is_file():
                return candidate
    names = ", ".join(shipped_names(kind))
    raise InputError(text, "", f"an existing {SINGULAR[kind]} file or the name of a shipped one ({names}); "
                               f"there is no such file")


def example_files() -> list[tuple[Path, Path]]:
    """(shipped file, path relative to an examples folder) for everything `copy_examples` copies."""
    return [(source, Path(kind) / source.name) for kind in KINDS for source in shipped_files(kind)]


def copy_examples(dest: str | Path) -> list[Path]:
    """Copy the shipped scenarios, experiments, sweeps and patterns into `dest` (created if missing), as
    scenarios/, experiments/, sweeps/ and patterns/ side by side, so the copies run as they are, plus a
    README.md. Returns the files written, in order.

    Never overwrites: if any of those files already exists, raises InputError naming it and
    copies nothing. An OSError becomes InputError naming the path and the system's reason;
    files this call had already written are then removed again (nothing else is touched).
    """
    from . import __version__

    dest = Path(dest)
    plan: list[tuple[Path | None, Path]] = [(source, dest / relative) for source, relative in example_files()]
    plan.append((None, dest / "README.md"))

    if dest.exists() and not dest.is_dir():
        raise InputError(str(dest), "", "a folder to copy the examples into; this is a file")
    existing = [target for _, target in plan if os.path.lexists(target)]
    if existing:
        more = f" (and {len(existing) - 1} more)" if len(existing) > 1 else ""
        raise InputError(str(existing[0]), "", f"a path that does not exist yet; this file is already there{more}, "
                                               f"and examples never overwrite anything, so nothing was copied")

    written: list[Path] = []
    current = dest
    try:
        for source, target in plan:
            current = target.parent
            target.parent.mkdir(parents=True, exist_ok=True)
            current = source if source is not None else target
            data = source.read_bytes() if source is not None else README.format(version=__version__).encode()
            current = target
            with open(target, "xb") as handle:  # "x": fails rather than overwrite, even in a race
                written.append(target)
                handle.write(data)
    except OSError as error:
        for path in reversed(written):
            try:
                path.unlink()
            except OSError:
                pass
        where = error.filename if error.filename else current
        raise InputError(str(where), "", f"a place the examples can be copied to; {error.strerror or error}") \
            from error
    return written
