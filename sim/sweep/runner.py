"""Running a sweep on Dask: one task per point, each point's table written once, resumable.

Where it runs. Without a scheduler address the sweep starts a `LocalCluster` on this machine
(worker processes with one thread each, at most one per core); with `scheduler="tcp://HOST:PORT"`
it runs on an existing Dask cluster (dask-jobqueue on SLURM/PBS, Kubernetes, or `dask scheduler` +
`dask worker` by hand). Dask schedules, retries and moves tasks; nothing here is a scheduler.

A task is one point: it applies the point's key-path overrides to the base scenario, compiles it
and runs the point's replicates with the Monte Carlo kernel on ONE thread (`iterate_chunks(...,
workers=1)`), so the threads busy on a machine are exactly the Dask worker threads there. Numba
compiles each function once per machine (`cache=True`, under NUMBA_CACHE_DIR) and loads it once
per worker process.

Seeds: common random numbers. Replicate i of every point runs with `replicate_seed(seed, i)`: the
kernel draws by (seed, week, entity, purpose), so two points differ only by their parameters, not
by their luck. That is what sensitivity analysis needs: Sobol and Morris estimators take
differences between points, and shared draws remove the replicate noise from those differences.
A point's table therefore depends on the sweep file and seed alone: not on the number of workers,
on which worker ran it, or on the order in which tasks finish.

Exactly once. Workers return tables to this client, which is the only writer: each point's table
goes to `replicates/point=NNNNN.parquet` through a hidden partial file, fsync and rename, so a file
that exists is whole. Running the same command again after a crash (client, worker or machine)
skips the points whose files exist and submits the rest; a task run twice (a retry, or a lost
worker's task run elsewhere) writes the same bytes to the same name. Returning tables to the
client also means workers need no shared file system (Kubernetes pods rarely have one).
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from ..model import END_TYPES, compile_from
from ..runners.montecarlo import DEFAULT_CHUNK, default_workers, iterate_chunks
from ..outputs import ResultFolder, code_fingerprint, manifest
from ..scenario import InputError, Scenario
from ..analysis.survival import kaplan_meier_median
from .design import design_points, point_overrides
from .spec import DURATION_OUTCOMES, OUTCOMES, Sweep

POINT_FILE = re.compile(r"point=(\d+)\.parquet")
TASK_RETRIES = 2  # for exceptions in a task; a task whose worker died is rescheduled by Dask anyway
CONNECT_TIMEOUT_S = 15
# Threads for everything a LocalCluster worker process might start: the kernel runs on one thread per
# task and starts no numba threads (no parallel=True), and these keep numba's pool and BLAS at one
# thread too. Dask's nanny does not set them; they must be in the process's environment before numba
# is imported, so on other clusters they belong in the worker's environment (docs/SWEEPS.md).
WORKER_ENV = {"NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
              "MKL_NUM_THREADS": "1"}


class SweepTaskError(RuntimeError):
    """A point failed on a worker after Dask's retries (not bad input: a bug or a broken worker)."""


@dataclass
class SweepResult:
    folder: Path
    points: int
    completed: int
    ran: int  # points run by this call (the others were finished before)
    wall_seconds: float
    workers: int
    threads: int
    summary: pd.DataFrame | None  # point_summary, once every point is done


# --- the task -------------------------------------------------------------------------------------

@functools.cache
def model_fingerprint() -> str:
    """The model code's fingerprint (sim.outputs.code_fingerprint), cached per process: a worker running
    other code than the client refuses to add its points to the table."""
    return code_fingerprint()


def base_scenario(scenario: Scenario) -> Scenario:
    """The base scenario as a Dask task of its own: sent to each worker once, recomputable if lost."""
    return scenario


def run_point(base: Scenario, overrides: dict, point: int, replicates: int, seed: int,
              fingerprint: str) -> tuple[pd.DataFrame, dict]:
    """All replicates of one point on one thread: one row per (replicate, conflict), `point` first, and
    the point's outcomes (summarised here, on the worker, so the client only writes files)."""
    if model_fingerprint() != fingerprint:
        raise SweepTaskError(f"this worker runs other model code (fingerprint {model_fingerprint()}, the client's "
                             f"is {fingerprint}): install the same threatnet on every worker")
    compiled = compile_from(base, overrides)
    tables = [table for table, _ in iterate_chunks(compiled, replicates, seed, workers=1, chunk_size=DEFAULT_CHUNK)]
    table = pd.concat(tables, ignore_index=True)
    table.insert(0, "point", np.int64(point))
    return table, summarise_point(table)


