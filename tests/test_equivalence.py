"""The Mesa model and the compiled kernel give the same numbers; worker count changes nothing."""

import platform
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from sim.drivers.kernel import run_kernel
from sim.drivers.mesa import ThreatNetworkModel
from sim.model import compile_from
from sim.runners.montecarlo import run_monte_carlo
from sim.model import END_TYPES, State
from sim.model.trafficking import SHIPPED_KG

from .conftest import DEFAULT, SCENARIOS

SEEDS = range(8)
# Scenarios that differ from their parent only in values (levers, conflicts, strengths) run the same
# actions: fewer seeds each, so the suite stays within its time on 2 cores (a Mesa run of the default
# scenario with its 2,178 people takes about 4.5 s: every call of an action from Python unboxes the state).
FULL = {"west_africa_2009.yaml", "west_africa_2005_2012.yaml", "guinea_bissau.yaml", "civil_war_reference.yaml"}
VARIANT_SEEDS = range(3)


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_kernel_series_equal_mesa_series_exactly(path):
    """Both drivers call the same actions in the same order, so equality is exact, not approximate."""
    compiled = compile_from(path)
    for seed in (SEEDS if path.name in FULL else VARIANT_SEEDS):
        model = ThreatNetworkModel(compiled, rng=seed)
        model.run_model()
        kernel_state, kernel_series = run_kernel(compiled, seed)
        mesa_series = model.series().reset_index().to_numpy()
        assert np.array_equal(mesa_series, kernel_series), f"{path.name} seed {seed}: series differ"
        if seed < 3:
            for field in State._fields:
                assert np.array_equal(getattr(model.state, field), getattr(kernel_state, field), equal_nan=True), field  # a full route is NaN in both


def test_replicates_do_not_depend_on_worker_count_or_chunking():
    compiled = compile_from(DEFAULT)
    one = run_monte_carlo(compiled, 60, seed=4, workers=1)
    two = run_monte_carlo(compiled, 60, seed=4, workers=2, chunk_size=7)
    pd.testing.assert_frame_equal(one, two)
    assert one["seed"].nunique() == 60 and one["replicate"].max() == 59
    assert set(one["end_type"]) <= set(END_TYPES)


def test_replicate_i_is_the_single_run_with_its_seed():
    compiled = compile_from(DEFAULT)
    table = run_monte_carlo(compiled, 5, seed=9, workers=2)
    row = table[(table["replicate"] == 3)].iloc[0]
    state, _ = run_kernel(compiled, int(row["seed"]))
    assert row["shipped_kg"] == state.totals[SHIPPED_KG]
    assert row["duration_weeks"] == (state.conflict_end_step[0] if state.conflict_end_step[0] > 0 else 1040)


def test_mc_cli_streams_chunks_and_writes_manifest(tmp_path):
    out = tmp_path / "mc"
    result = subprocess.run([sys.executable, "-m", "sim.cli", "mc", str(DEFAULT), "--replicates", "50",
                             "--chunk-size", "20", "--workers", "2", "--series-sample", "2", "--out", str(out)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    parts = sorted((out / "replicates").glob("part-*.parquet"))
    assert len(parts) == 3
    table = pd.read_parquet(out / "replicates")
    assert table["replicate"].nunique() == 50 and not table.duplicated(["replicate", "conflict"]).any()
    assert pd.read_parquet(out / "series")["replicate"].nunique() == 2
    manifest = (out / "manifest.json").read_text()
    for key in ("scenario_hash", "threatnet_version", "seed", "replicates", "workers", "wall_seconds"):
        assert key in manifest
    assert "median" in result.stdout and "95% CI" in result.stdout
    again = subprocess.run([sys.executable, "-m", "sim.cli", "mc", str(DEFAULT), "--replicates", "5",
                            "--out", str(out)], capture_output=True, text=True, timeout=120)
    assert again.returncode == 2 and "--overwrite" in again.stderr


@pytest.mark.skipif(platform.machine().lower() not in ("x86_64", "amd64"), reason="reads the x86-64 cycle counter")
def test_the_profiled_kernel_runs_the_same_replicates_and_accounts_for_every_phase():
    """`threatnet bench --profile` times a copy of the week with the cycle counter read between phases:
    it must be the same schedule (the same outcomes as the kernel's, here with dated events) and its
    counters must cover every phase of every week."""
    from sim.drivers.kernel import run_replicates
    from sim.model import rng
    from sim.model.generate import profile_labels
    from sim.runners.bench import format_profile, profile

    compiled = compile_from(DEFAULT.with_name("west_africa_2005_2012.yaml"))
    profiled = profile(compiled, 3, seed=5)
    seeds = np.array([rng.replicate_seed(5, i) for i in range(3)], np.int64)
    run_rows, entity_rows, _ = run_replicates(compiled, compiled.fresh_state(), seeds)
    assert np.array_equal(profiled["run_rows"], run_rows, equal_nan=True)
    assert np.array_equal(profiled["entity_rows"], entity_rows, equal_nan=True)
    phases = {row["phase"]: row for row in profiled["phases"]}
    assert list(phases) == profile_labels()
    weeks = int(compiled.params.horizon_weeks)
    assert phases["market.clear_market"]["calls_per_replicate"] == weeks
    assert phases["dated events"]["calls_per_replicate"] == weeks
    assert phases["trafficking.launch_shipments (per organisation)"]["calls_per_replicate"] == \
        weeks * compiled.layout.count("organisations")
    assert abs(sum(row["share"] for row in profiled["phases"]) - 1.0) < 1e-9
    assert all(row["ms_per_replicate"] >= 0 for row in profiled["phases"])
    assert profiled["phases"][profile_labels().index("trafficking.move_shipment (per slot)")]["share"] > 0.01
    assert "trafficking.move_shipment (per slot)" in format_profile(profiled)
