"""Pattern tests: UCDP targets computed from the shipped data against FACTS-2, statistics on tables whose
answer is known, pattern-file errors, evaluation (pass, fail, distance) and `threatnet patterns`."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import shipped
from sim.patterns import (STATISTICS, as_episodes, bands, check_episodes, distance, episodes_from_monte_carlo,
                          evaluate, load_patterns, statistic_value, ucdp_episodes)
from sim.patterns.episodes import WEEKS_PER_YEAR
from sim.patterns.statistics import Columns, Weights
from sim.patterns.ucdp import describe_episode
from sim.scenario import InputError

ROOT = Path(__file__).resolve().parent.parent

# FACTS-2 §1.4 and §1.5 (derived by hand from the same file): (statistic, arguments, figure, how it is rounded)
FACTS_2 = [
    ("ending_share", {"end_type": "low_activity"}, 43, "percent"),
    ("ending_share", {"end_type": "government_victory"}, 22, "percent"),
    ("ending_share", {"end_type": "rebel_victory"}, 8, "percent"),
    ("ending_share", {"end_type": "agreement"}, 12 + 10, "two percents"),  # ceasefire 12.4% + peace agreement 10.1%
    ("ending_share", {"end_type": "actor_ceased"}, 4, "percent"),
    ("ending_share", {"end_type": "low_activity", "sample": "war"}, 33, "percent"),
    ("median_duration_years", {"sample": "war"}, 5.8, 1),
    ("median_duration_years", {}, 1.2, 1),
    ("hazard", {"from_year": 0, "to_year": 1, "sample": "war"}, 0.20, 2),
    ("hazard", {"from_year": 5, "to_year": 10, "sample": "war"}, 0.07, 2),
    ("hazard", {"from_year": 0, "to_year": 1}, 0.73, 2),
    ("weibull_shape", {"sample": "war"}, 0.68, 2),
    ("weibull_shape", {}, 0.44, 2),
    ("victory_share", {"max_years": 1, "sample": "war"}, 57, "percent"),
    ("victory_share", {"min_years": 10, "sample": "war"}, 13, "percent"),
]


@pytest.fixture(scope="module")
def ucdp() -> pd.DataFrame:
    return ucdp_episodes()


def test_ucdp_episodes_are_those_of_facts_2(ucdp):
    assert len(ucdp) == 479 and ucdp["ended"].sum() == 435  # FACTS-2 §1.4: 479 (435 ended)
    war = ucdp[ucdp["war_intensity"]]
    assert len(war) == 128 and war["ended"].sum() == 110    # 128 (110)
    assert (ucdp["end_type"] == "censored").sum() == 44
    assert set(ucdp["replicate"]) == {0} and ucdp["duration_weeks"].min() >= 0
    check_episodes(ucdp)


@pytest.mark.parametrize("name, arguments, figure, rounding", FACTS_2,
                         ids=[f"{n}-{'-'.join(map(str, a.values()))}" for n, a, _, _ in FACTS_2])
def test_ucdp_statistic_reproduces_facts_2(ucdp, name, arguments, figure, rounding):
    value = statistic_value(ucdp, name, **arguments)
    if rounding == "percent":
        assert round(100 * value) == figure
    elif rounding == "two percents":  # a sum of two rounded figures: within a point
        assert abs(100 * value - figure) <= 1
    else:
        assert round(value, rounding) == pytest.approx(figure)


def test_peace_agreement_and_ceasefire_apart(ucdp):
    ended = ucdp[ucdp["ended"]]
    shares = ended["outcome"].value_counts(normalize=True)
    assert round(100 * shares[1]) == 10 and round(100 * shares[2]) == 12  # FACTS-2 §1.5


def test_government_to_rebel_victories_is_about_two_and_a_half(ucdp):
    assert 2.5 <= statistic_value(ucdp, "victory_ratio") <= 2.75  # 94 : 36; FACTS-2 22% : 8%


def test_west_african_episodes_as_facts_2_codes_them():
    assert describe_episode(38201).startswith("Sierra Leone (RUF) 1991-04-01 -> 2001-12-20, 10.7 yr, peace agreement")
    assert describe_episode(34103).endswith("2000-05-31 -> 2003-11-21, 3.5 yr, peace agreement")
    assert describe_episode(41901).endswith("2002-09-20 -> 2004-11-09, 2.1 yr, peace agreement")
    assert describe_episode(41001).endswith("1998-06-07 -> 1999-05-07, 0.9 yr, rebel victory")


@pytest.mark.parametrize("name", ["median_duration_years", "weibull_shape"])
@pytest.mark.parametrize("sample", ["all", "war"])
def test_vectorised_statistics_agree_with_lifelines(ucdp, name, sample):
    """The bootstrap uses the vectorised twin; the point value is lifelines' own fit."""
    statistic = STATISTICS[name]
    arguments = statistic.arguments(sample=sample)
    twin = statistic.compute(Columns.of(ucdp), Weights.ones(len(ucdp)), arguments)[0]
    assert twin == pytest.approx(statistic.value(ucdp, arguments), rel=1e-3)


