"""Hugging Face BLIP image-text matching (BlipForImageTextRetrieval): cross-attention fusion.

The image runs through a ViT; the text through a BERT whose every layer also
cross-attends from the words to the image's [CLS] and patches; the ITM head
reads the text [CLS]. The model returns only the vision attentions, so the text
encoder's own output (self- and cross-attention of every layer) is taken with a
forward hook on it, inside the model's own forward: the ITM score is the model's.
"""

from __future__ import annotations

from pathlib import Path

import torch

from mmexplorer.engine.external import batching
from mmexplorer.engine.external.record_builder import Captured, build_record, ignored_size_note, split_by_kind
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
    require_attentions,
    text_tower,
    vision_tower,
)
from mmexplorer.engine.external.hf_tokens import HFTextTokenizer
from mmexplorer.engine.external.record_parts import grid_of, image_layout, text_layout, to_pil
from mmexplorer.engine.model_api import Preprocessed
from mmexplorer.families.hf_blip_itm import FAMILY

FUSION = FAMILY.name
SPEC = FAMILY.spec


def load(folder: str | Path, device, name: str | None = None) -> "HFBlipITM":
    tf = import_transformers()
    processor = load_image_text_processor(tf, folder)
    net = load_eager(tf.BlipForImageTextRetrieval, folder, device)
    return from_objects(net, processor, name or display_name(Path(folder)), str(folder))


def from_objects(net, processor, name: str, source: str = "") -> "HFBlipITM":
    """The adapter around a network and processor already in memory (`load` reads them from a folder first).

    `net` must already run eager attention in float32 eval mode (engine.external.in_memory sees to it).
    """
    return HFBlipITM(net, processor, name, source)


class HFBlipITM(ExternalModel):
    spec = SPEC

    def __init__(self, net, processor, name: str, source: str) -> None:
        vc, tc = net.config.vision_config, net.config.text_config
        self.patch_size = int(vc.patch_size)
        self.image_processor = processor.image_processor
        cfg = ExternalConfig(
            name=name,
            fusion=FUSION,
            fields={"image_size": int(vc.image_size), "patch_size": self.patch_size, "width": int(tc.hidden_size),
                    "depth": int(tc.num_hidden_layers), "unimodal_depth": int(vc.num_hidden_layers),
                    "heads": int(tc.num_attention_heads), "pos_embed": "learned",
                    "max_text_len": int(tc.max_position_embeddings)},
            details={
                "family": "Hugging Face BLIP image-text matching (BlipForImageTextRetrieval)",
                "source": source,
                "attention": ATTENTION_NOTE,
                "cross_modal_attention": "text→image cross-attention in every text layer",
                "vision": vision_tower(vc),
                "text": text_tower(tc),
                "tasks": "itm (image-text matching head on the text [CLS])",
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
        """The model's own forward; -> (its output, the text encoder's output with self- and cross-attentions)."""
        seen: dict = {}
        hook = self.net.text_encoder.register_forward_hook(lambda _m, _i, out: seen.__setitem__("text", out))
        try:
            out = self.net(input_ids=input_ids, pixel_values=pixels,
                           attention_mask=torch.ones_like(input_ids) if attention_mask is None else attention_mask,
                           use_itm_head=True, output_attentions=True, return_dict=True)
        finally:
            hook.remove()
        return out, seen["text"]

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
            out, text = self.forward(pixels, ids, mask)
            vision, self_attn, cross = out.attentions, text.attentions, text.cross_attentions
            require_attentions(self.name, {"image": vision, "text": self_attn, "text_to_image": cross})
            itm = out.itm_score  # [B, 2]: (no match, match) logits
            logits = itm[:, 1] - itm[:, 0]  # log-odds of a match: softmax(itm)[1] == sigmoid(logit)
            grads = batching.score_gradients(logits, vision + self_attn + cross) if relevancy else None
        clock.mark_ran()

        grid = grid_of(pixels, self.patch_size)
        n_patches = grid[0] * grid[1]
        nv, nt = len(vision), len(self_attn)
        weights = vision + self_attn + cross
        grads = batching.zeros_where_unused(grads, weights) if grads is not None else None
        host, kept = batching.HostBatch(), []
        for b, t in enumerate(texts):
            own = batching.spans((0, len(t.ids)), device=device) if len(t.ids) < ids.shape[1] else None
            cuts = [(None, None)] * nv + [(own, own)] * nt + [(own, None)] * nt  # image, text, text -> image
            kept.append((host.add_all([batching.cut(w, b, *c) for w, c in zip(weights, cuts)]),
                         host.add_all([batching.cut(g, b, *c) for g, c in zip(grads, cuts)]) if grads else None))
        scores, itm_host = host.add(logits), host.add(itm)
        host.fetch()
        probs = torch.softmax(torch.from_numpy(host.get(itm_host)), -1)[:, 1]
        # execution order: the vision tower, then per text layer its self-attention and its cross-attention
        order = tuple(("image", i) for i in range(nv)) + tuple(
            step for i in range(nt) for step in (("text", i), ("text_to_image", i)))
        positions = self._patch_positions(n_patches)
        records = []
        for b, (sample, pre, t) in enumerate(zip(samples, pres, texts)):
            n_tokens = len(t.encoding.tokens)
            attention, grad = host.get_all(kept[b][0]), (host.get_all(kept[b][1]) if kept[b][1] else None)
            records.append(build_record(self, sample, Captured(
                encoding=t.encoding,
                grid=grid,
                image_box=pre.image_box,
                attention={"image": attention[:nv], "text": attention[nv:nv + nt], "text_to_image": attention[nv + nt:]},
                layouts={"image": (image_layout(n_patches),) * 2, "text": (text_layout(n_tokens),) * 2,
                         "text_to_image": (text_layout(n_tokens), image_layout(n_patches))},
                order=order,
                outputs={"match_logit": float(host.get(scores)[b]), "match_prob": float(probs[b]),
                         "itm_logits": [float(v) for v in host.get(itm_host)[b]]},
                timings=clock.share(len(samples)),
                grads=split_by_kind(grad, (("image", nv), ("text", nt), ("text_to_image", nt))),
                patch_positions=positions,
                family_meta={"preprocess": processor_settings(self.image_processor),
                             "relevancy_target": "match_logit (ITM log-odds)"},
                notes=[*pre.notes, *notes],
            )))
        return records

    def _patch_positions(self, n_patches: int):
        table = self.net.vision_model.embeddings.position_embedding[0]  # [1+N, D]
        return table[1:].detach().float().cpu().numpy() if table.shape[0] == 1 + n_patches else None
