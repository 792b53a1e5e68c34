"""probe(model, sample) -> AttentionRecord, with timings; and model loading by name."""

from __future__ import annotations

import dataclasses
import time

import torch

from mmexplorer.attention.capture import capture
from mmexplorer.attention.record import AttentionRecord
from mmexplorer.data.sample import Sample
from mmexplorer.engine.catalog import resolve
from mmexplorer.engine.device import resolve_device
from mmexplorer.engine.external.detect import EXTERNAL_FUSIONS
from mmexplorer.models.checkpoint import load_checkpoint


def load_model(name_or_path: str | None, device: str | None = "cpu"):
    """-> (model in eval mode on the device, its catalog entry)."""
    entry = resolve(name_or_path)
    if entry.fusion in EXTERNAL_FUSIONS:  # a pretrained model from local files (engine/external)
        from mmexplorer.engine.external import load_external

        model = load_external(entry.path, entry.fusion, resolve_device(device))
    else:
        model = load_checkpoint(entry.path, resolve_device(device))
    model.catalog_name = entry.name
    return model, entry


def versions() -> dict:
    import numpy

    import mmexplorer

    return {"mmexplorer": mmexplorer.__version__, "torch": torch.__version__, "numpy": numpy.__version__}


def probe(model, sample: Sample, relevancy: bool = True, input_size: int | None = None) -> AttentionRecord:
    """Run the model on one sample on its own device and return the captured record."""
    device = next(model.parameters()).device
    t0 = time.perf_counter()
    if not hasattr(model, "capture"):  # the record is built once, with everything in it
        return capture(model, sample, device, relevancy=relevancy, name=getattr(model, "catalog_name", None),
                       input_size=input_size, meta={"versions": versions()}, started=t0)
    record = model.capture(sample, relevancy=relevancy, input_size=input_size)  # pretrained adapters: their library's forward
    meta = dict(record.meta)
    meta["timings"] = dict(meta.get("timings", {}), probe_s=time.perf_counter() - t0)
    meta["versions"] = versions()
    return dataclasses.replace(record, meta=meta)
