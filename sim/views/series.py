"""Weekly series over time: flows, money, each side's strength and funding, and any declared series.

A Monte Carlo result keeps the series of its first N replicates (`--series-sample N`); a run keeps
one. Several replicates are drawn as their median with 50% and 90% bands across replicates (a few
hundred points per line after averaging short blocks of weeks), never as one line per replicate,
so that the spread reads as spread and not as spaghetti. Time is in years since the start (and
calendar years where a scenario declares `start_date`).

A belligerent's strength and income are drawn only while its conflict is active (`<conflict>.active`),
with a marker where it ended: a flat line after the end would be a value the model no longer
updates. Panels that are compared share their y scale.

`declared_series(source, name)` draws any series the model declares by its name (a run-level flow
such as `seized_kg`, or a per-entity series such as `fighters` or `treasury_usd`, one panel per
entity): series added to the model appear here without code changes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..model.conflict import INCOME_NAMES
from .load import coarsen, open_result, sample_series
from .style import (FLOW_COLOURS, INCOME_COLOURS, SIDE_COLOURS, SIDE_LABELS, EFFECT_COLOUR, finish,
                    legend_under_title, outcome_label, stacked, translucent)

WEEKS_PER_YEAR = 365.25 / 7
SERIES_POINTS = 90  # 13-week (quarterly) means over 20 years: weekly shipments are lumpy, quarters show the trend
PANELS = (  # flows figure: (title, columns, unit kind)
    ("cocaine shipped from South America", ("shipped_kg",), "kg"),
    ("cocaine seized", ("seized_kg",), "kg"),
    ("criminal revenue from sales", ("criminal_revenue_usd",), "usd"),
    ("taxes paid to belligerents, bribes to police", ("taxes_usd", "bribes_usd"), "usd"),
)
NAMES = {"shipped_kg": "shipped", "seized_kg": "seized", "delivered_kg": "delivered",
         "criminal_revenue_usd": "criminal revenue", "taxes_usd": "protection taxes", "bribes_usd": "bribes"}
INCOME_LABELS = {"crime": "crime (taxes on trafficking)", "external": "external support",
                 "resources": "natural resources", "budget": "state budget"}
SIDES = {side: (SIDE_LABELS[side], SIDE_COLOURS[side]) for side in SIDE_COLOURS}


def money_unit(largest: float) -> tuple[float, str]:
    """(factor, unit) that puts `largest` US$ between 1 and 1000 of the unit: US$ bn, m, k or US$."""
    for factor, unit in ((1e-9, "US$ bn"), (1e-6, "US$ m"), (1e-3, "US$ k")):
        if largest * factor >= 1:
            return factor, unit
    return 1.0, "US$"


def _belligerents(scenario: dict | None, columns) -> list[dict]:
    """Belligerents (id, name, conflict id and name, side) in scenario order, or from the series' column names."""
    from ..analysis.survival import conflict_label

    if scenario:
        return [{"id": b["id"], "name": b["name"], "conflict": c["id"], "conflict_name": conflict_label(c["name"]),
                 "side": b["side"]}
                for c in scenario.get("conflicts", []) for b in c["belligerents"] if f"{b['id']}.fighters" in columns]
    return [{"id": name[:-len(".fighters")], "name": name[:-len(".fighters")], "conflict": "", "conflict_name": "",
             "side": "rebel"} for name in columns if name.endswith(".fighters")]


