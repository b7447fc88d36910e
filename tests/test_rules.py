"""Unit tests of each rule (small numba functions beside their module: sim/model/*.py)."""

import math

import numpy as np
import pytest

from types import SimpleNamespace

from sim.model import conflict, policing, trafficking

rules = SimpleNamespace(**{**vars(trafficking), **vars(policing), **vars(conflict)})


def test_launch_count_keeps_the_mean_rate():
    draws = np.linspace(0, 1, 10_000, endpoint=False)
    counts = [rules.launch_count(2.3, u) for u in draws]
    assert set(counts) == {2, 3}
    assert np.mean(counts) == pytest.approx(2.3, abs=1e-3)


def test_perceived_risk_is_beta_posterior_mean():
    assert rules.perceived_risk(0.0, 0.0, 1.0, 9.0) == pytest.approx(0.1)
    assert rules.perceived_risk(5.0, 10.0, 1.0, 9.0) == pytest.approx(6 / 20)
    assert rules.memory_decay(26.0) == pytest.approx(math.exp(-1 / 26))


def test_route_value_falls_with_risk_and_cost():
    safe = rules.route_value_share(0.9, 40000.0, 3000.0, 5000.0)
    risky = rules.route_value_share(0.5, 40000.0, 3000.0, 5000.0)
    costly = rules.route_value_share(0.9, 40000.0, 3000.0, 9000.0)
    assert safe == pytest.approx((0.9 * 40000 - 8000) / 40000)
    assert risky < safe and costly < safe


def test_choose_route_logit_shares_and_outside_option():
    values = np.array([0.5, 0.2])
    draws = np.linspace(0, 1, 20_000, endpoint=False)
    picks = np.array([rules.choose_route(values, 4.0, u, np.zeros(len(values)), True) for u in draws])
    weights = np.array([1.0, math.exp(4 * 0.5), math.exp(4 * 0.2)])  # outside option first
    expected = weights / weights.sum()
    observed = [(picks == k).mean() for k in (-1, 0, 1)]
    assert observed == pytest.approx(expected, abs=1e-3)


def test_choose_route_skips_full_routes_and_prefers_shipping_over_nothing():
    values = np.array([np.nan, 0.3, np.nan])
    picks = {rules.choose_route(values, 50.0, u, np.zeros(len(values)), True)
             for u in np.linspace(0, 1, 1000, endpoint=False)}
    assert picks <= {-1, 1} and 1 in picks
    assert rules.choose_route(np.array([np.nan]), 5.0, 0.99, np.zeros(1), True) == -1


def test_choose_route_without_the_outside_option_always_picks_an_available_route():
    """A courier team's flight is booked at the hub without the option of not shipping: the shares are
    the logit's over the available routes alone, even when every value is negative."""
    values = np.array([-0.2, np.nan, -0.5])
    draws = np.linspace(0, 1, 20_000, endpoint=False)
    picks = np.array([rules.choose_route(values, 4.0, u, np.zeros(len(values)), False) for u in draws])
    weights = np.array([math.exp(4 * -0.2), math.exp(4 * -0.5)])
    assert set(picks) == {0, 2}
    assert [(picks == 0).mean(), (picks == 2).mean()] == pytest.approx(weights / weights.sum(), abs=1e-3)
    assert rules.choose_route(np.array([np.nan, np.nan]), 4.0, 0.5, np.zeros(2), False) == -1


def test_detection_probability_grows_with_officers_and_alerts():
    """Database access no longer multiplies the hazard (it acts through the people it identifies); the
    alerts of secure communications still raise it."""
    base = rules.detection_probability(50, 0.5, 0.004, 1.0, 0.0, 0.5, 10, 1)
    assert base == pytest.approx(1 - math.exp(-0.004 * 50 * 0.5))
    assert rules.detection_probability(100, 0.5, 0.004, 1.0, 0.0, 0.5, 10, 1) > base
    assert rules.detection_probability(50, 0.5, 0.004, 1.0, 2.0, 0.5, 10, 1) > base
    assert rules.detection_probability(0, 0.5, 0.004, 1.0, 0.0, 0.5, 10, 1) == 0.0


def test_detection_probability_saturates_when_traffic_exceeds_capacity():
    light = rules.detection_probability(50, 0.5, 0.004, 1.0, 0.0, 0.5, 2, 1)
    heavy = rules.detection_probability(50, 0.5, 0.004, 1.0, 0.0, 0.5, 2, 8)
    assert heavy == pytest.approx(1 - math.exp(-0.1 * 2 / 8))
    assert heavy < light


def test_corruption_taxes_and_bribes():
    assert rules.effective_corruption(0.8, 2.0) == 1.0
    assert rules.effective_corruption(0.4, 0.5) == pytest.approx(0.2)
    assert rules.protection_tax_usd(100.0, 10000.0, 0.02) == pytest.approx(20000.0)
    assert rules.bribe_usd(100.0, 10000.0, 0.05) == pytest.approx(50000.0)


