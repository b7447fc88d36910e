"""The threat network's people in the report of one run: the members of each organisation, who was still
linked to a leader at each snapshot week, which ties investigations followed (`people_network`), and the
arrests over time with each organisation's capacity (`arrests_series`).

A run writes `people.parquet` (a row per member: role, home, arrests, centrality, status at the snapshot
weeks) and `ties.parquet` (a row per tie, with how often an investigation followed it) where its
organisations have people; without them (a scenario without people, Monte Carlo, experiments, sweeps)
both views return None.

Each organisation is drawn as a radial tree, computed and not random, so that one run always gives one
picture: leaders at the centre, then coordinators, brokers and, on the outer ring, the people who operate
(transporters, couriers, facilitators). A member hangs under the member it answers to (its tie to the
nearest rank above) and sits in the middle of a sector as wide as the operational people under it: a
broker's people sit together, and a broker whose arrest cuts off many has a wide fan. Thousands of
members and ties stay a few traces (and the page small): the ties of one kind in an organisation are one
trace with gaps (None) between ties; the members of one role are one trace whose colours a slider
switches between the snapshot weeks.
"""

from __future__ import annotations

import math
import os

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..model import MODEL
from ..model.people import ROLES, STATUSES, TIER
from .load import Result, open_result, sample_series
from .series import WEEKS_PER_YEAR, scenario_start_year
from .style import (
    AGENCY_COLOURS,
    DATABASE_COLOURS,
    FOLLOWED_COLOUR,
    ROLE_COLOURS,
    STATUS_COLOURS,
    TIE_COLOUR,
    colour,
    finish,
    stacked,
    translucent,
    wrap_words,
)

SNAPSHOT = "status_week_"  # people.parquet's status columns: status_week_<week>
LINKED, CUT_OFF, AWAY = STATUSES
STATUS_LABELS = {LINKED: "linked to a leader", CUT_OFF: "cut off from the leaders",
                 AWAY: "arrested, or a vacancy not yet filled"}
OTHER_STATUS_COLOUR = "#999999"  # a status this view does not know: grey rather than another status's colour
ROLE_MARKERS = {"leader": ("star", 15), "coordinator": ("diamond", 11), "broker": ("square", 8),
                "transporter": ("triangle-up", 6), "courier": ("circle", 4), "facilitator": ("cross", 6)}
RING_RADIUS = (0.12, 0.42, 0.66, 0.85)  # by rank (sim.model.people.TIER): leaders, coordinators, brokers, the rest
LANE_MEMBERS = 300  # the outer ring splits into one more lane per 300 members on it (at most 4), to keep them apart
FOLLOWED = (  # ties by times an investigation followed them: (fewest, most, legend name, line width, opacity)
    (1, 1, "tie followed once", 0.8, 0.5), (2, 3, "tie followed 2-3 times", 1.6, 0.8),
    (4, math.inf, "tie followed 4 or more times", 2.8, 1.0))
QUARTER_WEEKS = 13


