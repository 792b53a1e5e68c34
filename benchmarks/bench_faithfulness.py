"""Faithfulness checks' cost: a 16-step deletion curve against one probe, and the heads-that-matter grid against
as many plain forward passes as it has cells (layers x heads), for each bundled model."""

from __future__ import annotations

import torch

from benchmarks.common import Row, bundled_or_random, interleaved, median, sample_for

CURVE_TARGET = 4.0
GRID_TARGET = 1.5


def run(repeats: int = 5) -> list[Row]:
    from mmexplorer.engine.ablation import head_grid
    from mmexplorer.engine.catalog import list_models
    from mmexplorer.engine.faithfulness import curves_for_orders, method_orders
    from mmexplorer.engine.probe import probe
    from mmexplorer.models.preprocess import image_tensor, text_tensor

    fusions = sorted({e.fusion for e in list_models() if e.source == "bundled"}) or ["early"]
    rows = []
    for fusion in fusions:
        model = bundled_or_random(fusion)
        sample = sample_for(model)
        record = probe(model, sample, relevancy=False)
        order = method_orders(record, ("raw",))["raw"]
        kind = record.cross_kind or record.order[-1][0]
        cells = record.layers(kind) * record.heads
        image = image_tensor(sample.image.pixels, model.cfg)
        ids, mask = text_tensor(sample.encoding, model.tokenizer)

        def one_probe():
            probe(model, sample, relevancy=False)

        def curve():  # the map's order given: what a curve adds to the probe the explorer already has
            curves_for_orders(model, sample, record.grid, record.image_box, {"raw": order}, 16, ("deletion",))

        def grid():
            head_grid(model, sample, kind, record=record)

        def forwards():  # one plain forward per cell, fused kernel, inference mode
            with torch.inference_mode():
                for _ in range(cells):
                    model.net(image, ids, mask)

        times = interleaved({"probe": one_probe, "curve": curve, "grid": grid, "forwards": forwards}, repeats)
        p, c = median(times["probe"]), median(times["curve"])
        g, f = median(times["grid"]), median(times["forwards"])
        rows.append(Row(f"deletion curve, 16 steps ({model.name})",
                        f"curve {c * 1e3:.1f} ms / probe {p * 1e3:.1f} ms = {c / p:.2f}x",
                        f"<= {CURVE_TARGET}x one probe", c / p <= CURVE_TARGET, c / p,
                        {"curve_ms": c * 1e3, "probe_ms": p * 1e3}))
        rows.append(Row(f"heads-that-matter grid, {kind} {record.layers(kind)}x{record.heads} ({model.name})",
                        f"grid {g * 1e3:.1f} ms / {cells} forwards {f * 1e3:.1f} ms = {g / f:.2f}x",
                        f"<= {GRID_TARGET}x (layers x heads) forwards", g / f <= GRID_TARGET, g / f,
                        {"grid_ms": g * 1e3, "forwards_ms": f * 1e3, "cells": cells}))
    return rows
