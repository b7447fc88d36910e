"""The counter-based generator: a draw is fixed by its address, not by call order."""

import numpy as np

from sim.model import rng


def test_draw_depends_only_on_its_address():
    addresses = [(7, step, entity, purpose) for step in range(5) for entity in range(5) for purpose in (1, 4)]
    forward = [rng.uniform(*a) for a in addresses]
    backward = [rng.uniform(*a) for a in reversed(addresses)][::-1]
    assert forward == backward
    assert len(set(forward)) == len(forward)


def test_draws_are_uniform_and_streams_differ():
    draws = np.array([rng.uniform(1, s, e, rng.ROUTE_CHOICE) for s in range(200) for e in range(100)])
    assert 0.0 <= draws.min() and draws.max() < 1.0
    assert abs(draws.mean() - 0.5) < 0.01
    assert abs(np.corrcoef(draws[:-1], draws[1:])[0, 1]) < 0.03
    other = np.array([rng.uniform(1, s, e, rng.POLICE_DETECTION) for s in range(200) for e in range(100)])
    assert abs(np.corrcoef(draws, other)[0, 1]) < 0.03


def test_replicate_seeds_are_distinct_and_non_negative():
    seeds = [rng.replicate_seed(2009, i) for i in range(10_000)]
    assert len(set(seeds)) == len(seeds) and min(seeds) >= 0
