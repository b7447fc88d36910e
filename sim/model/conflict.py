"""Conflict: belligerents turn income into fighters, fight over territory, learn about the balance of
power from the fighting, and a war ends the ways the UCDP codes endings: government or rebel victory,
agreement, or low activity (an episode that may recur). Declarations first, then the rules, then the
actions.

Money reaches a war by two channels (the ablation switches `conflict_dynamics.channels`):
- military: income pays and recruits fighters; fighters take regions; regions bring the hubs whose
  traffic their holder taxes (the loop can run either way);
- bargaining: income a side keeps earning while it fights lowers its net cost of war, which narrows the
  range of deals both sides prefer to fighting on (Fearon 1995; Fearon 2004, FACTS-2 S150).
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np

from . import draws, rng
from .compiler import action, rule
from .declare import BEGIN, BUDGETS, FIGHT, INIT, Agents, Entities, Field, Module, Outcome, Param, Phase, Series


class Income(IntEnum):
    """Columns of a belligerent's income: criminal taxes and the configurable sources."""

    CRIME = 0
    EXTERNAL = 1
    RESOURCES = 2
    BUDGET = 3


class EndType(IntEnum):
    """How a conflict's first episode stood at the end of a run (the UCDP's outcome codes, grouped)."""

    ONGOING = 0
    AGREEMENT = 1
    GOVERNMENT_VICTORY = 2
    REBEL_VICTORY = 3
    LOW_ACTIVITY = 4


class Belief(IntEnum):
    """Columns of a conflict's beliefs: pseudo-counts of government wins and losses, as each side saw them."""

    GOVERNMENT_WINS = 0
    GOVERNMENT_LOSSES = 1
    REBEL_VIEW_WINS = 2
    REBEL_VIEW_LOSSES = 3


CRIME, EXTERNAL, RESOURCES, BUDGET = (int(source) for source in Income)
ONGOING, AGREEMENT, GOVERNMENT_VICTORY, REBEL_VICTORY, LOW_ACTIVITY = (int(end) for end in EndType)
END_TYPE_NAMES = {int(end): ("censored" if end == EndType.ONGOING else end.name.lower()) for end in EndType}
END_TYPES = tuple(END_TYPE_NAMES[end] for end in (GOVERNMENT_VICTORY, REBEL_VICTORY, AGREEMENT, LOW_ACTIVITY, ONGOING))
GOV_WINS, GOV_LOSSES, REBEL_WINS, REBEL_LOSSES = (int(column) for column in Belief)
DEATHS_WINDOW = 52  # weeks in the rolling year of battle deaths (the UCDP counts deaths per year)


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
def desertion(fighters, unpaid_share, desertion_rate):
    """Fighters leaving for lack of pay: fighters * unpaid share * rate (rate: assumption)."""
    return fighters * unpaid_share * desertion_rate


@rule
def recruitment(budget_usd, cost_per_fighter, fighters, max_fighters):
    """Recruits bought with this week's budget: returns (recruits, spent_usd).

    recruits = min(budget / cost, room below the ceiling). Money buys fighting strength
    (Collier-Hoeffler; Cornell 2005, FACTS 6); the price is the DDR cash payment (S113).
    """
    room = max(0.0, max_fighters - fighters)
    affordable = budget_usd / cost_per_fighter
    if affordable <= room:
        return affordable, budget_usd
    return room, room * cost_per_fighter


@rule
def combat_losses(opposing_effective_fighters, attrition_rate, noise, draw):
    """Lanchester aimed-fire losses for a week: rate * opposing engaged effective fighters * (1 + noise * (2u - 1)).

    Lanchester attrition (Atkinson, Gutfraind and Kress 2011, FACTS S137).
    """
    return attrition_rate * opposing_effective_fighters * (1.0 + noise * (2.0 * draw - 1.0))


@rule
def contest_odds(government_force, rebel_force, decisiveness):
    """Chance the government prevails in a contest: G^m / (G^m + R^m).

    The ratio-form contest success function (Tullock 1980; Hirshleifer 1989); m (decisiveness) is an
    assumption. A side with no force loses every contest.
    """
    if government_force <= 0.0:
        return 0.0
    if rebel_force <= 0.0:
        return 1.0
    return 1.0 / (1.0 + (rebel_force / government_force) ** decisiveness)


@rule
def territory_step(control, odds, shift):
    """Government control of a region after a week: control + shift * (odds - control).

    Control moves toward what the local balance of force would win (the contest's odds); how fast is an
    assumption.
    """
    return control + shift * (odds - control)


@rule
def contestedness(control):
    """How contested a region is: 4 c (1 - c), 1 when evenly split, 0 when one side holds it all."""
    return 4.0 * control * (1.0 - control)


