"""Outcomes of a finished run: conflict durations, end types, winners, flows and money."""

from __future__ import annotations


from .state import (BRIBES_USD, CRIME, DELIVERED_KG, END_TYPE_NAMES, SALES_USD, SEIZED_HOST_KG, SEIZED_KG,
                    SEIZED_PATROL_KG, SEIZED_UN_KG, SEIZED_WEST_AFRICA_KG, SEIZED_WITH_DATABASE_KG,
                    SEIZED_WITHOUT_DATABASE_KG, SHIPPED_KG, TAXES_USD, CompiledScenario, State)


def conflict_outcomes(compiled: CompiledScenario, state: State) -> list[dict]:
    """One record per conflict: duration in weeks, whether it ended (else censored), how, and who won."""
    layout, horizon = compiled.layout, int(compiled.params.horizon_weeks)
    records = []
    for index, conflict_id in enumerate(layout.conflict_ids):
        ended = bool(state.conflict_end_step[index] > 0)
        winner = int(state.conflict_winner[index])
        first, last = state.conflict_bel_ptr[index], state.conflict_bel_ptr[index + 1]
        income = state.bel_income_total[first:last]
        records.append({
            "conflict": conflict_id,
            "duration_weeks": int(state.conflict_end_step[index]) if ended else horizon,
            "ended": ended,
            "end_type": END_TYPE_NAMES[int(state.conflict_end_type[index])],
            "winner": layout.belligerent_ids[winner] if winner >= 0 else None,
            "funding_share_from_crime": _share(income[:, CRIME].sum(), income.sum()),
        })
    return records


def _share(part: float, whole: float) -> float:
    return float(part / whole) if whole > 0 else 0.0


def flow_totals(state: State) -> dict:
    """Whole-run flows and money: kg shipped, seized (by whom) and delivered, US$ revenue, taxes, bribes."""
    totals = state.totals
    income = state.bel_income_total
    return {
        "shipped_kg": float(totals[SHIPPED_KG]), "seized_kg": float(totals[SEIZED_KG]),
        "delivered_kg": float(totals[DELIVERED_KG]), "seizure_rate": _share(totals[SEIZED_KG], totals[SHIPPED_KG]),
        "criminal_revenue_usd": float(totals[SALES_USD]), "taxes_usd": float(totals[TAXES_USD]),
        "bribes_usd": float(totals[BRIBES_USD]), "seized_west_africa_kg": float(totals[SEIZED_WEST_AFRICA_KG]),
        "seized_host_police_kg": float(totals[SEIZED_HOST_KG]), "seized_un_police_kg": float(totals[SEIZED_UN_KG]),
        "seized_patrol_kg": float(totals[SEIZED_PATROL_KG]),
        "seized_with_database_kg": float(totals[SEIZED_WITH_DATABASE_KG]),
        "seized_without_database_kg": float(totals[SEIZED_WITHOUT_DATABASE_KG]),
        "belligerent_funding_share_from_crime": _share(income[:, CRIME].sum(), income.sum()),
    }


def edge_totals(compiled: CompiledScenario, state: State) -> list[dict]:
    """Per leg of the network: kg moved along it and kg seized on it over the whole run (for maps)."""
    return [{"edge": edge_id, "from": edge.from_, "to": edge.to, "mode": edge.mode,
             "moved_kg": float(state.edge_moved_kg[index]), "seized_kg": float(state.edge_seized_kg[index])}
            for index, (edge_id, edge) in enumerate(zip(compiled.layout.edge_ids, compiled.scenario.network.edges))]


def run_summary(compiled: CompiledScenario, state: State, seed: int) -> dict:
    """The short summary printed by `threatnet run` and stored in summary.json."""
    flows, years = flow_totals(state), compiled.params.horizon_weeks / 52.0
    return {
        "scenario": compiled.scenario.name,
        "seed": int(seed),
        "horizon_weeks": int(compiled.params.horizon_weeks),
        "conflicts": conflict_outcomes(compiled, state),
        "tonnes_shipped_per_year": flows["shipped_kg"] / 1000 / years,
        "tonnes_seized_per_year": flows["seized_kg"] / 1000 / years,
        "tonnes_delivered_per_year": flows["delivered_kg"] / 1000 / years,
        "tonnes_seized_in_west_africa_per_year": flows["seized_west_africa_kg"] / 1000 / years,
        "seizure_rate": flows["seizure_rate"],
        "criminal_revenue_usd_per_year": flows["criminal_revenue_usd"] / years,
        "protection_taxes_usd_per_year": flows["taxes_usd"] / years,
        "belligerent_funding_share_from_crime": flows["belligerent_funding_share_from_crime"],
        "totals": flows,
    }


def format_summary(summary: dict) -> str:
    """A few lines for the terminal."""
    lines = [f"scenario {summary['scenario']}, seed {summary['seed']}, {summary['horizon_weeks']} weeks"]
    for c in summary["conflicts"]:
        how = (f"ended by {c['end_type']}" + (f", winner {c['winner']}" if c["winner"] else "")
               if c["ended"] else "still going at the horizon (censored)")
        lines.append(f"  conflict {c['conflict']}: {c['duration_weeks']} weeks ({c['duration_weeks'] / 52:.1f} years), "
                     f"{how}; {100 * c['funding_share_from_crime']:.1f}% of its funding from crime")
    lines += [
        f"  cocaine per year: {summary['tonnes_shipped_per_year']:.1f} t shipped, "
        f"{summary['tonnes_seized_per_year']:.1f} t seized ({summary['tonnes_seized_in_west_africa_per_year']:.1f} t "
        f"in West Africa), {summary['tonnes_delivered_per_year']:.1f} t delivered",
        f"  seizure rate {100 * summary['seizure_rate']:.1f}%; criminal revenue "
        f"US${summary['criminal_revenue_usd_per_year'] / 1e9:.2f} bn a year",
        f"  share of belligerent funding from crime: {100 * summary['belligerent_funding_share_from_crime']:.1f}%",
    ]
    return "\n".join(lines)


