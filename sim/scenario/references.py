"""Checks that need the whole scenario: unique ids, references, reachability."""

from __future__ import annotations

from collections.abc import Iterable

import networkx as nx

from .errors import InputError
from .schema import Scenario


def _unique(file: str, section: str, ids: Iterable[str]) -> None:
    seen: set[str] = set()
    for index, entity_id in enumerate(ids):
        if entity_id in seen:
            raise InputError(file, f"{section}[{index}].id", f"a unique id; '{entity_id}' is used twice")
        seen.add(entity_id)


def _known(file: str, key: str, value: str, known: set[str], what: str) -> None:
    if value not in known:
        raise InputError(file, key, f"the id of a {what}; '{value}' is not one")


def trafficking_graph(scenario: Scenario) -> nx.DiGraph:
    """The network as a networkx DiGraph, nodes and edges in file order."""
    graph = nx.DiGraph()
    for node in scenario.network.nodes:
        graph.add_node(node.id, **node.model_dump())
    for index, edge in enumerate(scenario.network.edges):
        graph.add_edge(edge.from_, edge.to, index=index, **edge.model_dump(by_alias=True))
    return graph


def usable_graph(graph: nx.DiGraph, modes: list[str]) -> nx.DiGraph:
    """The legs an organisation may use: those of its modes (the whole graph when it may use every leg)."""
    legs = [(a, b) for a, b, mode in graph.edges(data="mode") if mode in modes]
    return graph if len(legs) == graph.number_of_edges() else graph.edge_subgraph(legs)


def check_references(scenario: Scenario, file: str) -> None:
    """Raise InputError at the first entry that names something that is not there."""
    nodes = {node.id: node for node in scenario.network.nodes}
    _unique(file, "network.nodes", (n.id for n in scenario.network.nodes))
    _unique(file, "organisations", (o.id for o in scenario.organisations))
    _unique(file, "conflicts", (c.id for c in scenario.conflicts))
    _unique(file, "police.host.units", (u.id for u in scenario.police.host.units))
    _unique(file, "police.un.units", (u.id for u in scenario.police.un.units))

    belligerent_ids: set[str] = set()
    for c_index, conflict in enumerate(scenario.conflicts):
        governments = [b for b in conflict.belligerents if b.side == "government"]
        if len(governments) != 1:
            raise InputError(file, f"conflicts[{c_index}].belligerents",
                             f"exactly one belligerent with side: government (found {len(governments)})")
        for b_index, belligerent in enumerate(conflict.belligerents):
            key = f"conflicts[{c_index}].belligerents[{b_index}]"
            if belligerent.id in belligerent_ids:
                raise InputError(file, f"{key}.id", f"a unique id; '{belligerent.id}' is used twice")
            if isinstance(belligerent.max_fighters, float | int) and isinstance(belligerent.fighters, float | int) \
                    and belligerent.max_fighters < belligerent.fighters:
                raise InputError(file, f"{key}.max_fighters", "a number at least as large as fighters")
            belligerent_ids.add(belligerent.id)

    seen_edges: set[tuple[str, str]] = set()
    for index, edge in enumerate(scenario.network.edges):
        _known(file, f"network.edges[{index}].from", edge.from_, set(nodes), "node")
        _known(file, f"network.edges[{index}].to", edge.to, set(nodes), "node")
        if edge.from_ == edge.to:
            raise InputError(file, f"network.edges[{index}].to", "a node other than 'from'")
        if (edge.from_, edge.to) in seen_edges:
            raise InputError(file, f"network.edges[{index}]", f"one edge per pair; {edge.from_} -> {edge.to} is given twice")
        seen_edges.add((edge.from_, edge.to))

    for index, node in enumerate(scenario.network.nodes):
        if node.controlled_by is not None:
            _known(file, f"network.nodes[{index}].controlled_by", node.controlled_by, belligerent_ids, "belligerent")
    _check_territory(scenario, file, nodes)

    for section in ("host", "un"):
        for index, unit in enumerate(getattr(scenario.police, section).units):
            _known(file, f"police.{section}.units[{index}].node", unit.node, set(nodes), "node")
    for index, unit in enumerate(scenario.police.host.units):
        if unit.passes_bribes_to is not None:
            _known(file, f"police.host.units[{index}].passes_bribes_to", unit.passes_bribes_to, belligerent_ids,
                   "belligerent")
    _unique(file, "police.maritime", (patrol.id for patrol in scenario.police.maritime))
    for p_index, patrol in enumerate(scenario.police.maritime):
        for l_index, leg in enumerate(patrol.legs):
            if len(leg) != 2 or tuple(leg) not in seen_edges:
                raise InputError(file, f"police.maritime[{p_index}].legs[{l_index}]",
                                 f"[from, to] of an edge of the network; got {leg}")
    posted = sum(u.share_of_regional_officers for u in scenario.police.un.units)
    if posted > 1 + 1e-9:
        raise InputError(file, "police.un.units", f"shares of regional officers summing to at most 1 (they sum to {posted:.3f})")

    graph = trafficking_graph(scenario)
    for o_index, org in enumerate(scenario.organisations):
        for key, ids, kind in (("sources", org.sources, "source"), ("markets", org.markets, "market")):
            for i, node_id in enumerate(ids):
                _known(file, f"organisations[{o_index}].{key}[{i}]", node_id, set(nodes), "node")
                if nodes[node_id].kind != kind:
                    raise InputError(file, f"organisations[{o_index}].{key}[{i}]",
                                     f"a node of kind {kind}; '{node_id}' is a {nodes[node_id].kind}")
        usable = usable_graph(graph, org.modes)
        if not any(s in usable and m in usable and nx.has_path(usable, s, m) for s in org.sources for m in org.markets):
            raise InputError(file, f"organisations[{o_index}]",
                             f"a path from one of its sources to one of its markets by {', '.join(org.modes)}; "
                             f"organisation '{org.id}' has none")
        if org.people is not None:
            key = f"organisations[{o_index}].people"
            if scenario.people is None:
                raise InputError(file, key, "a top-level people: section (recruitment, identification, investigation) "
                                            "for an organisation with people")
            _known(file, f"{key}.based_at", org.people.based_at, set(nodes), "node")
            for i, node_id in enumerate(org.people.operates_at):
                _known(file, f"{key}.operates_at[{i}]", node_id, set(nodes), "node")


