"""Trafficking: organisations buy cocaine at the sources and ship it along the routes they believe
safest and most profitable; shipments move leg by leg, pay transport and protection, face patrols and
police, and are sold at the markets. Declarations first, then the rules, then the actions.

The network (nodes, legs) belongs here; police posts at nodes belong to `policing`, factions that
tax hubs to `conflict`.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from . import rng
from .compiler import action, rare_action, rule
from .conflict import CRIME
from .network import Region, enumerate_routes, trafficking_graph, usable_graph
from .people import ACTIVE, CAPACITY, COURIER, COURIER_KG, COURIER_TRIPS, CUSTOMS, NOT_IDENTIFIED, TRANSPORTER, arrest_and_investigate, identify, max_team, \
    member_rows, next_member
from .policing import NODE_COURIER_SEIZED_KG, NODE_COURIERS_ARRIVED, NOBODY, checks_at_node, record_seizure, seized_by, takes_bribe, unit_detection
from .declare import BEGIN, END, FLOWS, LAUNCH, LEARN, MOVE, Agents, Entities, Field, Lever, Module, Outcome, Param, \
    Phase, Series


SHIPPED_KG = FLOWS.flow("trafficking", "shipped_kg", "kg", "cocaine shipped")
SEIZED_KG = FLOWS.flow("trafficking", "seized_kg", "kg", "cocaine seized")
DELIVERED_KG = FLOWS.flow("trafficking", "delivered_kg", "kg", "cocaine delivered")
SALES_USD = FLOWS.flow("trafficking", "criminal_revenue_usd", "US$", "criminal revenue")
TAXES_USD = FLOWS.flow("trafficking", "taxes_usd", "US$", "protection taxes paid to belligerents")
PURCHASE_USD = FLOWS.flow("trafficking", "purchase_usd", "US$", "cocaine bought at the sources", False, False)
TRANSPORT_USD = FLOWS.flow("trafficking", "transport_usd", "US$", "transport costs", False, False)
SHIPMENTS_LAUNCHED = FLOWS.flow("trafficking", "shipments_launched", "shipments", "shipments launched", False, False)
SHIPMENTS_BLOCKED = FLOWS.flow("trafficking", "shipments_blocked", "shipments", "shipments not sent for lack of room",
                               False, False)
SEIZURES = FLOWS.flow("trafficking", "seizures", "seizures", "seizures", False, False)
SHIPMENTS_UNFUNDED = FLOWS.flow("trafficking", "shipments_unfunded", "shipments",
                                "shipments not bought for lack of cash and credit", False, False)
VIA_WEST_AFRICA_KG = FLOWS.flow("trafficking", "via_west_africa_kg", "kg",
                                "cocaine shipped on routes through West Africa (the true flow)")
PROTECTED_KG = FLOWS.flow("trafficking", "protected_kg", "kg",
                          "cocaine that paid a protection fee (once per hub that took one)", True, False)


# ------------------------------------------------------------------------------------------ rules

@rule
def launch_count(shipments_per_week, draw):
    """Shipments launched this week: floor(rate) plus one more with probability frac(rate).

    Keeps the long-run mean at `shipments_per_week` (assumption: steady supply).
    """
    whole = math.floor(shipments_per_week)
    return int(whole) + (1 if draw < shipments_per_week - whole else 0)


@rule
def memory_decay(memory_weeks):
    """Weekly weight kept by old experience: exp(-1 / memory_weeks).

    Time-weighted learning as in NarcoLogic (Magliocca et al. 2019; FACTS S136).
    """
    return math.exp(-1.0 / memory_weeks)


@rule
def perceived_risk(seizures_weighted, passages_weighted, prior_seizures, prior_safe_passages):
    """Believed chance of losing a shipment on a leg: Beta-Bernoulli posterior mean

    risk = (s + a) / (n + a + b), s = remembered seizures, n = remembered passages,
    a, b = prior pseudo-seizures and pseudo-safe-passages (NarcoLogic `calc_intrisk`, FACTS S136).
    """
    return (seizures_weighted + prior_seizures) / (passages_weighted + prior_seizures + prior_safe_passages)


@rule
def route_value_share(survival, market_price, purchase_price, costs_per_kg):
    """Expected margin of a route per kg as a share of the market price:

    x = (survival * market_price - purchase_price - costs) / market_price.
    Traffickers weigh profit against risk (NarcoLogic; FACTS 7.1).
    """
    return (survival * market_price - purchase_price - costs_per_kg) / market_price


@rule
def choose_route(value_shares, rationality, draw, weights, outside):
    """Logit route choice, with an outside option of value 0 (not shipping) where `outside`.

    P(route r) = exp(k x_r) / (1 + sum_j exp(k x_j)), k = rationality (without the 1 when not
    `outside`); a route whose value is NaN is unavailable (full). Returns the chosen index or -1 for
    no shipment. `weights` is scratch space for each route's exp(k (x_r - top)), computed once.
    Assumption: multinomial logit, the usual discrete-choice form.
    """
    top = 0.0 if outside else -math.inf
    for x in value_shares:
        if x == x:
            top = max(top, x)
    if top == -math.inf:
        return -1  # nothing available
    cumulative = math.exp(-rationality * top) if outside else 0.0  # the outside option
    total = cumulative
    for index in range(value_shares.shape[0]):
        x = value_shares[index]
        if x == x:
            weights[index] = math.exp(rationality * (x - top))
            total += weights[index]
    threshold = draw * total
    if threshold < cumulative:
        return -1
    chosen = -1
    for index in range(value_shares.shape[0]):
        if value_shares[index] == value_shares[index]:
            chosen = index  # the last available route absorbs rounding at the top of [0, 1)
            cumulative += weights[index]
            if threshold < cumulative:
                return index
    return chosen


@rule
def protection_tax_usd(kg, local_price_usd_per_kg, tax_share):
    """Tax a faction takes from a shipment crossing its territory: kg * local price * share.

    A fee of about US$1,000/kg was demanded in Guinea-Bissau (FACTS-2 S202), about a tenth of the hub
    price. Each hub's holder takes its own fee, so a shipment crossing several held hubs pays each.
    """
    return kg * local_price_usd_per_kg * tax_share


# ---------------------------------------------------------------------------------------- actions

@action
def begin_week(s, p, week):
    """Clear this week's counters; last week's traffic becomes the load police posts face."""
    for node in range(s.node_traffic.shape[0]):
        s.node_traffic_previous[node] = s.node_traffic[node]
    s.node_traffic[:] = 0.0
    s.edge_load_kg[:] = 0.0
    s.week_totals[:] = 0.0
    s.week_seizures[:, :] = 0.0
    s.week_passages[:, :] = 0.0


@action
def end_week(s, p, week):
    """Add this week's flows to the running totals."""
    for index in range(s.totals.shape[0]):
        s.totals[index] += s.week_totals[index]


