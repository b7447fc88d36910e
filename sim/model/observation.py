"""The observation model: the West African flow as UNODC estimated it, beside the true one.

UNODC did not count the cocaine crossing West Africa; it estimated it from seizures. Its series (40 t in
2006, 47 t in 2007, 25 t in 2008, 21 t in 2009, 18 t in 2010: FACTS 1.1, S06 and S08, "based on European
seizure data"; TOCTA West Africa 2013) takes the share of Europe's cocaine seizures that had transited
West Africa (25% in 2007, 13% in 2009: FACTS 1.2, S10) and applies it to the cocaine reaching Europe.
The model does the same with its own seizures: estimated flow = (kg seized in Europe that came through
West Africa / all kg seized in Europe) x (kg reaching Europe: delivered plus seized there). The true
flow is `via_west_africa_kg` (kg shipped on routes through West Africa). An estimate from seizures is
biased wherever interdiction differs between corridors; comparing the two shows by how much.
"""

from __future__ import annotations

from .compiler import rule
from .declare import FLOWS, Module, Outcome
from .policing import SEIZED_EUROPE_KG, SEIZED_EUROPE_VIA_WEST_AFRICA_KG
from .trafficking import DELIVERED_KG


@rule
def seizure_share_estimate(seized_via, seized, arrived):
    """UNODC's method: the share of seizures that came through the corridor times the flow it applies to."""
    return seized_via / seized * arrived if seized > 0.0 else 0.0


@rule
def west_africa_flow_estimated(s, p):
    seized = s.totals[SEIZED_EUROPE_KG]
    return seizure_share_estimate(s.totals[SEIZED_EUROPE_VIA_WEST_AFRICA_KG], seized, s.totals[DELIVERED_KG] + seized)


def estimated_flows(totals):
    """The West African flow estimated from the seizures of each period of a table of flow totals (one
    row per period: monthly or annual totals, sim/runners/calendar.py), as UNODC estimated it per year."""
    seized, via, delivered = (totals[FLOWS.names[index]].to_numpy(float)
                              for index in (SEIZED_EUROPE_KG, SEIZED_EUROPE_VIA_WEST_AFRICA_KG, DELIVERED_KG))
    arrived = delivered + seized
    return [seizure_share_estimate(float(v), float(s), float(a)) for v, s, a in zip(via, seized, arrived)]


ESTIMATES = {"west_africa_flow_estimated_kg": estimated_flows}

MODULE = Module(
    name="observation",
    build=lambda scenario, context: {},
    outcomes=(Outcome("west_africa_flow_estimated_kg", "kg", "West African flow as estimated from European "
                      "seizures (UNODC's method)", compute=west_africa_flow_estimated),),
)
