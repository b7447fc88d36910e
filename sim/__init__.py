"""threatnet: an organised-crime threat-network simulation engine.

    import sim
    scenario = sim.load_scenario("west_africa_2009.yaml")   # or a path; see sim.shipped.resolve
    series = sim.run_model(scenario, seed=1)        # one replicate, per-week DataFrame
    result = sim.run_experiment(sim.shipped.resolve("criminal_funding", "experiments"), replicates=500)
    result.answer                                   # the answer sentence, with effect sizes and CIs

`import sim` loads only the scenario format; numba, Mesa and lifelines load with the first function
that needs them (module `__getattr__`), so `threatnet validate` and `schema` start quickly.
"""

__version__ = "0.1.0"

from .numba_cache import _configure_numba_cache  # noqa: E402

_configure_numba_cache()

from .scenario import InputError, Scenario, load_scenario  # noqa: E402

_LAZY = {"RunResult": "runners.run", "run_model": "runners.run", "run_replicate": "runners.run",
         "run_monte_carlo": "runners.montecarlo", "ExperimentResult": "analysis.experiment",
         "run_experiment": "analysis.experiment", "ThreatNetworkModel": "drivers.mesa"}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")


__all__ = ["ExperimentResult", "InputError", "RunResult", "Scenario", "__version__", "load_scenario", "run_experiment",
           "run_model", "run_monte_carlo", "run_replicate"]
