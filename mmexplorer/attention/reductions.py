"""Pure reductions over attention weights (numpy in, numpy out)."""

from __future__ import annotations

from typing import Iterable, Sequence, Union

import numpy as np

Head = Union[int, str]  # a head index, or "mean" | "max" | "min"
HEAD_REDUCTIONS = ("mean", "max", "min")


def reduce_heads(weights: np.ndarray, head: Head = "mean") -> np.ndarray:
    """[H, Q, K] -> [Q, K]: one head, or the mean / max / min over heads."""
    if isinstance(head, (int, np.integer)):
        if not 0 <= head < weights.shape[0]:
            raise IndexError(f"head {head} out of range 0..{weights.shape[0] - 1}")
        return weights[head]
    if head == "mean":
        return weights.mean(axis=0)
    if head == "max":
        return weights.max(axis=0)
    if head == "min":
        return weights.min(axis=0)
    raise ValueError(f"unknown head reduction {head!r}")


def residual_rollout_matrix(a: np.ndarray) -> np.ndarray:
    """Abnar & Zuidema's residual-augmented attention: rows of A + I re-normalised to sum 1. [Q, Q] -> [Q, Q].

    For a head mean (rows of A sum to 1) this is 0.5 A + 0.5 I; for a head max or
    min the rows of A do not sum to 1, and the re-normalisation keeps every
    propagated row a distribution.
    """
    a = np.asarray(a, dtype=np.float64)
    aug = a + np.eye(a.shape[-1])
    return aug / aug.sum(axis=-1, keepdims=True)


def rollout(layers: Sequence[np.ndarray], head: Head = "mean") -> np.ndarray:
    """Attention rollout (Abnar & Zuidema 2020) through a single stream.

    Each layer's weights [H, N, N] are reduced over heads to A, the residual is
    accounted for as Ā = (A + I) / rowsum(A + I), and the maps are multiplied
    from the first layer to the last: R = Ā_L ... Ā_1. Rows of R sum to 1.
    """
    if not layers:
        raise ValueError("rollout needs at least one layer")
    n = layers[0].shape[-1]
    result = np.eye(n)
    for weights in layers:
        result = residual_rollout_matrix(reduce_heads(np.asarray(weights, dtype=np.float64), head)) @ result
    return result


def rollout_rows(layers: Sequence[np.ndarray], rows: Sequence[int]) -> np.ndarray:
    """Rows `rows` of `rollout` for head-reduced layers [N, N], first to last, without the whole matrix.

    R = Ā_L ... Ā_1 with Ā = (A + I) / rowsum(A + I), so row q of R is e_q Ā_L ... Ā_1: a [len(rows), N] block
    multiplied by each layer from the last to the first, O(L rows N^2) instead of O(L N^3). The model's own
    mask is in its weights (a causal model's rows are 0 past the query). Returns float64 [len(rows), N].
    """
    if not layers:
        raise ValueError("rollout needs at least one layer")
    n = layers[0].shape[-1]
    v = np.zeros((len(rows), n))
    v[np.arange(len(rows)), np.asarray(rows, dtype=np.int64)] = 1.0
    for a in reversed(layers):
        v = v @ residual_rollout_matrix(a)
    return v


def residual_normalised(r: np.ndarray) -> np.ndarray:
    """Chefer et al. 2021, eqs. 8-9: R̄ = rownorm(R - I) + I for a self-relevance block R [N, N].

    A row of R - I that is all zeros (nothing propagated into that token yet) stays zero,
    so such a row of R̄ is the identity's.
    """
    hat = np.asarray(r, dtype=np.float64) - np.eye(r.shape[-1])
    total = hat.sum(axis=-1, keepdims=True)
    hat = np.divide(hat, total, out=np.zeros_like(hat), where=total != 0)
    return hat + np.eye(r.shape[-1])


def gradient_weighted(weights: np.ndarray, grad: np.ndarray) -> np.ndarray:
    """Chefer et al. 2021: mean over heads of the positive part of grad * attention. [H, Q, K] -> [Q, K]."""
    return np.clip(grad * weights, 0.0, None).mean(axis=0)


