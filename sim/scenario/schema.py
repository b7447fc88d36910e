"""The scenario format: one pydantic model per section, the single declaration
of every parameter with its type, bounds and unit.

Validation is strict (no silent coercion of "5" to 5, unknown keys refused),
and the JSON Schema printed by `threatnet schema` comes from these classes.
Cross-references (edges naming nodes, units at nodes, paths from sources to
markets) are checked in `references.py`, where the key path of the offending
entry can be named.
"""

from __future__ import annotations

import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, PrivateAttr, ConfigDict, Field, field_validator, model_validator

# Absurd sizes are refused before anything is allocated.
MAX_HORIZON_WEEKS = 5200  # 100 years
MAX_NODES = 2000
MAX_EDGES = 20000
MAX_ENTITIES = 1000

Id = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")]
Probability = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegative = Annotated[float, Field(ge=0.0)]
Money = Annotated[float, Field(ge=0.0, le=1e12)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=True)


# --- Values that may be distributions ------------------------------------------------------------
# A starting condition can be uncertain: `fighters: {lognormal: {median: 3000, sigma: 0.6}}` is drawn
# once per replicate from the counter-based generator (sim/model/draws.py), so one scenario stands for
# a population of conflicts. `min` and `max` clip a draw; a distribution must stay within the key's bounds.

class Clipped(Strict):
    min: float | None = Field(default=None, description="draws below this are raised to it")
    max: float | None = Field(default=None, description="draws above this are lowered to it")


class Lognormal(Clipped):
    median: float = Field(gt=0)
    sigma: float = Field(ge=0, le=10, description="standard deviation of the logarithm")


class Normal(Clipped):
    mean: float
    sd: float = Field(ge=0)


class Uniform(Strict):
    low: float
    high: float


class Loguniform(Strict):
    low: float = Field(gt=0)
    high: float = Field(gt=0)


class Triangular(Strict):
    low: float
    mode: float
    high: float


