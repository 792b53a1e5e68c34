"""Every real family at reduced size: the probe against a notebook doing the same job, and a batch against
the one-pair loop.

The models are the tests' random ones (tests/hf_tiny.py) grown to width 256, 4 layers, 4 heads, 128-pixel
pictures in 16-pixel patches (SigLIP 2: at most 64 patches): small enough for a shared CPU, big enough
that the attention work, not Python, is most of a probe. The notebook baseline: the model's processor
and tokenizer, the model's own forward with output_attentions=True, every attention tensor it returns
copied to numpy. The contestants are interleaved, the medians compared.
`python -m benchmarks.run --only families --device cuda` runs the same rows on a GPU.
"""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path

import numpy as np

from benchmarks.common import Row, interleaved, median

PROBE_TARGET = 1.15  # probe / notebook, batch 1
BATCH_TARGET = 1.5  # one-pair loop / batch probe
BATCH = 8
TEXTS = ["a cat sitting on the couch", "a red dog", "the cat and the dog on a red couch", "a couch"]
SIZES = [(128, 96), (96, 128), (160, 120), (128, 128)]  # width, height: mixed, so ViLT pads and SigLIP 2 varies


@contextlib.contextmanager
def reduced_size():
    """tests/hf_tiny's builders at the benchmark's size (its module constants, restored afterwards)."""
    import tests.hf_tiny as tiny

    saved = {k: getattr(tiny, k) for k in ("WIDTH", "LAYERS", "HEADS", "SIDE", "PATCH", "MAX_PATCHES")}
    tiny.WIDTH, tiny.LAYERS, tiny.HEADS, tiny.SIDE, tiny.PATCH, tiny.MAX_PATCHES = 256, 4, 4, 128, 16, 64
    try:
        yield tiny
    finally:
        for k, v in saved.items():
            setattr(tiny, k, v)


def _attentions(out) -> list:
    """Every attention tensor of a model output (nested outputs included), as a notebook would collect them."""
    found = []
    items = out.items() if hasattr(out, "items") else []
    for key, value in items:
        if "attentions" in key and isinstance(value, tuple):
            found += [v for v in value if v is not None]
        elif hasattr(value, "items"):
            found += _attentions(value)
    return found


def _notebook(model, sample, device):
    """The processor and tokenizer, the model's own forward with output_attentions=True, attention to numpy."""
    import torch

    pre = model.preprocess(sample.image)
    text = model.tokenizer.text_ids(sample.text)
    ids = torch.tensor([text.ids], device=device)
    kwargs = {"input_ids": ids, "pixel_values": pre.pixels.to(device)}
    kwargs.update({k: v.to(device) for k, v in pre.extras.items()})
    if "attention_mask" in getattr(model.tokenizer.hf, "model_input_names", ("attention_mask",)):
        kwargs["attention_mask"] = torch.tensor([text.attention_mask], device=device)
    net = getattr(model, "flava", model.net)
    if model.spec.fusion == "hf-blip-itm":
        kwargs["use_itm_head"] = True
    with torch.no_grad():
        out = net(**kwargs, output_attentions=True, return_dict=True)
        return [a.float().cpu().numpy() for a in _attentions(out)]


def _samples(model, n):
    from mmexplorer.data.image import LoadedImage
    from mmexplorer.data.sample import Sample

    rng = np.random.default_rng(0)
    out = []
    for i in range(n):
        w, h = SIZES[i % len(SIZES)]
        out.append(Sample(LoadedImage(rng.integers(0, 255, (h, w, 3), dtype=np.uint8), f"random{i}"),
                          model.tokenizer.encode(TEXTS[i % len(TEXTS)])))
    return out


def measure(family: str, folder: Path, device: str, repeats: int) -> list[Row]:
    from mmexplorer.engine.probe import load_model, probe

    model, _ = load_model(str(folder), device)
    samples = _samples(model, BATCH)
    one = samples[0]
    times = interleaved({"notebook": lambda: _notebook(model, one, model.device),
                         "probe": lambda: probe(model, one, relevancy=False),
                         "loop": lambda: [probe(model, s, relevancy=False) for s in samples],
                         "batch": lambda: model.capture_batch(samples, False)}, repeats, warmup=1)
    nb, pr, loop, batch = (median(times[k]) for k in ("notebook", "probe", "loop", "batch"))
    label = f"{family}, {device}"
    return [
        Row(f"family probe vs notebook ({label})",
            f"probe {pr * 1e3:.1f} ms / notebook {nb * 1e3:.1f} ms (median of {repeats}) = {pr / nb:.2f}x",
            f"<= {PROBE_TARGET}x at batch 1", pr / nb <= PROBE_TARGET, pr / nb,
            {"family": family, "device": device, "probe_ms": pr * 1e3, "notebook_ms": nb * 1e3}),
        Row(f"family batch vs loop ({label})",
            f"{BATCH} pairs: loop {loop * 1e3:.0f} ms / batch {batch * 1e3:.0f} ms (median of {repeats}) = "
            f"{loop / batch:.2f}x", f">= {BATCH_TARGET}x at batch {BATCH}", loop / batch >= BATCH_TARGET, loop / batch,
            {"family": family, "device": device, "loop_ms": loop * 1e3, "batch_ms": batch * 1e3}),
    ]


def run(device: str = "cpu", repeats: int = 7, families=None) -> list[Row]:
    import os

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    with reduced_size() as tiny:
        builders = {**tiny.BUILDERS, "hf-clip": tiny.build_clip}
        builders.pop("hf-vilt-vqa")  # ViLT's network and batch path with another head
        rows = []
        with tempfile.TemporaryDirectory() as tmp:
            for family in families or builders:
                folder = Path(tmp) / family
                folder.mkdir()
                builders[family](folder)
                rows += measure(family, folder, device, repeats)
    return rows