# --- outcomes of a point --------------------------------------------------------------------------

FLOW_OUTCOMES = OUTCOMES[len(DURATION_OUTCOMES):]  # per-replicate outcomes, means per point
SUMMARY_COLUMNS = ["replicate", "conflict", "duration_weeks", "ended", "end_type", *FLOW_OUTCOMES]


def summarise_point(table: pd.DataFrame) -> dict:
    """A point's outcomes over its replicates (and conflicts, for durations).

    Durations pool every conflict's rows: the Kaplan-Meier median (NaN if the curve never falls to
    0.5 within the horizon), the restricted mean (censored rows count at the horizon), and the shares
    ended, and ended in each way (END_TYPES). Flows are means per replicate (each replicate has the same
    number of rows, so the mean over rows is the mean over replicates).
    """
    conflicts = table[table["conflict"].notna()]
    record = {"replicates": int(table["replicate"].nunique())}
    if len(conflicts):
        record["median_duration_weeks"] = kaplan_meier_median(conflicts["duration_weeks"],
                                                              conflicts["ended"])["median_weeks"]
        record["mean_duration_weeks"] = float(conflicts["duration_weeks"].mean())
        record["share_ended"] = float(conflicts["ended"].mean())
        for name in END_TYPES[:-1]:
            record[f"share_{name}"] = float((conflicts["end_type"] == name).mean())
    for name in FLOW_OUTCOMES:
        record[name] = float(table[name].mean())
    return {key: (np.nan if value is None else value) for key, value in record.items()}


# --- the results folder ---------------------------------------------------------------------------

def point_path(folder: Path, point: int, total: int) -> Path:
    width = max(5, len(str(max(total - 1, 0))))
    return folder / "replicates" / f"point={point:0{width}d}.parquet"


POINT_PATTERN = "replicates/point=*.parquet"
DESCRIPTION_FILES = ("scenario.json", "points.parquet", "sweep.json")


def finished_points(folder: Path) -> set[int]:
    """Points whose table is on disk and whole. Files are written whole (sim.outputs), so one that
    cannot be read was damaged afterwards (a power cut on a file system that reorders writes): it is
    one of this sweep's own files, and is removed so that its point runs again."""
    done: set[int] = set()
    replicates = folder / "replicates"
    if not replicates.is_dir():
        return done
    for path in replicates.iterdir():
        match = POINT_FILE.fullmatch(path.name)
        if match:
            try:
                whole = pq.read_metadata(path).num_rows > 0
            except Exception:  # noqa: BLE001 - pyarrow raises several types for a torn file
                whole = False
            if whole:
                done.add(int(match[1]))
            else:
                path.unlink(missing_ok=True)
    return done


def sweep_identity(sweep: Sweep) -> dict:
    """What makes two sweep runs the same run: the spec, the base scenario and the model code."""
    return {"sweep_hash": sweep.fingerprint(), "seed": int(sweep.spec.seed), "code": model_fingerprint()}


def describe_sweep(sweep: Sweep, points: pd.DataFrame, folder: ResultFolder) -> None:
    """scenario.json, points.parquet and sweep.json, written once when the folder is new."""
    if all((folder.path / name).is_file() for name in DESCRIPTION_FILES):
        return
    folder.write_json("scenario.json", sweep.base.model_dump(mode="json", by_alias=True))
    folder.write_parquet("points.parquet", points)
    folder.write_json("sweep.json", sweep.spec_record())


