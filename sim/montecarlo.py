"""Many replicates with the compiled kernel, in parallel, streamed to Parquet in chunks.

Replicate i runs with seed `rng.replicate_seed(seed, i)` from a fresh copy of
the compiled state, so its outcome depends on nothing but (scenario, seed, i):
not on the number of workers nor on which thread ran it. Workers are threads;
the compiled week releases the GIL (`nogil`), so threads run on all cores
without copying the scenario into other processes.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

from . import rng
from .kernel import run_weeks
from .model import compile_from
from .outputs import ResultFolder, code_fingerprint, manifest, safe_name
from .scenario import Scenario, scenario_hash
from .state import CompiledScenario, State
from .summary import conflict_outcomes, flow_totals

DEFAULT_CHUNK = 2000


def default_workers() -> int:
    """NUMBA_NUM_THREADS if set, else the cores this process may use."""
    if os.environ.get("NUMBA_NUM_THREADS"):
        return max(1, int(os.environ["NUMBA_NUM_THREADS"]))
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def lever_values(scenario: Scenario) -> dict:
    """The policy levers of a scenario, as columns of the replicate table."""
    levers = scenario.levers
    return {
        "criminal_funding": levers.criminal_funding,
        "database_access_host": levers.database_access.host,
        "database_access_un": levers.database_access.un,
        "un_police_officers": scenario.police.un.officers,
        "host_capacity_growth_per_year": levers.host_capacity_growth_per_year,
        "corruption_scale": levers.corruption_scale,
        "border_capacity_scale": levers.border_capacity_scale,
    }


def replicate_rows(compiled: CompiledScenario, state: State, replicate: int, seed: int) -> list[dict]:
    """Outcomes of one finished replicate: one row per conflict (one row if there is none)."""
    flows = flow_totals(state)
    outcomes = conflict_outcomes(compiled, state) or [{"conflict": None}]
    return [{"replicate": replicate, "seed": seed, **outcome, **flows} for outcome in outcomes]


class _Worker:
    """One thread's private copy of the state, reset before each replicate."""

    def __init__(self, compiled: CompiledScenario, series_sample: int):
        self.compiled = compiled
        self.state = compiled.fresh_state()
        self.series = np.zeros((int(compiled.params.horizon_weeks), len(compiled.layout.series_columns)))
        self.series_sample = series_sample

    def run(self, replicate: int, base_seed: int) -> tuple[list[dict], pd.DataFrame | None]:
        seed = int(rng.replicate_seed(base_seed, replicate))
        for name in State._fields:
            np.copyto(getattr(self.state, name), getattr(self.compiled.initial, name))
        run_weeks(self.state, self.compiled.with_seed(seed), self.series)
        rows = replicate_rows(self.compiled, self.state, replicate, seed)
        series = None
        if replicate < self.series_sample:
            series = pd.DataFrame(self.series, columns=self.compiled.layout.series_columns)
            series.insert(0, "replicate", replicate)
        return rows, series


def iterate_chunks(compiled: CompiledScenario, replicates: int, seed: int, workers: int,
                   chunk_size: int = DEFAULT_CHUNK, series_sample: int = 0, first: int = 0,
                   stop: threading.Event | None = None) -> Iterator[tuple[pd.DataFrame, pd.DataFrame | None]]:
    """Yield (replicate table, sampled series) per chunk of replicates, in replicate order."""
    stop = stop or threading.Event()
    pool_workers = [_Worker(compiled, series_sample) for _ in range(workers)]
    levers = lever_values(compiled.scenario)

    def run_span(worker: _Worker, ids: range):
        out_rows, out_series = [], []
        for replicate in ids:
            if stop.is_set():
                return None
            rows, series = worker.run(replicate, seed)
            out_rows.extend(rows)
            if series is not None:
                out_series.append(series)
        return out_rows, out_series

    with ThreadPoolExecutor(max_workers=workers) as pool:
        try:
            for begin in range(first, replicates, chunk_size):
                ids = np.arange(begin, min(begin + chunk_size, replicates))
                futures = [pool.submit(run_span, worker, range(int(span[0]), int(span[-1]) + 1))
                           for worker, span in zip(pool_workers, np.array_split(ids, workers)) if len(span)]
                results = [future.result() for future in futures]
                if stop.is_set() or any(result is None for result in results):
                    return
                table = pd.DataFrame([row for rows, _ in results for row in rows])
                for name, value in levers.items():
                    table[name] = value
                sampled = [series for _, kept in results for series in kept]
                yield table, (pd.concat(sampled, ignore_index=True) if sampled else None)
        except BaseException:  # Ctrl-C while waiting: threads stop after their current replicate
            stop.set()
            raise


