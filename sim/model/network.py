"""The trafficking network that every module shares: regions, the graph and route enumeration."""

from __future__ import annotations

import itertools
from enum import IntEnum

import networkx as nx

from ..scenario import trafficking_graph
from ..scenario.references import usable_graph

__all__ = ["Region", "enumerate_routes", "trafficking_graph", "usable_graph"]


class Region(IntEnum):
    """Regions of the network (scenario key `network.nodes[].region`), by name in the arrays."""

    LATIN_AMERICA = 0
    WEST_AFRICA = 1
    NORTH_AFRICA = 2
    EUROPE = 3
    CARIBBEAN = 4
    ATLANTIC = 5  # at sea, between the continents


def enumerate_routes(graph: nx.DiGraph, sources: list[str], markets: list[str], max_routes: int) -> list[list[str]]:
    """The `max_routes` quickest simple paths from any source to any market (ties by name)."""
    candidates = []
    for source, market in itertools.product(sources, markets):
        if source not in graph or market not in graph or not nx.has_path(graph, source, market):
            continue
        paths = nx.shortest_simple_paths(graph, source, market, weight="travel_weeks")
        for path in itertools.islice(paths, max_routes):
            weeks = sum(graph.edges[a, b]["travel_weeks"] for a, b in itertools.pairwise(path))
            candidates.append((weeks, path))
    candidates.sort(key=lambda item: (item[0], item[1]))
    return [path for _, path in candidates[:max_routes]]
