"""Pattern checks: each pattern's simulated value, with its CI, against the band of its target
(`threatnet patterns --out` and `threatnet calibrate` write `patterns.json`).

Patterns have different units (shares, years, hazards, ratios), so every row is drawn on one scale:
the position within its band, 0 at the band's low end and 1 at its high end. A value inside [0, 1] passes;
the hover gives the value, CI, band and target in the pattern's own units.
"""

from __future__ import annotations

import plotly.graph_objects as go

from .load import open_result
from .style import SIDE_COLOURS, WARNING_COLOUR, finish, legend_under_title

PASS_COLOUR, FAIL_COLOUR = "#009E73", SIDE_COLOURS["rebel"]


def pattern_results(source) -> list[dict]:
    """The pattern results of a patterns or calibration folder (or the list itself)."""
    if isinstance(source, list):
        return source
    document = open_result(source).json("patterns.json") or {}
    return document.get("results", [])


def _position(value: float | None, low: float, high: float) -> float | None:
    if value is None:
        return None
    width = high - low
    return 0.5 if width <= 0 else (value - low) / width


def pattern_checks(source) -> go.Figure | None:
    """One row per pattern (fit first, then held-out test): the band as a grey bar from 0 to 1, the
    simulated value as a point with its 95% CI, green where it passes and vermillion where it fails."""
    results = pattern_results(source)
    if not results:
        return None
    results = sorted(results, key=lambda r: (r["role"] != "fit", results.index(r)))
    labels = [f"{r['name'].replace('_', ' ')} ({r['role']})" for r in results]
    figure = go.Figure()
    figure.add_trace(go.Bar(y=labels, x=[1.0] * len(results), base=[0.0] * len(results), orientation="h",
                            marker=dict(color="#DDDDDD"), name="band of the target", hoverinfo="skip"))
    for passed, colour, name in ((True, PASS_COLOUR, "inside the band"), (False, FAIL_COLOUR, "outside the band")):
        chosen = [(label, r) for label, r in zip(labels, results) if r["passed"] == passed and r["value"] is not None]
        if not chosen:
            continue
        xs = [_position(r["value"], r["band_low"], r["band_high"]) for _, r in chosen]
        lows = [_position(r["ci_low"], r["band_low"], r["band_high"]) for _, r in chosen]
        highs = [_position(r["ci_high"], r["band_low"], r["band_high"]) for _, r in chosen]
        figure.add_trace(go.Scatter(
            y=[label for label, _ in chosen], x=xs, mode="markers", name=name,
            marker=dict(color=colour, size=11, symbol="diamond"),
            error_x=dict(type="data", symmetric=False,
                         array=[0 if h is None else max(h - x, 0) for x, h in zip(xs, highs)],
                         arrayminus=[0 if lo is None else max(x - lo, 0) for x, lo in zip(xs, lows)]),
            customdata=[[r["value"], r["ci_low"], r["ci_high"], r["band_low"], r["band_high"],
                         "assumed" if r["target"] is None else f"{r['target']:.3g}", r["statistic"], r["source"]]
                        for _, r in chosen],
            hovertemplate="%{customdata[6]}<br>simulated %{customdata[0]:.3g} (95% CI %{customdata[1]:.3g}-"
                          "%{customdata[2]:.3g})<br>band %{customdata[3]:.3g}-%{customdata[4]:.3g}, target "
                          "%{customdata[5]}<br>%{customdata[7]}<extra></extra>"))
    undefined = [label for label, r in zip(labels, results) if r["value"] is None]
    if undefined:
        figure.add_trace(go.Scatter(y=undefined, x=[0.5] * len(undefined), mode="text", text=["undefined"] * len(undefined),
                                    textfont=dict(color=WARNING_COLOUR), name="undefined", hoverinfo="skip"))
    height = 140 + 34 * len(results)
    figure.add_vline(x=0, line=dict(color="#888", dash="dot"))
    figure.add_vline(x=1, line=dict(color="#888", dash="dot"))
    passed = sum(r["passed"] for r in results)
    return finish(figure, f"Patterns: {passed} of {len(results)} simulated values inside their target's band",
                  height, narrow={"margin.l": 10, "yaxis.automargin": True, "xaxis.title.text": ""},
                  xaxis=dict(title="position within the band (0: its low end, 1: its high end)", zeroline=False),
                  yaxis=dict(autorange="reversed", automargin=True), barmode="overlay",
                  legend=legend_under_title(height), margin=dict(t=110, l=20, r=20, b=60))
