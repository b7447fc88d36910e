"""Views and reports of every kind of result: the figures hold what they say, and stay small.

Result folders are made once per session by the real commands (`threatnet run`, `mc`,
`experiment`, `sweep` + `analyze`) through the Typer app, small enough to take seconds. The
browser tests (`test_report_browser.py`) reuse the same folders.
"""

from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from typer.testing import CliRunner

from sim import views
from sim.cli import app
from sim.report import REPORT_NAME, plotly_gzip_base64, report_html, write_report
from sim.analysis.survival import kaplan_meier_median

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ROOT / "scenarios" / "west_africa_2009.yaml"
EXPERIMENT = ROOT / "experiments" / "criminal_funding.yaml"
PLOTLY_JS_BYTES = len(plotly_gzip_base64())  # plotly.js as the page carries it

TINY_SWEEP = """\
name: tiny_sobol
scenario: {scenario}
design: {{kind: sobol, samples: 4, second_order: false}}
replicates: 10
seed: 7
outcomes: [mean_duration_weeks, share_ended, seizure_rate, belligerent_funding_share_from_crime]
parameters:
  - {{name: protection_tax_share, key: conflict_dynamics.protection_tax_share, range: [0.005, 0.05]}}
  - {{name: corruption_scale, key: levers.corruption_scale, range: [0.5, 1.2]}}
"""
TINY_GRID = """\
name: tiny_grid
scenario: {scenario}
design: {{kind: grid}}
replicates: 8
seed: 7
outcomes: [mean_duration_weeks, share_ended, seizure_rate]
parameters:
  - {{name: un_police_officers, key: police.un.officers, values: [2400, 18000]}}
  - {{name: host_database_access, key: levers.database_access.host, values: [false, true]}}
"""


def threatnet(*args: str) -> str:
    """Run a threatnet command in-process; fail the test with its output if it fails."""
    outcome = CliRunner().invoke(app, [str(arg) for arg in args])
    assert outcome.exit_code == 0, outcome.output
    return outcome.output


def make_run(folder: Path, scenario: Path | str = DEFAULT) -> Path:
    threatnet("run", scenario, "--driver", "kernel", "--seed", "3", "--out", folder)
    return folder


def make_mc(folder: Path, replicates: int = 200, series: int = 3) -> Path:
    threatnet("mc", DEFAULT, "--replicates", replicates, "--series-sample", series, "--workers", 1, "--out", folder)
    return folder


def make_experiment(folder: Path, replicates: int = 200) -> Path:
    threatnet("experiment", EXPERIMENT, "--replicates", replicates, "--workers", 1, "--out", folder)
    return folder


def make_sweep(folder: Path) -> Path:
    """A real Sobol sweep of 16 points x 10 replicates, analysed."""
    spec = folder.parent / "tiny_sweep.yaml"
    spec.write_text(TINY_SWEEP.format(scenario=DEFAULT))
    threatnet("sweep", spec, "--workers", 1, "--out", folder)
    threatnet("analyze", folder)
    return folder


def make_grid(folder: Path) -> Path:
    """A real grid sweep of 2 x 2 points x 8 replicates, analysed (main effects, not SALib indices)."""
    spec = folder.parent / "tiny_grid.yaml"
    spec.write_text(TINY_GRID.format(scenario=DEFAULT))
    threatnet("sweep", spec, "--workers", 1, "--out", folder)
    threatnet("analyze", folder)
    return folder


def make_patterns(folder: Path) -> Path:
    """The UCDP patterns checked on a small population of the reference civil wars."""
    threatnet("patterns", ROOT / "scenarios" / "civil_war_reference.yaml", ROOT / "patterns" / "ucdp_civil_wars.yaml",
              "--replicates", 60, "--workers", 1, "--out", folder)
    return folder


MIN_FIGURES = {"patterns": 1}  # a patterns report is one figure; the others have three or more
BUILDERS = {"run": make_run, "mc": make_mc, "experiment": make_experiment, "sweep": make_sweep, "grid": make_grid,
            "patterns": make_patterns}


@pytest.fixture(scope="session")
def results(tmp_path_factory) -> dict[str, Path]:
    """One small result folder of each kind, made by the real commands."""
    base = tmp_path_factory.mktemp("results")
    return {kind: build(base / kind) for kind, build in BUILDERS.items()}


