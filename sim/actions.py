"""What each entity does in a week, written once over the `State` arrays.

An action applies the rules of `sim/rules.py` to one entity (one
organisation, shipment, police unit, belligerent or conflict) and stores the
results in its row. The Mesa model calls an action from the agent that owns
the row; the kernel calls it in a compiled loop. Neither driver holds a rule
or a state update of its own, so the two cannot drift apart.

All draws come from `rng.uniform(seed, week, entity, purpose)`, so the order
in which entities act changes no draw. Within a week the phases are
sequential (launch, move, learn, police, budgets, fighting) and each phase
reads what earlier phases wrote; the drivers call them in the same order.

Every function is compiled with `_nrt=False` (numba's reference counting off):
the arrays are owned by the Python side and an action never allocates, and
without it each call paid an atomic increment and decrement for each of the
~90 arrays of `State`, which cost 8x the model's own arithmetic. An action
that tried to allocate would fail to compile, loudly.
"""

import numpy as np
from numba import njit

from . import rng
from .rules import (alert_level, bribe_usd, capacity_growth, choose_route, combat_losses, conflict_outcome,
                    desertion, detection_probability, effective_corruption, exhaustion, launch_count,
                    perceived_risk, protection_tax_usd, recruitment, route_value_share, settlement_hazard,
                    upkeep, victory_hazard)
from .state import (BRIBES_USD, BUDGET, CRIME, DELIVERED_KG, EXTERNAL, FLOW_INDEX, GOVERNMENT_VICTORY,
                    PURCHASE_USD, REBEL_VICTORY, RESOURCES, SALES_USD, SEIZED_HOST_KG, SEIZED_KG,
                    SEIZED_PATROL_KG, SEIZED_UN_KG, SEIZED_WEST_AFRICA_KG, SEIZED_WITH_DATABASE_KG,
                    SEIZED_WITHOUT_DATABASE_KG, SEIZURES, SHIPMENTS_BLOCKED, SHIPMENTS_LAUNCHED, SHIPPED_KG,
                    TAXES_USD, TRANSPORT_USD)

WEST_AFRICA = 1  # index of "west_africa" in state.REGIONS

# ------------------------------------------------------------- week framing


@njit(cache=True, _nrt=False)
def begin_week(s):
    """Clear this week's counters; last week's traffic becomes the load police posts face."""
    for node in range(s.node_traffic.shape[0]):
        s.node_traffic_previous[node] = s.node_traffic[node]
    s.node_traffic[:] = 0.0
    s.node_alert_incoming[:] = 0.0
    s.edge_load_kg[:] = 0.0
    s.week_totals[:] = 0.0
    s.week_seizures[:, :] = 0.0
    s.week_passages[:, :] = 0.0
    s.bel_income_week[:, :] = 0.0
    s.bel_losses_week[:] = 0.0


@njit(cache=True, _nrt=False)
def end_week(s):
    """Add this week's flows to the running totals."""
    for index in range(s.totals.shape[0]):
        s.totals[index] += s.week_totals[index]


# ---------------------------------------------------------- organisations


@njit(cache=True, _nrt=False)
def value_routes(s, p, org):
    """Expected value share of each of the organisation's routes under its current beliefs."""
    for route in range(s.org_route_ptr[org], s.org_route_ptr[org + 1]):
        survival, costs = 1.0, 0.0
        first, last = s.route_ptr[route], s.route_ptr[route + 1]
        for k in range(first, last):
            edge = s.route_edges[k]
            risk = perceived_risk(s.belief_seizures[org, edge], s.belief_passages[org, edge],
                                  s.org_prior_seizures[org], s.org_prior_safe_passages[org])
            survival *= 1.0 - risk
            costs += s.edge_cost_usd_per_kg[edge]
            node = s.edge_to[edge]
            faction = s.node_controller[node]
            if p.criminal_funding and faction >= 0 and s.bel_active[faction]:
                costs += protection_tax_usd(1.0, s.node_price[node], p.protection_tax_share)
        source = s.edge_from[s.route_edges[first]]
        market = s.edge_to[s.route_edges[last - 1]]
        s.route_values[route] = route_value_share(survival, s.node_price[market], s.node_price[source], costs)


@njit(cache=True, _nrt=False)
def _route_has_room(s, route, kg):
    for k in range(s.route_ptr[route], s.route_ptr[route + 1]):
        edge = s.route_edges[k]
        if s.edge_load_kg[edge] + kg > s.edge_capacity_kg[edge]:
            return False
    return True


