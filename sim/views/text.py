"""Results as text for a terminal or a report header: presentations of summaries, never computed here."""

from __future__ import annotations


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
        f"  through West Africa: {summary['tonnes_via_west_africa_per_year']:.1f} t a year (as UNODC would estimate "
        f"it from seizures: {summary['tonnes_west_africa_estimated_per_year']:.1f} t); protection fees to armed "
        f"sides US${summary['protection_taxes_usd_per_year'] / 1e6:.1f} M a year",
        f"  seizure rate {100 * summary['seizure_rate']:.1f}%; criminal revenue "
        f"US${summary['criminal_revenue_usd_per_year'] / 1e9:.2f} bn a year",
        f"  share of belligerent funding from crime: {100 * summary['belligerent_funding_share_from_crime']:.1f}%",
    ]
    return "\n".join(lines)
