"""The shipped notebook (notebooks/views.ipynb) runs headless and its HTML export keeps every figure.

It is executed with nbclient on the session's small result folders, exported with nbconvert's
HTML exporter, and the export is checked as a reader would get it: every figure the notebook
showed is in the HTML with plotly.js embedded once (no CDN) and the world map embedded; opened in
headless Chromium with every request off the page refused, each figure draws (the map with its
land). `jupyter nbconvert --to html` of a notebook that did not call `views.use_offline_notebook()`
keeps no figure: the first test shows the check can fail.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbconvert import HTMLExporter

from .test_report_browser import ARGS, CHROMIUM, REQUIRED
from .test_views import results  # noqa: F401  (the session's result folders, one per kind)

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "views.ipynb"


def execute(notebook: nbformat.NotebookNode, results_folder: Path, cwd: Path) -> nbformat.NotebookNode:
    previous = os.environ.get("THREATNET_NOTEBOOK_RESULTS")
    os.environ["THREATNET_NOTEBOOK_RESULTS"] = str(results_folder)
    try:
        NotebookClient(notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}).execute()
    finally:
        if previous is None:
            os.environ.pop("THREATNET_NOTEBOOK_RESULTS", None)
        else:
            os.environ["THREATNET_NOTEBOOK_RESULTS"] = previous
    return notebook


def shown_figures(notebook: nbformat.NotebookNode) -> int:
    """Figures the notebook displayed: outputs carrying a plotly figure, whatever their format."""
    return sum(1 for cell in notebook.cells if cell.cell_type == "code" for output in cell.get("outputs", [])
               if "application/vnd.plotly.v1+json" in output.get("data", {})
               or "plotly-graph-div" in output.get("data", {}).get("text/html", ""))


@pytest.mark.filterwarnings("ignore:Your element with mimetype")  # nbconvert's word for the dropped figure
def test_without_the_offline_renderer_the_export_keeps_no_figure(results, tmp_path):  # noqa: F811
    """What users hit (issue 16): plotly's default notebook output does not survive nbconvert's HTML."""
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "from sim import views\nviews.network_map(views.open_result(r'%s'))" % results["run"])])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    execute(notebook, results["run"].parent, tmp_path)
    page, _ = HTMLExporter().from_notebook_node(notebook)
    assert page.count('class="plotly-graph-div"') == 0


@pytest.fixture(scope="module")
def exported(results, tmp_path_factory):  # noqa: F811
    folder = tmp_path_factory.mktemp("notebook")
    notebook = execute(nbformat.read(NOTEBOOK, as_version=4), results["run"].parent, folder)
    errors = [output for cell in notebook.cells for output in cell.get("outputs", []) if output.output_type == "error"]
    assert errors == []
    page, _ = HTMLExporter().from_notebook_node(notebook)
    path = folder / "views.html"
    path.write_text(page)
    return notebook, path


def test_notebook_uses_every_view_and_its_html_keeps_every_figure(exported):
    notebook, path = exported
    page = path.read_text()
    source = "\n".join(cell.source for cell in notebook.cells)
    for view in ("effect_forest", "survival_by_conflict", "outcome_differences", "survival_curves", "end_type_shares",
                 "duration_histogram", "series_figures", "declared_series", "network_map", "sensitivity_bars",
                 "sweep_heatmap", "sweep_parallel"):
        assert f"views.{view}(" in source, view
    figures = shown_figures(notebook)
    assert figures >= 14
    assert page.count('class="plotly-graph-div"') == figures
    assert page.count("Plotly.newPlot(") >= figures
    assert "world_110m" in page  # the map plotly.js would fetch from cdn.plot.ly
    assert page.count("plotly.js v") == 1  # embedded once, not linked
    ours = page.split("</head>", 1)[1]  # nbconvert's own template links require.js and MathJax; the outputs nothing
    assert not re.search(r"<script[^>]*src=", ours.split("jupyter-wrapper", 1)[-1])


@pytest.mark.skipif(not CHROMIUM.exists() and not REQUIRED, reason="no /usr/bin/chromium")
def test_exported_notebook_draws_offline_in_a_browser(exported):
    from playwright.sync_api import sync_playwright

    notebook, path = exported
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        page = browser.new_page()
        outside = []

        def refuse(route):
            outside.append(route.request.url)
            route.abort()

        page.route(re.compile(r"^(?!file:).*"), refuse)  # the reader is offline
        crashes = []
        page.on("pageerror", lambda error: crashes.append(str(error)))
        page.goto(path.resolve().as_uri(), wait_until="load")
        page.wait_for_timeout(3000)
        drawn = page.evaluate("""() => [...document.querySelectorAll('.js-plotly-plot')].map(gd => ({
            traces: (gd._fullData || []).length,
            land: [...gd.querySelectorAll('.geo .layer.land path')].filter(p => (p.getAttribute('d') || '').length > 1000).length,
            geo: gd.querySelectorAll('.geo').length }))""")
        browser.close()
    assert crashes == []
    assert len(drawn) == shown_figures(notebook)
    assert all(figure["traces"] > 0 for figure in drawn)
    assert all(figure["land"] >= 2 for figure in drawn if figure["geo"])
