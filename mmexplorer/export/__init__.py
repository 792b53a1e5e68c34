"""Publication figures from an AttentionRecord, drawn with matplotlib's object API.

    fig = render_figure(record, image_pixels, FigureSettings(view="overlay", token=1))
    save_figure(fig, "figure.pdf", dpi=300)
    write_bundle("bundle/", fig, record, settings, inputs)

Views (FigureSettings.view): overlay, matrix, heads, positions, patches.
compare_figure() puts several records side by side on one colour scale.
Nothing here imports matplotlib.pyplot: figures are plain Figure objects,
so they never touch a GUI backend or global state.
"""

from mmexplorer.export.bundle import BundleInputs, read_bundle, write_bundle
from mmexplorer.export.errors import ExportError
from mmexplorer.export.figures import VIEWS, render_figure
from mmexplorer.export.figures.compare import compare_figure
from mmexplorer.export.save import FORMATS, format_of, save_figure
from mmexplorer.export.settings import FigureSettings

__all__ = [
    "BundleInputs",
    "ExportError",
    "FORMATS",
    "FigureSettings",
    "VIEWS",
    "compare_figure",
    "format_of",
    "read_bundle",
    "render_figure",
    "save_figure",
    "write_bundle",
]
