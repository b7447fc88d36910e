"""Where the kernel's time goes: ns per replicate-week for each phase of the week (and, with
`--detail`, each step of the two costliest actions), on the real trajectories.

numba code is opaque to cProfile and the actions are inlined into one function, so this script
generates an instrumented copy of the kernel: the same `run_replicates`, with the CPU's cycle counter
(benchmarks/cycles.py) read around each phase of `MODEL.schedule` and around each replicate's reset,
initialisation and extraction. The counter's own cost (an empty interval, measured in the same run)
is subtracted per interval; cycles become ns by timing the counter against `perf_counter`. The
instrumented run must give the real kernel's outcomes bit for bit (checked), so the table attributes
the real workload. The counter reads cost a little reordering freedom, so the parts add up to a bit
less than the uninstrumented kernel's time per week; the difference is printed.

    PYTHONPATH=. python benchmarks/profile_kernel.py [scenario.yaml] [replicates] [--detail]
"""

from __future__ import annotations

import importlib.util
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from numba import njit

from benchmarks.cycles import cycles
from benchmarks.profile_detail import FIGHT_PARTS, LAUNCH_PARTS
from sim.drivers.kernel import outcome_widths, run_replicates
from sim.model import MODEL, compile_from, generate, rng

DETAILED = {"launch_shipments": ("launch_timed", LAUNCH_PARTS), "fight": ("fight_timed", FIGHT_PARTS)}


def _label(phase) -> str:
    return f"{phase.action.py_func.__module__.rsplit('.', 1)[-1]}.{phase.action.py_func.__name__}"


def instrumented_source(detail: bool) -> tuple[str, list[str]]:
    """The generated kernel plus `profiled_replicates`: run_replicates with cycle counts per part."""
    labels, body = [], []
    for phase in MODEL.schedule:
        name = phase.action.py_func.__name__
        if detail and name in DETAILED:
            timed, parts = DETAILED[name]
            lines = generate._phase_lines([phase], {}, "week")
            call = lines[-1].strip().split("(")[0]
            lines[-1] = lines[-1].replace(f"{call}(s, p, row, week)", f"{timed}(s, p, row, week, acc, {len(labels)})")
            labels += parts
            body += lines
            continue
        labels.append(_label(phase))
        body += ["    t0 = cycles()", *generate._phase_lines([phase], {}, "week"),
                 f"    tally(acc, {len(labels) - 1}, cycles() - t0)"]
    n = len(labels)
    labels += ["reset", "initialise", "extract"]
    base = generate.generated_source().replace(
        "from numba import njit", "from numba import njit\nfrom benchmarks.cycles import cycles\n"
        "from benchmarks.profile_detail import tally, launch_timed, fight_timed")
    week = ["", "", '@njit(_nrt=False, inline="always")', "def profiled_week(s, p, week, acc):", *body]
    batch = f'''

@njit(_nrt=False)
def profiled_horizon(s, p, acc):
    for week in range(1, p.horizon_weeks + 1):
        profiled_week(s, p, week, acc)


@njit
def profiled_replicates(s, initial, p, seeds, run_rows, entity_rows, acc):
    """run_replicates, timed (same structure: the week inlined in a loop without reference counting)."""
    for r in range(seeds.shape[0]):
        t0 = cycles()
        reset(s, initial)
        tally(acc, {n}, cycles() - t0)
        q = with_seed(p, seeds[r])
        t0 = cycles()
        initialise(s, q)
        tally(acc, {n + 1}, cycles() - t0)
        profiled_horizon(s, q, acc)
        t0 = cycles()
        extract(s, q, run_rows[r], entity_rows[r])
        tally(acc, {n + 2}, cycles() - t0)


@njit
def empty_intervals(count):
    """Cycles of `count` empty intervals: the counter's own cost."""
    total = 0
    for _ in range(count):
        t0 = cycles()
        total += cycles() - t0
    return total
'''
    return base + "\n".join(week) + batch, labels


def load(source: str):
    path = Path(tempfile.mkdtemp()) / "threatnet_profiled.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("threatnet_profiled", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["threatnet_profiled"] = module
    spec.loader.exec_module(module)
    return module


@njit
def _spin(wanted):
    t0 = cycles()
    while cycles() - t0 < wanted:
        pass


def ns_per_cycle() -> float:
    _spin(1000)
    started = time.perf_counter()
    _spin(300_000_000)
    return (time.perf_counter() - started) * 1e9 / 300_000_000


def profile(scenario: str, replicates: int, detail: bool, repeats: int = 3) -> None:
    compiled = compile_from(scenario)
    source, labels = instrumented_source(detail)
    module = load(source)
    run, per, rows = outcome_widths(compiled)
    seeds = np.array([rng.replicate_seed(int(compiled.params.seed), i) for i in range(replicates)], np.int64)
    weeks = replicates * int(compiled.params.horizon_weeks)
    state = compiled.fresh_state()
    expected = run_replicates(compiled, state, seeds)
    real = np.inf
    for _ in range(repeats):
        started = time.perf_counter()
        run_replicates(compiled, state, seeds)
        real = min(real, time.perf_counter() - started)
    best = None
    for _ in range(repeats):
        acc = np.zeros((2, len(labels)), np.int64)
        run_rows, entity_rows = np.zeros((replicates, run)), np.zeros((replicates, max(rows, 1), max(per, 1)))
        module.profiled_replicates(state, compiled.initial, compiled.params, seeds, run_rows, entity_rows, acc)
        assert np.array_equal(run_rows, expected[0], equal_nan=True), "instrumented run differs from the kernel"
        assert np.array_equal(entity_rows, expected[1], equal_nan=True), "instrumented run differs from the kernel"
        best = acc if best is None or acc[0].sum() < best[0].sum() else best
    timer = module.empty_intervals(1_000_000) / 1_000_000
    scale = ns_per_cycle()
    net = np.maximum(0.0, best[0] - timer * best[1]) * scale / weeks
    print(f"{scenario}: {replicates} replicates x {int(compiled.params.horizon_weeks)} weeks, best of {repeats}; "
          f"counter {1 / scale:.2f} GHz, {timer:.0f} cycles an interval (subtracted)")
    print(f"{'part':36s} {'ns / replicate-week':>20s} {'calls / week':>13s} {'share':>7s}")
    for label, ns, hits in zip(labels, net, best[1]):
        print(f"{label:36s} {ns:20.1f} {hits / weeks:13.2f} {ns / net.sum():7.1%}")
    print(f"{'sum of parts':36s} {net.sum():20.1f}")
    print(f"{'uninstrumented kernel (same run)':36s} {real * 1e9 / weeks:20.1f}   = {replicates / real:.0f} replicates/s")


if __name__ == "__main__":
    arguments = [a for a in sys.argv[1:] if not a.startswith("--")]
    profile(arguments[0] if arguments else "scenarios/west_africa_2009.yaml",
            int(arguments[1]) if len(arguments) > 1 else 500, "--detail" in sys.argv)
