"""SigLIP (Hugging Face `SiglipModel`): a dual encoder trained with a sigmoid loss."""

from mmexplorer.families.family import QT_TRANSLATE_NOOP, Family
from mmexplorer.spec import FusionSpec

FAMILY = Family(
    spec=FusionSpec(
        fusion="hf-siglip",
        category="contrastive",
        cross_kind=None,
        default_map="similarity",
        note=QT_TRANSLATE_NOOP("Explain", "SigLIP, a dual encoder trained with a sigmoid loss: there is NO cross-modal "
                               "attention. The map is the cosine similarity of the word's embedding with each patch's (the "
                               "pooling head applied to that patch) — a similarity, not attention."),
        contrastive=True,
    ),
    origin="pretrained",
    implementation="mmexplorer.engine.external.hf_siglip",
    cell="mmexplorer.engine.external.hf_siglip_qkv:head_tensors",
    kinds=("text", "image"),
    architectures=("SiglipModel",),
    model_types=("siglip",),
)
