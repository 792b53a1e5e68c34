"""FLAVA (Hugging Face `FlavaForPreTraining` / `FlavaModel`): hybrid fusion."""

from mmexplorer.families.family import QT_TRANSLATE_NOOP, Family
from mmexplorer.spec import FusionSpec

FAMILY = Family(
    spec=FusionSpec(
        fusion="hf-flava",
        category="hybrid",
        cross_kind="joint",
        default_map="attention",
        note=QT_TRANSLATE_NOOP("Explain", "FLAVA, hybrid fusion: unimodal image and text encoders (with a contrastive "
                               "head), then a multimodal encoder over both (feature level) with an image-text matching "
                               "head; the map is the word's row of the multimodal encoder's joint attention over the patch "
                               "columns."),
    ),
    origin="pretrained",
    implementation="mmexplorer.engine.external.hf_flava",
    cell="mmexplorer.engine.external.hf_flava_qkv:head_tensors",
    kinds=("image", "text", "joint"),
    architectures=("FlavaForPreTraining", "FlavaModel"),
    model_types=("flava",),
)
