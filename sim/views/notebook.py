"""Views in Jupyter, offline, and in the HTML that `jupyter nbconvert --to html` writes.

Plotly's default renderer in a notebook sends figures as `application/vnd.plotly.v1+json`, which
JupyterLab draws with its extension but nbconvert's HTML drops, and `scattergeo` maps fetch their
world map from cdn.plot.ly, so a map is blank offline. `use_offline_notebook()` fixes both:

- a renderer like plotly's "notebook" one: plotly.js is written into the notebook once (no CDN),
  and each figure is `text/html` that draws itself with it, which nbconvert keeps; unlike plotly's,
  it links no MathJax from a CDN (threatnet's figures have no LaTeX);
- the world map the report embeds (`sim/views/assets/world_110m.json`) is put in the page as
  `window.PlotlyGeoAssets`, where plotly.js looks before fetching.

Call it once at the top of a notebook (`views.use_offline_notebook()`); it changes plotly's
default renderer for that kernel only, which is why importing threatnet does not do it.
"""

from __future__ import annotations

from pathlib import Path

WORLD_MAP = Path(__file__).parent / "assets" / "world_110m.json"


def geo_assets_html() -> str:
    """A script that hands plotly.js the embedded world map (as the report does)."""
    return f'<script>window.PlotlyGeoAssets = {{topojson: {{"world_110m": {WORLD_MAP.read_text()}}}}};</script>'


RENDERER = "threatnet_offline"


def _renderer():
    """plotly's notebook renderer (plotly.js embedded once on activation), each figure as text/html."""
    from plotly.io import to_html
    from plotly.io._base_renderers import NotebookRenderer

    class OfflineNotebookRenderer(NotebookRenderer):
        def to_mimebundle(self, fig_dict):
            height = (fig_dict.get("layout") or {}).get("height") or 525
            return {"text/html": to_html(fig_dict, config=self.config, include_plotlyjs=False, include_mathjax=False,
                                         full_html=False, default_width="100%", default_height=f"{height}px",
                                         validate=False)}

    return OfflineNotebookRenderer(connected=False, config={"displaylogo": False, "responsive": True})


def use_offline_notebook() -> None:
    """Render plotly figures offline in this notebook and keep them in `nbconvert --to html`."""
    import plotly.io as pio
    from IPython.display import HTML, display

    display(HTML(geo_assets_html()))
    if RENDERER not in pio.renderers:
        pio.renderers[RENDERER] = _renderer()
    pio.renderers.default = RENDERER  # activating it writes plotly.js into the notebook, once


def show(figure) -> None:
    """Display a figure (or None, which views return when a result has nothing to draw)."""
    if figure is not None:
        figure.show()