# --- tables whose answer is known -----------------------------------------------------------------

def synthetic(durations_weeks, end_types, replicates=None, war=True) -> pd.DataFrame:
    n = len(durations_weeks)
    end_types = list(end_types) if not isinstance(end_types, str) else [end_types] * n
    return pd.DataFrame({
        "replicate": np.arange(n) if replicates is None else replicates, "conflict": "x", "episode": 1,
        "start_week": 0, "duration_weeks": np.asarray(durations_weeks, float),
        "ended": [t != "censored" for t in end_types], "end_type": end_types, "war_intensity": war})


def exponential_table(mean_years=4.0, n=4000, horizon_years=20.0, seed=5) -> pd.DataFrame:
    years = np.random.default_rng(seed).exponential(mean_years, n)
    ended = years <= horizon_years
    return synthetic(np.minimum(years, horizon_years) * WEEKS_PER_YEAR,
                     np.where(ended, "low_activity", "censored"))


def test_exponential_durations_have_weibull_shape_one_and_constant_hazard():
    table = exponential_table()
    assert statistic_value(table, "weibull_shape") == pytest.approx(1.0, abs=0.05)
    for low, high in [(0, 1), (5, 10)]:
        assert statistic_value(table, "hazard", from_year=low, to_year=high) == pytest.approx(0.25, rel=0.1)
    assert statistic_value(table, "median_duration_years") == pytest.approx(4 * math.log(2), rel=0.06)
    assert statistic_value(table, "duration_rank", years=4 * math.log(2)) == pytest.approx(0.5, abs=0.03)


def test_weibull_shape_of_weibull_durations():
    years = 3.0 * np.random.default_rng(2).weibull(0.5, 3000)
    table = synthetic(years * WEEKS_PER_YEAR, "agreement")
    statistic = STATISTICS["weibull_shape"]
    twin = statistic.compute(Columns.of(table), Weights.ones(len(table)), statistic.arguments())[0]
    assert twin == pytest.approx(0.5, abs=0.03)
    assert statistic_value(table, "weibull_shape") == pytest.approx(twin, rel=1e-3)


def test_shares_ratios_and_victory_timing_on_a_small_table():
    weeks = [26, 26, 26, 26, 600, 600, 600, 600, 1040]
    ends = ["low_activity", "government_victory", "government_victory", "rebel_victory",
            "agreement", "agreement", "agreement", "government_victory", "censored"]
    table = synthetic(weeks, ends)
    assert statistic_value(synthetic([10, 20, 30], "low_activity"), "ending_share", end_type="low_activity") == 1
    assert statistic_value(table, "ending_share", end_type="agreement") == pytest.approx(3 / 8)
    assert statistic_value(table, "victory_ratio") == pytest.approx(3.0)
    assert statistic_value(table, "victory_share", max_years=1) == pytest.approx(3 / 4)
    assert statistic_value(table, "victory_share", min_years=10) == pytest.approx(1 / 4)
    assert statistic_value(table, "hazard", from_year=0, to_year=1) == pytest.approx(4 / (4 * 26 / WEEKS_PER_YEAR + 5))
    assert statistic_value(table, "ending_share", end_type="agreement", sample="war") == pytest.approx(3 / 8)
    no_war = synthetic(weeks, ends, war=False)
    assert math.isnan(statistic_value(no_war, "ending_share", end_type="agreement", sample="war"))
    assert math.isnan(statistic_value(synthetic([10, 20], "censored"), "median_duration_years"))


