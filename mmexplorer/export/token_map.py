"""The map a word gets, named honestly: attention, rollout, relevancy, or similarity.

attention.maps computes the numbers; this adds what a figure needs to label
them: the colour-bar quantity, whether the scale is signed, a one-line
description, and the caption fields (which layer and head, which method).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Union

import numpy as np

from mmexplorer.attention.maps import token_image_map
from mmexplorer.attention.record import AttentionRecord
from mmexplorer.export.style import join_caption

_CROSS_DESCRIPTION = {
    "text_to_image": "cross-attention, text → image",
    "joint": "joint self-attention, word row → patch columns",
}


@dataclass(frozen=True)
class TokenMap:
    values: np.ndarray  # float [rows, cols], one value per patch
    word: str  # the word as shown to the user
    token: int  # its index among the words
    description: str  # what the values are, in words
    quantity: str  # colour-bar label
    signed: bool  # True: centre the colour scale on 0
    layer_text: str  # "layer 3", "all layers", "final embeddings"
    head_text: str  # "head 2", "mean over heads", "no heads"
    method_text: str  # the method actually used

    @property
    def title(self) -> str:
        return f"“{self.word}” (token {self.token})"


def _word(record: AttentionRecord, token: int) -> str:
    word = record.tokens[token]
    return f"[UNK] {word}" if record.token_unk[token] else word


def _head_text(head: Union[int, str]) -> str:
    return f"head {head}" if isinstance(head, int) else f"{head} over heads"


def token_map(
    record: AttentionRecord, token: int, layer: Optional[int] = None, head: Union[int, str] = "mean", method: str = "raw"
) -> TokenMap:
    """The map for word `token` with its labels (settings already resolved)."""
    values, _ = token_image_map(record, token, layer, head, method)
    word = _word(record, token)
    common = dict(values=np.asarray(values, dtype=np.float64), word=word, token=token)
    if record.cross_kind is None:
        if method == "raw" and record.similarity is not None:
            return TokenMap(
                **common,
                description="token–patch cosine similarity (dual encoder: not attention)",
                quantity="cosine similarity",
                signed=True,
                layer_text="final embeddings",
                head_text="no heads",
                method_text="cosine similarity",
            )
        # No cross-modal attention: what the image branch used, identical for every word.
        used = method if method != "raw" else ("relevancy" if record.grads is not None else "rollout")
        return TokenMap(
            **common,
            description=f"no cross-modal attention: image-branch {used} of [CLS], the same for every word",
            quantity="relevance" if used == "relevancy" else "rollout weight",
            signed=False,
            layer_text="all image-encoder layers",
            head_text=_head_text(head),
            method_text=used,
        )
    if method == "raw":
        return TokenMap(
            **common,
            description=_CROSS_DESCRIPTION.get(record.cross_kind, f"{record.cross_kind} attention"),
            quantity="attention weight",
            signed=False,
            layer_text=f"layer {layer if layer is not None else record.layers(record.cross_kind) - 1}",
            head_text=_head_text(head),
            method_text="raw",
        )
    return TokenMap(
        **common,
        description="attention rollout through every layer" if method == "rollout" else "gradient-weighted relevancy (Chefer et al. 2021)",
        quantity="rollout weight" if method == "rollout" else "relevance",
        signed=False,
        layer_text="all layers",
        head_text=_head_text(head),
        method_text=method,
    )


def map_caption(record: AttentionRecord, m: TokenMap) -> str:
    """model · fusion · layer · head · method, for the line under a figure."""
    return join_caption(
        f"model {record.model}", f"{record.fusion} fusion", m.layer_text, m.head_text, f"method {m.method_text}"
    )
