"""One self-contained HTML page per result folder: a header saying what ran, then its views.

The page works offline and makes no request: plotly.js is embedded once, gzipped (the browser
unpacks it with DecompressionStream before drawing the figures), MathJax is left out, fonts are the reader's own, and the world map that plotly.js would fetch
for `scattergeo` is embedded too (`sim/views/assets/world_110m.json`). Which views appear depends
on the manifest's kind; all of them are aggregated (`sim.views.load`), so the page of a
million-replicate run weighs what the page of a thousand does.
"""

from __future__ import annotations

import base64
import functools
import gzip
import html
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import pyarrow as pa
import plotly.io as pio
from plotly.offline import get_plotlyjs

from . import __version__
from .outputs import open_folder
from .scenario import InputError
from .views import (SeriesViews, arm_outcomes, duration_histogram, end_type_shares, network_map, open_result,
                    sensitivity_bars, survival_curves, survival_data, sweep_heatmap, sweep_parallel)
from .views.load import Result
from .views.sweep import DEFAULT_OUTCOME, main_effects, sweep_outcomes

REPORT_NAME = "report.html"
WORLD_MAP = Path(__file__).parent / "views" / "assets" / "world_110m.json"
PLOT_CONFIG = {"displaylogo": False, "responsive": True, "scrollZoom": False,
               "toImageButtonOptions": {"format": "png", "scale": 2}}
SENSITIVITY_OUTCOMES = ("seizure_rate", "belligerent_funding_share_from_crime")


@dataclass
class Section:
    title: str
    figure: go.Figure
    note: str = ""


def write_report(result_dir: str | Path) -> Path:
    """Write `report.html` into a result folder (atomically) and return its path."""
    result = open_result(result_dir)
    try:
        page = report_html(result)
    except (OSError, pa.ArrowException, ValueError, KeyError) as error:  # a file missing, torn or not ours
        raise InputError(str(result.folder), "", f"a complete result folder; reading it failed: "
                                                 f"{type(error).__name__}: {str(error).splitlines()[0][:200]}") from None
    with open_folder(result.folder) as folder:
        return folder.write_text(REPORT_NAME, page)


def report_html(source) -> str:
    """The whole page as a string: header, then one section per view that fits the result's kind."""
    result = open_result(source)
    sections = list(SECTIONS[result.kind](result))
    body = [_figure_html(section, number) for number, section in enumerate(sections)]
    return PAGE.format(title=html.escape(_title(result)), style=STYLE, world_map=WORLD_MAP.read_text(),
                       header=_header(result), body="\n".join(body), plotly_gzip=plotly_gzip_base64())


def run_sections(result: Result) -> Iterator[Section]:
    yield Section("Trafficking network", network_map(result),
                  "Width: tonnes moved along each leg over the run; colour: share of them seized. Hover a leg's "
                  "midpoint, a hub or a police unit for its numbers.")
    yield from _series_sections(result)


def mc_sections(result: Result) -> Iterator[Section]:
    if result.summary.get("conflicts"):  # a scenario without conflicts has flows only
        yield from _survival_sections(result, "per conflict")
    yield from _series_sections(result)
    yield Section("Trafficking network", network_map(result), "The scenario's hubs, legs and police units.")


def experiment_sections(result: Result) -> Iterator[Section]:
    if result.summary.get("conflicts"):  # a scenario without conflicts has flows only
        yield from _survival_sections(result, "per arm, pooled over the analysed conflicts")
    outcomes = arm_outcomes(result)
    if outcomes is not None:
        yield Section("Outcomes per arm", outcomes, "Means over replicates from the experiment's summary.")
    yield Section("Trafficking network (base scenario)", network_map(result),
                  "The base scenario's hubs, legs and police units; arms change its levers.")