@action
def taxing_faction(s, p, node):
    """The belligerent that taxes traffic through `node` this week, or -1."""
    faction = s.node_controller[node]
    if p.criminal_funding and faction >= 0 and s.bel_active[faction]:
        return faction
    return -1


@action
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
            if taxing_faction(s, p, node) >= 0:
                costs += protection_tax_usd(1.0, s.node_price[node], p.protection_tax_share)
        source = s.edge_from[s.route_edges[first]]
        market = s.edge_to[s.route_edges[last - 1]]
        s.route_values[route] = route_value_share(survival, s.node_price[market], s.node_price[source], costs)


@action
def _route_has_room(s, route, kg):
    for k in range(s.route_ptr[route], s.route_ptr[route + 1]):
        edge = s.route_edges[k]
        if s.edge_load_kg[edge] + kg > s.edge_capacity_kg[edge]:
            return False
    return True


@action
def _all_full(choices):
    for value in choices:
        if value == value:
            return False
    return True


@action
def launch_shipments(s, p, org, week):
    """Buy at the source and send this week's shipments down routes that have room."""
    count = launch_count(s.org_rate[org] * s.org_people_state[org, CAPACITY], rng.uniform(p.seed, week, org, rng.LAUNCH_COUNT))
    if min(count, s.org_slot_count[org]) <= 0:
        return  # nothing to ship: no need to value the routes this week
    value_routes(s, p, org)
    first_route, end_route = s.org_route_ptr[org], s.org_route_ptr[org + 1]
    choices = s.route_choice_values[first_route:end_route]
    kg = s.org_shipment_kg[org]
    for k in range(min(count, s.org_slot_count[org])):
        for route in range(first_route, end_route):
            room = _route_has_room(s, route, kg)
            s.route_choice_values[route] = s.route_values[route] if room else np.nan
        uid = week * p.slots_per_step + s.org_slot_offset[org] + k
        choice = choose_route(choices, s.org_rationality[org], rng.uniform(p.seed, week, uid, rng.ROUTE_CHOICE),
                              s.route_weights[first_route:end_route], True)
        if choice < 0:
            if _all_full(choices):
                s.week_totals[SHIPMENTS_BLOCKED] += 1.0
            continue
        route = first_route + choice
        first_edge = s.route_edges[s.route_ptr[route]]
        purchase = kg * s.node_price[s.edge_from[first_edge]]
        if s.org_cash_usd[org] - purchase < -s.org_credit_usd[org]:
            s.week_totals[SHIPMENTS_UNFUNDED] += 1.0
            continue
        for j in range(s.route_ptr[route], s.route_ptr[route + 1]):
            s.edge_load_kg[s.route_edges[j]] += kg
        slot = (week % p.slot_window) * p.slots_per_step + s.org_slot_offset[org] + k
        s.ship_active[slot] = True
        s.ship_org[slot] = org
        s.ship_route[slot] = route
        s.ship_leg[slot] = 0
        s.ship_weeks_left[slot] = s.edge_travel_weeks[first_edge]
        s.ship_kg[slot] = kg
        s.ship_uid[slot] = uid
        s.ship_carrier[slot] = next_member(s.org_people, s.person_flag, s.person_visit, s.person_anchor, org, TRANSPORTER)
        s.ship_team_size[slot] = 0
        s.org_cash_usd[org] -= purchase
        s.week_totals[PURCHASE_USD] += purchase
        s.week_totals[SHIPPED_KG] += kg
        if s.route_via_west_africa[route]:
            s.week_totals[VIA_WEST_AFRICA_KG] += kg
        s.week_totals[SHIPMENTS_LAUNCHED] += 1.0
        if s.org_people_state[org, COURIER_KG] > 0.0 and s.edge_is_air[first_edge]:
            board_couriers(s, p, slot, s.edge_from[first_edge], first_edge, week)


