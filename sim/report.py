"""One self-contained HTML page per result folder: the answer first, then the views that show it.

A page opens with the question (experiments), the answer with its uncertainty and any warning
about it, then the figures that carry the answer (effects per conflict before levels, per-conflict
curves before pooled ones); what ran (seed, version, command) is one click away below the answer.

Figures are laid out for the page's width: under NARROW_PX (a phone) each figure applies the
`narrow` layout its view stored in `layout.meta` (one panel per row, legend under the plot), and
figure titles are HTML headings that wrap instead of plotly titles that are cut.

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
import json
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
from .views import (SeriesViews, duration_histogram, end_type_shares, network_map, open_result, sensitivity_bars,
                    survival_data, sweep_heatmap, sweep_parallel)
from .views.effects import effect_forest, outcome_differences
from .views.load import Result
from .views.patterns import pattern_checks
from .views.people import arrests_series, people_network
from .views.style import NARROW_PX
from .views.survival import survival_by_conflict
from .views.sweep import DEFAULT_OUTCOME, main_effects, sensitivity_warnings, sweep_answer, sweep_outcomes

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
    warn: bool = False  # the note is a warning about the estimates: shown as one


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
                       header=_header(result), body="\n".join(body), plotly_gzip=plotly_gzip_base64(),
                       narrow_px=NARROW_PX, config=json.dumps(PLOT_CONFIG), figure_script=FIGURE_SCRIPT)


def run_sections(result: Result) -> Iterator[Section]:
    yield from _series_sections(result)
    yield from _people_sections(result)
    yield Section("Trafficking network", network_map(result),
                  "Width: tonnes moved along each leg over the run; colour: share of them seized. Hover a leg's "
                  "midpoint, a hub or a police unit for its numbers and names.")


def mc_sections(result: Result) -> Iterator[Section]:
    if result.summary.get("conflicts"):  # a scenario without conflicts has flows only
        yield Section("How long each conflict lasts", survival_by_conflict(result),
                      "Kaplan-Meier estimate over all replicates; conflicts still going at the horizon are "
                      "censored. A Monte Carlo run compares no arms: see an experiment for effects.")
        data = survival_data(result)
        yield Section("How conflicts ended", end_type_shares(data))
        yield Section("When conflicts ended", duration_histogram(data))
    yield from _series_sections(result)
    yield Section("Trafficking network", network_map(result), "The scenario's hubs, legs and police units.")


def experiment_sections(result: Result) -> Iterator[Section]:
    forest = effect_forest(result)
    if forest is not None:
        yield Section("Effect on conflict duration", forest,
                      "Squares: one conflict; diamond: pooled over the analysed conflicts. Bars: 95% CIs (hazard "
                      "ratio: Cox, robust errors clustered by replicate; RMST and median ratios: paired bootstrap "
                      "over replicates). The dashed line at 1 is no effect. Hover for the proportional-hazards "
                      "and log-rank p values.")
    if result.summary.get("conflicts"):  # a scenario without conflicts has flows only
        yield Section("How long each conflict lasts, per arm", survival_by_conflict(result),
                      "Conflicts still going at the horizon are censored. Arms share seeds, so where a lever does "
                      "not reach a conflict the curves coincide.")
        yield Section("How conflicts ended", end_type_shares(survival_data(result)))
    differences = outcome_differences(result)
    if differences is not None:
        yield Section("Other outcomes: what changed", differences,
                      "Replicate i of every arm ran with the same seed, so differences are paired. Outcomes whose "
                      "baseline mean is zero have no percentage and are left out (see summary.md).")
    yield Section("Trafficking network (base scenario)", network_map(result),
                  "The base scenario's hubs, legs and police units; arms change its levers.")


def sweep_sections(result: Result) -> Iterator[Section]:
    outcomes = sweep_outcomes(result)
    main = DEFAULT_OUTCOME if DEFAULT_OUTCOME in outcomes else outcomes[0]
    for outcome in dict.fromkeys([main, *SENSITIVITY_OUTCOMES]):
        if outcome not in outcomes:
            continue
        figure = sensitivity_bars(result, outcome)
        if figure is not None:
            warnings = sensitivity_warnings(result, outcome)
            yield Section("Which parameters matter", figure,
                          "Sobol indices or Morris screening computed by SALib (threatnet analyze). "
                          + " ".join(warnings), warn=bool(warnings))
            continue
        figure = main_effects(result, outcome)
        if figure is not None:
            yield Section("Which parameters matter", figure,
                          "Mean of the outcome at each level of one parameter, over the other parameters' "
                          "values: computed by threatnet analyze from the design points (not SALib).")
    yield Section("Outcome over two parameters", sweep_heatmap(result, main),
                  "Numbers in the cells are the outcome; colour is its difference from the reference point "
                  "(centre of the scale). Cells marked ~ differ from it by less than the replicate noise "
                  "(95% CI of a cell's mean).")
    yield Section("All parameters at once", sweep_parallel(result, main),
                  "Each line is one design point; drag along an axis to keep a range.")


def _series_sections(result: Result) -> Iterator[Section]:
    views = SeriesViews(result)
    titles = ("Cocaine and money over time", "Strength of each side over time", "Income of each belligerent")
    spread = ("One replicate: one possible history; a Monte Carlo run with --series-sample gives the spread."
              if len(views.replicates) == 1 else
              "Median across the sample replicates with 50% and 90% bands: the spread between runs, not "
              "uncertainty about a mean.")
    notes = (spread,
             "Each side's fighters until its conflict ends (marker); after the end nothing is drawn.",
             "Stacked: the top of each panel is the belligerent's whole income; one scale for all panels.")
    for figure, title, note in zip(views.figures(), titles, notes):
        yield Section(title, figure, note)


PEOPLE_SECTIONS = (  # (title, view, how to read it): shown where the run had people (the view is not None)
    ("The people of each organisation", people_network,
     ("Leaders at the centre, then coordinators and brokers, and on the outer ring the people who operate, beside "
      "the broker they answer to; the slider picks the week whose status colours the members, and blue ties are "
      "those investigations followed (wider: more often).")),
    ("Arrests and the organisations' capacity", arrests_series,
     ("The three stacks split the same arrests three ways (role, agency, the agency's INTERPOL access), so their "
      "tops are equal; capacity is the share of an organisation's operational members still linked to a leader.")),
)


def _people_sections(result: Result) -> Iterator[Section]:
    for title, view, note in PEOPLE_SECTIONS:
        figure = view(result)
        if figure is not None:
            yield Section(title, figure, note)


def pattern_sections(result: Result) -> Iterator[Section]:
    figure = pattern_checks(result)
    if figure is not None:
        yield Section("Simulated against real: the patterns", figure,
                      "Each row on its own scale: the grey bar is the target's band (computed from the UCDP data, "
                      "or cited), the diamond the simulated value with its 95% CI over replicates. Fit patterns "
                      "may have been used to choose parameters; test patterns were held out. Hover for values.")


SECTIONS: dict[str, Callable[[Result], Iterator[Section]]] = {
    "run": run_sections, "mc": mc_sections, "experiment": experiment_sections, "sweep": sweep_sections,
    "patterns": pattern_sections, "calibration": pattern_sections}


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
    """A section: heading, the figure's title as wrapping text, a note, then the figure's JSON, which
    the page draws once plotly.js is unpacked (see PAGE)."""
    data = compact(section.figure)
    layout = data.setdefault("layout", {})
    title = (layout.get("title") or {}).get("text") or ""
    layout["title"] = {"text": ""}  # the heading below carries it, and wraps on a phone
    margin = layout.setdefault("margin", {})
    margin["t"] = max(20, margin.get("t", 80) - 40)
    legend = layout.get("legend") or {}
    if legend.get("yref") == "container" and isinstance(legend.get("y"), (int, float)):
        legend["y"] = min(1.0, legend["y"] + 40 / (layout.get("height") or 500))
    payload = pio.to_json(data, validate=False).replace("</", "<\\/")
    note = f'<p class="note{" warning" if section.warn else ""}">{html.escape(section.note)}</p>' if section.note else ""
    caption = f'<p class="figure-title">{html.escape(title)}</p>' if title else ""
    return (f'<section><h2>{html.escape(section.title)}</h2>{caption}{note}\n'
            f'<div id="figure-{number}" class="plotly-graph-div figure"></div>\n'
            f'<script type="{FIGURE_SCRIPT}" data-target="figure-{number}">{payload}</script>\n</section>')


FIGURE_SCRIPT = "application/x-threatnet-figure+json"


@functools.lru_cache(maxsize=1)
def plotly_gzip_base64() -> str:
    """plotly.js gzipped and base64-encoded: 1.9 MB in the page instead of 4.8 MB."""
    return base64.b64encode(gzip.compress(get_plotlyjs().encode(), mtime=0)).decode("ascii")


def _title(result: Result) -> str:
    manifest = result.manifest
    what = manifest.get("experiment") or manifest.get("sweep") or manifest.get("scenario") or result.folder.name
    return f"threatnet {result.kind}: {what}"


def _header(result: Result) -> str:
    """Question, the answer with its uncertainty and warnings, then what ran (folded: seed, version, command)."""
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
    lead, points, warnings = answer(result)
    if lead:
        items = "".join(f"<li>{html.escape(point)}</li>" for point in points)
        cautions = "".join(f'<p class="warning">{html.escape(w)}</p>' for w in warnings)
        parts.append(f'<div class="answer" id="answer"><p class="lead">{html.escape(lead)}</p>'
                     f'{f"<ul>{items}</ul>" if items else ""}{cautions}</div>')
    parts.append(f'<details class="facts"><summary>What ran: seed, version, command</summary>'
                 f'<table class="facts">{rows}</table></details>')
    return "\n".join(parts)


def answer(result: Result) -> tuple[str, list[str], list[str]]:
    """(lead sentence, further points, warnings) that open the page, from the result's own summaries."""
    summary = result.summary
    if result.kind == "experiment" and summary.get("arms"):
        from .analysis.survival import arm_sentences
        sentences = arm_sentences(summary)
        cautions = [s for s in sentences if s.startswith("Proportional hazards do not hold")]
        rest = [s for s in sentences if s not in cautions]
        return rest[0], rest[1:], cautions
    if result.kind == "mc" and summary.get("conflicts"):
        return _mc_answer(result)
    if result.kind == "run" and "tonnes_shipped_per_year" in summary:
        return _run_answer(result)
    if result.kind == "sweep":
        return sweep_answer(result)
    if result.kind in ("patterns", "calibration"):
        return _patterns_answer(result)
    return "", [], []


