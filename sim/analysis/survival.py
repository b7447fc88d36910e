"""Conflict duration as survival data (lifelines): Kaplan-Meier medians, Cox hazard ratios, log-rank tests."""

from __future__ import annotations

import functools
import math
import warnings

import pandas as pd
from lifelines import CoxPHFitter, KaplanMeierFitter
from lifelines.statistics import logrank_test, multivariate_logrank_test, proportional_hazard_test
from lifelines.utils import median_survival_times

from ..model import END_TYPES, MODEL
from .effects import RESAMPLES, duration_effects


def _finite(value: float) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def kaplan_meier(durations: pd.Series, ended: pd.Series,
                 counts: pd.Series | None = None) -> tuple[dict, KaplanMeierFitter]:
    """Counts and median duration with its 95% CI; None where the curve never falls to 0.5 (too much censoring).

    `counts` weighs each row (rows aggregated to (duration, ended) pairs, as the views read them).
    """
    fitter = KaplanMeierFitter().fit(durations, event_observed=ended, weights=counts)
    interval = median_survival_times(fitter.confidence_interval_)
    ended = ended.astype(bool)
    counts = pd.Series(1, index=durations.index) if counts is None else counts
    return {"n": int(counts.sum()), "ended": int(counts[ended].sum()), "censored": int(counts[~ended].sum()),
            "median_weeks": _finite(fitter.median_survival_time_),
            "median_ci_low": _finite(interval.iloc[0, 0]), "median_ci_high": _finite(interval.iloc[0, 1])}, fitter


def kaplan_meier_median(durations: pd.Series, ended: pd.Series) -> dict:
    """Median duration with its 95% CI."""
    record, _ = kaplan_meier(durations, ended)
    return {key: record[key] for key in ("median_weeks", "median_ci_low", "median_ci_high")}


def duration_summary(table: pd.DataFrame) -> list[dict]:
    """Per conflict: replicates, KM median (95% CI), share ended, end-type shares."""
    summaries = []
    for conflict, rows in table.groupby("conflict", sort=False):
        shares = rows["end_type"].value_counts(normalize=True)
        summaries.append({
            "conflict": conflict, "replicates": int(len(rows)),
            **kaplan_meier_median(rows["duration_weeks"], rows["ended"]),
            "share_ended": float(rows["ended"].mean()),
            "end_types": {name: float(shares.get(name, 0.0)) for name in END_TYPES},
        })
    return summaries


def format_duration_summary(summaries: list[dict]) -> str:
    def weeks(value):
        return "beyond the horizon" if value is None else f"{value:.0f}"
    lines = []
    for s in summaries:
        types = ", ".join(f"{name} {100 * share:.1f}%" for name, share in s["end_types"].items())
        lines.append(f"  {s['conflict']}: median {weeks(s['median_weeks'])} weeks "
                     f"(95% CI {weeks(s['median_ci_low'])}-{weeks(s['median_ci_high'])}), "
                     f"{100 * s['share_ended']:.1f}% ended; {types}")
    return "\n".join(lines)


# --- Experiments: arms compared on conflict duration -------------------------------------------

def hazard_ratios(rows: pd.DataFrame, arms: list[str], baseline: str) -> tuple[dict, CoxPHFitter | None]:
    """Cox hazard ratio of ending for each arm against the baseline, with 95% CIs.

    Stratified by conflict (each conflict its own baseline hazard) and with robust standard errors
    clustered by replicate: the arms share seeds and a replicate's conflicts share a world, so rows
    are not independent. HR > 1: the arm's conflicts end sooner.
    """
    others = [arm for arm in arms if arm != baseline]
    events = rows.groupby("arm")["ended"].sum()
    if events.get(baseline, 0) == 0:  # no ending to compare with: a ratio would be an artefact of the fit
        return {arm: _no_ratio() for arm in others}, None
    data = pd.DataFrame({"duration": rows["duration_weeks"].astype(float), "event": rows["ended"].astype(bool),
                         "replicate": rows["replicate"], "conflict": rows["conflict"]})
    for arm in others:
        data[f"arm_{arm}"] = (rows["arm"] == arm).astype(float).to_numpy()
    strata = ["conflict"] if data["conflict"].nunique() > 1 else None
    if strata is None:
        data = data.drop(columns="conflict")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # convergence chatter on degenerate arms; the result is checked
            cox = CoxPHFitter().fit(data, "duration", "event", strata=strata, cluster_col="replicate")
    except Exception:  # lifelines raises several types when no contrast is estimable (e.g. no events)
        return {arm: _no_ratio() for arm in others}, None
    ph_p = proportional_hazards_p(cox, data)
    ratios = {}
    for arm in others:
        name = f"arm_{arm}"
        ratios[arm] = {"hazard_ratio": _finite(cox.hazard_ratios_[name]),
                       "hazard_ratio_ci_low": _finite(math.exp(cox.confidence_intervals_.loc[name].iloc[0])),
                       "hazard_ratio_ci_high": _finite(math.exp(cox.confidence_intervals_.loc[name].iloc[1])),
                       "hazard_ratio_p": _finite(cox.summary.loc[name, "p"]), "ph_test_p": ph_p.get(name)}
    return ratios, cox


