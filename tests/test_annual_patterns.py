"""Statistics of calendar years (sim/patterns/annual.py): known answers on a hand-made annual table, the
annual table of a run (totals that add up, UNODC's estimate per year), pattern-file errors, and
`threatnet patterns` end to end on the test world of two corridors."""

from __future__ import annotations

import datetime
import json
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.model.observation import estimated_flows
from sim.patterns import STATISTICS, evaluate, load_patterns
from sim.patterns.annual import AnnualColumns
from sim.patterns.statistics import Weights, resample_weights
from sim.scenario import InputError

ROOT = Path(__file__).resolve().parent.parent
TWO_CORRIDORS = ROOT / "tests" / "scenarios" / "two_corridors.yaml"


def hand_made() -> pd.DataFrame:
    """Two replicates, 2006-2009: replicate 0 peaks in 2007, replicate 1 in 2008."""
    return pd.DataFrame({
        "replicate": [0, 0, 0, 0, 1, 1, 1, 1], "year": [2006, 2007, 2008, 2009] * 2,
        "via_west_africa_kg": [30e3, 50e3, 40e3, 20e3, 10e3, 30e3, 60e3, 20e3],
        "shipped_kg": [200e3] * 4 + [100e3] * 4,
    })


def value(name: str, table: pd.DataFrame, **arguments) -> float:
    statistic = STATISTICS[name]
    return statistic.value(table, statistic.arguments(**arguments))


def test_statistics_of_calendar_years_have_their_known_values():
    table = hand_made()
    assert value("annual_total", table, outcome="via_west_africa_kg", year=2007) == 40e3
    assert value("annual_total", table, outcome="via_west_africa_kg", year=2007, tonnes=True) == 40.0
    assert value("annual_change", table, outcome="via_west_africa_kg", from_year=2007, to_year=2009) == pytest.approx(-0.5)
    assert value("annual_ratio", table, numerator="via_west_africa_kg", denominator="shipped_kg",
                 from_year=2007, to_year=2007) == pytest.approx(80e3 / 300e3)
    assert value("annual_ratio", table, numerator="via_west_africa_kg", denominator="shipped_kg",
                 from_year=2006, to_year=2009) == pytest.approx(260e3 / 1200e3)
    assert value("peak_year", table, outcome="via_west_africa_kg", from_year=2006, to_year=2009) == 2007.5
    assert value("peak_year", table, outcome="via_west_africa_kg", from_year=2008, to_year=2009) == 2008.0


def test_the_change_between_two_months_reads_only_their_rows():
    """Monthly rows (`month` 1-12) beside the years' rows (`month` 0): a change between two months sums
    its outcomes, and the statistics of years do not see the months."""
    table = pd.DataFrame({
        "replicate": [0, 0, 0, 1, 1, 1], "year": [2008] * 6, "month": [0, 1, 5] * 2,
        "amsterdam.courier_seized_kg": [900.0, 100.0, 20.0, 700.0, 300.0, 60.0],
        "london.couriers_arrived": [0.0, 10.0, 30.0, 0.0, 30.0, 50.0],
    })
    assert value("monthly_change", table, outcomes=["amsterdam.courier_seized_kg"], from_month="2008-01",
                 to_month="2008-05") == pytest.approx(40.0 / 200.0 - 1.0)
    assert value("monthly_change", table, outcomes=["amsterdam.courier_seized_kg", "london.couriers_arrived"],
                 from_month="2008-01", to_month="2008-05") == pytest.approx(80.0 / 220.0 - 1.0)
    assert value("annual_total", table, outcome="amsterdam.courier_seized_kg", year=2008) == 800.0
    assert np.isnan(value("monthly_change", table, outcomes=["london.couriers_arrived"], from_month="2008-02",
                          to_month="2008-05"))  # no such month: undefined, not zero


