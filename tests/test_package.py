"""A package that works anywhere: the wheel carries the shipped files, and installed read-only
(site-packages and HOME) it imports, resolves, copies and runs from any working folder.

The wheel checks build a wheel of this checkout, `pip install --target` it outside the repo and
run the venv's Python on it with `-S` (no site processing, so the editable install's finder is
not loaded) and PYTHONPATH=<that folder>:<the venv's site-packages>, from a folder outside the
repo. Running as root, permission bits do not stop writes, so each of those processes runs in a
private mount namespace (`unshare --mount`) where the installed package and HOME are read-only
bind mounts; without that, HOME is a path under a file (ENOTDIR, which stops root too).

Select these with `pytest -m package` (or `pytest tests/test_package.py`).
"""

from __future__ import annotations

import ast
import contextlib
import json
import os
import shlex
import shutil
import stat
import subprocess
import sys
import tomllib
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

import sim
from sim import shipped
from sim.analysis.experiment import load_experiment
from sim.scenario import InputError
from sim.sweep.spec import load_sweep

with warnings.catch_warnings():  # the marker is not registered in pyproject.toml's pytest section
    warnings.simplefilter("ignore", pytest.PytestUnknownMarkWarning)
    pytestmark = pytest.mark.package

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("scenarios", "experiments", "sweeps", "patterns")
DATA_SETS = {"ucdp": ["README.md", "ucdp-term-acd-3-2021.csv"]}
UID = os.getuid() if hasattr(os, "getuid") else None


def repo_files(kind: str) -> list[str]:
    return sorted(p.name for p in (ROOT / kind).glob("*.yaml"))


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


# ---------------------------------------------------------------------------------------------
# sim.shipped, in this process (an editable install or the checkout)


def test_shipped_folders_hold_the_repository_files():
    for kind in KINDS:
        folder = shipped.shipped_folder(kind)
        assert folder.is_dir()
        assert [p.name for p in shipped.shipped_files(kind)] == repo_files(kind)
        assert shipped.shipped_names(kind) == [name.removesuffix(".yaml") for name in repo_files(kind)]
    # side by side, so `scenario: ../scenarios/...` holds
    assert shipped.shipped_folder("experiments").parent == shipped.shipped_folder("scenarios").parent
    assert shipped.default_scenario() == shipped.shipped_folder("scenarios") / "west_africa_2009.yaml"
    assert shipped.default_scenario().is_file()


def test_model_default_is_the_shipped_scenario():
    import inspect

    from sim.drivers.mesa import ThreatNetworkModel

    default = inspect.signature(ThreatNetworkModel.__init__).parameters["scenario"].default
    assert Path(default) == shipped.default_scenario()
    assert Path(default).is_absolute()


