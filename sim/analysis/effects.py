"""Effect sizes of an experiment on conflict duration, with paired bootstrap CIs over replicates.

A hazard ratio (Cox) answers "how much faster do conflicts end", but assumes proportional hazards;
two summaries that assume nothing about the hazard's shape sit beside it in the answer:

- RMST ratio: restricted mean survival time (the area under the Kaplan-Meier curve up to the
  scenario's horizon, Royston and Parmar 2013) of the arm over the baseline's. Below 1: the
  arm's conflicts last less time on average over the horizon. Point estimate from lifelines'
  `restricted_mean_survival_time`.
- Median ratio: Kaplan-Meier median duration of the arm over the baseline's; undefined where a
  curve never falls to one half before the horizon.

Both CIs come from one bootstrap over replicates: replicate i of every arm and every conflict
ran with the same seed, so a resample draws replicates (with replacement) and keeps each drawn
replicate's rows in all arms and conflicts together. That keeps the pairing of the common random
numbers and the correlation between conflicts of one world. The resampling is seeded (the
experiment's seed), so the same experiment gives the same intervals.

It is fast because durations are whole weeks: a resample's Kaplan-Meier curve needs only the
(weighted) number of conflicts ending and leaving the risk set each week. All resamples are one
matrix product of the resampling weights (resamples x replicates) with a sparse week indicator
(replicates x weeks), then a cumulative product along the weeks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse
from lifelines import KaplanMeierFitter
from lifelines.utils import restricted_mean_survival_time

RESAMPLES = 400  # percentile CIs at 2.5% and 97.5% rest on 10 resamples each side: stable to about +-1%
LEVEL = 0.95


@dataclass
class WeeklyCounts:
    """Per resample (rows; row 0 is the data itself) and week (columns): conflicts ending, and leaving the
    risk set (ending or censored). Sums of these over conflicts are the pooled Kaplan-Meier's counts."""

    events: np.ndarray
    exits: np.ndarray

    def __add__(self, other: WeeklyCounts) -> WeeklyCounts:
        return WeeklyCounts(self.events + other.events, self.exits + other.exits)

    def survival(self) -> np.ndarray:
        """Kaplan-Meier survival S(k) at the end of each week k, per resample."""
        at_risk = self.exits[:, ::-1].cumsum(axis=1)[:, ::-1]  # still at risk at the start of week k
        hazard = np.divide(self.events, at_risk, out=np.zeros_like(self.events), where=at_risk > 0)
        return np.cumprod(1.0 - hazard, axis=1)


def resampling_weights(replicates: int, seed: int, resamples: int = RESAMPLES) -> np.ndarray:
    """(resamples + 1) x replicates multiplicities: row 0 all ones (the data), then multinomial draws."""
    rng = np.random.default_rng([int(seed) % 2**63, 16])  # its own stream: no other draw shifts it
    draws = rng.multinomial(replicates, np.full(replicates, 1.0 / replicates), size=resamples)
    return np.vstack([np.ones((1, replicates)), draws]).astype(float)


def weekly_counts(durations: np.ndarray, ended: np.ndarray, positions: np.ndarray, weights: np.ndarray,
                  horizon_weeks: int) -> WeeklyCounts:
    """Counts per resample and week of one group's rows; `positions` maps each row to its replicate's column."""
    weeks = np.clip(np.asarray(durations, dtype=np.int64), 0, horizon_weeks)
    rows = np.arange(len(weeks))
    shape = (len(weeks), horizon_weeks + 1)
    exit_at = scipy.sparse.csr_matrix((np.ones(len(weeks)), (rows, weeks)), shape=shape)
    end_at = scipy.sparse.csr_matrix((np.asarray(ended, dtype=float), (rows, weeks)), shape=shape)
    row_weights = weights[:, positions].T  # rows x resamples
    return WeeklyCounts(np.asarray((end_at.T @ row_weights).T), np.asarray((exit_at.T @ row_weights).T))


def restricted_mean(survival: np.ndarray, horizon_weeks: int) -> np.ndarray:
    """Area under each survival curve from 0 to the horizon, in weeks: S(t) = S(k) for t in [k, k + 1)."""
    return survival[:, :horizon_weeks].sum(axis=1)


def medians(survival: np.ndarray) -> np.ndarray:
    """First week at which each curve is at or below one half; NaN where it never is (beyond the horizon)."""
    below = survival <= 0.5 + 1e-12  # a product of fractions that is one half exactly may round just above it
    first = below.argmax(axis=1).astype(float)
    first[~below.any(axis=1)] = np.nan
    return first


