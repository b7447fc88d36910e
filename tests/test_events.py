"""The calendar and dated events: an event changes what it names, at its week, the same in both drivers;
bad events are refused in one line; runs with a start date carry dates and calendar totals; an
experiment can move an event."""

from __future__ import annotations

import datetime
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.drivers.kernel import run_kernel
from sim.drivers.mesa import ThreatNetworkModel
from sim.model import MODEL, State, compile_from
from sim.model.generate import generated
from sim.scenario import InputError, load_scenario

from .conftest import DEFAULT

HORIZON = 80
START = datetime.date(2009, 1, 5)  # a Monday: week 1 is 5-11 January 2009
SEED = 3


def scenario_file(tmp: Path, events: list[dict], name: str = "events.yaml", **top) -> Path:
    """The default scenario, shortened, with a start date and these events."""
    body = {"extends": str(DEFAULT), "horizon_weeks": HORIZON, "start_date": START.isoformat(), "events": events}
    body.update(top)
    path = tmp / name
    path.write_text(yaml.safe_dump(body, sort_keys=False), encoding="utf-8")
    return path


FIGHTERS = {"date": "2009-06-03", "name": "army recalls reservists",  # a Wednesday of week 22
            "set": {"conflicts[guinea_bissau].belligerents[gw_government].fighters": 4500}, "source": "assumption"}
DETECTION = {"date": "2009-04-20", "name": "100% checks", "set": {"police.detection_rate_per_officer": 0.5},
             "source": "assumption"}


def field_index(name: str) -> int:
    return [f.name for f in MODEL.fields].index(name)


def test_event_week_is_the_week_that_holds_its_date(tmp_path):
    compiled = compile_from(load_scenario(scenario_file(tmp_path, [FIGHTERS, DETECTION])))
    # in date order: the checks (20 April, day 105: week 16) before the recall (3 June, day 149: week 22)
    assert compiled.initial.event_week.tolist() == [16, 22]
    assert compiled.layout.ids["events"] == ["100% checks", "army recalls reservists"]


def test_a_state_event_writes_exactly_its_element(tmp_path):
    compiled = compile_from(load_scenario(scenario_file(tmp_path, [FIGHTERS])))
    s = compiled.initial
    row = compiled.layout.belligerent_ids.index("gw_government")
    assert s.write_field.tolist() == [field_index("bel_fighters")]
    assert s.write_index.tolist() == [row] and s.write_value.tolist() == [4500.0] and s.write_event.tolist() == [0]
    # its parameters are those of the scenario: nothing else changes
    assert np.array_equal(s.event_params[0, 1:], np.array([float(v) for v in compiled.params][1:]))


def test_a_parameter_event_changes_only_its_parameter(tmp_path):
    compiled = compile_from(load_scenario(scenario_file(tmp_path, [DETECTION])))
    s = compiled.initial
    assert len(s.write_field) == 0
    base = np.array([float(v) for v in compiled.params])
    changed = np.flatnonzero(s.event_params[0] != base)
    assert [MODEL.params[i].name for i in changed] == ["detection_rate_per_officer"]
    assert s.event_params[0, changed[0]] == 0.5


def _changed(old, new) -> np.ndarray:
    """Where two copies of a field differ; NaN (a slot with no value, such as an unused route choice) equals NaN."""
    old, new = np.asarray(old), np.asarray(new)
    same = old == new
    if old.dtype.kind == "f":
        same |= np.isnan(old) & np.isnan(new)
    return np.flatnonzero(~np.asarray(same).ravel())


