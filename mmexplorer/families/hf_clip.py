"""CLIP (Hugging Face `CLIPModel`): a dual encoder trained contrastively."""

from mmexplorer.families.family import QT_TRANSLATE_NOOP, Family
from mmexplorer.spec import FusionSpec

FAMILY = Family(
    spec=FusionSpec(
        fusion="hf-clip",
        category="contrastive",
        cross_kind=None,
        default_map="similarity",
        note=QT_TRANSLATE_NOOP("Explain", "CLIP, a dual encoder (contrastive): there is NO cross-modal attention. The map "
                               "is the cosine similarity of the word's projected embedding with each projected patch — a "
                               "similarity, not attention."),
        contrastive=True,
    ),
    origin="pretrained",
    implementation="mmexplorer.engine.external.hf_clip",
    cell="mmexplorer.engine.external.hf_clip_qkv:head_tensors",
    kinds=("text", "image"),
    architectures=("CLIPModel",),
    model_types=("clip",),
)
