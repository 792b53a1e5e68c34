import numpy as np
import pytest

from mmexplorer.attention.grid import box_mask, patch_at, patch_boxes, upsample_to_image
from mmexplorer.attention.positions import grid_of_grids, similarity_to_patch
from mmexplorer.attention.reductions import propagate, propagate_row, reduce_heads, rollout


def test_rollout_hand_computed_three_tokens():
    a1 = np.array([[1.0, 0.0, 0.0], [0.5, 0.5, 0.0], [0.2, 0.3, 0.5]])
    a2 = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
    # A' = 0.5 A + 0.5 I
    b1 = np.array([[1.0, 0.0, 0.0], [0.25, 0.75, 0.0], [0.1, 0.15, 0.75]])
    b2 = np.array([[0.5, 0.5, 0.0], [0.0, 0.5, 0.5], [0.5, 0.0, 0.5]])
    expected = np.array(
        [
            [0.5 * 1.0 + 0.5 * 0.25, 0.5 * 0.75, 0.0],
            [0.5 * 0.25 + 0.5 * 0.1, 0.5 * 0.75 + 0.5 * 0.15, 0.5 * 0.75],
            [0.5 * 1.0 + 0.5 * 0.1, 0.5 * 0.15, 0.5 * 0.75],
        ]
    )
    np.testing.assert_allclose(expected, b2 @ b1)
    got = rollout([a1[None], a2[None]])  # one head each
    np.testing.assert_allclose(got, expected, atol=1e-12)
    np.testing.assert_allclose(got.sum(-1), 1.0)


def test_propagate_single_stream_equals_rollout(rng):
    layers = [rng.dirichlet(np.ones(5), size=(3, 5)) for _ in range(4)]  # [H, 5, 5] row-stochastic
    idx = np.arange(5)
    events = [(l.mean(0), idx, idx, i) for i, l in enumerate(layers)]
    np.testing.assert_allclose(propagate(events, 5, "rollout"), rollout(layers), atol=1e-12)


@pytest.mark.parametrize("mode", ["rollout", "relevancy"])
def test_propagate_row_is_that_row_of_propagate(rng, mode):
    maps = [rng.random((6, 6)) for _ in range(3)]  # any non-negative maps, not only stochastic ones
    idx = np.arange(6)
    full = propagate([(a, idx, idx, i) for i, a in enumerate(maps)], 6, mode)
    for row in (0, 4):
        np.testing.assert_allclose(propagate_row(maps, row, mode), full[row], atol=1e-12)


def test_propagate_co_attention_steps_read_previous_state():
    # text = {0}, image = {1}; one co-attention step in both directions.
    t, i = np.array([0]), np.array([1])
    events = [(np.array([[1.0]]), t, i, "s"), (np.array([[1.0]]), i, t, "s")]
    r = propagate(events, 2, "relevancy")
    np.testing.assert_allclose(r, [[1.0, 1.0], [1.0, 1.0]])  # each reads the other's identity row only


def test_reduce_heads():
    w = np.arange(24, dtype=float).reshape(2, 3, 4)
    np.testing.assert_array_equal(reduce_heads(w, 1), w[1])
    np.testing.assert_array_equal(reduce_heads(w, "mean"), w.mean(0))
    np.testing.assert_array_equal(reduce_heads(w, "max"), w[1])
    np.testing.assert_array_equal(reduce_heads(w, "min"), w[0])
    with pytest.raises(IndexError):
        reduce_heads(w, 2)
    with pytest.raises(ValueError):
        reduce_heads(w, "median")


@pytest.mark.parametrize("size", [(300, 100), (100, 300), (17, 5), (640, 480)])
def test_patch_grid_maps_onto_the_right_pixels(size):
    width, height = size
    grid = (4, 6)
    boxes = patch_boxes(grid, (0, 0, width, height))
    assert boxes.shape == (24, 4)
    assert boxes[0, :2].tolist() == [0, 0] and boxes[-1, 2:].tolist() == [width, height]
    np.testing.assert_allclose(boxes[:, 2] - boxes[:, 0], width / 6)
    np.testing.assert_allclose(boxes[:, 3] - boxes[:, 1], height / 4)
    scores = np.arange(24, dtype=np.float32).reshape(grid)
    full = upsample_to_image(scores, (width, height))
    assert full.shape == (height, width)
    for p, (x0, y0, x1, y1) in enumerate(boxes):
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        assert patch_at(cx, cy, grid, (0, 0, width, height)) == p
        assert full[int(cy), int(cx)] == p
    assert patch_at(width + 1, 0, grid, (0, 0, width, height)) is None


def test_upsample_respects_a_crop_box():
    full = upsample_to_image(np.ones((2, 2)), (100, 50), (25, 0, 75, 50))
    assert np.isnan(full[:, :25]).all() and np.isnan(full[:, 75:]).all() and (full[:, 25:75] == 1).all()


def test_box_mask():
    m = box_mask((4, 4), (0, 0, 64, 64), (0, 0, 32, 16))
    assert m.sum() == 2 and m[0, 0] and m[0, 1]


def test_position_similarity():
    pos = np.eye(4)
    pos[3] = pos[0]
    s = similarity_to_patch(pos, 0, (2, 2))
    np.testing.assert_allclose(s, [[1, 0], [0, 1]])
    g = grid_of_grids(pos, (2, 2))
    assert g.shape == (4, 4)
    np.testing.assert_allclose(g[:2, :2], s)
