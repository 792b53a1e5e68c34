"""Preprocessing for a torchvision ViT: the transforms of torchvision's own weights for that architecture.

A state dict carries no processor, so the ImageNet preset of the first
torchvision weights of the same builder and input size is used (e.g.
vit_b_16 at 224: resize the shorter edge to 256, bilinear, centre-crop 224).
Sizes torchvision does not ship get the same recipe scaled (resize = size * 256/224).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from mmexplorer.engine.external.tv_arch import ViTArch

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


@dataclass(frozen=True)
class Preprocess:
    crop_size: int
    resize_size: int  # shorter edge before the centre crop
    interpolation: str  # torchvision InterpolationMode name
    mean: tuple[float, ...]
    std: tuple[float, ...]
    origin: str  # which torchvision weights the recipe comes from

    def __call__(self, pil_image) -> torch.Tensor:
        """PIL RGB -> float32 [3, S, S], as torchvision's ImageClassification preset does."""
        from torchvision.transforms import InterpolationMode
        from torchvision.transforms import functional as F

        img = F.resize(pil_image, [self.resize_size], interpolation=InterpolationMode[self.interpolation], antialias=True)
        img = F.center_crop(img, [self.crop_size])
        tensor = F.convert_image_dtype(F.pil_to_tensor(img), torch.float)
        return F.normalize(tensor, mean=list(self.mean), std=list(self.std))

    def settings(self) -> dict:
        return {"resize_shorter_edge": self.resize_size, "center_crop": self.crop_size,
                "interpolation": self.interpolation.lower(), "mean": list(self.mean), "std": list(self.std),
                "from": self.origin}


def preprocess_for(arch: ViTArch) -> Preprocess:
    weights = _matching_weights(arch)
    if weights is not None:
        t = weights.transforms()  # torchvision.transforms._presets.ImageClassification
        return Preprocess(int(t.crop_size[0]), int(t.resize_size[0]), t.interpolation.name.upper(),
                          tuple(t.mean), tuple(t.std), f"torchvision {weights}")
    resize = round(arch.image_size * 256 / 224)
    return Preprocess(arch.image_size, resize, "BILINEAR", IMAGENET_MEAN, IMAGENET_STD,
                      "ImageNet recipe (resize x256/224, centre crop)")


def _matching_weights(arch: ViTArch):
    if arch.builder is None:
        return None
    from torchvision.models import get_model_weights

    for weights in get_model_weights(arch.builder):
        if weights.transforms.keywords.get("crop_size") == arch.image_size:
            return weights
    return None


def imagenet_categories() -> list[str]:
    """The 1000 ImageNet class names shipped in torchvision's weights metadata (no download)."""
    from torchvision.models import ViT_B_16_Weights

    return list(ViT_B_16_Weights.IMAGENET1K_V1.meta["categories"])
