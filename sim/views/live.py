"""A live view of one run: Mesa's SolaraViz over the Mesa driver, step by step, with the levers as controls.

`threatnet live SCENARIO [--port 8765]` serves it on 127.0.0.1 (`solara run sim.views.live_app`).
The page shows, each week:

- Mesa's space component drawing `model.grid`, the network space the Mesa driver places its agents
  on (sim/drivers/mesa.py), laid out by longitude and latitude: police units (blue: host-state,
  sky: UN), belligerents (the side's colour, sized by fighters; grey once their conflict ended),
  trafficking organisations at their sources (black);
- shipments in flight, drawn on the leg they travel (from the driver's state arrays, as the
  kernel holds them: shipments are rows, not Mesa agents);
- plots of cocaine in transit and seized, and of fighters, from the model's DataCollector.

The controls are the levers the model declares (`MODEL.levers`): a yes/no lever is a checkbox,
a number a slider around the scenario's value; changing one and pressing Reset builds the model
again with that override (`ThreatNetworkModel(scenario, levers__criminal_funding=False)`).
Views never change the model: the live view only reads the Mesa model it steps.
"""

from __future__ import annotations

import math
from pathlib import Path

from ..model import MODEL
from ..scenario import load_scenario
from .style import SIDE_COLOURS

PORT = 8765
UNIT_COLOURS = {"host": "#0072B2", "un": "#56B4E9"}


def geographic_layout(graph, **_) -> dict:
    """Node row -> (longitude, latitude): the network as on a map, not as a spring layout."""
    return {node: (data["lon"], data["lat"]) for node, data in graph.nodes(data=True)}


def portray(agent):
    """How each kind of agent is drawn by Mesa's space component.

    Every agent keeps the default zorder (1): Mesa 3.3's scatter helper masks agents with
    `z_order == zorder & mask_marker`, which by operator precedence keeps only zorder 1.
    """
    from mesa.visualization.components import AgentPortrayalStyle

    state, row = agent.model.state, agent.row
    if agent.kind == "PoliceUnit":
        un = bool(state.unit_is_un[row])
        return AgentPortrayalStyle(color=UNIT_COLOURS["un" if un else "host"], marker="D" if un else "s", size=40,
                                   edgecolors="white", linewidths=0.8)
    if agent.kind == "Belligerent":
        active = bool(state.bel_active[row])
        side = "government" if state.bel_is_government[row] else "rebel"
        fighters = float(state.bel_fighters[row])
        return AgentPortrayalStyle(color=SIDE_COLOURS[side] if active else "#BBBBBB", marker="o",
                                   size=20 + 6 * math.sqrt(max(fighters, 0.0)) / 4, alpha=0.8,
                                   edgecolors="#222", linewidths=0.6)
    return AgentPortrayalStyle(color="#222222", marker="^", size=60)


def shipments_in_flight(model) -> list[tuple[float, float, float]]:
    """(lon, lat, kg) of each active shipment, placed along the leg it travels by the weeks left."""
    state, graph = model.state, model.grid.G
    positions = []
    for ship in range(len(state.ship_active)):
        if not state.ship_active[ship]:
            continue
        route, leg = int(state.ship_route[ship]), int(state.ship_leg[ship])
        start, end = int(state.route_ptr[route]), int(state.route_ptr[route + 1])
        if not start + leg < end:
            continue
        edge = int(state.route_edges[start + leg])
        a, b = graph.nodes[int(state.edge_from[edge])], graph.nodes[int(state.edge_to[edge])]
        travel = max(float(state.edge_travel_weeks[edge]), 1.0)
        done = min(max(1.0 - float(state.ship_weeks_left[ship]) / travel, 0.0), 1.0)
        positions.append((a["lon"] + done * (b["lon"] - a["lon"]), a["lat"] + done * (b["lat"] - a["lat"]),
                          float(state.ship_kg[ship])))
    return positions


def ShipmentsComponent(model):
    """A matplotlib map of the legs with the shipments now in flight (orange, sized by kg)."""
    import solara
    from matplotlib.figure import Figure
    from mesa.visualization.utils import update_counter

    update_counter.get()  # redraw on every step
    figure = Figure(figsize=(7, 4.5))
    axes = figure.add_subplot()
    graph = model.grid.G
    for a, b in graph.edges():
        axes.plot([graph.nodes[a]["lon"], graph.nodes[b]["lon"]], [graph.nodes[a]["lat"], graph.nodes[b]["lat"]],
                  color="#BBBBBB", linewidth=0.7, zorder=1)
    axes.scatter([d["lon"] for _, d in graph.nodes(data=True)], [d["lat"] for _, d in graph.nodes(data=True)],
                 s=12, color="#555555", zorder=2)
    flying = shipments_in_flight(model)
    if flying:
        lons, lats, kgs = zip(*flying)
        axes.scatter(lons, lats, s=[8 + kg / 50 for kg in kgs], color="#E69F00", edgecolors="#222", linewidths=0.4,
                     zorder=3)
    axes.set_title(f"Week {model.steps}: {len(flying)} shipments in flight", fontsize=11)
    axes.set_xlabel("longitude")
    axes.set_ylabel("latitude")
    axes.set_aspect("equal", adjustable="datalim")
    return solara.FigureMatplotlib(figure, format="png", bbox_inches="tight")


