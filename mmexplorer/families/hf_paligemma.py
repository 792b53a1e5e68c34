"""PaliGemma / PaliGemma 2 (Hugging Face `PaliGemmaForConditionalGeneration`): a generative vision-language model,
early fusion as a prefix-LM (the image and the prompt attend to each other both ways, the answer causally)."""

from mmexplorer.families.family import QT_TRANSLATE_NOOP, Family
from mmexplorer.spec import FusionSpec

FAMILY = Family(
    spec=FusionSpec(
        fusion="hf-paligemma",
        category="early",
        cross_kind=None,
        default_map="attention",
        generative=True,
        note=QT_TRANSLATE_NOOP("Explain", "PaliGemma, early fusion as a prefix-LM: the photo's SigLIP patches, one token "
                               "each, and the prompt form a prefix that attends both ways; the answer attends causally. "
                               "The map is an answer token's attention on the image tokens."),
    ),
    origin="pretrained",
    implementation="mmexplorer.engine.external.hf_paligemma",
    architectures=("PaliGemmaForConditionalGeneration",),
    facts={"hub_ids": ("google/paligemma2-3b-mix-224", "google/paligemma-3b-mix-224")},
)