@action
def learn_from_seizures(s, p, org, week):
    """Fold this week's passages and seizures into remembered experience (time-weighted)."""
    decay = s.org_memory_decay[org]
    for edge in range(s.belief_seizures.shape[1]):
        s.belief_seizures[org, edge] = decay * s.belief_seizures[org, edge] + s.week_seizures[org, edge]
        s.belief_passages[org, edge] = decay * s.belief_passages[org, edge] + s.week_passages[org, edge]


@rule
def adjusted_rate(rate, capacity, best_value, required_margin, response):
    """Shipments a week after a week's experience: the rate moves by `response` x capacity for each unit by
    which the best route's expected margin exceeds the margin the organisation requires (the
    compensation for risk that makes up most of the price: Reuter and Kleiman's risks and prices,
    FACTS 7.1; the required margin is an assumption), within [0, capacity]."""
    return min(capacity, max(0.0, rate + response * capacity * (best_value - required_margin)))


@action
def adjust_shipping(s, p, org, week):
    """With a market, an organisation ships more when its best route pays more than the margin it
    requires and less when it pays less, so that volume answers to prices and to enforcement."""
    if not p.market_on:
        return
    value_routes(s, p, org)
    best = -1.0
    for route in range(s.org_route_ptr[org], s.org_route_ptr[org + 1]):
        best = max(best, s.route_values[route])
    s.org_rate[org] = adjusted_rate(s.org_rate[org], s.org_capacity[org], best, p.required_margin,
                                    p.capacity_response)


@action
def seize_part(s, slot, edge, kg):
    """`kg` of a shipment seized at `edge`: one seizure on the leg where its organisation learns (a whole
    shipment, or one courier's trip). The rest goes on; `seize` stops a shipment seized whole."""
    org = s.ship_org[slot]
    s.ship_kg[slot] -= kg
    s.week_totals[SEIZED_KG] += kg
    s.week_totals[SEIZURES] += 1.0
    s.week_seizures[org, edge] += 1.0
    s.edge_seized_kg[edge] += kg


@action
def seize(s, slot, edge):
    """A whole shipment is seized at the end of `edge`: it stops, and its organisation remembers the leg."""
    seize_part(s, slot, edge, s.ship_kg[slot])
    s.ship_active[slot] = False


