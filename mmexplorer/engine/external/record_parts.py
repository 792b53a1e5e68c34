"""Small pieces for building an AttentionRecord from a library's attention tensors."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch

from mmexplorer.data.image import LoadedImage


def text_layout(n_tokens: int, first: str = "cls") -> tuple:
    """Text sequence: the first token then the tokens.

    `first` is "cls" where the model pools the text at that token, "start" where it
    is only a start token (CLIP pools at the end-of-text token, the last of the tokens).
    """
    return ((first, 0, 1), ("text", 1, 1 + n_tokens))


def image_layout(n_patches: int) -> tuple:
    """Image sequence: [CLS] then the patches, row-major."""
    return (("cls", 0, 1), ("image", 1, 1 + n_patches))


def norms_per_layer(states: Sequence[torch.Tensor] | None) -> tuple[np.ndarray, ...] | None:
    """A tower's hidden_states ([1, S, D] per layer input, then the last output) -> float32 [S] per layer: the
    norm of the residual stream entering each layer, the state its keys are read from (attention.sinks)."""
    if states is None:
        return None
    return tuple(h[0].detach().float().norm(dim=-1).cpu().numpy() for h in states[:-1])


def per_layer(weights: Sequence[torch.Tensor]) -> tuple[np.ndarray, ...]:
    """[1, H, Q, K] per layer -> float32 numpy [H, Q, K] per layer."""
    return tuple(w[0].detach().float().cpu().numpy() for w in weights)


def grads_for(score: torch.Tensor, weights: Sequence[torch.Tensor]) -> tuple[np.ndarray, ...]:
    """d score / d weights for every layer ([H, Q, K] each); zeros where the score does not depend on a layer."""
    grads = torch.autograd.grad(score, list(weights), allow_unused=True)
    return tuple(
        np.zeros(tuple(w.shape[1:]), np.float32) if g is None else g[0].detach().float().cpu().numpy()
        for g, w in zip(grads, weights)
    )


def grid_of(pixel_values: torch.Tensor, patch_size: int) -> tuple[int, int]:
    """(rows, cols) of the patch grid for pixel_values [1, 3, H, W]."""
    return int(pixel_values.shape[-2]) // patch_size, int(pixel_values.shape[-1]) // patch_size


def to_pil(image: LoadedImage):
    from PIL import Image

    return Image.fromarray(image.pixels, "RGB")


def image_meta(sample) -> dict:
    return {"image_source": sample.image.source, "image_notes": list(sample.image.notes), "text": sample.text}


def top_classes(logits: torch.Tensor, labels, k: int = 5) -> list:
    """logits [C] -> [[label, probability], ...] for the k most likely classes."""
    probs = torch.softmax(logits.detach().float(), -1)
    top = torch.topk(probs, k=min(k, probs.numel()))
    return [[labels(int(i)), float(p)] for p, i in zip(top.values, top.indices)]
