"""Per-week series of sample replicates: flows, money, each belligerent's strength and funding.

A report shows at most a handful of replicates, one at a time, chosen in a dropdown (plotly
updatemenus): all their traces are in the page, only the chosen replicate's are visible. Weeks are
averaged over short blocks (4 weeks for a 20-year run) so that a figure carries a few hundred
points per line, not a thousand.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..model.conflict import INCOME_NAMES
from .load import coarsen, open_result, sample_series
from .style import INCOME_COLOURS, colour, finish

FLOWS = {"shipped_kg": "shipped", "seized_kg": "seized", "delivered_kg": "delivered"}
MONEY = {"criminal_revenue_usd": "criminal revenue"}
PAYMENTS = {"taxes_usd": "protection taxes paid to belligerents", "bribes_usd": "bribes paid to police"}


def money_unit(largest: float) -> tuple[float, str]:
    """(factor, unit) that puts `largest` US$ between 1 and 1000 of the unit: US$ bn, m, k or US$."""
    for factor, unit in ((1e-9, "US$ bn"), (1e-6, "US$ m"), (1e-3, "US$ k")):
        if largest * factor >= 1:
            return factor, unit
    return 1.0, "US$"


def _belligerents(scenario: dict | None, columns) -> list[dict]:
    """Belligerents (id, name, conflict name) in scenario order, or from the series' column names."""
    if scenario:
        return [{"id": b["id"], "name": b["name"], "conflict": c["name"], "side": b["side"]}
                for c in scenario.get("conflicts", []) for b in c["belligerents"] if f"{b['id']}.fighters" in columns]
    return [{"id": name[:-len(".fighters")], "name": name[:-len(".fighters")], "conflict": "", "side": "rebel"}
            for name in columns if name.endswith(".fighters")]


