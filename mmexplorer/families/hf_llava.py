"""LLaVA-1.5 (Hugging Face `LlavaForConditionalGeneration`): a generative vision-language model, early fusion
(one grid of projected CLIP patch tokens inside a language model)."""

from mmexplorer.families.family import QT_TRANSLATE_NOOP, Family
from mmexplorer.spec import FusionSpec

FAMILY = Family(
    spec=FusionSpec(
        fusion="hf-llava",
        category="early",
        cross_kind=None,
        default_map="attention",
        generative=True,
        note=QT_TRANSLATE_NOOP("Explain", "LLaVA, early fusion: the photo's centre crop is one grid of CLIP patches, each "
                               "projected into one token of a causal language model; the map is an answer token's "
                               "attention on the image tokens."),
    ),
    origin="pretrained",
    implementation="mmexplorer.engine.external.hf_llava",
    architectures=("LlavaForConditionalGeneration",),
    facts={"hub_ids": ("llava-hf/llava-1.5-7b-hf",)},
)
