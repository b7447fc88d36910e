"""One look for every figure: template, colours, and how quantities are named with their units.

The template is passed to each figure explicitly rather than installed as plotly's default, so
that importing threatnet does not restyle a notebook's other plots.
"""

from __future__ import annotations

import plotly.graph_objects as go

# Okabe-Ito: distinguishable by readers with colour-vision deficiencies.
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")

TEMPLATE = go.layout.Template(layout=go.Layout(
    font=dict(family="Helvetica, Arial, sans-serif", size=13, color="#222"),
    title=dict(font=dict(size=17), x=0.01, xanchor="left", xref="container", y=0.985, yanchor="top"),
    colorway=list(COLOURS),
    paper_bgcolor="white", plot_bgcolor="white",
    margin=dict(l=80, r=30, t=80, b=60),
    hoverlabel=dict(font=dict(size=12)),
    legend=dict(bgcolor="rgba(255,255,255,0.8)"),
    xaxis=dict(showgrid=True, gridcolor="#e5e5e5", zeroline=False, linecolor="#888", ticks="outside"),
    yaxis=dict(showgrid=True, gridcolor="#e5e5e5", zeroline=False, linecolor="#888", ticks="outside"),
))

END_TYPE_COLOURS = {"victory": "#D55E00", "settlement": "#009E73", "censored": "#999999"}
END_TYPE_LABELS = {"censored": "still going at the horizon (censored)"}
INCOME_COLOURS = {"crime": "#D55E00", "external": "#0072B2", "resources": "#E69F00", "budget": "#009E73"}


def colour(index: int) -> str:
    return COLOURS[index % len(COLOURS)]


def translucent(hex_colour: str, alpha: float) -> str:
    """`#RRGGBB` as an rgba() string, for confidence bands drawn under their line."""
    red, green, blue = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha})"


# How a stored unit is shown: (unit on axes, factor from the stored unit).
DISPLAY_UNITS = {"kg": ("tonnes", 1e-3), "US$": ("US$ m", 1e-6), "share": ("%", 100.0), "weeks": ("weeks", 1.0)}
# Summaries over replicates that sweeps and views compute (not model outcomes): label, stored unit.
SUMMARIES = {
    "median_duration_weeks": ("median conflict duration", "weeks"),
    "mean_duration_weeks": ("mean conflict duration", "weeks"),
    "share_ended": ("conflicts ended by the horizon", "share"),
    "share_victory": ("conflicts ended by victory", "share"),
    "share_settlement": ("conflicts ended by settlement", "share"),
}


def _outcomes() -> dict[str, tuple[str, float]]:
    """name -> (label with its displayed unit, factor): the model's declared outcomes and the summaries."""
    from ..model import MODEL

    shown = {}
    for name, (label, unit) in {**MODEL.labels(), **SUMMARIES}.items():
        display, factor = DISPLAY_UNITS.get(unit, (unit, 1.0))
        shown[name] = (f"{label} ({display})" if display else label, factor)
    return shown


OUTCOMES = _outcomes()


def outcome_label(name: str) -> str:
    """The label with unit of an outcome column; unknown columns keep their name."""
    return OUTCOMES.get(name, (name.replace("_", " "), 1.0))[0]


def outcome_factor(name: str) -> float:
    """Multiplier from the stored unit (kg, US$, share) to the displayed one (tonnes, US$ bn, %)."""
    return OUTCOMES.get(name, (name, 1.0))[1]


def parameter_label(name: str) -> str:
    """A sweep parameter's key path, readable on an axis: `levers.corruption_scale` -> `corruption scale`."""
    return name.rsplit(".", 1)[-1].replace("_", " ") if name else name


def finish(figure: go.Figure, title: str, height: int, **layout) -> go.Figure:
    """Apply the template, a title and a height: every view ends here, so they all look alike."""
    figure.update_layout(template=TEMPLATE, title=dict(text=title), height=height, **layout)
    return figure

