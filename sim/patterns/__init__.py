"""Patterns: targets computed from real data, and how far the model's episodes are from them.

    from sim.patterns import load_patterns, ucdp_episodes, as_episodes, evaluate, distance
    patterns = load_patterns(shipped.resolve("ucdp_civil_wars", "patterns"))
    episodes = as_episodes(sim.run_monte_carlo(scenario, 500, seed=1), scenario)   # the common format
    results = evaluate(episodes, patterns, seed=1)       # PatternResult per pattern: value, CI, band, PASS/FAIL
    distance(results, roles=("fit",))                    # what a calibration search minimises

Modules: `episodes` (the common episodes table and the adapter from today's Monte Carlo table),
`ucdp` (the shipped UCDP Conflict Termination data as episodes), `statistics` (the registered
statistics, vectorised for bootstraps), `spec` (pattern files), `evaluate` (bands, results, distance),
`command` (`threatnet patterns`).
"""

from .episodes import COLUMNS, END_TYPES, WEEKS_PER_YEAR, as_episodes, check_episodes, episodes_from_monte_carlo
from .evaluate import PatternResult, TargetBand, bands, distance, evaluate, summary
from .spec import Patterns, load_patterns
from .statistics import STATISTICS, statistic_value
from .ucdp import ucdp_episodes

__all__ = ["COLUMNS", "END_TYPES", "STATISTICS", "WEEKS_PER_YEAR", "PatternResult", "Patterns", "TargetBand",
           "as_episodes", "bands", "check_episodes", "distance", "episodes_from_monte_carlo", "evaluate",
           "load_patterns", "statistic_value", "summary", "ucdp_episodes"]
