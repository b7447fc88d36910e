"""The Mesa driver: one replicate, step by step, readable.

`ThreatNetworkModel` holds the compiled state arrays; its agents are views over rows of those
arrays (an agent knows its row). Each week `step()` runs `MODEL.schedule`, the same list of phases
the kernel is generated from: a phase over a kind of agent is that agent set's method
(`organisations.do("launch_shipments")`), other phases are called directly. Nothing here is a rule
or a schedule of its own, so the Mesa model and the kernel cannot disagree
(tests/test_equivalence.py checks they do not).

The agent classes (`TraffickingOrganisation`, `PoliceUnit`, `Belligerent`, ...) come from the
modules' `Agents` declarations: a module that declares a new kind of agent gets its class here
without a line in this file.

The agents stand on a Mesa network space, `model.grid` (`mesa.space.NetworkGrid` over the
trafficking graph, nodes numbered in the compiled order and carrying id, name, kind, lat and lon):
a police unit at its post, a belligerent at a hub it controls (else in its conflict's country), an
organisation at its first source. Mesa's SolaraViz draws it (`threatnet live`, sim/views/live.py).
Placing agents reads the compiled state and draws nothing at random, so it changes no result.

Run it with `mesa.batch_run` as is:

    batch_run(ThreatNetworkModel, {"scenario": "scenarios/west_africa_2009.yaml",
              "levers__criminal_funding": [True, False], "rng": range(5)}, max_steps=1040)
"""

from __future__ import annotations

from pathlib import Path

import mesa
import networkx as nx
import numpy as np
from mesa.space import NetworkGrid

from ..model import MODEL
from ..model.compile import CompiledScenario, compile_from
from ..model.declare import Agents
from ..scenario import Scenario
from ..shipped import default_scenario
from ..model.generate import generated, struct


class RowAgent(mesa.Agent):
    """An agent that is a view over row `row` of the model's state arrays."""

    def __init__(self, model: ThreatNetworkModel, row: int, entity_id: str):
        super().__init__(model)
        self.row = row
        self.entity_id = entity_id

    @property
    def kind(self) -> str:
        return type(self).__name__

    money_usd = strength = seized_kg = float("nan")


def _reader(field: str) -> property:
    return property(lambda agent: float(getattr(agent.model.state, field)[agent.row]),
                    doc=f"this agent's row of `{field}`")


def _method(phase):
    action, guard = phase.action, phase.guard

    def act(agent) -> None:
        model = agent.model
        if guard is None or getattr(model.state, guard)[agent.row]:  # the rows the kernel skips, skipped
            action(model.struct, model.params, agent.row, model.steps)
    name = getattr(action, "py_func", action).__name__
    act.__name__, act.__doc__ = name, getattr(action, "__doc__", None)
    return act


def agent_class(declared: Agents) -> type:
    """The Mesa agent class of a declared kind: its reporters read its fields, and each phase over
    its kind is a method of the same name."""
    members = {name: _reader(field) for name, field in declared.report.items()}
    members.update({phase.name: _method(phase) for phase in MODEL.schedule if phase.over == declared.kind})
    return type(declared.name, (RowAgent,), {"__doc__": declared.doc, "__module__": __name__, **members})


AGENT_CLASSES = {declared.kind: agent_class(declared) for declared in MODEL.agents}
globals().update({cls.__name__: cls for cls in AGENT_CLASSES.values()})  # sim.drivers.mesa.PoliceUnit, ...


def network_graph(compiled: CompiledScenario) -> nx.Graph:
    """The trafficking network as a graph whose nodes are the compiled node rows (0..n-1), which is how
    Mesa's network drawing indexes positions; the node's id, name, kind and coordinates are attributes.
    Undirected, as Mesa draws it (legs keep their direction in the scenario and the state arrays)."""
    graph = nx.Graph()
    nodes = {node.id: node for node in compiled.scenario.network.nodes}
    for row, node_id in enumerate(compiled.layout.ids["nodes"]):
        node = nodes[node_id]
        graph.add_node(row, id=node_id, name=node.name, kind=node.kind, lat=float(node.lat), lon=float(node.lon))
    index = {node_id: row for row, node_id in enumerate(compiled.layout.ids["nodes"])}
    for edge in compiled.scenario.network.edges:
        graph.add_edge(index[edge.from_], index[edge.to], mode=edge.mode)
    return graph