def sweep_record(sweep: Sweep, points: int) -> dict:
    """What the manifest says about a sweep beyond the protocol's fields."""
    import SALib
    import dask
    import distributed
    import scipy
    from importlib.metadata import version

    return manifest(
        sweep.base, sweep.spec.seed, sweep=sweep.spec.name, sweep_file=str(sweep.file),
        sweep_hash=sweep.fingerprint(), run_id=sweep.run_id, base_scenario_file=str(sweep.scenario_file),
        fixed=sweep.spec.fixed, design=sweep.spec.design.model_dump(mode="json", exclude_none=True),
        parameters=[p.record() for p in sweep.parameters], points=points,
        replicates_per_point=sweep.spec.replicates, outcomes=sweep.spec.outcomes,
        seeding="common random numbers: replicate i of every point uses replicate_seed(seed, i)",
        layout={"replicates": "replicates/point=NNNNN.parquet, one row per (point, replicate, conflict)",
                "points": "points.parquet", "summary": "point_summary.parquet"},
        model_fingerprint=model_fingerprint(),
        sweep_packages={"dask": dask.__version__, "distributed": distributed.__version__,
                        "SALib": getattr(SALib, "__version__", None) or version("SALib"),
                        "scipy": scipy.__version__})


def write_point_summary(folder: ResultFolder, points: pd.DataFrame,
                        known: dict[int, dict] | None = None) -> pd.DataFrame:
    """point_summary.parquet: the outcomes tasks returned (`known`), and for points finished by an
    earlier run, outcomes from their files, read one at a time (memory holds one point's table)."""
    total, known = len(points), known or {}

    def outcomes(point: int) -> dict:
        if point in known:
            return known[point]
        return summarise_point(pd.read_parquet(point_path(folder.path, point, total), columns=SUMMARY_COLUMNS))
    records = [{"point": int(point), **outcomes(int(point))} for point in points["point"]]
    summary = points.merge(pd.DataFrame(records), on="point", how="left")
    folder.write_parquet("point_summary.parquet", summary)
    return summary


def read_replicates(folder: Path) -> pd.DataFrame:
    """Every point's rows as one table, in (point, replicate) order whatever order tasks finished in."""
    table = pd.read_parquet(Path(folder) / "replicates")
    return table.sort_values(["point", "replicate"], kind="stable").reset_index(drop=True)


# --- the cluster ----------------------------------------------------------------------------------

def usable_cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


@contextlib.contextmanager
def dask_client(scheduler: str | None, workers: int | None) -> Iterator:
    """A Client on `scheduler`, or on a LocalCluster of `workers` one-thread processes (default: one per core).

    With a scheduler, `workers` is how many workers to wait for before submitting.
    """
    import logging

    from distributed import Client, LocalCluster

    if scheduler is None:
        cores = usable_cores()
        count = workers or default_workers()
        if count > cores:
            raise InputError("--workers", "", f"at most {cores}, the cores of this machine (each worker runs one "
                                              f"thread, and more would only share cores); got {count}")
        # dashboard on a free port: two sweeps on one machine must not fight over :8787
        with _interrupts_ignored():  # the worker processes start with SIGINT ignored, and keep it so
            cluster = LocalCluster(n_workers=count, threads_per_worker=1, processes=True, dashboard_address=":0",
                                   env=WORKER_ENV, silence_logs=logging.CRITICAL)
        with cluster, Client(cluster) as client:
            yield client
        return
    try:
        client = Client(scheduler, timeout=f"{CONNECT_TIMEOUT_S}s")
    except (OSError, TimeoutError, ValueError, TypeError) as error:
        raise InputError("--scheduler", "", f"the address of a running Dask scheduler (tcp://HOST:PORT); "
                                            f"{scheduler} gave: {str(error).splitlines()[0][:200]}") from None
    with client:
        if workers:
            client.wait_for_workers(workers)
        yield client


