"""The Mesa driver: one replicate, step by step, readable.

`ThreatNetworkModel` holds the compiled `State` arrays; its agents are views
over rows of those arrays (an agent knows its row), and each agent acts by
calling the shared actions of `sim/actions.py`, which apply the rules of
`sim/rules.py`. Nothing here is a rule, so the Mesa model and the compiled
kernel cannot disagree (tests/test_equivalence.py checks they do not).

Run it with `mesa.batch_run` as is:

    batch_run(ThreatNetworkModel, {"scenario": "scenarios/west_africa_2009.yaml",
              "levers__criminal_funding": [True, False], "rng": range(5)}, max_steps=1040)
"""

from __future__ import annotations

from pathlib import Path

import mesa
import numpy as np

from . import actions
from .scenario import Scenario, load_scenario
from .shipped import default_scenario
from .state import CompiledScenario, compile_scenario


def compile_from(scenario: str | Path | Scenario | CompiledScenario, overrides: dict | None = None) -> CompiledScenario:
    """Accept a path, a validated Scenario or a compiled one; apply key-path overrides."""
    if isinstance(scenario, CompiledScenario) and not overrides:
        return scenario
    if isinstance(scenario, CompiledScenario):
        scenario = scenario.scenario
    if isinstance(scenario, Scenario):
        if not overrides:
            return compile_scenario(scenario)
        from .scenario.loader import set_key_path, validate_scenario
        data = scenario.model_dump(by_alias=True)
        for key, value in overrides.items():
            set_key_path(data, key, value, "<overrides>")
        return compile_scenario(validate_scenario(data, "<overrides>"))
    return compile_scenario(load_scenario(scenario, overrides))


class _RowAgent(mesa.Agent):
    """An agent that is a view over row `row` of the model's state arrays."""

    def __init__(self, model: ThreatNetworkModel, row: int, entity_id: str):
        super().__init__(model)
        self.row = row
        self.entity_id = entity_id

    @property
    def kind(self) -> str:
        return type(self).__name__

    money_usd = strength = seized_kg = float("nan")


class TraffickingOrganisation(_RowAgent):
    """Buys cocaine at its sources, ships it along the routes it believes safest and most profitable."""

    @property
    def money_usd(self) -> float:
        return float(self.model.state.org_cash_usd[self.row])

    def launch_shipments(self) -> None:
        actions.launch_shipments(self.model.state, self.model.params, self.row, self.model.steps)

    def learn_from_seizures(self) -> None:
        actions.learn_from_seizures(self.model.state, self.row)


class PoliceUnit(_RowAgent):
    """A host-state or UN police post at a node; inspects the shipments that pass it."""

    @property
    def is_un(self) -> bool:
        return bool(self.model.state.unit_is_un[self.row])

    @property
    def has_database_access(self) -> bool:
        return bool(self.model.state.unit_database[self.row])

    @property
    def strength(self) -> float:
        return float(self.model.state.unit_skill[self.row])

    @property
    def money_usd(self) -> float:
        return float(self.model.state.unit_bribes_usd[self.row])

    @property
    def seized_kg(self) -> float:
        return float(self.model.state.unit_seized_kg[self.row])

    def build_capacity(self) -> None:
        actions.build_capacity(self.model.state, self.model.params, self.row)


class Belligerent(_RowAgent):
    """An armed faction that buys and sustains fighting strength with money."""

    @property
    def strength(self) -> float:
        return float(self.model.state.bel_fighters[self.row])

    @property
    def money_usd(self) -> float:
        return float(self.model.state.bel_treasury_usd[self.row])

    def manage_budget(self) -> None:
        actions.manage_budget(self.model.state, self.model.params, self.row)


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

        for row, entity_id in enumerate(layout.organisation_ids):
            TraffickingOrganisation(self, row, entity_id)
        for row, entity_id in enumerate(layout.unit_ids):
            PoliceUnit(self, row, entity_id)
        for row, entity_id in enumerate(layout.belligerent_ids):
            Belligerent(self, row, entity_id)
        self.organisations = self.agents_by_type[TraffickingOrganisation]
        self.police_units = self.agents_by_type.get(PoliceUnit, mesa.agent.AgentSet([], random=self.random))
        self.belligerents = self.agents_by_type.get(Belligerent, mesa.agent.AgentSet([], random=self.random))

        self.datacollector = mesa.DataCollector(
            model_reporters={name: (lambda m, i=i: m.current_row[i])
                             for i, name in enumerate(layout.series_columns)},
            agent_reporters={"entity_id": "entity_id", "kind": "kind", "money_usd": "money_usd",
                             "strength": "strength", "seized_kg": "seized_kg"},
        )
        actions.record_series(self.state, 0, self.current_row)
        self.datacollector.collect(self)  # week 0: the initial state, as Mesa convention has it

    def step(self) -> None:
        """One week, in the order of the ODD schedule (docs/ODD.md, section 3)."""
        state, params, week = self.state, self.params, self.steps
        actions.begin_week(state)
        self.organisations.do("launch_shipments")
        self.move_shipments(week)
        self.organisations.do("learn_from_seizures")
        self.police_units.do("build_capacity")
        actions.spread_alerts(state, params)
        self.belligerents.do("manage_budget")
        for conflict in range(len(self.compiled.layout.conflict_ids)):
            actions.fight(state, params, conflict, week)
        actions.end_week(state)
        actions.record_series(state, week, self.current_row)
        self.datacollector.collect(self)
        if week >= self.horizon_weeks:
            self.running = False

    def move_shipments(self, week: int) -> None:
        """Advance every shipment in flight, in slot order (the order the kernel uses,
        so that sums of taxes and seizures add up in the same order)."""
        for slot in np.flatnonzero(self.state.ship_active):
            actions.move_shipment(self.state, self.params, slot, week)

    def run_model(self) -> None:
        """Run to the horizon."""
        while self.running:
            self.step()

    def series(self):
        """Per-step series as a DataFrame indexed by week (weeks 1.., as the kernel writes them)."""
        series = self.datacollector.get_model_vars_dataframe().set_index("week")
        return series.iloc[1:]
