"""The heads overview's mosaic geometry: every thumbnail where its layer and head say, gaps between them."""

import numpy as np
import pytest

from mmexplorer.gui.views.heads_mosaic import matrix_mosaic, picture_mosaic, picture_tiles


def _colours(layers, heads, rows, cols):
    """uint8 per layer [H, rows, cols, 4], every value telling its layer, head, row and column apart."""
    out = []
    for layer in range(layers):
        c = np.zeros((heads, rows, cols, 4), np.uint8)
        c[..., 0] = layer
        c[..., 1] = np.arange(heads)[:, None, None]
        c[..., 2] = (np.arange(rows)[:, None] * cols + np.arange(cols)[None, :])[None]
        c[..., 3] = 255
        out.append(c)
    return out


@pytest.mark.parametrize("make", [lambda: matrix_mosaic(3, 4, 5, 7),
                                  lambda: picture_mosaic(3, 4, (2, 3), (640, 480), (0, 60, 640, 420))])
def test_every_thumbnail_is_found_where_it_is_drawn(make):
    mosaic = make()
    image = mosaic.assemble(_colours(3, 4, mosaic.rows, mosaic.cols))
    (ox, oy), (cx, cy) = mosaic.origin, mosaic.cell
    for layer in range(3):
        for head in range(4):
            tile = mosaic.tile(image, layer, head)
            np.testing.assert_array_equal(tile, _colours(3, 4, mosaic.rows, mosaic.cols)[layer][head])
            x, y, w, h = mosaic.tile_rect(layer, head)
            assert mosaic.at(x + w / 2, y + h / 2)[:2] == (layer, head)
            assert mosaic.at(x + w + 1e-6, y + h / 2) is None  # the gap to the right belongs to no head
            # the image starts at the map's corner (ox, oy): the pixel just inside a thumbnail's
            # map corner, (x + ox, y + oy) in view units, holds that thumbnail's first map value
            i = int(((y + oy + cy / 2) - oy) / cy)
            j = int(((x + ox + cx / 2) - ox) / cx)
            assert tuple(image[i, j, :3]) == (layer, head, 0)
    assert mosaic.at(-1, 0) is None and mosaic.at(0, mosaic.bounds()[3] + 1) is None


def test_the_gap_stays_thin_when_patches_are_coarse():
    mosaic = picture_mosaic(2, 2, (4, 4), (128, 128), (0, 0, 128, 128))  # 32 px patches
    gap = mosaic.pitch[0] - mosaic.width
    assert 0 < gap <= 0.1 * mosaic.width


def test_the_picture_sits_under_every_thumbnail_and_not_in_the_gaps():
    mosaic = picture_mosaic(2, 3, (2, 2), (40, 20), (0, 0, 40, 20))
    small = np.zeros((20, 40, 3), np.uint8)
    small[:, :20] = 200  # left half light
    tiles, (sx, sy) = picture_tiles(mosaic, small)
    for layer in range(2):
        for head in range(3):
            x, y, w, h = mosaic.tile_rect(layer, head)
            left = tiles[int((y + 1) / sy), int((x + 1) / sx)]
            right = tiles[int((y + 1) / sy), int((x + w - 1) / sx)]
            assert tuple(left) == (200, 200, 200, 255) and tuple(right) == (0, 0, 0, 255)
            if head < 2:
                gap = tiles[int((y + 1) / sy), int((x + w + 0.5 * (mosaic.pitch[0] - w)) / sx)]
                assert gap[3] == 0  # transparent
