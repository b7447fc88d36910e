"""`threatnet report RESULT_DIR [--open]`: the CLI face of `sim.report.write_report`.

Registered by `sim.cli` through `register(app)`; the CLI helpers are imported inside `register`
because `sim.cli` imports this module while it is still being defined.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    from ..cli import reports_input_errors

    @app.command()
    @reports_input_errors
    def report(
        result_dir: Annotated[Path, typer.Argument(help="a folder written by threatnet run, mc, experiment or sweep",
                                                   show_default=False)],
        open_: Annotated[bool, typer.Option("--open", help="open the page in the default web browser")] = False,
    ) -> None:
        """Write RESULT_DIR/report.html: one offline page with the interactive views of a result."""
        from ..report import write_report

        path = write_report(result_dir)
        typer.echo(f"wrote {path}")
        if open_:
            import webbrowser
            webbrowser.open(path.resolve().as_uri())
