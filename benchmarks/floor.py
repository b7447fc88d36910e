"""The floor: what one unavoidable operation of the kernel costs, measured in a loop of it alone.

The week's arithmetic that no rewrite can remove while keeping results bit for bit: the counter-based
draws (`rng.uniform`, a fixed hash of four integers), the contest success function's `x ** m` with a
non-integer m (libm `pow`), `math.exp` in route choice and detection, and floating-point division.
Each is timed in two ways: dependent (each call waits for the last: latency, the kernel's case where
a result feeds the next step) and independent (throughput, the best case when calls can overlap).

    PYTHONPATH=. python benchmarks/floor.py
"""

from __future__ import annotations

import math
import time

import numpy as np
from numba import njit

from sim.model import rng

N = 20_000_000


@njit(cache=True)
def uniform_dependent(n, seed):
    x = 0.0
    for i in range(n):
        x += rng.uniform(seed + np.int64(x * 2.0), i, 7, rng.COMBAT_NOISE)
    return x


@njit(cache=True)
def uniform_independent(n, seed):
    x = 0.0
    for i in range(n):
        x += rng.uniform(seed, i, 7, rng.COMBAT_NOISE)
    return x


@njit(cache=True)
def pow_dependent(n, m):
    x = 0.5
    for i in range(n):
        x = 0.25 + 0.5 * x ** m
    return x


@njit(cache=True)
def pow_independent(n, m):
    x = 0.0
    for i in range(n):
        x += (0.3 + i * 1e-9) ** m
    return x


@njit(cache=True)
def exp_dependent(n, k):
    x = 0.5
    for i in range(n):
        x = 0.25 + 0.5 * math.exp(-k * x)
    return x


@njit(cache=True)
def exp_independent(n, k):
    x = 0.0
    for i in range(n):
        x += math.exp(-k * (i * 1e-9))
    return x


@njit(cache=True)
def divide_dependent(n, d):
    x = 0.5
    for i in range(n):
        x = 0.25 + 1.0 / (d + x)
    return x


@njit(cache=True)
def divide_independent(n, d):
    x = 0.0
    for i in range(n):
        x += 1.0 / (d + i * 1e-9)
    return x


@njit(cache=True)
def empty_dependent(n, d):
    x = 0.5
    for i in range(n):
        x = 0.25 + 0.5 * (d + x)
    return x


def best_ns(function, *args, repeats: int = 3) -> float:
    function(1000, *args)
    best = math.inf
    for _ in range(repeats):
        started = time.perf_counter()
        function(N, *args)
        best = min(best, time.perf_counter() - started)
    return best * 1e9 / N


def measure() -> dict:
    return {
        "uniform draw": (best_ns(uniform_dependent, np.int64(2009)), best_ns(uniform_independent, np.int64(2009))),
        "pow (x ** 3.13)": (best_ns(pow_dependent, 3.13), best_ns(pow_independent, 3.13)),
        "exp": (best_ns(exp_dependent, 10.0), best_ns(exp_independent, 10.0)),
        "division": (best_ns(divide_dependent, 1.5), best_ns(divide_independent, 1.5)),
        "(loop with a multiply-add only)": (best_ns(empty_dependent, 1.5), None),
    }


if __name__ == "__main__":
    print(f"{'operation':32s} {'dependent ns':>13s} {'independent ns':>15s}")
    for name, (dependent, independent) in measure().items():
        print(f"{name:32s} {dependent:13.2f} {'' if independent is None else f'{independent:15.2f}'}")