def _patterns_answer(result: Result) -> tuple[str, list[str], list[str]]:
    """How many patterns pass, fit and held out; for a calibration, the values it chose."""
    document = result.json("patterns.json") or {}
    counts = document.get("summary")
    if not counts:
        return "", [], []
    lead = (f"{counts['passed']} of {counts['patterns']} patterns inside their bands: "
            f"{counts['fit']['passed']} of {counts['fit']['patterns']} fit, "
            f"{counts['test']['passed']} of {counts['test']['patterns']} held out (test).")
    points = [f"{r['name'].replace('_', ' ')}: simulated {r['value']:.3g} against the band "
              f"{r['band_low']:.3g}-{r['band_high']:.3g}" for r in document.get("results", [])
              if not r["passed"] and r["value"] is not None]
    chosen = result.manifest.get("chosen")
    if chosen:
        points.insert(0, "Chosen: " + ", ".join(f"{key.rsplit('.', 1)[-1]} {value:.3g}" for key, value in chosen.items()))
    if document.get("not_scored"):
        points.append("Not scored here (they name another scenario): " + ", ".join(document["not_scored"]))
    return lead, points, []


def _mc_answer(result: Result) -> tuple[str, list[str], list[str]]:
    """Median duration per conflict, by name, with its CI: what a Monte Carlo run of one scenario tells."""
    from .analysis.survival import conflict_label

    names = {c["id"]: conflict_label(c["name"]) for c in (result.scenario or {}).get("conflicts", [])}
    replicates = result.summary.get("replicates") or result.manifest.get("completed_replicates")
    points = []
    for record in result.summary["conflicts"]:
        weeks = record.get("median_weeks")
        name = names.get(record["conflict"], record["conflict"])
        if weeks is None:
            points.append(f"{name}: median beyond the horizon ({100 * record['share_ended']:.0f}% ended)")
            continue
        low, high = record.get("median_ci_low"), record.get("median_ci_high")
        interval = f"95% CI {low:.0f}-{high:.0f}" if low is not None and high is not None else "CI open"
        points.append(f"{name}: median {weeks:.0f} weeks ({weeks / 52.18:.1f} years; {interval}), "
                      f"{100 * record['share_ended']:.0f}% ended by the horizon")
    lead = (f"How long the conflicts last in this scenario, over {replicates:,} replicates (Kaplan-Meier median "
            f"duration with its 95% CI):" if isinstance(replicates, int) else
            "How long the conflicts last in this scenario (Kaplan-Meier median with its 95% CI):")
    return lead, points, []


