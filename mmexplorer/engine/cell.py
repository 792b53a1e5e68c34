"""One attention weight explained from the model's own numbers: softmax(QKᵀ/√d_k)V for one cell.

explain_cell(model, sample, kind, layer, head, query, key) -> CellExplanation
(explain_row: every key of one query row from one capture).
Indices are exactly those of the probe's `attn/<kind>/<layer>` arrays
[heads, queries, keys]. Each model family provides one function that captures
Q, K and V of one attention module for one input (HeadTensors): the model's
own head_tensors (engine/model_api.py). Everything after that
(scores, masking, softmax, contributions) is the same arithmetic for all.
"""

from __future__ import annotations

import numpy as np

from mmexplorer.attention.cell_record import CellExplanation, Place
from mmexplorer.attention.qkv import CellError, HeadTensors
from mmexplorer.data.sample import Sample

__all__ = ["CellError", "CellExplanation", "explain", "explain_cell", "explain_row", "head_tensors"]


def places(segments, tokens, token_unk, grid) -> list[Place]:
    """One Place per position of an axis, from its (modality, start, stop) segments."""
    out: list[Place] = []
    for modality, start, stop in segments:
        for offset in range(stop - start):
            index = start + offset
            if modality == "cls":
                out.append(Place(index, "[CLS]", modality))
            elif modality == "pad":  # padding the model was fed (SigLIP's text, SigLIP 2's patches)
                out.append(Place(index, "[PAD]", modality))
            elif modality == "text":
                word = tokens[offset] if offset < len(tokens) else "?"
                unk = offset < len(token_unk) and token_unk[offset]
                out.append(Place(index, ("[UNK] " if unk else "") + word, modality))
            else:
                r, c = divmod(offset, grid[1])
                out.append(Place(index, f"p{offset}", modality, patch=offset, row=r, col=c))
    return out


def _check(value: int, size: int, what: str) -> None:
    if not 0 <= value < size:
        raise CellError(f"{what} {value} out of range 0..{size - 1}")


def _softmax(scores: np.ndarray) -> np.ndarray:
    """Softmax of a float64 row with -inf for masked entries (those get 0)."""
    top = scores[np.isfinite(scores)].max()
    e = np.exp(scores - top)
    return e / e.sum()


def _cell(q_all: np.ndarray, k_all: np.ndarray, t: HeadTensors, head: int, query: int, key: int) -> dict:
    """Score, scaled row and softmax row for one query, from Q [H, Q, d_k] and K [H, K, d_k]."""
    q = q_all[head, query].astype(np.float64)  # [d_k]
    keys = k_all[head].astype(np.float64)  # [K, d_k]
    scores = keys @ q  # [K]: q·k_j for every key
    allowed = t.allowed[query]
    row = np.where(allowed, scores * t.scale + t.bias[query], -np.inf)
    weights = _softmax(row)
    return {"score": float(scores[key]), "row": row, "weights": weights}


def _integers(**values) -> None:
    for what, value in values.items():
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
            raise CellError(f"{what} must be a whole number, got {value!r}")


def head_tensors(model, sample: Sample, kind: str, layer: int, positions: bool = True) -> HeadTensors:
    """Q, K and V of `kind` layer `layer` for `sample`, captured by the model's family function."""
    _integers(layer=layer)
    if layer < 0:
        raise CellError(f"layer {layer} out of range")
    return model.head_tensors(sample, kind, int(layer), positions=positions)


def explain_cell(model, sample: Sample, kind: str, layer: int, head: int, query: int, key: int,
                 positions: bool = True) -> CellExplanation:
    """Explain attention weight [head, query, key] of `kind` layer `layer` for `sample` (see the module doc).

    One forward pass captures Q, K and V (a second one the position-free q and k, unless `positions` is False).
    """
    _integers(layer=layer, head=head, query=query, key=key)
    return explain(model, head_tensors(model, sample, kind, layer, positions), kind, layer, head, query, key)


def explain_row(model, sample: Sample, kind: str, layer: int, head: int, query: int,
                positions: bool = True) -> list[CellExplanation]:
    """Every key's explanation for one query row, from one capture (their contributions sum to the head's output)."""
    _integers(layer=layer, head=head, query=query)
    t = head_tensors(model, sample, kind, layer, positions)
    return [explain(model, t, kind, layer, head, query, key) for key in range(t.k.shape[1])]


def explain(model, t: HeadTensors, kind: str, layer: int, head: int, query: int, key: int) -> CellExplanation:
    """The explanation of weight [head, query, key] from captured HeadTensors."""
    heads, n_q, d_k = t.q.shape
    n_k = t.k.shape[1]
    _check(head, heads, "head")
    _check(query, n_q, "query")
    _check(key, n_k, "key")
    cell = _cell(t.q, t.k, t, head, query, key)  # a masked cell is explained too: its weight is 0
    weight = float(cell["weights"][key])
    v = t.v[head, key]
    no_pos = {}
    if t.q_no_pos is not None and t.k_no_pos is not None:
        plain = _cell(t.q_no_pos, t.k_no_pos, t, head, query, key)
        no_pos = {"score_no_pos": plain["score"], "scaled_no_pos": float(plain["row"][key]),
                  "weight_no_pos": float(plain["weights"][key]), "position_note": t.position_note}
    q_places = places(t.layouts[0], t.tokens, t.token_unk, t.grid)
    k_places = places(t.layouts[1], t.tokens, t.token_unk, t.grid)
    return CellExplanation(
        model=getattr(model, "name", None) or model.cfg.name, fusion=model.cfg.fusion,
        kind=kind, layer=int(layer), head=int(head), query=q_places[query], key=k_places[key],
        query_modalities=tuple(dict.fromkeys(s[0] for s in t.layouts[0])),
        key_modalities=tuple(dict.fromkeys(s[0] for s in t.layouts[1])),
        grid=t.grid, d_k=int(d_k), scale=float(t.scale),
        q=t.q[head, query], k=t.k[head, key], v=v,
        score=cell["score"], scaled=float(cell["row"][key]), row_scaled=cell["row"], mask=t.allowed[query].copy(),
        row_weights=cell["weights"], weight=weight, model_weight=float(t.weights[head, query, key]),
        contribution=weight * v.astype(np.float64), output=t.out[head, query],
        key_labels=tuple(p.label for p in k_places), **no_pos,
    )

