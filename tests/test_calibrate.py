"""threatnet calibrate: a search that is reproducible, stays inside its ranges, and writes a results folder."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.analysis.calibrate import load_calibration, run_calibration
from sim.scenario import InputError

ROOT = Path(__file__).resolve().parents[1]
THREATNET = [sys.executable, "-c", "import sim.cli; sim.cli.main()"]


def small_calibration_spec() -> dict:
    spec = yaml.safe_load((ROOT / "calibrations" / "civil_wars.yaml").read_text())
    spec.update(scenario=str(ROOT / "scenarios" / "civil_war_reference.yaml"),
                patterns=str(ROOT / "patterns" / "ucdp_civil_wars.yaml"), replicates=40, sample=4,
                refine_rounds=1, refine_points=2, confirm_replicates=40, parameters=spec["parameters"][:3])
    return spec


def small_calibration(folder: Path, **changes) -> Path:
    spec = small_calibration_spec()
    spec.update(changes)
    path = folder / "calibration.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


def test_the_search_is_reproducible_and_stays_in_its_ranges(tmp_path):
    path = small_calibration(tmp_path)
    first = run_calibration(path, tmp_path / "one")
    second = run_calibration(path, tmp_path / "two")
    assert first["chosen"] == second["chosen"]
    ranges = {p.key: p.range for p in load_calibration(path).spec.parameters}
    for key, value in first["chosen"].items():
        assert ranges[key][0] <= value <= ranges[key][1]
    points = pd.read_parquet(tmp_path / "one" / "points.parquet")
    assert len(points) == 4 + 2 and set(points["stage"]) == {"sample", "refine 1"}
    best = points.sort_values(["distance", "closeness"]).iloc[0]
    assert {key: best[key] for key in ranges} == first["chosen"]
    manifest = json.loads((tmp_path / "one" / "manifest.json").read_text())
    assert manifest["kind"] == "calibration" and manifest["status"] == "complete"
    results = json.loads((tmp_path / "one" / "patterns.json").read_text())["results"]
    assert {r["role"] for r in results} == {"fit", "test"}  # held-out patterns reported beside the fitted ones


def test_a_shortlist_re_scores_the_best_points_and_chooses_among_them(tmp_path):
    """With `shortlist: 3` the three best points of the noisy search are scored again with more replicates
    on a seed of their own, and the chosen point is the best of those scores, not of the search's."""
    path = small_calibration(tmp_path, shortlist=3, confirm_replicates=60)
    record = run_calibration(path, tmp_path / "out")
    points = pd.read_parquet(tmp_path / "out" / "points.parquet")
    rescored = points.dropna(subset=["shortlist_distance"])
    searched = points.sort_values(["distance", "closeness"], kind="stable")
    assert list(rescored.index) == sorted(searched.index[:3])
    assert not rescored[["shortlist_distance", "shortlist_closeness"]].equals(rescored[["distance", "closeness"]])
    best = rescored.sort_values(["shortlist_distance", "shortlist_closeness"], kind="stable").iloc[0]
    assert record["chosen"] == {key: best[key] for key in record["chosen"]}
    assert record["shortlist_distance"] == best["shortlist_distance"]


def test_a_bad_calibration_file_is_one_line_naming_the_key(tmp_path):
    path = small_calibration(tmp_path, parameters=[{"key": "conflict_dynamics.no_such_thing", "range": [0, 1],
                                                    "source": "assumption"}])
    with pytest.raises(InputError) as caught:
        load_calibration(path)
    assert "no_such_thing" in str(caught.value)
    bad_range = small_calibration(tmp_path, parameters=[{"key": "conflict_dynamics.attrition_rate_per_week",
                                                         "range": [0.01, 0.001], "source": "assumption"}])
    result = subprocess.run([*THREATNET, "calibrate", str(bad_range)], capture_output=True, text=True)
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "parameters[0]" in result.stderr and "low < high" in result.stderr


