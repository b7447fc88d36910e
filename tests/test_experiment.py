"""Experiments: common random numbers, survival statistics that can come out either way, resume, bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from sim.analysis.experiment import load_experiment, run_experiment
from sim.scenario import InputError

ROOT = Path(__file__).resolve().parents[1]
GUINEA_BISSAU = ROOT / "scenarios" / "guinea_bissau.yaml"
THREATNET = [sys.executable, "-c", "import sim.cli; sim.cli.main()"]


def write_experiment(folder: Path, replicates: int = 300, common: dict | None = None, **changes) -> Path:
    """A two-arm criminal-funding experiment on the Guinea-Bissau scenario (`common`: overrides of both arms)."""
    common = common or {}
    spec = {"name": "funding_test", "question": "Do unfunded conflicts end sooner?",
            "scenario": str(GUINEA_BISSAU), "seed": 11, "replicates": replicates, "baseline": "funded",
            "arms": [{"name": "funded", "label": "with criminal funding", "overrides": dict(common)},
                     {"name": "unfunded", "label": "without criminal funding",
                      "overrides": {**common, "levers.criminal_funding": False}}]}
    spec.update(changes)
    path = folder / f"experiment-{len(list(folder.glob('experiment-*.yaml')))}.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


def arm(summary: dict, name: str) -> dict:
    return next(record for record in summary["arms"] if record["arm"] == name)


def test_an_arm_that_makes_deals_likelier_ends_sooner(tmp_path):
    """The statistics find an effect that is there: a higher agreement hazard ends wars sooner."""
    # Without funding and with little optimism, Guinea-Bissau's war ends within the horizon
    unfunded = {"levers.criminal_funding": False, "conflict_dynamics.initial_optimism": 0.02}
    path = write_experiment(tmp_path, arms=[
        {"name": "funded", "label": "as in the scenario", "overrides": unfunded},
        {"name": "keen", "label": "a high agreement hazard",
         "overrides": {**unfunded, "conflict_dynamics.agreement_hazard_per_week": 0.4}}])
    result = run_experiment(path)
    keen = arm(result.summary, "keen")
    assert keen["hazard_ratio_ci_low"] > 1.0 and keen["logrank_p"] < 0.01
    assert "ended sooner" in result.answer
    assert keen["median_weeks"] < arm(result.summary, "funded")["median_weeks"]


def test_criminal_money_changes_the_war_only_through_its_channels(tmp_path):
    """Without a channel for criminal money to reach the war, the arms agree exactly; the lever still
    moved the money (taxes vanish)."""
    path = write_experiment(tmp_path, replicates=100, common={
        "conflict_dynamics.channels.crime_buys_fighters": False,
        "conflict_dynamics.channels.crime_lowers_war_cost": False})
    result = run_experiment(path)
    table = result.table
    funded, unfunded = table[table.arm == "funded"], table[table.arm == "unfunded"]
    assert funded["duration_weeks"].tolist() == unfunded["duration_weeks"].tolist()
    assert arm(result.summary, "unfunded")["outcomes"]["taxes_usd"]["mean"] == 0
    assert arm(result.summary, "funded")["outcomes"]["taxes_usd"]["mean"] > 0


def test_arms_share_seeds(tmp_path):
    """Common random numbers: replicate i has the same seed in every arm; an arm equal to the
    baseline gives identical durations and a hazard ratio of exactly 1."""
    path = write_experiment(tmp_path, replicates=40)
    spec = yaml.safe_load(path.read_text())
    spec["arms"].append({"name": "same", "label": "again with criminal funding",
                         "overrides": spec["arms"][0]["overrides"]})
    path.write_text(yaml.safe_dump(spec))
    table = run_experiment(path, workers=2).table
    seeds = table.pivot_table(index="replicate", columns="arm", values="seed")
    assert (seeds.nunique(axis=1) == 1).all()
    funded, same = table[table.arm == "funded"], table[table.arm == "same"]
    assert funded["duration_weeks"].tolist() == same["duration_weeks"].tolist()


def test_same_table_on_one_or_two_workers(tmp_path):
    path = write_experiment(tmp_path, replicates=30)
    one = run_experiment(path, workers=1).table
    two = run_experiment(path, workers=2).table
    pd.testing.assert_frame_equal(one, two)


def test_interrupted_experiment_resumes_to_the_same_table(tmp_path):
    path = write_experiment(tmp_path, replicates=50)
    whole = run_experiment(path, workers=2, out=tmp_path / "whole", chunk_size=10)
    calls = []

    def interrupt_in_second_arm(count):
        calls.append(count)
        if len(calls) == 7:  # five chunks of the first arm done, two of the second
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_experiment(path, workers=2, out=tmp_path / "resumed", chunk_size=10, progress=interrupt_in_second_arm)
    assert not (tmp_path / "resumed" / "replicates.parquet").exists()
    kept = sorted(p.name for p in (tmp_path / "resumed" / "arms" / "unfunded" / "replicates").iterdir())
    assert kept == ["part-00000.parquet", "part-00001.parquet"]
    resumed = run_experiment(path, workers=1, out=tmp_path / "resumed", chunk_size=10)
    pd.testing.assert_frame_equal(whole.table, resumed.table)
    written = pd.read_parquet(tmp_path / "resumed" / "replicates.parquet")
    assert not written.duplicated(["arm", "replicate", "conflict"]).any()
    assert len(written) == 2 * 50
    assert not (tmp_path / "resumed" / "arms").exists()


def test_folder_of_another_run_is_refused(tmp_path):
    path = write_experiment(tmp_path, replicates=20)
    run_experiment(path, out=tmp_path / "out")
    with pytest.raises(InputError, match="holds another result: replicates 20 in the folder, 30 now"):
        run_experiment(path, replicates=30, out=tmp_path / "out")
    rerun = run_experiment(path, replicates=30, out=tmp_path / "out", overwrite=True)
    assert rerun.table["replicate"].nunique() == 30


def test_cli_writes_summary_with_answer_and_manifest(tmp_path):
    path = write_experiment(tmp_path, replicates=100)
    out = tmp_path / "result"
    done = subprocess.run([*THREATNET, "experiment", str(path), "--out", str(out)], capture_output=True,
                          text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "hazard ratio of ending" in done.stdout
    summary = json.loads((out / "summary.json").read_text())
    assert summary["answer"] in (out / "summary.md").read_text()
    assert set(summary["arms"][1]) >= {"median_weeks", "median_ci_low", "hazard_ratio", "hazard_ratio_ci_low",
                                       "logrank_p", "censored", "end_types", "winner_sides", "outcomes"}
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["kind"] == "experiment" and manifest["seed"] == 11 and manifest["replicates"] == 100
    assert len(pd.read_parquet(out / "replicates.parquet")) == 200


@pytest.mark.parametrize("change, key, expected", [
    ({"baseline": "nobody"}, "baseline", "baseline to be one of the arms"),
    ({"replicates": 1}, "replicates", "greater than or equal to 2"),
    ({"colour": "red"}, "colour", "unknown key 'colour'"),
    ({"scenario": "missing.yaml"}, "scenario", "an existing scenario file"),
    ({"conflicts": ["narnia"]}, "conflicts", "conflicts of the scenario"),
    ({"outcomes": ["happiness"]}, "outcomes", "outcomes among"),
])
def test_bad_experiment_files_name_the_key(tmp_path, change, key, expected):
    path = write_experiment(tmp_path, **change)
    done = subprocess.run([*THREATNET, "experiment", str(path), "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert str(path) in done.stderr and key in done.stderr and expected in done.stderr
    assert not (tmp_path / "out").exists()


def test_bad_override_names_the_arm_and_key(tmp_path):
    path = write_experiment(tmp_path)
    spec = yaml.safe_load(path.read_text())
    spec["arms"][1]["overrides"]["police.un.oficers"] = 5
    path.write_text(yaml.safe_dump(spec))
    with pytest.raises(InputError) as raised:
        load_experiment(path)
    assert raised.value.file == str(path)
    assert raised.value.key == "arms[1].overrides.police.un.oficers"


@pytest.mark.parametrize("name", ["criminal_funding", "interpol_access", "un_police_strength"])
def test_shipped_experiments_are_valid(name):
    experiment = load_experiment(ROOT / "experiments" / f"{name}.yaml")
    assert len(experiment.scenarios) == len(experiment.spec.arms) >= 2


def test_without_a_hazard_ratio_the_restricted_mean_decides_the_verdict():
    """A baseline arm that never ends has no hazard ratio; the RMST ratio still compares the arms."""
    from sim.analysis.survival import verdict
    none = {"hazard_ratio": None, "hazard_ratio_ci_low": None, "hazard_ratio_ci_high": None}
    assert verdict({**none, "rmst_ratio": 0.9, "rmst_ratio_ci_low": 0.88, "rmst_ratio_ci_high": 0.92}) == \
        "conflicts ended sooner"
    assert verdict({**none, "rmst_ratio": 1.2, "rmst_ratio_ci_low": 1.1, "rmst_ratio_ci_high": 1.3}) == \
        "conflicts lasted longer"
    assert verdict({**none, "rmst_ratio": 1.0, "rmst_ratio_ci_low": 1.0, "rmst_ratio_ci_high": 1.0}).startswith("no ")
    assert verdict({**none, "rmst_ratio": None, "rmst_ratio_ci_low": None, "rmst_ratio_ci_high": None}) == "no estimate"


def test_conflicts_that_disagree_in_direction_are_named_and_the_pooled_figure_is_flagged():
    """An arm that shortens one war and lengthens another: the answer says so, naming both."""
    from sim.analysis.survival import conflict_sentence

    def conflict(name, ratio, low, high):
        return {"conflict": name, "hazard_ratio": ratio, "hazard_ratio_ci_low": low, "hazard_ratio_ci_high": high,
                "median_weeks": None, "rmst_ratio": None, "rmst_ratio_ci_low": None, "rmst_ratio_ci_high": None,
                "median_ratio": None, "median_ratio_ci_low": None, "median_ratio_ci_high": None}

    summary = {"conflict_names": {"a": "Atlantis government against rebels", "b": "Borduria against rebels"}}
    base = {"conflicts": [conflict("a", None, None, None), conflict("b", None, None, None)]}
    opposite = {"conflicts": [conflict("a", 2.0, 1.5, 2.5), conflict("b", 0.2, 0.1, 0.3)]}
    same_way = {"conflicts": [conflict("a", 2.0, 1.5, 2.5), conflict("b", 1.6, 1.2, 2.0)]}
    text = conflict_sentence(summary, opposite, base)
    assert "disagree in direction (ended sooner: Atlantis; lasted longer: Borduria)" in text
    assert "disagree" not in conflict_sentence(summary, same_way, base)