@rule
def engagement(contested, floor):
    """Fighting intensity: floor + (1 - floor) * contested. Wars are fought over territory; where one side
    holds it all, the other hides and fighting falls to the floor (low activity). Form: assumption."""
    return floor + (1.0 - floor) * contested


@rule
def update_belief(wins, losses, won, weight, memory_weeks):
    """A side's pseudo-counts of government wins and losses after a week's fighting seen with weight w:

    wins' = (1 - w / memory) wins + w [won], losses' likewise. Fighting reveals the balance of power and
    beliefs converge (Smith and Stam 2004; Slantchev 2003); old evidence fades, so beliefs track a
    balance that moves. Returns (wins, losses).
    """
    keep = 1.0 - weight / memory_weeks
    return keep * wins + weight * won, keep * losses + weight * (1.0 - won)


@rule
def war_cost_share(burn_usd_per_week, wartime_income_usd_per_week, horizon_weeks, stakes_usd_per_week,
                   stakes_horizon_weeks):
    """A side's net cost of fighting on, as a share of the stakes:

    (burn - income earned while fighting) * horizon / (stakes * stakes horizon). Income that continues
    during the war (crime, resources, external support) lowers the cost, and can make war pay
    (Fearon 2004, FACTS-2 S150). Horizons: assumptions.
    """
    return (burn_usd_per_week - wartime_income_usd_per_week) * horizon_weeks / (
        stakes_usd_per_week * stakes_horizon_weeks)


@rule
def bargaining_surplus(government_belief, rebel_belief, government_cost, rebel_cost):
    """Room for a deal both sides prefer to fighting (Fearon 1995): their costs of war minus their
    mutual optimism (the government's estimate of its chance of winning minus the rebels' estimate of
    the same). A range of deals exists when the surplus is at least 0."""
    return government_cost + rebel_cost - (government_belief - rebel_belief)


@rule
def deal_is_credible(surplus, power_trend_per_week, horizon_weeks):
    """A deal holds only if the shift in power expected over the horizon is smaller than the surplus:
    a side growing stronger cannot commit not to renege (Fearon 1995; Powell 2006; Fearon 2004 on
    income earned during the war)."""
    return abs(power_trend_per_week) * horizon_weeks <= surplus


@rule
def collapsed(force, opposing_force, ratio):
    """A side is defeated when its effective force falls below `ratio` of its opponent's (assumption)."""
    return force < ratio * opposing_force


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
def forces(s, conflict):
    """(government effective force, rebel effective force, rebel fighters, strongest active rebel or -1)."""
    government = s.conflict_bel_ptr[conflict]
    rebel_fighters, rebel_force, strongest = 0.0, 0.0, -1
    for bel in range(government + 1, s.conflict_bel_ptr[conflict + 1]):
        if s.bel_active[bel]:
            rebel_fighters += s.bel_fighters[bel]
            rebel_force += s.bel_fighters[bel] * s.bel_effectiveness[bel]
            if strongest < 0 or s.bel_fighters[bel] > s.bel_fighters[strongest]:
                strongest = bel
    return s.bel_fighters[government] * s.bel_effectiveness[government], rebel_force, rebel_fighters, strongest


@action
def start_conflict(s, p, conflict, week):
    """Before week 1, from the starting conditions (drawn or given): recruitment ceilings at least the
    fighters, the power balance, each side's belief (overrating its own chance by `initial_optimism`,
    with the weight of `belief_memory_weeks` weeks of full fighting) and who holds each region's hubs."""
    government = s.conflict_bel_ptr[conflict]
    for bel in range(government, s.conflict_bel_ptr[conflict + 1]):
        s.bel_max_fighters[bel] = max(s.bel_max_fighters[bel], s.bel_fighters[bel])
    government_force, rebel_force, rebel_fighters, strongest = forces(s, conflict)
    odds = contest_odds(government_force, rebel_force, p.contest_decisiveness)
    s.conflict_power[conflict] = odds
    government_view = min(0.99, max(0.01, odds + s.conflict_optimism[conflict]))
    rebel_view = min(0.99, max(0.01, odds - s.conflict_optimism[conflict]))
    s.conflict_belief[conflict, GOV_WINS] = government_view * p.belief_memory_weeks
    s.conflict_belief[conflict, GOV_LOSSES] = (1.0 - government_view) * p.belief_memory_weeks
    s.conflict_belief[conflict, REBEL_WINS] = rebel_view * p.belief_memory_weeks
    s.conflict_belief[conflict, REBEL_LOSSES] = (1.0 - rebel_view) * p.belief_memory_weeks
    for region in range(s.conflict_region_ptr[conflict], s.conflict_region_ptr[conflict + 1]):
        assign_holder(s, region, government, strongest)


