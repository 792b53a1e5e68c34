"""What the dual encoders (SigLIP, SigLIP2, Chinese-CLIP) share: one forward, one record.

A dual encoder's towers never attend to each other. The record holds each
tower's self-attention (`image`, `text`), the token-patch cosine similarity of
embeddings in the shared space (labelled as similarity, never attention) and
the match score the model itself returns (logits_per_image). A family module
says how to call its network and where its token and patch embeddings are.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import torch

from mmexplorer.engine.external.record_builder import Captured, build_record, ignored_size_note, split_by_kind
from mmexplorer.attention.record import AttentionRecord
from mmexplorer.engine.external.base import ExternalModel
from mmexplorer.engine.external.hf_common import processor_settings, require_attentions
from mmexplorer.engine.external.record_parts import grads_for, norms_per_layer, per_layer


@dataclass
class DualForward:
    """What one family's forward gives the shared record builder (all on the graph when gradients are wanted)."""

    vision: tuple  # per layer [1, H, S_img, S_img]
    text: tuple  # per layer [1, H, S_txt, S_txt]
    logit: torch.Tensor  # the model's own match logit (scalar)
    cosine: torch.Tensor  # cosine of the pooled image and text embeddings (scalar)
    tokens: torch.Tensor  # [T, E] embeddings of the shown tokens in the shared space
    patches: torch.Tensor  # [N, E] embeddings of the patches (raster order) in the shared space
    grid: tuple[int, int]
    image_layout: tuple  # segments of the vision sequence
    text_layout: tuple  # segments of the text sequence
    outputs: dict  # extra JSON-able outputs (logit_scale, logit_bias, match_prob)
    meta: dict = field(default_factory=dict)  # the family's own facts for the record's meta (e.g. where it pools)
    # each tower's hidden_states (per layer input [1, S, D], then the output), when the family asks for them
    vision_states: tuple | None = None
    text_states: tuple | None = None


class DualEncoder(ExternalModel):
    similarity_note = "token-patch cosine similarity (dual encoder: not attention)"

    def forward_pair(self, pre, text, n_tokens: int) -> DualForward:
        """One forward of the family's network on the preprocessed image and the TextIds `text`."""
        raise NotImplementedError

    def image_processor_settings(self) -> dict:
        return processor_settings(self.image_processor)

    def capture(self, sample, relevancy: bool = True, input_size: int | None = None) -> AttentionRecord:
        t0 = time.perf_counter()
        pre = self.preprocess(sample.image)
        text = self.tokenizer.text_ids(sample.text)
        encoding = text.encoding
        n_tokens = len(encoding.tokens)
        t1 = time.perf_counter()
        with torch.enable_grad() if relevancy else torch.no_grad():
            f = self.forward_pair(pre, text, n_tokens)
            require_attentions(self.name, {"image": f.vision, "text": f.text})
            grads = grads_for(f.logit, f.vision + f.text) if relevancy else None
            tokens = torch.nn.functional.normalize(f.tokens.detach().float(), dim=-1)
            patches = torch.nn.functional.normalize(f.patches.detach().float(), dim=-1)
            similarity = (tokens @ patches.T).cpu().numpy().reshape(n_tokens, *f.grid)  # [T, rows, cols]
        t2 = time.perf_counter()
        nv, nt = len(f.vision), len(f.text)
        norms = {"image": norms_per_layer(f.vision_states), "text": norms_per_layer(f.text_states)}
        return build_record(self, sample, Captured(
            encoding=encoding,
            grid=f.grid,
            image_box=pre.image_box,
            attention={"image": per_layer(f.vision), "text": per_layer(f.text)},
            layouts={"image": (f.image_layout,) * 2, "text": (f.text_layout,) * 2},
            order=tuple(("image", i) for i in range(nv)) + tuple(("text", i) for i in range(nt)),
            outputs={"match_logit": float(f.logit.detach()), "cosine": float(f.cosine.detach()), **f.outputs},
            timings={"preprocess_s": t1 - t0, "forward_s": t2 - t1},
            grads=split_by_kind(grads, (("image", nv), ("text", nt))),
            similarity=similarity,
            norms=norms if all(v is not None for v in norms.values()) else None,
            patch_positions=self.patch_positions(f.grid),
            family_meta={"preprocess": self.image_processor_settings(), "relevancy_target": "match_logit",
                         **f.meta},
            notes=[*pre.notes, *ignored_size_note(input_size)],
        ))

    def patch_positions(self, grid: tuple[int, int]) -> np.ndarray | None:
        return None


def positions_if_square(table: torch.Tensor, grid: tuple[int, int], skip: int) -> np.ndarray | None:
    """Rows `skip:` of a learned position table [S, D] when they are exactly the grid's patches."""
    rows = table[skip:]
    return rows.detach().float().cpu().numpy() if rows.shape[0] == grid[0] * grid[1] else None