PH_ALPHA = 0.05  # a proportional-hazards test below this: the hazard ratio is an average over time


def proportional_hazards_p(cox: CoxPHFitter, data: pd.DataFrame) -> dict[str, float | None]:
    """p of the Grambsch-Therneau test (scaled Schoenfeld residuals against rank of time) per arm indicator.

    A small p says the arm's effect changes over time: the hazard ratio is then a time-averaged
    summary and the RMST and median ratios say more.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            test = proportional_hazard_test(cox, data, time_transform="rank")
        return {name: _finite(p) for name, p in test.summary["p"].items()}
    except Exception:  # degenerate arms (identical durations in both) have no residual variance to test
        return {}


def _no_ratio() -> dict:
    return {"hazard_ratio": None, "hazard_ratio_ci_low": None, "hazard_ratio_ci_high": None, "hazard_ratio_p": None,
            "ph_test_p": None}


def _identical(mine: pd.DataFrame, base: pd.DataFrame) -> bool:
    """Every replicate ended the same week in the same way in both arms (the lever does not reach this conflict)."""
    columns = ["replicate", "duration_weeks", "ended"]
    a, b = (frame[columns].sort_values("replicate").reset_index(drop=True) for frame in (mine, base))
    return len(a) == len(b) and a.equals(b)


def _logrank_p(rows: pd.DataFrame, arm: str, baseline: str) -> float | None:
    a, b = rows[rows["arm"] == arm], rows[rows["arm"] == baseline]
    if a["ended"].sum() + b["ended"].sum() == 0:
        return None
    return _finite(logrank_test(a["duration_weeks"], b["duration_weeks"], a["ended"], b["ended"]).p_value)


def mean_with_ci(values: pd.Series) -> dict:
    """Mean and normal-approximation 95% CI."""
    values = values.astype(float)
    half = 1.96 * values.std(ddof=1) / math.sqrt(len(values)) if len(values) > 1 else float("nan")
    mean = float(values.mean())
    return {"mean": mean, "ci_low": _finite(mean - half), "ci_high": _finite(mean + half)}


def outcome_summaries(per_replicate: pd.DataFrame, arm: str, baseline: str, outcomes: list[str]) -> dict:
    """Per outcome: the arm's mean (95% CI) and its paired difference from the baseline (same seeds)."""
    mine = per_replicate[per_replicate["arm"] == arm].set_index("replicate")
    base = per_replicate[per_replicate["arm"] == baseline].set_index("replicate")
    summaries = {}
    for name in outcomes:
        record = mean_with_ci(mine[name])
        if arm != baseline:
            difference = mean_with_ci((mine[name] - base[name]).dropna())
            record.update(difference=difference["mean"], difference_ci_low=difference["ci_low"],
                          difference_ci_high=difference["ci_high"])
        summaries[name] = record
    return summaries


def _shares(values: pd.Series, names=None) -> dict:
    shares = values.fillna("none").value_counts(normalize=True)
    return {str(name): float(shares.get(name, 0.0)) for name in (names or sorted(shares.index))}