@action
def assign_holder(s, region, government, strongest):
    """The holder of a region (the government at half control or more, else the strongest rebel) taxes
    the traffic through its nodes."""
    holder = government if s.region_control[region] >= 0.5 else strongest
    for j in range(s.region_node_ptr[region], s.region_node_ptr[region + 1]):
        s.node_controller[s.region_node_ids[j]] = holder


@action
def begin_week(s, p, week):
    s.bel_income_week[:, :] = 0.0
    s.bel_losses_week[:] = 0.0


@action
def sanctioned_share(s, bel, source, week):
    """Share of a belligerent's income from `source` left after the sanctions in force this week."""
    left = 1.0
    for k in range(s.sanction_bel.shape[0]):
        if s.sanction_bel[k] == bel and s.sanction_income[k] == source and \
                s.sanction_from_week[k] <= week <= s.sanction_to_week[k]:
            left *= 1.0 - s.sanction_cut[k]
    return left


@action
def manage_budget(s, p, bel, week):
    """Collect the week's income, pay upkeep (or lose fighters), recruit with part of the rest."""
    if not s.bel_active[bel]:
        return
    s.bel_income_week[bel, EXTERNAL] = s.bel_external_usd[bel] * sanctioned_share(s, bel, EXTERNAL, week)
    s.bel_income_week[bel, RESOURCES] = s.bel_resources_usd[bel] * sanctioned_share(s, bel, RESOURCES, week)
    s.bel_income_week[bel, BUDGET] = s.bel_budget_usd[bel]
    income = 0.0
    for source in range(s.bel_income_week.shape[1]):
        if source != CRIME or p.crime_buys_fighters:
            income += s.bel_income_week[bel, source]
        s.bel_income_total[bel, source] += s.bel_income_week[bel, source]
    s.bel_treasury_usd[bel] += income

    paid, unpaid_share = upkeep(s.bel_treasury_usd[bel], s.bel_fighters[bel], p.upkeep_cost)
    s.bel_treasury_usd[bel] -= paid
    deserted = desertion(s.bel_fighters[bel], unpaid_share, p.desertion_rate)
    s.bel_fighters[bel] -= deserted

    budget = p.recruitment_share * s.bel_treasury_usd[bel]
    recruits, spent = recruitment(budget, p.recruitment_cost, s.bel_fighters[bel], s.bel_max_fighters[bel])
    s.bel_treasury_usd[bel] -= spent
    s.bel_fighters[bel] += recruits
    s.bel_spent_total[bel] += paid + spent
    s.bel_recruited_total[bel] += recruits
    s.bel_deserted_total[bel] += deserted


@action
def wartime_income(s, p, bel):
    """What a belligerent earned this week that it earns only while at war: external support, resources
    and, when that channel is on, crime (the state budget continues in peace)."""
    income = s.bel_income_week[bel, EXTERNAL] + s.bel_income_week[bel, RESOURCES]
    if p.crime_lowers_war_cost:
        income += s.bel_income_week[bel, CRIME]
    return income


@action
def hold_regions(s, p, conflict, government_force, rebel_force, strongest):
    """Control of each region moves toward the odds of its local contest; the holder of a region taxes
    the traffic through its nodes. Returns how contested the conflict's territory is (0-1)."""
    government = s.conflict_bel_ptr[conflict]
    contested = 0.0
    for region in range(s.conflict_region_ptr[conflict], s.conflict_region_ptr[conflict + 1]):
        odds = contest_odds(government_force, s.region_rebel_advantage[region] * rebel_force,
                            p.contest_decisiveness)
        s.region_control[region] = territory_step(s.region_control[region], odds, p.territory_shift)
        contested += s.region_value_share[region] * contestedness(s.region_control[region])
        assign_holder(s, region, government, strongest)
    return contested


@action
def exchange_fire(s, p, conflict, week, government_force, rebel_force, rebel_fighters, intensity):
    """A week's losses on both sides, from the strengths at the start of the week: returns battle deaths."""
    government = s.conflict_bel_ptr[conflict]
    s.bel_losses_week[government] = combat_losses(
        rebel_force * intensity, p.attrition_rate, p.combat_noise,
        rng.uniform(p.seed, week, government, rng.COMBAT_NOISE))
    for bel in range(government + 1, s.conflict_bel_ptr[conflict + 1]):
        if s.bel_active[bel] and rebel_fighters > 0.0:
            s.bel_losses_week[bel] = combat_losses(
                government_force * intensity * s.bel_fighters[bel] / rebel_fighters, p.attrition_rate,
                p.combat_noise, rng.uniform(p.seed, week, bel, rng.COMBAT_NOISE))
    losses = 0.0
    for bel in range(government, s.conflict_bel_ptr[conflict + 1]):
        lost = min(s.bel_fighters[bel], s.bel_losses_week[bel])
        s.bel_fighters[bel] -= lost
        losses += lost
    return p.battle_death_share * losses


