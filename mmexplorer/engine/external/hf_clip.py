"""Hugging Face CLIP (CLIPModel + its processor) as an explorable model.

CLIP is a dual encoder: the vision and text transformers never attend to each
other. The record holds each encoder's self-attention, the token-patch cosine
similarity of projected embeddings (labelled as similarity), and the match
logit (logit_scale * cosine); no probability is made up from a single pair.
"""

from __future__ import annotations

from pathlib import Path

import torch

from mmexplorer.engine.external.base import ATTENTION_NOTE, ExternalConfig, parameter_count
from mmexplorer.engine.external.crop import hf_image_box
from mmexplorer.engine.external.detect import display_name
from mmexplorer.engine.external.hf_dual import DualEncoder, DualForward, positions_if_square
from mmexplorer.engine.external.hf_common import (
    import_transformers,
    load_eager,
    load_image_text_processor,
    pixel_values,
    processor_settings,
    text_tower,
    vision_tower,
)
from mmexplorer.engine.external.hf_tokens import HFTextTokenizer
from mmexplorer.engine.external.record_parts import (
    grid_of,
    image_layout,
    text_layout,
    to_pil,
)
from mmexplorer.engine.model_api import Preprocessed
from mmexplorer.families.hf_clip import FAMILY

FUSION = FAMILY.name
NO_CROSS = "none: CLIP is a dual encoder (contrastive); token-patch maps are cosine similarity, not attention"
SPEC = FAMILY.spec


def load(folder: str | Path, device, name: str | None = None) -> "HFClip":
    tf = import_transformers()
    processor = load_image_text_processor(tf, folder)
    net = load_eager(tf.CLIPModel, folder, device)
    return HFClip(net, processor, name or display_name(Path(folder)), str(folder))


class HFClip(DualEncoder):
    spec = SPEC

    def __init__(self, net, processor, name: str, source: str) -> None:
        vc, tc = net.config.vision_config, net.config.text_config
        self.patch_size = int(vc.patch_size)
        self.image_processor = processor.image_processor
        cfg = ExternalConfig(
            name=name,
            fusion=FUSION,
            fields={
                "image_size": int(vc.image_size),
                "patch_size": self.patch_size,
                "width": int(vc.hidden_size),
                "depth": int(vc.num_hidden_layers),
                "unimodal_depth": int(tc.num_hidden_layers),
                "heads": int(vc.num_attention_heads),
                "pos_embed": "learned",
                "max_text_len": int(tc.max_position_embeddings),
            },
            details={
                "family": "Hugging Face CLIP (CLIPModel)",
                "source": source,
                "attention": ATTENTION_NOTE,
                "cross_modal_attention": NO_CROSS,
                "vision": vision_tower(vc),
                "text": text_tower(tc),
                "projection_dim": int(net.config.projection_dim),
                "text_pooling": "the end-of-text token (the last token); position 0 is a start token, not a [CLS]",
                "parameters": parameter_count(net),
                "preprocess": processor_settings(processor.image_processor),
            },
        )
        super().__init__(net, cfg, HFTextTokenizer(processor.tokenizer, tc.max_position_embeddings), source)

    def preprocess(self, image, input_size: int | None = None) -> Preprocessed:
        box, note = hf_image_box(self.image_processor, *image.size)
        return Preprocessed(pixel_values(self.image_processor, to_pil(image)), box, (note,) if note else ())

    def forward_pair(self, pre, text, n_tokens: int) -> DualForward:
        """One forward pass of CLIPModel with output_attentions=True (start token, tokens, end token)."""
        net = self.net
        out = net(input_ids=torch.tensor([text.ids], device=self.device), pixel_values=pre.pixels.to(self.device),
                  output_attentions=True, output_hidden_states=True, return_dict=True)
        grid = grid_of(pre.pixels, self.patch_size)
        # token and patch embeddings in the shared space: each token's projection, each patch's projection
        # after the vision tower's final layer norm (as CLIP projects its pooled [CLS])
        tokens = net.text_projection(out.text_model_output.last_hidden_state[0, text.token_positions])  # [T, E]
        patches = net.visual_projection(net.vision_model.post_layernorm(out.vision_model_output.last_hidden_state[0, 1:]))
        return DualForward(
            vision=out.vision_model_output.attentions,  # per layer [1, H, 1+N, 1+N]
            text=out.text_model_output.attentions,  # per layer [1, H, L, L] (causal)
            logit=out.logits_per_image[0, 0],  # logit_scale * cosine
            cosine=(out.text_embeds[0] * out.image_embeds[0]).sum(),
            tokens=tokens,
            patches=patches,  # [N, E]
            grid=grid,
            image_layout=image_layout(grid[0] * grid[1]),
            # CLIP pools the text at the end-of-text token (the last token shown), not at the start token in
            # position 0, so that one is a "start", not a [CLS].
            text_layout=text_layout(n_tokens, "start"),
            outputs={"logit_scale": float(net.logit_scale.detach().exp())},
            vision_states=out.vision_model_output.hidden_states,  # the residual stream entering each layer
            text_states=out.text_model_output.hidden_states,
            meta={"pooled": {"text": _pooled_text(text.ids, text.encoding, self.tokenizer.hf.eos_token_id),
                             "image": {"position": 0, "token": "[CLS]"}}},
        )

    def patch_positions(self, grid):
        return positions_if_square(self.net.vision_model.embeddings.position_embedding.weight, grid, 1)


def _pooled_text(ids: list[int], encoding, eos_id) -> dict:
    """Where CLIP's text tower pools: its end-of-text token (the first one, as the library finds it)."""
    position = ids.index(eos_id) if eos_id in ids else len(ids) - 1  # in the text sequence, start token at 0
    return {"position": position, "token": encoding.tokens[position - 1].surface if position >= 1 else "[start]"}