def test_resolve_returns_an_existing_path_as_given(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("west_africa_2009").write_text("mine")  # a file of that name wins over the shipped one
    assert shipped.resolve("west_africa_2009", "scenarios") == Path("west_africa_2009")
    given = tmp_path / "elsewhere.yaml"
    given.write_text("x")
    assert shipped.resolve(given, "experiments") == given
    assert shipped.resolve(str(given), "sweeps") == given


@pytest.mark.parametrize("name, kind, expected", [
    ("west_africa_2009", "scenarios", "west_africa_2009.yaml"),
    ("west_africa_2009.yaml", "scenarios", "west_africa_2009.yaml"),
    (Path("guinea_bissau"), "scenarios", "guinea_bissau.yaml"),
    ("criminal_funding", "experiments", "criminal_funding.yaml"),
    ("un_police_grid.yaml", "sweeps", "un_police_grid.yaml"),
])
def test_resolve_finds_shipped_names(tmp_path, monkeypatch, name, kind, expected):
    monkeypatch.chdir(tmp_path)
    found = shipped.resolve(name, kind)
    assert found == shipped.shipped_folder(kind) / expected
    assert found.is_file()


@pytest.mark.parametrize("name, kind", [
    ("nope", "scenarios"),
    ("criminal_funding", "scenarios"),        # an experiment, not a scenario
    ("west_africa_2009", "experiments"),
    ("scenarios/west_africa_2009.yaml", "scenarios"),  # a path (not there from here), not a bare name
    ("west_africa_2009.yml", "scenarios"),
    (".yaml", "scenarios"),
])
def test_resolve_refuses_the_rest(tmp_path, monkeypatch, name, kind):
    """Anything neither an existing path nor a shipped name. (An existing folder is passed through:
    the loader then says 'this is a folder', which tests/test_bad_input.py checks.)"""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    with pytest.raises(InputError) as raised:
        shipped.resolve(name, kind)
    singular = kind[:-1]
    names = ", ".join(n.removesuffix(".yaml") for n in repo_files(kind))
    assert raised.value.file == name
    assert raised.value.key == ""
    assert str(raised.value) == (f"{name}: an existing {singular} file or the name of a shipped one ({names}); "
                                 f"there is no such file")


def test_resolve_and_folders_check_the_kind():
    with pytest.raises(ValueError):
        shipped.resolve("west_africa_2009", "scenario")
    with pytest.raises(ValueError):
        shipped.shipped_folder("results")


def test_copy_examples_keeps_the_layout_and_the_copies_run(tmp_path):
    dest = tmp_path / "new" / "examples"  # parents created too
    written = shipped.copy_examples(dest)
    expected = [dest / kind / name for kind in KINDS for name in repo_files(kind)] + [dest / "README.md"]
    assert written == expected
    assert sorted(str(p.relative_to(dest)) for p in dest.rglob("*") if p.is_file()) == \
        sorted(str(p.relative_to(dest)) for p in expected)
    for kind in KINDS:
        for name in repo_files(kind):
            assert (dest / kind / name).read_bytes() == (ROOT / kind / name).read_bytes()
            assert os.access(dest / kind / name, os.W_OK)
    assert "threatnet" in (dest / "README.md").read_text()
    for path in (dest / "experiments").glob("*.yaml"):  # relative scenario paths hold in the copy
        experiment = load_experiment(path)
        assert experiment.file == path
    for path in (dest / "sweeps").glob("*.yaml"):
        load_sweep(path)


def test_copy_examples_never_overwrites(tmp_path):
    dest = tmp_path / "examples"
    shipped.copy_examples(dest)
    (dest / "scenarios" / "guinea_bissau.yaml").write_text("# edited by the user\n")
    before = snapshot(dest)
    with pytest.raises(InputError) as raised:
        shipped.copy_examples(dest)
    first = sorted((dest / "scenarios").glob("*.yaml"))[0]  # the first file already there is named
    assert raised.value.file == str(first)
    assert "nothing was copied" in str(raised.value)
    assert snapshot(dest) == before


def test_copy_examples_checks_everything_before_copying(tmp_path):
    dest = tmp_path / "examples"
    (dest / "sweeps").mkdir(parents=True)
    (dest / "sweeps" / "un_police_grid.yaml").write_text("mine\n")  # the one conflict comes last
    (dest / "notes.txt").write_text("mine too\n")
    before = snapshot(dest)
    with pytest.raises(InputError) as raised:
        shipped.copy_examples(dest)
    assert raised.value.file == str(dest / "sweeps" / "un_police_grid.yaml")
    assert snapshot(dest) == before
    assert not (dest / "scenarios").exists()
    (dest / "README.md").symlink_to(tmp_path / "nowhere")  # a dangling link is there too
    with pytest.raises(InputError, match="and 1 more"):
        shipped.copy_examples(dest)


def test_copy_examples_reports_os_errors_as_input_errors(tmp_path):
    afile = tmp_path / "a-file"
    afile.write_text("")
    with pytest.raises(InputError, match="this is a file"):
        shipped.copy_examples(afile)
    with pytest.raises(InputError) as raised:
        shipped.copy_examples(afile / "examples")
    assert raised.value.file.startswith(str(afile))
    assert raised.value.expected.endswith(os.strerror(20))  # ENOTDIR: "Not a directory"
    assert afile.read_text() == ""


# ---------------------------------------------------------------------------------------------
# numba's cache folder (sim/__init__.py), in this process


@pytest.fixture
def temp_root(tmp_path, monkeypatch):
    """tempfile.gettempdir() -> a fresh folder; HOME and XDG_CACHE_HOME point under a file."""
    import tempfile

    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("HOME", str(blocker / "home"))
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    return tmp, blocker


def test_writable_really_writes(tmp_path):
    folder = tmp_path / "a" / "b"
    assert sim.numba_cache._writable(folder)
    assert folder.is_dir() and list(folder.iterdir()) == []  # the probe is gone
    (tmp_path / "f").write_text("")
    assert not sim.numba_cache._writable(tmp_path / "f" / "x")
    assert not sim.numba_cache._writable(Path("bad\0name"))


def test_cache_respects_a_writable_user_folder(tmp_path, temp_root):
    given = str(tmp_path / "mine")
    assert sim.numba_cache._choose_numba_cache({"NUMBA_CACHE_DIR": given}) == (given, [], "user")


def test_cache_prefers_xdg_then_home(tmp_path, temp_root, monkeypatch):
    tmp, blocker = temp_root
    digest = sim.numba_cache._source_digest()
    xdg = tmp_path / "xdg"
    folder, tried, how = sim.numba_cache._choose_numba_cache({"XDG_CACHE_HOME": str(xdg)})
    assert (folder, tried, how) == (str(xdg / "threatnet" / f"numba-{digest}"), [], "lasting")
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    folder, _, how = sim.numba_cache._choose_numba_cache({"XDG_CACHE_HOME": "relative/xdg"})  # ignored, as XDG says
    assert (folder, how) == (str(home / ".cache" / "threatnet" / f"numba-{digest}"), "lasting")


def test_cache_does_not_create_a_missing_home(tmp_path, temp_root, monkeypatch):
    tmp, _ = temp_root
    monkeypatch.setenv("HOME", str(tmp_path / "no-such-home"))
    folder, tried, how = sim.numba_cache._choose_numba_cache({})
    assert how == "lasting" and Path(folder).parent == tmp / f"threatnet-{UID}"
    assert tried == [str(tmp_path / "no-such-home" / ".cache" / "threatnet" / f"numba-{sim.numba_cache._source_digest()}")]
    assert not (tmp_path / "no-such-home").exists()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", "")  # Path.home() is then the working folder
    folder, tried, how = sim.numba_cache._choose_numba_cache({})
    assert how == "lasting" and Path(folder).parent == tmp / f"threatnet-{UID}" and tried == []
    assert not (tmp_path / ".cache").exists()


def test_cache_falls_back_to_a_private_temp_folder(temp_root):
    tmp, blocker = temp_root
    digest = sim.numba_cache._source_digest()
    environ = {"NUMBA_CACHE_DIR": str(blocker / "given"), "XDG_CACHE_HOME": str(blocker / "xdg")}
    folder, tried, how = sim.numba_cache._choose_numba_cache(environ)
    base = tmp / f"threatnet-{UID}"
    assert (folder, how) == (str(base / f"numba-{digest}"), "lasting")
    assert tried == [str(blocker / "given"), str(blocker / "xdg" / "threatnet" / f"numba-{digest}")]
    if UID is not None:
        assert stat.S_IMODE(base.stat().st_mode) == 0o700


@pytest.mark.skipif(UID is None, reason="ownership checks are POSIX only")
@pytest.mark.parametrize("how_shared", ["group-writable", "a symlink"])
def test_cache_does_not_trust_a_shared_temp_folder(temp_root, how_shared):
    tmp, _ = temp_root
    base = tmp / f"threatnet-{UID}"
    if how_shared == "group-writable":
        base.mkdir()
        base.chmod(0o777)
    else:
        (tmp / "elsewhere").mkdir()
        base.symlink_to(tmp / "elsewhere")
    folder, tried, how = sim.numba_cache._choose_numba_cache({})
    assert how == "this run"
    assert Path(folder).parent == tmp and Path(folder).name.startswith("threatnet-numba-")
    assert str(base / f"numba-{sim.numba_cache._source_digest()}") in tried
    assert not (tmp / "elsewhere" / f"numba-{sim.numba_cache._source_digest()}").exists()


def test_cache_with_nothing_writable(temp_root, monkeypatch):
    import tempfile

    _, blocker = temp_root
    monkeypatch.setattr(tempfile, "tempdir", str(blocker / "tmp"))
    folder, tried, how = sim.numba_cache._choose_numba_cache({})
    assert (folder, how) == (None, "none")
    assert len(tried) == 3


def test_cache_without_any_temporary_folder(temp_root, monkeypatch):
    import tempfile

    def no_temporary_folder():
        raise FileNotFoundError(2, "No usable temporary directory found")

    monkeypatch.setattr(tempfile, "gettempdir", no_temporary_folder)
    folder, tried, how = sim.numba_cache._choose_numba_cache({})
    assert (folder, how) == (None, "none")
    assert tried[-1] == "a temporary folder (none usable)"


def test_cache_notes_an_unwritable_user_folder_once(temp_root, capsys):
    _, blocker = temp_root
    environ = {"NUMBA_CACHE_DIR": str(blocker / "given")}
    folder = sim.numba_cache._configure_numba_cache(environ)
    assert environ["NUMBA_CACHE_DIR"] == folder and folder != str(blocker / "given")
    err = capsys.readouterr().err
    assert err == f"note: NUMBA_CACHE_DIR={blocker / 'given'} is not writable; compiled code is cached in {folder}\n"
    quiet = {"NUMBA_CACHE_DIR": str(blocker / "given"), "XDG_CACHE_HOME": str(blocker / "x")}
    quiet[sim.numba_cache._CACHE_NOTED] = "1"  # as a child process inherits it
    sim.numba_cache._configure_numba_cache(quiet)
    assert capsys.readouterr().err == ""
    silent = {}
    sim.numba_cache._configure_numba_cache(silent)  # HOME unwritable, temp folder fine: no news
    assert capsys.readouterr().err == "" and silent["NUMBA_CACHE_DIR"]


# ---------------------------------------------------------------------------------------------
# pyproject.toml and the wheel


def test_pyproject_lists_every_package_folder():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    on_disk = {".".join(p.relative_to(ROOT).parts) for p in [ROOT / "sim", *(ROOT / "sim").rglob("*")]
               if p.is_dir() and p.name != "__pycache__" and not p.name.startswith(".")
               and any(c.is_file() for c in p.iterdir())}
    assert on_disk <= listed, f"add these to [tool.setuptools] packages: {sorted(on_disk - listed)}"
    for kind in KINDS:
        assert config["package-dir"][f"sim.shipped_data.{kind}"] == kind
        assert f"sim.shipped_data.{kind}" in listed
    for name in DATA_SETS:
        assert config["package-dir"][f"sim.shipped_data.data.{name}"] == f"data/{name}"
        assert f"sim.shipped_data.data.{name}" in listed


@dataclass
class Installed:
    wheel: Path
    site: Path       # pip install --target: the installed package, read-only where it runs
    tmp: Path        # TMPDIR of the installed runs (numba's cache falls back there)
    work: Path       # the working folder of the installed runs, outside the repo
    home: Path       # an empty folder, read-only where it runs
    blocked: Path    # a path under a file: HOME there fails with ENOTDIR, even for root
    mounts: bool     # whether site and home are read-only bind mounts in the runs


def can_mount() -> bool:
    if UID != 0 or not shutil.which("unshare"):
        return False
    try:
        probe = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c",
                                "mount --bind / /mnt 2>/dev/null || mount -t tmpfs none /mnt"],
                               capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


