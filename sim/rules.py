"""The model's rules: one small pure numba function per rule.

Each rule takes numbers (and, where it must, read-only arrays) and returns
numbers. Rules know no driver: `sim/actions.py` calls them for one entity at
a time, and the Mesa model (`sim/model.py`) and the compiled kernel
(`sim/kernel.py`) decide when. Every docstring gives the formula and its
source or says that it is an assumption of this model.
"""

import math

from numba import njit

# ---------------------------------------------------------------- trafficking


@njit(cache=True)
def launch_count(shipments_per_week, draw):
    """Shipments launched this week: floor(rate) plus one more with probability frac(rate).

    Keeps the long-run mean at `shipments_per_week` (assumption: steady supply).
    """
    whole = math.floor(shipments_per_week)
    return int(whole) + (1 if draw < shipments_per_week - whole else 0)


@njit(cache=True)
def memory_decay(memory_weeks):
    """Weekly weight kept by old experience: exp(-1 / memory_weeks).

    Time-weighted learning as in NarcoLogic (Magliocca et al. 2019; FACTS S136).
    """
    return math.exp(-1.0 / memory_weeks)


@njit(cache=True)
def perceived_risk(seizures_weighted, passages_weighted, prior_seizures, prior_safe_passages):
    """Believed chance of losing a shipment on a leg: Beta-Bernoulli posterior mean

    risk = (s + a) / (n + a + b), s = remembered seizures, n = remembered passages,
    a, b = prior pseudo-seizures and pseudo-safe-passages (NarcoLogic `calc_intrisk`, FACTS S136).
    """
    return (seizures_weighted + prior_seizures) / (passages_weighted + prior_seizures + prior_safe_passages)


@njit(cache=True)
def route_value_share(survival, market_price, purchase_price, costs_per_kg):
    """Expected margin of a route per kg as a share of the market price:

    x = (survival * market_price - purchase_price - costs) / market_price.
    Traffickers weigh profit against risk (NarcoLogic; FACTS 7.1).
    """
    return (survival * market_price - purchase_price - costs_per_kg) / market_price


@njit(cache=True)
def choose_route(value_shares, rationality, draw):
    """Logit route choice with an outside option of value 0 (not shipping).

    P(route r) = exp(k x_r) / (1 + sum_j exp(k x_j)), k = rationality; a route whose value
    is NaN is unavailable (full). Returns the chosen index or -1 for no shipment.
    Assumption: multinomial logit, the usual discrete-choice form.
    """
    top = 0.0
    for x in value_shares:
        if x == x:
            top = max(top, x)
    cumulative = math.exp(-rationality * top)  # the outside option
    total = cumulative
    for x in value_shares:
        if x == x:
            total += math.exp(rationality * (x - top))
    threshold = draw * total
    if threshold < cumulative:
        return -1
    chosen = -1
    for index in range(value_shares.shape[0]):
        x = value_shares[index]
        if x == x:
            chosen = index  # the last available route absorbs rounding at the top of [0, 1)
            cumulative += math.exp(rationality * (x - top))
            if threshold < cumulative:
                return index
    return chosen


@njit(cache=True)
def protection_tax_usd(kg, local_price_usd_per_kg, tax_share):
    """Tax a faction takes from a shipment crossing its territory: kg * local price * share.

    Protection fees per kg were not found (FACTS 2.3, gaps): the share is an assumption.
    """
    return kg * local_price_usd_per_kg * tax_share


@njit(cache=True)
def bribe_usd(kg, local_price_usd_per_kg, bribe_share):
    """Bribe paid to a detecting unit that looks away: kg * local price * share (assumption)."""
    return kg * local_price_usd_per_kg * bribe_share


# ------------------------------------------------------------------- policing


