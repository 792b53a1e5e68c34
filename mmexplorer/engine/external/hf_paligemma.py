"""Hugging Face PaliGemma (PaliGemmaForConditionalGeneration): a prefix-LM over one grid of SigLIP patches.

The image processor squashes the whole photo to the tower's square (no
crop); each patch is projected into one token. The processor writes the
prompt itself: image_seq_length <image> tokens, <bos>, the text, a newline
(it adds the image tokens when the text has none), and token_type_ids 0 over
that prefix: the model attends both ways within it (block_sequence_ids) and
causally over the answer (token type 1). The record says so:
generation.bidirectional_prefix is the prompt's length.
"""

from __future__ import annotations

from pathlib import Path

from mmexplorer.attention.generation import ImageRegions, block_token_patches
from mmexplorer.engine.external.base import ATTENTION_NOTE, ExternalConfig, parameter_count
from mmexplorer.engine.external.detect import display_name
from mmexplorer.engine.external.errors import ExternalModelError
from mmexplorer.engine.external.generative import GenerativeModel, image_runs
from mmexplorer.engine.external.hf_common import (
    import_transformers,
    load_eager_config,
    load_image_text_processor,
    processor_settings,
)
from mmexplorer.engine.external.hf_tokens import HFTextTokenizer
from mmexplorer.engine.external.record_parts import to_pil
from mmexplorer.engine.model_api import Preprocessed
from mmexplorer.families.hf_paligemma import FAMILY

FUSION = FAMILY.name
SPEC = FAMILY.spec


def load(folder: str | Path, device, name: str | None = None) -> "HFPaliGemma":
    tf = import_transformers()
    processor = load_image_text_processor(tf, folder)
    net = load_eager_config(tf.PaliGemmaForConditionalGeneration, folder, device)
    return HFPaliGemma(net, processor, name or display_name(Path(folder)), str(folder))


class HFPaliGemma(GenerativeModel):
    spec = SPEC
    family = "Hugging Face PaliGemma (PaliGemmaForConditionalGeneration)"
    bidirectional_prefix = True

    def __init__(self, net, processor, name: str, source: str) -> None:
        c = net.config
        vc, tc = c.vision_config, c.get_text_config()
        self.side = int(vc.image_size) // int(vc.patch_size)
        if getattr(processor.image_processor, "do_center_crop", False):
            raise ExternalModelError(f"{source}: a PaliGemma image processor that crops is not placed on the photo")
        cfg = ExternalConfig(
            name=name,
            fusion=SPEC.fusion,
            fields={"image_size": int(vc.image_size), "patch_size": int(vc.patch_size), "width": int(tc.hidden_size),
                    "depth": int(tc.num_hidden_layers), "heads": int(tc.num_attention_heads)},
            details={
                "family": self.family,
                "source": source,
                "attention": ATTENTION_NOTE,
                "mask": "prefix-LM: image and prompt bidirectional, answer causal",
                "vision_tower": {"layers": int(vc.num_hidden_layers), "heads": int(vc.num_attention_heads),
                                 "width": int(vc.hidden_size), "patch_size": int(vc.patch_size),
                                 "image_size": int(vc.image_size)},
                "image_tokens": self.side * self.side,
                "vocabulary": int(tc.vocab_size),
                "parameters": parameter_count(net),
                "preprocess": processor_settings(processor.image_processor),
            },
        )
        max_len = int(getattr(tc, "max_position_embeddings", 2048))
        super().__init__(net, processor, cfg, HFTextTokenizer(processor.tokenizer, max_len), source)

    def preprocess(self, image, input_size: int | None = None) -> Preprocessed:
        out = self.processor.image_processor(images=to_pil(image), return_tensors="pt")
        width, height = image.size
        return Preprocessed(out["pixel_values"].float(), (0.0, 0.0, float(width), float(height)))

    def vision_attention(self):
        return [layer.self_attn for layer in self.net.model.vision_tower.encoder.layers]

    def decoder_attention(self):
        return [layer.self_attn for layer in self.net.model.language_model.layers]

    def regions(self, inputs, prompt_ids, image_size):
        width, height = (float(v) for v in image_size)
        runs = image_runs(prompt_ids, self.image_token_id())
        g = self.side
        if len(runs) != 1 or runs[0][1] - runs[0][0] != g * g:
            raise ExternalModelError(f"{self.name}: the prompt's image tokens ({[e - s for s, e in runs]}) are not one "
                                     f"grid of {g}x{g}; cannot place them on the photo")
        box = (0.0, 0.0, width, height)
        regions = ImageRegions(names=("image",), boxes=[box], token_grids=[(g, g)], patch_grids=[(g, g)], spans=runs,
                               token_patches=block_token_patches([(g, g)], [(g, g)]))
        return regions, (g, g), box
