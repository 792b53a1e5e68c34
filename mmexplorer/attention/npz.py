"""The probe npz (DESIGN.md contract): save and load an AttentionRecord.

Keys: tokens, grid, token_to_image [tokens, rows, cols], attn/<kind>/<layer>
[heads, queries, keys], meta (JSON string); optional grad/<kind>/<layer>,
norm/<kind>/<layer> [keys] (hidden-state norms), sinks/<kind> [layers, keys]
(received attention share, attention.sinks), similarity, patch_positions. Loading never unpickles (allow_pickle=False).
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import numpy as np

from mmexplorer.attention.record import AttentionRecord
from mmexplorer.attention.sinks import received_share
from mmexplorer.data.files import atomic_write_bytes


class ProbeFileError(ValueError):
    pass


def record_to_arrays(record: AttentionRecord) -> dict[str, np.ndarray]:
    arrays: dict[str, np.ndarray] = {
        "tokens": np.array(record.tokens, dtype=str) if record.tokens else np.zeros(0, dtype="<U1"),
        "grid": np.array(record.grid, dtype=np.int64),
        "token_to_image": np.asarray(record.token_to_image, dtype=np.float32),
    }
    for kind, layers in record.attention.items():
        for i, a in enumerate(layers):
            arrays[f"attn/{kind}/{i}"] = a
    if record.grads is not None:
        for kind, layers in record.grads.items():
            for i, g in enumerate(layers):
                arrays[f"grad/{kind}/{i}"] = g
    if record.norms is not None:
        for kind, layers in record.norms.items():
            for i, n in enumerate(layers):
                arrays[f"norm/{kind}/{i}"] = n
    for kind, layers in record.attention.items():  # derived, for readers of the file: not read back
        arrays[f"sinks/{kind}"] = np.stack([received_share(w) for w in layers]).astype(np.float32) if layers else \
            np.zeros((0, 0), np.float32)
    if record.similarity is not None:
        arrays["similarity"] = record.similarity
    if record.patch_positions is not None:
        arrays["patch_positions"] = record.patch_positions
    meta = dict(record.meta)
    meta.update(
        {
            "model": record.model,
            "fusion": record.fusion,
            "image_box": list(record.image_box),
            "image_size": list(record.image_size),
            "token_unk": list(record.token_unk),
            "truncated": record.truncated,
            "layouts": {k: [[list(s) for s in axis] for axis in v] for k, v in record.layouts.items()},
            "order": [list(o) for o in record.order],
            "cross_kind": record.cross_kind,
            "map_label": record.map_label,
            "outputs": dict(record.outputs),
        }
    )
    arrays["meta"] = np.array(json.dumps(meta, default=_json_default))
    return arrays


def _json_default(obj):
    if isinstance(obj, (np.floating, np.integer)):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, tuple):
        return list(obj)
    return str(obj)


def save_record(record: AttentionRecord, path: str | os.PathLike) -> Path:
    """Write the probe npz atomically."""
    buf = io.BytesIO()
    np.savez_compressed(buf, **record_to_arrays(record))
    return atomic_write_bytes(path, buf.getvalue())


def load_record(path: str | os.PathLike) -> AttentionRecord:
    try:
        with np.load(path, allow_pickle=False) as z:
            data = {k: z[k] for k in z.files}
    except Exception as exc:
        raise ProbeFileError(f"{path} is not a probe npz ({type(exc).__name__})") from None
    try:
        return record_from_arrays(data)
    except (KeyError, ValueError, TypeError) as exc:
        raise ProbeFileError(f"{path} is missing or has malformed probe fields ({exc})") from None


def record_from_arrays(data) -> AttentionRecord:
    """The inverse of record_to_arrays: a mapping of plain arrays (no object arrays) back into a record.

    Raises KeyError, ValueError or TypeError when fields are missing or malformed.
    """
    meta = json.loads(str(data["meta"]))
    attention: dict[str, list] = {}
    grads: dict[str, list] = {}
    norms: dict[str, list] = {}
    parts = {"attn": attention, "grad": grads, "norm": norms}
    for key in sorted(k for k in data if k.startswith(("attn/", "grad/", "norm/"))):
        prefix, kind, layer = key.split("/")
        parts[prefix].setdefault(kind, []).append((int(layer), data[key]))
    attention_t = {k: tuple(a for _, a in sorted(v, key=lambda x: x[0])) for k, v in attention.items()}
    grads_t = {k: tuple(a for _, a in sorted(v, key=lambda x: x[0])) for k, v in grads.items()} or None
    norms_t = {k: tuple(a for _, a in sorted(v, key=lambda x: x[0])) for k, v in norms.items()} or None
    layouts = {k: tuple(tuple(tuple(s) for s in axis) for axis in v) for k, v in meta.pop("layouts").items()}
    return AttentionRecord(
        model=meta.pop("model"),
        fusion=meta.pop("fusion"),
        tokens=tuple(str(t) for t in data["tokens"]),
        token_unk=tuple(bool(u) for u in meta.pop("token_unk")),
        truncated=bool(meta.pop("truncated")),
        grid=tuple(int(v) for v in data["grid"]),
        image_box=tuple(float(v) for v in meta.pop("image_box")),
        image_size=tuple(int(v) for v in meta.pop("image_size")),
        attention=attention_t,
        layouts=layouts,
        order=tuple((str(k), int(l)) for k, l in meta.pop("order")),
        cross_kind=meta.pop("cross_kind"),
        token_to_image=data["token_to_image"],
        map_label=meta.pop("map_label"),
        grads=grads_t,
        norms=norms_t,
        similarity=data.get("similarity"),
        patch_positions=data.get("patch_positions"),
        outputs=meta.pop("outputs"),
        meta=meta,
    )
