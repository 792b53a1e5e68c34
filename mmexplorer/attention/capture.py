"""Run one forward pass with every attention module recording its weights.

capture(model, sample) -> AttentionRecord. The model is switched to the
explicit softmax path only for the duration of the call.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from typing import Collection, Iterator

import numpy as np
import torch

from mmexplorer.attention.default_maps import default_maps, with_default_maps  # noqa: F401  (re-exported)
from mmexplorer.attention.record import AttentionRecord
from mmexplorer.data.sample import Sample
from mmexplorer.models.fusion.base import FusionOutput
from mmexplorer.models.preprocess import image_tensor, input_geometry, text_tensor


class Events(list):
    """(kind, layer, weights [B, H, Q, K]) per attention module in the order they ran, and in `norms` the
    hidden-state norms at each module's keys: (kind, layer) -> [B, K]."""

    def __init__(self) -> None:
        super().__init__()
        self.norms: dict = {}


@contextlib.contextmanager
def recording(model, keep_graph: bool = False) -> Iterator[Events]:
    """Within the block every attention module appends (kind, layer, weights [B, H, Q, K]) to the yielded list
    and puts the norms of the states its keys are read from in its `norms`.

    With `keep_graph` the weights stay in the autograd graph, so `torch.autograd.grad`
    can take gradients with respect to them (it needs no `retain_grad`, which would
    also copy every gradient into `.grad`).
    """
    events = Events()

    def sink(module, weights: torch.Tensor) -> None:
        events.append((module.kind, module.layer, weights if keep_graph else weights.detach()))

    def norm_sink(module, norms: torch.Tensor) -> None:
        events.norms[module.kind, module.layer] = norms

    modules = model.attention_modules()
    for m in modules:
        m.sink = sink
        m.norm_sink = norm_sink
    try:
        yield events
    finally:
        for m in modules:
            m.sink = None
            m.norm_sink = None


def _layouts_to_plain(layouts) -> dict:
    return {
        kind: tuple(tuple((s.modality, s.start, s.stop) for s in axis) for axis in axes)
        for kind, axes in layouts.items()
    }


def _outputs_to_json(model, out: FusionOutput, row: int = 0) -> dict:
    logit = float(out.itm_logit[row].detach())
    result = {"match_logit": logit, "match_prob": float(torch.sigmoid(out.itm_logit[row].detach()))}
    if out.branches:
        result["branches"] = {k: v[row].detach().cpu().tolist() for k, v in out.branches.items()}
    if out.vqa_logits is not None:
        probs = torch.softmax(out.vqa_logits[row], -1)
        top = torch.topk(probs, k=min(3, probs.numel()))
        result["answers"] = [[model.cfg.answers[i], float(p)] for p, i in zip(top.values, top.indices)]
    if out.logit_scale is not None:
        result["logit_scale"] = float(out.logit_scale.detach())
    return result


def forward_and_grads(
    model,
    image: torch.Tensor,  # [B, 3, S, S] normalised
    ids: torch.Tensor,  # [B, L], [CLS] first, right-padded
    mask: torch.Tensor,  # [B, L] True for real tokens
    relevancy: bool,
    grad_kinds: Collection[str] | None = None,
) -> tuple[dict, list, list | None]:
    """One forward pass recording every attention map; with `relevancy`, the gradients of the match logit.

    -> (outputs, events [(kind, layer, weights [B, H, Q, K])], grads): `grads` holds,
    per event, d(sum of the rows' match logits)/d(weights) [B, H, Q, K], or None for
    events whose kind is not in `grad_kinds` (None: every kind) or that the logit
    does not depend on; `grads` is None without relevancy. Rows are independent
    (the models keep no batch statistics), so each row of a gradient is that row's
    own logit's gradient: a padded batch gives every row what it would give alone.
    """
    # Without relevancy nothing needs a graph: inference mode also skips autograd's
    # version-counter bookkeeping (about a tenth of a small model's forward on CPU).
    grad_ctx = torch.enable_grad() if relevancy else torch.inference_mode()
    with grad_ctx, recording(model, keep_graph=relevancy) as events:
        out = model(image, ids, mask)
        if not relevancy:
            return out, events, None
        # Asking for fewer inputs spares the backward pass every branch that leads only to the others
        # (for separate encoders, the image maps alone need no backward pass through the text encoder).
        wanted = [grad_kinds is None or kind in grad_kinds for kind, _, _ in events]
        inputs = [w for (_, _, w), want in zip(events, wanted) if want]
        found = iter(torch.autograd.grad(out.itm_logit.sum(), inputs, allow_unused=True) if inputs else ())
        return out, events, [next(found) if want else None for want in wanted]


