"""The shipped 2005-2012 corridor: both drivers agree on it bit for bit, its dated events act at their dates,
and the trafficking pattern file is simulated by it."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sim import shipped
from sim.drivers.kernel import run_kernel
from sim.drivers.mesa import ThreatNetworkModel
from sim.model import State, compile_from
from sim.patterns import load_patterns
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "west_africa_2005_2012.yaml"
FIRST_EVENT, OPENING = (load_scenario(SCENARIO).events[i] for i in (0, 4))  # weeks 118 and 144
assert (FIRST_EVENT.name, OPENING.name) == ("MAOC-N operational", "MAOC-N officially opened")
# Past MAOC-N's opening with its two events the only ones (the later ones would fall outside a shorter horizon).
SHORT = {"horizon_weeks": 160, "events": [event.model_dump(mode="json") for event in (FIRST_EVENT, OPENING)]}


def test_mesa_equals_kernel_on_the_2005_2012_corridor():
    compiled = compile_from(SCENARIO, SHORT)
    model = ThreatNetworkModel(compiled, rng=4)
    model.run_model()
    state, series = run_kernel(compiled, 4)
    assert np.array_equal(model.series().reset_index().to_numpy(), series)
    for field in State._fields:
        assert np.array_equal(getattr(model.state, field), getattr(state, field), equal_nan=True), field


def test_maoc_n_seizes_nothing_before_it_operates_and_something_after_its_opening():
    compiled = compile_from(SCENARIO, {**SHORT, "horizon_weeks": 200})
    columns = compiled.layout.series_columns
    maritime = columns.index("seized_maritime_kg")
    week = columns.index("week")
    before = after = 0.0
    for seed in range(4):
        _, series = run_kernel(compiled, seed)
        before += series[series[:, week] < 118, maritime].sum()
        after += series[series[:, week] >= 118, maritime].sum()
    assert before == 0.0 and after > 0.0


def test_maoc_n_watches_what_crosses_its_legs_from_april_2007_and_seizes_a_part_of_it():
    """maritime_watched_kg counts the kg reaching the end of a leg a patrol watches, seized there or not:
    nothing before MAOC-N operates, then more than it seizes, and its seizures over it stay near the
    chances it is given here while starting up (0.02 and 0.015 a passage: the share pattern of S237 reads
    this ratio)."""
    starting = {**FIRST_EVENT.model_dump(mode="json"),
                "set": {"police.maritime[0].detection": 0.02, "police.maritime[1].detection": 0.015}}
    compiled = compile_from(SCENARIO, {"horizon_weeks": 140, "events": [starting]})
    columns = compiled.layout.series_columns
    watched, seized, week = (columns.index(name) for name in ("maritime_watched_kg", "seized_maritime_kg", "week"))
    totals = np.zeros(3)
    for seed in range(8):
        _, series = run_kernel(compiled, seed)
        early = series[:, week] < 118
        totals += [series[early, watched].sum(), series[~early, watched].sum(), series[~early, seized].sum()]
    before, after, stopped = totals
    assert before == 0.0 and after > 10 * stopped > 0.0
    assert 0.005 < stopped / after < 0.04


def test_the_trafficking_patterns_are_simulated_by_the_2005_2012_corridor_and_the_schiphol_checks():
    patterns = load_patterns(shipped.resolve("west_africa_trafficking", "patterns"))
    assert patterns.reads_annual()
    groups = patterns.by_scenario(None)
    assert [path.name for path in groups] == ["west_africa_2005_2012.yaml", "schiphol_checks_2008.yaml"]
    checks = [patterns.patterns[i] for i in groups[next(path for path in groups if path.name.startswith("schiphol"))]]
    roles_of_checks = {pattern.name: pattern.role for pattern in checks}
    assert roles_of_checks == {"schiphol_checks_cut_courier_seizures": "fit",  # calibrations/courier_memory.yaml
                               "schiphol_checks_move_couriers_elsewhere": "test"}  # held out
    roles = {pattern.role for pattern in patterns.patterns}
    assert roles == {"fit", "test"}


def test_a_named_scenario_is_scored_on_its_own_patterns_and_a_what_if_on_all():
    """`threatnet patterns SCENARIO west_africa_trafficking`: the corridor is scored on the patterns that
    name it (the Schiphol checks name another scenario, which extends it); a scenario the file does not name
    (a user's what-if) on every pattern."""
    patterns = load_patterns(shipped.resolve("west_africa_trafficking", "patterns"))
    corridor = ROOT / "scenarios" / "west_africa_2005_2012.yaml"
    scored, skipped = patterns.scored_on(corridor)
    assert set(skipped) == {"schiphol_checks_cut_courier_seizures", "schiphol_checks_move_couriers_elsewhere"}
    assert len(scored.patterns) == len(patterns.patterns) - 2
    scored, skipped = patterns.scored_on(ROOT / "scenarios" / "west_africa_2009.yaml")
    assert scored is patterns and skipped == ()


def test_couriers_are_booked_away_from_a_checked_airport_while_their_consignments_are_at_sea():
    """Checks at Schiphol from 7 January 2008: a consignment launched before them reaches Lagos or Tema by
    land and sea some five weeks later, and its couriers' flights are booked there, on what the organisation
    has learnt since. So fewer couriers land at Amsterdam in the weeks after the checks than in the same
    replicates without them, although the consignments arriving then were all launched before (with the
    flight fixed at launch, the two counts were equal)."""
    path = ROOT / "scenarios" / "schiphol_checks_2008.yaml"
    events = [event.model_dump(mode="json") for event in load_scenario(path).events
              if event.date.year <= 2007 or event.name.startswith("100% checks")]
    assert len(events) == 3
    checked = compile_from(path, {"horizon_weeks": 164, "events": events})
    unchecked = compile_from(path, {"horizon_weeks": 164, "events": [e for e in events if not e["name"].startswith("100%")]})
    arrived = checked.layout.series_columns.index("amsterdam.couriers_arrived")
    after_checks = slice(158, 163)  # weeks 159-163; the checks start in week 158
    totals = np.zeros(2)
    for seed in range(100):
        for k, compiled in enumerate((checked, unchecked)):
            series = run_kernel(compiled, seed)[1]
            totals[k] += series[after_checks, arrived].sum()
    assert totals[1] > 1000
    assert totals[0] < 0.97 * totals[1]