# --- the episodes format and the adapter --------------------------------------------------------------

def test_replicate_table_becomes_first_episodes():
    table = pd.DataFrame({
        "replicate": [0, 0, 1, 1], "conflict": ["a", "b", "a", "b"], "duration_weeks": [10, 1040, 30, 40],
        "ended": [True, False, True, True],
        "end_type": ["government_victory", "censored", "agreement", "low_activity"],
        "war_intensity": [True, False, True, False], "battle_deaths": [1500.0, 80.0, 900.0, 30.0],
        "winner": ["gov", None, None, None], "seizure_rate": 0.1})
    episodes = episodes_from_monte_carlo(table)
    assert episodes["end_type"].tolist() == table["end_type"].tolist()
    assert episodes["war_intensity"].tolist() == [True, False, True, False] and (episodes["episode"] == 1).all()
    assert episodes["duration_weeks"].dtype == float
    with pytest.raises(ValueError, match="end_type must be one of"):
        episodes_from_monte_carlo(table.assign(end_type=["victory", "censored", "agreement", "low_activity"]))
    assert as_episodes(episodes).equals(episodes)  # the common format passes through as it is


def test_episode_table_is_checked():
    table = synthetic([1, 2], ["agreement", "censored"])
    with pytest.raises(ValueError, match="missing war_intensity"):
        check_episodes(table.drop(columns="war_intensity"))
    with pytest.raises(ValueError, match="end_type must be one of"):
        check_episodes(table.assign(end_type=["victory", "censored"]))
    with pytest.raises(ValueError, match="exactly where ended is False"):
        check_episodes(table.assign(ended=True))


# --- pattern files ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def civil_wars():
    return load_patterns(shipped.resolve("ucdp_civil_wars", "patterns"))


@pytest.fixture(scope="module")
def west_africa():
    return load_patterns(shipped.resolve("west_africa_wars", "patterns"))


def test_shipped_pattern_files_load_with_fit_and_test_roles(civil_wars, west_africa):
    roles = {p.name: p.role for p in civil_wars.patterns}
    assert roles["low_activity_share"] == "fit" and roles["war_weibull_shape"] == "test"
    assert {p.conflict for p in west_africa.patterns} == {"sierra_leone", "liberia", "cote_divoire", "guinea_bissau"}


def test_ucdp_bands_contain_the_target_and_are_widened_by_the_tolerance(civil_wars):
    for pattern, band in zip(civil_wars.patterns, bands(civil_wars)):
        if band.kind != "ucdp":
            continue
        assert band.interval_low < band.value < band.interval_high
        widen = pattern.target.tolerance if pattern.target.tolerance is not None \
            else pattern.target.relative * band.value
        assert band.low == pytest.approx(max(band.interval_low - widen, 0.0))
        assert band.high == pytest.approx(band.interval_high + widen)
    assert bands(civil_wars) == bands(civil_wars)  # seeded


def write(tmp_path, text: str) -> Path:
    path = tmp_path / "p.yaml"
    path.write_text(textwrap.dedent(text))
    return path


GOOD = """\
    name: t
    seed: 1
    bootstrap: 200
    patterns:
      - name: a
        statistic: {ending_share: {end_type: low_activity}}
        target: {ucdp: computed, tolerance: 0.05}
        source: FACTS-2 §1.5
        role: fit
"""


@pytest.mark.parametrize("change, key, says", [
    (("statistic:", "statistc:"), "patterns[0].statistc", "did you mean 'statistic'"),
    (("ending_share:", "ending_shares:"), "patterns[0].statistic.ending_shares", "did you mean 'ending_share'"),
    (("low_activity", "stalemate"), "patterns[0].statistic.ending_share.end_type", "stalemate"),
    (("tolerance: 0.05", "tolerance: 0.05, relative: 0.1"), "patterns[0].target", "exactly one of tolerance"),
    (("{ucdp: computed, tolerance: 0.05}", "{cited: 0.5, band: [0.1, 0.4], source: x}"), "patterns[0].target",
     "must contain the cited value"),
    (("{ucdp: computed, tolerance: 0.05}", "{band: [0.1, 0.4]}"), "patterns[0].target", "assumption"),
    (("role: fit", "role: calibrate"), "patterns[0].role", "'fit' or 'test'"),
    (("{end_type: low_activity}", "{ucdp_episode: 99999}"), "patterns[0].statistic.ending_share.ucdp_episode",
     "there is no 99999"),
    (("bootstrap: 200", "bootstrap: '200'"), "bootstrap", "the quotes make it text"),
])
def test_pattern_file_errors_name_file_key_and_expectation(tmp_path, change, key, says):
    path = write(tmp_path, GOOD.replace(*change))
    with pytest.raises(InputError) as raised:
        load_patterns(path)
    assert raised.value.file == str(path)
    assert raised.value.key == key
    assert says in raised.value.expected


