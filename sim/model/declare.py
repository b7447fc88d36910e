"""The vocabulary a domain module declares itself in, and the assembly of modules into one model.

A domain module (trafficking, policing, conflict, ...) is a `Module`: it declares, in one place,

* `entities`: the kinds of thing it owns and their ids, in row order (`Entities`);
* `fields`: its state arrays (`Field`: name, dtype, shape in entity kinds), filled by its `build`;
* `params`: the scenario values its rules read every week (`Param`: key path, unit);
* `flows`: weekly quantities summed into this week's and the run's totals (`Flow`);
* `outcomes`: what a replicate reports, per run or per entity (`Outcome`);
* `series`: the weekly columns a run records (`Series`);
* `levers`: the scenario keys experiments and sweeps vary, recorded with every replicate (`Lever`);
* `phases`: the actions it runs each week and at which stage of the week (`Phase`);
* `agents`: which of its entity kinds are Mesa agents, and what the agents report (`Agents`).

`Model(modules)` assembles them: the `State` and `Params` namedtuples, the flow indices, the week's
schedule (phases by stage, then module order), the series columns and the outcome and lever lists
every runner, analysis and view uses. Adding an outcome is one declaration in its module; an agent
kind is one module plus its scenario section and its place in `sim.model.MODULES`.
"""

from __future__ import annotations

import itertools
from collections import namedtuple
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

# Stages of the week (ODD section 3): phases run by stage, and within a stage in module order.
BEGIN, LAUNCH, MOVE, LEARN, POLICE, BUDGETS, FIGHT, END = 0, 10, 20, 30, 40, 50, 60, 90
INIT = -10  # once per replicate, before week 1, after the draws of uncertain starting conditions


@dataclass(frozen=True)
class Entities:
    """A kind of thing with one row per instance in its fields: `ids(scenario)` gives them in row order."""

    kind: str
    ids: Callable[[Any], list[str]]
    doc: str = ""


@dataclass(frozen=True)
class Field:
    """A state array: `shape` names entity kinds (or fixed sizes); its value comes from the module's build."""

    name: str
    dtype: type
    shape: tuple = ()
    doc: str = ""
    drawn: bool = False  # a scenario distribution may set its rows (sim/model/draws.py)
    written: bool = True  # a dated event may set its elements (False: its starting value is the same in every
    # segment of a scenario's events, or the event is refused; each writable field adds to the compile time)


@dataclass(frozen=True)
class Param:
    """A scalar the rules read: the scenario's value at `key` (a key path), or `derive(scenario, context)`
    (context: what the compile step has worked out, such as the entities' ids)."""

    name: str
    key: str | None
    unit: str
    dtype: type = float
    derive: Callable[[Any], Any] | None = None
    doc: str = ""

    def value(self, scenario, context: dict) -> Any:
        if self.derive is not None:
            return self.dtype(self.derive(scenario, context))
        value: Any = scenario
        for step in self.key.split("."):
            value = value[step] if isinstance(value, dict) else getattr(value, step)
        return self.dtype(value)


@dataclass(frozen=True)
class Flow:
    """A quantity added up each week (`week_totals[index]`) and over the run (`totals[index]`).

    `series`: also a weekly column of a run's series; `outcome`: its run total is a column of replicate
    tables (after the module's `outcomes`, unless they list its name to place it).
    """

    name: str
    unit: str
    label: str
    series: bool = True
    outcome: bool = True


@dataclass(frozen=True)
class Outcome:
    """A replicate's result that is not a flow total.

    Per run (`per=None`): `compute(s, p)` (a compiled function) returns a float. Per entity
    (`per="conflicts"`): `compute(s, p, row)`, or `field`: the entity's row of that field, read in place
    (no accessor function). `codes` names integer codes (end types);
    `ids` makes the value an entity index shown by its id (`"belligerents"`, -1 for none).
    `ratio=(numerator, denominator)` divides two flow totals instead (0 where the denominator is 0).
    """

    name: str
    unit: str
    label: str
    compute: Callable | None = None
    per: str | None = None
    dtype: type = float
    codes: dict[int, str] | None = None
    ids: str | None = None
    ratio: tuple[str, str] | None = None
    field: str | None = None


@dataclass(frozen=True)
class Series:
    """A weekly column: a per-entity `field`'s row (`s.field[entity]`, or `s.field[entity, column]` with
    `columns`), or `compute(s, row)` for one value (per=None) or `compute(s, row, index)` per entity.

    `name` may hold `{source}` with `columns` the names of a second axis (`income_{source}_usd`).
    Per-entity columns are named `<entity id>.<name>`.
    """

    name: str
    compute: Callable | None = None
    per: str | None = None
    columns: tuple[str, ...] = ()
    field: str | None = None
    additive: bool = False  # a quantity per week that adds up over time (monthly and annual totals sum it)