@action
def count_deaths(s, p, conflict, week, deaths):
    """Battle deaths into the rolling year; the last week of fighting above the low-activity rate."""
    slot = week % DEATHS_WINDOW
    s.conflict_deaths_year[conflict] += deaths - s.conflict_deaths_ring[conflict, slot]
    s.conflict_deaths_ring[conflict, slot] = deaths
    s.conflict_deaths_total[conflict] += deaths
    if deaths * DEATHS_WINDOW >= p.low_activity_deaths:
        s.conflict_last_active_week[conflict] = week


@action
def learn_balance(s, p, conflict, week, odds, intensity):
    """Each side sees the week's fighting (won by the government with the contest's odds) through its own
    eyes, and updates its belief about the balance of power in proportion to how much fighting there was."""
    won = 1.0 if rng.uniform(p.seed, week, conflict, rng.BATTLE_GOVERNMENT_VIEW) < odds else 0.0
    s.conflict_belief[conflict, GOV_WINS], s.conflict_belief[conflict, GOV_LOSSES] = update_belief(
        s.conflict_belief[conflict, GOV_WINS], s.conflict_belief[conflict, GOV_LOSSES], won, intensity,
        p.belief_memory_weeks)
    won = 1.0 if rng.uniform(p.seed, week, conflict, rng.BATTLE_REBEL_VIEW) < odds else 0.0
    s.conflict_belief[conflict, REBEL_WINS], s.conflict_belief[conflict, REBEL_LOSSES] = update_belief(
        s.conflict_belief[conflict, REBEL_WINS], s.conflict_belief[conflict, REBEL_LOSSES], won, intensity,
        p.belief_memory_weeks)
    s.conflict_power_trend[conflict] += (odds - s.conflict_power[conflict] - s.conflict_power_trend[conflict]) \
        / p.power_trend_weeks
    s.conflict_power[conflict] = odds


@action
def bargain(s, p, conflict, week):
    """Whether the sides agree this week: a credible range of deals must exist (Fearon 1995), and then
    the weekly agreement hazard applies (raised where a UN mission is present: DeRouen and Sobek 2004,
    FACTS-2 S158)."""
    government = s.conflict_bel_ptr[conflict]
    stakes = s.conflict_stakes_usd[conflict]
    government_cost = war_cost_share(
        p.upkeep_cost * s.bel_fighters[government] + p.recruitment_cost * s.bel_losses_week[government],
        wartime_income(s, p, government), p.war_cost_horizon, stakes, p.stakes_horizon)
    rebel_burn, rebel_income = 0.0, 0.0
    for bel in range(government + 1, s.conflict_bel_ptr[conflict + 1]):
        if s.bel_active[bel]:
            rebel_burn += p.upkeep_cost * s.bel_fighters[bel] + p.recruitment_cost * s.bel_losses_week[bel]
            rebel_income += wartime_income(s, p, bel)
    rebel_cost = war_cost_share(rebel_burn, rebel_income, p.war_cost_horizon, stakes, p.stakes_horizon)
    beliefs = s.conflict_belief[conflict]
    surplus = bargaining_surplus(beliefs[GOV_WINS] / (beliefs[GOV_WINS] + beliefs[GOV_LOSSES]),
                                 beliefs[REBEL_WINS] / (beliefs[REBEL_WINS] + beliefs[REBEL_LOSSES]),
                                 government_cost, rebel_cost)
    s.conflict_surplus[conflict] = surplus
    if surplus < 0.0 or not deal_is_credible(surplus, s.conflict_power_trend[conflict], p.commitment_horizon):
        return False
    hazard = p.agreement_hazard * (p.un_agreement_multiplier if s.conflict_un[conflict] else 1.0)
    return rng.uniform(p.seed, week, conflict, rng.CONFLICT_END) < hazard


@action
def close_episode(s, conflict, end_week, end_type, winner):
    """The current episode ends; the first one's ending is the conflict's outcome."""
    s.conflict_in_episode[conflict] = False
    if s.conflict_episodes[conflict] == 1:
        s.conflict_end_step[conflict] = end_week
        s.conflict_end_type[conflict] = end_type
        s.conflict_winner[conflict] = winner


@action
def terminate(s, conflict, week, end_type, winner):
    """Victory or agreement ends the conflict for good: its belligerents stop."""
    if s.conflict_in_episode[conflict]:
        close_episode(s, conflict, week, end_type, winner)
    s.conflict_active[conflict] = False
    for bel in range(s.conflict_bel_ptr[conflict], s.conflict_bel_ptr[conflict + 1]):
        s.bel_active[bel] = False


