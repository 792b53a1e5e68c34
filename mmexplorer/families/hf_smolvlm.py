"""SmolVLM / SmolVLM2 (Hugging Face `SmolVLMForConditionalGeneration`, the Idefics3 architecture): a generative
vision-language model, early fusion (projected image tokens inside a language model)."""

from mmexplorer.families.family import QT_TRANSLATE_NOOP, Family
from mmexplorer.spec import FusionSpec

FAMILY = Family(
    spec=FusionSpec(
        fusion="hf-smolvlm",
        category="early",
        cross_kind=None,
        default_map="attention",
        generative=True,
        note=QT_TRANSLATE_NOOP("Explain", "SmolVLM, early fusion: the photo is cut into tiles plus a downscaled global "
                               "view, each tile's patches merged 2 x 2 by pixel shuffle into tokens of a causal "
                               "language model; the map is an answer token's attention on the image tokens, each tile "
                               "in its place on the photo."),
    ),
    origin="pretrained",
    implementation="mmexplorer.engine.external.hf_smolvlm",
    architectures=("SmolVLMForConditionalGeneration",),
    facts={"hub_ids": ("HuggingFaceTB/SmolVLM-256M-Instruct", "HuggingFaceTB/SmolVLM2-256M-Video-Instruct")},
)
