"""`threatnet bench-sweep`: what running replicates as a Dask sweep costs over running them in-process.

Both sides run the same replicates of the same points with the same seeds, in one process run,
each twice (in-process, sweep, sweep, in-process, so that a drift in load hits both): in-process, each point is compiled and run with `run_monte_carlo` on all cores
(threads); as a sweep, each point is a task on a LocalCluster with one single-threaded worker per
core, written to Parquet, summarised and recorded in a manifest. The sweep side includes
starting the cluster. The ratio (sweep wall time / in-process wall time) is the overhead, and the
two tables are compared to show the sweep computed the same numbers.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import pandas as pd
import yaml

from ..model import compile_from
from ..runners.montecarlo import default_workers, run_monte_carlo
from .design import design_points, point_overrides
from .runner import read_replicates, run_sweep
from .spec import load_sweep

SEED = 1


def bench_sweep_file(scenario: Path, points: int, replicates: int, folder: Path) -> Path:
    """A Latin hypercube over two levers with `points` points (written for load_sweep to check)."""
    data = {"name": "bench_sweep", "scenario": str(Path(scenario).resolve()), "replicates": replicates,
            "seed": SEED, "design": {"kind": "latin_hypercube", "samples": points},
            "parameters": [{"name": "corruption_scale", "key": "levers.corruption_scale", "range": [0.5, 1.5]},
                           {"name": "un_officers", "key": "police.un.officers", "range": [2400, 18000]}]}
    path = folder / "bench_sweep.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def benchmark_sweep(scenario: Path, points: int = 100, replicates: int = 200, workers: int | None = None) -> dict:
    """Wall seconds of the same replicates in-process and as a LocalCluster sweep, and their ratio.

    Measured in the order in-process, sweep, sweep, in-process (ABBA), so that a drift in the
    machine's load during the run weighs on both sides alike; the ratio is of the sums.
    """
    workers = workers or default_workers()
    with tempfile.TemporaryDirectory(prefix="threatnet-bench-sweep-") as temporary:
        folder = Path(temporary)
        sweep = load_sweep(bench_sweep_file(scenario, points, replicates, folder))
        rows = design_points(sweep.spec, sweep.parameters).to_dict("records")
        run_monte_carlo(compile_from(sweep.base), 2, seed=SEED, workers=1)  # load the numba cache first

        def in_process() -> tuple[float, pd.DataFrame]:
            started, tables = time.perf_counter(), []
            for row in rows:
                compiled = compile_from(sweep.base, point_overrides(row, sweep.parameters))
                table = run_monte_carlo(compiled, replicates, seed=SEED, workers=workers)
                table.insert(0, "point", row["point"])
                tables.append(table)
            return time.perf_counter() - started, pd.concat(tables, ignore_index=True)

        def as_sweep(name: str) -> tuple[float, pd.DataFrame]:
            started = time.perf_counter()
            run_sweep(sweep, folder / name, workers=workers)
            return time.perf_counter() - started, read_replicates(folder / name)

        first_in_process, expected = in_process()
        first_sweep, swept = as_sweep("first")
        second_sweep, _ = as_sweep("second")
        second_in_process, _ = in_process()
    in_process_s, sweep_s = [first_in_process, second_in_process], [first_sweep, second_sweep]
    return {"scenario": sweep.base.name, "weeks": sweep.base.horizon_weeks, "points": points,
            "replicates_per_point": replicates, "replicates": points * replicates, "workers": workers,
            "in_process_seconds": in_process_s, "sweep_seconds": sweep_s, "ratio": sum(sweep_s) / sum(in_process_s),
            "same_results": bool(swept[expected.columns].equals(expected))}


def format_sweep_benchmark(result: dict) -> str:
    def seconds(values: list[float]) -> str:
        mean = sum(values) / len(values)
        return f"{' and '.join(f'{v:.1f}' for v in values)} s ({result['replicates'] / mean:.0f} replicates/s)"
    return "\n".join([
        f"sweep benchmark of {result['scenario']}: {result['points']} points x {result['replicates_per_point']} "
        f"replicates ({result['replicates']} replicates, {result['weeks']} weeks), {result['workers']} workers",
        f"  in-process Monte Carlo  {seconds(result['in_process_seconds'])}",
        f"  Dask sweep              {seconds(result['sweep_seconds'])} (LocalCluster start, Parquet, summary)",
        f"  overhead ratio          {result['ratio']:8.2f}x (sweep / in-process)",
        f"  same numbers            {'yes' if result['same_results'] else 'NO'}",
    ])