def test_duplicate_pattern_names_are_refused(tmp_path):
    text = textwrap.dedent(GOOD)
    text += text.split("patterns:\n", 1)[1]  # the same pattern twice
    with pytest.raises(InputError) as raised:
        load_patterns(write(tmp_path, text))
    assert raised.value.key == "patterns[1].name" and "patterns[0] is 'a' too" in raised.value.expected


# --- evaluation --------------------------------------------------------------------------------------

def test_ucdp_episodes_pass_their_own_targets(civil_wars, ucdp):
    results = evaluate(ucdp, civil_wars, seed=3)
    for result in results:
        if result.target_kind == "ucdp":
            assert result.value == pytest.approx(result.target) and result.passed and result.distance == 0
            assert result.ci_overlaps


def test_a_table_outside_the_bands_fails_with_a_distance(civil_wars):
    table = synthetic([26] * 50 + [600] * 50, ["government_victory"] * 100, replicates=np.repeat(np.arange(20), 5))
    results = {r.name: r for r in evaluate(table, civil_wars, seed=1)}
    failed = results["government_victory_share"]
    assert failed.value == 1.0 and not failed.passed and failed.verdict == "FAIL"
    assert failed.distance == pytest.approx((1.0 - failed.band_high) / (failed.band_high - failed.band_low))
    assert not results["low_activity_share"].passed
    everything = list(results.values())
    fit = distance(everything, roles=("fit",))
    assert 0 < fit < distance(everything)
    assert fit == pytest.approx(sum(r.distance for r in everything if r.role == "fit"))


def test_evaluation_is_deterministic(civil_wars):
    table = exponential_table(n=300).assign(replicate=np.repeat(np.arange(30), 10))
    first, second = evaluate(table, civil_wars, 7, resamples=300), evaluate(table, civil_wars, 7, resamples=300)
    assert [r.as_dict() for r in first] == [r.as_dict() for r in second]
    assert [r.ci_low for r in evaluate(table, civil_wars, 8, resamples=300)] != [r.ci_low for r in first]
    quick = evaluate(table, civil_wars, 7, resamples=0)  # what a calibration needs: values, no CIs
    assert [r.value for r in quick] == [r.value for r in first] and all(r.ci_low is None for r in quick)
    assert distance(quick) == distance(first)


# --- the command ---------------------------------------------------------------------------------------

