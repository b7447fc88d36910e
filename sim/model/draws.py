"""Uncertain starting conditions: a scenario value given as a distribution is drawn once per replicate.

A module's build records a *draw site* (the field and row the value goes to, and its distribution)
with `value(context, field, row, scenario_value)` and puts the distribution's typical value in the
array. The compile step turns the sites into the `draw_*` arrays of the state; before week 1 of every
replicate, the generated `initialise(s, p)` draws each site from the counter-based generator at
address (seed, 0, site, INITIAL_DRAW), writes the value into its field, then runs the model's
initialisation phases (stage INIT), which derive what depends on the drawn values. Both drivers call
the same compiled `initialise`, so they stay equal bit for bit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .compiler import rule

LOGNORMAL, NORMAL, UNIFORM, LOGUNIFORM, TRIANGULAR = range(5)
KINDS = {"lognormal": LOGNORMAL, "normal": NORMAL, "uniform": UNIFORM, "loguniform": LOGUNIFORM,
         "triangular": TRIANGULAR}


@dataclass(frozen=True)
class Site:
    field: str
    row: int
    distribution: object  # sim.scenario.schema.Distribution


def value(context: dict, field: str, row: int, scenario_value) -> float:
    """The number to build with: the scenario's, or for a distribution its typical value, with the
    draw site recorded (the draw replaces it before each replicate)."""
    if hasattr(scenario_value, "support"):  # a Distribution (the format module is not imported here)
        context.setdefault("draws", []).append(Site(field, row, scenario_value))
        return float(scenario_value.central())
    return float(scenario_value)


def site_arrays(sites: list[Site], drawn_fields: list[str]) -> dict[str, np.ndarray]:
    """The `draw_*` arrays: one entry per site, parameters by kind (a, b, c), and the clipping range."""
    rows = []
    for site in sites:
        d, spec = site.distribution, site.distribution.spec
        parameters = {"lognormal": (getattr(spec, "median", 0.0), getattr(spec, "sigma", 0.0), 0.0),
                      "normal": (getattr(spec, "mean", 0.0), getattr(spec, "sd", 0.0), 0.0),
                      "uniform": (getattr(spec, "low", 0.0), getattr(spec, "high", 0.0), 0.0),
                      "loguniform": (getattr(spec, "low", 0.0), getattr(spec, "high", 0.0), 0.0),
                      "triangular": (getattr(spec, "low", 0.0), getattr(spec, "mode", 0.0), getattr(spec, "high", 0.0)),
                      }[d.kind]
        low, high = d.support()
        rows.append((drawn_fields.index(site.field), site.row, KINDS[d.kind], *parameters, low, high))
    columns = list(zip(*rows)) if rows else [()] * 8
    return dict(draw_field=np.array(columns[0], np.int64), draw_row=np.array(columns[1], np.int64),
                draw_kind=np.array(columns[2], np.int64), draw_a=np.array(columns[3], float),
                draw_b=np.array(columns[4], float), draw_c=np.array(columns[5], float),
                draw_low=np.array(columns[6], float), draw_high=np.array(columns[7], float))


@rule
def quantity(kind, a, b, c, low, high, u1, u2):
    """A draw from a distribution given two uniforms in [0, 1), clipped to [low, high].

    Normal deviates by Box-Muller (z = sqrt(-2 ln(1 - u1)) cos(2 pi u2)); lognormal median a, sigma b:
    a exp(b z); normal mean a, sd b; uniform and log-uniform on [a, b]; triangular (a, mode b, c) by its
    inverse distribution function.
    """
    if kind == UNIFORM:
        drawn = a + (b - a) * u1
    elif kind == LOGUNIFORM:
        drawn = math.exp(math.log(a) + (math.log(b) - math.log(a)) * u1)
    elif kind == TRIANGULAR:
        split = (b - a) / (c - a) if c > a else 0.5
        if u1 < split:
            drawn = a + math.sqrt(u1 * (c - a) * (b - a))
        else:
            drawn = c - math.sqrt((1.0 - u1) * (c - a) * (c - b))
    else:
        z = math.sqrt(-2.0 * math.log(1.0 - u1)) * math.cos(2.0 * math.pi * u2)
        drawn = a * math.exp(b * z) if kind == LOGNORMAL else a + b * z
    return min(max(drawn, low), high)
