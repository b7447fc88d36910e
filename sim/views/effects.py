"""Effects of an experiment's arms, not levels: what changed against the baseline, with its 95% CI.

Two figures, both drawn from the experiment's summary (`summary.json`, computed by
`sim.analysis.survival` from every replicate), so that a figure and the answer sentence can never
disagree:

- `effect_forest`: per conflict and pooled, the hazard ratio of ending (Cox), the RMST ratio and
  the ratio of median durations, each with its CI, on log axes with a line at 1 (no effect). The
  conflict where a lever matters stands out from the ones where it does not, which a pooled curve
  hides.
- `outcome_differences`: each outcome's paired difference from the baseline (replicate i of every
  arm ran with the same seed), as a percentage of the baseline's mean so that tonnes, dollars and
  shares share one axis around a zero line; the absolute difference with its unit is in the hover
  text. An estimate whose CI contains zero is drawn hollow and grey: inside the noise.
"""

from __future__ import annotations

import math

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .load import open_result
from .style import (EFFECT_COLOUR, NOISE_COLOUR, wrap_words, arm_colour, finish, legend_under_title, outcome_factor,
                    outcome_label, stacked)

MEASURES = (  # summary key, panel title, what a value below/above 1 means
    ("hazard_ratio", "hazard ratio of ending", "above 1: ends sooner"),
    ("rmst_ratio", "RMST ratio", "below 1: shorter (mean time to horizon)"),
    ("median_ratio", "median duration ratio", "below 1: shorter"),
)


def _summary(source) -> dict:
    if isinstance(source, dict):
        return source
    return open_result(source).summary


def compared_arms(summary: dict) -> list[tuple[int, dict]]:
    """(index in the summary, record) of each arm other than the baseline."""
    return [(index, arm) for index, arm in enumerate(summary.get("arms", []))
            if arm["arm"] != summary.get("baseline")]


def effect_forest(source) -> go.Figure | None:
    """Forest plot of the duration effects per conflict (by name) and pooled; None without conflicts."""
    summary = _summary(source)
    arms = compared_arms(summary)
    if not summary.get("conflicts") or not arms:
        return None
    names = summary.get("conflict_names") or {}
    titles = summary.get("conflict_titles") or {}
    rows = [names.get(c, c) for c in summary["conflicts"]] + ["<b>pooled</b>"]
    ids = list(summary["conflicts"]) + ["pooled"]
    figure = make_subplots(rows=1, cols=len(MEASURES), shared_yaxes=True, horizontal_spacing=0.05,
                           subplot_titles=[title for _, title, _ in MEASURES])
    offsets = _offsets(len(arms))
    for column, (key, title, meaning) in enumerate(MEASURES, start=1):
        for (index, arm), offset in zip(arms, offsets):
            records = list(arm["conflicts"]) + [arm]
            values, lows, highs, hover, symbols = [], [], [], [], []
            for conflict, record in zip(ids, records):
                value, low, high = record.get(key), record.get(f"{key}_ci_low"), record.get(f"{key}_ci_high")
                values.append(value)
                lows.append(value - low if value is not None and low is not None else None)
                highs.append(high - value if value is not None and high is not None else None)
                symbols.append("diamond" if conflict == "pooled" else "square")
                hover.append(_hover(key, title, value, low, high, record, titles.get(conflict, conflict),
                                    conflict))
            figure.add_trace(go.Scatter(
                x=values, y=[position + offset for position in range(len(rows))],
                mode="markers", name=arm.get("label", arm["arm"]), legendgroup=arm["arm"],
                showlegend=column == 1 and len(arms) > 1,
                marker=dict(color=arm_colour(index), size=[13 if s == "diamond" else 10 for s in symbols],
                            symbol=symbols, line=dict(color="white", width=1)),
                error_x=dict(type="data", symmetric=False, array=highs, arrayminus=lows, color=arm_colour(index),
                             thickness=2, width=5),
                hovertext=hover, hoverinfo="text"), row=1, col=column)
        figure.add_vline(x=1, line=dict(color="#666", width=1, dash="dash"), row=1, col=column)
        figure.update_xaxes(type="log", title_text=meaning, row=1, col=column, nticks=6, tickformat=".2~f")
    figure.update_yaxes(autorange="reversed", showgrid=False, automargin=True, tickvals=list(range(len(rows))),
                        ticktext=rows, zeroline=False)
    figure.update_annotations(font_size=12)
    base = next((a.get("label", a["arm"]) for a in summary["arms"] if a["arm"] == summary.get("baseline")), "")
    title = f"Effect on conflict duration against {base}, per conflict and pooled (95% CIs)"
    if len(arms) == 1:
        title = f"{arms[0][1].get('label', arms[0][1]['arm'])}: {title[0].lower()}{title[1:]}"
    height = 170 + 42 * len(rows)
    narrow = stacked_forest(figure, len(rows))
    return finish(figure, title, height, narrow=narrow, margin=dict(t=110, l=120, r=20, b=70),
                  legend=legend_under_title(height), hovermode="closest")


def stacked_forest(figure: go.Figure, rows: int) -> dict:
    """One measure per row on a phone."""
    return stacked(figure, len(MEASURES), panel_height=36 * rows + 20, gap=95)


