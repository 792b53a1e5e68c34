"""How much memory a config's model and one probe of it would take, checked before anything is built.

The estimates are upper bounds from the config alone (no tensor is allocated):
a hostile config that passes the per-field ranges can still describe a model
far larger than the machine, and must be refused with a message rather than
found out by the allocator.
"""

from __future__ import annotations

from dataclasses import dataclass

from mmexplorer.config import ConfigError, ModelConfig
from mmexplorer.data.files import format_bytes

MAX_PARAMETERS = 4_000_000_000  # beyond any model this explorer is meant to open, whatever the memory
FLOAT_BYTES = 4
SPECIAL_TOKENS = 8  # the tokenizer's [PAD], [UNK], [CLS], ... (an upper bound)


@dataclass(frozen=True)
class Budget:
    parameters: int  # upper estimate of the model's parameter count
    probe_bytes: int  # upper estimate of weights + one probe (with relevancy gradients) in bytes

    def describe(self) -> str:
        return f"about {self.parameters / 1e6:,.1f} M parameters and {format_bytes(self.probe_bytes)} for one probe"


def estimate(cfg: ModelConfig) -> Budget:
    d, r = cfg.width, max(cfg.mlp_ratio, 1.0)
    rows, cols = cfg.grid
    patches = rows * cols
    text = cfg.max_text_len + 2  # [CLS] and [SEP] around the words
    block = int((4 + 2 * r) * d * d + (6 + 2 * r) * d)  # q, k, v, out projections + the MLP, with biases and norms
    # Cross-attention fusion has two cross blocks per layer with a self- and a cross-attention each;
    # counting every fusion as 4 * depth blocks plus both unimodal stacks is an upper bound for all.
    blocks = 4 * cfg.depth + 2 * cfg.unimodal_depth
    if cfg.sharing == "soft":
        blocks *= 2  # a second backbone for the second task
    vocab = len(cfg.vocab) + SPECIAL_TOKENS
    embeddings = vocab * d * 2 + 3 * cfg.patch_size**2 * d + (patches + text + 1) * d + (len(cfg.answers) + 2) * d
    parameters = blocks * block + embeddings
    # One probe: every layer's attention [heads, L, L] kept for capture, its gradient and the softmax's
    # saved tensors (x4), and the hidden states [L, d] of every sub-layer (x12 with the MLP's widening).
    seq = 1 + text + patches
    layers = 2 * cfg.depth + 2 * cfg.unimodal_depth
    activations = layers * (4 * cfg.heads * seq * seq + 12 * int(r) * seq * d) * FLOAT_BYTES
    weights = parameters * FLOAT_BYTES * 3  # the loaded tensors, the model's own copy, their gradients
    return Budget(parameters, weights + activations)


def training_bytes_lower_bound(cfg: ModelConfig, pairs: int) -> int:
    """Bytes one training step over `pairs` image-text pairs needs at the very least: the images and
    every layer's attention probabilities, which backward must keep (the rest only adds to it)."""
    rows, cols = cfg.grid
    seq = 1 + cfg.max_text_len + 2 + rows * cols
    layers = cfg.depth + cfg.unimodal_depth
    per_pair = 3 * cfg.image_size**2 + layers * cfg.heads * seq * seq
    return pairs * per_pair * FLOAT_BYTES


def check_training_memory(cfg: ModelConfig, pairs: int, available: int | None = None) -> None:
    need = training_bytes_lower_bound(cfg, pairs)
    available = available_memory() if available is None else available
    if available is not None and need > available:
        raise ConfigError(
            f"a training step over {pairs} image-text pairs needs at least {format_bytes(need)} of memory, "
            f"more than the {format_bytes(available)} available; use a smaller batch size"
        )


def available_memory() -> int | None:
    """Bytes the system could give this process now (MemAvailable), or None where it cannot be told."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        import os

        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def check_budget(cfg: ModelConfig, available: int | None = None) -> Budget:
    """ConfigError when the config's model, or one probe of it, cannot fit in the memory there is."""
    budget = estimate(cfg)
    shape = (
        f"width {cfg.width}, depth {cfg.depth}, unimodal_depth {cfg.unimodal_depth}, heads {cfg.heads}, "
        f"max_text_len {cfg.max_text_len}, {len(cfg.vocab)} words, grid {cfg.grid[0]}x{cfg.grid[1]}"
    )
    if budget.parameters > MAX_PARAMETERS:
        raise ConfigError(f"the config ({shape}) describes {budget.describe()}; the limit is {MAX_PARAMETERS / 1e9:.0f} billion parameters")
    available = available_memory() if available is None else available
    if available is not None and budget.probe_bytes > available:
        raise ConfigError(
            f"the config ({shape}) needs {budget.describe()}, more than the {format_bytes(available)} of memory available"
        )
    return budget
