"""Interactive views of results: functions from a result folder (or DataFrame) to a plotly Figure.

    from sim import views
    views.network_map("results/quickstart")              # hubs, legs by tonnes and seizure rate, police
    views.survival_curves("results/criminal_funding/x")  # Kaplan-Meier per arm, CI bands, HRs in legend
    views.series_figures("results/mc/west_africa")       # flows, strength, funding of sample replicates

Views read folders and aggregate before they plot (`sim.views.load`): they never run the model and
never put raw replicate rows into a figure. `sim.report.write_report` assembles them into one page.
"""

from .load import Result, duration_counts, open_result, sample_series
from .network import network_map
from .outcomes import arm_outcomes
from .series import SeriesViews, series_figures
from .survival import SurvivalData, duration_histogram, end_type_shares, kaplan_meier, survival_curves, survival_data
from .sweep import sensitivity_bars, sweep_heatmap, sweep_parallel

__all__ = ["Result", "SeriesViews", "SurvivalData", "arm_outcomes", "duration_counts", "duration_histogram",
           "end_type_shares", "kaplan_meier", "network_map", "open_result", "sample_series", "sensitivity_bars",
           "series_figures", "survival_curves", "survival_data", "sweep_heatmap", "sweep_parallel"]
