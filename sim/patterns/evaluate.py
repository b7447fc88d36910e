"""Targets with bands, simulated values with CIs, pass or fail, and one distance for calibration.

* **Band.** A UCDP target's band is the seeded 95% bootstrap interval of the statistic over UCDP
  episodes (resampled with replacement), widened by the pattern's tolerance: a model of a population of
  generic wars need not match 479 real episodes to sampling precision. A cited target has the band its
  file gives; an assumed band is taken as it is.
* **Simulated value and CI.** The statistic of all simulated episodes (of the pattern's conflict, if it
  names one) and its 95% bootstrap interval over replicates (the conflicts of one replicate share a
  world, so replicates are resampled whole); a table of one replicate (UCDP itself) resamples episodes.
* **Pass** when the simulated point value lies inside the band. `ci_overlaps` says whether the CI
  touches the band: a FAIL whose CI overlaps may be Monte Carlo noise; run more replicates.
* **Distance** of a result: how far its value lies outside the band, in band widths (0 inside); an
  undefined value (no episodes, a median never reached) counts 1. `distance(results)` sums them, over
  the `fit` patterns only when asked: what a calibration search minimises.
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from .episodes import check_episodes
from .spec import Pattern, Patterns
from .ucdp import CITATION, ucdp_episodes

UNDEFINED_DISTANCE = 1.0


@dataclass(frozen=True)
class TargetBand:
    """What a pattern's statistic should be: its target value (None for an assumed band) and band."""

    kind: str                      # ucdp, cited or assumed
    value: float | None
    low: float
    high: float
    interval_low: float | None     # ucdp: the 95% bootstrap interval before widening
    interval_high: float | None
    widening: str                  # "± 0.05", "± 25% of the target", "" (cited, assumed)
    source: str


@dataclass(frozen=True)
class PatternResult:
    """One pattern evaluated on simulated episodes."""

    name: str
    statistic: str                 # what is measured, in words
    unit: str
    conflict: str | None
    role: str
    source: str
    episodes: int                  # simulated episodes the statistic read
    value: float | None            # None where undefined
    ci_low: float | None
    ci_high: float | None
    target_kind: str
    target: float | None
    band_low: float
    band_high: float
    target_interval_low: float | None
    target_interval_high: float | None
    widening: str
    target_source: str
    passed: bool
    ci_overlaps: bool
    distance: float

    @property
    def verdict(self) -> str:
        return "PASS" if self.passed else "FAIL"

    def as_dict(self) -> dict:
        return {**asdict(self), "verdict": self.verdict}


def _number(value: float) -> float | None:
    return float(value) if value is not None and math.isfinite(value) else None


def _interval(values: np.ndarray) -> tuple[float | None, float | None]:
    values = values[np.isfinite(values)]
    if len(values) == 0:
        return None, None
    low, high = np.percentile(values, [2.5, 97.5])
    return float(low), float(high)


@functools.lru_cache(maxsize=256)
def _ucdp_band(statistic_name: str, arguments_json: str, resamples: int, seed: int) -> tuple:
    from .statistics import STATISTICS

    statistic = STATISTICS[statistic_name]
    arguments = statistic.arguments.model_validate_json(arguments_json)
    episodes = ucdp_episodes()
    value = statistic.value(episodes, arguments)
    low, high = _interval(statistic.bootstrap(episodes, arguments, np.arange(len(episodes)), resamples, seed))
    return value, low, high


def target_band(pattern: Pattern, resamples: int, seed: int) -> TargetBand:
    """The target and band of one pattern (UCDP targets computed here, bootstrap seeded by `seed`)."""
    target = pattern.target
    if target.kind == "ucdp":
        arguments = pattern.statistic.arguments.model_dump_json()
        value, low, high = _ucdp_band(pattern.statistic.name, arguments, resamples, seed)
        if target.tolerance is not None:
            widen, widening = target.tolerance, f"± {target.tolerance:g}"
        else:
            widen, widening = target.relative * abs(value), f"± {100 * target.relative:g}% of the target"
        floor, ceiling = pattern.statistic.statistic.bounds
        return TargetBand("ucdp", _number(value), max(low - widen, floor), min(high + widen, ceiling), low, high,
                          widening, CITATION)
    if target.kind == "cited":
        return TargetBand("cited", target.cited, target.band[0], target.band[1], None, None, "", target.source)
    return TargetBand("assumed", None, target.band[0], target.band[1], None, None, "",
                      f"assumption: {target.assumption}")


def bands(patterns: Patterns) -> list[TargetBand]:
    """Every pattern's target and band, with the file's seed and resamples."""
    return [target_band(pattern, patterns.spec.bootstrap, patterns.spec.seed) for pattern in patterns.patterns]


def _clusters(episodes: pd.DataFrame) -> np.ndarray:
    replicates = episodes["replicate"].to_numpy()
    return replicates if len(np.unique(replicates)) > 1 else np.arange(len(episodes))