def run_monte_carlo(scenario: str | Path | Scenario | CompiledScenario, replicates: int, seed: int | None = None,
                    workers: int | None = None, chunk_size: int = DEFAULT_CHUNK,
                    progress: Callable[[int], None] | None = None) -> pd.DataFrame:
    """Run `replicates` replicates with the kernel; one row per replicate and conflict."""
    compiled = compile_from(scenario)
    seed = int(compiled.params.seed if seed is None else seed)
    tables = []
    for table, _ in iterate_chunks(compiled, replicates, seed, workers or default_workers(), chunk_size):
        tables.append(table)
        if progress:
            progress(table["replicate"].nunique())
    return pd.concat(tables, ignore_index=True) if tables else pd.DataFrame()


def finished_chunks(folder: Path) -> int:
    """How many chunks a previous run wrote: part-00000 ... part-(n-1), no gaps (each written whole)."""
    count = 0
    while (folder / f"part-{count:05d}.parquet").is_file():
        count += 1
    return count


MC_PATTERNS = ("replicates/part-*.parquet", "series/part-*.parquet")


def write_monte_carlo(compiled: CompiledScenario, replicates: int, seed: int, workers: int, folder: ResultFolder,
                      prefix: str = "", chunk_size: int = DEFAULT_CHUNK, series_sample: int = 0,
                      on_chunk: Callable[[int], None] | None = None) -> int:
    """Stream replicates to `<prefix>replicates/part-NNNNN.parquet` in a claimed folder; returns how many.

    Memory holds one chunk at a time, whatever the replicate count. Chunks a previous run of the same
    command finished are skipped (each chunk is written whole, so one that exists is complete), so the
    table after any interruption and resume equals that of an uninterrupted run. KeyboardInterrupt (Ctrl-C,
    SIGTERM) passes through after the chunks written so far are recorded.
    """
    skipped = finished_chunks(folder.path / prefix / "replicates")
    done = min(skipped * chunk_size, replicates)
    if on_chunk and done:
        on_chunk(done)
    chunks = iterate_chunks(compiled, replicates, seed, workers, chunk_size, series_sample, first=done)
    for number, (table, series) in enumerate(chunks, start=skipped):
        if series is not None:  # series first: a replicates part marks its chunk complete
            folder.write_parquet(f"{prefix}series/part-{number:05d}.parquet", series)
        folder.write_parquet(f"{prefix}replicates/part-{number:05d}.parquet", table)
        count = table["replicate"].nunique()
        done += count
        folder.update(completed_replicates=done)
        if on_chunk:
            on_chunk(count)
    return done


def monte_carlo_identity(scenario: Scenario, replicates: int, seed: int, chunk_size: int, series_sample: int) -> dict:
    """What makes two Monte Carlo runs the same run (workers do not: results do not depend on them)."""
    return {"scenario_hash": scenario_hash(scenario), "seed": int(seed), "replicates": int(replicates),
            "chunk_size": int(chunk_size), "series_sample": int(series_sample), "code": code_fingerprint()}


def default_folder(scenario: Scenario, replicates: int, seed: int) -> Path:
    return Path("results") / "mc" / f"{safe_name(scenario.name)}-seed{seed}-n{replicates}"


def run_monte_carlo_folder(scenario: Scenario, replicates: int, seed: int, workers: int, out: Path,
                           chunk_size: int = DEFAULT_CHUNK, series_sample: int = 0, overwrite: bool = False,
                           progress: Callable[[int], None] | None = None, scenario_file: str = "") -> dict:
    """Run (or resume) a Monte Carlo run into `out`: replicate chunks, summary.json, manifest.json.

    Returns the summary. The folder is claimed before anything runs; after Ctrl-C or SIGTERM the
    finished chunks stay and the manifest says so, and the same call resumes after them.
    """
    import time

    from .survival import duration_summary

    identity = monte_carlo_identity(scenario, replicates, seed, chunk_size, series_sample)
    with ResultFolder(out, "mc", identity, patterns=MC_PATTERNS, overwrite=overwrite) as folder:
        folder.update(**manifest(scenario, seed, scenario_file=scenario_file, replicates=replicates,
                                 workers=workers, chunk_size=chunk_size))
        if folder.complete:
            if progress:
                progress(replicates)
            return json.loads((folder.path / "summary.json").read_text())
        compiled = compile_from(scenario)
        folder.write_json("scenario.json", scenario.model_dump(mode="json", by_alias=True))
        started = time.perf_counter()
        done = write_monte_carlo(compiled, replicates, seed, workers, folder, "", chunk_size, series_sample,
                                 progress)
        wall = time.perf_counter() - started
        conflicts = []
        if compiled.layout.conflict_ids:
            conflicts = duration_summary(pd.read_parquet(folder.path / "replicates",
                                                         columns=["conflict", "duration_weeks", "ended", "end_type"]))
        summary = {"replicates": done, "conflicts": conflicts, "wall_seconds": round(wall, 3)}
        folder.write_json("summary.json", summary)
        folder.finish(completed_replicates=done, wall_seconds=round(wall, 3))
        return summary
