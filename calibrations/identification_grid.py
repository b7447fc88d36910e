"""Is MAOC-N's split identified by the fit years? A grid over three of the calibrated parameters.

The corridor's calibration (west_africa_trafficking.yaml) searches 12 parameters by a Sobol sample and local
refinement. This grid varies three of them, every organisation's memory and MAOC-N's two chances from the
opening, with the other nine at the values adopted at commit 8821869 (pinned below), and scores the
patterns as they were split then: fit 2005-2008, held out 2009-2010. docs/VALIDATION.md 1.1 reports it;
it is why 2009-2010 became fit patterns (rule 3, step 7): at those values every seaboard chance from 0.229
to 0.35 fits 2005-2008, and the chance sets 2009-2010.

Run: python calibrations/identification_grid.py [replicates] [seed]     (defaults 400 and 12, the
calibration's confirming replicates and seed; about 5 minutes on 2 cores)
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

from dataclasses import replace

from sim.analysis.calibrate import closeness, load_calibration, score
from sim.patterns import distance

HERE = Path(__file__).resolve().parent
MEMORY = (8.19, 28.3, 80.0)  # weeks: step 4's value, the calibration's before it, longer
SEABOARD = (0.13, 0.229, 0.35)  # MAOC-N on the West African seaboard from the opening: the calibration's before step 4, step 4's, more
IBERIA = (0.1, 0.04)  # MAOC-N on the approaches to Iberia from the opening: step 4's, less
PINNED = {  # the other nine at commit 8821869 (VALIDATION 1.1, step 4)
    "events[0].set.police.maritime[0].detection": 0.0, "events[0].set.police.maritime[1].detection": 0.0,
    **{f"organisations[{i}].rationality": 11.4 for i in range(4)},
    "police.detection_rate_per_officer": 0.000469, "levers.host_capacity_growth_per_year": 0.0782,
    "events[2].set.levers.host_capacity_growth_per_year": 0.00176, "market.required_margin": 0.723,
    "market.capacity_response_per_week": 0.00308, "police.alert_gain": 1.64}
HELD_OUT_THEN = {"flow_2009_level", "flow_2010_level", "flow_falls_by_half_2007_2010",
                 "supply_to_europe_steady_2007_2010", "west_africa_share_of_seizures_2009"}
SHOWN = {"flow_2006_level": "2006", "flow_2007_peak_level": "2007", "flow_2008_level": "2008",
         "flow_2009_level": "2009", "flow_2010_level": "2010", "flow_falls_by_half_2007_2010": "fall"}


def main(replicates: int = 400, seed: int = 12) -> None:
    calibration = load_calibration(HERE / "west_africa_trafficking.yaml")
    print("| memory (weeks) | seaboard | Iberia | fit passed | fit distance | closeness | held out passed | "
          + " | ".join(SHOWN.values()) + " |")
    print("|" + "---|" * (7 + len(SHOWN)))
    for memory, seaboard, iberia in itertools.product(MEMORY, SEABOARD, IBERIA):
        values = {**PINNED, **{f"organisations[{i}].memory_weeks": memory for i in range(4)},
                  "events[4].set.police.maritime[0].detection": seaboard,
                  "events[4].set.police.maritime[1].detection": iberia}
        results, _ = score(calibration, values, replicates, seed)
        results = [replace(r, role="test" if r.name in HELD_OUT_THEN else "fit") for r in results]
        fits = [r for r in results if r.role == "fit"]
        tests = [r for r in results if r.role == "test"]
        fit = distance(results, roles=("fit",))
        shown = {r.name: r for r in results}
        cells = [f"{shown[name].value:.3g}{'' if shown[name].passed else ' (out)'}" for name in SHOWN]
        print(f"| {memory:g} | {seaboard:g} | {iberia:g} | {sum(r.passed for r in fits)}/{len(fits)} | {fit:.2f} | "
              f"{closeness(results):.2f} | {sum(r.passed for r in tests)}/{len(tests)} | " + " | ".join(cells) + " |",
              flush=True)


if __name__ == "__main__":
    main(*(int(arg) for arg in sys.argv[1:3]))
