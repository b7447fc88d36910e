"""Parameter sweeps: an outcome over two parameters, all parameters at once, sensitivity indices.

All three read the sweep's per-point summary (`point_summary.parquet`, one row per design point)
and its sensitivity analysis (`analysis.json`), never the replicate rows. A heatmap over two
parameters of a space-filling design (Sobol, Latin hypercube) bins each axis and shows the mean
outcome per cell, with the number of points behind it in the hover text.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pyarrow.parquet as pq
from plotly.subplots import make_subplots

from ..scenario import InputError
from .load import open_result
from .style import colour, finish, outcome_factor, outcome_label, parameter_label

DEFAULT_OUTCOME = "median_duration_weeks"
MAX_LINES = 2000  # parallel coordinates: beyond this a page gets heavy and the lines unreadable
GRID_LEVELS = 12  # a parameter with at most this many values is a grid axis, not binned


def point_table(source) -> pd.DataFrame:
    """One row per design point: parameters and outcomes (`point_summary.parquet`, or a DataFrame)."""
    if isinstance(source, pd.DataFrame):
        return source
    result = open_result(source)
    path = result.path("point_summary.parquet")
    if path is None:
        raise InputError(str(result.folder), "", "a finished sweep; it has no point_summary.parquet (run the same "
                                                 "threatnet sweep command to finish it)")
    return pd.read_parquet(path)


def sweep_parameters(source, table: pd.DataFrame | None = None) -> list[str]:
    """The swept parameters, in design order: points.parquet's columns, else the manifest's list."""
    if not isinstance(source, pd.DataFrame):
        result = open_result(source)
        points = result.path("points.parquet")
        if points is not None:
            return [name for name in pq.read_schema(points).names if name not in ("point", "__index_level_0__")]
        declared = result.manifest.get("parameters") or []
        names = [p if isinstance(p, str) else p.get("name") or p.get("key") for p in declared]
        if names:
            return [name for name in names if name]
    table = point_table(source) if table is None else table
    return [c for c in table.columns if not _is_outcome(c) and pd.api.types.is_numeric_dtype(table[c])]


OUTCOME_COLUMNS = ("median_duration_weeks", "share_ended", "mean_duration_weeks", "seizure_rate", "seized_kg",
                   "criminal_revenue_usd", "belligerent_funding_share_from_crime")


def _is_outcome(column: str) -> bool:
    """Columns of a per-point summary that are results, not parameters (by the naming convention)."""
    return (column in ("point", "replicates", "n", *OUTCOME_COLUMNS) or column.startswith("share_")
            or column.endswith(("_kg", "_usd", "_weeks", "_rate")))


def sensitivity_table(analysis: dict | None, outcome: str) -> pd.DataFrame:
    """Indices of one outcome as rows (parameter, S1, S1_conf, ST, ST_conf or mu_star, ...).

    Accepts `{outcome: {parameter: {index: value}}}`, `{outcome: {"names": [...], index: [...]}}`
    (SALib's layout), either under a top-level "outcomes", "sobol" or "morris" key, or a list of
    records with "outcome" and "parameter".
    """
    if not analysis:
        return pd.DataFrame()
    if isinstance(analysis, list):
        rows = [r for r in analysis if r.get("outcome") == outcome]
        return pd.DataFrame(rows).drop(columns=["outcome"], errors="ignore")
    for key in ("outcomes", "sobol", "morris", "indices", "analysis"):
        if isinstance(analysis.get(key), (dict, list)):
            table = sensitivity_table(analysis[key], outcome)
            if not table.empty:
                return table
    entry = analysis.get(outcome)
    if isinstance(entry, dict) and isinstance(entry.get("names"), list):
        columns = {k: v for k, v in entry.items() if isinstance(v, list) and len(v) == len(entry["names"])}
        return pd.DataFrame(columns).rename(columns={"names": "parameter"})
    if isinstance(entry, dict) and entry and all(isinstance(v, dict) for v in entry.values()):
        return pd.DataFrame([{"parameter": name, **values} for name, values in entry.items()])
    if isinstance(entry, list):
        return pd.DataFrame(entry)
    return pd.DataFrame()


def _analysis(source) -> dict | None:
    return None if isinstance(source, pd.DataFrame) else open_result(source).json("analysis.json")


def most_influential(source, outcome: str, parameters: list[str], count: int = 2) -> list[str]:
    """The `count` parameters with the largest total-order index (Morris mu*, or range of main-effect
    means on a grid); design order if the sweep was not analysed."""
    indices = sensitivity_table(_analysis(source), outcome)
    score = next((c for c in ("ST", "mu_star", "S1", "range_of_means") if c in indices), None)
    if score is None or "parameter" not in indices:
        return parameters[:count]
    ranked = indices.sort_values(score, ascending=False)["parameter"].tolist()
    return ([p for p in ranked if p in parameters] + [p for p in parameters if p not in ranked])[:count]


def _axis_bins(values: pd.Series, bins: int, grid: bool | None) -> tuple[pd.Series, list, bool]:
    """Cell index of each value, the cells' labels, and whether the axis is a grid (categories).

    Grid values stay as they are (labelled `2,400` or `yes`/`no`); continuous ones fall into
    equal-width bins labelled by their centres. `grid` None (design unknown) guesses from the
    number of distinct values.
    """
    levels = np.sort(values.dropna().unique())
    if values.dtype == bool or grid or (grid is None and len(levels) <= GRID_LEVELS):
        return values.map({level: i for i, level in enumerate(levels)}), [_level_label(v) for v in levels], True
    edges = np.linspace(levels[0], levels[-1], bins + 1)
    cells = np.clip(np.digitize(values, edges[1:-1]), 0, bins - 1)
    return pd.Series(cells, index=values.index), ((edges[:-1] + edges[1:]) / 2).tolist(), False


def _design_is_grid(source) -> bool | None:
    if isinstance(source, pd.DataFrame):
        return None
    design = open_result(source).manifest.get("design") or {}
    return design.get("kind") == "grid" if isinstance(design, dict) and design.get("kind") else None


def _level_label(value) -> str:
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    return f"{value:,}" if isinstance(value, (int, np.integer)) else f"{value:.3g}"


def sweep_heatmap(source, outcome: str = DEFAULT_OUTCOME, x: str | None = None, y: str | None = None,
                  bins: int | None = None) -> go.Figure:
    """Mean `outcome` over two parameters (default: the two with the largest total Sobol index).

    Continuous axes get `bins` bins each, by default about three points per cell on average.
    """
    table = point_table(source)
    bins = bins or int(np.clip(round(math.sqrt(len(table) / 3)), 3, 12))
    parameters = sweep_parameters(source, table)
    if x is None or y is None:
        chosen = most_influential(source, outcome, parameters)
        x, y = x or chosen[0], y or next(p for p in chosen + parameters if p != (x or chosen[0]))
    grid = _design_is_grid(source)
    x_cells, x_centres, x_grid = _axis_bins(table[x], bins, grid)
    y_cells, y_centres, y_grid = _axis_bins(table[y], bins, grid)
    values = table[outcome] * outcome_factor(outcome)
    grouped = values.groupby([y_cells, x_cells])
    means = grouped.mean().unstack().reindex(index=range(len(y_centres)), columns=range(len(x_centres)))
    counts = grouped.size().unstack().reindex(index=range(len(y_centres)), columns=range(len(x_centres)))
    label = outcome_label(outcome)
    figure = go.Figure(go.Heatmap(
        x=x_centres, y=y_centres, z=means.to_numpy(), customdata=counts.fillna(0).to_numpy(),
        colorscale="Viridis", colorbar=dict(title=dict(text=label.replace(" (", "<br>("), side="right")),
        hovertemplate=f"{parameter_label(x)} %{{x}}<br>{parameter_label(y)} %{{y}}<br>{label}: "
                      "%{z:.4g}<br>(mean of %{customdata} points)<extra></extra>"))
    return finish(figure, f"{label[0].upper()}{label[1:]} over {parameter_label(x)} and {parameter_label(y)}", 520,
                  xaxis=dict(title=f"{parameter_label(x)} ({x})", showgrid=False,
                             type="category" if x_grid else "linear"),
                  yaxis=dict(title=f"{parameter_label(y)} ({y})", showgrid=False,
                             type="category" if y_grid else "linear"))


def sweep_parallel(source, outcome: str = DEFAULT_OUTCOME) -> go.Figure:
    """Every parameter and the outcome as parallel axes; lines coloured by the outcome.

    At most MAX_LINES points are drawn (every k-th point of the design, so the sample stays
    spread over the space).
    """
    table = point_table(source)
    parameters = sweep_parameters(source, table)
    stride = max(1, -(-len(table) // MAX_LINES))
    shown = table.iloc[::stride]
    values = shown[outcome] * outcome_factor(outcome)
    label = outcome_label(outcome)
    dimensions = [_dimension(shown[p], parameter_label(p)) for p in parameters]
    dimensions.append(dict(label=label, values=values))
    figure = go.Figure(go.Parcoords(
        dimensions=dimensions, labelangle=0, labelside="top", labelfont=dict(size=12),
        line=dict(color=values, colorscale="Viridis", showscale=True,
                  colorbar=dict(title=dict(text=label.replace(" (", "<br>("), side="right")))))
    drawn = f"{len(shown):,} of {len(table):,} points" if stride > 1 else f"{len(table):,} points"
    return finish(figure, f"All parameters and {label} ({drawn}; drag on an axis to filter)", 520,
                  margin=dict(l=80, r=40, t=150, b=40))


def _dimension(values: pd.Series, label: str) -> dict:
    """A parallel-coordinates axis; yes/no parameters become 0/1 with their words as ticks."""
    if values.dtype == bool:
        return dict(label=label, values=values.astype(int), tickvals=[0, 1], ticktext=["no", "yes"], range=[0, 1])
    return dict(label=label, values=values)


def sensitivity_bars(source, outcome: str = DEFAULT_OUTCOME) -> go.Figure | None:
    """Sobol first-order and total indices with 95% CIs (or Morris mu* with its CI); None if no analysis."""
    indices = sensitivity_table(_analysis(source), outcome)
    if indices.empty or "parameter" not in indices or not {"S1", "ST", "mu_star"} & set(indices):
        return None  # grids and hypercubes have effect tables, not indices: see main_effects
    sobol = "ST" in indices or "S1" in indices
    measures = [m for m in (("S1", "first order (S1)"), ("ST", "total (ST)")) if m[0] in indices] if sobol \
        else [("mu_star", "mean absolute elementary effect (mu*)")]
    order = indices.sort_values(measures[-1][0], ascending=True)
    labels = [parameter_label(p) for p in order["parameter"]]
    figure = go.Figure()
    for index, (measure, name) in enumerate(measures):
        error = order.get(f"{measure}_conf")
        figure.add_trace(go.Bar(y=labels, x=order[measure], name=name, orientation="h",
                                marker=dict(color=colour(index)),
                                error_x=dict(type="data", array=error, visible=error is not None, color="#444"),
                                hovertemplate=f"%{{y}}: {measure} %{{x:.3f}}<extra></extra>"))
    title = "Sobol sensitivity indices" if sobol else "Morris screening"
    axis = "share of the outcome's variance" if sobol else f"mu* ({outcome_label(outcome)})"
    return finish(figure, f"{title} of {outcome_label(outcome)}, with 95% CIs", 180 + 45 * len(labels),
                  barmode="group", xaxis=dict(title=axis, rangemode="tozero"),
                  yaxis=dict(automargin=True, showgrid=False),
                  legend=dict(orientation="h", x=0, y=1.0, yanchor="bottom"), margin=dict(t=110))


def main_effects(source, outcome: str = DEFAULT_OUTCOME) -> go.Figure | None:
    """The outcome's mean at each level (grid) or quantile bin (hypercube) of each parameter.

    From `threatnet analyze`'s effect tables, averaged over the other parameters; None if the
    sweep has none (Sobol and Morris designs have indices instead).
    """
    effects = ((_analysis(source) or {}).get("outcomes") or {}).get(outcome) or {}
    effects = {name: entry for name, entry in effects.items() if isinstance(entry, dict) and entry.get("levels")}
    if not effects:
        return None
    factor, label = outcome_factor(outcome), outcome_label(outcome)
    figure = make_subplots(rows=1, cols=len(effects), shared_yaxes=True, horizontal_spacing=0.04,
                           subplot_titles=[parameter_label(name) for name in effects])
    for place, (name, entry) in enumerate(effects.items()):
        levels = [_tidy_level(level["level"]) for level in entry["levels"]]
        means = [None if level["mean"] is None else factor * level["mean"] for level in entry["levels"]]
        figure.add_trace(go.Scatter(x=levels, y=means, mode="lines+markers", showlegend=False,
                                    marker=dict(size=9, color=colour(0)), line=dict(color=colour(0)),
                                    hovertemplate=f"{parameter_label(name)} %{{x}}: %{{y:.4g}}<extra></extra>"),
                         row=1, col=place + 1)
        figure.update_xaxes(type="category", title_text="level" if "spearman_rho" not in entry else "quantile bin",
                            row=1, col=place + 1)
    figure.update_yaxes(title_text=label, col=1)
    figure.update_annotations(font_size=13)
    return finish(figure, f"Main effects on {label}: mean over the other parameters", 420)


def _tidy_level(level: str) -> str:
    return {"True": "yes", "False": "no"}.get(level, level)


def sweep_outcomes(source) -> list[str]:
    """Outcomes to show: the sweep's declared outcomes found in its per-point summary."""
    table = point_table(source)
    declared = [] if isinstance(source, pd.DataFrame) else open_result(source).manifest.get("outcomes") or []
    candidates = declared or list(OUTCOME_COLUMNS)
    return [c for c in candidates if c in table]
