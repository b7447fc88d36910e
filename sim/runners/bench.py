"""`threatnet bench`: replicates per second of each driver, measured in one run on this machine.

Figures are ratios taken in the same process minutes apart, because shared machines are noisy:
kernel / Mesa (one thread each) and all cores / one thread.
"""

from __future__ import annotations

import time

import numpy as np

from ..drivers.kernel import outcome_widths
from ..drivers.mesa import ThreatNetworkModel
from ..model import MODEL, rng
from ..model.compile import CompiledScenario
from ..model.cycles import now
from ..model.generate import generated, profile_labels, struct
from .montecarlo import default_workers, run_monte_carlo


def _rate(replicates: int, seconds: float) -> float:
    return replicates / seconds if seconds > 0 else float("inf")


def benchmark(compiled: CompiledScenario, replicates: int = 2000, mesa_replicates: int = 3,
              workers: int | None = None) -> dict:
    """Measure Mesa, kernel on one thread and kernel on all cores for the same scenario."""
    workers = workers or default_workers()
    run_monte_carlo(compiled, 2, workers=1)  # compile or load the cache before timing
    ThreatNetworkModel(compiled, rng=0).run_model()  # the Mesa path too (its own compiled calls)

    started = time.perf_counter()
    for seed in range(mesa_replicates):
        ThreatNetworkModel(compiled, rng=seed).run_model()
    mesa_rate = _rate(mesa_replicates, time.perf_counter() - started)

    started = time.perf_counter()
    run_monte_carlo(compiled, replicates, workers=1)
    one_thread = _rate(replicates, time.perf_counter() - started)

    started = time.perf_counter()
    run_monte_carlo(compiled, replicates, workers=workers)
    all_cores = _rate(replicates, time.perf_counter() - started)

    agents = sum(compiled.layout.count(declared.kind) for declared in MODEL.agents)  # the Mesa agents
    agent_steps = agents * int(compiled.params.horizon_weeks)
    return {
        "scenario": compiled.scenario.name, "weeks": int(compiled.params.horizon_weeks), "agents": agents,
        "workers": workers,
        "mesa_replicates_per_s": mesa_rate,
        "kernel_one_thread_replicates_per_s": one_thread,
        "kernel_all_cores_replicates_per_s": all_cores,
        "kernel_agent_steps_per_s": all_cores * agent_steps,
        "kernel_ns_per_agent_step_one_thread": 1e9 / (one_thread * agent_steps),
        "ratio_kernel_to_mesa": one_thread / mesa_rate,
        "ratio_all_cores_to_one_thread": all_cores / one_thread,
    }


def format_benchmark(result: dict) -> str:
    return "\n".join([
        f"benchmark of {result['scenario']}: {result['weeks']} weeks, {result['agents']} agents, "
        f"{result['workers']} workers",
        f"  Mesa model            {result['mesa_replicates_per_s']:10.2f} replicates/s",
        f"  kernel, one thread    {result['kernel_one_thread_replicates_per_s']:10.1f} replicates/s",
        f"  kernel, all cores     {result['kernel_all_cores_replicates_per_s']:10.1f} replicates/s "
        f"({result['kernel_agent_steps_per_s'] / 1e6:.1f} M agent-steps/s)",
        f"  cost per agent-step   {result['kernel_ns_per_agent_step_one_thread']:10.1f} ns (one thread)",
        f"  kernel / Mesa         {result['ratio_kernel_to_mesa']:10.0f}x",
        f"  all cores / one       {result['ratio_all_cores_to_one_thread']:10.2f}x",
    ])


def profile(compiled: CompiledScenario, replicates: int = 200, seed: int | None = None) -> dict:
    """Where a replicate's time goes, one thread: the kernel's replicates run by `profile_replicates`,
    which reads the cycle counter around each phase of the week (sim/model/generate.py). Returns the
    outcomes too (the same as the kernel's: tested) and, per phase, its share of the time, ms per
    replicate, calls per replicate and ns per call."""
    seed = int(compiled.params.seed if seed is None else seed)
    seeds = np.array([rng.replicate_seed(seed, i) for i in range(replicates)], np.int64)  # as `mc` seeds them
    labels = profile_labels()
    run, per, rows = outcome_widths(compiled)
    state = compiled.fresh_state()

    def measure(count):
        ticks, calls = np.zeros(len(labels), np.int64), np.zeros(len(labels), np.int64)
        run_rows, entity_rows = np.zeros((count, run)), np.zeros((count, max(rows, 1), max(per, 1)))
        started, first = time.perf_counter(), now()
        generated().profile_replicates(struct(state), struct(compiled.initial), compiled.params, seeds[:count],
                                       run_rows, entity_rows, ticks, calls)
        return ticks, calls, run_rows, entity_rows, (now() - first) / (time.perf_counter() - started)

    measure(1)  # compile or load the cache before timing
    ticks, calls, run_rows, entity_rows, rate = measure(replicates)
    seconds = ticks / rate
    total = seconds.sum()
    phases = [{"phase": label, "share": float(s / total), "ms_per_replicate": float(1e3 * s / replicates),
               "calls_per_replicate": float(c / replicates), "ns_per_call": float(1e9 * s / c) if c else 0.0}
              for label, s, c in zip(labels, seconds, calls)]
    return {"scenario": compiled.scenario.name, "replicates": replicates, "cycles_per_ns": rate / 1e9,
            "ms_per_replicate": 1e3 * total / replicates, "phases": phases,
            "run_rows": run_rows, "entity_rows": entity_rows}


def format_profile(result: dict) -> str:
    lines = [f"profile of {result['scenario']}: {result['replicates']} replicates on one thread, "
             f"{result['ms_per_replicate']:.2f} ms per replicate (cycle counter at "
             f"{result['cycles_per_ns']:.2f} per ns)",
             f"  {'phase':44s} {'share':>6s} {'ms/rep':>8s} {'calls/rep':>10s} {'ns/call':>9s}"]
    for row in sorted(result["phases"], key=lambda row: -row["share"]):
        lines.append(f"  {row['phase']:44s} {100 * row['share']:5.1f}% {row['ms_per_replicate']:8.3f} "
                     f"{row['calls_per_replicate']:10.0f} {row['ns_per_call']:9.1f}")
    return "\n".join(lines)