def data_bytes(page: str) -> int:
    """Bytes of a report beyond the embedded plotly.js: what grows with the data."""
    return len(page.encode()) - PLOTLY_JS_BYTES


# --- reading results ----------------------------------------------------------------------------

def test_counts_from_a_folder_equal_counts_from_its_rows(results):
    rows = pd.read_parquet(results["mc"] / "replicates")
    from_folder = views.duration_counts(results["mc"], "conflict").sort_values(["conflict", "duration_weeks", "ended"])
    from_rows = views.duration_counts(rows, "conflict").sort_values(["conflict", "duration_weeks", "ended"])
    assert from_folder["count"].sum() == len(rows)
    pd.testing.assert_frame_equal(from_folder.reset_index(drop=True), from_rows.reset_index(drop=True),
                                  check_dtype=False)


def test_weighted_kaplan_meier_on_counts_gives_the_median_of_the_rows(results):
    rows = pd.read_parquet(results["mc"] / "replicates")
    counts = views.duration_counts(rows, "conflict")
    for conflict, mine in rows.groupby("conflict"):
        _, median = views.kaplan_meier(counts[counts["conflict"] == conflict])
        assert median == pytest.approx(kaplan_meier_median(mine["duration_weeks"], mine["ended"]))


def test_open_result_refuses_what_is_not_a_result(tmp_path):
    from sim.scenario import InputError
    with pytest.raises(InputError, match="not found"):
        views.open_result(tmp_path / "missing")
    with pytest.raises(InputError, match="no manifest.json"):
        views.open_result(tmp_path)
    (tmp_path / "manifest.json").write_text(json.dumps({"kind": "poem"}))
    with pytest.raises(InputError, match="kind"):
        views.open_result(tmp_path)


# --- figures ------------------------------------------------------------------------------------

def test_network_map_of_a_run_draws_every_leg_with_tonnes_and_police(results):
    figure = views.network_map(results["run"])
    edges = pd.read_parquet(results["run"] / "edges.parquet")
    legs = [t for t in figure.data if t.mode == "lines" and t.showlegend is False and t.hoverinfo == "skip"
            and len(t.lat) == 2]
    assert len(legs) == 2 * len(edges)  # the corridor and the enlarged West Africa
    widths = {round(t.line.width, 3) for t in legs}
    assert len(widths) > 5  # widths follow tonnes
    hover = next(t for t in figure.data if t.name and t.name.startswith("leg midpoint"))
    assert any("t moved" in text and "seizure rate" in text for text in hover.hovertext)
    names = {t.name for t in figure.data if t.showlegend is not False}
    assert "host-state police, without INTERPOL databases" in names
    assert "UN police, without INTERPOL databases" in names
    assert hover.marker.colorbar.title.text.startswith("seizure rate")


def test_network_map_without_flows_shows_the_structure(results):
    figure = views.network_map(results["mc"])
    assert "recorded by threatnet run" in figure.layout.title.text
    assert any(t.name == "trafficking leg" for t in figure.data)


def test_survival_curves_per_conflict_have_bands_and_medians(results):
    figure = views.survival_curves(results["mc"])
    lines = [t for t in figure.data if t.name and "median" in t.name]
    assert len(lines) == 4  # the four conflicts of the default scenario
    assert all(len(t.x) <= 1041 for t in figure.data)  # at most one point per week
    assert sum(t.fill == "tonexty" for t in figure.data) == 4
    assert all(0 <= v <= 100 for t in lines for v in t.y)
    assert figure.layout.xaxis.title.text == "years since the start of the run"


def test_survival_curves_of_an_experiment_carry_its_hazard_ratios(results):
    summary = json.loads((results["experiment"] / "summary.json").read_text())
    figure = views.survival_curves(results["experiment"])
    names = [t.name for t in figure.data if t.name]
    for arm in summary["arms"]:
        name = next(n for n in names if n.startswith(arm["label"]))
        if arm["arm"] == summary["baseline"]:
            assert name.endswith("baseline")
        elif arm["hazard_ratio"] is not None:
            assert f"HR {arm['hazard_ratio']:.2f}" in name
        median = "beyond horizon" if arm["median_weeks"] is None else f"{arm['median_weeks']:.0f} wk"
        assert f"median {median}" in name  # the summary's median, from the same rows


