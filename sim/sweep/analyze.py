"""Analysis of a finished sweep: which parameters move which outcomes, and by how much.

- Sobol designs: first-order (S1) and total-order (ST) indices with bootstrap confidence intervals
  (SALib.analyze.sobol; S2 as well when the design has second-order samples). S1 is the share of
  an outcome's variance due to a parameter alone; ST adds its interactions.
- Morris designs: mu, mu* (mean absolute elementary effect, with its CI) and sigma
  (SALib.analyze.morris), a screening: mu* ranks influence, sigma flags non-linearity/interactions.
- Grids and Latin hypercubes: per-parameter effect tables, the outcome's mean at each level (grid)
  or in each quantile bin of the parameter (hypercube), averaged over the other parameters, with
  the Spearman rank correlation for hypercubes.

Outcomes are the per-point columns of point_summary.parquet. An outcome that is missing at some
points (a median duration beyond the horizon) or constant across points gets no indices, and the
analysis says why instead of printing numbers that mean nothing.
"""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from SALib.analyze import morris as morris_analyze
from SALib.analyze import sobol as sobol_analyze
from scipy.stats import spearmanr

from ..outputs import open_folder
from ..scenario import InputError
from .design import morris_levels, salib_problem, sample_matrix
from .spec import ParameterPlan, SweepSpec

CONFIDENCE = 0.95
RESAMPLES = 200
HYPERCUBE_BINS = 4


def load_run(folder: Path) -> tuple[dict, SweepSpec, tuple[ParameterPlan, ...], pd.DataFrame]:
    """Manifest, spec, parameters and point summary of a complete sweep folder, or InputError."""
    folder = Path(folder)
    try:
        manifest = json.loads((folder / "manifest.json").read_text())
        spec = SweepSpec.model_validate(json.loads((folder / "sweep.json").read_text()))
    except (OSError, ValueError):
        raise InputError(str(folder), "", "a sweep results folder (results/<sweep>/<run id>) with manifest.json "
                                          "and sweep.json") from None
    if manifest.get("kind") != "sweep":
        raise InputError(str(folder), "manifest.json", f"a sweep's manifest (kind: sweep); got kind "
                                                       f"{manifest.get('kind')!r}")
    if manifest.get("status") != "complete" or not (folder / "point_summary.parquet").is_file():
        raise InputError(str(folder), "", f"a complete sweep; {manifest.get('completed_points', 0)} of "
                                          f"{manifest.get('points', '?')} points are done (run the same "
                                          "threatnet sweep command again to finish it)")
    parameters = tuple(ParameterPlan(name=p["name"], key=p["key"], integer=p["integer"],
                                     low=p.get("range", [None, None])[0], high=p.get("range", [None, None])[1],
                                     values=tuple(p.get("values", ())), levels=p.get("levels"))
                       for p in manifest["parameters"])
    summary = pd.read_parquet(folder / "point_summary.parquet").sort_values("point").reset_index(drop=True)
    return manifest, spec, parameters, summary


