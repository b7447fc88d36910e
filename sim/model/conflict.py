"""Conflict: belligerents turn income into fighters, fight (Lanchester attrition), and a conflict ends
by collapse, settlement or victory. Declarations first, then the rules, then the actions.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np

from . import rng
from .compiler import action, rule
from .declare import BEGIN, BUDGETS, FIGHT, Agents, Entities, Field, Module, Outcome, Param, Phase, Series


class Income(IntEnum):
    """Columns of a belligerent's income: criminal taxes and the configurable sources."""

    CRIME = 0
    EXTERNAL = 1
    RESOURCES = 2
    BUDGET = 3


class EndType(IntEnum):
    """How a conflict stood at the end of a week."""

    ONGOING = 0
    SETTLEMENT = 1
    GOVERNMENT_VICTORY = 2
    REBEL_VICTORY = 3


CRIME, EXTERNAL, RESOURCES, BUDGET = (int(source) for source in Income)
ONGOING, SETTLEMENT, GOVERNMENT_VICTORY, REBEL_VICTORY = (int(end) for end in EndType)
END_TYPE_NAMES = {ONGOING: "censored", SETTLEMENT: "settlement", GOVERNMENT_VICTORY: "victory",
                  REBEL_VICTORY: "victory"}


# ------------------------------------------------------------------------------------------ rules

@rule
def upkeep(treasury_usd, fighters, upkeep_usd_per_fighter_week):
    """Pay this week's upkeep from the treasury: returns (paid_usd, unpaid_share)."""
    due = fighters * upkeep_usd_per_fighter_week
    if due <= 0.0:
        return 0.0, 0.0
    paid = min(treasury_usd, due)
    return paid, 1.0 - paid / due


@rule
def desertion(fighters, unpaid_share, desertion_rate, funding_effectiveness):
    """Fighters leaving for lack of pay: fighters * unpaid share * rate * effectiveness.

    With effectiveness 0 money does not matter to strength either way (assumption).
    """
    return fighters * unpaid_share * desertion_rate * funding_effectiveness


@rule
def recruitment(budget_usd, cost_per_fighter, funding_effectiveness, fighters, max_fighters):
    """Recruits bought with this week's budget: returns (recruits, spent_usd).

    recruits = min(effectiveness * budget / cost, room below the ceiling). Money buys
    fighting strength (Collier-Hoeffler; Cornell 2005, FACTS 6); the rate is an assumption.
    """
    room = max(0.0, max_fighters - fighters)
    affordable = funding_effectiveness * budget_usd / cost_per_fighter
    if affordable <= room:
        return affordable, budget_usd
    return room, room * cost_per_fighter / funding_effectiveness


@rule
def combat_losses(opposing_effective_fighters, attrition_rate, noise, draw):
    """Lanchester aimed-fire losses for a week: rate * opposing effective fighters * (1 + noise * (2u - 1)).

    Lanchester attrition (Atkinson, Gutfraind and Kress 2011, FACTS S137).
    """
    return attrition_rate * opposing_effective_fighters * (1.0 + noise * (2.0 * draw - 1.0))


@rule
def exhaustion(fighters, initial_fighters):
    """How worn down a side is: 1 - fighters / initial, clipped to [0, 1]."""
    return min(1.0, max(0.0, 1.0 - fighters / initial_fighters))


@rule
def settlement_hazard(government_exhaustion, rebel_exhaustion, hazard_max):
    """Weekly chance of a negotiated settlement: max * exhaustion_gov * exhaustion_rebels.

    A mutually hurting stalemate makes a conflict ripe for settlement (Zartman 2000, FACTS S141).
    """
    return hazard_max * government_exhaustion * rebel_exhaustion


@rule
def victory_hazard(fighter_share, hazard_max, exponent):
    """Weekly chance that a side wins outright: max * share^exponent (assumption)."""
    return hazard_max * fighter_share ** exponent


@rule
def conflict_outcome(draw, settlement, government_victory, rebel_victory):
    """One draw decides the week: an EndType (ONGOING: the war goes on)."""
    if draw < settlement:
        return SETTLEMENT
    if draw < settlement + government_victory:
        return GOVERNMENT_VICTORY
    if draw < settlement + government_victory + rebel_victory:
        return REBEL_VICTORY
    return ONGOING


@rule
def numpy_sum(values):
    """Sum of a 1-D array in numpy's order (pairwise, blocks of 8), so that shares computed here equal
    numpy's `.sum()` bit for bit (tests/test_rules.py checks it against numpy)."""
    n = values.shape[0]
    if n < 8:
        total = 0.0
        for i in range(n):
            total += values[i]
        return total
    if n <= 128:
        r = values[:8].copy()
        i = 8
        while i < n - n % 8:
            for j in range(8):
                r[j] += values[i + j]
            i += 8
        total = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
        while i < n:
            total += values[i]
            i += 1
        return total
    half = n // 2
    half -= half % 8
    return numpy_sum(values[:half]) + numpy_sum(values[half:])


