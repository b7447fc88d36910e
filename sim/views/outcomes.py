"""Outcomes of an experiment's arms: means with 95% CIs, one small panel per outcome.

Levels, drawn from zero so that arms a fraction of a percent apart do not look different; the
comparison between arms is `sim.views.effects.outcome_differences` (paired differences), which
is what the report shows.

The numbers are the experiment's own (`summary.json`, computed by `sim.survival` from every
replicate), so the figure and the summary can never disagree.
"""

from __future__ import annotations

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .load import open_result
from .style import colour, finish, outcome_factor, outcome_label


def arm_outcomes(source, columns: int = 3) -> go.Figure | None:
    """Mean of each outcome per arm with its 95% CI; None if the summary has no outcomes."""
    summary = source if isinstance(source, dict) else open_result(source).summary
    arms = [arm for arm in summary.get("arms", []) if arm.get("outcomes")]
    if not arms:
        return None
    names = list(dict.fromkeys(name for arm in arms for name in arm["outcomes"]))
    rows = -(-len(names) // columns)
    figure = make_subplots(rows=rows, cols=columns, subplot_titles=[outcome_label(n) for n in names],
                           horizontal_spacing=0.16, vertical_spacing=0.5 / rows)
    labels = [arm.get("label", arm["arm"]) for arm in arms]
    for place, name in enumerate(names):
        factor = outcome_factor(name)
        stats = [arm["outcomes"].get(name, {}) for arm in arms]
        means = [factor * s.get("mean", float("nan")) for s in stats]
        figure.add_trace(go.Scatter(
            x=means, y=labels, mode="markers", showlegend=False,
            marker=dict(size=10, color=[colour(i) for i in range(len(arms))]),
            error_x=dict(type="data", symmetric=False, color="#444", thickness=1.5,
                         array=[factor * s.get("ci_high", s.get("mean", 0)) - m for s, m in zip(stats, means)],
                         arrayminus=[m - factor * s.get("ci_low", s.get("mean", 0)) for s, m in zip(stats, means)]),
            hovertemplate="%{y}: %{x:.4g} (95% CI shown)<extra>" + name + "</extra>"),
            row=place // columns + 1, col=place % columns + 1)
    figure.update_yaxes(autorange="reversed", showgrid=False, automargin=True)
    figure.update_yaxes(showticklabels=False, ticks="")
    figure.update_yaxes(showticklabels=True, ticks="outside", col=1)
    figure.update_xaxes(nticks=5, rangemode="tozero")  # levels from zero: noise between arms stays small
    figure.update_annotations(font_size=12)
    return finish(figure, "Outcomes per arm over the whole run: mean per replicate with 95% CI",
                  140 + 150 * rows, margin=dict(t=100, l=170))