def sweep_sections(result: Result) -> Iterator[Section]:
    outcomes = sweep_outcomes(result)
    main = DEFAULT_OUTCOME if DEFAULT_OUTCOME in outcomes else outcomes[0]
    yield Section("Outcome over two parameters", sweep_heatmap(result, main),
                  "Mean over the design points in each cell; the axes are the two parameters with the largest "
                  "total Sobol index (or mu*) where the sweep was analysed, else the first two.")
    yield Section("All parameters", sweep_parallel(result, main), "Each line is one design point.")
    for outcome in dict.fromkeys([main, *SENSITIVITY_OUTCOMES]):
        if outcome not in outcomes:
            continue
        figure = sensitivity_bars(result, outcome) or main_effects(result, outcome)
        if figure is not None:
            yield Section("Sensitivity", figure, "From threatnet analyze (SALib).")


def _survival_sections(result: Result, groups: str) -> Iterator[Section]:
    data = survival_data(result)  # counted once, drawn three times
    yield Section(f"Conflict duration {groups}", survival_curves(data),
                  "Conflicts still going at the horizon are censored. Diamonds: median with its 95% CI. "
                  "HR: hazard ratio of ending against the baseline (above 1: conflicts end sooner).")
    yield Section("Distribution of durations", duration_histogram(data))
    yield Section("How conflicts ended", end_type_shares(data))


def _series_sections(result: Result) -> Iterator[Section]:
    views = SeriesViews(result)
    notes = ("Per week, averaged over short blocks of weeks.", "", "Stacked: the top of each panel is the "
             "belligerent's whole income.")
    for figure, note in zip(views.figures(), notes):
        yield Section("Weekly series", figure, note)


SECTIONS: dict[str, Callable[[Result], Iterator[Section]]] = {
    "run": run_sections, "mc": mc_sections, "experiment": experiment_sections, "sweep": sweep_sections}


def compact(figure: go.Figure) -> dict:
    """The figure as a dict whose plotted float arrays are 32-bit: half the bytes of a page.

    Plotly stores arrays as base64 typed arrays of 64-bit floats and its validation would widen a
    narrower array back, so the narrowing is done on the dict, which is passed on unvalidated;
    seven significant digits are more than a screen shows.
    """
    data = figure.to_plotly_json()
    for trace in data["data"]:
        for name in ("x", "y", "z"):
            spec = trace.get(name)
            if isinstance(spec, dict) and spec.get("dtype") == "f8" and "bdata" in spec:
                values = np.frombuffer(base64.b64decode(spec["bdata"]), dtype="<f8").astype("<f4")
                trace[name] = {**spec, "dtype": "f4", "bdata": base64.b64encode(values.tobytes()).decode("ascii")}
    return data


def _figure_html(section: Section, number: int) -> str:
    """A section with its figure; the figure's script waits for plotly.js (see PLOTLY_LOADER)."""
    figure = pio.to_html(compact(section.figure), validate=False, full_html=False, include_plotlyjs=False,
                         include_mathjax=False, config=PLOT_CONFIG, div_id=f"figure-{number}",
                         default_height=f"{section.figure.layout.height}px")
    figure = figure.replace("<script>", f'<script type="{FIGURE_SCRIPT}">', 1)
    note = f'<p class="note">{html.escape(section.note)}</p>' if section.note else ""
    return f'<section><h2>{html.escape(section.title)}</h2>{note}\n{figure}\n</section>'


FIGURE_SCRIPT = "text/x-threatnet-figure"


@functools.lru_cache(maxsize=1)
def plotly_gzip_base64() -> str:
    """plotly.js gzipped and base64-encoded: 1.9 MB in the page instead of 4.8 MB."""
    return base64.b64encode(gzip.compress(get_plotlyjs().encode(), mtime=0)).decode("ascii")


def _title(result: Result) -> str:
    manifest = result.manifest
    what = manifest.get("experiment") or manifest.get("sweep") or manifest.get("scenario") or result.folder.name
    return f"threatnet {result.kind}: {what}"


