"""A map of the trafficking network: hubs, legs by tonnes moved and seizure rate, police units.

Scattergeo draws each leg as a great-circle line; a line's width cannot vary within one trace, so
each leg is its own trace (a scenario has tens of legs, not thousands). Hover text sits on one
marker at each leg's great-circle midpoint, where the line is drawn. Without `edges.parquet` (Monte
Carlo, experiment, sweep results) the map shows the network's structure with thin grey legs.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.colors
import plotly.graph_objects as go

from ..scenario import InputError
from .load import edge_flows, open_result
from .style import finish

NODE_KINDS = {  # kind: (legend label, marker symbol, colour): hubs are told apart by shape, in neutral tones
    "source": ("source (coca production)", "triangle-up", "#8C6D31"),
    "departure": ("departure point", "triangle-right", "#BBBBBB"),
    "transit": ("transit hub", "circle", "#FFFFFF"),
    "market": ("European market", "square", "#555555"),
}
LABEL_ORDER = ("market", "transit", "departure", "source")  # who gets a label first where places crowd
# Minimum spacing, in degrees (lat, lon), between two labelled places: closer places are named on hover.
LABEL_SPACING = {"geo": (3.2, 9.0), "geo2": (2.0, 3.4)}
SEIZURE_SCALE = "YlOrRd"
POLICE_OFFSET_DEGREES = 0.9  # police markers sit beside their node, not on it


ZOOM = dict(lon=(-26.0, 6.0), lat=(2.0, 23.0))  # West Africa, where most hubs and all police units are
MAIN_GEO, ZOOM_GEO = "geo", "geo2"


def network_map(source, edges: pd.DataFrame | None = None) -> go.Figure:
    """The network of a result folder (or a scenario dict with an optional edges table) on a map.

    Left: the whole corridor. Right: West Africa enlarged, where hubs and police units crowd.
    """
    if isinstance(source, dict):
        scenario = source
    elif hasattr(source, "model_dump"):
        scenario = source.model_dump(mode="json", by_alias=True)
    else:
        result = open_result(source)
        scenario = result.scenario
        if scenario is None:
            raise InputError(str(result.folder), "", "a result folder with its scenario.json (to draw the "
                                                     "network from); it has none")
        edges = edge_flows(result) if edges is None else edges
    nodes = {node["id"]: node for node in scenario["network"]["nodes"]}
    figure = go.Figure()
    flows = edges is not None and len(edges) > 0
    for geo in (MAIN_GEO, ZOOM_GEO):
        if flows:
            _add_flows(figure, nodes, edges, geo)
        else:
            _add_structure(figure, nodes, scenario["network"]["edges"], geo)
        _add_nodes(figure, nodes, edges, geo)
        _add_police(figure, nodes, scenario, geo)
    _add_zoom_frame(figure)
    if flows:
        title = (f"Trafficking network of {scenario['name']}: tonnes moved and seizure rate per leg over "
                 f"{scenario['horizon_weeks']} weeks")
    else:
        title = f"Trafficking network of {scenario['name']} (tonnes per leg are recorded by threatnet run only)"
    narrow = {"height": 1240, "geo.domain.x": [0, 1], "geo.domain.y": [0.62, 1.0], "geo2.domain.x": [0, 1],
              "geo2.domain.y": [0.36, 0.6], "annotations[0].x": 0, "annotations[0].y": 0.6,
              "legend.y": 0.0, "legend.yanchor": "bottom", "legend.yref": "paper", "legend.x": 0, "legend.xref": "paper",
              "legend.orientation": "v", "margin.b": 10, "margin.t": 30, "margin.l": 8, "margin.r": 8}
    text_traces = [index for index, trace in enumerate(figure.data) if trace.mode and "text" in trace.mode]
    figure.update_layout(meta={"narrow_restyle": [{"mode": "markers"}, text_traces]})  # names on tap, on a phone
    return finish(figure, title, 780, narrow=narrow, geo=_geography(nodes.values(), [0.0, 0.5], [0.0, 1.0]),
                  geo2=_geography([], [0.52, 1.0], [0.44, 1.0], ZOOM),
                  legend=dict(x=0.53, xanchor="left", y=0.40, yanchor="top", font=dict(size=12),
                              groupclick="togglegroup", tracegroupgap=8),
                  annotations=[dict(text="West Africa, enlarged", x=0.52, y=1.0, xref="paper", yref="paper",
                                    xanchor="left", yanchor="bottom", showarrow=False, font=dict(size=13))],
                  margin=dict(l=10, r=10, t=70, b=10))


def _geography(nodes, x_domain: list[float], y_domain: list[float], box: dict | None = None) -> dict:
    """Land, sea and borders around the nodes (or a box), with a margin; the world map is embedded offline."""
    if box is None:
        lats = [node["lat"] for node in nodes]
        lons = [node["lon"] for node in nodes]
        box = dict(lat=(min(lats) - 5, max(lats) + 5), lon=(min(lons) - 5, max(lons) + 5))
    return dict(projection=dict(type="natural earth"), resolution=110, showland=True, landcolor="#f3f0ea",
                showocean=True, oceancolor="#e8f0f7", showcountries=True, countrycolor="#c8c8c8",
                countrywidth=0.6, showcoastlines=True, coastlinecolor="#9aa", showlakes=False,
                showframe=True, framecolor="#bbb", lataxis=dict(range=list(box["lat"])),
                lonaxis=dict(range=list(box["lon"])), domain=dict(x=x_domain, y=y_domain))


def in_zoom(node: dict) -> bool:
    return ZOOM["lat"][0] <= node["lat"] <= ZOOM["lat"][1] and ZOOM["lon"][0] <= node["lon"] <= ZOOM["lon"][1]


def _add_zoom_frame(figure: go.Figure) -> None:
    """The enlarged area outlined on the corridor map."""
    (south, north), (west, east) = ZOOM["lat"], ZOOM["lon"]
    along = np.linspace(west, east, 17).tolist()  # follow the parallels, not the great circle
    figure.add_trace(go.Scattergeo(lat=[south] * 17 + [north] * 17 + [south], lon=along + along[::-1] + [west],
                                   mode="lines", line=dict(color="#555", width=1, dash="dash"), geo=MAIN_GEO,
                                   hoverinfo="skip", showlegend=False))


def great_circle_midpoint(lat1: float, lon1: float, lat2: float, lon2: float) -> tuple[float, float]:
    """Midpoint on the sphere: where the drawn (geodesic) leg actually passes, for its hover marker."""
    phi1, lam1, phi2, lam2 = map(math.radians, (lat1, lon1, lat2, lon2))
    bx = math.cos(phi2) * math.cos(lam2 - lam1)
    by = math.cos(phi2) * math.sin(lam2 - lam1)
    lat = math.atan2(math.sin(phi1) + math.sin(phi2), math.hypot(math.cos(phi1) + bx, by))
    lon = lam1 + math.atan2(by, math.cos(phi1) + bx)
    return math.degrees(lat), (math.degrees(lon) + 540) % 360 - 180


def leg_width(tonnes: float, max_tonnes: float) -> float:
    """Line width in pixels, area-like (square root) so that small legs stay visible."""
    return 1.0 + 9.0 * math.sqrt(tonnes / max_tonnes) if max_tonnes > 0 else 1.0


def _add_flows(figure: go.Figure, nodes: dict, edges: pd.DataFrame, geo: str) -> None:
    """One trace per leg, width by tonnes and colour by seizure rate; a colour bar and a width key."""
    tonnes = edges["moved_kg"].to_numpy() / 1000
    rates = np.divide(edges["seized_kg"].to_numpy(), edges["moved_kg"].to_numpy(),
                      out=np.zeros(len(edges)), where=edges["moved_kg"].to_numpy() > 0)
    top_rate = max(float(rates.max()), 0.01)
    max_tonnes = float(tonnes.max())
    midpoints, hover = [], []
    for leg, moved, rate in zip(edges.to_dict("records"), tonnes, rates):
        start, end = nodes[leg["from"]], nodes[leg["to"]]
        used = moved > 0
        line_colour = (plotly.colors.sample_colorscale(SEIZURE_SCALE, [0.15 + 0.85 * rate / top_rate])[0]
                       if used else "#999999")
        figure.add_trace(go.Scattergeo(lat=[start["lat"], end["lat"]], lon=[start["lon"], end["lon"]], mode="lines",
                                       line=dict(width=leg_width(moved, max_tonnes), color=line_colour,
                                                 dash="solid" if used else "dot"),
                                       geo=geo, hoverinfo="skip", showlegend=False, legendgroup="legs"))
        midpoints.append(great_circle_midpoint(start["lat"], start["lon"], end["lat"], end["lon"]))
        hover.append(f"<b>{start['name']} → {end['name']}</b> ({leg['mode']})<br>{moved:,.1f} t moved, "
                     f"{leg['seized_kg'] / 1000:,.1f} t seized<br>seizure rate {100 * rate:.1f}%"
                     + ("" if used else "<br>(unused in this run)"))
    lats, lons = zip(*midpoints)
    main = geo == MAIN_GEO
    colorbar = dict(title=dict(text="seizure rate<br>on the leg"), x=1.0, xanchor="right", y=0.0, yanchor="bottom",
                    len=0.4, thickness=14, ticksuffix="%")
    figure.add_trace(go.Scattergeo(
        lat=lats, lon=lons, mode="markers", hovertext=hover, hoverinfo="text", geo=geo,
        name="leg midpoint (hover for tonnes)", legendgroup="legs", showlegend=main,
        marker=dict(size=6, color=100 * rates, colorscale=SEIZURE_SCALE, cmin=0, cmax=100 * top_rate,
                    line=dict(color="#555", width=0.5), showscale=main, colorbar=colorbar)))
    if main:
        for reference in _width_key(max_tonnes):
            figure.add_trace(go.Scattergeo(lat=[None], lon=[None], mode="lines", name=f"{reference:,.0f} t moved",
                                           line=dict(width=leg_width(reference, max_tonnes), color="#888"),
                                           legendgroup="width", legendgrouptitle=dict(text="leg width"),
                                           hoverinfo="skip", geo=geo))


def _width_key(max_tonnes: float) -> list[float]:
    """Round reference tonnages for the legend: the largest leg and two smaller round numbers."""
    if max_tonnes <= 0:
        return []
    magnitude = 10 ** math.floor(math.log10(max_tonnes))
    return sorted({magnitude / 10, magnitude, round(max_tonnes, -int(math.log10(magnitude)))})


def _add_structure(figure: go.Figure, nodes: dict, legs: list[dict], geo: str) -> None:
    """Legs as thin grey lines when no tonnes were recorded."""
    lats, lons = [], []
    for leg in legs:
        start, end = nodes[leg["from"]], nodes[leg["to"]]
        lats += [start["lat"], end["lat"], None]
        lons += [start["lon"], end["lon"], None]
    figure.add_trace(go.Scattergeo(lat=lats, lon=lons, mode="lines", line=dict(width=1.2, color="#888"),
                                   name="trafficking leg", hoverinfo="skip", geo=geo, legendgroup="legs",
                                   showlegend=geo == MAIN_GEO))


def short_name(name: str) -> str:
    """`Bijagos archipelago` -> `Bijagos`, `Lima / Callao` -> `Lima`: labels that fit beside a marker."""
    name = name.split(" (")[0].split(" / ")[0]
    for generic in (" archipelago", " airport", " port", " Schiphol"):
        name = name.removesuffix(generic)
    return name


def labelled(nodes: dict, geo: str) -> set[str]:
    """Ids of the places named on a map: in importance order, a place is named only if no place
    already named sits within LABEL_SPACING of it, so that labels never overlap (Lisbon, Madrid,
    Vigo and Tangier; Lome and Tema); the others are named in their hover text."""
    spacing_lat, spacing_lon = LABEL_SPACING[geo]
    chosen: list[dict] = []
    for kind in LABEL_ORDER:
        for node in (n for n in nodes.values() if n["kind"] == kind and in_zoom(n) == (geo == ZOOM_GEO)):
            if all(abs(node["lat"] - other["lat"]) >= spacing_lat or abs(node["lon"] - other["lon"]) >= spacing_lon
                   for other in chosen):
                chosen.append(node)
    return {node["id"] for node in chosen}


def _label_positions(members: list[dict], everyone: list[dict]) -> list[str]:
    """Labels above their marker, or below it when another node sits just above (Bissau over Bijagos)."""
    positions = []
    for node in members:
        crowded = any(0 < other["lat"] - node["lat"] < 1.5 and abs(other["lon"] - node["lon"]) < 2.5
                      for other in everyone)
        positions.append("bottom center" if crowded else "top center")
    return positions


def _add_nodes(figure: go.Figure, nodes: dict, edges: pd.DataFrame | None, geo: str) -> None:
    """Hubs by kind, hover text with price, control and tonnes in; labelled on the map that shows them best."""
    through = (edges.groupby("to")["moved_kg"].sum() / 1000) if edges is not None and len(edges) else None
    main = geo == MAIN_GEO
    for kind, (label, symbol, fill) in NODE_KINDS.items():
        members = [node for node in nodes.values() if node["kind"] == kind]
        if not members:
            continue
        hover = [_node_hover(node, None if through is None else float(through.get(node["id"], 0.0)))
                 for node in members]
        named = labelled(nodes, geo)
        texts = [short_name(n["name"]) if n["id"] in named else "" for n in members]
        figure.add_trace(go.Scattergeo(
            lat=[n["lat"] for n in members], lon=[n["lon"] for n in members], mode="markers+text", geo=geo,
            text=texts, textposition=_label_positions(members, list(nodes.values())),
            textfont=dict(size=11, color="#222"), hovertext=hover, hoverinfo="text", name=label,
            marker=dict(symbol=symbol, size=11, color=fill, line=dict(color="#333", width=0.8)),
            legendgroup="hubs", legendgrouptitle=dict(text="hubs"), showlegend=main))


def _node_hover(node: dict, tonnes_in: float | None) -> str:
    lines = [f"<b>{node['name']}</b> ({node.get('country', '')}), {node['kind']}",
             f"price US${node.get('price_usd_per_kg', 0):,.0f}/kg"]
    if node.get("controlled_by"):
        lines.append(f"controlled by {node['controlled_by'].replace('_', ' ')}")
    if tonnes_in is not None and node["kind"] != "source":
        lines.append(f"{tonnes_in:,.1f} t arrived over the run")
    return "<br>".join(lines)


def _add_police(figure: go.Figure, nodes: dict, scenario: dict, geo: str) -> None:
    """Host and UN police units beside their node; filled with INTERPOL database access, open without."""
    access = scenario.get("levers", {}).get("database_access", {})
    police = scenario.get("police", {})
    for force, label, symbol, fill, side in (("host", "host-state police", "square", "#0072B2", -1),
                                             ("un", "UN police", "diamond", "#1f9bd7", 1)):
        units = police.get(force, {}).get("units", [])
        if not units:
            continue
        connected = bool(access.get(force))
        per_node: dict[str, int] = {}
        lats, lons, hover = [], [], []
        for unit in units:
            node = nodes[unit["node"]]
            slot = per_node.get(unit["node"], 0)
            per_node[unit["node"]] = slot + 1
            lats.append(node["lat"] - 0.5 * slot)
            lons.append(node["lon"] + side * POLICE_OFFSET_DEGREES)
            hover.append(_unit_hover(unit, label, node, connected))
        name = f"{label}, {'with' if connected else 'without'} INTERPOL databases"
        figure.add_trace(go.Scattergeo(lat=lats, lon=lons, mode="markers", hovertext=hover, hoverinfo="text",
                                       name=name, legendgroup="police", legendgrouptitle=dict(text="police units"),
                                       geo=geo, showlegend=geo == MAIN_GEO,
                                       marker=dict(symbol=symbol if connected else f"{symbol}-open", size=9,
                                                   color=fill, line=dict(color=fill, width=1.8))))


def _unit_hover(unit: dict, label: str, node: dict, connected: bool) -> str:
    details = [f"<b>{unit['id'].replace('_', ' ')}</b>: {label} at {node['name']}"]
    if "officers" in unit:
        details.append(f"{unit['officers']:,} officers, skill {unit['skill']:.2f}, corruption {unit['corruption']:.2f}")
    if "mission" in unit:
        details.append(f"mission {unit['mission']}, {100 * unit['share_of_regional_officers']:.0f}% of regional UN officers")
    details.append(f"inspects up to {unit['inspection_capacity_shipments_per_week']:g} shipments/week")
    details.append("INTERPOL database access" if connected else "no INTERPOL database access")
    return "<br>".join(details)