def arm_conflict_records(rows: pd.DataFrame, arm: str, baseline: str, conflicts: list[str]) -> list[dict]:
    """Per conflict: KM median, HR against the baseline on that conflict alone, log-rank p, end types."""
    records = []
    for conflict in conflicts:
        subset = rows[rows["conflict"] == conflict]
        mine = subset[subset["arm"] == arm]
        record, _ = kaplan_meier(mine["duration_weeks"], mine["ended"])
        if arm == baseline:
            record.update(hazard_ratio=1.0, hazard_ratio_ci_low=None, hazard_ratio_ci_high=None, logrank_p=None,
                          ph_test_p=None)
        else:
            ratios, _ = hazard_ratios(subset[subset["arm"].isin([arm, baseline])], [baseline, arm], baseline)
            record.update(ratios[arm], logrank_p=_logrank_p(subset, arm, baseline),
                          identical_to_baseline=_identical(mine, subset[subset["arm"] == baseline]))
            if record["identical_to_baseline"]:  # nothing changed: a PH test of no effect tests only ties
                record["ph_test_p"] = None
        record.update(conflict=conflict, end_types=_shares(mine["end_type"], END_TYPES),
                      funding_share_from_crime=mean_with_ci(mine["funding_share_from_crime"]))
        records.append(record)
    return records


def analyse_experiment(spec, table: pd.DataFrame, run_id: str, horizon_weeks: int | None = None,
                       conflict_names: dict[str, str] | None = None) -> tuple[dict, dict]:
    """Survival and outcome statistics of an experiment's replicate table: (summary, fitted models).

    `horizon_weeks` bounds the restricted mean survival times (default: the longest duration in
    the table, which is the horizon as soon as one conflict is censored); `conflict_names` names
    the conflicts in sentences and tables (ids otherwise).
    """
    conflicts = spec.conflicts or list(dict.fromkeys(table["conflict"].dropna()))
    if not conflicts:
        return analyse_flows(spec, table, run_id), {}
    rows = table[table["conflict"].isin(conflicts)]
    arms = [arm.name for arm in spec.arms]
    horizon_weeks = int(horizon_weeks or rows["duration_weeks"].max())
    titles = {conflict: (conflict_names or {}).get(conflict, conflict) for conflict in conflicts}
    names = {conflict: conflict_label(title) for conflict, title in titles.items()}
    ratios, cox = hazard_ratios(rows, arms, spec.baseline)
    effects = duration_effects(rows, arms, spec.baseline, conflicts, horizon_weeks, spec.seed)
    per_replicate = table.drop_duplicates(["arm", "replicate"])
    fitted = {"cox": cox, "km": {}}
    records = []
    for arm in spec.arms:
        mine = rows[rows["arm"] == arm.name]
        record, fitted["km"][arm.name] = kaplan_meier(mine["duration_weeks"], mine["ended"])
        record = {"arm": arm.name, "label": arm.label, "overrides": arm.overrides, **record}
        record.update(ratios.get(arm.name, {"hazard_ratio": 1.0, "hazard_ratio_ci_low": None,
                                            "hazard_ratio_ci_high": None, "hazard_ratio_p": None}))
        record["logrank_p"] = None if arm.name == spec.baseline else _logrank_p(rows, arm.name, spec.baseline)
        record.update(effects[arm.name]["pooled"])
        per_conflict = arm_conflict_records(rows, arm.name, spec.baseline, conflicts)
        for conflict_record in per_conflict:
            conflict_record.update(effects[arm.name]["conflicts"][conflict_record["conflict"]],
                                   conflict_name=names[conflict_record["conflict"]])
        record.update(end_types=_shares(mine["end_type"], END_TYPES), winner_sides=_shares(mine["winner_side"]),
                      winners=_shares(mine["winner"]),
                      outcomes=outcome_summaries(per_replicate, arm.name, spec.baseline, spec.outcomes),
                      conflicts=per_conflict)
        records.append(record)
    overall = multivariate_logrank_test(rows["duration_weeks"], rows["arm"], rows["ended"])
    summary = {"experiment": spec.name, "question": spec.question, "description": spec.description,
               "run_id": run_id, "baseline": spec.baseline, "replicates": int(table["replicate"].nunique()),
               "seed": int(spec.seed), "conflicts": conflicts, "conflict_names": names,
               "conflict_titles": titles, "arms": records,
               "horizon_weeks": horizon_weeks, "bootstrap_resamples": RESAMPLES,
               "logrank_p_all_arms": _finite(overall.p_value), "method": METHOD,
               "headline_outcomes": list(spec.headline_outcomes)}
    summary["answer"] = answer_sentence(summary)
    return summary, fitted


