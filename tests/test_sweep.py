"""Parameter sweeps on Dask: sweep-file checks, designs, determinism, crashes and resume, analysis.

The sweeps here are small versions of the shipped ones, written to tmp_path: Guinea-Bissau alone,
with a short horizon, so that a point takes a fraction of a second. The crash tests run against a
real `dask scheduler` and two `dask worker` processes on 127.0.0.1 (random ports, through a
scheduler file), kill a worker or the `threatnet sweep` client mid-sweep with SIGKILL, and compare
the final table with an uninterrupted LocalCluster run of the same sweep.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from sim.cli import app
from sim.model import compile_from
from sim.runners.montecarlo import run_monte_carlo
from sim.scenario import InputError
from sim.sweep import analyse, design_points, load_sweep, read_replicates, run_sweep
from sim.sweep import runner as sweep_runner
from sim.sweep.runner import finished_points, point_path

ROOT = Path(__file__).resolve().parent.parent
GUINEA_BISSAU = ROOT / "scenarios" / "guinea_bissau.yaml"
DASK = Path(sys.executable).parent / "dask"
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
       "NUMBA_NUM_THREADS": "1"}

# A Sobol sweep of 8 x (3 + 2) = 40 points. Latitude of Bogota moves nothing in the model (only maps use
# coordinates), so its Sobol indices must come out zero: a check that points and outputs line up.
SOBOL = {
    "name": "test_sobol", "scenario": str(GUINEA_BISSAU), "fixed": {"horizon_weeks": 520},
    "design": {"kind": "sobol", "samples": 8}, "replicates": 200, "seed": 7,
    "outcomes": ["mean_duration_weeks", "share_ended", "seizure_rate", "belligerent_funding_share_from_crime"],
    "parameters": [
        {"name": "protection_tax_share", "key": "conflict_dynamics.protection_tax_share", "range": [0.005, 0.05]},
        {"name": "corruption_scale", "key": "levers.corruption_scale", "range": [0.5, 1.2]},
        {"name": "bogota_latitude", "key": "network.nodes[bogota].lat", "range": [0.0, 10.0]},
    ],
}
GRID = {
    "name": "test_grid", "scenario": str(GUINEA_BISSAU), "fixed": {"horizon_weeks": 260},
    "design": {"kind": "grid"}, "replicates": 30, "seed": 3,
    "parameters": [
        {"name": "un_officers", "key": "police.un.officers", "range": [2400, 18000], "levels": 3},
        {"name": "criminal_funding", "key": "levers.criminal_funding", "values": [True, False]},
    ],
}


def write_sweep(folder: Path, data: dict, name: str = "sweep.yaml") -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def changed(data: dict, *path, value=None, delete: bool = False) -> dict:
    """A deep copy of `data` with one entry set (or deleted) by its path of keys and indices."""
    copy = json.loads(json.dumps(data))
    target = copy
    for step in path[:-1]:
        target = target[step]
    if delete:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return copy


def cli(*args: str, cwd: Path, **kwargs) -> subprocess.Popen:
    """`threatnet ...` as a user runs it, in a fresh interpreter."""
    return subprocess.Popen([sys.executable, "-m", "sim.cli", *args], cwd=cwd, env=ENV,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


def complete_table(folder: Path) -> pd.DataFrame:
    table = read_replicates(folder)
    assert not table.duplicated(["point", "replicate", "conflict"]).any(), "a row is duplicated"
    return table


# --- sweep files: bad input ------------------------------------------------------------------------

BAD = [
    ("missing_key_path", changed(SOBOL, "parameters", 0, "key", value="conflict_dynamics.protection_tax"),
     "parameters[0].key", "'protection_tax' is not there"),
    ("unknown_id", changed(SOBOL, "parameters", 2, "key", value="network.nodes[atlantis].lat"),
     "parameters[2].key", "an entry with id 'atlantis'"),
    ("empty_range", changed(SOBOL, "parameters", 1, "range", value=[0.8, 0.8]), "parameters[1].range", "low < high"),
    ("reversed_range", changed(SOBOL, "parameters", 1, "range", value=[1.2, 0.5]), "parameters[1].range",
     "an empty range"),
    ("range_of_one_value", changed(SOBOL, "parameters", 1, "range", value=[0.5]), "parameters[1].range",
     "at least 2 items"),
    ("range_outside_bounds", changed(SOBOL, "parameters", 0, "range", value=[0.5, 1.5]), "parameters[0].range",
     "less than or equal to 1"),
    ("sobol_with_list", changed(SOBOL, "parameters", 1, value={"name": "corruption_scale", "key":
                                                               "levers.corruption_scale", "values": [0.5, 1.0]}),
     "parameters[1].values", "fit a grid design only"),
    ("sobol_not_power_of_two", changed(SOBOL, "design", "samples", value=10), "design.samples", "a power of 2"),
    ("sobol_one_parameter", changed(SOBOL, "parameters", value=SOBOL["parameters"][:1]), "parameters",
     "at least 2 parameters"),
    ("sobol_with_morris_key", changed(SOBOL, "design", "trajectories", value=4), "design.trajectories",
     "no trajectories in a sobol design"),
    ("morris_odd_levels", changed(SOBOL, "design", value={"kind": "morris", "trajectories": 4, "levels": 3}),
     "design.levels", "an even number of levels"),
    ("unknown_design", changed(SOBOL, "design", "kind", value="factorial"), "design.kind",
     "'grid', 'latin_hypercube', 'sobol' or 'morris'"),
    ("hypercube_without_samples", changed(SOBOL, "design", value={"kind": "latin_hypercube"}), "design.samples",
     "samples: N"),
    ("grid_range_without_levels", changed(GRID, "parameters", 0, "levels", delete=True), "parameters[0].levels",
     "levels: N"),
    ("grid_more_levels_than_integers", changed(GRID, "parameters", 0, value={
        "name": "post_officers", "key": "police.host.units[gw_bissau_port_airport].officers", "range": [10, 12],
        "levels": 5}), "parameters[0].levels",
     "at most 3 levels"),
    ("range_of_a_switch", changed(GRID, "parameters", 1, value={
        "name": "criminal_funding", "key": "levers.criminal_funding", "range": [0, 1], "levels": 2}),
     "parameters[1].range", "values: [...]) instead; levers.criminal_funding holds true/false"),
    ("bad_grid_value", changed(GRID, "parameters", 1, "values", value=[True, "no"]), "parameters[1].values[1]",
     "a valid boolean"),
    ("range_and_values", changed(GRID, "parameters", 1, "range", value=[0, 1]), "parameters[1]",
     "exactly one of range"),
    ("duplicate_name", changed(SOBOL, "parameters", 1, "name", value="protection_tax_share"), "parameters[1].name",
     "given twice"),
    ("outcome_as_name", changed(SOBOL, "parameters", 1, "name", value="share_ended"), "parameters[1].name",
     "not an outcome"),
    ("unknown_outcome", changed(SOBOL, "outcomes", value=["share_ended", "happiness"]), "outcomes", "happiness"),
    ("misspelled_key", changed(SOBOL, "replicate", value=10), "replicate", "did you mean 'replicates'"),
    ("zero_replicates", changed(SOBOL, "replicates", value=0), "replicates", "greater than or equal to 1"),
    ("missing_scenario", changed(SOBOL, "scenario", value="no_such_scenario.yaml"), "scenario", "was not found"),
    ("bad_fixed_key", changed(SOBOL, "fixed", value={"horizon": 52}), "fixed.horizon", "'horizon' is not there"),
    ("bad_fixed_value", changed(SOBOL, "fixed", value={"horizon_weeks": -1}), "fixed.horizon_weeks",
     "greater than or equal to 1"),
]


@pytest.mark.parametrize("data, key, says", [case[1:] for case in BAD], ids=[case[0] for case in BAD])
def test_bad_sweep_file_is_one_line_and_writes_nothing(data, key, says, tmp_path, monkeypatch):
    path = write_sweep(tmp_path, data)
    monkeypatch.chdir(tmp_path)
    before = sorted(tmp_path.rglob("*"))
    with pytest.raises(InputError) as caught:
        load_sweep(path)
    assert (caught.value.file, caught.value.key) == (str(path), key), caught.value.message
    assert says in caught.value.expected, caught.value.message
    result = CliRunner().invoke(app, ["sweep", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0] == f"error: {caught.value.message}", result.stderr
    assert "Traceback" not in result.output and result.stdout == ""
    assert sorted(tmp_path.rglob("*")) == before, "a bad sweep file wrote something"


def test_bad_options_write_nothing(tmp_path, monkeypatch):
    """Too many local workers, an unreachable scheduler, an --out folder holding other files."""
    path = write_sweep(tmp_path, GRID)
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("mine")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sweep_runner, "CONNECT_TIMEOUT_S", 2)
    before = sorted(tmp_path.rglob("*"))
    cases = [(["--workers", str(sweep_runner.usable_cores() + 1)], "error: --workers: at most"),
             (["--scheduler", f"tcp://127.0.0.1:{free_port()}"], "error: --scheduler: the address of a running"),
             (["--scheduler", "not an address"], "error: --scheduler: the address of a running"),
             (["--out", str(tmp_path / "busy")], "it holds files threatnet did not write (notes.txt)")]
    for options, says in cases:
        result = CliRunner().invoke(app, ["sweep", str(path), *options])
        assert result.exit_code == 2, (options, result.output)
        assert len(result.stderr.strip().splitlines()) == 1 and says in result.stderr, (options, result.stderr)
    assert sorted(tmp_path.rglob("*")) == before


def test_bad_sweep_file_on_the_real_command_line(tmp_path):
    path = write_sweep(tmp_path, BAD[0][1])
    done = cli("sweep", str(path), cwd=tmp_path)
    stdout, stderr = done.communicate(timeout=120)
    assert done.returncode == 2 and stdout == ""
    assert stderr.strip() == f"error: {path}: parameters[0].key: a key path of the scenario; 'protection_tax' is not there"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sweep.yaml"]


# --- designs ---------------------------------------------------------------------------------------

def test_design_sizes_and_values(tmp_path):
    parameters = SOBOL["parameters"]
    sizes = {
        "grid": (changed(GRID, "parameters", 0, "levels", value=4), 4 * 2),
        "latin_hypercube": (changed(SOBOL, "design", value={"kind": "latin_hypercube", "samples": 20}), 20),
        "sobol": (SOBOL, 8 * (3 + 2)),
        "sobol_second_order": (changed(SOBOL, "design", "second_order", value=True), 8 * (2 * 3 + 2)),
        "morris": (changed(SOBOL, "design", value={"kind": "morris", "trajectories": 5}), 5 * (3 + 1)),
    }
    for name, (data, expected) in sizes.items():
        sweep = load_sweep(write_sweep(tmp_path, data, f"{name}.yaml"))
        points = design_points(sweep.spec, sweep.parameters)
        assert len(points) == expected, name
        assert points["point"].tolist() == list(range(expected))
        assert points.equals(design_points(sweep.spec, sweep.parameters)), f"{name}: not reproducible"
        for parameter in sweep.parameters:
            if parameter.is_range:
                assert points[parameter.name].between(parameter.low, parameter.high).all(), name
    hypercube = design_points(*_spec_and_parameters(tmp_path / "latin_hypercube.yaml"))
    for parameter in parameters:  # one point in each of the 20 strata of every parameter
        low, high = parameter["range"]
        strata = np.floor((hypercube[parameter["name"]] - low) / (high - low) * 20).clip(0, 19)
        assert sorted(strata.astype(int)) == list(range(20)), parameter["name"]
    grid = design_points(*_spec_and_parameters(tmp_path / "grid.yaml"))
    assert grid["un_officers"].dtype == np.int64 and set(grid["un_officers"]) == {2400, 7600, 12800, 18000}
    assert grid["criminal_funding"].tolist() == [True, False] * 4


def _spec_and_parameters(path: Path):
    sweep = load_sweep(path)
    return sweep.spec, sweep.parameters


def test_integer_parameters_are_rounded(tmp_path):
    data = changed(SOBOL, "parameters", 2, value={"name": "un_officers", "key": "police.un.officers",
                                                   "range": [2400.4, 18000]})
    sweep = load_sweep(write_sweep(tmp_path, data))
    points = design_points(sweep.spec, sweep.parameters)
    assert points["un_officers"].dtype == np.int64 and points["un_officers"].between(2400, 18000).all()


def test_folder_of_another_sweep_is_refused_and_names_the_difference(tmp_path):
    """A folder claimed by a sweep killed before its first point: the same sweep takes it over, another
    seed is refused with what differs (the folder's own manifest says which sweep it was)."""
    from sim.outputs import ResultFolder
    from sim.sweep.runner import POINT_PATTERN, sweep_identity
    sweep = load_sweep(write_sweep(tmp_path, GRID))
    out = tmp_path / "out"
    with ResultFolder(out, "sweep", sweep_identity(sweep), patterns=[POINT_PATTERN]):
        pass  # claimed, then killed: a manifest with status running, nothing else
    other = load_sweep(write_sweep(tmp_path, {**GRID, "seed": GRID["seed"] + 1}))
    with pytest.raises(InputError, match=f"seed {GRID['seed']} in the folder, {GRID['seed'] + 1} now"):
        with ResultFolder(out, "sweep", sweep_identity(other), patterns=[POINT_PATTERN]):
            pass
    with ResultFolder(out, "sweep", sweep_identity(sweep), patterns=[POINT_PATTERN]) as again:
        assert again.resumed


def test_torn_point_files_are_run_again(tmp_path):
    (tmp_path / "replicates").mkdir()
    pd.DataFrame({"point": [0], "replicate": [0]}).to_parquet(point_path(tmp_path, 0, 10))
    point_path(tmp_path, 1, 10).write_bytes(b"PAR1 torn by a power cut")
    assert finished_points(tmp_path) == {0}
    assert sorted(p.name for p in (tmp_path / "replicates").iterdir()) == ["point=00000.parquet"]


# --- running ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The Sobol sweep run whole on a LocalCluster of 2 workers: the table the crash tests must reach."""
    folder = tmp_path_factory.mktemp("reference")
    sweep = load_sweep(write_sweep(folder, SOBOL))
    result = run_sweep(sweep, folder / "run", workers=2)
    return sweep, result, complete_table(result.folder)


def test_points_equal_the_plain_monte_carlo_run(reference):
    """Each point's rows are exactly what run_monte_carlo gives for its scenario, with the sweep seed."""
    sweep, result, table = reference
    points = pd.read_parquet(result.folder / "points.parquet")
    assert len(points) == 40 and result.completed == 40
    for point in (0, 17, 39):
        row = points.iloc[point]
        overrides = {p.key: float(row[p.name]) for p in sweep.parameters}
        expected = run_monte_carlo(compile_from(sweep.base, overrides), SOBOL["replicates"], seed=SOBOL["seed"])
        got = table[table["point"] == point].drop(columns="point").reset_index(drop=True)
        pd.testing.assert_frame_equal(got, expected)


def test_results_folder_contract(reference):
    sweep, result, table = reference
    folder = result.folder
    names = {p.name for p in folder.iterdir()}
    assert {"manifest.json", "scenario.json", "sweep.json", "points.parquet", "replicates",
            "point_summary.parquet"} <= names
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["kind"] == "sweep" and manifest["status"] == "complete"
    assert manifest["completed_points"] == manifest["points"] == 40
    assert [p["key"] for p in manifest["parameters"]] == [p["key"] for p in SOBOL["parameters"]]
    assert manifest["run_id"] == sweep.run_id and manifest["replicates_per_point"] == 200
    assert json.loads((folder / "sweep.json").read_text())["name"] == "test_sobol"
    assert len(list((folder / "replicates").glob("point=*.parquet"))) == 40
    summary = pd.read_parquet(folder / "point_summary.parquet")
    assert summary["point"].tolist() == list(range(40))
    assert {"protection_tax_share", "median_duration_weeks", "share_ended", "seizure_rate"} <= set(summary.columns)
    by_point = table.groupby("point")
    assert np.allclose(summary["share_ended"], by_point["ended"].mean())
    assert np.allclose(summary["seizure_rate"], by_point["seizure_rate"].mean())


def test_same_table_on_one_or_two_workers(tmp_path):
    sweep = load_sweep(write_sweep(tmp_path, GRID))
    one = run_sweep(sweep, tmp_path / "one", workers=1)
    two = run_sweep(sweep, tmp_path / "two", workers=2)
    assert (one.workers, two.workers) == (1, 2)
    pd.testing.assert_frame_equal(complete_table(one.folder), complete_table(two.folder))
    pd.testing.assert_frame_equal(pd.read_parquet(one.folder / "point_summary.parquet"),
                                  pd.read_parquet(two.folder / "point_summary.parquet"))


def test_sobol_analysis_has_indices_with_intervals(reference, tmp_path):
    sweep, result, _ = reference
    analysis = analyse(result.folder)
    assert analysis["design"] == "sobol"
    assert set(analysis["outcomes"]) | set(analysis["skipped"]) == set(SOBOL["outcomes"])
    funding = analysis["outcomes"]["belligerent_funding_share_from_crime"]
    for name in ("protection_tax_share", "corruption_scale", "bogota_latitude"):
        indices = funding[name]
        assert all(np.isfinite(indices[key]) for key in ("S1", "S1_conf", "ST", "ST_conf")), indices
        assert indices["S1_conf"] >= 0 and indices["ST_conf"] >= 0
    # Protection taxes are what belligerents earn from crime; Bogota's latitude changes nothing.
    assert funding["protection_tax_share"]["ST"] > 0.3
    assert funding["bogota_latitude"]["ST"] == pytest.approx(0, abs=1e-9)
    assert funding["bogota_latitude"]["S1"] == pytest.approx(0, abs=1e-9)
    assert json.loads((result.folder / "analysis.json").read_text())["outcomes"].keys() == analysis["outcomes"].keys()
    markdown = (result.folder / "analysis.md").read_text()
    assert "| protection_tax_share |" in markdown and "± " in markdown
    shown = CliRunner().invoke(app, ["analyze", str(result.folder)])
    assert shown.exit_code == 0 and "## belligerent_funding_share_from_crime" in shown.stdout


def test_analyze_refuses_what_is_not_a_finished_sweep(reference, tmp_path):
    result = CliRunner().invoke(app, ["analyze", str(tmp_path)])
    assert result.exit_code == 2 and "a sweep results folder" in result.stderr
    _, finished, _ = reference
    partial = tmp_path / "partial"
    partial.mkdir()
    for name in ("sweep.json", "points.parquet"):
        (partial / name).write_bytes((finished.folder / name).read_bytes())
    manifest = json.loads((finished.folder / "manifest.json").read_text())
    (partial / "manifest.json").write_text(json.dumps({**manifest, "status": "interrupted", "completed_points": 5}))
    result = CliRunner().invoke(app, ["analyze", str(partial)])
    assert result.exit_code == 2 and "a complete sweep; 5 of 40 points are done" in result.stderr


# --- a real Dask cluster on 127.0.0.1, and crashes ------------------------------------------------

def free_port() -> int:
    import socket
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class DaskCluster:
    """`dask scheduler` and `dask worker` processes, each in its own process group (nanny and worker)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.scheduler_file = folder / "scheduler.json"
        self.scheduler = self._start("scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                                     "--scheduler-file", str(self.scheduler_file))
        deadline = time.monotonic() + 60
        while not self.scheduler_file.is_file() and time.monotonic() < deadline:
            time.sleep(0.1)
        self.address = json.loads(self.scheduler_file.read_text())["address"]
        self.workers: list[subprocess.Popen] = []

    def _start(self, *args: str) -> subprocess.Popen:
        log = open(self.folder / f"{args[0]}-{time.monotonic_ns()}.log", "w")  # noqa: SIM115 - closed with the process
        return subprocess.Popen([str(DASK), *args], cwd=self.folder, env=ENV, stdout=log, stderr=log,
                                start_new_session=True)

    def add_worker(self) -> None:
        self.workers.append(self._start("worker", "--scheduler-file", str(self.scheduler_file), "--nthreads", "1",
                                        "--nworkers", "1", "--no-dashboard", "--host", "127.0.0.1"))

    def wait_for_workers(self, count: int) -> None:
        from distributed import Client
        with Client(self.address, timeout="30s") as client:
            client.wait_for_workers(count, timeout=60)

    def kill(self, process: subprocess.Popen) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)

    def close(self) -> None:
        for process in [*self.workers, self.scheduler]:
            self.kill(process)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    cluster = DaskCluster(tmp_path_factory.mktemp("dask"))
    try:
        cluster.add_worker()
        cluster.add_worker()
        cluster.wait_for_workers(2)
        yield cluster
    finally:
        cluster.close()


def wait_for_points(folder: Path, at_least: int, process: subprocess.Popen, timeout: float = 120) -> int:
    """Poll until `at_least` point files exist (the sweep is under way); return how many there are."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = len(list((folder / "replicates").glob("point=*.parquet"))) if (folder / "replicates").is_dir() else 0
        if done >= at_least:
            return done
        assert process.poll() is None, process.communicate()
        time.sleep(0.02)
    raise AssertionError(f"fewer than {at_least} points after {timeout} s")


def test_worker_killed_mid_sweep(cluster, reference, tmp_path):
    """SIGKILL one of two workers (nanny and all) while it runs a point: Dask reruns its task elsewhere."""
    sweep_file = write_sweep(tmp_path, SOBOL)
    out = tmp_path / "run"
    client = cli("sweep", str(sweep_file), "--scheduler", cluster.address, "--out", str(out), cwd=tmp_path)
    try:
        at_kill = wait_for_points(out, 3, client)
        cluster.kill(cluster.workers[0])
        stdout, stderr = client.communicate(timeout=180)
    finally:
        cluster.add_worker()  # the next test gets two workers again
    assert client.returncode == 0, stderr
    assert at_kill < 40, "the sweep had finished before the worker was killed"
    assert "40 points x 200 replicates" in stdout
    pd.testing.assert_frame_equal(complete_table(out), reference[2])
    pd.testing.assert_frame_equal(pd.read_parquet(out / "point_summary.parquet"),
                                  pd.read_parquet(reference[1].folder / "point_summary.parquet"))


def test_client_killed_mid_sweep_then_resumed(cluster, reference, tmp_path):
    """SIGKILL the `threatnet sweep` client; the same command finishes the sweep, nothing lost or duplicated."""
    cluster.wait_for_workers(2)
    sweep_file = write_sweep(tmp_path, SOBOL)
    out = tmp_path / "run"
    command = ("sweep", str(sweep_file), "--scheduler", cluster.address, "--out", str(out))
    first = cli(*command, cwd=tmp_path)
    wait_for_points(out, 3, first)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=30)
    done_before = finished_points(out)
    assert 3 <= len(done_before) < 40, "the client was not killed mid-sweep"
    assert json.loads((out / "manifest.json").read_text())["status"] == "running"
    assert not (out / "point_summary.parquet").exists()
    before = {point: point_path(out, point, 40).stat().st_mtime_ns for point in done_before}

    second = cli(*command, cwd=tmp_path)
    stdout, stderr = second.communicate(timeout=180)
    assert second.returncode == 0, stderr
    assert f"{40 - len(done_before)} points run now" in stdout
    assert all(point_path(out, point, 40).stat().st_mtime_ns == mtime for point, mtime in before.items()), \
        "finished points were run again"
    pd.testing.assert_frame_equal(complete_table(out), reference[2])
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["completed_points"] == 40
    assert manifest["scheduler"] == cluster.address

    third = CliRunner().invoke(app, list(command))  # a finished sweep runs nothing (and needs no cluster)
    assert third.exit_code == 0 and "all 40 points were done before" in third.stdout, third.output
    pd.testing.assert_frame_equal(complete_table(out), reference[2])
