"""ViLT image-text retrieval (Hugging Face `ViltForImageAndTextRetrieval`): early fusion."""

from mmexplorer.families.family import QT_TRANSLATE_NOOP, Family
from mmexplorer.spec import FusionSpec

FAMILY = Family(
    spec=FusionSpec(
        fusion="hf-vilt",
        category="early",
        cross_kind="joint",
        default_map="attention",
        note=QT_TRANSLATE_NOOP("Explain", "ViLT, early fusion: the words, the image [CLS] and the patches run through one "
                               "transformer; the map is the word's row of the joint attention over the patch columns."),
    ),
    origin="pretrained",
    implementation="mmexplorer.engine.external.hf_vilt",
    cell="mmexplorer.engine.external.hf_vilt_qkv:head_tensors",
    kinds=("joint",),
    architectures=("ViltForImageAndTextRetrieval",),
)