def test_apply_events_writes_the_element_and_nothing_else_at_its_week(tmp_path):
    compiled = compile_from(load_scenario(scenario_file(tmp_path, [FIGHTERS, DETECTION])))
    model = ThreatNetworkModel(compiled, rng=SEED)
    for _ in range(21):
        model.step()
    before = [field.copy() for field in model.state]
    assert model.params.detection_rate_per_officer == 0.5  # since week 16
    params = generated().apply_events(model.struct, model.params, 21)  # no event in week 21
    assert params == model.params and all(len(_changed(a, b)) == 0 for a, b in zip(before, model.state))
    params = generated().apply_events(model.struct, model.params, 22)
    row = compiled.layout.belligerent_ids.index("gw_government")
    for name, old, new in zip(State._fields, before, model.state):
        differs = _changed(old, new)
        assert differs.tolist() == ([row] if name == "bel_fighters" else []), name
    assert model.state.bel_fighters[row] == 4500.0 and before[field_index("bel_fighters")][row] != 4500.0
    assert params == model.params  # the recall changes no parameter


def _series(path: Path, overrides: dict | None = None):
    compiled = compile_from(load_scenario(path, overrides))
    model = ThreatNetworkModel(compiled, rng=SEED)
    model.run_model()
    state, kernel = run_kernel(compiled, SEED)
    mesa = model.series().reset_index().to_numpy()
    assert np.array_equal(mesa, kernel), "Mesa and kernel differ with events"
    for name in State._fields:
        assert np.array_equal(getattr(model.state, name), getattr(state, name), equal_nan=True), name
    return kernel, compiled.layout.series_columns


def _first_difference(a: np.ndarray, b: np.ndarray) -> int:
    """The first week whose series row differs."""
    rows = np.flatnonzero((a != b).any(axis=1))
    return int(a[rows[0], 0]) if len(rows) else -1


def test_events_take_effect_at_their_week_in_both_drivers(tmp_path):
    without, columns = _series(scenario_file(tmp_path, [], "none.yaml"))
    recall, _ = _series(scenario_file(tmp_path, [FIGHTERS], "recall.yaml"))
    assert _first_difference(without, recall) == 22
    fighters = columns.index("gw_government.fighters")
    assert np.array_equal(without[:21], recall[:21])
    assert recall[20, fighters] != recall[21, fighters]
    checks, _ = _series(scenario_file(tmp_path, [DETECTION], "checks.yaml"))
    assert _first_difference(without, checks) >= 16  # the first week a check could find something
    assert np.array_equal(without[:15], checks[:15])


def test_an_override_of_an_events_date_moves_its_effect(tmp_path):
    path = scenario_file(tmp_path, [FIGHTERS])
    without, _ = _series(scenario_file(tmp_path, [], "none.yaml"))
    moved, _ = _series(path, {"events[0].date": datetime.date(2009, 9, 1)})  # day 239: week 35
    assert _first_difference(without, moved) == 35
    value = load_scenario(path, {"events[0].set.conflicts[guinea_bissau].belligerents[gw_government].fighters": 900})
    assert value.events[0].set == {"conflicts[guinea_bissau].belligerents[gw_government].fighters": 900}


def test_an_experiment_arm_can_move_an_event(tmp_path):
    from sim.analysis.experiment import load_experiment

    scenario = scenario_file(tmp_path, [FIGHTERS])
    spec = {"name": "recall_timing", "question": "does an earlier recall change the war?", "scenario": scenario.name,
            "replicates": 2, "seed": 1, "baseline": "june",
            "arms": [{"name": "june", "label": "recall in June", "overrides": {}},
                     {"name": "march", "label": "recall in March",
                      "overrides": {"events[0].date": datetime.date(2009, 3, 2)}}]}
    path = tmp_path / "experiment.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    try:
        experiment = load_experiment(path)
    except InputError as error:  # the experiment format may need other keys: say which
        pytest.fail(str(error))
    weeks = {arm: compile_from(s).initial.event_week.tolist() for arm, s in experiment.scenarios.items()}
    assert weeks == {"june": [22], "march": [9]}


def test_without_events_nothing_is_added(default_compiled):
    s = default_compiled.initial
    assert s.event_week.shape == (0,) and s.event_params.shape == (0, len(MODEL.params))
    assert s.write_field.shape == (0,)


# --- bad events: one line, exit 2, naming the file and the key -----------------------------------------

