"""Runners: one replicate (`run`), many (`montecarlo`), their outcomes (`summary`), the benchmark."""
