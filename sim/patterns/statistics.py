"""Statistics of an episodes table: the same function gives the UCDP target and the simulated value.

Each statistic is registered in STATISTICS with its arguments (a strict pydantic model: a pattern
file names a statistic and its arguments, `{ending_share: {end_type: low_activity}}`) and one
vectorised implementation over episode weights: `compute(columns, weights, arguments)` takes a
(resamples x episodes) weight matrix and returns one value per row. The point value is the row of ones;
a bootstrap is rows of resampling counts, so a whole bootstrap is a few matrix products rather than
thousands of refits. The two statistics lifelines fits (Kaplan-Meier median, Weibull shape) take their
point value from lifelines itself; tests/test_patterns.py checks that the vectorised twin agrees.

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
MAX_CELLS = 4_000_000  # weights held at once: resamples x episodes


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


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denominator > 0, numerator / np.where(denominator > 0, denominator, 1), np.nan)


# --- the statistics, vectorised over rows of weights --------------------------------------------------

def ending_type(arguments: EndingShareArguments) -> str:
    if arguments.end_type is not None:
        return arguments.end_type
    from .ucdp import ucdp_episode

    return str(ucdp_episode(arguments.ucdp_episode)["end_type"])


def ending_share(columns: Columns, weights: np.ndarray, arguments: EndingShareArguments) -> np.ndarray:
    ended = columns.ended & columns.mask(arguments.sample)
    return _ratio(weights @ (ended & (columns.end_type == ending_type(arguments))), weights @ ended)


def _kaplan_meier(columns: Columns, weights: np.ndarray, sample: str) -> tuple[np.ndarray, np.ndarray]:
    """(distinct durations, survival just after each) per row of weights: the Kaplan-Meier curve."""
    keep = columns.mask(sample)
    years, ended, weights = columns.years[keep], columns.ended[keep], weights[:, keep]
    order = np.argsort(years, kind="stable")
    years, ended, weights = years[order], ended[order], weights[:, order]
    times, starts = np.unique(years, return_index=True)
    if len(times) == 0:
        return times, np.ones((weights.shape[0], 0))
    leaving = np.add.reduceat(weights, starts, axis=1)
    endings = np.add.reduceat(weights * ended, starts, axis=1)
    at_risk = np.cumsum(leaving[:, ::-1], axis=1)[:, ::-1]
    factor = 1 - _ratio(endings, at_risk)
    factor[np.isnan(factor)] = 1.0  # nobody at risk: the curve stays where it was
    return times, np.cumprod(factor, axis=1)


def median_duration_years(columns: Columns, weights: np.ndarray, arguments: Arguments) -> np.ndarray:
    times, survival = _kaplan_meier(columns, weights, arguments.sample)
    below = survival <= 0.5
    first = np.argmax(below, axis=1) if len(times) else np.zeros(weights.shape[0], int)
    return np.where(below.any(axis=1), times[first] if len(times) else np.nan, np.nan)


def rank_years(arguments: DurationRankArguments) -> float:
    if arguments.years is not None:
        return float(arguments.years)
    from .ucdp import ucdp_episode

    return float(ucdp_episode(arguments.ucdp_episode)["years"])


def duration_rank(columns: Columns, weights: np.ndarray, arguments: DurationRankArguments) -> np.ndarray:
    times, survival = _kaplan_meier(columns, weights, arguments.sample)
    index = np.searchsorted(times, rank_years(arguments), side="right") - 1
    if index < 0:
        return np.zeros(weights.shape[0])
    value = 1 - survival[:, index]
    empty = (weights * columns.mask(arguments.sample)).sum(axis=1) == 0
    return np.where(empty, np.nan, value)


def hazard(columns: Columns, weights: np.ndarray, arguments: HazardArguments) -> np.ndarray:
    low, high = arguments.from_year, arguments.to_year
    keep = columns.mask(arguments.sample)
    years = columns.years
    inside = (years <= high) & ((years > low) if low > 0 else (years >= 0))
    endings = columns.ended & inside & keep
    exposure = np.clip(np.minimum(years, high) - low, 0, None) * keep
    return _ratio(weights @ endings, weights @ exposure)


def _weibull_score(shape: np.ndarray, log_t: np.ndarray, weights: np.ndarray, event_log_mean: np.ndarray) -> np.ndarray:
    """d/dp of the profile log-likelihood over the number of endings: decreasing in p, zero at the MLE."""
    powered = np.exp(shape[:, None] * log_t[None, :])
    return 1 / shape + event_log_mean - _ratio((weights * powered) @ log_t, (weights * powered).sum(axis=1))


def weibull_shape(columns: Columns, weights: np.ndarray, arguments: Arguments) -> np.ndarray:
    """Maximum-likelihood shape by bisection on the profile score (the scale drops out: λ^p = Σt^p / endings)."""
    keep = columns.mask(arguments.sample)
    years = np.maximum(columns.years[keep], ONE_DAY_YEARS)
    ended, weights = columns.ended[keep], weights[:, keep]
    order = np.argsort(years, kind="stable")
    years, ended, weights = years[order], ended[order], weights[:, order]
    times, starts = np.unique(years, return_index=True)  # fewer columns: simulated weeks repeat
    if len(times) == 0:
        return np.full(weights.shape[0], np.nan)
    grouped = np.add.reduceat(weights, starts, axis=1)
    grouped_endings = np.add.reduceat(weights * ended, starts, axis=1)
    log_t = np.log(times) - np.log(times).mean()  # the shape does not depend on the unit of time
    endings = grouped_endings.sum(axis=1)
    event_log_mean = _ratio(grouped_endings @ log_t, endings)
    low = np.full(weights.shape[0], math.log(0.01))
    high = np.full(weights.shape[0], math.log(50.0))
    for _ in range(60):
        middle = (low + high) / 2
        rising = _weibull_score(np.exp(middle), log_t, grouped, np.nan_to_num(event_log_mean)) > 0
        low, high = np.where(rising, middle, low), np.where(rising, high, middle)
    shape = np.exp((low + high) / 2)
    return np.where(endings > 0, shape, np.nan)


def victory_share(columns: Columns, weights: np.ndarray, arguments: VictoryShareArguments) -> np.ndarray:
    chosen = columns.ended & columns.mask(arguments.sample)
    if arguments.min_years is not None:
        chosen &= columns.years > arguments.min_years
    if arguments.max_years is not None:
        chosen &= columns.years <= arguments.max_years
    return _ratio(weights @ (chosen & np.isin(columns.end_type, VICTORIES)), weights @ chosen)


def victory_ratio(columns: Columns, weights: np.ndarray, arguments: Arguments) -> np.ndarray:
    keep = columns.ended & columns.mask(arguments.sample)
    return _ratio(weights @ (keep & (columns.end_type == "government_victory")),
                  weights @ (keep & (columns.end_type == "rebel_victory")))


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
    if not (columns.ended & keep).any():
        return math.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter on tiny samples; the shape is checked by tests
        fitter = WeibullFitter().fit(np.maximum(columns.years[keep], ONE_DAY_YEARS), columns.ended[keep])
    return float(fitter.rho_)


# --- the registry ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Statistic:
    """A named statistic of an episodes table, with its arguments, unit and how to compute it."""

    name: str
    arguments: type[Arguments]
    compute: Callable[[Columns, np.ndarray, Arguments], np.ndarray]
    unit: str
    label: Callable[[Arguments], str]
    reference: Callable[[pd.DataFrame, Arguments], float] | None = None  # lifelines' point value

    @property
    def bounds(self) -> tuple[float, float]:
        """The values the statistic can take: a band is clipped to them."""
        return (0.0, 1.0) if self.unit == "share" else (0.0, math.inf)

    def value(self, episodes: pd.DataFrame, arguments: Arguments) -> float:
        """The statistic of the whole table (NaN where undefined: no episodes of the kind it needs)."""
        if len(episodes) == 0:
            return math.nan
        if self.reference is not None:
            return self.reference(episodes, arguments)
        return float(self.compute(Columns.of(episodes), np.ones((1, len(episodes))), arguments)[0])

    def bootstrap(self, episodes: pd.DataFrame, arguments: Arguments, clusters: np.ndarray, resamples: int,
                  seed: int) -> np.ndarray:
        """The statistic over `resamples` bootstrap resamples of the clusters (UCDP: episodes; simulated:
        replicates, whose conflicts share a world), seeded. NaN where a resample leaves it undefined."""
        if len(episodes) == 0:
            return np.full(resamples, np.nan)
        columns = Columns.of(episodes)
        return np.concatenate([self.compute(columns, weights, arguments)
                               for weights in resample_weights(clusters, resamples, seed)])


def resample_weights(clusters: np.ndarray, resamples: int, seed: int) -> Iterator[np.ndarray]:
    """Rows of bootstrap weights per episode: each row draws the clusters with replacement (multinomial
    counts), every episode weighted by its cluster's count. In chunks of at most MAX_CELLS numbers."""
    codes, clusters = np.unique(clusters, return_inverse=True)
    generator = np.random.default_rng(seed)
    chunk = max(1, MAX_CELLS // max(len(clusters), 1))
    for begin in range(0, resamples, chunk):
        size = min(chunk, resamples - begin)
        counts = generator.multinomial(len(codes), np.full(len(codes), 1 / len(codes)), size=size)
        yield counts[:, clusters].astype(float)


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


def statistic_value(episodes: pd.DataFrame, name: str, **arguments) -> float:
    """One statistic by name, from Python: `statistic_value(episodes, "hazard", from_year=0, to_year=1)`."""
    statistic = STATISTICS[name]
    return statistic.value(episodes, statistic.arguments(**arguments))
