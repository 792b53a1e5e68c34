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


def rollout(layers: Sequence[np.ndarray], head: Head = "mean") -> np.ndarray:
    """Attention rollout (Abnar & Zuidema 2020) through a single stream.

    Each layer's weights [H, N, N] are reduced over heads to A, the residual is
    accounted for as A' = 0.5 A + 0.5 I (rows still sum to 1), and the maps are
    multiplied from the first layer to the last: R = A'_L ... A'_1. Rows of R sum to 1.
    """
    if not layers:
        raise ValueError("rollout needs at least one layer")
    n = layers[0].shape[-1]
    result = np.eye(n)
    for weights in layers:
        a = reduce_heads(np.asarray(weights, dtype=np.float64), head)
        a = 0.5 * a + 0.5 * np.eye(n)
        a = a / a.sum(axis=-1, keepdims=True)
        result = a @ result
    return result


def gradient_weighted(weights: np.ndarray, grad: np.ndarray) -> np.ndarray:
    """Chefer et al. 2021: mean over heads of the positive part of grad * attention. [H, Q, K] -> [Q, K]."""
    return np.clip(grad * weights, 0.0, None).mean(axis=0)


def propagate(
    events: Iterable[tuple[np.ndarray, np.ndarray, np.ndarray, int]],
    size: int,
    mode: str,
) -> np.ndarray:
    """Propagate token-to-token relevance through a sequence of attention events.

    All token positions of the model (text sequence then image sequence) form
    one universe of `size` positions. Each event is (A [Q, K], query positions,
    key positions, step): queries take information from keys, so their row of
    R gains A @ R[keys] (Chefer et al. 2021, the bi-modal rules). Events that
    share a step (the two directions of one co-attention layer) all read the
    R from before that step.

    mode "relevancy": R[q] += A @ R[k]            (additive, A gradient-weighted)
    mode "rollout":   R[q] = 0.5 R[q] + 0.5 A @ R[k] (Abnar's 0.5 A + 0.5 I; for
                      a single stream this is exactly `rollout`).
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
        for q, delta in pending:
            new[q] = (0.5 * r[q] + 0.5 * delta) if mode == "rollout" else (r[q] + delta)
        r = new
        pending.clear()

    for a, q, k, step in events:
        if step != current_step:
            flush()
            current_step = step
        pending.append((np.asarray(q), np.asarray(a, dtype=np.float64) @ r[np.asarray(k)]))
    flush()
    return r


def propagate_row(layers: Sequence[np.ndarray], row, mode: str) -> np.ndarray:
    """One row of `propagate` for a single stream whose layers are [N, N] maps, first to last.

    In a single stream every event is a linear update R <- M R with
    M = 0.5 I + 0.5 A (rollout) or I + A (relevancy), so row `row` of the
    result is e_row M_L ... M_1: vector-matrix products, O(L N^2) instead of
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
        va = v @ np.asarray(a, dtype=np.float64)
        v = 0.5 * v + 0.5 * va if mode == "rollout" else v + va
    return v


def normalise_map(values: np.ndarray) -> np.ndarray:
    """Scale a non-negative map to sum 1 (a distribution over patches); zeros stay zeros."""
    total = values.sum()
    return values / total if total > 0 else values
