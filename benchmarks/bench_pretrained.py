"""Probe overhead for real families at full size: ViLT-B/32 and BLIP-base with random weights.

The probe (preprocessing, the model's own forward with eager attention, the
record with its default maps, no gradients) against the model's own eager
forward with output_attentions=True on inputs prepared once, at batch 1. Also
the record's memory against the raw attention bytes. Random weights, so
nothing is downloaded; the tokenizer is a vocabulary written here.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from benchmarks.common import Row, interleaved, median

TARGET = 1.25
TEXT = "a cat sitting on the couch next to a dog"


def _tokenizer(folder: Path):
    import transformers as tf

    words = ["a", "cat", "sitting", "on", "the", "couch", "next", "to", "dog"]
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *words]
    vocab += [f"[unused{i}]" for i in range(30522 - len(vocab))]  # BERT-base's vocabulary size
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    return tf.BertTokenizerFast.from_pretrained(str(folder))


def _vilt(folder: Path):
    import torch
    import transformers as tf

    from mmexplorer.engine.external.hf_vilt import HFVilt

    tok = _tokenizer(folder)
    torch.manual_seed(0)
    net = tf.ViltForImageAndTextRetrieval(tf.ViltConfig(attn_implementation="eager")).eval()  # ViLT-B/32, 384 px
    images = tf.ViltImageProcessor(size={"shortest_edge": 384}, size_divisor=32)
    model = HFVilt(net, tf.ViltProcessor(image_processor=images, tokenizer=tok), "random ViLT-B/32", "")

    def own(inputs):
        return net(**inputs, output_attentions=True)

    return model, tf.ViltProcessor(image_processor=images, tokenizer=tok), own


def _blip(folder: Path):
    import torch
    import transformers as tf

    from mmexplorer.engine.external.hf_blip import HFBlipITM

    tok = _tokenizer(folder)
    torch.manual_seed(0)
    cfg = tf.BlipConfig(vision_config={"image_size": 384}, attn_implementation="eager")  # BLIP-base: ViT-B/16, BERT-base
    net = tf.BlipForImageTextRetrieval(cfg).eval()
    processor = tf.BlipProcessor(image_processor=tf.BlipImageProcessor(size={"height": 384, "width": 384}), tokenizer=tok)
    model = HFBlipITM(net, processor, "random BLIP-base (ITM)", "")

    def own(inputs):  # the text encoder's attentions come out of the same call (the model drops them)
        return net(**inputs, output_attentions=True)

    return model, processor, own


def run(repeats: int = 3) -> list[Row]:
    import torch

    from mmexplorer.data.image import LoadedImage
    from mmexplorer.data.sample import Sample
    from mmexplorer.engine.probe import probe
    from mmexplorer.engine.external.record_parts import to_pil

    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 255, (384, 384, 3), dtype=np.uint8)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for build in (_vilt, _blip):
            folder = Path(tmp) / build.__name__
            folder.mkdir()
            model, processor, own = build(folder)
            sample = Sample(LoadedImage(pixels, "random"), model.tokenizer.encode(TEXT))
            inputs = dict(processor(images=to_pil(sample.image), text=TEXT, return_tensors="pt"))

            def bare():
                with torch.no_grad():
                    own(inputs)

            def full():
                probe(model, sample, relevancy=False)

            times = interleaved({"bare": bare, "probe": full}, repeats, warmup=1)
            b, p = median(times["bare"]), median(times["probe"])
            record = probe(model, sample, relevancy=False)
            raw = sum(a.nbytes for layers in record.attention.values() for a in layers)
            held = raw + record.token_to_image.nbytes + (record.patch_positions.nbytes if record.patch_positions is not None else 0)
            ratio = p / b
            layers = sum(len(v) for v in record.attention.values())
            rows.append(Row(
                f"pretrained probe overhead ({model.name})",
                f"probe {p * 1e3:.0f} ms / own eager forward {b * 1e3:.0f} ms = {ratio:.2f}x "
                f"({layers} attention layers x {record.heads} heads, grid {record.grid[0]}x{record.grid[1]}; "
                f"record {held / 2**20:.1f} MiB for {raw / 2**20:.1f} MiB of raw attention)",
                f"<= {TARGET}x at batch 1 on CPU",
                ratio <= TARGET,
                ratio,
                {"probe_ms": p * 1e3, "forward_ms": b * 1e3, "record_bytes": held, "attention_bytes": raw},
            ))
            del model
    return rows
