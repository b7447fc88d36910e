"""The common episodes table: what the pattern statistics read, from the model and from UCDP alike.

One row per conflict episode (a conflict that ends in low activity may flare up again: a new episode):

| column | type | meaning |
|---|---|---|
| `replicate` | int | Monte Carlo replicate (0 for UCDP) |
| `conflict` | str | conflict id (the scenario's conflict id; the UCDP conflict id) |
| `episode` | int | 1, 2, ... within (replicate, conflict) |
| `start_week` | int | week the episode started (weeks since the start of the run; UCDP: since 1 Jan 1946) |
| `duration_weeks` | float | weeks from start to end, or to the end of observation if censored |
| `ended` | bool | False: still active at the end of observation (right-censored) |
| `end_type` | str | one of END_TYPES; `censored` exactly when not ended |
| `war_intensity` | bool | reached >= 1,000 battle deaths in some year of the episode |
| `battle_deaths` | float | optional |

`episodes_from_monte_carlo` takes the Monte Carlo replicate table (one row per replicate and conflict,
its first episode); `as_episodes` passes a table already in this format through unchanged.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

WEEKS_PER_YEAR = 365.25 / 7  # 52.18
END_TYPES = ("government_victory", "rebel_victory", "agreement", "low_activity", "actor_ceased", "censored")
VICTORIES = ("government_victory", "rebel_victory")
COLUMNS = ("replicate", "conflict", "episode", "start_week", "duration_weeks", "ended", "end_type", "war_intensity")
OPTIONAL = ("battle_deaths",)


def check_episodes(table: pd.DataFrame) -> pd.DataFrame:
    """The table with the common columns in their types; ValueError naming what is wrong."""
    missing = [column for column in COLUMNS if column not in table.columns]
    if missing:
        raise ValueError(f"an episodes table needs the columns {', '.join(COLUMNS)}; missing {', '.join(missing)}")
    unknown = sorted(set(table["end_type"].unique()) - set(END_TYPES))
    if unknown:
        raise ValueError(f"end_type must be one of {', '.join(END_TYPES)}; got {', '.join(map(str, unknown))}")
    out = table.copy()
    out["replicate"] = out["replicate"].astype(np.int64)
    out["conflict"] = out["conflict"].astype(str)
    out["episode"] = out["episode"].astype(np.int64)
    out["start_week"] = out["start_week"].astype(np.int64)
    out["duration_weeks"] = out["duration_weeks"].astype(float)
    out["ended"] = out["ended"].astype(bool)
    out["war_intensity"] = out["war_intensity"].astype(bool)
    if ((out["end_type"] == "censored") == out["ended"]).any():
        raise ValueError("end_type must be 'censored' exactly where ended is False")
    if (out["duration_weeks"] < 0).any():
        raise ValueError("duration_weeks must not be negative")
    return out.reset_index(drop=True)


def episodes_from_monte_carlo(table: pd.DataFrame) -> pd.DataFrame:
    """The Monte Carlo replicate table (one row per replicate and conflict) as episodes.

    The model reports each conflict's first episode in full (it starts at week 0: a scenario describes a
    war under way): `duration_weeks`, `ended`, `end_type` (already in the UCDP's terms), `war_intensity`.
    A later episode (after low activity) is counted (`episodes`, `second_episode_week`) but not timed to
    its end, so it is not an episode here: the statistics describe first episodes.
    """
    return check_episodes(pd.DataFrame({
        "replicate": table["replicate"].to_numpy(), "conflict": table["conflict"].to_numpy(), "episode": 1,
        "start_week": 0, "duration_weeks": table["duration_weeks"].to_numpy(), "ended": table["ended"].to_numpy(),
        "end_type": table["end_type"].to_numpy(), "war_intensity": table["war_intensity"].to_numpy(),
        "battle_deaths": table["battle_deaths"].to_numpy(),
    }))


def winner_sides(scenario) -> dict[str, str]:
    """Belligerent id -> its side ("government" or "rebel"), from a validated scenario."""
    return {belligerent.id: belligerent.side for conflict in scenario.conflicts
            for belligerent in conflict.belligerents}


def as_episodes(table: pd.DataFrame, scenario=None) -> pd.DataFrame:
    """A table in the common format as it is (checked), else a Monte Carlo replicate table's first episodes."""
    if set(COLUMNS) <= set(table.columns):
        return check_episodes(table)
    return episodes_from_monte_carlo(table)
