"""Hugging Face Chinese-CLIP (ChineseCLIPModel): CLIP's vision tower with a BERT text encoder.

Like CLIP a dual encoder: the towers never attend to each other. The text is
read as BERT reads it ([CLS] first, one token per Chinese character, WordPiece
for other words); its [CLS] state, projected, is the text embedding.
"""

from __future__ import annotations

from pathlib import Path

from mmexplorer.engine.external.base import ATTENTION_NOTE, ExternalConfig, parameter_count
from mmexplorer.engine.external.crop import hf_image_box
from mmexplorer.engine.external.detect import display_name
from mmexplorer.engine.external.hf_common import (
    import_transformers,
    load_eager,
    load_image_text_processor,
    pixel_values,
    processor_settings,
    text_tower,
    vision_tower,
)
from mmexplorer.engine.external import batching
from mmexplorer.engine.external.hf_dual import DualEncoder, DualForward, DualRow, positions_if_square
from mmexplorer.engine.external.hf_tokens import HFTextTokenizer
from mmexplorer.engine.external.record_parts import grid_of, image_layout, text_layout, to_pil
from mmexplorer.engine.model_api import Preprocessed
from mmexplorer.families.hf_chinese_clip import FAMILY

FUSION = FAMILY.name
SPEC = FAMILY.spec


def load(folder: str | Path, device, name: str | None = None) -> "HFChineseClip":
    tf = import_transformers()
    processor = load_image_text_processor(tf, folder)
    net = load_eager(tf.ChineseCLIPModel, folder, device)
    return from_objects(net, processor, name or display_name(Path(folder)), str(folder))


def from_objects(net, processor, name: str, source: str = "") -> "HFChineseClip":
    """The adapter around a network and processor already in memory (`load` reads them from a folder first).

    `net` must already run eager attention in float32 eval mode (engine.external.in_memory sees to it).
    """
    return HFChineseClip(net, processor, name, source)


class HFChineseClip(DualEncoder):
    spec = SPEC

    def __init__(self, net, processor, name: str, source: str) -> None:
        vc, tc = net.config.vision_config, net.config.text_config
        self.patch_size = int(vc.patch_size)
        self.image_processor = processor.image_processor
        cfg = ExternalConfig(
            name=name,
            fusion=FUSION,
            fields={"image_size": int(vc.image_size), "patch_size": self.patch_size, "width": int(vc.hidden_size),
                    "depth": int(vc.num_hidden_layers), "unimodal_depth": int(tc.num_hidden_layers),
                    "heads": int(vc.num_attention_heads), "pos_embed": "learned",
                    "max_text_len": int(tc.max_position_embeddings)},
            details={
                "family": "Hugging Face Chinese-CLIP (ChineseCLIPModel)",
                "source": source,
                "attention": ATTENTION_NOTE,
                "cross_modal_attention": "none: a dual encoder; token-patch maps are cosine similarity, not attention",
                "vision": vision_tower(vc),
                "text": text_tower(tc),
                "projection_dim": int(net.config.projection_dim),
                "parameters": parameter_count(net),
                "preprocess": processor_settings(processor.image_processor),
            },
        )
        max_len = min(int(tc.max_position_embeddings), int(getattr(processor.tokenizer, "model_max_length", 512)))
        super().__init__(net, cfg, HFTextTokenizer(processor.tokenizer, max_len), source)

    def preprocess(self, image, input_size: int | None = None) -> Preprocessed:
        box, note = hf_image_box(self.image_processor, *image.size)
        return Preprocessed(pixel_values(self.image_processor, to_pil(image)), box, (note,) if note else ())

    def forward_batch(self, pres, texts) -> DualForward:
        net = self.net
        pixels = batching.stacked([p.pixels for p in pres], self.device)  # [B, 3, S, S]
        out = net(**self.text_batch(texts), pixel_values=pixels, output_attentions=True, return_dict=True)
        grid = grid_of(pixels, self.patch_size)
        patches = net.visual_projection(net.vision_model.post_layernorm(out.vision_model_output.last_hidden_state[:, 1:]))
        scale = float(net.logit_scale.detach().exp())
        rows = []
        for b, t in enumerate(texts):
            n_tokens = len(t.encoding.tokens)
            states = out.text_model_output.last_hidden_state[b, 1:1 + n_tokens]  # [T, D]
            rows.append(DualRow(tokens=net.text_projection(states), patches=patches[b], grid=grid,
                                image_layout=image_layout(grid[0] * grid[1]), text_layout=text_layout(n_tokens),
                                text_length=len(t.ids), outputs={"logit_scale": scale}))
        return DualForward(
            vision=out.vision_model_output.attentions,
            text=out.text_model_output.attentions,
            logits=out.logits_per_image.diagonal(),  # [B]: logit_scale * cosine of each pair
            cosine=(out.image_embeds * out.text_embeds).sum(-1),
            rows=rows,
        )

    def patch_positions(self, grid):
        return positions_if_square(self.net.vision_model.embeddings.position_embedding.weight, grid, 1)