def _distance(value: float | None, low: float, high: float) -> float:
    if value is None:
        return UNDEFINED_DISTANCE
    width = high - low if high > low else max(abs(high), 1e-9)
    return max(low - value, value - high, 0.0) / width


def _simulated(episodes: pd.DataFrame, pattern: Pattern, resamples: int, seed: int,
               annual: pd.DataFrame | None = None) -> tuple:
    """(rows read, value, CI low, CI high) of a pattern's statistic on the simulated episodes, or on the
    annual table for a statistic of calendar years."""
    statistic, arguments = pattern.statistic.statistic, pattern.statistic.arguments
    if statistic.table == "annual":
        if annual is None:
            raise ValueError(f"pattern {pattern.name} reads the annual table, and none was given "
                             "(the scenario needs a start_date)")
        episodes = annual
    elif pattern.conflict is not None:
        episodes = episodes[episodes["conflict"] == pattern.conflict]
    value = _number(statistic.value(episodes, arguments))
    ci_low = ci_high = None
    if resamples > 0:
        ci_low, ci_high = _interval(statistic.bootstrap(episodes, arguments, _clusters(episodes), resamples, seed))
    return len(episodes), value, ci_low, ci_high


def evaluate_pattern(episodes: pd.DataFrame, pattern: Pattern, band: TargetBand, resamples: int,
                     seed: int, simulated: tuple | None = None) -> PatternResult:
    """One pattern on a checked episodes table (`simulated`: its `_simulated` tuple, if already known)."""
    count, value, ci_low, ci_high = simulated or _simulated(episodes, pattern, resamples, seed)
    statistic, arguments = pattern.statistic.statistic, pattern.statistic.arguments
    passed = value is not None and band.low <= value <= band.high
    overlaps = passed if resamples == 0 else ci_low is not None and ci_low <= band.high and ci_high >= band.low
    return PatternResult(
        name=pattern.name, statistic=statistic.label(arguments), unit=statistic.unit, conflict=pattern.conflict,
        role=pattern.role, source=pattern.source, episodes=int(count), value=value, ci_low=ci_low,
        ci_high=ci_high, target_kind=band.kind, target=band.value, band_low=band.low, band_high=band.high,
        target_interval_low=band.interval_low, target_interval_high=band.interval_high, widening=band.widening,
        target_source=band.source, passed=bool(passed), ci_overlaps=bool(overlaps),
        distance=_distance(value, band.low, band.high))


def evaluate(episodes: pd.DataFrame, patterns: Patterns, seed: int, resamples: int | None = None,
             annual: pd.DataFrame | None = None) -> list[PatternResult]:
    """Every pattern of `patterns` on `episodes` (the common format, sim.patterns.episodes), and the
    statistics of calendar years on `annual` (sim.patterns.annual).

    `seed` seeds the bootstrap of the simulated CIs; UCDP bands use the pattern file's own seed, so a
    band does not move with the simulation seed. Same inputs, same seed: same numbers. `resamples`
    (default: the file's `bootstrap`) sets the simulated CIs' resamples; 0 skips them (no CIs), which is
    all a calibration search needs for `distance` and many times faster.
    """
    episodes = check_episodes(episodes)
    resamples = patterns.spec.bootstrap if resamples is None else int(resamples)
    known: dict[tuple, tuple] = {}  # two patterns with one statistic (a level and a bound) share its bootstrap
    results = []
    for pattern, band in zip(patterns.patterns, bands(patterns)):
        key = (pattern.statistic.name, pattern.statistic.arguments.model_dump_json(), pattern.conflict)
        if key not in known:
            known[key] = _simulated(episodes, pattern, resamples, seed, annual)
        results.append(evaluate_pattern(episodes, pattern, band, resamples, seed, known[key]))
    return results


def distance(results: list[PatternResult], roles: tuple[str, ...] = ("fit", "test")) -> float:
    """Sum over the results with a role in `roles` of the distance outside the band (0: all inside).
    `distance(results, roles=("fit",))` is what a calibration search minimises."""
    return float(sum(result.distance for result in results if result.role in roles))


def summary(results: list[PatternResult]) -> dict:
    """Counts of passes and fails (all, fit, test) and the distances."""
    def count(role=None):
        chosen = [r for r in results if role is None or r.role == role]
        return {"patterns": len(chosen), "passed": sum(r.passed for r in chosen),
                "failed": sum(not r.passed for r in chosen)}
    return {**count(), "fit": count("fit"), "test": count("test"), "distance": distance(results),
            "fit_distance": distance(results, ("fit",))}


def results_json(results: list[PatternResult], **context) -> str:
    """The results as JSON (what `threatnet patterns --json` prints and --out writes)."""
    return json.dumps({**context, "summary": summary(results), "results": [r.as_dict() for r in results]},
                      indent=2, allow_nan=False)
