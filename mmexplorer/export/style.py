"""One look for every exported figure: fonts, sizes, colour maps, the caption line.

Figures read rcParams when artists are created and again when saved, so both
building and saving run inside `figure_style()`; the user's global matplotlib
settings are never changed.
"""

from __future__ import annotations

import textwrap
from contextlib import contextmanager

import matplotlib
from matplotlib.figure import Figure

STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 8,
    "axes.titlesize": 8,
    "axes.labelsize": 8,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "legend.fontsize": 7,
    "axes.linewidth": 0.6,
    "xtick.major.width": 0.6,
    "ytick.major.width": 0.6,
    "xtick.major.size": 2.5,
    "ytick.major.size": 2.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "image.interpolation": "nearest",  # one patch = one flat cell, never blurred
    "svg.fonttype": "none",  # text stays editable, searchable text in SVG
    "pdf.fonttype": 42,  # TrueType in PDF: editable in vector editors, accepted by journals
    "ps.fonttype": 42,
}

# Colormaps, levels and opacity are not fixed here: every figure takes the ones its
# settings name (by default what the explorer shows), see figures/draw.screen_colormap.
CAPTION_SIZE = 6.5
NOTE_COLOR = "0.3"


@contextmanager
def figure_style():
    with matplotlib.rc_context(STYLE):
        yield


def new_figure(width_in: float, height_in: float) -> Figure:
    """A Figure (no pyplot) with constrained layout, which keeps panels tight without changing its size."""
    fig = Figure(figsize=(round(width_in, 2), round(height_in, 2)), layout="constrained")
    fig.get_layout_engine().set(w_pad=0.03, h_pad=0.03, wspace=0.04, hspace=0.04)
    return fig


CAPTION_SEPARATOR = "  ·  "


def fit_text(text: str, width_in: float, fontsize: float) -> str:
    """Break `text` into lines that fit `width_in` inches (breaking at caption separators first)."""
    max_chars = max(12, int(width_in * 72 / (fontsize * 0.55)))  # DejaVu Sans averages ~0.55 em per character
    lines: list[str] = []
    for paragraph in text.split("\n"):  # explicit line breaks stay
        start = len(lines)
        for part in paragraph.split(CAPTION_SEPARATOR):
            if len(lines) > start and len(lines[-1]) + len(CAPTION_SEPARATOR) + len(part) <= max_chars:
                lines[-1] += CAPTION_SEPARATOR + part
            else:
                lines.extend(textwrap.wrap(part, max_chars) or [""])
    return "\n".join(lines)


def add_caption(fig: Figure, text: str) -> None:
    """The settings line under the figure: model, fusion, layer, head, method (wrapped if the figure is narrow)."""
    fig.supxlabel(fit_text(text, fig.get_figwidth() - 0.1, CAPTION_SIZE), fontsize=CAPTION_SIZE, color=NOTE_COLOR)


def join_caption(*parts: str) -> str:
    return CAPTION_SEPARATOR.join(p for p in parts if p)
