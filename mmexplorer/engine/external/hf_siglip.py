"""Hugging Face SigLIP (SiglipModel): a dual encoder scored with a sigmoid, no [CLS] token in either tower.

The vision tower pools its patches with an attention-pooling head (a learned
probe query), not a [CLS] token, so the image sequence is the patches alone.
A patch's embedding in the shared space is that head applied to the patch
alone; a token's is the text head applied to the token's final state. The text
is padded to the model's full length (64), as SigLIP was trained; the padding
takes part in the text attention and is marked as such in the layout.
"""

from __future__ import annotations

from pathlib import Path

import torch

from mmexplorer.engine.external.base import ATTENTION_NOTE, ExternalConfig, parameter_count
from mmexplorer.engine.external.crop import hf_image_box
from mmexplorer.engine.external.detect import display_name
from mmexplorer.engine.external.hf_common import (
    from_folder,
    import_transformers,
    load_eager,
    pixel_values,
    processor_settings,
    require_package,
)
from mmexplorer.engine.external import batching
from mmexplorer.engine.external.hf_dual import DualEncoder, DualForward, DualRow, positions_if_square
from mmexplorer.engine.external.hf_tokens import HFTextTokenizer
from mmexplorer.engine.external.record_parts import grid_of, to_pil
from mmexplorer.engine.model_api import Preprocessed
from mmexplorer.families.hf_siglip import FAMILY

FUSION = FAMILY.name
SPEC = FAMILY.spec


def load(folder: str | Path, device, name: str | None = None) -> "HFSiglip":
    tf = import_transformers()
    require_package("sentencepiece", "sentencepiece", "the SigLIP tokenizer")
    tokenizer = from_folder(tf.AutoTokenizer, folder, "tokenizer")
    images = from_folder(tf.AutoImageProcessor, folder, "image processor")
    net = load_eager(tf.SiglipModel, folder, device)
    return HFSiglip(net, images, tokenizer, name or display_name(Path(folder)), str(folder))


def from_objects(net, processor, name: str, source: str = "") -> "HFSiglip":
    """The adapter around a network and processor already in memory (`load` reads them from a folder first).

    `net` must already run eager attention in float32 eval mode (engine.external.in_memory sees to it).
    """
    return HFSiglip(net, processor.image_processor, processor.tokenizer, name, source)


class HFSiglip(DualEncoder):
    spec = SPEC
    family = "Hugging Face SigLIP (SiglipModel)"

    def __init__(self, net, image_processor, tokenizer, name: str, source: str) -> None:
        vc, tc = net.config.vision_config, net.config.text_config
        self.patch_size = int(vc.patch_size)
        self.image_processor = image_processor
        cfg = ExternalConfig(
            name=name,
            fusion=self.spec.fusion,
            fields={"image_size": int(getattr(vc, "image_size", 0) or 0), "patch_size": self.patch_size,
                    "width": int(vc.hidden_size), "depth": int(vc.num_hidden_layers),
                    "unimodal_depth": int(tc.num_hidden_layers), "heads": int(vc.num_attention_heads),
                    "pos_embed": "learned", "max_text_len": int(tc.max_position_embeddings)},
            details={
                "family": self.family,
                "source": source,
                "attention": ATTENTION_NOTE,
                "cross_modal_attention": "none: a dual encoder; token-patch maps are cosine similarity, not attention",
                "vision": {"layers": int(vc.num_hidden_layers), "heads": int(vc.num_attention_heads),
                           "width": int(vc.hidden_size), "patch_size": self.patch_size},
                "text": {"layers": int(tc.num_hidden_layers), "heads": int(tc.num_attention_heads),
                         "width": int(tc.hidden_size), "max_tokens": int(tc.max_position_embeddings),
                         "vocabulary": int(tc.vocab_size), "padding": "to max_tokens, as trained"},
                "parameters": parameter_count(net),
                "preprocess": processor_settings(image_processor),
            },
        )
        super().__init__(net, cfg, HFTextTokenizer(tokenizer, tc.max_position_embeddings, pad_to_max=True), source)

    def preprocess(self, image, input_size: int | None = None) -> Preprocessed:
        box, note = hf_image_box(self.image_processor, *image.size)
        return Preprocessed(pixel_values(self.image_processor, to_pil(image)), box, (note,) if note else ())

    def text_inputs(self, texts) -> dict:
        """input_ids [B, 64] (tokens, end, padding), and the mask only where the tokenizer makes one (SigLIP 2)."""
        return self.text_batch(texts, mask="attention_mask" in getattr(self.tokenizer.hf, "model_input_names", ()))

    def pixel_inputs(self, pres) -> dict:
        return {"pixel_values": batching.stacked([p.pixels for p in pres], self.device)}

    def grid(self, pre) -> tuple[int, int]:
        return grid_of(pre.pixels, self.patch_size)

    def forward_batch(self, pres, texts) -> DualForward:
        out = self.net(**self.text_inputs(texts), **self.pixel_inputs(pres), output_attentions=True, return_dict=True)
        vision_states = out.vision_model_output.last_hidden_state  # [B, M, D], post layer norm
        logits = out.logits_per_image.diagonal()  # [B]: logit_scale * cosine + logit_bias of each pair
        probs = torch.sigmoid(logits.detach()).float().cpu().tolist()  # SigLIP scores each pair by a sigmoid
        scale, bias = float(self.net.logit_scale.detach().exp()), float(self.net.logit_bias.detach())
        rows = []
        for b, (pre, t) in enumerate(zip(pres, texts)):
            grid = self.grid(pre)
            n = grid[0] * grid[1]
            rows.append(DualRow(
                tokens=self.net.text_model.head(out.text_model_output.last_hidden_state[b, t.token_positions]),  # [T, E]
                patches=self.net.vision_model.head(vision_states[b, :n, None, :]),  # [N, E]: the pooling head per patch
                grid=grid,
                image_layout=self.image_layout(pre, n),
                text_layout=t.segments(),
                text_length=len(t.ids),
                outputs={"match_prob": probs[b], "logit_scale": scale, "logit_bias": bias},
            ))
        return DualForward(
            vision=out.vision_model_output.attentions,
            text=out.text_model_output.attentions,
            logits=logits,
            cosine=(out.image_embeds * out.text_embeds).sum(-1),
            rows=rows,
        )

    def image_layout(self, pre, n_patches: int) -> tuple:
        return (("image", 0, n_patches),)

    def patch_positions(self, grid):
        return positions_if_square(self.net.vision_model.embeddings.position_embedding.weight, grid, 0)