class Distribution(Strict):
    """Exactly one of the kinds."""

    lognormal: Lognormal | None = None
    normal: Normal | None = None
    uniform: Uniform | None = None
    loguniform: Loguniform | None = None
    triangular: Triangular | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Distribution:
        given = [name for name in DISTRIBUTIONS if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError(f"exactly one of {', '.join(DISTRIBUTIONS)} (got {', '.join(given) or 'none'})")
        spec = getattr(self, given[0])
        low, high = self.support()
        if low > high or (given[0] == "triangular" and not spec.low <= spec.mode <= spec.high):
            raise ValueError(f"a {given[0]} distribution with low <= {'mode <= ' if given[0] == 'triangular' else ''}high")
        return self

    @property
    def kind(self) -> str:
        return next(name for name in DISTRIBUTIONS if getattr(self, name) is not None)

    @property
    def spec(self):
        return getattr(self, self.kind)

    def support(self) -> tuple[float, float]:
        """The smallest and largest value a draw can take."""
        spec = self.spec
        if isinstance(spec, Clipped):
            natural = (0.0, float("inf")) if isinstance(spec, Lognormal) else (float("-inf"), float("inf"))
            low = natural[0] if spec.min is None else max(natural[0], spec.min)
            high = natural[1] if spec.max is None else min(natural[1], spec.max)
            return low, high
        return spec.low, spec.high

    def central(self) -> float:
        """A typical value: median, mean, mode or the middle of the range (the state before a draw)."""
        spec = self.spec
        value = {"lognormal": lambda: spec.median, "normal": lambda: spec.mean,
                 "uniform": lambda: (spec.low + spec.high) / 2, "loguniform": lambda: (spec.low * spec.high) ** 0.5,
                 "triangular": lambda: spec.mode}[self.kind]()
        low, high = self.support()
        return min(max(value, low), high)


DISTRIBUTIONS = ("lognormal", "normal", "uniform", "loguniform", "triangular")


def _within(ge: float | None, gt: float | None, le: float | None):
    """A check that a number, or every value a distribution can draw, keeps the key's bounds."""
    parts = [f"greater than or equal to {ge:g}" if ge is not None else "",
             f"greater than {gt:g}" if gt is not None else "", f"less than or equal to {le:g}" if le is not None else ""]
    wanted = " and ".join(part for part in parts if part)

    def check(value):
        low, high = value.support() if isinstance(value, Distribution) else (value, value)
        # a lognormal never draws 0 itself, so it keeps "> 0" without a min
        open_low = isinstance(value, Distribution) and value.kind == "lognormal" and value.spec.min is None
        if (ge is not None and low < ge) or (gt is not None and (low < gt if open_low else low <= gt)) or \
                (le is not None and high > le) or low != low:
            if isinstance(value, Distribution):
                raise ValueError(f"a distribution whose draws stay {wanted} (its draws can reach "
                                 f"{low:g} to {high:g}; set min/max or narrow it)")
            broken = next((part for part, bad in zip(parts, (ge is not None and value < ge,
                                                              gt is not None and value <= gt,
                                                              le is not None and value > le)) if bad), wanted)
            raise ValueError(f"a number {broken}; got {value:g}")
        return value
    return check


def drawn(ge: float | None = None, gt: float | None = None, le: float | None = None):
    """The type of a key that takes a number or a distribution, within bounds."""
    return Annotated[float | Distribution, AfterValidator(_within(ge, gt, le))]


def value_of(value) -> float:
    """A key's number, or its distribution's typical value."""
    return value.central() if isinstance(value, Distribution) else value



class Node(Strict):
    """A place on the trafficking network."""

    id: Id
    name: str
    country: str = Field(description="ISO 3166-1 alpha-2 country code")
    region: Literal["latin_america", "caribbean", "atlantic", "west_africa", "north_africa", "europe"]
    kind: Literal["source", "departure", "transit", "market"] = Field(
        description="source: cocaine is bought here; market: it is sold here"
    )
    lat: float = Field(ge=-90, le=90, description="latitude, decimal degrees")
    lon: float = Field(ge=-180, le=180, description="longitude, decimal degrees")
    price_usd_per_kg: float = Field(gt=0, le=1e6, description="wholesale price of cocaine here, US$/kg")
    controlled_by: Id | None = Field(
        default=None, description="belligerent that taxes shipments passing here, if any"
    )


class Edge(Strict):
    """A leg by sea, air or land."""

    from_: Id = Field(alias="from")
    to: Id
    mode: Literal["sea", "air", "land"]
    travel_weeks: int = Field(ge=1, le=52, description="weeks to travel the leg")
    capacity_kg_per_week: float = Field(gt=0, le=1e7, description="most kg that can depart on this leg in a week")
    base_interdiction_risk: Probability = Field(
        description="chance a shipment is seized on this leg by patrols or customs outside the modelled police units"
    )
    cost_usd_per_kg: NonNegative = Field(le=1e6, description="transport and courier cost of the leg, US$/kg")


class Network(Strict):
    nodes: list[Node] = Field(min_length=2, max_length=MAX_NODES)
    edges: list[Edge] = Field(min_length=1, max_length=MAX_EDGES)

ROLES = ("leader", "coordinator", "broker", "transporter", "courier", "facilitator")


class Members(Strict):
    """How many people of each role an organisation has (docs/ODD.md, "People")."""

    leader: int = Field(ge=1, le=1000, description="the core: a clique (S230: a core of four or five)")
    coordinator: int = Field(default=0, ge=0, le=10_000, description="each tied to a leader")
    broker: int = Field(default=0, ge=0, le=10_000, description="each tied to a coordinator (or a leader): recruit "
                                                                 "and run transporters, couriers and facilitators")
    transporter: int = Field(default=0, ge=0, le=100_000, description="crews and pilots who accompany consignments")
    courier: int = Field(default=0, ge=0, le=100_000, description="people who carry cocaine on air legs")
    facilitator: int = Field(default=0, ge=0, le=100_000, description="local fixers at the hubs")


class OrganisationPeople(Strict):
    """The people of one organisation, as a network (sim/model/people.py builds it with networkx)."""

    members: Members
    extra_ties_per_member: float = Field(default=0.0, ge=0, le=20, description="ties beyond the chain of command, "
                                         "per member, between people of the same or adjacent tiers (redundancy)")
    courier_kg: float | None = Field(default=None, gt=0, le=10, description="kg each courier carries on the air "
                                     "legs (none: air legs carry consignments)")
    based_at: Id = Field(description="node where leaders, coordinators and brokers live")
    operates_at: list[Id] = Field(min_length=1, max_length=1000, description="nodes where transporters, couriers and "
                                  "facilitators live, in turn")


class Organisation(Strict):
    """A trafficking organisation: buys at its sources, sells at its markets."""

    id: Id
    name: str
    sources: list[Id] = Field(min_length=1)
    markets: list[Id] = Field(min_length=1)
    shipment_kg: float = Field(gt=0, le=100_000, description="kg per shipment")
    shipments_per_week: float = Field(ge=0, le=50, description="mean shipments launched per week")
    max_routes: int = Field(default=6, ge=1, le=50, description="routes considered (shortest by travel time)")
    rationality: NonNegative = Field(
        le=1000, description="logit sharpness of route choice; 0 = routes chosen at random"
    )
    memory_weeks: float = Field(ge=1, le=520, description="time scale over which seizures are remembered")
    prior_seizures: float = Field(gt=0, le=1e4, description="Beta prior on a leg's risk: pseudo-seizures")
    prior_safe_passages: float = Field(gt=0, le=1e4, description="Beta prior on a leg's risk: pseudo-safe-passages")
    cash_usd: Money = 0.0
    kind: Literal["supplier", "air_operator", "courier_network", "facilitator"] = Field(
        default="supplier", description="Colombian suppliers, Venezuelan air operators, Nigerian courier networks, "
                                        "local facilitators (FACTS 4, FACTS-2 section 4)")
    modes: list[Literal["sea", "air", "land"]] = Field(
        default=["sea", "air", "land"], min_length=1, description="the kinds of leg its routes may use")
    active: bool = Field(default=True, description="ships from week 1; if false it enters the trade (from no "
                                                    "shipments) when margins exceed what it requires (a market is needed)")
    people: OrganisationPeople | None = Field(default=None, description="its people (none: an organisation "
                                              "without people, that nobody can be arrested in)")
    credit_usd: NonNegative | None = Field(
        default=None, le=1e12, description="most it can owe: a shipment that would take its cash below minus this "
                                           "is not bought (none: no limit)")


class Belligerent(Strict):
    """An armed faction: a government or a rebel group. Starting conditions may be distributions."""

    id: Id
    name: str
    side: Literal["government", "rebel"]
    fighters: drawn(gt=0, le=1e7)
    max_fighters: drawn(gt=0, le=1e7) = Field(description="recruitment ceiling (recruitable population); "
                                                          "raised to the fighters drawn if below them")
    treasury_usd: drawn(ge=0, le=1e12)
    combat_effectiveness: drawn(gt=0, le=100) = Field(description="relative lethality per fighter")
    external_support_usd_per_week: drawn(ge=0, le=1e12) = 0.0
    natural_resources_usd_per_week: drawn(ge=0, le=1e12) = 0.0
    state_budget_usd_per_week: drawn(ge=0, le=1e12) = 0.0


class Region(Strict):
    """Part of a conflict's country: control of it shifts with the local balance of force, and the side
    that holds it taxes the traffic through its nodes."""

    id: Id
    name: str
    capital: bool = Field(default=False, description="the seat of government: rebels who take it win")
    nodes: list[Id] = Field(default_factory=list, description="network nodes whose traffic the holder taxes")
    government_control: drawn(ge=0, le=1) = Field(description="the government's share of control at the start")
    rebel_advantage: drawn(gt=0, le=100) = Field(
        default=1.0, description="multiplies rebel force in the contest for this region (terrain, population support)")
    value_share: float = Field(gt=0, le=1, description="share of the conflict's stakes located here")


class Sanction(Strict):
    """A UN sanction on one of a belligerent's income sources, for a span of weeks."""

    belligerent: Id
    income: Literal["external", "resources"] = Field(description="the income source sanctioned")
    share_cut: Probability = Field(description="share of that income the sanction removes")
    from_week: int = Field(ge=1, le=MAX_HORIZON_WEEKS)
    to_week: int = Field(default=MAX_HORIZON_WEEKS, ge=1, le=MAX_HORIZON_WEEKS, description="last week in force")


class Conflict(Strict):
    id: Id
    name: str
    country: str
    un_mission: str | None = Field(default=None, description="UN operation in the host state")
    stakes_usd_per_week: drawn(gt=0, le=1e10) = Field(
        description="what holding the state is worth a week (revenue of the contested polity)")
    belligerents: list[Belligerent] = Field(min_length=2, max_length=10)
    regions: list[Region] = Field(min_length=1, max_length=100, description="exactly one of them the capital")
    sanctions: list[Sanction] = Field(default_factory=list, max_length=100)
    initial_optimism: drawn(ge=0, le=1) | None = Field(
        default=None, description="this conflict's own initial optimism (default: conflict_dynamics.initial_optimism)")


class Channels(Strict):
    """Ablation switches: the ways criminal money can reach a war (both on in every shipped scenario)."""

    crime_buys_fighters: bool = Field(
        default=True, description="criminal income goes to the treasury that pays and recruits fighters")
    crime_lowers_war_cost: bool = Field(
        default=True, description="criminal income earned while fighting lowers a side's net cost of war")


class ConflictDynamics(Strict):
    """Parameters shared by all conflicts: money and fighters, territory, fighting, bargaining, endings."""

    attrition_rate_per_week: float = Field(ge=0, le=1, description="Lanchester coefficient: losses per opposing effective fighter per fully engaged week")
    combat_noise: Probability = Field(description="half-width of the uniform multiplicative noise on weekly losses")
    battle_death_share: Probability = Field(description="share of combat losses that are battle deaths")
    recruitment_cost_usd_per_fighter: float = Field(gt=0, le=1e7)
    upkeep_usd_per_fighter_week: NonNegative = Field(le=1e6)
    recruitment_budget_share: Probability = Field(description="share of the treasury spent on recruitment each week")
    desertion_rate_per_week: Probability = Field(description="share of unpaid fighters who leave each week")
    protection_tax_share: Probability = Field(description="share of a shipment's local value taken as protection tax")
    contest_decisiveness: float = Field(gt=0, le=20, description="exponent of the ratio-form contest success function")
    territory_shift_per_week: Probability = Field(description="share of the gap to the contest's odds that control closes in a week")
    engagement_floor: Probability = Field(description="fighting intensity when no region is contested")
    collapse_ratio: Probability = Field(description="a side whose effective force falls below this share of its opponent's is defeated")
    capital_capture_control: Probability = Field(description="rebels win when government control of the capital falls below this")
    belief_memory_weeks: float = Field(ge=1, le=5200, description="weeks of full fighting over which a side's belief about the balance of power renews")
    initial_optimism: drawn(ge=0, le=1) = Field(
        description="how far each side at first overrates its own chance of winning; a distribution is drawn "
                    "for each conflict of each replicate (wars differ in how much their sides misjudge)")
    war_cost_horizon_weeks: float = Field(ge=1, le=5200, description="weeks ahead a side counts the cost of fighting on")
    stakes_horizon_weeks: float = Field(ge=1, le=52000, description="weeks over which the stakes are valued")
    agreement_hazard_per_week: Probability = Field(description="weekly chance of agreeing while a credible bargaining range exists")
    commitment_horizon_weeks: float = Field(ge=0, le=5200, description="weeks ahead a shift in power is projected when judging whether a deal would hold")
    power_trend_weeks: float = Field(ge=1, le=520, description="time scale of the moving average of the shift in power")
    un_agreement_multiplier: float = Field(ge=0, le=100, description="multiplies the agreement hazard where a UN mission is present")
    un_victory_multiplier: float = Field(ge=0, le=1, description="multiplies the collapse ratio and capture control where a UN mission is present")
    low_activity_deaths_per_year: float = Field(gt=0, le=1e6, description="an episode ends in low activity when a year's battle deaths fall below this")
    war_deaths_per_year: float = Field(gt=0, le=1e7, description="battle deaths in a year that make an episode a war")
    channels: Channels = Field(default_factory=Channels)


class HostUnit(Strict):
    """A host-state police post at a node (border post, port, airport)."""

    id: Id
    node: Id
    officers: int = Field(ge=0, le=1_000_000)
    skill: Probability
    corruption: Probability = Field(description="chance that a detected shipment is let through for a bribe")
    inspection_capacity_shipments_per_week: float = Field(gt=0, le=1e6)
    passes_bribes_to: Id | None = Field(
        default=None, description="belligerent (officers or a faction above the post) that takes a share of its bribes")
    passed_up_share: Probability = Field(default=0.0, description="share of each bribe passed up to passes_bribes_to")
    skill_lost_per_bribe: Probability = Field(
        default=0.0, description="share of its skill a post loses with each bribe it takes (corruption erodes capacity)")


class UnUnit(Strict):
    """A UN police team posted at a node, drawn from the regional UN police strength."""

    id: Id
    node: Id
    mission: str
    share_of_regional_officers: Probability
    inspection_capacity_shipments_per_week: float = Field(gt=0, le=1e6)


class HostPolice(Strict):
    units: list[HostUnit] = Field(default_factory=list, max_length=MAX_ENTITIES)


class UnPolice(Strict):
    officers: int = Field(ge=0, le=1_000_000, description="UN police deployed worldwide")
    regional_share: Probability = Field(description="share of UN police deployed in the modelled missions")
    mandate: Literal["monitoring", "support", "executive"]
    skill: Probability
    corruption: Probability
    mentoring_gain: NonNegative = Field(le=100, description="extra host capacity growth per UN officer per host officer at a node")
    units: list[UnUnit] = Field(default_factory=list, max_length=MAX_ENTITIES)


class MaritimePatrol(Strict):
    """Interdiction at sea on named legs (for example MAOC-N, Lisbon, from 2007: FACTS S36-S37)."""

    id: Id
    name: str
    legs: list[list[Id]] = Field(min_length=1, max_length=1000, description="[from, to] of each leg it patrols")
    detection: Probability = Field(description="chance it seizes a shipment crossing one of its legs")


class Police(Strict):
    detection_rate_per_officer: NonNegative = Field(le=10, description="detection hazard per effective officer per shipment")
    alert_gain: NonNegative = Field(le=100, description="detection hazard increase per unit of alert")
    alert_decay_per_week: Probability
    bribe_share: Probability = Field(description="share of a shipment's local value paid as a bribe")
    mandate_factor: dict[Literal["monitoring", "support", "executive"], Probability]
    host: HostPolice
    un: UnPolice
    maritime: list[MaritimePatrol] = Field(default_factory=list, max_length=MAX_ENTITIES)

    @field_validator("mandate_factor")
    @classmethod
    def _every_mandate(cls, value: dict) -> dict:
        missing = [m for m in ("monitoring", "support", "executive") if m not in value]
        if missing:
            raise ValueError(f"a factor for each of monitoring, support and executive; missing {', '.join(missing)}")
        return value


class DatabaseAccess(Strict):
    host: bool
    un: bool


class Levers(Strict):
    """The policy levers, each one key."""

    criminal_funding: bool = Field(description="belligerents can tax trafficking")
    database_access: DatabaseAccess
    host_capacity_growth_per_year: Probability = Field(description="share of the host police skill gap closed per year")
    corruption_scale: float = Field(ge=0, le=10, description="multiplies every host unit's corruption (capped at 1)")
    border_capacity_scale: float = Field(gt=0, le=100, description="multiplies every unit's inspection capacity")


class Market(Strict):
    """European wholesale prices that answer to supply, and source prices that answer to demand.

    Market price = reference price x (supply / reference supply)^(1 / demand elasticity), supply the kg
    delivered to the modelled markets, averaged over `supply_window_weeks`; source price likewise with
    the kg bought and the supply elasticity. Prices move a share of the way each week, within bounds."""

    demand_elasticity: float = Field(ge=-5, le=-0.05, description="price elasticity of European demand")
    reference_supply_kg_per_week: float = Field(gt=0, le=1e7, description="delivered kg a week at which market prices are the nodes' prices")
    supply_elasticity: float = Field(gt=0, le=20, description="price elasticity of supply at the sources")
    reference_purchases_kg_per_week: float = Field(gt=0, le=1e7, description="kg bought a week at which source prices are the nodes' prices")
    supply_window_weeks: float = Field(ge=1, le=520, description="weeks over which delivered and bought kg are averaged")
    price_adjustment_per_week: Probability = Field(description="share of the gap to the clearing price closed each week")
    price_index_bounds: list[float] = Field(min_length=2, max_length=2, description="[lowest, highest] multiple of the reference price")
    required_margin: float = Field(ge=-1, le=1, description="expected margin (share of the market price) at which an organisation neither grows nor cuts its shipping")
    capacity_response_per_week: Probability = Field(description="share of its capacity by which an organisation changes its shipping a week per unit of margin above or below the required one")

    @field_validator("price_index_bounds")
    @classmethod
    def _ordered(cls, value: list[float]) -> list[float]:
        if not 0 < value[0] <= 1 <= value[1] <= 1000:
            raise ValueError(f"[low, high] with 0 < low <= 1 <= high <= 1000; got {value}")
        return value

class Identification(Strict):
    """What a check finds out about a person by querying INTERPOL's databases (docs/ODD.md, "People")."""

    document_hit: Probability = Field(description="chance a query of a stolen or lost travel document flags it (SLTD)")
    nominal_hit: Probability = Field(description="chance a query of a wanted person's name finds the notice or the "
                                                 "local wanted list")
    fingerprint_hit: Probability = Field(description="chance fingerprints identify a person with a record (AFIS)")
    europe_database: bool = Field(description="European border checks query the databases")


class Investigation(Strict):
    """What follows an arrest: ties revealed, notices, and the people pursued."""

    reveal_per_tie: Probability = Field(description="chance an arrest reveals each tie of the arrested, times the "
                                                    "arresting agency's skill")
    pursuits_per_arrest: int = Field(ge=0, le=100, description="revealed people an investigation pursues")
    pursuit_success: Probability = Field(description="chance a pursuit in the arresting agency's country arrests, "
                                                     "times its skill")
    notice_arrest_share: Probability = Field(description="chance, relative to a local pursuit, that a notice leads "
                                                         "to an arrest in another country")
    agency_skill: Probability = Field(description="skill of the agencies that are not police posts (customs at a "
                                                  "leg's end, maritime patrols)")
    targeting: Literal["found", "leaders", "brokers"] = Field(description="whom investigations pursue first: whoever "
                                                                          "is found, the highest rank, the most central")


class People(Strict):
    """The people of the trafficking organisations: recruitment, documents, identification, investigation."""

    recruit_weeks: dict[str, int] = Field(description="weeks to replace an arrested member, by role (each of "
                                                      "leader, coordinator, broker, transporter, courier, facilitator)")
    stolen_document_share: Probability = Field(description="share of recruits travelling on a stolen or lost document")
    courier_release_share: Probability = Field(description="share of arrested couriers released without "
                                                           "prosecution, who return with a record")
    release_weeks: int = Field(ge=1, le=520, description="weeks before a released courier can work again")
    identification: Identification
    investigation: Investigation
    snapshot_weeks: list[int] = Field(default_factory=list, max_length=100,
                                      description="weeks at which the people's status is kept for views")
    structure_seed: int = Field(default=0, ge=0, le=2**31 - 1, description="seed of the networks' random ties")

    @field_validator("recruit_weeks")
    @classmethod
    def _every_role(cls, value: dict) -> dict:
        unknown = [role for role in value if role not in ROLES]
        missing = [role for role in ROLES if role not in value]
        if unknown or missing:
            raise ValueError(f"weeks for each of {', '.join(ROLES)}" + (f"; missing {', '.join(missing)}" if missing
                                                                        else f"; unknown {', '.join(unknown)}"))
        if any(not 1 <= weeks <= 5200 for weeks in value.values()):
            raise ValueError(f"whole weeks from 1 to 5200; got {value}")
        return value

    @field_validator("snapshot_weeks")
    @classmethod
    def _weeks(cls, value: list[int]) -> list[int]:
        if any(week < 1 for week in value) or len(set(value)) != len(value):
            raise ValueError(f"distinct weeks from 1; got {value}")
        return value


def _iso_date(value):
    """A date as YAML reads it (unquoted 2009-01-05), or the same text quoted; nothing else (a number is
    not taken for a Unix time, a time of day is refused)."""
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"a date written YYYY-MM-DD; got {value!r}") from None
    if isinstance(value, datetime.datetime):
        raise ValueError(f"a date without a time of day, YYYY-MM-DD; got {value.isoformat(sep=' ')}")
    return value


