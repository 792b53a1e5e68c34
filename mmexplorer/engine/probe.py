"""probe(model, sample) -> AttentionRecord, with timings; and model loading by name."""

from __future__ import annotations

import dataclasses
import time

import torch

from mmexplorer import families
from mmexplorer.attention.record import AttentionRecord
from mmexplorer.data.sample import Sample
from mmexplorer.data.words import word_spans
from mmexplorer.engine.catalog import ModelEntry, resolve
from mmexplorer.engine.device import resolve_device
from mmexplorer.engine.model_api import ExplorableModel


def load_model(name_or_path: str | None, device: str | None = "cpu",
               download: bool = False) -> tuple[ExplorableModel, ModelEntry]:
    """-> (the model in eval mode on the device, its catalog entry); `download` fetches a hub id not yet cached."""
    entry = resolve(name_or_path, download)
    return load_entry(entry, device), entry


def load_entry(entry: ModelEntry, device: str | None = "cpu") -> ExplorableModel:
    """The catalog entry's model, through its family (mmexplorer/families).

    A file whose family is unknown is read as a bundled checkpoint: it carries its own config, and the
    checkpoint loader says what is wrong with it.
    """
    found = families.find(entry.fusion)
    if found is None:
        from mmexplorer.engine import bundled

        return bundled.load(entry.path, resolve_device(device), name=entry.name)
    return found.load(entry.path, resolve_device(device), name=entry.name)


def versions() -> dict:
    import numpy

    import mmexplorer

    return {"mmexplorer": mmexplorer.__version__, "torch": torch.__version__, "numpy": numpy.__version__}


def probe(model: ExplorableModel, sample: Sample, relevancy: bool = True, input_size: int | None = None) -> AttentionRecord:
    """Run the model on one sample on its own device and return the captured record."""
    t0 = time.perf_counter()
    record = model.capture(sample, relevancy=relevancy, input_size=input_size)
    return with_probe_meta(model, sample, record, started=t0)


def with_probe_meta(model: ExplorableModel, sample: Sample, record: AttentionRecord, started: float | None = None,
                    extra: dict | None = None) -> AttentionRecord:
    """The record with what every probe's meta carries: its time (from `started`), the versions, the spec and
    the word spans; `extra` (a batch run's shared facts) added on top."""
    meta = dict(record.meta)
    if started is not None:
        meta["timings"] = dict(meta.get("timings", {}), probe_s=time.perf_counter() - started)
    meta["versions"] = versions()
    meta.setdefault("spec", model.spec.to_dict())
    # which tokens form one word, so a whole word's map can be read from its pieces (attention.maps.word_image_map)
    meta.setdefault("word_spans", [list(span) for span in word_spans(sample.encoding.tokens)])
    # where each token lies in the text, [start, end) in characters ([0, 0]: a special token), so the same
    # word can be found in models that split the text differently (gui/compare/words.py)
    meta.setdefault("char_spans", [[int(getattr(t, "start", 0)), int(getattr(t, "end", 0))] for t in sample.encoding.tokens])
    meta.update(extra or {})
    return dataclasses.replace(record, meta=meta)


def probe_meta(model: ExplorableModel, sample: Sample, record: AttentionRecord, started: float) -> dict:
    """The record's meta with what every probe adds (with_probe_meta's, as a dict)."""
    return with_probe_meta(model, sample, record, started=started).meta
