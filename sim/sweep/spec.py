"""Sweep files: the schema and every check made before anything runs.

A sweep file names a base scenario, fixed overrides, the parameters to vary
(key paths into the scenario, each a `range: [low, high]` or a `values:` list),
a design, replicates per point, a seed and the outcomes to analyse:

    name: un_police_grid
    scenario: ../scenarios/guinea_bissau.yaml     # relative to the sweep file
    fixed: {horizon_weeks: 520}                   # key-path overrides at every point
    design: {kind: grid}                          # grid | latin_hypercube | sobol | morris
    replicates: 200
    seed: 2009
    outcomes: [median_duration_weeks, share_ended, seizure_rate]
    parameters:
      - {name: un_officers, key: police.un.officers, values: [2400, 10629, 18000]}
      - {name: corruption, key: levers.corruption_scale, range: [0.5, 1.0], levels: 3}

Checks are as strict as for scenarios: the structure by pydantic (strict,
unknown keys refused), then here, each with the key path of the sweep file at
fault: every parameter's key path exists in the scenario and the scenario
accepts its low and high values (or every listed value), no range is empty,
and the design fits its parameters (lists only in grids, Sobol sample counts a
power of two, ...). Each probe compiles the scenario exactly as a sweep task
will, so a point that passed here runs on a worker.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..model import END_TYPES, MODEL, compile_from
from ..scenario import (InputError, Scenario, load_scenario, parse_key_path, read_yaml_mapping, scenario_hash,
                        set_key_path, validate_document)
from ..scenario.schema import Id

# Columns of point_summary.parquet that an analysis can use (see runner.summarise_point).
# Columns of point_summary.parquet that an analysis can use (see runner.summarise_point): durations over
# the point's replicates, then the means of the model's per-replicate outcomes (MODEL.run_outcomes).
DURATION_OUTCOMES = ("median_duration_weeks", "mean_duration_weeks", "share_ended",
                     *(f"share_{name}" for name in END_TYPES[:-1]))
OUTCOMES = DURATION_OUTCOMES + tuple(MODEL.run_outcomes())
DEFAULT_OUTCOMES = ("median_duration_weeks", "mean_duration_weeks", "share_ended", "seizure_rate", "seized_kg",
                    "criminal_revenue_usd", "belligerent_funding_share_from_crime")
DESIGNS = ("grid", "latin_hypercube", "sobol", "morris")
MAX_POINTS = 1_000_000
RESERVED = {"point", *OUTCOMES}  # names a parameter column may not take

Finite = Annotated[float, Field(allow_inf_nan=False)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class Parameter(Strict):
    """One scenario value varied by the sweep: a continuous range or a list of values."""

    name: Id = Field(description="column name in points.parquet and the analysis")
    key: str = Field(min_length=1, description="key path into the scenario, e.g. police.un.officers")
    range: list[Finite] | None = Field(default=None, min_length=2, max_length=2, description="[low, high]")
    values: list[Any] | None = Field(default=None, min_length=1, description="the values a grid takes")
    levels: int | None = Field(default=None, ge=2, le=1000, description="grid only: evenly spaced values in range")


class Design(Strict):
    """How points are chosen. Fields not used by `kind` must be left out (checked in `check_design`)."""

    kind: Literal["grid", "latin_hypercube", "sobol", "morris"]
    samples: int | None = Field(default=None, ge=1, le=MAX_POINTS,
                                description="latin_hypercube: points; sobol: base samples N (a power of 2)")
    second_order: bool | None = Field(default=None, description="sobol: also estimate second-order indices")
    trajectories: int | None = Field(default=None, ge=2, le=100_000, description="morris: trajectories r")
    levels: int | None = Field(default=None, ge=2, le=100, description="morris: grid levels p (even; default 4)")


class SweepSpec(Strict):
    """A sweep file, validated as strictly as a scenario."""

    name: Id
    description: str = ""
    scenario: str = Field(min_length=1, description="base scenario, relative to the sweep file")
    fixed: dict[str, Any] = Field(default_factory=dict, description="key-path overrides applied at every point")
    design: Design
    replicates: int = Field(ge=1, le=10_000_000, description="replicates per point")
    seed: int = Field(ge=0, lt=2**63)
    outcomes: list[str] = Field(default=list(DEFAULT_OUTCOMES), min_length=1)
    parameters: list[Parameter] = Field(min_length=1, max_length=100)


@dataclass(frozen=True)
class ParameterPlan:
    """A parameter as the design uses it: bounds or values, and whether the scenario wants integers."""

    name: str
    key: str
    integer: bool
    low: float | None = None
    high: float | None = None
    values: tuple = ()
    levels: int | None = None

    @property
    def is_range(self) -> bool:
        return self.low is not None

    def record(self) -> dict:
        """How the manifest describes the parameter."""
        where = {"range": [self.low, self.high]} if self.is_range else {"values": list(self.values)}
        return {"name": self.name, "key": self.key, "integer": self.integer, **where,
                **({"levels": self.levels} if self.levels else {})}


@dataclass(frozen=True)
class Sweep:
    """A validated sweep: the spec, its file, the base scenario (fixed overrides applied) and the parameters."""

    spec: SweepSpec
    file: Path
    scenario_file: Path
    base: Scenario
    parameters: tuple[ParameterPlan, ...]

    def spec_record(self) -> dict:
        return self.spec.model_dump(mode="json")

    def fingerprint(self) -> str:
        """SHA-256 of the validated spec and the base scenario: same content, same run id."""
        content = json.dumps({"spec": self.spec_record(), "base_scenario_hash": scenario_hash(self.base)},
                             sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(content.encode()).hexdigest()

    @property
    def run_id(self) -> str:
        return f"seed{self.spec.seed}-{self.fingerprint()[:8]}"

    def default_folder(self) -> Path:
        return Path("results") / self.spec.name / self.run_id


def load_sweep(path: str | Path) -> Sweep:
    """Read and check a sweep file against its base scenario; raise InputError at the first problem."""
    path = Path(path)
    spec = validate_document(SweepSpec, read_yaml_mapping(path, "sweep"), str(path))
    file = str(path)
    scenario_file = path.parent / spec.scenario
    if not scenario_file.is_file():
        raise InputError(file, "scenario", f"an existing scenario file; '{spec.scenario}' was not found "
                                           "relative to this file")
    base = load_scenario(scenario_file)  # problems in the scenario itself name the scenario file
    for key, value in spec.fixed.items():  # one at a time, to name the override at fault
        _probe(base, {key: value}, file, f"fixed.{key}")
    if spec.fixed:  # applied as every task applies overrides (compile_from), so the two cannot differ
        base = compile_from(base, spec.fixed).scenario
    check_names(spec, file)
    parameters = tuple(plan_parameter(base, parameter, index, spec.design.kind, file)
                       for index, parameter in enumerate(spec.parameters))
    check_design(spec, parameters, file)
    return Sweep(spec=spec, file=path, scenario_file=scenario_file, base=base, parameters=parameters)


def check_names(spec: SweepSpec, file: str) -> None:
    """Parameter names and key paths unique, names not taken by an outcome column; outcomes known."""
    for index, parameter in enumerate(spec.parameters):
        earlier = spec.parameters[:index]
        if parameter.name in RESERVED:
            raise InputError(file, f"parameters[{index}].name", f"a name that is not an outcome or 'point'; "
                                                                f"got {parameter.name!r}")
        if any(other.name == parameter.name for other in earlier):
            raise InputError(file, f"parameters[{index}].name", f"a name no other parameter has; "
                                                                f"{parameter.name!r} is given twice")
        if any(parse_key_path(other.key) == parse_key_path(parameter.key) for other in earlier):
            raise InputError(file, f"parameters[{index}].key", f"a key path no other parameter varies; "
                                                               f"{parameter.key!r} is given twice")
        if parameter.key in spec.fixed:
            raise InputError(file, f"parameters[{index}].key", f"a key path that is not also fixed; "
                                                               f"{parameter.key!r} is in fixed")
    unknown = [name for name in spec.outcomes if name not in OUTCOMES]
    if unknown:
        raise InputError(file, "outcomes", f"outcomes among {', '.join(OUTCOMES)}; got {', '.join(unknown)}")


_KEY_PROBLEMS = ("a key that exists", "a list index", "an entry with id", "a list at", "a key path such as")


def _probe(base: Scenario, overrides: dict, file: str, where: str) -> None:
    """Compile `base` with `overrides` exactly as a sweep task will; on failure name `where` in the sweep file."""
    try:
        compile_from(base, overrides)
    except InputError as error:
        if error.expected.startswith(_KEY_PROBLEMS):
            raise InputError(file, where, _key_problem(error.expected)) from None
        raise InputError(file, where, f"values that {error.key or 'the scenario'} accepts; {error.expected}") from None


def _key_problem(expected: str) -> str:
    return f"a key path of the scenario; {expected.removeprefix('a key that exists in the scenario; ')}"


def current_value(scenario: Scenario, key: str, file: str, where: str) -> Any:
    """The scenario's value at a key path (`[i]` and `[id]` steps), or InputError at `where` if there is none.

    Existence is checked by `set_key_path` itself, so a sweep accepts exactly the paths an override accepts.
    """
    data = scenario.model_dump(mode="json", by_alias=True)
    try:
        set_key_path(copy.deepcopy(data), key, None, file)
    except InputError as error:
        raise InputError(file, where, _key_problem(error.expected)) from None
    target: Any = data
    for step in parse_key_path(key):
        if isinstance(step, str) and step.startswith("id="):
            step = next(i for i, item in enumerate(target) if isinstance(item, dict) and item.get("id") == step[3:])
        target = target[step]
    return target


def plan_parameter(base: Scenario, parameter: Parameter, index: int, design: str, file: str) -> ParameterPlan:
    """Check one parameter against the scenario (key exists, values accepted) and the design."""
    where = f"parameters[{index}]"
    if (parameter.range is None) == (parameter.values is None):
        raise InputError(file, where, "exactly one of range: [low, high] or values: [...]")
    current = current_value(base, parameter.key, file, f"{where}.key")
    if parameter.values is not None:
        return _plan_values(base, parameter, isinstance(current, int) and not isinstance(current, bool),
                            where, design, file)
    return _plan_range(base, parameter, current, where, design, file)


def _plan_values(base: Scenario, parameter: Parameter, integer: bool, where: str, design: str,
                 file: str) -> ParameterPlan:
    if design != "grid":
        raise InputError(file, f"{where}.values", f"a range: [low, high]; a {design} design samples continuous "
                                                  "ranges, and lists of values fit a grid design only")
    if parameter.levels is not None:
        raise InputError(file, f"{where}.levels", "no levels with a list of values (the list is the levels)")
    values = parameter.values
    for position, value in enumerate(values):
        if not isinstance(value, (bool, int, float, str)) or (isinstance(value, float) and not math.isfinite(value)):
            raise InputError(file, f"{where}.values[{position}]", f"a finite number, true/false or text; "
                                                                 f"got {value!r}")
        if (type(value), value) in {(type(earlier), earlier) for earlier in values[:position]}:
            raise InputError(file, f"{where}.values[{position}]", f"values that differ; {value!r} is given twice")
        _probe(base, {parameter.key: value}, file, f"{where}.values[{position}]")
    return ParameterPlan(name=parameter.name, key=parameter.key, integer=integer, values=tuple(values))


def _plan_range(base: Scenario, parameter: Parameter, current: Any, where: str, design: str,
                file: str) -> ParameterPlan:
    if isinstance(current, bool) or not isinstance(current, (int, float)):
        kind = "true/false" if isinstance(current, bool) else f"{type(current).__name__} values"
        raise InputError(file, f"{where}.range", f"a list of values (values: [...]) instead; {parameter.key} "
                                                 f"holds {kind}, which have no range")
    integer = isinstance(current, int)
    low, high = parameter.range
    if integer:
        low, high = float(round(low)), float(round(high))
    if not low < high:
        raise InputError(file, f"{where}.range", f"a range [low, high] with low < high"
                                                 f"{' after rounding to integers' if integer else ''}; "
                                                 f"got {parameter.range} (an empty range)")
    for value in (low, high):
        _probe(base, {parameter.key: int(value) if integer else value}, file, f"{where}.range")
    if design == "grid":
        if parameter.levels is None:
            raise InputError(file, f"{where}.levels", "levels: N (at least 2) for a range in a grid design")
        if integer and parameter.levels > high - low + 1:
            raise InputError(file, f"{where}.levels", f"at most {int(high - low + 1)} levels, the integers in "
                                                      f"{int(low)}..{int(high)}; got {parameter.levels}")
    elif parameter.levels is not None:
        raise InputError(file, f"{where}.levels", f"no levels in a {design} design (levels are for grids; "
                                                  "Morris levels go in design.levels)")
    return ParameterPlan(name=parameter.name, key=parameter.key, integer=integer, low=low, high=high,
                         levels=parameter.levels)


def check_design(spec: SweepSpec, parameters: tuple[ParameterPlan, ...], file: str) -> None:
    """The design's own fields fit its kind and the parameters; the point count is bounded."""
    design = spec.design
    allowed = {"grid": set(), "latin_hypercube": {"samples"}, "sobol": {"samples", "second_order"},
               "morris": {"trajectories", "levels"}}[design.kind]
    for field in ("samples", "second_order", "trajectories", "levels"):
        if getattr(design, field) is not None and field not in allowed:
            raise InputError(file, f"design.{field}", f"no {field} in a {design.kind} design "
                                                      f"(it takes {', '.join(sorted(allowed)) or 'no other keys'})")
    if design.kind in ("latin_hypercube", "sobol") and design.samples is None:
        raise InputError(file, "design.samples", f"samples: N for a {design.kind} design")
    if design.kind == "latin_hypercube" and design.samples < 2:
        raise InputError(file, "design.samples", f"at least 2 samples; got {design.samples}")
    if design.kind == "sobol":
        if design.samples & (design.samples - 1) or design.samples < 2:
            raise InputError(file, "design.samples", f"a power of 2 (Sobol sequences balance only then); "
                                                     f"got {design.samples}")
        if len(parameters) < 2:
            raise InputError(file, "parameters", "at least 2 parameters for a Sobol design (indices share "
                                                 "the variance among parameters)")
    if design.kind == "morris":
        if design.trajectories is None:
            raise InputError(file, "design.trajectories", "trajectories: r (at least 2) for a Morris design")
        if design.levels is not None and design.levels % 2:
            raise InputError(file, "design.levels", f"an even number of levels (Morris steps need it); "
                                                    f"got {design.levels}")
    count = point_count(spec, parameters)
    if count > MAX_POINTS:
        raise InputError(file, "design", f"at most {MAX_POINTS:,} points; this design has {count:,}")


def point_count(spec: SweepSpec, parameters: tuple[ParameterPlan, ...]) -> int:
    """How many points the design makes, from its sizes alone (before sampling anything)."""
    design, dimensions = spec.design, len(parameters)
    if design.kind == "grid":
        return math.prod(len(p.values) if not p.is_range else p.levels for p in parameters)
    if design.kind == "latin_hypercube":
        return design.samples
    if design.kind == "sobol":
        return design.samples * (2 * dimensions + 2 if design.second_order else dimensions + 2)
    return design.trajectories * (dimensions + 1)