def _clean(value):
    """JSON-safe numbers: NaN and infinities become null, numpy scalars plain floats."""
    if isinstance(value, dict):
        return {key: _clean(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(item) for item in value]
    if isinstance(value, (np.floating, float)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value


def unusable(values: np.ndarray) -> str | None:
    """Why an outcome cannot be decomposed, or None if it can."""
    missing = int(np.isnan(values).sum())
    if missing:
        return f"missing at {missing} of {len(values)} points (for durations: the median lies beyond the horizon)"
    if np.ptp(values) == 0:
        return "the same at every point"
    return None


def sobol_indices(spec: SweepSpec, parameters: tuple[ParameterPlan, ...], values: np.ndarray) -> tuple[dict, dict]:
    """{parameter: S1, S1_conf, ST, ST_conf} and, with second-order samples, {"a x b": S2, S2_conf}."""
    second = bool(spec.design.second_order)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        indices = sobol_analyze.analyze(salib_problem(parameters), values, calc_second_order=second,
                                        num_resamples=RESAMPLES, conf_level=CONFIDENCE, seed=spec.seed % 2**32)
    first_and_total = {p.name: {key: indices[key][i] for key in ("S1", "S1_conf", "ST", "ST_conf")}
                       for i, p in enumerate(parameters)}
    pairs = {f"{a.name} x {b.name}": {"S2": indices["S2"][i, j], "S2_conf": indices["S2_conf"][i, j]}
             for i, a in enumerate(parameters) for j, b in enumerate(parameters) if j > i} if second else {}
    return first_and_total, pairs


def morris_indices(spec: SweepSpec, parameters: tuple[ParameterPlan, ...], values: np.ndarray,
                   summary: pd.DataFrame) -> dict:
    matrix = sample_matrix(spec, parameters)  # unrounded: elementary effects divide by the step taken
    rounded = np.column_stack([np.round(matrix[:, i]) if p.integer else matrix[:, i]
                               for i, p in enumerate(parameters)])
    if not np.allclose(rounded, summary[[p.name for p in parameters]].to_numpy(dtype=float)):
        raise InputError("points.parquet", "", "the Morris design this SALib draws from the sweep file; the points "
                                               "differ (another SALib version?): run the sweep again")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        indices = morris_analyze.analyze(salib_problem(parameters), matrix, values, num_resamples=RESAMPLES,
                                         conf_level=CONFIDENCE, num_levels=morris_levels(spec), seed=spec.seed % 2**32)
    return {p.name: {key: indices[key][i] for key in ("mu", "mu_star", "mu_star_conf", "sigma")}
            for i, p in enumerate(parameters)}


def effect_table(spec: SweepSpec, parameters: tuple[ParameterPlan, ...], summary: pd.DataFrame,
                 outcome: str) -> dict:
    """Per parameter: the outcome's mean per level (grid) or per quantile bin (hypercube)."""
    result = {}
    for parameter in parameters:
        column = summary[parameter.name]
        if spec.design.kind == "latin_hypercube":
            groups = pd.qcut(column, HYPERCUBE_BINS, duplicates="drop")
        else:
            groups = column
        table = summary.groupby(groups, observed=True, sort=True)[outcome].agg(["mean", "std", "count"])
        rows = [{"level": _level(level), "mean": row["mean"], "std": row["std"], "points": int(row["count"])}
                for level, row in table.iterrows()]
        means = table["mean"].dropna()
        entry = {"levels": rows, "range_of_means": float(means.max() - means.min()) if len(means) else None}
        if spec.design.kind == "latin_hypercube":
            valid = summary[[parameter.name, outcome]].dropna()
            rho = spearmanr(valid[parameter.name], valid[outcome]) if len(valid) > 2 else None
            entry["spearman_rho"] = None if rho is None else float(rho.statistic)
            entry["spearman_p"] = None if rho is None else float(rho.pvalue)
        result[parameter.name] = entry
    return result


def _level(level) -> str:
    """A grid value as written, or a quantile bin as (low, high] with 4 significant digits."""
    if isinstance(level, pd.Interval):
        return f"({level.left:.4g}, {level.right:.4g}]"
    return str(level)


def analyse(folder: str | Path) -> dict:
    """Indices or effect tables for every outcome of the sweep; written to analysis.json and analysis.md."""
    folder = Path(folder)
    manifest, spec, parameters, summary = load_run(folder)
    kind = spec.design.kind
    outcomes, second_order, skipped = {}, {}, {}
    for outcome in spec.outcomes:
        values = summary[outcome].to_numpy(dtype=float) if outcome in summary else np.full(len(summary), np.nan)
        if kind in ("sobol", "morris"):
            reason = unusable(values)
            if reason:
                skipped[outcome] = reason
                continue
            if kind == "sobol":
                outcomes[outcome], pairs = sobol_indices(spec, parameters, values)
                if pairs:
                    second_order[outcome] = pairs
            else:
                outcomes[outcome] = morris_indices(spec, parameters, values, summary)
        else:
            outcomes[outcome] = effect_table(spec, parameters, summary, outcome)
    analysis = _clean({"kind": "sweep analysis", "sweep": spec.name, "run_id": manifest.get("run_id"),
                       "design": kind, "points": len(summary), "replicates_per_point": spec.replicates,
                       "confidence": CONFIDENCE, "method": METHODS[kind], "outcomes": outcomes, "second_order": second_order,
                       "skipped": skipped})
    with open_folder(folder, ("sweep",)) as claimed:
        claimed.write_json("analysis.json", analysis)
        claimed.write_text("analysis.md", format_markdown(analysis))
    return analysis


METHODS = {
    "sobol": "Sobol first- and total-order indices (Saltelli/Jansen estimators, SALib), bootstrap CIs",
    "morris": "Morris elementary effects (SALib): mu, mu* with bootstrap CI, sigma",
    "grid": "main effects: the outcome's mean at each level of a parameter, over all other parameters",
    "latin_hypercube": f"main effects: the outcome's mean in {HYPERCUBE_BINS} quantile bins of each parameter, "
                       "and Spearman's rank correlation",
}


def _number(value) -> str:
    if value is None:
        return "n/a"
    magnitude = abs(value)
    if magnitude != 0 and (magnitude >= 1e5 or magnitude < 1e-3):
        return f"{value:.3g}"
    return f"{value:.3f}"


def _interval(value, half_width) -> str:
    return f"{_number(value)} ± {_number(half_width)}"


def format_markdown(analysis: dict) -> str:
    """analysis.md: one table per outcome."""
    lines = [f"# Sweep {analysis['sweep']} ({analysis['run_id']})", "",
             f"{analysis['design']} design, {analysis['points']} points x {analysis['replicates_per_point']} "
             f"replicates. {analysis['method']}"
             + (f"; ± gives the {100 * analysis['confidence']:.0f}% CI." if analysis["design"] in ("sobol", "morris")
                else "."), ""]
    for outcome, parameters in analysis["outcomes"].items():
        lines += [f"## {outcome}", ""]
        if analysis["design"] == "sobol":
            lines += ["| parameter | S1 | ST |", "|---|---|---|"]
            lines += [f"| {name} | {_interval(r['S1'], r['S1_conf'])} | {_interval(r['ST'], r['ST_conf'])} |"
                      for name, r in parameters.items()]
            for pair, r in analysis["second_order"].get(outcome, {}).items():
                lines.append(f"| {pair} (S2) | {_interval(r['S2'], r['S2_conf'])} | |")
        elif analysis["design"] == "morris":
            lines += ["| parameter | mu | mu* | sigma |", "|---|---|---|---|"]
            lines += [f"| {name} | {_number(r['mu'])} | {_interval(r['mu_star'], r['mu_star_conf'])} | "
                      f"{_number(r['sigma'])} |" for name, r in parameters.items()]
        else:
            for name, entry in parameters.items():
                rho = (f"; Spearman rho {_number(entry['spearman_rho'])} (p {_number(entry['spearman_p'])})"
                       if "spearman_rho" in entry else "")
                levels = ", ".join(f"{level['level']}: {_number(level['mean'])}" for level in entry["levels"])
                lines.append(f"- {name}: range of means {_number(entry['range_of_means'])}{rho}; {levels}")
        lines.append("")
    for outcome, reason in analysis["skipped"].items():
        lines.append(f"- {outcome}: no indices, {reason}")
    return "\n".join(lines).rstrip() + "\n"
