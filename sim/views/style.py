"""One look for every figure: template, colours, and how quantities are named with their units.

The template is passed to each figure explicitly rather than installed as plotly's default, so
that importing threatnet does not restyle a notebook's other plots.

Colours are given per concept, once, here: a colour means the same thing in every figure (blue is
the government side wherever it appears, vermillion the rebels, a victory takes its winner's
colour). They come from Okabe and Ito (2008) and Paul Tol's "muted" scheme, both readable with the
common colour-vision deficiencies; figures that put two concepts side by side use pairs that stay
distinct in deuteranopia and protanopia. Concepts that outnumber the palettes (arms beyond four)
cycle through ARM_COLOURS.
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

SIDE_COLOURS = {"government": "#0072B2", "rebel": "#D55E00"}
SIDE_LABELS = {"government": "government forces", "rebel": "rebels or armed factions"}
# A victory is coloured by whose it is; agreement, low activity and censoring have colours of their own.
# The end types are the model's (sim.model.END_TYPES, the UCDP's outcome codes grouped).
END_TYPE_COLOURS = {"government_victory": SIDE_COLOURS["government"], "rebel_victory": SIDE_COLOURS["rebel"],
                    "agreement": "#009E73", "low_activity": "#882255", "censored": "#BBBBBB"}
END_TYPE_LABELS = {"government_victory": "government victory", "rebel_victory": "rebel victory",
                   "agreement": "agreement (peace agreement or ceasefire)",
                   "low_activity": "low activity (fighting died down)",
                   "censored": "still going at the horizon (censored)"}
# Arms of an experiment: the baseline is near-black, the others take colours no other concept uses.
ARM_COLOURS = ("#222222", "#CC79A7", "#E69F00", "#56B4E9", "#999933", "#AA4499")
# Flows of cocaine and money.
FLOW_COLOURS = {"shipped_kg": "#88CCEE", "seized_kg": "#332288", "delivered_kg": "#44AA99",
                "criminal_revenue_usd": "#999933", "taxes_usd": "#CC6677", "bribes_usd": "#117733"}
# Income by source: crime is the protection taxes, so it has the taxes' colour.
INCOME_COLOURS = {"crime": FLOW_COLOURS["taxes_usd"], "external": "#88CCEE", "resources": "#DDCC77",
                  "budget": "#44AA99"}
# The organisations' members (sim.model.people.ROLES): the chain of command dark, the operational roles light.
ROLE_COLOURS = {"leader": "#882255", "coordinator": "#AA4499", "broker": "#CC6677", "transporter": "#332288",
                "courier": "#88CCEE", "facilitator": "#DDCC77"}
# A member's status at a snapshot week: green still linked to a leader, orange cut off, vermillion gone.
STATUS_COLOURS = {"linked": "#009E73", "cut off": "#E69F00", "arrested or vacant": "#D55E00"}
# Who arrested: the police colours of the network map, then customs and patrols at sea.
AGENCY_COLOURS = {"host_police": "#0072B2", "un_police": "#1f9bd7", "customs": "#E69F00", "maritime": "#009E73"}
DATABASE_COLOURS = {"with": "#44AA99", "without": "#BBBBBB"}  # arrests by agencies with or without INTERPOL access
TIE_COLOUR = "#C8C8C8"       # a tie between two members that no investigation followed
FOLLOWED_COLOUR = "#0072B2"  # a tie an investigation followed: police work, in the police's blue
# Sensitivity indices: first order light, total dark, one hue.
INDEX_COLOURS = {"S1": "#DDCC77", "ST": "#999933", "mu_star": "#999933"}
EFFECT_COLOUR = "#222222"     # a single estimate with its CI (forest plots, differences)
NOISE_COLOUR = "#999999"      # an estimate whose CI includes no effect
WARNING_COLOUR = "#B8860B"
DIVERGING_SCALE = "PuOr"      # centred colour scales: purple below the reference, orange above
SEQUENTIAL_SCALE = "Cividis"  # perceptually uniform and colour-blind safe


def colour(index: int) -> str:
    return COLOURS[index % len(COLOURS)]


def arm_colour(index: int) -> str:
    """The colour of the index-th arm (0 is the baseline when arms are listed baseline first)."""
    return ARM_COLOURS[index % len(ARM_COLOURS)]


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
    **{f"share_{name}": (f"conflicts ended by {END_TYPE_LABELS[name].split(' (')[0]}", "share")
       for name in ("government_victory", "rebel_victory", "agreement", "low_activity")},
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


def finish(figure: go.Figure, title: str, height: int, narrow: dict | None = None, **layout) -> go.Figure:
    """Apply the template, a title and a height: every view ends here, so they all look alike.

    `narrow` holds the layout changes (plotly relayout keys) that make the figure readable on a
    phone, such as one panel per row (see `stacked`); the legend always moves under the plot there.
    A report applies them where the page is narrower than NARROW_PX (see sim.report).
    """
    figure.update_layout(template=TEMPLATE, title=dict(text=title), height=height, **layout)
    bottom = legend_space(figure)
    changes = {"legend.orientation": "h", "legend.x": 0, "legend.xanchor": "left", "legend.xref": "container",
               "legend.y": 0, "legend.yanchor": "bottom", "legend.yref": "container", "legend.font.size": 11,
               "margin.l": 60,
               "margin.r": 16, "margin.b": bottom, "height": height + bottom - 40, **(narrow or {})}
    meta = figure.layout.meta if isinstance(figure.layout.meta, dict) else {}
    figure.update_layout(meta={**meta, "narrow": changes})
    return figure


def legend_under_title(height: int) -> dict:
    """A one-line legend between the title and the panels, placed in pixels from the top (container
    coordinates) so that it never lands on the panels or their titles, whatever the height. The
    figure's top margin must leave about 110 px."""
    return dict(orientation="h", x=0, xanchor="left", xref="paper", y=1 - 44 / height, yanchor="top",
                yref="container")