def pip(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PIP_NO_INPUT": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    return subprocess.run([sys.executable, "-m", "pip", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=300)


def build_and_install(base: Path) -> tuple[Path, Path]:
    """A wheel of a copy of this checkout (so no build/ or egg-info lands in it), pip-installed
    with --target into base/site."""
    src = base / "src"
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(
        ".git", ".venv", "venv", "results", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache",
        ".numba_cache", "node_modules"))
    wheels = base / "wheels"
    # Without build isolation when the venv's setuptools can build this pyproject.toml (offline);
    # else pip's isolated build, which fetches setuptools from the configured index.
    built = pip("wheel", "--no-deps", "--no-build-isolation", "-w", str(wheels), str(src), cwd=base)
    if built.returncode != 0:
        built = pip("wheel", "--no-deps", "-w", str(wheels), str(src), cwd=base)
        if built.returncode != 0:
            output = built.stdout + built.stderr
            if any(s in output for s in ("No matching distribution", "Could not find a version",
                                         "NewConnectionError", "Network is unreachable")):
                pytest.skip(f"cannot build a wheel: no setuptools new enough in the venv or the index\n{output}")
            pytest.fail(f"building the wheel failed:\n{output}")
    (wheel,) = wheels.glob("threatnet-*.whl")
    site = base / "site"
    installed = pip("install", "--no-deps", "--no-index", "--target", str(site), str(wheel), cwd=base)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return wheel, site


