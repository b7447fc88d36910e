"""Effect statistics of experiments: RMST and median ratios with paired bootstrap CIs, the PH check.

Checked against lifelines on the same rows and on synthetic data whose answer is known, so that a
wrong formula (or an unseeded bootstrap) fails here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from lifelines import KaplanMeierFitter

from sim.analysis import effects


def synthetic(replicates: int = 600, horizon: int = 200, scale: float = 1.0, seed: int = 0) -> pd.DataFrame:
    """Two arms, two conflicts; in conflict `b` the arm's conflicts last `scale` times as long."""
    rng = np.random.default_rng(seed)
    rows = []
    for conflict, factor in (("a", 1.0), ("b", scale)):
        base = rng.exponential(60, replicates)
        for arm, durations in (("base", base), ("arm", base * factor)):
            weeks = np.minimum(np.ceil(durations), horizon).astype(int)
            rows.append(pd.DataFrame({"arm": arm, "conflict": conflict, "replicate": np.arange(replicates),
                                      "duration_weeks": weeks, "ended": durations < horizon}))
    return pd.concat(rows, ignore_index=True)


def test_rmst_and_median_equal_lifelines():
    table = synthetic(scale=0.5)
    result = effects.duration_effects(table, ["base", "arm"], "base", ["a", "b"], 200, seed=1)
    for arm in ("base", "arm"):
        for conflict in ("a", "b"):
            rows = table[(table["arm"] == arm) & (table["conflict"] == conflict)]
            expected = effects.lifelines_rmst(rows["duration_weeks"], rows["ended"], 200)
            assert abs(result[arm]["conflicts"][conflict]["rmst_weeks"] - expected) < 1e-9
    rows_b = {arm: table[(table["arm"] == arm) & (table["conflict"] == "b")] for arm in ("base", "arm")}
    medians = {arm: KaplanMeierFitter().fit(r["duration_weeks"], r["ended"]).median_survival_time_
               for arm, r in rows_b.items()}
    assert result["arm"]["conflicts"]["b"]["median_ratio"] == medians["arm"] / medians["base"]


def test_ratios_find_the_effect_where_it_is_and_not_elsewhere():
    result = effects.duration_effects(synthetic(scale=0.5), ["base", "arm"], "base", ["a", "b"], 200, seed=1)
    changed, unchanged = result["arm"]["conflicts"]["b"], result["arm"]["conflicts"]["a"]
    assert changed["rmst_ratio_ci_high"] < 0.75 and changed["median_ratio_ci_high"] < 0.75
    assert unchanged["rmst_ratio"] == 1.0 and unchanged["rmst_ratio_ci_low"] == unchanged["rmst_ratio_ci_high"] == 1.0
    pooled = result["arm"]["pooled"]
    assert changed["rmst_ratio"] < pooled["rmst_ratio"] < 1.0
    assert pooled["rmst_ratio_ci_low"] <= pooled["rmst_ratio"] <= pooled["rmst_ratio_ci_high"]


def test_bootstrap_is_seeded_and_the_seed_matters():
    table = synthetic(scale=0.8)
    first = effects.duration_effects(table, ["base", "arm"], "base", ["a", "b"], 200, seed=5)
    again = effects.duration_effects(table, ["base", "arm"], "base", ["a", "b"], 200, seed=5)
    other = effects.duration_effects(table, ["base", "arm"], "base", ["a", "b"], 200, seed=6)
    assert first == again
    assert first["arm"]["pooled"]["rmst_ratio_ci_low"] != other["arm"]["pooled"]["rmst_ratio_ci_low"]


def test_median_beyond_the_horizon_leaves_the_interval_open():
    table = synthetic(scale=20.0)  # the arm's conflicts in `b` mostly outlast the horizon
    result = effects.duration_effects(table, ["base", "arm"], "base", ["a", "b"], 200, seed=1)
    assert result["arm"]["conflicts"]["b"]["median_ratio"] is None
    assert result["arm"]["conflicts"]["b"]["median_ratio_ci_high"] is None