@action
def courier_checked(s, p, slot, k, agency, profiling, has_database, node, edge, week, address):
    """Courier `k` of a shipment's team checked by `agency` at `node`: if identified (and no bribe taken),
    his load is seized and he is arrested. Returns True if he was stopped."""
    person = s.ship_team[slot * p.max_team + k]
    if identify(s, p, person, profiling, has_database, node, week, address) == NOT_IDENTIFIED:
        return False
    load = s.ship_team_kg[slot]
    if agency >= 0 and takes_bribe(s, p, agency, node, s.ship_org[slot], load, week, address, rng.PERSON_BRIBE):
        return False
    remaining = 0
    for j in range(s.ship_team_size[slot]):
        if s.ship_team[slot * p.max_team + j] >= 0:
            remaining += 1
    kg = s.ship_kg[slot] if remaining == 1 else load  # the last courier carries what is left
    seize_part(s, slot, edge, kg)  # one trip of the leg lost (`board_couriers` counted the trips)
    record_seizure(s, slot, agency, node, kg)
    s.node_week[node, NODE_COURIER_SEIZED_KG] += kg
    s.ship_team[slot * p.max_team + k] = -1
    if s.person_flag[person, ACTIVE]:
        arrest_and_investigate(s, p, person, agency, node, week)
    return True


@action
def _same_way_to_flight(s, route, other, leg):
    """True if route `other` reaches the start of leg `leg` by the same legs as `route` and ends with
    that leg (a flight to a market)."""
    first, start = s.route_ptr[route], s.route_ptr[other]
    if s.route_ptr[other + 1] - start != leg + 1:
        return False
    for k in range(leg):
        if s.route_edges[start + k] != s.route_edges[first + k]:
            return False
    return True


@rare_action
def book_flight(s, p, slot, edge, week):
    """A consignment that reached a hub by sea or land is split among couriers there, and their flights
    are booked then: the organisation chooses the last leg, a flight to one of its markets, among its
    routes that came the same way and whose flight has room this week (its own always has: it was
    counted at launch), by the launch's logit on what it believes now, without the outside option (the
    cocaine is at the hub). Couriers thus answer news of checks at an airport without waiting for the
    consignments already at sea (S206: Schiphol's seizures fell 84% in four months). Returns the leg
    (a new one starts with its own travel weeks)."""
    org, route, leg = s.ship_org[slot], s.ship_route[slot], s.ship_leg[slot]
    if s.route_ptr[route] + leg + 1 != s.route_ptr[route + 1]:
        return edge  # not the last leg: the route is kept
    value_routes(s, p, org)
    first_route, end_route = s.org_route_ptr[org], s.org_route_ptr[org + 1]
    kg = s.ship_kg[slot]
    for other in range(first_route, end_route):
        flight = s.route_edges[s.route_ptr[other + 1] - 1]
        usable = other == route or (_same_way_to_flight(s, route, other, leg)
                                    and s.edge_load_kg[flight] + kg <= s.edge_capacity_kg[flight])
        s.route_choice_values[other] = s.route_values[other] if usable else np.nan
    choice = choose_route(s.route_choice_values[first_route:end_route], s.org_rationality[org],
                          rng.uniform(p.seed, week, s.ship_uid[slot], rng.FLIGHT_BOOKING),
                          s.route_weights[first_route:end_route], False)
    chosen = first_route + choice
    if choice >= 0 and chosen != route:
        s.ship_route[slot] = chosen
        edge = s.route_edges[s.route_ptr[chosen] + leg]
        s.edge_load_kg[edge] += kg
        s.ship_weeks_left[slot] = s.edge_travel_weeks[edge]
    return edge