@action
def track_episode(s, p, conflict, week):
    """Episodes as the UCDP codes them: one ends in low activity after a year with fewer battle deaths
    than the threshold (dated at its last week of fighting); fighting above it again starts a new one."""
    deaths_year = s.conflict_deaths_year[conflict]
    if s.conflict_in_episode[conflict]:
        if deaths_year >= p.war_deaths and s.conflict_episodes[conflict] == 1:
            s.conflict_war_intensity[conflict] = True
        if week - s.conflict_episode_start[conflict] >= DEATHS_WINDOW and deaths_year < p.low_activity_deaths:
            end_week = max(s.conflict_last_active_week[conflict], s.conflict_episode_start[conflict] + 1)
            close_episode(s, conflict, end_week, LOW_ACTIVITY, -1)
    elif deaths_year >= p.low_activity_deaths:
        s.conflict_in_episode[conflict] = True
        s.conflict_episodes[conflict] += 1
        s.conflict_episode_start[conflict] = week
        if s.conflict_episodes[conflict] == 2:
            s.conflict_second_episode_week[conflict] = week
    if s.conflict_in_episode[conflict]:
        s.conflict_weeks_at_war[conflict] += 1


@action
def fight(s, p, conflict, week):
    """A week of war: territory, fighting, learning, then victory, agreement or low activity."""
    government = s.conflict_bel_ptr[conflict]
    government_force, rebel_force, rebel_fighters, strongest = forces(s, conflict)
    contested = hold_regions(s, p, conflict, government_force, rebel_force, strongest)
    intensity = engagement(contested, p.engagement_floor)
    deaths = exchange_fire(s, p, conflict, week, government_force, rebel_force, rebel_fighters, intensity)
    count_deaths(s, p, conflict, week, deaths)
    track_episode(s, p, conflict, week)

    government_force, rebel_force, _, _ = forces(s, conflict)
    learn_balance(s, p, conflict, week, contest_odds(government_force, rebel_force, p.contest_decisiveness),
                  intensity)

    un = p.un_victory_multiplier if s.conflict_un[conflict] else 1.0
    capital = s.conflict_capital[conflict]
    if collapsed(rebel_force, government_force, p.collapse_ratio * un):
        terminate(s, conflict, week, GOVERNMENT_VICTORY, government)
    elif collapsed(government_force, rebel_force, p.collapse_ratio * un) or \
            s.region_control[capital] < p.capital_capture_control * un:
        terminate(s, conflict, week, REBEL_VICTORY, strongest)
    elif bargain(s, p, conflict, week):
        terminate(s, conflict, week, AGREEMENT, -1)


# ------------------------------------------------------------------------- outcomes and series

@rule
def duration_weeks(s, p, conflict):
    return s.conflict_end_step[conflict] if s.conflict_end_step[conflict] > 0 else p.horizon_weeks


@rule
def ended(s, p, conflict):
    return 1.0 if s.conflict_end_step[conflict] > 0 else 0.0


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
    """1 while the conflict is in an episode of war (above the low-activity threshold), else 0."""
    return 1.0 if s.conflict_in_episode[conflict] else 0.0


# ------------------------------------------------------------------------------------------ build

def belligerents(scenario) -> list:
    """Every belligerent, grouped by conflict, government first."""
    return [b for c in scenario.conflicts for b in sorted(c.belligerents, key=lambda b: b.side != "government")]


def regions(scenario) -> list:
    """Every region, grouped by conflict, in file order."""
    return [r for c in scenario.conflicts for r in c.regions]


def _drawn(context, field, values) -> np.ndarray:
    """A field's rows from scenario values that may be distributions (sim/model/draws.py)."""
    return np.array([draws.value(context, field, row, value) for row, value in enumerate(values)], float)