def lever_controls(scenario_path: str | Path) -> dict:
    """SolaraViz model_params: the fixed scenario and seed, and one control per declared lever."""
    scenario = load_scenario(scenario_path).model_dump(mode="json", by_alias=True)
    params: dict = {"scenario": str(scenario_path),
                    "rng": {"type": "InputText", "value": str(scenario.get("seed", 0)), "label": "seed"}}
    for lever in MODEL.levers:
        value = scenario
        for part in lever.key.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        name = lever.key.replace(".", "__")
        if isinstance(value, bool):
            params[name] = {"type": "Checkbox", "value": value, "label": lever.label}
        elif isinstance(value, int):
            params[name] = {"type": "SliderInt", "value": value, "label": lever.label, "min": 0,
                            "max": max(2 * value, 10), "step": max(1, value // 20)}
        elif isinstance(value, float):
            high = max(2 * value, 1.0)
            params[name] = {"type": "SliderFloat", "value": value, "label": lever.label, "min": 0.0, "max": high,
                            "step": high / 100}
    return params


def live_model_class():
    """ThreatNetworkModel as SolaraViz builds it again from its controls: keyword arguments named `kwargs`
    (what Mesa's parameter check accepts) and the seed typed as text."""
    from ..drivers.mesa import ThreatNetworkModel

    class LiveThreatNetworkModel(ThreatNetworkModel):
        """The Mesa driver's model, unchanged, with a constructor SolaraViz can call."""

        def __init__(self, scenario: str = "", rng=None, **kwargs):
            rng = int(rng) if rng not in (None, "") else None
            super().__init__(scenario, rng=rng, **kwargs)

    return LiveThreatNetworkModel


def _equal_aspect(axes) -> None:
    """Degrees of longitude and latitude at one scale, and a title saying what the marks are."""
    axes.set_aspect("equal", adjustable="datalim")
    axes.set_title("Agents on the network: police (blue squares host, sky diamonds UN), belligerents (blue "
                   "government, vermillion rebels, grey once ended), organisations (black)", fontsize=8, wrap=True)


def page(scenario_path: str | Path):
    """The SolaraViz page for a scenario (what sim.views.live_app serves)."""
    from mesa.visualization import SolaraViz, make_plot_component, make_space_component

    controls = lever_controls(scenario_path)
    model = live_model_class()(str(scenario_path))
    conflicts = model.compiled.scenario.conflicts
    fighters = {f"{b.id}.fighters": SIDE_COLOURS[b.side] for c in conflicts for b in c.belligerents}
    space = make_space_component(portray, post_process=_equal_aspect, backend="matplotlib",
                                 layout_alg=geographic_layout, layout_kwargs={})
    components = [space, ShipmentsComponent,
                  make_plot_component({"in_transit_kg": "#E69F00", "seized_kg": "#332288"}),
                  make_plot_component(fighters)]
    return SolaraViz(model, components=components, model_params=controls,
                     name=f"threatnet live: {model.compiled.scenario.name}")


def warm_up(scenario: str | Path) -> None:
    """Build the model and take one step before the server starts, so that numba compiles the rules
    (about two minutes the first time, then read from its cache) here rather than on the first press of
    Step in the browser, which would seem to hang."""
    from ..drivers.mesa import ThreatNetworkModel

    print("threatnet live: preparing the model (the first time, numba compiles it: about two minutes)",
          flush=True)
    ThreatNetworkModel(scenario).step()


def serve(scenario: str | Path, port: int = PORT) -> int:
    """Run the live view on 127.0.0.1:`port` until interrupted; the scenario is checked first (InputError)."""
    import os
    import subprocess
    import sys

    load_scenario(scenario)  # bad input: one line and exit 2, before a server starts
    warm_up(scenario)
    print(f"threatnet live: http://127.0.0.1:{port} (Ctrl-C to stop)", flush=True)
    # Offline and private: no telemetry, no version check (both would call out), assets from solara-assets.
    env = {**os.environ, "THREATNET_LIVE_SCENARIO": str(Path(scenario).resolve()),
           "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False"}
    command = [sys.executable, "-m", "solara", "run", "sim.views.live_app", "--host", "127.0.0.1",
               "--port", str(port), "--production", "--no-open", "--no-check-version"]
    return subprocess.call(command, env=env)
