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

from ..drivers.kernel import run_replicates
from ..model import MODEL, compile_from, rng
from ..model.compile import CompiledScenario
from ..model.declare import Lever
from ..outputs import ResultFolder, interrupts_deferred, code_fingerprint, manifest, safe_name
from ..scenario import Scenario, scenario_hash

DEFAULT_CHUNK = 2000


def default_workers() -> int:
    """NUMBA_NUM_THREADS if set, else the cores this process may use."""
    if os.environ.get("NUMBA_NUM_THREADS"):
        return max(1, int(os.environ["NUMBA_NUM_THREADS"]))
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def lever_values(scenario: Scenario) -> dict:
    """The policy levers of a scenario (MODEL.levers), as columns of the replicate table."""
    return compile_from(scenario).lever_values()


def replicate_table(compiled: CompiledScenario, replicates: np.ndarray, seeds: np.ndarray, run_rows: np.ndarray,
                    entity_rows: np.ndarray) -> pd.DataFrame:
    """Outcomes of finished replicates as the replicate table: one row per replicate and entity of the
    table's kind (one row per replicate if the scenario has none), columns from MODEL.outcome_columns."""
    columns = MODEL.outcome_columns()
    kind = MODEL.row_kind
    ids = compiled.layout.ids.get(kind, []) if kind else []
    per_row = max(len(ids), 1)
    table = {"replicate": np.repeat(replicates, per_row), "seed": np.repeat(seeds, per_row)}
    if kind:
        table[kind[:-1]] = np.tile(np.array(ids, dtype=object), len(replicates)) if ids else None
    entity, run = 0, 0
    for column in columns:
        source = column.source
        if column.per is not None:
            if ids:
                values = entity_rows[:, :len(ids), entity].reshape(-1)
                table[column.name] = _typed(values, source, compiled)
            entity += 1
        elif not isinstance(source, Lever):
            table[column.name] = np.repeat(run_rows[:, run], per_row)
            run += 1
    levers = compiled.lever_values()
    for name, value in levers.items():
        table[name] = value
    return pd.DataFrame(table)


def _typed(values: np.ndarray, outcome, compiled: CompiledScenario) -> np.ndarray:
    """A per-entity outcome column in its declared type: ints, flags, names for codes, ids for rows."""
    if outcome.codes is not None:
        return np.array([outcome.codes[int(code)] for code in values], dtype=object)
    if outcome.ids is not None:
        ids = compiled.layout.ids[outcome.ids]
        return np.array([ids[int(row)] if row >= 0 else None for row in values], dtype=object)
    if outcome.dtype is int:
        return values.astype(np.int64)
    if outcome.dtype is bool:
        return values.astype(bool)
    return values


def iterate_chunks(compiled: CompiledScenario, replicates: int, seed: int, workers: int,
                   chunk_size: int = DEFAULT_CHUNK, series_sample: int = 0, first: int = 0,
                   stop: threading.Event | None = None) -> Iterator[tuple[pd.DataFrame, pd.DataFrame | None]]:
    """Yield (replicate table, sampled series) per chunk of replicates, in replicate order.

    Each worker thread runs its share of a chunk in one compiled call (`run_replicates`), from its own
    copy of the state; Python only splits the work and builds the chunk's table.
    """
    stop = stop or threading.Event()
    states = [compiled.fresh_state() for _ in range(workers)]
    columns = compiled.layout.series_columns

    def run_span(state, ids: np.ndarray):
        seeds = np.array([rng.replicate_seed(seed, int(i)) for i in ids], np.int64)
        keep = int(max(0, min(int(ids[-1]) + 1, series_sample) - int(ids[0])))
        run_rows, entity_rows, series = run_replicates(compiled, state, seeds, keep)
        table = replicate_table(compiled, ids, seeds, run_rows, entity_rows)
        sampled = [pd.DataFrame(series[k], columns=columns).assign(replicate=int(ids[k]))
                   for k in range(keep)]
        return table, sampled

    with ThreadPoolExecutor(max_workers=workers) as pool:
        try:
            for begin in range(first, replicates, chunk_size):
                ids = np.arange(begin, min(begin + chunk_size, replicates), dtype=np.int64)
                spans = [span for span in np.array_split(ids, min(workers, len(ids))) if len(span)]
                futures = [pool.submit(run_span, state, span) for state, span in zip(states, spans)]
                results = [future.result() for future in futures]
                if stop.is_set():
                    return
                table = pd.concat([table for table, _ in results], ignore_index=True)
                sampled = [frame[["replicate", *columns]] for _, kept in results for frame in kept]
                yield table, (pd.concat(sampled, ignore_index=True) if sampled else None)
        except BaseException:  # Ctrl-C while waiting: threads finish their current call
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


def run_monte_carlo_series(scenario: str | Path | Scenario | CompiledScenario, replicates: int,
                           seed: int | None = None, workers: int | None = None,
                           progress: Callable[[int], None] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """`run_monte_carlo` keeping every replicate's weekly series: (replicate table, series with a
    `replicate` column)."""
    compiled = compile_from(scenario)
    seed = int(compiled.params.seed if seed is None else seed)
    tables, series = [], []
    for table, sampled in iterate_chunks(compiled, replicates, seed, workers or default_workers(),
                                         series_sample=replicates):
        tables.append(table)
        series.append(sampled)
        if progress:
            progress(table["replicate"].nunique())
    return pd.concat(tables, ignore_index=True), pd.concat(series, ignore_index=True)


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
        count = table["replicate"].nunique()
        with interrupts_deferred():  # a part and the manifest's count of it go together
            if series is not None:  # series first: a replicates part marks its chunk complete
                folder.write_parquet(f"{prefix}series/part-{number:05d}.parquet", series)
            folder.write_parquet(f"{prefix}replicates/part-{number:05d}.parquet", table)
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

    from ..analysis.survival import duration_summary

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
