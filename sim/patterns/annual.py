"""Statistics of calendar years and months: the trafficking patterns, read from the annual table.

The annual table has one row per replicate and calendar year (`month` 0), then one per replicate and
calendar month (`month` 1-12): `replicate`, `year`, `month`, `days` (days of the run in that period) and
the period's total of every flow of the weekly series and of the per-node series that add up
(`amsterdam.courier_seized_kg`; sim/runners/calendar.py), plus the flow through West Africa as UNODC
would have estimated it from that period's seizures (`west_africa_flow_estimated_kg`,
sim/model/observation.py). A scenario needs a `start_date` to have one.

Each statistic is a ratio of sums over replicates (a mean of the replicates' totals, or a ratio of
those means), so one value per row of bootstrap weights, with replicates as the resampled clusters:

* `annual_total`: the mean over replicates of an outcome's total in `year` (in tonnes with `tonnes: true`).
* `annual_change`: the relative change of an outcome's mean total from `from_year` to `to_year`
  (-0.5: it halved).
* `annual_ratio`: the sum of `numerator` over the years `from_year`..`to_year` over the sum of
  `denominator` (a share of Europe's seizures, a fee per kg).
* `monthly_change`: the relative change of the mean monthly total of `outcomes` (summed) from
  `from_month` to `to_month` (YYYY-MM).
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
        """The columns, with the year of the monthly rows (`month` > 0) hidden as -1: the statistics of
        years read only the years' rows."""
        year = table["year"].to_numpy(np.int64)
        if "month" in table:
            year = np.where(table["month"].to_numpy(np.int64) == 0, year, -1)
        return cls(table["replicate"].to_numpy(), year, table)

    @classmethod
    def months(cls, table: pd.DataFrame) -> AnnualColumns:
        """The columns with `year` holding year x 100 + month on the monthly rows and -1 on the years'."""
        month = table["month"].to_numpy(np.int64)
        return cls(table["replicate"].to_numpy(),
                   np.where(month > 0, table["year"].to_numpy(np.int64) * 100 + month, -1), table)

    def values(self, outcome: str) -> np.ndarray:
        return self.table[outcome].to_numpy(float)


MONTH = Field(pattern=r"^(19|20|21)[0-9]{2}-(0[1-9]|1[0-2])$", description="a calendar month, YYYY-MM")


class MonthlyChangeArguments(AnnualArguments):
    outcomes: list[str] = Field(min_length=1, description="columns of the monthly table, summed: flows, or "
                                                          "per-node series such as amsterdam.courier_seized_kg")
    from_month: str = MONTH
    to_month: str = MONTH

    def years(self) -> list[int]:
        return [int(self.from_month[:4]), int(self.to_month[:4])]

    def keys(self) -> tuple[int, int]:
        """The two months as year x 100 + month."""
        return tuple(int(month.replace("-", "")) for month in (self.from_month, self.to_month))


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


def monthly_change(columns: AnnualColumns, weights: Weights, arguments: MonthlyChangeArguments) -> np.ndarray:
    """The relative change, from `from_month` to `to_month`, of the mean over replicates of the month's
    total of `outcomes` (summed): -0.84 is S206's fall of Schiphol's seizures from January to May 2004."""
    total = sum(columns.values(outcome) for outcome in arguments.outcomes)
    before, after = (_ratio(weights.dot(total * (columns.year == key)), weights.dot(columns.year == key))
                     for key in arguments.keys())
    return _ratio(after, before) - 1.0


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
    Statistic("monthly_change", MonthlyChangeArguments, monthly_change, "relative change",
              lambda a: f"change of {' + '.join(a.outcomes)} from {a.from_month} to {a.to_month}",
              table="annual", columns=AnnualColumns.months, lowest=-1.0),
    Statistic("peak_year", PeakArguments, peak_year, "year",
              lambda a: f"year of the highest {a.outcome} in {a.from_year}-{a.to_year}",
              table="annual", columns=AnnualColumns.of),
)