@njit(cache=True, _nrt=False)
def _all_full(choices):
    for value in choices:
        if value == value:
            return False
    return True


@njit(cache=True, _nrt=False)
def launch_shipments(s, p, org, week):
    """Buy at the source and send this week's shipments down routes that have room."""
    value_routes(s, p, org)
    count = launch_count(s.org_rate[org], rng.uniform(p.seed, week, org, rng.LAUNCH_COUNT))
    first_route, end_route = s.org_route_ptr[org], s.org_route_ptr[org + 1]
    choices = s.route_choice_values[first_route:end_route]
    kg = s.org_shipment_kg[org]
    for k in range(min(count, s.org_slot_count[org])):
        for route in range(first_route, end_route):
            room = _route_has_room(s, route, kg)
            s.route_choice_values[route] = s.route_values[route] if room else np.nan
        uid = week * p.slots_per_step + s.org_slot_offset[org] + k
        choice = choose_route(choices, s.org_rationality[org], rng.uniform(p.seed, week, uid, rng.ROUTE_CHOICE))
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


@njit(cache=True, _nrt=False)
def learn_from_seizures(s, org):
    """Fold this week's passages and seizures into remembered experience (time-weighted)."""
    decay = s.org_memory_decay[org]
    for edge in range(s.belief_seizures.shape[1]):
        s.belief_seizures[org, edge] = decay * s.belief_seizures[org, edge] + s.week_seizures[org, edge]
        s.belief_passages[org, edge] = decay * s.belief_passages[org, edge] + s.week_passages[org, edge]


# --------------------------------------------------------------- shipments


@njit(cache=True, _nrt=False)
def _seize(s, slot, edge, unit, node):
    org, kg = s.ship_org[slot], s.ship_kg[slot]
    s.ship_active[slot] = False
    s.week_totals[SEIZED_KG] += kg
    s.week_totals[SEIZURES] += 1.0
    s.week_seizures[org, edge] += 1.0
    s.edge_seized_kg[edge] += kg
    if s.node_region[node] == WEST_AFRICA:
        s.week_totals[SEIZED_WEST_AFRICA_KG] += kg
    if unit < 0:
        s.week_totals[SEIZED_PATROL_KG] += kg
        return
    s.unit_seized_kg[unit] += kg
    s.unit_seizures[unit] += 1
    s.week_totals[SEIZED_UN_KG if s.unit_is_un[unit] else SEIZED_HOST_KG] += kg
    if s.unit_database[unit]:
        s.week_totals[SEIZED_WITH_DATABASE_KG] += kg
        for j in range(s.neighbour_ptr[node], s.neighbour_ptr[node + 1]):
            s.node_alert_incoming[s.neighbour_nodes[j]] += 1.0  # secure communications alert linked nodes
    else:
        s.week_totals[SEIZED_WITHOUT_DATABASE_KG] += kg


@njit(cache=True, _nrt=False)
def unit_inspects(s, p, unit, node, slot, week):
    """A police unit checks a passing shipment: returns True if it seizes it.

    A detecting unit may take a bribe instead (corruption), which the trafficker pays.
    """
    has_database = s.unit_database[unit]
    probability = detection_probability(
        s.unit_officers[unit], s.unit_skill[unit], p.detection_rate_per_officer, s.unit_mandate_factor[unit],
        p.database_multiplier if has_database else 1.0, s.node_alert[node] if has_database else 0.0,
        p.alert_gain, s.unit_capacity[unit], s.node_traffic_previous[node])
    entity = s.ship_uid[slot] * s.unit_node.shape[0] + unit
    if rng.uniform(p.seed, week, entity, rng.POLICE_DETECTION) >= probability:
        return False
    scale = 1.0 if s.unit_is_un[unit] else p.corruption_scale
    if rng.uniform(p.seed, week, entity, rng.POLICE_BRIBE) < effective_corruption(s.unit_corruption[unit], scale):
        bribe = bribe_usd(s.ship_kg[slot], s.node_price[node], p.bribe_share)
        s.org_cash_usd[s.ship_org[slot]] -= bribe
        s.unit_bribes_usd[unit] += bribe
        s.week_totals[BRIBES_USD] += bribe
        return False
    return True


