"""Statistics of an episodes table: the same function gives the UCDP target and the simulated value.

Each statistic is registered in STATISTICS with its arguments (a strict pydantic model: a pattern
file names a statistic and its arguments, `{ending_share: {end_type: low_activity}}`) and one
vectorised implementation over weighted episodes: `compute(columns, weights, arguments)` returns one
value per row of `weights` (a `Weights`: rows of counts per cluster of episodes). The point value is one
row of ones, one cluster per episode; a bootstrap is rows of resampling counts of the clusters (UCDP
episodes, or simulated replicates), so a whole bootstrap is a few (sparse) matrix products rather than
thousands of refits, and per-episode weights are never materialised. The two statistics lifelines fits
(Kaplan-Meier median, Weibull shape) take their point value from lifelines itself;
tests/test_patterns.py checks that the vectorised twin agrees.

Definitions (durations in years = weeks / 52.18; `sample: war` keeps episodes that reached war intensity):

* `ending_share`: ended episodes of the sample ending in `end_type`, over all ended episodes of the sample.
* `median_duration_years`: Kaplan-Meier median duration (censored episodes count as at risk until censored).
* `hazard`: annual hazard of ending between `from_year` and `to_year` after the start, as occurrences
  over exposure: endings in (from, to] divided by the episode-years lived in (from, to]. This is the
  maximum-likelihood rate of a piecewise-constant hazard and what FACTS-2 §1.5 tabulates ("events ÷
  person-years at risk"); a life-table share of those at risk at the interval's start differs (0.18
  rather than 0.20 for year 1 of war-intensity episodes).
* `weibull_shape`: shape p of a right-censored Weibull fitted by maximum likelihood, S(t) = exp(-(t/λ)^p);
  durations below one day are set to one day (UCDP codes 63 episodes as ending on their start date,
  and a Weibull likelihood needs t > 0). p < 1: the hazard of ending falls with time.
* `victory_share`: among ended episodes that lasted more than `min_years` and at most `max_years`, the
  share that ended in a government or rebel victory.
* `victory_ratio`: government victories over rebel victories.
* `duration_rank`: Kaplan-Meier share of episodes ended within `years` (or within the duration of the
  UCDP episode `ucdp_episode`): where a real war's duration falls in the simulated distribution.

The statistics of calendar years (annual totals, changes and ratios of flows, over replicates) read the
annual table instead: sim/patterns/annual.py.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from .episodes import END_TYPES, VICTORIES, WEEKS_PER_YEAR

ONE_DAY_YEARS = 1 / 365.25
Sample = Literal["all", "war"]
EndType = Literal[tuple(t for t in END_TYPES if t != "censored")]  # type: ignore[valid-type]
MAX_CELLS = 4_000_000  # resampling counts held at once: resamples x clusters


class Arguments(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    sample: Sample = Field(default="all", description="all episodes, or war: those that reached war intensity")


class EndingShareArguments(Arguments):
    end_type: EndType | None = Field(default=None, description="the ending whose share is taken")
    ucdp_episode: int | None = Field(default=None, description="or: the ending of this UCDP episode (conflictep_id)")

    @model_validator(mode="after")
    def _one(self):
        if (self.end_type is None) == (self.ucdp_episode is None):
            raise ValueError("give exactly one of end_type and ucdp_episode")
        return self


class HazardArguments(Arguments):
    from_year: float = Field(ge=0, le=100, description="start of the interval, years since the episode began")
    to_year: float = Field(gt=0, le=100, description="end of the interval")

    @model_validator(mode="after")
    def _ordered(self):
        if self.to_year <= self.from_year:
            raise ValueError(f"to_year must be above from_year; got {self.from_year} to {self.to_year}")
        return self


class VictoryShareArguments(Arguments):
    min_years: float | None = Field(default=None, ge=0, description="episodes that lasted more than this")
    max_years: float | None = Field(default=None, gt=0, description="episodes that lasted at most this")

    @model_validator(mode="after")
    def _ordered(self):
        if self.min_years is not None and self.max_years is not None and self.max_years <= self.min_years:
            raise ValueError(f"max_years must be above min_years; got {self.min_years} and {self.max_years}")
        return self


class DurationRankArguments(Arguments):
    years: float | None = Field(default=None, gt=0, le=200, description="a duration in years")
    ucdp_episode: int | None = Field(default=None, description="or: the duration of this UCDP episode (conflictep_id)")

    @model_validator(mode="after")
    def _one(self):
        if (self.years is None) == (self.ucdp_episode is None):
            raise ValueError("give exactly one of years and ucdp_episode")
        return self


@dataclass(frozen=True)
class Columns:
    """The arrays of an episodes table that statistics read."""

    years: np.ndarray      # duration in years
    ended: np.ndarray      # bool
    end_type: np.ndarray   # str
    war: np.ndarray        # bool

    @classmethod
    def of(cls, episodes: pd.DataFrame) -> Columns:
        return cls(years=episodes["duration_weeks"].to_numpy(float) / WEEKS_PER_YEAR,
                   ended=episodes["ended"].to_numpy(bool), end_type=episodes["end_type"].to_numpy(str),
                   war=episodes["war_intensity"].to_numpy(bool))

    def mask(self, sample: str) -> np.ndarray:
        return self.war if sample == "war" else np.ones(len(self.years), bool)


@dataclass(frozen=True)
class Weights:
    """Rows of episode weights, held as counts per cluster: episode i weighs `counts[:, clusters[i]]`."""

    counts: np.ndarray     # (rows, clusters) float
    clusters: np.ndarray   # (episodes,) cluster index of each episode, 0 .. clusters-1

    @classmethod
    def ones(cls, episodes: int) -> Weights:
        """One row, every episode weighing 1: the point value."""
        return cls(np.ones((1, episodes)), np.arange(episodes))

    @property
    def rows(self) -> int:
        return self.counts.shape[0]

    def dot(self, values: np.ndarray) -> np.ndarray:
        """(rows,): the weighted sum of a value per episode."""
        per_cluster = np.bincount(self.clusters, weights=values.astype(float), minlength=self.counts.shape[1])
        return self.counts @ per_cluster

    def group(self, values: np.ndarray, groups: np.ndarray, size: int) -> np.ndarray:
        """(rows, size): weighted sums of a value per episode into `size` groups (`groups[i]` of episode i)."""
        from scipy.sparse import csr_matrix  # lifelines' own dependency

        per_cluster = csr_matrix((values.astype(float), (self.clusters, groups)), shape=(self.counts.shape[1], size))
        return np.asarray((per_cluster.T @ self.counts.T).T)


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denominator > 0, numerator / np.where(denominator > 0, denominator, 1), np.nan)


# --- the statistics, vectorised over rows of weights --------------------------------------------------

def ending_type(arguments: EndingShareArguments) -> str:
    if arguments.end_type is not None:
        return arguments.end_type
    from .ucdp import ucdp_episode

    return str(ucdp_episode(arguments.ucdp_episode)["end_type"])


def ending_share(columns: Columns, weights: Weights, arguments: EndingShareArguments) -> np.ndarray:
    ended = columns.ended & columns.mask(arguments.sample)
    return _ratio(weights.dot(ended & (columns.end_type == ending_type(arguments))), weights.dot(ended))


def _by_duration(columns: Columns, weights: Weights, sample: str, years: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(distinct durations of the sample, weight leaving at each, endings at each) per row of weights."""
    keep = columns.mask(sample)
    times = np.unique(years[keep])
    groups = np.clip(np.searchsorted(times, years), 0, max(len(times) - 1, 0))  # left-out episodes weigh 0
    leaving = weights.group(keep, groups, len(times))
    endings = weights.group(keep & columns.ended, groups, len(times))
    return times, leaving, endings