def test_duration_histogram_and_end_types_add_up_to_all_conflicts(results):
    data = views.survival_data(results["mc"])
    histogram = views.duration_histogram(data)
    for trace in histogram.data:
        censored = float(trace.name.split("(")[-1].split("%")[0])
        assert sum(trace.y[:-1]) + censored == pytest.approx(100, abs=1)
    shares = views.end_type_shares(data)
    totals = np.sum([np.asarray(t.x) for t in shares.data], axis=0)
    assert totals == pytest.approx(100)


def one_scale(figure: go.Figure) -> bool:
    """Every y axis but one matches that one (make_subplots' shared_yaxes="all")."""
    matches = [axis.matches for axis in figure.select_yaxes()]
    return matches.count(None) == 1 and len(set(matches) - {None}) == 1


def test_series_of_sample_replicates_are_a_median_with_bands(results):
    sampled = views.SeriesViews(results["mc"])
    assert sampled.replicates == [0, 1, 2] and sampled.block == 13
    flows, strength, funding = sampled.figures()
    assert "median of 3 sample replicates, 50% and 90% bands" in flows.layout.title.text
    shipped = [t for t in flows.data if t.name == "shipped"]
    assert len(shipped) == 1  # one median line, not one line per replicate
    assert sum(t.fill == "tonexty" for t in flows.data) == 2 * 5  # 50% and 90% bands of five series
    assert all(axis.rangemode == "tozero" for axis in flows.select_yaxes())
    assert all(len(t.x) <= 90 for t in flows.data)
    assert flows.layout.xaxis.title.text is None and flows.layout.xaxis3.title.text == "years since the start"


def test_strength_stops_where_the_conflict_ends(results):
    series = views.sample_series(results["run"])
    one = views.SeriesViews(results["run"])
    strength = one.strength()
    for conflict in ("guinea_bissau", "cote_divoire", "liberia", "sierra_leone"):
        ended = series.loc[series[f"{conflict}.active"] < 0.5, "week"]
        if ended.empty:
            continue
        end_years = ended.iloc[0] / (365.25 / 7)
        lines = [t for t in strength.data if t.mode == "lines" and t.name in ("government forces",
                                                                             "rebels or armed factions")]
        assert lines
        markers = [t for t in strength.data if t.mode == "markers+text"]
        assert any(abs(t.x[0] - end_years) < 0.3 for t in markers)
    drawn_to = max(max(t.x) for t in strength.data if t.mode == "lines" and "liberia" not in str(t.hovertemplate))
    assert drawn_to <= series["week"].max() / (365.25 / 7) + 0.3
    assert {t.legendgroup for t in strength.data if t.showlegend} == {"government", "rebel"}
    # one y scale where panels are compared
    assert one_scale(strength)


def test_series_of_one_run_name_its_seed_and_units(results):
    flows, strength, funding = views.series_figures(results["run"])
    assert "one replicate (seed 3)" in flows.layout.title.text
    units = [axis.title.text for axis in flows.select_yaxes()]
    assert units[:2] == ["tonnes per week"] * 2 and all("US$" in unit for unit in units[2:])
    assert "crime (taxes on trafficking)" in {t.name for t in funding.data}
    assert one_scale(funding)


def test_declared_series_appear_by_name(results):
    """A series the model declares is drawn by its name alone: run-level and per entity."""
    seized = views.declared_series(results["mc"], "seized_kg")
    assert seized is not None and any(t.name for t in seized.data)
    treasury = views.declared_series(results["mc"], "treasury_usd")
    assert treasury is not None and len(treasury.layout.annotations) == 8  # one panel per belligerent
    assert views.declared_series(results["mc"], "no_such_series") is None


def test_sweep_views_follow_the_analysis(results):
    analysis = json.loads((results["sweep"] / "analysis.json").read_text())
    heatmap = views.sweep_heatmap(results["sweep"])
    ranked = sorted(analysis["outcomes"]["mean_duration_weeks"].items(), key=lambda item: -item[1]["ST"])
    assert heatmap.layout.xaxis.title.text.endswith(f"({ranked[0][0]})")
    assert np.asarray(heatmap.data[0].z).ndim == 2
    parallel = views.sweep_parallel(results["sweep"])
    assert [d.label for d in parallel.data[0].dimensions][-1].startswith("mean conflict duration")
    bars = views.sensitivity_bars(results["sweep"])
    assert [t.name for t in bars.data] == ["first order (S1)", "total (ST)"]
    assert all(t.error_x.array is not None for t in bars.data)


