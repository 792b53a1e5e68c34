"""Each propagated map method against a small hand-written reference of its published rule.

Rollout: Abnar & Zuidema 2020, Ā = (A + I) / rowsum(A + I), R = Ā_L ... Ā_1.
Relevancy: Chefer et al. 2021 (bi-modal), Ā = E_h[(∇A ⊙ A)+];
  self-attention (rules 6-7):  R_ss += Ā R_ss,  R_sq += Ā R_sq
  cross-attention (rules 10-11): R_sq += R̄_ssᵀ Ā R̄_qq,  R_ss += Ā R_qs
  with R̄ = rownorm(R - I) + I (eqs. 8-9).
The references below are written block by block, as in the paper, not through the project's code.
"""

import numpy as np
import pytest

from conftest import tiny_model
from mmexplorer.attention.capture import capture
from mmexplorer.attention.maps import image_branch_map, propagated, token_image_map
from mmexplorer.attention.reductions import propagate, propagate_row, rollout
from mmexplorer.data.sample import make_sample


def abnar_rollout(maps):
    """Reference: attention_flow's rollout over [N, N] maps (already reduced over heads), first to last."""
    joint = np.eye(maps[0].shape[0])
    for a in maps:
        aug = a + np.eye(a.shape[0])
        aug = aug / aug.sum(axis=-1)[:, None]
        joint = aug @ joint
    return joint


def rbar(r):
    """Eqs. 8-9 for a block whose rows of R - I are not all zero."""
    hat = r - np.eye(len(r))
    return hat / hat.sum(axis=-1, keepdims=True) + np.eye(len(r))


def rbar_safe(r):
    """Eqs. 8-9; a row of R - I that is all zeros (nothing propagated yet) stays the identity's row."""
    hat = r - np.eye(len(r))
    s = hat.sum(axis=-1, keepdims=True)
    return np.where(s > 0, hat / np.where(s > 0, s, 1), 0) + np.eye(len(r))


class Chefer:
    """Reference bi-modal relevancy with the four blocks of the paper."""

    def __init__(self, n_t, n_i):
        self.tt, self.ii = np.eye(n_t), np.eye(n_i)
        self.ti, self.it = np.zeros((n_t, n_i)), np.zeros((n_i, n_t))

    def self_text(self, a):
        self.tt, self.ti = self.tt + a @ self.tt, self.ti + a @ self.ti

    def self_image(self, a):
        self.ii, self.it = self.ii + a @ self.ii, self.it + a @ self.it

    def co_attention(self, a_ti, a_it, normalise=rbar):
        # both directions read the blocks from before the layer
        ti = self.ti + normalise(self.tt).T @ a_ti @ normalise(self.ii)
        tt = self.tt + a_ti @ self.it
        it = self.it + normalise(self.ii).T @ a_it @ normalise(self.tt)
        ii = self.ii + a_it @ self.ti
        self.tt, self.ti, self.it, self.ii = tt, ti, it, ii


# ---------------------------------------------------------------- rollout --

A1 = np.array([[[0.6, 0.3, 0.1], [0.2, 0.2, 0.6], [0.5, 0.4, 0.1]],
               [[0.1, 0.1, 0.8], [0.7, 0.2, 0.1], [0.3, 0.3, 0.4]]])  # [H=2, 3, 3], rows sum to 1
A2 = np.array([[[0.2, 0.5, 0.3], [0.3, 0.3, 0.4], [0.9, 0.05, 0.05]],
               [[0.4, 0.4, 0.2], [0.1, 0.8, 0.1], [0.2, 0.6, 0.2]]])


def test_rollout_of_head_max_by_hand():
    # one layer, head max: A = [[.6,.3,.8],[.7,.2,.6],[.5,.4,.4]]; A + I row sums 2.7, 2.5, 2.3
    expected = np.array([[1.6, 0.3, 0.8], [0.7, 1.2, 0.6], [0.5, 0.4, 1.4]]) / np.array([[2.7], [2.5], [2.3]])
    np.testing.assert_allclose(rollout([A1], "max"), expected, atol=1e-12)


@pytest.mark.parametrize("head", ["max", "min"])
def test_propagated_rollout_of_head_max_and_min_renormalises(head):
    reduce = {"max": np.max, "min": np.min}[head]
    maps = [reduce(A1, axis=0), reduce(A2, axis=0)]
    expected = abnar_rollout(maps)
    idx = np.arange(3)
    got = propagate([(m, idx, idx, i) for i, m in enumerate(maps)], 3, "rollout")
    np.testing.assert_allclose(got, expected, atol=1e-12)
    np.testing.assert_allclose(got.sum(axis=-1), 1.0, atol=1e-12)
    for row in range(3):
        np.testing.assert_allclose(propagate_row(maps, row, "rollout"), expected[row], atol=1e-12)
    np.testing.assert_allclose(rollout([A1, A2], head), expected, atol=1e-12)


@pytest.fixture(scope="module")
def records():
    rng = np.random.default_rng(5)
    photo = rng.integers(0, 255, (64, 80, 3), dtype=np.uint8)
    out = {}
    for fusion in ("late", "cross", "early"):
        model = tiny_model(fusion, seed=1)
        out[fusion] = capture(model, make_sample(photo, "a red circle left of a blue square", model.tokenizer))
    return out


