"""Invariants over whole runs, determinism, policy levers that move the model, batch_run."""

import mesa
import numpy as np
import pytest

from sim import load_scenario, run_model
from sim.drivers.kernel import run_kernel
from sim.drivers.mesa import ThreatNetworkModel
from sim.model import END_TYPES
from sim.model.conflict import CRIME
from sim.model.policing import BRIBES_USD
from sim.model.trafficking import DELIVERED_KG, PURCHASE_USD, SALES_USD, SEIZED_KG, SHIPPED_KG, TAXES_USD, \
    TRANSPORT_USD

from .conftest import DEFAULT, compiled_with


@pytest.fixture(scope="module")
def mesa_run(default_compiled):
    model = ThreatNetworkModel(default_compiled, rng=11)
    model.run_model()
    return model


def test_mass_balance_every_week(mesa_run):
    series = mesa_run.series()
    shipped = series["shipped_kg"].cumsum()
    accounted = series["delivered_kg"].cumsum() + series["seized_kg"].cumsum() + series["in_transit_kg"]
    np.testing.assert_allclose(shipped, accounted, rtol=0, atol=1e-6)
    assert shipped.iloc[-1] > 0 and series["seized_kg"].sum() > 0 and series["delivered_kg"].sum() > 0


def test_money_balance(mesa_run, default_compiled):
    state, initial = mesa_run.state, default_compiled.initial
    totals = state.totals
    # Belligerents: treasury = start + income - spending, and they received exactly the taxes paid.
    expected = initial.bel_treasury_usd + state.bel_income_total.sum(axis=1) - state.bel_spent_total
    np.testing.assert_allclose(state.bel_treasury_usd, expected, rtol=1e-9, atol=1e-3)
    assert state.bel_income_total[:, CRIME].sum() == pytest.approx(totals[TAXES_USD], rel=1e-12)
    assert totals[TAXES_USD] > 0
    # Traffickers: cash = starting cash + sales - purchases - transport - taxes - bribes.
    cash = initial.org_cash_usd.sum() + totals[SALES_USD] - totals[PURCHASE_USD] - totals[TRANSPORT_USD] - totals[TAXES_USD] - totals[BRIBES_USD]
    assert state.org_cash_usd.sum() == pytest.approx(cash, rel=1e-9)
    assert state.unit_bribes_usd.sum() == pytest.approx(totals[BRIBES_USD], rel=1e-9)
    # Per-week series add up to the totals.
    series = mesa_run.series()
    assert series["shipped_kg"].sum() == pytest.approx(totals[SHIPPED_KG])
    assert series["delivered_kg"].sum() == pytest.approx(totals[DELIVERED_KG])
    assert series["seized_kg"].sum() == pytest.approx(totals[SEIZED_KG])


def test_no_negative_strength_money_or_stock(mesa_run):
    series = mesa_run.series()
    fighters = series.filter(like=".fighters")
    treasuries = series.filter(like=".treasury_usd")
    assert (fighters.to_numpy() >= 0).all()
    assert (treasuries.to_numpy() >= -1e-6).all()
    assert (series["in_transit_kg"] >= 0).all()
    assert (mesa_run.state.edge_seized_kg <= mesa_run.state.edge_moved_kg + 1e-9).all()


def test_same_seed_same_series_other_seed_differs(default_compiled):
    first = run_model(default_compiled.scenario, seed=5, driver="kernel")
    again = run_model(default_compiled.scenario, seed=5, driver="kernel")
    other = run_model(default_compiled.scenario, seed=6, driver="kernel")
    assert first.equals(again)
    assert not first.equals(other)


def test_mesa_run_is_deterministic(default_compiled):
    def series(seed):
        model = ThreatNetworkModel(default_compiled, rng=seed)
        for _ in range(150):
            model.step()
        return model.series()
    assert series(3).equals(series(3))
    assert not series(3).equals(series(4))


