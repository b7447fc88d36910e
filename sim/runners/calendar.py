"""A run's weeks on the calendar: dates on the weekly series, and monthly and annual totals of its flows.

With `start_date`, week w is the seven days from `start_date + 7 (w - 1)` (sim/scenario/events.py);
its `date` is that first day. A month's or a year's total of a flow is the sum over the days of the
run that fall in it of one seventh of the flow of the day's week: a week that straddles two months is
shared between them by its days, so months of 28 to 31 days get their share and no total jumps
because a month happens to hold four or five week starts. `days` says how many days of the run a
period holds (the first and last periods of a run are usually partial). Each period also carries the
West African flow as UNODC would have estimated it from that period's seizures (sim/model/observation.py).
"""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd

from ..model import MODEL
from ..model.observation import ESTIMATES
from ..scenario.events import week_start

PERIODS = {"monthly": "M", "annual": "Y"}


def flow_columns(series: pd.DataFrame) -> list[str]:
    """The series' columns that add up over time: the flows, and the per-entity series declared additive
    (`amsterdam.seized_kg`)."""
    additive = MODEL.additive_series()
    return [flow.name for flow in MODEL.flows if flow.series and flow.name in series] + \
        [column for column in series.columns if column.rpartition(".")[2] in additive and "." in column]


def with_dates(series: pd.DataFrame, start_date: datetime.date) -> pd.DataFrame:
    """The weekly series (indexed by week) with a `date` column first: the first day of each week."""
    dates = [week_start(start_date, int(week)) for week in series.index]
    return series.assign(date=dates)[["date", *series.columns]]


def calendar_totals(series: pd.DataFrame, start_date: datetime.date, period: str) -> pd.DataFrame:
    """Monthly or annual (`period`: "monthly" or "annual") totals of the flows of a weekly series indexed
    by week: one row per period, `period` its first day, `days` the days of the run in it."""
    flows = flow_columns(series)
    weeks = series.index.to_numpy(dtype=np.int64)
    first = np.datetime64(start_date, "D")
    days = first + (7 * (weeks[:, None] - 1) + np.arange(7)[None, :]).ravel()  # every day of every week
    per_day = np.repeat(series[flows].to_numpy(dtype=float) / 7.0, 7, axis=0)
    table = pd.DataFrame(per_day, columns=flows)
    table.insert(0, "period", pd.DatetimeIndex(days).to_period(PERIODS[period]).start_time.date)
    grouped = table.groupby("period", sort=True)
    totals = grouped[flows].sum()
    totals.insert(0, "days", grouped.size())
    for name, estimate in ESTIMATES.items():  # what the period's seizures would have led UNODC to estimate
        totals[name] = estimate(totals)
    return totals.reset_index()


def annual_by_replicate(series: pd.DataFrame, start_date: datetime.date) -> pd.DataFrame:
    """The annual table of many replicates (sim/patterns/annual.py): from weekly series with `replicate`
    and `week` columns, one row per replicate and calendar year (`month` 0), then one per replicate and
    calendar month (`month` 1-12); `replicate`, `year`, `month` and `days` first."""
    tables = []
    for replicate, weekly in series.groupby("replicate", sort=True):
        weekly = weekly.drop(columns="replicate").set_index("week")
        for period in ("annual", "monthly"):
            totals = calendar_totals(weekly, start_date, period)
            starts = totals.pop("period")
            totals.insert(0, "month", [day.month if period == "monthly" else 0 for day in starts])
            totals.insert(0, "year", [day.year for day in starts])
            totals.insert(0, "replicate", int(replicate))
            tables.append(totals)
    return pd.concat(tables, ignore_index=True)