def test_a_bootstrap_resamples_whole_replicates():
    table = hand_made()
    statistic = STATISTICS["peak_year"]
    arguments = statistic.arguments(outcome="via_west_africa_kg", from_year=2006, to_year=2009)
    draws = statistic.bootstrap(table, arguments, table["replicate"].to_numpy(), 400, seed=3)
    assert set(np.unique(draws)) == {2007.0, 2007.5, 2008.0}  # each resample: (0, 0), (0, 1) or (1, 1)
    columns = AnnualColumns.of(table)
    weights = next(resample_weights(table["replicate"].to_numpy(), 5, seed=3))
    assert isinstance(weights, Weights) and statistic.compute(columns, weights, arguments).shape == (5,)


def test_the_annual_table_of_a_run_adds_up_and_carries_unodcs_estimate():
    from sim.runners.calendar import annual_by_replicate
    from sim.runners.montecarlo import run_monte_carlo_series
    from sim.scenario import load_scenario

    scenario = load_scenario(TWO_CORRIDORS)
    _, series = run_monte_carlo_series(scenario, 3, seed=5, workers=1)
    annual = annual_by_replicate(series, scenario.start_date)
    assert sorted(annual["replicate"].unique()) == [0, 1, 2]
    assert annual["year"].min() == 2005 and annual["year"].max() == 2009
    assert sorted(annual["month"].unique()) == list(range(13))  # the years' rows (0), then the months'
    for replicate, weekly in series.groupby("replicate"):
        rows = annual[annual["replicate"] == replicate]
        for period in (rows[rows["month"] == 0], rows[rows["month"] > 0]):
            assert period["days"].sum() == 7 * len(weekly)
            for flow in ("shipped_kg", "via_west_africa_kg", "seized_europe_kg", "market.seized_kg"):
                assert period[flow].sum() == pytest.approx(weekly[flow].sum())
    by_hand = (annual["seized_europe_via_west_africa_kg"] / annual["seized_europe_kg"]
               * (annual["delivered_kg"] + annual["seized_europe_kg"])).fillna(0.0)
    assert np.allclose(annual["west_africa_flow_estimated_kg"], by_hand)
    assert np.allclose(estimated_flows(annual), by_hand)


def write_patterns(folder: Path, body: str) -> Path:
    path = folder / "trafficking.yaml"
    path.write_text(textwrap.dedent("""\
        name: trafficking_test
        seed: 1
        bootstrap: 200
        patterns:
        """) + textwrap.indent(textwrap.dedent(body), "  "))
    return path


GOOD = """\
- name: flow_2006
  statistic: {annual_total: {outcome: via_west_africa_kg, year: 2006, tonnes: true}}
  target: {band: [0, 1000], assumption: "a test band"}
  source: "test"
  role: fit
- name: flow_change
  statistic: {annual_change: {outcome: west_africa_flow_estimated_kg, from_year: 2006, to_year: 2008}}
  target: {band: [-1, 10], assumption: "a test band"}
  source: "test"
  role: test
"""


def test_a_pattern_naming_an_unknown_outcome_is_refused_in_one_line(tmp_path):
    path = write_patterns(tmp_path, GOOD.replace("west_africa_flow_estimated_kg", "west_africa_flow_kg"))
    with pytest.raises(InputError) as error:
        load_patterns(path)
    assert error.value.key == "patterns[1].statistic.annual_change.outcome"
    assert "west_africa_flow_estimated_kg" in str(error.value) and "got 'west_africa_flow_kg'" in str(error.value)


MONTHLY = """\
- name: couriers
  statistic: {monthly_change: {outcomes: [market.courier_seized_kg], from_month: "2006-01", to_month: "2006-05"}}
  target: {band: [-1, 10], assumption: "a test band"}
  source: "test"
  role: test
"""


def test_a_monthly_pattern_naming_an_unknown_series_or_node_is_refused_in_one_line(tmp_path):
    from sim.patterns.command import run_patterns

    with pytest.raises(InputError) as error:
        load_patterns(write_patterns(tmp_path, MONTHLY.replace("courier_seized_kg", "courier_kg")))
    assert error.value.key == "patterns[0].statistic.monthly_change.outcomes[0]" and "got 'market.courier_kg'" \
        in str(error.value)
    path = write_patterns(tmp_path, MONTHLY.replace("market.", "atlantis."))
    with pytest.raises(InputError) as error:
        run_patterns(TWO_CORRIDORS, path, replicates=2, out=tmp_path / "out")
    assert error.value.key == "patterns[0].statistic.monthly_change.outcomes[0]" and "atlantis" in str(error.value)
    assert not (tmp_path / "out").exists()