def test_capacity_growth_closes_the_annual_gap_and_mentoring_speeds_it():
    weekly = rules.weekly_rate(0.1)
    skill = 0.0
    for _ in range(52):
        skill = rules.capacity_growth(skill, weekly, 0.0, 0.0, 100.0)
    assert skill == pytest.approx(0.1)
    mentored = rules.capacity_growth(0.0, weekly, 1.0, 50.0, 100.0)
    assert mentored == pytest.approx(1.5 * weekly)
    assert rules.capacity_growth(0.99, 0.5, 10.0, 100.0, 1.0) == 1.0


def test_alerts_decay_and_add():
    assert rules.alert_level(2.0, 0.25, 1.0) == pytest.approx(2.5)


def test_upkeep_desertion_and_recruitment():
    paid, unpaid = rules.upkeep(300.0, 10.0, 50.0)
    assert (paid, unpaid) == (300.0, pytest.approx(0.4))
    assert rules.upkeep(1000.0, 10.0, 50.0) == (500.0, 0.0)
    assert rules.desertion(1000.0, 0.4, 0.05) == pytest.approx(20.0)
    assert rules.desertion(1000.0, 0.0, 0.05) == 0.0
    recruits, spent = rules.recruitment(3000.0, 300.0, 100.0, 1000.0)
    assert (recruits, spent) == (pytest.approx(10.0), 3000.0)
    capped, spent_capped = rules.recruitment(3000.0, 300.0, 995.0, 1000.0)
    assert capped == pytest.approx(5.0) and spent_capped == pytest.approx(1500.0)


def test_combat_losses_are_lanchester_with_bounded_noise():
    assert rules.combat_losses(1000.0, 0.002, 0.5, 0.5) == pytest.approx(2.0)
    assert rules.combat_losses(1000.0, 0.002, 0.5, 0.0) == pytest.approx(1.0)
    assert rules.combat_losses(1000.0, 0.002, 0.5, 0.999999) == pytest.approx(3.0, rel=1e-5)


def test_contest_success_function_is_the_ratio_form():
    assert rules.contest_odds(1000.0, 1000.0, 1.0) == pytest.approx(0.5)
    assert rules.contest_odds(3000.0, 1000.0, 1.0) == pytest.approx(0.75)
    assert rules.contest_odds(3000.0, 1000.0, 2.0) == pytest.approx(0.9)  # more decisive: 9 / (9 + 1)
    assert rules.contest_odds(0.0, 10.0, 1.0) == 0.0 and rules.contest_odds(10.0, 0.0, 1.0) == 1.0


def test_territory_moves_toward_the_odds_and_contested_land_means_fighting():
    assert rules.territory_step(0.2, 0.8, 0.25) == pytest.approx(0.35)
    assert rules.contestedness(0.5) == 1.0 and rules.contestedness(1.0) == 0.0
    assert rules.engagement(0.0, 0.02) == pytest.approx(0.02) and rules.engagement(1.0, 0.02) == pytest.approx(1.0)


def test_beliefs_converge_on_what_the_fighting_shows():
    wins, losses = 0.9 * 52, 0.1 * 52  # a government that thinks it wins 90% of the time
    for _ in range(400):
        wins, losses = rules.update_belief(wins, losses, 0.0, 1.0, 52.0)  # ... and keeps losing
    assert wins / (wins + losses) < 0.01 and wins + losses == pytest.approx(52.0)
    assert rules.update_belief(10.0, 10.0, 1.0, 0.0, 52.0) == (10.0, 10.0)  # no fighting, nothing learnt


def test_income_while_fighting_lowers_the_cost_of_war_and_can_make_it_pay():
    dear = rules.war_cost_share(100_000.0, 0.0, 52.0, 1e6, 520.0)
    cheap = rules.war_cost_share(100_000.0, 60_000.0, 52.0, 1e6, 520.0)
    assert dear == pytest.approx(0.01) and cheap == pytest.approx(0.004)
    assert rules.war_cost_share(100_000.0, 150_000.0, 52.0, 1e6, 520.0) < 0.0


def test_a_bargaining_range_needs_costs_above_mutual_optimism_and_a_deal_that_holds():
    assert rules.bargaining_surplus(0.7, 0.5, 0.1, 0.15) == pytest.approx(0.05)
    assert rules.bargaining_surplus(0.9, 0.3, 0.1, 0.15) < 0.0
    assert rules.deal_is_credible(0.05, 0.0001, 104.0)
    assert not rules.deal_is_credible(0.05, -0.001, 104.0)  # power shifting 0.1 over two years
    assert rules.collapsed(9.0, 100.0, 0.1) and not rules.collapsed(11.0, 100.0, 0.1)


@pytest.mark.parametrize("size", [1, 2, 7, 8, 9, 12, 28, 64, 127, 128, 129, 300, 1000])
def test_numpy_sum_equals_numpy_bit_for_bit(size):
    """Shares of income must equal what numpy's .sum() gave before the kernel computed them."""
    generator = np.random.default_rng(size)
    for _ in range(20):
        values = generator.standard_normal(size) * 10 ** generator.uniform(-3, 9, size)
        assert rules.numpy_sum(values) == values.sum()
