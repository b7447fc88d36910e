"""Views and reports of every kind of result: the figures hold what they say, and stay small.

Result folders are made once per session by the real commands (`threatnet run`, `mc`,
`experiment`, `sweep` + `analyze`) through the Typer app, small enough to take seconds. The
browser tests (`test_report_browser.py`) reuse the same folders.
"""

from __future__ import annotations

import html
import json
import re
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
outcomes: [median_duration_weeks, share_ended, seizure_rate, belligerent_funding_share_from_crime]
parameters:
  - {{name: protection_tax_share, key: conflict_dynamics.protection_tax_share, range: [0.005, 0.05]}}
  - {{name: corruption_scale, key: levers.corruption_scale, range: [0.5, 1.2]}}
"""


def threatnet(*args: str) -> str:
    """Run a threatnet command in-process; fail the test with its output if it fails."""
    outcome = CliRunner().invoke(app, [str(arg) for arg in args])
    assert outcome.exit_code == 0, outcome.output
    return outcome.output


def make_run(folder: Path) -> Path:
    threatnet("run", DEFAULT, "--driver", "kernel", "--seed", "3", "--out", folder)
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


BUILDERS = {"run": make_run, "mc": make_mc, "experiment": make_experiment, "sweep": make_sweep}


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
    assert figure.layout.xaxis.title.text.endswith("(weeks)") or "weeks" in figure.layout.xaxis.title.text


def test_survival_curves_of_an_experiment_carry_its_hazard_ratios(results):
    summary = json.loads((results["experiment"] / "summary.json").read_text())
    figure = views.survival_curves(results["experiment"])
    names = [t.name for t in figure.data if t.name]
    for arm in summary["arms"]:
        name = next(n for n in names if n.startswith(arm["label"]))
        if arm["arm"] == summary["baseline"]:
            assert name.endswith("baseline")
        else:
            assert f"HR {arm['hazard_ratio']:.2f}" in name
        assert f"median {arm['median_weeks']:.0f} wk" in name  # the summary's median, from the same rows


def test_duration_histogram_and_end_types_add_up_to_all_conflicts(results):
    data = views.survival_data(results["mc"])
    histogram = views.duration_histogram(data)
    for trace in histogram.data:
        censored = float(trace.name.split("(")[-1].split("%")[0])
        assert sum(trace.y[:-1]) + censored == pytest.approx(100, abs=1)
    shares = views.end_type_shares(data)
    totals = np.sum([np.asarray(t.x) for t in shares.data], axis=0)
    assert totals == pytest.approx(100)


def test_series_of_sample_replicates_have_a_selector(results):
    sampled = views.SeriesViews(results["mc"])
    assert sampled.replicates == [0, 1, 2] and sampled.block == 4
    for figure in sampled.figures():
        menu = figure.layout.updatemenus[0]
        assert [b.label for b in menu.buttons] == ["replicate 0", "replicate 1", "replicate 2"]
        first = menu.buttons[0].args[0]["visible"]
        assert first == [t.visible for t in figure.data]
        assert all(len(t.x) <= 260 for t in figure.data)
        assert all(axis.title.text for axis in figure.select_yaxes(col=1))


def test_series_of_one_run_name_its_seed_and_units(results):
    flows, strength, funding = views.series_figures(results["run"])
    assert not flows.layout.updatemenus and "seed 3" in flows.layout.title.text
    units = [axis.title.text for axis in flows.select_yaxes()]
    assert units[0] == "tonnes per week" and all("US$" in unit for unit in units[1:])
    assert {t.legendgroup for t in strength.data} == {"government", "rebel"}
    assert "crime (taxes on trafficking)" in {t.name for t in funding.data}


def test_sweep_views_follow_the_analysis(results):
    analysis = json.loads((results["sweep"] / "analysis.json").read_text())
    heatmap = views.sweep_heatmap(results["sweep"])
    ranked = sorted(analysis["outcomes"]["median_duration_weeks"].items(), key=lambda item: -item[1]["ST"])
    assert heatmap.layout.xaxis.title.text.endswith(f"({ranked[0][0]})")
    assert np.asarray(heatmap.data[0].z).ndim == 2
    parallel = views.sweep_parallel(results["sweep"])
    assert [d.label for d in parallel.data[0].dimensions][-1] == "median conflict duration (weeks)"
    bars = views.sensitivity_bars(results["sweep"])
    assert [t.name for t in bars.data] == ["first order (S1)", "total (ST)"]
    assert all(t.error_x.array is not None for t in bars.data)


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
    assert page.count("Plotly.newPlot") == page.count('class="plotly-graph-div"') >= 3
    assert page.count(plotly_gzip_base64()) == 1  # plotly.js embedded once
    assert len(page.encode()) < 3_000_000
    outside_plotly = page.replace(plotly_gzip_base64(), "")
    assert not re.search(r"https?://|<script src|<link", outside_plotly)
    assert "world_110m" in outside_plotly  # the map plotly.js would otherwise fetch
    manifest = json.loads((results[kind] / "manifest.json").read_text())
    assert f"<td>{manifest['seed']}</td>" in page and "threatnet version" in page
    assert data_bytes(page) < 1_500_000
    assert not list(results[kind].glob(".*partial"))


def test_experiment_report_states_the_answer(results):
    summary = json.loads((results["experiment"] / "summary.json").read_text())
    page = report_html(results["experiment"])
    assert html.escape(summary["answer"]) in page and html.escape(summary["question"]) in page


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
        f"error: {tmp_path}: a result folder written by threatnet run, mc, experiment or sweep; it has no manifest.json"]
    assert not (tmp_path / REPORT_NAME).exists()