def _header(result: Result) -> str:
    """What ran (scenario or experiment, seed, version, run id, when, how), and the answer or key figures."""
    manifest, summary = result.manifest, result.summary
    facts = {
        "experiment": manifest.get("experiment"), "sweep": manifest.get("sweep"), "scenario": manifest.get("scenario"),
        "seed": manifest.get("seed"),
        "replicates": manifest.get("completed_replicates", manifest.get("replicates") or summary.get("replicates")),
        "design": manifest.get("design"),
        "threatnet version": manifest.get("threatnet_version", __version__),
        "run id": manifest.get("run_id") or summary.get("run_id") or result.folder.name,
        "created (UTC)": manifest.get("created_utc"), "command": manifest.get("command"),
    }
    rows = "".join(f"<tr><th>{html.escape(name)}</th><td>{html.escape(_text(name, value))}</td></tr>"
                   for name, value in facts.items() if value not in (None, ""))
    parts = [f"<h1>{html.escape(_title(result))}</h1>"]
    if summary.get("question"):
        parts.append(f'<p class="question">{html.escape(summary["question"])}</p>')
    if summary.get("answer"):
        parts.append(f'<p class="answer">{html.escape(summary["answer"])}</p>')
    parts.append(f'<table class="facts">{rows}</table>')
    lines = _key_figures(result)
    if lines:
        parts.append("<ul class=\"figures\">" + "".join(f"<li>{html.escape(line)}</li>" for line in lines) + "</ul>")
    return "\n".join(parts)


def _text(name: str, value) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    return f"{value:,}" if name == "replicates" and isinstance(value, int) else str(value)


def _key_figures(result: Result) -> list[str]:
    """The terminal summary of a run or Monte Carlo run, one line per item."""
    summary = result.summary
    if result.kind == "run" and "conflicts" in summary and "tonnes_shipped_per_year" in summary:
        from .views.text import format_summary
        return [line.strip() for line in format_summary(summary).splitlines()[1:]]
    if result.kind == "mc" and summary.get("conflicts"):
        from .analysis.survival import format_duration_summary
        return [line.strip() for line in format_duration_summary(summary["conflicts"]).splitlines()]
    return []


STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #222;
       max-width: 1280px; margin: 0 auto; padding: 16px 24px 48px; line-height: 1.4; }
h1 { font-size: 24px; margin: 8px 0 12px; }
h2 { font-size: 19px; margin: 32px 0 4px; border-top: 1px solid #ddd; padding-top: 18px; }
.question { font-size: 16px; color: #444; margin: 4px 0; }
.answer { font-size: 17px; font-weight: 600; background: #f4f8fb; border-left: 4px solid #0072B2;
          padding: 10px 14px; margin: 10px 0 14px; }
table.facts { border-collapse: collapse; font-size: 13px; margin: 8px 0; }
table.facts th { text-align: left; font-weight: 600; padding: 2px 16px 2px 0; color: #555; vertical-align: top; }
table.facts td { padding: 2px 0; font-family: ui-monospace, Menlo, Consolas, monospace; word-break: break-all; }
ul.figures { font-size: 14px; margin: 10px 0; padding-left: 20px; }
.note { font-size: 13px; color: #555; margin: 2px 0 8px; }
"""

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{style}</style>
<script>window.PlotlyGeoAssets = {{topojson: {{"world_110m": {world_map}}}}};</script>
</head>
<body>
<header>
{header}
</header>
<main>
{body}
</main>
<script id="plotly-gzip" type="application/octet-stream">{plotly_gzip}</script>
<script>
// plotly.js travels gzipped; the browser unpacks it (DecompressionStream), runs it, then draws the figures.
(async () => {{
  const packed = Uint8Array.from(atob(document.getElementById("plotly-gzip").textContent), c => c.charCodeAt(0));
  const source = await new Response(new Blob([packed]).stream().pipeThrough(new DecompressionStream("gzip"))).text();
  const run = text => {{ const script = document.createElement("script"); script.text = text; document.head.appendChild(script); }};
  run(source);
  document.querySelectorAll('script[type="text/x-threatnet-figure"]').forEach(figure => run(figure.text));
}})();
</script>
</body>
</html>
"""