def people_network(source) -> go.Figure | None:
    """Each organisation's members and ties, one panel each: marker shape by role, colour by status at the
    snapshot week a slider chooses, ties that investigations followed in blue, wider the more often they
    were followed. None where the result has no people."""
    result = open_result(source)
    tables = _people_tables(result)
    if tables is None:
        return None
    people, ties = tables
    statuses = member_statuses(people)
    organisations = list(dict.fromkeys(people["organisation"]))
    names = _organisation_names(result)
    cols = min(2, len(organisations))
    rows = -(-len(organisations) // cols)
    figure = make_subplots(rows=rows, cols=cols, horizontal_spacing=0.04, vertical_spacing=0.12 / rows,
                           subplot_titles=[_panel_title(org, names, people, 62) for org in organisations])
    _add_legend_keys(figure)
    coloured: list[tuple[int, pd.Index]] = []  # (trace, its rows of people): the traces the slider colours
    seen: set[str] = set()  # tie kinds already in the legend
    for place, org in enumerate(organisations):
        members = people[people["organisation"] == org]
        coloured += _add_organisation(figure, members, ties, names.get(org, org), statuses[list(statuses)[-1]],
                                      seen, row=place // cols + 1, col=place % cols + 1)
    for axis in range(1, len(organisations) + 1):
        suffix = "" if axis == 1 else str(axis)
        figure.update_layout({f"yaxis{suffix}.scaleanchor": f"x{suffix}"})  # circles stay round
    figure.update_xaxes(visible=False, range=[-1.06, 1.06], constrain="domain")
    figure.update_yaxes(visible=False, range=[-1.06, 1.06], constrain="domain")
    figure.update_annotations(font_size=12)
    slider = _status_slider(statuses, coloured, (result.scenario or {}).get("start_date"))
    narrow = stacked(figure, len(organisations), panel_height=340, top=170, gap=70)
    narrow.update({"margin.l": 8, "margin.r": 8, "sliders[0].x": 0.1, "sliders[0].len": 0.8, "sliders[0].pad.b": 64,
                   **{f"annotations[{k}].text": _panel_title(org, names, people, 44)
                      for k, org in enumerate(organisations)}})
    title = ("Members and ties of each organisation: status at a snapshot week (slider); ties that investigations "
             "followed in blue")
    return finish(figure, title, 150 + 500 * rows, narrow=narrow, sliders=[slider],
                  margin={"t": 170, "l": 20, "r": 250},
                  legend={"x": 1.02, "xanchor": "left", "y": 1, "yanchor": "top", "tracegroupgap": 0,
                          "font": {"size": 12}})


def _add_organisation(figure: go.Figure, members: pd.DataFrame, ties: pd.DataFrame, name: str,
                      statuses: pd.Series, seen: set[str], **position) -> list[tuple[int, pd.Index]]:
    """One organisation's panel: its ties, then its members one trace per role, coloured by `statuses`;
    returns (trace, rows of people) of the members' traces."""
    row_of = pd.Series(np.arange(len(members)), index=members["person"].to_numpy())
    own = ties[ties["a"].isin(row_of.index) & ties["b"].isin(row_of.index)]
    a, b = row_of[own["a"]].to_numpy(), row_of[own["b"]].to_numpy()
    xy = radial_layout(members["role"].tolist(), list(zip(a, b)))
    _add_ties(figure, xy[a], xy[b], own["followed"].to_numpy(), seen, position)
    traces = []
    for role in ROLES:
        chosen = np.flatnonzero(members["role"].to_numpy() == role)
        if len(chosen):
            group = members.iloc[chosen]
            figure.add_trace(_members_trace(group, xy[chosen], role, name, status_codes(statuses[group.index])),
                             **position)
            traces.append((len(figure.data) - 1, group.index))
    return traces


def _status_slider(statuses: dict, coloured: list[tuple[int, pd.Index]], start_date: str | None) -> dict:
    """A slider step per snapshot week that recolours the members' traces (restyle: no redraw of the ties);
    it starts at the last week, as the traces do."""
    traces = [trace for trace, _ in coloured]
    steps = [{"method": "restyle", "label": _when(week, start_date),
              "args": [{"marker.color": [status_codes(statuses[week][rows]) for _, rows in coloured]}, traces]}
             for week in statuses]
    return {"active": len(steps) - 1, "steps": steps, "x": 0, "len": 0.75, "xanchor": "left", "y": 1,
            "yanchor": "bottom", "pad": {"b": 44, "t": 0}, "font": {"size": 11},
            "currentvalue": {"prefix": "members' status, ", "font": {"size": 13}}}


def radial_layout(roles: list[str], ties: list[tuple[int, int]]) -> np.ndarray:
    """(x, y) of each member of one organisation, inside the unit circle, from its roles and ties (pairs of
    member rows): rings by rank, each member in the middle of a sector as wide as the members it leads
    (counted at the outermost level), in the order of the rows. The same input gives the same picture."""
    tiers = [TIER[ROLES.index(role)] for role in roles]
    neighbours: list[list[int]] = [[] for _ in roles]
    for a, b in ties:
        neighbours[a].append(b)
        neighbours[b].append(a)
    children: list[list[int]] = [[] for _ in roles]
    roots = []
    for member, tier in enumerate(tiers):
        above = [other for other in neighbours[member] if tiers[other] < tier]
        if above:  # the nearest rank above, then the first row: the member it answers to
            children[max(above, key=lambda other: (tiers[other], -other))].append(member)
        else:
            roots.append(member)  # the leaders, and anyone tied to no one above
    weight = np.ones(len(roles))
    for member in sorted(range(len(roles)), key=lambda m: -tiers[m]):  # the outer ranks first
        if children[member]:
            weight[member] = sum(weight[child] for child in children[member])
    angle = np.zeros(len(roles))

    def spread(members: list[int], start: float, width: float) -> None:
        total = sum(weight[m] for m in members)
        for member in members:
            share = width * weight[member] / total
            angle[member] = start + share / 2
            spread(children[member], start, share)
            start += share

    spread(roots, 0.0, 2 * math.pi)
    radius = np.array([RING_RADIUS[tier] for tier in tiers])
    if tiers.count(0) == 1:
        radius[tiers.index(0)] = 0.0
    outer = [m for m in sorted(range(len(roles)), key=lambda m: angle[m]) if tiers[m] == len(RING_RADIUS) - 1]
    lanes = min(4, 1 + len(outer) // LANE_MEMBERS)
    for rank, member in enumerate(outer):
        radius[member] += 0.05 * (rank % lanes)
    return np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])


def member_statuses(people: pd.DataFrame) -> dict[int | None, pd.Series]:
    """Each member's status at each snapshot week (week -> statuses), or at the end of the run (None ->
    statuses) where the run kept no snapshots."""
    weeks = sorted(int(column.removeprefix(SNAPSHOT)) for column in people.columns if column.startswith(SNAPSHOT))
    if weeks:
        return {week: people[f"{SNAPSHOT}{week}"] for week in weeks}
    end = np.select([~people["at_large"], people["linked"]], [AWAY, LINKED], CUT_OFF)
    return {None: pd.Series(end, index=people.index)}


def status_codes(statuses: pd.Series) -> list[int]:
    """Statuses as positions in STATUS_COLOURS (the marker colour scale); one it does not know is grey."""
    codes = {status: code for code, status in enumerate(STATUS_COLOURS)}
    return [codes.get(status, len(codes)) for status in statuses]


def _status_scale() -> list:
    """A colour scale of one flat band per status code, the unknown status last."""
    colours = [*STATUS_COLOURS.values(), OTHER_STATUS_COLOUR]
    return [[edge, hue] for k, hue in enumerate(colours) for edge in (k / len(colours), (k + 1) / len(colours))]


def _members_trace(members: pd.DataFrame, xy: np.ndarray, role: str, organisation: str, codes: list[int]) -> go.Scatter:
    """One role's members of one organisation; the ids' common prefix goes in the hover template once."""
    ids = members["person"].tolist()
    prefix = os.path.commonprefix(ids)
    symbol, size = ROLE_MARKERS.get(role, ("circle", 6))
    data = list(zip([person[len(prefix):] for person in ids], members["home"], members["arrests"],
                    members["centrality"].round(3)))
    operational = TIER[ROLES.index(role)] == len(RING_RADIUS) - 1
    return go.Scatter(
        x=xy[:, 0], y=xy[:, 1], mode="markers", name=role, legendgroup=role, showlegend=False, customdata=data,
        marker={"symbol": symbol, "size": size, "color": codes, "colorscale": _status_scale(), "cmin": -0.5,
                "cmax": len(STATUS_COLOURS) + 0.5, "line": {"width": 0 if operational else 0.6, "color": "#333"}},
        hovertemplate=(f"<b>{prefix}%{{customdata[0]}}</b><br>{role}, {organisation}<br>home: %{{customdata[1]}}"
                       "<br>arrests over the run: %{customdata[2]}<br>betweenness centrality: %{customdata[3]:.3f}"
                       "<extra></extra>"))


def _add_ties(figure: go.Figure, starts: np.ndarray, ends: np.ndarray, followed: np.ndarray, seen: set[str],
              position: dict) -> None:
    """One organisation's ties: those never followed thin and grey, then one trace per band of FOLLOWED."""
    kinds = [("tie (never followed)", followed == 0, 0.5, TIE_COLOUR)]
    kinds += [(name, (followed >= low) & (followed <= high), width, translucent(FOLLOWED_COLOUR, opacity))
              for low, high, name, width, opacity in FOLLOWED]
    for name, chosen, width, hue in kinds:
        if not chosen.any():
            continue
        figure.add_trace(go.Scatter(x=_segments(starts[chosen, 0], ends[chosen, 0]),
                                    y=_segments(starts[chosen, 1], ends[chosen, 1]), mode="lines", name=name,
                                    line={"width": width, "color": hue}, hoverinfo="skip", showlegend=name not in seen,
                                    legendrank=20 + len(seen)), **position)
        seen.add(name)


def _segments(starts: np.ndarray, ends: np.ndarray) -> list:
    """Coordinates of many line segments in one trace: start, end and a gap (None) for each; three decimals
    are finer than a pixel and keep the page small."""
    points = np.column_stack([starts, ends, np.full(len(starts), np.nan)]).round(3).ravel()
    return [None if math.isnan(value) else float(value) for value in points]


def _add_legend_keys(figure: go.Figure) -> None:
    """Legend entries for what colours and shapes mean (the members' traces change colour, so their own
    entries would show one status); a role's entry shows and hides that role in every panel."""
    for rank, (status, hue) in enumerate(STATUS_COLOURS.items()):
        figure.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=STATUS_LABELS.get(status, status),
                                    marker={"color": hue, "size": 10}, legendrank=rank, hoverinfo="skip"))
    for rank, role in enumerate(ROLES):
        symbol, _ = ROLE_MARKERS.get(role, ("circle", 6))
        figure.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=role, legendgroup=role,
                                    legendrank=10 + rank, marker={"symbol": symbol, "size": 10, "color": "#777"},
                                    hoverinfo="skip"))


