"""Conflict duration as survival data: Kaplan-Meier curves, duration histograms, end-type shares.

Every view works from counts of replicates per (group, duration, ended, end type), never from the
replicate rows: a curve over a million replicates has at most one point per distinct week, and the
Kaplan-Meier fit takes the counts as weights, which gives the same estimate as the rows. Groups are
the arms of an experiment (pooled over its analysed conflicts, as its summary is) or the conflicts
of a Monte Carlo run.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from plotly.subplots import make_subplots

from ..analysis import survival
from .load import Result, duration_counts, open_result
from .style import (END_TYPE_COLOURS, END_TYPE_LABELS, arm_colour, colour, finish, legend_under_title, stacked, translucent)

WEEKS_PER_YEAR = 365.25 / 7

NICE_BIN_WEEKS = (1, 2, 4, 8, 13, 26, 52, 104, 208, 520)


@dataclass
class SurvivalData:
    """Replicate counts per group with what the legends need: labels, order, hazard ratios."""

    counts: pd.DataFrame  # group, duration_weeks, ended, end_type, count
    groups: list[str]
    labels: dict[str, str] = field(default_factory=dict)
    hazard_ratios: dict[str, dict] = field(default_factory=dict)  # group -> hazard_ratio, _ci_low, _ci_high
    baseline: str | None = None
    horizon_weeks: int | None = None
    by: str = "group"
    sides: dict[str, str] = field(default_factory=dict)  # belligerent id -> government / rebel

    def label(self, group: str) -> str:
        return self.labels.get(group, str(group).replace("_", " "))

    def rows(self, group: str) -> pd.DataFrame:
        return self.counts[self.counts[self.by] == group]


def survival_data(source, by: str | None = None) -> SurvivalData:
    """Counts and legend facts from an experiment or mc folder, or from a replicate DataFrame.

    A DataFrame is grouped by `by`, else by `arm` if it has one, else by `conflict`.
    """
    if isinstance(source, SurvivalData):
        return source
    if not isinstance(source, pd.DataFrame):
        source = open_result(source)  # a folder, or a result object (sim.views.load.as_source)
    if isinstance(source, pd.DataFrame):
        by = by or ("arm" if "arm" in source else "conflict")
        counts = duration_counts(source, by)
        return SurvivalData(counts, list(dict.fromkeys(counts[by])), by=by)
    result = open_result(source)
    if result.kind == "experiment":
        return _experiment_data(result)
    by = by or "conflict"
    counts = duration_counts(result, by)
    names = {c["id"]: c["name"] for c in (result.scenario or {}).get("conflicts", [])}
    order = [name for name in names if name in set(counts[by])] or list(dict.fromkeys(counts[by]))
    labels = {conflict: survival.conflict_label(name) for conflict, name in names.items()}
    return SurvivalData(counts, order, labels=labels, horizon_weeks=_horizon(result), by=by, sides=_sides(result))


def _experiment_data(result: Result) -> SurvivalData:
    """Arms in the summary's order, with its labels and Cox hazard ratios against the baseline."""
    summary = result.summary
    counts = duration_counts(result, "arm", conflicts=summary.get("conflicts"))
    arms = summary.get("arms") or [{"arm": arm} for arm in dict.fromkeys(counts["arm"])]
    return SurvivalData(counts, [arm["arm"] for arm in arms],
                        labels={arm["arm"]: arm.get("label", arm["arm"]) for arm in arms},
                        hazard_ratios={arm["arm"]: arm for arm in arms if arm.get("hazard_ratio") is not None},
                        baseline=summary.get("baseline"), horizon_weeks=_horizon(result), by="arm",
                        sides=_sides(result))


def _horizon(result: Result) -> int | None:
    return (result.scenario or {}).get("horizon_weeks")


def _sides(result: Result) -> dict[str, str]:
    return {b["id"]: b["side"] for c in (result.scenario or {}).get("conflicts", []) for b in c["belligerents"]}


def _end_category(end_type: str, winner, sides: dict[str, str]) -> str:
    """The end type as the model records it: a victory already says whose (government_victory,
    rebel_victory). Older folders wrote `victory` with a winner: it becomes whose it was."""
    if end_type == "victory" and winner in sides:
        return f"{sides[winner]}_victory"
    return end_type