@njit(cache=True, _nrt=False)
def move_shipment(s, p, slot, week):
    """Advance a shipment a week; at the end of a leg it faces patrols, police and taxes."""
    if not s.ship_active[slot]:
        return
    s.ship_weeks_left[slot] -= 1
    if s.ship_weeks_left[slot] > 0:
        return
    org, route, kg = s.ship_org[slot], s.ship_route[slot], s.ship_kg[slot]
    edge = s.route_edges[s.route_ptr[route] + s.ship_leg[slot]]
    node = s.edge_to[edge]
    cost = kg * s.edge_cost_usd_per_kg[edge]
    s.org_cash_usd[org] -= cost
    s.week_totals[TRANSPORT_USD] += cost
    s.week_passages[org, edge] += 1.0
    s.edge_moved_kg[edge] += kg
    s.node_traffic[node] += 1.0

    if rng.uniform(p.seed, week, s.ship_uid[slot], rng.LEG_INTERDICTION) < s.edge_base_risk[edge]:
        _seize(s, slot, edge, -1, node)
        return
    for j in range(s.node_unit_ptr[node], s.node_unit_ptr[node + 1]):
        unit = s.node_unit_ids[j]
        if unit_inspects(s, p, unit, node, slot, week):
            _seize(s, slot, edge, unit, node)
            return

    faction = s.node_controller[node]
    if p.criminal_funding and faction >= 0 and s.bel_active[faction]:
        tax = protection_tax_usd(kg, s.node_price[node], p.protection_tax_share)
        s.org_cash_usd[org] -= tax
        s.bel_income_week[faction, CRIME] += tax
        s.week_totals[TAXES_USD] += tax

    if s.route_ptr[route] + s.ship_leg[slot] + 1 == s.route_ptr[route + 1]:
        revenue = kg * s.node_price[node]
        s.org_cash_usd[org] += revenue
        s.week_totals[SALES_USD] += revenue
        s.week_totals[DELIVERED_KG] += kg
        s.ship_active[slot] = False
    else:
        s.ship_leg[slot] += 1
        s.ship_weeks_left[slot] = s.edge_travel_weeks[s.route_edges[s.route_ptr[route] + s.ship_leg[slot]]]


# ------------------------------------------------------------------ police


@njit(cache=True, _nrt=False)
def build_capacity(s, p, unit):
    """A host-state unit's skill grows with capacity building and UN mentoring."""
    if s.unit_is_un[unit]:
        return
    node = s.unit_node[unit]
    s.unit_skill[unit] = capacity_growth(s.unit_skill[unit], p.host_weekly_growth, p.mentoring_gain,
                                         s.node_un_officers[node], s.node_host_officers[node])


@njit(cache=True, _nrt=False)
def spread_alerts(s, p):
    """Alerts raised by seizures this week reach linked nodes; old alerts fade."""
    for node in range(s.node_alert.shape[0]):
        s.node_alert[node] = alert_level(s.node_alert[node], p.alert_decay, s.node_alert_incoming[node])


# ------------------------------------------------------------- belligerents


@njit(cache=True, _nrt=False)
def manage_budget(s, p, bel):
    """Collect the week's income, pay upkeep (or lose fighters), recruit with part of the rest."""
    if not s.bel_active[bel]:
        return
    for source in (EXTERNAL, RESOURCES, BUDGET):
        s.bel_income_week[bel, source] = s.bel_income_rates[bel, source]
    income = 0.0
    for source in range(4):
        income += s.bel_income_week[bel, source]
        s.bel_income_total[bel, source] += s.bel_income_week[bel, source]
    s.bel_treasury_usd[bel] += income

    paid, unpaid_share = upkeep(s.bel_treasury_usd[bel], s.bel_fighters[bel], p.upkeep_cost)
    s.bel_treasury_usd[bel] -= paid
    deserted = desertion(s.bel_fighters[bel], unpaid_share, p.desertion_rate, p.funding_effectiveness)
    s.bel_fighters[bel] -= deserted

    budget = p.recruitment_share * s.bel_treasury_usd[bel]
    recruits, spent = recruitment(budget, p.recruitment_cost, p.funding_effectiveness,
                                  s.bel_fighters[bel], s.bel_max_fighters[bel])
    s.bel_treasury_usd[bel] -= spent
    s.bel_fighters[bel] += recruits
    s.bel_spent_total[bel] += paid + spent
    s.bel_recruited_total[bel] += recruits
    s.bel_deserted_total[bel] += deserted


@njit(cache=True, _nrt=False)
def _end_conflict(s, conflict, week, end_type, winner):
    s.conflict_active[conflict] = False
    s.conflict_end_step[conflict] = week
    s.conflict_end_type[conflict] = end_type
    s.conflict_winner[conflict] = winner
    for bel in range(s.conflict_bel_ptr[conflict], s.conflict_bel_ptr[conflict + 1]):
        s.bel_active[bel] = False


