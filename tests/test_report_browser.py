"""Each kind of report opened in a real browser: headless Chromium (Debian's), driven by Playwright.

The page must log no console error and no page error, request nothing but its own file (plotly.js
and the world map are embedded), and draw every figure: an SVG with traces that have geometry, the
heatmap's image, the map's land, the parallel coordinates' canvas. A full-page screenshot of each
is saved in the test's temporary folder for a person to look at.

Skipped only where /usr/bin/chromium is absent and THREATNET_REQUIRE_BROWSER is not set; `make
test` installs Chromium and sets it, so CI cannot skip these.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from sim.report import write_report

from .test_views import results  # noqa: F401  (the session's result folders, one per kind)

CHROMIUM = Path("/usr/bin/chromium")
REQUIRED = bool(os.environ.get("THREATNET_REQUIRE_BROWSER"))
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
KINDS = ("run", "mc", "experiment", "sweep")
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


def open_report(browser, path: Path) -> tuple:
    """Open a report; return (page, console errors, page errors, requests, seconds to render)."""
    page = browser.new_page()
    errors, crashes, requests = [], [], []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: crashes.append(str(error)))
    page.on("request", lambda request: requests.append(request.url))
    figures = path.read_text().count('class="plotly-graph-div"')
    started = time.perf_counter()
    page.goto(path.resolve().as_uri(), wait_until="load")
    page.wait_for_function(READY, arg=figures, timeout=RENDER_TIMEOUT_MS)
    page.wait_for_timeout(300)  # let plotly finish its async drawing (maps, WebGL)
    return page, errors, crashes, requests, time.perf_counter() - started


@pytest.mark.parametrize("kind", KINDS)
def test_report_renders_offline_without_errors(browser, results, kind, tmp_path):  # noqa: F811
    path = write_report(results[kind])
    page, errors, crashes, requests, seconds = open_report(browser, path)
    try:
        figures = page.evaluate(FIGURES)
        page.screenshot(path=str(tmp_path / f"report-{kind}.png"), full_page=True)
        assert errors == [] and crashes == []
        assert [url for url in requests if not url.startswith("file://")] == []
        assert len(figures) >= 3
        for figure in figures:
            assert figure["traces"] > 0 and figure["drawn"] > 0, figure
            assert figure["width"] > 600 and figure["height"] > 200, figure
            if figure["geo"]:
                assert figure["land"] >= 2, figure  # the embedded world map, in both panels
        assert seconds < 15
    finally:
        page.close()


def test_replicate_selector_switches_the_series(browser, results):  # noqa: F811
    """Choosing another sample replicate in the dropdown shows its traces and hides the first's."""
    page, errors, crashes, _, _ = open_report(browser, write_report(results["mc"]))
    try:
        plot = page.locator(".js-plotly-plot", has=page.locator(".updatemenu-container")).first
        visible = "gd => gd._fullData.map(t => t.visible === true)"
        before = plot.evaluate(visible)
        plot.locator(".updatemenu-header").click()
        plot.locator(".updatemenu-dropdown-button", has_text="replicate 2").click()
        page.wait_for_timeout(200)
        after = plot.evaluate(visible)
        assert sum(before) == sum(after) > 0 and before != after
        assert errors == [] and crashes == []
    finally:
        page.close()
