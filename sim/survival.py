"""Conflict duration as survival data (lifelines): Kaplan-Meier medians with 95% CIs."""

from __future__ import annotations

import math

import pandas as pd
from lifelines import KaplanMeierFitter
from lifelines.utils import median_survival_times


def _finite(value: float) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def kaplan_meier_median(durations: pd.Series, ended: pd.Series) -> dict:
    """Median duration with its 95% CI; None where the curve never falls to 0.5 (too much censoring)."""
    fitter = KaplanMeierFitter().fit(durations, event_observed=ended)
    interval = median_survival_times(fitter.confidence_interval_)
    return {"median_weeks": _finite(fitter.median_survival_time_),
            "median_ci_low": _finite(interval.iloc[0, 0]), "median_ci_high": _finite(interval.iloc[0, 1])}


def duration_summary(table: pd.DataFrame) -> list[dict]:
    """Per conflict: replicates, KM median (95% CI), share ended, end-type shares."""
    summaries = []
    for conflict, rows in table.groupby("conflict", sort=False):
        shares = rows["end_type"].value_counts(normalize=True)
        summaries.append({
            "conflict": conflict, "replicates": int(len(rows)),
            **kaplan_meier_median(rows["duration_weeks"], rows["ended"]),
            "share_ended": float(rows["ended"].mean()),
            "end_types": {name: float(shares.get(name, 0.0)) for name in ("victory", "settlement", "censored")},
        })
    return summaries


def format_duration_summary(summaries: list[dict]) -> str:
    def weeks(value):
        return "beyond the horizon" if value is None else f"{value:.0f}"
    lines = []
    for s in summaries:
        types = ", ".join(f"{name} {100 * share:.1f}%" for name, share in s["end_types"].items())
        lines.append(f"  {s['conflict']}: median {weeks(s['median_weeks'])} weeks "
                     f"(95% CI {weeks(s['median_ci_low'])}-{weeks(s['median_ci_high'])}), "
                     f"{100 * s['share_ended']:.1f}% ended; {types}")
    return "\n".join(lines)
