"""Each kind of report opened in a real browser: headless Chromium (Debian's), driven by Playwright.

At a desktop width (1366 px) and a phone width (390 px), the page must log no console error and no
page error, request nothing but its own file (plotly.js and the world map are embedded), draw every
figure (an SVG with traces that have geometry, the heatmap's image, the map's land, the parallel
coordinates' canvas), open with the answer, scroll no wider than the screen, and have no text
element on another: titles, legends, annotations (subplot titles), axis titles, tick labels, menus
and map labels are compared by their bounding boxes. A full-page screenshot of each is saved in the
test's temporary folder for a person to look at.

Skipped only where /usr/bin/chromium is absent and THREATNET_REQUIRE_BROWSER is not set; `make
test` installs Chromium and sets it, so CI cannot skip these.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from sim.report import write_report

from .test_views import MIN_FIGURES, results  # noqa: F401  (the session's result folders, one per kind)

CHROMIUM = Path("/usr/bin/chromium")
REQUIRED = bool(os.environ.get("THREATNET_REQUIRE_BROWSER"))
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
KINDS = ("run", "mc", "experiment", "sweep", "grid", "patterns")  # sweep: a Sobol design; grid: a grid design
WIDTHS = (1366, 390)
RENDER_TIMEOUT_MS = 20_000

pytestmark = pytest.mark.skipif(not CHROMIUM.exists() and not REQUIRED,
                                reason="no /usr/bin/chromium (apt-get install chromium; make test does)")

# Per figure: what plotly drew. `drawn` counts geometry that is really there: trace paths with a
# path string, heatmap images with data, non-empty canvases (parallel coordinates are WebGL).
FIGURES = """() => [...document.querySelectorAll('.js-plotly-plot')].map(gd => {
  const long = (element, attribute) => (element.getAttribute(attribute) || '').length > 10;
  const svg = gd.querySelector('svg.main-svg');
  const box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
  return {
    id: gd.id, traces: (gd._fullData || []).length, width: box.width, height: box.height,
    drawn: [...gd.querySelectorAll('g.trace path')].filter(p => long(p, 'd')).length
         + [...gd.querySelectorAll('g.hm image')].filter(i => long(i, 'href')).length
         + [...gd.querySelectorAll('canvas')].filter(c => c.width > 0 && c.height > 0).length,
    geo: gd.querySelectorAll('.geo').length,
    land: [...gd.querySelectorAll('.geo .layer.land path')].filter(p => (p.getAttribute('d') || '').length > 1000).length,
  };
})"""
# Bounding boxes of the text a reader must be able to read, per figure. Tick labels are compared with
# the rest but not with one another (plotly thins and turns them itself); map labels with everything.
TEXT_BOXES = """() => [...document.querySelectorAll('.js-plotly-plot')].map(gd => {
  const box = (element, kind) => { const r = element.getBoundingClientRect();
    return {kind, text: (element.textContent || '').slice(0, 40), x: r.x, y: r.y, w: r.width, h: r.height}; };
  const visible = b => b.w > 1 && b.h > 1;
  const seen = new Set();
  const pick = (selector, kind, keep = () => true) => [...gd.querySelectorAll(selector)]
    .filter(e => keep(e) && !seen.has(e) && seen.add(e)).map(e => box(e, kind));
  const texts = [
    ...pick('.infolayer text.gtitle', 'title'),
    ...[...gd.querySelectorAll('.infolayer g.legend')].map(e => box(e.querySelector('.bg') || e, 'legend')),
    ...pick('.infolayer .annotation-text-g', 'annotation'),
    ...pick('.colorbar text.cbtitle, .colorbar .cbtitle text', 'colour bar title'),
    ...pick('.infolayer [class*="title"] text, .infolayer text[class*="title"]', 'axis title',
            e => !e.classList.contains('gtitle') && !e.closest('.legend')),
    ...pick('.updatemenu-container .updatemenu-header-group', 'menu'),
    ...pick('.geo .scatterlayer text', 'map label', e => e.textContent),
    ...pick('.parcoords text.axis-title', 'axis title'),
  ].filter(visible);
  const ticks = [...gd.querySelectorAll('.xtick text, .ytick text, .x2tick text, .y2tick text')]
    .map(e => box(e, 'tick')).filter(visible);
  const frame = gd.getBoundingClientRect();
  const outside = [...texts, ...ticks]
    .filter(b => b.x < frame.x - 1 || b.x + b.w > frame.x + frame.width + 1);
  return {id: gd.id, texts, ticks, outside};
})"""
READY = """n => { const plots = [...document.querySelectorAll('.js-plotly-plot')];
  return plots.length === n && plots.every(gd => gd._fullLayout && gd.querySelector('svg.main-svg')); }"""


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        profile = tmp_path_factory.mktemp("chromium-profile")
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=str(CHROMIUM), args=ARGS, headless=True,
            viewport={"width": 1280, "height": 900}, service_workers="block")
        yield context
        context.close()


def open_report(browser, path: Path, width: int = 1366) -> tuple:
    """Open a report at a window width; return (page, console errors, page errors, requests, seconds to render)."""
    page = browser.new_page()
    page.set_viewport_size({"width": width, "height": 900})
    errors, crashes, requests = [], [], []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: crashes.append(str(error)))
    page.on("request", lambda request: requests.append(request.url))
    figures = path.read_text().count('class="plotly-graph-div')
    started = time.perf_counter()
    page.goto(path.resolve().as_uri(), wait_until="load")
    page.wait_for_function(READY, arg=figures, timeout=RENDER_TIMEOUT_MS)
    page.wait_for_timeout(300)  # let plotly finish its async drawing (maps, WebGL)
    return page, errors, crashes, requests, time.perf_counter() - started


def overlaps(first: dict, second: dict, tolerance: float = 2.0) -> bool:
    """Whether two boxes share more than `tolerance` pixels both across and down."""
    across = min(first["x"] + first["w"], second["x"] + second["w"]) - max(first["x"], second["x"])
    down = min(first["y"] + first["h"], second["y"] + second["h"]) - max(first["y"], second["y"])
    return across > tolerance and down > tolerance


def overlapping_text(figures: list[dict]) -> list[tuple]:
    """(figure, one text, another) for every pair of text boxes on one another."""
    found = []
    for figure in figures:
        texts = figure["texts"]
        for i, first in enumerate(texts):
            for second in texts[i + 1:] + figure["ticks"]:
                if overlaps(first, second):
                    found.append((figure["id"], first["kind"], first["text"], second["kind"], second["text"]))
    return found


@pytest.fixture(scope="module")
def reports(results):  # noqa: F811
    return {kind: write_report(results[kind]) for kind in KINDS}


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("kind", KINDS)
def test_report_renders_offline_without_errors_or_overlaps(browser, reports, kind, width, tmp_path):
    path = reports[kind]
    page, errors, crashes, requests, seconds = open_report(browser, path, width)
    try:
        figures = page.evaluate(FIGURES)
        page.screenshot(path=str(tmp_path / f"report-{kind}-{width}.png"), full_page=True)
        assert errors == [] and crashes == []
        assert [url for url in requests if url != path.resolve().as_uri()] == []
        assert len(figures) >= MIN_FIGURES.get(kind, 3)
        for figure in figures:
            assert figure["traces"] > 0 and figure["drawn"] > 0, figure
            assert figure["width"] > min(600, width - 40) and figure["height"] > 200, figure
            if figure["geo"]:
                assert figure["land"] >= 2, figure  # the embedded world map, in both panels
        boxes = page.evaluate(TEXT_BOXES)
        assert overlapping_text(boxes) == []
        assert [(f["id"], b["kind"], b["text"]) for f in boxes for b in f["outside"]] == []  # no text cut at an edge
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), "wider than the screen"
        first = page.evaluate("(() => { const a = document.querySelector('.answer'); "
                              "return a ? a.getBoundingClientRect().top : null; })()")
        assert first is not None and first < 400, "the answer opens the page"
        assert seconds < 20
    finally:
        page.close()


def test_overlap_check_can_fail():
    """The overlap check finds two titles on one another (and not two titles side by side)."""
    title = {"kind": "title", "text": "a", "x": 10, "y": 10, "w": 100, "h": 20}
    over = {"kind": "legend", "text": "b", "x": 60, "y": 15, "w": 100, "h": 20}
    beside = {"kind": "legend", "text": "c", "x": 115, "y": 10, "w": 100, "h": 20}
    assert overlapping_text([{"id": "f", "texts": [title, over], "ticks": []}]) != []
    assert overlapping_text([{"id": "f", "texts": [title, beside], "ticks": []}]) == []


def test_phone_width_lays_figures_out_in_one_column(browser, reports):
    """At 390 px the per-conflict curves stack one panel per row, each as wide as the screen allows."""
    page, errors, crashes, _, _ = open_report(browser, reports["experiment"], 390)
    try:
        widths = page.evaluate("""() => [...document.querySelectorAll('.js-plotly-plot')].map(gd =>
            Object.keys(gd._fullLayout).filter(k => /^xaxis\\d*$/.test(k)).map(k => gd._fullLayout[k].domain))""")
        stacked = [domains for domains in widths if len(domains) >= 4]
        assert stacked and all(domain == [0, 1] for domains in stacked for domain in domains)
        assert errors == [] and crashes == []
    finally:
        page.close()
