"""The `threatnet` command: a thin face over the Python API.

One error path: bad input of any kind is an `InputError` (operating-system failures while writing
results become one too, in `sim.outputs`), printed as one line on stderr with exit status 2 and no
traceback. SIGINT and SIGTERM end a long command cleanly, keeping what finished (exit 130 / 143).
"""

from __future__ import annotations

import enum
import functools
import json
import os
import platform
import signal
import sys
from pathlib import Path
from typing import Annotated

import typer

from . import __version__
from .scenario import InputError, json_schema, load_scenario

app = typer.Typer(add_completion=True, no_args_is_help=True, pretty_exceptions_enable=False,
                  context_settings={"help_option_names": ["-h", "--help"]},
                  help="threatnet: organised crime, armed conflict and policing on a trafficking network.")

MAX_SEED = 2**63 - 1  # seeds are 0 <= seed < 2**63 everywhere: options, scenario and experiment files
ScenarioArg = Annotated[str, typer.Argument(help="scenario YAML file, or the name of a shipped scenario "
                                                 "(west_africa_2009, guinea_bissau, ...)", show_default=False)]
Seed = Annotated[int | None, typer.Option(help="seed, 0 <= seed < 2**63 (default: the file's)", min=0, max=MAX_SEED)]
Overwrite = Annotated[bool, typer.Option(help="replace a finished result of another command in --out (only the "
                                              "files its manifest lists)")]


class Driver(str, enum.Enum):
    mesa = "mesa"
    kernel = "kernel"


class Interrupted(KeyboardInterrupt):
    """SIGTERM (what SLURM and Kubernetes send before they kill a job), handled like Ctrl-C."""

    exit_code = 143


def _terminate(signum, frame) -> None:
    raise Interrupted()


def fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def reports_input_errors(command):
    """Turn InputError (and OSError: disk full, read-only ...) into one line and exit status 2."""
    from .outputs import os_problem

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except InputError as error:
            fail(error.message)
        except OSError as error:
            fail(os_problem(error).message)
    return wrapper


def interrupted(what_is_kept: str, error: KeyboardInterrupt, resumable: bool = True) -> None:
    """The clean end of an interrupted command: one line saying what was kept, exit 130 (143 on SIGTERM)."""
    typer.echo(f"interrupted: {what_is_kept}" + ("; run the same command to resume" if resumable else ""), err=True)
    raise typer.Exit(getattr(error, "exit_code", 130))


def announce_compiling() -> None:
    """The first call in an environment compiles the numba functions: say so instead of going silent."""
    cache = Path(os.environ.get("NUMBA_CACHE_DIR", ""))
    if not cache.is_dir() or not any(cache.rglob("*kernel*.nbi")):
        typer.echo("compiling the model (first run in this environment; about 30-60 s, cached afterwards)",
                   err=True)


def scenario_file(name: str) -> Path:
    from .shipped import resolve

    return resolve(name, "scenarios")


def version_callback(value: bool) -> None:
    if value:
        typer.echo(f"threatnet {__version__}")
        raise typer.Exit()


@app.callback()
def common(version: Annotated[bool, typer.Option("--version", help="print the version and exit",
                                                 callback=version_callback, is_eager=True)] = False) -> None:
    """threatnet: organised crime, armed conflict and policing on a trafficking network."""


@app.command()
@reports_input_errors
def validate(scenario: ScenarioArg) -> None:
    """Check a scenario file and say what is wrong with it, if anything."""
    path = scenario_file(scenario)
    loaded = load_scenario(path)
    dated = ""
    if loaded.events:  # what an event may not do to the compiled model (routes, slots) shows when compiled
        from .model import compile_from

        weeks = compile_from(loaded).initial.event_week
        dated = f", {len(weeks)} event{'s' if len(weeks) > 1 else ''} in week{'s' if len(weeks) > 1 else ''} " \
                f"{', '.join(str(int(week)) for week in weeks)}"
    typer.echo(f"{path}: valid scenario '{loaded.name}' ({len(loaded.network.nodes)} nodes, "
               f"{len(loaded.network.edges)} legs, {len(loaded.organisations)} organisations, "
               f"{len(loaded.conflicts)} conflicts, "
               f"{len(loaded.police.host.units) + len(loaded.police.un.units)} police units{dated})")


