"""The `threatnet` command: a thin face over the Python API.

Bad input of any kind is an `InputError`, printed as one line on stderr with
exit status 2 and no traceback; nothing is written before input is checked.
"""

from __future__ import annotations

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
        write_json(folder / "summary.json", result.summary)
        write_json(folder / "manifest.json", manifest(loaded, seed, kind="run", driver=driver,
                                                      scenario_file=str(scenario)))
    typer.echo(format_summary(result.summary))
    typer.echo(f"wrote {out}/")


def main() -> None:  # pragma: no cover - console entry point
    app(prog_name="threatnet")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
