"""SigLIP 2 (Hugging Face `Siglip2Model`, NaFlex): a dual encoder that sees the photo at its own aspect ratio."""

from mmexplorer.families.family import QT_TRANSLATE_NOOP, Family
from mmexplorer.spec import FusionSpec

FAMILY = Family(
    spec=FusionSpec(
        fusion="hf-siglip2",
        category="contrastive",
        cross_kind=None,
        default_map="similarity",
        note=QT_TRANSLATE_NOOP("Explain", "SigLIP 2 (NaFlex, the photo's own aspect ratio), a dual encoder: there is NO "
                               "cross-modal attention. The map is the cosine similarity of the word's embedding with each "
                               "patch's (the pooling head applied to that patch) — a similarity, not attention."),
        contrastive=True,
    ),
    origin="pretrained",
    implementation="mmexplorer.engine.external.hf_siglip2",
    cell="mmexplorer.engine.external.hf_siglip_qkv:head_tensors",
    kinds=("text", "image"),
    architectures=("Siglip2Model",),
    model_types=("siglip2",),
)