@njit(cache=True)
def detection_probability(officers, skill, rate_per_officer, mandate_factor, database_multiplier,
                          alert, alert_gain, capacity_shipments, traffic_shipments):
    """Chance that a unit identifies a shipment passing it:

    p = 1 - exp(-h), h = rate * officers * skill * mandate * db * (1 + gain * alert) * min(1, capacity / traffic).
    Database access multiplies the hazard (INTERPOL names, fingerprints, passports; S59),
    alerts from linked nodes raise it, and a post handling more traffic than it can
    inspect loses effort in proportion. Functional form: assumption.
    """
    hazard = rate_per_officer * officers * skill * mandate_factor * database_multiplier * (1.0 + alert_gain * alert)
    if traffic_shipments > capacity_shipments:
        hazard *= capacity_shipments / traffic_shipments
    return 1.0 - math.exp(-hazard)


@njit(cache=True)
def effective_corruption(corruption, scale):
    """Chance a detecting unit takes a bribe: min(1, corruption * scale) (lever `corruption_scale`)."""
    return min(1.0, corruption * scale)


@njit(cache=True)
def weekly_rate(annual_share):
    """Weekly share equivalent to closing `annual_share` of a gap per year: 1 - (1 - a)^(1/52)."""
    return 1.0 - (1.0 - annual_share) ** (1.0 / 52.0)


@njit(cache=True)
def capacity_growth(skill, weekly_growth, mentoring_gain, un_officers, host_officers):
    """Host police skill after a week of capacity building:

    skill + g * (1 + m * un / host) * (1 - skill), capped at 1. UN police mentoring speeds
    host-state capacity building (declaration P2C, P2D); its size is an assumption.
    """
    mentoring = mentoring_gain * un_officers / host_officers if host_officers > 0 else 0.0
    return min(1.0, skill + weekly_growth * (1.0 + mentoring) * (1.0 - skill))


@njit(cache=True)
def alert_level(alert, decay, incoming):
    """Alert at a node after a week: alert * (1 - decay) + incoming alerts (secure communications, S59)."""
    return alert * (1.0 - decay) + incoming


# ------------------------------------------------------------------ conflicts


@njit(cache=True)
def upkeep(treasury_usd, fighters, upkeep_usd_per_fighter_week):
    """Pay this week's upkeep from the treasury: returns (paid_usd, unpaid_share)."""
    due = fighters * upkeep_usd_per_fighter_week
    if due <= 0.0:
        return 0.0, 0.0
    paid = min(treasury_usd, due)
    return paid, 1.0 - paid / due


@njit(cache=True)
def desertion(fighters, unpaid_share, desertion_rate, funding_effectiveness):
    """Fighters leaving for lack of pay: fighters * unpaid share * rate * effectiveness.

    With effectiveness 0 money does not matter to strength either way (assumption).
    """
    return fighters * unpaid_share * desertion_rate * funding_effectiveness


@njit(cache=True)
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


@njit(cache=True)
def combat_losses(opposing_effective_fighters, attrition_rate, noise, draw):
    """Lanchester aimed-fire losses for a week: rate * opposing effective fighters * (1 + noise * (2u - 1)).

    Lanchester attrition (Atkinson, Gutfraind and Kress 2011, FACTS S137).
    """
    return attrition_rate * opposing_effective_fighters * (1.0 + noise * (2.0 * draw - 1.0))


@njit(cache=True)
def exhaustion(fighters, initial_fighters):
    """How worn down a side is: 1 - fighters / initial, clipped to [0, 1]."""
    return min(1.0, max(0.0, 1.0 - fighters / initial_fighters))


@njit(cache=True)
def settlement_hazard(government_exhaustion, rebel_exhaustion, hazard_max):
    """Weekly chance of a negotiated settlement: max * exhaustion_gov * exhaustion_rebels.

    A mutually hurting stalemate makes a conflict ripe for settlement (Zartman 2000, FACTS S141).
    """
    return hazard_max * government_exhaustion * rebel_exhaustion


@njit(cache=True)
def victory_hazard(fighter_share, hazard_max, exponent):
    """Weekly chance that a side wins outright: max * share^exponent (assumption)."""
    return hazard_max * fighter_share ** exponent


@njit(cache=True)
def conflict_outcome(draw, settlement, government_victory, rebel_victory):
    """One draw decides the week: 0 goes on, 1 settlement, 2 government wins, 3 rebels win."""
    if draw < settlement:
        return 1
    if draw < settlement + government_victory:
        return 2
    if draw < settlement + government_victory + rebel_victory:
        return 3
    return 0
