"""ViLT for question answering (Hugging Face `ViltForQuestionAnswering`): early fusion, scored by its top answer."""

from mmexplorer.families.family import QT_TRANSLATE_NOOP, Family
from mmexplorer.spec import FusionSpec

FAMILY = Family(
    spec=FusionSpec(
        fusion="hf-vilt-vqa",
        category="early",
        cross_kind="joint",
        default_map="attention",
        note=QT_TRANSLATE_NOOP("Explain", "ViLT for question answering, early fusion: the question's words, the image "
                               "[CLS] and the patches run through one transformer; the map is the word's row of the joint "
                               "attention over the patch columns, and the score is the top answer's."),
    ),
    origin="pretrained",
    implementation="mmexplorer.engine.external.hf_vilt_vqa",
    kinds=("joint",),
    architectures=("ViltForQuestionAnswering",),
)