def build(scenario, context) -> dict:
    bels, conflicts, all_regions = belligerents(scenario), scenario.conflicts, regions(scenario)
    conflict_bel_ptr = np.cumsum([0] + [len(c.belligerents) for c in conflicts]).astype(np.int64)
    conflict_region_ptr = np.cumsum([0] + [len(c.regions) for c in conflicts]).astype(np.int64)
    n_bel, n_conflicts = len(bels), len(conflicts)
    bel_index = {b.id: i for i, b in enumerate(bels)}
    node_index = {n.id: i for i, n in enumerate(scenario.network.nodes)}
    region_node_ptr = np.cumsum([0] + [len(r.nodes) for r in all_regions]).astype(np.int64)
    sanctions = [(bel_index[x.belligerent], int(Income[x.income.upper()]), x.share_cut, x.from_week, x.to_week)
                 for c in conflicts for x in c.sanctions]
    capital = [int(conflict_region_ptr[i]) + next(k for k, r in enumerate(c.regions) if r.capital)
               for i, c in enumerate(conflicts)]
    return dict(
        bel_conflict=np.repeat(np.arange(n_conflicts), np.diff(conflict_bel_ptr)).astype(np.int64),
        bel_is_government=np.array([b.side == "government" for b in bels], np.bool_),
        bel_active=np.ones(n_bel, np.bool_),
        bel_fighters=_drawn(context, "bel_fighters", [b.fighters for b in bels]),
        bel_max_fighters=_drawn(context, "bel_max_fighters", [b.max_fighters for b in bels]),
        bel_treasury_usd=_drawn(context, "bel_treasury_usd", [b.treasury_usd for b in bels]),
        bel_effectiveness=_drawn(context, "bel_effectiveness", [b.combat_effectiveness for b in bels]),
        bel_external_usd=_drawn(context, "bel_external_usd", [b.external_support_usd_per_week for b in bels]),
        bel_resources_usd=_drawn(context, "bel_resources_usd", [b.natural_resources_usd_per_week for b in bels]),
        bel_budget_usd=_drawn(context, "bel_budget_usd", [b.state_budget_usd_per_week for b in bels]),
        bel_income_week=np.zeros((n_bel, len(Income))),
        bel_income_total=np.zeros((n_bel, len(Income))),
        bel_spent_total=np.zeros(n_bel),
        bel_recruited_total=np.zeros(n_bel),
        bel_deserted_total=np.zeros(n_bel),
        bel_losses_week=np.zeros(n_bel),
        sanction_bel=np.array([x[0] for x in sanctions], np.int64),
        sanction_income=np.array([x[1] for x in sanctions], np.int64),
        sanction_cut=np.array([x[2] for x in sanctions], float),
        sanction_from_week=np.array([x[3] for x in sanctions], np.int64),
        sanction_to_week=np.array([x[4] for x in sanctions], np.int64),
        region_conflict=np.repeat(np.arange(n_conflicts), np.diff(conflict_region_ptr)).astype(np.int64),
        region_control=_drawn(context, "region_control", [r.government_control for r in all_regions]),
        region_rebel_advantage=_drawn(context, "region_rebel_advantage", [r.rebel_advantage for r in all_regions]),
        region_value_share=np.array([r.value_share for r in all_regions], float),
        region_node_ptr=region_node_ptr,
        region_node_ids=np.array([node_index[n] for r in all_regions for n in r.nodes], np.int64),
        conflict_bel_ptr=conflict_bel_ptr,
        conflict_region_ptr=conflict_region_ptr,
        conflict_capital=np.array(capital, np.int64),
        conflict_stakes_usd=_drawn(context, "conflict_stakes_usd", [c.stakes_usd_per_week for c in conflicts]),
        conflict_un=np.array([c.un_mission is not None for c in conflicts], np.bool_),
        conflict_optimism=_drawn(context, "conflict_optimism", [
            scenario.conflict_dynamics.initial_optimism if c.initial_optimism is None else c.initial_optimism
            for c in conflicts]),
        conflict_belief=np.zeros((n_conflicts, len(Belief))),  # set by start_conflict
        conflict_power=np.zeros(n_conflicts),
        conflict_power_trend=np.zeros(n_conflicts),
        conflict_surplus=np.zeros(n_conflicts),
        conflict_active=np.ones(n_conflicts, np.bool_),
        conflict_in_episode=np.ones(n_conflicts, np.bool_),
        conflict_episodes=np.ones(n_conflicts, np.int64),
        conflict_episode_start=np.zeros(n_conflicts, np.int64),
        conflict_second_episode_week=np.full(n_conflicts, -1, np.int64),
        conflict_weeks_at_war=np.zeros(n_conflicts, np.int64),
        conflict_deaths_ring=np.zeros((n_conflicts, DEATHS_WINDOW)),
        conflict_deaths_year=np.zeros(n_conflicts),
        conflict_deaths_total=np.zeros(n_conflicts),
        conflict_last_active_week=np.zeros(n_conflicts, np.int64),
        conflict_war_intensity=np.zeros(n_conflicts, np.bool_),
        conflict_end_step=np.full(n_conflicts, -1, np.int64),
        conflict_end_type=np.zeros(n_conflicts, np.int64),
        conflict_winner=np.full(n_conflicts, -1, np.int64),
    )


