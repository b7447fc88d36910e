"""Compile a validated scenario into plain arrays, once, for both drivers.

The whole model state is a struct of arrays (`State`, a namedtuple numba can
take): one block per entity kind (nodes, edges, routes, organisations,
shipments, police units, belligerents, conflicts) and the network in CSR form.
Scalars that never change during a run live in `Params`. `Layout` keeps the
Python-side names (ids, series columns) that the arrays index.

The Mesa agents are views over rows of the same `State`, so a reader can hold
an agent and its row side by side, and the equivalence test compares the two
drivers field by field.
"""

from __future__ import annotations

import itertools
from collections import namedtuple
from dataclasses import dataclass, field

import networkx as nx
import numpy as np

from .rules import memory_decay, weekly_rate
from .scenario import Scenario, trafficking_graph

# Indices into the flow totals (per step and cumulative).
SHIPPED_KG, DELIVERED_KG, SEIZED_KG, SEIZED_PATROL_KG, SEIZED_HOST_KG, SEIZED_UN_KG, \
    SEIZED_WITH_DATABASE_KG, SEIZED_WITHOUT_DATABASE_KG, SEIZED_WEST_AFRICA_KG, SALES_USD, \
    PURCHASE_USD, TRANSPORT_USD, TAXES_USD, BRIBES_USD, SHIPMENTS_LAUNCHED, SHIPMENTS_BLOCKED, \
    SEIZURES = range(17)
TOTAL_NAMES = ("shipped_kg", "delivered_kg", "seized_kg", "seized_patrol_kg", "seized_host_police_kg",
               "seized_un_police_kg", "seized_with_database_kg", "seized_without_database_kg",
               "seized_west_africa_kg", "criminal_revenue_usd", "purchase_usd", "transport_usd",
               "taxes_usd", "bribes_usd", "shipments_launched", "shipments_blocked", "seizures")

# Columns of a belligerent's income: criminal taxes and the configurable sources.
CRIME, EXTERNAL, RESOURCES, BUDGET = range(4)
INCOME_NAMES = ("crime", "external", "resources", "budget")

# Conflict end types.
ONGOING, SETTLEMENT, GOVERNMENT_VICTORY, REBEL_VICTORY = range(4)
END_TYPE_NAMES = {ONGOING: "censored", SETTLEMENT: "settlement",
                  GOVERNMENT_VICTORY: "victory", REBEL_VICTORY: "victory"}

REGIONS = ("latin_america", "west_africa", "north_africa", "europe")
MANDATES = ("monitoring", "support", "executive")

State = namedtuple("State", [
    # nodes
    "node_price", "node_region", "node_controller", "node_traffic", "node_traffic_previous",
    "node_alert", "node_alert_incoming", "node_un_officers", "node_host_officers",
    "neighbour_ptr", "neighbour_nodes", "node_unit_ptr", "node_unit_ids",
    # edges
    "edge_from", "edge_to", "edge_travel_weeks", "edge_capacity_kg", "edge_base_risk",
    "edge_cost_usd_per_kg", "edge_load_kg", "edge_moved_kg", "edge_seized_kg",
    # routes (grouped by organisation; CSR over edges)
    "route_ptr", "route_edges", "org_route_ptr", "route_values", "route_choice_values",
    # organisations
    "org_shipment_kg", "org_rate", "org_rationality", "org_memory_decay", "org_prior_seizures",
    "org_prior_safe_passages", "org_cash_usd", "org_slot_offset", "org_slot_count",
    "belief_seizures", "belief_passages", "week_seizures", "week_passages",
    # shipments (slots in a ring buffer)
    "ship_active", "ship_org", "ship_route", "ship_leg", "ship_weeks_left", "ship_kg", "ship_uid",
    # police units (host and UN)
    "unit_node", "unit_is_un", "unit_officers", "unit_skill", "unit_corruption", "unit_capacity",
    "unit_database", "unit_mandate_factor", "unit_seized_kg", "unit_seizures", "unit_bribes_usd",
    # belligerents (grouped by conflict, government first)
    "bel_conflict", "bel_is_government", "bel_active", "bel_fighters", "bel_initial_fighters",
    "bel_max_fighters", "bel_treasury_usd", "bel_effectiveness", "bel_income_rates",
    "bel_income_week", "bel_income_total", "bel_spent_total", "bel_recruited_total", "bel_deserted_total",
    "bel_losses_week",
    # conflicts
    "conflict_bel_ptr", "conflict_active", "conflict_end_step", "conflict_end_type", "conflict_winner",
    # flows
    "week_totals", "totals",
])

