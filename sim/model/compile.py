"""Compile a validated scenario into the state arrays and parameters of the model, for either driver.

Everything here is derived from the modules' declarations (`sim.model.MODEL`): the entities' ids
(the rows of the arrays), each module's fields (checked against their declared dtype and shape),
the parameters and the names of the series columns. Compiling belongs to the model, not to a
driver: the Mesa driver and the kernel both start from a `CompiledScenario`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..scenario import Scenario, load_scenario
from . import MODEL, draws, events
from .declare import FLOWS


@dataclass
class Layout:
    """Names for the rows of the arrays (ids per entity kind), the routes and the series columns."""

    ids: dict[str, list[str]]
    routes: list[list[str]] = field(default_factory=list)  # node ids along each route
    series_columns: list[str] = field(default_factory=list)

    @property
    def node_ids(self) -> list[str]:
        return self.ids["nodes"]

    @property
    def edge_ids(self) -> list[str]:
        return self.ids["edges"]

    @property
    def organisation_ids(self) -> list[str]:
        return self.ids["organisations"]

    @property
    def unit_ids(self) -> list[str]:
        return self.ids["units"]

    @property
    def belligerent_ids(self) -> list[str]:
        return self.ids["belligerents"]

    @property
    def conflict_ids(self) -> list[str]:
        return self.ids["conflicts"]

    def count(self, kind: str) -> int:
        return len(self.ids[kind])


@dataclass
class CompiledScenario:
    scenario: Scenario
    layout: Layout
    params: Any  # MODEL.Params
    initial: Any  # MODEL.State

    def fresh_state(self):
        """A copy of the initial state that a run may change."""
        return MODEL.State(*(array.copy() for array in self.initial))

    def with_seed(self, seed: int):
        return self.params._replace(seed=np.int64(seed))

    def params_at_end(self, seed: int):
        """The parameters in force at the end of a run, after its last event (sim/model/events.py), with
        `seed`: those a finished replicate's outcomes are computed with, as the kernel does."""
        rows = self.initial.event_params
        if not len(rows):
            return self.with_seed(seed)
        return MODEL.Params(*(np.int64(seed) if declared.name == "seed" else declared.dtype(value)
                              for declared, value in zip(MODEL.params, rows[-1])))

    def lever_values(self) -> dict:
        """The declared policy levers' values in this scenario, as replicate-table columns."""
        return {lever.name: _at(self.scenario, lever.key) for lever in MODEL.levers}


def _at(scenario: Scenario, key: str) -> Any:
    value: Any = scenario
    for step in key.split("."):
        value = getattr(value, step)
    return value


def _check(name: str, array: np.ndarray, declared, ids: dict[str, list[str]]) -> None:
    """A module's array has its declared dtype and, along entity axes, one row per entity."""
    if array.dtype != np.dtype(declared.dtype):
        raise TypeError(f"field {name}: declared {np.dtype(declared.dtype)}, built {array.dtype}")
    for axis, size in enumerate(declared.shape):
        expected = len(ids[size]) if isinstance(size, str) and size in ids else size
        if isinstance(expected, int) and array.shape[axis] != expected:
            raise ValueError(f"field {name}: axis {axis} ({size}) has {array.shape[axis]} rows, not {expected}")


def _build(scenario: Scenario) -> tuple[dict, dict, Any, dict]:
    """(ids, arrays, params, context) of a scenario, its events aside."""
    context: dict = {}
    ids = {kind: entity.ids(scenario, context) for kind, entity in MODEL.entities.items()}
    ids["flows"] = list(FLOWS.names)
    context["ids"] = ids
    arrays = {"week_totals": np.zeros(len(FLOWS.names)), "totals": np.zeros(len(FLOWS.names))}
    for module in MODEL.modules:
        arrays.update(module.build(scenario, context))
    sites = context.get("draws", [])
    arrays.update(draws.site_arrays(sites, MODEL.drawn_fields))
    ids["draws"] = [f"{site.field}[{site.row}]" for site in sites]
    ids["params"] = [p.name for p in MODEL.params]
    arrays.update(events.empty_arrays())
    params = MODEL.Params(**{p.name: p.value(scenario, context) for p in MODEL.params})
    return ids, arrays, params, context


def compile_scenario(scenario: Scenario) -> CompiledScenario:
    """Turn a validated scenario into arrays and parameters for either driver."""
    ids, arrays, params, context = _build(scenario)
    fields, ids["events"], ids["event_writes"] = events.compile_events(
        scenario, ids, arrays, params, lambda segment: _build(segment)[:3], getattr(scenario, "_file", "<scenario>"))
    arrays.update(fields)
    missing = [f.name for f in MODEL.fields if f.name not in arrays]
    if missing:
        raise ValueError(f"fields declared but not built: {missing}")
    for declared in MODEL.fields:
        _check(declared.name, arrays[declared.name], declared, ids)
    initial = MODEL.State(**{f.name: arrays[f.name] for f in MODEL.fields})
    layout = Layout(ids=ids, routes=[path for _, path in context.get("routes", [])])
    layout.series_columns = MODEL.series_columns(ids)
    return CompiledScenario(scenario=scenario, layout=layout, params=params, initial=initial)


def compile_from(scenario: str | Path | Scenario | CompiledScenario, overrides: dict | None = None) -> CompiledScenario:
    """Accept a path, a validated Scenario or a compiled one; apply key-path overrides (one route for all)."""
    if isinstance(scenario, CompiledScenario) and not overrides:
        return scenario
    if isinstance(scenario, CompiledScenario):
        scenario = scenario.scenario
    if isinstance(scenario, Scenario):
        if not overrides:
            return compile_scenario(scenario)
        from ..scenario.loader import set_key_path, validate_scenario
        data = scenario.model_dump(by_alias=True)
        for key, value in overrides.items():
            set_key_path(data, key, value, "<overrides>")
        return compile_scenario(validate_scenario(data, "<overrides>"))
    return compile_scenario(load_scenario(scenario, overrides))
