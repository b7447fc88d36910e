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

Run it with `mesa.batch_run` as is:

    batch_run(ThreatNetworkModel, {"scenario": "scenarios/west_africa_2009.yaml",
              "levers__criminal_funding": [True, False], "rng": range(5)}, max_steps=1040)
"""

from __future__ import annotations

from pathlib import Path

import mesa
import numpy as np

from ..model import MODEL
from ..model.compile import CompiledScenario, compile_from
from ..model.declare import Agents
from ..scenario import Scenario
from ..shipped import default_scenario
from ..model.generate import generated


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
        state = agent.model.state
        if guard is None or getattr(state, guard)[agent.row]:  # the rows the kernel skips, skipped
            action(state, agent.model.params, agent.row, agent.model.steps)
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
        self.state = self.compiled.fresh_state()
        self.params = self.compiled.with_seed(seed)
        self.horizon_weeks = int(self.params.horizon_weeks)
        layout = self.compiled.layout
        self.current_row = np.zeros(len(layout.series_columns))
        self.agent_sets = {}
        for kind, cls in AGENT_CLASSES.items():
            for row, entity_id in enumerate(layout.ids[kind]):
                cls(self, row, entity_id)
            self.agent_sets[kind] = self.agents_by_type.get(cls, mesa.agent.AgentSet([], random=self.random))

        self.datacollector = mesa.DataCollector(
            model_reporters={name: (lambda m, i=i: m.current_row[i])
                             for i, name in enumerate(layout.series_columns)},
            agent_reporters={"entity_id": "entity_id", "kind": "kind", "money_usd": "money_usd",
                             "strength": "strength", "seized_kg": "seized_kg"},
        )
        generated().initialise(self.state, self.params)  # the kernel's own draws and initialisation
        generated().record_series(self.state, 0, self.current_row)
        self.datacollector.collect(self)  # week 0: the initial state, as Mesa convention has it

    def step(self) -> None:
        """One week: the phases of the schedule (docs/ODD.md, section 3), in order."""
        state, params, week = self.state, self.params, self.steps
        for phase in MODEL.schedule:
            if phase.over is None:
                phase.action(state, params, week)
            elif phase.over in self.agent_sets:
                self.agent_sets[phase.over].do(phase.name)  # in row order: the kernel's order
            else:
                guard = getattr(state, phase.guard) if phase.guard else None
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
