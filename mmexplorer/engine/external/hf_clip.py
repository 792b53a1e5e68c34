"""Hugging Face CLIP (CLIPModel + its processor) as an explorable model.

CLIP is a dual encoder: the vision and text transformers never attend to each
other. The record holds each encoder's self-attention, the token-patch cosine
similarity of projected embeddings (labelled as similarity), and the match
logit (logit_scale * cosine); no probability is made up from a single pair.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import torch

from mmexplorer.attention.capture import with_default_maps
from mmexplorer.attention.record import AttentionRecord
from mmexplorer.engine.external.base import ATTENTION_NOTE, ExternalConfig, ExternalModel, parameter_count
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
from mmexplorer.engine.external.hf_tokens import HFTextTokenizer
from mmexplorer.engine.external.record_parts import (
    grads_for,
    grid_of,
    image_layout,
    image_meta,
    per_layer,
    text_layout,
    to_pil,
)
from mmexplorer.engine.model_api import Preprocessed
from mmexplorer.spec import FusionSpec

FUSION = "hf-clip"
NO_CROSS = "none: CLIP is a dual encoder (contrastive); token-patch maps are cosine similarity, not attention"
SPEC = FusionSpec(
    fusion=FUSION,
    category="contrastive",
    cross_kind=None,
    default_map="similarity",
    note="CLIP, a dual encoder (contrastive): there is NO cross-modal attention. The map is the cosine similarity "
    "of the word's projected embedding with each projected patch — a similarity, not attention.",
    contrastive=True,
)


def load(folder: str | Path, device, name: str | None = None) -> "HFClip":
    tf = import_transformers()
    processor = load_image_text_processor(tf, folder)
    net = load_eager(tf.CLIPModel, folder, device)
    return from_objects(net, processor, name or display_name(Path(folder)), str(folder))


def from_objects(net, processor, name: str, source: str = "") -> "HFClip":
    """The adapter around a network and processor already in memory (`load` reads them from a folder first).

    `net` must already run eager attention in float32 eval mode (engine.external.in_memory sees to it).
    """
    return HFClip(net, processor, name, source)


class HFClip(ExternalModel):
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

    def capture(self, sample, relevancy: bool = True, input_size: int | None = None) -> AttentionRecord:
        """One forward pass of CLIPModel with output_attentions=True; gradients of the match logit if asked."""
        device = self.device
        t0 = time.perf_counter()
        pre = self.preprocess(sample.image)
        pixels = pre.pixels.to(device)  # [1, 3, S, S]
        ids, encoding = self.tokenizer.ids_and_encoding(sample.text)
        input_ids = torch.tensor([ids], device=device)  # [1, L]: start, tokens, end
        width, height = sample.image.size
        t1 = time.perf_counter()
        with torch.enable_grad() if relevancy else torch.no_grad():
            out = self.net(input_ids=input_ids, pixel_values=pixels, output_attentions=True, return_dict=True)
            vision = out.vision_model_output.attentions  # per layer [1, H, 1+N, 1+N]
            text = out.text_model_output.attentions  # per layer [1, H, L, L] (causal)
            logit = out.logits_per_image[0, 0]  # logit_scale * cosine
            grads = grads_for(logit, vision + text) if relevancy else None
            similarity = self._token_patch_similarity(out)  # [T, N]
        t2 = time.perf_counter()

        grid = grid_of(pixels, self.patch_size)
        n_tokens, n_patches = len(encoding.tokens), grid[0] * grid[1]
        cosine = float((out.text_embeds[0] * out.image_embeds[0]).sum().detach())
        record = AttentionRecord(
            model=self.name,
            fusion=FUSION,
            tokens=tuple(t.surface for t in encoding.tokens),
            token_unk=tuple(t.is_unk for t in encoding.tokens),
            truncated=encoding.truncated,
            grid=grid,
            image_box=pre.image_box,
            image_size=(width, height),
            # CLIPModel runs the vision tower first, then the text tower.
            attention={"image": per_layer(vision), "text": per_layer(text)},
            # CLIP pools the text at the end-of-text token (the last token shown), not at
            # the start token in position 0, so that one is a "start", not a [CLS].
            layouts={"image": (image_layout(n_patches),) * 2, "text": (text_layout(n_tokens, "start"),) * 2},
            order=tuple(("image", i) for i in range(len(vision))) + tuple(("text", i) for i in range(len(text))),
            cross_kind=None,
            token_to_image=similarity.reshape(n_tokens, *grid),
            map_label="",
            grads={"image": grads[: len(vision)], "text": grads[len(vision):]} if grads is not None else None,
            similarity=similarity.reshape(n_tokens, *grid),
            patch_positions=self._patch_positions(n_patches),
            outputs={"match_logit": float(logit.detach()), "cosine": cosine,
                     "logit_scale": float(self.net.logit_scale.detach().exp())},
            meta={
                "model": self.name,
                "fusion": FUSION,
                "device": str(device),
                "config": self.cfg.to_dict(),
                "attention": "eager",
                "preprocess": processor_settings(self.image_processor),
                "relevancy_target": "match_logit",
                "pooled": {"text": _pooled_text(ids, encoding, self.tokenizer.hf.eos_token_id), "image": {"position": 0, "token": "[CLS]"}},
                "notes": [*pre.notes, *([_size_note(input_size)] if input_size else [])],
                "timings": {"preprocess_s": t1 - t0, "forward_s": t2 - t1},
                **image_meta(sample),
            },
        )
        return with_default_maps(record)

    def _token_patch_similarity(self, out) -> np.ndarray:
        """Cosine of each projected token (after the start token) with each projected patch: numpy [T, N]."""
        net = self.net
        tokens = net.text_projection(out.text_model_output.last_hidden_state[0, 1:])  # [T, E]
        patches = net.visual_projection(net.vision_model.post_layernorm(out.vision_model_output.last_hidden_state[0, 1:]))  # [N, E]
        tokens = torch.nn.functional.normalize(tokens.detach().float(), dim=-1)
        patches = torch.nn.functional.normalize(patches.detach().float(), dim=-1)
        return (tokens @ patches.T).cpu().numpy()

    def _patch_positions(self, n_patches: int):
        table = self.net.vision_model.embeddings.position_embedding.weight  # [1+N, D]
        return table[1:].detach().float().cpu().numpy() if table.shape[0] == 1 + n_patches else None


def _pooled_text(ids: list[int], encoding, eos_id) -> dict:
    """Where CLIP's text tower pools: its end-of-text token (the first one, as the library finds it)."""
    position = ids.index(eos_id) if eos_id in ids else len(ids) - 1  # in the text sequence, start token at 0
    return {"position": position, "token": encoding.tokens[position - 1].surface if position >= 1 else "[start]"}


def _size_note(input_size: int | None) -> str:
    return "" if input_size is None else f"input_size {input_size} ignored: the model's own processor sets the size"