def _offsets(count: int) -> list[float]:
    """Vertical offsets that put several arms' estimates of one conflict side by side."""
    if count == 1:
        return [0.0]
    return [-0.25 + 0.5 * index / (count - 1) for index in range(count)]


def _hover(key: str, title: str, value, low, high, record: dict, conflict_title: str, conflict: str) -> str:
    if value is None:
        return f"<b>{conflict_title}</b><br>{title}: not estimable"
    interval = f"{_number(low)} to {_number(high)}"
    lines = [f"<b>{conflict_title}</b> ({conflict})", f"{title}: {_number(value)} (95% CI {interval})"]
    if key == "hazard_ratio" and record.get("ph_test_p") is not None:
        lines.append(f"proportional-hazards test p = {record['ph_test_p']:.3g}"
                     + (" (violated: HR averages over time)" if record["ph_test_p"] < 0.05 else ""))
    if key == "hazard_ratio" and record.get("logrank_p") is not None:
        lines.append(f"log-rank p = {record['logrank_p']:.3g}")
    if record.get("identical_to_baseline"):
        lines.append("the lever does not reach this conflict: identical in every replicate")
    return "<br>".join(lines)


def _number(value) -> str:
    if value is None:
        return "open"
    return f"{value:.3f}" if 0.95 < value < 1.05 else f"{value:.2f}"


def outcome_differences(source) -> go.Figure | None:
    """Paired difference of each outcome from the baseline, % of the baseline's mean, with its 95% CI."""
    summary = _summary(source)
    arms = compared_arms(summary)
    base = next((a for a in summary.get("arms", []) if a["arm"] == summary.get("baseline")), None)
    if base is None or not arms or not base.get("outcomes"):
        return None
    names = [name for name, stats in base["outcomes"].items() if stats.get("mean")]  # a zero mean has no %
    figure = go.Figure()
    labels = [_label(name) for name in names]
    for (index, arm), offset in zip(arms, _offsets(len(arms))):
        values, lows, highs, hover, colours, fills = [], [], [], [], [], []
        for name in names:
            stats, reference = arm["outcomes"][name], base["outcomes"][name]["mean"]
            scale = 100 / abs(reference)
            value = stats.get("difference")
            low, high = stats.get("difference_ci_low"), stats.get("difference_ci_high")
            noise = low is None or high is None or low <= 0 <= high
            values.append(None if value is None else value * scale)
            lows.append(None if value is None or low is None else (value - low) * scale)
            highs.append(None if value is None or high is None else (high - value) * scale)
            colours.append(NOISE_COLOUR if noise else arm_colour(index))
            fills.append("circle-open" if noise else "circle")
            factor = outcome_factor(name)
            hover.append(f"<b>{outcome_label(name)}</b><br>{arm.get('label', arm['arm'])} minus "
                         f"{base.get('label', base['arm'])}: {_signed(value, factor)} (95% CI {_signed(low, factor)} "
                         f"to {_signed(high, factor)})<br>= {_signed(None if value is None else value * scale, 1)}% "
                         f"of the baseline's mean {_signed(reference, factor, sign=False)}"
                         + ("<br>CI includes 0: inside the noise" if noise else ""))
        figure.add_trace(go.Scatter(
            x=values, y=[place + offset for place in range(len(labels))], mode="markers",
            name=arm.get("label", arm["arm"]), showlegend=len(arms) > 1,
            marker=dict(color=colours, symbol=fills, size=10, line=dict(width=2, color=colours)),
            error_x=dict(type="data", symmetric=False, array=highs, arrayminus=lows, color=EFFECT_COLOUR,
                         thickness=1.5, width=4),
            hovertext=hover, hoverinfo="text"))
    figure.add_vline(x=0, line=dict(color="#666", width=1, dash="dash"))
    span = max([abs(v) + (e or 0) for v, e in zip(values, highs) if v is not None] + [1.0])
    label = f"{arms[0][1].get('label', arms[0][1]['arm'])} minus {base.get('label', base['arm'])}" \
        if len(arms) == 1 else f"each arm minus {base.get('label', base['arm'])}"
    height = 140 + 30 * len(names)
    return finish(figure, f"Other outcomes: paired difference, {label} (% of the baseline mean, 95% CI)",
                  height,
                  xaxis=dict(title="difference (% of the baseline's mean); hollow grey: CI includes 0",
                             range=[-1.1 * span, 1.1 * span], zeroline=False, ticksuffix="%"),
                  yaxis=dict(autorange="reversed", automargin=True, showgrid=False, tickvals=list(range(len(labels))),
                             ticktext=labels, zeroline=False),
                  narrow={"yaxis.ticktext": [wrap_words(label, 16) for label in labels], "xaxis.nticks": 5,
                          "xaxis.title.text": "% of baseline mean", "height": 160 + 52 * len(labels)},
                  margin=dict(t=100 if len(arms) > 1 else 60, l=60, r=20, b=70), hovermode="closest",
                  legend=legend_under_title(height))



def _label(name: str) -> str:
    label = outcome_label(name)
    return label.split(" (")[0]


def _signed(value, factor: float, sign: bool = True) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    shown = value * factor
    text = f"{shown:+.4g}" if sign else f"{shown:.4g}"
    return text