def analyse_flows(spec, table: pd.DataFrame, run_id: str) -> dict:
    """An experiment on a scenario without conflicts: outcome means and paired differences only."""
    per_replicate = table.drop_duplicates(["arm", "replicate"])
    records = [{"arm": arm.name, "label": arm.label, "overrides": arm.overrides,
                "outcomes": outcome_summaries(per_replicate, arm.name, spec.baseline, spec.outcomes)}
               for arm in spec.arms]
    summary = {"experiment": spec.name, "question": spec.question, "description": spec.description,
               "run_id": run_id, "baseline": spec.baseline, "replicates": int(table["replicate"].nunique()),
               "seed": int(spec.seed), "conflicts": [], "arms": records, "method": METHOD,
               "headline_outcomes": list(spec.headline_outcomes or spec.outcomes[:3])}
    summary["answer"] = answer_sentence(summary)
    return summary


METHOD = ("Kaplan-Meier medians with 95% CIs per arm (lifelines), conflicts that had not ended at the horizon "
          "censored. Hazard ratios of ending from a Cox proportional-hazards model with one indicator per arm "
          "against the baseline, stratified by conflict, robust (sandwich) standard errors clustered by "
          "replicate because arms share seeds (common random numbers). Log-rank tests pool the analysed "
          "conflicts; per conflict, a Cox model and log-rank test on that conflict alone. Proportional hazards "
          "checked by the Grambsch-Therneau test (scaled Schoenfeld residuals against the rank of time, "
          "lifelines proportional_hazard_test); where it fails the hazard ratio is an average over time. "
          "RMST ratio: restricted mean survival time up to the horizon (lifelines) of the arm over the "
          "baseline's; pooled, the mean over the analysed conflicts. Median ratio: Kaplan-Meier medians. Both CIs are "
          "95% percentile intervals of a paired bootstrap over replicates (400 resamples of replicates, each "
          "keeping its rows in every arm and conflict; seeded by the experiment's seed). "
          "Outcome CIs are normal approximations; differences are paired by replicate.")


def _weeks(value: float | None) -> str:
    return "beyond the horizon" if value is None else f"{value:.0f}"


def _median_phrase(record: dict, with_ci_words: bool = True) -> str:
    """'652 weeks (95% CI 643-659)', or 'beyond the horizon' when fewer than half the conflicts ended."""
    if record["median_weeks"] is None:
        return "beyond the horizon"
    low, high = record["median_ci_low"], record["median_ci_high"]
    return (f"{record['median_weeks']:.0f} weeks ({'95% CI ' if with_ci_words else ''}"
            f"{'open' if low is None else f'{low:.0f}'}-{'open' if high is None else f'{high:.0f}'})")


def _p(value: float | None) -> str:
    if value is None:
        return "n/a"
    return "< 0.001" if value < 0.001 else f"= {value:.3f}"


SMALL_EFFECT = (0.95, 1.05)  # hazard ratios this close to 1 are called slight (and shown with 3 decimals)


def _ratio(record: dict) -> str:
    if record["hazard_ratio"] is None:
        return "not estimable"
    low, high, ratio = record["hazard_ratio_ci_low"], record["hazard_ratio_ci_high"], record["hazard_ratio"]
    digits = 3 if SMALL_EFFECT[0] < ratio < SMALL_EFFECT[1] else 2
    return f"{ratio:.{digits}f} ({low:.{digits}f}-{high:.{digits}f})"


def verdict(record: dict) -> str:
    """What the hazard ratio's CI says (else the RMST ratio's), in words; decided by the numbers, never written in.

    Shared seeds make CIs narrow, so a tiny but real difference is called slight.
    """
    low, high, ratio = record["hazard_ratio_ci_low"], record["hazard_ratio_ci_high"], record["hazard_ratio"]
    if low is None or high is None:
        # No hazard ratio (the baseline arm never ends, say): the restricted mean survival time still
        # compares the arms; its ratio below 1 means the arm's conflicts are shorter.
        rmst, rmst_low, rmst_high = (record.get(k) for k in ("rmst_ratio", "rmst_ratio_ci_low", "rmst_ratio_ci_high"))
        if rmst_low is None or rmst_high is None:
            return "no estimate"
        ratio, low, high = 1 / rmst, 1 / rmst_high, 1 / rmst_low
    slightly = "slightly " if SMALL_EFFECT[0] < ratio < SMALL_EFFECT[1] else ""
    if low > 1:
        return f"conflicts ended {slightly}sooner"
    if high < 1:
        return f"conflicts lasted {slightly}longer"
    return "no detectable difference in duration"


