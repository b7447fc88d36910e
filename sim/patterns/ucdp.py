"""UCDP Conflict Termination v3-2021 (Kreutz 2010) as intrastate episodes in the common format.

The shipped file (`data/ucdp/`, see its README for citation, licence and codebook) has one row per
conflict-year. Here (checked against the codebook and FACTS-2 §1.5, which used the same working):

* an episode is one `conflictep_id`; intrastate means `type_of_conflict2` = 3, which covers
  `type_of_conflict` 3 (intrastate) and 4 (internationalised intrastate): 479 episodes, 1946-2020;
* it starts at `start_date2` of its first year (the date it first reached 25 battle deaths) and ends at
  `ependdate` of the year with `confterm` = 1; an episode with no such year was active at the end of
  2020 and is censored at 31 Dec of its last year (2020);
* its ending is `outcome` of the ending year: 1 peace agreement and 2 ceasefire are `agreement`,
  3 victory for side A (the government) `government_victory`, 4 victory for side B `rebel_victory`,
  5 low activity `low_activity`, 6 actor ceases to exist `actor_ceased` (its own category: it is neither
  a decision nor a deal, and merging it into low activity would move FACTS-2's shares);
* it reached war intensity when `intensity_level` = 2 (>= 1,000 battle deaths) in some year of it.

Durations are exact days / 7 (weeks), so years = weeks / WEEKS_PER_YEAR (365.25 / 7).
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from ..shipped import data_folder
from .episodes import WEEKS_PER_YEAR, check_episodes

FILE = "ucdp-term-acd-3-2021.csv"
INTRASTATE = 3  # type_of_conflict2
OUTCOMES = {1: "agreement", 2: "agreement", 3: "government_victory", 4: "rebel_victory", 5: "low_activity",
            6: "actor_ceased"}
OUTCOME_NAMES = {1: "peace agreement", 2: "ceasefire", 3: "government victory", 4: "rebel victory",
                 5: "low activity", 6: "actor ceases to exist"}
ORIGIN = pd.Timestamp("1946-01-01")  # start_week counts weeks from here
CITATION = ("UCDP Conflict Termination dataset v3-2021 (Kreutz 2010, JPR 47(2):243-250), CC BY 4.0; "
            "intrastate episodes 1946-2020")


def ucdp_file():
    """Path of the shipped CSV."""
    return data_folder("ucdp") / FILE


@functools.lru_cache(maxsize=1)
def _episodes() -> pd.DataFrame:
    rows = pd.read_csv(ucdp_file(), index_col=0)
    rows = rows[rows["type_of_conflict2"] == INTRASTATE].sort_values(["conflictep_id", "year"])
    rows = rows.assign(start=pd.to_datetime(rows["start_date2"], format="%d/%m/%Y"),
                       end=pd.to_datetime(rows["ependdate"], format="%d/%m/%Y"))
    by = rows.groupby("conflictep_id", sort=True)
    ending = rows[rows["confterm"] == 1].set_index("conflictep_id")
    episodes = pd.DataFrame({
        "conflict": by["conflict_id"].first().astype(str),
        "location": by["location"].first(),
        "side_b": by["side_b"].last(),
        "region": by["region"].first().astype(str),
        "first_year": by["year"].min(),
        "last_year": by["year"].max(),
        "start_date": by["start"].first(),
        "war_intensity": by["intensity_level"].max() == 2,
    })
    episodes["ended"] = episodes.index.isin(ending.index)
    episodes["end_date"] = ending["end"].reindex(episodes.index)
    episodes["outcome"] = ending["outcome"].reindex(episodes.index).astype("Int64")
    censored_at = pd.to_datetime(episodes["last_year"].astype(str) + "-12-31")
    observed_end = episodes["end_date"].where(episodes["ended"], censored_at)
    episodes["duration_weeks"] = (observed_end - episodes["start_date"]).dt.days / 7
    episodes["years"] = episodes["duration_weeks"] / WEEKS_PER_YEAR
    episodes["end_type"] = episodes["outcome"].map(OUTCOMES).astype(object).where(episodes["ended"], "censored")
    episodes["start_week"] = ((episodes["start_date"] - ORIGIN).dt.days // 7).astype(np.int64)
    episodes["episode"] = episodes.groupby("conflict").cumcount() + 1
    episodes["replicate"] = 0
    episodes.index.name = "conflictep_id"
    return episodes.reset_index()


def ucdp_episodes() -> pd.DataFrame:
    """The 479 intrastate episodes 1946-2020: the common columns (`replicate` 0, `conflict` the UCDP
    conflict id) plus `conflictep_id`, `location`, `side_b`, `region`, dates, `years` and `outcome` (the
    UCDP code). A copy: callers may change it."""
    episodes = _episodes()
    common = check_episodes(episodes)
    return common.copy()


def ucdp_episode(conflictep_id: int) -> pd.Series:
    """One episode's row (KeyError if there is no intrastate episode of that id)."""
    episodes = _episodes()
    found = episodes[episodes["conflictep_id"] == int(conflictep_id)]
    if found.empty:
        raise KeyError(conflictep_id)
    return found.iloc[0]


def describe_episode(conflictep_id: int) -> str:
    """'Sierra Leone (RUF) 1991-04-01 -> 2001-12-20, 10.7 yr, peace agreement'."""
    row = ucdp_episode(conflictep_id)
    end = row["end_date"].date().isoformat() if row["ended"] else f"ongoing end {row['last_year']}"
    outcome = OUTCOME_NAMES[int(row["outcome"])] if row["ended"] else "censored"
    return (f"{row['location']} ({row['side_b']}) {row['start_date'].date().isoformat()} -> {end}, "
            f"{row['years']:.1f} yr, {outcome}")
