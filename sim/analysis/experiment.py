"""Experiments: arms of one base scenario compared on conflict duration and flows.

An experiment file names a base scenario, arms (each a set of key-path
overrides), replicates, a seed and outcomes. Every arm runs replicate i with
the same seed `replicate_seed(seed, i)` (common random numbers): the kernel
draws by (seed, week, entity, purpose), so two arms see the same luck and
differ only by their levers. The analysis (`sim.survival`) treats conflict
duration as survival data; this module runs the arms, keeps what finished
across interruptions, and writes the results folder.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..model import MODEL, compile_from
from ..outputs import ResultFolder, code_fingerprint, manifest
from ..runners.montecarlo import DEFAULT_CHUNK, default_workers, iterate_chunks, write_monte_carlo
from ..scenario import InputError, Scenario, load_scenario, read_yaml_mapping, scenario_hash, validate_document
from ..scenario.schema import Id
from .survival import analyse_experiment, format_experiment_markdown

OUTCOMES = tuple(MODEL.run_outcomes())  # every per-replicate outcome the model declares


class Arm(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    name: Id
    label: str = Field(min_length=1, description="how the arm is named in sentences and legends")
    overrides: dict[str, Any] = Field(default_factory=dict, description="scenario key path -> value")


class ExperimentSpec(BaseModel):
    """An experiment file, validated as strictly as a scenario."""

    model_config = ConfigDict(extra="forbid", strict=True)

    name: Id
    question: str = Field(min_length=1)
    description: str = ""
    scenario: str = Field(min_length=1, description="base scenario, relative to the experiment file")
    seed: int = Field(ge=0, lt=2**63)
    replicates: int = Field(ge=2, le=10_000_000)
    baseline: Id = Field(description="the arm the others are compared with")
    arms: list[Arm] = Field(min_length=2, max_length=50)
    conflicts: list[Id] | None = Field(default=None, description="conflicts analysed (default: all)")
    outcomes: list[str] = Field(default=list(OUTCOMES), min_length=1)
    headline_outcomes: list[str] = Field(default_factory=list,
                                         description="outcomes stated in the answer sentence beside duration")

    @model_validator(mode="after")
    def _consistent(self) -> ExperimentSpec:
        names = [arm.name for arm in self.arms]
        duplicated = sorted({name for name in names if names.count(name) > 1})
        if duplicated:
            raise ValueError(f"arms with distinct names; {', '.join(duplicated)} appears more than once")
        if self.baseline not in names:
            raise ValueError(f"baseline to be one of the arms ({', '.join(names)}); got {self.baseline!r}")
        unknown = [name for name in self.outcomes if name not in OUTCOMES]
        if unknown:
            raise ValueError(f"outcomes among {', '.join(OUTCOMES)}; got {', '.join(unknown)}")
        unlisted = [name for name in self.headline_outcomes if name not in self.outcomes]
        if unlisted:
            raise ValueError(f"headline outcomes among the outcomes; got {', '.join(unlisted)}")
        return self


@dataclass
class Experiment:
    """A validated experiment: its spec and one validated scenario per arm."""

    spec: ExperimentSpec
    file: Path
    scenarios: dict[str, Scenario]

    @property
    def base(self) -> Scenario:
        return self.scenarios[self.spec.baseline]

    def fingerprint(self) -> str:
        """Hash of the spec and every arm's scenario: same content, same run id."""
        content = json.dumps({"spec": self.spec.model_dump(mode="json"),
                              "arms": {name: scenario_hash(s) for name, s in self.scenarios.items()}},
                             sort_keys=True)
        return hashlib.sha256(content.encode()).hexdigest()

    def run_id(self, replicates: int, seed: int) -> str:
        return f"n{replicates}-seed{seed}-{self.fingerprint()[:8]}"


@dataclass
class ExperimentResult:
    """Replicate table (one row per arm, replicate and conflict) and the fitted summaries."""

    experiment: Experiment
    table: pd.DataFrame
    summary: dict
    fitted: dict = field(default_factory=dict)  # lifelines fitters: "km" per arm, "cox"
    folder: Path | None = None

    @property
    def answer(self) -> str:
        return self.summary["answer"]


def load_experiment(path: str | Path) -> Experiment:
    """Read and check an experiment file: spec, base scenario, every arm's overrides and conflicts."""
    path = Path(path)
    spec = validate_document(ExperimentSpec, read_yaml_mapping(path, "experiment"), str(path))
    scenario_path = path.parent / spec.scenario
    if not scenario_path.is_file():
        raise InputError(str(path), "scenario", f"an existing scenario file; '{spec.scenario}' was not found "
                                                f"relative to this file")
    base = load_scenario(scenario_path)  # problems in the scenario itself name the scenario file
    scenarios = {}
    for index, arm in enumerate(spec.arms):
        try:
            scenarios[arm.name] = load_scenario(scenario_path, arm.overrides)
        except InputError as together:
            for key, value in arm.overrides.items():  # one at a time, to name the override at fault
                try:
                    load_scenario(scenario_path, {key: value})
                except InputError as error:
                    raise InputError(str(path), f"arms[{index}].overrides.{key}", error.expected) from None
            raise InputError(str(path), f"arms[{index}].overrides", together.expected) from None
    known = [c.id for c in base.conflicts]
    for conflict in spec.conflicts or []:
        if conflict not in known:
            raise InputError(str(path), "conflicts", f"conflicts of the scenario ({', '.join(known) or 'none'}); "
                                                     f"got {conflict!r}")
    return Experiment(spec=spec, file=path, scenarios=scenarios)