@rare_action
def board_couriers(s, p, slot, node, edge, week):
    """At the start of an air leg an organisation with couriers splits the shipment among couriers linked
    to its leaders, in turn (couriers carry a few kg each: FACTS 2.2, S49, S212); the posts at `node` query
    each one's documents and name (no drugs are searched for again where the consignment was inspected
    on arrival). With no courier at hand the shipment flies as cargo. Returns False if all were stopped."""
    org = s.ship_org[slot]
    first, end = member_rows(s.org_people, org, COURIER)
    needed = min(p.max_team, int(math.ceil(s.ship_kg[slot] / s.org_people_state[org, COURIER_KG] - 1e-9)))
    size = 0
    for _ in range(min(needed, end - first)):
        person = next_member(s.org_people, s.person_flag, s.person_visit, s.person_anchor, org, COURIER)
        if person < 0:
            break
        s.ship_team[slot * p.max_team + size] = person
        size += 1
    s.ship_team_size[slot] = size
    if size == 0:
        return True
    s.ship_team_kg[slot] = s.ship_kg[slot] / size
    s.week_totals[COURIER_TRIPS] += size
    s.week_passages[org, edge] += size  # the organisation learns per trip: each courier is one passage of the leg
    units = s.unit_node.shape[0]
    for k in range(size):
        for j in range(s.node_unit_ptr[node], s.node_unit_ptr[node + 1]):
            unit = s.node_unit_ids[j]
            address = (s.ship_uid[slot] * p.max_team + k) * (units + 1) + unit
            if courier_checked(s, p, slot, k, unit, 0.0, s.unit_database[unit], node, edge, week, address):
                break
    return _team_left(s, p, slot)


@action
def _team_left(s, p, slot):
    """False, and the shipment stopped, if every courier of its team was stopped."""
    for k in range(s.ship_team_size[slot]):
        if s.ship_team[slot * p.max_team + k] >= 0:
            return True
    s.ship_active[slot] = False
    s.ship_team_size[slot] = 0
    return False


@rare_action
def couriers_arrive(s, p, slot, edge, node, week):
    """Couriers at the end of an air leg: each meets the checks at arrival (the leg's base risk, now per
    person, with Europe's database queries where `europe_database`), then the posts at the node (finding
    the drugs, and the databases where they have access). Returns False if all were stopped."""
    units = s.unit_node.shape[0]
    database = p.europe_database and s.node_region[node] == Region.EUROPE
    for k in range(s.ship_team_size[slot]):
        if s.ship_team[slot * p.max_team + k] < 0:
            continue  # stopped at departure
        s.node_week[node, NODE_COURIERS_ARRIVED] += 1.0
        address = (s.ship_uid[slot] * p.max_team + k) * (units + 1) + units
        if courier_checked(s, p, slot, k, CUSTOMS, s.edge_base_risk[edge], database, node, edge, week, address):
            continue
        for j in range(s.node_unit_ptr[node], s.node_unit_ptr[node + 1]):
            unit = s.node_unit_ids[j]
            profiling = unit_detection(s, p, unit, node)
            address = (s.ship_uid[slot] * p.max_team + k) * (units + 1) + unit
            if courier_checked(s, p, slot, k, unit, profiling, s.unit_database[unit], node, edge, week, address):
                break
    alive = _team_left(s, p, slot)
    s.ship_team_size[slot] = 0
    return alive


@action
def move_shipment(s, p, slot, week):
    """Advance a shipment a week; at the end of a leg it faces patrols and police (its couriers one by one,
    if it flew with couriers), then pays protection; at the start of an air leg couriers may board."""
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
    if s.ship_team_size[slot] == 0:  # a courier team's trips were counted when it boarded
        s.week_passages[org, edge] += 1.0
    s.edge_moved_kg[edge] += kg
    s.node_traffic[node] += 1.0

    if s.ship_team_size[slot] > 0:
        if not couriers_arrive(s, p, slot, edge, node, week):  # every courier stopped
            return
        kg = s.ship_kg[slot]
    else:
        agency = checks_at_node(s, p, slot, edge, node, week)  # a patrol or a police post (policing)
        if agency != NOBODY:
            seized_by(s, p, slot, agency, node, week)
            seize(s, slot, edge)
            return

    faction = taxing_faction(s, p, node)
    if faction >= 0:
        tax = protection_tax_usd(kg, s.node_price[node], p.protection_tax_share)
        s.org_cash_usd[org] -= tax
        s.bel_income_week[faction, CRIME] += tax
        s.week_totals[TAXES_USD] += tax
        s.week_totals[PROTECTED_KG] += kg

    if s.route_ptr[route] + s.ship_leg[slot] + 1 == s.route_ptr[route + 1]:
        revenue = kg * s.node_price[node]
        s.org_cash_usd[org] += revenue
        s.week_totals[SALES_USD] += revenue
        s.week_totals[DELIVERED_KG] += kg
        s.ship_active[slot] = False
    else:
        s.ship_leg[slot] += 1
        next_edge = s.route_edges[s.route_ptr[route] + s.ship_leg[slot]]
        s.ship_weeks_left[slot] = s.edge_travel_weeks[next_edge]
        if s.org_people_state[org, COURIER_KG] > 0.0 and s.edge_is_air[next_edge]:
            next_edge = book_flight(s, p, slot, next_edge, week)
            board_couriers(s, p, slot, node, next_edge, week)


