"""Hugging Face FLAVA (FlavaForPreTraining, or FlavaModel): hybrid fusion.

Unimodal image and text encoders (each usable alone, with a contrastive
head), then a multimodal encoder over both sequences, projected, with its own
[CLS] (feature-level fusion) and an image-text matching head on it. FlavaModel
never asks its multimodal encoder for attention weights: a forward pre-hook
sets output_attentions on that call, inside the model's own forward.
"""

from __future__ import annotations

import time
from pathlib import Path

import torch

from mmexplorer.engine.external.record_builder import Captured, build_record, ignored_size_note, split_by_kind
from mmexplorer.attention.record import AttentionRecord
from mmexplorer.engine.external.base import ATTENTION_NOTE, ExternalConfig, ExternalModel, parameter_count
from mmexplorer.engine.external.crop import hf_image_box
from mmexplorer.engine.external.detect import display_name, read_hf_config
from mmexplorer.engine.external.hf_common import (
    import_transformers,
    load_eager,
    load_image_text_processor,
    pixel_values,
    processor_settings,
    require_attentions,
    text_tower,
)
from mmexplorer.engine.external.hf_tokens import HFTextTokenizer
from mmexplorer.engine.external.record_parts import grads_for, grid_of, image_layout, per_layer, text_layout, to_pil
from mmexplorer.engine.model_api import Preprocessed
from mmexplorer.families.hf_flava import FAMILY

FUSION = FAMILY.name
SPEC = FAMILY.spec


def load(folder: str | Path, device, name: str | None = None) -> "HFFlava":
    tf = import_transformers()
    processor = load_image_text_processor(tf, folder)
    architectures = read_hf_config(Path(folder)).get("architectures") or []
    cls = tf.FlavaForPreTraining if "FlavaForPreTraining" in architectures else tf.FlavaModel
    net = load_eager(cls, folder, device)
    return from_objects(net, processor, name or display_name(Path(folder)), str(folder))


def from_objects(net, processor, name: str, source: str = "") -> "HFFlava":
    """The adapter around a network and processor already in memory (`load` reads them from a folder first).

    `net` must already run eager attention in float32 eval mode (engine.external.in_memory sees to it).
    """
    return HFFlava(net, processor, name, source)


def joint_layout(n_patches: int, n_tokens: int) -> tuple:
    """The multimodal [CLS], the image sequence ([CLS] + patches), the text sequence ([CLS] + tokens)."""
    image = 1 + 1 + n_patches
    return (("cls", 0, 1), ("cls", 1, 2), ("image", 2, image), ("cls", image, image + 1),
            ("text", image + 1, image + 1 + n_tokens))


