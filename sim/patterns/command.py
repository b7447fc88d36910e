"""`threatnet patterns`: run a scenario's replicates, build episodes, evaluate a pattern file, report.

    run_patterns(scenario_path, patterns_path, replicates=None, seed=None, workers=None, out=None)
    format_results(report) / format_targets(patterns)

The run is a report: it ends normally whether patterns pass or fail. With `out`, the folder is claimed
before anything runs (sim.outputs.ResultFolder) and receives `patterns.json`, `episodes.parquet`,
`annual.parquet` (where a pattern reads calendar years: one row per replicate and year) and `manifest.json`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..outputs import ResultFolder, code_fingerprint, manifest
from ..scenario import load_scenario, scenario_hash
from .episodes import as_episodes
from .evaluate import PatternResult, bands, evaluate, results_json, summary
from .spec import Patterns, load_patterns


@dataclass
class PatternReport:
    scenario: str
    patterns: Patterns
    replicates: int
    seed: int
    episodes: pd.DataFrame
    results: list[PatternResult]
    wall_seconds: float
    annual: pd.DataFrame | None = None   # the annual table, where a pattern reads one
    skipped: tuple[str, ...] = ()        # patterns of the file that name another scenario than the one given

    def context(self) -> dict:
        return {"scenario": self.scenario, "patterns": self.patterns.spec.name,
                "patterns_file": str(self.patterns.file), "replicates": self.replicates, "seed": self.seed,
                "bootstrap": self.patterns.spec.bootstrap, "not_scored": list(self.skipped)}

    def to_json(self) -> str:
        return results_json(self.results, **self.context())


def simulate(scenario, replicates: int, seed: int, annual: bool, workers: int | None = None,
             progress: Callable[[int], None] | None = None) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The replicate table of a scenario (a Scenario or a compiled one) and, with `annual`, its annual
    table (every replicate's series kept and totalled by calendar year)."""
    from ..runners.calendar import annual_by_replicate
    from ..runners.montecarlo import run_monte_carlo, run_monte_carlo_series

    if not annual:
        return run_monte_carlo(scenario, replicates, seed, workers, progress=progress), None
    table, series = run_monte_carlo_series(scenario, replicates, seed, workers, progress)
    start_date = getattr(scenario, "scenario", scenario).start_date  # a compiled scenario carries its scenario
    return table, annual_by_replicate(series, start_date)


def run_patterns(scenario_path: str | Path | None, patterns_path: str | Path, replicates: int | None = None,
                 seed: int | None = None, workers: int | None = None, out: str | Path | None = None,
                 overwrite: bool = False, progress: Callable[[int], None] | None = None) -> PatternReport:
    """Check the files, claim `out` (if given), run the replicates with the kernel, evaluate.

    With a scenario, the patterns it simulates (`Patterns.scored_on`) are evaluated on its episodes and
    the others are reported as not scored; without one, each pattern on the episodes of the scenario it
    names (`scenario:`), each scenario run once with `replicates` replicates (the pattern file's
    `replicates` if None) and, unless `seed` is given, its own seed."""
    from ..runners.montecarlo import default_workers

    patterns = load_patterns(patterns_path)
    fingerprint = patterns.fingerprint()  # of the whole file, whatever is scored
    skipped: tuple[str, ...] = ()
    if scenario_path is not None:
        patterns, skipped = patterns.scored_on(Path(scenario_path))
    replicates = patterns.spec.replicates if replicates is None else replicates
    groups = patterns.by_scenario(None if scenario_path is None else Path(scenario_path))
    scenarios = {path: load_scenario(path) for path in groups}
    for path, indices in groups.items():
        patterns.subset(indices).check_conflicts([c.id for c in scenarios[path].conflicts], scenarios[path].name)
    seeds = {path: int(scenario.seed if seed is None else seed) for path, scenario in scenarios.items()}
    workers = workers or default_workers()
    name = ", ".join(scenario.name for scenario in scenarios.values())

    annual_paths = {path for path, indices in groups.items() if patterns.subset(indices).reads_annual()}
    for path in annual_paths:
        patterns.check_calendar(scenarios[path], groups[path])

    def run() -> PatternReport:
        started = time.perf_counter()
        episodes, annuals, results = [], [], [None] * len(patterns.patterns)
        for path, indices in groups.items():
            table, annual = simulate(scenarios[path], replicates, seeds[path], path in annual_paths, workers, progress)
            if annual is not None:
                annuals.append(annual.assign(scenario=scenarios[path].name))
            episodes.append(as_episodes(table, scenarios[path]))
            chosen = patterns.subset(indices)
            for index, result in zip(indices, evaluate(episodes[-1], chosen, seeds[path], annual=annual)):
                results[index] = result
        return PatternReport(name, patterns, replicates, next(iter(seeds.values())), pd.concat(episodes),
                             results, round(time.perf_counter() - started, 3),
                             pd.concat(annuals, ignore_index=True) if annuals else None, skipped)

    if out is None:
        return run()
    identity = {"scenario_hash": ",".join(scenario_hash(s) for s in scenarios.values()),
                "patterns_hash": fingerprint, "seed": seed, "replicates": int(replicates),
                "code": code_fingerprint()}
    with ResultFolder(out, "patterns", identity, overwrite=overwrite) as folder:
        first = next(iter(scenarios))
        folder.update(**manifest(scenarios[first], seeds[first], scenario_file=", ".join(map(str, groups)),
                                 patterns_file=str(patterns_path), replicates=replicates, workers=workers,
                                 scenarios={s.name: seeds[p] for p, s in scenarios.items()}, not_scored=list(skipped)))
        report = run()
        folder.write_parquet("episodes.parquet", report.episodes)
        if report.annual is not None:
            folder.write_parquet("annual.parquet", report.annual)
        folder.write_text("patterns.json", report.to_json() + "\n")
        folder.finish(wall_seconds=report.wall_seconds, **{"summary": summary(report.results)})
    return report


