"""Interactive views of results: functions from a result folder (or DataFrame) to a plotly Figure.

    from sim import views
    views.network_map("results/quickstart")              # hubs, legs by tonnes and seizure rate, police
    views.survival_curves("results/criminal_funding/x")  # Kaplan-Meier per arm, CI bands, HRs in legend
    views.series_figures("results/mc/west_africa")       # flows, strength, funding of sample replicates

Views read folders and aggregate before they plot (`sim.views.load`): they never run the model and
never put raw replicate rows into a figure. `sim.report.write_report` assembles them into one page.
"""

# Loaded on first use (module __getattr__), so that registering the CLI commands stays cheap.
_LAZY = {"Result": "load", "duration_counts": "load", "open_result": "load", "sample_series": "load",
         "network_map": "network", "arm_outcomes": "outcomes", "SeriesViews": "series",
         "series_figures": "series", "SurvivalData": "survival", "duration_histogram": "survival",
         "end_type_shares": "survival", "kaplan_meier": "survival", "survival_curves": "survival",
         "survival_data": "survival", "sensitivity_bars": "sweep", "sweep_heatmap": "sweep",
         "sweep_parallel": "sweep"}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["Result", "SeriesViews", "SurvivalData", "arm_outcomes", "duration_counts", "duration_histogram",
           "end_type_shares", "kaplan_meier", "network_map", "open_result", "sample_series", "sensitivity_bars",
           "series_figures", "survival_curves", "survival_data", "sweep_heatmap", "sweep_parallel"]