def test_heatmap_writes_values_and_centres_colour_on_the_reference(results):
    heatmap = views.sweep_heatmap(results["sweep"])
    trace = heatmap.data[0]
    z = np.asarray(trace.z, dtype=float)
    filled = [(value, text) for row_z, row_t in zip(z, trace.text) for value, text in zip(row_z, row_t)
              if not np.isnan(value)]
    assert filled and all(text.lstrip("~").replace(",", "") for _, text in filled)
    assert all(abs(float(text.lstrip("~").replace(",", "")) - value) <= 0.51 for value, text in filled)
    assert trace.zmid is not None and trace.zmin < trace.zmid < trace.zmax
    assert trace.zmid - trace.zmin == pytest.approx(trace.zmax - trace.zmid)
    assert "base scenario" in heatmap.layout.title.text
    parallel = views.sweep_parallel(results["sweep"])
    assert (parallel.data[0].line.cmin, parallel.data[0].line.cmax) == (trace.zmin, trace.zmax)  # one scale


def test_unreliable_sobol_estimates_carry_a_warning(results):
    """The tiny sweep (N = 4) fails the sanity checks; clean indices pass them."""
    from sim.views.sweep import sobol_problems

    warnings = views.sensitivity_warnings(results["sweep"], "mean_duration_weeks")
    assert warnings and "raise N" in warnings[0]
    assert "UNRELIABLE" in views.sensitivity_bars(results["sweep"]).layout.title.text
    clean = pd.DataFrame([{"parameter": "a", "S1": 0.5, "S1_conf": 0.04, "ST": 0.6, "ST_conf": 0.05},
                          {"parameter": "b", "S1": 0.2, "S1_conf": 0.03, "ST": 0.3, "ST_conf": 0.04}])
    assert sobol_problems(clean) == []
    swapped = clean.assign(S1=[0.7, 0.2])
    assert [p for p, _ in sobol_problems(swapped)] == ["a"]
    negative = clean.assign(S1=[-0.3, 0.2])
    assert any("outside [0, 1]" in text for _, text in sobol_problems(negative))


def test_sweep_report_labels_only_salib_results_as_salib(results):
    page = report_html(results["sweep"])
    assert "computed by SALib" in page and "From threatnet analyze (SALib)" not in page
    grid = report_html(results["grid"])
    assert "not SALib" in grid and "computed by SALib" not in grid


def test_grid_heatmap_has_a_value_in_every_cell(results):
    heatmap = views.sweep_heatmap(results["grid"])
    trace = heatmap.data[0]
    assert np.asarray(trace.z, dtype=float).shape == (2, 2)
    assert all(text for row in trace.text for text in row)
    assert heatmap.layout.xaxis.type == "category" and heatmap.layout.yaxis.type == "category"


def test_forest_plot_carries_the_summary_effects_per_conflict_by_name(results):
    summary = json.loads((results["experiment"] / "summary.json").read_text())
    figure = views.effect_forest(results["experiment"])
    unfunded = next(a for a in summary["arms"] if a["arm"] == "unfunded")
    ticks = list(figure.layout.yaxis.ticktext)
    assert ticks[:-1] == [summary["conflict_names"][c] for c in summary["conflicts"]] and "pooled" in ticks[-1]
    assert "Guinea-Bissau" in ticks and "guinea_bissau" not in ticks
    for trace, key in zip(figure.data, ("hazard_ratio", "rmst_ratio", "median_ratio")):
        expected = [c[key] for c in unfunded["conflicts"]] + [unfunded[key]]
        assert list(trace.x) == pytest.approx(expected)
    assert all(axis.type == "log" for axis in figure.select_xaxes())
    assert [shape.x0 for shape in figure.layout.shapes] == [1, 1, 1]  # the no-effect line in every panel