F, I, B = np.float64, np.int64, np.bool_
INCOME_NAMES = tuple(source.name.lower() for source in Income)
DYNAMICS = "conflict_dynamics"
MODULE = Module(
    name="conflict",
    build=build,
    entities=(Entities("belligerents", lambda scenario, context: [b.id for b in belligerents(scenario)],
                       "armed factions, grouped by conflict, government first"),
              Entities("conflicts", lambda scenario, context: [c.id for c in scenario.conflicts]),
              Entities("regions", lambda scenario, context: [r.id for r in regions(scenario)],
                       "parts of a conflict's country, grouped by conflict"),
              Entities("sanctions", lambda scenario, context: [f"{c.id}:{x.belligerent}:{x.income}:{k}" for c in
                                                               scenario.conflicts for k, x in enumerate(c.sanctions)])),
    fields=(
        Field("bel_conflict", I, ("belligerents",)), Field("bel_is_government", B, ("belligerents",)),
        Field("bel_active", B, ("belligerents",)), Field("bel_fighters", F, ("belligerents",), drawn=True),
        Field("bel_max_fighters", F, ("belligerents",), drawn=True),
        Field("bel_treasury_usd", F, ("belligerents",), drawn=True),
        Field("bel_effectiveness", F, ("belligerents",), drawn=True),
        Field("bel_external_usd", F, ("belligerents",), "external support a week", drawn=True),
        Field("bel_resources_usd", F, ("belligerents",), "natural-resource income a week", drawn=True),
        Field("bel_budget_usd", F, ("belligerents",), "state budget a week", drawn=True),
        Field("bel_income_week", F, ("belligerents", len(Income))),
        Field("bel_income_total", F, ("belligerents", len(Income))),
        Field("bel_spent_total", F, ("belligerents",)), Field("bel_recruited_total", F, ("belligerents",)),
        Field("bel_deserted_total", F, ("belligerents",)), Field("bel_losses_week", F, ("belligerents",)),
        Field("sanction_bel", I, ("sanctions",)), Field("sanction_income", I, ("sanctions",), "Income source"),
        Field("sanction_cut", F, ("sanctions",)), Field("sanction_from_week", I, ("sanctions",)),
        Field("sanction_to_week", I, ("sanctions",)),
        Field("region_conflict", I, ("regions",)),
        Field("region_control", F, ("regions",), "the government's share of control", drawn=True),
        Field("region_rebel_advantage", F, ("regions",), drawn=True), Field("region_value_share", F, ("regions",)),
        Field("region_node_ptr", I, (), "CSR over region_node_ids, one entry per region plus one"),
        Field("region_node_ids", I, (), "network nodes of each region"),
        Field("conflict_bel_ptr", I, (), "CSR over belligerents, one entry per conflict plus one"),
        Field("conflict_region_ptr", I, (), "CSR over regions, one entry per conflict plus one"),
        Field("conflict_capital", I, ("conflicts",), "row of the capital region"),
        Field("conflict_stakes_usd", F, ("conflicts",), "what holding the state is worth a week", drawn=True),
        Field("conflict_un", B, ("conflicts",), "a UN mission is present"),
        Field("conflict_optimism", F, ("conflicts",), "how far each side at first overrates its own chance",
              drawn=True),
        Field("conflict_belief", F, ("conflicts", len(Belief)), "pseudo-counts by Belief column"),
        Field("conflict_power", F, ("conflicts",), "the government's odds in the contest of all forces"),
        Field("conflict_power_trend", F, ("conflicts",), "moving average of the weekly change in power"),
        Field("conflict_surplus", F, ("conflicts",), "bargaining surplus last judged"),
        Field("conflict_active", B, ("conflicts",), "not yet ended by victory or agreement"),
        Field("conflict_in_episode", B, ("conflicts",), "in an episode of war"),
        Field("conflict_episodes", I, ("conflicts",)), Field("conflict_episode_start", I, ("conflicts",)),
        Field("conflict_second_episode_week", I, ("conflicts",)), Field("conflict_weeks_at_war", I, ("conflicts",)),
        Field("conflict_deaths_ring", F, ("conflicts", DEATHS_WINDOW), "battle deaths by week of the rolling year"),
        Field("conflict_deaths_year", F, ("conflicts",)), Field("conflict_deaths_total", F, ("conflicts",)),
        Field("conflict_last_active_week", I, ("conflicts",)), Field("conflict_war_intensity", B, ("conflicts",)),
        Field("conflict_end_step", I, ("conflicts",), "week the first episode ended, -1 if it did not"),
        Field("conflict_end_type", I, ("conflicts",), "EndType of the first episode"),
        Field("conflict_winner", I, ("conflicts",)),
    ),
    params=(
        Param("attrition_rate", f"{DYNAMICS}.attrition_rate_per_week", "losses per opposing fighter-week"),
        Param("combat_noise", f"{DYNAMICS}.combat_noise", "half-width"),
        Param("battle_death_share", f"{DYNAMICS}.battle_death_share", "deaths per loss"),
        Param("recruitment_cost", f"{DYNAMICS}.recruitment_cost_usd_per_fighter", "US$ per fighter"),
        Param("upkeep_cost", f"{DYNAMICS}.upkeep_usd_per_fighter_week", "US$ per fighter-week"),
        Param("recruitment_share", f"{DYNAMICS}.recruitment_budget_share", "share of treasury a week"),
        Param("desertion_rate", f"{DYNAMICS}.desertion_rate_per_week", "share of unpaid fighters a week"),
        Param("contest_decisiveness", f"{DYNAMICS}.contest_decisiveness", "exponent"),
        Param("territory_shift", f"{DYNAMICS}.territory_shift_per_week", "share of the gap a week"),
        Param("engagement_floor", f"{DYNAMICS}.engagement_floor", "share of full fighting"),
        Param("collapse_ratio", f"{DYNAMICS}.collapse_ratio", "share of the opponent's force"),
        Param("capital_capture_control", f"{DYNAMICS}.capital_capture_control", "government control"),
        Param("belief_memory_weeks", f"{DYNAMICS}.belief_memory_weeks", "weeks"),
        Param("war_cost_horizon", f"{DYNAMICS}.war_cost_horizon_weeks", "weeks"),
        Param("stakes_horizon", f"{DYNAMICS}.stakes_horizon_weeks", "weeks"),
        Param("agreement_hazard", f"{DYNAMICS}.agreement_hazard_per_week", "per week"),
        Param("commitment_horizon", f"{DYNAMICS}.commitment_horizon_weeks", "weeks"),
        Param("power_trend_weeks", f"{DYNAMICS}.power_trend_weeks", "weeks"),
        Param("un_agreement_multiplier", f"{DYNAMICS}.un_agreement_multiplier", "multiplier"),
        Param("un_victory_multiplier", f"{DYNAMICS}.un_victory_multiplier", "multiplier"),
        Param("low_activity_deaths", f"{DYNAMICS}.low_activity_deaths_per_year", "deaths a year"),
        Param("war_deaths", f"{DYNAMICS}.war_deaths_per_year", "deaths a year"),
        Param("crime_buys_fighters", f"{DYNAMICS}.channels.crime_buys_fighters", "switch", dtype=bool),
        Param("crime_lowers_war_cost", f"{DYNAMICS}.channels.crime_lowers_war_cost", "switch", dtype=bool),
    ),
    outcomes=(
        Outcome("duration_weeks", "weeks", "duration of the first episode", duration_weeks, per="conflicts",
                dtype=int),
        Outcome("ended", "", "first episode ended before the horizon", ended, per="conflicts", dtype=bool),
        Outcome("end_type", "", "how the first episode ended", per="conflicts", codes=END_TYPE_NAMES,
                field="conflict_end_type"),
        Outcome("winner", "", "winner", per="conflicts", ids="belligerents", field="conflict_winner"),
        Outcome("war_intensity", "", "first episode reached war intensity", per="conflicts", dtype=bool,
                field="conflict_war_intensity"),
        Outcome("battle_deaths", "deaths", "battle deaths over the run", per="conflicts",
                field="conflict_deaths_total"),
        Outcome("episodes", "", "episodes of war begun", per="conflicts", dtype=int, field="conflict_episodes"),
        Outcome("second_episode_week", "week", "week the war recurred (-1: it did not)", per="conflicts",
                dtype=int, field="conflict_second_episode_week"),
        Outcome("weeks_at_war", "weeks", "weeks in an episode of war", per="conflicts", dtype=int,
                field="conflict_weeks_at_war"),
        Outcome("funding_share_from_crime", "share", "the conflict's funding from crime", conflict_crime_share,
                per="conflicts"),
        Outcome("belligerent_funding_share_from_crime", "share", "share of belligerent funding from crime",
                crime_share),
    ),
    series=(Series("fighters", per="belligerents", field="bel_fighters"),
            Series("treasury_usd", per="belligerents", field="bel_treasury_usd"),
            Series("income_{source}_usd", per="belligerents", columns=INCOME_NAMES, field="bel_income_week"),
            Series("government_control", per="regions", field="region_control"),
            Series("battle_deaths_year", per="conflicts", field="conflict_deaths_year"),
            Series("active", active, per="conflicts")),
    phases=(Phase(start_conflict, INIT, over="conflicts"), Phase(begin_week, BEGIN), Phase(manage_budget, BUDGETS, over="belligerents", guard="bel_active"),
            Phase(fight, FIGHT, over="conflicts", guard="conflict_active")),
    agents=(Agents("belligerents", "Belligerent", "An armed faction that buys and sustains fighting strength "
                   "with money.", {"strength": "bel_fighters", "money_usd": "bel_treasury_usd"}),
            Agents("regions", "Region", "Part of a conflict's country, held by the side that wins its contest.",
                   {"strength": "region_control"})),
)