def _outcome_clause(name: str, record: dict, base: dict) -> str:
    """'seizure rate 19.6% (19.5-19.7%) against 18.0%, paired difference +1.6 points (1.5 to 1.7)'."""
    mine, theirs = record["outcomes"][name], base["outcomes"][name]
    show = functools.partial(format_outcome, name)
    return (f"{OUTCOME_LABELS.get(name, name)} {show(mine['mean'])} ({show(mine['ci_low'])} to "
            f"{show(mine['ci_high'])}) against {show(theirs['mean'])}, paired difference "
            f"{show(mine['difference'], signed=True)} ({show(mine['difference_ci_low'])} to "
            f"{show(mine['difference_ci_high'])})")


def format_outcome(name: str, value: float | None, signed: bool = False) -> str:
    """Shares as %, money as US$ M/bn, kg as tonnes: the units a reader compares with UNODC figures."""
    if value is None:
        return "n/a"
    sign = "-" if value < 0 else ("+" if signed and value > 0 else "")
    size = abs(value)
    if name.endswith("_rate") or "share" in name:
        return f"{sign}{100 * size:.2f}%"
    if name.endswith("_usd"):
        return f"{sign}US${size / 1e9:.3f} bn" if size >= 1e9 else f"{sign}US${size / 1e6:.2f} M"
    if name.endswith("_kg"):
        return f"{sign}{size / 1000:,.2f} t"
    return f"{sign}{_number(size)}"


OUTCOME_LABELS = {name: label for name, (label, _) in MODEL.labels().items()}  # from the declarations


def answer_sentence(summary: dict) -> str:
    """One sentence per compared arm: medians with CIs, hazard ratio with CI, log-rank p, verdict."""
    return " ".join(arm_sentences(summary))


def arm_sentences(summary: dict) -> list[str]:
    """One sentence per arm against the baseline: medians, hazard ratio, log-rank p, verdict, headline outcomes."""
    base = next(record for record in summary["arms"] if record["arm"] == summary["baseline"])
    sentences = []
    for record in summary["arms"]:
        if record is base:
            continue
        if not summary["conflicts"]:  # flows only: no durations to compare
            text = f"{record['label']} against {base['label']} (the scenario has no conflicts): " + "; ".join(
                _outcome_clause(name, record, base) for name in summary["headline_outcomes"])
            sentences.append(text[0].upper() + text[1:] + ".")
            continue
        text = (f"{record['label']}, pooled over {_conflict_count(summary)}, the median conflict lasted "
                f"{_median_phrase(record)} against {_median_phrase(base, False)} {base['label']}; "
                f"hazard ratio of ending {_ratio(record)}, {_effect_ratios(record)}, log-rank p "
                f"{_p(record['logrank_p'])}: {verdict(record)}")
        text += "".join(f"; {_outcome_clause(name, record, base)}" for name in summary["headline_outcomes"])
        sentences.append(text[0].upper() + text[1:] + ".")
        if len(summary["conflicts"]) > 1:
            sentences.append(conflict_sentence(summary, record, base))
        if record.get("ph_test_p") is not None and record["ph_test_p"] < PH_ALPHA:
            sentences.append(f"Proportional hazards do not hold (test p {_p(record['ph_test_p'])}): the hazard "
                             f"ratio averages an effect that changes over time; the RMST and median ratios do "
                             f"not assume it.")
    return sentences


def conflict_label(name: str) -> str:
    """`Guinea-Bissau government against an army faction` -> `Guinea-Bissau`: what a sentence or a panel
    title can carry; the full name stays in `conflict_titles` (and in hover text)."""
    for cut in (" government against ", " against "):
        if cut in name:
            return name.split(cut)[0]
    return name


def _conflict_count(summary: dict) -> str:
    count = len(summary["conflicts"])
    return "the one analysed conflict" if count == 1 else f"the {count} analysed conflicts"