def test_outcome_differences_are_paired_and_centred_on_zero(results):
    summary = json.loads((results["experiment"] / "summary.json").read_text())
    figure = views.outcome_differences(results["experiment"])
    base = next(a for a in summary["arms"] if a["arm"] == summary["baseline"])["outcomes"]
    arm = next(a for a in summary["arms"] if a["arm"] != summary["baseline"])["outcomes"]
    names = [n for n, stats in base.items() if stats["mean"]]
    expected = [100 * arm[n]["difference"] / abs(base[n]["mean"]) for n in names]
    assert list(figure.data[0].x) == pytest.approx(expected)
    assert figure.layout.shapes[0].x0 == 0
    low, high = figure.layout.xaxis.range
    assert low == pytest.approx(-high)  # symmetric about zero: no zoom onto noise
    hollow = [symbol == "circle-open" for symbol in figure.data[0].marker.symbol]
    inside = [arm[n]["difference_ci_low"] <= 0 <= arm[n]["difference_ci_high"] for n in names]
    assert hollow == inside


def test_survival_by_conflict_has_a_panel_per_conflict_and_a_curve_per_arm(results):
    summary = json.loads((results["experiment"] / "summary.json").read_text())
    figure = views.survival_by_conflict(results["experiment"])
    titles = [a.text for a in figure.layout.annotations]
    assert titles == [summary["conflict_names"][c] for c in summary["conflicts"]]
    curves = [t for t in figure.data if t.mode == "lines" and t.line.width == 2.2]
    assert len(curves) == len(summary["conflicts"]) * len(summary["arms"])
    assert all(axis.range[0] == 0 and axis.range[1] == pytest.approx(1040 / (365.25 / 7))
               for axis in figure.select_xaxes())


def test_victory_says_whose():
    rows = pd.DataFrame({"conflict": "x", "duration_weeks": [5, 10, 20, 40, 1040], "ended": [True] * 4 + [False],
                         "end_type": ["government_victory", "rebel_victory", "agreement", "low_activity", "censored"]})
    shares = views.end_type_shares(rows)
    names = {t.name for t in shares.data}
    assert names & {"government victory", "rebel victory"} and "victory" not in names
    assert all(abs(sum(values) - 100) < 1e-6 for values in zip(*[t.x for t in shares.data]))


def test_views_accept_an_experiment_result_object(tmp_path):
    from sim.analysis.experiment import run_experiment

    result = run_experiment(EXPERIMENT, replicates=30, workers=1)
    assert views.effect_forest(result) is not None
    assert len(views.survival_by_conflict(result).layout.annotations) == 4
    assert views.survival_curves(result) is not None and views.end_type_shares(result) is not None
    assert views.outcome_differences(result) is not None and views.network_map(result) is not None


def test_views_take_a_dataframe_too():
    rows = pd.DataFrame({"arm": ["a"] * 4 + ["b"] * 4, "conflict": "x", "duration_weeks": [5, 10, 20, 40] * 2,
                         "ended": [True, True, False, True, True, True, True, True]})
    assert isinstance(views.survival_curves(rows), go.Figure)
    assert len(views.end_type_shares(rows).data) == 2  # ended / censored


# --- reports ------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", list(BUILDERS))
def test_report_is_one_offline_page_with_a_header(results, kind):
    path = write_report(results[kind])
    assert path == results[kind] / REPORT_NAME
    page = path.read_text()
    assert page.count('data-target="figure-') == page.count('class="plotly-graph-div') >= MIN_FIGURES.get(kind, 3)
    assert page.count(plotly_gzip_base64()) == 1  # plotly.js embedded once
    assert len(page.encode()) < 3_000_000
    outside_plotly = page.replace(plotly_gzip_base64(), "")
    assert not re.search(r"https?://|<script src|<link", outside_plotly)
    assert "world_110m" in outside_plotly  # the map plotly.js would otherwise fetch
    manifest = json.loads((results[kind] / "manifest.json").read_text())
    assert f"<td>{manifest['seed']}</td>" in page and "threatnet version" in page
    assert data_bytes(page) < 1_500_000
    assert not list(results[kind].glob(".*partial"))


def test_experiment_report_opens_with_the_answer(results):
    from sim.analysis.survival import arm_sentences

    summary = json.loads((results["experiment"] / "summary.json").read_text())
    page = report_html(results["experiment"])
    sentences = arm_sentences(summary)
    assert " ".join(sentences) == summary["answer"]
    assert all(html.escape(sentence) in page for sentence in sentences)
    assert page.index('class="answer"') < page.index("<section>")  # the answer before any figure
    assert html.escape(summary["question"]) in page
    assert page.index("Effect on conflict duration") < page.index("How long each conflict lasts")


