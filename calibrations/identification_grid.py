"""Is MAOC-N's split identified by the fit years? A grid over three of the calibrated parameters.

The corridor's calibration (west_africa_trafficking.yaml) searches 12 parameters by a Sobol sample and local
refinement. This grid varies three of them, every organisation's memory and MAOC-N's two chances from the
opening, with the other nine at their adopted values, and scores every pattern of the corridor: the fit
patterns (2005-2008) and the held-out ones (2009-2010) apart. docs/VALIDATION.md 1.1 reports it.

Run: python calibrations/identification_grid.py [replicates] [seed]     (defaults 400 and 12, the
calibration's confirming replicates and seed; about 5 minutes on 2 cores)
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

from sim.analysis.calibrate import closeness, load_calibration, score

HERE = Path(__file__).resolve().parent
MEMORY = (8.19, 28.3, 80.0)  # weeks: the adopted value, the previous calibration's, longer
SEABOARD = (0.13, 0.229, 0.35)  # MAOC-N on the West African seaboard from the opening: the previous calibration's, adopted, more
IBERIA = (0.1, 0.04)  # MAOC-N on the approaches to Iberia from the opening: adopted, less
SHOWN = {"flow_2006_level": "2006", "flow_2007_peak_level": "2007", "flow_2008_level": "2008",
         "flow_2009_level": "2009", "flow_2010_level": "2010", "flow_falls_by_half_2007_2010": "fall"}


def main(replicates: int = 400, seed: int = 12) -> None:
    calibration = load_calibration(HERE / "west_africa_trafficking.yaml")
    print("| memory (weeks) | seaboard | Iberia | fit passed | fit distance | closeness | held out passed | "
          + " | ".join(SHOWN.values()) + " |")
    print("|" + "---|" * (7 + len(SHOWN)))
    for memory, seaboard, iberia in itertools.product(MEMORY, SEABOARD, IBERIA):
        values = {**{f"organisations[{i}].memory_weeks": memory for i in range(4)},
                  "events[4].set.police.maritime[0].detection": seaboard,
                  "events[4].set.police.maritime[1].detection": iberia}
        results, fit = score(calibration, values, replicates, seed)
        fits = [r for r in results if r.role == "fit"]
        tests = [r for r in results if r.role == "test"]
        shown = {r.name: r for r in results}
        cells = [f"{shown[name].value:.3g}{'' if shown[name].passed else ' (out)'}" for name in SHOWN]
        print(f"| {memory:g} | {seaboard:g} | {iberia:g} | {sum(r.passed for r in fits)}/{len(fits)} | {fit:.2f} | "
              f"{closeness(results):.2f} | {sum(r.passed for r in tests)}/{len(tests)} | " + " | ".join(cells) + " |",
              flush=True)


if __name__ == "__main__":
    main(*(int(arg) for arg in sys.argv[1:3]))
