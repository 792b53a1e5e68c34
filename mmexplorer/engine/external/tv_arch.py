"""A torchvision VisionTransformer's architecture, read from the shapes of its state dict.

The file is read with torch.load(weights_only=True): tensors only, never
arbitrary pickled objects.
"""

from __future__ import annotations

import math
import os
import re
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from mmexplorer.engine.external.errors import ExternalModelError

# torchvision's own width -> heads choices (vit_b: 768/12, vit_l: 1024/16, vit_h: 1280/16).
HEADS_BY_WIDTH = {768: 12, 1024: 16, 1280: 16}
# (patch, width, layers) -> torchvision builder, for its preprocessing and class names.
BUILDERS = {(16, 768, 12): "vit_b_16", (32, 768, 12): "vit_b_32", (16, 1024, 24): "vit_l_16",
            (32, 1024, 24): "vit_l_32", (14, 1280, 32): "vit_h_14"}
_LAYER = re.compile(r"^encoder\.layers\.encoder_layer_(\d+)\.")


@dataclass(frozen=True)
class ViTArch:
    image_size: int
    patch_size: int
    num_layers: int
    num_heads: int
    hidden_dim: int
    mlp_dim: int
    num_classes: int
    representation_size: int | None  # width of the optional pre-logits layer

    @property
    def builder(self) -> str | None:
        return BUILDERS.get((self.patch_size, self.hidden_dim, self.num_layers))

    def to_dict(self) -> dict:
        return asdict(self)


