"""The shipped scenarios: valid, runnable, and every number cites a source or says it is an assumption."""

import re

import pytest

from sim import load_scenario, run_model
from sim.scenario import scenario_hash

from .conftest import SCENARIOS

NUMBER = re.compile(r":\s*[-\d.]+\s*(#|$)|\b\d+(\.\d+)?\b")
CITATION = re.compile(r"#.*(\bS\d+\b|FACTS|assumption|\bD\b|lever|no change|declaration)", re.IGNORECASE)


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_every_numeric_value_cites_its_source(path):
    for number, line in enumerate(path.read_text().splitlines(), 1):
        code = line.split("#", 1)[0]
        value_text = re.sub(r"\b(id|name|country|node|mission|from|to|sources|markets|extends):\s*[^,}]+", "", code)
        if re.search(r":\s*-?\d", value_text) and not CITATION.search(line):
            pytest.fail(f"{path.name}:{number} has a number without a source or 'assumption': {line.strip()}")


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_shipped_scenario_is_valid_and_runs(path):
    scenario = load_scenario(path)
    series = run_model(scenario, seed=1, driver="kernel")
    assert len(series) == scenario.horizon_weeks
    assert series["shipped_kg"].sum() > 0


def test_extends_changes_only_what_it_says():
    base = load_scenario(SCENARIOS[0].parent / "west_africa_2009.yaml")
    child = load_scenario(SCENARIOS[0].parent / "no_criminal_funding.yaml")
    assert child.levers.criminal_funding is False and base.levers.criminal_funding is True
    assert child.network == base.network and child.police == base.police
    assert scenario_hash(child) != scenario_hash(base)