@contextlib.contextmanager
def _interrupts_ignored() -> Iterator[None]:
    """SIGINT ignored while worker processes start (a disposition children inherit): Ctrl-C on a terminal
    reaches every process of the group, and the workers' own KeyboardInterrupts would print a hundred
    lines of tracebacks. The client alone handles Ctrl-C, and shuts the cluster down."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def cluster_size(client) -> tuple[int, int]:
    """(workers, total threads) of the cluster now."""
    workers = client.scheduler_info(n_workers=-1)["workers"]
    return len(workers), sum(int(info["nthreads"]) for info in workers.values())


def oversubscribed_hosts(client) -> list[str]:
    """Hosts where Dask worker threads outnumber the cores that the worker processes may use."""
    workers = client.scheduler_info(n_workers=-1)["workers"]
    cores = client.run(usable_cores)
    threads, host_cores = defaultdict(int), {}
    for address, info in workers.items():
        threads[info["host"]] += int(info["nthreads"])
        host_cores[info["host"]] = cores.get(address, 0)
    return [f"{host}: {threads[host]} threads on {host_cores[host]} cores" for host in sorted(threads)
            if host_cores[host] and threads[host] > host_cores[host]]


# --- the run --------------------------------------------------------------------------------------

def run_sweep(sweep: Sweep, folder: str | Path | None = None, scheduler: str | None = None,
              workers: int | None = None, progress: Callable[[int, int], None] | None = None,
              warn: Callable[[str], None] | None = None, overwrite: bool = False) -> SweepResult:
    """Run (or resume) a sweep into `folder` (default results/<sweep>/<run id>).

    `progress(done, total)` is called once before the first task and after each point. The folder is
    claimed (sim.outputs) before any point runs; a folder of another sweep, seed or model code is
    refused. Raises KeyboardInterrupt after recording progress in the manifest if interrupted
    (Ctrl-C, SIGTERM); finished points stay and the same call resumes after them.
    """
    path = Path(folder) if folder is not None else sweep.default_folder()
    points = design_points(sweep.spec, sweep.parameters)
    total = len(points)
    with ResultFolder(path, "sweep", sweep_identity(sweep), patterns=[POINT_PATTERN], overwrite=overwrite) as out:
        started = time.perf_counter()
        previous = dict(out.record)
        out.update(**sweep_record(sweep, total))
        done = finished_points(out.path)
        todo = [int(point) for point in points["point"] if int(point) not in done]
        scheduler_name, size, known = scheduler or "LocalCluster", (0, 0), {}
        if todo:
            with dask_client(scheduler, workers) as client:
                describe_sweep(sweep, points, out)  # once connected: a bad --scheduler leaves nothing behind
                size = cluster_size(client)
                for problem in (oversubscribed_hosts(client) if scheduler else []):
                    (warn or print)(f"warning: more Dask threads than cores on {problem}; use --nthreads 1 and at "
                                    "most one worker per core")
                out.update(scheduler=scheduler_name, workers=size[0], worker_threads=size[1],
                           completed_points=len(done), status="running")
                if progress:
                    progress(len(done), total)
                _compute(client, sweep, points, todo, out, done, known, progress)
        summary = write_point_summary(out, points, known)
        wall = time.perf_counter() - started
        if not todo:  # nothing ran now: keep what the manifest says about the cluster that ran the points
            scheduler_name = previous.get("scheduler", scheduler_name)
            size = (previous.get("workers", 0), previous.get("worker_threads", 0))
            wall = previous.get("wall_seconds", wall)
        out.finish(completed_points=total, wall_seconds=round(wall, 3), scheduler=scheduler_name,
                   workers=size[0], worker_threads=size[1])
    return SweepResult(folder=path, points=total, completed=total, ran=len(todo), wall_seconds=wall,
                       workers=size[0], threads=size[1], summary=summary)


def _compute(client, sweep: Sweep, points: pd.DataFrame, todo: list[int], folder: ResultFolder, done: set[int],
             known: dict[int, dict], progress: Callable[[int, int], None] | None) -> None:
    """Submit the points not yet done; write each table as it arrives, in whatever order."""
    from distributed import as_completed

    total, spec = len(points), sweep.spec
    rows = points.to_dict("records")  # per column types kept (a Series row would turn ints into floats)
    base = client.submit(base_scenario, sweep.base, key=f"threatnet-base-{sweep.fingerprint()[:16]}")
    futures = {client.submit(run_point, base, point_overrides(rows[point], sweep.parameters), point,
                             spec.replicates, spec.seed, model_fingerprint(), retries=TASK_RETRIES,
                             key=f"threatnet-point-{sweep.run_id}-{model_fingerprint()}-{point}"): point
               for point in todo}
    try:
        for future in as_completed(futures):
            point = futures[future]
            try:
                table, known[point] = future.result()
            except SweepTaskError:
                raise
            except Exception as error:  # noqa: BLE001 - whatever the worker raised, after retries
                raise SweepTaskError(f"point {point} failed: {type(error).__name__}: {error}") from error
            folder.write_parquet(point_path(folder.path, point, total).relative_to(folder.path).as_posix(), table)
            future.release()
            done.add(point)
            folder.update(completed_points=len(done))
            if progress:
                progress(len(done), total)
    finally:
        client.cancel(list(futures) + [base])