Params = namedtuple("Params", [
    "seed", "horizon_weeks", "slot_window", "slots_per_step",
    "criminal_funding", "protection_tax_share", "bribe_share", "detection_rate_per_officer",
    "database_multiplier", "alert_gain", "alert_decay", "host_weekly_growth", "mentoring_gain",
    "corruption_scale", "attrition_rate", "combat_noise", "collapse_fraction", "settlement_hazard_max",
    "victory_hazard_max", "victory_exponent", "recruitment_cost", "upkeep_cost", "recruitment_share",
    "desertion_rate", "funding_effectiveness",
])


@dataclass
class Layout:
    """Names for the rows of the arrays, and the per-step series columns."""

    node_ids: list[str]
    edge_ids: list[str]
    organisation_ids: list[str]
    unit_ids: list[str]
    belligerent_ids: list[str]
    conflict_ids: list[str]
    routes: list[list[str]]  # node ids along each route
    series_columns: list[str] = field(default_factory=list)


@dataclass
class CompiledScenario:
    scenario: Scenario
    layout: Layout
    params: Params
    initial: State

    def fresh_state(self) -> State:
        """A copy of the initial state that a run may change."""
        return State(*(array.copy() for array in self.initial))

    def with_seed(self, seed: int) -> Params:
        return self.params._replace(seed=np.int64(seed))


def enumerate_routes(graph: nx.DiGraph, sources: list[str], markets: list[str], max_routes: int) -> list[list[str]]:
    """The `max_routes` quickest simple paths from any source to any market (ties by name)."""
    candidates = []
    for source, market in itertools.product(sources, markets):
        if not nx.has_path(graph, source, market):
            continue
        paths = nx.shortest_simple_paths(graph, source, market, weight="travel_weeks")
        for path in itertools.islice(paths, max_routes):
            weeks = sum(graph.edges[a, b]["travel_weeks"] for a, b in itertools.pairwise(path))
            candidates.append((weeks, path))
    candidates.sort(key=lambda item: (item[0], item[1]))
    return [path for _, path in candidates[:max_routes]]


