"""Probe overhead for every real family at full size with random weights (benchmarks/hf_full.py).

The probe (preprocessing, the model's own forward with eager attention, the
record with its default maps, no gradients) against the model's own eager
forward with output_attentions=True on inputs prepared once, at batch 1, side
by side (interleaved). The ratio is of the best of the repeats: the work is the
same every time, and on a shared machine the load only ever adds to it (a
median of three still swings by 2x there). Also the record's memory (every array it holds) against
the raw attention bytes (float32, every layer and head the model computes).
Nothing is downloaded.
"""

from __future__ import annotations

import gc
import tempfile
from pathlib import Path

import numpy as np

from benchmarks.common import Row, interleaved
from benchmarks.hf_full import BUILDERS, TEXT

TARGET = 1.25
PICTURE = (640, 480)  # width, height: a photo's 4:3, so ViLT and SigLIP 2 keep an aspect ratio that is not square


def picture() -> np.ndarray:
    return np.random.default_rng(0).integers(0, 255, (PICTURE[1], PICTURE[0], 3), dtype=np.uint8)


def record_bytes(record) -> int:
    """Every numpy array the record holds (attention, gradients, default maps, similarity, positions), once each."""
    arrays = [a for layers in record.attention.values() for a in layers]
    arrays += [a for layers in (record.grads or {}).values() for a in layers]
    arrays += [a for a in (record.token_to_image, record.similarity, record.patch_positions) if a is not None]
    return sum({id(a): a.nbytes for a in arrays}.values())


def attention_bytes(record) -> int:
    """float32 bytes of the attention weights themselves: layers x heads x queries x keys, every set."""
    return sum(4 * a.size for layers in record.attention.values() for a in layers)


def measure(family: str, folder: Path, repeats: int) -> Row:
    import torch

    from mmexplorer.data.image import LoadedImage
    from mmexplorer.data.sample import Sample
    from mmexplorer.engine.probe import probe

    full = BUILDERS[family](folder)
    model = full.model
    sample = Sample(LoadedImage(picture(), "random"), model.tokenizer.encode(TEXT))
    inputs = full.inputs(sample)

    def bare():
        with torch.no_grad():
            full.own(inputs)

    def whole():
        probe(model, sample, relevancy=False)

    times = interleaved({"bare": bare, "probe": whole}, repeats, warmup=1)
    b, p = min(times["bare"]), min(times["probe"])
    record = probe(model, sample, relevancy=False)
    raw, held = attention_bytes(record), record_bytes(record)
    ratio = p / b
    layers = sum(len(v) for v in record.attention.values())
    longest = max(a.shape[-1] for layers_ in record.attention.values() for a in layers_)
    return Row(
        f"pretrained probe overhead ({full.label})",
        f"probe {p * 1e3:.0f} ms / own eager forward {b * 1e3:.0f} ms (best of {repeats}) = {ratio:.2f}x "
        f"({layers} attention layers x {record.heads} heads, up to {longest} keys, grid {record.grid[0]}x{record.grid[1]}; "
        f"record {held / 2**20:.1f} MiB for {raw / 2**20:.1f} MiB of raw attention = {held / raw:.2f}x)",
        f"<= {TARGET}x at batch 1 on CPU",
        ratio <= TARGET,
        ratio,
        {"family": family, "probe_ms": p * 1e3, "forward_ms": b * 1e3, "record_bytes": held, "attention_bytes": raw},
    )


def run(repeats: int = 3, families=None) -> list[Row]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for family in families or BUILDERS:
            folder = Path(tmp) / family
            folder.mkdir()
            rows.append(measure(family, folder, repeats))
            gc.collect()  # one full-size model at a time
    return rows
