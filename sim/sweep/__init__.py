"""Parameter sweeps on Dask: sweep files, designs, the runner and the analysis.

    from sim.sweep import load_sweep, run_sweep, analyse
    sweep = load_sweep("sweeps/funding_and_policing_sobol.yaml")
    result = run_sweep(sweep)                      # LocalCluster; or scheduler="tcp://HOST:8786"
    analyse(result.folder)                         # Sobol indices with CIs -> analysis.json, analysis.md

See docs/SWEEPS.md for the file format, the results folder and running on a cluster.
"""

# Loaded on first use (module __getattr__), so that registering the CLI commands stays cheap.
_LAZY = {"analyse": "analyze", "design_points": "design", "SweepResult": "runner", "SweepTaskError": "runner",
         "read_replicates": "runner", "run_sweep": "runner", "Sweep": "spec", "SweepSpec": "spec",
         "load_sweep": "spec"}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["Sweep", "SweepResult", "SweepSpec", "SweepTaskError", "analyse", "design_points", "load_sweep",
           "read_replicates", "run_sweep"]