@contextlib.contextmanager
def locked(path: Path):
    """An exclusive lock between pytest-xdist workers (POSIX; no lock elsewhere)."""
    with open(path, "w") as handle:
        try:
            import fcntl
        except ImportError:
            yield
            return
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Installed:
    """Built and installed once per test session, shared by pytest-xdist workers (under a lock)."""
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent
    base = shared / "threatnet-wheel"
    base.mkdir(exist_ok=True)
    with locked(base / ".lock"):
        done = base / "done.json"
        if not done.exists():
            for name in ("src", "wheels", "site"):
                shutil.rmtree(base / name, ignore_errors=True)
            wheel, site = build_and_install(base)
            for name in ("tmp", "home"):
                (base / name).mkdir(exist_ok=True)
            (base / "a-file").write_text("")
            mounts = can_mount()
            if not mounts and UID != 0:  # permission bits do stop other users
                for path in (site, base / "home"):
                    for folder, _, files in os.walk(path):
                        for name in files:
                            os.chmod(os.path.join(folder, name), 0o444)
                        os.chmod(folder, 0o555)
            done.write_text(json.dumps({"wheel": str(wheel), "mounts": mounts}))
        info = json.loads(done.read_text())
    work = tmp_path_factory.mktemp("outside")
    return Installed(wheel=Path(info["wheel"]), site=base / "site", tmp=base / "tmp", work=work,
                     home=base / "home", blocked=base / "a-file" / "home", mounts=info["mounts"])


