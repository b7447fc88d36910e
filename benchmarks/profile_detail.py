"""Timed mirrors of the two costliest actions, `trafficking.launch_shipments` and `conflict.fight`:
the same statements in the same order, with the cycle counter read around each step, for
benchmarks/profile_kernel.py's detailed table. The profiler checks that a run with these mirrors
gives the real kernel's outcomes bit for bit, so a mirror that drifted from its action would fail
loudly rather than profile something else.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from benchmarks.cycles import cycles
from sim.model import rng
from sim.model.conflict import (AGREEMENT, GOVERNMENT_VICTORY, REBEL_VICTORY, bargain, collapsed, contest_odds,
                                count_deaths, engagement, exchange_fire, forces, hold_regions, learn_balance,
                                terminate, track_episode)
from sim.model.trafficking import (PURCHASE_USD, SHIPMENTS_BLOCKED, SHIPMENTS_LAUNCHED, SHIPPED_KG, _all_full,
                                   _route_has_room, choose_route, launch_count, value_routes)

@njit(inline="always")
def tally(acc, part, elapsed):
    """Add one interval of `elapsed` cycles to `part` (row 0: cycles, row 1: intervals)."""
    acc[0, part] += elapsed
    acc[1, part] += 1


LAUNCH_PARTS = ("launch: count draw", "launch: value_routes", "launch: room checks", "launch: choose_route",
                "launch: book shipment")
FIGHT_PARTS = ("fight: forces", "fight: hold_regions (pow)", "fight: exchange_fire", "fight: count/track episode",
               "fight: learn_balance (pow)", "fight: victory/bargain")


@njit(_nrt=False, inline="always")
def launch_timed(s, p, org, week, acc, at):
    t0 = cycles()
    count = launch_count(s.org_rate[org], rng.uniform(p.seed, week, org, rng.LAUNCH_COUNT))
    tally(acc, at, cycles() - t0)
    if min(count, s.org_slot_count[org]) <= 0:
        return
    t0 = cycles()
    value_routes(s, p, org)
    tally(acc, at + 1, cycles() - t0)
    first_route, end_route = s.org_route_ptr[org], s.org_route_ptr[org + 1]
    choices = s.route_choice_values[first_route:end_route]
    kg = s.org_shipment_kg[org]
    for k in range(min(count, s.org_slot_count[org])):
        t0 = cycles()
        for route in range(first_route, end_route):
            room = _route_has_room(s, route, kg)
            s.route_choice_values[route] = s.route_values[route] if room else np.nan
        t1 = cycles()
        tally(acc, at + 2, t1 - t0)
        uid = week * p.slots_per_step + s.org_slot_offset[org] + k
        choice = choose_route(choices, s.org_rationality[org], rng.uniform(p.seed, week, uid, rng.ROUTE_CHOICE),
                              s.route_weights[first_route:end_route])
        t2 = cycles()
        tally(acc, at + 3, t2 - t1)
        if choice < 0:
            if _all_full(choices):
                s.week_totals[SHIPMENTS_BLOCKED] += 1.0
            continue
        route = first_route + choice
        for j in range(s.route_ptr[route], s.route_ptr[route + 1]):
            s.edge_load_kg[s.route_edges[j]] += kg
        slot = (week % p.slot_window) * p.slots_per_step + s.org_slot_offset[org] + k
        first_edge = s.route_edges[s.route_ptr[route]]
        s.ship_active[slot] = True
        s.ship_org[slot] = org
        s.ship_route[slot] = route
        s.ship_leg[slot] = 0
        s.ship_weeks_left[slot] = s.edge_travel_weeks[first_edge]
        s.ship_kg[slot] = kg
        s.ship_uid[slot] = uid
        purchase = kg * s.node_price[s.edge_from[first_edge]]
        s.org_cash_usd[org] -= purchase
        s.week_totals[PURCHASE_USD] += purchase
        s.week_totals[SHIPPED_KG] += kg
        s.week_totals[SHIPMENTS_LAUNCHED] += 1.0
        tally(acc, at + 4, cycles() - t2)


@njit(_nrt=False, inline="always")
def fight_timed(s, p, conflict, week, acc, at):
    t0 = cycles()
    government = s.conflict_bel_ptr[conflict]
    government_force, rebel_force, rebel_fighters, strongest = forces(s, conflict)
    t1 = cycles()
    contested = hold_regions(s, p, conflict, government_force, rebel_force, strongest)
    intensity = engagement(contested, p.engagement_floor)
    t2 = cycles()
    deaths = exchange_fire(s, p, conflict, week, government_force, rebel_force, rebel_fighters, intensity)
    t3 = cycles()
    count_deaths(s, p, conflict, week, deaths)
    track_episode(s, p, conflict, week)
    t4 = cycles()
    government_force, rebel_force, _, _ = forces(s, conflict)
    learn_balance(s, p, conflict, week, contest_odds(government_force, rebel_force, p.contest_decisiveness),
                  intensity)
    t5 = cycles()
    un = p.un_victory_multiplier if s.conflict_un[conflict] else 1.0
    capital = s.conflict_capital[conflict]
    if collapsed(rebel_force, government_force, p.collapse_ratio * un):
        terminate(s, conflict, week, GOVERNMENT_VICTORY, government)
    elif collapsed(government_force, rebel_force, p.collapse_ratio * un) or \
            s.region_control[capital] < p.capital_capture_control * un:
        terminate(s, conflict, week, REBEL_VICTORY, strongest)
    elif bargain(s, p, conflict, week):
        terminate(s, conflict, week, AGREEMENT, -1)
    t6 = cycles()
    tally(acc, at, t1 - t0)
    tally(acc, at + 1, t2 - t1)
    tally(acc, at + 2, t3 - t2)
    tally(acc, at + 3, t4 - t3)
    tally(acc, at + 4, t5 - t4)
    tally(acc, at + 5, t6 - t5)
