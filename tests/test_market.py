"""The trafficking economy: prices that answer to supply, volumes that answer to prices and enforcement,
corridors that trade places, credit that binds, and money and cocaine that balance every week."""

from pathlib import Path

import numpy as np
import pytest

from sim.drivers.kernel import run_kernel
from sim.drivers.mesa import ThreatNetworkModel
from sim.model import State, compile_from
from sim.model.conflict import CRIME
from sim.model.declare import FLOWS
from sim.model.generate import generated, struct
from sim.model.market import clearing_index
from sim.runners.montecarlo import run_monte_carlo

TWO_CORRIDORS = Path(__file__).parent / "scenarios" / "two_corridors.yaml"
HEAVY = {"police.maritime[0].detection": 0.6, "police.host.units[0].officers": 400}


def means(overrides: dict, replicates: int = 24) -> dict:
    table = run_monte_carlo(compile_from(TWO_CORRIDORS, overrides), replicates, seed=5, workers=1)
    return table.mean(numeric_only=True).to_dict()


def test_less_supply_clears_at_a_higher_price_with_the_demand_elasticity():
    assert clearing_index(1000.0, 1000.0, -0.5, 0.25, 4.0) == 1.0
    assert clearing_index(500.0, 1000.0, -0.5, 0.25, 4.0) == pytest.approx(4.0)  # half the supply: 2^2
    assert clearing_index(900.0, 1000.0, -0.5, 0.25, 4.0) == pytest.approx((0.9) ** -2)
    assert clearing_index(0.0, 1000.0, -0.5, 0.25, 4.0) == 4.0 and clearing_index(1e9, 1000.0, -0.5, 0.25, 4.0) == 0.25


def test_seizures_raise_the_price():
    """A patrol that takes a large share of the traffic leaves less to sell, and the price rises."""
    compiled, seized = compile_from(TWO_CORRIDORS), compile_from(TWO_CORRIDORS, HEAVY)
    columns = compiled.layout.series_columns
    index = columns.index("market_price_index")
    calm, heavy = run_kernel(compiled, 3)[1][:, index], run_kernel(seized, 3)[1][:, index]
    assert heavy[-52:].mean() > 1.2 * calm[-52:].mean()


def test_enforcement_on_one_corridor_moves_traffic_to_the_other():
    """The inter-regional balloon effect: interdiction at sea on the direct route pushes traffic through
    West Africa."""
    calm, patrolled = means({}), means({"police.maritime[0].detection": 0.3})
    assert calm["via_west_africa_kg"] / calm["shipped_kg"] < 0.6
    assert patrolled["via_west_africa_kg"] / patrolled["shipped_kg"] > 0.75
    assert patrolled["seized_maritime_kg"] > 0 == calm["seized_maritime_kg"]


def test_volume_falls_when_enforcement_makes_routes_pay_less_than_traffickers_require():
    """With a market, heavy enforcement cuts what is shipped (margins fall below the required margin);
    with fixed prices and no required margin the same enforcement barely moves it."""
    calm, heavy = means({}), means(HEAVY)
    assert heavy["shipped_kg"] < 0.8 * calm["shipped_kg"]
    fixed_calm, fixed_heavy = means({"market": None}), means({**HEAVY, "market": None})
    assert fixed_heavy["shipped_kg"] > 0.95 * fixed_calm["shipped_kg"]


def test_credit_binds():
    """An organisation with no cash and no credit buys nothing; credit lets it start."""
    broke = means({"organisations[0].cash_usd": 0, "organisations[0].credit_usd": 0}, replicates=4)
    lent = means({"organisations[0].cash_usd": 0, "organisations[0].credit_usd": 2_000_000}, replicates=4)
    assert broke["shipped_kg"] == 0 and lent["shipped_kg"] > 0


def test_money_and_cocaine_balance_every_week():
    """Each week: the organisations' cash changes by sales - purchases - transport - protection - bribes;
    belligerents' crime income equals the protection paid; kg shipped = delivered + seized + change in
    transit."""
    compiled = compile_from(TWO_CORRIDORS, {"police.host.units[0].corruption": 0.9,
                                            "police.host.units[0].passed_up_share": 0.5})
    kernel = generated()
    s, p = compiled.fresh_state(), compiled.with_seed(2)
    compiled_state = struct(s)  # the same arrays as compiled code takes them
    kernel.initialise(compiled_state, p)
    total = {name: FLOWS.index(name) for name in FLOWS.names}
    in_transit = 0.0
    for week in range(1, 121):
        cash, bribes = s.org_cash_usd.sum(), s.unit_bribes_usd.sum()
        kernel.run_week(compiled_state, p, week)
        w = s.week_totals
        expected = w[total["criminal_revenue_usd"]] - w[total["purchase_usd"]] - w[total["transport_usd"]] \
            - w[total["taxes_usd"]] - w[total["bribes_usd"]]
        assert s.org_cash_usd.sum() - cash == pytest.approx(expected, rel=1e-9, abs=1e-3), week
        assert s.bel_income_week[:, CRIME].sum() == pytest.approx(w[total["taxes_usd"]]
                                                                  + w[total["bribes_passed_up_usd"]])
        assert s.unit_bribes_usd.sum() - bribes == pytest.approx(w[total["bribes_usd"]]
                                                                 - w[total["bribes_passed_up_usd"]])
        now = s.ship_kg[s.ship_active].sum()
        assert w[total["shipped_kg"]] == pytest.approx(w[total["delivered_kg"]] + w[total["seized_kg"]]
                                                       + now - in_transit, abs=1e-6), week
        in_transit = now
    assert s.totals[total["bribes_passed_up_usd"]] > 0 and s.totals[total["seized_kg"]] > 0
    assert s.totals[total["taxes_usd"]] > 0


