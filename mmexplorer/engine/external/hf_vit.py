"""Hugging Face ViTForImageClassification (+ its image processor) as an explorable model."""

from __future__ import annotations

import time
from pathlib import Path

import torch

from mmexplorer.families.hf_vit import FAMILY
from mmexplorer.engine.external.base import ATTENTION_NOTE, ExternalConfig, ExternalModel, NoTextTokenizer, parameter_count
from mmexplorer.engine.external.classifier_record import classifier_record
from mmexplorer.engine.external.record_builder import ignored_size_note
from mmexplorer.engine.external.crop import hf_image_box
from mmexplorer.engine.external.detect import display_name
from mmexplorer.engine.external.hf_common import (
    from_folder,
    import_transformers,
    load_eager,
    pixel_values,
    processor_settings,
)
from mmexplorer.engine.external.record_parts import grads_for, grid_of, norms_per_layer, per_layer, to_pil, top_classes
from mmexplorer.engine.model_api import Preprocessed

FUSION = FAMILY.name
SPEC = FAMILY.spec


def load(folder: str | Path, device, name: str | None = None) -> "HFViT":
    tf = import_transformers()
    processor = from_folder(tf.AutoImageProcessor, folder, "image processor")
    net = load_eager(tf.ViTForImageClassification, folder, device)
    return from_objects(net, processor, name or display_name(Path(folder)), str(folder))


def from_objects(net, processor, name: str, source: str = "") -> "HFViT":
    """The adapter around a network and processor already in memory (`load` reads them from a folder first).

    `net` must already run eager attention in float32 eval mode (engine.external.in_memory sees to it).
    """
    return HFViT(net, getattr(processor, "image_processor", processor), name, source)


class HFViT(ExternalModel):
    spec = SPEC

    def __init__(self, net, processor, name: str, source: str) -> None:
        c = net.config
        self.patch_size = int(c.patch_size)
        self.image_processor = processor
        cfg = ExternalConfig(
            name=name,
            fusion=FUSION,
            fields={"image_size": int(c.image_size), "patch_size": self.patch_size, "width": int(c.hidden_size),
                    "depth": int(c.num_hidden_layers), "heads": int(c.num_attention_heads), "pos_embed": "learned",
                    "max_text_len": 0},
            details={
                "family": "Hugging Face ViT image classifier (ViTForImageClassification)",
                "source": source,
                "attention": ATTENTION_NOTE,
                "cross_modal_attention": "none: an image-only classifier",
                "mlp_dim": int(c.intermediate_size),
                "classes": int(c.num_labels),
                "parameters": parameter_count(net),
                "preprocess": processor_settings(processor),
            },
        )
        super().__init__(net, cfg, NoTextTokenizer(), source)

    def preprocess(self, image, input_size: int | None = None) -> Preprocessed:
        box, note = hf_image_box(self.image_processor, *image.size)
        return Preprocessed(pixel_values(self.image_processor, to_pil(image)), box, (note,) if note else ())

    def label(self, index: int) -> str:
        return str(self.net.config.id2label.get(index, f"class {index}"))

    def capture(self, sample, relevancy: bool = True, input_size: int | None = None):
        device = self.device
        t0 = time.perf_counter()
        pre = self.preprocess(sample.image)
        pixels = pre.pixels.to(device)  # [1, 3, S, S]
        t1 = time.perf_counter()
        with torch.enable_grad() if relevancy else torch.no_grad():
            out = self.net(pixel_values=pixels, output_attentions=True, output_hidden_states=True, return_dict=True)
            logits = out.logits[0]  # [C]
            grads = grads_for(logits.max(), out.attentions) if relevancy else None
        t2 = time.perf_counter()
        grid = grid_of(pixels, self.patch_size)
        table = self.net.vit.embeddings.position_embeddings[0]  # [1+N, D]
        return classifier_record(
            self,
            sample,
            attention=per_layer(out.attentions),
            grads=grads,
            norms=norms_per_layer(out.hidden_states),
            grid=grid,
            image_box=pre.image_box,
            patch_positions=table[1:].detach().float().cpu().numpy() if table.shape[0] == 1 + grid[0] * grid[1] else None,
            classes=top_classes(logits, self.label),
            timings={"preprocess_s": t1 - t0, "forward_s": t2 - t1},
            family_meta={"preprocess": processor_settings(self.image_processor)},
            notes=[*pre.notes, *ignored_size_note(input_size)],
        )
