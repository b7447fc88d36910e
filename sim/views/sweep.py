"""Parameter sweeps: an outcome over two parameters, all parameters at once, sensitivity indices.

All three read the sweep's per-point summary (`point_summary.parquet`, one row per design point)
and its sensitivity analysis (`analysis.json`). A heatmap over two parameters of a space-filling
design (Sobol, Latin hypercube) bins each axis and shows the mean outcome per cell, with the number
of points behind it in the hover text.

So that noise does not look like an effect: a heatmap writes each cell's value in the cell, centres
its colour scale on a reference (the cell holding the base scenario's values, else the median cell)
and marks with ~ the cells whose difference from the reference is within the replicate noise (95%
CI of a difference of two point means, from the replicate rows); the parallel coordinates colour
the same outcome with the same scale and range. Sensitivity indices that fail a sanity check carry
a warning saying what to raise (`sensitivity_warnings`).
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
from .style import (END_TYPE_LABELS, DIVERGING_SCALE, wrap_words, legend_under_title, stacked, INDEX_COLOURS, WARNING_COLOUR, EFFECT_COLOUR, finish, outcome_factor,
                    outcome_label, parameter_label)

DEFAULT_OUTCOME = "mean_duration_weeks"  # the restricted mean: defined even when most conflicts outlast the horizon
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


OUTCOME_COLUMNS = ("mean_duration_weeks", "share_ended", "median_duration_weeks", "seizure_rate", "seized_kg",
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

    Continuous axes get `bins` bins each, by default about three points per cell on average. The
    colour scale is diverging, centred on the reference (see the module docstring); values are
    written in the cells.
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
    scale = colour_scale(source, table, outcome)
    noise = scale["noise"]
    label = outcome_label(outcome)
    z = means.to_numpy()
    text = [["" if np.isnan(v) else _cell_text(v, scale["reference"], noise) for v in row] for row in z]
    reference_note = scale["reference_text"]
    figure = go.Figure(go.Heatmap(
        x=x_centres, y=y_centres, z=z, customdata=counts.fillna(0).to_numpy(), text=text,
        texttemplate="%{text}", textfont=dict(size=12), zmid=scale["reference"], zmin=scale["low"],
        zmax=scale["high"], colorscale=DIVERGING_SCALE,
        colorbar=dict(title=dict(text=_short(label).replace(" (", "<br>("), side="right"), thickness=14),
        hovertemplate=f"{parameter_label(x)} %{{x}}<br>{parameter_label(y)} %{{y}}<br>{label}: "
                      "%{z:.4g}<br>(mean of %{customdata} points)<extra></extra>"))
    figure.update_layout(meta={"narrow_restyle": [{"colorbar.title.text": _unit(label)}, [0]]})
    noise_text = (f"~: within the replicate noise of the reference (±{_value_text(noise)})" if noise
                  else "replicate noise unknown")
    height = 560
    return finish(figure, f"{label[0].upper()}{label[1:]} over {parameter_label(x)} and {parameter_label(y)}; "
                          f"colour centred on {reference_note}; {noise_text}", height,
                  xaxis=dict(title=f"{parameter_label(x)} ({x})", showgrid=False,
                             type="category" if x_grid else "linear"),
                  yaxis=dict(title=f"{parameter_label(y)} ({y})", showgrid=False,
                             type="category" if y_grid else "linear", automargin=True),
                  narrow={"height": 520, "xaxis.title.text": parameter_label(x),
                          "yaxis.title.text": parameter_label(y)})


def _unit(label: str) -> str:
    """`median conflict duration (weeks)` -> `weeks`: what a colour bar on a phone has room for."""
    return label.rsplit(" (", 1)[1].rstrip(")") if " (" in label else ""


def _short(label: str) -> str:
    return label if len(label) < 28 else label.split(" (")[0][:26] + "…" + (
        " (" + label.split(" (")[1] if " (" in label else "")


def _value_text(value: float) -> str:
    return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"


def _cell_text(value: float, reference: float, noise: float | None) -> str:
    mark = "~" if noise and abs(value - reference) <= noise else ""
    return f"{mark}{_value_text(value)}"


def colour_scale(source, table: pd.DataFrame, outcome: str) -> dict:
    """Reference, range and noise of an outcome's colour scale, shared by the heatmap and the parallel
    coordinates: the same colour means the same value in both."""
    values = table[outcome] * outcome_factor(outcome)
    reference, reference_text = _reference(source, table, outcome)
    span = float(max(abs(values.max() - reference), abs(values.min() - reference))) or 1.0
    return {"reference": reference, "reference_text": reference_text, "low": reference - span,
            "high": reference + span, "noise": replicate_noise(source, outcome)}


def _reference(source, table: pd.DataFrame, outcome: str) -> tuple[float, str]:
    """The outcome at the design point nearest the base scenario's parameter values, if the base lies in the
    swept ranges; else the median over points."""
    values = table[outcome] * outcome_factor(outcome)
    base = _base_values(source)
    parameters = [p for p in sweep_parameters(source, table) if p in base]
    if parameters:
        inside = all(table[p].min() <= base[p] <= table[p].max() for p in parameters)
        if inside:
            spread = {p: (float(table[p].max() - table[p].min()) or 1.0) for p in parameters}
            distance = sum(((table[p].astype(float) - float(base[p])) / spread[p]) ** 2 for p in parameters)
            nearest = distance.idxmin()
            return float(values[nearest]), "the point nearest the base scenario (" + ", ".join(
                f"{parameter_label(p)} {_level_label(base[p])}" for p in parameters) + ")"
    return float(values.median()), "the median over points (the base scenario lies outside the swept ranges)"


def _base_values(source) -> dict:
    """The base scenario's value of each swept parameter (by its key path), where the folder says."""
    if isinstance(source, pd.DataFrame):
        return {}
    result = open_result(source)
    scenario = result.scenario or {}
    values = {}
    for parameter in result.manifest.get("parameters") or []:
        if not isinstance(parameter, dict) or not parameter.get("key"):
            continue
        node = scenario
        for part in parameter["key"].split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, (int, float)) and not isinstance(node, bool):
            values[parameter.get("name") or parameter["key"]] = node
    return values


