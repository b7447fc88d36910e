"""Parameter sweeps on Dask: sweep files, designs, the runner and the analysis.

    from sim.sweep import load_sweep, run_sweep, analyse
    sweep = load_sweep("sweeps/funding_and_policing_sobol.yaml")
    result = run_sweep(sweep)                      # LocalCluster; or scheduler="tcp://HOST:8786"
    analyse(result.folder)                         # Sobol indices with CIs -> analysis.json, analysis.md

See docs/SWEEPS.md for the file format, the results folder and running on a cluster.
"""

from .analyze import analyse
from .design import design_points
from .runner import SweepResult, SweepTaskError, read_replicates, run_sweep
from .spec import Sweep, SweepSpec, load_sweep

__all__ = ["Sweep", "SweepResult", "SweepSpec", "SweepTaskError", "analyse", "design_points", "load_sweep",
           "read_replicates", "run_sweep"]