def _event_rows(r: np.ndarray, a: np.ndarray, q: np.ndarray, k: np.ndarray, mode: str) -> np.ndarray:
    """The new rows R[q] [Q, size] after one attention event, read from the R of before."""
    spread = a @ r[k]  # [Q, size]: what the queries take from the keys' rows
    if mode == "rollout":
        # Abnar's (A + I) / rowsum(A + I), with the identity on the query rows; for a
        # single stream (q == k) this is exactly `residual_rollout_matrix(a) @ R`.
        return (r[q] + spread) / (1.0 + a.sum(axis=-1, keepdims=True))
    if np.array_equal(q, k):
        return r[q] + spread  # self-attention, rules 6-7: R_ss += Ā R_ss, R_sq += Ā R_sq
    if np.intersect1d(q, k).size:
        raise ValueError("an attention event's queries and keys must be the same positions or disjoint ones")
    # Cross-attention, queries s over keys q (Chefer et al. 2021, bi-modal rules):
    #   rule 10: R_sq += R̄_ssᵀ Ā R̄_qq    rule 11: R_ss += Ā R_qs
    # with R̄ the eq. 8-9 normalisation of the self-relevance blocks. Columns outside
    # s and q (no published rule covers them) take Ā R_q· like any other event.
    rows = r[q] + spread  # rule 11 on the query columns (and the other columns)
    rows[:, k] = r[np.ix_(q, k)] + residual_normalised(r[np.ix_(q, q)]).T @ a @ residual_normalised(r[np.ix_(k, k)])
    return rows


def propagate(
    events: Iterable[tuple[np.ndarray, np.ndarray, np.ndarray, int]],
    size: int,
    mode: str,
) -> np.ndarray:
    """Propagate token-to-token relevance through a sequence of attention events.

    All token positions of the model (text sequence then image sequence) form
    one universe of `size` positions. Each event is (A [Q, K], query positions,
    key positions, step): queries take information from keys. Events that
    share a step (the two directions of one co-attention layer) all read the
    R from before that step.

    mode "relevancy" (Chefer et al. 2021, A gradient-weighted): a self-attention
        event (queries == keys) adds A @ R[k] to R[q] (rules 6-7); a cross-attention
        event (disjoint queries and keys) follows the bi-modal rules 10-11.
    mode "rollout" (Abnar & Zuidema 2020): R[q] = (R[q] + A @ R[k]) / rowsum(I + A);
        for a single stream this is exactly `rollout`. Through cross-attention events
        this is the project's own generalisation (no published rule covers it).
    Returns R [size, size], R[i, j] = how much position j informs position i.
    """
    if mode not in ("relevancy", "rollout"):
        raise ValueError(f"unknown propagation mode {mode!r}")
    r = np.eye(size)
    pending: list[tuple[np.ndarray, np.ndarray]] = []
    current_step = None

    def flush() -> None:
        nonlocal r
        if not pending:
            return
        new = r.copy()
        for q, rows in pending:
            new[q] = rows
        r = new
        pending.clear()

    for a, q, k, step in events:
        if step != current_step:
            flush()
            current_step = step
        q, k = np.asarray(q), np.asarray(k)
        pending.append((q, _event_rows(r, np.asarray(a, dtype=np.float64), q, k, mode)))
    flush()
    return r


def propagate_row(layers: Sequence[np.ndarray], row, mode: str) -> np.ndarray:
    """One row of `propagate` for a single stream whose layers are [N, N] maps, first to last.

    In a single stream every event is a linear update R <- M R with
    M = (I + A) / rowsum(I + A) (rollout) or I + A (relevancy), so row `row` of
    the result is e_row M_L ... M_1: vector-matrix products, O(L N^2) instead of
    the O(L N^3) of the whole matrix. `row` may also be a start vector [N]
    (a weighted mix of rows: the result is the same mix). Returns [N].
    """
    if mode not in ("relevancy", "rollout"):
        raise ValueError(f"unknown propagation mode {mode!r}")
    if not layers:
        raise ValueError("propagation needs at least one layer")
    if isinstance(row, np.ndarray):
        v = row.astype(np.float64)
    else:
        v = np.zeros(layers[0].shape[-1])
        v[row] = 1.0
    for a in reversed(layers):
        a = np.asarray(a, dtype=np.float64)
        if mode == "rollout":
            v = v / (1.0 + a.sum(axis=-1))  # v D⁻¹ with D = diag(rowsum(I + A))
        v = v + v @ a
    return v


def normalise_map(values: np.ndarray) -> np.ndarray:
    """Scale a non-negative map to sum 1 (a distribution over patches); zeros stay zeros."""
    total = values.sum()
    return values / total if total > 0 else values
