"""Result folders never lose or mix data, and jobs survive interruption (sim/outputs.py).

Every case runs the real `threatnet` command in a subprocess, sends real signals, and afterwards
checks that nothing outside the output folder changed. Disk-full and read-only cases mount a small
tmpfs, which needs root; they are skipped otherwise, with the reason.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from sim.outputs import LOCK, ResultFolder, safe_name
from sim.scenario import InputError, load_scenario

ROOT = Path(__file__).resolve().parent.parent
THREATNET = [sys.executable, "-m", "sim.cli"]
GUINEA_BISSAU = ROOT / "scenarios" / "guinea_bissau.yaml"
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def cli(*args, cwd: Path, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([*THREATNET, *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, **kwargs)


def start(*args, cwd: Path) -> subprocess.Popen:
    return subprocess.Popen([*THREATNET, *map(str, args)], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True, env={**os.environ, "PYTHONPATH": str(ROOT)})


def one_error_line(done, says: str = "") -> str:
    """Exit 2, one `error:` line on stderr, no traceback; returns the line."""
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2, (done.returncode, done.stdout[-500:], done.stderr[-2000:])
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in done.stderr, done.stderr
    assert says in lines[0], lines[0]
    return lines[0]


def snapshot(folder: Path, skip: Path | None = None) -> dict:
    """Every file under `folder` (except under `skip`) with a hash of its content."""
    found = {}
    for path in sorted(folder.rglob("*")):
        if skip is not None and (path == skip or skip in path.parents):
            continue
        if path.is_file() and not path.is_symlink():
            found[str(path.relative_to(folder))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def small_scenario(folder: Path, name: str = "small", **changes) -> Path:
    """Guinea-Bissau over 4 years: quick to run, with a conflict, police and trafficking."""
    data = load_scenario(GUINEA_BISSAU).model_dump(mode="json", by_alias=True, exclude_none=True)
    data.update({"name": name, "horizon_weeks": 208, **changes})
    path = folder / f"{safe_name(name)[:40]}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def wait_for(condition, process: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if process.poll() is not None:
            raise AssertionError(f"the command ended early: {process.communicate()}")
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.05)


def parts(folder: Path) -> int:
    return len(list((folder / "replicates").glob("part-*.parquet"))) if (folder / "replicates").is_dir() else 0


def manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text())


@pytest.fixture(scope="module")
def mc_reference(tmp_path_factory):
    """The uninterrupted Monte Carlo table that every interrupted and resumed run must reach."""
    folder = tmp_path_factory.mktemp("reference")
    scenario = small_scenario(folder, horizon_weeks=1040)
    done = cli("mc", scenario, *MC, "--out", folder / "out", cwd=folder)
    assert done.returncode == 0, done.stderr
    return scenario, pd.read_parquet(folder / "out" / "replicates")


MC = ("--replicates", 16000, "--chunk-size", 400, "--seed", 5, "--workers", 1)  # ~10 s: long enough to interrupt


# --- nothing deleted ---------------------------------------------------------------------------------

def test_run_refuses_a_folder_of_someone_elses_files(tmp_path):
    scenario = small_scenario(tmp_path)
    thesis = tmp_path / "thesis"
    thesis.mkdir()
    (thesis / "thesis.tex").write_text("\\chapter{one}")
    (thesis / "data.csv").write_text("a,b\n1,2\n")
    before = snapshot(tmp_path)
    line = one_error_line(cli("run", scenario, "--out", thesis, cwd=tmp_path), "threatnet did not write")
    assert "data.csv" in line and "thesis.tex" in line
    assert snapshot(tmp_path) == before and not (thesis / LOCK).exists()
    one_error_line(cli("run", scenario, "--out", thesis, "--overwrite", cwd=tmp_path), "threatnet did not write")
    assert snapshot(tmp_path) == before


def test_working_folder_and_root_are_never_emptied(tmp_path):
    scenario = small_scenario(tmp_path)
    (tmp_path / "notes.md").write_text("mine")
    before, root_before = snapshot(tmp_path), sorted(os.listdir("/"))
    one_error_line(cli("run", scenario, "--out", ".", cwd=tmp_path), "notes.md")
    one_error_line(cli("mc", scenario, "--replicates", 10, "--out", ".", "--overwrite", cwd=tmp_path))
    one_error_line(cli("mc", scenario, "--replicates", 10, "--out", "/", "--overwrite", cwd=tmp_path))
    one_error_line(cli("run", scenario, "--out", "/", cwd=tmp_path))
    assert snapshot(tmp_path) == before and sorted(os.listdir("/")) == root_before


def test_overwrite_removes_only_what_the_manifest_lists(tmp_path):
    scenario = small_scenario(tmp_path)
    out = tmp_path / "out"
    assert cli("run", scenario, "--driver", "kernel", "--out", out, cwd=tmp_path).returncode == 0
    listed = set(manifest(out)["files"])
    assert listed == {"series.parquet", "edges.parquet", "summary.json", "scenario.json"}
    one_error_line(cli("run", scenario, "--driver", "kernel", "--seed", 1, "--out", out, cwd=tmp_path),
                   "seed 2009 in the folder, 1 now")
    (out / "notes.txt").write_text("my reading of the run")
    one_error_line(cli("run", scenario, "--driver", "kernel", "--seed", 1, "--out", out, "--overwrite",
                       cwd=tmp_path), "notes.txt")
    assert (out / "notes.txt").read_text() == "my reading of the run" and manifest(out)["identity"]["seed"] == 2009
    (out / "notes.txt").unlink()
    done = cli("run", scenario, "--driver", "kernel", "--seed", 1, "--out", out, "--overwrite", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert manifest(out)["identity"]["seed"] == 1 and manifest(out)["status"] == "complete"


def test_names_from_scenarios_stay_under_results(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    for name in ("../../escaped", str(tmp_path / "absolute"), "x" * 300, "tab\tand\nnewline"):
        scenario = small_scenario(tmp_path, name=name, horizon_weeks=52)
        done = cli("run", scenario, "--driver", "kernel", cwd=work)
        assert done.returncode == 0, done.stderr
    written = [path.name for path in (work / "results" / "runs").iterdir()]
    assert len(written) == 4 and all(len(name) <= 100 and "/" not in name for name in written)
    assert {path.name for path in tmp_path.iterdir()} == {"work", *(p.name for p in tmp_path.glob("*.yaml"))}


@pytest.mark.parametrize("name, expected", [("west_africa_2009", "west_africa_2009"), ("../../x", "x-"),
                                            ("/etc/passwd", "etc_passwd-"), ("..", "unnamed-"), ("a b", "a_b-")])
def test_safe_name(name, expected):
    made = safe_name(name)
    assert made.startswith(expected) and "/" not in made and not made.startswith(".") and len(made) <= 80


# --- claims --------------------------------------------------------------------------------------------

def test_a_claimed_folder_is_refused_and_a_dead_claim_recovered(tmp_path, mc_reference):
    scenario, reference = mc_reference
    out = tmp_path / "out"
    first = start("mc", scenario, *MC, "--out", out, cwd=tmp_path)
    wait_for(lambda: parts(out) >= 2, first)
    line = one_error_line(cli("mc", scenario, *MC[:-4], "--seed", 6, "--out", out, cwd=tmp_path), "claimed by pid")
    assert str(first.pid) in line
    first.kill()  # SIGKILL: no handler runs, the lock file stays behind
    first.wait(timeout=30)
    assert (out / LOCK).exists() and manifest(out)["status"] == "running"
    kept = parts(out)
    one_error_line(cli("mc", scenario, *MC[:-4], "--seed", 6, "--out", out, cwd=tmp_path),
                   "seed 5 in the folder, 6 now")
    report = cli("report", out, cwd=tmp_path)  # a killed run's folder still has a manifest to report from
    assert report.returncode == 0, report.stderr
    resumed = cli("mc", scenario, *MC, "--out", out, cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    table = pd.read_parquet(out / "replicates")
    assert 2 <= kept < 40 and not table.duplicated(["replicate", "conflict"]).any()  # 40 chunks in all
    pd.testing.assert_frame_equal(table, reference)
    assert manifest(out)["status"] == "complete" and not (out / LOCK).exists()


@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_mc_interrupted_by_a_signal_resumes_to_the_same_table(tmp_path, mc_reference, signum, code):
    scenario, reference = mc_reference
    out = tmp_path / "out"
    (tmp_path / "keep.txt").write_text("not threatnet's")
    before = snapshot(tmp_path)
    first = start("mc", scenario, *MC, "--out", out, cwd=tmp_path)
    wait_for(lambda: parts(out) >= 2, first)
    os.killpg(first.pid, signum)
    _, stderr = first.communicate(timeout=60)
    assert first.returncode == code, stderr
    assert "interrupted: finished chunks are kept" in stderr and "Traceback" not in stderr
    status = manifest(out)
    assert status["status"] == "interrupted" and status["completed_replicates"] == 400 * parts(out) < 16000
    again = cli("mc", scenario, *MC, "--out", out, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    pd.testing.assert_frame_equal(pd.read_parquet(out / "replicates"), reference)
    assert snapshot(tmp_path, skip=out) == before


def test_two_sweeps_on_one_folder_do_not_mix(tmp_path):
    sweep = {"name": "mix", "scenario": str(GUINEA_BISSAU), "fixed": {"horizon_weeks": 1040},
             "design": {"kind": "grid"}, "replicates": 20000, "seed": 1,  # minutes: it is interrupted early
             "parameters": [{"name": "corruption", "key": "levers.corruption_scale", "range": [0.5, 1.0],
                             "levels": 10}]}
    (tmp_path / "a.yaml").write_text(yaml.safe_dump(sweep))
    (tmp_path / "b.yaml").write_text(yaml.safe_dump({**sweep, "seed": 2}))
    out = tmp_path / "out"
    first = start("sweep", tmp_path / "a.yaml", "--out", out, "--workers", 1, cwd=tmp_path)
    wait_for(lambda: (out / "manifest.json").exists(), first)
    one_error_line(cli("sweep", tmp_path / "b.yaml", "--out", out, cwd=tmp_path), "claimed by pid")
    os.killpg(first.pid, signal.SIGINT)  # Ctrl-C on a terminal reaches the whole group: the workers too
    _, stderr = first.communicate(timeout=60)
    noise = [line for line in stderr.strip().splitlines() if not line.startswith("points: ")]
    assert first.returncode == 130 and len(noise) == 1 and noise[0].startswith("interrupted: "), stderr
    one_error_line(cli("sweep", tmp_path / "b.yaml", "--out", out, cwd=tmp_path), "seed 1 in the folder, 2 now")
    assert {json.loads((out / "sweep.json").read_text())["seed"], manifest(out)["identity"]["seed"]} == {1}


def test_a_lock_file_threatnet_did_not_write_is_left_alone(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / LOCK).write_text("my notes, under an unlucky name")
    with pytest.raises(InputError, match="a lock file written by threatnet; this one is not"):
        with ResultFolder(out, "test", {"seed": 1}):
            pass
    assert (out / LOCK).read_text() == "my notes, under an unlucky name"


def test_result_folder_lock_in_process(tmp_path):
    with ResultFolder(tmp_path / "out", "test", {"seed": 1}) as held:
        with pytest.raises(InputError, match=f"claimed by pid {os.getpid()}"):
            with ResultFolder(tmp_path / "out", "test", {"seed": 1}):
                pass
        held.write_json("a.json", {"x": 1})
    with ResultFolder(tmp_path / "out", "test", {"seed": 1}) as again:
        assert again.resumed and again.owns("a.json")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.json", "manifest.json"]


# --- one error path -------------------------------------------------------------------------------------

def test_bad_output_places_are_one_line(tmp_path):
    scenario = small_scenario(tmp_path)
    (tmp_path / "afile").write_text("x")
    before = snapshot(tmp_path)
    one_error_line(cli("run", scenario, "--out", tmp_path / "afile", cwd=tmp_path), "this is a file")
    one_error_line(cli("mc", scenario, "--replicates", 10, "--out", tmp_path / "afile" / "below", cwd=tmp_path),
                   "a part of the path is a file")
    one_error_line(cli("run", scenario, "--out", tmp_path / ("n" * 300), cwd=tmp_path), "the name is too long")
    one_error_line(cli("run", scenario, "--seed", 2**63, cwd=tmp_path), "--seed")
    one_error_line(cli("experiment", "criminal_funding", "--seed", 10**30, cwd=tmp_path), "--seed")
    assert snapshot(tmp_path) == before and not (tmp_path / "results").exists()


def test_bare_command_help_version(tmp_path):
    bare = cli(cwd=tmp_path)
    assert bare.returncode == 0 and "Usage" in bare.stdout and bare.stderr == ""
    version = cli("--version", cwd=tmp_path)
    assert version.returncode == 0 and version.stdout.startswith("threatnet ")
    short = cli("run", "-h", cwd=tmp_path)
    assert short.returncode == 0 and "--overwrite" in short.stdout and "mesa" in short.stdout


def test_report_on_a_damaged_folder_is_one_line(tmp_path):
    scenario = small_scenario(tmp_path)
    out = tmp_path / "out"
    assert cli("mc", scenario, "--replicates", 20, "--out", out, cwd=tmp_path).returncode == 0
    for part in (out / "replicates").iterdir():
        part.unlink()
    (out / "replicates").rmdir()
    one_error_line(cli("report", out, cwd=tmp_path), str(out))
    (out / "manifest.json").unlink()
    one_error_line(cli("report", out, cwd=tmp_path), "no manifest.json")


def test_progress_goes_to_a_log_without_a_terminal(tmp_path):
    scenario = small_scenario(tmp_path)
    done = cli("mc", scenario, "--replicates", 400, "--chunk-size", 40, "--out", tmp_path / "out", cwd=tmp_path)
    assert done.returncode == 0
    lines = [line for line in done.stderr.splitlines() if line.startswith("replicates: ")]
    assert lines and lines[-1].startswith("replicates: 400/400 (100%)"), done.stderr


@contextlib.contextmanager
def tmpfs(folder: Path, size: str):
    if not IS_ROOT:
        pytest.skip("mounting a small tmpfs to fill needs root")
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def test_a_full_disk_is_one_line_and_the_same_command_resumes(tmp_path):
    scenario = small_scenario(tmp_path)
    with tmpfs(tmp_path / "disk", "200k") as disk:
        sweep = {"name": "full", "scenario": str(GUINEA_BISSAU), "fixed": {"horizon_weeks": 104},
                 "design": {"kind": "grid"}, "replicates": 20, "seed": 1,
                 "parameters": [{"name": "corruption", "key": "levers.corruption_scale", "values": [0.5, 1.0]}]}
        (tmp_path / "sweep.yaml").write_text(yaml.safe_dump(sweep))
        commands = {"run": ("run", scenario, "--driver", "kernel"),
                    "mc": ("mc", scenario, "--replicates", 2000, "--chunk-size", 100, "--series-sample", 50),
                    "experiment": ("experiment", "criminal_funding", "--replicates", 200),
                    "sweep": ("sweep", tmp_path / "sweep.yaml", "--workers", 1)}
        for kind, command in commands.items():
            (disk / "filler").write_bytes(b"\0" * 150_000)
            done = cli(*command, "--out", disk / kind, cwd=tmp_path)
            one_error_line(done, "the disk is full")
            assert not [p for p in disk.rglob("*.partial")], "a partial file was left behind"
            (disk / "filler").unlink()
        subprocess.run(["mount", "-o", "remount,size=50m", str(disk)], check=True)
        for kind, command in commands.items():
            done = cli(*command, "--out", disk / kind, cwd=tmp_path)
            assert done.returncode == 0, (kind, done.stderr)
            assert manifest(disk / kind)["status"] == "complete"


def test_a_read_only_folder_is_one_line(tmp_path):
    scenario = small_scenario(tmp_path)
    with tmpfs(tmp_path / "disk", "1m") as disk:
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        one_error_line(cli("run", scenario, "--out", disk / "out", cwd=tmp_path), "read-only")
        one_error_line(cli("mc", scenario, "--out", disk, cwd=tmp_path), "read-only")


# --- valid but unusual scenarios -----------------------------------------------------------------------

UNUSUAL = {
    "no_police": lambda d: d["police"].update(host={"units": []}, un={**d["police"]["un"], "units": []}),
    "no_conflicts": lambda d: (d.update(conflicts=[]), [n.pop("controlled_by", None) for n in d["network"]["nodes"]]),
    "one_organisation": lambda d: d.update(organisations=d["organisations"][:1]),
    "no_controlled_hub": lambda d: [n.pop("controlled_by", None) for n in d["network"]["nodes"]],
}


@pytest.mark.parametrize("name", sorted(UNUSUAL))
def test_unusual_scenarios_work_end_to_end(tmp_path, name):
    from sim.analysis.experiment import run_experiment
    from sim.runners.montecarlo import run_monte_carlo_folder
    from sim.report import write_report
    from sim.runners.run import run_to_folder
    from sim.scenario import load_scenario

    data = yaml.safe_load((ROOT / "scenarios" / "west_africa_2009.yaml").read_text())
    data["horizon_weeks"] = 104
    UNUSUAL[name](data)
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    scenario = load_scenario(path)
    run_to_folder(scenario, 1, "kernel", tmp_path / "run")
    run_to_folder(scenario, 1, "mesa", tmp_path / "mesa")
    summary = run_monte_carlo_folder(scenario, 30, 1, 1, tmp_path / "mc", chunk_size=10, series_sample=2)
    assert summary["replicates"] == 30
    experiment = {"name": name, "question": "does host database access change anything?", "scenario": path.name,
                  "seed": 1, "replicates": 20, "baseline": "without",
                  "arms": [{"name": "without", "label": "without access", "overrides": {}},
                           {"name": "with", "label": "with access",
                            "overrides": {"levers.database_access.host": True}}]}
    (tmp_path / "experiment.yaml").write_text(yaml.safe_dump(experiment))
    result = run_experiment(tmp_path / "experiment.yaml", out=tmp_path / "experiment")
    assert result.answer
    for folder in ("run", "mesa", "mc", "experiment"):
        assert write_report(tmp_path / folder).stat().st_size > 100_000


def test_experiment_killed_by_sigterm_resumes_to_the_same_table(tmp_path):
    from sim.analysis.experiment import run_experiment

    scenario = small_scenario(tmp_path, horizon_weeks=1040)
    experiment = {"name": "resume", "question": "does criminal funding lengthen the war?",
                  "scenario": scenario.name, "seed": 4, "replicates": 4000, "baseline": "with",
                  "arms": [{"name": "with", "label": "with funding", "overrides": {}},
                           {"name": "without", "label": "without funding",
                            "overrides": {"levers.criminal_funding": False}}]}
    path = tmp_path / "experiment.yaml"
    path.write_text(yaml.safe_dump(experiment))
    out = tmp_path / "out"
    first = start("experiment", path, "--workers", 1, "--out", out, cwd=tmp_path)
    wait_for(lambda: (out / "arms" / "with" / "replicates" / "part-00000.parquet").exists(), first)
    os.killpg(first.pid, signal.SIGTERM)
    _, stderr = first.communicate(timeout=60)
    assert first.returncode == 143 and "Traceback" not in stderr, stderr
    assert manifest(out)["status"] == "interrupted" and not (out / "replicates.parquet").exists()
    again = cli("experiment", path, "--out", out, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    whole = run_experiment(path, workers=2).table
    written = pd.read_parquet(out / "replicates.parquet")
    assert len(written) == 8000 and not written.duplicated(["arm", "replicate", "conflict"]).any()
    pd.testing.assert_frame_equal(written, whole)
    assert not (out / "arms").exists() and manifest(out)["status"] == "complete"
