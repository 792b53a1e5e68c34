"""The probe npz (DESIGN.md contract): save and load an AttentionRecord.

Keys: tokens, grid, token_to_image [tokens, rows, cols], attn/<kind>/<layer>
[heads, queries, keys], meta (JSON string); optional grad/<kind>/<layer>,
similarity, patch_positions. Loading never unpickles (allow_pickle=False).

A generative model's record adds (README, "The probe file"): answer_tokens
[A], answer_ids [A], answer_to_image float32 [A, rows, cols], answer_attn/<layer>
float32 [heads, A, P + A - 1], answer_rollout float32 [A, P + A - 1],
answer_relevancy float32 [A, P + A - 1] (when asked for),
prompt_tokens [P], prompt_ids [P], prompt_attn/<layer> float32 [heads, P, P]
(only the layers kept), vision_attn/<layer> float32 [images, heads, N, N] (the
vision tower's own attention, only the layers kept), and the regions table regions/names [R],
regions/boxes float32 [R, 4], regions/token_grids, regions/patch_grids and
regions/spans int64 [R, 2], regions/token_patches int64 [image tokens, block];
the rest (prompt segments, labels, what was kept) is in meta["generation"].
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import numpy as np

from mmexplorer.attention.generation import Generation, ImageRegions
from mmexplorer.attention.record import AttentionRecord
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
    if record.similarity is not None:
        arrays["similarity"] = record.similarity
    if record.patch_positions is not None:
        arrays["patch_positions"] = record.patch_positions
    if record.regions is not None:
        arrays.update(_regions_arrays(record.regions))
    meta = dict(record.meta)
    if record.generation is not None:
        arrays.update(_generation_arrays(record.generation))
        meta["generation"] = _generation_meta(record.generation)
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


def _strings(values) -> np.ndarray:
    return np.array(values, dtype=str) if len(values) else np.zeros(0, dtype="<U1")


def _regions_arrays(regions: ImageRegions) -> dict:
    return {"regions/names": _strings(regions.names), "regions/boxes": regions.boxes,
            "regions/token_grids": regions.token_grids, "regions/patch_grids": regions.patch_grids,
            "regions/spans": regions.spans, "regions/token_patches": regions.token_patches}


def _generation_arrays(g: Generation) -> dict:
    arrays = {"answer_tokens": _strings(g.answer_tokens), "answer_ids": g.answer_ids,
              "answer_to_image": g.answer_to_image, "answer_rollout": g.answer_rollout,
              "prompt_tokens": _strings(g.prompt_tokens), "prompt_ids": g.prompt_ids}
    arrays.update({f"answer_attn/{i}": rows for i, rows in enumerate(g.answer_rows)})
    if g.answer_relevancy is not None:
        arrays["answer_relevancy"] = g.answer_relevancy
    arrays.update({f"prompt_attn/{i}": full for i, full in g.prompt_attention.items()})
    arrays.update({f"vision_attn/{i}": full for i, full in g.vision_attention.items()})
    return arrays


def _generation_meta(g: Generation) -> dict:
    return {"prompt_segments": [list(s) for s in g.prompt_segments], "answer_map_label": g.answer_map_label,
            "forced": g.forced, "bidirectional_prefix": g.bidirectional_prefix}


def _layers(data, prefix: str) -> dict[int, np.ndarray]:
    return {int(k[len(prefix):]): data[k] for k in data if k.startswith(prefix)}


def _regions_from(data) -> ImageRegions | None:
    if "regions/names" not in data:
        return None
    return ImageRegions(names=tuple(str(n) for n in data["regions/names"]), boxes=data["regions/boxes"],
                        token_grids=data["regions/token_grids"], patch_grids=data["regions/patch_grids"],
                        spans=data["regions/spans"], token_patches=data["regions/token_patches"])


def _generation_from(data, meta: dict) -> Generation | None:
    if "answer_ids" not in data:
        return None
    g = meta.pop("generation")
    rows = _layers(data, "answer_attn/")
    return Generation(
        prompt_tokens=tuple(str(t) for t in data["prompt_tokens"]), prompt_ids=data["prompt_ids"],
        prompt_segments=tuple(tuple(s) for s in g["prompt_segments"]),
        answer_tokens=tuple(str(t) for t in data["answer_tokens"]), answer_ids=data["answer_ids"],
        answer_rows=tuple(rows[i] for i in range(len(rows))), answer_rollout=data["answer_rollout"],
        answer_to_image=data["answer_to_image"], answer_map_label=str(g["answer_map_label"]),
        prompt_attention=_layers(data, "prompt_attn/"), vision_attention=_layers(data, "vision_attn/"),
        forced=bool(g["forced"]),
        bidirectional_prefix=int(g["bidirectional_prefix"]), answer_relevancy=data.get("answer_relevancy"))


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
    for key in sorted(k for k in data if k.startswith(("attn/", "grad/"))):
        prefix, kind, layer = key.split("/")
        (attention if prefix == "attn" else grads).setdefault(kind, []).append((int(layer), data[key]))
    attention_t = {k: tuple(a for _, a in sorted(v, key=lambda x: x[0])) for k, v in attention.items()}
    grads_t = {k: tuple(a for _, a in sorted(v, key=lambda x: x[0])) for k, v in grads.items()} or None
    layouts = {k: tuple(tuple(tuple(s) for s in axis) for axis in v) for k, v in meta.pop("layouts").items()}
    regions, generation = _regions_from(data), _generation_from(data, meta)
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
        similarity=data.get("similarity"),
        patch_positions=data.get("patch_positions"),
        outputs=meta.pop("outputs"),
        meta=meta,
        regions=regions,
        generation=generation,
    )