@dataclass(frozen=True)
class Lever:
    """A policy lever: a column of replicate tables with the scenario's value at `key`."""

    name: str
    key: str
    label: str


@dataclass(frozen=True)
class Phase:
    """An action run each week at `stage`: once (`over=None`, `action(s, p, week)`), or for each row of an
    entity kind (`action(s, p, row, week)`), skipping rows whose boolean field `guard` is False."""

    action: Callable
    stage: int
    over: str | None = None
    guard: str | None = None

    @property
    def name(self) -> str:
        return self.action.py_func.__name__ if hasattr(self.action, "py_func") else self.action.__name__


@dataclass(frozen=True)
class Agents:
    """An entity kind that the Mesa driver shows as agents of class `name`, reporting `report`
    (attribute -> field) each week; the phases over that kind become the agents' methods."""

    kind: str
    name: str
    doc: str
    report: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Module:
    """One domain of the model and everything it declares (see the module docstring)."""

    name: str
    build: Callable[[Any, Any], dict[str, np.ndarray]]
    entities: tuple[Entities, ...] = ()
    fields: tuple[Field, ...] = ()
    params: tuple[Param, ...] = ()
    flows: tuple[Flow, ...] = ()
    outcomes: tuple[Outcome | str, ...] = ()  # in column order; a str names one of the module's flows
    series: tuple[Series, ...] = ()
    levers: tuple[Lever, ...] = ()
    phases: tuple[Phase, ...] = ()
    agents: tuple[Agents, ...] = ()


class FlowIndex:
    """Flows and their indices in `week_totals`. A module declares a flow with one line that also gives
    compiled actions its index as a constant:

        SHIPPED_KG = FLOWS.flow("trafficking", "shipped_kg", "kg", "cocaine shipped")
    """

    def __init__(self):
        self.flows: list[tuple[str, Flow]] = []

    @property
    def names(self) -> list[str]:
        return [flow.name for _, flow in self.flows]

    def flow(self, module: str, name: str, unit: str, label: str, series: bool = True, outcome: bool = True) -> int:
        if name in self.names:
            raise ValueError(f"flow {name!r} is declared twice")
        self.flows.append((module, Flow(name, unit, label, series, outcome)))
        return len(self.flows) - 1

    def of(self, module: str) -> tuple[Flow, ...]:
        """A module's flows, in the order it declared them."""
        return tuple(flow for owner, flow in self.flows if owner == module)

    def index(self, name: str) -> int:
        return self.names.index(name)


FLOWS = FlowIndex()

# Fields every model has, whatever its modules: this week's flows and the run's.
CORE_FIELDS = (Field("week_totals", np.float64, ("flows",), "this week's flows"),
               Field("totals", np.float64, ("flows",), "the run's flows so far"),
               # uncertain starting conditions, one row per draw site (sim/model/draws.py)
               Field("draw_field", np.int64, ("draws",), "index among the drawn fields"),
               Field("draw_row", np.int64, ("draws",)), Field("draw_kind", np.int64, ("draws",)),
               Field("draw_a", np.float64, ("draws",)), Field("draw_b", np.float64, ("draws",)),
               Field("draw_c", np.float64, ("draws",)), Field("draw_low", np.float64, ("draws",)),
               Field("draw_high", np.float64, ("draws",)),
               # dated events, in the order they apply (sim/model/events.py): the week of each, the
               # parameters from then on (params, as float64), and the state elements it writes
               Field("event_week", np.int64, ("events",), "week at whose start the event applies"),
               Field("event_params", np.float64, ("events", "params"), "every parameter from the event on"),
               Field("write_event", np.int64, ("event_writes",), "the event (row of event_week) that writes"),
               Field("write_field", np.int64, ("event_writes",), "index of the field in MODEL.fields"),
               Field("write_index", np.int64, ("event_writes",), "flat (row-major) index of the element"),
               Field("write_value", np.float64, ("event_writes",), "the new value"))
CORE_PARAMS = (Param("seed", None, "", np.int64, lambda scenario, context: scenario.seed, "the replicate's seed"),
               Param("horizon_weeks", "horizon_weeks", "weeks", np.int64))


@dataclass(frozen=True)
class OutcomeColumn:
    """A column of the replicate table, in order: where its number comes from and how it is shown."""

    name: str
    unit: str
    label: str
    per: str | None  # None: one value per replicate; else one per row of that entity kind
    source: Any  # a Flow, an Outcome or a Lever


