"""The market: European wholesale prices that answer to how much cocaine arrives, and source prices that
answer to how much is bought. Organisations value routes and buy and sell at these prices
(`trafficking`), so that seizures and enforcement move prices, margins and, through them, volumes.

Off unless a scenario has a `market:` section (prices are then the nodes' fixed prices).
"""

from __future__ import annotations

import math

import numpy as np

from .compiler import action, rule
from .declare import END, Field, Module, Param, Phase, Series
from .trafficking import DELIVERED_KG, SHIPPED_KG


@rule
def clearing_index(supply, reference_supply, elasticity, low, high):
    """Price as a multiple of the reference price at which demand takes `supply`: constant elasticity,
    (supply / reference)^(1 / elasticity) (demand elasticity about -0.5, OAS 2013: FACTS-2 S244),
    within [low, high] (assumption: bounds keep a market that dries up from an infinite price)."""
    if supply <= 0.0:
        return high
    return min(high, max(low, math.pow(supply / reference_supply, 1.0 / elasticity)))


@rule
def moving_average(average, value, window_weeks):
    """Exponentially weighted average with a time scale of `window_weeks`."""
    return average + (value - average) / window_weeks


@action
def clear_market(s, p, week):
    """After the week's sales: supply and purchases averaged, price indices moved toward the clearing
    prices, and the market and source nodes repriced."""
    if not p.market_on:
        return
    s.market_delivered_avg[0] = moving_average(s.market_delivered_avg[0], s.week_totals[DELIVERED_KG],
                                               p.market_window)
    s.market_bought_avg[0] = moving_average(s.market_bought_avg[0], s.week_totals[SHIPPED_KG], p.market_window)
    demand = clearing_index(s.market_delivered_avg[0], p.market_reference_supply, p.demand_elasticity,
                            p.price_index_low, p.price_index_high)
    supply = clearing_index(s.market_bought_avg[0], p.market_reference_purchases, p.supply_elasticity,
                            p.price_index_low, p.price_index_high)
    s.market_price_index[0] += p.price_adjustment * (demand - s.market_price_index[0])
    s.source_price_index[0] += p.price_adjustment * (1.0 / supply - s.source_price_index[0])
    for node in range(s.node_price.shape[0]):
        if s.node_is_market[node]:
            s.node_price[node] = s.node_reference_price[node] * s.market_price_index[0]
        elif s.node_is_source[node]:
            s.node_price[node] = s.node_reference_price[node] * s.source_price_index[0]


@action
def market_price_index(s, row):
    return s.market_price_index[0]


@action
def source_price_index(s, row):
    return s.source_price_index[0]


def _market_value(scenario, name: str, default: float) -> float:
    return float(getattr(scenario.market, name)) if scenario.market is not None else default


def build(scenario, context) -> dict:
    nodes = scenario.network.nodes
    return dict(
        node_reference_price=np.array([n.price_usd_per_kg for n in nodes], float),
        node_is_market=np.array([n.kind == "market" for n in nodes], np.bool_),
        node_is_source=np.array([n.kind == "source" for n in nodes], np.bool_),
        market_price_index=np.ones(1), source_price_index=np.ones(1),
        market_delivered_avg=np.array([_market_value(scenario, "reference_supply_kg_per_week", 1.0)]),
        market_bought_avg=np.array([_market_value(scenario, "reference_purchases_kg_per_week", 1.0)]),
    )


def _param(name: str, key: str, unit: str, default: float) -> Param:
    """A market parameter: the scenario's value, or `default` where the scenario has no market."""
    return Param(name, None, unit, derive=lambda scenario, context: _market_value(scenario, key, default))


F, B = np.float64, np.bool_
MODULE = Module(
    name="market",
    build=build,
    fields=(
        Field("node_reference_price", F, ("nodes",), "the node's price at reference supply, US$/kg"),
        Field("node_is_market", B, ("nodes",)), Field("node_is_source", B, ("nodes",)),
        Field("market_price_index", F, (1,), "European wholesale price as a multiple of the reference"),
        Field("source_price_index", F, (1,), "source price as a multiple of the reference"),
        Field("market_delivered_avg", F, (1,), "kg delivered a week, averaged"),
        Field("market_bought_avg", F, (1,), "kg bought a week, averaged"),
    ),
    params=(
        Param("market_on", None, "on/off", bool, lambda scenario, context: scenario.market is not None),
        _param("demand_elasticity", "demand_elasticity", "elasticity", -0.5),
        _param("supply_elasticity", "supply_elasticity", "elasticity", 1.0),
        _param("market_reference_supply", "reference_supply_kg_per_week", "kg a week", 1.0),
        _param("market_reference_purchases", "reference_purchases_kg_per_week", "kg a week", 1.0),
        _param("market_window", "supply_window_weeks", "weeks", 1.0),
        _param("price_adjustment", "price_adjustment_per_week", "share a week", 0.0),
        _param("required_margin", "required_margin", "share of the market price", 0.0),
        _param("capacity_response", "capacity_response_per_week", "share of capacity a week", 0.0),
        Param("price_index_low", None, "multiple", float,
              lambda scenario, context: scenario.market.price_index_bounds[0] if scenario.market else 1.0),
        Param("price_index_high", None, "multiple", float,
              lambda scenario, context: scenario.market.price_index_bounds[1] if scenario.market else 1.0),
    ),
    series=(Series("market_price_index", market_price_index), Series("source_price_index", source_price_index)),
    phases=(Phase(clear_market, END),),
)