def test_corruption_erodes_a_posts_skill():
    eroding = compile_from(TWO_CORRIDORS, {"police.host.units[0].corruption": 0.9,
                                           "police.host.units[0].skill_lost_per_bribe": 0.01,
                                           "levers.host_capacity_growth_per_year": 0.0})
    state, _ = run_kernel(eroding, 1)
    kept, _ = run_kernel(compile_from(TWO_CORRIDORS, {"police.host.units[0].corruption": 0.9,
                                                      "levers.host_capacity_growth_per_year": 0.0}), 1)
    assert kept.unit_skill[0] == eroding.initial.unit_skill[0]
    assert state.unit_skill[0] < 0.95 * eroding.initial.unit_skill[0] and state.unit_bribes_usd[0] > 0


def test_the_estimate_from_seizures_is_unodcs_method_and_can_miss_the_true_flow():
    """Without interdiction at sea the estimate is close to the true West African flow; with it, seizures
    at sea are not European seizures, and the estimate falls short of the truth."""
    calm, patrolled = means({}), means({"police.maritime[0].detection": 0.3})
    assert calm["west_africa_flow_estimated_kg"] == pytest.approx(calm["via_west_africa_kg"], rel=0.15)
    assert patrolled["west_africa_flow_estimated_kg"] < 0.8 * patrolled["via_west_africa_kg"]


def test_mesa_equals_kernel_with_the_market():
    compiled = compile_from(TWO_CORRIDORS, HEAVY)
    for seed in range(3):
        model = ThreatNetworkModel(compiled, rng=seed)
        model.run_model()
        state, series = run_kernel(compiled, seed)
        assert np.array_equal(model.series().reset_index().to_numpy(), series)
        for field in State._fields:
            assert np.array_equal(getattr(model.state, field), getattr(state, field), equal_nan=True), field


def test_an_organisation_uses_only_its_modes_and_a_latecomer_enters_when_margins_allow():
    """Air operators fly (the direct sea crossing is not theirs); an inactive organisation starts at no
    shipments and enters the trade when margins exceed what it requires, and the count of active
    organisations says so."""
    assert len(compile_from(TWO_CORRIDORS).layout.routes) == 2
    sea_and_land = compile_from(TWO_CORRIDORS, {"organisations[0].modes": ["land", "sea"]})
    assert sea_and_land.layout.routes == [["source", "port", "azores", "market"]]
    latecomer = compile_from(TWO_CORRIDORS, {"organisations[0].active": False, "market.required_margin": 0.3})
    assert latecomer.initial.org_rate[0] == 0.0
    _, series = run_kernel(latecomer, 4)
    columns = latecomer.layout.series_columns
    assert series[0, columns.index("shipped_kg")] == 0  # nothing in its first week
    assert series[-1, columns.index("active_organisations")] == 1 and series[:, columns.index("shipped_kg")].sum() > 0
    stays_out = compile_from(TWO_CORRIDORS, {"organisations[0].active": False, "market.required_margin": 0.95})
    assert run_kernel(stays_out, 4)[1][:, columns.index("shipped_kg")].sum() == 0


def test_traffic_moves_to_the_other_corridor_while_the_sea_is_patrolled_and_back_after():
    """MAOC-N patrols the direct route for two years (a dated event on, another off): the West African
    share of shipments rises while it patrols and falls back when it stops."""
    events = [{"date": "2006-01-02", "name": "patrols start", "set": {"police.maritime[0].detection": 0.4},
               "source": "test"},
              {"date": "2008-01-07", "name": "patrols stop", "set": {"police.maritime[0].detection": 0.0},
               "source": "test"}]
    compiled = compile_from(TWO_CORRIDORS, {"events": events})
    columns = compiled.layout.series_columns
    via, shipped = columns.index("via_west_africa_kg"), columns.index("shipped_kg")
    shares = []
    for seed in range(6):
        series = run_kernel(compiled, seed)[1]
        share = [series[a:b, via].sum() / series[a:b, shipped].sum() for a, b in ((26, 52), (130, 156), (234, 260))]
        shares.append(share)
    before, during, after = np.mean(shares, axis=0)
    assert during > before + 0.25 and after < during - 0.25, (before, during, after)