def test_a_shared_assumption_sets_every_key_it_names(tmp_path):
    shared = {"key": "police.alert_gain", "also": ["police.alert_decay_per_week"], "range": [0.1, 0.3],
              "source": "assumption"}
    spec = load_calibration(small_calibration(tmp_path, parameters=[shared])).spec
    from sim.analysis.calibrate import to_values
    assert to_values(spec, [0.5]) == pytest.approx({"police.alert_gain": 0.2, "police.alert_decay_per_week": 0.2})
    bad = small_calibration(tmp_path, parameters=[{**shared, "also": ["police.no_such_key"]}])
    with pytest.raises(InputError) as caught:
        load_calibration(bad)
    assert "no_such_key" in str(caught.value)


def test_a_calibration_scores_only_the_patterns_its_scenario_simulates(tmp_path):
    """The trafficking calibration searches the corridor's keys: the Schiphol checks (another scenario,
    which extends the corridor) are not read from the corridor's table; a scenario that simulates no fit
    pattern of the file is refused in one line."""
    calibration = load_calibration(ROOT / "calibrations" / "west_africa_trafficking.yaml")
    from sim.patterns import load_patterns
    patterns = load_patterns(calibration.patterns_path)
    scored = patterns.simulated_by(calibration.scenario_path)
    names = {pattern.name for pattern in scored.patterns}
    assert names == {pattern.name for pattern in patterns.patterns if pattern.scenario == "west_africa_2005_2012"}
    assert names and not any(name.startswith("schiphol") for name in names)
    ucdp = load_patterns(ROOT / "patterns" / "ucdp_civil_wars.yaml")
    assert len(ucdp.simulated_by(ROOT / "scenarios" / "civil_war_reference.yaml").patterns) == len(ucdp.patterns)
    held_out = yaml.safe_load((ROOT / "patterns" / "west_africa_trafficking.yaml").read_text())
    for pattern in held_out["patterns"]:
        pattern["role"] = "test" if pattern["scenario"] == "schiphol_checks_2008" else pattern["role"]
    (tmp_path / "patterns.yaml").write_text(yaml.safe_dump(held_out, sort_keys=False))
    spec = yaml.safe_load((ROOT / "calibrations" / "courier_memory.yaml").read_text())
    spec.update(scenario=str(ROOT / "scenarios" / "schiphol_checks_2008.yaml"), patterns=str(tmp_path / "patterns.yaml"))
    path = tmp_path / "schiphol.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    with pytest.raises(InputError) as caught:
        load_calibration(path)
    assert "role: fit" in str(caught.value)


def test_a_point_on_the_edge_of_a_log_range_is_inside_it():
    """exp(log(520)) is 520.0000000000005: a range ending at a scenario's bound (memory_weeks <= 520) must
    not hand the scenario a value past it at the unit box's corner."""
    from sim.analysis.calibrate import CalibrationSpec, to_values
    document = yaml.safe_load((ROOT / "calibrations" / "west_africa_trafficking.yaml").read_text())
    for parameter in document["parameters"]:
        if parameter["key"] == "organisations[0].memory_weeks":
            parameter["range"] = [8.0, 520.0]
    spec = CalibrationSpec.model_validate(document)
    memory = next(p for p in spec.parameters if p.key == "organisations[0].memory_weeks")
    assert memory.log and memory.range[1] == 520.0
    for corner in (0.0, 1.0):
        values = to_values(spec, np.full(len(spec.parameters), corner))
        assert all(p.range[0] <= values[p.key] <= p.range[1] for p in spec.parameters)
        assert values["organisations[0].memory_weeks"] == memory.range[int(corner)]


def test_separated_starts_take_the_best_point_of_each_basin():
    """Starts are the best points by (distance, closeness), skipping any closer than the separation to a
    better one already taken."""
    from sim.analysis.calibrate import separated_starts
    points = pd.DataFrame({"distance": [0.0, 0.0, 0.1, 0.2, 0.3], "closeness": [2.0, 1.0, 0.0, 0.0, 0.0],
                           "u0": [0.50, 0.52, 0.90, 0.10, 0.11]})
    assert separated_starts(points, ["u0"], 3, 0.3) == [1, 2, 3]  # 0 is beside 1 (better); 4 beside 3
    assert separated_starts(points, ["u0"], 2, 0.01) == [1, 0]
    assert separated_starts(points, ["u0"], 5, 0.9) == [1]  # nothing else far enough