@action
def active_organisations(s, row):
    """Organisations shipping this week (a rate above zero): the trade's population grows and shrinks."""
    count = 0.0
    for org in range(s.org_rate.shape[0]):
        if s.org_rate[org] > 0.0:
            count += 1.0
    return count


@action
def in_transit_kg(s, row):
    """kg in flight at the end of the week."""
    total = 0.0
    for slot in range(s.ship_active.shape[0]):
        if s.ship_active[slot]:
            total += s.ship_kg[slot]
    return total


@action
def seizure_rate(s, p):
    return s.totals[SEIZED_KG] / s.totals[SHIPPED_KG] if s.totals[SHIPPED_KG] > 0 else 0.0


# ------------------------------------------------------------------------------------------ build

def organisation_routes(scenario, context) -> list[tuple[int, list[str]]]:
    """(organisation row, node path) of every route, grouped by organisation; computed once per compile."""
    if "routes" not in context:
        graph = trafficking_graph(scenario)
        context["routes"] = [(row, path) for row, org in enumerate(scenario.organisations)
                             for path in enumerate_routes(usable_graph(graph, org.modes), org.sources, org.markets,
                                                          org.max_routes)]
    return context["routes"]


def _slot_layout(scenario, context) -> tuple[np.ndarray, np.ndarray, int, int]:
    """Shipment slots: a ring buffer of `slot_window` weeks, each with `slots_per_step` slots."""
    edges = scenario.network.edges
    index = {(e.from_, e.to): i for i, e in enumerate(edges)}
    weeks = [sum(edges[index[pair]].travel_weeks for pair in itertools.pairwise(path))
             for _, path in organisation_routes(scenario, context)]
    count = np.array([int(np.ceil(o.shipments_per_week)) for o in scenario.organisations], np.int64)
    offset = np.concatenate([[0], np.cumsum(count)[:-1]]).astype(np.int64)
    return count, offset, int(count.sum()), max(weeks) + 1


def slot_ids(scenario, context) -> list[str]:
    _, _, per_step, window = _slot_layout(scenario, context)
    return [str(slot) for slot in range(per_step * window)]


