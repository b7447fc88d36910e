"""One replicate, with either driver, as DataFrames: the Python API behind `threatnet run`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..drivers.kernel import run_kernel
from ..model.compile import CompiledScenario, compile_from
from ..outputs import ResultFolder, code_fingerprint, manifest, safe_name
from ..scenario import Scenario, scenario_hash
from .calendar import calendar_totals, with_dates
from .summary import edge_totals, people_tables, run_summary

DRIVERS = ("mesa", "kernel")


@dataclass
class RunResult:
    series: pd.DataFrame  # one row per week
    agents: pd.DataFrame | None  # one row per agent and week (Mesa driver only)
    summary: dict
    edges: pd.DataFrame  # one row per leg: kg moved and seized over the run
    compiled: CompiledScenario
    seed: int
    # with the scenario's start_date: "monthly" and "annual" totals of the flows (sim/runners/calendar.py)
    calendar: dict[str, pd.DataFrame] = field(default_factory=dict)
    # where organisations have people: one row per member (status at the snapshot weeks), one per tie
    people: pd.DataFrame | None = None
    ties: pd.DataFrame | None = None


def run_replicate(scenario: str | Path | Scenario | CompiledScenario, seed: int | None = None,
                  driver: str = "mesa") -> RunResult:
    """Run one replicate to the horizon with the Mesa model or the compiled kernel."""
    compiled = compile_from(scenario)
    seed = int(compiled.params.seed if seed is None else seed)
    if driver == "mesa":
        from ..drivers.mesa import ThreatNetworkModel  # Mesa loads only for the Mesa driver

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
    calendar = {}
    start_date = compiled.scenario.start_date
    if start_date is not None:  # dates on the series, and the flows by month and by year
        calendar = {period: calendar_totals(series, start_date, period) for period in ("monthly", "annual")}
        series = with_dates(series, start_date)
    members, ties = people_tables(compiled, state)
    return RunResult(series=series, agents=agents, summary=run_summary(compiled, state, seed),
                     edges=pd.DataFrame(edge_totals(compiled, state)),
                     compiled=compiled, seed=seed, calendar=calendar,
                     people=pd.DataFrame(members) if members else None, ties=pd.DataFrame(ties) if members else None)


def run_identity(scenario: Scenario, seed: int, driver: str) -> dict:
    return {"scenario_hash": scenario_hash(scenario), "seed": int(seed), "driver": driver, "code": code_fingerprint()}


def default_folder(scenario: Scenario, seed: int) -> Path:
    return Path("results") / "runs" / f"{safe_name(scenario.name)}-seed{seed}"


def run_to_folder(scenario: Scenario, seed: int, driver: str, out: str | Path, overwrite: bool = False,
                  scenario_file: str = "") -> RunResult:
    """Run one replicate and write its folder: series, agents (Mesa), edges, summary, scenario, manifest;
    with a start_date, monthly.parquet and annual.parquet (flow totals by calendar period); where
    organisations have people, people.parquet and ties.parquet.

    The folder is claimed before the run starts, so a folder that cannot be written (or is in use,
    or holds other files) is refused before any simulating. The scenario is compiled before the claim:
    an event the model cannot take is refused before anything is written.
    """
    if driver not in DRIVERS:
        raise ValueError(f"driver must be one of {DRIVERS}, not {driver!r}")
    compiled = compile_from(scenario)
    with ResultFolder(out, "run", run_identity(scenario, seed, driver), overwrite=overwrite) as folder:
        folder.update(**manifest(scenario, seed, driver=driver, scenario_file=scenario_file))
        result = run_replicate(compiled, seed, driver)
        folder.write_parquet("series.parquet", result.series.reset_index())
        for period, totals in result.calendar.items():
            folder.write_parquet(f"{period}.parquet", totals)
        if result.agents is not None:
            folder.write_parquet("agents.parquet", result.agents)
        folder.write_parquet("edges.parquet", result.edges)
        if result.people is not None:  # the organisations' members and ties, for the network view
            folder.write_parquet("people.parquet", result.people)
            folder.write_parquet("ties.parquet", result.ties)
        folder.write_json("summary.json", result.summary)
        folder.write_json("scenario.json", scenario.model_dump(mode="json", by_alias=True))
        folder.finish()
    return result


def run_model(scenario: str | Path | Scenario, seed: int | None = None, driver: str = "mesa") -> pd.DataFrame:
    """Per-step series of one replicate (index: week); the summary is in `.attrs["summary"]`."""
    result = run_replicate(scenario, seed, driver)
    result.series.attrs["summary"] = result.summary
    return result.series