def test_monte_carlo_report_says_no_hazard_ratios(results):
    page = report_html(results["mc"])
    assert "HR:" not in page and "hazard ratio" not in page.lower()
    assert "Guinea-Bissau: median" in page


def test_report_size_does_not_grow_with_replicates(tmp_path):
    small = data_bytes(report_html(make_mc(tmp_path / "small", replicates=200, series=0)))
    large = data_bytes(report_html(make_mc(tmp_path / "large", replicates=2000, series=0)))
    assert large < 1.6 * small and large < 400_000


def test_report_command_writes_the_page_and_refuses_other_folders(results, tmp_path):
    output = threatnet("report", results["mc"])
    assert output.strip() == f"wrote {results['mc'] / REPORT_NAME}"
    outcome = CliRunner().invoke(app, ["report", str(tmp_path)])
    assert outcome.exit_code == 2
    assert outcome.output.strip().splitlines() == [
        f"error: {tmp_path}: a result folder written by threatnet run, mc, experiment, sweep, patterns or calibrate; it has no manifest.json"]
    assert not (tmp_path / REPORT_NAME).exists()


def test_pattern_checks_place_each_value_within_its_band():
    results = [{"name": "inside", "role": "fit", "value": 0.45, "ci_low": 0.4, "ci_high": 0.5, "band_low": 0.3,
                "band_high": 0.6, "target": 0.43, "passed": True, "statistic": "a share", "source": "UCDP"},
               {"name": "above", "role": "test", "value": 0.98, "ci_low": 0.93, "ci_high": 1.0, "band_low": 0.3,
                "band_high": 0.8, "target": 0.57, "passed": False, "statistic": "a share", "source": "UCDP"},
               {"name": "undefined", "role": "test", "value": None, "ci_low": None, "ci_high": None, "band_low": 0,
                "band_high": 1, "target": None, "passed": False, "statistic": "a shape", "source": "assumed"}]
    figure = views.pattern_checks(results)
    inside = next(t for t in figure.data if t.name == "inside the band")
    outside = next(t for t in figure.data if t.name == "outside the band")
    assert list(inside.x) == [pytest.approx(0.5)] and list(outside.x) == [pytest.approx(1.36)]
    assert "1 of 3" in figure.layout.title.text and any(t.name == "undefined" for t in figure.data)


def test_a_patterns_folder_gets_a_report_that_opens_with_the_count(results, tmp_path):
    page = report_html(results["patterns"])
    assert "patterns inside their bands" in page and "Simulated against real" in page
    assert "Not scored here" not in page
    copy = tmp_path / "patterns"
    shutil.copytree(results["patterns"], copy)
    document = json.loads((copy / "patterns.json").read_text())
    (copy / "patterns.json").write_text(json.dumps({**document, "not_scored": ["elsewhere"]}))
    assert "Not scored here (they name another scenario): elsewhere" in report_html(copy)



def test_run_summary_shows_the_true_west_african_flow_beside_its_estimate():
    """The run summary carries the true flow through West Africa and the estimate made from seizures as UNODC
    made it, per year, computed from the run's totals; the terminal summary shows them side by side."""
    from sim.model import compile_from
    from sim.drivers.kernel import run_kernel
    from sim.runners.summary import run_summary
    from sim.views.text import format_summary

    compiled = compile_from(ROOT / "scenarios" / "west_africa_2009.yaml", {"horizon_weeks": 104})
    state, _ = run_kernel(compiled, 1)
    summary = run_summary(compiled, state, 1)
    totals = summary["totals"]
    assert summary["tonnes_via_west_africa_per_year"] == pytest.approx(totals["via_west_africa_kg"] / 1000 / 2)
    assert summary["tonnes_west_africa_estimated_per_year"] == pytest.approx(
        totals["west_africa_flow_estimated_kg"] / 1000 / 2)
    assert 0 < summary["tonnes_via_west_africa_per_year"] < summary["tonnes_shipped_per_year"]
    assert (f"through West Africa: {summary['tonnes_via_west_africa_per_year']:.1f} t a year (as UNODC would estimate "
            f"it from seizures: {summary['tonnes_west_africa_estimated_per_year']:.1f} t)") in format_summary(summary)


# --- people: the members of the organisations and their arrests ----------------------------------

