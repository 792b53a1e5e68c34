"""Ablation: zero attention heads, or hide the picture from the text, rerun the same input, say what changed.

What is zeroed (docs/methods.md): an ablated head's output (its weighted sum
of values, before the output projection mixes the heads) is 0 for every
query, so the layer's residual update comes from the other heads alone.
Hiding the picture: in every attention module, text queries (the words and
the text [CLS]) may not read image keys (the patches, and the image [CLS]
unless a region is given): their scores are -inf before the softmax, the
other keys share the row, and a row left with no key reads nothing (0).
With a region only the patches at least half inside it are hidden.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Optional, Sequence

import numpy as np

Box = tuple[float, float, float, float]
HEAD_SPEC = re.compile(r"^(?:(?P<kind>[a-z_]+)/)?(?P<layer>\d+):(?P<head>\d+|\*)$")
GRID_CHUNK = 64  # ablations per forward batch in the grid


class AblationError(ValueError):
    """A head list or region that does not fit the model (the user's input: exit 2)."""


class AblationUnavailable(AblationError):
    """The model's family cannot run ablations (yet)."""


@dataclass(frozen=True)
class Ablation:
    heads: tuple[tuple[str, int, int], ...] = ()  # (kind, layer, head) whose outputs are zeroed
    image_hidden: bool = False  # text queries may not read the picture's keys
    region: Optional[Box] = None  # with image_hidden: only the patches inside this box (original pixels)

    @property
    def empty(self) -> bool:
        return not self.heads and not self.image_hidden

    def to_dict(self) -> dict:
        return {"heads": [f"{k}/{l}:{h}" for k, l, h in self.heads], "image_hidden": self.image_hidden,
                "region": list(self.region) if self.region is not None else None}


def parse_heads(text: str, record) -> tuple[tuple[str, int, int], ...]:
    """"L:H,L:*,kind/L:H" -> (kind, layer, head) triples, checked against the record's attention sets.

    A bare layer names the record's main set (main_kind); `*` is every head of that layer.
    """
    out: list[tuple[str, int, int]] = []
    for part in (p.strip() for p in text.split(",")):
        m = HEAD_SPEC.match(part)
        if m is None:
            raise AblationError(f"--heads: {part!r} is not LAYER:HEAD, LAYER:* or KIND/LAYER:HEAD")
        kind = m["kind"] or main_kind(record)
        if kind not in record.attention:
            raise AblationError(f"--heads: {kind!r} is not one of this model's attention sets ({', '.join(record.kinds)})")
        layer = int(m["layer"])
        if layer >= record.layers(kind):
            raise AblationError(f"--heads: layer {layer} of {kind} does not exist (it has {record.layers(kind)})")
        heads = record.attention[kind][layer].shape[0]
        if m["head"] == "*":
            out += [(kind, layer, h) for h in range(heads)]
        elif int(m["head"]) >= heads:
            raise AblationError(f"--heads: head {m['head']} does not exist ({kind} layer {layer} has {heads})")
        else:
            out.append((kind, layer, int(m["head"])))
    return tuple(dict.fromkeys(out))


def main_kind(record) -> str:
    """The attention set a bare layer number names: the cross-modal one, else the last set the model runs."""
    return record.cross_kind or record.order[-1][0]


def _map_change(before: np.ndarray, after: np.ndarray) -> dict:
    a, b = np.asarray(before, np.float64).ravel(), np.asarray(after, np.float64).ravel()
    diff = np.abs(b - a)
    corr = float(np.corrcoef(a, b)[0, 1]) if a.size > 1 and a.std() > 0 and b.std() > 0 else float("nan")
    return {"mean_abs_change": float(diff.mean()) if diff.size else 0.0,
            "max_abs_change": float(diff.max()) if diff.size else 0.0, "correlation": corr}


def ablate(model, sample, ablation: Ablation, record=None) -> dict:
    """Run `sample` plainly and with `ablation`; -> what changed (the score, the outputs, the default maps).

    Returns (report, ablated record); `record`: the plain probe when the caller has it.
    """
    from mmexplorer.engine.model_api import score_of
    from mmexplorer.engine.probe import probe

    record = record if record is not None else probe(model, sample, relevancy=False)
    ablated = model.ablated_capture(sample, ablation)
    target = model.score_target(record)
    before, after = score_of(record.outputs, target), score_of(ablated.outputs, target)
    report = {
        "model": model.name,
        "ablation": ablation.to_dict(),
        "score": {"what": model.score_name(), "before": before, "after": after, "change": after - before},
        "outputs": {"before": dict(record.outputs), "after": dict(ablated.outputs)},
        "map": {"label": record.map_label, **_map_change(record.token_to_image, ablated.token_to_image)},
    }
    return report, ablated


def head_grid(model, sample, kind: str | None = None, record=None,
              progress: Callable[[int, int], None] = lambda done, total: None,
              stop: Callable[[], bool] = lambda: False) -> dict:
    """The heads that matter: the score change from ablating each head of `kind` alone, [layers][heads].

    Runs GRID_CHUNK ablations per batch; `progress(done, total)` after each, `stop()` ends early (the cells not
    run are NaN and "stopped" is True).
    """
    from mmexplorer.engine.model_api import score_of
    from mmexplorer.engine.probe import probe

    record = record if record is not None else probe(model, sample, relevancy=False)
    kind = kind or main_kind(record)
    if kind not in record.attention:
        raise AblationError(f"--kind {kind!r} is not one of this model's attention sets ({', '.join(record.kinds)})")
    layers, heads = record.layers(kind), record.attention[kind][0].shape[0]
    cells = [(layer, h) for layer in range(layers) for h in range(heads)]
    target = model.score_target(record)
    baseline = score_of(record.outputs, target)
    effect = np.full(len(cells), np.nan)
    stopped = False
    for start in range(0, len(cells), GRID_CHUNK):
        if stop():
            stopped = True
            break
        chunk = cells[start:start + GRID_CHUNK]
        scores = model.ablated_scores(sample, [Ablation(heads=((kind, l, h),)) for l, h in chunk], target=target)
        effect[start:start + len(chunk)] = np.asarray(scores, dtype=np.float64) - baseline
        progress(start + len(chunk), len(cells))
    return {"model": model.name, "kind": kind, "layers": layers, "heads": heads, "score": model.score_name(),
            "baseline": baseline, "effect": effect.reshape(layers, heads).tolist(), "stopped": stopped}


# -- the bundled networks' way (models.attention.Attention's head_gate and blocked) ----------------------

def _text_queries(segments) -> np.ndarray:
    """Query positions of the text: its words and the [CLS] right before them."""
    out = []
    for i, s in enumerate(segments):
        following = segments[i + 1].modality if i + 1 < len(segments) else None
        if s.modality == "text" or (s.modality == "cls" and following == "text"):
            out.append(np.arange(s.start, s.stop))
    return np.concatenate(out) if out else np.zeros(0, int)


def _image_keys(segments, patches: np.ndarray | None) -> np.ndarray:
    """Key positions of the picture: its patches (only `patches`, raster indices, when given) and, for the
    whole picture, the image [CLS] right before them."""
    out = []
    for i, s in enumerate(segments):
        following = segments[i + 1].modality if i + 1 < len(segments) else None
        if s.modality == "image":
            idx = np.arange(s.start, s.stop)
            out.append(idx if patches is None else idx[patches[patches < len(idx)]])
        elif s.modality == "cls" and following == "image" and patches is None:
            out.append(np.arange(s.start, s.stop))
    return np.concatenate(out) if out else np.zeros(0, int)


def gates_for(net, ablations: Sequence[Ablation], n_text: int, region_patches: Sequence[np.ndarray | None]):
    """{module: (head_gate [B, H] or None, blocked [B, Q, K] or None)} for the modules some ablation touches."""
    import torch

    n_patches = net.cfg.grid[0] * net.cfg.grid[1]
    layouts = net.layouts(n_text, n_patches)
    b = len(ablations)
    out = {}
    for m in net.attention_modules():
        gate = None
        rows = [(i, h) for i, a in enumerate(ablations) for k, l, h in a.heads if (k, l) == (m.kind, m.layer)]
        if rows:
            gate = torch.ones(b, m.heads)
            for i, h in rows:
                gate[i, h] = 0.0
        blocked = None
        if any(a.image_hidden for a in ablations):
            q_seg, k_seg = layouts[m.kind]
            q_len, k_len = max(s.stop for s in q_seg), max(s.stop for s in k_seg)
            blocked = torch.zeros(b, q_len, k_len, dtype=torch.bool)
            for i, a in enumerate(ablations):
                if a.image_hidden:
                    q, k = _text_queries(q_seg), _image_keys(k_seg, region_patches[i])
                    blocked[i, torch.as_tensor(q)[:, None], torch.as_tensor(k)[None, :]] = True
            if not bool(blocked.any()):
                blocked = None
        if gate is not None or blocked is not None:
            out[m] = (gate, blocked)
    return out


class applied:
    """Within the block the bundled network runs with the ablations' gates (one ablation per batch row)."""

    def __init__(self, net, gates: dict, device) -> None:
        self.gates, self.device = gates, device

    def __enter__(self):
        for m, (gate, blocked) in self.gates.items():
            m.head_gate = None if gate is None else gate.to(self.device)
            m.blocked = None if blocked is None else blocked.to(self.device)
        return self

    def __exit__(self, *exc):
        for m in self.gates:
            m.head_gate = None
            m.blocked = None
        return False


def region_patches(model, sample, ablation: Ablation) -> np.ndarray | None:
    """Raster indices of the patches an ablation's region hides (None: the whole picture)."""
    if ablation.region is None:
        return None
    from mmexplorer.attention.grid import box_mask

    box = model.preprocess(sample.image).image_box
    inside = np.flatnonzero(box_mask(tuple(model.cfg.grid), box, ablation.region))
    if not len(inside):
        raise AblationError(f"--region {list(ablation.region)} covers no patch (a patch counts when half of it is inside)")
    return inside