def venv_site_packages() -> list[str]:
    """This Python's site-packages folders, without running their .pth files (so no editable finder)."""
    return [p for p in sys.path if p and os.path.isdir(p) and Path(p).name in ("site-packages", "dist-packages")]


def run_installed(inst: Installed, args: list[str], *, home: str = "readonly", cwd: Path | None = None,
                  env: dict | None = None, timeout: float = 900) -> subprocess.CompletedProcess:
    """Run `python -S <args>` on the installed wheel, outside the repo, read-only where we can."""
    home_path = inst.home if home == "readonly" and inst.mounts else inst.blocked
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": os.environ.get("LANG", "C.UTF-8"),
        "HOME": str(home_path),
        "TMPDIR": str(inst.tmp),
        "PYTHONPATH": os.pathsep.join([str(inst.site), *venv_site_packages()]),
        "COLUMNS": "100",
        **(env or {}),
    }
    command = [sys.executable, "-S", *args]
    if inst.mounts:
        ro = " && ".join(f"mount --bind {shlex.quote(str(p))} {shlex.quote(str(p))} && "
                         f"mount -o remount,ro,bind {shlex.quote(str(p))}" for p in (inst.site, inst.home))
        command = ["unshare", "--mount", "--propagation", "private", "sh", "-c", f'{ro} && exec "$@"', "sh",
                   *command]
    return subprocess.run(command, cwd=cwd or inst.work, env=environment, capture_output=True, text=True,
                          timeout=timeout)


