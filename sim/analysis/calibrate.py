"""Calibration by search: choose the assumed parameters so that a scenario's simulated episodes match the
patterns marked `role: fit`, and report the held-out (`role: test`) patterns at the chosen point.

A calibration file names a scenario, a pattern file, the parameters searched (scenario key paths with
ranges, on a log scale where they span orders of magnitude), and the search: a scrambled Sobol sample of
the box (scipy.stats.qmc), then rounds of local refinement around the best points so far (Gaussian steps
in the unit box, shrinking each round); with `starts` above 1, each of that many good sample points far
apart (`start_separation`) gets its own rounds, so that the search is not held in the first basin it
finds. The scenario's own values (`start_at_scenario`) and named `start_points` can be tried before the
sample, each a candidate start. Every point runs the same replicate seeds (common random numbers) and is
scored by `sim.patterns.distance(..., roles=("fit",))` (0 when every fit pattern's simulated value lies inside its
band), ties broken by `closeness` to the targets' centres. The chosen point is then re-run with more
replicates and a new seed, and every pattern (fit and test) is evaluated with its CI. Only the patterns
the calibrated scenario simulates are scored (those naming it or no scenario): another scenario's
patterns, such as the Schiphol checks beside the 2005-2012 corridor, are scored by `threatnet patterns`
once the values are adopted.

    threatnet calibrate calibrations/civil_wars.yaml [--out DIR]
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..outputs import ResultFolder, code_fingerprint, manifest
from ..scenario import (InputError, get_key_path, load_scenario, read_yaml_mapping, resolve_extends, scenario_hash,
                        validate_document)
from ..scenario.schema import Id


class Searched(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    key: str = Field(min_length=1, description="scenario key path")
    also: list[str] = Field(default=[], description="key paths that take the same value (one assumption shared by several keys)")
    range: list[float] = Field(min_length=2, max_length=2, description="[low, high]")
    log: bool = Field(default=False, description="search the logarithm (a range over orders of magnitude)")
    source: str = Field(min_length=1, description="why this range (an assumption, or a source)")

    @model_validator(mode="after")
    def _ordered(self) -> Searched:
        low, high = self.range
        if not low < high or (self.log and low <= 0):
            raise ValueError("a range [low, high] with low < high (and low > 0 on a log scale)")
        return self


class CalibrationSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    name: Id
    description: str = ""
    scenario: str = Field(min_length=1, description="relative to this file")
    patterns: str = Field(min_length=1, description="pattern file, relative to this file")
    seed: int = Field(ge=0, lt=2**63)
    replicates: int = Field(ge=20, le=1_000_000, description="replicates per point of the search")
    sample: int = Field(ge=2, le=100_000, description="points of the Sobol sample")
    refine_rounds: int = Field(default=3, ge=0, le=100)
    refine_points: int = Field(default=40, ge=1, le=100_000, description="points per refinement round")
    confirm_replicates: int = Field(ge=20, le=1_000_000, description="replicates of the chosen point's check")
    starts: int = Field(default=1, ge=1, le=100, description="basins refined apart: the best sample points at "
                        "least start_separation apart each get their own refinement rounds (1: the rounds refine "
                        "around the best three points of the whole search)")
    start_separation: float = Field(default=0.5, gt=0.0, le=10.0, description="least Euclidean distance in the "
                                    "unit box between two starts")
    start_at_scenario: bool = Field(default=False, description="the scenario's own values of the searched "
                                    "parameters (the last calibration's choice) are the first point tried, "
                                    "before the Sobol sample, and may be a start like any sample point")
    start_points: list[dict[str, float]] = Field(default=[], max_length=100, description="points tried first "
                                                 "(after the scenario's own values), each naming every searched "
                                                 "key, such as a basin a previous search found; each may be a start")
    shortlist: int = Field(default=1, ge=1, le=1000, description="best points of the search re-scored with "
                           "confirm_replicates on a seed of their own before one is chosen (against the winner's "
                           "curse: the best of many noisy scores is partly luck; 1 keeps the search's best)")
    parameters: list[Searched] = Field(min_length=1, max_length=100)

    @model_validator(mode="after")
    def _start_points_in_the_box(self) -> CalibrationSpec:
        ranges = {p.key: p.range for p in self.parameters}
        for point in self.start_points:
            if set(point) != set(ranges):
                raise ValueError(f"each start point names every searched key ({', '.join(ranges)}), no other")
            for key, value in point.items():
                if not ranges[key][0] <= value <= ranges[key][1]:
                    raise ValueError(f"start point value {value} of {key} outside its range {ranges[key]}")
        return self


@dataclass
class Calibration:
    spec: CalibrationSpec
    file: Path
    scenario_path: Path
    patterns_path: Path


def load_calibration(path: str | Path) -> Calibration:
    from ..patterns import load_patterns
    path = Path(path)
    spec = validate_document(CalibrationSpec, read_yaml_mapping(path, "calibration"), str(path))
    scenario_path, patterns_path = path.parent / spec.scenario, path.parent / spec.patterns
    load_scenario(scenario_path)
    if not any(p.role == "fit" for p in load_patterns(patterns_path).simulated_by(scenario_path).patterns):
        raise InputError(str(path), "patterns", f"a pattern file with a `role: fit` pattern that {spec.scenario} simulates")
    for parameter in spec.parameters:  # every key exists and takes a number
        load_scenario(scenario_path, {key: float(parameter.range[0]) for key in (parameter.key, *parameter.also)})
    return Calibration(spec, path, scenario_path, patterns_path)


def to_values(spec: CalibrationSpec, unit: np.ndarray) -> dict[str, float]:
    """A point of the unit box as scenario values (a parameter's `also` keys take its value)."""
    values = {}
    for parameter, u in zip(spec.parameters, unit):
        low, high = parameter.range
        value = float(math.exp(math.log(low) + u * (math.log(high) - math.log(low)))
                      if parameter.log else low + u * (high - low))
        value = min(high, max(low, value))  # exp(log(520)) is 520.0000000000005: past a schema's bound
        values.update({key: value for key in (parameter.key, *parameter.also)})
    return values


def to_unit(spec: CalibrationSpec, values: dict[str, float]) -> np.ndarray:
    """Scenario values as a point of the unit box (the inverse of `to_values`; clipped to the ranges)."""
    unit = []
    for parameter in spec.parameters:
        low, high, value = *parameter.range, values[parameter.key]
        if parameter.log:
            u = math.log(value / low) / math.log(high / low) if value > 0 else 0.0
        else:
            u = (value - low) / (high - low)
        unit.append(min(1.0, max(0.0, u)))
    return np.array(unit)


def scenario_values(calibration: Calibration) -> dict[str, float]:
    """The searched parameters' values as the scenario file now has them."""
    data, file = resolve_extends(calibration.scenario_path), str(calibration.scenario_path)
    return {p.key: float(get_key_path(data, p.key, file)) for p in calibration.spec.parameters}


def closeness(results) -> float:
    """How far the fit patterns are from their targets' centres, in half band widths (squared, summed):
    the tie-break among points whose values all lie inside the bands (distance 0)."""
    total = 0.0
    for r in results:
        if r.role != "fit":
            continue
        centre = r.target if r.target is not None else (r.band_low + r.band_high) / 2
        half = max((r.band_high - r.band_low) / 2, 1e-12)
        total += 4.0 if r.value is None else ((r.value - centre) / half) ** 2
    return total


def score(calibration: Calibration, values: dict[str, float], replicates: int, seed: int, resamples: int = 0):
    """Run the scenario with `values` and evaluate the patterns: (results, fit distance)."""
    from ..model import compile_from
    from ..patterns import as_episodes, distance, evaluate, load_patterns
    from ..patterns.command import simulate
    compiled = compile_from(calibration.scenario_path, values)
    patterns = load_patterns(calibration.patterns_path).simulated_by(calibration.scenario_path)
    table, annual = simulate(compiled, replicates, seed, patterns.reads_annual())
    results = evaluate(as_episodes(table), patterns, seed, resamples=resamples, annual=annual)
    return results, distance(results, roles=("fit",))


def search(calibration: Calibration, progress=None) -> pd.DataFrame:
    """Every point tried: stage, unit coordinates, values, fit distance and each pattern's value."""
    from scipy.stats import qmc
    spec = calibration.spec
    dimensions = len(spec.parameters)
    rng = np.random.default_rng(spec.seed)
    rows: list[dict] = []

    def run(stage: str, unit: np.ndarray, basin: int | None = None) -> None:
        values = to_values(spec, unit)
        results, fit = score(calibration, values, spec.replicates, spec.seed)
        rows.append({"stage": stage, "distance": fit, "closeness": closeness(results),
                     **({} if basin is None else {"basin": basin}),
                     **{f"u{i}": float(u) for i, u in enumerate(unit)},
                     **values, **{f"pattern:{r.name}": r.value for r in results}})
        if progress:
            progress(1)

    def refine(basin: int | None, label: str) -> None:
        """Rounds of Gaussian steps around the best three points of a basin (None: of the whole search)."""
        step = 0.1
        for round_index in range(spec.refine_rounds):
            table = pd.DataFrame(rows)
            if basin is not None:
                table = table[table["basin"] == basin]
            best = table.sort_values(["distance", "closeness"], kind="stable").head(3)[coordinates].to_numpy()
            for k in range(spec.refine_points):
                run(f"refine {round_index + 1}{label}", np.clip(best[k % len(best)] + rng.normal(0, step, dimensions), 0, 1),
                    basin)
            step /= 2

    if spec.start_at_scenario:
        run("scenario", to_unit(spec, scenario_values(calibration)))
    for point in spec.start_points:
        run("start point", to_unit(spec, point))
    for unit in qmc.Sobol(dimensions, scramble=True, seed=spec.seed).random(spec.sample):
        run("sample", unit)
    coordinates = [f"u{i}" for i in range(dimensions)]
    if spec.starts == 1:
        refine(None, "")
        return pd.DataFrame(rows)
    starts = separated_starts(pd.DataFrame(rows), coordinates, spec.starts, spec.start_separation)
    for index, row in enumerate(rows):
        row["basin"] = starts.index(index) if index in starts else -1
    for basin in range(len(starts)):
        refine(basin, f" from start {basin + 1}")
    return pd.DataFrame(rows)


def separated_starts(points: pd.DataFrame, coordinates: list[str], count: int, separation: float) -> list[int]:
    """The row numbers of up to `count` best points (by distance, then closeness), each at least `separation`
    from every better one chosen (Euclidean, in the unit box): one start in each of several basins."""
    chosen: list[int] = []
    for index in points.sort_values(["distance", "closeness"], kind="stable").index:
        unit = points.loc[index, coordinates].to_numpy(float)
        if all(np.linalg.norm(unit - points.loc[other, coordinates].to_numpy(float)) >= separation
               for other in chosen):
            chosen.append(int(index))
        if len(chosen) == count:
            break
    return chosen


def shortlisted(calibration: Calibration, points: pd.DataFrame, progress=None) -> pd.DataFrame:
    """The search's points with the `shortlist` best re-scored on the fit patterns with `confirm_replicates`
    on seed + 2 (a seed neither the search nor the confirmation uses): shortlist_distance and
    shortlist_closeness, empty for the others. The chosen point is the best re-scored one."""
    spec = calibration.spec
    points = points.assign(shortlist_distance=np.nan, shortlist_closeness=np.nan)
    names = [key for parameter in spec.parameters for key in (parameter.key, *parameter.also)]
    for index in points.sort_values(["distance", "closeness"], kind="stable").index[:spec.shortlist]:
        results, fit = score(calibration, {key: float(points.loc[index, key]) for key in names},
                             spec.confirm_replicates, spec.seed + 2)
        points.loc[index, ["shortlist_distance", "shortlist_closeness"]] = [fit, closeness(results)]
        if progress:
            progress(1)
    return points


def run_calibration(path: str | Path, out: str | Path, overwrite: bool = False, progress=None) -> dict:
    """Search, then confirm the best point with more replicates and a new seed; write the results folder."""
    from ..patterns import load_patterns
    from ..patterns.evaluate import results_json, summary
    calibration = load_calibration(path)
    spec = calibration.spec
    scenario = load_scenario(calibration.scenario_path)
    patterns = load_patterns(calibration.patterns_path)
    identity = {"calibration": spec.model_dump(), "scenario_hash": scenario_hash(scenario),
                "patterns_hash": patterns.fingerprint(), "code": code_fingerprint()}
    with ResultFolder(out, "calibration", identity, overwrite=overwrite) as folder:
        folder.update(**manifest(scenario, spec.seed, calibration_file=str(path)))
        started = time.perf_counter()
        points = shortlisted(calibration, search(calibration, progress), progress)
        best = points.sort_values(["shortlist_distance", "shortlist_closeness"], kind="stable").iloc[0]
        chosen = {key: float(best[parameter.key]) for parameter in spec.parameters
                  for key in (parameter.key, *parameter.also)}
        results, fit = score(calibration, chosen, spec.confirm_replicates, spec.seed + 1, resamples=None)
        folder.write_parquet("points.parquet", points)
        folder.write_text("chosen.yaml", "".join(f"{key}: {value:.6g}\n" for key, value in chosen.items()))
        folder.write_text("patterns.json", results_json(results, scenario=scenario.name, replicates=spec.confirm_replicates,
                                                          seed=spec.seed + 1) + "\n")
        record = {"chosen": chosen, "search_distance": float(best["distance"]),
                  "shortlist_distance": float(best["shortlist_distance"]), "confirm_fit_distance": fit,
                  "points": len(points), "summary": summary(results),
                  "wall_seconds": round(time.perf_counter() - started, 1)}
        folder.finish(**record)
    return {**record, "results": results}