def member_traces(figure: go.Figure) -> list:
    """The traces that draw members (one per organisation and role): markers with their ids in customdata."""
    return [t for t in figure.data if t.mode == "markers" and t.customdata is not None]


def member_ids(trace) -> list[str]:
    """A members trace's ids: the common prefix its hover template carries, then each row's rest."""
    prefix = trace.hovertemplate.split("<b>", 1)[1].split("%{customdata[0]}", 1)[0]
    return [prefix + row[0] for row in trace.customdata]


def test_people_network_draws_every_member_once_coloured_by_its_status(results):
    people = pd.read_parquet(results["run"] / "people.parquet")
    figure = views.people_network(results["run"])
    traces = member_traces(figure)
    ids = [person for trace in traces for person in member_ids(trace)]
    assert sorted(ids) == sorted(people["person"]) and len(ids) == len(people)
    roles = people.set_index("person")["role"]
    assert all(roles[person] == trace.name for trace in traces for person in member_ids(trace))
    homes = people.set_index("person")["home"]
    assert all(homes[person] == row[1] for trace in traces for person, row in zip(member_ids(trace), trace.customdata))
    weeks = sorted(int(c.removeprefix("status_week_")) for c in people if c.startswith("status_week_"))
    slider = figure.layout.sliders[0]
    assert [step.label for step in slider.steps] == [f"week {week}" for week in weeks]
    assert slider.active == len(weeks) - 1
    codes = {status: code for code, status in enumerate(["linked", "cut off", "arrested or vacant"])}
    from sim.model.people import STATUSES
    from sim.views.style import STATUS_COLOURS
    assert list(STATUSES) == list(STATUS_COLOURS) == list(codes)  # the colour scale's order is the codes'
    statuses = people.set_index("person")
    for week, step in zip(weeks, slider.steps):
        colours, indices = step.args
        assert [figure.data[i] for i in indices] == traces
        wrong = [person for trace, column in zip(traces, colours["marker.color"])
                 for person, code in zip(member_ids(trace), column, strict=True)
                 if code != codes[statuses.at[person, f"status_week_{week}"]]]
        assert wrong == []  # each member in the colour of its own status that week
    assert people[[f"status_week_{week}" for week in weeks]].stack().nunique() > 1  # colours that tell apart
    drawn = [c for trace in traces for c in trace.marker.color]
    assert drawn == [c for column in slider.steps[-1].args[0]["marker.color"] for c in column]  # starts at the last
    titles = [a.text for a in figure.layout.annotations]
    for organisation, count in people["organisation"].value_counts().items():
        assert sum(organisation.replace("_", " ") in t and f"{count:,} members" in t for t in titles) == 1


