"""`threatnet live`: Mesa's SolaraViz serves one run on 127.0.0.1, and stepping it changes the page.

The server is started as a user would (`threatnet live west_africa_2009 --port P`), opened in
headless Chromium (Debian's, driven by Playwright); the test presses Step three times and checks
that the step counter reads 3 and that the drawings of the network space and of the shipments in
flight changed, with no page error and no request leaving 127.0.0.1 (the Solara assets are served
locally by solara-assets). The Mesa model stands on a network space: every agent is placed on a
node of the trafficking graph.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from .test_report_browser import ARGS, CHROMIUM, REQUIRED

ROOT = Path(__file__).resolve().parents[1]
needs_browser = pytest.mark.skipif(not CHROMIUM.exists() and not REQUIRED, reason="no /usr/bin/chromium")


def test_live_refuses_a_missing_scenario_in_one_line():
    from typer.testing import CliRunner

    from sim.cli import app

    outcome = CliRunner().invoke(app, ["live", "no_such_scenario", "--port", "1"])
    assert outcome.exit_code == 2
    lines = outcome.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: no_such_scenario") and "shipped" in lines[0]


def test_mesa_model_stands_on_a_network_space():
    from mesa.space import NetworkGrid

    from sim.drivers.mesa import ThreatNetworkModel

    model = ThreatNetworkModel(ROOT / "scenarios" / "west_africa_2009.yaml")
    assert isinstance(model.grid, NetworkGrid)
    assert all(agent.pos in model.grid.G for agent in model.agents)
    names = {agent.entity_id: model.grid.G.nodes[agent.pos]["name"] for agent in model.agents}
    assert names["unmil_monrovia"] == "Monrovia" and names["gw_army_faction"].startswith("Bijagos")
    assert names["gw_government"] == "Bissau"  # a hub no other side controls, in its own country


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_served(url: str, server: subprocess.Popen, seconds: float = 900) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"threatnet live exited with {server.returncode}: {server.stdout.read()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"{url} not served within {seconds} s")


@pytest.fixture
def live_server():
    port = free_port()
    server = subprocess.Popen([sys.executable, "-c", "import sim.cli; sim.cli.main()", "live", "west_africa_2009",
                               "--port", str(port)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True)
    try:
        url = f"http://127.0.0.1:{port}/"
        wait_until_served(url, server)  # after the model's warm-up step: minutes where numba compiles afresh
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()


@needs_browser
def test_live_view_steps_the_model_in_the_browser(live_server, tmp_path):
    screenshots = tmp_path
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1366, "height": 1000})
        crashes, outside = [], []
        page.on("pageerror", lambda error: crashes.append(str(error)))
        page.on("request", lambda request: request.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "blob:",
                                                                   "data:")) or outside.append(request.url))
        try:
            page.goto(live_server)
            page.get_by_text("Step: 0").wait_for(timeout=60_000)
            # Solara redraws by replacing the <img> elements: wait for two drawn images, never a fixed sleep
            drawn = ("Array.from(document.images).filter(image => image.src && image.complete && image.naturalWidth > 0)"
                     ".map(image => image.src)")
            page.wait_for_function(f"{drawn}.length >= 2", timeout=60_000)
            before = page.evaluate(drawn)
            step = page.get_by_role("button", name="Step")
            for _ in range(3):
                step.click()
                page.wait_for_timeout(400)
            page.get_by_text("Step: 3").wait_for(timeout=60_000)
            try:  # the drawings are redrawn after the counter moves; a timeout leaves `after` as it is for the asserts
                page.wait_for_function(f"(before => {{ const now = {drawn}; return now.length >= 2 && "
                                       "now.filter((src, i) => src !== before[i]).length >= 2; })",
                                       arg=before, timeout=30_000)
            except PlaywrightTimeout:  # the assertions below say what was drawn
                pass
            after = page.evaluate(drawn)
            page.screenshot(path=str(screenshots / "live-after-3-steps.png"))
        finally:
            browser.close()
    assert len(before) >= 2 and before != after  # the network and the shipments were drawn again
    assert sum(old != new for old, new in zip(before, after)) >= 2
    assert crashes == [] and outside == []