Date = Annotated[datetime.date, BeforeValidator(_iso_date)]


class Event(Strict):
    """A change of the scenario at a date (docs/ODD.md, "Calendar and events"): from the start of the
    week that holds `date`, each key path in `set` has its new value. A key the rules read every week
    (a parameter) takes the new value from that week on; a key that sets a starting condition (fighters,
    a unit's officers, a region's control) writes its new value into the state at that week."""

    date: Date = Field(description="the day the change happens (YYYY-MM-DD); it takes effect at the start "
                                   "of the week that holds it")
    name: str = Field(min_length=1, max_length=200, description="what happens, in a few words")
    set: dict[str, Any] = Field(min_length=1, max_length=1000,
                                description="key path -> new value, e.g. police.un.officers: 9000")
    source: str = Field(min_length=1, description="where the date and values come from, or 'assumption'")


MAX_EVENTS = 1000


class Scenario(Strict):
    """A complete, runnable description of one threat-network world."""

    name: str
    description: str = ""
    seed: int = Field(ge=0, le=2**63 - 1)
    horizon_weeks: int = Field(ge=1, le=MAX_HORIZON_WEEKS)
    network: Network
    organisations: list[Organisation] = Field(min_length=1, max_length=MAX_ENTITIES)
    conflicts: list[Conflict] = Field(default_factory=list, max_length=MAX_ENTITIES)
    conflict_dynamics: ConflictDynamics
    police: Police
    levers: Levers
    market: Market | None = Field(default=None, description="prices that answer to supply and demand (none: fixed prices)")
    people: People | None = Field(default=None, description="how the organisations' people are recruited, "
                                                            "identified and investigated (needed where an organisation has people)")
    start_date: Date | None = Field(
        default=None, description="the first day of week 1 (YYYY-MM-DD): series carry dates, runs write monthly "
                                  "and annual totals, and events can be dated")
    events: list[Event] = Field(default_factory=list, max_length=MAX_EVENTS,
                                description="dated changes of key paths (needs start_date)")
    _file: str = PrivateAttr(default="<scenario>")  # the file it was read from, for messages about its events
