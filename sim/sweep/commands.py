"""`threatnet sweep`, `threatnet analyze` and `threatnet bench-sweep`: thin faces over sim.sweep.

`register(app)` adds the commands to the threatnet app; sim/cli.py calls it after defining its
helpers, and the helpers are imported inside `register` so that neither module imports the other
at import time.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer


@contextlib.contextmanager
def point_progress() -> Iterator:
    """A progress bar over points with elapsed time and ETA (on a terminal); yields progress(done, total)."""
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                               TimeRemainingColumn)

    columns = (TextColumn("points"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TextColumn("ETA"),
               TimeRemainingColumn())
    with Progress(*columns, transient=False, disable=not sys.stderr.isatty()) as bar:
        task = None

        def progress(done: int, total: int) -> None:
            nonlocal task
            if task is None:  # points finished by an earlier run count as done, not as speed
                task = bar.add_task("points", total=total, completed=done)
            else:
                bar.update(task, completed=done)
        yield progress


def register(app: typer.Typer) -> None:
    """Add sweep, analyze and bench-sweep to `app`."""
    from ..cli import reports_input_errors

    @app.command()
    @reports_input_errors
    def sweep(
        sweep_file: Annotated[Path, typer.Argument(help="sweep YAML file", show_default=False)],
        scheduler: Annotated[str | None, typer.Option(help="address of a running Dask scheduler, e.g. "
                                                           "tcp://HOST:8786 (default: a LocalCluster here)")] = None,
        workers: Annotated[int | None, typer.Option(help="LocalCluster worker processes, one thread each (default: "
                                                         "one per core); with --scheduler, workers to wait for",
                                                    min=1, max=100_000)] = None,
        out: Annotated[Path | None, typer.Option(help="output folder (default: results/<sweep>/<run id>)")] = None,
    ) -> None:
        """Run a parameter sweep on Dask; run the same command again to resume after a crash."""
        from .runner import SweepTaskError, run_sweep
        from .spec import load_sweep

        loaded = load_sweep(sweep_file)
        folder = out or loaded.default_folder()
        with point_progress() as progress:
            try:
                result = run_sweep(loaded, folder, scheduler, workers, progress,
                                   warn=lambda line: typer.echo(line, err=True))
            except KeyboardInterrupt:
                typer.echo(f"interrupted: finished points are kept in {folder}/; run the same command to resume",
                           err=True)
                raise typer.Exit(130) from None
            except SweepTaskError as error:
                typer.echo(f"error: {error}", err=True)
                raise typer.Exit(1) from None
        spec = loaded.spec
        if result.ran:
            typer.echo(f"{spec.name}: {result.points} points x {spec.replicates} replicates; {result.ran} points run "
                       f"now in {result.wall_seconds:.1f} s on {result.workers} workers ({result.threads} threads)")
        else:
            typer.echo(f"{spec.name}: all {result.points} points were done before; nothing to run")
        typer.echo(f"wrote {result.folder}/ (points.parquet, replicates/, point_summary.parquet, manifest.json); "
                   f"next: threatnet analyze {result.folder}")

    @app.command()
    @reports_input_errors
    def analyze(
        folder: Annotated[Path, typer.Argument(help="a sweep's results folder, results/<sweep>/<run id>",
                                               show_default=False)],
    ) -> None:
        """Sobol indices, Morris screening or effect tables of a finished sweep; writes analysis.json and .md."""
        from .analyze import analyse, format_markdown

        typer.echo(format_markdown(analyse(folder)), nl=False)
        typer.echo(f"wrote {folder}/analysis.json and {folder}/analysis.md")

    @app.command("bench-sweep")
    @reports_input_errors
    def bench_sweep(
        scenario: Annotated[Path, typer.Argument(help="scenario YAML")] = Path("scenarios/west_africa_2009.yaml"),
        points: Annotated[int, typer.Option(help="points of the sweep", min=2, max=100_000)] = 100,
        replicates: Annotated[int, typer.Option(help="replicates per point", min=1, max=1_000_000)] = 200,
        workers: Annotated[int | None, typer.Option(help="worker processes and threads (default: all cores)",
                                                    min=1)] = None,
    ) -> None:
        """Time the same replicates as a Dask sweep (LocalCluster) and in-process; print the ratio."""
        from .bench import benchmark_sweep, format_sweep_benchmark

        typer.echo(format_sweep_benchmark(benchmark_sweep(scenario, points, replicates, workers)))