class SeriesViews:
    """Sample replicates of one result, coarsened once, and the figures drawn from them."""

    def __init__(self, source, replicates: int = 200, scenario: dict | None = None):
        if not isinstance(source, pd.DataFrame):
            result = open_result(source)
            scenario = scenario or result.scenario
            self.seed = result.manifest.get("seed")
        else:
            self.seed = None
        series = sample_series(source, replicates)
        self.belligerents = _belligerents(scenario, series.columns)
        self.start_year = scenario_start_year(scenario)
        series = _mask_after_end(series, self.belligerents)
        self.weekly = series  # the ends are read from the weeks themselves: a lull shorter than a block
        self.table, self.block = coarsen(series, max_points=SERIES_POINTS)  # would vanish in its mean
        self.replicates = list(dict.fromkeys(self.table["replicate"]))

    def __bool__(self) -> bool:
        return bool(self.replicates)

    def figures(self) -> list[go.Figure]:
        if not self:
            return []
        return [self.flows(), *([self.strength(), self.funding()] if self.belligerents else [])]

    # --- what the figures say about their data ------------------------------------------------

    @property
    def _means(self) -> str:
        return "" if self.block == 1 else f"{self.block}-week means"

    @property
    def _spread(self) -> str:
        count = len(self.replicates)
        if count == 1:
            return f"one replicate (seed {self.seed})" if self.seed is not None else "one replicate"
        return f"median of {count} sample replicates, 50% and 90% bands"

    def _subtitle(self) -> str:
        return "; ".join(part for part in (self._spread, self._means) if part)

    def _x(self, weeks) -> np.ndarray:
        years = np.asarray(weeks, dtype=float) / WEEKS_PER_YEAR
        return years + self.start_year if self.start_year is not None else years

    @property
    def _x_title(self) -> str:
        return "year" if self.start_year is not None else "years since the start"

    # --- figures ------------------------------------------------------------------------------

    def flows(self) -> go.Figure:
        """Cocaine shipped and seized (tonnes/week), revenue, taxes and bribes (US$/week); every axis from zero."""
        panels = [(title, [c for c in columns if c in self.table], kind) for title, columns, kind in PANELS]
        panels = [panel for panel in panels if panel[1]]
        rows = -(-len(panels) // 2)
        figure = make_subplots(rows=rows, cols=2, subplot_titles=[p[0] for p in panels],
                               horizontal_spacing=0.1, vertical_spacing=0.22)
        for place, (_, columns, kind) in enumerate(panels):
            row, col = place // 2 + 1, place % 2 + 1
            if kind == "kg":
                factor, unit = 1e-3, "tonnes per week"
            else:
                factor, unit = money_unit(float(self.table[columns].max().max()))
                unit = f"{unit} per week"
            for column in columns:
                self._band(figure, column, factor, NAMES.get(column, column), FLOW_COLOURS.get(column, EFFECT_COLOUR),
                           unit, row=row, col=col, showlegend=len(columns) > 1)
            figure.update_yaxes(title_text=unit, rangemode="tozero", row=row, col=col)
        figure.update_xaxes(title_text=self._x_title, row=rows)
        figure.update_annotations(font_size=13)
        height = 720
        return finish(figure, f"Cocaine and money per week ({self._subtitle()})", height,
                      narrow=stacked(figure, len(panels), panel_height=200), hovermode="x unified",
                      margin=dict(t=110), legend=legend_under_title(height))

    def strength(self) -> go.Figure:
        """Fighters of each side, one panel per conflict (by name), one y scale; nothing after the end."""
        conflicts = list(dict.fromkeys((b["conflict"], b["conflict_name"]) for b in self.belligerents))
        cols = min(2, len(conflicts))
        rows = -(-len(conflicts) // cols)
        figure = make_subplots(rows=rows, cols=cols, subplot_titles=[name for _, name in conflicts],
                               shared_yaxes="all", shared_xaxes="all", horizontal_spacing=0.08,
                               vertical_spacing=0.45 / rows)
        seen = set()
        for bel in self.belligerents:
            place = [c for c, _ in conflicts].index(bel["conflict"])
            label, colour = SIDES.get(bel["side"], (bel["side"], EFFECT_COLOUR))
            self._band(figure, f"{bel['id']}.fighters", 1.0, label, colour, "fighters", row=place // cols + 1,
                       col=place % cols + 1, showlegend=bel["side"] not in seen, group=bel["side"],
                       hover_name=bel["name"])
            seen.add(bel["side"])
            self._end_marker(figure, bel["conflict"], row=place // cols + 1, col=place % cols + 1)
        figure.update_yaxes(rangemode="tozero", showticklabels=True)
        figure.update_yaxes(title_text="fighters", col=1)
        figure.update_xaxes(title_text=self._x_title, row=rows)
        figure.update_xaxes(showticklabels=True)  # no fixed range: with matched axes it stops y autoranging
        figure.update_annotations(font_size=13)
        height = 170 + 270 * rows
        return finish(figure, f"Strength of each side until its conflict ends (x: end; {self._subtitle()})", height,
                      narrow=stacked(figure, len(conflicts), panel_height=200), hovermode="x unified",
                      margin=dict(t=110), legend=legend_under_title(height))

    def funding(self) -> go.Figure:
        """Income of each belligerent by source, stacked, one y scale for all panels: how much crime pays for."""
        columns = [f"{b['id']}.income_{s}_usd" for b in self.belligerents for s in INCOME_NAMES]
        paid = {c for c in columns if c in self.table and self.table[c].abs().max() > 0}
        factor, unit = money_unit(float(self.table[sorted(paid)].max().max()) if paid else 0.0)
        cols = 2
        rows = -(-len(self.belligerents) // cols)
        titles = [f"{b['name']} ({b['conflict_name']})" if b["conflict_name"] and b["conflict_name"] not in b["name"]
                  else b["name"] for b in self.belligerents]
        figure = make_subplots(rows=rows, cols=cols, subplot_titles=titles, shared_yaxes="all", shared_xaxes="all",
                               horizontal_spacing=0.08, vertical_spacing=0.4 / rows)
        named = set()
        for place, bel in enumerate(self.belligerents):
            for rank, source in enumerate(INCOME_NAMES):
                column = f"{bel['id']}.income_{source}_usd"
                if column not in paid:
                    continue
                weeks, median = self._quantiles(column, (0.5,))
                figure.add_trace(go.Scatter(
                    x=self._x(weeks), y=median[0] * factor, name=INCOME_LABELS[source], stackgroup=str(place),
                    legendgroup=source, legendrank=rank, showlegend=source not in named, mode="lines",
                    line=dict(width=0.5, color=INCOME_COLOURS.get(source)),
                    hovertemplate=f"%{{y:.3g}} {unit}/week<extra>{bel['name']}: {source}</extra>"),
                    row=place // cols + 1, col=place % cols + 1)
                named.add(source)
        figure.update_yaxes(rangemode="tozero", showticklabels=True)
        figure.update_yaxes(title_text=f"{unit} per week", col=1)
        figure.update_xaxes(title_text=self._x_title, row=rows)
        figure.update_xaxes(showticklabels=True)
        figure.update_annotations(font_size=12)
        height = 170 + 230 * rows
        count = len(self.replicates)
        spread = self._spread if count == 1 else f"medians of {count} sample replicates"
        spread = "; ".join(part for part in (spread, self._means) if part)
        return finish(figure, f"Income of each belligerent by source, stacked ({spread}); one scale for all panels",
                      height, narrow=stacked(figure, len(self.belligerents), panel_height=170),
                      hovermode="x unified", margin=dict(t=110), legend=legend_under_title(height))

    # --- drawing helpers ----------------------------------------------------------------------

    def _last_week(self) -> int:
        return int(self.table["week"].max()) if len(self.table) else 0

    def _quantiles(self, column: str, levels) -> tuple[np.ndarray, list[np.ndarray]]:
        """Per week: the given quantiles across replicates (NaN rows, after a conflict's end, left out);
        weeks where fewer than half the replicates still have a value are dropped."""
        wide = self.table.pivot(index="week", columns="replicate", values=column)
        present = wide.notna().sum(axis=1)
        wide = wide[present * 2 >= wide.shape[1]]
        values = wide.to_numpy(dtype=float)
        if values.size == 0:
            return wide.index.to_numpy(), [np.array([]) for _ in levels]
        return wide.index.to_numpy(), [np.nanquantile(values, level, axis=1) for level in levels]

    def _band(self, figure: go.Figure, column: str, factor: float, name: str, colour: str, unit: str,
              showlegend: bool = True, group: str | None = None, hover_name: str | None = None, **place) -> None:
        """Median line over 90% and 50% bands (one replicate: its line alone)."""
        if column not in self.table:
            return
        group = group or column
        if len(self.replicates) == 1:
            weeks, (median,) = self._quantiles(column, (0.5,))
        else:
            weeks, (p5, p25, median, p75, p95) = self._quantiles(column, (0.05, 0.25, 0.5, 0.75, 0.95))
            x = self._x(weeks)
            for low, high, alpha in ((p5, p95, 0.15), (p25, p75, 0.3)):
                figure.add_trace(go.Scatter(x=x, y=high * factor, mode="lines", line=dict(width=0), hoverinfo="skip",
                                            showlegend=False, legendgroup=group), **place)
                figure.add_trace(go.Scatter(x=x, y=low * factor, mode="lines", line=dict(width=0), fill="tonexty",
                                            fillcolor=translucent(colour, alpha), hoverinfo="skip", showlegend=False,
                                            legendgroup=group), **place)
        figure.add_trace(go.Scatter(x=self._x(weeks), y=median * factor, mode="lines", name=name, legendgroup=group,
                                    showlegend=showlegend, line=dict(color=colour, width=2),
                                    hovertemplate=f"%{{y:,.3g}} {unit}<extra>{hover_name or name}</extra>"), **place)

    def _end_marker(self, figure: go.Figure, conflict: str, **place) -> None:
        """A cross where the conflict ended (one replicate), or where half the sample had ended."""
        column = f"{conflict}.active"
        if column not in self.weekly:
            return
        ends = []
        for _, rows in self.weekly.groupby("replicate"):
            inactive = rows.loc[rows[column] < 0.5, "week"]
            ends.append(float(inactive.iloc[0]) if len(inactive) else np.inf)
        end = float(np.median(ends))
        if not np.isfinite(end):
            return
        what = "ended" if len(ends) == 1 else "half of the sample ended"
        figure.add_trace(go.Scatter(x=self._x([end]), y=[0], mode="markers+text", text=["end"],
                                    textposition="top center", textfont=dict(size=11, color="#444"),
                                    marker=dict(symbol="x-thin", size=14, line=dict(width=2.5, color="#444")),
                                    showlegend=False, hovertemplate=f"{what}: week {end:.0f}<extra></extra>"),
                         **place)


def scenario_start_year(scenario: dict | None) -> float | None:
    """Calendar year of week 0 where the scenario declares `start_date` (YYYY-MM-DD), else None."""
    start = (scenario or {}).get("start_date")
    if not start:
        return None
    try:
        date = pd.Timestamp(start)
    except (ValueError, TypeError):
        return None
    return date.year + (date.dayofyear - 1) / 365.25


def _mask_after_end(series: pd.DataFrame, belligerents: list[dict]) -> pd.DataFrame:
    """Strength and income of a belligerent set to NaN in the weeks after its conflict ended."""
    series = series.copy()
    for bel in belligerents:
        active = f"{bel['conflict']}.active"
        if active not in series:
            continue
        ended = series[active] < 0.5
        for column in [c for c in series.columns if c.startswith(f"{bel['id']}.")]:
            series.loc[ended, column] = np.nan
    return series


def declared_series(source, name: str, replicates: int = 200) -> go.Figure | None:
    """Any series the model declares, by name: a run-level column (`seized_kg`) as one panel, or a per-entity
    series (`fighters`, `treasury_usd`, `income_crime_usd`) with one panel per entity on one y scale.
    None where the result has no such column."""
    views = SeriesViews(source, replicates)
    if not views:
        return None
    if name in views.table:
        figure = go.Figure()
        views._band(figure, name, 1.0, outcome_label(name), EFFECT_COLOUR, outcome_label(name))
        figure.update_yaxes(rangemode="tozero", title_text=outcome_label(name))
        figure.update_xaxes(title_text=views._x_title)
        return finish(figure, f"{outcome_label(name)} per week ({views._subtitle()})", 380)
    columns = [c for c in views.table.columns if c.endswith(f".{name}")]
    if not columns:
        return None
    entities = [c[:-len(name) - 1] for c in columns]
    cols = min(2, len(entities))
    rows = -(-len(entities) // cols)
    figure = make_subplots(rows=rows, cols=cols, subplot_titles=[e.replace("_", " ") for e in entities],
                           shared_yaxes="all", shared_xaxes="all", vertical_spacing=0.4 / rows)
    for place, (entity, column) in enumerate(zip(entities, columns)):
        views._band(figure, column, 1.0, name.replace("_", " "), EFFECT_COLOUR, name.replace("_", " "),
                    showlegend=False, hover_name=entity, row=place // cols + 1, col=place % cols + 1)
    figure.update_yaxes(rangemode="tozero", showticklabels=True)
    figure.update_xaxes(title_text=views._x_title, row=rows)
    return finish(figure, f"{name.replace('_', ' ')} per entity ({views._subtitle()}); one scale", 150 + 230 * rows,
                  narrow=stacked(figure, len(entities), panel_height=170), margin=dict(t=110))


def series_figures(source, replicates: int = 200) -> list[go.Figure]:
    """Flows, strength and funding figures of up to `replicates` sample replicates (none if no series)."""
    return SeriesViews(source, replicates).figures()