def winner_sides(scenario: Scenario) -> dict[str, str]:
    return {b.id: b.side for c in scenario.conflicts for b in c.belligerents}


def _label_rows(table: pd.DataFrame, arm: str, sides: dict[str, str]) -> pd.DataFrame:
    table.insert(0, "arm", arm)
    table["winner_side"] = table["winner"].map(sides).fillna("none") if "winner" in table else "none"
    return table


def run_arms_in_memory(experiment: Experiment, replicates: int, seed: int, workers: int,
                       progress: Callable[[int], None] | None = None) -> pd.DataFrame:
    """Every arm's replicates as one table, without touching the disk."""
    tables = []
    for arm in experiment.spec.arms:
        compiled = compile_from(experiment.scenarios[arm.name])
        sides = winner_sides(compiled.scenario)
        for chunk, _ in iterate_chunks(compiled, replicates, seed, workers, DEFAULT_CHUNK):
            tables.append(_label_rows(chunk, arm.name, sides))
            if progress:
                progress(chunk["replicate"].nunique())
    return pd.concat(tables, ignore_index=True)


ARM_PATTERNS = ("arms/*/replicates/part-*.parquet", "arms/*/series/part-*.parquet")


def run_arms_to_folder(experiment: Experiment, replicates: int, seed: int, workers: int, folder: ResultFolder,
                       progress: Callable[[int], None] | None = None,
                       chunk_size: int = DEFAULT_CHUNK) -> pd.DataFrame:
    """Run the arms into `arms/<arm>/replicates/` of a claimed folder, skipping chunks that a previous run
    finished, and return the whole table. After Ctrl-C or SIGTERM the finished chunks stay and the same
    command resumes after them."""
    for arm in experiment.spec.arms:
        compiled = compile_from(experiment.scenarios[arm.name])
        write_monte_carlo(compiled, replicates, seed, workers, folder, f"arms/{arm.name}/", chunk_size,
                          on_chunk=progress)
    # Parts are read in name order, which is replicate order: the table does not depend on timing.
    tables = [_label_rows(pd.read_parquet(folder.path / "arms" / arm.name / "replicates"), arm.name,
                          winner_sides(experiment.scenarios[arm.name]))
              for arm in experiment.spec.arms]
    return pd.concat(tables, ignore_index=True)


def run_experiment(path: str | Path | Experiment, replicates: int | None = None, seed: int | None = None,
                   workers: int | None = None, out: str | Path | None = None,
                   progress: Callable[[int], None] | None = None, chunk_size: int = DEFAULT_CHUNK,
                   overwrite: bool = False) -> ExperimentResult:
    """Run an experiment file with the kernel and analyse it; with `out`, write (or resume) its folder.

    The folder is claimed before anything runs (see sim.outputs). Raises KeyboardInterrupt after
    keeping finished chunks if interrupted while writing a folder.
    """
    experiment = path if isinstance(path, Experiment) else load_experiment(path)
    replicates = replicates or experiment.spec.replicates
    seed = experiment.spec.seed if seed is None else seed
    workers = workers or default_workers()
    if out is None:
        table = run_arms_in_memory(experiment, replicates, seed, workers, progress)
        summary, fitted = analyse_experiment(experiment.spec, table, run_id=experiment.run_id(replicates, seed),
                                             **analysis_context(experiment))
        return ExperimentResult(experiment, table, summary, fitted)
    identity = {"experiment_hash": experiment.fingerprint(), "replicates": int(replicates), "seed": int(seed),
                "chunk_size": int(chunk_size), "code": code_fingerprint()}
    with ResultFolder(out, "experiment", identity, patterns=ARM_PATTERNS, overwrite=overwrite) as folder:
        folder.update(**manifest(experiment.base, seed, experiment=experiment.spec.name,
                                 experiment_file=str(experiment.file), run_id=folder.path.name,
                                 replicates=replicates, workers=workers))
        if (folder.path / "replicates.parquet").is_file():  # finished before: analyse again, run nothing
            table = pd.read_parquet(folder.path / "replicates.parquet")
            if progress:
                progress(replicates * len(experiment.spec.arms))
        else:
            table = run_arms_to_folder(experiment, replicates, seed, workers, folder, progress, chunk_size)
        summary, fitted = analyse_experiment(experiment.spec, table, run_id=folder.path.name,
                                             **analysis_context(experiment))
        write_experiment_folder(experiment, table, summary, folder)
    return ExperimentResult(experiment, table, summary, fitted, folder.path)


def analysis_context(experiment: Experiment) -> dict:
    """What the analysis needs from the base scenario: the horizon (for RMST) and the conflicts' names."""
    base = experiment.base
    return {"horizon_weeks": base.horizon_weeks, "conflict_names": {c.id: c.name for c in base.conflicts}}


def default_folder(experiment: Experiment, replicates: int, seed: int) -> Path:
    return Path("results") / experiment.spec.name / experiment.run_id(replicates, seed)


def write_experiment_folder(experiment: Experiment, table: pd.DataFrame, summary: dict,
                            folder: ResultFolder) -> None:
    """replicates.parquet, summary.json, summary.md, scenario.json; the manifest; then drop the chunks."""
    folder.write_parquet("replicates.parquet", table)
    folder.write_json("summary.json", summary)
    folder.write_text("summary.md", format_experiment_markdown(summary))
    folder.write_json("scenario.json", experiment.base.model_dump(mode="json", by_alias=True))
    for pattern in ARM_PATTERNS:
        folder.remove(pattern)
    folder.finish(experiment_hash=experiment.fingerprint(),
                  arms={name: {"scenario_hash": scenario_hash(s)} for name, s in experiment.scenarios.items()})
