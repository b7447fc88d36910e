"""Wars as the conflict module makes them: uncertain starting conditions, episodes, sanctions, UN missions,
and the channels through which criminal money reaches a war."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.drivers.kernel import run_kernel
from sim.model import END_TYPES, compile_from
from sim.model.conflict import Income
from sim.model.generate import generated, struct
from sim.runners.montecarlo import run_monte_carlo
from sim.scenario import InputError, load_scenario

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "scenarios" / "civil_war_reference.yaml"
GUINEA_BISSAU = ROOT / "scenarios" / "guinea_bissau.yaml"


def drawn_fighters(compiled, seeds) -> np.ndarray:
    """The rebels' fighters after the draws of each seed's replicate (the compiled `initialise`)."""
    values = []
    for seed in seeds:
        state = compiled.fresh_state()
        generated().initialise(struct(state), compiled.with_seed(seed))
        values.append(state.bel_fighters[1])
    return np.array(values)


def test_a_distribution_is_drawn_once_per_replicate_from_the_seed():
    compiled = compile_from(REFERENCE)
    first, again = drawn_fighters(compiled, range(400)), drawn_fighters(compiled, range(400))
    assert np.array_equal(first, again)  # same seed, same draw
    assert len(np.unique(first)) == 400  # every replicate its own war
    spec = compiled.scenario.conflicts[0].belligerents[1].fighters.spec
    assert first.min() >= spec.min and first.max() <= spec.max
    # lognormal(median, sigma): the sample median and the spread of the logs match the declaration
    assert np.median(first) == pytest.approx(spec.median, rel=0.15)
    assert np.log(first).std() == pytest.approx(spec.sigma, rel=0.15)


def test_draws_reach_the_run_and_both_drivers_see_the_same_war():
    from sim.drivers.mesa import ThreatNetworkModel
    compiled = compile_from(REFERENCE)
    model = ThreatNetworkModel(compiled, rng=5)
    model.run_model()
    state, series = run_kernel(compiled, 5)
    assert np.array_equal(model.series().reset_index().to_numpy(), series)
    assert state.bel_max_fighters[1] >= drawn_fighters(compiled, [5])[0]  # ceilings raised to the draw


@pytest.mark.parametrize("value, says", [
    ({"lognormal": {"median": 3000}}, "lognormal.sigma: this key is required"),
    ({"gamma": {"k": 1}}, "unknown key 'gamma'"),
    ({"normal": {"mean": 3000, "sd": 500}}, "a distribution whose draws stay greater than 0"),
    ({"uniform": {"low": 5000, "high": 100}}, "low <= high"),
    ({"lognormal": {"median": 3000, "sigma": 0.5}, "uniform": {"low": 1, "high": 2}}, "exactly one of"),
])
def test_a_bad_distribution_is_named_with_its_key(value, says):
    with pytest.raises(InputError) as caught:
        load_scenario(GUINEA_BISSAU, {"conflicts[0].belligerents[1].fighters": value})
    assert caught.value.key.startswith("conflicts[0].belligerents[1].fighters")
    assert says in str(caught.value)


def test_episodes_are_coded_as_the_ucdp_codes_them():
    table = run_monte_carlo(compile_from(REFERENCE), 300, seed=3, workers=2)
    assert set(table["end_type"]) <= set(END_TYPES)
    assert len(set(table["end_type"]) - {"censored"}) >= 3, "the population ends in several ways"
    ended = table[table["ended"]]
    assert (ended["end_type"] != "censored").all() and (table.loc[~table["ended"], "end_type"] == "censored").all()
    assert (ended["duration_weeks"] >= 1).all()
    victories = ended["end_type"].isin(["government_victory", "rebel_victory"])
    assert ended.loc[victories, "winner"].notna().all() and ended.loc[~victories, "winner"].isna().all()
    recurred = table[table["episodes"] > 1]
    assert (recurred["end_type"] == "low_activity").all(), "only a war that went quiet can recur"
    assert (recurred["second_episode_week"] > recurred["duration_weeks"]).all()
    assert (table["weeks_at_war"] >= np.where(table["ended"], table["duration_weeks"] - 1, 0)).all()


def test_a_sanction_cuts_the_income_it_names_while_in_force():
    overrides = {"conflicts[0].sanctions": [{"belligerent": "gw_army_faction", "income": "external",
                                             "share_cut": 0.75, "from_week": 3, "to_week": 5}]}
    compiled = compile_from(GUINEA_BISSAU, overrides)
    _, series = run_kernel(compiled, 1)
    column = compiled.layout.series_columns.index(f"gw_army_faction.income_{Income.EXTERNAL.name.lower()}_usd")
    rate = compiled.scenario.conflicts[0].belligerents[1].external_support_usd_per_week
    weeks = series[:8, column]
    assert list(weeks[:2]) == [rate, rate] and weeks[5] == rate
    assert np.allclose(weeks[2:5], 0.25 * rate)


def test_a_un_mission_makes_agreements_likelier_and_victories_rarer():
    """DeRouen and Sobek (2004, FACTS-2 S158): the direction is sourced, so the model must show it."""
    without = run_monte_carlo(compile_from(REFERENCE), 400, seed=8, workers=2)
    with_un = run_monte_carlo(compile_from(REFERENCE, {"conflicts[0].un_mission": "UNMISSION"}), 400, seed=8,
                              workers=2)
    share = lambda table, kinds: table["end_type"].isin(kinds).mean()  # noqa: E731
    assert share(with_un, ["agreement"]) > share(without, ["agreement"])
    assert share(with_un, ["government_victory", "rebel_victory"]) < share(without, ["government_victory",
                                                                                       "rebel_victory"])


def test_money_buys_fighters_fighters_take_regions_and_regions_bring_the_hub():
    """The loop the question is about, both ways: a faction paid well enough to grow takes the Bijagos
    from a government that holds it and then taxes its traffic; an unpaid one never does."""
    def run(external_usd):
        compiled = compile_from(GUINEA_BISSAU, {
            "conflicts[0].regions[1].government_control": 0.9,
            "conflicts[0].belligerents[1].external_support_usd_per_week": external_usd})
        _, series = run_kernel(compiled, 2)
        columns = compiled.layout.series_columns
        return (series[:, columns.index("gw_bijagos.government_control")],
                series[:, columns.index("gw_army_faction.income_crime_usd")])
    control, crime = run(600_000.0)
    taken = np.flatnonzero(control < 0.5)
    assert taken.size and crime[:taken[0]].sum() == 0 and crime[taken[0]:].sum() > 0
    control, crime = run(0.0)
    assert (control >= 0.5).all() and crime.sum() == 0