NARROW_PX = 640  # below this width a report lays figures out for a phone
LEGEND_ROW_PX = 21


def legend_space(figure: go.Figure) -> int:
    """Pixels under the plot for axis labels and a legend of one entry per row (the worst case at 390 px)."""
    names = {(trace.legendgroup or trace.name) for trace in figure.data
             if trace.name and trace.showlegend is not False and trace.type not in ("heatmap", "parcoords")}
    titles = {trace.legendgrouptitle.text for trace in figure.data
              if getattr(trace, "legendgrouptitle", None) and trace.legendgrouptitle.text}
    entries = len(names) + len(titles) if figure.layout.showlegend is not False else 0
    return 70 + LEGEND_ROW_PX * entries + (10 if entries else 0)


def stacked(figure: go.Figure, count: int, panel_height: int = 230, top: int = 50, gap: int = 75) -> dict:
    """The `narrow` layout of a figure of `count` subplots (made by make_subplots, row-major): one
    panel per row, each `panel_height` pixels, subplot titles moved above their panel."""
    bottom = legend_space(figure)
    height = top + count * panel_height + (count - 1) * gap + bottom
    plot = height - top - bottom
    layout: dict = {"height": height, "margin.t": top, "margin.b": bottom}
    # One x title, under the last panel: titles between stacked panels would sit on the next panel's title.
    x_title = next((axis.title.text for axis in figure.select_xaxes() if axis.title and axis.title.text), None)
    titles = [index for index, a in enumerate(figure.layout.annotations)
              if a.yref == "paper" and a.yanchor == "bottom" and a.showarrow is False]
    for index in range(count):
        suffix = "" if index == 0 else str(index + 1)
        high = 1 - index * (panel_height + gap) / plot
        low = high - panel_height / plot
        layout[f"xaxis{suffix}.domain"] = [0, 1]
        layout[f"yaxis{suffix}.domain"] = [max(low, 0.0), max(high, 0.0)]
        layout[f"xaxis{suffix}.showticklabels"] = True
        layout[f"xaxis{suffix}.title.text"] = x_title if index == count - 1 else ""
        layout[f"yaxis{suffix}.showticklabels"] = True
        if index < len(titles):
            layout[f"annotations[{titles[index]}].x"] = 0.5
            layout[f"annotations[{titles[index]}].y"] = max(high, 0.0)
    return layout


def wrap_words(text: str, width: int) -> str:
    """Words on lines of at most about `width` characters, joined by <br> (labels on a phone)."""
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "<br>".join(lines + [line])