@njit(cache=True, _nrt=False)
def fight(s, p, conflict, week):
    """A week of fighting, then defeat by collapse, settlement or victory, or the war goes on."""
    if not s.conflict_active[conflict]:
        return
    government = s.conflict_bel_ptr[conflict]
    first_rebel, end = government + 1, s.conflict_bel_ptr[conflict + 1]
    rebel_fighters, rebel_effective, rebel_initial = 0.0, 0.0, 0.0
    for bel in range(first_rebel, end):
        rebel_initial += s.bel_initial_fighters[bel]
        if s.bel_active[bel]:
            rebel_fighters += s.bel_fighters[bel]
            rebel_effective += s.bel_fighters[bel] * s.bel_effectiveness[bel]
    government_effective = s.bel_fighters[government] * s.bel_effectiveness[government]

    # Losses from the strengths at the start of the week, then applied together.
    s.bel_losses_week[government] = combat_losses(
        rebel_effective, p.attrition_rate, p.combat_noise, rng.uniform(p.seed, week, government, rng.COMBAT_NOISE))
    for bel in range(first_rebel, end):
        if s.bel_active[bel] and rebel_fighters > 0.0:
            share = s.bel_fighters[bel] / rebel_fighters
            s.bel_losses_week[bel] = combat_losses(
                government_effective * share, p.attrition_rate, p.combat_noise,
                rng.uniform(p.seed, week, bel, rng.COMBAT_NOISE))
    for bel in range(government, end):
        s.bel_fighters[bel] = max(0.0, s.bel_fighters[bel] - s.bel_losses_week[bel])

    # Defeat by collapse.
    rebel_fighters, strongest = 0.0, -1
    for bel in range(first_rebel, end):
        if s.bel_active[bel] and s.bel_fighters[bel] < p.collapse_fraction * s.bel_initial_fighters[bel]:
            s.bel_active[bel] = False
        if s.bel_active[bel]:
            rebel_fighters += s.bel_fighters[bel]
            if strongest < 0 or s.bel_fighters[bel] > s.bel_fighters[strongest]:
                strongest = bel
    government_fighters = s.bel_fighters[government]
    if government_fighters < p.collapse_fraction * s.bel_initial_fighters[government]:
        _end_conflict(s, conflict, week, REBEL_VICTORY, strongest)
        return
    if strongest < 0:
        _end_conflict(s, conflict, week, GOVERNMENT_VICTORY, government)
        return

    government_share = government_fighters / (government_fighters + rebel_fighters)
    settlement = settlement_hazard(exhaustion(government_fighters, s.bel_initial_fighters[government]),
                                   exhaustion(rebel_fighters, rebel_initial), p.settlement_hazard_max)
    outcome = conflict_outcome(rng.uniform(p.seed, week, conflict, rng.CONFLICT_END), settlement,
                               victory_hazard(government_share, p.victory_hazard_max, p.victory_exponent),
                               victory_hazard(1.0 - government_share, p.victory_hazard_max, p.victory_exponent))
    if outcome == GOVERNMENT_VICTORY:
        _end_conflict(s, conflict, week, outcome, government)
    elif outcome == REBEL_VICTORY:
        _end_conflict(s, conflict, week, outcome, strongest)
    elif outcome != 0:
        _end_conflict(s, conflict, week, outcome, -1)


# ------------------------------------------------------------------ records


@njit(cache=True, _nrt=False)
def record_series(s, week, row):
    """Write this week's per-step series into `row` (columns: `state.series_columns`)."""
    row[0] = week
    column = 1
    for index in FLOW_INDEX:
        row[column] = s.week_totals[index]
        column += 1
    in_transit = 0.0
    for slot in range(s.ship_active.shape[0]):
        if s.ship_active[slot]:
            in_transit += s.ship_kg[slot]
    row[column] = in_transit
    column += 1
    for bel in range(s.bel_fighters.shape[0]):
        row[column] = s.bel_fighters[bel]
        row[column + 1] = s.bel_treasury_usd[bel]
        for source in range(4):
            row[column + 2 + source] = s.bel_income_week[bel, source]
        column += 6
    for conflict in range(s.conflict_active.shape[0]):
        row[column] = 1.0 if s.conflict_active[conflict] else 0.0
        column += 1