@rule
def share(part, whole):
    return part / whole if whole > 0 else 0.0


# ---------------------------------------------------------------------------------------- actions

@action
def begin_week(s, p, week):
    s.bel_income_week[:, :] = 0.0
    s.bel_losses_week[:] = 0.0


@action
def manage_budget(s, p, bel, week):
    """Collect the week's income, pay upkeep (or lose fighters), recruit with part of the rest."""
    if not s.bel_active[bel]:
        return
    for source in (EXTERNAL, RESOURCES, BUDGET):
        s.bel_income_week[bel, source] = s.bel_income_rates[bel, source]
    income = 0.0
    for source in range(s.bel_income_week.shape[1]):
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


@action
def _end_conflict(s, conflict, week, end_type, winner):
    s.conflict_active[conflict] = False
    s.conflict_end_step[conflict] = week
    s.conflict_end_type[conflict] = end_type
    s.conflict_winner[conflict] = winner
    for bel in range(s.conflict_bel_ptr[conflict], s.conflict_bel_ptr[conflict + 1]):
        s.bel_active[bel] = False


@action
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
            fighter_share = s.bel_fighters[bel] / rebel_fighters
            s.bel_losses_week[bel] = combat_losses(
                government_effective * fighter_share, p.attrition_rate, p.combat_noise,
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
    elif outcome != ONGOING:
        _end_conflict(s, conflict, week, outcome, -1)


# ------------------------------------------------------------------------- outcomes and series

@rule
def duration_weeks(s, p, conflict):
    return s.conflict_end_step[conflict] if s.conflict_end_step[conflict] > 0 else p.horizon_weeks


@rule
def ended(s, p, conflict):
    return 1.0 if s.conflict_end_step[conflict] > 0 else 0.0


@rule
def end_type(s, p, conflict):
    return s.conflict_end_type[conflict]


@rule
def winner(s, p, conflict):
    return s.conflict_winner[conflict]


@rule
def conflict_crime_share(s, p, conflict):
    """Share of the conflict's belligerents' income (over the run) that came from crime."""
    income = s.bel_income_total[s.conflict_bel_ptr[conflict]:s.conflict_bel_ptr[conflict + 1]]
    return share(numpy_sum(income[:, CRIME].copy()), numpy_sum(income.copy().reshape(-1)))


@rule
def crime_share(s, p):
    """Share of all belligerents' income (over the run) that came from crime."""
    return share(numpy_sum(s.bel_income_total[:, CRIME].copy()), numpy_sum(s.bel_income_total.copy().reshape(-1)))


@action
def active(s, row, conflict):
    return 1.0 if s.conflict_active[conflict] else 0.0


# ------------------------------------------------------------------------------------------ build

def belligerents(scenario) -> list:
    """Every belligerent, grouped by conflict, government first."""
    return [b for c in scenario.conflicts for b in sorted(c.belligerents, key=lambda b: b.side != "government")]


def build(scenario, context) -> dict:
    bels, conflicts = belligerents(scenario), scenario.conflicts
    conflict_bel_ptr = np.cumsum([0] + [len(c.belligerents) for c in conflicts]).astype(np.int64)
    n_bel, n_conflicts = len(bels), len(conflicts)
    fighter_counts = np.array([b.fighters for b in bels], float)
    return dict(
        bel_conflict=np.repeat(np.arange(n_conflicts), np.diff(conflict_bel_ptr)).astype(np.int64),
        bel_is_government=np.array([b.side == "government" for b in bels], np.bool_),
        bel_active=np.ones(n_bel, np.bool_),
        bel_fighters=fighter_counts.copy(),
        bel_initial_fighters=fighter_counts.copy(),
        bel_max_fighters=np.array([b.max_fighters for b in bels], float),
        bel_treasury_usd=np.array([b.treasury_usd for b in bels], float),
        bel_effectiveness=np.array([b.combat_effectiveness for b in bels], float),
        bel_income_rates=np.array([[0.0, b.external_support_usd_per_week, b.natural_resources_usd_per_week,
                                    b.state_budget_usd_per_week] for b in bels], float).reshape(n_bel, len(Income)),
        bel_income_week=np.zeros((n_bel, len(Income))),
        bel_income_total=np.zeros((n_bel, len(Income))),
        bel_spent_total=np.zeros(n_bel),
        bel_recruited_total=np.zeros(n_bel),
        bel_deserted_total=np.zeros(n_bel),
        bel_losses_week=np.zeros(n_bel),
        conflict_bel_ptr=conflict_bel_ptr,
        conflict_active=np.ones(n_conflicts, np.bool_),
        conflict_end_step=np.full(n_conflicts, -1, np.int64),
        conflict_end_type=np.zeros(n_conflicts, np.int64),
        conflict_winner=np.full(n_conflicts, -1, np.int64),
    )


F, I, B = np.float64, np.int64, np.bool_
INCOME_NAMES = tuple(source.name.lower() for source in Income)
MODULE = Module(
    name="conflict",
    build=build,
    entities=(Entities("belligerents", lambda scenario, context: [b.id for b in belligerents(scenario)],
                       "armed factions, grouped by conflict, government first"),
              Entities("conflicts", lambda scenario, context: [c.id for c in scenario.conflicts])),
    fields=(
        Field("bel_conflict", I, ("belligerents",)), Field("bel_is_government", B, ("belligerents",)),
        Field("bel_active", B, ("belligerents",)), Field("bel_fighters", F, ("belligerents",)),
        Field("bel_initial_fighters", F, ("belligerents",)), Field("bel_max_fighters", F, ("belligerents",)),
        Field("bel_treasury_usd", F, ("belligerents",)), Field("bel_effectiveness", F, ("belligerents",)),
        Field("bel_income_rates", F, ("belligerents", len(Income)), "US$ a week by Income source"),
        Field("bel_income_week", F, ("belligerents", len(Income))),
        Field("bel_income_total", F, ("belligerents", len(Income))),
        Field("bel_spent_total", F, ("belligerents",)), Field("bel_recruited_total", F, ("belligerents",)),
        Field("bel_deserted_total", F, ("belligerents",)), Field("bel_losses_week", F, ("belligerents",)),
        Field("conflict_bel_ptr", I, (), "CSR over belligerents, one entry per conflict plus one"),
        Field("conflict_active", B, ("conflicts",)), Field("conflict_end_step", I, ("conflicts",)),
        Field("conflict_end_type", I, ("conflicts",), "EndType"), Field("conflict_winner", I, ("conflicts",)),
    ),
    params=(
        Param("attrition_rate", "conflict_dynamics.attrition_rate_per_week", "losses per opposing fighter-week"),
        Param("combat_noise", "conflict_dynamics.combat_noise", "half-width"),
        Param("collapse_fraction", "conflict_dynamics.collapse_fraction", "share of initial fighters"),
        Param("settlement_hazard_max", "conflict_dynamics.settlement_hazard_max", "per week"),
        Param("victory_hazard_max", "conflict_dynamics.victory_hazard_max", "per week"),
        Param("victory_exponent", "conflict_dynamics.victory_exponent", ""),
        Param("recruitment_cost", "conflict_dynamics.recruitment_cost_usd_per_fighter", "US$ per fighter"),
        Param("upkeep_cost", "conflict_dynamics.upkeep_usd_per_fighter_week", "US$ per fighter-week"),
        Param("recruitment_share", "conflict_dynamics.recruitment_budget_share", "share of treasury a week"),
        Param("desertion_rate", "conflict_dynamics.desertion_rate_per_week", "share of unpaid fighters a week"),
        Param("funding_effectiveness", "conflict_dynamics.funding_effectiveness", "0-1"),
    ),
    outcomes=(
        Outcome("duration_weeks", "weeks", "conflict duration", duration_weeks, per="conflicts", dtype=int),
        Outcome("ended", "", "ended before the horizon", ended, per="conflicts", dtype=bool),
        Outcome("end_type", "", "how the conflict ended", end_type, per="conflicts", codes=END_TYPE_NAMES),
        Outcome("winner", "", "winner", winner, per="conflicts", ids="belligerents"),
        Outcome("funding_share_from_crime", "share", "the conflict's funding from crime", conflict_crime_share,
                per="conflicts"),
        Outcome("belligerent_funding_share_from_crime", "share", "share of belligerent funding from crime",
                crime_share),
    ),
    series=(Series("fighters", per="belligerents", field="bel_fighters"),
            Series("treasury_usd", per="belligerents", field="bel_treasury_usd"),
            Series("income_{source}_usd", per="belligerents", columns=INCOME_NAMES, field="bel_income_week"),
            Series("active", active, per="conflicts")),
    phases=(Phase(begin_week, BEGIN), Phase(manage_budget, BUDGETS, over="belligerents", guard="bel_active"),
            Phase(fight, FIGHT, over="conflicts", guard="conflict_active")),
    agents=(Agents("belligerents", "Belligerent", "An armed faction that buys and sustains fighting strength "
                   "with money.", {"strength": "bel_fighters", "money_usd": "bel_treasury_usd"}),),
)