# --- text -------------------------------------------------------------------------------------------

def _value(value: float | None) -> str:
    if value is None:
        return "undefined"
    return f"{value:.3g}" if abs(value) < 100 else f"{value:.0f}"


def _band(low: float, high: float) -> str:
    return f"[{_value(low)}, {_value(high)}]"


def _short(text: str, most: int = 60) -> str:
    return text if len(text) <= most else text[:most - 3] + "..."


def _table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in [header, *rows]]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def format_results(report: PatternReport) -> str:
    """The results table and a summary line."""
    rows = []
    for r in report.results:
        ci = f" ({_value(r.ci_low)}-{_value(r.ci_high)})" if r.ci_low is not None else ""
        verdict = r.verdict + ("" if r.passed or not r.ci_overlaps else " (CI overlaps)")
        where = f" [{r.conflict}]" if r.conflict else ""
        rows.append([r.name + where, r.role, f"{_value(r.value)}{ci}", _band(r.band_low, r.band_high), verdict,
                     _short(r.source)])
    counts = summary(report.results)
    head = (f"{report.scenario} against {report.patterns.spec.name}: {report.replicates} replicates, "
            f"seed {report.seed}, "
            f"{len(report.episodes)} episodes, {report.wall_seconds:.1f} s")
    tail = (f"{counts['passed']} of {counts['patterns']} patterns pass (fit {counts['fit']['passed']}/"
            f"{counts['fit']['patterns']}, test {counts['test']['passed']}/{counts['test']['patterns']}); "
            f"distance outside the bands {counts['distance']:.3g} (fit only {counts['fit_distance']:.3g})")
    lines = [head, "", _table(["pattern", "role", "simulated (95% CI)", "band", "verdict", "source"], rows), "", tail]
    if report.skipped:
        lines.append(f"not scored: {', '.join(report.skipped)} (they name another scenario; give only the pattern "
                     f"file to score every pattern on its own scenario)")
    return "\n".join(lines)


def targets_records(patterns: Patterns) -> list[dict]:
    """Each pattern's target and band, without running a model."""
    records = []
    for pattern, band in zip(patterns.patterns, bands(patterns)):
        label = pattern.statistic.statistic.label(pattern.statistic.arguments)
        records.append({"name": pattern.name, "statistic": label,
                        "conflict": pattern.conflict, "role": pattern.role, "target_kind": band.kind,
                        "target": band.value, "interval_low": band.interval_low, "interval_high": band.interval_high,
                        "widening": band.widening, "band_low": band.low, "band_high": band.high,
                        "source": pattern.source, "target_source": band.source})
    return records


def targets_json(patterns: Patterns) -> str:
    return json.dumps({"patterns": patterns.spec.name, "patterns_file": str(patterns.file), "seed": patterns.spec.seed,
                       "bootstrap": patterns.spec.bootstrap, "targets": targets_records(patterns)}, indent=2)


def format_targets(patterns: Patterns) -> str:
    rows = []
    for record in targets_records(patterns):
        if record["target_kind"] == "ucdp":
            target = (f"{_value(record['target'])} (95% {_value(record['interval_low'])}-"
                      f"{_value(record['interval_high'])}, {record['widening']})")
        elif record["target_kind"] == "cited":
            target = f"{_value(record['target'])} (cited)"
        else:
            target = "(assumed band)"
        where = f" [{record['conflict']}]" if record["conflict"] else ""
        rows.append([record["name"] + where, record["role"], record["statistic"], target,
                     _band(record["band_low"], record["band_high"]), _short(record["source"])])
    head = (f"{patterns.spec.name}: {len(rows)} targets; UCDP bands from {patterns.spec.bootstrap} bootstrap "
            f"resamples, seed {patterns.spec.seed}")
    return "\n".join([head, "", _table(["pattern", "role", "statistic", "target", "band", "source"], rows)])