@pytest.mark.parametrize("head", ["max", "min", "mean", 1])
def test_image_branch_rollout_is_abnars_for_every_head_choice(records, head):
    rec = records["late"]
    layers = [np.asarray(a, dtype=np.float64) for a in rec.attention["image"]]  # [H, 1+N, 1+N]
    reduced = [a[head] if isinstance(head, int) else getattr(a, head)(axis=0) for a in layers]
    expected = abnar_rollout(reduced)[0, 1:].reshape(rec.grid)  # image [CLS] row over the patches
    got, _ = image_branch_map(rec, "rollout", head)
    np.testing.assert_allclose(got, expected, atol=1e-9)


@pytest.mark.parametrize("head", ["max", "min"])
def test_rollout_rows_stay_distributions_through_every_model(records, head):
    for rec in records.values():
        r = propagated(rec, "rollout", head)
        np.testing.assert_allclose(r.sum(axis=-1), 1.0, atol=1e-9)


def test_joint_rollout_with_head_max_is_abnars(records):
    rec = records["early"]
    reduced = [np.asarray(a, dtype=np.float64).max(axis=0) for a in rec.attention["joint"]]
    ref = abnar_rollout(reduced)  # joint sequence: [CLS], words, patches
    n_words = len(rec.tokens)
    got, _ = token_image_map(rec, 2, method="rollout", head="max")
    np.testing.assert_allclose(got.ravel(), ref[1 + 2, 1 + n_words:], atol=1e-9)


# -------------------------------------------------------------- relevancy --

def test_co_attention_relevancy_follows_rules_10_and_11_by_hand():
    rng = np.random.default_rng(0)
    n_t, n_i = 3, 4
    t, i = np.arange(n_t), n_t + np.arange(n_i)
    a_tt, a_ii = rng.random((n_t, n_t)), rng.random((n_i, n_i))
    co = [(rng.random((n_t, n_i)), rng.random((n_i, n_t))) for _ in range(2)]
    ref = Chefer(n_t, n_i)
    ref.self_text(a_tt)
    ref.self_image(a_ii)
    for a_ti, a_it in co:
        ref.co_attention(a_ti, a_it)
    events = [(a_tt, t, t, 0), (a_ii, i, i, 1)]
    for layer, (a_ti, a_it) in enumerate(co):
        events += [(a_ti, t, i, ("co", layer)), (a_it, i, t, ("co", layer))]
    r = propagate(events, n_t + n_i, "relevancy")
    np.testing.assert_allclose(r[np.ix_(t, t)], ref.tt, atol=1e-12)
    np.testing.assert_allclose(r[np.ix_(t, i)], ref.ti, atol=1e-12)
    np.testing.assert_allclose(r[np.ix_(i, t)], ref.it, atol=1e-12)
    np.testing.assert_allclose(r[np.ix_(i, i)], ref.ii, atol=1e-12)


def test_rule_10_with_one_token_each_by_hand():
    # text {0}, image {1}; R̄ of a 1x1 block whose R - I is nonzero is [[2]] (rownorm gives 1, + I).
    # text self: R_tt = 1 + .5 = 1.5; image self: R_ii = 1 + .25 = 1.25.
    # co-attention, Ā_ti = .4, Ā_it = .8: R_ti = 0 + 2 * .4 * 2 = 1.6 (the old Ā R_ii gave .5),
    # R_it = 2 * .8 * 2 = 3.2, R_tt = 1.5 + .4 * 0, R_ii = 1.25 + .8 * 0.
    t, i = np.array([0]), np.array([1])
    events = [(np.array([[0.5]]), t, t, 0), (np.array([[0.25]]), i, i, 1),
              (np.array([[0.4]]), t, i, "co"), (np.array([[0.8]]), i, t, "co")]
    np.testing.assert_allclose(propagate(events, 2, "relevancy"), [[1.5, 1.6], [3.2, 1.25]], atol=1e-12)


def test_cross_model_relevancy_is_chefer_bimodal(records):
    """End to end: the cross model's word maps equal the reference built from the record's own blocks."""
    rec = records["cross"]
    n_t, n_i = 1 + len(rec.tokens), 1 + rec.n_patches  # [CLS] + words, image [CLS] + patches

    def cam(kind, layer):
        return np.clip(rec.grads[kind][layer].astype(np.float64) * rec.attention[kind][layer], 0, None).mean(axis=0)

    ref = Chefer(n_t, n_i)
    for kind, layer in rec.order:
        if kind == "text":
            ref.self_text(cam(kind, layer))
        elif kind == "image":
            ref.self_image(cam(kind, layer))
    for layer in range(rec.layers("text_to_image")):
        ref.co_attention(cam("text_to_image", layer), cam("image_to_text", layer), normalise=rbar_safe)
    for token in range(len(rec.tokens)):
        got, label = token_image_map(rec, token, method="relevancy")
        np.testing.assert_allclose(got.ravel(), ref.ti[1 + token, 1:], rtol=1e-6, atol=1e-9)
    assert "Chefer" in label
