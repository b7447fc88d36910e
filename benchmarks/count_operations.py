"""How many of the unavoidable operations a replicate-week performs: draws by purpose, `pow` in the
contest success function, `exp` in route choice and detection, Beta-posterior divisions in route
valuation. Counted exactly by running the kernel's own week in pure Python (NUMBA_DISABLE_JIT=1, set
here before numba loads) with counting wrappers around those functions; the trajectories are the
compiled kernel's, bit for bit (the equivalence test's premise). Multiply by benchmarks/floor.py's
costs for the floor of one replicate-week.

    PYTHONPATH=. python benchmarks/count_operations.py [scenario.yaml] [replicates]
"""

from __future__ import annotations

import os
import sys
from collections import Counter

os.environ["NUMBA_DISABLE_JIT"] = "1"

import functools  # noqa: E402
import math  # noqa: E402
import warnings  # noqa: E402

from sim.model import compile_from, conflict, policing, rng, trafficking  # noqa: E402
from sim.model.generate import generated  # noqa: E402

COUNTS: Counter = Counter()
PURPOSES = {value: name for name, value in vars(rng).items() if name.isupper() and isinstance(value, int)}


def _counting_uniform(function):
    @functools.wraps(function)  # the generated module imports it by module and name
    def uniform(seed, step, entity, purpose):
        COUNTS[f"draw {PURPOSES.get(int(purpose), purpose)}"] += 1
        return function(seed, step, entity, purpose)
    return uniform


class _CountingMath:
    """`math` with `exp` counted (the modules call `math.exp`)."""

    def __getattr__(self, name):
        return getattr(math, name)

    @staticmethod
    def exp(x):
        COUNTS["exp"] += 1
        return math.exp(x)


def _counting_contest(function):
    @functools.wraps(function)
    def contest_odds(government_force, rebel_force, decisiveness):
        if government_force > 0.0 and rebel_force > 0.0:
            COUNTS["pow (contest_odds)"] += 1
        return function(government_force, rebel_force, decisiveness)
    return contest_odds


def _counting(function, label):
    @functools.wraps(function)
    def counted(*args):
        COUNTS[label] += 1
        return function(*args)
    return counted


def install() -> None:
    warnings.filterwarnings("ignore", category=RuntimeWarning)  # uint64 wrap-around in the hash, as in numba
    rng.uniform = _counting_uniform(rng.uniform)
    trafficking.math = policing.math = _CountingMath()
    conflict.contest_odds = _counting_contest(conflict.contest_odds)
    trafficking.perceived_risk = _counting(trafficking.perceived_risk, "division (perceived_risk)")
    trafficking.choose_route = _counting(trafficking.choose_route, "route choices")
    policing.unit_inspects = _counting(policing.unit_inspects, "police inspections")


def count(scenario: str, replicates: int) -> tuple[Counter, int]:
    install()
    compiled = compile_from(scenario)
    weeks = int(compiled.params.horizon_weeks)
    from sim.drivers.kernel import run_kernel
    for replicate in range(replicates):
        run_kernel(compiled, rng.replicate_seed(int(compiled.params.seed), replicate))
    return COUNTS, replicates * weeks


if __name__ == "__main__":
    counts, weeks = count(sys.argv[1] if len(sys.argv) > 1 else "scenarios/west_africa_2009.yaml",
                          int(sys.argv[2]) if len(sys.argv) > 2 else 4)
    print(f"per replicate-week, mean of {weeks} replicate-weeks")
    for label, value in sorted(counts.items()):
        print(f"{label:34s} {value / weeks:8.2f}")