class SeriesViews:
    """Sample replicates of one result, coarsened once, and the three figures drawn from them."""

    def __init__(self, source, replicates: int = 5, scenario: dict | None = None):
        if not isinstance(source, pd.DataFrame):
            result = open_result(source)
            scenario = scenario or result.scenario
            self.seed = result.manifest.get("seed")
        else:
            self.seed = None
        series = sample_series(source, replicates)
        self.table, self.block = coarsen(series)
        self.replicates = list(dict.fromkeys(self.table["replicate"]))
        self.belligerents = _belligerents(scenario, self.table.columns)

    def __bool__(self) -> bool:
        return bool(self.replicates)

    def figures(self) -> list[go.Figure]:
        if not self:
            return []
        return [self.flows(), *([self.strength(), self.funding()] if self.belligerents else [])]

    @property
    def _means(self) -> str:
        return "" if self.block == 1 else f" ({self.block}-week means)"

    def flows(self) -> go.Figure:
        """Cocaine shipped, seized and delivered (tonnes/week), criminal revenue, taxes and bribes (US$/week)."""
        revenue_factor, revenue_unit = money_unit(self._largest(MONEY))
        payment_factor, payment_unit = money_unit(self._largest(PAYMENTS))
        figure = make_subplots(rows=3, cols=1, shared_xaxes=True, vertical_spacing=0.08,
                               subplot_titles=("cocaine flows", "criminal revenue from sales",
                                               "protection taxes and bribes"))

        def draw(frame: pd.DataFrame) -> list:
            weeks = frame["week"]
            traces = [(_line(weeks, frame[c] / 1000, name, index, "t/week"), 1, 1)
                      for index, (c, name) in enumerate(FLOWS.items()) if c in frame]
            traces += [(_line(weeks, frame[c] * revenue_factor, name, 3, f"{revenue_unit}/week"), 2, 1)
                       for c, name in MONEY.items() if c in frame]
            traces += [(_line(weeks, frame[c] * payment_factor, name, 4 + index, f"{payment_unit}/week"), 3, 1)
                       for index, (c, name) in enumerate(PAYMENTS.items()) if c in frame]
            return traces

        self._draw(figure, draw)
        figure.update_yaxes(rangemode="tozero")
        figure.update_yaxes(title_text="tonnes per week", row=1, col=1)
        figure.update_yaxes(title_text=f"{revenue_unit} per week", row=2, col=1)
        figure.update_yaxes(title_text=f"{payment_unit} per week", row=3, col=1)
        figure.update_xaxes(title_text="week", row=3, col=1)
        return self._finish(figure, f"Cocaine and money per week{self._means}", 860)

    def strength(self) -> go.Figure:
        """Fighters of each belligerent, one panel per conflict; colour says the side."""
        conflicts = list(dict.fromkeys(b["conflict"] for b in self.belligerents))
        figure, rows, cols = _panels(conflicts, spacing=0.5)

        def draw(frame: pd.DataFrame) -> list:
            traces, seen = [], set()
            for bel in self.belligerents:
                place, side = conflicts.index(bel["conflict"]), bel["side"]
                repeat = (place, side) in seen  # a second belligerent of the same side in a conflict: dashed
                seen.add((place, side))
                trace = go.Scatter(x=frame["week"], y=frame[f"{bel['id']}.fighters"], name=SIDES[side][0],
                                   legendgroup=side, mode="lines",
                                   line=dict(color=SIDES[side][1], width=1.8, dash="dash" if repeat else "solid"),
                                   hovertemplate=f"%{{y:,.0f}} fighters<extra>{bel['name']}</extra>")
                traces.append((trace, place // cols + 1, place % cols + 1))
            return traces

        self._draw(figure, draw)
        _label_panels(figure, rows, "fighters")
        return self._finish(figure, f"Strength of each belligerent{self._means}", 200 + 280 * rows)

    def funding(self) -> go.Figure:
        """Income of each belligerent by source, stacked: how much of its war is paid by crime."""
        columns = [f"{b['id']}.income_{s}_usd" for b in self.belligerents for s in INCOME_NAMES]
        # Sources that never paid a belligerent in any sample (a government's crime income) add no area.
        paid = {c for c in columns if c in self.table and self.table[c].abs().max() > 0}
        factor, unit = money_unit(float(self.table[sorted(paid)].max().max()) if paid else 0.0)
        figure, rows, cols = _panels([b["name"] for b in self.belligerents], spacing=0.45)

        def draw(frame: pd.DataFrame) -> list:
            traces = []
            for place, bel in enumerate(self.belligerents):
                for rank, source in enumerate(INCOME_NAMES):
                    column = f"{bel['id']}.income_{source}_usd"
                    if column not in paid:
                        continue
                    trace = go.Scatter(x=frame["week"], y=frame[column] * factor, name=INCOME_LABELS[source],
                                       stackgroup=str(place), legendgroup=source, legendrank=rank, mode="lines",
                                       line=dict(width=0.5, color=INCOME_COLOURS.get(source)),
                                       hovertemplate=f"%{{y:.3g}} {unit}/week<extra>{bel['name']}: {source}</extra>")
                    traces.append((trace, place // cols + 1, place % cols + 1))
            return traces

        self._draw(figure, draw)
        _label_panels(figure, rows, f"{unit} per week")
        return self._finish(figure, f"Income of each belligerent by source, stacked{self._means}", 200 + 240 * rows)

    def _largest(self, columns: dict) -> float:
        present = [c for c in columns if c in self.table]
        return float(self.table[present].max().max()) if present else 0.0

    def _draw(self, figure: go.Figure, draw) -> None:
        """Add every replicate's traces; only the first replicate's are visible to begin with."""
        self._owners = []
        for replicate in self.replicates:
            frame = self.table[self.table["replicate"] == replicate]
            named = set()  # one legend entry per group (side, income source), not one per panel
            for trace, row, col in draw(frame):
                if trace.legendgroup:
                    trace.showlegend = trace.legendgroup not in named
                    named.add(trace.legendgroup)
                trace.visible = replicate == self.replicates[0]
                figure.add_trace(trace, row=row, col=col)
                self._owners.append(replicate)

    def _finish(self, figure: go.Figure, title: str, height: int) -> go.Figure:
        """Title, a legend between title and panels, a replicate dropdown when there are several.

        The legend is placed in pixels from the top (container coordinates) so that it never
        lands on the panels' own titles, whatever the figure's height.
        """
        top, bottom = 125, 60
        if len(self.replicates) > 1:
            title += f": one of {len(self.replicates)} sample replicates"
            menu_y = 1 + (top - 12) / (height - top - bottom)
            figure.update_layout(updatemenus=[replicate_menu(self.replicates, self._owners, menu_y)])
        elif self.seed is not None:
            title += f", seed {self.seed}"
        figure.update_annotations(font_size=13)
        return finish(figure, title, height, hovermode="x unified", margin=dict(t=top, b=bottom),
                      legend=dict(orientation="h", x=0, xanchor="left", xref="paper", y=1 - 52 / height,
                                  yanchor="top", yref="container"))


def _panels(titles: list[str], spacing: float) -> tuple[go.Figure, int, int]:
    """Small multiples two to a row; `spacing` is the total vertical gap shared between rows."""
    rows, cols = -(-len(titles) // 2), min(2, len(titles))
    figure = make_subplots(rows=rows, cols=cols, subplot_titles=titles, vertical_spacing=spacing / rows,
                           horizontal_spacing=0.1)
    return figure, rows, cols


def _label_panels(figure: go.Figure, rows: int, y_title: str) -> None:
    """Y titles on the left column, weeks under the bottom row, every axis from zero."""
    figure.update_yaxes(rangemode="tozero")
    figure.update_yaxes(title_text=y_title, col=1)
    figure.update_xaxes(title_text="week", row=rows)


SIDES = {"government": ("government forces", "#0072B2"), "rebel": ("rebels or armed factions", "#D55E00")}
INCOME_LABELS = {"crime": "crime (taxes on trafficking)", "external": "external support",
                 "resources": "natural resources", "budget": "state budget"}


def _line(weeks, values, name: str, index: int, unit: str) -> go.Scatter:
    return go.Scatter(x=weeks, y=values, name=name, mode="lines", line=dict(color=colour(index), width=1.8),
                      hovertemplate=f"%{{y:.3g}} {unit}<extra>{name}</extra>")


def replicate_menu(replicates: list, owners: list, y: float) -> dict:
    """A dropdown whose buttons show one replicate's traces and hide the others'."""
    buttons = [dict(label=f"replicate {replicate}", method="restyle",
                    args=[{"visible": [owner == replicate for owner in owners]}]) for replicate in replicates]
    return dict(buttons=buttons, direction="down", x=1.0, xanchor="right", y=y, yanchor="top",
                showactive=True, bgcolor="white", bordercolor="#999", font=dict(size=12))


def series_figures(source, replicates: int = 5) -> list[go.Figure]:
    """Flows, strength and funding figures of up to `replicates` sample replicates (none if no series)."""
    return SeriesViews(source, replicates).figures()
