"""torchvision's VisionTransformer (vit_b_16 and friends) from a state-dict file the user has on disk."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

import torch

from mmexplorer.families.torchvision_vit import FAMILY
from mmexplorer.engine.external.base import ExternalConfig, ExternalModel, NoTextTokenizer, parameter_count
from mmexplorer.engine.external.classifier_record import classifier_record
from mmexplorer.engine.external.record_builder import ignored_size_note
from mmexplorer.engine.external.crop import torchvision_image_box
from mmexplorer.engine.external.errors import ExternalModelError
from mmexplorer.engine.external.detect import display_name
from mmexplorer.engine.external.record_parts import grads_for, to_pil, top_classes
from mmexplorer.engine.external.tv_arch import ViTArch, infer_arch, read_state_dict, sidecar_heads
from mmexplorer.engine.external.tv_attention import wrap_attention
from mmexplorer.engine.external.tv_preprocess import Preprocess, imagenet_categories, preprocess_for
from mmexplorer.engine.model_api import Preprocessed

FUSION = FAMILY.name
SPEC = FAMILY.spec


def load(path: str | Path, device, name: str | None = None, num_heads: int | None = None) -> "TorchvisionViT":
    """Build the VisionTransformer the tensors describe and load them strictly."""
    from torchvision.models.vision_transformer import VisionTransformer

    state = read_state_dict(path)
    arch = infer_arch(state, num_heads or sidecar_heads(path), source=str(path))
    net = VisionTransformer(
        image_size=arch.image_size,
        patch_size=arch.patch_size,
        num_layers=arch.num_layers,
        num_heads=arch.num_heads,
        hidden_dim=arch.hidden_dim,
        mlp_dim=arch.mlp_dim,
        num_classes=arch.num_classes,
        representation_size=arch.representation_size,
    )
    try:
        net.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        raise ExternalModelError(f"{path}: the tensors do not fit the inferred ViT {arch.to_dict()} ({str(exc).splitlines()[0]})") from None
    return TorchvisionViT(net.float().eval().to(device), arch, name or display_name(Path(path)), str(path))


class TorchvisionViT(ExternalModel):
    spec = SPEC

    def __init__(self, net, arch: ViTArch, name: str, source: str) -> None:
        self.arch = arch
        self.preprocess_recipe: Preprocess = preprocess_for(arch)
        categories = imagenet_categories() if arch.num_classes == 1000 else None
        self.categories = categories
        cfg = ExternalConfig(
            name=name,
            fusion=FUSION,
            fields={"image_size": arch.image_size, "patch_size": arch.patch_size, "width": arch.hidden_dim,
                    "depth": arch.num_layers, "heads": arch.num_heads, "pos_embed": "learned", "max_text_len": 0},
            details={
                "family": f"torchvision VisionTransformer ({arch.builder or 'custom size'})",
                "source": source,
                "attention": "nn.MultiheadAttention called with need_weights=True (per-head weights)",
                "cross_modal_attention": "none: an image-only classifier",
                "architecture": arch.to_dict(),
                "classes": arch.num_classes,
                "class_names": "ImageNet-1k (torchvision metadata)" if categories else "class indices",
                "parameters": parameter_count(net),
                "preprocess": self.preprocess_recipe.settings(),
            },
        )
        super().__init__(net, cfg, NoTextTokenizer(), source)
        self.wrappers = wrap_attention(net.encoder.layers)  # after load_state_dict: the keys stay torchvision's

    def preprocess(self, image, input_size: int | None = None) -> Preprocessed:
        box = torchvision_image_box(self.preprocess_recipe.resize_size, self.preprocess_recipe.crop_size, *image.size)
        return Preprocessed(self.preprocess_recipe(to_pil(image)).unsqueeze(0), box)

    def label(self, index: int) -> str:
        return self.categories[index] if self.categories else f"class {index}"

    @contextlib.contextmanager
    def _recording(self, keep_graph: bool):
        events: list[torch.Tensor] = []  # per layer [1, H, 1+N, 1+N], in execution order
        for w in self.wrappers:
            w.sink, w.keep_graph = events.append, keep_graph
        try:
            yield events
        finally:
            for w in self.wrappers:
                w.sink, w.keep_graph = None, False

    def capture(self, sample, relevancy: bool = True, input_size: int | None = None):
        device = self.device
        t0 = time.perf_counter()
        pre = self.preprocess(sample.image)
        pixels = pre.pixels.to(device)  # [1, 3, S, S]
        t1 = time.perf_counter()
        with (torch.enable_grad() if relevancy else torch.no_grad()), self._recording(relevancy) as events:
            logits = self.net(pixels)[0]  # [C]
            grads = grads_for(logits.max(), events) if relevancy else None
        t2 = time.perf_counter()
        side = self.arch.image_size // self.arch.patch_size
        return classifier_record(
            self,
            sample,
            attention=tuple(w[0].detach().float().cpu().numpy() for w in events),
            grads=grads,
            grid=(side, side),
            image_box=pre.image_box,
            patch_positions=self.net.encoder.pos_embedding[0, 1:].detach().float().cpu().numpy(),  # [N, D]
            classes=top_classes(logits, self.label),
            timings={"preprocess_s": t1 - t0, "forward_s": t2 - t1},
            family_meta={"attention": "need_weights=True, average_attn_weights=False",
                         "preprocess": self.preprocess_recipe.settings()},
            notes=ignored_size_note(input_size),
        )