BAD = [
    ("unknown key path", [{**FIGHTERS, "set": {"police.un.oficers": 5}}], {}, "events[0].set.police.un.oficers",
     "'oficers' is not there; did you mean 'officers'?"),
    ("date before start", [{**FIGHTERS, "date": "2008-12-31"}], {}, "events[0].date", "on or after start_date"),
    ("date beyond horizon", [{**FIGHTERS, "date": "2011-01-01"}], {}, "events[0].date", "within the horizon"),
    ("wrong type", [{**FIGHTERS, "set": {"police.un.officers": "many"}}], {}, "events[0].set.police.un.officers",
     "integer"),
    ("out of bounds", [{**FIGHTERS, "set": {"police.un.officers": -1}}], {}, "events[0].set.police.un.officers",
     "greater than or equal to 0"),
    ("distribution", [{**FIGHTERS, "set": {"conflicts[0].stakes_usd_per_week": {"lognormal": {"median": 1e6,
                                                                                            "sigma": 1}}}}],
     {}, "events[0].set.conflicts[0].stakes_usd_per_week", "not a distribution"),
    ("no start date", [FIGHTERS], {"start_date": None}, "start_date", "a start date"),
    ("bad date", [{**FIGHTERS, "date": "2009-13-01"}], {}, "events[0].date", "YYYY-MM-DD"),
    ("fixed key", [{**FIGHTERS, "set": {"horizon_weeks": 10}}], {}, "events[0].set.horizon_weeks",
     "cannot set horizon_weeks"),
    ("rename", [{**FIGHTERS, "set": {"organisations[0].id": "x"}}], {}, "events[0].set.organisations[0].id",
     "cannot rename"),
    ("list", [{**FIGHTERS, "set": {"organisations[0].markets": ["madrid"]}}], {}, "events[0].set.organisations[0].markets",
     "not a list"),
    ("cross-check", [{**FIGHTERS, "set": {"conflicts[0].belligerents[0].fighters": 1e6}}], {},
     "events[0].set.conflicts[0].belligerents[0].fighters", "at least as large as fighters"),
    ("no source", [{k: v for k, v in FIGHTERS.items() if k != "source"}], {}, "events[0].source", "required"),
    ("second event", [DETECTION, {**DETECTION, "set": {"police.alert_decay_per_week": 2}}], {},
     "events[1].set.police.alert_decay_per_week", "less than or equal to 1"),
]


@pytest.mark.parametrize("events, top, key, says", [case[1:] for case in BAD], ids=[case[0] for case in BAD])
def test_bad_events_are_refused_naming_file_and_key(tmp_path, events, top, key, says):
    path = scenario_file(tmp_path, events, **top)
    with pytest.raises(InputError) as raised:
        load_scenario(path)
    assert raised.value.file == str(path) and raised.value.key == key and says in raised.value.expected, \
        raised.value.message


def test_an_event_that_changes_the_routes_is_refused_at_compile(tmp_path):
    path = scenario_file(tmp_path, [{**FIGHTERS, "set": {"organisations[0].max_routes": 1}}])
    with pytest.raises(InputError) as raised:
        compile_from(load_scenario(path))
    assert raised.value.file == str(path) and raised.value.key == "events[0].set.organisations[0].max_routes"
    assert "the same routes" in raised.value.expected, raised.value.message


def test_an_event_that_changes_nothing_simulated_is_refused(tmp_path):
    path = scenario_file(tmp_path, [{**FIGHTERS, "set": {"network.nodes[0].lat": 5.0}}])
    with pytest.raises(InputError) as raised:
        compile_from(load_scenario(path))
    assert raised.value.key == "events[0].set.network.nodes[0].lat" and "changes nothing" in raised.value.expected
    same = scenario_file(tmp_path, [{**FIGHTERS, "set": {"police.un.officers": 10629}}], "same.yaml")
    assert compile_from(load_scenario(same)).initial.write_field.shape == (0,)  # the value it has: a no-op


ROUTES = ("routes", [{**FIGHTERS, "set": {"organisations[0].max_routes": 1}}], {},
          "events[0].set.organisations[0].max_routes", "the same routes")


