"""Writing a figure: the format comes from the file suffix, the write is atomic.

The figure is rendered into memory, written to a temporary file in the target
folder and moved into place with os.replace, so a reader never sees half a
file and a failed export leaves any earlier file untouched. Timestamps are
left out of SVG and PDF metadata so the same settings give the same bytes.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from mmexplorer import __version__
from mmexplorer.data.files import atomic_write_bytes
from mmexplorer.export.errors import ExportError
from mmexplorer.export.style import figure_style

FORMATS = ("png", "svg", "pdf")

_METADATA = {
    "png": {"Software": f"mmexplorer {__version__}"},
    "svg": {"Date": None, "Creator": f"mmexplorer {__version__}"},
    "pdf": {"CreationDate": None, "Creator": f"mmexplorer {__version__}"},
}


def format_of(path: str | os.PathLike) -> str:
    """'png', 'svg' or 'pdf' from the suffix; ExportError for anything else."""
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise ExportError(f"{Path(path).name}: the figure file must end in .png, .svg or .pdf")
    return suffix


def figure_bytes(fig: Figure, fmt: str, dpi: int) -> bytes:
    """The encoded file. No bbox_inches='tight': a PNG is exactly figure size x dpi pixels."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown figure format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if fig.canvas is None or not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    buf = io.BytesIO()
    with figure_style():
        fig.savefig(buf, format=fmt, dpi=dpi, metadata=_METADATA[fmt])
    return buf.getvalue()


def write_atomic(path: str | os.PathLike, data: bytes) -> Path:
    """Temp file in the same folder, then rename: a reader never sees half a figure."""
    return atomic_write_bytes(path, data)


def save_figure(fig: Figure, path: str | os.PathLike, dpi: int = 300, force: bool = True) -> Path:
    """Write `fig` to `path` (.png, .svg or .pdf); with force=False an existing file is an error."""
    path = Path(path)
    fmt = format_of(path)
    if path.exists() and not force:
        raise ExportError(f"{path} exists; pass --force to overwrite")
    return write_atomic(path, figure_bytes(fig, fmt, dpi))