def _interval(value: float | None, low: float | None, high: float | None) -> str:
    """`0.83 (0.83-0.84)`; an open end (a median beyond the horizon) reads `open`."""
    if value is None:
        return "not estimable"
    digits = 3 if SMALL_EFFECT[0] < value < SMALL_EFFECT[1] else 2
    show = lambda x: "open" if x is None else f"{x:.{digits}f}"  # noqa: E731
    return f"{value:.{digits}f} ({show(low)}-{show(high)})"


def _effect_ratios(record: dict) -> str:
    """'RMST ratio 0.83 (0.83-0.84), median ratio 0.81 (0.80-0.82)' (below 1: the arm's conflicts are shorter)."""
    if "rmst_ratio" not in record:
        return "RMST and median ratios not computed"
    return (f"RMST ratio {_interval(record['rmst_ratio'], record['rmst_ratio_ci_low'], record['rmst_ratio_ci_high'])}"
            f", median ratio {_interval(record['median_ratio'], record['median_ratio_ci_low'], record['median_ratio_ci_high'])}")


def conflict_sentence(summary: dict, record: dict, base: dict) -> str:
    """Where the arm changes duration and where it does not, conflict by conflict, named."""
    names = summary.get("conflict_names") or {}
    changed, unchanged = [], []
    for mine, theirs in zip(record["conflicts"], base["conflicts"]):
        name = names.get(mine["conflict"], mine["conflict"])
        if verdict(mine).startswith("no "):
            unchanged.append(name)
            continue
        weeks = lambda value: _weeks(value) + ("" if value is None else " weeks")  # noqa: E731
        changed.append(f"in {name} the conflict {verdict(mine).replace('conflicts ', '')}: median {weeks(mine['median_weeks'])} "
                       f"against {weeks(theirs['median_weeks'])}, hazard ratio {_ratio(mine)}, "
                       f"{_effect_ratios(mine)}")
    if not changed:
        return "No analysed conflict alone shows a detectable difference in duration."
    text = "By conflict: " + "; ".join(changed)
    if unchanged:
        text += f"; no detectable difference in {', '.join(unchanged)}"
    return text + "." + _opposite_directions(summary, record)


def _opposite_directions(summary: dict, record: dict) -> str:
    """A warning where the arm shortens some conflicts and lengthens others: pooled figures then average
    opposite effects, and only the conflict-by-conflict figures answer."""
    names = summary.get("conflict_names") or {}
    ways = {"sooner": [], "longer": []}
    for mine in record["conflicts"]:
        said = verdict(mine)
        for way, found in ways.items():
            if said.endswith(way):
                found.append(conflict_label(names.get(mine["conflict"], mine["conflict"])))
    if not (ways["sooner"] and ways["longer"]):
        return ""
    return (f" The conflicts disagree in direction (ended sooner: {', '.join(ways['sooner'])}; lasted longer: "
            f"{', '.join(ways['longer'])}), so the pooled figures average opposite effects: read them conflict "
            f"by conflict.")


def format_experiment_markdown(summary: dict) -> str:
    """summary.md: the question, the answer sentence, then tables per arm, per conflict and of outcomes."""
    lines = [f"# {summary['experiment']}", "", f"**Question.** {summary['question']}", "",
             f"**Answer.** {summary['answer']}", "",
             f"{summary['replicates']} replicates per arm, seed {summary['seed']}, run {summary['run_id']}; "
             f"conflicts analysed: {_conflict_names(summary) or 'none (the scenario has none)'}.", ""]
    if summary["conflicts"]:
        lines += _duration_tables(summary)
    return "\n".join(lines + _outcome_table(summary) + [f"Method: {summary['method']}", ""])


def _conflict_names(summary: dict) -> str:
    names = summary.get("conflict_names") or {}
    return ", ".join(names.get(conflict, conflict) for conflict in summary["conflicts"])


