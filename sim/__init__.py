"""threatnet: an organised-crime threat-network simulation engine.

    import sim
    scenario = sim.load_scenario("scenarios/west_africa_2009.yaml")
    series = sim.run_model(scenario, seed=1)        # one replicate, per-week DataFrame
"""

__version__ = "0.1.0"

from .scenario import InputError, Scenario, load_scenario  # noqa: E402
from .run import RunResult, run_model, run_replicate  # noqa: E402

__all__ = ["InputError", "RunResult", "Scenario", "__version__", "load_scenario", "run_model", "run_replicate"]
