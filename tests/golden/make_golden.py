"""Record the golden results that a restructuring of the model must reproduce bit for bit.

Run once, on the code whose results are to be kept, from the repository root. First recorded before the
model was declared as domain modules; re-recorded on purpose when the conflict model was rebuilt and
calibrated (issue 13: territory, bargaining, UCDP endings; the results change by design), and when
west_africa_2009 gained the direct routes, the market, MAOC-N and the sourced protection fee (issue 14), and
when its organisations gained people, couriers and arrests (issue 15; scenarios without people were checked
to give the same values in every column they had before), and when a run's series gained each node's
seizures and courier arrivals (issue 15: 96 columns added, every other column identical), and when the
2005-2012 trafficking calibration with MAOC-N's opening was adopted into west_africa_2009 (issue 14:
new values of twelve calibrated parameters; guinea_bissau and civil_war_reference unchanged), and when a run
gained `maritime_watched_kg` (every other column identical) and the calibration with S237's share and
several starts was adopted (issue 14: the twelve values again):

    .venv/bin/python tests/golden/make_golden.py

tests/test_golden.py compares every file here with what the current code gives, exactly.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SCENARIOS = ("west_africa_2009", "guinea_bissau", "no_criminal_funding", "interpol_access", "un_police_surge",
             "civil_war_reference")
MC_SEEDS = (1, 2)
MC_REPLICATES = 150
RUN_SEEDS = (1, 2)


def run_series(seed: int) -> pd.DataFrame:
    from sim.runners.run import run_replicate
    return run_replicate(ROOT / "scenarios" / "west_africa_2009.yaml", seed, "kernel").series.reset_index()


def mc_table(scenario: str, seed: int) -> pd.DataFrame:
    from sim.runners.montecarlo import run_monte_carlo
    return run_monte_carlo(ROOT / "scenarios" / f"{scenario}.yaml", MC_REPLICATES, seed=seed, workers=2,
                           chunk_size=50)


def experiment_table() -> pd.DataFrame:
    from sim.analysis.experiment import run_experiment
    return run_experiment(ROOT / "experiments" / "criminal_funding.yaml", replicates=100, seed=3, workers=2).table


def sweep_table(folder: Path) -> pd.DataFrame:
    import yaml

    from sim.sweep.runner import read_replicates, run_sweep
    from sim.sweep.spec import load_sweep

    data = yaml.safe_load((ROOT / "sweeps" / "un_police_grid.yaml").read_text())
    data.update(replicates=20, scenario=str(ROOT / "scenarios" / Path(data["scenario"]).name))
    path = folder / "sweep.yaml"
    path.write_text(yaml.safe_dump(data))
    result = run_sweep(load_sweep(path), folder / "out", workers=2)
    return read_replicates(result.folder)


def golden_tables(scratch: Path) -> dict[str, pd.DataFrame]:
    tables = {f"run-west_africa_2009-seed{seed}": run_series(seed) for seed in RUN_SEEDS}
    tables.update({f"mc-{scenario}-seed{seed}": mc_table(scenario, seed) for scenario in SCENARIOS
                   for seed in MC_SEEDS})
    tables["experiment-criminal_funding"] = experiment_table()
    tables["sweep-un_police_grid"] = sweep_table(scratch)
    return tables


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        for name, table in golden_tables(Path(scratch)).items():
            table.to_parquet(HERE / f"{name}.parquet", index=False)
            print(name, table.shape)
