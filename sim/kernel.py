"""The compiled driver: whole weeks over the `State` arrays, no Python objects in the loop.

`run_week` calls the actions of `sim/actions.py` in the order of the ODD
schedule, the same order in which the Mesa model's `step()` calls them, so
the two drivers give the same numbers bit for bit (tests/test_equivalence.py).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .actions import (begin_week, build_capacity, end_week, fight, launch_shipments, learn_from_seizures,
                      manage_budget, move_shipment, record_series, spread_alerts)
from .state import CompiledScenario


@njit(cache=True, _nrt=False)
def run_week(s, p, week):
    """One week: launch, move, learn, police, budgets, fighting."""
    begin_week(s)
    for org in range(s.org_rate.shape[0]):
        launch_shipments(s, p, org, week)
    for slot in range(s.ship_active.shape[0]):
        # The actions guard themselves too; testing here saves the call, which copies the
        # ~90-array State struct (about 30% of the kernel's time when dropped).
        if s.ship_active[slot]:
            move_shipment(s, p, slot, week)
    for org in range(s.org_rate.shape[0]):
        learn_from_seizures(s, org)
    for unit in range(s.unit_node.shape[0]):
        build_capacity(s, p, unit)
    spread_alerts(s, p)
    for bel in range(s.bel_fighters.shape[0]):
        if s.bel_active[bel]:
            manage_budget(s, p, bel)
    for conflict in range(s.conflict_active.shape[0]):
        if s.conflict_active[conflict]:
            fight(s, p, conflict, week)
    end_week(s)


@njit(cache=True, _nrt=False, nogil=True)
def run_weeks(s, p, series):
    """Run the whole horizon, writing one row of `series` per week."""
    for week in range(1, p.horizon_weeks + 1):
        run_week(s, p, week)
        record_series(s, week, series[week - 1])


def run_kernel(compiled: CompiledScenario, seed: int):
    """Run one replicate with the kernel: returns (final state, series array)."""
    state = compiled.fresh_state()
    params = compiled.with_seed(seed)
    series = np.zeros((int(params.horizon_weeks), len(compiled.layout.series_columns)))
    run_weeks(state, params, series)
    return state, series