def _kaplan_meier(columns: Columns, weights: Weights, sample: str) -> tuple[np.ndarray, np.ndarray]:
    """(distinct durations, survival just after each) per row of weights: the Kaplan-Meier curve."""
    times, leaving, endings = _by_duration(columns, weights, sample, columns.years)
    if len(times) == 0:
        return times, np.ones((weights.rows, 0))
    at_risk = np.cumsum(leaving[:, ::-1], axis=1)[:, ::-1]
    factor = 1 - _ratio(endings, at_risk)
    factor[np.isnan(factor)] = 1.0  # nobody at risk: the curve stays where it was
    return times, np.cumprod(factor, axis=1)


def median_duration_years(columns: Columns, weights: Weights, arguments: Arguments) -> np.ndarray:
    times, survival = _kaplan_meier(columns, weights, arguments.sample)
    below = survival <= 0.5
    first = np.argmax(below, axis=1) if len(times) else np.zeros(weights.rows, int)
    return np.where(below.any(axis=1), times[first] if len(times) else np.nan, np.nan)


def rank_years(arguments: DurationRankArguments) -> float:
    if arguments.years is not None:
        return float(arguments.years)
    from .ucdp import ucdp_episode

    return float(ucdp_episode(arguments.ucdp_episode)["years"])


def duration_rank(columns: Columns, weights: Weights, arguments: DurationRankArguments) -> np.ndarray:
    times, survival = _kaplan_meier(columns, weights, arguments.sample)
    empty = weights.dot(columns.mask(arguments.sample)) == 0
    index = np.searchsorted(times, rank_years(arguments), side="right") - 1
    value = np.zeros(weights.rows) if index < 0 else 1 - survival[:, index]
    return np.where(empty, np.nan, value)