def capture(
    model,
    sample: Sample,
    device: str | torch.device = "cpu",
    relevancy: bool = True,
    name: str | None = None,
    input_size: int | None = None,
    meta: dict | None = None,
    started: float | None = None,
) -> AttentionRecord:
    """Forward `sample` through `model`, returning every attention map and the default maps.

    With `relevancy`, one backward pass of the match logit gives the gradients
    of every attention map (for gradient-weighted relevancy). `input_size`
    overrides the model's square input side (a larger grid; position
    embeddings are interpolated). `meta` is added to the record's meta, and
    with `started` (a perf_counter reading) its timings get `probe_s`, the
    seconds from `started` until the record is built.
    """
    cfg = model.cfg
    device = torch.device(device)
    t0 = time.perf_counter()
    image = image_tensor(sample.image.pixels, cfg, input_size).to(device)  # [1, 3, S, S]
    ids, mask = text_tensor(sample.encoding, model.tokenizer)  # [1, L]
    ids, mask = ids.to(device), mask.to(device)
    t1 = time.perf_counter()
    out, events, grads = forward_and_grads(model, image, ids, mask, relevancy)
    t2 = time.perf_counter()

    attention: dict[str, list] = {}
    grad_maps: dict[str, list] = {}
    norms = norms_of(events, 0)
    order = []
    for idx, (kind, layer, w) in enumerate(events):
        attention.setdefault(kind, []).append(w[0].detach().float().cpu().numpy())
        if grads is not None:
            g = grads[idx]
            grad_maps.setdefault(kind, []).append(
                np.zeros_like(attention[kind][-1]) if g is None else g[0].detach().float().cpu().numpy()
            )
        order.append((kind, layer))

    timings = {"preprocess_s": t1 - t0, "forward_s": t2 - t1}
    return build_record(model, sample, out, 0, attention, grad_maps if grads is not None else None, order, device,
                        name, timings, meta, started, norms)


def norms_of(events, row: int, cut=None) -> dict[str, list] | None:
    """kind -> per-layer float32 [K] norms of batch row `row` (`cut(kind, norms [K])` picks the row's own keys);
    None when the modules recorded none."""
    found = getattr(events, "norms", None)
    if not found:
        return None
    out: dict[str, list] = {}
    for kind, layer, _ in events:
        n = found.get((kind, layer))
        if n is None:
            return None
        n = n[row].cpu().numpy().astype(np.float32)
        out.setdefault(kind, []).append(n if cut is None else cut(kind, n))
    return out


def build_record(
    model,
    sample: Sample,
    out: dict,
    row: int,
    attention: dict[str, list],
    grad_maps: dict[str, list] | None,
    order: list,
    device: torch.device,
    name: str | None,
    timings: dict,
    meta: dict | None = None,
    started: float | None = None,
    norms: dict[str, list] | None = None,
) -> AttentionRecord:
    """The record of batch row `row` of the model's outputs `out`, from its attention arrays.

    `attention` / `grad_maps`: kind -> per-layer [H, Q, K] arrays already cut to this
    sample's own (unpadded) positions.
    """
    cfg = model.cfg
    grid = tuple(int(v) for v in out.grid)
    n_tokens = len(sample.encoding.tokens)
    similarity = None
    if out.token_embed is not None:
        tok = out.token_embed[row, 1 : 1 + n_tokens].detach().float().cpu()  # [T, E] unit vectors
        patches = out.patch_embed[row].detach().float().cpu()  # [N, E]
        similarity = (tok @ patches.T).numpy().reshape(n_tokens, *grid)
    width, height = sample.image.size
    image_box, valid = input_geometry(cfg, width, height, grid)  # valid: None unless letterbox padding exists
    if valid is not None and valid.all():
        valid = None
    if similarity is not None and valid is not None:
        similarity = similarity * valid  # padded patches are not part of the picture
    spec = model.spec  # the strategy's registry entry says which attention set is cross-modal
    cross_kind = spec.cross_kind if spec.cross_kind in attention else None
    record = AttentionRecord(
        model=name or cfg.name,
        fusion=cfg.fusion,
        tokens=tuple(t.surface for t in sample.encoding.tokens),
        token_unk=tuple(t.is_unk for t in sample.encoding.tokens),
        truncated=sample.encoding.truncated,
        grid=grid,
        image_box=image_box,
        image_size=(width, height),
        attention={k: tuple(v) for k, v in attention.items()},
        layouts=_layouts_to_plain(model.layouts(n_tokens, grid[0] * grid[1])),
        order=tuple(order),
        cross_kind=cross_kind,
        token_to_image=np.zeros((n_tokens, *grid), dtype=np.float32),
        map_label="",
        grads={k: tuple(v) for k, v in grad_maps.items()} if grad_maps is not None else None,
        similarity=similarity,
        norms={k: tuple(v) for k, v in norms.items()} if norms is not None else None,
        patch_positions=model.patch_positions(grid).detach().float().cpu().numpy(),
        outputs=_outputs_to_json(model, out, row),
        meta={
            "model": name or cfg.name,
            "fusion": cfg.fusion,
            "device": str(device),
            "config": model.config_dict(),
            "spec": spec.to_dict(),
            "timings": timings,
            "image_source": sample.image.source,
            "image_notes": list(sample.image.notes),
            "text": sample.text,
            # letterbox: which patches hold some of the picture (bool [rows][cols]); the others are padding,
            # masked out of attention and zero in every default map
            **({"patch_valid": valid.tolist()} if valid is not None else {}),
        },
    )
    maps, label = default_maps(record)
    timings = dict(record.meta["timings"])
    if started is not None:
        timings["probe_s"] = time.perf_counter() - started
    return dataclasses.replace(record, token_to_image=maps, map_label=label, meta={**record.meta, **(meta or {}), "timings": timings})


