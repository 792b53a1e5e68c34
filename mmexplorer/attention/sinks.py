"""Attention sinks: keys that take a large share of a layer's attention whatever the query asks.

Pure functions of a record (numpy only). The rules, written out in docs/methods.md:

- received share of key k in one layer: the mean over heads and query rows of
  the weight k gets; the shares of a layer sum to 1 over its keys;
- a key is a sink of that layer when its received share is at least
  SINK_SHARE and at least SINK_FACTOR times the uniform share 1/K;
- a key is high-norm in that layer when the norm of the hidden state it is
  read from is at least HIGH_NORM_FACTOR times the median over the layer's
  keys (the outlier tokens of Darcet et al. 2024), when the record has norms;
- discounting sinks: each layer's sink columns are set to 0 and every row is
  divided by what is left, so it sums to 1 over the other keys (a row that
  gave everything to sinks stays 0).
"""

from __future__ import annotations

import dataclasses
from typing import Mapping, Optional

import numpy as np

from mmexplorer.attention.record import AttentionRecord

SINK_SHARE = 0.2
SINK_FACTOR = 4.0
HIGH_NORM_FACTOR = 2.0
DISCOUNTED = "sinks discounted"


def received_share(weights: np.ndarray) -> np.ndarray:
    """weights [H, Q, K] -> [K]: the mean over heads and queries of the attention each key receives."""
    return np.asarray(weights, dtype=np.float64).mean(axis=(0, 1))


def sink_mask(received: np.ndarray) -> np.ndarray:
    """bool [K]: the keys the rule calls sinks."""
    received = np.asarray(received, dtype=np.float64)
    k = received.shape[-1]
    return (received >= SINK_SHARE) & (received >= SINK_FACTOR / max(k, 1))


def high_norm_mask(norms: np.ndarray) -> np.ndarray:
    """bool [K]: hidden-state norms at least HIGH_NORM_FACTOR times the layer's median."""
    norms = np.asarray(norms, dtype=np.float64)
    return norms >= HIGH_NORM_FACTOR * np.median(norms) if norms.size else np.zeros(0, bool)


def layer_sinks(record: AttentionRecord, kind: str, layer: int) -> dict:
    """One layer's table: received [K], norms [K] (or None), sink and high-norm key indices, key labels, and
    the share of the layer's attention that goes to its sinks."""
    received = received_share(record.attention[kind][layer])
    sinks = sink_mask(received)
    norms = record.norms[kind][layer] if record.norms is not None and kind in record.norms else None
    return {
        "kind": kind,
        "layer": layer,
        "keys": record.labels(kind, 1),
        "received": received.tolist(),
        "norms": None if norms is None else np.asarray(norms, dtype=np.float64).tolist(),
        "sinks": np.flatnonzero(sinks).tolist(),
        "high_norm": [] if norms is None else np.flatnonzero(high_norm_mask(norms)).tolist(),
        "sink_share": float(received[sinks].sum()),
    }


def sink_table(record: AttentionRecord) -> list[dict]:
    """layer_sinks of every attention set and layer, in the order the model ran them."""
    return [layer_sinks(record, kind, layer) for kind, layer in record.order]


def sink_shares(record: AttentionRecord) -> dict[str, list[float]]:
    """{kind: [share of attention on sinks, per layer]}: what the batch summary keeps."""
    out: dict[str, list[float]] = {}
    for kind in record.kinds:
        out[kind] = [float(received_share(w)[sink_mask(received_share(w))].sum()) for w in record.attention[kind]]
    return out


def discount(weights: np.ndarray, sinks: np.ndarray) -> np.ndarray:
    """weights [H, Q, K] with the sink columns (bool [K]) set to 0 and each row renormalised over the others."""
    out = np.array(weights, dtype=np.float32, copy=True)
    out[..., np.asarray(sinks, dtype=bool)] = 0.0
    total = out.sum(axis=-1, keepdims=True)
    np.divide(out, total, out=out, where=total > 0)
    return out


def discount_sinks(record: AttentionRecord, sinks: Optional[Mapping[str, list]] = None) -> AttentionRecord:
    """The record with every layer's sinks discounted, its default maps made again and its label saying so.

    `sinks`: {kind: [bool [K] per layer]} to discount instead of what the rule finds. meta["sinks_discounted"]
    lists the keys taken out ({kind: [[key, ...] per layer]}), for exports and the npz.
    """
    from mmexplorer.attention.default_maps import with_default_maps

    if record.meta.get("sinks_discounted") is not None:
        return record  # already discounted: a second pass would find the new sinks of the rescaled rows
    attention, removed = {}, {}
    for kind, layers in record.attention.items():
        masks = sinks[kind] if sinks is not None and kind in sinks else [sink_mask(received_share(w)) for w in layers]
        attention[kind] = tuple(discount(w, m) for w, m in zip(layers, masks))
        removed[kind] = [np.flatnonzero(m).tolist() for m in masks]
    found = sum(len(keys) for layers in removed.values() for keys in layers)
    updated = dataclasses.replace(record, attention=attention,
                                  meta={**record.meta, "sinks_discounted": removed})
    updated = with_default_maps(updated)
    label = f"{updated.map_label}; {DISCOUNTED} ({found} key-layer{'s' if found != 1 else ''} renormalised away)"
    return dataclasses.replace(updated, map_label=label)
