"""`threatnet bench`: replicates per second of each driver, measured in one run on this machine.

Figures are ratios taken in the same process minutes apart, because shared machines are noisy:
kernel / Mesa (one thread each) and all cores / one thread.
"""

from __future__ import annotations

import time

from ..drivers.mesa import ThreatNetworkModel
from ..model import MODEL
from ..model.compile import CompiledScenario
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