@app.command()
def schema() -> None:
    """Print the JSON Schema of scenario files (for editors)."""
    typer.echo(json.dumps(json_schema(), indent=2))


@app.command()
@reports_input_errors
def examples(dest: Annotated[Path, typer.Argument(help="folder to copy into (created if missing)",
                                                  show_default=False)]) -> None:
    """Copy the shipped scenarios, experiments, sweeps and pattern files into DEST for editing (never overwrites)."""
    from .shipped import copy_examples

    copied = copy_examples(dest)
    typer.echo(f"copied {len(copied)} files into {dest}/ (scenarios/, experiments/, sweeps/, patterns/)")


@app.command()
@reports_input_errors
def run(
    scenario: ScenarioArg,
    seed: Seed = None,
    out: Annotated[Path | None, typer.Option(help="output folder (default: results/runs/<scenario>-seed<seed>)")] = None,
    driver: Annotated[Driver, typer.Option(help="mesa (readable, per-agent data) or kernel (compiled)")] = Driver.mesa,
    overwrite: Overwrite = False,
) -> None:
    """Run one replicate, print a summary and write series, summary, scenario and manifest to a folder."""
    from .runners.run import default_folder, run_to_folder
    from .views.text import format_summary

    path = scenario_file(scenario)
    loaded = load_scenario(path)
    seed = loaded.seed if seed is None else seed
    out = out or default_folder(loaded, seed)
    announce_compiling()
    try:
        result = run_to_folder(loaded, seed, driver.value, out, overwrite=overwrite, scenario_file=str(path))
    except KeyboardInterrupt as error:
        interrupted(f"nothing was written to {out}/ but its manifest", error)
    typer.echo(format_summary(result.summary))
    typer.echo(f"wrote {out}/")


@app.command()
@reports_input_errors
def mc(
    scenario: ScenarioArg,
    replicates: Annotated[int, typer.Option(help="number of replicates", min=1, max=100_000_000)] = 1000,
    workers: Annotated[int | None, typer.Option(help="threads (default: NUMBA_NUM_THREADS or all cores)", min=1, max=1024)] = None,
    seed: Seed = None,
    out: Annotated[Path | None, typer.Option(help="output folder (default: results/mc/<scenario>-seed<seed>-n<replicates>)")] = None,
    chunk_size: Annotated[int, typer.Option(help="replicates per Parquet chunk", min=1, max=1_000_000)] = 2000,
    series_sample: Annotated[int, typer.Option(help="keep per-week series of the first N replicates", min=0, max=10_000)] = 0,
    overwrite: Overwrite = False,
) -> None:
    """Run many replicates with the compiled kernel; stream them to Parquet; print a survival summary.

    Interrupted runs resume: the same command starts after the chunks already written.
    """
    from .runners.montecarlo import default_folder, default_workers, run_monte_carlo_folder
    from .progress import counter
    from .analysis.survival import format_duration_summary

    path = scenario_file(scenario)
    loaded = load_scenario(path)
    seed = loaded.seed if seed is None else seed
    workers = workers or default_workers()
    out = out or default_folder(loaded, replicates, seed)
    announce_compiling()
    with counter("replicates", replicates, "replicates") as advance:
        try:
            summary = run_monte_carlo_folder(loaded, replicates, seed, workers, out, chunk_size, series_sample,
                                             overwrite, advance, scenario_file=str(path))
        except KeyboardInterrupt as error:
            interrupted(f"finished chunks are kept in {out}/", error)
    wall = summary.get("wall_seconds") or float("nan")
    typer.echo(f"{loaded.name}: {summary['replicates']} replicates in {wall:.1f} s "
               f"({summary['replicates'] / wall:.0f}/s on {workers} workers)")
    if summary["conflicts"]:
        typer.echo(format_duration_summary(summary["conflicts"]))
    else:
        typer.echo("  (the scenario has no conflicts: flows only)")
    typer.echo(f"wrote {out}/")