def build(scenario, context) -> dict:
    nodes, edges, orgs = scenario.network.nodes, scenario.network.edges, scenario.organisations
    node_index = {n.id: i for i, n in enumerate(nodes)}
    edge_index = {(e.from_, e.to): i for i, e in enumerate(edges)}
    route_ptr, route_edges, org_route_ptr = [0], [], [0] * (len(orgs) + 1)
    for org, path in organisation_routes(scenario, context):
        route_edges.extend(edge_index[pair] for pair in itertools.pairwise(path))
        route_ptr.append(len(route_edges))
        org_route_ptr[org + 1] += 1
    org_route_ptr = np.cumsum(org_route_ptr).astype(np.int64)
    count, offset, _, _ = _slot_layout(scenario, context)
    n_routes, n_slots = len(route_ptr) - 1, len(slot_ids(scenario, context))
    n_orgs, n_edges = len(orgs), len(edges)
    bel_index = {b: i for i, b in enumerate(context["ids"]["belligerents"])}
    controller = {n.id: n.controlled_by for n in nodes if n.controlled_by}  # fixed; a region's holder is set
    # before week 1 by conflict.start_conflict
    return dict(
        node_price=np.array([n.price_usd_per_kg for n in nodes], float),
        node_region=np.array([Region[n.region.upper()] for n in nodes], np.int64),
        node_controller=np.array([bel_index[controller[n.id]] if n.id in controller else -1 for n in nodes], np.int64),
        node_traffic=np.zeros(len(nodes)),
        node_traffic_previous=np.zeros(len(nodes)),
        edge_from=np.array([node_index[e.from_] for e in edges], np.int64),
        edge_to=np.array([node_index[e.to] for e in edges], np.int64),
        edge_travel_weeks=np.array([e.travel_weeks for e in edges], np.int64),
        edge_capacity_kg=np.array([e.capacity_kg_per_week for e in edges], float),
        edge_base_risk=np.array([e.base_interdiction_risk for e in edges], float),
        edge_cost_usd_per_kg=np.array([e.cost_usd_per_kg for e in edges], float),
        edge_load_kg=np.zeros(n_edges),
        edge_moved_kg=np.zeros(n_edges),
        edge_seized_kg=np.zeros(n_edges),
        route_ptr=np.array(route_ptr, np.int64),
        route_edges=np.array(route_edges, np.int64),
        org_route_ptr=org_route_ptr,
        route_values=np.zeros(n_routes),
        route_via_west_africa=np.array([any(nodes[node_index[n]].region == "west_africa" for n in path)
                                        for _, path in organisation_routes(scenario, context)], np.bool_),
        route_choice_values=np.zeros(n_routes),
        route_weights=np.zeros(n_routes),
        org_shipment_kg=np.array([o.shipment_kg for o in orgs], float),
        org_rate=np.array([o.shipments_per_week if o.active else 0.0 for o in orgs], float),
        org_capacity=np.array([o.shipments_per_week for o in orgs], float),
        org_rationality=np.array([o.rationality for o in orgs], float),
        org_memory_decay=np.array([memory_decay(o.memory_weeks) for o in orgs], float),
        org_prior_seizures=np.array([o.prior_seizures for o in orgs], float),
        org_prior_safe_passages=np.array([o.prior_safe_passages for o in orgs], float),
        org_cash_usd=np.array([o.cash_usd for o in orgs], float),
        org_credit_usd=np.array([np.inf if o.credit_usd is None else o.credit_usd for o in orgs], float),
        org_slot_offset=offset,
        org_slot_count=count,
        belief_seizures=np.zeros((n_orgs, n_edges)),
        belief_passages=np.zeros((n_orgs, n_edges)),
        week_seizures=np.zeros((n_orgs, n_edges)),
        week_passages=np.zeros((n_orgs, n_edges)),
        ship_active=np.zeros(n_slots, np.bool_),
        ship_org=np.full(n_slots, -1, np.int64),
        ship_route=np.full(n_slots, -1, np.int64),
        ship_leg=np.zeros(n_slots, np.int64),
        ship_weeks_left=np.zeros(n_slots, np.int64),
        ship_kg=np.zeros(n_slots),
        ship_uid=np.zeros(n_slots, np.int64),
        ship_carrier=np.full(n_slots, -1, np.int64),
        ship_team=np.full(n_slots * max(1, max_team(scenario)), -1, np.int64),
        ship_team_size=np.zeros(n_slots, np.int64),
        ship_team_kg=np.zeros(n_slots),
        edge_is_air=np.array([e.mode == "air" for e in edges], np.bool_),
    )