def home_node(compiled: CompiledScenario, state, kind: str, row: int) -> int:
    """The node an agent stands on: a unit's post, a belligerent's first controlled hub (else the first
    hub of its conflict's country that no side controls), an organisation's first source."""
    nodes = compiled.layout.ids["nodes"]
    if kind == "units":
        return int(state.unit_node[row])
    if kind == "belligerents":
        controlled = np.flatnonzero(np.asarray(state.node_controller) == row)
        if len(controlled):
            return int(controlled[0])
        conflict = compiled.scenario.conflicts[int(state.bel_conflict[row])]
        in_country = [nodes.index(node.id) for node in compiled.scenario.network.nodes
                      if node.country == conflict.country]
        free = [node for node in in_country if state.node_controller[node] < 0]  # not another side's hub
        return (free or in_country or [0])[0]
    if kind == "organisations":
        return nodes.index(compiled.scenario.organisations[row].sources[0])
    return 0


class ThreatNetworkModel(mesa.Model):
    """Trafficking organisations, police units and belligerents on one trafficking network.

    Args:
        scenario: path of a scenario YAML, a `Scenario` or a `CompiledScenario`.
        rng: the seed (an int); None takes the scenario's seed.
        **overrides: scenario keys to change, with `__` for dots
            (`levers__criminal_funding=False` sets `levers.criminal_funding`).
    """

    def __init__(self, scenario: str | Path | Scenario | CompiledScenario = default_scenario(),
                 rng: int | None = None, **overrides):
        key_paths = {key.replace("__", "."): value for key, value in overrides.items()}
        self.compiled = compile_from(scenario, key_paths)
        seed = int(self.compiled.params.seed if rng is None else rng)
        super().__init__(rng=seed)
        self.seed = seed
        self.state = self.compiled.fresh_state()  # the arrays, readable from Python
        self.struct = struct(self.state)  # the same arrays as compiled actions take them
        self.params = self.compiled.with_seed(seed)
        generated().initialise(self.struct, self.params)  # the kernel's own draws and initialisation, before
        # agents take their places (a region's holder decides which hub a belligerent stands on)
        self.horizon_weeks = int(self.params.horizon_weeks)
        layout = self.compiled.layout
        self.current_row = np.zeros(len(layout.series_columns))
        self.agent_sets = {}
        for kind, cls in AGENT_CLASSES.items():
            for row, entity_id in enumerate(layout.ids[kind]):
                cls(self, row, entity_id)
            self.agent_sets[kind] = self.agents_by_type.get(cls, mesa.agent.AgentSet([], random=self.random))
        self.grid = NetworkGrid(network_graph(self.compiled))
        for kind, agents in self.agent_sets.items():
            for agent in agents:
                self.grid.place_agent(agent, home_node(self.compiled, self.state, kind, agent.row))

        self.datacollector = mesa.DataCollector(
            model_reporters={name: (lambda m, i=i: m.current_row[i])
                             for i, name in enumerate(layout.series_columns)},
            agent_reporters={"entity_id": "entity_id", "kind": "kind", "money_usd": "money_usd",
                             "strength": "strength", "seized_kg": "seized_kg"},
        )
        generated().record_series(self.struct, 0, self.current_row)
        self.datacollector.collect(self)  # week 0: the initial state, as Mesa convention has it

    def step(self) -> None:
        """One week: the dated events of this week, if any, then the phases of the schedule (docs/ODD.md,
        section 3), in order."""
        self.params = generated().apply_events(self.struct, self.params, self.steps)  # the kernel's own
        state, params, week = self.struct, self.params, self.steps
        for phase in MODEL.schedule:
            if phase.over is None:
                phase.action(state, params, week)
            elif phase.over in self.agent_sets:
                self.agent_sets[phase.over].do(phase.name)  # in row order: the kernel's order
            else:
                guard = getattr(self.state, phase.guard) if phase.guard else None
                for row in range(self.compiled.layout.count(phase.over)):
                    if guard is None or guard[row]:
                        phase.action(state, params, row, week)
        generated().record_series(state, week, self.current_row)
        self.datacollector.collect(self)
        if week >= self.horizon_weeks:
            self.running = False

    def run_model(self) -> None:
        """Run to the horizon."""
        while self.running:
            self.step()

    def series(self):
        """Per-step series as a DataFrame indexed by week (weeks 1.., as the kernel writes them)."""
        series = self.datacollector.get_model_vars_dataframe().set_index("week")
        return series.iloc[1:]