def test_an_annual_pattern_cannot_select_a_conflict(tmp_path):
    path = write_patterns(tmp_path, GOOD.replace("  role: fit", "  role: fit\n  conflict: hub_war"))
    with pytest.raises(InputError) as error:
        load_patterns(path)
    assert "annual table" in str(error.value)


def test_a_year_outside_the_scenarios_calendar_is_refused_before_anything_runs(tmp_path):
    from sim.patterns.command import run_patterns

    path = write_patterns(tmp_path, GOOD.replace("year: 2006, tonnes", "year: 2011, tonnes"))
    with pytest.raises(InputError) as error:
        run_patterns(TWO_CORRIDORS, path, replicates=2, out=tmp_path / "out")
    assert error.value.key == "patterns[0].statistic.annual_total" and "2005-2009" in str(error.value)
    assert not (tmp_path / "out").exists()


def test_threatnet_patterns_reads_annual_totals_and_writes_the_annual_table(tmp_path):
    from sim.patterns.command import format_results, run_patterns

    path = write_patterns(tmp_path, GOOD)
    report = run_patterns(TWO_CORRIDORS, path, replicates=6, seed=2, workers=1, out=tmp_path / "out")
    assert [r.passed for r in report.results] == [True, True]
    annual = pd.read_parquet(tmp_path / "out" / "annual.parquet")
    years = annual[annual["month"] == 0]
    assert len(years) == 6 * 5 and set(annual["scenario"]) == {"two_corridors"}
    mean_2006 = years.loc[years["year"] == 2006, "via_west_africa_kg"].mean() / 1000
    assert report.results[0].value == pytest.approx(mean_2006)
    assert report.results[0].ci_low <= mean_2006 <= report.results[0].ci_high
    assert "flow_2006" in format_results(report)
    again = evaluate(report.episodes, load_patterns(path), seed=2, annual=annual)
    assert [r.value for r in again] == [r.value for r in report.results]


def test_the_calendar_of_a_scenario_starts_on_its_start_date():
    from sim.scenario import load_scenario

    assert load_scenario(TWO_CORRIDORS).start_date == datetime.date(2005, 1, 3)


def test_a_scenario_the_file_names_is_scored_on_its_own_patterns_and_the_others_are_listed(tmp_path):
    """Given a scenario that some pattern names (by file name, here a copy elsewhere), only its patterns and
    those naming none are scored; the rest are listed as not scored, in the table, the JSON and the
    manifest, whose hash is the whole file's. A scenario the file does not name is scored on all."""
    from sim.patterns.command import format_results, run_patterns

    named = GOOD.replace("  role: fit\n", "  role: fit\n  scenario: two_corridors\n", 1)
    elsewhere = named.split("- name: flow_change")[0].replace("flow_2006", "elsewhere").replace(
        "two_corridors", "schiphol_checks_2008")
    path = write_patterns(tmp_path, named + elsewhere)
    text = TWO_CORRIDORS.read_text().replace("extends: ../../scenarios/", f"extends: {ROOT / 'scenarios'}/")
    copy, what_if = tmp_path / "two_corridors.yaml", tmp_path / "what_if.yaml"
    copy.write_text(text)
    what_if.write_text(text)
    report = run_patterns(copy, path, replicates=2, seed=2, workers=1, out=tmp_path / "out")
    assert [r.name for r in report.results] == ["flow_2006", "flow_change"] and report.skipped == ("elsewhere",)
    assert "not scored: elsewhere" in format_results(report)
    assert json.loads(report.to_json())["not_scored"] == ["elsewhere"]
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["not_scored"] == ["elsewhere"]
    assert manifest["identity"]["patterns_hash"] == load_patterns(path).fingerprint()
    everything = run_patterns(what_if, path, replicates=2, seed=2, workers=1)
    assert len(everything.results) == 3 and everything.skipped == ()