REPLICATE_OUTCOMES = {"median_duration_weeks": "duration_weeks", "mean_duration_weeks": "duration_weeks"}


def replicate_noise(source, outcome: str) -> float | None:
    """Half-width of the 95% CI of the difference between two points' values, in displayed units, from the
    replicate rows (the typical point: median over points). Medians use the large-sample standard error
    of a median (1.2533 sd / sqrt(n)) and shares the binomial one: approximations, said in the title."""
    if isinstance(source, pd.DataFrame):
        return None
    result = open_result(source)
    path = result.path("replicates")
    if path is None:
        return None
    column = REPLICATE_OUTCOMES.get(outcome, outcome)
    try:
        import pyarrow.dataset as ds
        dataset = ds.dataset(path, format="parquet")
        if column not in dataset.schema.names and not outcome.startswith("share_"):
            return None
        wanted = ["point", "replicate", "conflict"] + ([column] if column in dataset.schema.names else []) + (
            ["ended", "end_type"] if outcome.startswith("share_") else [])
        rows = dataset.to_table(columns=wanted).to_pandas()
    except (OSError, ValueError):
        return None
    if outcome.startswith("share_"):
        flag = rows["ended"].astype(float) if outcome == "share_ended" else \
            (rows["end_type"] == outcome.removeprefix("share_")).astype(float)
        if outcome != "share_ended" and outcome.removeprefix("share_") not in END_TYPE_LABELS:
            flag = None
        if flag is None:
            return None
        grouped = flag.groupby(rows["point"])
        p, n = grouped.mean(), grouped.size()
        errors = np.sqrt(p * (1 - p) / n)
    else:
        per_row = rows if column == "duration_weeks" else rows.drop_duplicates(["point", "replicate"])
        grouped = per_row[column].astype(float).groupby(per_row["point"])
        errors = grouped.std(ddof=1) / np.sqrt(grouped.size())
        if outcome.startswith("median_"):
            errors = errors * 1.2533
    typical = float(np.nanmedian(errors)) if len(errors) else float("nan")
    if not math.isfinite(typical):
        return None
    return 1.96 * math.sqrt(2) * typical * outcome_factor(outcome)


