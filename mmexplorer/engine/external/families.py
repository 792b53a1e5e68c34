"""The registry of pretrained model families: one line per family, nothing else chooses by name.

Each family is one adapter module under engine/external that defines SPEC
(a FusionSpec: its fusion category, cross-modal kind, default map and note)
and load(path, device, name) -> an ExplorableModel. Detection reads only
config.json (architectures, else model_type), so listing models stays cheap;
the module, and with it torch and transformers, is imported only to load.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from mmexplorer.spec import FusionSpec

_PACKAGE = "mmexplorer.engine.external."


@dataclass(frozen=True)
class Family:
    fusion: str  # the registry name records and catalog entries carry
    module: str  # adapter module under engine/external
    architectures: tuple[str, ...] = ()  # config.json "architectures" this family opens
    model_types: tuple[str, ...] = ()  # config.json "model_type", used when no architecture is named

    def adapter(self):
        return importlib.import_module(_PACKAGE + self.module)


FAMILIES: tuple[Family, ...] = (
    Family("hf-clip", "hf_clip", ("CLIPModel",), ("clip",)),
    Family("hf-vit", "hf_vit", ("ViTForImageClassification",), ("vit",)),
    Family("torchvision-vit", "torchvision_vit"),  # a .pth state dict, recognised by its suffix
    Family("hf-siglip", "hf_siglip", ("SiglipModel",), ("siglip",)),
    Family("hf-siglip2", "hf_siglip2", ("Siglip2Model",), ("siglip2",)),
    Family("hf-chinese-clip", "hf_chinese_clip", ("ChineseCLIPModel",), ("chinese_clip",)),
    Family("hf-blip-itm", "hf_blip", ("BlipForImageTextRetrieval",), ()),
    Family("hf-vilt", "hf_vilt", ("ViltForImageAndTextRetrieval",), ()),
    Family("hf-vilt-vqa", "hf_vilt_vqa", ("ViltForQuestionAnswering",), ()),
    Family("hf-flava", "hf_flava", ("FlavaForPreTraining", "FlavaModel"), ("flava",)),
)

BY_FUSION = {f.fusion: f for f in FAMILIES}


def family(fusion: str) -> Family | None:
    return BY_FUSION.get(fusion)


def family_spec(fusion: str) -> FusionSpec:
    """The family's spec (imports its adapter module, hence torch)."""
    return BY_FUSION[fusion].adapter().SPEC


def hf_family(architectures: list, model_type) -> Family | None:
    """The family that opens a Hugging Face config with these architectures (else this model_type)."""
    for name in architectures:
        for f in FAMILIES:
            if name in f.architectures:
                return f
    if not architectures:
        return next((f for f in FAMILIES if model_type in f.model_types), None)
    return None


def supported_architectures() -> list[str]:
    return [a for f in FAMILIES for a in f.architectures]