F, I, B = np.float64, np.int64, np.bool_
MODULE = Module(
    name="trafficking",
    build=build,
    entities=(
        Entities("nodes", lambda scenario, context: [n.id for n in scenario.network.nodes], "places of the network"),
        Entities("edges", lambda scenario, context: [f"{e.from_}->{e.to}" for e in scenario.network.edges], "legs"),
        Entities("routes", lambda scenario, context: ["->".join(path) for _, path in
                                                       organisation_routes(scenario, context)],
                 "the routes each organisation considers, grouped by organisation"),
        Entities("organisations", lambda scenario, context: [o.id for o in scenario.organisations]),
        Entities("slots", slot_ids, "shipments in flight: a ring buffer of weeks x slots per week"),
    ),
    fields=(
        Field("node_price", F, ("nodes",), "wholesale price, US$/kg"),
        Field("node_region", I, ("nodes",), "Region", written=False),
        Field("node_controller", I, ("nodes",), "belligerent that taxes the node, -1 for none"),
        Field("node_traffic", F, ("nodes",), "shipments through the node this week", written=False),
        Field("node_traffic_previous", F, ("nodes",), "shipments through the node last week", written=False),
        Field("edge_from", I, ("edges",), written=False), Field("edge_to", I, ("edges",), written=False),
        Field("edge_travel_weeks", I, ("edges",)), Field("edge_capacity_kg", F, ("edges",)),
        Field("edge_base_risk", F, ("edges",)), Field("edge_cost_usd_per_kg", F, ("edges",)),
        Field("edge_load_kg", F, ("edges",), "kg launched onto the leg this week", written=False),
        Field("edge_moved_kg", F, ("edges",), written=False), Field("edge_seized_kg", F, ("edges",), written=False),
        Field("route_ptr", I, (), "CSR over route_edges, one entry per route plus one", written=False),
        Field("route_edges", I, (), "the legs of each route", written=False),
        Field("org_route_ptr", I, (), "CSR over routes, one entry per organisation plus one", written=False),
        Field("route_values", F, ("routes",), written=False), Field("route_choice_values", F, ("routes",), written=False),
        Field("route_via_west_africa", B, ("routes",), "the route passes a West African node", written=False),
        Field("route_weights", F, ("routes",), "scratch: each route's logit weight in a choice", written=False),
        Field("org_shipment_kg", F, ("organisations",)),
        Field("org_rate", F, ("organisations",), "shipments a week it launches now"),
        Field("org_capacity", F, ("organisations",), "most shipments a week it can launch"),
        Field("org_rationality", F, ("organisations",)), Field("org_memory_decay", F, ("organisations",)),
        Field("org_prior_seizures", F, ("organisations",)),
        Field("org_prior_safe_passages", F, ("organisations",)),
        Field("org_cash_usd", F, ("organisations",)), Field("org_credit_usd", F, ("organisations",), "most it can owe"),
        Field("org_slot_offset", I, ("organisations",), written=False),
        Field("org_slot_count", I, ("organisations",), written=False),
        Field("belief_seizures", F, ("organisations", "edges"), written=False),
        Field("belief_passages", F, ("organisations", "edges"), written=False),
        Field("week_seizures", F, ("organisations", "edges"), written=False),
        Field("week_passages", F, ("organisations", "edges"), written=False),
        Field("ship_active", B, ("slots",), written=False), Field("ship_org", I, ("slots",), written=False), Field("ship_route", I, ("slots",), written=False),
        Field("ship_leg", I, ("slots",), written=False), Field("ship_weeks_left", I, ("slots",), written=False), Field("ship_kg", F, ("slots",), written=False),
        Field("ship_uid", I, ("slots",), written=False),
        Field("ship_carrier", I, ("slots",), "the transporter with a consignment (sim/model/people.py), -1 for none", written=False),
        Field("ship_team", I, (), "the couriers carrying each shipment on an air leg, max_team places per slot, "
                                  "-1 where stopped", written=False),
        Field("ship_team_size", I, ("slots",), "couriers in its team (0: a consignment)", written=False),
        Field("ship_team_kg", F, ("slots",), "kg each courier carries", written=False),
        Field("edge_is_air", B, ("edges",), written=False),
    ),
    params=(
        Param("slot_window", None, "weeks", np.int64, lambda scenario, context: _slot_layout(scenario, context)[3]),
        Param("slots_per_step", None, "slots", np.int64, lambda scenario, context: _slot_layout(scenario, context)[2]),
        Param("criminal_funding", "levers.criminal_funding", "on/off", bool),
        Param("protection_tax_share", "conflict_dynamics.protection_tax_share", "share of local value"),
    ),
    flows=FLOWS.of("trafficking"),
    outcomes=("shipped_kg", "seized_kg", "delivered_kg",
              Outcome("seizure_rate", "share", "seizure rate", compute=seizure_rate),
              "criminal_revenue_usd", "taxes_usd"),
    series=(Series("in_transit_kg", in_transit_kg), Series("active_organisations", active_organisations)),
    levers=(Lever("criminal_funding", "levers.criminal_funding", "belligerents can tax trafficking"),),
    phases=(Phase(begin_week, BEGIN), Phase(launch_shipments, LAUNCH, over="organisations"),
            Phase(move_shipment, MOVE, over="slots", guard="ship_active"),
            Phase(learn_from_seizures, LEARN, over="organisations"),
            Phase(adjust_shipping, LEARN, over="organisations"), Phase(end_week, END)),
    agents=(Agents("organisations", "TraffickingOrganisation",
                   "Buys cocaine at its sources, ships it along the routes it believes safest and most profitable.",
                   {"money_usd": "org_cash_usd"}),),
)