@app.command()
@reports_input_errors
def experiment(
    experiment_file: Annotated[str, typer.Argument(help="experiment YAML file, or the name of a shipped one "
                                                        "(criminal_funding, ...)", show_default=False)],
    replicates: Annotated[int | None, typer.Option(help="replicates per arm (default: the file's)", min=2, max=10_000_000)] = None,
    seed: Seed = None,
    workers: Annotated[int | None, typer.Option(help="threads (default: NUMBA_NUM_THREADS or all cores)", min=1, max=1024)] = None,
    out: Annotated[Path | None, typer.Option(help="output folder (default: results/<experiment>/<run id>)")] = None,
    overwrite: Overwrite = False,
) -> None:
    """Run the arms of an experiment with the kernel and compare conflict duration as survival data.

    Arms share seeds (common random numbers). Interrupted runs resume: the same command starts after
    the chunks already written.
    """
    import time

    from .analysis.experiment import default_folder, load_experiment, run_experiment
    from .progress import counter
    from .shipped import resolve

    loaded = load_experiment(resolve(experiment_file, "experiments"))
    replicates = replicates or loaded.spec.replicates
    seed = loaded.spec.seed if seed is None else seed
    out = out or default_folder(loaded, replicates, seed)
    announce_compiling()
    started = time.perf_counter()
    with counter("replicates", replicates * len(loaded.spec.arms), "replicates") as advance:
        try:
            result = run_experiment(loaded, replicates, seed, workers, out, advance, overwrite=overwrite)
        except KeyboardInterrupt as error:
            interrupted(f"finished chunks are kept in {out}/", error)
    typer.echo(f"{loaded.spec.name}: {len(loaded.spec.arms)} arms x {replicates} replicates "
               f"in {time.perf_counter() - started:.1f} s")
    typer.echo(result.answer)
    typer.echo(f"wrote {out}/ (summary.md, summary.json, replicates.parquet)")


@app.command()
@reports_input_errors
def bench(
    scenario: Annotated[str, typer.Argument(help="scenario YAML or shipped name")] = "west_africa_2009",
    replicates: Annotated[int, typer.Option(help="kernel replicates per measurement", min=10)] = 2000,
    mesa_replicates: Annotated[int, typer.Option(help="Mesa replicates", min=1)] = 3,
    workers: Annotated[int | None, typer.Option(help="threads for the all-cores measurement", min=1)] = None,
    out: Annotated[Path | None, typer.Option(help="also write the figures as JSON to this file")] = None,
    profile: Annotated[int | None, typer.Option(help="then profile this many kernel replicates on one thread: "
                                                     "the time of each phase of the week", min=1)] = None,
) -> None:
    """Measure replicates/s of the Mesa model and of the kernel on one thread and on all cores
    (and, with --profile, where the kernel's time goes)."""
    from .runners.bench import benchmark, format_benchmark, format_profile
    from .runners.bench import profile as profile_kernel
    from .model import compile_from
    from .outputs import write_json

    if out and out.exists():
        fail(f"{out}: a new file for the figures; it exists already (threatnet never overwrites it)")
    if profile:
        from .model.cycles import AVAILABLE
        if not AVAILABLE:
            fail(f"--profile: reads the x86-64 cycle counter; this machine is {platform.machine()}")
    announce_compiling()
    compiled = compile_from(load_scenario(scenario_file(scenario)))
    result = benchmark(compiled, replicates, mesa_replicates, workers)
    typer.echo(format_benchmark(result))
    if profile:
        profiled = profile_kernel(compiled, profile)
        typer.echo(format_profile(profiled))
        result["profile"] = {key: value for key, value in profiled.items() if key not in ("run_rows", "entity_rows")}
    if out:
        if out.exists():  # made while the bench ran
            fail(f"{out}: a new file for the figures; it exists already (threatnet never overwrites it)")
        out.parent.mkdir(parents=True, exist_ok=True)
        write_json(out, result)