class Model:
    """Modules assembled: State, Params, schedule, series columns and outcome lists, all derived."""

    def __init__(self, modules: tuple[Module, ...]):
        self.modules = modules
        self.entities = {e.kind: e for m in modules for e in m.entities}
        self.fields = CORE_FIELDS + tuple(f for m in modules for f in m.fields)
        self.params = CORE_PARAMS + tuple(p for m in modules for p in m.params)
        self.flows = tuple(f for m in modules for f in m.flows)
        self.levers = tuple(lever for m in modules for lever in m.levers)
        self.series = tuple(s for m in modules for s in m.series)
        self.agents = tuple(a for m in modules for a in m.agents)
        ordered = tuple(phase for _, _, phase in sorted(
            (phase.stage, position, phase) for position, phase in
            enumerate(itertools.chain.from_iterable(m.phases for m in modules))))
        self.initialisation = tuple(phase for phase in ordered if phase.stage == INIT)
        self.schedule = tuple(phase for phase in ordered if phase.stage != INIT)
        self.drawn_fields = [f.name for f in self.fields if f.drawn]
        self._check()
        self.State = namedtuple("State", [f.name for f in self.fields], module="sim.model")
        self.Params = namedtuple("Params", [p.name for p in self.params], module="sim.model")
        self.row_kind = next((o.per for m in modules for o in m.outcomes if isinstance(o, Outcome) and o.per), None)

    def _check(self) -> None:
        names = [f.name for f in self.fields]
        duplicated = {name for name in names if names.count(name) > 1}
        if duplicated:
            raise ValueError(f"fields declared twice: {sorted(duplicated)}")
        if sorted(f.name for f in self.flows) != sorted(FLOWS.names):
            raise ValueError("every flow is declared through FLOWS.declare, by exactly one module")
        kinds = {o.per for m in self.modules for o in m.outcomes if isinstance(o, Outcome) and o.per}
        if len(kinds) > 1:
            raise ValueError(f"per-entity outcomes must share one entity kind (the replicate table's rows); "
                             f"got {sorted(kinds)}")
        for f in self.fields:
            unknown = [axis for axis in f.shape if isinstance(axis, str) and axis not in self.entities
                       and axis not in ("flows", "draws", "events", "event_writes", "params")]
            if unknown:
                raise ValueError(f"field {f.name} has a shape in unknown entity kinds {unknown}")

    # outcomes

    def outcome_columns(self) -> list[OutcomeColumn]:
        """The replicate table's columns after `replicate` and `seed`: per-entity outcomes, then run
        outcomes (flow totals and the rest) in the order modules list them, then levers."""
        flows = {f.name: f for f in self.flows}
        items = []
        for m in self.modules:
            listed = [flows[item] if isinstance(item, str) else item for item in m.outcomes]
            items += listed + [f for f in m.flows if f.outcome and f not in listed]
        per_entity = [OutcomeColumn(o.name, o.unit, o.label, o.per, o) for o in items
                      if isinstance(o, Outcome) and o.per is not None]
        run = [OutcomeColumn(o.name, o.unit, o.label, None, o) for o in items
               if isinstance(o, Flow) or o.per is None]
        levers = [OutcomeColumn(lever.name, "", lever.label, None, lever) for lever in self.levers]
        return per_entity + run + levers

    def run_outcomes(self) -> list[str]:
        """Names of the per-replicate outcomes (flows and run outcomes), for experiments and sweeps."""
        return [c.name for c in self.outcome_columns() if c.per is None and not isinstance(c.source, Lever)]

    def series_groups(self) -> list[tuple[str | None, tuple[Series, ...]]]:
        """Series in column order: consecutive per-entity series of one kind go entity by entity."""
        groups: list[tuple[str | None, list[Series]]] = []
        for series in self.series:
            if groups and series.per is not None and groups[-1][0] == series.per:
                groups[-1][1].append(series)
            else:
                groups.append((series.per, [series]))
        return [(kind, tuple(members)) for kind, members in groups]

    def series_columns(self, ids: dict[str, list[str]]) -> list[str]:
        """Names of a run's weekly columns: week, the flows, then the declared series."""
        columns = ["week", *(flow.name for flow in self.flows if flow.series)]
        for kind, members in self.series_groups():
            if kind is None:
                columns += [name for series in members for name in _expand(series)]
                continue
            for entity in ids[kind]:
                columns += [f"{entity}.{name}" for series in members for name in _expand(series)]
        return columns

    def additive_series(self) -> set[str]:
        """Names (after `<entity id>.`) of the per-entity series columns that add up over time, like flows."""
        return {name for series in self.series if series.additive and series.per for name in _expand(series)}

    def labels(self) -> dict[str, tuple[str, str]]:
        """name -> (label, unit) of every outcome and lever."""
        return {c.name: (c.label, c.unit) for c in self.outcome_columns()}


def _expand(series: Series) -> list[str]:
    return [series.name.format(source=column) for column in series.columns] if series.columns else [series.name]
