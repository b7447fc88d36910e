"""The `threatnet` command: a thin face over the Python API.

Bad input of any kind is an `InputError`, printed as one line on stderr with
exit status 2 and no traceback; nothing is written before input is checked.
"""

from __future__ import annotations

import contextlib
import functools
import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from .scenario import InputError, json_schema, load_scenario

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="threatnet: organised crime, armed conflict and policing on a trafficking network.")

ScenarioPath = Annotated[Path, typer.Argument(help="scenario YAML file", show_default=False)]


def fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def reports_input_errors(command):
    """Turn InputError into one line and exit status 2."""
    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except InputError as error:
            fail(error.message)
    return wrapper


@contextlib.contextmanager
def replicate_progress(total: int):
    """A progress bar over replicates with rate and ETA (on a terminal); yields advance(count)."""
    import time

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    started = time.perf_counter()
    columns = (TextColumn("replicates"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[rate]:.0f}/s"), TimeRemainingColumn())
    with Progress(*columns, transient=False, disable=not sys.stderr.isatty()) as progress:
        task = progress.add_task("replicates", total=total, rate=0.0)

        def advance(count: int) -> None:
            elapsed = max(time.perf_counter() - started, 1e-9)
            progress.update(task, advance=count, rate=progress.tasks[0].completed / elapsed)
        yield advance


@app.command()
@reports_input_errors
def validate(scenario: ScenarioPath) -> None:
    """Check a scenario file and say what is wrong with it, if anything."""
    loaded = load_scenario(scenario)
    typer.echo(f"{scenario}: valid scenario '{loaded.name}' ({len(loaded.network.nodes)} nodes, "
               f"{len(loaded.network.edges)} legs, {len(loaded.organisations)} organisations, "
               f"{len(loaded.conflicts)} conflicts, "
               f"{len(loaded.police.host.units) + len(loaded.police.un.units)} police units)")


@app.command()
def schema() -> None:
    """Print the JSON Schema of scenario files (for editors)."""
    typer.echo(json.dumps(json_schema(), indent=2))


@app.command()
@reports_input_errors
def run(
    scenario: ScenarioPath,
    seed: Annotated[int | None, typer.Option(help="seed (default: the scenario's)", min=0)] = None,
    out: Annotated[Path | None, typer.Option(help="output folder (default: results/runs/<scenario>-seed<seed>)")] = None,
    driver: Annotated[str, typer.Option(help="mesa (readable, per-agent data) or kernel (compiled)")] = "mesa",
) -> None:
    """Run one replicate, print a summary and write series.parquet, summary.json and manifest.json."""
    from .outputs import atomic_folder, manifest, write_json
    from .run import DRIVERS, run_replicate
    from .summary import format_summary

    if driver not in DRIVERS:
        fail(f"--driver: expected one of {', '.join(DRIVERS)}; got {driver!r}")
    loaded = load_scenario(scenario)
    seed = loaded.seed if seed is None else seed
    out = out or Path("results") / "runs" / f"{loaded.name}-seed{seed}"
    result = run_replicate(loaded, seed, driver)
    with atomic_folder(out) as folder:
        result.series.to_parquet(folder / "series.parquet")
        if result.agents is not None:
            result.agents.to_parquet(folder / "agents.parquet")
        result.edges.to_parquet(folder / "edges.parquet")
        write_json(folder / "summary.json", result.summary)
        write_json(folder / "scenario.json", loaded.model_dump(mode="json", by_alias=True))
        write_json(folder / "manifest.json", manifest(loaded, seed, kind="run", driver=driver,
                                                      scenario_file=str(scenario)))
    typer.echo(format_summary(result.summary))
    typer.echo(f"wrote {out}/")


@app.command()
@reports_input_errors
def mc(
    scenario: ScenarioPath,
    replicates: Annotated[int, typer.Option(help="number of replicates", min=1, max=100_000_000)] = 1000,
    workers: Annotated[int | None, typer.Option(help="threads (default: NUMBA_NUM_THREADS or all cores)", min=1, max=1024)] = None,
    seed: Annotated[int | None, typer.Option(help="base seed (default: the scenario's)", min=0)] = None,
    out: Annotated[Path | None, typer.Option(help="output folder (default: results/mc/<scenario>-seed<seed>-n<replicates>)")] = None,
    chunk_size: Annotated[int, typer.Option(help="replicates per Parquet chunk", min=1, max=1_000_000)] = 2000,
    series_sample: Annotated[int, typer.Option(help="keep per-week series of the first N replicates", min=0, max=10_000)] = 0,
    overwrite: Annotated[bool, typer.Option(help="replace an existing output folder")] = False,
) -> None:
    """Run many replicates with the compiled kernel; stream them to Parquet; print a survival summary."""
    import shutil
    import time

    import pandas as pd
    from .model import compile_from
    from .montecarlo import default_workers, write_monte_carlo
    from .outputs import manifest, write_json
    from .survival import duration_summary, format_duration_summary

    loaded = load_scenario(scenario)
    seed = loaded.seed if seed is None else seed
    workers = workers or default_workers()
    out = out or Path("results") / "mc" / f"{loaded.name}-seed{seed}-n{replicates}"
    if out.exists() and any(out.iterdir()):
        if not overwrite:
            fail(f"{out}: an empty or new output folder; this one has results (use --overwrite to replace them)")
        shutil.rmtree(out)
    compiled = compile_from(loaded)
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / "scenario.json", loaded.model_dump(mode="json", by_alias=True))
    started = time.perf_counter()
    with replicate_progress(replicates) as advance:
        done, interrupted = write_monte_carlo(compiled, replicates, seed, workers, out, chunk_size, series_sample,
                                              advance)
    wall = time.perf_counter() - started
    write_json(out / "manifest.json", manifest(loaded, seed, kind="mc", scenario_file=str(scenario),
                                               replicates=replicates, completed_replicates=done,
                                               interrupted=interrupted, workers=workers, chunk_size=chunk_size,
                                               wall_seconds=round(wall, 3)))
    if done == 0:
        typer.echo(f"interrupted before the first chunk; nothing but the manifest in {out}/")
        raise typer.Exit(130)
    summary = []
    if compiled.layout.conflict_ids:
        summary = duration_summary(pd.read_parquet(out / "replicates",
                                                   columns=["conflict", "duration_weeks", "ended", "end_type"]))
    write_json(out / "summary.json", {"replicates": done, "conflicts": summary})
    typer.echo(f"{loaded.name}: {done} replicates in {wall:.1f} s ({done / wall:.0f}/s on {workers} workers)")
    typer.echo(format_duration_summary(summary))
    typer.echo(f"wrote {out}/")
    if interrupted:
        typer.echo("interrupted: the chunks written so far are kept", err=True)
        raise typer.Exit(130)


