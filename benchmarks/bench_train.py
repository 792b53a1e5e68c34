"""Training throughput: train(...) against a plain PyTorch loop of the same model, data and batch size.

Both run the early-fusion variant with the matching loss on the same shapes-world
batches; they alternate in short bursts so machine noise hits both alike.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from benchmarks.common import Row, median

TARGET = 0.9


def _plain_loop(settings, steps: int) -> float:
    """Samples (pairs) per second of a minimal loop: build, then batch, forward, BCE, backward, AdamW step."""
    from mmexplorer.engine.batches import EncodingCache, make_batch
    from mmexplorer.engine.train import model_config
    from mmexplorer.models import build_model

    t0 = time.perf_counter()  # like train(), the clock includes building the model and optimiser
    torch.manual_seed(settings.seed)
    cfg = model_config(settings)
    model = build_model(cfg).train()
    opt = torch.optim.AdamW(model.parameters(), lr=settings.lr)
    encode = EncodingCache(model.tokenizer)
    for step in range(steps):
        batch = make_batch(cfg, encode, settings.seed, step * settings.batch_scenes, settings.batch_scenes, 0.5)
        out = model(batch.images, batch.ids, batch.mask)
        loss = F.binary_cross_entropy_with_logits(out["itm_logit"], batch.labels)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return steps * 2 * settings.batch_scenes / (time.perf_counter() - t0)


def _engine(settings, steps: int) -> float:
    from mmexplorer.engine.train import train

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        train(settings.replace(steps=steps, checkpoint_every=steps), Path(tmp) / "m.safetensors")
        return steps * 2 * settings.batch_scenes / (time.perf_counter() - t0)


def run(rounds: int = 3, steps: int = 10) -> list[Row]:
    from mmexplorer.engine.recipes import TrainSettings

    settings = TrainSettings(fusion="early", steps=steps, grounding=False, grad_clip=0.0, threads=0)
    engine, plain = [], []
    for _ in range(rounds):
        engine.append(_engine(settings, steps))
        plain.append(_plain_loop(settings, steps))
    e, p = median(engine), median(plain)
    ratio = e / p
    return [
        Row(
            "training throughput (early, batch 64 pairs)",
            f"train() {e:.0f} samples/s / plain loop {p:.0f} samples/s = {ratio:.2f}x",
            f">= {TARGET}x the plain loop",
            ratio >= TARGET,
            ratio,
            {"engine_sps": e, "plain_sps": p},
        )
    ]
