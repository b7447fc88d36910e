"""Outcomes of a finished run: conflict durations, end types, winners, flows and money."""

from __future__ import annotations


import numpy as np

from ..drivers.kernel import outcome_widths
from ..model import MODEL, State
from ..model.compile import CompiledScenario
from ..model.declare import Lever
from ..model.generate import generated, struct


def _outcomes(compiled: CompiledScenario, state, seed: int) -> tuple[dict, list[dict]]:
    """A finished run's outcomes as MODEL declares them: (run outcomes, one record per row entity)."""
    run_width, per_width, rows = outcome_widths(compiled)
    run_row, entity_rows = np.zeros(run_width), np.zeros((max(rows, 1), max(per_width, 1)))
    generated().extract(struct(state), compiled.params_at_end(seed), run_row, entity_rows)
    columns = [c for c in MODEL.outcome_columns() if not isinstance(c.source, Lever)]
    run = {c.name: float(value) for c, value in zip([c for c in columns if c.per is None], run_row)}
    kind, records = MODEL.row_kind, []
    for row, entity_id in enumerate(compiled.layout.ids.get(kind, []) if kind else []):
        record = {kind[:-1]: entity_id}
        for position, column in enumerate(c for c in columns if c.per is not None):
            record[column.name] = _python_value(entity_rows[row, position], column.source, compiled)
        records.append(record)
    return run, records


def _python_value(value: float, outcome, compiled: CompiledScenario):
    if outcome.codes is not None:
        return outcome.codes[int(value)]
    if outcome.ids is not None:
        return compiled.layout.ids[outcome.ids][int(value)] if value >= 0 else None
    return outcome.dtype(value) if outcome.dtype in (int, bool) else float(value)


def conflict_outcomes(compiled: CompiledScenario, state, seed: int = 0) -> list[dict]:
    """One record per conflict: duration in weeks, whether it ended (else censored), how, and who won."""
    return _outcomes(compiled, state, seed)[1]


def flow_totals(compiled: CompiledScenario, state, seed: int = 0) -> dict:
    """Whole-run outcomes: kg shipped, seized (by whom) and delivered, US$ revenue, taxes, bribes, shares."""
    return _outcomes(compiled, state, seed)[0]


def edge_totals(compiled: CompiledScenario, state: State) -> list[dict]:
    """Per leg of the network: kg moved along it and kg seized on it over the whole run (for maps)."""
    return [{"edge": edge_id, "from": edge.from_, "to": edge.to, "mode": edge.mode,
             "moved_kg": float(state.edge_moved_kg[index]), "seized_kg": float(state.edge_seized_kg[index])}
            for index, (edge_id, edge) in enumerate(zip(compiled.layout.edge_ids, compiled.scenario.network.edges))]


def people_tables(compiled: CompiledScenario, state: State) -> tuple[list[dict], list[dict]]:
    """The organisations' members at the end of a run, with their status at each snapshot week
    (`status_week_<w>`: linked to a leader, cut off, arrested or vacant), and their ties with how often an
    investigation followed each (for the network view). Empty where the scenario has no people."""
    from ..model.people import ACTIVE, ARREST_COUNT, HOME, ORG, ROLE, ROLES, STATUSES, linked_members

    ids, nodes = compiled.layout.ids["people"], compiled.layout.node_ids
    weeks = [int(week) for week in state.snapshot_week]
    status = np.asarray(state.snapshot_status).reshape(len(weeks), len(ids)) if ids else np.zeros((len(weeks), 0))
    linked = linked_members(state)
    members = [{"person": person, "organisation": compiled.layout.organisation_ids[int(state.person[row, ORG])],
                "role": ROLES[int(state.person[row, ROLE])], "home": nodes[int(state.person[row, HOME])],
                "arrests": int(state.person[row, ARREST_COUNT]), "centrality": float(state.person_centrality[row]),
                "at_large": bool(state.person_flag[row, ACTIVE]), "linked": bool(linked[row]),
                **{f"status_week_{week}": STATUSES[int(status[k, row])] for k, week in enumerate(weeks)}}
               for row, person in enumerate(ids)]
    ties = []
    for row in range(len(ids)):
        for j in range(state.person_tie_ptr[row], state.person_tie_ptr[row + 1]):
            other = int(state.person_tie_people[j])
            if row < other:
                ties.append({"a": ids[row], "b": ids[other],
                             "followed": int(state.tie_followed[state.person_tie_index[j]])})
    return members, ties


def run_summary(compiled: CompiledScenario, state: State, seed: int) -> dict:
    """The short summary printed by `threatnet run` and stored in summary.json."""
    (flows, conflicts), years = _outcomes(compiled, state, seed), compiled.params.horizon_weeks / 52.0
    return {
        "scenario": compiled.scenario.name,
        "seed": int(seed),
        "horizon_weeks": int(compiled.params.horizon_weeks),
        "conflicts": conflicts,
        "tonnes_shipped_per_year": flows["shipped_kg"] / 1000 / years,
        "tonnes_seized_per_year": flows["seized_kg"] / 1000 / years,
        "tonnes_delivered_per_year": flows["delivered_kg"] / 1000 / years,
        "tonnes_seized_in_west_africa_per_year": flows["seized_west_africa_kg"] / 1000 / years,
        "tonnes_via_west_africa_per_year": flows["via_west_africa_kg"] / 1000 / years,
        "tonnes_west_africa_estimated_per_year": flows["west_africa_flow_estimated_kg"] / 1000 / years,
        "seizure_rate": flows["seizure_rate"],
        "criminal_revenue_usd_per_year": flows["criminal_revenue_usd"] / years,
        "protection_taxes_usd_per_year": flows["taxes_usd"] / years,
        "belligerent_funding_share_from_crime": flows["belligerent_funding_share_from_crime"],
        "totals": flows,
    }
