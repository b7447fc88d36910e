"""Shared fixtures: the shipped scenarios, compiled once per session."""

from pathlib import Path

import pytest

from sim.scenario import load_scenario
from sim.model import compile_scenario

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
DEFAULT = ROOT / "scenarios" / "west_africa_2009.yaml"


@pytest.fixture(scope="session")
def default_compiled():
    return compile_scenario(load_scenario(DEFAULT))


def compiled_with(**overrides):
    """The default scenario with `{key.path: value}` overrides (pass keys with __ for dots)."""
    return compile_scenario(load_scenario(DEFAULT, {k.replace("__", "."): v for k, v in overrides.items()}))