def ratio_interval(ratios: np.ndarray) -> tuple[float | None, float | None]:
    """Percentile interval of bootstrap ratios; an end is None where it is undefined or unbounded
    (a median beyond the horizon in too many resamples)."""
    tail = (1 - LEVEL) / 2
    ordered = np.sort(np.where(np.isnan(ratios), np.inf, ratios))  # undefined counts as unbounded
    low = ordered[int(math.floor(tail * len(ordered)))]
    high = ordered[int(math.ceil((1 - tail) * len(ordered))) - 1]
    return (_finite(low) if low > 0 else None), _finite(high)


def _finite(value) -> float | None:
    return float(value) if value is not None and np.isfinite(value) else None


def lifelines_rmst(durations: pd.Series, ended: pd.Series, horizon_weeks: int) -> float:
    """The RMST point estimate as lifelines computes it (what the bootstrap's row 0 must equal)."""
    fitter = KaplanMeierFitter().fit(durations, event_observed=ended)
    return float(restricted_mean_survival_time(fitter, t=horizon_weeks))


@dataclass
class Summary:
    """RMST and median per resample of one (arm, group)."""

    rmst: np.ndarray
    median: np.ndarray


def summarise(counts: WeeklyCounts, horizon_weeks: int) -> Summary:
    survival = counts.survival()
    return Summary(restricted_mean(survival, horizon_weeks), medians(survival))


def compare(arm: Summary, baseline: Summary) -> dict:
    """RMST and median ratios of an arm against the baseline, with bootstrap 95% CIs."""
    with np.errstate(divide="ignore", invalid="ignore"):
        rmst = arm.rmst / baseline.rmst
        median = arm.median / baseline.median
    rmst_low, rmst_high = ratio_interval(rmst[1:])
    median_low, median_high = ratio_interval(median[1:])
    return {"rmst_ratio": _finite(rmst[0]), "rmst_ratio_ci_low": rmst_low, "rmst_ratio_ci_high": rmst_high,
            "median_ratio": _finite(median[0]), "median_ratio_ci_low": median_low,
            "median_ratio_ci_high": median_high}


def duration_effects(rows: pd.DataFrame, arms: list[str], baseline: str, conflicts: list[str],
                     horizon_weeks: int, seed: int, resamples: int = RESAMPLES) -> dict:
    """RMST and medians per (arm, conflict) and pooled, ratios against the baseline with paired bootstrap CIs.

    Returns {arm: {"pooled": {...}, "conflicts": {conflict: {...}}}} where each record holds
    `rmst_weeks` and, for arms other than the baseline, the ratio fields of `compare`. Pooled: the
    RMST is the mean over conflicts (each conflict counts once, as a stratified estimate), the
    median that of the Kaplan-Meier curve over all the analysed conflicts' rows (as the summary's
    pooled median).
    """
    replicates = np.sort(rows["replicate"].unique())
    weights = resampling_weights(len(replicates), seed, resamples)
    summaries: dict[str, dict] = {}
    for arm in arms:
        mine = rows[rows["arm"] == arm]
        per_conflict, pooled_counts = {}, None
        for conflict in conflicts:
            subset = mine[mine["conflict"] == conflict]
            counts = weekly_counts(subset["duration_weeks"].to_numpy(), subset["ended"].to_numpy(bool),
                                   np.searchsorted(replicates, subset["replicate"].to_numpy()), weights,
                                   horizon_weeks)
            per_conflict[conflict] = summarise(counts, horizon_weeks)
            pooled_counts = counts if pooled_counts is None else pooled_counts + counts
        pooled = summarise(pooled_counts, horizon_weeks)
        pooled.rmst = np.mean([s.rmst for s in per_conflict.values()], axis=0)
        summaries[arm] = {"pooled": pooled, "conflicts": per_conflict}
    effects = {}
    for arm in arms:
        def record(mine: Summary, theirs: Summary) -> dict:
            fields = {"rmst_weeks": _finite(mine.rmst[0])}
            if arm != baseline:
                fields.update(compare(mine, theirs))
            return fields
        base = summaries[baseline]
        effects[arm] = {"pooled": record(summaries[arm]["pooled"], base["pooled"]),
                        "conflicts": {c: record(summaries[arm]["conflicts"][c], base["conflicts"][c])
                                      for c in conflicts}}
    return effects
