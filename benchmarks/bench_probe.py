"""Probe overhead: a full probe (capture, record, default maps) against the bare fused forward pass."""

from __future__ import annotations

import torch

from benchmarks.common import Row, bundled_or_random, interleaved, median, sample_for

TARGET = 1.25


def run(repeats: int = 30) -> list[Row]:
    from mmexplorer.engine.catalog import list_models
    from mmexplorer.engine.probe import probe
    from mmexplorer.models.preprocess import image_tensor, text_tensor

    fusions = sorted({e.fusion for e in list_models() if e.source == "bundled"}) or ["early"]
    rows = []
    for fusion in fusions:
        model = bundled_or_random(fusion)
        net = model.net
        sample = sample_for(model)
        image = image_tensor(sample.image.pixels, model.cfg)
        ids, mask = text_tensor(sample.encoding, model.tokenizer)

        def bare():  # the fastest plain forward: fused kernel, inference mode
            with torch.inference_mode():
                net(image, ids, mask)

        def full():
            probe(model, sample, relevancy=False)

        def with_relevancy():
            probe(model, sample, relevancy=True)

        net.set_fused(True)
        times = interleaved({"bare": bare, "probe": full, "relevancy": with_relevancy}, repeats)
        b, p, r = median(times["bare"]), median(times["probe"]), median(times["relevancy"])
        ratio = p / b
        rows.append(
            Row(
                f"probe overhead ({model.name})",
                f"probe {p * 1e3:.1f} ms / forward {b * 1e3:.1f} ms = {ratio:.2f}x (with relevancy backward: {r / b:.2f}x)",
                f"<= {TARGET}x at batch 1 on CPU",
                ratio <= TARGET,
                ratio,
                {"probe_ms": p * 1e3, "forward_ms": b * 1e3, "relevancy_ms": r * 1e3},
            )
        )
    return rows