@pytest.mark.parametrize("case", [BAD[0], BAD[2], BAD[6], ROUTES], ids=lambda case: case[0])
def test_bad_event_on_the_command_line_is_one_line_exit_2(tmp_path, case):
    path = scenario_file(tmp_path, case[1], **case[2])
    out = tmp_path / "run"
    result = subprocess.run([sys.executable, "-m", "sim.cli", "run", str(path), "--out", str(out)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 2 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {path}: {case[3]}: "), result.stderr
    assert not out.exists()


# --- the calendar on a run's outputs ---------------------------------------------------------------------

def test_a_run_with_a_start_date_writes_dates_and_calendar_totals(tmp_path):
    path = scenario_file(tmp_path, [DETECTION])
    out = tmp_path / "run"
    result = subprocess.run([sys.executable, "-m", "sim.cli", "run", str(path), "--driver", "kernel",
                             "--out", str(out)], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    series = pd.read_parquet(out / "series.parquet")
    assert list(series.columns[:2]) == ["week", "date"]
    assert series["date"].iloc[0] == START and series["date"].iloc[-1] == START + datetime.timedelta(weeks=HORIZON - 1)
    monthly, annual = pd.read_parquet(out / "monthly.parquet"), pd.read_parquet(out / "annual.parquet")
    assert monthly["period"].iloc[0] == datetime.date(2009, 1, 1) and monthly["days"].iloc[0] == 27
    assert annual["period"].tolist() == [datetime.date(2009, 1, 1), datetime.date(2010, 1, 1)]
    assert annual["days"].sum() == monthly["days"].sum() == 7 * HORIZON
    for flow in ("shipped_kg", "seized_kg"):
        assert flow in monthly and np.isclose(monthly[flow].sum(), series[flow].sum(), rtol=1e-12)
        assert np.isclose(annual[flow].sum(), series[flow].sum(), rtol=1e-12)
    manifest = json.loads((out / "manifest.json").read_text())
    assert "monthly.parquet" in json.dumps(manifest)


def test_a_sweep_can_vary_an_events_value(tmp_path):
    """Sweeps apply overrides to a validated scenario (compile_from), by the event's key path."""
    base = load_scenario(scenario_file(tmp_path, [DETECTION]))
    compiled = compile_from(base, {"events[0].set.police.detection_rate_per_officer": 0.25})
    position = [p.name for p in MODEL.params].index("detection_rate_per_officer")
    assert compiled.initial.event_params[0, position] == 0.25
    with pytest.raises(InputError) as raised:
        compile_from(base, {"events[0].set.police.detection_rate_per_officer": 99.0})
    assert raised.value.key == "events[0].set.police.detection_rate_per_officer", raised.value.message


def test_a_runs_outcomes_are_those_of_the_monte_carlo_replicate(tmp_path):
    """Outcomes are computed with the parameters in force at the end, by the run summary as by the kernel."""
    from sim.runners.montecarlo import run_monte_carlo
    from sim.runners.summary import flow_totals

    compiled = compile_from(load_scenario(scenario_file(tmp_path, [DETECTION, FIGHTERS])))
    assert compiled.params_at_end(7).detection_rate_per_officer == 0.5 and compiled.params_at_end(7).seed == 7
    table = run_monte_carlo(compiled, 2, seed=5, workers=1)
    row = table[table["replicate"] == 1].iloc[0]
    state, _ = run_kernel(compiled, int(row["seed"]))
    for name, value in flow_totals(compiled, state, int(row["seed"])).items():
        assert row[name] == value, name


def test_replicates_with_events_keep_the_series_of_single_runs(tmp_path):
    from sim.drivers.kernel import run_replicates

    compiled = compile_from(load_scenario(scenario_file(tmp_path, [DETECTION, FIGHTERS])))
    seeds = np.array([11, 12, 13], np.int64)
    _, _, series = run_replicates(compiled, compiled.fresh_state(), seeds, keep_series=2)
    for k in range(2):
        assert np.array_equal(series[k], run_kernel(compiled, int(seeds[k]))[1])
