"""The scenario format: one pydantic model per section, the single declaration
of every parameter with its type, bounds and unit.

Validation is strict (no silent coercion of "5" to 5, unknown keys refused),
and the JSON Schema printed by `threatnet schema` comes from these classes.
Cross-references (edges naming nodes, units at nodes, paths from sources to
markets) are checked in `references.py`, where the key path of the offending
entry can be named.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

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


class Node(Strict):
    """A place on the trafficking network."""

    id: Id
    name: str
    country: str = Field(description="ISO 3166-1 alpha-2 country code")
    region: Literal["latin_america", "west_africa", "north_africa", "europe"]
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


class Belligerent(Strict):
    """An armed faction: a government or a rebel group."""

    id: Id
    name: str
    side: Literal["government", "rebel"]
    fighters: float = Field(gt=0, le=1e7)
    max_fighters: float = Field(gt=0, le=1e7, description="recruitment ceiling (recruitable population)")
    treasury_usd: Money
    combat_effectiveness: float = Field(gt=0, le=100, description="relative lethality per fighter")
    external_support_usd_per_week: Money = 0.0
    natural_resources_usd_per_week: Money = 0.0
    state_budget_usd_per_week: Money = 0.0


class Conflict(Strict):
    id: Id
    name: str
    country: str
    un_mission: str | None = Field(default=None, description="UN operation in the host state")
    belligerents: list[Belligerent] = Field(min_length=2, max_length=10)


class ConflictDynamics(Strict):
    """Parameters shared by all conflicts (money, recruitment, attrition, termination)."""

    attrition_rate_per_week: float = Field(ge=0, le=1, description="Lanchester coefficient: losses per opposing effective fighter per week")
    combat_noise: Probability = Field(description="half-width of the uniform multiplicative noise on weekly losses")
    collapse_fraction: Probability = Field(description="a side falling below this share of its initial fighters is defeated")
    settlement_hazard_max: Probability = Field(description="weekly settlement hazard when both sides are fully exhausted")
    victory_hazard_max: Probability = Field(description="weekly hazard of decisive victory for a side with all the fighters")
    victory_exponent: float = Field(ge=0, le=50, description="how sharply the victory hazard rises with a side's share of fighters")
    recruitment_cost_usd_per_fighter: float = Field(gt=0, le=1e7)
    upkeep_usd_per_fighter_week: NonNegative = Field(le=1e6)
    recruitment_budget_share: Probability = Field(description="share of the treasury spent on recruitment each week")
    desertion_rate_per_week: Probability = Field(description="share of unpaid fighters who leave each week")
    funding_effectiveness: Probability = Field(
        description="how far money turns into strength (1: fully; 0: money neither recruits nor its lack causes desertion)"
    )
    protection_tax_share: Probability = Field(description="share of a shipment's local value taken as protection tax")


class HostUnit(Strict):
    """A host-state police post at a node (border post, port, airport)."""

    id: Id
    node: Id
    officers: int = Field(ge=0, le=1_000_000)
    skill: Probability
    corruption: Probability = Field(description="chance that a detected shipment is let through for a bribe")
    inspection_capacity_shipments_per_week: float = Field(gt=0, le=1e6)


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


class Police(Strict):
    detection_rate_per_officer: NonNegative = Field(le=10, description="detection hazard per effective officer per shipment")
    database_detection_multiplier: float = Field(ge=1, le=100, description="detection hazard multiplier with INTERPOL database access")
    alert_gain: NonNegative = Field(le=100, description="detection hazard increase per unit of alert")
    alert_decay_per_week: Probability
    bribe_share: Probability = Field(description="share of a shipment's local value paid as a bribe")
    mandate_factor: dict[Literal["monitoring", "support", "executive"], Probability]
    host: HostPolice
    un: UnPolice

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
