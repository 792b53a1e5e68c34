"""Hugging Face FLAVA (FlavaForPreTraining, or FlavaModel): hybrid fusion.

Unimodal image and text encoders (each usable alone, with a contrastive
head), then a multimodal encoder over both sequences, projected, with its own
[CLS] (feature-level fusion) and an image-text matching head on it. FlavaModel
never asks its multimodal encoder for attention weights: a forward pre-hook
sets output_attentions on that call, inside the model's own forward.
"""

from __future__ import annotations

from pathlib import Path

import torch

from mmexplorer.engine.external import batching
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
from mmexplorer.engine.external.record_parts import grid_of, image_layout, text_layout, to_pil
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

    def forward(self, pixels: torch.Tensor, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None):
        """FlavaModel's own forward, with its multimodal encoder asked for attention weights."""

        def with_attentions(_module, args, kwargs):
            return args, {**kwargs, "output_attentions": True}

        hook = self.flava.multimodal_model.register_forward_pre_hook(with_attentions, with_kwargs=True)
        try:
            return self.flava(input_ids=input_ids, pixel_values=pixels,
                              attention_mask=torch.ones_like(input_ids) if attention_mask is None else attention_mask,
                              token_type_ids=torch.zeros_like(input_ids), output_attentions=True,
                              output_hidden_states=True, return_dict=True)
        finally:
            hook.remove()

    def scores(self, out) -> tuple[torch.Tensor, list[dict]]:
        """Every pair's match logit [B] (ITM log-odds, else scaled contrastive cosine) and its JSON outputs."""
        flava = self.flava
        image = torch.nn.functional.normalize(flava.image_projection(out.image_embeddings[:, 0]), dim=-1)
        text = torch.nn.functional.normalize(flava.text_projection(out.text_embeddings[:, 0]), dim=-1)
        cosine = (image * text).sum(-1)  # [B]
        scale = flava.logit_scale.exp()
        plain = torch.cat([cosine.detach()[:, None], scale.detach().reshape(1, 1).expand(len(cosine), 1)], 1)
        if self.itm_head is None:
            logits = scale * cosine
        else:
            itm = self.itm_head(out.multimodal_embeddings)  # [B, 2]: (no match, match)
            logits = itm[:, 1] - itm[:, 0]
            plain = torch.cat([plain, itm.detach(), torch.softmax(itm.detach(), -1)[:, 1:]], 1)
        rows = plain.float().cpu().tolist()  # one copy for the batch: cosine, scale[, itm logits, match prob]
        outputs = []
        for row in rows:
            o = {"cosine": row[0], "logit_scale": row[1]}
            if self.itm_head is not None:
                o.update(match_prob=row[4], itm_logits=row[2:4])
            outputs.append(o)
        return logits, outputs

    def capture(self, sample, relevancy: bool = True, input_size: int | None = None) -> AttentionRecord:
        return self._records([sample], relevancy, ignored_size_note(input_size))[0]

    def capture_batch(self, samples, relevancy=True, pixels=None, meta=None) -> list[AttentionRecord]:
        """One forward pass for the batch (texts padded, pictures of the processor's one size stacked)."""
        samples = list(samples)
        return batching.finish(self, samples, self._records(samples, batching.needs_gradients(relevancy)), meta)

    def _records(self, samples, relevancy: bool, notes=()) -> list[AttentionRecord]:
        device = self.device
        clock = batching.Clock()
        pres = [self.preprocess(s.image) for s in samples]
        pixels = batching.stacked([p.pixels for p in pres], device)  # [B, 3, S, S]
        texts = [self.tokenizer.text_ids(s.text) for s in samples]
        ids, mask = batching.text_batch([t.ids for t in texts], [t.attention_mask for t in texts],
                                        self.tokenizer.hf.pad_token_id or 0, device)  # [B, L]: [CLS], tokens, [SEP]
        clock.mark_prepared()
        with torch.enable_grad() if relevancy else torch.no_grad():
            out = self.forward(pixels, ids, mask)
            vision, text = out.image_output.attentions, out.text_output.attentions
            joint = out.multimodal_output.attentions
            require_attentions(self.name, {"image": vision, "text": text, "joint": joint})
            logits, outputs = self.scores(out)
            grads = batching.score_gradients(logits, vision + text + joint) if relevancy else None
        clock.mark_ran()
        grid = grid_of(pixels, self.patch_size)
        n_patches = grid[0] * grid[1]
        nv, nt, nj = len(vision), len(text), len(joint)
        weights = vision + text + joint
        grads = batching.zeros_where_unused(grads, weights) if grads is not None else None
        host, kept = batching.HostBatch(), []
        image_end = 2 + n_patches  # the multimodal [CLS], the image [CLS] and the patches come first
        for b, t in enumerate(texts):
            own, both = None, None
            if len(t.ids) < ids.shape[1]:
                own = batching.spans((0, len(t.ids)), device=device)
                both = batching.spans((0, image_end + len(t.ids)), device=device)
            cuts = [(None, None)] * nv + [(own, own)] * nt + [(both, both)] * nj
            kept.append((host.add_all([batching.cut(w, b, *c) for w, c in zip(weights, cuts)]),
                         host.add_all([batching.cut(g, b, *c) for g, c in zip(grads, cuts)]) if grads else None))
        scores = host.add(logits)
        host.fetch()
        positions = self._patch_positions(n_patches)
        records = []
        for b, (sample, pre, t) in enumerate(zip(samples, pres, texts)):
            n_tokens = len(t.encoding.tokens)
            joint_axes = joint_layout(n_patches, n_tokens)
            attention, grad = host.get_all(kept[b][0]), (host.get_all(kept[b][1]) if kept[b][1] else None)
            records.append(build_record(self, sample, Captured(
                encoding=t.encoding,
                grid=grid,
                image_box=pre.image_box,
                attention={"image": attention[:nv], "text": attention[nv:nv + nt], "joint": attention[nv + nt:]},
                layouts={"image": (image_layout(n_patches),) * 2, "text": (text_layout(n_tokens),) * 2,
                         "joint": (joint_axes, joint_axes)},
                order=tuple(("image", i) for i in range(nv)) + tuple(("text", i) for i in range(nt))
                + tuple(("joint", i) for i in range(nj)),
                outputs={"match_logit": float(host.get(scores)[b]), **outputs[b]},
                timings=clock.share(len(samples)),
                grads=split_by_kind(grad, (("image", nv), ("text", nt), ("joint", nj))),
                patch_positions=positions,
                family_meta={"attention": "eager; the multimodal encoder's weights through a forward pre-hook",
                             "preprocess": processor_settings(self.image_processor), "relevancy_target": "match_logit"},
                notes=[*pre.notes, *notes],
            )))
        return records

    def _patch_positions(self, n_patches: int):
        table = self.flava.image_model.embeddings.position_embeddings[0]  # [1+N, D]
        return table[1:].detach().float().cpu().numpy() if table.shape[0] == 1 + n_patches else None
