"""colorize: the colour of every cell is the table's entry for its bin, whatever the input's memory layout."""

import numpy as np
import pytest

from mmexplorer.gui.pg import colorize, colormap, lookup_table


def _reference(values, lo, hi, cmap):
    """The binning spelled out: 256 bins over [lo, hi], outside clipped, NaN the lowest colour."""
    index = np.nan_to_num((np.asarray(values, dtype=np.float32) - lo) * (256.0 / (hi - lo)), nan=0.0)
    return lookup_table(cmap)[np.clip(index, 0, 255).astype(np.uint8)]


@pytest.mark.parametrize("layout", ["c", "fortran", "strided", "transposed", "float64"])
def test_colours_are_the_tables_bins(layout):
    rng = np.random.default_rng(0)
    data = rng.normal(0.3, 0.5, size=(3, 21, 17)).astype(np.float32)
    data[0, 2, 3], data[0, 4, 5], data[0, 6, 7] = np.nan, np.inf, -np.inf
    values = {"c": data[0], "fortran": np.asfortranarray(data[0]), "strided": data[:, ::2, 3],
              "transposed": data[0].T, "float64": data[0].astype(np.float64)}[layout]
    cmap = colormap("viridis")
    out = colorize(values, (-0.5, 1.0), cmap)
    assert out.shape == values.shape + (4,) and out.dtype == np.uint8 and out.flags["C_CONTIGUOUS"]
    np.testing.assert_array_equal(out, _reference(values, -0.5, 1.0, cmap))
    if layout == "c":
        table = lookup_table(cmap)
        assert (out[2, 3] == table[0]).all() and (out[4, 5] == table[255]).all() and (out[6, 7] == table[0]).all()