def sweep_parallel(source, outcome: str = DEFAULT_OUTCOME) -> go.Figure:
    """Every parameter and the outcome as parallel axes; lines coloured by the outcome.

    At most MAX_LINES points are drawn (every k-th point of the design, so the sample stays
    spread over the space). Colour scale and range are the heatmap's (`colour_scale`).
    """
    table = point_table(source)
    parameters = sweep_parameters(source, table)
    stride = max(1, -(-len(table) // MAX_LINES))
    shown = table.iloc[::stride]
    values = shown[outcome] * outcome_factor(outcome)
    label = outcome_label(outcome)
    scale = colour_scale(source, table, outcome)
    dimensions = [_dimension(shown[p], parameter_label(p)) for p in parameters]
    dimensions.append(dict(label=_short(label), values=values, tickformat=".3~s"))
    figure = go.Figure(go.Parcoords(
        dimensions=dimensions, labelangle=0, labelside="top", labelfont=dict(size=12), tickfont=dict(size=11),
        line=dict(color=values, colorscale=DIVERGING_SCALE, cmin=scale["low"], cmax=scale["high"], showscale=True,
                  colorbar=dict(title=dict(text=_short(label).replace(" (", "<br>("), side="right"),
                                thickness=14))))
    drawn = f"{len(shown):,} of {len(table):,} points" if stride > 1 else f"{len(table):,} points"
    wrapped = {f"dimensions[{i}].label": wrap_words(d["label"], 11) for i, d in enumerate(dimensions)}
    figure.update_layout(meta={"narrow_restyle": [{**wrapped, "labelfont.size": 10, "tickfont.size": 9,
                                                   "line.colorbar.title.text": _unit(label)}, [0]]})
    return finish(figure, f"All parameters and {label} ({drawn}; drag on an axis to filter)", 520,
                  margin=dict(l=60, r=60, t=150, b=40),
                  narrow={"height": 560, "margin.t": 110, "margin.r": 70, "margin.l": 40})



def _dimension(values: pd.Series, label: str) -> dict:
    """A parallel-coordinates axis; yes/no parameters become 0/1 with their words as ticks, numbers get
    three significant digits (not raw decimals)."""
    if values.dtype == bool:
        return dict(label=label, values=values.astype(int), tickvals=[0, 1], ticktext=["no", "yes"], range=[0, 1])
    return dict(label=label, values=values, tickformat=".3~r")


def sensitivity_bars(source, outcome: str = DEFAULT_OUTCOME) -> go.Figure | None:
    """Sobol first-order and total indices with 95% CIs (or Morris mu* with its CI); None if no analysis.

    Computed by SALib (`threatnet analyze`). Where an estimate fails a sanity check the title says
    so and the offending bars are outlined in the warning colour (see `sensitivity_warnings`).
    """
    indices = sensitivity_table(_analysis(source), outcome)
    if indices.empty or "parameter" not in indices or not {"S1", "ST", "mu_star"} & set(indices):
        return None  # grids and hypercubes have effect tables, not indices: see main_effects
    sobol = "ST" in indices or "S1" in indices
    measures = [m for m in (("S1", "first order (S1)"), ("ST", "total (ST)")) if m[0] in indices] if sobol \
        else [("mu_star", "mean absolute elementary effect (mu*)")]
    order = indices.sort_values(measures[-1][0], ascending=True)
    labels = [parameter_label(p) for p in order["parameter"]]
    flagged = set(flagged_parameters(indices)) if sobol else set()
    figure = go.Figure()
    for measure, name in measures:
        error = order.get(f"{measure}_conf")
        outline = [WARNING_COLOUR if p in flagged else "rgba(0,0,0,0)" for p in order["parameter"]]
        figure.add_trace(go.Bar(y=labels, x=order[measure], name=name, orientation="h",
                                marker=dict(color=INDEX_COLOURS.get(measure, EFFECT_COLOUR),
                                            line=dict(color=outline, width=2.5)),
                                error_x=dict(type="data", array=error, visible=error is not None, color="#444"),
                                hovertemplate=f"%{{y}}: {measure} %{{x:.3f}}<extra></extra>"))
    warnings = sensitivity_warnings(source, outcome)
    title = "Sobol sensitivity indices" if sobol else "Morris screening"
    title = f"{title} of {outcome_label(outcome)}, with 95% CIs (SALib)"
    if warnings:
        title += ": UNRELIABLE, see the warning"
    axis = "share of the outcome's variance" if sobol else f"mu* ({outcome_label(outcome)})"
    xaxis = dict(title=axis, rangemode="tozero")
    if sobol:
        xaxis.update(range=[min(0.0, float(np.nanmin(order[[m for m, _ in measures]].to_numpy())) - 0.05),
                            max(1.05, float(np.nanmax(order[[m for m, _ in measures]].to_numpy())) + 0.05)])
        figure.add_vline(x=1, line=dict(color="#888", dash="dot", width=1))
    height = 200 + 45 * len(labels)
    return finish(figure, title, height, barmode="group", xaxis=xaxis, yaxis=dict(automargin=True, showgrid=False),
                  legend=legend_under_title(height), margin=dict(t=110),
                  narrow={"xaxis.title.text": "share of variance" if sobol else "mu*"})


SOBOL_CI_TOO_WIDE = 0.1  # a 95% CI half-width above this cannot rank parameters whose indices differ by less


def flagged_parameters(indices: pd.DataFrame) -> list[str]:
    """Parameters whose Sobol indices fail a check (see `sobol_problems`)."""
    return [problem[0] for problem in sobol_problems(indices)]


def sobol_problems(indices: pd.DataFrame) -> list[tuple[str, str]]:
    """(parameter, what is wrong) for every Sobol estimate that fails a sanity check: S1 above ST, an
    index outside [0, 1] beyond its CI, a CI wider than SOBOL_CI_TOO_WIDE."""
    problems = []
    for record in indices.to_dict("records"):
        name = parameter_label(record["parameter"])
        s1, st = record.get("S1"), record.get("ST")
        s1_conf, st_conf = record.get("S1_conf") or 0.0, record.get("ST_conf") or 0.0
        if s1 is not None and st is not None and s1 > st:
            problems.append((record["parameter"], f"{name}: S1 {s1:.2f} above ST {st:.2f}"))
        for index, value, conf in (("S1", s1, s1_conf), ("ST", st, st_conf)):
            if value is None or not math.isfinite(value):
                continue
            if value + conf < 0 or value - conf > 1:
                problems.append((record["parameter"], f"{name}: {index} {value:.2f} ± {conf:.2f} outside [0, 1]"))
            elif conf > SOBOL_CI_TOO_WIDE:
                problems.append((record["parameter"], f"{name}: {index} CI ±{conf:.2f}"))
    return problems


def sensitivity_warnings(source, outcome: str) -> list[str]:
    """Sentences to show beside a sensitivity figure whose estimates are not to be trusted, with what to raise."""
    indices = sensitivity_table(_analysis(source), outcome)
    if indices.empty or "parameter" not in indices:
        return []
    warnings = []
    if {"S1", "ST"} & set(indices):
        problems = sobol_problems(indices)
        if problems:
            samples = (_manifest(source).get("design") or {}).get("samples")
            size = f" at N = {samples} base samples" if samples else ""
            shown = "; ".join(text for _, text in problems[:3]) + (f"; {len(problems) - 3} more" if len(problems) > 3
                                                                   else "")
            warnings.append(f"Sobol indices unreliable{size} ({shown}): raise N (design.samples, typically 512 or "
                            f"more) and the replicates per point.")
        excluded = [r for r in indices.to_dict("records")
                    if (r.get("ST") or 0) - (r.get("ST_conf") or 0) > 0]
        if not excluded and "ST" in indices:
            warnings.append("No total index's CI excludes 0: too few samples to say that any parameter matters; "
                            "raise N.")
    elif "mu_star" in indices and "mu_star_conf" in indices:
        if all((r.get("mu_star") or 0) <= (r.get("mu_star_conf") or 0) for r in indices.to_dict("records")):
            warnings.append("No mu* CI excludes 0: too few trajectories to screen the parameters. Raise the "
                            "number of trajectories.")
    return warnings


def _manifest(source) -> dict:
    return {} if isinstance(source, pd.DataFrame) else open_result(source).manifest


def sweep_answer(result) -> tuple[str, list[str], list[str]]:
    """(lead, points, warnings) for a sweep report: which parameter matters most for each outcome, and
    how far each outcome moves over the design."""
    outcomes = sweep_outcomes(result)
    table = point_table(result)
    parameters = sweep_parameters(result, table)
    analysis = _analysis(result)
    points, warnings = [], []
    for outcome in outcomes:
        factor, label = outcome_factor(outcome), outcome_label(outcome)
        values = table[outcome] * factor
        text = f"{label}: from {_value_text(float(values.min()))} to {_value_text(float(values.max()))} over the points"
        indices = sensitivity_table(analysis, outcome)
        score = next((c for c in ("ST", "mu_star") if c in indices), None)
        if score is not None and "parameter" in indices:
            top = indices.sort_values(score, ascending=False).iloc[0]
            conf = top.get(f"{score}_conf")
            interval = f" ± {conf:.2f}" if conf is not None and math.isfinite(conf) else ""
            text += f"; largest {score}: {parameter_label(top['parameter'])} ({top[score]:.2f}{interval}, SALib)"
            warnings += [f"{label}: {w}" for w in sensitivity_warnings(result, outcome)]
        else:
            text += _largest_main_effect(result, analysis, outcome)
        points.append(text)
    lead = (f"{len(table):,} design points over {len(parameters)} parameters "
            f"({', '.join(parameter_label(p) for p in parameters)}).")
    if len(warnings) > 2:  # the figures below carry each outcome's own warning
        warnings = warnings[:2] + [f"{len(warnings) - 2} more warnings with the figures below."]
    return lead, points, warnings


def _largest_main_effect(source, analysis: dict | None, outcome: str) -> str:
    """'; host database access moves it most (17.3 to 19.4), beyond the replicate noise (±0.6)' from the
    effect tables of `threatnet analyze` (grid and hypercube designs)."""
    effects = ((analysis or {}).get("outcomes") or {}).get(outcome) or {}
    ranges = {}
    for name, entry in effects.items():
        means = [level["mean"] for level in (entry or {}).get("levels", []) if level.get("mean") is not None]
        if len(means) > 1:
            ranges[name] = (min(means), max(means))
    if not ranges:
        return ""
    name, (low, high) = max(ranges.items(), key=lambda item: item[1][1] - item[1][0])
    if high == low:
        return "; no parameter moves its mean"
    factor = outcome_factor(outcome)
    noise = replicate_noise(source, outcome)
    text = (f"; {parameter_label(name)} moves its mean most ({_value_text(low * factor)} to "
            f"{_value_text(high * factor)}, threatnet analyze)")
    if noise is not None:
        text += (", within the replicate noise" if (high - low) * factor <= noise else ", beyond the replicate noise") \
            + f" (±{_value_text(noise)})"
    return text


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
    noise = replicate_noise(source, outcome)
    for place, (name, entry) in enumerate(effects.items()):
        levels = [_tidy_level(level["level"]) for level in entry["levels"]]
        means = [None if level["mean"] is None else factor * level["mean"] for level in entry["levels"]]
        figure.add_trace(go.Scatter(x=levels, y=means, mode="lines+markers", showlegend=False,
                                    marker=dict(size=9, color=EFFECT_COLOUR), line=dict(color=EFFECT_COLOUR),
                                    error_y=dict(type="constant", value=noise / math.sqrt(2) if noise else 0,
                                                 visible=bool(noise), color="#888"),
                                    hovertemplate=f"{parameter_label(name)} %{{x}}: %{{y:.4g}}<extra></extra>"),
                         row=1, col=place + 1)
        figure.update_xaxes(type="category", title_text="level" if "spearman_rho" not in entry else "quantile bin",
                            row=1, col=place + 1)
    figure.update_yaxes(title_text=label, col=1)
    figure.update_annotations(font_size=13)
    figure.update_yaxes(rangemode="tozero")
    return finish(figure, f"Main effects on {label}: mean over the other parameters (threatnet analyze; bars: "
                          f"replicate noise, 95%)", 420,
                  narrow=stacked(figure, len(effects), panel_height=200))


def _tidy_level(level: str) -> str:
    return {"True": "yes", "False": "no"}.get(level, level)


def sweep_outcomes(source) -> list[str]:
    """Outcomes to show: the sweep's declared outcomes found in its per-point summary."""
    table = point_table(source)
    declared = [] if isinstance(source, pd.DataFrame) else open_result(source).manifest.get("outcomes") or []
    candidates = declared or list(OUTCOME_COLUMNS)
    return [c for c in candidates if c in table]

