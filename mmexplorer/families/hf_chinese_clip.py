"""Chinese-CLIP (Hugging Face `ChineseCLIPModel`): a dual encoder for Chinese captions."""

from mmexplorer.families.family import QT_TRANSLATE_NOOP, Family
from mmexplorer.spec import FusionSpec

FAMILY = Family(
    spec=FusionSpec(
        fusion="hf-chinese-clip",
        category="contrastive",
        cross_kind=None,
        default_map="similarity",
        note=QT_TRANSLATE_NOOP("Explain", "Chinese-CLIP, a dual encoder (contrastive): there is NO cross-modal attention. "
                               "The map is the cosine similarity of the token's projected embedding with each projected "
                               "patch — a similarity, not attention."),
        contrastive=True,
    ),
    origin="pretrained",
    implementation="mmexplorer.engine.external.hf_chinese_clip",
    cell="mmexplorer.engine.external.hf_chinese_clip_qkv:head_tensors",
    kinds=("text", "image"),
    architectures=("ChineseCLIPModel",),
    model_types=("chinese_clip",),
)
