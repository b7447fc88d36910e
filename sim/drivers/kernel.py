"""The compiled driver: whole replicates in numba, many per call, no Python objects in the loop.

The week, the series recorder and the outcome extractor are generated from the model's declarations
(`sim.model.generate`); this module runs them: one replicate (`run_kernel`), or many on one thread
without returning to Python between them (`run_replicates`, `nogil`, so threads share the cores).
"""

from __future__ import annotations

import numpy as np

from ..model import MODEL
from ..model.compile import CompiledScenario
from ..model.declare import Lever
from ..model.generate import generated, struct


def run_kernel(compiled: CompiledScenario, seed: int):
    """Run one replicate with the kernel: returns (final state, series array)."""
    state = compiled.fresh_state()
    params = compiled.with_seed(seed)
    series = np.zeros((int(params.horizon_weeks), len(compiled.layout.series_columns)))
    generated().run_weeks(struct(state), params, series)
    return state, series


def outcome_widths(compiled: CompiledScenario) -> tuple[int, int, int]:
    """(run outcome columns, per-entity outcome columns, entity rows) of a replicate."""
    columns = MODEL.outcome_columns()
    run = sum(1 for c in columns if c.per is None and not isinstance(c.source, Lever))
    per = sum(1 for c in columns if c.per is not None)
    rows = compiled.layout.count(MODEL.row_kind) if MODEL.row_kind else 0
    return run, per, rows


def run_replicates(compiled: CompiledScenario, state, seeds: np.ndarray, keep_series: int = 0):
    """Run replicates with `seeds` on this thread into fresh outcome arrays (and series for the first
    `keep_series`): returns (run_rows, entity_rows, series)."""
    run, per, rows = outcome_widths(compiled)
    run_rows = np.zeros((len(seeds), run))
    entity_rows = np.zeros((len(seeds), max(rows, 1), max(per, 1)))
    weeks = int(compiled.params.horizon_weeks)
    series = np.zeros((max(keep_series, 1), weeks, len(compiled.layout.series_columns)))
    generated().run_replicates(struct(state), struct(compiled.initial), compiled.params, seeds.astype(np.int64), keep_series,
                               series, run_rows, entity_rows)
    return run_rows, entity_rows, series[:keep_series]