def _duration_tables(summary: dict) -> list[str]:
    lines = ["## Duration by arm", "",
             "| arm | rows | censored | median weeks (95% CI) | hazard ratio (95% CI) | log-rank p | "
             + " | ".join(name.replace("_", " ") for name in END_TYPES[:-1]) + " |",
             "|---|---|---|---|---|---|" + "---|" * (len(END_TYPES) - 1)]
    for r in summary["arms"]:
        lines.append(f"| {r['label']} | {r['n']} | {r['censored']} | {_weeks(r['median_weeks'])} "
                     f"({_weeks(r['median_ci_low'])}-{_weeks(r['median_ci_high'])}) | "
                     f"{'baseline' if r['arm'] == summary['baseline'] else _ratio(r)} | {_p(r['logrank_p'])} | "
                     + " | ".join(f"{100 * r['end_types'][name]:.1f}%" for name in END_TYPES[:-1]) + " |")
    lines += ["", "## By conflict", "",
              "| conflict | arm | median weeks (95% CI) | hazard ratio (95% CI) | log-rank p | censored | funding from crime |",
              "|---|---|---|---|---|---|---|"]
    names = summary.get("conflict_names") or {}
    for conflict_index, conflict in enumerate(summary["conflicts"]):
        for r in summary["arms"]:
            c = r["conflicts"][conflict_index]
            lines.append(f"| {names.get(conflict, conflict)} | {r['label']} | {_weeks(c['median_weeks'])} "
                         f"({_weeks(c['median_ci_low'])}-{_weeks(c['median_ci_high'])}) | "
                         f"{'baseline' if r['arm'] == summary['baseline'] else _ratio(c)} | {_p(c['logrank_p'])} | "
                         f"{c['censored']} of {c['n']} | {100 * c['funding_share_from_crime']['mean']:.1f}% |")
    lines += ["", f"Log-rank test across all arms: p {_p(summary['logrank_p_all_arms'])}.", ""]
    return lines + _effect_table(summary)


def _effect_table(summary: dict) -> list[str]:
    """Every effect statistic against the baseline, per conflict and pooled (the forest plot's numbers)."""
    lines = [f"## Effects on duration against {_baseline_label(summary)} (95% CIs)", "",
             "| conflict | arm | hazard ratio | PH test p | RMST ratio | median ratio | log-rank p |",
             "|---|---|---|---|---|---|---|"]
    names = summary.get("conflict_names") or {}
    for r in summary["arms"]:
        if r["arm"] == summary["baseline"]:
            continue
        for c in [*r["conflicts"], {**r, "conflict": None}]:
            where = "pooled" if c["conflict"] is None else names.get(c["conflict"], c["conflict"])
            lines.append(f"| {where} | {r['label']} | {_ratio(c)} | {_p(c.get('ph_test_p'))} | "
                         f"{_interval(c.get('rmst_ratio'), c.get('rmst_ratio_ci_low'), c.get('rmst_ratio_ci_high'))} | "
                         f"{_interval(c.get('median_ratio'), c.get('median_ratio_ci_low'), c.get('median_ratio_ci_high'))} | "
                         f"{_p(c.get('logrank_p'))} |")
    return lines + ["", f"RMST: restricted mean survival time up to the horizon ({summary.get('horizon_weeks')} weeks). "
                        "Ratios below 1 and hazard ratios above 1: the arm's conflicts are shorter.", ""]


def _baseline_label(summary: dict) -> str:
    return next(r["label"] for r in summary["arms"] if r["arm"] == summary["baseline"])


def _outcome_table(summary: dict) -> list[str]:
    lines = ["## Other outcomes (whole run, mean per replicate with 95% CI; difference from the baseline, "
              "paired by seed)", "",
              "| outcome | " + " | ".join(r["label"] for r in summary["arms"]) + " |",
              "|---|" + "---|" * len(summary["arms"])]
    for name in summary["arms"][0]["outcomes"]:
        cells = []
        for r in summary["arms"]:
            o = r["outcomes"][name]
            show = functools.partial(format_outcome, name)
            cell = f"{show(o['mean'])} ({show(o['ci_low'])} to {show(o['ci_high'])})"
            if "difference" in o:
                cell += (f"; diff {show(o['difference'], signed=True)} ({show(o['difference_ci_low'])} to "
                         f"{show(o['difference_ci_high'])})")
            cells.append(cell)
        lines.append(f"| {OUTCOME_LABELS.get(name, name)} | " + " | ".join(cells) + " |")
    return lines + [""]


def _number(value: float | None) -> str:
    if value is None:
        return "n/a"
    if abs(value) >= 1e6:
        return f"{value / 1e6:,.1f}M"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}"
