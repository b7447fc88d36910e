"""Policing: host-state and UN police posts at nodes inspect the shipments that pass, may take a bribe
instead, raise alerts over INTERPOL's secure communications, and host-state skill grows with capacity
building and UN mentoring; patrols and customs interdict on legs. Declarations first, then the
rules, then the actions.
"""

from __future__ import annotations

import math

import numpy as np

from . import rng
from .compiler import action, rule
from .declare import BEGIN, FLOWS, POLICE, Agents, Entities, Field, Lever, Module, Param, Phase, Series
from .conflict import CRIME
from .network import Region, trafficking_graph
from .people import ACTIVE, CUSTOMS, MARITIME, NOT_IDENTIFIED, WANTED_AT, arrest_and_investigate, identify

BRIBES_USD = FLOWS.flow("policing", "bribes_usd", "US$", "bribes")
SEIZED_WEST_AFRICA_KG = FLOWS.flow("policing", "seized_west_africa_kg", "kg", "cocaine seized in West Africa")
SEIZED_HOST_KG = FLOWS.flow("policing", "seized_host_police_kg", "kg", "cocaine seized by host-state police")
SEIZED_UN_KG = FLOWS.flow("policing", "seized_un_police_kg", "kg", "cocaine seized by UN police")
SEIZED_PATROL_KG = FLOWS.flow("policing", "seized_patrol_kg", "kg", "cocaine seized by patrols and customs on legs")
SEIZED_WITH_DATABASE_KG = FLOWS.flow("policing", "seized_with_database_kg", "kg",
                                     "cocaine seized with INTERPOL databases")
SEIZED_WITHOUT_DATABASE_KG = FLOWS.flow("policing", "seized_without_database_kg", "kg",
                                        "cocaine seized without INTERPOL databases")
SEIZED_MARITIME_KG = FLOWS.flow("policing", "seized_maritime_kg", "kg", "cocaine seized at sea by maritime patrols")
MARITIME_WATCHED_KG = FLOWS.flow("policing", "maritime_watched_kg", "kg", "cocaine that reached a maritime patrol's "
                                 "check at the end of a leg it watches, seized there or not (what the patrol could stop)")
SEIZED_EUROPE_KG = FLOWS.flow("policing", "seized_europe_kg", "kg", "cocaine seized in Europe")
SEIZED_EUROPE_VIA_WEST_AFRICA_KG = FLOWS.flow("policing", "seized_europe_via_west_africa_kg", "kg",
                                              "cocaine seized in Europe that had passed through West Africa")
BRIBES_PASSED_UP_USD = FLOWS.flow("policing", "bribes_passed_up_usd", "US$",
                                  "bribes passed up by police posts to officers or factions above them")
MANDATES = ("monitoring", "support", "executive")
PATROL = CUSTOMS  # who seized a shipment, where it was not a police unit: patrols and customs on the leg, or
# MARITIME patrols at sea
NOBODY = -3  # nobody seized it
NODE_SEIZED_KG, NODE_COURIER_SEIZED_KG, NODE_COURIERS_ARRIVED = range(3)  # columns of `node_week`


# ------------------------------------------------------------------------------------------ rules

@rule
def bribe_usd(kg, local_price_usd_per_kg, bribe_share):
    """Bribe paid to a detecting unit that looks away: kg * local price * share (assumption)."""
    return kg * local_price_usd_per_kg * bribe_share


@rule
def detection_probability(officers, skill, rate_per_officer, mandate_factor,
                          alert, alert_gain, capacity_shipments, traffic_shipments):
    """Chance that a unit finds the drugs in a shipment passing it:

    p = 1 - exp(-h), h = rate * officers * skill * mandate * (1 + gain * alert) * min(1, capacity / traffic).
    Alerts from linked nodes over secure communications raise it (a post with database access), and a
    post handling more traffic than it can inspect loses effort in proportion. Functional form:
    assumption. INTERPOL's databases act through the people they identify (sim/model/people.py), not here.
    """
    hazard = rate_per_officer * officers * skill * mandate_factor * (1.0 + alert_gain * alert)
    if traffic_shipments > capacity_shipments:
        hazard *= capacity_shipments / traffic_shipments
    return 1.0 - math.exp(-hazard)