def _text(name: str, value) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    return f"{value:,}" if name == "replicates" and isinstance(value, int) else str(value)


def _run_answer(result: Result) -> tuple[str, list[str], list[str]]:
    """One replicate: how each conflict ended (whose victory, by name) and the year's flows."""
    from .analysis.survival import conflict_label

    summary, scenario = result.summary, result.scenario or {}
    names = {c["id"]: conflict_label(c["name"]) for c in scenario.get("conflicts", [])}
    belligerents = {b["id"]: (b["name"], b["side"]) for c in scenario.get("conflicts", []) for b in c["belligerents"]}
    points = []
    for c in summary.get("conflicts", []):
        name = names.get(c["conflict"], c["conflict"])
        if not c["ended"]:
            how = "still going at the horizon (censored)"
        elif c["end_type"].endswith("victory") and c.get("winner") in belligerents:
            winner, side = belligerents[c["winner"]]
            how = f"ended by {side} victory ({winner})"
        else:
            how = f"ended in {c['end_type'].replace('_', ' ')}"
        points.append(f"{name}: {c['duration_weeks']} weeks ({c['duration_weeks'] / 52.18:.1f} years), {how}; "
                      f"{100 * c['funding_share_from_crime']:.1f}% of its funding from crime")
    points.append(f"Cocaine per year: {summary['tonnes_shipped_per_year']:.1f} t shipped, "
                  f"{summary['tonnes_seized_per_year']:.1f} t seized, {summary['tonnes_delivered_per_year']:.1f} t "
                  f"delivered; seizure rate {100 * summary['seizure_rate']:.1f}%; criminal revenue "
                  f"US${summary['criminal_revenue_usd_per_year'] / 1e9:.2f} bn a year")
    lead = (f"One replicate (seed {summary.get('seed')}) of {summary.get('scenario')}, "
            f"{summary.get('horizon_weeks', 0) / 52.18:.0f} years: one possible history, not an estimate; "
            f"a Monte Carlo run gives the spread.")
    return lead, points, []


STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #222;
       max-width: 1280px; margin: 0 auto; padding: 16px 24px 48px; line-height: 1.4; overflow-wrap: anywhere; }
h1 { font-size: 24px; margin: 8px 0 12px; }
h2 { font-size: 19px; margin: 32px 0 4px; border-top: 1px solid #ddd; padding-top: 18px; }
.question { font-size: 17px; color: #444; margin: 4px 0; }
.answer { font-size: 16px; background: #f4f8fb; border-left: 4px solid #0072B2; padding: 10px 14px; margin: 10px 0 14px; }
.answer .lead { font-size: 17px; font-weight: 600; margin: 0 0 6px; }
.answer ul { margin: 4px 0; padding-left: 20px; }
.warning { background: #fff6e0; border-left: 4px solid #B8860B; padding: 6px 10px; color: #5a4300; }
p.warning { margin: 6px 0; }
details.facts { font-size: 13px; margin: 8px 0; color: #555; }
table.facts { border-collapse: collapse; font-size: 13px; margin: 8px 0; }
table.facts th { text-align: left; font-weight: 600; padding: 2px 16px 2px 0; color: #555; vertical-align: top; }
table.facts td { padding: 2px 0; font-family: ui-monospace, Menlo, Consolas, monospace; word-break: break-all; }
.figure-title { font-size: 15px; font-weight: 600; margin: 4px 0 2px; }
.note { font-size: 13px; color: #555; margin: 2px 0 8px; }
.figure { width: 100%; }
@media (max-width: 640px) {
  body { padding: 8px 10px 32px; }
  h1 { font-size: 20px; }
  h2 { font-size: 17px; margin-top: 24px; }
  .answer { padding: 8px 10px; font-size: 15px; }
  .answer .lead { font-size: 15px; }
}
"""

PAGE = r"""<!DOCTYPE html>
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
// Under {narrow_px} px (a phone) each figure also applies the layout its view stored in layout.meta.narrow.
(async () => {{
  const packed = Uint8Array.from(atob(document.getElementById("plotly-gzip").textContent), c => c.charCodeAt(0));
  const source = await new Response(new Blob([packed]).stream().pipeThrough(new DecompressionStream("gzip"))).text();
  const script = document.createElement("script"); script.text = source; document.head.appendChild(script);
  const config = {config};
  const figures = [...document.querySelectorAll('script[type="{figure_script}"]')].map(element => ({{
    target: document.getElementById(element.dataset.target), text: element.textContent }}));
  // "a.b[2].c" keys of a plotly relayout, applied to the layout before drawing (one draw, maps included).
  const set = (target, path, value) => {{
    const keys = path.replace(/\[(\d+)\]/g, ".$1").split(".");
    let node = target;
    keys.slice(0, -1).forEach((key, i) => {{
      if (node[key] === undefined || node[key] === null) node[key] = /^\d+$/.test(keys[i + 1]) ? [] : {{}};
      node = node[key];
    }});
    node[keys[keys.length - 1]] = value;
  }};
  let narrow = null;
  const draw = async () => {{
    const now = document.documentElement.clientWidth < {narrow_px};
    if (now === narrow) return;
    narrow = now;
    for (const figure of figures) {{
      const spec = JSON.parse(figure.text);
      const meta = spec.layout.meta || {{}};
      if (narrow && meta.narrow) Object.entries(meta.narrow).forEach(([key, value]) => set(spec.layout, key, value));
      if (narrow && meta.narrow_restyle) meta.narrow_restyle[1].forEach(index =>
        Object.entries(meta.narrow_restyle[0]).forEach(([key, value]) => set(spec.data[index], key, value)));
      await Plotly.react(figure.target, spec.data, spec.layout, config);
    }}
  }};
  await draw();
  window.addEventListener("resize", () => draw());
}})();
</script>
</body>
</html>
"""
