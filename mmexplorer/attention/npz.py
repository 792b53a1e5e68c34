"""The probe npz (DESIGN.md contract): save and load an AttentionRecord.

Keys: tokens, grid, token_to_image [tokens, rows, cols], attn/<kind>/<layer>
[heads, queries, keys], meta (JSON string); optional grad/<kind>/<layer>,
similarity, patch_positions, and `image` (uint8 [H, W, 3], the picture probed,
which the Python API's Record.save writes). Loading never unpickles
(allow_pickle=False), and refuses anything that is not a regular file or
would decompress to more than MAX_UNPACKED_BYTES.
Also norm/<kind>/<layer> [keys] (hidden-state norms) and sinks/<kind> [layers, keys]
(received attention share, attention.sinks).

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
from mmexplorer.attention.sinks import received_share
from mmexplorer.data.files import MAX_NPZ_BYTES, atomic_write_bytes, parse_json, read_npz

PICTURE_KEY = "image"  # optional: the picture the record was probed on, uint8 [H, W, 3]
MAX_UNPACKED_BYTES = MAX_NPZ_BYTES  # every array of a probe, inflated (a BLIP-base probe is under 200 MiB)
MAX_GRID_SIDE = 4096  # patches per side; a 16-pixel patch grid of a 65,536-pixel picture


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


def save_record(record: AttentionRecord, path: str | os.PathLike, picture: np.ndarray | None = None) -> Path:
    """Write the probe npz atomically (with `picture`, uint8 [H, W, 3], under `image` when given)."""
    arrays = record_to_arrays(record)
    if picture is not None:
        arrays[PICTURE_KEY] = np.asarray(picture, dtype=np.uint8)
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    return atomic_write_bytes(path, buf.getvalue())


def read_probe_arrays(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Every array of a probe npz, never unpickled, each array's size checked before it is inflated; ProbeFileError
    says why a file is not one."""
    return read_npz(path, ProbeFileError, budget=MAX_UNPACKED_BYTES)


def load_record(path: str | os.PathLike) -> AttentionRecord:
    return load_record_and_picture(path)[0]


def load_record_and_picture(path: str | os.PathLike) -> tuple[AttentionRecord, np.ndarray | None]:
    """(the record, the picture it was probed on or None when the file has none that fits)."""
    data = read_probe_arrays(path)
    picture = data.pop(PICTURE_KEY, None)
    try:
        record = record_from_arrays(data)
    except (KeyError, ValueError, TypeError, AttributeError) as exc:
        raise ProbeFileError(f"{path} is missing or has malformed probe fields ({type(exc).__name__}: {exc})") from None
    try:
        check_record(record)
    except ValueError as exc:
        raise ProbeFileError(f"{path} has inconsistent probe arrays ({exc})") from None
    if picture is not None and not (picture.dtype == np.uint8 and picture.ndim == 3 and picture.shape[2] == 3
                                    and (picture.shape[1], picture.shape[0]) == tuple(record.image_size)):
        picture = None  # not the picture this record was probed on: shown without one
    return record, picture


def check_record(record: AttentionRecord) -> None:
    """ValueError unless every array fits the record's grid, tokens and layouts (a file may say anything)."""
    rows, cols = record.grid
    if rows < 1 or cols < 1 or min(record.image_size) < 1 or len(record.image_box) != 4:
        raise ValueError(f"grid {record.grid}, image size {record.image_size} or box {record.image_box} is not a picture's")
    if not np.all(np.isfinite(record.image_box)):
        raise ValueError("the image box is not finite")
    if record.token_to_image.shape != (len(record.tokens), rows, cols):
        raise ValueError(f"token_to_image is {record.token_to_image.shape}, not [tokens, rows, cols] = "
                         f"{(len(record.tokens), rows, cols)}")
    if len(record.token_unk) != len(record.tokens):
        raise ValueError("token_unk does not name every token")
    heads = None
    for sets in (record.attention, record.grads or {}):
        for kind, layers in sets.items():
            if kind not in record.layouts:
                raise ValueError(f"{kind!r} attention has no layout")
            lengths = tuple(max((stop for _, _, stop in axis), default=0) for axis in record.layouts[kind])
            for layer, a in enumerate(layers):
                if a.ndim != 3 or a.shape[1:] != lengths or (heads is not None and a.shape[0] != heads):
                    raise ValueError(f"{kind} layer {layer} is {a.shape}, not [heads, queries, keys] with {lengths}")
                heads = a.shape[0]
        for kind, (queries, keys) in record.layouts.items():
            for modality, start, stop in (*queries, *keys):
                if not 0 <= start <= stop or (modality == "image" and stop - start > rows * cols) or \
                        (modality == "text" and stop - start > len(record.tokens)):
                    raise ValueError(f"the {kind} layout's {modality} run {start}..{stop} does not fit")
    if record.cross_kind is not None and record.attention and record.cross_kind not in record.attention:
        raise ValueError(f"the cross-modal kind {record.cross_kind!r} has no attention")
    for kind, layer in record.order:
        if kind in record.attention and not 0 <= layer < len(record.attention[kind]):
            raise ValueError(f"the run order names {kind} layer {layer}, which is not there")


def record_from_arrays(data) -> AttentionRecord:
    """The inverse of record_to_arrays: a mapping of plain arrays (no object arrays) back into a record.

    Raises KeyError, ValueError or TypeError when fields are missing or malformed.
    """
    meta = parse_json(str(data["meta"]), ValueError, "the record's meta")
    if not isinstance(meta, dict):
        raise ValueError("the record's meta is not an object")
    attention: dict[str, list] = {}
    grads: dict[str, list] = {}
    norms: dict[str, list] = {}
    parts = {"attn": attention, "grad": grads, "norm": norms}
    for key in sorted(k for k in data if k.startswith(("attn/", "grad/", "norm/"))):
        prefix, kind, layer = key.split("/")
        parts[prefix].setdefault(kind, []).append((int(layer), data[key]))
    attention_t = {k: tuple(a for _, a in sorted(v, key=lambda x: x[0])) for k, v in attention.items()}
    grads_t = {k: tuple(a for _, a in sorted(v, key=lambda x: x[0])) for k, v in grads.items()} or None
    grid = tuple(int(v) for v in np.asarray(data["grid"]).reshape(-1))
    if len(grid) != 2 or not all(1 <= v <= MAX_GRID_SIDE for v in grid):
        raise ValueError(f"grid must be two sides from 1 to {MAX_GRID_SIDE}, not {list(grid)[:4]}")
    t2i = np.asarray(data["token_to_image"])  # [tokens, rows, cols]
    if t2i.ndim != 3 or t2i.shape[1:] != grid:
        raise ValueError(f"grid {grid[0]} x {grid[1]} does not match token_to_image's shape {list(t2i.shape)}")
    norms_t = {k: tuple(a for _, a in sorted(v, key=lambda x: x[0])) for k, v in norms.items()} or None
    layouts = {k: tuple(tuple(tuple(s) for s in axis) for axis in v) for k, v in meta.pop("layouts").items()}
    regions, generation = _regions_from(data), _generation_from(data, meta)
    return AttentionRecord(
        model=meta.pop("model"),
        fusion=meta.pop("fusion"),
        tokens=tuple(str(t) for t in data["tokens"]),
        token_unk=tuple(bool(u) for u in meta.pop("token_unk")),
        truncated=bool(meta.pop("truncated")),
        grid=grid,
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
        regions=regions,
        generation=generation,
    )