def hazard(columns: Columns, weights: Weights, arguments: HazardArguments) -> np.ndarray:
    low, high = arguments.from_year, arguments.to_year
    keep = columns.mask(arguments.sample)
    years = columns.years
    inside = (years <= high) & ((years > low) if low > 0 else (years >= 0))
    endings = columns.ended & inside & keep
    exposure = np.clip(np.minimum(years, high) - low, 0, None) * keep
    return _ratio(weights.dot(endings), weights.dot(exposure))


def _weibull_score(shape: np.ndarray, log_t: np.ndarray, weights: np.ndarray, event_log_mean: np.ndarray) -> np.ndarray:
    """d/dp of the profile log-likelihood over the number of endings: decreasing in p, zero at the MLE."""
    powered = np.exp(shape[:, None] * log_t[None, :])
    return 1 / shape + event_log_mean - _ratio((weights * powered) @ log_t, (weights * powered).sum(axis=1))


def weibull_shape(columns: Columns, weights: Weights, arguments: Arguments) -> np.ndarray:
    """Maximum-likelihood shape by bisection on the profile score (the scale drops out: λ^p = Σt^p / endings)."""
    years = np.maximum(columns.years, ONE_DAY_YEARS)
    times, grouped, grouped_endings = _by_duration(columns, weights, arguments.sample, years)  # weeks repeat
    if len(times) == 0:
        return np.full(weights.rows, np.nan)
    log_t = np.log(times) - np.log(times).mean()  # the shape does not depend on the unit of time
    endings = grouped_endings.sum(axis=1)
    event_log_mean = _ratio(grouped_endings @ log_t, endings)
    low = np.full(weights.rows, math.log(0.01))
    high = np.full(weights.rows, math.log(50.0))
    for _ in range(40):  # the bracket is ln(5000) wide: 40 halvings leave 1e-11
        middle = (low + high) / 2
        rising = _weibull_score(np.exp(middle), log_t, grouped, np.nan_to_num(event_log_mean)) > 0
        low, high = np.where(rising, middle, low), np.where(rising, high, middle)
    shape = np.exp((low + high) / 2)
    return np.where(endings > 0, shape, np.nan)


def victory_share(columns: Columns, weights: Weights, arguments: VictoryShareArguments) -> np.ndarray:
    chosen = columns.ended & columns.mask(arguments.sample)
    if arguments.min_years is not None:
        chosen &= columns.years > arguments.min_years
    if arguments.max_years is not None:
        chosen &= columns.years <= arguments.max_years
    return _ratio(weights.dot(chosen & np.isin(columns.end_type, VICTORIES)), weights.dot(chosen))


def victory_ratio(columns: Columns, weights: Weights, arguments: Arguments) -> np.ndarray:
    keep = columns.ended & columns.mask(arguments.sample)
    return _ratio(weights.dot(keep & (columns.end_type == "government_victory")),
                  weights.dot(keep & (columns.end_type == "rebel_victory")))


# --- lifelines, for the point values it fits -------------------------------------------------------

def _lifelines_median(episodes: pd.DataFrame, arguments: Arguments) -> float:
    from lifelines import KaplanMeierFitter

    columns = Columns.of(episodes)
    keep = columns.mask(arguments.sample)
    if not keep.any():
        return math.nan
    fitter = KaplanMeierFitter().fit(columns.years[keep], event_observed=columns.ended[keep])
    median = float(fitter.median_survival_time_)
    return median if math.isfinite(median) else math.nan


def _lifelines_weibull(episodes: pd.DataFrame, arguments: Arguments) -> float:
    from lifelines import WeibullFitter

    columns = Columns.of(episodes)
    keep = columns.mask(arguments.sample)
    if (columns.ended & keep).sum() < 2:  # no shape to fit from fewer than two endings
        return math.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter on tiny samples; the shape is checked by tests
        try:
            fitter = WeibullFitter().fit(np.maximum(columns.years[keep], ONE_DAY_YEARS), columns.ended[keep])
        except Exception:  # lifelines raises several types when the likelihood cannot be maximised
            return math.nan
    return float(fitter.rho_)