@rule
def effective_corruption(corruption, scale):
    """Chance a detecting unit takes a bribe: min(1, corruption * scale) (lever `corruption_scale`)."""
    return min(1.0, corruption * scale)


@rule
def weekly_rate(annual_share):
    """Weekly share equivalent to closing `annual_share` of a gap per year: 1 - (1 - a)^(1/52)."""
    return 1.0 - (1.0 - annual_share) ** (1.0 / 52.0)


@rule
def capacity_growth(skill, weekly_growth, mentoring_gain, un_officers, host_officers):
    """Host police skill after a week of capacity building:

    skill + g * (1 + m * un / host) * (1 - skill), capped at 1. UN police mentoring speeds
    host-state capacity building (declaration P2C, P2D); its size is an assumption.
    """
    mentoring = mentoring_gain * un_officers / host_officers if host_officers > 0 else 0.0
    return min(1.0, skill + weekly_growth * (1.0 + mentoring) * (1.0 - skill))


@rule
def alert_level(alert, decay, incoming):
    """Alert at a node after a week: alert * (1 - decay) + incoming alerts (secure communications, S59)."""
    return alert * (1.0 - decay) + incoming


# ---------------------------------------------------------------------------------------- actions

@action
def begin_week(s, p, week):
    """Alerts raised this week, and what each node saw this week, start from none."""
    s.node_alert_incoming[:] = 0.0
    s.node_week[:, :] = 0.0


@action
def unit_detection(s, p, unit, node):
    """The chance that `unit` finds the drugs in what passes it this week (detection_probability)."""
    return detection_probability(
        s.unit_officers[unit], s.unit_skill[unit], p.detection_rate_per_officer, s.unit_mandate_factor[unit],
        s.node_alert[node] if s.unit_database[unit] else 0.0,
        p.alert_gain, s.unit_capacity[unit], s.node_traffic_previous[node])


@action
def takes_bribe(s, p, unit, node, org, kg, week, entity, stream):
    """A unit that found a shipment or identified a person may take a bribe instead (corruption), which
    the organisation pays: True if it does."""
    scale = 1.0 if s.unit_is_un[unit] else p.corruption_scale
    if rng.uniform(p.seed, week, entity, stream) >= effective_corruption(s.unit_corruption[unit], scale):
        return False
    bribe = bribe_usd(kg, s.node_price[node], p.bribe_share)
    s.org_cash_usd[org] -= bribe
    s.week_totals[BRIBES_USD] += bribe
    s.unit_bribes_usd[unit] += bribe - pass_up(s, unit, bribe)
    s.unit_skill[unit] *= 1.0 - s.unit_skill_lost_per_bribe[unit]
    return True


@action
def unit_inspects(s, p, unit, node, slot, week):
    """A police unit checks a passing shipment and the transporter with it: returns True if it seizes it.

    It finds the drugs, or identifies the transporter (sim/model/people.py: databases, wanted lists) and
    then the drugs; a unit that found them may take a bribe instead.
    """
    has_database = s.unit_database[unit]
    probability = unit_detection(s, p, unit, node)
    entity = s.ship_uid[slot] * s.unit_node.shape[0] + unit
    if rng.uniform(p.seed, week, entity, rng.POLICE_DETECTION) >= probability:
        carrier = s.ship_carrier[slot]
        if carrier < 0 or not (has_database or s.person[carrier, WANTED_AT] == node) or \
                identify(s, p, carrier, 0.0, has_database, node, week, entity) == NOT_IDENTIFIED:
            return False
    return not takes_bribe(s, p, unit, node, s.ship_org[slot], s.ship_kg[slot], week, entity, rng.POLICE_BRIBE)


