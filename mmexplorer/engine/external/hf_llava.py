"""Hugging Face LLaVA-1.5 (LlavaForConditionalGeneration): one grid of CLIP patches, one token each.

The image processor (CLIP's) resizes the photo's shorter edge and crops the
centre square; the vision tower's patches of one layer (vision_feature_layer,
the second to last for LLaVA-1.5), without its [CLS] ("default" strategy),
are projected one to one into the run of <image> tokens the processor wrote:
24 x 24 = 576 for the 336-pixel, 14-pixel-patch tower. One region, the crop's
box; no merge (a token is its one patch).
"""

from __future__ import annotations

from pathlib import Path

from mmexplorer.attention.generation import ImageRegions, block_token_patches
from mmexplorer.engine.external.base import ATTENTION_NOTE, ExternalConfig, parameter_count
from mmexplorer.engine.external.crop import hf_image_box
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
from mmexplorer.families.hf_llava import FAMILY

FUSION = FAMILY.name
SPEC = FAMILY.spec


def load(folder: str | Path, device, name: str | None = None) -> "HFLlava":
    tf = import_transformers()
    processor = load_image_text_processor(tf, folder)
    net = load_eager_config(tf.LlavaForConditionalGeneration, folder, device)
    return HFLlava(net, processor, name or display_name(Path(folder)), str(folder))


class HFLlava(GenerativeModel):
    spec = SPEC
    family = "Hugging Face LLaVA (LlavaForConditionalGeneration)"

    def __init__(self, net, processor, name: str, source: str) -> None:
        c = net.config
        vc, tc = c.vision_config, c.get_text_config()
        self.side = int(vc.image_size) // int(vc.patch_size)
        if getattr(processor.image_processor, "do_pad", False):
            raise ExternalModelError(f"{source}: an image processor that pads the photo to a square is not placed on "
                                     "the photo yet; cannot draw its maps")
        if c.vision_feature_select_strategy != "default" or not isinstance(c.vision_feature_layer, int):
            raise ExternalModelError(f"{source}: only LLaVA's 'default' patch selection from one vision layer is "
                                     "placed on the photo")
        cfg = ExternalConfig(
            name=name,
            fusion=SPEC.fusion,
            fields={"image_size": int(vc.image_size), "patch_size": int(vc.patch_size), "width": int(tc.hidden_size),
                    "depth": int(tc.num_hidden_layers), "heads": int(tc.num_attention_heads)},
            details={
                "family": self.family,
                "source": source,
                "attention": ATTENTION_NOTE,
                "vision_tower": {"layers": int(vc.num_hidden_layers), "heads": int(vc.num_attention_heads),
                                 "width": int(vc.hidden_size), "patch_size": int(vc.patch_size),
                                 "image_size": int(vc.image_size)},
                "vision_feature_layer": int(c.vision_feature_layer),
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
        box, note = hf_image_box(self.processor.image_processor, *image.size)
        return Preprocessed(out["pixel_values"].float(), box, (note,) if note else ())

    def vision_attention(self):
        return [layer.self_attn for layer in self.net.model.vision_tower.encoder.layers]

    def decoder_attention(self):
        return [layer.self_attn for layer in self.net.model.language_model.layers]

    def raw_prompt(self, question: str) -> str:
        token = self.processor.image_token
        return question if token in question else f"{token}\n{question}"  # the processor needs one per picture

    def regions(self, inputs, prompt_ids, image_size):
        box, note = hf_image_box(self.processor.image_processor, *image_size)
        if note:
            raise ExternalModelError(f"{self.name}: {note}; cannot place the image tokens on the photo")
        runs = image_runs(prompt_ids, self.image_token_id())
        g = self.side
        if len(runs) != 1 or runs[0][1] - runs[0][0] != g * g:
            raise ExternalModelError(f"{self.name}: the prompt's image tokens ({[e - s for s, e in runs]}) are not one "
                                     f"grid of {g}x{g}; cannot place them on the photo")
        regions = ImageRegions(names=("image",), boxes=[box], token_grids=[(g, g)], patch_grids=[(g, g)], spans=runs,
                               token_patches=block_token_patches([(g, g)], [(g, g)]))
        return regions, (g, g), box