class HFFlava(ExternalModel):
    spec = SPEC

    def __init__(self, net, processor, name: str, source: str) -> None:
        self.flava = getattr(net, "flava", net)  # FlavaForPreTraining holds a FlavaModel
        self.itm_head = getattr(net, "itm_head", None)  # only the pre-training model has one
        c = self.flava.config
        ic, tc, mc = c.image_config, c.text_config, c.multimodal_config
        self.patch_size = int(ic.patch_size)
        self.image_processor = processor.image_processor
        cfg = ExternalConfig(
            name=name,
            fusion=FUSION,
            fields={"image_size": int(ic.image_size), "patch_size": self.patch_size, "width": int(mc.hidden_size),
                    "depth": int(mc.num_hidden_layers), "unimodal_depth": int(ic.num_hidden_layers),
                    "heads": int(mc.num_attention_heads), "pos_embed": "learned",
                    "max_text_len": int(tc.max_position_embeddings)},
            details={
                "family": f"Hugging Face FLAVA ({type(net).__name__})",
                "source": source,
                "attention": ATTENTION_NOTE,
                "cross_modal_attention": "joint: the multimodal encoder over the image and text sequences",
                "image": {"layers": int(ic.num_hidden_layers), "heads": int(ic.num_attention_heads),
                          "width": int(ic.hidden_size), "patch_size": self.patch_size, "image_size": int(ic.image_size)},
                "text": text_tower(tc),
                "multimodal": {"layers": int(mc.num_hidden_layers), "heads": int(mc.num_attention_heads),
                               "width": int(mc.hidden_size)},
                "match_score": "ITM head (log-odds)" if self.itm_head is not None else "contrastive cosine x logit scale",
                "parameters": parameter_count(net),
                "preprocess": processor_settings(processor.image_processor),
            },
        )
        max_len = min(int(tc.max_position_embeddings), int(getattr(processor.tokenizer, "model_max_length", 512)))
        super().__init__(net, cfg, HFTextTokenizer(processor.tokenizer, max_len), source)

    def preprocess(self, image, input_size: int | None = None) -> Preprocessed:
        box, note = hf_image_box(self.image_processor, *image.size)
        return Preprocessed(pixel_values(self.image_processor, to_pil(image)), box, (note,) if note else ())

    def forward(self, pixels: torch.Tensor, input_ids: torch.Tensor):
        """FlavaModel's own forward, with its multimodal encoder asked for attention weights."""

        def with_attentions(_module, args, kwargs):
            return args, {**kwargs, "output_attentions": True}

        hook = self.flava.multimodal_model.register_forward_pre_hook(with_attentions, with_kwargs=True)
        try:
            return self.flava(input_ids=input_ids, pixel_values=pixels, attention_mask=torch.ones_like(input_ids),
                              token_type_ids=torch.zeros_like(input_ids), output_attentions=True,
                              output_hidden_states=True, return_dict=True)
        finally:
            hook.remove()

    def scores(self, out) -> tuple[torch.Tensor, dict]:
        """The match logit (ITM log-odds, else scaled contrastive cosine) and the JSON outputs."""
        flava = self.flava
        image = torch.nn.functional.normalize(flava.image_projection(out.image_embeddings[:, 0]), dim=-1)
        text = torch.nn.functional.normalize(flava.text_projection(out.text_embeddings[:, 0]), dim=-1)
        cosine = (image[0] * text[0]).sum()
        outputs = {"cosine": float(cosine.detach()), "logit_scale": float(flava.logit_scale.detach().exp())}
        if self.itm_head is None:
            logit = flava.logit_scale.exp() * cosine
        else:
            itm = self.itm_head(out.multimodal_embeddings)[0]  # [2]: (no match, match)
            logit = itm[1] - itm[0]
            outputs.update(match_prob=float(torch.softmax(itm.detach(), -1)[1]), itm_logits=[float(v) for v in itm.detach()])
        return logit, outputs

    def capture(self, sample, relevancy: bool = True, input_size: int | None = None) -> AttentionRecord:
        device = self.device
        t0 = time.perf_counter()
        pre = self.preprocess(sample.image)
        pixels = pre.pixels.to(device)  # [1, 3, S, S]
        text_ids = self.tokenizer.text_ids(sample.text)
        encoding = text_ids.encoding
        input_ids = torch.tensor([text_ids.ids], device=device)  # [1, L]: [CLS], tokens, [SEP]
        t1 = time.perf_counter()
        with torch.enable_grad() if relevancy else torch.no_grad():
            out = self.forward(pixels, input_ids)
            vision, text = out.image_output.attentions, out.text_output.attentions
            joint = out.multimodal_output.attentions
            require_attentions(self.name, {"image": vision, "text": text, "joint": joint})
            logit, outputs = self.scores(out)
            grads = grads_for(logit, vision + text + joint) if relevancy else None
        t2 = time.perf_counter()
        grid = grid_of(pixels, self.patch_size)
        n_tokens, n_patches = len(encoding.tokens), grid[0] * grid[1]
        nv, nt = len(vision), len(text)
        joint_axes = joint_layout(n_patches, n_tokens)
        return build_record(self, sample, Captured(
            encoding=encoding,
            grid=grid,
            image_box=pre.image_box,
            attention={"image": per_layer(vision), "text": per_layer(text), "joint": per_layer(joint)},
            layouts={"image": (image_layout(n_patches),) * 2, "text": (text_layout(n_tokens),) * 2,
                     "joint": (joint_axes, joint_axes)},
            order=tuple(("image", i) for i in range(nv)) + tuple(("text", i) for i in range(nt))
            + tuple(("joint", i) for i in range(len(joint))),
            outputs={"match_logit": float(logit.detach()), **outputs},
            timings={"preprocess_s": t1 - t0, "forward_s": t2 - t1},
            grads=split_by_kind(grads, (("image", nv), ("text", nt), ("joint", len(joint)))),
            patch_positions=self._patch_positions(n_patches),
            family_meta={"attention": "eager; the multimodal encoder's weights through a forward pre-hook",
                         "preprocess": processor_settings(self.image_processor), "relevancy_target": "match_logit"},
            notes=[*pre.notes, *ignored_size_note(input_size)],
        ))

    def _patch_positions(self, n_patches: int):
        table = self.flava.image_model.embeddings.position_embeddings[0]  # [1+N, D]
        return table[1:].detach().float().cpu().numpy() if table.shape[0] == 1 + n_patches else None