def _check_territory(scenario: Scenario, file: str, nodes: dict) -> None:
    """Regions: one capital per conflict, value shares summing to 1, each node in at most one region and
    then not also `controlled_by` a fixed belligerent; sanctions name the conflict's own belligerents."""
    held: dict[str, str] = {}
    for c_index, conflict in enumerate(scenario.conflicts):
        key = f"conflicts[{c_index}]"
        _unique(file, f"{key}.regions", (r.id for r in conflict.regions))
        capitals = [r for r in conflict.regions if r.capital]
        if len(capitals) != 1:
            raise InputError(file, f"{key}.regions", f"exactly one region with capital: true (found {len(capitals)})")
        total = sum(r.value_share for r in conflict.regions)
        if abs(total - 1.0) > 1e-6:
            raise InputError(file, f"{key}.regions", f"value_share summing to 1 (they sum to {total:.4f})")
        for r_index, region in enumerate(conflict.regions):
            for n_index, node_id in enumerate(region.nodes):
                where = f"{key}.regions[{r_index}].nodes[{n_index}]"
                _known(file, where, node_id, set(nodes), "node")
                if node_id in held:
                    raise InputError(file, where, f"a node in one region only; '{node_id}' is also in {held[node_id]}")
                if nodes[node_id].controlled_by is not None:
                    raise InputError(file, where, f"a node without controlled_by; '{node_id}' has a fixed controller "
                                     "(remove controlled_by: the region's holder taxes it)")
                held[node_id] = region.id
        own = {b.id for b in conflict.belligerents}
        for s_index, sanction in enumerate(conflict.sanctions):
            _known(file, f"{key}.sanctions[{s_index}].belligerent", sanction.belligerent, own,
                   f"belligerent of {conflict.id}")
            if sanction.to_week < sanction.from_week:
                raise InputError(file, f"{key}.sanctions[{s_index}].to_week", "a week at or after from_week")
