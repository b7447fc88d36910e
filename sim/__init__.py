"""threatnet: an organised-crime threat-network simulation engine.

    import sim
    scenario = sim.load_scenario("scenarios/west_africa_2009.yaml")
    series = sim.run_model(scenario, seed=1)        # one replicate, per-week DataFrame
    result = sim.run_experiment("experiments/criminal_funding.yaml", replicates=500)
    result.answer                                   # the answer sentence, with effect sizes and CIs
"""

__version__ = "0.1.0"

import hashlib as _hashlib  # noqa: E402
import os as _os  # noqa: E402
from pathlib import Path as _Path  # noqa: E402


def _numba_cache_dir() -> str:
    """A numba cache folder keyed by the package's source: numba checks only the
    timestamp of the file that holds a cached function, not of the rules it calls,
    so an edited rule could otherwise run stale compiled code."""
    here = _Path(__file__).parent
    sources = [here / name for name in ("rng.py", "rules.py", "state.py", "actions.py", "kernel.py")]
    digest = _hashlib.sha256(b"".join(p.read_bytes() for p in sources)).hexdigest()[:16]
    base = _Path(_os.environ.get("XDG_CACHE_HOME", _Path.home() / ".cache"))
    return str(base / "threatnet" / f"numba-{digest}")


_os.environ.setdefault("NUMBA_CACHE_DIR", _numba_cache_dir())

from .scenario import InputError, Scenario, load_scenario  # noqa: E402
from .run import RunResult, run_model, run_replicate  # noqa: E402
from .montecarlo import run_monte_carlo  # noqa: E402
from .experiment import ExperimentResult, run_experiment  # noqa: E402

__all__ = ["ExperimentResult", "InputError", "RunResult", "Scenario", "__version__", "load_scenario", "run_experiment",
           "run_model", "run_monte_carlo", "run_replicate"]