def kaplan_meier(rows: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """Survival curve (week, survival, ci_low, ci_high) and median with 95% CI from counted rows."""
    record, fitter = survival.kaplan_meier(rows["duration_weeks"], rows["ended"], rows["count"])
    band = fitter.confidence_interval_
    curve = pd.DataFrame({"week": fitter.survival_function_.index, "survival": fitter.survival_function_.iloc[:, 0],
                          "ci_low": band.iloc[:, 0].to_numpy(), "ci_high": band.iloc[:, 1].to_numpy()})
    median = {key: record[key] for key in ("median_weeks", "median_ci_low", "median_ci_high")}
    return curve, median


def legend_name(data: SurvivalData, group: str, median: dict) -> str:
    """`label: median 316 wk, HR 1.26 (1.21-1.30)`: the numbers a reader compares, in the legend."""
    weeks = median["median_weeks"]
    text = f"{data.label(group)}: median {'beyond horizon' if weeks is None else f'{weeks:.0f} wk'}"
    if group == data.baseline:
        return text + ", baseline"
    ratio = data.hazard_ratios.get(group)
    if ratio:
        low, high = ratio.get("hazard_ratio_ci_low"), ratio.get("hazard_ratio_ci_high")
        interval = f" ({low:.2f}-{high:.2f})" if low is not None and high is not None else ""
        text += f", HR {ratio['hazard_ratio']:.2f}{interval}"
    return text


def survival_curves(source, by: str | None = None) -> go.Figure:
    """Kaplan-Meier curves of conflict duration per group, 95% CI bands and median markers.

    Hazard ratios (of ending, against the baseline arm) come from an experiment's summary, so the
    legend states the same numbers as its answer sentence.
    """
    data = survival_data(source, by)
    figure = go.Figure()
    for index, group in enumerate(data.groups):
        rows = data.rows(group)
        if rows.empty:
            continue
        curve, median = kaplan_meier(rows)
        line_colour = arm_colour(index) if data.by == "arm" else colour(index)
        _add_curve(figure, curve, median, legend_name(data, group, median), line_colour, str(group),
                   data.label(group))
    figure.add_hline(y=50, line=dict(color="#888", dash="dot", width=1))
    return finish(figure, "How long conflicts last: Kaplan-Meier estimate with 95% CI", 520,
                  xaxis=dict(title="years since the start of the run", range=[0, _years(data.horizon_weeks)],
                             rangemode="tozero"),
                  yaxis=dict(title="conflicts still going (%)", range=[0, 102], ticksuffix="%"),
                  legend=dict(x=0.99, xanchor="right", y=0.99, yanchor="top", bordercolor="#ccc", borderwidth=1),
                  hovermode="closest")


def _years(weeks):
    return None if weeks is None else weeks / WEEKS_PER_YEAR


def _add_curve(figure: go.Figure, curve: pd.DataFrame, median: dict, name: str, line_colour: str,
               group: str, label: str, showlegend: bool = True, **place) -> None:
    """A step curve over its CI band (upper edge, then lower edge filled to it) and a median marker.

    Time is in years on the axis (weeks in the hover text, as the model counts them); `place`
    (row, col) puts the curve in a subplot.
    """
    weeks = curve["week"].to_numpy()
    years = weeks / WEEKS_PER_YEAR
    figure.add_trace(go.Scatter(x=years, y=100 * curve["ci_high"], mode="lines", line=dict(width=0, shape="hv"),
                                legendgroup=group, showlegend=False, hoverinfo="skip"), **place)
    figure.add_trace(go.Scatter(x=years, y=100 * curve["ci_low"], mode="lines", line=dict(width=0, shape="hv"),
                                fill="tonexty", fillcolor=translucent(line_colour, 0.18), legendgroup=group,
                                showlegend=False, hoverinfo="skip"), **place)
    figure.add_trace(go.Scatter(x=years, y=100 * curve["survival"], mode="lines", name=name, legendgroup=group,
                                showlegend=showlegend, customdata=weeks,
                                line=dict(color=line_colour, width=2.2, shape="hv"),
                                hovertemplate="year %{x:.1f} (week %{customdata}): %{y:.1f}% still going<extra>"
                                              + label + "</extra>"), **place)
    if median["median_weeks"] is not None:
        low, high = median["median_ci_low"], median["median_ci_high"]
        weeks_median = median["median_weeks"]
        error = dict(type="data", symmetric=False, color=line_colour, thickness=1.5, width=6,
                     array=[((high if high is not None else weeks_median) - weeks_median) / WEEKS_PER_YEAR],
                     arrayminus=[(weeks_median - (low if low is not None else weeks_median)) / WEEKS_PER_YEAR])
        interval = f"{low:.0f}-{high:.0f}" if low is not None and high is not None else "open"
        figure.add_trace(go.Scatter(x=[weeks_median / WEEKS_PER_YEAR], y=[50], mode="markers", error_x=error,
                                    marker=dict(color=line_colour, size=10, symbol="diamond",
                                                line=dict(color="white", width=1)),
                                    legendgroup=group, showlegend=False,
                                    hovertemplate=f"median {weeks_median:.0f} weeks = "
                                                  f"{weeks_median / WEEKS_PER_YEAR:.1f} years (95% CI {interval} "
                                                  f"weeks)<extra>{label}</extra>"), **place)


def survival_by_conflict(source) -> go.Figure:
    """Kaplan-Meier curves per conflict (small multiples, shared axes) and per arm, CI bands, medians.

    The per-conflict view an experiment needs: a lever that changes one conflict and not the
    others is plain here and invisible in curves pooled over conflicts. A Monte Carlo run has one
    curve per panel. Panels are named by conflict name (its id in the hover text).
    """
    result = open_result(source) if not isinstance(source, pd.DataFrame) else None
    summary = result.summary if result is not None else {}
    if result is not None and result.kind == "experiment":
        conflicts = summary.get("conflicts")
        counts = duration_counts(result, ["conflict", "arm"], conflicts=conflicts)
        arms = [(a["arm"], a.get("label", a["arm"])) for a in summary.get("arms", [])]
    else:
        frame = source if result is None else result
        counts = duration_counts(frame, ["conflict"]).assign(arm="all")
        arms = [("all", "all replicates")]
    scenario = (result.scenario if result is not None else None) or {}
    titles = {c["id"]: c["name"] for c in scenario.get("conflicts", [])}
    titles.update(summary.get("conflict_titles") or {})
    analysed = summary.get("conflicts") if result is not None and result.kind == "experiment" else None
    order = (analysed or [c for c in titles if c in set(counts["conflict"])]
             or list(dict.fromkeys(counts["conflict"])))
    horizon = _horizon(result) if result is not None else None
    horizon = horizon or int(counts["duration_weeks"].max())
    cols = min(2, len(order))
    rows = -(-len(order) // cols)
    names = [survival.conflict_label(titles.get(c, c)) for c in order]
    figure = make_subplots(rows=rows, cols=cols, shared_xaxes="all", shared_yaxes="all",
                           subplot_titles=names, horizontal_spacing=0.07, vertical_spacing=0.5 / (rows + 1))
    for place, conflict in enumerate(order):
        for index, (arm, label) in enumerate(arms):
            mine = counts[(counts["conflict"] == conflict) & (counts["arm"] == arm)]
            if mine.empty:
                continue
            curve, median = kaplan_meier(mine)
            weeks = median["median_weeks"]
            legend = f"{label}" if len(arms) > 1 else "still going (band: 95% CI; diamond: median)"
            _add_curve(figure, curve, median, legend, arm_colour(index), arm,
                       f"{names[place]}, {label}<br>{titles.get(conflict, conflict)} ({conflict})"
                       f"<br>median {'beyond the horizon' if weeks is None else f'{weeks:.0f} weeks'}",
                       showlegend=place == 0, row=place // cols + 1, col=place % cols + 1)
        figure.add_hline(y=50, line=dict(color="#aaa", dash="dot", width=1), row=place // cols + 1,
                         col=place % cols + 1)
    figure.update_xaxes(range=[0, horizon / WEEKS_PER_YEAR], showticklabels=True)
    figure.update_xaxes(title_text="years since the start", row=rows)
    figure.update_yaxes(range=[0, 102], ticksuffix="%")
    figure.update_yaxes(title_text="still going", col=1)
    figure.update_annotations(font_size=14)
    panel = 250
    height = 120 + rows * panel + (rows - 1) * 70
    title = ("How long each conflict lasts, per arm: Kaplan-Meier with 95% CI bands, diamonds at the median"
             if len(arms) > 1 else "How long each conflict lasts: Kaplan-Meier with 95% CI band, diamond at the median")
    figure.update_layout(hovermode="closest")
    return finish(figure, title, height, narrow=stacked(figure, len(order), panel_height=220),
                  margin=dict(t=110, b=70), legend=legend_under_title(height))


def bin_width(horizon_weeks: int) -> int:
    """A calendar-friendly bin (4, 13, 26, 52 weeks ...) giving at most about 40 bins."""
    return next((width for width in NICE_BIN_WEEKS if horizon_weeks / width <= 40), NICE_BIN_WEEKS[-1])


def duration_histogram(source, by: str | None = None) -> go.Figure:
    """Durations of the conflicts that ended, binned, as a share of all of a group's conflicts.

    Binned counts, not raw durations, go into the figure. Censored conflicts (still going at the
    horizon) have no duration to bin; their share is given in the legend.
    """
    data = survival_data(source, by)
    horizon = data.horizon_weeks or int(data.counts["duration_weeks"].max() or 1)
    width = bin_width(horizon)
    edges = np.arange(0, horizon + width, width)
    years = edges / WEEKS_PER_YEAR
    figure = go.Figure()
    for index, group in enumerate(data.groups):
        rows = data.rows(group)
        total = rows["count"].sum()
        if not total:
            continue
        ended = rows[rows["ended"].astype(bool)]
        counts, _ = np.histogram(ended["duration_weeks"], bins=edges, weights=ended["count"])
        censored = 100 * (total - ended["count"].sum()) / total
        shares = 100 * counts / total
        # Step outlines, not overlaid bars: four groups' bars would hide one another.
        figure.add_trace(go.Scatter(x=years, y=np.append(shares, shares[-1]), mode="lines",
                                    line=dict(color=arm_colour(index) if data.by == "arm" else colour(index),
                                              width=2, shape="hv"),
                                    name=f"{data.label(group)} ({censored:.0f}% still going at the horizon)",
                                    customdata=np.stack([edges, np.append(edges[1:], edges[-1])], axis=1),
                                    hovertemplate="weeks %{customdata[0]}-%{customdata[1]}: %{y:.1f}%<extra>"
                                                  + data.label(group) + "</extra>"))
    return finish(figure, f"When conflicts ended: share of conflicts per {width}-week bin", 460,
                  xaxis=dict(title="conflict duration (years)", range=[0, horizon / WEEKS_PER_YEAR]),
                  yaxis=dict(title="conflicts ending in the bin (%)", ticksuffix="%", rangemode="tozero"),
                  legend=legend_under_title(460), margin=dict(t=110))


def end_type_shares(source, by: str | None = None) -> go.Figure:
    """How conflicts ended (government or rebel victory, agreement, low activity) or did not (censored), per group."""
    data = survival_data(source, by)
    counts = data.counts.copy()
    winners = counts["winner"] if "winner" in counts else pd.Series("", index=counts.index)
    counts["category"] = [_end_category(e, w, data.sides) for e, w in zip(counts["end_type"], winners)]
    totals = counts.groupby([data.by, "category"], sort=False)["count"].sum()
    present = set(counts["category"])
    categories = [name for name in END_TYPE_COLOURS if name in present]
    categories += [name for name in dict.fromkeys(counts["category"]) if name not in categories]
    groups = [group for group in data.groups if group in totals.index.get_level_values(0)]
    labels = [data.label(group) for group in groups]
    figure = go.Figure()
    for index, category in enumerate(categories):
        shares = [100 * totals.get((group, category), 0) / totals[group].sum() for group in groups]
        name = END_TYPE_LABELS.get(category, category)
        figure.add_trace(go.Bar(y=labels, x=shares, name=name, orientation="h",
                                marker=dict(color=END_TYPE_COLOURS.get(category, colour(index))),
                                text=[f"{share:.0f}%" if share >= 4 else "" for share in shares],
                                textposition="inside", insidetextanchor="middle",
                                hovertemplate="%{y}: %{x:.1f}% " + name + "<extra></extra>"))
    height = 190 + 44 * len(groups)
    return finish(figure, "How conflicts ended by the horizon (a victory takes its winner's colour)", height,
                  barmode="stack", xaxis=dict(title="share of conflicts (%)", range=[0, 100], ticksuffix="%"),
                  yaxis=dict(autorange="reversed", automargin=True, showgrid=False),
                  legend=legend_under_title(height), margin=dict(t=110),
                  uniformtext=dict(minsize=10, mode="hide"))