@action
def pass_up(s, unit, bribe):
    """The share of a bribe a post passes up to the officers or faction above it (FACTS-2 S202: the
    military elite protected the traffic in Guinea-Bissau), which funds that belligerent: returns it."""
    receiver = s.unit_passes_to[unit]
    if receiver < 0 or not s.bel_active[receiver]:
        return 0.0
    passed = bribe * s.unit_passed_up_share[unit]
    s.bel_income_week[receiver, CRIME] += passed
    s.week_totals[BRIBES_PASSED_UP_USD] += passed
    return passed


@action
def record_seizure(s, slot, unit, node, kg):
    """Who seized `kg` of a shipment (a unit, PATROL on the leg, or MARITIME at sea) and where; alerts to
    linked nodes. Seizures in Europe are also counted by whether the shipment came through West Africa,
    which is what UNODC's estimates of the West African flow were built from (sim/model/observation.py)."""
    s.node_week[node, NODE_SEIZED_KG] += kg
    if s.node_region[node] == Region.WEST_AFRICA:
        s.week_totals[SEIZED_WEST_AFRICA_KG] += kg
    if s.node_region[node] == Region.EUROPE:
        s.week_totals[SEIZED_EUROPE_KG] += kg
        if s.route_via_west_africa[s.ship_route[slot]]:
            s.week_totals[SEIZED_EUROPE_VIA_WEST_AFRICA_KG] += kg
    if unit == MARITIME:
        s.week_totals[SEIZED_MARITIME_KG] += kg
        return
    if unit == PATROL:
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


@action
def seized_by(s, p, slot, agency, node, week):
    """A whole shipment seized by `agency` at `node`: recorded, and the transporter with it arrested."""
    record_seizure(s, slot, agency, node, s.ship_kg[slot])
    carrier = s.ship_carrier[slot]
    if carrier >= 0 and s.person_flag[carrier, ACTIVE]:
        arrest_and_investigate(s, p, carrier, agency, node, week)


@action
def checks_at_node(s, p, slot, edge, node, week):
    """A shipment arriving at `node` over `edge` meets patrols on the leg, then each police post at
    the node in turn: returns who seizes it (a unit, PATROL or MARITIME), or NOBODY."""
    if rng.uniform(p.seed, week, s.ship_uid[slot], rng.LEG_INTERDICTION) < s.edge_base_risk[edge]:
        return PATROL
    if s.edge_maritime_detection[edge] > 0.0:
        s.week_totals[MARITIME_WATCHED_KG] += s.ship_kg[slot]
        if rng.uniform(p.seed, week, s.ship_uid[slot], rng.MARITIME_INTERDICTION) < s.edge_maritime_detection[edge]:
            return MARITIME
    for j in range(s.node_unit_ptr[node], s.node_unit_ptr[node + 1]):
        unit = s.node_unit_ids[j]
        if unit_inspects(s, p, unit, node, slot, week):
            return unit
    return NOBODY


@action
def build_capacity(s, p, unit, week):
    """A host-state unit's skill grows with capacity building and UN mentoring."""
    if s.unit_is_un[unit]:
        return
    node = s.unit_node[unit]
    s.unit_skill[unit] = capacity_growth(s.unit_skill[unit], p.host_weekly_growth, p.mentoring_gain,
                                         s.node_un_officers[node], s.node_host_officers[node])


@action
def spread_alerts(s, p, week):
    """Alerts raised by seizures this week reach linked nodes; old alerts fade."""
    for node in range(s.node_alert.shape[0]):
        s.node_alert[node] = alert_level(s.node_alert[node], p.alert_decay, s.node_alert_incoming[node])


# ------------------------------------------------------------------------------------------ build

def _units(scenario) -> list:
    return [*scenario.police.host.units, *scenario.police.un.units]  # host units first, then UN units