def test_several_starts_refine_each_basin_apart(tmp_path):
    """With `starts: 2` each start gets its own rounds around its own best points, and the search is
    reproducible; with one start the rounds refine around the search's best (the earlier behaviour)."""
    path = small_calibration(tmp_path, sample=8, starts=2, start_separation=0.3, refine_rounds=2, refine_points=2)
    record = run_calibration(path, tmp_path / "one")
    points = pd.read_parquet(tmp_path / "one" / "points.parquet")
    assert len(points) == 8 + 2 * 2 * 2
    assert set(points["stage"]) == {"sample", "refine 1 from start 1", "refine 2 from start 1",
                                    "refine 1 from start 2", "refine 2 from start 2"}
    samples = points[points["stage"] == "sample"]
    starts = samples[samples["basin"] >= 0]
    assert sorted(starts["basin"]) == [0, 1]
    units = starts[[f"u{i}" for i in range(3)]].to_numpy()
    assert np.linalg.norm(units[0] - units[1]) >= 0.3
    for basin in (0, 1):
        refined = points[points["stage"].str.endswith(f"start {basin + 1}")]
        assert (refined["basin"] == basin).all()
        start = starts[starts["basin"] == basin][[f"u{i}" for i in range(3)]].to_numpy()[0]
        first = refined[refined["stage"].str.startswith("refine 1")][[f"u{i}" for i in range(3)]].to_numpy()
        assert np.all(np.abs(first - start) < 0.6)  # steps of 0.1 around the basin's only point
    assert run_calibration(path, tmp_path / "two")["chosen"] == record["chosen"]
    one_start = small_calibration(tmp_path, sample=8, refine_rounds=2, refine_points=2)
    run_calibration(one_start, tmp_path / "three")
    assert "basin" not in pd.read_parquet(tmp_path / "three" / "points.parquet").columns


def test_a_search_can_begin_at_the_scenarios_own_values(tmp_path):
    """With `start_at_scenario` the first point tried is the scenario's current values of the searched
    parameters (the last calibration's choice), read through `extends:` and events' `set`; then each of
    `start_points` (which must lie in the ranges), then the sample."""
    from sim.analysis.calibrate import scenario_values, to_unit, to_values
    ranges = {p["key"]: p["range"] for p in small_calibration_spec()["parameters"]}
    named = {key: low + 0.25 * (high - low) for key, (low, high) in ranges.items()}
    path = small_calibration(tmp_path, start_at_scenario=True, start_points=[named])
    calibration = load_calibration(path)
    current = scenario_values(calibration)
    run_calibration(path, tmp_path / "out")
    points = pd.read_parquet(tmp_path / "out" / "points.parquet")
    assert list(points["stage"][:3]) == ["scenario", "start point", "sample"] and len(points) == 2 + 4 + 2
    for key, value in current.items():
        assert points.loc[0, key] == pytest.approx(value, rel=1e-9)
    for key, value in named.items():
        assert points.loc[1, key] == pytest.approx(value, rel=1e-9)
    outside = small_calibration(tmp_path, start_points=[{**named, next(iter(named)): 1e9}])
    with pytest.raises(InputError, match="outside its range"):
        load_calibration(outside)
    spec = calibration.spec
    assert to_values(spec, to_unit(spec, current)) == pytest.approx(current, rel=1e-9)
    corridor = load_calibration(ROOT / "calibrations" / "west_africa_trafficking.yaml")
    values = scenario_values(corridor)
    corridor_file = yaml.safe_load((ROOT / "scenarios" / "west_africa_2005_2012.yaml").read_text())
    written = corridor_file["events"][4]["set"]["police.maritime[0].detection"]
    assert values["events[4].set.police.maritime[0].detection"] == written  # an event's `set`, in the file
    assert values["organisations[0].memory_weeks"] > 0  # through `extends:` (west_africa_2009.yaml)