def read_state_dict(path: str | Path) -> dict[str, torch.Tensor]:
    """Tensors of a saved state dict (also accepts {"model": ...} / {"state_dict": ...} and DataParallel's "module.")."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. the pickle-protocol notice of a file we may refuse anyway
            obj = torch.load(str(path), map_location="cpu", weights_only=True)
    except Exception as exc:  # not a torch file, or it holds objects weights_only refuses
        raise ExternalModelError(f"{path} is not a weights-only torch state dict ({type(exc).__name__})") from None
    for key in ("model", "state_dict"):
        if isinstance(obj, dict) and isinstance(obj.get(key), dict):
            obj = obj[key]
    if not isinstance(obj, dict) or not all(isinstance(v, torch.Tensor) for v in obj.values()):
        raise ExternalModelError(f"{path} does not hold a state dict of tensors")
    state = {k.removeprefix("module."): v for k, v in obj.items()}
    # Files saved by torchvision < 0.13 name the MLP layers linear_1 / linear_2.
    return {k.replace(".mlp.linear_1.", ".mlp.0.").replace(".mlp.linear_2.", ".mlp.3."): v for k, v in state.items()}


def sidecar_heads(path: str | Path) -> int | None:
    """num_heads from WEIGHTS.json next to WEIGHTS.pth, when the user wrote one."""
    from mmexplorer.data.files import read_json_file

    side = Path(path).with_suffix(".json")
    if not os.path.lexists(side):
        return None
    data = read_json_file(side, ExternalModelError, limit=1 << 16)  # a sidecar is a line; not a FIFO, not 1 GiB
    heads = data.get("num_heads") if isinstance(data, dict) else None
    if isinstance(heads, bool) or not isinstance(heads, int) or not 1 <= heads <= 1024:
        raise ExternalModelError(f'{side} must be JSON like {{"num_heads": 12}} (a whole number from 1 to 1024)')
    return heads


MAX_LAYERS = 256
DIM_LIMITS = {"width": 16_384, "patch": 1024, "grid side": 256, "mlp width": 131_072, "classes": 1_000_000}


def _layer_count(state: dict[str, torch.Tensor], source: str) -> int:
    """Encoder layers, from the keys: every index 0..L-1 present with the same tensors as layer 0.

    A file with the single key encoder_layer_1999 must not make us build 2000 layers.
    """
    suffixes: dict[int, set[str]] = {}
    for key in state:
        m = _LAYER.match(key)
        if m:
            suffixes.setdefault(int(m.group(1)), set()).add(key[m.end():])
    if not suffixes:
        raise ExternalModelError(f"{source} has no encoder layers")
    count = max(suffixes) + 1
    if count > MAX_LAYERS:
        raise ExternalModelError(f"{source}: encoder_layer_{count - 1} means {count} layers; the limit is {MAX_LAYERS}")
    missing = [i for i in range(count) if i not in suffixes]
    if missing:
        raise ExternalModelError(f"{source}: encoder layer {missing[0]} is missing (the file names layers up to {count - 1})")
    first = suffixes[0]
    if "mlp.0.weight" not in first:
        raise ExternalModelError(f"{source}: encoder layer 0 has no MLP weights (mlp.0.weight)")
    for i in range(1, count):
        if suffixes[i] != first:
            odd = sorted(first ^ suffixes[i])[0]
            raise ExternalModelError(f"{source}: encoder layer {i} does not have the tensors of layer 0 (e.g. {odd})")
    return count


def _check_dims(source: str, width: int, patch: int, side: int, state: dict[str, torch.Tensor]) -> None:
    dims = {
        "width": width,
        "patch": patch,
        "grid side": side,
        "mlp width": int(state["encoder.layers.encoder_layer_0.mlp.0.weight"].shape[0]),
        "classes": int(state["heads.head.weight"].shape[0]),
    }
    for name, value in dims.items():
        if not 1 <= value <= DIM_LIMITS[name]:
            raise ExternalModelError(f"{source}: the weights give a {name} of {value}; expected 1 to {DIM_LIMITS[name]}")
    # building the network makes a second copy of every tensor, and one probe keeps every layer's attention
    from mmexplorer.models.budget import available_memory

    tokens = 1 + side * side
    layers = len({k.split(".")[2] for k in state if _LAYER.match(k)})
    need = 2 * sum(t.numel() * t.element_size() for t in state.values()) + layers * 4 * tokens * tokens * 4 * 16
    available = available_memory()
    if available is not None and need > available:
        from mmexplorer.data.files import format_bytes

        raise ExternalModelError(f"{source} needs about {format_bytes(need)} of memory, more than the {format_bytes(available)} available")


def infer_arch(state: dict[str, torch.Tensor], num_heads: int | None = None, source: str = "the weights") -> ViTArch:
    need = ("conv_proj.weight", "encoder.pos_embedding", "class_token", "heads.head.weight")
    missing = [k for k in need if k not in state]
    if missing:
        raise ExternalModelError(f"{source} is not a torchvision VisionTransformer state dict (no {', '.join(missing)})")
    shapes = {k: tuple(state[k].shape) for k in need}
    expected = {"conv_proj.weight": "[D, 3, p, p]", "encoder.pos_embedding": "[1, 1+N, D]",
                "class_token": "[1, 1, D]", "heads.head.weight": "[C, D]"}
    for key, dims in expected.items():  # a hostile file's 1-D position embedding must not be indexed as 3-D
        if len(shapes[key]) != dims.count(",") + 1:
            raise ExternalModelError(f"{source}: {key} has shape {list(shapes[key])}; a torchvision ViT's is {dims}")
    width, _, patch, _ = shapes["conv_proj.weight"]  # [D, 3, p, p]
    n_patches = shapes["encoder.pos_embedding"][1] - 1  # [1, 1+N, D]
    side = math.isqrt(n_patches)
    if side * side != n_patches:
        raise ExternalModelError(f"{source}: {n_patches} position embeddings do not form a square grid")
    layers = _layer_count(state, source)
    _check_dims(source, int(width), int(patch), side, state)
    heads = num_heads or HEADS_BY_WIDTH.get(int(width))
    if not heads or width % heads:
        raise ExternalModelError(
            f"{source}: cannot tell the number of attention heads for width {width}; "
            'write {"num_heads": N} to a .json file of the same name next to the weights'
        )
    pre = state.get("heads.pre_logits.weight")
    return ViTArch(
        image_size=side * int(patch),
        patch_size=int(patch),
        num_layers=layers,
        num_heads=int(heads),
        hidden_dim=int(width),
        mlp_dim=int(state["encoder.layers.encoder_layer_0.mlp.0.weight"].shape[0]),  # [mlp, D]
        num_classes=int(state["heads.head.weight"].shape[0]),  # [C, D or representation]
        representation_size=None if pre is None else int(pre.shape[0]),
    )
