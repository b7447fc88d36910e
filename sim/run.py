"""One replicate, with either driver, as DataFrames: the Python API behind `threatnet run`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .kernel import run_kernel
from .model import ThreatNetworkModel, compile_from
from .scenario import Scenario
from .state import CompiledScenario
from .summary import edge_totals, run_summary

DRIVERS = ("mesa", "kernel")


@dataclass
class RunResult:
    series: pd.DataFrame  # one row per week
    agents: pd.DataFrame | None  # one row per agent and week (Mesa driver only)
    summary: dict
    edges: pd.DataFrame  # one row per leg: kg moved and seized over the run
    compiled: CompiledScenario
    seed: int


def run_replicate(scenario: str | Path | Scenario | CompiledScenario, seed: int | None = None,
                  driver: str = "mesa") -> RunResult:
    """Run one replicate to the horizon with the Mesa model or the compiled kernel."""
    compiled = compile_from(scenario)
    seed = int(compiled.params.seed if seed is None else seed)
    if driver == "mesa":
        model = ThreatNetworkModel(compiled, rng=seed)
        model.run_model()
        series = model.series()
        agents = model.datacollector.get_agent_vars_dataframe().reset_index()
        state = model.state
    elif driver == "kernel":
        state, array = run_kernel(compiled, seed)
        series = pd.DataFrame(array, columns=compiled.layout.series_columns).set_index("week")
        agents = None
    else:
        raise ValueError(f"driver must be one of {DRIVERS}, not {driver!r}")
    series.index = series.index.astype(int)
    return RunResult(series=series, agents=agents, summary=run_summary(compiled, state, seed),
                     edges=pd.DataFrame(edge_totals(compiled, state)),
                     compiled=compiled, seed=seed)


def run_model(scenario: str | Path | Scenario, seed: int | None = None, driver: str = "mesa") -> pd.DataFrame:
    """Per-step series of one replicate (index: week); the summary is in `.attrs["summary"]`."""
    result = run_replicate(scenario, seed, driver)
    result.series.attrs["summary"] = result.summary
    return result.series
