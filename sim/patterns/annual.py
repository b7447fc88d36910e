"""Statistics of calendar years: the trafficking patterns, read from the annual table.

The annual table has one row per replicate and calendar year: `replicate`, `year`, `days` (days of the
run in that year) and the year's total of every flow of the weekly series (sim/runners/calendar.py),
plus the flow through West Africa as UNODC would have estimated it from that year's seizures
(`west_africa_flow_estimated_kg`, sim/model/observation.py). A scenario needs a `start_date` to have one.

Each statistic is a ratio of sums over replicates (a mean of the replicates' totals, or a ratio of
those means), so one value per row of bootstrap weights, with replicates as the resampled clusters:

* `annual_total`: the mean over replicates of an outcome's total in `year` (in tonnes with `tonnes: true`).
* `annual_change`: the relative change of an outcome's mean total from `from_year` to `to_year`
  (-0.5: it halved).
* `annual_ratio`: the sum of `numerator` over the years `from_year`..`to_year` over the sum of
  `denominator` (a share of Europe's seizures, a fee per kg).
* `peak_year`: the mean over replicates of the year in `from_year`..`to_year` in which an outcome's
  total was highest.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from .statistics import Statistic, Weights, _ratio

YEAR = Field(ge=1900, le=2200, description="a calendar year")


class AnnualArguments(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    def years(self) -> list[int]:
        """The calendar years it reads."""
        return [getattr(self, name) for name in ("year", "from_year", "to_year") if hasattr(self, name)]


class TotalArguments(AnnualArguments):
    outcome: str = Field(min_length=1, description="a flow of the weekly series, or west_africa_flow_estimated_kg")
    year: int = YEAR
    tonnes: bool = Field(default=False, description="kg reported in tonnes")


class _Span(AnnualArguments):
    from_year: int = YEAR
    to_year: int = YEAR

    @model_validator(mode="after")
    def _ordered(self):
        if self.to_year < self.from_year:
            raise ValueError(f"to_year must not be before from_year; got {self.from_year} to {self.to_year}")
        return self


class ChangeArguments(_Span):
    outcome: str = Field(min_length=1, description="a flow of the weekly series, or west_africa_flow_estimated_kg")


class RatioArguments(_Span):
    numerator: str = Field(min_length=1, description="a flow of the weekly series")
    denominator: str = Field(min_length=1, description="a flow of the weekly series")


class PeakArguments(_Span):
    outcome: str = Field(min_length=1, description="a flow of the weekly series, or west_africa_flow_estimated_kg")


@dataclass(frozen=True)
class AnnualColumns:
    """The arrays of an annual table that statistics read."""

    replicate: np.ndarray
    year: np.ndarray
    table: pd.DataFrame

    @classmethod
    def of(cls, table: pd.DataFrame) -> AnnualColumns:
        return cls(table["replicate"].to_numpy(), table["year"].to_numpy(np.int64), table)

    def values(self, outcome: str) -> np.ndarray:
        return self.table[outcome].to_numpy(float)


def annual_outcomes() -> list[str]:
    """The columns of the annual table a pattern may name: every flow of the weekly series, and the
    estimates of the observation model."""
    from ..model import MODEL
    from ..model.observation import ESTIMATES

    return [flow.name for flow in MODEL.flows if flow.series] + list(ESTIMATES)


def _mean_in(columns: AnnualColumns, weights: Weights, outcome: str, year: int) -> np.ndarray:
    """Per row of weights: the mean over replicates of the outcome's total in `year`."""
    chosen = columns.year == year
    return _ratio(weights.dot(columns.values(outcome) * chosen), weights.dot(chosen))


def annual_total(columns: AnnualColumns, weights: Weights, arguments: TotalArguments) -> np.ndarray:
    value = _mean_in(columns, weights, arguments.outcome, arguments.year)
    return value / 1000.0 if arguments.tonnes else value


def annual_change(columns: AnnualColumns, weights: Weights, arguments: ChangeArguments) -> np.ndarray:
    before = _mean_in(columns, weights, arguments.outcome, arguments.from_year)
    return _ratio(_mean_in(columns, weights, arguments.outcome, arguments.to_year), before) - 1.0


def annual_ratio(columns: AnnualColumns, weights: Weights, arguments: RatioArguments) -> np.ndarray:
    chosen = (columns.year >= arguments.from_year) & (columns.year <= arguments.to_year)
    return _ratio(weights.dot(columns.values(arguments.numerator) * chosen),
                  weights.dot(columns.values(arguments.denominator) * chosen))


def peak_year(columns: AnnualColumns, weights: Weights, arguments: PeakArguments) -> np.ndarray:
    chosen = (columns.year >= arguments.from_year) & (columns.year <= arguments.to_year)
    span = pd.DataFrame({"replicate": columns.replicate[chosen], "year": columns.year[chosen],
                         "value": columns.values(arguments.outcome)[chosen]})
    if span.empty:
        return np.full(weights.rows, np.nan)
    peaks = span.loc[span.groupby("replicate")["value"].idxmax()].set_index("replicate")["year"]
    first = chosen & (columns.year == arguments.from_year)  # one row per replicate carries its peak year
    per_row = np.where(first, pd.Series(columns.replicate).map(peaks).to_numpy(float), 0.0)
    return _ratio(weights.dot(np.nan_to_num(per_row)), weights.dot(first))


ANNUAL_STATISTICS = (
    Statistic("annual_total", TotalArguments, annual_total, "per year",
              lambda a: f"{a.outcome} in {a.year} ({'t' if a.tonnes else 'declared unit'})",
              table="annual", columns=AnnualColumns.of),
    Statistic("annual_change", ChangeArguments, annual_change, "relative change",
              lambda a: f"change of {a.outcome} from {a.from_year} to {a.to_year}",
              table="annual", columns=AnnualColumns.of, lowest=-1.0),
    Statistic("annual_ratio", RatioArguments, annual_ratio, "ratio",
              lambda a: f"{a.numerator} / {a.denominator} in {a.from_year}"
                        + (f"-{a.to_year}" if a.to_year != a.from_year else ""),
              table="annual", columns=AnnualColumns.of),
    Statistic("peak_year", PeakArguments, peak_year, "year",
              lambda a: f"year of the highest {a.outcome} in {a.from_year}-{a.to_year}",
              table="annual", columns=AnnualColumns.of),
)
