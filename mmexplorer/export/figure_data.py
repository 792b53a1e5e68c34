"""The numbers a figure draws, as drawn: what a bundle's figure_data.npz holds.

    maps    float32 [panels, rows, cols]  each panel's values before colouring, at grid
                                          resolution (NaN pads a panel smaller than the largest)
    labels  str [panels]                  what each panel is
    tokens  str [tokens]                  the words of the record(s), as shown
    levels  float64 [2]                   the colour scale (lo, hi); NaN, NaN for a view without a map

It loads with numpy.load(path) (allow_pickle=False): every array is plain numbers or unicode.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np

from mmexplorer.data.files import atomic_write_bytes, read_npz

FIGURE_DATA_FILE = "figure_data.npz"


@dataclass(frozen=True)
class FigureData:
    maps: np.ndarray  # float32 [panels, rows, cols]
    labels: tuple[str, ...]  # one per panel
    tokens: tuple[str, ...]
    levels: Optional[tuple[float, float]]  # None: the view draws no map (the patch grid)


def stack_panels(panels: Sequence[np.ndarray], grid: tuple[int, int] = (0, 0)) -> np.ndarray:
    """[rows_i, cols_i] panels -> float32 [panels, rows, cols], NaN where a panel is smaller; [0, *grid] for none."""
    if not panels:
        return np.zeros((0, *grid), np.float32)
    rows = max(p.shape[0] for p in panels)
    cols = max(p.shape[1] for p in panels)
    out = np.full((len(panels), rows, cols), np.nan, np.float32)
    for i, p in enumerate(panels):
        out[i, : p.shape[0], : p.shape[1]] = p
    return out


def figure_data_arrays(data: FigureData) -> dict[str, np.ndarray]:
    levels = (np.nan, np.nan) if data.levels is None else data.levels
    return {
        "maps": np.asarray(data.maps, dtype=np.float32),
        "labels": np.array(list(data.labels), dtype=np.str_),
        "tokens": np.array(list(data.tokens), dtype=np.str_),
        "levels": np.asarray(levels, dtype=np.float64),
    }


def save_figure_data(data: FigureData, path: str | os.PathLike) -> None:
    buf = io.BytesIO()
    np.savez(buf, **figure_data_arrays(data))
    atomic_write_bytes(path, buf.getvalue())


def load_figure_data(path: str | os.PathLike) -> FigureData:
    z = read_npz(path, ValueError)  # each array's size checked before it is inflated
    levels = tuple(float(v) for v in z["levels"])
    return FigureData(
        maps=z["maps"].astype(np.float32),
        labels=tuple(str(v) for v in z["labels"]),
        tokens=tuple(str(v) for v in z["tokens"]),
        levels=None if np.isnan(levels).any() else levels,
    )
