"""What the dual encoders (SigLIP, SigLIP2, Chinese-CLIP) share: one forward, one record.

A dual encoder's towers never attend to each other. The record holds each
tower's self-attention (`image`, `text`), the token-patch cosine similarity of
embeddings in the shared space (labelled as similarity, never attention) and
the match score the model itself returns (logits_per_image). A family module
says how to call its network and where its token and patch embeddings are.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from mmexplorer.engine.external import batching
from mmexplorer.engine.external.record_builder import Captured, build_record, ignored_size_note, split_by_kind
from mmexplorer.attention.record import AttentionRecord
from mmexplorer.engine.external.base import ExternalModel
from mmexplorer.engine.external.hf_common import processor_settings, require_attentions


@dataclass
class DualRow:
    """One pair's part of a dual encoder's batch forward (tensors on the graph when gradients are wanted)."""

    tokens: torch.Tensor  # [T, E] embeddings of the shown tokens in the shared space
    patches: torch.Tensor  # [N, E] embeddings of the patches (raster order) in the shared space
    grid: tuple[int, int]
    image_layout: tuple  # segments of the vision sequence
    text_layout: tuple  # segments of the pair's own text sequence
    text_length: int  # the pair's own text ids (the batch pads the text axis beyond them)
    outputs: dict  # extra JSON-able outputs (logit_scale, logit_bias, match_prob)
    meta: dict = field(default_factory=dict)  # the family's own facts for the record's meta (e.g. where it pools)
    # each tower's hidden_states (per layer input [1, S, D], then the output), when the family asks for them
    vision_states: tuple | None = None
    text_states: tuple | None = None


@dataclass
class DualForward:
    """What one family's forward on a batch gives the shared record builder."""

    vision: tuple  # per layer [B, H, S_img, S_img]
    text: tuple  # per layer [B, H, L, L], L the longest text of the batch
    logits: torch.Tensor  # [B] the model's own match logit of each pair
    cosine: torch.Tensor  # [B] cosine of each pair's pooled image and text embeddings
    rows: list  # a DualRow per pair


class DualEncoder(ExternalModel):
    similarity_note = "token-patch cosine similarity (dual encoder: not attention)"

    def forward_batch(self, pres: list, texts: list) -> DualForward:
        """One forward of the family's network on the preprocessed images and the TextIds `texts`."""
        raise NotImplementedError

    def forward_pair(self, pre, text, n_tokens: int) -> DualRow:
        """One pair's forward: its layouts and grid (the cell explainer runs this)."""
        return self.forward_batch([pre], [text]).rows[0]

    def image_processor_settings(self) -> dict:
        return processor_settings(self.image_processor)

    def capture(self, sample, relevancy: bool = True, input_size: int | None = None) -> AttentionRecord:
        return self._records([sample], relevancy, ignored_size_note(input_size))[0]

    def capture_batch(self, samples, relevancy=True, pixels=None, meta=None) -> list[AttentionRecord]:
        """One forward pass for the batch: texts padded to the longest, pictures stacked (NaFlex: each its own
        grid within the saved patch budget)."""
        samples = list(samples)
        return batching.finish(self, samples, self._records(samples, batching.needs_gradients(relevancy)), meta)

    def _records(self, samples, relevancy: bool, notes=()) -> list[AttentionRecord]:
        clock = batching.Clock()
        pres = [self.preprocess(s.image) for s in samples]
        texts = [self.tokenizer.text_ids(s.text) for s in samples]
        clock.mark_prepared()
        with torch.enable_grad() if relevancy else torch.no_grad():
            f = self.forward_batch(pres, texts)
            require_attentions(self.name, {"image": f.vision, "text": f.text})
            weights = f.vision + f.text
            grads = batching.score_gradients(f.logits, weights) if relevancy else None
            host, kept = batching.HostBatch(), []
            grads = batching.zeros_where_unused(grads, weights) if grads is not None else None
            longest = int(f.text[0].shape[-1])
            for b, row in enumerate(f.rows):
                own = batching.spans((0, row.text_length), device=f.logits.device) if row.text_length < longest else None
                cuts = [(None, None)] * len(f.vision) + [(own, own)] * len(f.text)
                tokens = torch.nn.functional.normalize(row.tokens.detach().float(), dim=-1)
                patches = torch.nn.functional.normalize(row.patches.detach().float(), dim=-1)
                kept.append((host.add_all([batching.cut(w, b, *c) for w, c in zip(weights, cuts)]),
                             host.add_all([batching.cut(g, b, *c) for g, c in zip(grads, cuts)]) if grads else None,
                             host.add(tokens @ patches.T)))  # [T, N]
            scores, cosines = host.add(f.logits), host.add(f.cosine)
            host.fetch()
        clock.mark_ran()
        nv, nt = len(f.vision), len(f.text)
        records, positions = [], {}
        for b, (sample, pre, text, row) in enumerate(zip(samples, pres, texts, f.rows)):
            attention, grad = host.get_all(kept[b][0]), (host.get_all(kept[b][1]) if kept[b][1] else None)
            if row.grid not in positions:
                positions[row.grid] = self.patch_positions(row.grid)
            records.append(build_record(self, sample, Captured(
                encoding=text.encoding,
                grid=row.grid,
                image_box=pre.image_box,
                attention={"image": attention[:nv], "text": attention[nv:]},
                layouts={"image": (row.image_layout,) * 2, "text": (row.text_layout,) * 2},
                order=tuple(("image", i) for i in range(nv)) + tuple(("text", i) for i in range(nt)),
                outputs={"match_logit": float(host.get(scores)[b]), "cosine": float(host.get(cosines)[b]),
                         **row.outputs},
                timings=clock.share(len(samples)),
                grads=split_by_kind(grad, (("image", nv), ("text", nt))),
                similarity=host.get(kept[b][2]).reshape(len(text.encoding.tokens), *row.grid),  # [T, rows, cols]
                patch_positions=positions[row.grid],
                family_meta={"preprocess": self.image_processor_settings(), "relevancy_target": "match_logit",
                             **row.meta},
                notes=[*pre.notes, *notes],
            )))
        return records

    def text_batch(self, texts, mask: bool = True) -> dict:
        """input_ids [B, L] right-padded to the longest text (and attention_mask [B, L] with `mask`)."""
        ids, attention_mask = batching.text_batch([t.ids for t in texts], [t.attention_mask for t in texts],
                                                  self.tokenizer.hf.pad_token_id or 0, self.device)
        return {"input_ids": ids, **({"attention_mask": attention_mask} if mask else {})}

    def patch_positions(self, grid: tuple[int, int]) -> np.ndarray | None:
        return None


def positions_if_square(table: torch.Tensor, grid: tuple[int, int], skip: int) -> np.ndarray | None:
    """Rows `skip:` of a learned position table [S, D] when they are exactly the grid's patches."""
    rows = table[skip:]
    return rows.detach().float().cpu().numpy() if rows.shape[0] == grid[0] * grid[1] else None
