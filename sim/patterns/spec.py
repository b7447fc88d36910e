"""Pattern files: the schema and every check made before anything runs.

    name: ucdp_civil_wars
    seed: 2021                 # seeds the bootstraps of the UCDP bands
    bootstrap: 2000            # resamples for bands and for simulated 95% CIs
    replicates: 10000          # a run's replicates unless --replicates says otherwise (default 200)
    patterns:
      - name: low_activity_share
        statistic: {ending_share: {end_type: low_activity}}   # a statistic of sim.patterns.statistics, with arguments
        target: {ucdp: computed, tolerance: 0.05}             # computed from the UCDP data, band widened by 0.05
        source: "UCDP Conflict Termination v3-2021; FACTS-2 §1.5 (43%)"
        role: fit                                             # fit: calibration may use it; test: held out
      - name: sierra_leone_ending
        conflict: sierra_leone                                # only the simulated episodes of this conflict
        statistic: {ending_share: {ucdp_episode: 38201}}
        target: {band: [0.10, 1.0], assumption: "the real ending is at least 10% of simulated endings"}
        source: "FACTS-2 §1.5, §2.1"
        role: test

A target is one of three kinds:
* `{ucdp: computed, tolerance: T}` or `{ucdp: computed, relative: R}`: the statistic of the UCDP episodes;
  its band is the seeded 95% bootstrap interval over UCDP episodes, widened by T on each side (absolute)
  or by R x |target| (relative);
* `{cited: VALUE, band: [LOW, HIGH], source: "FACTS-2 §..."}`: a figure from the literature with its band;
* `{band: [LOW, HIGH], assumption: "..."}`: an acceptance band that is itself an assumption, stated.

Checked as strictly as scenarios (pydantic, strict, unknown keys refused with the nearest valid key),
reported through the scenario loader: one line naming the file, the key path and what was expected.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model, model_validator

from ..scenario import InputError, read_yaml_mapping, validate_document
from ..scenario.schema import Id
from .statistics import STATISTICS, Arguments, Statistic

Finite = Annotated[float, Field(allow_inf_nan=False)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class _OneStatistic(Strict):
    @model_validator(mode="after")
    def _exactly_one(self):
        given = [name for name in type(self).model_fields if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError(f"exactly one statistic, one of {', '.join(STATISTICS)}; got "
                             f"{', '.join(given) if given else 'none'}")
        return self

    @property
    def name(self) -> str:
        return next(name for name in type(self).model_fields if getattr(self, name) is not None)

    @property
    def arguments(self) -> Arguments:
        return getattr(self, self.name)

    @property
    def statistic(self) -> Statistic:
        return STATISTICS[self.name]


# One optional field per registered statistic: adding a statistic to STATISTICS adds it here.
StatisticChoice = create_model(
    "StatisticChoice", __base__=_OneStatistic,
    **{name: (statistic.arguments | None, Field(default=None, description=statistic.unit))
       for name, statistic in STATISTICS.items()})


class Target(Strict):
    """What the statistic should be: computed from UCDP, cited, or an assumed band."""

    ucdp: Literal["computed"] | None = Field(default=None, description="the statistic of the UCDP episodes")
    tolerance: Finite | None = Field(default=None, ge=0, description="ucdp: widen the 95% interval by this")
    relative: Finite | None = Field(default=None, ge=0, le=10, description="ucdp: widen by this share of the target")
    cited: Finite | None = Field(default=None, description="a published figure")
    band: list[Finite] | None = Field(default=None, min_length=2, max_length=2, description="[low, high]")
    source: str | None = Field(default=None, min_length=1, description="where the cited figure comes from")
    assumption: str | None = Field(default=None, min_length=1, description="why an assumed band is what it is")

    @model_validator(mode="after")
    def _one_kind(self):
        if self.band is not None and self.band[0] > self.band[1]:
            raise ValueError(f"band must be [low, high] with low <= high; got {self.band}")
        if self.ucdp is not None:
            if (self.tolerance is None) == (self.relative is None):
                raise ValueError("a ucdp target needs exactly one of tolerance (absolute) and relative")
            if self.cited is not None or self.band is not None:
                raise ValueError("a ucdp target is computed: its band comes from the bootstrap (no cited, no band)")
        elif self.tolerance is not None or self.relative is not None:
            raise ValueError("tolerance and relative widen computed targets only (ucdp: computed)")
        elif self.cited is not None:
            if self.band is None or self.source is None:
                raise ValueError("a cited target needs band: [low, high] and source")
            if not self.band[0] <= self.cited <= self.band[1]:
                raise ValueError(f"the band {self.band} must contain the cited value {self.cited}")
        elif self.band is None or self.assumption is None:
            raise ValueError("a target is {ucdp: computed, tolerance|relative}, {cited, band, source} "
                             "or {band, assumption}")
        return self

    @property
    def kind(self) -> str:
        return "ucdp" if self.ucdp else "cited" if self.cited is not None else "assumed"


class Pattern(Strict):
    """One pattern: a statistic of the simulated episodes and what it should be."""

    name: Id
    description: str = ""
    statistic: StatisticChoice  # type: ignore[valid-type]
    target: Target
    conflict: Id | None = Field(default=None, description="only the simulated episodes of this conflict id")
    scenario: str | None = Field(default=None, min_length=1, description="the scenario that simulates it, a file "
                                 "relative to the pattern file or a shipped name (used when no scenario is given)")
    source: str = Field(min_length=1, description="where the pattern comes from (FACTS-2 section)")
    role: Literal["fit", "test"] = Field(description="fit: calibration may use it; test: held out")

    @model_validator(mode="after")
    def _conflict_of_episodes(self):
        if self.conflict is not None and self.statistic.statistic.table != "episodes":
            raise ValueError(f"conflict selects episodes; {self.statistic.name} reads the annual table")
        return self


class PatternFile(Strict):
    """A pattern file, validated as strictly as a scenario."""

    name: Id
    description: str = ""
    seed: int = Field(ge=0, lt=2**63, description="seeds the bootstraps of UCDP bands")
    bootstrap: int = Field(default=2000, ge=100, le=100_000, description="bootstrap resamples")
    replicates: int = Field(default=200, ge=2, le=10_000_000, description="replicates of a run where --replicates "
                            "gives none: enough for the simulated CIs to resolve the bands")
    patterns: list[Pattern] = Field(min_length=1, max_length=1000)


@dataclass(frozen=True)
class Patterns:
    """A checked pattern file."""

    spec: PatternFile
    file: Path

    @property
    def patterns(self) -> list[Pattern]:
        return self.spec.patterns

    def fingerprint(self) -> str:
        canonical = json.dumps(self.spec.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()

    def conflicts(self) -> list[tuple[int, str]]:
        """(index, conflict id) of the patterns restricted to one conflict."""
        return [(index, pattern.conflict) for index, pattern in enumerate(self.patterns) if pattern.conflict]

    def check_conflicts(self, conflict_ids: list[str], scenario_name: str) -> None:
        """Every conflict a pattern names exists in the scenario; InputError naming the first that does not."""
        for index, conflict in self.conflicts():
            if conflict not in conflict_ids:
                raise InputError(str(self.file), f"patterns[{index}].conflict",
                                 f"a conflict of scenario {scenario_name} ({', '.join(conflict_ids) or 'none'}); "
                                 f"got '{conflict}'")


    def reads_annual(self) -> bool:
        """Whether a pattern reads the annual table (a statistic of calendar years)."""
        return any(pattern.statistic.statistic.table == "annual" for pattern in self.patterns)

    def check_calendar(self, scenario, indices: list[int]) -> None:
        """The scenario has a start date and runs through every year its patterns (at `indices`) read;
        InputError naming the first pattern that reads a year it does not."""
        if scenario.start_date is None:
            raise InputError(str(self.file), "patterns", f"scenario {scenario.name} to have a start_date: "
                             "statistics of calendar years read its annual totals")
        from ..scenario.events import week_start

        first = scenario.start_date.year
        last = (week_start(scenario.start_date, int(scenario.horizon_weeks) + 1) - datetime.timedelta(days=1)).year
        nodes = {node.id for node in scenario.network.nodes}
        for index in indices:
            pattern = self.patterns[index]
            if pattern.statistic.statistic.table != "annual":
                continue
            for position, name in enumerate(getattr(pattern.statistic.arguments, "outcomes", None) or []):
                node, dot, _ = name.rpartition(".")
                if dot and node not in nodes:
                    raise InputError(str(self.file), f"patterns[{index}].statistic.{pattern.statistic.name}."
                                     f"outcomes[{position}]", f"a node of scenario {scenario.name}; got '{node}'")
            for year in pattern.statistic.arguments.years():
                if not first <= year <= last:
                    raise InputError(str(self.file), f"patterns[{index}].statistic.{pattern.statistic.name}",
                                     f"years within scenario {scenario.name}'s calendar ({first}-{last}); "
                                     f"got {year}")

    def subset(self, indices: list[int]) -> Patterns:
        """The patterns at `indices`, as a pattern file of their own (same name, seed and bootstrap)."""
        return Patterns(self.spec.model_copy(update={"patterns": [self.patterns[i] for i in indices]}), self.file)

    def by_scenario(self, given: Path | None) -> dict[Path, list[int]]:
        """Which patterns each scenario simulates: all of them `given`'s, else each pattern's own
        `scenario` (InputError naming the first pattern without one)."""
        if given is not None:
            return {Path(given): list(range(len(self.patterns)))}
        groups: dict[Path, list[int]] = {}
        for index, pattern in enumerate(self.patterns):
            path = self.scenario_path(index)
            if path is None:
                raise InputError(str(self.file), f"patterns[{index}].scenario",
                                 "the scenario that simulates this pattern (or give SCENARIO on the command line)")
            groups.setdefault(path, []).append(index)
        return groups

    def scenario_path(self, index: int) -> Path | None:
        """The scenario file that pattern `index` names (beside the pattern file, else a shipped one), or
        None where it names none."""
        from ..shipped import resolve
        name = self.patterns[index].scenario
        if name is None:
            return None
        local = self.file.parent / name
        return local if local.is_file() else Path(resolve(name, "scenarios"))

    def simulated_by(self, scenario: Path) -> Patterns:
        """The patterns that `scenario` simulates: those naming it and those naming no scenario. A
        calibration scores only these: its keys are its scenario's, and another scenario's patterns (the
        Schiphol checks, which extend the corridor) would be read from the wrong table."""
        return self.subset(self._simulated_indices(Path(scenario)))

    def scored_on(self, scenario: Path) -> tuple[Patterns, tuple[str, ...]]:
        """The patterns to score on a scenario given on the command line, and the names of those left out.
        If some pattern names it, the ones it simulates (`simulated_by`); if none does (a what-if of the
        user's), all of them."""
        own = self._simulated_indices(Path(scenario))
        if not any(self.patterns[index].scenario is not None for index in own):
            return self, ()
        return self.subset(own), tuple(p.name for index, p in enumerate(self.patterns) if index not in own)

    def _simulated_indices(self, scenario: Path) -> list[int]:
        """A pattern names a scenario by its file's name (`west_africa_2005_2012` or with `.yaml`), so a
        copy of the scenario elsewhere (`threatnet examples`) is still the scenario its patterns name."""
        return [index for index, pattern in enumerate(self.patterns)
                if pattern.scenario is None or Path(pattern.scenario).stem == scenario.stem]


def _check_annual(file: str, index: int, pattern: Pattern) -> None:
    """Every outcome a statistic of calendar years names is a column of the annual table."""
    from .annual import annual_outcomes

    from ..model import MODEL

    known = annual_outcomes()
    arguments = pattern.statistic.arguments
    for key in ("outcome", "numerator", "denominator"):
        name = getattr(arguments, key, None)
        if name is not None and name not in known:
            raise InputError(file, f"patterns[{index}].statistic.{pattern.statistic.name}.{key}",
                             f"a flow of the weekly series or an estimate ({', '.join(known)}); got '{name}'")
    additive = sorted(MODEL.additive_series())
    for position, name in enumerate(getattr(arguments, "outcomes", None) or []):
        if name not in known and name.rpartition(".")[2] not in additive:
            raise InputError(file, f"patterns[{index}].statistic.{pattern.statistic.name}.outcomes[{position}]",
                             f"a flow of the weekly series, an estimate, or <node id>.<{'|'.join(additive)}>; "
                             f"got '{name}'")


def load_patterns(path: str | Path) -> Patterns:
    """Read and check a pattern file; raise InputError at the first problem."""
    path = Path(path)
    file = str(path)
    spec = validate_document(PatternFile, read_yaml_mapping(path, "pattern"), file)
    seen: dict[str, int] = {}
    for index, pattern in enumerate(spec.patterns):
        if pattern.name in seen:
            raise InputError(file, f"patterns[{index}].name", f"a name no other pattern has; "
                                                              f"patterns[{seen[pattern.name]}] is '{pattern.name}' too")
        seen[pattern.name] = index
        if pattern.statistic.statistic.table == "annual":
            _check_annual(file, index, pattern)
        episode = getattr(pattern.statistic.arguments, "ucdp_episode", None)
        if episode is not None:
            from .ucdp import ucdp_episode

            try:
                row = ucdp_episode(episode)
            except KeyError:
                raise InputError(file, f"patterns[{index}].statistic.{pattern.statistic.name}.ucdp_episode",
                                 f"the conflictep_id of an intrastate UCDP episode (e.g. 38201, Sierra Leone); "
                                 f"there is no {episode}") from None
            if pattern.statistic.name == "ending_share" and not row["ended"]:
                raise InputError(file, f"patterns[{index}].statistic.ending_share.ucdp_episode",
                                 f"an episode that ended; {episode} was still active at the end of the data")
    return Patterns(spec=spec, file=path)