def _neighbours_csr(graph: nx.DiGraph, index: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    """Undirected neighbours of each node, for alerts over secure communications."""
    undirected = graph.to_undirected(as_view=True)
    pointer, neighbours = [0], []
    for node in graph.nodes:
        neighbours.extend(sorted(index[n] for n in undirected.neighbors(node)))
        pointer.append(len(neighbours))
    return np.array(pointer, np.int64), np.array(neighbours, np.int64)


def compile_scenario(scenario: Scenario) -> CompiledScenario:
    """Turn a validated scenario into arrays and parameters for either driver."""
    graph = trafficking_graph(scenario)
    nodes, edges = scenario.network.nodes, scenario.network.edges
    node_index = {n.id: i for i, n in enumerate(nodes)}
    edge_index = {(e.from_, e.to): i for i, e in enumerate(edges)}
    levers, police, dynamics = scenario.levers, scenario.police, scenario.conflict_dynamics

    belligerents = [b for c in scenario.conflicts
                    for b in sorted(c.belligerents, key=lambda b: b.side != "government")]
    bel_index = {b.id: i for i, b in enumerate(belligerents)}
    conflict_bel_ptr = np.cumsum([0] + [len(c.belligerents) for c in scenario.conflicts]).astype(np.int64)
    bel_conflict = np.repeat(np.arange(len(scenario.conflicts)), np.diff(conflict_bel_ptr)).astype(np.int64)

    # Routes, grouped by organisation.
    routes, route_ptr, route_edges, org_route_ptr = [], [0], [], [0]
    for org in scenario.organisations:
        for path in enumerate_routes(graph, org.sources, org.markets, org.max_routes):
            routes.append(path)
            route_edges.extend(edge_index[pair] for pair in itertools.pairwise(path))
            route_ptr.append(len(route_edges))
        org_route_ptr.append(len(routes))
    route_weeks = [sum(edges[e].travel_weeks for e in route_edges[a:b])
                   for a, b in itertools.pairwise(route_ptr)]

    # Shipment slots: a ring buffer long enough for the slowest route.
    org_slot_count = np.array([int(np.ceil(o.shipments_per_week)) for o in scenario.organisations], np.int64)
    org_slot_offset = np.concatenate([[0], np.cumsum(org_slot_count)[:-1]]).astype(np.int64)
    slots_per_step = int(org_slot_count.sum())
    slot_window = max(route_weeks) + 1
    n_slots = slot_window * slots_per_step

    # Police units: host units first, then UN units.
    host, un = police.host.units, police.un.units
    units = [*host, *un]
    regional_un = police.un.officers * police.un.regional_share
    unit_officers = np.array([u.officers for u in host] + [regional_un * u.share_of_regional_officers for u in un], float)
    unit_node = np.array([node_index[u.node] for u in units], np.int64)
    unit_is_un = np.array([False] * len(host) + [True] * len(un), np.bool_)
    order = np.argsort(unit_node, kind="stable")
    node_unit_ptr = np.searchsorted(unit_node[order], np.arange(len(nodes) + 1)).astype(np.int64)
    mandate = police.mandate_factor.get(police.un.mandate, 1.0)
    database = np.array([levers.database_access.host] * len(host) + [levers.database_access.un] * len(un), np.bool_)

    node_un = np.zeros(len(nodes))
    node_host = np.zeros(len(nodes))
    np.add.at(node_un, unit_node[unit_is_un], unit_officers[unit_is_un])
    np.add.at(node_host, unit_node[~unit_is_un], unit_officers[~unit_is_un])
    neighbour_ptr, neighbour_nodes = _neighbours_csr(graph, node_index)
    n_orgs, n_edges, n_bel = len(scenario.organisations), len(edges), len(belligerents)
    fighters = np.array([b.fighters for b in belligerents], float)

    initial = State(
        node_price=np.array([n.price_usd_per_kg for n in nodes], float),
        node_region=np.array([REGIONS.index(n.region) for n in nodes], np.int64),
        node_controller=np.array([bel_index[n.controlled_by] if n.controlled_by else -1 for n in nodes], np.int64),
        node_traffic=np.zeros(len(nodes)),
        node_traffic_previous=np.zeros(len(nodes)),
        node_alert=np.zeros(len(nodes)),
        node_alert_incoming=np.zeros(len(nodes)),
        node_un_officers=node_un,
        node_host_officers=node_host,
        neighbour_ptr=neighbour_ptr,
        neighbour_nodes=neighbour_nodes,
        node_unit_ptr=node_unit_ptr,
        node_unit_ids=order.astype(np.int64),
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
        org_route_ptr=np.array(org_route_ptr, np.int64),
        route_values=np.zeros(len(routes)),
        route_choice_values=np.zeros(len(routes)),
        org_shipment_kg=np.array([o.shipment_kg for o in scenario.organisations], float),
        org_rate=np.array([o.shipments_per_week for o in scenario.organisations], float),
        org_rationality=np.array([o.rationality for o in scenario.organisations], float),
        org_memory_decay=np.array([memory_decay(o.memory_weeks) for o in scenario.organisations], float),
        org_prior_seizures=np.array([o.prior_seizures for o in scenario.organisations], float),
        org_prior_safe_passages=np.array([o.prior_safe_passages for o in scenario.organisations], float),
        org_cash_usd=np.array([o.cash_usd for o in scenario.organisations], float),
        org_slot_offset=org_slot_offset,
        org_slot_count=org_slot_count,
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
        unit_node=unit_node,
        unit_is_un=unit_is_un,
        unit_officers=unit_officers,
        unit_skill=np.array([u.skill for u in host] + [police.un.skill] * len(un), float),
        unit_corruption=np.array([u.corruption for u in host] + [police.un.corruption] * len(un), float),
        unit_capacity=np.array([u.inspection_capacity_shipments_per_week * levers.border_capacity_scale
                                for u in units], float),
        unit_database=database,
        unit_mandate_factor=np.array([1.0] * len(host) + [mandate] * len(un), float),
        unit_seized_kg=np.zeros(len(units)),
        unit_seizures=np.zeros(len(units), np.int64),
        unit_bribes_usd=np.zeros(len(units)),
        bel_conflict=bel_conflict,
        bel_is_government=np.array([b.side == "government" for b in belligerents], np.bool_),
        bel_active=np.ones(n_bel, np.bool_),
        bel_fighters=fighters.copy(),
        bel_initial_fighters=fighters.copy(),
        bel_max_fighters=np.array([b.max_fighters for b in belligerents], float),
        bel_treasury_usd=np.array([b.treasury_usd for b in belligerents], float),
        bel_effectiveness=np.array([b.combat_effectiveness for b in belligerents], float),
        bel_income_rates=np.array([[0.0, b.external_support_usd_per_week, b.natural_resources_usd_per_week,
                                    b.state_budget_usd_per_week] for b in belligerents], float).reshape(n_bel, 4),
        bel_income_week=np.zeros((n_bel, 4)),
        bel_income_total=np.zeros((n_bel, 4)),
        bel_spent_total=np.zeros(n_bel),
        bel_recruited_total=np.zeros(n_bel),
        bel_deserted_total=np.zeros(n_bel),
        bel_losses_week=np.zeros(n_bel),
        conflict_bel_ptr=conflict_bel_ptr,
        conflict_active=np.ones(len(scenario.conflicts), np.bool_),
        conflict_end_step=np.full(len(scenario.conflicts), -1, np.int64),
        conflict_end_type=np.zeros(len(scenario.conflicts), np.int64),
        conflict_winner=np.full(len(scenario.conflicts), -1, np.int64),
        week_totals=np.zeros(len(TOTAL_NAMES)),
        totals=np.zeros(len(TOTAL_NAMES)),
    )
    params = Params(
        seed=np.int64(scenario.seed),
        horizon_weeks=np.int64(scenario.horizon_weeks),
        slot_window=np.int64(slot_window),
        slots_per_step=np.int64(slots_per_step),
        criminal_funding=bool(levers.criminal_funding),
        protection_tax_share=float(dynamics.protection_tax_share),
        bribe_share=float(police.bribe_share),
        detection_rate_per_officer=float(police.detection_rate_per_officer),
        database_multiplier=float(police.database_detection_multiplier),
        alert_gain=float(police.alert_gain),
        alert_decay=float(police.alert_decay_per_week),
        host_weekly_growth=float(weekly_rate(levers.host_capacity_growth_per_year)),
        mentoring_gain=float(police.un.mentoring_gain),
        corruption_scale=float(levers.corruption_scale),
        attrition_rate=float(dynamics.attrition_rate_per_week),
        combat_noise=float(dynamics.combat_noise),
        collapse_fraction=float(dynamics.collapse_fraction),
        settlement_hazard_max=float(dynamics.settlement_hazard_max),
        victory_hazard_max=float(dynamics.victory_hazard_max),
        victory_exponent=float(dynamics.victory_exponent),
        recruitment_cost=float(dynamics.recruitment_cost_usd_per_fighter),
        upkeep_cost=float(dynamics.upkeep_usd_per_fighter_week),
        recruitment_share=float(dynamics.recruitment_budget_share),
        desertion_rate=float(dynamics.desertion_rate_per_week),
        funding_effectiveness=float(dynamics.funding_effectiveness),
    )
    layout = Layout(
        node_ids=[n.id for n in nodes],
        edge_ids=[f"{e.from_}->{e.to}" for e in edges],
        organisation_ids=[o.id for o in scenario.organisations],
        unit_ids=[u.id for u in units],
        belligerent_ids=[b.id for b in belligerents],
        conflict_ids=[c.id for c in scenario.conflicts],
        routes=routes,
    )
    layout.series_columns = series_columns(layout)
    return CompiledScenario(scenario=scenario, layout=layout, params=params, initial=initial)


FLOW_SERIES = ("shipped_kg", "seized_kg", "delivered_kg", "criminal_revenue_usd", "taxes_usd", "bribes_usd",
               "seized_west_africa_kg", "seized_host_police_kg", "seized_un_police_kg", "seized_patrol_kg",
               "seized_with_database_kg", "seized_without_database_kg")
FLOW_INDEX = tuple(TOTAL_NAMES.index(name) for name in FLOW_SERIES)
BELLIGERENT_SERIES = ("fighters", "treasury_usd") + tuple(f"income_{s}_usd" for s in INCOME_NAMES)


def series_columns(layout: Layout) -> list[str]:
    """Names of the per-step series, in the order `actions.record_series` writes them."""
    columns = ["week", *FLOW_SERIES, "in_transit_kg"]
    for bel in layout.belligerent_ids:
        columns += [f"{bel}.{name}" for name in BELLIGERENT_SERIES]
    columns += [f"{conflict}.active" for conflict in layout.conflict_ids]
    return columns