def _panel_title(organisation: str, names: dict, people: pd.DataFrame, width: int) -> str:
    count = int((people["organisation"] == organisation).sum())
    return wrap_words(f"{organisation.replace('_', ' ')}, {count:,} members: {names.get(organisation, '')}", width)


def _when(week: int | None, start_date: str | None) -> str:
    """A snapshot's slider label: `week 260`, or its month (`Dec 2013`) where the scenario has a start date."""
    if week is None:
        return "the end of the run"
    if not start_date:
        return f"week {week}"
    return f"{(pd.Timestamp(start_date) + pd.Timedelta(weeks=week)):%b %Y}"


def _people_tables(result: Result) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """(members, ties) of a run with people, or None."""
    people_path, ties_path = result.path("people.parquet"), result.path("ties.parquet")
    if people_path is None:
        return None
    people = pd.read_parquet(people_path)
    if people.empty:
        return None
    ties = pd.read_parquet(ties_path) if ties_path else pd.DataFrame({"a": [], "b": [], "followed": []})
    return people, ties


def _organisation_names(result: Result) -> dict[str, str]:
    return {org["id"]: org.get("name", org["id"]) for org in (result.scenario or {}).get("organisations", [])}


# --- arrests over time -----------------------------------------------------------------------------

ARREST_PANELS = (  # (panel title, legend group title, {column: colour}); the counts of a panel add up to all arrests
    ("arrested, by role", "by role", {f"arrests_{role}s": ROLE_COLOURS[role] for role in ROLES}),
    ("arrested, by who arrested them", "by agency",
     {f"arrests_{agency}": hue for agency, hue in AGENCY_COLOURS.items()}),
    ("arrested, by the agency's INTERPOL access", "by database access",
     {f"arrests_{access}_database": hue for access, hue in DATABASE_COLOURS.items()}),
)