def test_wheel_carries_the_shipped_files_and_nothing_else(installed):
    names = zipfile.ZipFile(installed.wheel).namelist()
    assert {name.split("/")[0] for name in names} == {"sim", "threatnet-0.1.0.dist-info"}
    for kind in KINDS:
        inside = sorted(n.rsplit("/", 1)[1] for n in names if n.startswith(f"sim/shipped_data/{kind}/"))
        assert inside == repo_files(kind)
        for name in inside:
            assert zipfile.ZipFile(installed.wheel).read(f"sim/shipped_data/{kind}/{name}") == \
                (ROOT / kind / name).read_bytes()
    for name, files in DATA_SETS.items():
        inside = sorted(n.rsplit("/", 1)[1] for n in names if n.startswith(f"sim/shipped_data/data/{name}/"))
        assert inside == files
        for file in files:
            assert zipfile.ZipFile(installed.wheel).read(f"sim/shipped_data/data/{name}/{file}") == \
                (ROOT / "data" / name / file).read_bytes()
    assert not [n for n in names if "bad_inputs" in n or n.startswith("tests/")]
    assert "sim/shipped.py" in names and "sim/views/assets/world_110m.json" in names


CHECKS = r"""
import errno, inspect, json, os, sys
from pathlib import Path

def writable(folder):
    try:
        (Path(folder) / "probe").write_text("x")
    except OSError as error:
        return errno.errorcode[error.errno]
    os.unlink(Path(folder) / "probe")
    return "writable"

def snapshot(folder):
    return {str(p): (p.read_bytes().hex(), p.stat().st_mtime_ns) for p in sorted(Path(folder).rglob("*"))
            if p.is_file()}

import sim
from sim import shipped
from sim.analysis.experiment import load_experiment
from sim.drivers.mesa import ThreatNetworkModel
from sim.sweep.spec import load_sweep

out = {"sim": sim.__file__, "cache": os.environ.get("NUMBA_CACHE_DIR"),
       "site": writable(Path(sim.__file__).parent), "home": writable(os.environ["HOME"]),
       "folders": {kind: str(shipped.shipped_folder(kind)) for kind in shipped.KINDS},
       "resolved": str(shipped.resolve("west_africa_2009", "scenarios")),
       "default": str(inspect.signature(ThreatNetworkModel.__init__).parameters["scenario"].default)}
out["experiments"] = [str(load_experiment(p).file) for p in shipped.shipped_files("experiments")]
out["sweeps"] = [str(load_sweep(p).spec.name) for p in shipped.shipped_files("sweeps")]

dest = Path("examples")
out["copied"] = [str(p) for p in shipped.copy_examples(dest)]
out["copied_experiments"] = [str(load_experiment(p).file) for p in sorted((dest / "experiments").glob("*.yaml"))]
before = snapshot(dest)
try:
    shipped.copy_examples(dest)
    out["second_copy"] = "copied again"
except sim.InputError as error:
    out["second_copy"] = str(error)
out["unchanged"] = snapshot(dest) == before

scenario = sim.load_scenario(shipped.resolve("west_africa_2009", "scenarios"), {"horizon_weeks": 52})
series = sim.run_model(scenario, seed=1, driver="kernel")
out["weeks"] = len(series)
print(json.dumps(out))
"""


def test_installed_wheel_works_read_only_outside_the_repo(installed):
    with locked(installed.tmp.parent / ".compiling"):  # numba compiles the kernel once for both runs
        done = run_installed(installed, ["-c", CHECKS])
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.splitlines()[-1])
    site = str(installed.site)
    assert out["sim"].startswith(site + os.sep)  # the wheel's copy, not the editable install
    if installed.mounts:
        assert out["site"] == "EROFS" and out["home"] == "EROFS"
    else:
        assert out["home"] == "ENOTDIR"
    assert done.stderr == ""  # falling back from a read-only HOME to TMPDIR is no news
    assert out["cache"] == str(installed.tmp / f"threatnet-{UID}" / f"numba-{sim.numba_cache._source_digest()}")
    for kind in KINDS:
        assert out["folders"][kind] == str(installed.site / "sim" / "shipped_data" / kind)
    assert out["resolved"] == str(installed.site / "sim" / "shipped_data" / "scenarios" / "west_africa_2009.yaml")
    assert out["default"] == out["resolved"]
    assert len(out["experiments"]) == len(repo_files("experiments"))
    assert len(out["sweeps"]) == len(repo_files("sweeps"))
    assert len(out["copied"]) == sum(len(repo_files(kind)) for kind in KINDS) + 1
    assert len(out["copied_experiments"]) == len(repo_files("experiments"))
    assert out["second_copy"].startswith("examples/scenarios/")
    assert "nothing was copied" in out["second_copy"]
    assert out["unchanged"] is True
    assert out["weeks"] == 52


