"""`threatnet sweep`, `threatnet analyze` and `threatnet bench-sweep`: thin faces over sim.sweep.

`register(app)` adds the commands to the threatnet app; sim/cli.py calls it after defining its
helpers, and the helpers are imported inside `register` so that neither module imports the other
at import time.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer


@contextlib.contextmanager
def point_progress() -> Iterator:
    """Progress over points (on a terminal a bar, else plain lines); yields progress(done, total).
    Points finished by an earlier run count as done, not as speed."""
    from ..progress import progress as show

    with contextlib.ExitStack() as stack:
        set_done = None

        def progress(done: int, total: int) -> None:
            nonlocal set_done
            if set_done is None:
                set_done = stack.enter_context(show("points", total, "points", done=done))
            set_done(done)
        yield progress


def register(app: typer.Typer) -> None:
    """Add sweep, analyze and bench-sweep to `app`."""
    from ..cli import interrupted, reports_input_errors

    @app.command()
    @reports_input_errors
    def sweep(
        sweep_file: Annotated[str, typer.Argument(help="sweep YAML file, or the name of a shipped one",
                                                  show_default=False)],
        scheduler: Annotated[str | None, typer.Option(help="address of a running Dask scheduler, e.g. "
                                                           "tcp://HOST:8786 (default: a LocalCluster here)")] = None,
        workers: Annotated[int | None, typer.Option(help="LocalCluster worker processes, one thread each (default: "
                                                         "one per core); with --scheduler, workers to wait for",
                                                    min=1, max=100_000)] = None,
        out: Annotated[Path | None, typer.Option(help="output folder (default: results/<sweep>/<run id>)")] = None,
        overwrite: Annotated[bool, typer.Option(help="replace a finished result of another sweep in --out (only "
                                                     "the files its manifest lists)")] = False,
    ) -> None:
        """Run a parameter sweep on Dask; run the same command again to resume after a crash."""
        from ..shipped import resolve
        from .runner import SweepTaskError, run_sweep
        from .spec import load_sweep

        loaded = load_sweep(resolve(sweep_file, "sweeps"))
        folder = out or loaded.default_folder()
        with point_progress() as progress:
            try:
                result = run_sweep(loaded, folder, scheduler, workers, progress,
                                   warn=lambda line: typer.echo(line, err=True), overwrite=overwrite)
            except KeyboardInterrupt as error:
                interrupted(f"finished points are kept in {folder}/", error)
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
        scenario: Annotated[str, typer.Argument(help="scenario YAML or shipped name")] = "west_africa_2009",
        points: Annotated[int, typer.Option(help="points of the sweep", min=2, max=100_000)] = 100,
        replicates: Annotated[int, typer.Option(help="replicates per point", min=1, max=1_000_000)] = 200,
        workers: Annotated[int | None, typer.Option(help="worker processes and threads (default: all cores)",
                                                    min=1)] = None,
    ) -> None:
        """Time the same replicates as a Dask sweep (LocalCluster) and in-process; print the ratio."""
        from .bench import benchmark_sweep, format_sweep_benchmark

        from ..shipped import resolve

        typer.echo(format_sweep_benchmark(benchmark_sweep(resolve(scenario, "scenarios"), points, replicates,
                                                          workers)))