# --- the registry ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Statistic:
    """A named statistic of an episodes table, with its arguments, unit and how to compute it."""

    name: str
    arguments: type[BaseModel]
    compute: Callable[[Columns, Weights, Arguments], np.ndarray]
    unit: str
    label: Callable[[Arguments], str]
    reference: Callable[[pd.DataFrame, Arguments], float] | None = None  # lifelines' point value
    table: str = "episodes"        # what it reads: the episodes table, or the annual table (sim.patterns.annual)
    columns: Callable[[pd.DataFrame], object] = Columns.of
    lowest: float = 0.0            # the lowest value it can take (a change can fall to -1)

    @property
    def bounds(self) -> tuple[float, float]:
        """The values the statistic can take: a band is clipped to them."""
        return (self.lowest, 1.0) if self.unit == "share" else (self.lowest, math.inf)

    def value(self, episodes: pd.DataFrame, arguments: Arguments) -> float:
        """The statistic of the whole table (NaN where undefined: no episodes of the kind it needs)."""
        if len(episodes) == 0:
            return math.nan
        if self.reference is not None:
            return self.reference(episodes, arguments)
        return float(self.compute(self.columns(episodes), Weights.ones(len(episodes)), arguments)[0])

    def bootstrap(self, episodes: pd.DataFrame, arguments: Arguments, clusters: np.ndarray, resamples: int,
                  seed: int) -> np.ndarray:
        """The statistic over `resamples` bootstrap resamples of the clusters (UCDP: episodes; simulated:
        replicates, whose conflicts share a world), seeded. NaN where a resample leaves it undefined."""
        if len(episodes) == 0:
            return np.full(resamples, np.nan)
        columns = self.columns(episodes)
        return np.concatenate([self.compute(columns, weights, arguments)
                               for weights in resample_weights(clusters, resamples, seed)])


def resample_weights(clusters: np.ndarray, resamples: int, seed: int) -> Iterator[Weights]:
    """Bootstrap weights: each row draws as many clusters as there are, uniformly with replacement, and
    counts how often each was drawn; every episode weighs its cluster's count. In chunks of at most
    MAX_CELLS counts."""
    codes, clusters = np.unique(clusters, return_inverse=True)
    number = len(codes)
    generator = np.random.default_rng(seed)
    chunk = max(1, MAX_CELLS // max(number, 1))
    for begin in range(0, resamples, chunk):
        size = min(chunk, resamples - begin)
        drawn = generator.integers(0, number, size=(size, number)) + number * np.arange(size)[:, None]
        counts = np.bincount(drawn.ravel(), minlength=size * number).reshape(size, number)
        yield Weights(counts.astype(float), clusters)


def _sample(arguments: Arguments) -> str:
    return " of war-intensity episodes" if arguments.sample == "war" else ""


def _ending_label(arguments: EndingShareArguments) -> str:
    ending = arguments.end_type or f"{ending_type(arguments)} (as UCDP episode {arguments.ucdp_episode})"
    return f"share of endings{_sample(arguments)}: {ending}"


def _rank_label(arguments: DurationRankArguments) -> str:
    where = f"UCDP episode {arguments.ucdp_episode}, " if arguments.ucdp_episode is not None else ""
    return f"share{_sample(arguments)} ended within {where}{rank_years(arguments):.1f} yr"


def _victory_label(arguments: VictoryShareArguments) -> str:
    if arguments.min_years is not None and arguments.max_years is not None:
        span = f"lasting {arguments.min_years:g}-{arguments.max_years:g} yr"
    elif arguments.max_years is not None:
        span = f"within {arguments.max_years:g} yr"
    elif arguments.min_years is not None:
        span = f"after more than {arguments.min_years:g} yr"
    else:
        span = "at any duration"
    return f"victory share of endings{_sample(arguments)} {span}"


STATISTICS: dict[str, Statistic] = {statistic.name: statistic for statistic in (
    Statistic("ending_share", EndingShareArguments, ending_share, "share", _ending_label),
    Statistic("median_duration_years", Arguments, median_duration_years, "years",
              lambda a: f"Kaplan-Meier median duration{_sample(a)}", reference=_lifelines_median),
    Statistic("hazard", HazardArguments, hazard, "per year",
              lambda a: f"annual hazard of ending in years {a.from_year:g}-{a.to_year:g}{_sample(a)}"),
    Statistic("weibull_shape", Arguments, weibull_shape, "shape",
              lambda a: f"Weibull shape of durations{_sample(a)}", reference=_lifelines_weibull),
    Statistic("victory_share", VictoryShareArguments, victory_share, "share", _victory_label),
    Statistic("victory_ratio", Arguments, victory_ratio, "ratio",
              lambda a: f"government to rebel victories{_sample(a)}"),
    Statistic("duration_rank", DurationRankArguments, duration_rank, "share", _rank_label),
)}


from .annual import ANNUAL_STATISTICS  # noqa: E402  (built on Statistic and Weights above)

STATISTICS.update({statistic.name: statistic for statistic in ANNUAL_STATISTICS})


def statistic_value(episodes: pd.DataFrame, name: str, **arguments) -> float:
    """One statistic by name, from Python: `statistic_value(episodes, "hazard", from_year=0, to_year=1)`."""
    statistic = STATISTICS[name]
    return statistic.value(episodes, statistic.arguments(**arguments))
