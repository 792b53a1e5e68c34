"""BLIP image-text matching (Hugging Face `BlipForImageTextRetrieval`): cross-attention fusion."""

from mmexplorer.families.family import QT_TRANSLATE_NOOP, Family
from mmexplorer.spec import FusionSpec

FAMILY = Family(
    spec=FusionSpec(
        fusion="hf-blip-itm",
        category="cross",
        cross_kind="text_to_image",
        default_map="attention",
        note=QT_TRANSLATE_NOOP("Explain", "BLIP, cross-attention fusion: a ViT encodes the image, and every layer of the "
                               "BERT text encoder cross-attends from the words (queries) to the image's [CLS] and patches "
                               "(keys and values); the map is the word's cross-attention over the patches."),
    ),
    origin="pretrained",
    implementation="mmexplorer.engine.external.hf_blip",
    cell="mmexplorer.engine.external.hf_blip_qkv:head_tensors",
    kinds=("image", "text", "text_to_image"),
    architectures=("BlipForImageTextRetrieval",),
)
