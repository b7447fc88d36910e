"""Designs: which points of parameter space a sweep runs.

- grid: every combination of each parameter's values (a list, or `levels` evenly spaced in its range);
- latin_hypercube: `samples` points, one per stratum of each parameter (scipy.stats.qmc);
- sobol: Saltelli's scheme over a scrambled Sobol sequence (SALib.sample.sobol), N*(D+2) points,
  or N*(2D+2) with second-order indices; the order of points is the one SALib's analysis expects;
- morris: `trajectories` one-at-a-time trajectories on a p-level grid (SALib.sample.morris), r*(D+1) points.

Every design is drawn from the sweep seed, so the same sweep file gives the same points on any
machine. Parameters whose scenario field is an integer (police.un.officers) are sampled as
continuous values and rounded to the nearest integer; `sample_matrix` keeps the unrounded values,
which the Morris analysis needs (its elementary effects divide by the step in the unit cube).
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample
from scipy.stats import qmc

from .spec import ParameterPlan, SweepSpec

MORRIS_DEFAULT_LEVELS = 4
SEED_MODULUS = 2**32  # SALib and scipy take seeds below 2**32


def salib_problem(parameters: tuple[ParameterPlan, ...]) -> dict:
    """The SALib problem: names and [low, high] bounds (ranges only; grids never reach SALib)."""
    return {"num_vars": len(parameters), "names": [p.name for p in parameters],
            "bounds": [[p.low, p.high] for p in parameters]}


def grid_levels(parameter: ParameterPlan) -> list:
    """A grid parameter's values: its list, or `levels` evenly spaced values across its range."""
    if not parameter.is_range:
        return list(parameter.values)
    values = np.linspace(parameter.low, parameter.high, parameter.levels)
    return [int(round(v)) for v in values] if parameter.integer else [float(v) for v in values]


def sample_matrix(spec: SweepSpec, parameters: tuple[ParameterPlan, ...]) -> np.ndarray:
    """The design's points as a (points x parameters) array of unrounded values (not for grids)."""
    design, seed = spec.design, spec.seed % SEED_MODULUS
    problem = salib_problem(parameters)
    if design.kind == "latin_hypercube":
        unit = qmc.LatinHypercube(d=len(parameters), rng=np.random.default_rng(seed)).random(design.samples)
        return qmc.scale(unit, [p.low for p in parameters], [p.high for p in parameters])
    if design.kind == "sobol":
        return sobol_sample.sample(problem, design.samples, calc_second_order=bool(design.second_order), seed=seed)
    if design.kind == "morris":
        return morris_sample.sample(problem, design.trajectories, num_levels=morris_levels(spec), seed=seed)
    raise ValueError(f"no sample matrix for a {design.kind} design")


def morris_levels(spec: SweepSpec) -> int:
    return spec.design.levels or MORRIS_DEFAULT_LEVELS


def design_points(spec: SweepSpec, parameters: tuple[ParameterPlan, ...]) -> pd.DataFrame:
    """The points table: `point` (0, 1, ...) and one column per parameter, with the values tasks use."""
    names = [p.name for p in parameters]
    if spec.design.kind == "grid":
        rows = list(itertools.product(*(grid_levels(p) for p in parameters)))
        table = pd.DataFrame(rows, columns=names)
    else:
        table = pd.DataFrame(sample_matrix(spec, parameters), columns=names)
        for parameter in parameters:
            if parameter.integer:
                table[parameter.name] = table[parameter.name].round().astype("int64")
    table.insert(0, "point", np.arange(len(table), dtype="int64"))
    return table


def point_overrides(row: pd.Series | dict, parameters: tuple[ParameterPlan, ...]) -> dict:
    """The scenario key-path overrides of one point, with plain Python values (strict scenario types)."""
    overrides = {}
    for parameter in parameters:
        value = row[parameter.name]
        value = value.item() if isinstance(value, np.generic) else value
        overrides[parameter.key] = int(value) if parameter.integer and not isinstance(value, bool) else value
    return overrides