@app.command()
@reports_input_errors
def experiment(
    experiment_file: Annotated[Path, typer.Argument(help="experiment YAML file", show_default=False)],
    replicates: Annotated[int | None, typer.Option(help="replicates per arm (default: the file's)", min=2, max=10_000_000)] = None,
    seed: Annotated[int | None, typer.Option(help="base seed (default: the file's)", min=0)] = None,
    workers: Annotated[int | None, typer.Option(help="threads (default: NUMBA_NUM_THREADS or all cores)", min=1, max=1024)] = None,
    out: Annotated[Path | None, typer.Option(help="output folder (default: results/<experiment>/<run id>)")] = None,
) -> None:
    """Run the arms of an experiment with the kernel and compare conflict duration as survival data.

    Arms share seeds (common random numbers). Interrupted runs resume: the same command starts after
    the chunks already written.
    """
    import time

    from .experiment import default_folder, load_experiment, run_experiment

    loaded = load_experiment(experiment_file)
    replicates = replicates or loaded.spec.replicates
    seed = loaded.spec.seed if seed is None else seed
    out = out or default_folder(loaded, replicates, seed)
    started = time.perf_counter()
    with replicate_progress(replicates * len(loaded.spec.arms)) as advance:
        try:
            result = run_experiment(loaded, replicates, seed, workers, out, advance)
        except KeyboardInterrupt:
            typer.echo(f"interrupted: finished chunks are kept in {out}/; run the same command to resume", err=True)
            raise typer.Exit(130) from None
    typer.echo(f"{loaded.spec.name}: {len(loaded.spec.arms)} arms x {replicates} replicates "
               f"in {time.perf_counter() - started:.1f} s")
    typer.echo(result.answer)
    typer.echo(f"wrote {out}/ (summary.md, summary.json, replicates.parquet)")


@app.command()
@reports_input_errors
def bench(
    scenario: Annotated[Path, typer.Argument(help="scenario YAML")] = Path("scenarios/west_africa_2009.yaml"),
    replicates: Annotated[int, typer.Option(help="kernel replicates per measurement", min=10)] = 2000,
    mesa_replicates: Annotated[int, typer.Option(help="Mesa replicates", min=1)] = 3,
    workers: Annotated[int | None, typer.Option(help="threads for the all-cores measurement", min=1)] = None,
    out: Annotated[Path | None, typer.Option(help="also write the figures as JSON here")] = None,
) -> None:
    """Measure replicates/s of the Mesa model and of the kernel on one thread and on all cores."""
    from .bench import benchmark, format_benchmark
    from .model import compile_from

    result = benchmark(compile_from(load_scenario(scenario)), replicates, mesa_replicates, workers)
    typer.echo(format_benchmark(result))
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=2) + "\n")


from .views.commands import register as register_view_commands  # noqa: E402
register_view_commands(app)
from .sweep.commands import register as register_sweep_commands  # noqa: E402
register_sweep_commands(app)


def main() -> None:
    """Console entry point: usage errors (bad options) also come out as one line, exit status 2."""
    try:
        from typer._click import exceptions as click  # typer >= 0.20 vendors click
    except ImportError:  # pragma: no cover - older typer uses click itself
        import click.exceptions as click
    try:
        code = app(prog_name="threatnet", standalone_mode=False)
    except click.NoArgsIsHelpError as help_shown:
        typer.echo(help_shown.ctx.get_help())
    except click.UsageError as error:
        where = f" (try 'threatnet {error.ctx.command.name} --help')" if error.ctx and error.ctx.command else ""
        typer.echo(f"error: {error.format_message()}{where}", err=True)
        sys.exit(2)
    except typer.Exit as exit_:
        sys.exit(exit_.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        sys.exit(130)
    except BrokenPipeError:  # output piped into `head` and closed: not an error of ours
        sys.stderr.close()
        sys.exit(0)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