def _neighbours_csr(graph, index: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    """Undirected neighbours of each node, for alerts over secure communications."""
    undirected = graph.to_undirected(as_view=True)
    pointer, neighbours = [0], []
    for node in graph.nodes:
        neighbours.extend(sorted(index[n] for n in undirected.neighbors(node)))
        pointer.append(len(neighbours))
    return np.array(pointer, np.int64), np.array(neighbours, np.int64)


def maritime_detection(scenario) -> np.ndarray:
    """Each edge's chance of a seizure at sea: 1 - product of (1 - detection) over the patrols on it."""
    index = {(e.from_, e.to): i for i, e in enumerate(scenario.network.edges)}
    escape = np.ones(len(index))
    for patrol in scenario.police.maritime:
        for leg in patrol.legs:
            escape[index[tuple(leg)]] *= 1.0 - patrol.detection
    return 1.0 - escape


def build(scenario, context) -> dict:
    police, levers, nodes = scenario.police, scenario.levers, scenario.network.nodes
    host, un = police.host.units, police.un.units
    units = [*host, *un]
    node_index = {n.id: i for i, n in enumerate(nodes)}
    regional_un = police.un.officers * police.un.regional_share
    unit_officers = np.array([u.officers for u in host] + [regional_un * u.share_of_regional_officers for u in un], float)
    unit_node = np.array([node_index[u.node] for u in units], np.int64)
    unit_is_un = np.array([False] * len(host) + [True] * len(un), np.bool_)
    order = np.argsort(unit_node, kind="stable")
    node_unit_ptr = np.searchsorted(unit_node[order], np.arange(len(nodes) + 1)).astype(np.int64)
    mandate = police.mandate_factor.get(police.un.mandate, 1.0)
    node_un, node_host = np.zeros(len(nodes)), np.zeros(len(nodes))
    np.add.at(node_un, unit_node[unit_is_un], unit_officers[unit_is_un])
    np.add.at(node_host, unit_node[~unit_is_un], unit_officers[~unit_is_un])
    neighbour_ptr, neighbour_nodes = _neighbours_csr(trafficking_graph(scenario), node_index)
    bel_index = {b: i for i, b in enumerate(context["ids"]["belligerents"])}
    return dict(
        node_alert=np.zeros(len(nodes)),
        node_alert_incoming=np.zeros(len(nodes)),
        node_week=np.zeros((len(nodes), NODE_COURIERS_ARRIVED + 1)),
        node_un_officers=node_un,
        node_host_officers=node_host,
        neighbour_ptr=neighbour_ptr,
        neighbour_nodes=neighbour_nodes,
        node_unit_ptr=node_unit_ptr,
        node_unit_ids=order.astype(np.int64),
        unit_node=unit_node,
        unit_is_un=unit_is_un,
        unit_officers=unit_officers,
        unit_skill=np.array([u.skill for u in host] + [police.un.skill] * len(un), float),
        unit_corruption=np.array([u.corruption for u in host] + [police.un.corruption] * len(un), float),
        unit_capacity=np.array([u.inspection_capacity_shipments_per_week * levers.border_capacity_scale
                                for u in units], float),
        unit_database=np.array([levers.database_access.host] * len(host) + [levers.database_access.un] * len(un),
                               np.bool_),
        unit_mandate_factor=np.array([1.0] * len(host) + [mandate] * len(un), float),
        unit_seized_kg=np.zeros(len(units)),
        unit_seizures=np.zeros(len(units), np.int64),
        unit_bribes_usd=np.zeros(len(units)),
        edge_maritime_detection=maritime_detection(scenario),
        unit_passes_to=np.array([bel_index[u.passes_bribes_to] if u.passes_bribes_to else -1 for u in host]
                                + [-1] * len(un), np.int64),
        unit_passed_up_share=np.array([u.passed_up_share for u in host] + [0.0] * len(un), float),
        unit_skill_lost_per_bribe=np.array([u.skill_lost_per_bribe for u in host] + [0.0] * len(un), float),
    )


F, I, B = np.float64, np.int64, np.bool_
MODULE = Module(
    name="policing",
    build=build,
    entities=(Entities("units", lambda scenario, context: [u.id for u in _units(scenario)],
                       "police posts: host-state units first, then UN units"),),
    fields=(
        Field("node_alert", F, ("nodes",), "alert level from linked seizures", written=False),
        Field("node_alert_incoming", F, ("nodes",), "alerts raised this week", written=False),
        Field("node_week", F, ("nodes", NODE_COURIERS_ARRIVED + 1), "this week at the node: NODE_SEIZED_KG (seized "
              "there, or at sea on a leg into it), NODE_COURIER_SEIZED_KG (of which from couriers), "
              "NODE_COURIERS_ARRIVED (couriers who landed there)", written=False),
        Field("node_un_officers", F, ("nodes",)), Field("node_host_officers", F, ("nodes",)),
        Field("neighbour_ptr", I, (), "CSR over neighbour_nodes, one entry per node plus one", written=False),
        Field("neighbour_nodes", I, (), "linked nodes (undirected) of each node", written=False),
        Field("node_unit_ptr", I, (), "CSR over node_unit_ids, one entry per node plus one", written=False),
        Field("node_unit_ids", I, ("units",), "units by node", written=False),
        Field("unit_node", I, ("units",), written=False), Field("unit_is_un", B, ("units",), written=False), Field("unit_officers", F, ("units",)),
        Field("unit_skill", F, ("units",)), Field("unit_corruption", F, ("units",)),
        Field("unit_capacity", F, ("units",), "shipments a week the unit can inspect"),
        Field("unit_database", B, ("units",), "INTERPOL database access"),
        Field("unit_mandate_factor", F, ("units",)), Field("unit_seized_kg", F, ("units",), written=False),
        Field("unit_seizures", I, ("units",), written=False), Field("unit_bribes_usd", F, ("units",), written=False),
        Field("edge_maritime_detection", F, ("edges",), "chance of a seizure at sea on the leg (maritime patrols)"),
        Field("unit_passes_to", I, ("units",), "belligerent that takes a share of the post's bribes, -1 for none"),
        Field("unit_passed_up_share", F, ("units",)), Field("unit_skill_lost_per_bribe", F, ("units",)),
    ),
    params=(
        Param("bribe_share", "police.bribe_share", "share of local value"),
        Param("detection_rate_per_officer", "police.detection_rate_per_officer", "hazard per officer"),
        Param("alert_gain", "police.alert_gain", "hazard increase per alert"),
        Param("alert_decay", "police.alert_decay_per_week", "share per week"),
        Param("host_weekly_growth", "levers.host_capacity_growth_per_year", "share of the gap per week",
              derive=lambda scenario, context: weekly_rate(scenario.levers.host_capacity_growth_per_year)),
        Param("mentoring_gain", "police.un.mentoring_gain", "growth per UN officer per host officer"),
        Param("corruption_scale", "levers.corruption_scale", "multiplier"),
    ),
    flows=FLOWS.of("policing"),
    series=(Series("{source}", per="nodes", field="node_week", columns=("seized_kg", "courier_seized_kg", "couriers_arrived"),
                   additive=True),),
    levers=(
        Lever("database_access_host", "levers.database_access.host", "host-state police query INTERPOL databases"),
        Lever("database_access_un", "levers.database_access.un", "UN police query INTERPOL databases"),
        Lever("un_police_officers", "police.un.officers", "UN police officers deployed worldwide"),
        Lever("host_capacity_growth_per_year", "levers.host_capacity_growth_per_year",
              "share of the host police skill gap closed per year"),
        Lever("corruption_scale", "levers.corruption_scale", "multiplier of host police corruption"),
        Lever("border_capacity_scale", "levers.border_capacity_scale", "multiplier of inspection capacity"),
    ),
    phases=(Phase(begin_week, BEGIN), Phase(build_capacity, POLICE, over="units"), Phase(spread_alerts, POLICE)),
    agents=(Agents("units", "PoliceUnit", "A host-state or UN police post at a node; inspects the shipments "
                   "that pass it.", {"strength": "unit_skill", "money_usd": "unit_bribes_usd",
                                     "seized_kg": "unit_seized_kg"}),),
)