def test_people_network_draws_followed_ties_strong_and_only_those(results):
    ties = pd.read_parquet(results["run"] / "ties.parquet")
    figure = views.people_network(results["run"])
    place = {person: (round(x, 3), round(y, 3)) for trace in member_traces(figure)
             for person, x, y in zip(member_ids(trace), trace.x, trace.y)}

    def segments(kind) -> list[frozenset]:
        lines = [t for t in figure.data if t.mode == "lines" and kind(t.name)]
        assert all(len(t.x) % 3 == 0 and t.x[2::3] == (None,) * (len(t.x) // 3) for t in lines)  # one trace, gaps
        return [frozenset({(t.x[i], t.y[i]), (t.x[i + 1], t.y[i + 1])}) for t in lines for i in range(0, len(t.x), 3)]

    followed = ties[ties["followed"] > 0]
    assert len(followed) > 0 and (ties["followed"] == 0).any()
    strong = segments(lambda name: name.startswith("tie followed"))
    expected = [sorted({place[a], place[b]}) for a, b in zip(followed["a"], followed["b"])]
    assert sorted(map(sorted, strong)) == sorted(expected)
    assert len(segments(lambda name: name == "tie (never followed)")) == (ties["followed"] == 0).sum()
    widths = {t.name: t.line.width for t in figure.data if t.mode == "lines"}
    assert widths["tie (never followed)"] < widths["tie followed once"] < widths["tie followed 4 or more times"]
    once = segments(lambda name: name == "tie followed once")
    assert len(once) == (ties["followed"] == 1).sum()
    assert len([t for t in figure.data if t.mode == "lines"]) <= 4 * ties["a"].str.split(".").str[0].nunique()


def test_radial_layout_puts_ranks_on_rings_and_a_broker_beside_its_people():
    from sim.views.people import radial_layout

    roles = ["leader", "leader", "coordinator", "broker", "broker"] + ["courier"] * 6 + ["facilitator"]
    # leaders tied; the coordinator under leader 0; brokers under it; couriers 5-7 and the facilitator under
    # broker 3, couriers 8-10 under broker 4; extra ties: courier 5 to broker 4 (it answers to the first
    # broker, 3) and courier 8 to the coordinator (it answers to the nearest rank above, broker 4)
    ties = [(0, 1), (2, 0), (3, 2), (4, 2), (5, 3), (6, 3), (7, 3), (11, 3), (8, 4), (9, 4), (10, 4), (5, 4), (8, 2)]
    xy = radial_layout(roles, ties)
    assert np.array_equal(xy, radial_layout(roles, ties))  # computed, not drawn at random
    radius = np.hypot(xy[:, 0], xy[:, 1])
    assert radius[0] == radius[1] < radius[2] < radius[3] == radius[4] < radius[5:].min()
    angle = np.arctan2(xy[:, 1], xy[:, 0]) % (2 * np.pi)
    # eight members lead no one (leader 1 and the seven operational): each has an eighth of the circle
    assert np.diff(np.sort(angle[5:])) == pytest.approx([2 * np.pi / 8] * 6)
    under_3, under_4 = angle[[5, 6, 7, 11]], angle[[8, 9, 10]]
    assert under_3.max() < under_4.min() or under_4.max() < under_3.min()  # each broker's people together
    assert angle[3] == pytest.approx(under_3.mean()) and angle[4] == pytest.approx(under_4.mean())  # in their middle


def test_without_snapshots_members_show_their_status_at_the_end():
    from sim.views.people import member_statuses, status_codes

    people = pd.DataFrame({"at_large": [True, True, False, False], "linked": [True, False, False, True]})
    statuses = member_statuses(people)
    assert list(statuses) == [None]
    assert list(statuses[None]) == ["linked", "cut off", "arrested or vacant", "arrested or vacant"]
    assert status_codes(pd.Series(["linked", "cut off", "arrested or vacant", "new status"])) == [0, 1, 2, 3]


def test_arrests_series_adds_up_the_run_by_quarter(results):
    series = pd.read_parquet(results["run"] / "series.parquet")
    figure = views.arrests_series(results["run"])
    quarters = len(series) // 13
    full = series.iloc[:quarters * 13]
    for axis in ("x", "x2", "x3"):  # by role, by agency, by database access: each stack is every arrest
        stack = [t for t in figure.data if t.xaxis == axis]
        assert stack and all(t.stackgroup and len(t.x) == quarters for t in stack)
        assert sum(np.asarray(t.y, dtype=float).sum() for t in stack) == pytest.approx(full["arrests"].sum())
        top = np.sum([np.asarray(t.y, dtype=float) for t in stack], axis=0)
        assert top == pytest.approx(full["arrests"].to_numpy().reshape(quarters, 13).sum(axis=1))
    couriers = next(t for t in figure.data if t.name == "couriers")
    assert np.asarray(couriers.y, dtype=float).sum() == pytest.approx(full["arrests_couriers"].sum())
    capacity = [t for t in figure.data if t.xaxis == "x4"]
    assert len(capacity) == len([c for c in series if c.endswith(".capacity")])
    assert all(0 <= value <= 100 for t in capacity for value in t.y)
    assert "quarter" in figure.layout.yaxis.title.text and "quarter" in figure.layout.yaxis4.title.text


def test_people_sections_only_where_the_run_has_people(results, tmp_path):
    from sim.report import compact

    page = report_html(results["run"])
    assert "The people of each organisation" in page and "Arrests and the organisations" in page
    assert len(json.dumps(compact(views.people_network(results["run"])))) < 300_000  # few traces, not one per tie
    without = make_run(tmp_path / "no_people", "guinea_bissau")  # a shipped scenario whose organisations have none
    assert not (without / "people.parquet").exists()
    assert views.people_network(without) is None and views.arrests_series(without) is None
    assert "The people of each organisation" not in report_html(without)
    assert views.people_network(results["mc"]) is None and views.arrests_series(results["mc"]) is None