def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    return subprocess.run([sys.executable, "-m", "sim.cli", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=300)


def test_command_end_to_end_json_out_and_determinism(tmp_path):
    args = ["patterns", "west_africa_2009", "west_africa_wars", "--replicates", "12", "--seed", "4", "--workers", "1"]
    done = cli(*args, "--json", "--out", "out", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert len(report["results"]) == 8 and report["replicates"] == 12 and report["seed"] == 4
    assert {r["verdict"] for r in report["results"]} <= {"PASS", "FAIL"}
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["kind"] == "patterns"
    assert {"patterns.json", "episodes.parquet"} <= set(manifest["files"])
    assert json.loads((tmp_path / "out" / "patterns.json").read_text())["results"] == report["results"]
    episodes = pd.read_parquet(tmp_path / "out" / "episodes.parquet")
    assert len(episodes) == 12 * 4 and set(episodes["conflict"]) == {"guinea_bissau", "cote_divoire", "liberia",
                                                                     "sierra_leone"}
    again = cli(*args, cwd=tmp_path)  # the table, same seed: same numbers
    assert again.returncode == 0, again.stderr
    assert "of 8 patterns pass" in again.stdout
    for result in report["results"]:
        line = next(line for line in again.stdout.splitlines() if line.startswith(result["name"] + " "))
        shown = "undefined" if result["value"] is None else f"{result['value']:.3g}"
        assert shown in line and result["verdict"] in line


def test_a_pattern_file_says_how_many_replicates_a_run_takes(tmp_path):
    """`replicates:` in the file is the run's size; --replicates overrides it; a bad value is one line."""
    write(tmp_path, GOOD.replace("bootstrap: 200", "bootstrap: 200\n    replicates: 7"))
    by_file = cli("patterns", "west_africa_2009", "p.yaml", "--json", "--workers", "1", cwd=tmp_path)
    assert by_file.returncode == 0, by_file.stderr
    assert json.loads(by_file.stdout)["replicates"] == 7
    given = cli("patterns", "west_africa_2009", "p.yaml", "--replicates", "5", "--json", "--workers", "1", cwd=tmp_path)
    assert given.returncode == 0 and json.loads(given.stdout)["replicates"] == 5
    write(tmp_path, GOOD.replace("bootstrap: 200", "bootstrap: 200\n    replicates: 1"))
    bad = cli("patterns", "west_africa_2009", "p.yaml", cwd=tmp_path)
    assert bad.returncode == 2 and "p.yaml: replicates" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
    assert "Traceback" not in bad.stderr
    assert load_patterns(Path(__file__).parent.parent / "patterns" / "ucdp_civil_wars.yaml").spec.replicates >= 2000


def test_targets_without_a_model_run(tmp_path):
    done = cli("patterns", "--targets", "ucdp_civil_wars", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    targets = {t["name"]: t for t in json.loads(done.stdout)["targets"]}
    assert round(targets["war_median_duration"]["target"], 1) == 5.8
    assert targets["war_weibull_shape_below_one"]["target_kind"] == "assumed"


@pytest.mark.parametrize("args, says", [
    (["patterns"], "give [SCENARIO] PATTERNS"),
    (["patterns", "ucdp_civil_wars"], "patterns[0].scenario: the scenario that simulates this pattern"),
    (["patterns", "west_africa_2009", "nope"], "nope: an existing pattern file or the name of a shipped one"),
    (["patterns", "guinea_bissau", "west_africa_wars"], "patterns[0].conflict: a conflict of scenario"),
    (["patterns", "--targets", "bad.yaml"], "bad.yaml: patterns[0].statistc: unknown key 'statistc'"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, args, says):
    (tmp_path / "bad.yaml").write_text(textwrap.dedent(GOOD).replace("statistic:", "statistc:"))
    done = cli(*args, cwd=tmp_path)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and says in lines[0], done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "results").exists()


def test_cited_and_assumed_targets_take_their_band_as_given(tmp_path):
    path = write(tmp_path, GOOD.replace("{ucdp: computed, tolerance: 0.05}",
                                        "{cited: 0.5, band: [0.4, 0.6], source: FACTS-2 §1.3}")
                 + "      - {name: b, statistic: {victory_ratio: {}}, role: test, source: x,\n"
                   "         target: {band: [1.0, 2.0], assumption: a stated guess}}\n")
    patterns = load_patterns(path)
    table = synthetic([10, 20, 30, 40], ["low_activity", "low_activity", "government_victory", "rebel_victory"],
                      replicates=[0, 1, 2, 3])
    cited, assumed = evaluate(table, patterns, seed=1)
    assert (cited.target_kind, cited.target, cited.band_low, cited.band_high) == ("cited", 0.5, 0.4, 0.6)
    assert cited.value == 0.5 and cited.passed and cited.target_source == "FACTS-2 §1.3"
    assert (assumed.target_kind, assumed.target, assumed.value) == ("assumed", None, 1.0)
    assert assumed.passed and assumed.target_source == "assumption: a stated guess"


def test_a_pattern_file_alone_runs_the_scenario_each_pattern_names(tmp_path):
    """`threatnet patterns west_africa_wars`: each war's patterns on its own scenario's episodes."""
    done = cli("patterns", "west_africa_wars", "--replicates", "40", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["scenario"] == "sierra_leone_1991, liberia_2000, cote_divoire_2002, guinea_bissau_1998"
    assert len(report["results"]) == 8
    assert all(r["value"] is not None for r in report["results"] if r["name"].endswith("_duration"))
