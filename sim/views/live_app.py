"""The Solara app of `threatnet live` (run by `solara run sim.views.live_app`): one page, the scenario
named by THREATNET_LIVE_SCENARIO (set by `sim.views.live.serve`)."""

import os

from sim.shipped import default_scenario
from sim.views.live import page as _page

page = _page(os.environ.get("THREATNET_LIVE_SCENARIO") or default_scenario())