UNCACHED = r"""
import subprocess, sys, tempfile
tempfile.tempdir = sys.argv[1]  # as if no temporary folder were writable either
import sim
from sim.model.rng import uniform
print(uniform(1, 2, 3, 4), type(uniform._cache).__name__)
help = ("import runpy, sys, tempfile; tempfile.tempdir = sys.argv.pop(1); sys.argv[0] = 'threatnet'; "
        "runpy.run_module('sim.cli', run_name='__main__')")
child = subprocess.run([sys.executable, "-S", "-c", help, sys.argv[1], "--help"], capture_output=True, text=True)
print(repr((child.returncode, child.stdout[:200], child.stderr)))
"""


def test_installed_wheel_runs_uncached_when_nothing_is_writable(installed):
    """...and `threatnet --help` works there too, in a child process, which has no more to note."""
    from sim.model.rng import uniform

    nowhere = str(installed.blocked.parent / "tmp")  # under a file too
    done = run_installed(installed, ["-c", UNCACHED, nowhere], home="blocked")
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("note: no writable cache folder (tried ")
    assert lines[0].endswith("); compiled code will not be cached")
    assert str(installed.blocked) in lines[0]
    first, second = done.stdout.splitlines()
    value, cache = first.split()
    assert float(value) == uniform(1, 2, 3, 4) and cache == "NullCache"
    code, out, err = ast.literal_eval(second)
    assert code == 0 and "Usage" in out, err
    assert err == ""  # the note is not repeated in child processes


def test_cli_help_works_read_only(installed):
    done = run_installed(installed, ["-m", "sim.cli", "--help"])
    assert done.returncode == 0, done.stderr
    assert "Usage" in done.stdout


def test_cli_version(installed):
    done = run_installed(installed, ["-m", "sim.cli", "--version"])
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"threatnet {sim.__version__}"


def test_cli_runs_a_shipped_scenario_by_name(installed, tmp_path):
    with locked(installed.tmp.parent / ".compiling"):
        done = run_installed(installed, ["-m", "sim.cli", "run", "west_africa_2009", "--driver", "kernel"],
                             cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    summaries = list(tmp_path.rglob("summary.json"))
    assert len(summaries) == 1, done.stdout


def test_cli_examples_copies_once(installed, tmp_path):
    dest = tmp_path / "my-examples"
    done = run_installed(installed, ["-m", "sim.cli", "examples", str(dest)], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    for kind in KINDS:
        assert sorted(p.name for p in (dest / kind).glob("*.yaml")) == repo_files(kind)
    before = snapshot(dest)
    again = run_installed(installed, ["-m", "sim.cli", "examples", str(dest)], cwd=tmp_path)
    assert again.returncode == 2, again.stderr
    assert "already there" in again.stderr
    assert snapshot(dest) == before


def test_cli_patterns_from_the_wheel(installed, tmp_path):
    """Shipped pattern files and the UCDP data resolve by name from an installed wheel; targets are computed there."""
    done = run_installed(installed, ["-m", "sim.cli", "patterns", "--targets", "ucdp_civil_wars", "--json"],
                         cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    targets = json.loads(done.stdout)["targets"]
    assert round({t["name"]: t["target"] for t in targets}["war_median_duration"], 2) == 5.83
    with locked(installed.tmp.parent / ".compiling"):
        done = run_installed(installed, ["-m", "sim.cli", "patterns", "west_africa_2009", "west_africa_wars",
                                         "--replicates", "20", "--json"], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)["results"]) == 8


def test_editable_install_finds_the_repository_folders(tmp_path):
    code = ("import sim; from sim import shipped; "
            "print(sim.__file__); print(*(shipped.shipped_folder(k) for k in shipped.KINDS), sep='\\n')")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    if not lines[0].startswith(str(ROOT / "sim")):
        pytest.skip(f"this Python's threatnet is not an editable install of {ROOT}")
    assert lines[1:] == [str(ROOT / kind) for kind in KINDS]
