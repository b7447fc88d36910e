"""Interactive views of results: functions from a result folder (or DataFrame) to a plotly Figure.

    from sim import views
    views.network_map("results/quickstart")              # hubs, legs by tonnes and seizure rate, police
    views.effect_forest("results/criminal_funding/x")    # HR, RMST and median ratios per conflict and pooled
    views.survival_by_conflict(result)                   # an ExperimentResult works as well as its folder
    views.series_figures("results/mc/west_africa")       # flows, strength, funding: median and bands
    views.people_network("results/run")                  # members by role and status, ties investigations followed

Views read folders (or result objects, see `load.as_source`) and aggregate before they plot
(`sim.views.load`): they never run the model and never put raw replicate rows into a figure.
`sim.report.write_report` assembles them into one page; `views.use_offline_notebook()` makes them
render offline in Jupyter and survive `nbconvert --to html`.
"""

# Loaded on first use (module __getattr__), so that registering the CLI commands stays cheap.
_LAZY = {"Result": "load", "duration_counts": "load", "open_result": "load", "sample_series": "load",
         "as_source": "load", "effect_forest": "effects", "outcome_differences": "effects",
         "survival_by_conflict": "survival", "declared_series": "series", "sensitivity_warnings": "sweep", "sweep_outcomes": "sweep",
         "show": "notebook", "use_offline_notebook": "notebook",
         "network_map": "network", "arm_outcomes": "outcomes", "SeriesViews": "series",
         "series_figures": "series", "SurvivalData": "survival", "duration_histogram": "survival",
         "end_type_shares": "survival", "kaplan_meier": "survival", "survival_curves": "survival",
         "survival_data": "survival", "sensitivity_bars": "sweep", "sweep_heatmap": "sweep",
         "sweep_parallel": "sweep", "pattern_checks": "patterns", "people_network": "people",
         "arrests_series": "people"}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["Result", "SeriesViews", "SurvivalData", "arm_outcomes", "as_source", "declared_series", "duration_counts",
           "duration_histogram", "effect_forest", "outcome_differences", "sensitivity_warnings", "show",
           "survival_by_conflict", "sweep_outcomes", "use_offline_notebook",
           "end_type_shares", "kaplan_meier", "network_map", "open_result", "sample_series", "sensitivity_bars",
           "series_figures", "survival_curves", "survival_data", "sweep_heatmap", "sweep_parallel",
           "people_network", "arrests_series"]