def test_conflicts_end_or_are_censored_with_flows_in_the_documented_range(mesa_run):
    summaries = [run_model(DEFAULT, seed=seed, driver="kernel").attrs["summary"] for seed in range(2009, 2019)]
    for conflict in summaries[0]["conflicts"]:
        assert conflict["end_type"] in END_TYPES
        assert conflict["ended"] == (conflict["end_type"] != "censored")
    mean = lambda key: np.mean([summary[key] for summary in summaries])  # noqa: E731
    # The default is the region from 2009 with MAOC-N at full strength. Over its 20 years (mean of ten
    # replicates: one replicate's estimate varies by a few tonnes) the flow estimated from seizures, as UNODC
    # estimated it (sim/model/observation.py; the true flow differs: docs/VALIDATION.md 1.1), lies within
    # the union of the bands of UNODC's 2009 and 2010 estimates (21 and 18 t; 14-28 and 12-25 t in
    # patterns/west_africa_trafficking.yaml, FACTS 1.1). The band was 20-50 t (UNODC's 2007-2009) until rule
    # 7 (VALIDATION 1.1 step 15), which also made it a condition for adopting the calibration: passing it is
    # a guard, not independent evidence. What is shipped toward Europe stays within the band of S242's
    # ~250 t a year (the market keeps its size; rule 4's values shipped 62 t).
    assert 12 <= mean("tonnes_west_africa_estimated_per_year") <= 28
    assert 250 / 1.5 <= mean("tonnes_shipped_per_year") <= 250 * 4 / 3
    assert mean("tonnes_seized_per_year") > 0


def _mean_over_seeds(compiled, measure, seeds=range(40)):
    return np.mean([measure(*run_kernel(compiled, seed)) for seed in seeds])


def test_without_criminal_funding_no_belligerent_gets_crime_money():
    compiled = compiled_with(levers__criminal_funding=False)
    state, _ = run_kernel(compiled, 1)
    assert state.bel_income_total[:, CRIME].sum() == 0.0
    assert state.totals[TAXES_USD] == 0.0


def test_database_access_raises_seizures_and_sends_alerts():
    without = compiled_with(levers__database_access={"host": False, "un": False})
    with_access = compiled_with(levers__database_access={"host": True, "un": True})
    seized = lambda state, series: state.unit_seized_kg.sum()  # noqa: E731
    assert _mean_over_seeds(with_access, seized) > _mean_over_seeds(without, seized)
    state, _ = run_kernel(with_access, 1)
    assert state.node_alert.sum() > 0 or state.unit_seizures.sum() == 0


def test_un_police_strength_raises_un_seizures():
    small = compiled_with(police__un__officers=2400)
    large = compiled_with(police__un__officers=18000)
    un_seized = lambda state, series: state.unit_seized_kg[state.unit_is_un].sum()  # noqa: E731
    assert _mean_over_seeds(large, un_seized) > _mean_over_seeds(small, un_seized)


def test_policing_a_hub_displaces_flows_to_other_routes():
    """The balloon effect: heavy policing at Lagos moves cocaine to other routes, not out of the trade."""
    base = compiled_with()
    policed = compiled_with(**{"police__host__units[ng_lagos]__officers": 5000,
                               "police__host__units[ng_lagos]__corruption": 0.0,
                               "police__host__units[ng_lagos]__inspection_capacity_shipments_per_week": 100.0})
    lagos = [i for i, e in enumerate(base.layout.edge_ids) if e.endswith("->lagos")]

    def lagos_share(state, series):
        return state.edge_moved_kg[lagos].sum() / state.totals[SHIPPED_KG]

    shipped = lambda state, series: state.totals[SHIPPED_KG]  # noqa: E731
    # at least half less through Lagos, as before stop 24 loosened it to a quarter (an 18-week memory and
    # courier teams learning once per team kept probing the route); with couriers learning from every
    # trip the share falls by 89% (0.0229 to 0.0024, 40 seeds)
    assert _mean_over_seeds(policed, lagos_share) < 0.5 * _mean_over_seeds(base, lagos_share)
    assert _mean_over_seeds(policed, shipped) > 0.8 * _mean_over_seeds(base, shipped)


def test_batch_run_unchanged():
    results = mesa.batch_run(
        ThreatNetworkModel,
        parameters={"scenario": str(DEFAULT), "levers__criminal_funding": [True, False], "rng": [1, 2]},
        max_steps=30, data_collection_period=10, display_progress=False)
    runs = {(r["levers__criminal_funding"], r["rng"]) for r in results}
    assert runs == {(True, 1), (True, 2), (False, 1), (False, 2)}
    assert all("shipped_kg" in r and "entity_id" in r for r in results)


def test_load_scenario_overrides_by_id_and_index():
    scenario = load_scenario(DEFAULT, {"police.un.officers": 2400, "conflicts[0].belligerents[gw_army_faction].fighters": 10.0})
    assert scenario.police.un.officers == 2400
    assert scenario.conflicts[0].belligerents[1].fighters == 10.0
