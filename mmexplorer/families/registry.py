"""The one list of fusion strategies and pretrained model families: a line each.

Adding a family is one module in this package exporting FAMILY, and one line
below. Nothing else in the project keeps a list of fusion or family names:
it asks this registry.
"""

from __future__ import annotations

from mmexplorer.families import (
    contrastive,
    cross,
    early,
    hf_blip_itm,
    hf_chinese_clip,
    hf_clip,
    hf_flava,
    hf_llava,
    hf_paligemma,
    hf_siglip,
    hf_siglip2,
    hf_smolvlm,
    hf_vilt,
    hf_vilt_vqa,
    hf_vit,
    hybrid,
    late,
    torchvision_vit,
)
from mmexplorer.families.family import Family
from mmexplorer.spec import FusionSpec

FAMILIES: list[Family] = [
    # the bundled strategies, in the order of the fusion buttons
    early.FAMILY,
    cross.FAMILY,
    hybrid.FAMILY,
    late.FAMILY,
    contrastive.FAMILY,
    # pretrained families, opened from a folder, the Hugging Face cache or a hub id
    hf_clip.FAMILY,
    hf_vit.FAMILY,
    torchvision_vit.FAMILY,
    hf_siglip.FAMILY,
    hf_siglip2.FAMILY,
    hf_chinese_clip.FAMILY,
    hf_blip_itm.FAMILY,
    hf_vilt.FAMILY,
    hf_vilt_vqa.FAMILY,
    hf_flava.FAMILY,
    # generative vision-language models: a question about the picture, an answer
    hf_smolvlm.FAMILY,
    hf_llava.FAMILY,
    hf_paligemma.FAMILY,
]


def register(family: Family) -> Family:
    """Add a family at run time (the tests' own families: slow, failing, crashing models); replaces one of the
    same name."""
    unregister(family.name)
    FAMILIES.append(family)
    return family


def unregister(name: str) -> None:
    FAMILIES[:] = [f for f in FAMILIES if f.name != name]


def families() -> tuple[Family, ...]:
    return tuple(FAMILIES)


def names() -> tuple[str, ...]:
    return tuple(f.name for f in FAMILIES)


def bundled() -> tuple[Family, ...]:
    """The strategies trained on the shapes world, in the order of the fusion buttons."""
    return tuple(f for f in FAMILIES if f.bundled)


def bundled_names() -> tuple[str, ...]:
    return tuple(f.name for f in bundled())


def pretrained() -> tuple[Family, ...]:
    return tuple(f for f in FAMILIES if not f.bundled)


def find(name: str) -> Family | None:
    return next((f for f in FAMILIES if f.name == name), None)


def get(name: str) -> Family:
    found = find(name)
    if found is None:
        raise ValueError(f"unknown fusion {name!r}; known: {', '.join(names())}")
    return found


def spec(name: str) -> FusionSpec:
    return get(name).spec


def for_hf_config(architectures: list, model_type) -> Family | None:
    """The pretrained family that opens a Hugging Face config with these architectures (else this model_type)."""
    for arch in architectures:
        for f in pretrained():
            if arch in f.architectures:
                return f
    if not architectures:
        return next((f for f in pretrained() if model_type in f.model_types), None)
    return None


def for_file_suffix(suffix: str) -> Family | None:
    """The pretrained family whose weights come as one file with this suffix (".pth")."""
    return next((f for f in pretrained() if suffix.lower() in f.file_suffixes), None)


def supported_architectures() -> list[str]:
    return [a for f in pretrained() for a in f.architectures]