@app.command()
@reports_input_errors
def patterns(
    scenario: Annotated[str | None, typer.Argument(metavar="SCENARIO", help="scenario YAML file or shipped name",
                                                   show_default=False)] = None,
    patterns_file: Annotated[str | None, typer.Argument(metavar="PATTERNS", help="pattern YAML file or shipped name "
                                                        "(ucdp_civil_wars, west_africa_wars)", show_default=False)] = None,
    targets: Annotated[str | None, typer.Option(help="only print this pattern file's targets and bands (no model run)")] = None,
    replicates: Annotated[int | None, typer.Option(help="number of replicates (default: the pattern file's "
                                                        "`replicates`, else 200)", min=2, max=10_000_000)] = None,
    seed: Seed = None,
    workers: Annotated[int | None, typer.Option(help="threads (default: NUMBA_NUM_THREADS or all cores)", min=1, max=1024)] = None,
    json_output: Annotated[bool, typer.Option("--json", help="print JSON instead of a table")] = False,
    out: Annotated[Path | None, typer.Option(help="also write patterns.json and episodes.parquet to this folder")] = None,
    overwrite: Overwrite = False,
) -> None:
    """Compare simulated conflict episodes with patterns from real data (exit 0 pass or fail). With one
    argument, the pattern file's patterns name the scenarios that simulate them; with a scenario the file
    names, its own patterns are scored and the others listed as not scored; with any other, all of them."""
    from .patterns import command
    from .shipped import resolve

    if targets is not None:
        loaded = command.load_patterns(resolve(targets, "patterns"))
        typer.echo(command.targets_json(loaded) if json_output else command.format_targets(loaded))
        return
    if scenario is None:
        fail("patterns: give [SCENARIO] PATTERNS, or --targets PATTERNS")
    if patterns_file is None:  # one argument: a pattern file whose patterns name their scenarios
        scenario, patterns_file = None, scenario
    from .progress import counter

    scenario_path, patterns_path = scenario and scenario_file(scenario), resolve(patterns_file, "patterns")
    loaded = command.load_patterns(patterns_path)
    runs, replicates = len(loaded.by_scenario(scenario_path)), replicates or loaded.spec.replicates
    announce_compiling()
    with counter("replicates", replicates * runs, "replicates") as advance:
        try:
            report = command.run_patterns(scenario_path, patterns_path, replicates,
                                          seed, workers, out, overwrite, advance)
        except KeyboardInterrupt as error:
            interrupted("nothing is kept (patterns run in memory)", error, resumable=False)
    typer.echo(report.to_json() if json_output else command.format_results(report))
    if out and not json_output:
        written = "patterns.json, episodes.parquet" + (", annual.parquet" if report.annual is not None else "")
        typer.echo(f"wrote {out}/ ({written})")


@app.command()
@reports_input_errors
def calibrate(
    calibration: Annotated[Path, typer.Argument(metavar="CALIBRATION", help="calibration YAML file")],
    out: Annotated[Path | None, typer.Option(help="results folder (default results/calibration-NAME)")] = None,
    overwrite: Overwrite = False,
) -> None:
    """Search the assumed parameters so that a scenario matches its fit patterns; check the held-out ones."""
    from .analysis.calibrate import load_calibration, run_calibration
    from .patterns import command
    from .progress import counter

    spec = load_calibration(calibration).spec
    out = out or Path("results") / f"calibration-{spec.name}"
    announce_compiling()
    total = (spec.start_at_scenario + len(spec.start_points) + spec.sample
             + spec.starts * spec.refine_rounds * spec.refine_points + spec.shortlist)
    with counter("points", total, "points") as advance:
        try:
            record = run_calibration(calibration, out, overwrite, advance)
        except KeyboardInterrupt as error:
            interrupted(f"nothing of this search is kept; {out} is marked interrupted (a rerun starts again)", error,
                        resumable=False)
    typer.echo("chosen: " + ", ".join(f"{key} = {value:.4g}" for key, value in record["chosen"].items()))
    counts = record["summary"]
    typer.echo(f"at {spec.confirm_replicates} replicates: fit {counts['fit']['passed']}/{counts['fit']['patterns']} "
               f"patterns pass, held-out test {counts['test']['passed']}/{counts['test']['patterns']}")
    typer.echo(f"wrote {out}/ (points.parquet, chosen.yaml, patterns.json)")


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
    signal.signal(signal.SIGTERM, _terminate)
    code = 0
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
    except KeyboardInterrupt as error:
        sys.exit(getattr(error, "exit_code", 130))
    except typer.Abort as error:  # click's wrapping of a KeyboardInterrupt that no command caught
        sys.exit(getattr(error.__cause__, "exit_code", 130))
    except BrokenPipeError:  # output piped into `head` and closed: not an error of ours
        sys.stderr.close()
        sys.exit(0)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