def arrests_series(source) -> go.Figure | None:
    """Arrests per quarter stacked by role, by agency and by the agency's database access (each stack's top
    is all arrests), and each organisation's capacity. None where the result has no people, or its
    series no quarter."""
    result = open_result(source)
    if _people_tables(result) is None:
        return None
    counts, means = quarters(sample_series(result, replicates=1))
    if counts.empty or "arrests" not in counts:
        return None
    start_year = scenario_start_year(result.scenario)
    x = counts.index.to_numpy() / WEEKS_PER_YEAR + (start_year or 0.0)
    titles = [title for title, _, _ in ARREST_PANELS] + ["capacity of each organisation"]
    figure = make_subplots(rows=2, cols=2, subplot_titles=titles, shared_xaxes="all", horizontal_spacing=0.1,
                           vertical_spacing=0.2)
    labels = MODEL.labels()
    for place, (_, group, colours) in enumerate(ARREST_PANELS):
        columns = [column for column in colours if column in counts]
        for rank, column in enumerate(columns):
            name = _short(labels.get(column, (column, ""))[0])
            figure.add_trace(go.Scatter(
                x=x, y=counts[column], mode="lines", stackgroup=str(place), name=name, legendgroup=column,
                legendgrouptitle={"text": group} if rank == 0 else None, line={"width": 0.5, "color": colours[column]},
                hovertemplate=f"%{{y:,.0f}}<extra>{name}</extra>"), row=place // 2 + 1, col=place % 2 + 1)
    names = _organisation_names(result)
    capacities = [column for column in means.columns if column.endswith(".capacity")]
    for rank, column in enumerate(capacities):
        org = column.removesuffix(".capacity")
        figure.add_trace(go.Scatter(
            x=x, y=100 * means[column], mode="lines", name=org.replace("_", " "), legendgroup=column,
            legendgrouptitle={"text": "capacity"} if rank == 0 else None, line={"width": 2, "color": colour(rank)},
            hovertemplate=f"%{{y:.0f}}%<extra>{names.get(org, org)}</extra>"), row=2, col=2)
    figure.update_yaxes(title_text="arrests per quarter", rangemode="tozero", col=1, row=1)
    figure.update_yaxes(title_text="arrests per quarter", rangemode="tozero", col=1, row=2)
    figure.update_yaxes(rangemode="tozero", col=2, row=1)
    figure.update_yaxes(title_text="capacity, % (quarter mean)", range=[0, 105], row=2, col=2)
    figure.update_xaxes(showticklabels=True)
    figure.update_xaxes(title_text="year" if start_year is not None else "years since the start", row=2)
    figure.update_annotations(font_size=13)
    seed = result.manifest.get("seed")
    title = (f"Arrests per quarter (13 weeks) by role, agency and database access, and each organisation's "
             f"capacity (one replicate{f', seed {seed}' if seed is not None else ''})")
    narrow = {**stacked(figure, 4, panel_height=240), "legend.entrywidth": 1, "legend.entrywidthmode": "fraction"}
    return finish(figure, title, 720, narrow=narrow, hovermode="x unified",
                  margin={"t": 110, "r": 230}, legend={"x": 1.02, "xanchor": "left", "y": 1, "yanchor": "top",
                                                       "tracegroupgap": 0, "groupclick": "toggleitem"})


def quarters(series: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(sums, means) of one replicate's weekly series over 13-week quarters, indexed by each quarter's first
    week: sums for counts (arrests), means for states (capacity). A last, shorter quarter is dropped, since
    its sum would read as a fall."""
    first = int(series["week"].min()) if len(series) else 0
    starts = first + (series["week"] - first) // QUARTER_WEEKS * QUARTER_WEEKS
    grouped = series.drop(columns=["week", "replicate"], errors="ignore").groupby(starts.rename("week"))
    full = grouped.size() == QUARTER_WEEKS
    return grouped.sum(numeric_only=True)[full], grouped.mean(numeric_only=True)[full]


def _short(label: str) -> str:
    """A declared label as a legend entry: `people arrested by UN police` -> `UN police`."""
    for prefix in ("people arrested by ", "people arrested "):
        label = label.removeprefix(prefix)
    return label.removesuffix(" arrested")
